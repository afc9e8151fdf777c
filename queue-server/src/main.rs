//! `queue-server`: serve an office, run the demo office, enrol devices, manage users, back up,
//! restore, import dossiers, verify the event log and simulate office days.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use domain::office::{CounterId, Role};
use queue_server::{auth, config, office::Office, server, store};

#[derive(Parser)]
#[command(name = "queue-server", version, about = "Office queue server for one-stop public-service offices")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve an office from its data directory.
    Serve {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Office configuration (TOML): settings, services, counters.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Create (or reuse) the demo office, print its logins and an enrolment code, and serve it.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[arg(long, default_value = "demo-office")]
        data_dir: PathBuf,
        /// Office configuration applied over the demo office (e.g. only `[server]` limits).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Print a one-time device enrolment code (works while the server runs).
    Enrol {
        #[arg(long)]
        data_dir: PathBuf,
        /// ticket-kiosk, rating-terminal or display
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
        /// The counter a rating terminal belongs to.
        #[arg(long)]
        counter: Option<CounterId>,
        #[arg(long, default_value_t = 24)]
        valid_hours: u32,
    },
    /// List, revoke, rename or rebind enrolled devices (works while the server runs; a running server
    /// applies it within a second).
    Device {
        #[command(subcommand)]
        command: DeviceCmd,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// Copy the live database to a file (SQLite online backup; safe while serving).
    Backup {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Replace the office database with a verified backup (stop the server first).
    Restore {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        from: PathBuf,
    },
    /// Import dossier messages (DongBoHoSoMC / CapNhatTienDoHoSoMC JSON files).
    ImportDossiers {
        #[arg(long)]
        data_dir: PathBuf,
        files: Vec<PathBuf>,
    },
    /// Replay the whole event log, check its hash chain, and print a summary.
    Verify {
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Explain a ticket's place in the queue from the event log: the tickets called before it while it
    /// waited, each with the rule that put it first (priority ratio, ageing cap, transfer, recall…).
    /// Read-only; works while the server runs.
    Explain {
        #[arg(long)]
        data_dir: PathBuf,
        /// The printed number, e.g. A025.
        #[arg(long)]
        number: String,
        /// Office day (YYYY-MM-DD); default today.
        #[arg(long)]
        day: Option<String>,
        /// vi or en
        #[arg(long, default_value = "vi")]
        lang: String,
        /// Print the explanation as JSON (as `GET /api/v1/explain` returns it).
        #[arg(long)]
        json: bool,
    },
    /// The office's link to the city's central server.
    #[command(subcommand)]
    Sync(SyncCmd),
    /// Render a voice announcement to a WAV file (clips from assets/voice, or QUEUE_VOICE_DIR).
    Announce {
        /// Ticket number as printed, e.g. A025.
        #[arg(long)]
        number: String,
        #[arg(long)]
        counter: CounterId,
        /// vi, en or vi,en
        #[arg(long, default_value = "vi", value_delimiter = ',')]
        lang: Vec<String>,
        /// digit-by-digit ("A không hai năm") or as-number ("A hai mươi lăm")
        #[arg(long, default_value = "digit-by-digit")]
        reading: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Simulate office days faster than real time against the real queue engine: waits, queues and
    /// counter utilisation, with the scenario's "what if" variants side by side.
    Simulate {
        /// Scenario TOML (example: simulator/scenarios/demo-monday.toml).
        #[arg(long)]
        scenario: PathBuf,
        /// Variants to run besides the base (default: all of the scenario's).
        #[arg(long, num_args = 1.., value_delimiter = ',')]
        variant: Vec<String>,
        #[arg(long, default_value_t = 1, conflicts_with = "from_history")]
        days: u32,
        #[arg(long, default_value_t = simulator::DEFAULT_SEED)]
        seed: u64,
        /// Write tickets.csv, summary.csv, counters.csv, histogram.csv and summary.json here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// vi or en
        #[arg(long, default_value = "vi")]
        lang: String,
        /// Replay the tickets taken in this office's log instead of drawing arrivals.
        #[arg(long)]
        from_history: Option<PathBuf>,
        /// With --from-history: only this office day (YYYY-MM-DD); default every day in the log.
        #[arg(long, requires = "from_history")]
        day: Option<String>,
    },
}

#[derive(Subcommand)]
enum SyncCmd {
    /// Enrol this office with the central server (its one-time code); works whether or not the office
    /// server is running, which starts sending its log within seconds.
    Enrol {
        #[arg(long)]
        data_dir: PathBuf,
        /// The central server's base URL.
        #[arg(long)]
        central: String,
        #[arg(long)]
        code: String,
    },
    /// Local last seq, the seq the central acknowledged, the backlog and the last error.
    Status {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DeviceCmd {
    List {
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Revoke a device: its token stops working, its open streams end.
    Revoke {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        id: uuid::Uuid,
    },
    /// Rename a device.
    Rename {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        id: uuid::Uuid,
        #[arg(long)]
        name: String,
    },
    /// Bind a rating terminal to another counter.
    Rebind {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        id: uuid::Uuid,
        #[arg(long)]
        counter: CounterId,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create or update an account; the password is read from QUEUE_PASSWORD or asked on stdin.
    Set {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// admin, supervisor or officer
        #[arg(long)]
        role: String,
        /// Counters an officer works at, e.g. 1,2
        #[arg(long, value_delimiter = ',')]
        counters: Vec<CounterId>,
    },
    /// Disable an account and end its sessions.
    Disable {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        username: String,
    },
    List {
        #[arg(long)]
        data_dir: PathBuf,
    },
}

fn main() -> ExitCode {
    tune_allocator();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// glibc keeps freed memory in per-thread arenas and raises its mmap threshold after each large free,
/// so the 19 MiB argon2 blocks and request bursts would stay resident (measured: 146 MB idle RSS
/// instead of 14 MB). A fixed threshold returns large blocks to the OS; two arenas bound the rest.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

fn role(text: &str) -> anyhow::Result<Role> {
    Role::parse(text).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown role {text:?}; roles: admin, supervisor, officer, ticket-kiosk, rating-terminal, display"
        )
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Cmd::Serve { data_dir, listen, config } => {
            let config = config.map(|p| config::load(&p)).transpose()?;
            // serve never creates a missing directory: a mistyped --data-dir would start an empty office.
            let found = store::check_existing_data_dir(&data_dir, false).map_err(|e| match e {
                store::StoreError::NoDatabase { .. } => anyhow::anyhow!(
                    "{e}\nserve opens an existing office. To create a new office: mkdir -m 700 {dir} && \
                     queue-server serve --data-dir {dir} --config office.toml; to bring one back: \
                     queue-server restore --data-dir {dir} --from BACKUP; for the demo office: \
                     queue-server demo --data-dir {dir}",
                    dir = data_dir.display()
                ),
                e => e.into(),
            })?;
            // A new office without its configuration would have no services, counters or users.
            if found == store::DataDir::Empty && config.is_none() {
                anyhow::bail!(
                    "{} is empty: a new office needs its configuration; start it once with --config office.toml \
                     (settings, services, counters)",
                    data_dir.display()
                );
            }
            runtime()?.block_on(server::run(server::Options { data_dir: &data_dir, listen, config, demo: false }))
        }
        Cmd::Demo { listen, data_dir, config } => {
            let config = config.map(|p| config::load(&p)).transpose()?;
            // The demo may create its directory, but not take over a 0-byte database or a foreign one.
            store::check_existing_data_dir(&data_dir, true)?;
            runtime()?.block_on(server::run(server::Options { data_dir: &data_dir, listen, config, demo: true }))
        }
        Cmd::Enrol { data_dir, role: r, name, counter, valid_hours } => {
            let role = role(&r)?;
            if !(1..=720).contains(&valid_hours) {
                anyhow::bail!("--valid-hours must be 1–720");
            }
            existing_office(&data_dir)?;
            let conn = store::open(&data_dir)?;
            let code = auth::create_enrolment_code(
                &conn,
                role,
                &name,
                counter,
                time::Duration::hours(i64::from(valid_hours)),
                time::OffsetDateTime::now_utc(),
            )?;
            println!("Enrolment code for {role} \"{name}\" (single use, valid {valid_hours} h):");
            println!("{code}");
            Ok(())
        }
        Cmd::User { command } => user(command),
        Cmd::Device { command } => device(command),
        Cmd::Backup { data_dir, out } => {
            store::backup(&data_dir, &out)?;
            println!("backup written to {}", out.display());
            Ok(())
        }
        Cmd::Restore { data_dir, from } => {
            if server_running(&data_dir) {
                anyhow::bail!("the server seems to be running on {}; stop it before restoring", data_dir.display());
            }
            let n = store::restore(&data_dir, &from)?;
            println!("restored {} events from {}", n, from.display());
            Ok(())
        }
        Cmd::ImportDossiers { data_dir, files } => runtime()?.block_on(async {
            existing_office(&data_dir)?;
            let office = Office::open(&data_dir)?;
            for file in files {
                let text = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                let message: serde_json::Value =
                    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                let result = office
                    .run(domain::event::Actor::Cli, move |ctx| queue_server::dossiers::import(ctx, &message))
                    .await?;
                println!(
                    "{}: accepted {}, unchanged {}, rejected {}",
                    file.display(),
                    result.accepted,
                    result.unchanged,
                    result.rejected.len()
                );
                for r in result.rejected {
                    println!("  {r}");
                }
            }
            Ok(())
        }),
        Cmd::Announce { number, counter, lang, reading, out } => {
            let langs = lang
                .iter()
                .map(|l| match l.trim() {
                    "vi" => Ok(domain::i18n::Lang::Vi),
                    "en" => Ok(domain::i18n::Lang::En),
                    other => Err(anyhow::anyhow!("unknown language {other:?}; use vi or en")),
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let reading = match reading.as_str() {
                "digit-by-digit" | "digits" => domain::office::NumberReading::DigitByDigit,
                "as-number" | "number" => domain::office::NumberReading::AsNumber,
                other => anyhow::bail!("unknown reading {other:?}; use digit-by-digit or as-number"),
            };
            let voice = queue_server::announce::Voice::load().map_err(|e| anyhow::anyhow!(e))?;
            let wav = voice.announcement(&number, counter, &langs, reading).map_err(|e| anyhow::anyhow!(e))?;
            std::fs::write(&out, &wav).map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
            let seconds = (wav.len() - 44) as f64 / 2.0 / f64::from(queue_server::announce::RATE);
            println!("{}: {number} → counter {counter}, {seconds:.2} s", out.display());
            Ok(())
        }
        Cmd::Simulate { scenario, variant, days, seed, out, lang, from_history, day } => {
            let lang = parse_lang(&lang)?;
            let text =
                std::fs::read_to_string(&scenario).map_err(|e| anyhow::anyhow!("{}: {e}", scenario.display()))?;
            let parsed =
                simulator::Scenario::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", scenario.display()))?;
            let history = from_history.map(|dir| history(&dir, day.as_deref())).transpose()?;
            let options = simulator::Options { seed, days, variants: variant, history };
            let run = simulator::run(&parsed, &options)?;
            let summaries: Vec<_> = run.variants.iter().map(simulator::report::summarize).collect();
            print!("{}", simulator::report::table(&run, &summaries, lang));
            if let Some(dir) = out {
                for path in simulator::report::export(&dir, &run, &summaries)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?
                {
                    println!("{}", path.display());
                }
            }
            Ok(())
        }
        Cmd::Sync(SyncCmd::Enrol { data_dir, central, code }) => {
            let state = runtime()?.block_on(queue_server::uplink::enrol(&data_dir, &central, &code))?;
            println!("Enrolled with {} as office {}; the log is sent from event 1.", state.central, state.office_id);
            Ok(())
        }
        Cmd::Sync(SyncCmd::Status { data_dir, json }) => {
            let s = queue_server::uplink::status(&data_dir)?;
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!("central:   {} (office {})", s.central, s.office_id);
                println!("last seq:  {}", s.last_seq);
                println!("acked seq: {} (backlog {})", s.acked_seq, s.backlog);
                println!("last ack:  {}", s.last_ack_at.as_deref().unwrap_or("never"));
                if let Some(e) = &s.last_error {
                    println!("last error: {e}");
                }
            }
            Ok(())
        }
        Cmd::Explain { data_dir, number, day, lang, json } => {
            let lang = parse_lang(&lang)?;
            let day = day
                .map(|d| {
                    time::Date::parse(&d, time::macros::format_description!("[year]-[month]-[day]"))
                        .map_err(|_| anyhow::anyhow!("--day {d:?}: expected YYYY-MM-DD"))
                })
                .transpose()?;
            existing_office(&data_dir)?;
            let conn = store::open_read_only(&data_dir)?;
            let explanation =
                match queue_server::explain::from_log(&conn, day, &number, time::OffsetDateTime::now_utc()) {
                    Ok(e) => e,
                    Err(queue_server::explain::ExplainFailure::Explain(e)) => {
                        anyhow::bail!("{}", e.message().get(lang))
                    }
                    Err(e) => return Err(e.into()),
                };
            if json {
                println!("{}", serde_json::to_string_pretty(&explanation)?);
            } else {
                print!("{}", queue_server::explain::render(&explanation, lang));
            }
            Ok(())
        }
        Cmd::Verify { data_dir } => {
            // Read-only: verify must never create or change an office, and works on a read-only mount.
            let conn = store::open_read_only(&data_dir)?;
            let (state, n) = store::rebuild(&conn)?;
            let tickets = state.tickets.len();
            println!("event log verified: {n} events, hash chain intact, schema v{}", store::schema_version(&conn)?);
            println!(
                "{} services, {} counters, {tickets} tickets in the working set",
                state.services.len(),
                state.counters.len()
            );
            Ok(())
        }
    }
}

/// The tickets taken in an office's log, by office day, as arrivals to replay (read-only).
fn history(dir: &std::path::Path, day: Option<&str>) -> anyhow::Result<Vec<simulator::HistoryDay>> {
    existing_office(dir)?;
    let conn = store::open_read_only(dir)?;
    let (state, _) = store::rebuild(&conn)?;
    let offset = state.settings.offset();
    let mut days: Vec<simulator::HistoryDay> = Vec::new();
    for event in store::tickets_issued(&conn, day)? {
        let domain::event::EventKind::TicketIssued { service, priority, issued_at, day, .. } = event.kind else {
            continue;
        };
        let midnight = day.midnight().assume_offset(offset);
        let at_s = (issued_at - midnight).as_seconds_f64().clamp(0.0, 86_399.0);
        let arrival = simulator::Arrival { at_s, service: service.to_string(), priority: priority.is_priority() };
        match days.iter_mut().find(|d| d.date == day) {
            Some(d) => d.arrivals.push(arrival),
            None => days.push(simulator::HistoryDay { date: day, arrivals: vec![arrival] }),
        }
    }
    days.sort_by_key(|d| d.date);
    if days.is_empty() {
        anyhow::bail!(
            "{}: no tickets in the log{}",
            dir.display(),
            day.map(|d| format!(" on {d}")).unwrap_or_default()
        );
    }
    Ok(days)
}

/// A running server holds an exclusive lock on `server.lock` in its data directory.
/// The commands that change or read an office refuse a directory without one: a mistyped `--data-dir`
/// must not leave an empty office behind (only `demo` creates one, and `serve` with its configuration).
fn parse_lang(lang: &str) -> anyhow::Result<domain::i18n::Lang> {
    match lang {
        "vi" => Ok(domain::i18n::Lang::Vi),
        "en" => Ok(domain::i18n::Lang::En),
        other => anyhow::bail!("unknown language {other:?}; use vi or en"),
    }
}

fn existing_office(dir: &std::path::Path) -> anyhow::Result<()> {
    existing_office_or(dir, false)
}

/// As [`existing_office`]; with `or_empty`, an existing empty directory is taken too (the first admin
/// of a new office is set before its first `serve`).
fn existing_office_or(dir: &std::path::Path, or_empty: bool) -> anyhow::Result<()> {
    match store::check_existing_data_dir(dir, false)? {
        store::DataDir::Office => Ok(()),
        store::DataDir::Empty if or_empty => Ok(()),
        _ => anyhow::bail!(
            "{} holds no office database; start the office there first (queue-server serve --data-dir {} \
             --config office.toml, or queue-server demo) or check the path",
            dir.display(),
            dir.display()
        ),
    }
}

fn server_running(data_dir: &std::path::Path) -> bool {
    match std::fs::File::open(data_dir.join(queue_server::server::LOCK_FILE)) {
        Ok(f) => f.try_lock().is_err(),
        Err(_) => false,
    }
}

fn device(command: DeviceCmd) -> anyhow::Result<()> {
    let readable = |e: queue_server::error::AppError| anyhow::anyhow!("{}", e.body().message.en);
    runtime()?.block_on(async {
        match command {
            DeviceCmd::List { data_dir } => {
                existing_office(&data_dir)?;
                let office = Office::open(&data_dir)?;
                for d in office.query(auth::list_devices).await.map_err(readable)? {
                    let counter = d.counter.map(|c| format!("counter {c}")).unwrap_or_default();
                    let state = if d.revoked { "revoked" } else { "active" };
                    let seen = d.last_seen.unwrap_or_else(|| "never seen".into());
                    println!("{}\t{}\t{}\t{counter}\t{state}\t{seen}", d.device_id, d.role, d.name);
                }
            }
            DeviceCmd::Revoke { data_dir, id } => {
                existing_office(&data_dir)?;
                let office = Office::open(&data_dir)?;
                office
                    .run(domain::event::Actor::Cli, move |ctx| auth::revoke_device(ctx, id))
                    .await
                    .map_err(readable)?;
                println!("revoked {id}");
            }
            DeviceCmd::Rename { data_dir, id, name } => {
                existing_office(&data_dir)?;
                let office = Office::open(&data_dir)?;
                let name = auth::validate_device_name(&name).map_err(readable)?;
                let row = office
                    .run(domain::event::Actor::Cli, move |ctx| auth::update_device(ctx, id, Some(name), None))
                    .await
                    .map_err(readable)?;
                println!("{id} is now \"{}\"", row.name);
            }
            DeviceCmd::Rebind { data_dir, id, counter } => {
                existing_office(&data_dir)?;
                let office = Office::open(&data_dir)?;
                office
                    .run(domain::event::Actor::Cli, move |ctx| auth::update_device(ctx, id, None, Some(Some(counter))))
                    .await
                    .map_err(readable)?;
                println!("{id} now rates counter {counter}");
            }
        }
        Ok(())
    })
}

fn user(command: UserCmd) -> anyhow::Result<()> {
    match command {
        UserCmd::Set { data_dir, username, display_name, role: r, counters } => {
            let role = role(&r)?;
            existing_office_or(&data_dir, true)?;
            let password = match std::env::var("QUEUE_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprint!("password for {username}: ");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let conn = store::open(&data_dir)?;
            auth::save_staff(&conn, &username, &display_name, role, &counters, Some(&password))
                .map_err(|e| anyhow::anyhow!("{}", e.body().message.en))?;
            println!("saved {username} ({role})");
            Ok(())
        }
        UserCmd::Disable { data_dir, username } => runtime()?.block_on(async {
            existing_office(&data_dir)?;
            let office = Office::open(&data_dir)?;
            let name = username.clone();
            office
                .run(domain::event::Actor::Cli, move |ctx| auth::disable_staff(ctx, &name))
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.body().message.en))?;
            println!("disabled {username}");
            Ok(())
        }),
        UserCmd::List { data_dir } => {
            existing_office(&data_dir)?;
            let conn = store::open(&data_dir)?;
            for staff in auth::list_staff(&conn).map_err(|e| anyhow::anyhow!("{}", e.body().message.en))? {
                let counters = staff.counters.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",");
                let state = if staff.active { "active" } else { "disabled" };
                println!("{}\t{}\t{}\t{counters}\t{state}", staff.username, staff.display_name, staff.role);
            }
            Ok(())
        }
    }
}
