//! Playing the display's voice announcements.
//!
//! - [`Clip`]: 16-bit PCM read from and written to WAV (the server serves 16 kHz mono).
//! - [`AudioSink`]: plays one clip to its end, blocking. [`WavFileSink`] writes numbered WAV files (tests,
//!   a display without a speaker); [`alsa::AlsaSink`] plays on an ALSA device (feature `audio-alsa`).
//! - [`Announcer`]: one thread and a FIFO queue. Clips play one after another: a new announcement never
//!   cuts the current one off and is never dropped; one that has waited longer than the stale limit is
//!   skipped with a log line rather than played late.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[cfg(feature = "audio-alsa")]
pub mod alsa;

/// Interleaved 16-bit PCM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip {
    pub rate: u32,
    pub channels: u16,
    pub samples: Vec<i16>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WavError {
    #[error("not a RIFF/WAVE file")]
    NotWav,
    #[error("the WAV file has no format chunk before its data")]
    NoFormat,
    #[error("unsupported WAV: format {format}, {bits} bits, {channels} channels, {rate} Hz (16-bit PCM only)")]
    Unsupported { format: u16, bits: u16, channels: u16, rate: u32 },
    #[error("the WAV file has no data chunk")]
    NoData,
    #[error("the WAV data is cut short: {found} of {declared} bytes")]
    Truncated { declared: usize, found: usize },
}

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

