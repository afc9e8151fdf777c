//! The announcement WAV, checked from outside: `queue-server announce` renders A025 → counter 3, and
//! the file is read back here with a WAV reader of this test's own (and with sox when installed).

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_queue-server");

fn voice_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/voice")
}

/// (sample rate, channels, bits, samples of the first channel) of a PCM WAV.
fn read(path: &Path) -> (u32, u16, u16, Vec<i16>) {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&b[0..4], b"RIFF", "{}", path.display());
    assert_eq!(&b[8..12], b"WAVE");
    let mut pos = 12;
    let (mut rate, mut channels, mut bits) = (0, 0, 0);
    while pos + 8 <= b.len() {
        let size = u32::from_le_bytes(b[pos + 4..pos + 8].try_into().unwrap()) as usize;
        let body = &b[pos + 8..(pos + 8 + size).min(b.len())];
        match &b[pos..pos + 4] {
            b"fmt " => {
                channels = u16::from_le_bytes([body[2], body[3]]);
                rate = u32::from_le_bytes(body[4..8].try_into().unwrap());
                bits = u16::from_le_bytes([body[14], body[15]]);
            }
            b"data" => {
                assert_eq!(bits, 16, "{}: 16-bit expected", path.display());
                let frame = 2 * channels as usize;
                let samples = body.chunks_exact(frame).map(|f| i16::from_le_bytes([f[0], f[1]])).collect();
                return (rate, channels, bits, samples);
            }
            _ => {}
        }
        pos += 8 + size + (size & 1);
    }
    panic!("{}: no data chunk", path.display());
}

fn rms(s: &[i16]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    (s.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / s.len() as f64).sqrt() / 32768.0
}

fn render(args: &[&str], out: &Path) -> String {
    let result = Command::new(BIN).arg("announce").args(args).arg("--out").arg(out).output().unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    String::from_utf8_lossy(&result.stdout).into_owned()
}

fn ms(rate: u32, ms: u32) -> usize {
    (u64::from(rate) * u64::from(ms) / 1000) as usize
}

#[test]
fn a025_to_counter_3_is_the_expected_clip_sequence_and_not_silent() {
    let out = std::env::temp_dir().join(format!("announce-{}.wav", std::process::id()));
    render(&["--number", "A025", "--counter", "3", "--lang", "vi"], &out);
    let (rate, channels, _, samples) = read(&out);
    assert_eq!((rate, channels), (16_000, 1));

    // chime, "xin mời công dân có số thứ tự", A, không, hai, năm, "đến quầy số", ba
    let clips = ["chime", "vi/phrase-invite", "vi/letter-a", "vi/0", "vi/2", "vi/5", "vi/phrase-counter", "vi/3"];
    let mut lengths = Vec::new();
    for name in clips {
        let (r, c, _, s) = read(&voice_dir().join(format!("{name}.wav")));
        assert_eq!((r, c), (16_000, 1), "{name}");
        assert!(rms(&s) > 0.02, "clip {name} is silent");
        lengths.push(s.len());
    }
    // Pauses: 400 ms after the chime, 250 between phrases, 60 between the words of the number, 250 at the end.
    let gaps = ms(rate, 400) + ms(rate, 250) * 4 + ms(rate, 60) * 3;
    assert_eq!(samples.len(), lengths.iter().sum::<usize>() + gaps, "clip sequence length");
    let seconds = samples.len() as f64 / f64::from(rate);
    assert!((4.0..15.0).contains(&seconds), "{seconds} s");

    // Each clip sits where the sequence says, and is not silent there.
    let mut at = 0;
    let mut regions = Vec::new();
    for (i, len) in lengths.iter().enumerate() {
        regions.push(at..at + len);
        at += len;
        at += match i {
            0 => ms(rate, 400),
            1 | 5 | 6 => ms(rate, 250),
            2..=4 => ms(rate, 60),
            _ => 0,
        };
    }
    for (name, region) in clips.iter().zip(&regions) {
        assert!(rms(&samples[region.clone()]) > 0.02, "{name} silent in the announcement");
    }
    // The gap between "năm" and "đến quầy số" is silence.
    assert_eq!(rms(&samples[regions[5].end..regions[6].start]), 0.0);
    assert!(rms(&samples) > 0.05, "announcement RMS {}", rms(&samples));

    // sox, an independent reader, agrees (when installed).
    if let Ok(o) = Command::new("sox").arg("--i").arg("-s").arg(&out).output() {
        if o.status.success() {
            let n: usize = String::from_utf8_lossy(&o.stdout).trim().parse().unwrap();
            assert_eq!(n, samples.len());
        }
    }
    let _ = std::fs::remove_file(out);
}

#[test]
fn english_and_as_number_readings() {
    let out = std::env::temp_dir().join(format!("announce-en-{}.wav", std::process::id()));
    render(&["--number", "A025", "--counter", "12", "--lang", "vi,en", "--reading", "as-number"], &out);
    let (rate, _, _, samples) = read(&out);
    let len = |name: &str| read(&voice_dir().join(format!("{name}.wav"))).3.len();
    // vi: A hai mươi lăm … mười hai; en: A twenty five … twelve
    let vi =
        ["vi/phrase-invite", "vi/letter-a", "vi/2", "vi/muoi", "vi/lam", "vi/phrase-counter", "vi/muoi-10", "vi/2"];
    let en = ["en/phrase-invite", "en/letter-a", "en/20", "en/5", "en/phrase-counter", "en/12"];
    let clips: usize = len("chime") + vi.iter().chain(en.iter()).map(|n| len(n)).sum::<usize>();
    let gaps = ms(rate, 400) * 2 // after the chime, between the languages
        + (ms(rate, 250) * 3 + ms(rate, 60) * 4) // vi: phrases, "A hai mươi lăm" (3), "mười hai" (1)
        + (ms(rate, 250) * 3 + ms(rate, 60) * 2) // en: phrases, "A twenty five"
        + ms(rate, 250); // end
    assert_eq!(samples.len(), clips + gaps);
    assert!(rms(&samples) > 0.05);
    let _ = std::fs::remove_file(out);
}

#[test]
fn bad_input_is_refused() {
    let out = std::env::temp_dir().join(format!("announce-bad-{}.wav", std::process::id()));
    let r =
        Command::new(BIN).args(["announce", "--number", "A0x5", "--counter", "3", "--out"]).arg(&out).output().unwrap();
    assert!(!r.status.success());
    let r = Command::new(BIN)
        .args(["announce", "--number", "A025", "--counter", "3", "--lang", "fr", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!r.status.success());
    assert!(!out.exists());
}
