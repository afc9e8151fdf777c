//! Voice announcements: "Xin mời công dân có số thứ tự A không hai năm đến quầy số ba", assembled on
//! the server from a library of short clips into one WAV file, so a browser display plays one file
//! and the display appliance plays it natively.
//!
//! - [`plan`] turns (number, counter, language, reading) into a list of clip names and pauses; it is
//!   pure and fully tested.
//! - [`Voice`] holds the clips (16 kHz mono 16-bit PCM): the library in `assets/voice/` is compiled
//!   into the binary, and any clip can be replaced at run time by a file of the same name under the
//!   directory named by `QUEUE_VOICE_DIR` (human recordings).
//! - [`Voice::render`] concatenates the clips and pauses; [`wav_bytes`] writes the WAV.
//!
//! Reading: the ticket number is read digit by digit by default ("A không hai năm"), what Vietnamese
//! centres usually do and the least ambiguous in a noisy hall; `NumberReading::AsNumber` reads it as a
//! number ("A hai mươi lăm"). The counter is always read as a number ("quầy số mười hai").

use std::collections::HashMap;
use std::path::Path;

use domain::i18n::Lang;
use domain::office::NumberReading;

/// Sample rate of the clip library and of every rendered announcement.
pub const RATE: u32 = 16_000;
/// Pause between the words of a number.
pub const WORD_GAP_MS: u32 = 60;
/// Pause between the phrases of an announcement.
pub const PHRASE_GAP_MS: u32 = 250;
/// Pause after the chime and between two languages.
pub const CHIME_GAP_MS: u32 = 400;

/// One step of an announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A clip by its library name, e.g. `vi/2`, `vi/letter-a`, `chime`.
    Clip(String),
    /// Silence.
    Gap(u32),
}

fn clip(name: impl Into<String>) -> Part {
    Part::Clip(name.into())
}

/// Every clip name the library must contain (the test checks the committed files against it).
pub fn clip_names() -> Vec<String> {
    let mut names = vec!["chime".to_owned()];
    for d in 0..10 {
        names.push(format!("vi/{d}"));
    }
    for w in ["muoi-10", "muoi", "tram", "nghin", "le", "mot", "lam", "phrase-invite", "phrase-counter"] {
        names.push(format!("vi/{w}"));
    }
    for n in 0..20 {
        names.push(format!("en/{n}"));
    }
    for t in 2..10 {
        names.push(format!("en/{t}0"));
    }
    for w in ["hundred", "thousand", "phrase-invite", "phrase-counter"] {
        names.push(format!("en/{w}"));
    }
    for l in 'a'..='z' {
        names.push(format!("vi/letter-{l}"));
        names.push(format!("en/letter-{l}"));
    }
    names
}

/// Splits a printed number (`A025`, `A-025`, `AB12`) into its letters and digits.
pub fn split_number(number: &str) -> Option<(String, String)> {
    let number = number.trim();
    let letters: String = number.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits: String = number[letters.len()..].chars().filter(|c| *c != '-' && *c != ' ').collect();
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) || letters.len() > 3 {
        return None;
    }
    Some((letters.to_ascii_lowercase(), digits))
}

/// Vietnamese words of a number below one million, as clip names ("hai mươi lăm").
pub fn vi_number(n: u32) -> Vec<String> {
    if n == 0 {
        return vec!["vi/0".into()];
    }
    let mut out = Vec::new();
    let thousands = n / 1000;
    let rest = n % 1000;
    if thousands > 0 {
        out.extend(vi_below_1000(thousands, false));
        out.push("vi/nghin".into());
    }
    if rest > 0 {
        out.extend(vi_below_1000(rest, thousands > 0));
    }
    out
}