impl Clip {
    /// Reads a 16-bit integer PCM WAV (plain or extensible format, any rate and channel count).
    pub fn from_wav(bytes: &[u8]) -> Result<Clip, WavError> {
        if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
            return Err(WavError::NotWav);
        }
        let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut format = None;
        let mut pos = 12;
        while pos + 8 <= bytes.len() {
            let id = &bytes[pos..pos + 4];
            let size = u32_at(bytes, pos + 4) as usize;
            let body = pos + 8;
            let available = bytes.len() - body;
            match id {
                b"fmt " if size >= 16 && available >= 16 => {
                    let f = &bytes[body..];
                    let (tag, channels, rate, bits) = (u16_at(f, 0), u16_at(f, 2), u32_at(f, 4), u16_at(f, 14));
                    // The extensible format names its real format in the first two bytes of its GUID.
                    let tag = if tag == WAVE_FORMAT_EXTENSIBLE && size >= 26 && available >= 26 {
                        u16_at(f, 24)
                    } else {
                        tag
                    };
                    if tag != WAVE_FORMAT_PCM || bits != 16 || channels == 0 || rate == 0 {
                        return Err(WavError::Unsupported { format: tag, bits, channels, rate });
                    }
                    format = Some((rate, channels));
                }
                b"data" => {
                    let (rate, channels) = format.ok_or(WavError::NoFormat)?;
                    if size > available {
                        return Err(WavError::Truncated { declared: size, found: available });
                    }
                    let samples = bytes[body..body + size].chunks_exact(2).map(|s| i16::from_le_bytes([s[0], s[1]]));
                    return Ok(Clip { rate, channels, samples: samples.collect() });
                }
                _ => {}
            }
            // Chunks are padded to an even length.
            pos = body.saturating_add(size).saturating_add(size & 1);
        }
        Err(WavError::NoData)
    }

    /// A canonical 44-byte-header PCM WAV.
    pub fn to_wav(&self) -> Vec<u8> {
        let data_len = (self.samples.len() * 2) as u32;
        let block_align = self.channels * 2;
        let mut out = Vec::with_capacity(44 + self.samples.len() * 2);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&WAVE_FORMAT_PCM.to_le_bytes());
        out.extend_from_slice(&self.channels.to_le_bytes());
        out.extend_from_slice(&self.rate.to_le_bytes());
        out.extend_from_slice(&(self.rate * u32::from(block_align)).to_le_bytes());
        out.extend_from_slice(&block_align.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        for s in &self.samples {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }

    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }

    /// How long the clip plays.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.frames() as f64 / f64::from(self.rate.max(1)))
    }

    /// The same sound at another rate and channel count (linear interpolation; mono is copied to every
    /// channel, several channels are averaged into mono), for a device that cannot take the clip as is.
    pub fn converted(&self, rate: u32, channels: u16) -> Clip {
        if rate == self.rate && channels == self.channels {
            return self.clone();
        }
        let from_channels = usize::from(self.channels.max(1));
        let to_channels = usize::from(channels.max(1));
        let frames = self.frames();
        let frame = |i: usize| &self.samples[i * from_channels..(i + 1) * from_channels];
        let sample = |f: &[i16], c: usize| -> f64 {
            if to_channels == 1 && from_channels > 1 {
                f.iter().map(|&s| f64::from(s)).sum::<f64>() / from_channels as f64
            } else {
                f64::from(f[c.min(from_channels - 1)])
            }
        };
        let out_frames = if frames == 0 { 0 } else { (frames as u64 * u64::from(rate)).div_ceil(u64::from(self.rate)) };
        let mut samples = Vec::with_capacity(out_frames as usize * to_channels);
        for j in 0..out_frames {
            let position = j as f64 * f64::from(self.rate) / f64::from(rate);
            let i = (position.floor() as usize).min(frames - 1);
            let next = (i + 1).min(frames - 1);
            let t = position - i as f64;
            for c in 0..to_channels {
                let value = sample(frame(i), c) * (1.0 - t) + sample(frame(next), c) * t;
                samples.push(value.round().clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16);
            }
        }
        Clip { rate, channels, samples }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("cannot write the announcement file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    /// A configured sink this build cannot drive.
    #[error("this build of kiosk-app has no ALSA support (build it with --features audio-alsa), so [audio] sink = {sink:?} cannot play")]
    NoAlsa { sink: String },
    #[cfg(feature = "audio-alsa")]
    #[error("ALSA device {device:?}: {action}: {source}")]
    Alsa { device: String, action: &'static str, source: ::alsa::Error },
}

/// Somewhere a clip can be played.
pub trait AudioSink: Send {
    /// Plays the whole clip and returns when it has been heard to its end.
    fn play(&mut self, clip: &Clip) -> Result<(), AudioError>;
}

/// One clip a [`WavFileSink`] wrote, and when its "playback" started and ended.
#[derive(Debug, Clone)]
pub struct WrittenClip {
    pub path: PathBuf,
    pub started: Instant,
    pub ended: Instant,
}

/// Writes each clip as `000001.wav`, `000002.wav`… in a directory, numbering on after files already
/// there. With [`WavFileSink::real_time`] it takes as long as playing the clip would, so the queue in
/// front of it behaves as in front of a speaker.
pub struct WavFileSink {
    dir: PathBuf,
    next: u64,
    real_time: bool,
    written: Arc<Mutex<Vec<WrittenClip>>>,
}

impl WavFileSink {
    pub fn new(dir: &Path) -> Result<WavFileSink, AudioError> {
        std::fs::create_dir_all(dir).map_err(|source| AudioError::Write { path: dir.into(), source })?;
        let entries = std::fs::read_dir(dir).map_err(|source| AudioError::Write { path: dir.into(), source })?;
        let last = entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".wav")?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        Ok(WavFileSink { dir: dir.into(), next: last + 1, real_time: false, written: Arc::default() })
    }

    /// Each clip takes as long as it would play.
    pub fn real_time(mut self) -> WavFileSink {
        self.real_time = true;
        self
    }

    /// What this sink has written so far; stays readable after the sink moved to an [`Announcer`].
    pub fn written(&self) -> WrittenLog {
        WrittenLog(self.written.clone())
    }
}

/// A view of the clips a [`WavFileSink`] wrote.
#[derive(Debug, Clone)]
pub struct WrittenLog(Arc<Mutex<Vec<WrittenClip>>>);

impl WrittenLog {
    pub fn clips(&self) -> Vec<WrittenClip> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl AudioSink for WavFileSink {
    fn play(&mut self, clip: &Clip) -> Result<(), AudioError> {
        let started = Instant::now();
        let path = self.dir.join(format!("{:06}.wav", self.next));
        // Written aside and renamed, so a reader never sees half a file.
        let part = path.with_extension("wav.part");
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&part)?;
            file.write_all(&clip.to_wav())?;
            file.sync_all()?;
            std::fs::rename(&part, &path)
        };
        write().map_err(|source| AudioError::Write { path: path.clone(), source })?;
        self.next += 1;
        if self.real_time {
            std::thread::sleep(clip.duration().saturating_sub(started.elapsed()));
        }
        let record = WrittenClip { path, started, ended: Instant::now() };
        self.written.lock().unwrap_or_else(|e| e.into_inner()).push(record);
        Ok(())
    }
}

