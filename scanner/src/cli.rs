//! Technician subcommands, wired into `kioskctl` as `scan`, `scanner` and `camera`.
//!
//! - `kioskctl scan FILE...`: one line per decoded symbol, `FILE<TAB>FORMAT<TAB>TEXT` (TEXT
//!   with newline, CR and TAB escaped as `\n`, `\r`, `\t`), or `FILE<TAB>-<TAB>`
//!   when nothing decodes or the file cannot be read (the reason goes to stderr). Exit
//!   status 0 when every file could be read, 2 when some could not.
//! - `kioskctl scanner listen --serial PATH [--baud N]`: prints each scan and the dossier
//!   code found in it (`SCAN<TAB>TEXT<TAB>CODE|-<TAB>NOTE`).
//! - `kioskctl camera list`, `kioskctl camera snapshot --out FILE.png [--decode]`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand, ValueEnum};

use crate::decode::{Decoder, DecoderConfig, Symbology};
use crate::error::{FrameError, SerialError, SourceError};
use crate::frame::GrayFrame;
use crate::payload::{interpret, Dedup, ScanResult};
use crate::serial::{Framing, SerialConfig, SerialScanner};
use crate::source::FrameSource;
use crate::text::escape_line;

/// Errors of the scanner subcommands.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Serial port trouble.
    #[error(transparent)]
    Serial(#[from] SerialError),
    /// Camera or file source trouble.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// Image trouble.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// Writing the output failed.
    #[error("output: {0}")]
    Io(#[from] std::io::Error),
    /// A bad argument.
    #[error("{0}")]
    Usage(String),
}

/// The scanner crate's top-level `kioskctl` subcommands (flattened into kioskctl's own
/// command enum).
#[derive(Debug, Clone, Subcommand)]
pub enum Commands {
    /// Decode QR codes and barcodes in image files: one line per symbol, FILE, FORMAT, TEXT tab-separated.
    Scan(ScanArgs),
    /// Serial barcode scanners.
    Scanner(ScannerArgs),
    /// Cameras (V4L2; needs kioskctl built with the `camera` feature).
    Camera(CameraArgs),
}

/// Runs one of the scanner subcommands.
pub fn run(cmd: Commands) -> Result<ExitCode, CliError> {
    match cmd {
        Commands::Scan(a) => run_scan(a),
        Commands::Scanner(a) => run_scanner(a),
        Commands::Camera(a) => run_camera(a),
    }
}

/// Runs one of the scanner subcommands and reports an error (with its causes) on stderr:
/// the whole `kioskctl` arm.
pub fn main(cmd: Commands) -> ExitCode {
    match run(cmd) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}

/// Symbology names on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// QR Code.
    Qr,
    /// Code 128.
    Code128,
    /// EAN-13.
    Ean13,
    /// Code 39.
    Code39,
    /// Interleaved 2 of 5.
    Itf,
}

impl From<FormatArg> for Symbology {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Qr => Symbology::QrCode,
            FormatArg::Code128 => Symbology::Code128,
            FormatArg::Ean13 => Symbology::Ean13,
            FormatArg::Code39 => Symbology::Code39,
            FormatArg::Itf => Symbology::Itf,
        }
    }
}

/// `kioskctl scan FILE...`
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Image files (PNG, JPEG).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Only these symbologies (comma-separated; default all).
    #[arg(long, value_delimiter = ',', value_enum)]
    pub formats: Vec<FormatArg>,
    /// Run the whole cascade to collect every symbol (slower).
    #[arg(long)]
    pub all: bool,
    /// Append the dossier code read from each symbol (or `-`) as a fourth column.
    #[arg(long)]
    pub dossier: bool,
}

/// `kioskctl scanner ...`
#[derive(Debug, Clone, Args)]
pub struct ScannerArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ScannerCommand,
}

/// Scanner subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum ScannerCommand {
    /// Print every scan from a serial scanner and the dossier code in it.
    Listen(ListenArgs),
}

/// `kioskctl scanner listen`
#[derive(Debug, Clone, Args)]
pub struct ListenArgs {
    /// Serial device, e.g. /dev/ttyACM0.
    #[arg(long)]
    pub serial: String,
    /// Baud rate.
    #[arg(long, default_value_t = 9600)]
    pub baud: u32,
    /// Scan terminators: CR, LF, CRLF, TAB or NONE, comma-separated.
    #[arg(long, default_value = "CR,LF,TAB")]
    pub suffix: String,
    /// Prefix the scanner sends before each scan, as hex bytes (e.g. 02).
    #[arg(long)]
    pub prefix_hex: Option<String>,
    /// Repeats of the same text within this many milliseconds are marked and not counted.
    #[arg(long, default_value_t = 3000)]
    pub dedup_ms: u64,
    /// Stop after this many scans.
    #[arg(long)]
    pub count: Option<usize>,
    /// Stop after this many seconds.
    #[arg(long)]
    pub seconds: Option<u64>,
}

/// `kioskctl camera ...`
#[derive(Debug, Clone, Args)]
pub struct CameraArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: CameraCommand,
}

/// Camera subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum CameraCommand {
    /// List cameras.
    List,
    /// Grab one frame and save it as a gray PNG.
    Snapshot(SnapshotArgs),
}

/// `kioskctl camera snapshot`
#[derive(Debug, Clone, Args)]
pub struct SnapshotArgs {
    /// Output PNG.
    #[arg(long)]
    pub out: PathBuf,
    /// Camera index (/dev/videoN).
    #[arg(long, default_value_t = 0)]
    pub device: u32,
    /// Requested width.
    #[arg(long, default_value_t = 1280)]
    pub width: u32,
    /// Requested height.
    #[arg(long, default_value_t = 720)]
    pub height: u32,
    /// Frames to skip first (auto-exposure settles).
    #[arg(long, default_value_t = 5)]
    pub warmup: usize,
    /// Also decode the frame and print what it shows.
    #[arg(long)]
    pub decode: bool,
}

