//! `virtual-printer`: a network ESC/POS printer for tests and ticket previews.
//!
//! ```text
//! virtual-printer [--listen 127.0.0.1:9100] [--out DIR] [--width 576] [--state ready|paper_out|…] [--drop-after BYTES]
//! ```
//! Every job is written to DIR as job-NNNN.png (what the paper would look like) and job-NNNN.bin.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use printer::virtual_printer::{Config, VirtualPrinter};
use printer::PrinterState;

#[derive(Parser, Debug)]
#[command(
    name = "virtual-printer",
    about = "Virtual ESC/POS network printer (records jobs, renders PNG, answers DLE EOT)"
)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9100")]
    listen: std::net::SocketAddr,
    /// Directory for job-NNNN.png / job-NNNN.bin.
    #[arg(long, default_value = "virtual-printer-jobs")]
    out: std::path::PathBuf,
    /// Paper width in dots (576 = 80 mm, 384 = 58 mm).
    #[arg(long, default_value_t = 576)]
    width: u32,
    /// State answered to DLE EOT: ready, paper_near_end, offline, cover_open, paper_out, error, unknown (silent).
    #[arg(long, default_value = "ready", value_parser = parse_state)]
    state: PrinterState,
    /// Drop each connection after this many bytes (simulate a printer that disappears).
    #[arg(long)]
    drop_after: Option<usize>,
    /// Stop after this many seconds (0 = run until killed).
    #[arg(long, default_value_t = 0)]
    seconds: u64,
}

fn parse_state(s: &str) -> Result<PrinterState, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| format!("unknown state {s:?}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = Config {
        listen: cli.listen,
        width_dots: cli.width,
        out_dir: Some(cli.out.clone()),
        state: cli.state,
        drop_after: cli.drop_after,
        ..Config::default()
    };
    let vp = match VirtualPrinter::start(config) {
        Ok(vp) => vp,
        Err(e) => {
            eprintln!("virtual-printer: cannot listen on {}: {e}", cli.listen);
            return ExitCode::FAILURE;
        }
    };
    println!("virtual-printer listening on {} (state {}), jobs in {}", vp.url(), cli.state, cli.out.display());
    let start = std::time::Instant::now();
    let mut seen = 0;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let jobs = vp.jobs();
        for job in &jobs[seen..] {
            println!(
                "job {}: {} bytes, {} text lines, {} raster, {} QR, {} barcodes{}{}",
                job.number,
                job.bytes.len(),
                job.info.text_lines.len(),
                job.info.raster_images,
                job.info.qr_payloads.len(),
                job.info.barcodes.len(),
                job.png.as_ref().map(|p| format!(" -> {}", p.display())).unwrap_or_default(),
                if job.dropped { " (dropped)" } else { "" }
            );
        }
        seen = jobs.len();
        if cli.seconds > 0 && start.elapsed() >= Duration::from_secs(cli.seconds) {
            break;
        }
    }
    vp.stop();
    ExitCode::SUCCESS
}