/// One announcement waiting to be played.
#[derive(Debug, Clone)]
pub struct Announcement {
    /// The call or recall event it announces.
    pub seq: u64,
    pub clip: Clip,
    age_when_queued: Duration,
    queued: Instant,
}

impl Announcement {
    /// `age` is how long ago the call happened, as far as the caller can tell.
    pub fn new(seq: u64, clip: Clip, age: Duration) -> Announcement {
        Announcement { seq, clip, age_when_queued: age, queued: Instant::now() }
    }

    /// How long ago the call happened.
    pub fn age(&self) -> Duration {
        self.age_when_queued + self.queued.elapsed()
    }
}

/// What became of an announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Played {
        seq: u64,
    },
    /// It had waited `age`, longer than the stale limit.
    Skipped {
        seq: u64,
        age: Duration,
    },
    Failed {
        seq: u64,
        error: String,
    },
}

/// Plays queued announcements one after another on its own thread.
#[derive(Clone)]
pub struct Announcer {
    queue: mpsc::Sender<Announcement>,
}

impl Announcer {
    /// Starts the playing thread; it ends once every `Announcer` clone is dropped and the queue is played.
    /// `observe` hears every outcome (after the log line for a skip or a failure).
    pub fn start(
        mut sink: Box<dyn AudioSink>,
        stale_after: Duration,
        mut observe: impl FnMut(&Outcome) + Send + 'static,
    ) -> std::io::Result<Announcer> {
        let (queue, waiting) = mpsc::channel::<Announcement>();
        std::thread::Builder::new().name("announcer".into()).spawn(move || {
            for announcement in waiting {
                let seq = announcement.seq;
                let age = announcement.age();
                let outcome = if age > stale_after {
                    eprintln!(
                        "kiosk-app: announcement {seq} skipped: the call was {} s ago (stale after {} s)",
                        age.as_secs(),
                        stale_after.as_secs()
                    );
                    Outcome::Skipped { seq, age }
                } else {
                    match sink.play(&announcement.clip) {
                        Ok(()) => Outcome::Played { seq },
                        Err(e) => {
                            eprintln!("kiosk-app: announcement {seq} not played: {e}");
                            Outcome::Failed { seq, error: e.to_string() }
                        }
                    }
                };
                observe(&outcome);
            }
        })?;
        Ok(Announcer { queue })
    }

    /// Queues an announcement behind those waiting; never blocks, never drops.
    pub fn queue(&self, announcement: Announcement) {
        // The thread only ends when every sender is gone, so it is there to receive this.
        let _ = self.queue.send(announcement);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, channels: u16, frames: usize) -> Clip {
        let samples = (0..frames * usize::from(channels)).map(|i| (i as i16).wrapping_mul(97)).collect();
        Clip { rate, channels, samples }
    }

    #[test]
    fn wav_round_trips() {
        for clip in [tone(16_000, 1, 1234), tone(48_000, 2, 77), tone(8_000, 1, 0)] {
            let wav = clip.to_wav();
            assert_eq!(wav.len(), 44 + clip.samples.len() * 2);
            assert_eq!(Clip::from_wav(&wav), Ok(clip));
        }
    }

