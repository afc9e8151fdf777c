//! The dossier lookup's scanning path: camera frames (or image files standing in for them) and
//! serial / keyboard-wedge text go through `scanner::ScanSession` (decode, interpret, dedup) and come
//! out as a dossier code or a "not a dossier code" the screen can explain.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::config::CameraSource;
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

/// Every scanning input a device has, as one stream of scans for the screen: a serial scanner and the
/// camera run on their own threads; keyboard-wedge keys come from the window's key events.
pub struct ScanInputs {
    sender: std::sync::mpsc::Sender<ScanResult>,
    scans: std::sync::mpsc::Receiver<ScanResult>,
    /// The live camera, when one is configured.
    pub camera: Option<crate::camera::CameraFeed>,
    serial: Option<(String, std::sync::Arc<std::sync::Mutex<domain::i18n::Localized>>)>,
    wedge: Option<(scanner::wedge::WedgeDetector, Instant)>,
    /// Wedge text goes through its own session (interpretation and the repeat window).
    wedge_session: Scanner,
}

/// What a key from the window meant.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyOutcome {
    /// Nothing yet.
    Pending,
    /// A wedge scanner typed a code.
    Scan(ScanResult),
    /// A person typed this and pressed Enter (a technician's keyboard).
    Typed(String),
}

impl Default for ScanInputs {
    fn default() -> Self {
        ScanInputs::new()
    }
}

impl ScanInputs {
    /// No inputs yet.
    pub fn new() -> ScanInputs {
        let (sender, scans) = std::sync::mpsc::channel();
        ScanInputs { sender, scans, camera: None, serial: None, wedge: None, wedge_session: Scanner::new() }
    }

    /// The inputs a device's configuration names: `[scanner] source` and `[camera] device`.
    pub fn from_config(config: &crate::config::Config) -> Result<ScanInputs, String> {
        let mut inputs = ScanInputs::new();
        if let Some(s) = &config.scanner {
            match s.serial().map_err(|e| format!("scanner: {e}"))? {
                None => inputs.enable_wedge(),
                Some((path, baud)) => {
                    let mut serial = scanner::serial::SerialConfig::new(path);
                    serial.baud = baud;
                    inputs.start_serial(serial).map_err(|e| format!("scanner: {e}"))?;
                }
            }
        }
        if let Some(c) = &config.camera {
            let source = c.source().map_err(|e| format!("camera: {e}"))?;
            // A real camera paces itself; recorded frames are replayed at 30 fps.
            let pace = matches!(source, CameraSource::Folder(_)).then(|| Duration::from_millis(33));
            let open = move || -> Result<Box<dyn scanner::source::FrameSource>, String> {
                match source {
                    CameraSource::Folder(dir) => {
                        let files = scanner::source::ImageFiles::folder(&dir).map_err(|e| e.to_string())?;
                        Ok(Box::new(files.looping()))
                    }
                    CameraSource::V4l2(index) => {
                        Ok(Box::new(scanner::camera::Camera::open(index, 1280, 720).map_err(|e| e.to_string())?))
                    }
                }
            };
            let feed =
                crate::camera::start_with(open, pace, inputs.sender.clone()).map_err(|e| format!("camera: {e}"))?;
            inputs.camera = Some(feed);
        }
        Ok(inputs)
    }

    /// Reads a serial scanner on its own thread, reopening it when it is unplugged.
    pub fn start_serial(&mut self, config: scanner::serial::SerialConfig) -> std::io::Result<()> {
        let state =
            std::sync::Arc::new(std::sync::Mutex::new(domain::i18n::Localized::new("chưa mở", "not opened yet")));
        let (shown, sender, path) = (state.clone(), self.sender.clone(), config.path.clone());
        std::thread::Builder::new().name("serial-scanner".into()).spawn(move || {
            let mut port = scanner::serial::ReconnectingScanner::new(config, Duration::from_secs(2));
            let mut session = Scanner::new();
            // Runs while the inputs it feeds exist (they hold the other handle on the state), then closes the port.
            while std::sync::Arc::strong_count(&shown) > 1 {
                let read = port.next_scan(Duration::from_millis(250));
                *shown.lock().unwrap_or_else(|e| e.into_inner()) = match (port.state(), &read) {
                    (_, Err(e)) => domain::i18n::Localized::new(format!("lỗi: {e}"), format!("error: {e}")),
                    (scanner::serial::LinkState::Connected, _) => {
                        domain::i18n::Localized::new("đã kết nối", "connected")
                    }
                    (scanner::serial::LinkState::Disconnected(why), _) => {
                        domain::i18n::Localized::new(format!("mất kết nối ({why})"), format!("disconnected ({why})"))
                    }
                };
                if let Ok(Some(text)) = read {
                    if let Some(result) = session.text(&text) {
                        if sender.send(result).is_err() {
                            return;
                        }
                    }
                }
            }
        })?;
        self.serial = Some((path, state));
        Ok(())
    }

    /// Runs the camera preview and decoder (see [`crate::camera`]).
    pub fn start_camera(
        &mut self,
        source: Box<dyn scanner::source::FrameSource + Send>,
        pace: Option<Duration>,
    ) -> Result<(), String> {
        self.camera = Some(crate::camera::start(source, pace, self.sender.clone())?);
        Ok(())
    }

    /// Treats fast key bursts ending in Enter as scans (a keyboard-wedge scanner).
    pub fn enable_wedge(&mut self) {
        self.wedge = Some((scanner::wedge::WedgeDetector::new(scanner::wedge::WedgeConfig::default()), Instant::now()));
    }

    /// A key press's text from the window (Slint's `KeyEvent.text`), every key: modifier keys too
    /// (a wedge scanner holds Shift for capitals; `scanner::wedge` lets them through a burst).
    pub fn key(&mut self, text: &str) -> KeyOutcome {
        let Some((detector, epoch)) = &mut self.wedge else { return KeyOutcome::Pending };
        match detector.key(scanner::wedge::Key::from_event_text(text), epoch.elapsed()) {
            scanner::wedge::Verdict::Pending => KeyOutcome::Pending,
            scanner::wedge::Verdict::Scan { text, .. } => {
                self.wedge_session.text(&text).map_or(KeyOutcome::Pending, KeyOutcome::Scan)
            }
            scanner::wedge::Verdict::Typed(text) => KeyOutcome::Typed(text),
        }
    }

    /// The next scan from the serial scanner or the camera, if one is waiting.
    pub fn next_scan(&mut self) -> Option<ScanResult> {
        self.scans.try_recv().ok()
    }

    /// Lines for the technician, in `lang`.
    pub fn health(&self, lang: domain::i18n::Lang) -> Vec<String> {
        let en = lang == domain::i18n::Lang::En;
        let mut lines = Vec::new();
        if self.wedge.is_some() {
            lines.push(if en { "Scanner: keyboard wedge" } else { "Máy quét: bàn phím (wedge)" }.to_owned());
        }
        if let Some((path, state)) = &self.serial {
            let state = state.lock().unwrap_or_else(|e| e.into_inner());
            lines.push(if en {
                format!("Scanner: serial port {path}, {}", state.en)
            } else {
                format!("Máy quét: cổng nối tiếp {path}, {}", state.vi)
            });
        }
        if let Some(camera) = &self.camera {
            lines.push(camera.stats.summary(lang));
        }
        if lines.is_empty() {
            lines.push(if en { "Scanner: none configured" } else { "Máy quét: không cấu hình" }.to_owned());
        }
        lines
    }
}
