use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use kiosk_app::config::{parse_size, Config, DeviceRole};

#[derive(Parser)]
#[command(name = "kiosk-app", version, about = "Ticket kiosk, rating terminal and waiting-room display")]
struct Cli {
    /// Device configuration (TOML).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the application (the default).
    Run,
    /// Checks the configuration and exits.
    CheckConfig,
    /// Renders every screen of a role, in vi and en, to PNG files (software renderer, no display).
    Screenshots {
        #[arg(long)]
        out: PathBuf,
        /// ticket-kiosk, rating-terminal, display, or all
        #[arg(long, default_value = "all")]
        role: String,
        /// WIDTHxHEIGHT
        #[arg(long, default_value = "1080x1920")]
        size: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Run) {
        Command::CheckConfig => {
            let config = load(&cli.config)?;
            println!("{}: {} at {}", config.data_dir.display(), config.role.as_str(), config.server_url());
            Ok(())
        }
        Command::Screenshots { out, role, size } => {
            let size = parse_size(&size).map_err(anyhow::Error::msg)?;
            let roles = if role == "all" {
                vec![DeviceRole::TicketKiosk, DeviceRole::RatingTerminal, DeviceRole::Display]
            } else {
                vec![role.parse().map_err(anyhow::Error::msg)?]
            };
            let window = kiosk_app::screenshots::install_platform()?;
            let mut count = 0;
            for role in roles {
                count += kiosk_app::screenshots::render_role(&window, role, size, &out)?.len();
            }
            println!("{count} screenshots in {}", out.display());
            Ok(())
        }
        Command::Run => run(load(&cli.config)?),
    }
}

fn load(path: &Option<PathBuf>) -> anyhow::Result<Config> {
    let path = path.as_ref().context("--config FILE is required")?;
    Ok(Config::load(path)?)
}

fn run(config: Config) -> anyhow::Result<()> {
    kiosk_app::ui::device::run(config)
}
