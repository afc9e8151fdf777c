//! The camera's live preview and its decoding, kept apart so that the preview stays smooth while a
//! hard frame is decoded: a capture thread publishes every frame for the preview and hands the newest
//! one to a decoder thread through a one-slot mailbox. A frame that arrives while the decoder is busy
//! replaces the one waiting (it is counted as skipped): decoding falls behind by at most one frame and
//! never holds the preview back.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use scanner::source::FrameSource;
use scanner::{GrayFrame, ScanResult};

use crate::scan::Scanner;

/// Counters the technician screen and the benchmark read.
#[derive(Debug, Default)]
pub struct CameraStats {
    pub captured: AtomicU64,
    pub decoded: AtomicU64,
    /// Frames replaced in the mailbox before the decoder got to them.
    pub skipped: AtomicU64,
    pub decode_micros_total: AtomicU64,
    pub decode_micros_max: AtomicU64,
    /// The last capture error (camera unplugged, unreadable file …).
    pub last_error: Mutex<Option<String>>,
}

impl CameraStats {
    /// One line for the technician.
    /// The technician's camera line, in `lang`.
    pub fn summary(&self, lang: domain::i18n::Lang) -> String {
        let decoded = self.decoded.load(Ordering::Relaxed);
        let mean_ms = self.decode_micros_total.load(Ordering::Relaxed) as f64 / decoded.max(1) as f64 / 1000.0;
        let (captured, skipped) = (self.captured.load(Ordering::Relaxed), self.skipped.load(Ordering::Relaxed));
        let max_ms = self.decode_micros_max.load(Ordering::Relaxed) as f64 / 1000.0;
        let en = lang == domain::i18n::Lang::En;
        let mut line = if en {
            format!("Camera: {captured} frames, {decoded} decoded ({skipped} skipped), mean {mean_ms:.1} ms, max {max_ms:.1} ms")
        } else {
            format!("Camera: {captured} khung hình, giải mã {decoded} (bỏ qua {skipped}), trung bình {mean_ms:.1} ms, tối đa {max_ms:.1} ms")
        };
        if let Some(e) = self.last_error.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            line.push_str(&if en { format!("; error: {e}") } else { format!("; lỗi: {e}") });
        }
        line
    }
}

#[derive(Default)]
struct Mailbox {
    frame: Mutex<Option<Arc<GrayFrame>>>,
    ready: Condvar,
}

/// A running camera: its newest frame for the preview, its scans on the channel given to [`start`].
pub struct CameraFeed {
    latest: Arc<Mutex<(u64, Option<Arc<GrayFrame>>)>>,
    active: Arc<AtomicBool>,
    stopped: Arc<AtomicBool>,
    mailbox: Arc<Mailbox>,
    pub stats: Arc<CameraStats>,
}

impl CameraFeed {
    /// The newest frame if it is newer than `seen` (its number and the frame).
    pub fn newer_than(&self, seen: u64) -> Option<(u64, Arc<GrayFrame>)> {
        let latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        match &latest.1 {
            Some(frame) if latest.0 > seen => Some((latest.0, frame.clone())),
            _ => None,
        }
    }

    /// Captures and decodes only while active (the screens that take a scan); idle otherwise.
    pub fn set_active(&self, active: bool) {
        self.active.store(active, Ordering::Relaxed);
    }

    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }
}

impl Drop for CameraFeed {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.mailbox.ready.notify_all();
    }
}

/// Starts capturing from `source`. A real camera paces itself; `pace` spaces frames from a source
/// that does not (image files standing in for a camera). Scans go to `scans`.
pub fn start(
    source: Box<dyn FrameSource + Send>,
    pace: Option<Duration>,
    scans: mpsc::Sender<ScanResult>,
) -> Result<CameraFeed, String> {
    start_with(move || Ok(source as Box<dyn FrameSource>), pace, scans)
}

