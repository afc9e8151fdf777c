//! `queue-load`: drives a queue server with concurrent kiosks, counters and live-event subscribers
//! over HTTP on loopback, and reports durable tickets/s, latency percentiles, call→event delivery
//! latency and the server's resident memory.
//!
//! It starts its own demo server (`--server-bin`, a fresh temp data dir) so that one command gives a
//! reproducible measurement, including the server's memory.
//!
//! Attack-shaped load, all off by default so the plain run stays comparable:
//! - `--logins N`: N concurrent staff logins (correct passwords) in a loop during the ticket phase;
//! - `--idle-connections N`: N TCP connections that never send a byte, opened before the ticket phase
//!   from 127.0.0.2, 127.0.0.3, … (100 per address), with a `[server]` config that lets them stay;
//! - `--catch-up N`: about N dossier records imported, then one event stream from `Last-Event-ID: 0`
//!   timed until it reaches the head, with the server's RSS sampled every 50 ms meanwhile.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "Load generator for the office queue server (loopback only)")]
struct Args {
    /// Server binary to start (default: queue-server next to this binary).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Concurrent ticket kiosks.
    #[arg(long, default_value_t = 50)]
    kiosks: usize,
    /// Tickets issued in total.
    #[arg(long, default_value_t = 20_000)]
    tickets: usize,
    /// Counters calling and finishing concurrently with the kiosks.
    #[arg(long, default_value_t = 6)]
    counters: u16,
    /// Live event subscribers for the delivery measurement.
    #[arg(long, default_value_t = 200)]
    subscribers: usize,
    /// Calls made while the subscribers listen.
    #[arg(long, default_value_t = 200)]
    calls: usize,
    /// Phones following their own ticket's page (`/api/v1/follow/{token}/events`); each ticket is then
    /// called and the time until its phone shows the call is measured.
    #[arg(long, default_value_t = 200)]
    phones: usize,
    /// Keep the server's data in this directory (default: a temporary one, removed afterwards).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// A TOML with a `[server]` table applied over the demo office (`queue-server demo --config`).
    /// Without it, `--idle-connections` writes one raising the connection limit and timeouts.
    #[arg(long)]
    server_config: Option<PathBuf>,
    /// Concurrent staff logins (demo accounts, correct password) repeated during the ticket phase.
    #[arg(long, default_value_t = 0)]
    logins: usize,
    /// TCP connections that send nothing, held open from before the ticket phase to the end.
    #[arg(long, default_value_t = 0)]
    idle_connections: usize,
    /// Events (imported dossier records) that one event stream from `Last-Event-ID: 0` catches up on.
    #[arg(long, default_value_t = 0)]
    catch_up: usize,
}

/// Demo accounts the `--logins` loop cycles through.
const STAFF: [&str; 8] = ["admin", "giamsat", "canbo1", "canbo2", "canbo3", "canbo4", "canbo5", "canbo6"];
/// Idle connections per source address (the server allows 128 from one address by default).
const IDLE_PER_ADDRESS: usize = 100;

struct Spawned {
    child: Child,
    base: String,
    dir: PathBuf,
    keep: bool,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn spawn(bin: &PathBuf, keep: Option<&PathBuf>, config: Option<&PathBuf>) -> anyhow::Result<Spawned> {
    let dir = match keep {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("queue-load-{}", std::process::id())),
    };
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let mut cmd = Command::new(bin);
    cmd.args(["demo", "--listen", "127.0.0.1:0", "--data-dir"]).arg(&dir);
    if let Some(config) = config {
        cmd.arg("--config").arg(config);
    }
    let mut child = cmd.env("RUST_LOG", "warn").stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
    let mut reader = BufReader::new(child.stdout.take().expect("piped"));
    let mut line = String::new();
    let base = loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            anyhow::bail!("server exited before listening");
        }
        if let Some(addr) = line.trim().strip_prefix("listening on ") {
            break addr.to_owned();
        }
    };
    std::thread::spawn(move || for _ in reader.lines() {});
    Ok(Spawned { child, base, dir, keep: keep.is_some() })
}

