//! The decode cascade: from a gray frame to the symbols it shows.
//!
//! A [`Decoder`] runs a fixed list of *stages*. Each stage prepares one variant of the frame
//! (as is, downscaled, upscaled, sharpened, contrast-stretched, denoised, binarized by us,
//! inverted, rotated) and runs one or more *engines* on it (rxing QR with the hybrid or
//! global binarizer, rqrr QR, rxing 1D readers). Stages are ordered from cheap and likely
//! to expensive and rare, so a frame with a clear code returns after the first stage and an
//! empty camera frame costs only the first few stages before the time budget ends it.
//!
//! Invariants:
//! - `decode` never panics: every engine call runs under `catch_unwind` and a panic counts as
//!   "nothing found" (and is reported in [`FrameReport::panics`]). Panic messages from
//!   decoder threads are kept off stderr by a filtering panic hook (see [`contain`]).
//! - The cascade is deterministic when no budget is set (the corpus test relies on it);
//!   with a budget, later stages are skipped once it is spent (checked between stages).
//! - Only the formats in [`DecoderConfig::formats`] are ever tried or reported.

mod binarize;
mod engines;
pub mod evidence;

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;
use std::time::{Duration, Instant};

use crate::frame::GrayFrame;
pub use engines::RxBin;

/// The symbologies this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbology {
    /// QR Code (model 2).
    QrCode,
    /// Code 128.
    Code128,
    /// EAN-13 (UPC-A reads as EAN-13 with a leading 0).
    Ean13,
    /// Code 39 (full-ASCII expansion when the data asks for it).
    Code39,
    /// Interleaved 2 of 5.
    Itf,
}

impl Symbology {
    /// All symbologies, QR first.
    pub const ALL: [Symbology; 5] =
        [Symbology::QrCode, Symbology::Code128, Symbology::Ean13, Symbology::Code39, Symbology::Itf];

    /// The zxing-style name (`QR_CODE`, `CODE_128`, …) used in CLI output.
    pub fn name(self) -> &'static str {
        match self {
            Symbology::QrCode => "QR_CODE",
            Symbology::Code128 => "CODE_128",
            Symbology::Ean13 => "EAN_13",
            Symbology::Code39 => "CODE_39",
            Symbology::Itf => "ITF",
        }
    }

    /// True for the linear (1D) symbologies.
    pub fn is_linear(self) -> bool {
        self != Symbology::QrCode
    }
}

impl std::fmt::Display for Symbology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which library produced a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// The `rxing` crate (a port of zxing and zxing-cpp).
    Rxing,
    /// The `rqrr` crate (a port of quirc).
    Rqrr,
}

/// One decoded symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Its symbology.
    pub format: Symbology,
    /// Its text (bytes decoded as UTF-8, else Shift_JIS, else Latin-1).
    pub text: String,
    /// Which engine read it.
    pub engine: Engine,
}

/// What the decoder should try.
#[derive(Debug, Clone)]
pub struct DecoderConfig {
    /// Symbologies to look for; an empty list finds nothing.
    pub formats: Vec<Symbology>,
    /// Time budget per frame. With a budget, a frame where the first stage found nothing
    /// and a quick row scan sees nothing code-like ends there ([`evidence`]), and stages
    /// whose estimated cost exceeds the remaining budget are skipped. `None` runs the
    /// whole cascade (deterministic; used for files and tests).
    pub budget: Option<Duration>,
    /// Run only the first this-many stages (the cheap ones). `usize::MAX` for all.
    pub max_stages: usize,
    /// Use rxing (QR and all 1D formats). Turning it off leaves QR to rqrr alone.
    pub rxing: bool,
    /// Use rqrr for QR.
    pub rqrr: bool,
    /// Keep going after a stage found something, to collect every symbol the cascade can
    /// find (slower). By default the first successful stage ends the frame.
    pub exhaustive: bool,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        Self::thorough()
    }
}

impl DecoderConfig {
    /// Every format, the whole cascade, no time budget: for files and technician tools.
    pub fn thorough() -> Self {
        Self {
            formats: Symbology::ALL.to_vec(),
            budget: None,
            max_stages: usize::MAX,
            rxing: true,
            rqrr: true,
            exhaustive: false,
        }
    }

    /// For live camera frames: every format, a 15 ms budget per frame.
    pub fn realtime() -> Self {
        Self { budget: Some(Duration::from_millis(15)), ..Self::thorough() }
    }