    #[test]
    fn wav_reader_skips_other_chunks_and_reads_the_extensible_format() {
        let clip = tone(22_050, 2, 10);
        let plain = clip.to_wav();
        // A LIST chunk of odd length (padded) between fmt and data.
        let mut wav = plain[..36].to_vec();
        wav.extend_from_slice(b"LIST");
        wav.extend_from_slice(&3u32.to_le_bytes());
        wav.extend_from_slice(b"abc\0");
        wav.extend_from_slice(&plain[36..]);
        assert_eq!(Clip::from_wav(&wav), Ok(clip.clone()));
        // WAVE_FORMAT_EXTENSIBLE with the PCM sub-format.
        let mut ext = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        ext.extend_from_slice(&40u32.to_le_bytes());
        ext.extend_from_slice(&WAVE_FORMAT_EXTENSIBLE.to_le_bytes());
        ext.extend_from_slice(&plain[22..36]);
        ext.extend_from_slice(&22u16.to_le_bytes());
        ext.extend_from_slice(&16u16.to_le_bytes());
        ext.extend_from_slice(&3u32.to_le_bytes());
        ext.extend_from_slice(&WAVE_FORMAT_PCM.to_le_bytes());
        ext.extend_from_slice(&[0; 14]);
        ext.extend_from_slice(&plain[36..]);
        assert_eq!(Clip::from_wav(&ext), Ok(clip));
    }

    #[test]
    fn wav_reader_refuses_what_it_cannot_play_whole() {
        let wav = tone(16_000, 1, 100).to_wav();
        assert_eq!(Clip::from_wav(b"RIFX\0\0\0\0WAVE"), Err(WavError::NotWav));
        assert_eq!(Clip::from_wav(&wav[..wav.len() - 10]), Err(WavError::Truncated { declared: 200, found: 190 }));
        assert_eq!(Clip::from_wav(&wav[..36]), Err(WavError::NoData));
        let mut data_first = wav[..12].to_vec();
        data_first.extend_from_slice(&wav[36..]);
        assert_eq!(Clip::from_wav(&data_first), Err(WavError::NoFormat));
        let mut eight_bit = wav.clone();
        eight_bit[34] = 8;
        assert!(matches!(Clip::from_wav(&eight_bit), Err(WavError::Unsupported { bits: 8, .. })));
        let mut float = wav;
        float[20] = 3;
        assert!(matches!(Clip::from_wav(&float), Err(WavError::Unsupported { format: 3, .. })));
    }