fn enrol_code(bin: &PathBuf, dir: &PathBuf, role: &str) -> anyhow::Result<String> {
    let out =
        Command::new(bin).args(["enrol", "--data-dir"]).arg(dir).args(["--role", role, "--name", "load"]).output()?;
    anyhow::ensure!(out.status.success(), "enrol failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?.lines().last().unwrap_or_default().trim().to_owned())
}

async fn enrol(c: &reqwest::Client, base: &str, code: &str) -> anyhow::Result<String> {
    let v: Value = c
        .post(format!("{base}/api/v1/devices/enrol"))
        .json(&json!({"code": code, "name": "load"}))
        .send()
        .await?
        .json()
        .await?;
    Ok(v["token"].as_str().unwrap_or_default().to_owned())
}

async fn login(c: &reqwest::Client, base: &str, user: &str) -> anyhow::Result<String> {
    let v: Value = c
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": "motcua-demo"}))
        .send()
        .await?
        .json()
        .await?;
    Ok(v["token"].as_str().unwrap_or_default().to_owned())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn rss_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The n-th source address for idle connections: 127.0.0.2, then one more every `IDLE_PER_ADDRESS`.
fn idle_source(n: usize) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::from(u32::from(std::net::Ipv4Addr::new(127, 0, 0, 2)) + (n / IDLE_PER_ADDRESS) as u32)
}

/// Opens `n` TCP connections to `server` that send nothing; returns those that connected.
async fn open_idle(server: std::net::SocketAddr, n: usize) -> (Vec<tokio::net::TcpStream>, usize) {
    let mut open = Vec::with_capacity(n);
    let mut failed = 0;
    for i in 0..n {
        let connect = async {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(std::net::SocketAddr::new(idle_source(i).into(), 0))?;
            socket.connect(server).await
        };
        match connect.await {
            Ok(s) => open.push(s),
            Err(e) => {
                if failed == 0 {
                    eprintln!("idle connection {i} from {}: {e}", idle_source(i));
                }
                failed += 1;
            }
        }
    }
    (open, failed)
}

/// How many of the idle connections the server has not closed (a closed one reads end-of-file).
fn still_open(conns: &[tokio::net::TcpStream]) -> usize {
    let mut buf = [0u8; 16];
    conns
        .iter()
        .filter(|s| matches!(s.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock))
        .count()
}

/// One import message of `n` records in the portal's shape, with codes unique per message `m`.
fn dossier_records(m: usize, n: usize) -> Value {
    let (yy, mm, dd) = (26 + m / 336, 1 + (m / 28) % 12, 1 + m % 28);
    let data: Vec<Value> = (1..=n)
        .map(|i| {
            json!({
                "MaHoSo": format!("000.00.01.H29-{yy:02}{mm:02}{dd:02}-{i:04}"),
                "TenTTHC": "Đăng ký khai sinh", "TenLinhVuc": "Hộ tịch", "ChuHoSo": "Nguyễn Văn An",
                "NgayTiepNhan": format!("20{yy:02}{mm:02}{dd:02}080000"),
                "NgayHenTra": format!("20{yy:02}{mm:02}{dd:02}170000"),
                "TrangThaiHoSo": 2, "SoDienThoai": format!("09{dd:02}{i:06}"), "DiaChi": "12 Lê Lợi, Quận 1"
            })
        })
        .collect();
    json!({ "service": "DongBoHoSoMC", "isUpdating": false, "data": data })
}

async fn last_seq(c: &reqwest::Client, base: &str) -> anyhow::Result<u64> {
    let v: Value = c.get(format!("{base}/healthz")).send().await?.json().await?;
    v["last_seq"].as_u64().ok_or_else(|| anyhow::anyhow!("no last_seq in /healthz: {v}"))
}

/// Samples the server's VmRSS every 50 ms until `stop`; returns the highest sample (kB).
fn sample_rss(pid: u32, stop: Arc<std::sync::atomic::AtomicBool>) -> tokio::task::JoinHandle<u64> {
    tokio::spawn(async move {
        let mut peak = 0;
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            tick.tick().await;
            peak = peak.max(rss_kb(pid, "VmRSS:").unwrap_or(0));
        }
        peak
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = match &args.server_bin {
        Some(b) => b.clone(),
        None => std::env::current_exe()?.with_file_name("queue-server"),
    };
    // Idle connections need room above the default 1 024 and must outlive the default timeouts.
    let written_config = match (&args.server_config, args.idle_connections) {
        (None, n) if n > 0 => {
            let path = std::env::temp_dir().join(format!("queue-load-{}.toml", std::process::id()));
            std::fs::write(
                &path,
                format!("[server]\nmax_connections = {}\nheader_read_timeout_s = 300\nidle_timeout_s = 300\n", n + 512),
            )?;
            Some(path)
        }
        _ => None,
    };
    let server = spawn(&bin, args.data_dir.as_ref(), args.server_config.as_ref().or(written_config.as_ref()));
    if let Some(path) = &written_config {
        let _ = std::fs::remove_file(path);
    }
    let server = server?;
    let base = server.base.clone();
    let pid = server.child.id();
    let c = reqwest::Client::builder().pool_max_idle_per_host(1024).timeout(Duration::from_secs(60)).build()?;
    let kiosk = enrol(&c, &base, &enrol_code(&bin, &server.dir, "ticket-kiosk")?).await?;
    let services: Vec<String> = {
        let v: Value = c.get(format!("{base}/api/v1/services")).bearer_auth(&kiosk).send().await?.json().await?;
        v.as_array()
            .map(|a| a.iter().filter_map(|s| s["code"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    println!(
        "server {base} (pid {pid}), {} services, idle RSS {} kB",
        services.len(),
        rss_kb(pid, "VmRSS:").unwrap_or(0)
    );

    // ---- idle connections, held from here to the end ------------------------------------------
    let mut idle = Vec::new();
    if args.idle_connections > 0 {
        let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse()?;
        let t0 = Instant::now();
        let (conns, failed) = open_idle(addr, args.idle_connections).await;
        // A connection beyond the server's limits is accepted by the kernel, then closed at once.
        tokio::time::sleep(Duration::from_millis(500)).await;
        println!(
            "== idle connections: {} connected ({failed} failed) in {:.2} s from {}..{}, {} still open after 0.5 s; server RSS {} kB",
            conns.len(),
            t0.elapsed().as_secs_f64(),
            idle_source(0),
            idle_source(args.idle_connections.saturating_sub(1)),
            still_open(&conns),
            rss_kb(pid, "VmRSS:").unwrap_or(0)
        );
        idle = conns;
    }

    // ---- phase 1: kiosks issue tickets while counters call and finish -------------------------
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(args.tickets)));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..args.kiosks {
        let (c, base, kiosk, services, latencies, next, total) =
            (c.clone(), base.clone(), kiosk.clone(), services.clone(), latencies.clone(), next.clone(), args.tickets);
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let t0 = Instant::now();
                let r = c
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(&kiosk)
                    .header("Idempotency-Key", format!("load-{k}-{i}"))
                    .json(&json!({"service": services[i % services.len()], "priority": if i % 10 == 0 { "elderly" } else { "none" }}))
                    .send()
                    .await;
                let ok = matches!(&r, Ok(r) if r.status() == 201);
                let elapsed = t0.elapsed();
                if ok {
                    latencies.lock().expect("lock").push(elapsed);
                } else {
                    eprintln!("ticket {i} failed: {:?}", r.map(|r| r.status()));
                }
            }
        }));
    }
    let stop_counters = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let calls_done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut counter_tasks = Vec::new();
    for counter in 1..=args.counters {
        let token = login(&c, &base, &format!("canbo{counter}")).await?;
        let (c, base, stop, done) = (c.clone(), base.clone(), stop_counters.clone(), calls_done.clone());
        counter_tasks.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let r = c.post(format!("{base}/api/v1/counters/{counter}/call-next")).bearer_auth(&token).send().await;
                if matches!(&r, Ok(r) if r.status() == 200) {
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                } else {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }));
    }
    // Staff logins in a loop meanwhile (the password-hash pool is shared with the real logins).
    let stop_logins = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let login_latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let login_failures: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let mut login_tasks = Vec::new();
    for l in 0..args.logins {
        let (c, base, stop, lat, failures) =
            (c.clone(), base.clone(), stop_logins.clone(), login_latencies.clone(), login_failures.clone());
        login_tasks.push(tokio::spawn(async move {
            let mut round = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let user = STAFF[(l + round) % STAFF.len()];
                round += 1;
                let t0 = Instant::now();
                let r = c
                    .post(format!("{base}/api/v1/auth/login"))
                    .json(&json!({"username": user, "password": "motcua-demo"}))
                    .send()
                    .await;
                let status = match r {
                    Ok(r) => {
                        let status = r.status();
                        let _ = r.bytes().await;
                        status.as_u16().to_string()
                    }
                    Err(e) => format!("error: {e}"),
                };
                if status == "200" {
                    lat.lock().expect("lock").push(t0.elapsed());
                } else {
                    *failures.lock().expect("lock").entry(status).or_default() += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed();
    stop_logins.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in login_tasks {
        t.await?;
    }
    stop_counters.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in counter_tasks {
        t.await?;
    }
    let mut lat = latencies.lock().expect("lock").clone();
    lat.sort_unstable();
    println!("== tickets: {} kiosks, {} counters calling", args.kiosks, args.counters);
    println!(
        "durable tickets: {} in {:.2} s = {:.0} tickets/s; latency p50 {} p99 {} max {}; calls meanwhile: {}",
        lat.len(),
        elapsed.as_secs_f64(),
        lat.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.99)),
        ms(*lat.last().unwrap_or(&Duration::ZERO)),
        calls_done.load(std::sync::atomic::Ordering::Relaxed)
    );
    if args.logins > 0 {
        let mut ll = login_latencies.lock().expect("lock").clone();
        ll.sort_unstable();
        println!(
            "logins meanwhile: {} concurrent, {} succeeded ({:.1}/s), latency p50 {} p99 {} max {}; refused: {:?}",
            args.logins,
            ll.len(),
            ll.len() as f64 / elapsed.as_secs_f64(),
            ms(percentile(&ll, 0.5)),
            ms(percentile(&ll, 0.99)),
            ms(*ll.last().unwrap_or(&Duration::ZERO)),
            login_failures.lock().expect("lock")
        );
    }
    println!(
        "RSS after ticket load: {} kB (peak {} kB)",
        rss_kb(pid, "VmRSS:").unwrap_or(0),
        rss_kb(pid, "VmHWM:").unwrap_or(0)
    );
    // The writer's own view: how many jobs each group commit carried and how long a batch took.
    let supervisor = login(&c, &base, "giamsat").await?;
    let metrics = c.get(format!("{base}/metrics")).bearer_auth(&supervisor).send().await?.text().await?;
    let value = |name: &str| {
        metrics.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse::<f64>().ok())).unwrap_or(0.0)
    };
    let (batches, jobs, secs) =
        (value("queue_commit_batches_total "), value("queue_commit_jobs_total "), value("queue_commit_seconds_total "));
    println!(
        "writer: {batches:.0} group commits, {:.1} jobs per commit, {:.2} ms per commit (fsync included)",
        jobs / batches.max(1.0),
        secs * 1000.0 / batches.max(1.0)
    );

    // ---- phase 2: call -> event delivery to many subscribers ----------------------------------
    let display = enrol(&c, &base, &enrol_code(&bin, &server.dir, "display")?).await?;
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let delivery: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let ready = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let refused = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut subs = Vec::new();
    for s in 0..args.subscribers {
        let (base, display, delivery, ready, refused, calls) =
            (base.clone(), display.clone(), delivery.clone(), ready.clone(), refused.clone(), args.calls);
        subs.push(tokio::spawn(async move {
            // Each display is its own device, so each comes from its own address (127.0.1.x, …): from
            // one address the server's per-address connection limit would refuse most of them.
            let from = std::net::Ipv4Addr::from(u32::from(std::net::Ipv4Addr::new(127, 0, 1, 1)) + s as u32);
            let c = reqwest::Client::builder().local_address(std::net::IpAddr::V4(from)).build().expect("client");
            let r = c.get(format!("{base}/api/v1/events?types=ticket_called")).bearer_auth(&display).send().await;
            let mut r = match r {
                Ok(r) if r.status() == 200 => r,
                other => {
                    eprintln!("subscriber {s} from {from}: {:?}", other.map(|r| r.status()));
                    refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    return;
                }
            };
            ready.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut buf = String::new();
            let mut seen = 0;
            while seen < calls {
                let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_secs(20), r.chunk()).await else { break };
                let now = Instant::now();
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let frame: String = buf.drain(..end + 2).collect();
                    if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                        if let Ok(v) = serde_json::from_str::<Value>(data) {
                            if let Some(id) = v["kind"]["ticket"].as_str() {
                                delivery.lock().expect("lock").push((id.to_owned(), now));
                                seen += 1;
                            }
                        }
                    }
                }
            }
        }));
    }
    while ready.load(std::sync::atomic::Ordering::Relaxed) + refused.load(std::sync::atomic::Ordering::Relaxed)
        < args.subscribers
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let officer = login(&c, &base, "canbo6").await?;
    let mut queued = Vec::new();
    for i in 0..args.calls {
        let v: Value = c
            .post(format!("{base}/api/v1/tickets"))
            .bearer_auth(&kiosk)
            .json(&json!({"service": services[i % services.len()]}))
            .send()
            .await?
            .json()
            .await?;
        queued.push(v["id"].as_str().unwrap_or_default().to_owned());
    }
    for _ in 0..args.calls {
        // Counter 6 serves every service; record the send time of the ticket it will call.
        let t0 = Instant::now();
        let r = c.post(format!("{base}/api/v1/counters/6/call-next")).bearer_auth(&officer).send().await?;
        let v: Value = r.json().await?;
        if let Some(id) = v["id"].as_str() {
            sent.lock().expect("lock").insert(id.to_owned(), t0);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for s in subs {
        let _ = s.await;
    }
    // Joined after the run: an event may arrive before the call's HTTP response does.
    let sent = sent.lock().expect("lock").clone();
    let mut d: Vec<Duration> = delivery
        .lock()
        .expect("lock")
        .iter()
        .filter_map(|(id, at)| sent.get(id).map(|t0| at.saturating_duration_since(*t0)))
        .collect();
    d.sort_unstable();
    println!(
        "== live events: {} subscribers ({} refused), {} calls",
        args.subscribers,
        refused.load(std::sync::atomic::Ordering::Relaxed),
        args.calls
    );
    println!(
        "call -> event delivery: {} deliveries, p50 {} p99 {} max {}",
        d.len(),
        ms(percentile(&d, 0.5)),
        ms(percentile(&d, 0.99)),
        ms(*d.last().unwrap_or(&Duration::ZERO))
    );
    println!(
        "RSS after live events: {} kB (peak {} kB)",
        rss_kb(pid, "VmRSS:").unwrap_or(0),
        rss_kb(pid, "VmHWM:").unwrap_or(0)
    );

    // ---- phase 2b: phones following their tickets ----------------------------------------------
    if args.phones > 0 {
        follow_phase(&c, &base, &kiosk, &officer, &services, args.phones, pid).await?;
    }

    // ---- phase 3: one stream catches up from the start of the log ------------------------------
    if args.catch_up > 0 {
        let admin = login(&c, &base, "admin").await?;
        let rss_before_import = rss_kb(pid, "VmRSS:").unwrap_or(0);
        let t0 = Instant::now();
        let messages = args.catch_up.div_ceil(5000);
        for m in 0..messages {
            let n = (args.catch_up - m * 5000).min(5000);
            let r = c
                .post(format!("{base}/api/v1/dossiers/import"))
                .bearer_auth(&admin)
                .json(&dossier_records(m, n))
                .send()
                .await?;
            let status = r.status();
            let body: Value = r.json().await.unwrap_or_default();
            anyhow::ensure!(status == 200 && body["error_code"] == "0", "import {m}: {status} {body}");
        }
        let import_s = t0.elapsed().as_secs_f64();
        let head = last_seq(&c, &base).await?;
        let rss_before = rss_kb(pid, "VmRSS:").unwrap_or(0);
        println!(
            "== catch-up: imported {} records in {messages} messages in {import_s:.2} s; head seq {head}; RSS before import {rss_before_import} kB, after {rss_before} kB",
            args.catch_up
        );
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sampler = sample_rss(pid, stop.clone());
        let streamer = reqwest::Client::new();
        let t0 = Instant::now();
        let mut r = streamer
            .get(format!("{base}/api/v1/events"))
            .bearer_auth(&admin)
            .header("Last-Event-ID", "0")
            .send()
            .await?;
        anyhow::ensure!(r.status() == 200, "event stream: {}", r.status());
        let (mut received, mut last, mut out_of_order, mut first) = (0u64, 0u64, 0u64, None);
        let mut buf = String::new();
        while last < head {
            let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_secs(60), r.chunk()).await else { break };
            first.get_or_insert_with(|| t0.elapsed());
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let frame: String = buf.drain(..end + 2).collect();
                if let Some(id) = frame.lines().find_map(|l| l.strip_prefix("id:")).and_then(|v| v.trim().parse().ok())
                {
                    received += 1;
                    if id != last + 1 {
                        out_of_order += 1;
                    }
                    last = id;
                }
            }
        }
        let took = t0.elapsed();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let peak = sampler.await?.max(rss_before);
        println!(
            "caught up to seq {last} of {head}: {received} events ({out_of_order} gaps/repeats) in {:.2} s = {:.0} events/s, first byte after {}; RSS before {rss_before} kB, peak during {peak} kB (+{} kB)",
            took.as_secs_f64(),
            received as f64 / took.as_secs_f64(),
            ms(first.unwrap_or_default()),
            peak.saturating_sub(rss_before)
        );
    }

    if !idle.is_empty() {
        println!("idle connections still open at the end: {} of {}", still_open(&idle), idle.len());
    }
    println!("RSS at end: {} kB (peak {} kB)", rss_kb(pid, "VmRSS:").unwrap_or(0), rss_kb(pid, "VmHWM:").unwrap_or(0));
    Ok(())
}