/// Like [`start`], with the source opened on the capture thread itself: a V4L2 camera handle may not
/// move between threads. Returns once it is open, or with the reason it could not be.
pub fn start_with(
    open: impl FnOnce() -> Result<Box<dyn FrameSource>, String> + Send + 'static,
    pace: Option<Duration>,
    scans: mpsc::Sender<ScanResult>,
) -> Result<CameraFeed, String> {
    let feed = CameraFeed {
        latest: Arc::new(Mutex::new((0, None))),
        active: Arc::new(AtomicBool::new(true)),
        stopped: Arc::new(AtomicBool::new(false)),
        mailbox: Arc::new(Mailbox::default()),
        stats: Arc::new(CameraStats::default()),
    };
    let (latest, active, stopped, mailbox, stats) =
        (feed.latest.clone(), feed.active.clone(), feed.stopped.clone(), feed.mailbox.clone(), feed.stats.clone());
    let (opened_tx, opened) = mpsc::channel();
    std::thread::Builder::new()
        .name("camera".into())
        .spawn(move || {
            let mut source = match open() {
                Ok(source) => {
                    let _ = opened_tx.send(Ok(()));
                    source
                }
                Err(e) => {
                    let _ = opened_tx.send(Err(e));
                    return;
                }
            };
            let mut next_due = Instant::now();
            while !stopped.load(Ordering::Relaxed) {
                if !active.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                if let Some(pace) = pace {
                    let now = Instant::now();
                    if next_due > now {
                        std::thread::sleep(next_due - now);
                    }
                    next_due = next_due.max(now) + pace;
                }
                let frame = match source.next_frame() {
                    Ok(Some(frame)) => Arc::new(frame),
                    Ok(None) => break,
                    Err(e) => {
                        *stats.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
                        std::thread::sleep(Duration::from_millis(500));
                        continue;
                    }
                };
                stats.captured.fetch_add(1, Ordering::Relaxed);
                {
                    let mut slot = latest.lock().unwrap_or_else(|e| e.into_inner());
                    *slot = (slot.0 + 1, Some(frame.clone()));
                }
                let mut waiting = mailbox.frame.lock().unwrap_or_else(|e| e.into_inner());
                if waiting.replace(frame).is_some() {
                    stats.skipped.fetch_add(1, Ordering::Relaxed);
                }
                mailbox.ready.notify_one();
            }
        })
        .map_err(|e| e.to_string())?;
    opened.recv().map_err(|_| "the camera thread ended".to_owned())??;
    let (stopped, mailbox, stats) = (feed.stopped.clone(), feed.mailbox.clone(), feed.stats.clone());
    std::thread::Builder::new()
        .name("decoder".into())
        .spawn(move || {
            let mut scanner = Scanner::new();
            loop {
                let frame = {
                    let mut waiting = mailbox.frame.lock().unwrap_or_else(|e| e.into_inner());
                    while waiting.is_none() && !stopped.load(Ordering::Relaxed) {
                        waiting = mailbox.ready.wait(waiting).unwrap_or_else(|e| e.into_inner());
                    }
                    match waiting.take() {
                        Some(frame) => frame,
                        None => return,
                    }
                };
                let started = Instant::now();
                let found = scanner.frame(&frame);
                let micros = started.elapsed().as_micros() as u64;
                stats.decoded.fetch_add(1, Ordering::Relaxed);
                stats.decode_micros_total.fetch_add(micros, Ordering::Relaxed);
                stats.decode_micros_max.fetch_max(micros, Ordering::Relaxed);
                if let Some(result) = found {
                    if scans.send(result).is_err() {
                        return;
                    }
                }
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(feed)
}

/// A gray frame scaled to at most `max_width` pixels wide, as RGB bytes for the preview.
pub fn preview_rgb(frame: &GrayFrame, max_width: usize) -> (usize, usize, Vec<u8>) {
    let factor = frame.width().div_ceil(max_width.max(1)).max(1);
    let small = if factor > 1 { frame.downscale(factor) } else { frame.clone() };
    let rgb = small.data().iter().flat_map(|&v| [v, v, v]).collect();
    (small.width(), small.height(), rgb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scanner::source::Synthetic;

    fn qr_frame(text: &str) -> GrayFrame {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = code.width();
        let scale = 6;
        let size = (n + 8) * scale;
        let colors = code.to_colors();
        let mut data = vec![255u8; size * size];
        for y in 0..n {
            for x in 0..n {
                if colors[y * n + x] == qrcode::Color::Dark {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            data[((y + 4) * scale + dy) * size + (x + 4) * scale + dx] = 0;
                        }
                    }
                }
            }
        }
        GrayFrame::from_luma(size, size, data).unwrap()
    }

    #[test]
    fn a_code_held_in_front_of_the_camera_is_scanned_once_and_previewed() {
        let blank = GrayFrame::filled(320, 240, 200);
        let code = qr_frame("000.00.01.H29-260310-0420");
        let source = Synthetic::new(vec![blank.clone(), code, blank], 10);
        let (tx, rx) = mpsc::channel();
        let feed = start(Box::new(source), Some(Duration::from_millis(2)), tx).unwrap();
        let scan = rx.recv_timeout(Duration::from_secs(10)).expect("the code is decoded");
        assert_eq!(scan.code().map(|c| c.as_str().to_owned()).as_deref(), Some("000.00.01.H29-260310-0420"));
        // Held for ten frames, it counts once (the session's dedup window).
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
        let (seq, frame) = feed.newer_than(0).expect("a preview frame");
        assert!(seq >= 1);
        let (w, h, rgb) = preview_rgb(&frame, 160);
        assert!(w <= 160 && rgb.len() == w * h * 3);
        assert!(feed.newer_than(u64::MAX).is_none());
    }

    #[test]
    fn an_idle_feed_captures_nothing() {
        let source = Synthetic::new(vec![GrayFrame::filled(8, 8, 0)], 1000);
        let (tx, _rx) = mpsc::channel();
        let feed = start(Box::new(source), Some(Duration::from_millis(1)), tx).unwrap();
        feed.set_active(false);
        std::thread::sleep(Duration::from_millis(100));
        let before = feed.stats.captured.load(Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(feed.stats.captured.load(Ordering::Relaxed), before);
        feed.set_active(true);
        std::thread::sleep(Duration::from_millis(200));
        assert!(feed.stats.captured.load(Ordering::Relaxed) > before);
    }
}