/// Runs `kioskctl scan`, writing to stdout.
pub fn run_scan(args: ScanArgs) -> Result<ExitCode, CliError> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut err = std::io::stderr();
    scan_files(&args, &mut out, &mut err)
}

/// `kioskctl scan` with explicit outputs (for tests).
pub fn scan_files(args: &ScanArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitCode, CliError> {
    let mut cfg = DecoderConfig::thorough();
    if !args.formats.is_empty() {
        cfg.formats = args.formats.iter().map(|&f| f.into()).collect();
    }
    cfg.exhaustive = args.all;
    let decoder = Decoder::new(cfg);
    let mut unreadable = 0;
    for path in &args.files {
        let name = escape_line(&path.display().to_string());
        // Reading is contained too: an image codec panic must not end the batch.
        let frame = crate::decode::contain(|| GrayFrame::open(path))
            .unwrap_or_else(|| Err(FrameError::Image("image decoder panicked".into())));
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                unreadable += 1;
                writeln!(err, "{}: {e}", path.display())?;
                writeln!(out, "{name}\t-\t")?;
                continue;
            }
        };
        let report = decoder.decode(&frame);
        if report.symbols.is_empty() {
            writeln!(out, "{name}\t-\t")?;
        }
        for s in &report.symbols {
            write!(out, "{name}\t{}\t{}", s.format, escape_line(&s.text))?;
            if args.dossier {
                match interpret(&s.text).code() {
                    Some(c) => write!(out, "\t{c}")?,
                    None => write!(out, "\t-")?,
                }
            }
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(if unreadable == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// Runs `kioskctl scanner ...`.
pub fn run_scanner(args: ScannerArgs) -> Result<ExitCode, CliError> {
    match args.command {
        ScannerCommand::Listen(l) => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            listen(&l, &mut out)
        }
    }
}

fn parse_hex(s: &str) -> Result<Vec<u8>, CliError> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace() && *c != ',').collect();
    if !clean.len().is_multiple_of(2) {
        return Err(CliError::Usage(format!("bad hex prefix {s:?}")));
    }
    (0..clean.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&clean[i..i + 2], 16).map_err(|_| CliError::Usage(format!("bad hex prefix {s:?}"))))
        .collect()
}

/// `kioskctl scanner listen` with an explicit output (for tests).
pub fn listen(args: &ListenArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let terminators = Framing::parse_terminators(&args.suffix)
        .ok_or_else(|| CliError::Usage(format!("bad --suffix {:?}", args.suffix)))?;
    let mut cfg = SerialConfig::new(args.serial.clone());
    cfg.baud = args.baud;
    cfg.framing = Framing {
        prefix: args.prefix_hex.as_deref().map(parse_hex).transpose()?.unwrap_or_default(),
        terminators,
        ..Framing::default()
    };
    let mut port = SerialScanner::open(&cfg)?;
    let mut dedup = Dedup::new(Duration::from_millis(args.dedup_ms));
    let epoch = Instant::now();
    let deadline = args.seconds.map(|s| epoch + Duration::from_secs(s));
    let mut seen = 0usize;
    writeln!(out, "# listening on {} at {} baud", args.serial, args.baud)?;
    out.flush()?;
    loop {
        if args.count.is_some_and(|c| seen >= c) {
            break;
        }
        let wait = match deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) => left.min(Duration::from_millis(500)),
                None => break,
            },
            None => Duration::from_millis(500),
        };
        let scan = match port.next_scan(wait) {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(SerialError::Overlong(n)) => {
                writeln!(out, "# dropped a scan longer than {n} bytes")?;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        seen += 1;
        let result = interpret(&scan);
        let key = result.code().map_or(scan.clone(), |c| c.to_string());
        let repeat = if dedup.accept(&key, epoch.elapsed()) { "" } else { " (repeat)" };
        match &result {
            ScanResult::Dossier { code, via, .. } => {
                writeln!(out, "SCAN\t{}\t{code}\tdossier code ({via:?}){repeat}", escape_line(&scan))?
            }
            ScanResult::NotADossierCode { reason, .. } => {
                writeln!(out, "SCAN\t{}\t-\tnot a dossier code: {reason}{repeat}", escape_line(&scan))?
            }
        }
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `kioskctl camera ...`.
pub fn run_camera(args: CameraArgs) -> Result<ExitCode, CliError> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.command {
        CameraCommand::List => {
            let cams = crate::camera::list()?;
            if cams.is_empty() {
                writeln!(out, "no cameras found")?;
            }
            for c in cams {
                writeln!(out, "{}\t{}\t{}", c.index, c.name, c.description)?;
            }
        }
        CameraCommand::Snapshot(s) => {
            let mut cam = crate::camera::Camera::open(s.device, s.width, s.height)?;
            let mut frame = None;
            for _ in 0..=s.warmup {
                frame = cam.next_frame()?;
            }
            let frame = frame.ok_or_else(|| SourceError::Camera("no frame".into()))?;
            frame.save_png(&s.out)?;
            writeln!(out, "{}\t{}x{}", s.out.display(), frame.width(), frame.height())?;
            if s.decode {
                let r = Decoder::new(DecoderConfig::thorough()).decode(&frame);
                for sym in r.symbols {
                    writeln!(out, "{}\t{}", sym.format, escape_line(&sym.text))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
