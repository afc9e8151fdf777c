//! The kiosk's scan loop in one place: frames and scanner text in, dossier-code events out.
//!
//! [`ScanSession`] owns a realtime [`Decoder`] and a [`Dedup`] filter. The kiosk UI feeds it
//! camera frames ([`ScanSession::on_frame`]) and text from serial or keyboard-wedge
//! scanners ([`ScanSession::on_text`]); each returns the scans that count (repeats within
//! the window are dropped), interpreted as dossier codes or as "not a dossier code" with
//! what was read. Time is passed in, so the logic is deterministic under test.

use std::time::Duration;

use crate::decode::{Decoder, DecoderConfig, Symbology};
use crate::frame::GrayFrame;
use crate::payload::{interpret, Dedup, ScanResult};

/// Where a scan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A camera frame, with the symbology read.
    Camera(Symbology),
    /// A serial or keyboard-wedge scanner, or typed text.
    Text,
}

/// One scan that counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanEvent {
    /// Where it came from.
    pub origin: Origin,
    /// What it means.
    pub result: ScanResult,
}

/// Camera frames and scanner text → deduplicated scan events.
#[derive(Debug, Clone)]
pub struct ScanSession {
    decoder: Decoder,
    dedup: Dedup,
}

impl Default for ScanSession {
    fn default() -> Self {
        Self::new(DecoderConfig::realtime(), Duration::from_secs(3))
    }
}

impl ScanSession {
    /// A session with this decoder configuration and repeat window.
    pub fn new(config: DecoderConfig, window: Duration) -> Self {
        Self { decoder: Decoder::new(config), dedup: Dedup::new(window) }
    }

    /// Decodes a camera frame seen at `now`.
    pub fn on_frame(&mut self, frame: &GrayFrame, now: Duration) -> Vec<ScanEvent> {
        let report = self.decoder.decode(frame);
        report.symbols.into_iter().filter_map(|s| self.admit(&s.text, Origin::Camera(s.format), now)).collect()
    }

    /// Text from a serial or keyboard-wedge scanner (or typed) at `now`.
    pub fn on_text(&mut self, text: &str, now: Duration) -> Option<ScanEvent> {
        self.admit(text, Origin::Text, now)
    }

    /// Forgets recent scans (e.g. back on the home screen).
    pub fn reset(&mut self) {
        self.dedup.clear();
    }

    fn admit(&mut self, text: &str, origin: Origin, now: Duration) -> Option<ScanEvent> {
        let result = interpret(text);
        // The same dossier read from different payloads (URL on the receipt, bare code typed)
        // is one scan: key on the code when there is one.
        let key = match result.code() {
            Some(c) => format!("code:{c}"),
            None => format!("raw:{}", text.trim()),
        };
        self.dedup.accept(&key, now).then_some(ScanEvent { origin, result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_across_sources_count_once() {
        let mut s = ScanSession::default();
        let t = Duration::from_millis;
        let a = s.on_text("https://x.vn/tra-cuu?maHoSo=000.00.01.H29-260310-0420", t(0)).unwrap();
        assert_eq!(a.result.code().unwrap().as_str(), "000.00.01.H29-260310-0420");
        assert!(s.on_text("000.00.01.h29-260310-0420\r\n", t(500)).is_none());
        let other = s.on_text("hello", t(600)).unwrap();
        assert!(matches!(other.result, ScanResult::NotADossierCode { .. }));
        assert!(s.on_text("hello", t(700)).is_none());
        assert!(s.on_text("000.00.01.H29-260310-0420", t(4000)).is_some());
        s.reset();
        assert!(s.on_text("hello", t(4100)).is_some());
    }

    #[test]
    fn empty_frames_give_nothing() {
        let mut s = ScanSession::default();
        assert!(s.on_frame(&GrayFrame::filled(640, 480, 200), Duration::ZERO).is_empty());
    }
}
