//! `queue-load`: drives a queue server with concurrent kiosks, counters and live-event subscribers
//! over HTTP on loopback, and reports durable tickets/s, latency percentiles, call→event delivery
//! latency and the server's resident memory.
//!
//! By default it starts its own demo server (`--server-bin`, a fresh temp data dir) so that one
//! command gives a reproducible measurement; `--url` with `--kiosk-token`/`--officer-password` points
//! it at a running server instead (no RSS then).

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
    /// Keep the server's data in this directory (default: a temporary one, removed afterwards).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

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

fn spawn(bin: &PathBuf, keep: Option<&PathBuf>) -> anyhow::Result<Spawned> {
    let dir = match keep {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("queue-load-{}", std::process::id())),
    };
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let mut child = Command::new(bin)
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = match &args.server_bin {
        Some(b) => b.clone(),
        None => std::env::current_exe()?.with_file_name("queue-server"),
    };
    let server = spawn(&bin, args.data_dir.as_ref())?;
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
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed();
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
    let mut subs = Vec::new();
    for _ in 0..args.subscribers {
        let (base, display, delivery, ready, calls) =
            (base.clone(), display.clone(), delivery.clone(), ready.clone(), args.calls);
        subs.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            let Ok(mut r) =
                c.get(format!("{base}/api/v1/events?types=ticket_called")).bearer_auth(&display).send().await
            else {
                return;
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
    while ready.load(std::sync::atomic::Ordering::Relaxed) < args.subscribers {
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
    println!("== live events: {} subscribers, {} calls", args.subscribers, args.calls);
    println!(
        "call -> event delivery: {} deliveries, p50 {} p99 {} max {}",
        d.len(),
        ms(percentile(&d, 0.5)),
        ms(percentile(&d, 0.99)),
        ms(*d.last().unwrap_or(&Duration::ZERO))
    );
    println!("RSS at end: {} kB (peak {} kB)", rss_kb(pid, "VmRSS:").unwrap_or(0), rss_kb(pid, "VmHWM:").unwrap_or(0));
    Ok(())
}