    /// Restricts the formats.
    pub fn with_formats(mut self, formats: &[Symbology]) -> Self {
        self.formats = formats.to_vec();
        self
    }

    fn wants(&self, f: Symbology) -> bool {
        self.formats.contains(&f)
    }

    fn wants_linear(&self) -> bool {
        self.formats.iter().any(|f| f.is_linear())
    }
}

/// The outcome of decoding one frame.
#[derive(Debug, Clone, Default)]
pub struct FrameReport {
    /// Distinct symbols found (by format and text), in the order found.
    pub symbols: Vec<Symbol>,
    /// Wall time spent.
    pub elapsed: Duration,
    /// Stages run.
    pub stages_run: usize,
    /// Name of the stage that found the first symbol.
    pub found_by: Option<&'static str>,
    /// Engine calls that panicked (and were contained).
    pub panics: usize,
    /// True when the budget ended the cascade early or made it skip stages.
    pub budget_exhausted: bool,
    /// With a budget: what the quick look for code-like structure saw (`None` when the
    /// first stage decided the frame or no budget was set).
    pub evidence: Option<evidence::Evidence>,
}

thread_local! {
    static IN_ENGINE: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// Runs `f`, turning a panic into `None`. Installs (once per process) a panic hook that
/// stays silent for panics raised inside engine calls and defers to the previous hook for
/// every other panic.
pub fn contain<T>(f: impl FnOnce() -> T) -> Option<T> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_ENGINE.with(|c| c.get()) {
                previous(info);
            }
        }));
    });
    let was = IN_ENGINE.with(|c| c.replace(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    IN_ENGINE.with(|c| c.set(was));
    r.ok()
}

/// One preprocessing variant of the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Prep {
    /// The frame as given, downscaled to at most 1600 px on its longer side.
    Base,
    /// Box-downscaled by an integer factor (after Base).
    Down(usize),
    /// Bilinear upscale ×2 (small codes).
    Up2,
    /// Unsharp mask (blurred codes).
    Sharpen,
    /// Percentile contrast stretch (low contrast).
    Stretch,
    /// Box blur radius 1 (noise, halftone print).
    Denoise,
    /// Our own local-mean binarization with the given window radius.
    LocalMean(usize),
    /// Otsu global threshold.
    Otsu,
    /// Rows averaged (vertical blur radius 3) for 1D codes.
    RowAverage,
    /// Strong horizontal unsharp mask (defocused 1D codes).
    DeblurBars,
    /// Upscale ×2, rows averaged, bars sharpened (small, soft 1D codes).
    Up2Bars,
    /// Negative (light code on dark background).
    Invert,
    /// Rotated by this many degrees (tilted 1D codes).
    Rotate(i16),
}

/// One engine run on a prepared frame.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Run {
    RxQr(RxBin, bool),
    RxOneD(RxBin, bool),
    Rqrr,
}

struct Stage {
    name: &'static str,
    prep: Prep,
    runs: &'static [Run],
    /// Cost relative to the first stage (measured on an empty 1280x720 frame), used to
    /// skip stages that would not fit in the remaining budget.
    cost: u32,
}

use Run::*;
use RxBin::*;