fn vi_below_1000(n: u32, full: bool) -> Vec<String> {
    let d = |x: u32| format!("vi/{x}");
    let mut out = Vec::new();
    let hundreds = n / 100;
    let rest = n % 100;
    let said_hundreds = hundreds > 0 || full;
    if said_hundreds {
        out.push(d(hundreds));
        out.push("vi/tram".into());
    }
    if rest == 0 {
        return out;
    }
    if rest < 10 {
        if said_hundreds {
            out.push("vi/le".into());
        }
        out.push(d(rest));
        return out;
    }
    let tens = rest / 10;
    let units = rest % 10;
    if tens == 1 {
        out.push("vi/muoi-10".into());
    } else {
        out.push(d(tens));
        out.push("vi/muoi".into());
    }
    match units {
        0 => {}
        1 if tens >= 2 => out.push("vi/mot".into()),
        5 => out.push("vi/lam".into()),
        u => out.push(d(u)),
    }
    out
}

/// English words of a number below one million, as clip names ("twenty five").
pub fn en_number(n: u32) -> Vec<String> {
    if n == 0 {
        return vec!["en/0".into()];
    }
    let mut out = Vec::new();
    if n >= 1000 {
        out.extend(en_below_1000(n / 1000));
        out.push("en/thousand".into());
    }
    out.extend(en_below_1000(n % 1000));
    out
}

fn en_below_1000(n: u32) -> Vec<String> {
    let mut out = Vec::new();
    if n >= 100 {
        out.push(format!("en/{}", n / 100));
        out.push("en/hundred".into());
    }
    let rest = n % 100;
    if rest >= 20 {
        out.push(format!("en/{}0", rest / 10));
        if !rest.is_multiple_of(10) {
            out.push(format!("en/{}", rest % 10));
        }
    } else if rest > 0 {
        out.push(format!("en/{rest}"));
    }
    out
}

fn words(names: Vec<String>, out: &mut Vec<Part>) {
    for (i, name) in names.into_iter().enumerate() {
        if i > 0 {
            out.push(Part::Gap(WORD_GAP_MS));
        }
        out.push(Part::Clip(name));
    }
}

/// The clips of one announcement in one language, without the chime.
pub fn plan_lang(number: &str, counter: u16, lang: Lang, reading: NumberReading) -> Option<Vec<Part>> {
    let (letters, digits) = split_number(number)?;
    let tag = match lang {
        Lang::Vi => "vi",
        Lang::En => "en",
    };
    let mut number_words: Vec<String> = letters.chars().map(|l| format!("{tag}/letter-{l}")).collect();
    match reading {
        NumberReading::DigitByDigit => number_words.extend(digits.chars().map(|d| format!("{tag}/{d}"))),
        NumberReading::AsNumber => {
            let n: u32 = digits.parse().ok()?;
            number_words.extend(match lang {
                Lang::Vi => vi_number(n),
                Lang::En => en_number(n),
            });
        }
    }
    let counter_words = match lang {
        Lang::Vi => vi_number(u32::from(counter)),
        Lang::En => en_number(u32::from(counter)),
    };
    let mut out = vec![clip(format!("{tag}/phrase-invite")), Part::Gap(PHRASE_GAP_MS)];
    words(number_words, &mut out);
    out.push(Part::Gap(PHRASE_GAP_MS));
    out.push(clip(format!("{tag}/phrase-counter")));
    out.push(Part::Gap(PHRASE_GAP_MS));
    words(counter_words, &mut out);
    Some(out)
}

/// The whole announcement: chime, then each language in turn (Vietnamese first when listed).
pub fn plan(number: &str, counter: u16, langs: &[Lang], reading: NumberReading) -> Option<Vec<Part>> {
    let mut langs: Vec<Lang> = langs.to_vec();
    if langs.is_empty() {
        langs.push(Lang::Vi);
    }
    langs.dedup();
    let mut out = vec![clip("chime"), Part::Gap(CHIME_GAP_MS)];
    for (i, lang) in langs.into_iter().enumerate() {
        if i > 0 {
            out.push(Part::Gap(CHIME_GAP_MS));
        }
        out.extend(plan_lang(number, counter, lang, reading)?);
    }
    out.push(Part::Gap(PHRASE_GAP_MS));
    Some(out)
}

