//! The dossier lookup's scanning path: camera frames (or image files standing in for them) and
//! serial / keyboard-wedge text go through `scanner::ScanSession` (decode, interpret, dedup) and come
//! out as a dossier code or a "not a dossier code" the screen can explain.

use std::path::Path;
use std::time::{Duration, Instant};

use scanner::{DecoderConfig, GrayFrame, ScanResult, ScanSession, Symbology};

pub struct Scanner {
    session: ScanSession,
    started: Instant,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

impl Scanner {
    /// Live-camera settings: QR and CODE128 only (what receipts carry), a per-frame budget, and the
    /// same code within 3 s counts once.
    pub fn new() -> Scanner {
        let config = DecoderConfig::realtime().with_formats(&[Symbology::QrCode, Symbology::Code128]);
        Scanner { session: ScanSession::new(config, Duration::from_secs(3)), started: Instant::now() }
    }

    /// One camera frame; the first scan that counts, if any.
    pub fn frame(&mut self, frame: &GrayFrame) -> Option<ScanResult> {
        let now = self.started.elapsed();
        self.session.on_frame(frame, now).into_iter().next().map(|e| e.result)
    }

    /// An image file as a camera frame (tests, technician "test scan").
    pub fn image_file(&mut self, path: &Path) -> Option<ScanResult> {
        let frame = GrayFrame::open(path).ok()?;
        self.frame(&frame)
    }

    /// Text from a serial or keyboard-wedge scanner.
    pub fn text(&mut self, text: &str) -> Option<ScanResult> {
        let now = self.started.elapsed();
        self.session.on_text(text, now).map(|e| e.result)
    }
}