/// The cascade, cheapest and most productive first.
const STAGES: &[Stage] = &[
    Stage { name: "base", prep: Prep::Base, cost: 1, runs: &[RxQr(Hybrid, false), RxOneD(Global, false)] },
    Stage {
        name: "base-harder",
        prep: Prep::Base,
        cost: 4,
        runs: &[RxQr(Hybrid, true), RxOneD(Global, true), RxQr(Global, true)],
    },
    Stage { name: "half", prep: Prep::Down(2), cost: 3, runs: &[RxQr(Hybrid, false), Rqrr, RxOneD(Global, false)] },
    Stage { name: "base-rqrr", prep: Prep::Base, cost: 5, runs: &[Rqrr] },
    Stage {
        name: "local-mean",
        prep: Prep::LocalMean(0),
        cost: 13,
        runs: &[RxQr(Global, true), Rqrr, RxOneD(Global, true)],
    },
    Stage { name: "sharpen", prep: Prep::Sharpen, cost: 22, runs: &[RxQr(Hybrid, true), Rqrr, RxOneD(Global, true)] },
    Stage { name: "stretch", prep: Prep::Stretch, cost: 15, runs: &[RxQr(Hybrid, true), Rqrr, RxOneD(Hybrid, true)] },
    Stage { name: "otsu", prep: Prep::Otsu, cost: 9, runs: &[RxQr(Global, true), Rqrr, RxOneD(Global, true)] },
    Stage { name: "denoise", prep: Prep::Denoise, cost: 15, runs: &[RxQr(Hybrid, true), Rqrr, RxOneD(Global, true)] },
    Stage { name: "third", prep: Prep::Down(3), cost: 4, runs: &[RxQr(Hybrid, true), Rqrr, RxOneD(Global, true)] },
    Stage { name: "up2", prep: Prep::Up2, cost: 4, runs: &[RxQr(Hybrid, true), Rqrr, RxOneD(Global, true)] },
    Stage { name: "rows", prep: Prep::RowAverage, cost: 8, runs: &[RxOneD(Global, true), RxOneD(Hybrid, true)] },
    Stage { name: "deblur-bars", prep: Prep::DeblurBars, cost: 8, runs: &[RxOneD(Global, true), RxOneD(Hybrid, true)] },
    Stage { name: "up2-bars", prep: Prep::Up2Bars, cost: 16, runs: &[RxOneD(Global, true), RxOneD(Hybrid, true)] },
    Stage { name: "invert", prep: Prep::Invert, cost: 7, runs: &[RxQr(Hybrid, true), Rqrr, RxOneD(Global, true)] },
    Stage { name: "rot30", prep: Prep::Rotate(30), cost: 11, runs: &[RxQr(Hybrid, true), RxOneD(Global, true)] },
    Stage { name: "rot-30", prep: Prep::Rotate(-30), cost: 11, runs: &[RxQr(Hybrid, true), RxOneD(Global, true)] },
];

/// Number of stages in the full cascade.
pub fn stage_count() -> usize {
    STAGES.len()
}

/// Names of the stages, in order.
pub fn stage_names() -> Vec<&'static str> {
    STAGES.iter().map(|s| s.name).collect()
}

/// Largest side of the base image; larger frames are box-downscaled first.
const BASE_MAX_SIDE: usize = 1600;

/// Decodes frames. Cheap to create; holds only configuration, so one per thread is fine.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    config: DecoderConfig,
}

impl Decoder {
    /// A decoder with this configuration.
    pub fn new(config: DecoderConfig) -> Self {
        Self { config }
    }

    /// Its configuration.
    pub fn config(&self) -> &DecoderConfig {
        &self.config
    }

