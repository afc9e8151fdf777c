//! The `printer` subcommand of `kioskctl`, the technician's tool.
//!
//! ```text
//! kioskctl printer test    --to <tcp://HOST:PORT | /dev/usb/lp0 | serial:/dev/ttyUSB0:BAUD | file:PATH>
//!                          [--profile NAME] [--text-mode raster|cp1258|tcvn3|ascii] [--qr TEXT] [--barcode TEXT]
//! kioskctl printer status  --to …
//! kioskctl printer ticket  --to … [--slip slip.json]   (print a queue ticket; the sample one by default)
//! kioskctl printer render  --input job.bin --png out.png [--width 576]   (preview bytes offline)
//! kioskctl printer profiles
//! ```
//!
//! Every subcommand accepts `--profiles DIR` to load a technician's extra profiles.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::profile::{ProfileSet, TextMode};
use crate::slip::{test_page, TicketSlip};
use crate::transport::{Options, Printer, Target};

/// Boxed error for the command line.
pub type CliError = Box<dyn std::error::Error + Send + Sync>;

/// `kioskctl printer …`
#[derive(Debug, Args)]
pub struct PrinterArgs {
    /// Directory of extra printer profiles (*.toml); same id replaces a built-in profile.
    #[arg(long, global = true, value_name = "DIR")]
    pub profiles: Option<PathBuf>,
    #[command(subcommand)]
    pub command: PrinterCommand,
}

#[derive(Debug, Subcommand)]
pub enum PrinterCommand {
    /// Print a test ticket with Vietnamese text, a QR and a CODE128.
    Test(TestArgs),
    /// Ask the printer for its state (DLE EOT 1-4). Exit status 0 = can print, 2 = cannot, 3 = unknown.
    Status(StatusArgs),
    /// Print a queue ticket from a JSON TicketSlip (the built-in sample if none).
    Ticket(TicketArgs),
    /// Render ESC/POS bytes to PNG like the virtual printer (offline preview).
    Render(RenderArgs),
    /// List the known printer profiles.
    Profiles,
}

#[derive(Debug, Args)]
pub struct Output {
    /// Printer address: tcp://HOST:PORT, /dev/usb/lpN, serial:/dev/ttyUSB0:BAUD, file:PATH (usb:VID:PID with feature usb).
    #[arg(long, value_name = "ADDRESS")]
    pub to: String,
    /// Printer profile id (see `kioskctl printer profiles`).
    #[arg(long, default_value = "epson-tm-t20")]
    pub profile: String,
    /// Text mode for Vietnamese; the profile's default when omitted.
    #[arg(long, value_name = "raster|cp1258|tcvn3|ascii")]
    pub text_mode: Option<TextMode>,
    /// Seconds to wait for the printer when connecting and for status answers.
    #[arg(long, default_value_t = 3.0)]
    pub timeout: f64,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub out: Output,
    /// Text of the QR code.
    #[arg(long, default_value = "https://motcua.example.invalid/q/A025")]
    pub qr: String,
    /// Text of the CODE128 barcode.
    #[arg(long, default_value = "A025-260310")]
    pub barcode: String,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Printer address (as for `test`).
    #[arg(long, value_name = "ADDRESS")]
    pub to: String,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 1.5)]
    pub timeout: f64,
}

#[derive(Debug, Args)]
pub struct TicketArgs {
    #[command(flatten)]
    pub out: Output,
    /// JSON file holding a TicketSlip.
    #[arg(long)]
    pub slip: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// File of ESC/POS bytes.
    #[arg(long)]
    pub input: PathBuf,
    /// PNG to write.
    #[arg(long)]
    pub png: PathBuf,
    /// Paper width in dots.
    #[arg(long, default_value_t = 576)]
    pub width: u32,
}

fn options(timeout: f64) -> Options {
    let t = Duration::from_secs_f64(timeout.clamp(0.05, 120.0));
    Options { connect_timeout: t, status_timeout: t.min(Duration::from_secs(5)), ..Options::default() }
}

