//! `kioskctl`: the technician's command line for a kiosk appliance.
//!
//! A thin clap wrapper: each hardware crate exposes `pub mod cli` with a clap `Args`/`Subcommand` type and
//! a `run` function, and is added here with one enum variant and one match arm.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "kioskctl", version, about = "Technician tool: test and inspect kiosk hardware")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Thermal ticket printer: test page, status, tickets, previews, profiles.
    Printer(printer::cli::PrinterArgs),
    /// Barcode/QR decoding of files, serial scanners, cameras: `scan`, `scanner`, `camera`.
    #[command(flatten)]
    Scanner(scanner::cli::Commands),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Printer(args) => printer::cli::run(args),
        Command::Scanner(cmd) => return scanner::cli::main(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = e.source();
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}