    /// Decodes one frame. Never panics.
    pub fn decode(&self, frame: &GrayFrame) -> FrameReport {
        let start = Instant::now();
        let mut report = FrameReport::default();
        let cfg = &self.config;
        if cfg.formats.is_empty() {
            return report;
        }
        let qr = cfg.wants(Symbology::QrCode);
        let linear: Vec<Symbology> = cfg.formats.iter().copied().filter(|f| f.is_linear()).collect();
        let hints_qr = [engines::qr_hints(false), engines::qr_hints(true)];
        let hints_1d = [engines::oned_hints(&linear, false), engines::oned_hints(&linear, true)];

        let mut base = {
            let longest = frame.width().max(frame.height());
            if longest > BASE_MAX_SIDE {
                frame.downscale(longest.div_ceil(BASE_MAX_SIDE))
            } else {
                frame.clone()
            }
        };
        let mut cached: Option<(Prep, GrayFrame)> = None;
        let mut unit = Duration::ZERO;
        // Looking for every 1D symbol costs several full re-scans: files and exhaustive runs only.
        let multi_1d = cfg.budget.is_none() || cfg.exhaustive;

        for (i, stage) in STAGES.iter().enumerate() {
            if i >= cfg.max_stages {
                break;
            }
            if let Some(b) = cfg.budget {
                let spent = start.elapsed();
                if spent >= b {
                    report.budget_exhausted = true;
                    break;
                }
                if i > 0 {
                    // After the first stage: give up on frames with nothing code-like, and
                    // skip stages whose estimated cost exceeds what is left of the budget.
                    if report.evidence.is_none() {
                        let ev = contain(|| evidence::scan(&base, 2)).unwrap_or_default();
                        report.evidence = Some(ev);
                        if !ev.any() {
                            break;
                        }
                        // Later stages look only at the region around what was seen.
                        if let Some(roi) = ev.bbox.and_then(|b| region_of_interest(&base, b)) {
                            // Stage costs scale with the pixels looked at.
                            let share = (roi.width() * roi.height()) as f64 / (base.width() * base.height()) as f64;
                            unit = unit.mul_f64(share.max(0.3)).max(Duration::from_micros(50));
                            base = roi;
                            cached = None;
                        }
                    }
                    if unit.is_zero() {
                        unit = start.elapsed().max(Duration::from_micros(50));
                    }
                    if unit * stage.cost > b.saturating_sub(start.elapsed()) {
                        report.budget_exhausted = true;
                        continue;
                    }
                }
            }
            let runs: Vec<Run> = stage
                .runs
                .iter()
                .copied()
                .filter(|r| match r {
                    RxQr(..) => qr && cfg.rxing,
                    Rqrr => qr && cfg.rqrr,
                    RxOneD(..) => cfg.wants_linear() && cfg.rxing,
                })
                .collect();
            if runs.is_empty() {
                continue;
            }
            if stage.prep != Prep::Base && cached.as_ref().map(|c| c.0) != Some(stage.prep) {
                match contain(|| prepare(&base, stage.prep)) {
                    Some(f) => cached = Some((stage.prep, f)),
                    None => {
                        report.panics += 1;
                        continue;
                    }
                }
            }
            let img: &GrayFrame = match (&cached, stage.prep) {
                (_, Prep::Base) | (None, _) => &base,
                (Some(c), _) => &c.1,
            };
            report.stages_run += 1;
            let before = report.symbols.len();
            for run in runs {
                let found = contain(|| match run {
                    RxQr(bin, th) => engines::rxing_qr(img, bin, &hints_qr[th as usize]),
                    RxOneD(bin, th) => engines::rxing_oned(img, bin, &hints_1d[th as usize], multi_1d),
                    Rqrr => engines::rqrr_gray(img),
                });
                match found {
                    Some(symbols) => {
                        for s in symbols {
                            if cfg.wants(s.format)
                                && !report.symbols.iter().any(|o| o.format == s.format && o.text == s.text)
                            {
                                report.symbols.push(s);
                            }
                        }
                    }
                    None => report.panics += 1,
                }
                if report.symbols.len() > before && !cfg.exhaustive {
                    break;
                }
                if cfg.budget.is_some_and(|b| start.elapsed() >= b) {
                    report.budget_exhausted = true;
                    break;
                }
            }
            if i == 0 {
                unit = start.elapsed().max(Duration::from_micros(50));
            }
            if report.symbols.len() > before {
                report.found_by.get_or_insert(stage.name);
                if !cfg.exhaustive {
                    break;
                }
            }
        }
        report.elapsed = start.elapsed();
        report
    }
}

/// The crop around an evidence bounding box, with a margin for quiet zones and the parts
/// of the symbol the row scan missed; `None` when it would not save much.
fn region_of_interest(frame: &GrayFrame, b: (usize, usize, usize, usize)) -> Option<GrayFrame> {
    let (x0, y0, x1, y1) = b;
    let margin = ((x1 - x0).max(y1 - y0) * 3 / 4).max(64);
    let (cx0, cy0) = (x0.saturating_sub(margin), y0.saturating_sub(margin));
    let cx1 = (x1 + margin).min(frame.width());
    let cy1 = (y1 + margin).min(frame.height());
    let area = (cx1 - cx0) * (cy1 - cy0);
    if area * 10 > frame.width() * frame.height() * 6 {
        return None;
    }
    Some(frame.crop(cx0, cy0, cx1 - cx0, cy1 - cy0))
}

fn prepare(base: &GrayFrame, prep: Prep) -> GrayFrame {
    match prep {
        Prep::Base => base.clone(),
        Prep::Down(f) => base.downscale(f),
        Prep::Up2 => {
            // Upscaling a big frame only costs time: cap the result at 2000 px.
            let longest = base.width().max(base.height());
            if longest * 2 > 2000 {
                base.clone()
            } else {
                base.resize(base.width() * 2, base.height() * 2)
            }
        }
        Prep::Sharpen => base.sharpened(1),
        Prep::Stretch => base.stretched(),
        Prep::Denoise => base.box_blur(1),
        Prep::LocalMean(r) => binarize::local_mean(base, r),
        Prep::Otsu => binarize::global(base, base.otsu_threshold()),
        Prep::Invert => base.inverted(),
        Prep::RowAverage => base.vertical_blur(3),
        Prep::DeblurBars => base.vertical_blur(2).sharpened_horizontal(2, 3),
        Prep::Up2Bars => prepare(base, Prep::Up2).vertical_blur(4).sharpened_horizontal(3, 2),
        Prep::Rotate(d) => base.rotate_degrees(d as f32),
    }
}
