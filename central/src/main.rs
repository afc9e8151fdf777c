//! `central-server`: the city's central server and its technician commands.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use central::store::{sha256_hex, SqliteStore};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "central-server", version, about = "The city's central server: offices' event logs, held once each")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves offices on ADDR (plain HTTP for now; TLS is #10's next step).
    Serve {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
    },
    /// Offices known to the central.
    #[command(subcommand)]
    Office(OfficeCommand),
}

#[derive(Subcommand)]
enum OfficeCommand {
    /// Registers an office; prints its one-time enrolment code as the last line.
    Add {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        name: String,
        /// Mã định danh of the office, e.g. 000.00.01.H29.
        #[arg(long)]
        agency: String,
        /// How long the code is valid.
        #[arg(long, default_value_t = 72)]
        hours: i64,
    },
    /// Revokes an office's key (a stolen or replaced server): its batches are refused from now on;
    /// what it sent is kept. Works while the central server runs.
    Revoke {
        #[arg(long)]
        data_dir: PathBuf,
        /// The office's id (`office list`).
        #[arg(long)]
        id: uuid::Uuid,
    },
    /// Every office with what the central holds of it.
    List {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

/// A one-time code a technician can type: 12 characters without look-alikes, in groups of four.
fn enrolment_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let raw: String = (0..12).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect();
    format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12])
}

fn open(dir: &PathBuf) -> anyhow::Result<SqliteStore> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    SqliteStore::open(dir).with_context(|| format!("cannot open the central's database in {}", dir.display()))
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { data_dir, listen } => {
            let store = Arc::new(Mutex::new(open(&data_dir)?));
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(listen).await?;
                println!("listening on http://{}", listener.local_addr()?);
                axum::serve(listener, central::http::router(store))
                    .with_graceful_shutdown(async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await?;
                anyhow::Ok(())
            })
        }
        Command::Office(OfficeCommand::Add { data_dir, name, agency, hours }) => {
            let name = name.trim();
            let agency = agency.trim();
            anyhow::ensure!(!name.is_empty() && name.chars().count() <= 200, "--name must be 1–200 characters");
            anyhow::ensure!(!agency.is_empty() && agency.len() <= 40, "--agency must be 1–40 characters");
            anyhow::ensure!((1..=720).contains(&hours), "--hours must be 1–720");
            let store = open(&data_dir)?;
            let code = enrolment_code();
            let expires = (time::OffsetDateTime::now_utc() + time::Duration::hours(hours))
                .format(&time::format_description::well_known::Rfc3339)?;
            let id = store.add_office(name, agency, &sha256_hex(&code), &expires)?;
            println!("Office {name} ({agency}) registered as {id}.");
            println!("Enrolment code (single use, {hours} h):");
            println!("{code}");
            Ok(())
        }
        Command::Office(OfficeCommand::Revoke { data_dir, id }) => {
            anyhow::ensure!(open(&data_dir)?.revoke(id)?, "no office has the id {id}");
            println!("Office {id} revoked: its batches are refused from now on.");
            Ok(())
        }
        Command::Office(OfficeCommand::List { data_dir, json }) => {
            let offices = open(&data_dir)?.list()?;
            if json {
                for o in &offices {
                    println!("{}", serde_json::to_string(o)?);
                }
            } else {
                for o in &offices {
                    let state = match (o.public_key.is_some(), o.fork_at) {
                        (_, Some(seq)) => format!("FORK at event {seq}"),
                        (false, _) => "not enrolled".to_string(),
                        (true, None) => "ok".to_string(),
                    };
                    println!(
                        "{}  {}  {}  last_seq {}  events {}  {state}",
                        o.id, o.agency, o.name, o.last_seq, o.events
                    );
                }
            }
            Ok(())
        }
    }
}