/// `phones` tickets, each followed by its own phone (from its own address, as phones on the office
/// Wi-Fi are); then each is called by id at counter 6, and the time from the call's request to its
/// phone receiving the `called` view is measured. Every call also moves the others' "people ahead".
async fn follow_phase(
    c: &reqwest::Client,
    base: &str,
    kiosk: &str,
    officer: &str,
    services: &[String],
    phones: usize,
    pid: u32,
) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut tickets = Vec::new();
    for i in 0..phones {
        let v: Value = c
            .post(format!("{base}/api/v1/tickets"))
            .bearer_auth(kiosk)
            .json(&json!({"service": services[i % services.len()]}))
            .send()
            .await?
            .json()
            .await?;
        let id = v["id"].as_str().unwrap_or_default().to_owned();
        let url = v["follow_url"].as_str().ok_or_else(|| anyhow::anyhow!("no follow_url: {v}"))?.to_owned();
        tickets.push((id, url));
    }
    let shown: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let updates = Arc::new(AtomicUsize::new(0));
    let (ready, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut followers = Vec::new();
    for (p, (id, url)) in tickets.iter().enumerate() {
        let token = url.trim_start_matches("/t/").to_owned();
        let (base, id, shown, updates, ready, refused) =
            (base.to_owned(), id.clone(), shown.clone(), updates.clone(), ready.clone(), refused.clone());
        followers.push(tokio::spawn(async move {
            let from = std::net::Ipv4Addr::from(u32::from(std::net::Ipv4Addr::new(127, 0, 2, 1)) + p as u32);
            let c = reqwest::Client::builder().local_address(std::net::IpAddr::V4(from)).build().expect("client");
            let mut r = match c.get(format!("{base}/api/v1/follow/{token}/events")).send().await {
                Ok(r) if r.status() == 200 => r,
                other => {
                    eprintln!("phone {p} from {from}: {:?}", other.map(|r| r.status()));
                    refused.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            };
            ready.fetch_add(1, Ordering::Relaxed);
            let mut buf = String::new();
            loop {
                let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_secs(30), r.chunk()).await else { break };
                let now = Instant::now();
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let frame: String = buf.drain(..end + 2).collect();
                    let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) else { continue };
                    updates.fetch_add(1, Ordering::Relaxed);
                    if serde_json::from_str::<Value>(data).is_ok_and(|v| v["status"] == "called") {
                        shown.lock().expect("lock").insert(id.clone(), now);
                        return;
                    }
                }
            }
        }));
    }
    while ready.load(Ordering::Relaxed) + refused.load(Ordering::Relaxed) < phones {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let opened = updates.load(Ordering::Relaxed);
    let mut sent = HashMap::new();
    for (id, _) in &tickets {
        let t0 = Instant::now();
        let r = c
            .post(format!("{base}/api/v1/counters/6/call"))
            .bearer_auth(officer)
            .json(&json!({"ticket": id}))
            .send()
            .await?;
        if r.status() == 200 {
            sent.insert(id.clone(), t0);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for f in followers {
        let _ = tokio::time::timeout(Duration::from_secs(30), f).await;
    }
    let shown = shown.lock().expect("lock").clone();
    let mut d: Vec<Duration> =
        shown.iter().filter_map(|(id, at)| sent.get(id).map(|t0| at.saturating_duration_since(*t0))).collect();
    d.sort_unstable();
    println!(
        "== follow pages: {phones} phones ({} refused), {} calls, {} views sent ({} on opening)",
        refused.load(Ordering::Relaxed),
        sent.len(),
        updates.load(Ordering::Relaxed),
        opened
    );
    println!(
        "call -> phone shows it: {} of {} phones, p50 {} p99 {} max {}",
        d.len(),
        sent.len(),
        ms(percentile(&d, 0.5)),
        ms(percentile(&d, 0.99)),
        ms(*d.last().unwrap_or(&Duration::ZERO))
    );
    println!(
        "RSS after follow pages: {} kB (peak {} kB)",
        rss_kb(pid, "VmRSS:").unwrap_or(0),
        rss_kb(pid, "VmHWM:").unwrap_or(0)
    );
    Ok(())
}