macro_rules! builtin_clips {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/voice/", $name, ".wav")) as &[u8])),*]
    };
}

/// The committed clip library, compiled in.
pub static BUILTIN: &[(&str, &[u8])] = builtin_clips!(
    "chime",
    "vi/0",
    "vi/1",
    "vi/2",
    "vi/3",
    "vi/4",
    "vi/5",
    "vi/6",
    "vi/7",
    "vi/8",
    "vi/9",
    "vi/muoi-10",
    "vi/muoi",
    "vi/tram",
    "vi/nghin",
    "vi/le",
    "vi/mot",
    "vi/lam",
    "vi/phrase-invite",
    "vi/phrase-counter",
    "en/0",
    "en/1",
    "en/2",
    "en/3",
    "en/4",
    "en/5",
    "en/6",
    "en/7",
    "en/8",
    "en/9",
    "en/10",
    "en/11",
    "en/12",
    "en/13",
    "en/14",
    "en/15",
    "en/16",
    "en/17",
    "en/18",
    "en/19",
    "en/20",
    "en/30",
    "en/40",
    "en/50",
    "en/60",
    "en/70",
    "en/80",
    "en/90",
    "en/hundred",
    "en/thousand",
    "en/phrase-invite",
    "en/phrase-counter",
    "vi/letter-a",
    "vi/letter-b",
    "vi/letter-c",
    "vi/letter-d",
    "vi/letter-e",
    "vi/letter-f",
    "vi/letter-g",
    "vi/letter-h",
    "vi/letter-i",
    "vi/letter-j",
    "vi/letter-k",
    "vi/letter-l",
    "vi/letter-m",
    "vi/letter-n",
    "vi/letter-o",
    "vi/letter-p",
    "vi/letter-q",
    "vi/letter-r",
    "vi/letter-s",
    "vi/letter-t",
    "vi/letter-u",
    "vi/letter-v",
    "vi/letter-w",
    "vi/letter-x",
    "vi/letter-y",
    "vi/letter-z",
    "en/letter-a",
    "en/letter-b",
    "en/letter-c",
    "en/letter-d",
    "en/letter-e",
    "en/letter-f",
    "en/letter-g",
    "en/letter-h",
    "en/letter-i",
    "en/letter-j",
    "en/letter-k",
    "en/letter-l",
    "en/letter-m",
    "en/letter-n",
    "en/letter-o",
    "en/letter-p",
    "en/letter-q",
    "en/letter-r",
    "en/letter-s",
    "en/letter-t",
    "en/letter-u",
    "en/letter-v",
    "en/letter-w",
    "en/letter-x",
    "en/letter-y",
    "en/letter-z",
);

/// Decoded PCM of one WAV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcm {
    pub rate: u32,
    pub samples: Vec<i16>,
}

/// Reads a PCM WAV (8/16/24/32-bit integer, any channel count; channels after the first are
/// dropped) into 16-bit samples.
pub fn read_wav(bytes: &[u8]) -> Result<Pcm, String> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".into());
    }
    let mut pos = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let size = u32::from_le_bytes([bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]]) as usize;
        let body = pos + 8;
        let end = body.saturating_add(size).min(bytes.len());
        match id {
            b"fmt " if end - body >= 16 => {
                let b = &bytes[body..end];
                let tag = u16::from_le_bytes([b[0], b[1]]);
                let channels = u16::from_le_bytes([b[2], b[3]]);
                let rate = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
                let bits = u16::from_le_bytes([b[14], b[15]]);
                format = Some((tag, channels, rate, bits));
            }
            b"data" => {
                let (tag, channels, rate, bits) = format.ok_or("data chunk before fmt chunk")?;
                if tag != 1 && tag != 0xFFFE {
                    return Err(format!("WAV format {tag} is not integer PCM"));
                }
                if channels == 0 || !matches!(bits, 8 | 16 | 24 | 32) || rate == 0 {
                    return Err(format!("unsupported WAV: {channels} channels, {bits} bits, {rate} Hz"));
                }
                let width = usize::from(bits / 8);
                let frame = width * usize::from(channels);
                let samples = bytes[body..end]
                    .chunks_exact(frame)
                    .map(|f| match width {
                        1 => (i16::from(f[0]) - 128) << 8,
                        2 => i16::from_le_bytes([f[0], f[1]]),
                        3 => i16::from_le_bytes([f[1], f[2]]),
                        _ => i16::from_le_bytes([f[2], f[3]]),
                    })
                    .collect();
                return Ok(Pcm { rate, samples });
            }
            _ => {}
        }
        pos = body.saturating_add(size + (size & 1));
    }
    Err("no data chunk".into())
}