    #[test]
    fn conversion_keeps_the_sound_and_its_length() {
        let mono = Clip { rate: 16_000, channels: 1, samples: vec![0, 300, 600, -900] };
        assert_eq!(mono.converted(16_000, 1), mono);
        let up = mono.converted(48_000, 2);
        assert_eq!((up.rate, up.channels, up.frames()), (48_000, 2, 12));
        assert_eq!(up.duration(), mono.duration());
        // Original samples at every third frame, on both channels, and interpolated between.
        assert_eq!(&up.samples[..8], &[0, 0, 100, 100, 200, 200, 300, 300]);
        assert_eq!(&up.samples[18..20], &[-900, -900]);
        let stereo = Clip { rate: 8_000, channels: 2, samples: vec![100, 300, -100, -300] };
        assert_eq!(stereo.converted(8_000, 1).samples, vec![200, -200]);
        assert_eq!(Clip { rate: 8_000, channels: 1, samples: vec![] }.converted(48_000, 2).samples, Vec::<i16>::new());
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kiosk-audio-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn wav_file_sink_numbers_on_and_paces_in_real_time() {
        let dir = temp_dir("sink");
        std::fs::write(dir.join("000007.wav"), b"left by an earlier run").unwrap();
        let clip = tone(8_000, 1, 800);
        let mut fast = WavFileSink::new(&dir).unwrap();
        fast.play(&clip).unwrap();
        assert_eq!(std::fs::read(dir.join("000008.wav")).unwrap(), clip.to_wav());

        let mut paced = WavFileSink::new(&dir).unwrap().real_time();
        let log = paced.written();
        paced.play(&clip).unwrap();
        let written = log.clips();
        assert_eq!(written.len(), 1);
        assert_eq!(written[0].path, dir.join("000009.wav"));
        assert!(written[0].ended - written[0].started >= clip.duration(), "{written:?}");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3, "no .part file is left behind");
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Records which clip (by its first sample) played when, taking `each` per clip; a clip whose rate is
    /// `fail_rate` fails, as an unplugged speaker would.
    struct FakeSpeaker {
        each: Duration,
        fail_rate: u32,
        played: Arc<Mutex<Vec<(i16, Instant, Instant)>>>,
    }

    impl AudioSink for FakeSpeaker {
        fn play(&mut self, clip: &Clip) -> Result<(), AudioError> {
            if clip.rate == self.fail_rate {
                let source = std::io::Error::other("speaker unplugged");
                return Err(AudioError::Write { path: "speaker".into(), source });
            }
            let started = Instant::now();
            std::thread::sleep(self.each);
            self.played.lock().unwrap().push((clip.samples[0], started, Instant::now()));
            Ok(())
        }
    }

    fn marked(mark: i16) -> Clip {
        Clip { rate: 16_000, channels: 1, samples: vec![mark; 16] }
    }

    fn announcer(each: Duration, stale_after: Duration) -> (Announcer, FakeSpeakerLog, mpsc::Receiver<Outcome>) {
        let played = Arc::default();
        let speaker = FakeSpeaker { each, fail_rate: 1, played: Arc::clone(&played) };
        let (tx, outcomes) = mpsc::channel();
        let announcer = Announcer::start(Box::new(speaker), stale_after, move |o| tx.send(o.clone()).unwrap()).unwrap();
        (announcer, played, outcomes)
    }

    type FakeSpeakerLog = Arc<Mutex<Vec<(i16, Instant, Instant)>>>;

    fn next(outcomes: &mpsc::Receiver<Outcome>) -> Outcome {
        outcomes.recv_timeout(Duration::from_secs(5)).expect("an outcome")
    }

    #[test]
    fn announcements_play_in_order_one_after_another() {
        let (announcer, played, outcomes) = announcer(Duration::from_millis(40), Duration::from_secs(60));
        for seq in 1..=5 {
            announcer.queue(Announcement::new(seq, marked(seq as i16), Duration::ZERO));
        }
        for seq in 1..=5 {
            assert_eq!(next(&outcomes), Outcome::Played { seq });
        }
        let played = played.lock().unwrap();
        assert_eq!(played.iter().map(|p| p.0).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        for pair in played.windows(2) {
            assert!(pair[1].1 >= pair[0].2, "a clip started before the previous one ended: {pair:?}");
        }
    }

    #[test]
    fn announcements_that_waited_too_long_are_skipped_not_played_late() {
        let (announcer, played, outcomes) = announcer(Duration::from_millis(1000), Duration::from_millis(500));
        // Already stale on arrival (a reconnect backlog).
        announcer.queue(Announcement::new(1, marked(1), Duration::from_secs(90)));
        // 2 plays; 3 and 4 wait behind it for a second, past the 500 ms limit.
        for seq in 2..=4 {
            announcer.queue(Announcement::new(seq, marked(seq as i16), Duration::ZERO));
        }
        assert!(matches!(next(&outcomes), Outcome::Skipped { seq: 1, age } if age >= Duration::from_secs(90)));
        assert_eq!(next(&outcomes), Outcome::Played { seq: 2 });
        for seq in [3, 4] {
            match next(&outcomes) {
                Outcome::Skipped { seq: s, age } => {
                    assert!(s == seq && age > Duration::from_millis(500), "{s} {age:?}")
                }
                other => panic!("{seq}: {other:?}"),
            }
        }
        // Once the queue is drained a fresh announcement plays at once.
        announcer.queue(Announcement::new(5, marked(5), Duration::ZERO));
        assert_eq!(next(&outcomes), Outcome::Played { seq: 5 });
        assert_eq!(played.lock().unwrap().iter().map(|p| p.0).collect::<Vec<_>>(), [2, 5]);
    }

    #[test]
    fn a_failed_clip_does_not_stop_the_queue() {
        let (announcer, played, outcomes) = announcer(Duration::from_millis(10), Duration::from_secs(60));
        announcer.queue(Announcement::new(1, Clip { rate: 1, ..marked(1) }, Duration::ZERO));
        announcer.queue(Announcement::new(2, marked(2), Duration::ZERO));
        assert!(matches!(next(&outcomes), Outcome::Failed { seq: 1, error } if error.contains("speaker unplugged")));
        assert_eq!(next(&outcomes), Outcome::Played { seq: 2 });
        assert_eq!(played.lock().unwrap().len(), 1);
    }
}
