//! The display's voice announcements: follows the server's live events (resumed after a drop) and, for
//! every call and recall, fetches its WAV (`GET /api/v1/announcements/{seq}.wav`) and queues it on an
//! [`Announcer`], which plays them one after another.
//!
//! How long ago a call happened is measured on the server's clock (the `Date` of its answers): a display
//! often has no real-time clock and no NTP, and a clock running ahead would otherwise silence it.

use std::thread::JoinHandle;
use std::time::Duration;

use domain::event::{Event, EventKind};
use time::OffsetDateTime;

use crate::audio::{Announcement, Announcer, AudioError, AudioSink, Clip, WavError, WavFileSink};
use crate::client::{Client, ClientError};
use crate::config::{Config, SinkSpec};
use crate::core::CoreError;

/// Pause before reconnecting to the live events.
const RECONNECT_PAUSE: Duration = Duration::from_secs(2);
/// A WAV that could not be fetched because the server did not answer is asked for this many times.
const FETCH_ATTEMPTS: u32 = 3;
const FETCH_RETRY_PAUSE: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum AnnouncementsError {
    #[error(transparent)]
    Audio(#[from] AudioError),
    #[error("[audio] sink: {0}")]
    Sink(String),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("cannot start the announcement threads: {0}")]
    Thread(#[from] std::io::Error),
}

/// What [`start`] set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// No `[audio]` section, or `sink = "none"`.
    Silent,
    /// Announcements play on this sink (as configured).
    Playing { sink: String },
}

impl std::fmt::Display for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Started::Silent => f.write_str("announcements are not played (no [audio] sink)"),
            Started::Playing { sink } => write!(f, "announcements play on {sink}"),
        }
    }
}

/// Starts the display's announcements as `[audio]` says: the sink, the [`Announcer`] and the follower
/// thread. The device must be enrolled (`Core::start` did it).
pub fn start(config: &Config) -> Result<Started, AnnouncementsError> {
    let Some(audio) = &config.audio else { return Ok(Started::Silent) };
    let sink: Box<dyn AudioSink> = match audio.sink_spec().map_err(AnnouncementsError::Sink)? {
        SinkSpec::None => return Ok(Started::Silent),
        SinkSpec::WavDir(dir) => Box::new(WavFileSink::new(&dir)?.real_time()),
        SinkSpec::Alsa { device } => alsa_sink(&device, &audio.sink)?,
    };
    let token = crate::core::read_token(&config.data_dir)?.ok_or(CoreError::NotEnrolled)?;
    let client = config.client().with_token(token);
    let stale_after = Duration::from_secs(u64::from(audio.stale_after_s));
    let announcer = Announcer::start(sink, stale_after, |_| {})?;
    spawn(client, announcer, stale_after, None, config.display_counters())?;
    Ok(Started::Playing { sink: audio.sink.clone() })
}

#[cfg(feature = "audio-alsa")]
fn alsa_sink(device: &str, _configured: &str) -> Result<Box<dyn AudioSink>, AnnouncementsError> {
    use crate::audio::alsa::AlsaSink;
    Ok(Box::new(AlsaSink::open(device).unwrap_or_else(|e| {
        eprintln!("kiosk-app: {e}; announcements will play once the device opens");
        AlsaSink::unchecked(device)
    })))
}

#[cfg(not(feature = "audio-alsa"))]
fn alsa_sink(_device: &str, configured: &str) -> Result<Box<dyn AudioSink>, AnnouncementsError> {
    Err(AudioError::NoAlsa { sink: configured.to_owned() }.into())
}

/// Follows the live events, resuming after `after_seq` (from now when `None`), and queues the
/// announcement of every call and recall at `counters` (every counter when `None`); reconnects after a
/// drop, for as long as the process runs.
pub fn spawn(
    client: Client,
    announcer: Announcer,
    stale_after: Duration,
    after_seq: Option<u64>,
    counters: Option<Vec<u16>>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name("announcements".into()).spawn(move || {
        let stream = client.clone();
        let mut follower = Follower { client, announcer, stale_after, server_offset: None, counters };
        let mut last_id = after_seq;
        let mut last_error = None;
        loop {
            let result = crate::events::follow(&stream, &mut last_id, |event| follower.on_event(&event));
            // Told once per kind of failure, not every RECONNECT_PAUSE.
            let error = result.err().map(|e| e.to_string());
            if error.is_some() && error != last_error {
                eprintln!("kiosk-app: announcements: live events unavailable: {}", error.as_deref().unwrap_or(""));
            }
            last_error = error;
            std::thread::sleep(RECONNECT_PAUSE);
        }
    })
}