fn print_doc(
    set: &ProfileSet,
    out: &Output,
    doc: impl FnOnce(&crate::Profile, TextMode) -> crate::Document,
) -> Result<ExitCode, CliError> {
    let profile = set.get(&out.profile)?;
    let mode = out.text_mode.unwrap_or(profile.text_mode);
    let target: Target = out.to.parse()?;
    let document = doc(profile, mode);
    let job = crate::encode(&document, profile, mode)?;
    let mut opts = options(out.timeout);
    // Confirm the job with DLE EOT only on printers that answer it.
    opts.confirm = profile.status;
    let mut printer = Printer::new(target.clone(), opts);
    printer.print(&job.bytes)?;
    println!(
        "sent {} bytes to {target} (profile {}, text mode {mode}, {} raster lines / {} raster bytes, {} approximated characters)",
        job.bytes.len(),
        profile.id,
        job.report.raster_lines,
        job.report.raster_bytes,
        job.report.approximated_chars
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `kioskctl printer …`.
pub fn run(args: PrinterArgs) -> Result<ExitCode, CliError> {
    let mut set = ProfileSet::builtin();
    if let Some(dir) = &args.profiles {
        set.load_dir(dir)?;
    }
    match args.command {
        PrinterCommand::Test(t) => {
            print_doc(&set, &t.out, |p, mode| test_page(p.paper, &p.id, mode.name(), &t.qr, &t.barcode))
        }
        PrinterCommand::Ticket(t) => {
            let slip = match &t.slip {
                Some(path) => serde_json::from_str::<TicketSlip>(&std::fs::read_to_string(path)?)?,
                None => TicketSlip::sample(),
            };
            print_doc(&set, &t.out, |p, _| slip.to_document(p.paper))
        }
        PrinterCommand::Status(s) => {
            let target: Target = s.to.parse()?;
            let mut printer = Printer::new(target.clone(), options(s.timeout));
            let (report, why) = match printer.status_detail() {
                Ok(r) => (r, None),
                Err(e) => (crate::StatusReport::unknown(), Some(e.to_string())),
            };
            let raw: Vec<String> =
                report.raw.iter().map(|b| b.map_or("--".to_string(), |b| format!("{b:02x}"))).collect();
            println!("state: {}", report.state);
            println!("message: {}", report.state.label_vi());
            println!("raw DLE EOT 1-4: {}", raw.join(" "));
            if let Some(why) = why {
                println!("reason: {why}");
            }
            Ok(match report.state {
                s if s.can_print() => ExitCode::SUCCESS,
                crate::PrinterState::Unknown => ExitCode::from(3),
                _ => ExitCode::from(2),
            })
        }
        PrinterCommand::Render(r) => {
            let bytes = std::fs::read(&r.input)?;
            let info = crate::virtual_printer::render::render_job_to_png(&bytes, r.width, &r.png)?;
            println!(
                "wrote {} ({} text lines, {} raster images, {} QR, {} barcodes)",
                r.png.display(),
                info.text_lines.len(),
                info.raster_images,
                info.qr_payloads.len(),
                info.barcodes.len()
            );
            for w in info.warnings {
                println!("warning: {w}");
            }
            Ok(ExitCode::SUCCESS)
        }
        PrinterCommand::Profiles => {
            for p in set.iter() {
                println!(
                    "{:<16} {:<28} {} {} dots, text {}, cp1258 {}, tcvn3 {}, native QR {}, status {}",
                    p.id,
                    p.name,
                    match p.paper {
                        crate::Paper::Mm80 => "80mm",
                        crate::Paper::Mm58 => "58mm",
                    },
                    p.width_dots(),
                    p.text_mode,
                    p.cp1258_table.map_or("-".to_string(), |n| n.to_string()),
                    p.tcvn3_tables.map_or("-".to_string(), |[a, b]| format!("{a}/{b}")),
                    p.native_qr,
                    p.status
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
