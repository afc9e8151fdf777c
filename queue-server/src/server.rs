//! Starting and stopping the HTTP server, the housekeeping timer (lease expiry, day close), and the
//! watcher that folds in what other processes appended (a CLI revoking a device) and tells open
//! streams when access changed.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use domain::event::Actor;
use domain::queue::Command;

use domain::event::EventKind;

use crate::http::{router, AppState};
use crate::office::Office;

pub struct Options<'a> {
    pub data_dir: &'a Path,
    pub listen: SocketAddr,
    pub config: Option<crate::config::OfficeConfig>,
    pub demo: bool,
}

/// Held exclusively while a server runs on a data directory (restore refuses to run under it).
pub const LOCK_FILE: &str = "server.lock";

pub async fn run(opts: Options<'_>) -> anyhow::Result<()> {
    let not_writable = |e: std::io::Error| {
        anyhow::anyhow!("the data directory {} is read-only or not writable ({e})", opts.data_dir.display())
    };
    std::fs::create_dir_all(opts.data_dir).map_err(not_writable)?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(opts.data_dir.join(LOCK_FILE))
        .map_err(not_writable)?;
    if lock.try_lock().is_err() {
        anyhow::bail!("another server is already running on {}", opts.data_dir.display());
    }
    let office = Office::open(opts.data_dir)?;
    let server_config = opts.config.as_ref().map(|c| c.server.clone()).unwrap_or_default();
    if let Some(config) = &opts.config {
        let changes = crate::config::apply(&office, config).await?;
        tracing::info!("configuration applied: {changes} change(s)");
    }
    if opts.demo {
        let seeded = crate::demo::seed_if_empty(&office).await?;
        let code = office
            .run(Actor::System, |ctx| {
                crate::auth::create_enrolment_code(
                    ctx.tx,
                    domain::office::Role::TicketKiosk,
                    "Kiosk demo",
                    None,
                    time::Duration::hours(24),
                    ctx.now,
                )
            })
            .await?;
        println!("Demo office {} in {}", if seeded { "created" } else { "reused" }, opts.data_dir.display());
        println!("Admin login: {} / {}", crate::demo::ADMIN_USER, crate::demo::DEMO_PASSWORD);
        println!("Officers: canbo1 … canbo6 (counters 1–6), supervisor: giamsat; same password");
        println!("Ticket-kiosk enrolment code (24 h, single use): {code}");
    }
    let files = crate::listener::raise_file_limit();
    if (files as usize) < server_config.max_connections + 64 {
        tracing::warn!(
            "open-file limit {files} is below [server] max_connections {} + 64: connections may fail",
            server_config.max_connections
        );
    }
    let mut app = AppState::new(office.clone(), server_config.clone());
    let set = crate::http::ratings::load_indicator_set(opts.data_dir)?;
    tracing::info!("indicator set {} version {}", set.id, set.version);
    app.indicator_set = Arc::new(set);
    let follow_key = office
        .run(Actor::System, |ctx| {
            crate::store::secret(ctx.tx, "follow", rand::random).map_err(crate::error::AppError::from_sqlite)
        })
        .await?;
    app.follow = crate::follow::FollowKey::new(follow_key);
    app.reminders = opts.config.as_ref().and_then(|c| c.reminders.clone());
    app.sync = opts.config.as_ref().map(|c| c.sync.clone()).unwrap_or_default();
    let app = Arc::new(app);
    if let Some(reminders) = app.reminders.clone() {
        crate::reminders::start(app.clone(), reminders)?;
        tracing::info!("reminders go to {}", app.reminders.as_ref().map(|r| r.webhook_url.as_str()).unwrap_or(""));
    }
    let device_tasks = match opts.config.as_ref().and_then(|c| c.devices.as_ref()) {
        Some(devices) => {
            let tasks = crate::devices::start(app.clone(), devices).map_err(|e| anyhow::anyhow!(e))?;
            tracing::info!("counter devices: {} serial buses", devices.buses.len());
            tasks
        }
        None => Vec::new(),
    };
    let tls = match &server_config.tls {
        Some(tls) => {
            let loaded = crate::tls::load(tls, opts.data_dir)?;
            println!("TLS certificate: {} (SHA-256 {})", loaded.cert_path.display(), loaded.fingerprint);
            Some(loaded.acceptor)
        }
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(opts.listen).await?;
    let addr = listener.local_addr()?;
    println!("listening on {}://{addr}", if tls.is_some() { "https" } else { "http" });
    housekeeping(office.clone()).await;
    let uplink = tokio::spawn(crate::uplink::run(office.clone(), opts.data_dir.to_path_buf()));
    let timer = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(15));
        loop {
            tick.tick().await;
            housekeeping(office.clone()).await;
        }
    });
    let watcher = tokio::spawn(watch_access(app.clone()));
    crate::listener::serve(
        listener,
        router(app.clone()),
        &server_config,
        app.connections.clone(),
        tls,
        shutdown_signal(),
    )
    .await?;
    watcher.abort();
    timer.abort();
    uplink.abort();
    for task in device_tasks {
        task.abort();
    }
    drop(lock);
    Ok(())
}

/// Every second, folds in events another process appended (an empty batch reads them), and on every
/// committed event that changes who may call — a device revoked or changed, a staff account saved or
/// disabled — forgets cached callers and wakes open streams to re-check theirs.
async fn watch_access(app: Arc<AppState>) {
    let mut events = app.office.subscribe();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = app.office.catch_up_foreign().await {
                    tracing::debug!("catching up: {e}");
                }
            }
            received = events.recv() => match received {
                Ok(e) => {
                    if matches!(e.kind, EventKind::DeviceRevoked { .. } | EventKind::DeviceUpdated { .. } | EventKind::StaffSaved { .. }) {
                        app.access_changed();
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => app.access_changed(),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

/// Expires leases, closes the office day after local midnight, and forgets the reminders (phone
/// numbers) of closed days.
async fn housekeeping(office: Office) {
    for command in [Command::ExpireLeases, Command::CloseDay] {
        if let Err(e) = office.command(Actor::System, command).await {
            tracing::warn!("housekeeping: {e}");
        }
    }
    if let Some(closed) = office.read(|s| s.last_closed_day) {
        match crate::reminders::purge_before(&office, closed).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("day close: {n} reminder row(s) of earlier days deleted"),
            Err(e) => tracing::warn!("housekeeping: {e}"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