#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("the server's WAV cannot be played: {0}")]
    Wav(#[from] WavError),
}

struct Follower {
    client: Client,
    announcer: Announcer,
    stale_after: Duration,
    /// Server clock minus device clock, from the last answer that had a `Date`.
    server_offset: Option<time::Duration>,
    /// This waiting room's counters (`[display] counters`); all when `None`.
    counters: Option<Vec<u16>>,
}

impl Follower {
    fn on_event(&mut self, event: &Event) {
        let counter = match event.kind {
            EventKind::TicketCalled { counter, .. } | EventKind::TicketRecalled { counter, .. } => counter,
            _ => return,
        };
        if self.counters.as_ref().is_some_and(|mine| !mine.contains(&counter)) {
            return;
        }
        let seq = event.seq;
        // A backlog after a reconnect is not worth downloading once we know it is too old.
        if self.server_offset.is_some() {
            let age = self.age(event.at);
            if age > self.stale_after {
                eprintln!(
                    "kiosk-app: announcement {seq} (counter {counter}) skipped: the call was {} s ago (stale after {} s)",
                    age.as_secs(),
                    self.stale_after.as_secs()
                );
                return;
            }
        }
        match self.fetch(seq) {
            Ok((clip, server_time)) => {
                if let Some(server_time) = server_time {
                    self.server_offset = Some(server_time - OffsetDateTime::now_utc());
                }
                self.announcer.queue(Announcement::new(seq, clip, self.age(event.at)));
            }
            Err(e) => eprintln!("kiosk-app: announcement {seq} (counter {counter}) not played: {e}"),
        }
    }

    /// How long ago `at` was, on the server's clock when known.
    fn age(&self, at: OffsetDateTime) -> Duration {
        age_on_server(at, OffsetDateTime::now_utc(), self.server_offset)
    }

    fn fetch(&self, seq: u64) -> Result<(Clip, Option<OffsetDateTime>), FetchError> {
        let mut attempt = 1;
        loop {
            match self.client.announcement(seq) {
                Ok(served) => return Ok((Clip::from_wav(&served.wav)?, served.server_time)),
                Err(e) if e.is_offline() && attempt < FETCH_ATTEMPTS => {
                    attempt += 1;
                    std::thread::sleep(FETCH_RETRY_PAUSE);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// `device_now` moved to the server's clock by `server_offset`, minus `at`; never negative.
fn age_on_server(at: OffsetDateTime, device_now: OffsetDateTime, server_offset: Option<time::Duration>) -> Duration {
    let server_now = device_now + server_offset.unwrap_or(time::Duration::ZERO);
    Duration::try_from(server_now - at).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_is_measured_on_the_server_clock() {
        let at = time::macros::datetime!(2025-03-10 02:00:00 UTC);
        let device_now = time::macros::datetime!(2025-03-10 02:10:00 UTC);
        // The device's clock is ten minutes ahead: the call is 5 s old on the server.
        let ahead = Some(time::Duration::seconds(-595));
        assert_eq!(age_on_server(at, device_now, ahead), Duration::from_secs(5));
        assert_eq!(age_on_server(at, device_now, None), Duration::from_secs(600));
        // A clock behind never makes a call younger than zero.
        assert_eq!(age_on_server(at, device_now, Some(time::Duration::hours(-1))), Duration::ZERO);
    }

    #[test]
    fn started_tells_where_announcements_go() {
        assert_eq!(Started::Playing { sink: "alsa".into() }.to_string(), "announcements play on alsa");
        assert!(Started::Silent.to_string().contains("not played"));
    }

    #[cfg(not(feature = "audio-alsa"))]
    #[test]
    fn a_build_without_alsa_says_so() {
        let text = "role = \"display\"\ndata_dir = \"/nonexistent\"\n[server]\nurl = \"http://192.0.2.1:8080\"\n\
                    [audio]\nsink = \"alsa:plughw:1,0\"\n";
        let config = Config::parse(text, std::path::Path::new("/etc/kiosk/kiosk.toml")).unwrap();
        let e = start(&config).unwrap_err().to_string();
        assert!(e.contains("no ALSA support") && e.contains("audio-alsa") && e.contains("alsa:plughw:1,0"), "{e}");
    }
}