/// Linear resampling to `to` Hz (only used for replacement clips recorded at another rate).
pub fn resample(samples: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to || samples.is_empty() {
        return samples.to_vec();
    }
    let out_len = (samples.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    (0..out_len)
        .map(|i| {
            let x = i as f64 * f64::from(from) / f64::from(to);
            let j = x.floor() as usize;
            let frac = x - j as f64;
            let a = f64::from(samples[j.min(samples.len() - 1)]);
            let b = f64::from(samples[(j + 1).min(samples.len() - 1)]);
            (a + (b - a) * frac).round() as i16
        })
        .collect()
}

/// A mono 16-bit PCM WAV file.
pub fn wav_bytes(samples: &[i16], rate: u32) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// The clip library in memory.
#[derive(Debug, Clone, Default)]
pub struct Voice {
    clips: HashMap<String, Vec<i16>>,
}

impl Voice {
    /// The compiled-in library, with replacements from `QUEUE_VOICE_DIR` when that is set.
    pub fn load() -> Result<Voice, String> {
        let dir = std::env::var_os("QUEUE_VOICE_DIR").map(std::path::PathBuf::from);
        Voice::with_overrides(dir.as_deref())
    }

    /// The compiled-in library; a file `<dir>/<name>.wav` replaces the clip of that name.
    pub fn with_overrides(dir: Option<&Path>) -> Result<Voice, String> {
        let mut clips = HashMap::new();
        for (name, bytes) in BUILTIN {
            let replacement = dir.map(|d| d.join(format!("{name}.wav"))).filter(|p| p.is_file());
            let pcm = match replacement {
                Some(path) => {
                    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                    read_wav(&bytes).map_err(|e| format!("{}: {e}", path.display()))?
                }
                None => read_wav(bytes).map_err(|e| format!("built-in clip {name}: {e}"))?,
            };
            clips.insert((*name).to_owned(), resample(&pcm.samples, pcm.rate, RATE));
        }
        Ok(Voice { clips })
    }

    pub fn clip(&self, name: &str) -> Option<&[i16]> {
        self.clips.get(name).map(Vec::as_slice)
    }

    /// Samples (at [`RATE`]) of a plan; an unknown clip is an error.
    pub fn render(&self, parts: &[Part]) -> Result<Vec<i16>, String> {
        let mut out = Vec::new();
        for part in parts {
            match part {
                Part::Clip(name) => out.extend_from_slice(self.clip(name).ok_or_else(|| format!("no clip {name}"))?),
                Part::Gap(ms) => out.resize(out.len() + gap_samples(*ms), 0),
            }
        }
        Ok(out)
    }

    /// The WAV file of an announcement.
    pub fn announcement(
        &self,
        number: &str,
        counter: u16,
        langs: &[Lang],
        reading: NumberReading,
    ) -> Result<Vec<u8>, String> {
        let parts =
            plan(number, counter, langs, reading).ok_or_else(|| format!("cannot read the number {number:?}"))?;
        Ok(wav_bytes(&self.render(&parts)?, RATE))
    }
}

pub fn gap_samples(ms: u32) -> usize {
    (u64::from(RATE) * u64::from(ms) / 1000) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(parts: &[Part]) -> Vec<&str> {
        parts
            .iter()
            .filter_map(|p| match p {
                Part::Clip(n) => Some(n.as_str()),
                Part::Gap(_) => None,
            })
            .collect()
    }

    #[test]
    fn vietnamese_numbers() {
        let words =
            |n| vi_number(n).iter().map(|s| s.trim_start_matches("vi/").to_owned()).collect::<Vec<_>>().join(" ");
        assert_eq!(words(0), "0");
        assert_eq!(words(3), "3");
        assert_eq!(words(10), "muoi-10");
        assert_eq!(words(15), "muoi-10 lam");
        assert_eq!(words(21), "2 muoi mot");
        assert_eq!(words(25), "2 muoi lam");
        assert_eq!(words(40), "4 muoi");
        assert_eq!(words(100), "1 tram");
        assert_eq!(words(105), "1 tram le 5");
        assert_eq!(words(111), "1 tram muoi-10 1");
        assert_eq!(words(1005), "1 nghin 0 tram le 5");
        assert_eq!(words(2025), "2 nghin 0 tram 2 muoi lam");
    }

    #[test]
    fn english_numbers() {
        let words =
            |n| en_number(n).iter().map(|s| s.trim_start_matches("en/").to_owned()).collect::<Vec<_>>().join(" ");
        assert_eq!(words(25), "20 5");
        assert_eq!(words(13), "13");
        assert_eq!(words(305), "3 hundred 5");
        assert_eq!(words(1200), "1 thousand 2 hundred");
    }

    #[test]
    fn plans() {
        let p = plan("A025", 3, &[Lang::Vi], NumberReading::DigitByDigit).unwrap();
        assert_eq!(
            names(&p),
            ["chime", "vi/phrase-invite", "vi/letter-a", "vi/0", "vi/2", "vi/5", "vi/phrase-counter", "vi/3"]
        );
        let p = plan("A-025", 12, &[Lang::Vi, Lang::En], NumberReading::AsNumber).unwrap();
        assert_eq!(
            names(&p),
            [
                "chime",
                "vi/phrase-invite",
                "vi/letter-a",
                "vi/2",
                "vi/muoi",
                "vi/lam",
                "vi/phrase-counter",
                "vi/muoi-10",
                "vi/2",
                "en/phrase-invite",
                "en/letter-a",
                "en/20",
                "en/5",
                "en/phrase-counter",
                "en/12"
            ]
        );
        assert!(plan("025", 1, &[Lang::Vi], NumberReading::DigitByDigit).is_some());
        assert!(plan("A", 1, &[Lang::Vi], NumberReading::DigitByDigit).is_none());
        assert!(plan("A0x5", 1, &[Lang::Vi], NumberReading::DigitByDigit).is_none());
    }

    #[test]
    fn every_planned_clip_is_in_the_library() {
        let all = clip_names();
        assert_eq!(all.len(), BUILTIN.len());
        for (name, _) in BUILTIN {
            assert!(all.iter().any(|n| n == name), "{name}");
        }
        for n in [0, 1, 5, 10, 15, 21, 99, 100, 105, 999, 1000, 99_999] {
            for p in vi_number(n).iter().chain(en_number(n).iter()) {
                assert!(all.contains(p), "{p} for {n}");
            }
        }
    }

    #[test]
    fn wav_round_trip() {
        let samples: Vec<i16> = (0..1000).map(|i| (i * 30) as i16).collect();
        let pcm = read_wav(&wav_bytes(&samples, RATE)).unwrap();
        assert_eq!(pcm, Pcm { rate: RATE, samples: samples.clone() });
        assert_eq!(resample(&samples, 8000, 16000).len(), 2000);
        assert!(read_wav(b"RIFF....WAVEjunk").is_err());
    }
}
