//! An office server and the central server, both real processes on loopback: the office enrols with
//! the central's one-time code, its log reaches the central while tickets are issued, keeps being
//! issued while the central is down (the backlog and the error show in `sync status`), and is caught
//! up when the central returns — the central then holds exactly the office's log, hash for hash.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use uuid::Uuid;

const CENTRAL: &str = env!("CARGO_BIN_EXE_central-server");

/// The queue-server binary, built beside this test in the same target directory.
fn queue_server() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "-q", "-p", "queue-server", "--bin", "queue-server"])
        .args(profile_dir.file_name().is_some_and(|n| n == "release").then_some("--release"))
        .env("CARGO_TARGET_DIR", profile_dir.parent().unwrap())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success());
    profile_dir.join("queue-server")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("uplink-{name}-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `bin args`, waits for its "listening on" line; the lines before it are returned.
fn start(bin: &Path, args: &[&str], dir: &Path) -> (Process, String, Vec<String>) {
    let mut child =
        Process(Command::new(bin).args(args).arg(dir).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap());
    let mut reader = BufReader::new(child.0.stdout.take().unwrap());
    let mut before = Vec::new();
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "{} exited before listening", bin.display());
        if let Some(addr) = line.trim().strip_prefix("listening on ") {
            std::thread::spawn(move || for _ in reader.lines() {});
            return (child, addr.to_string(), before);
        }
        before.push(line);
    }
}

fn central(dir: &Path, port: u16) -> Process {
    let listen = format!("127.0.0.1:{port}");
    for _ in 0..50 {
        let child = Command::new(CENTRAL)
            .args(["serve", "--listen", &listen, "--data-dir"])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut child = Process(child);
        let mut line = String::new();
        let _ = BufReader::new(child.0.stdout.take().unwrap()).read_line(&mut line);
        if line.starts_with("listening on") {
            return child;
        }
        // The port may still be held by the process just stopped.
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the central server did not start on {listen}");
}

/// `(seq, hash)` of every event in an SQLite file's `events` table (the central's for `office`).
fn chain(db: &Path, office: Option<&str>) -> Vec<(i64, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let (sql, args): (&str, Vec<String>) = match office {
        Some(o) => ("SELECT seq, hash FROM events WHERE office = ?1 ORDER BY seq", vec![o.to_string()]),
        None => ("SELECT seq, hash FROM events ORDER BY seq", vec![]),
    };
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map(rusqlite::params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn status(qs: &Path, office_dir: &Path) -> Value {
    let out = Command::new(qs).args(["sync", "status", "--json", "--data-dir"]).arg(office_dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn wait_until(what: &str, within: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !ok() {
        assert!(Instant::now() < deadline, "{what} within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A central on a fixed port and the demo office enrolled with it, with a kiosk to issue tickets.
struct Setup {
    qs: PathBuf,
    central_dir: PathBuf,
    office_dir: PathBuf,
    port: u16,
    city: Option<Process>,
    office: Option<Process>,
    base: String,
    token: String,
    office_id: String,
}

fn start_office(qs: &Path, dir: &Path) -> (Process, String, String) {
    let (office, base, lines) = start(qs, &["demo", "--listen", "127.0.0.1:0", "--data-dir"], dir);
    let code =
        lines.iter().find(|l| l.contains("enrolment code")).unwrap().split_whitespace().last().unwrap().to_string();
    (office, base, code)
}

impl Setup {
    async fn new() -> Setup {
        let qs = queue_server();
        let (central_dir, office_dir) = (temp_dir("central"), temp_dir("office"));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let out = Command::new(CENTRAL)
            .args(["office", "add", "--name", "UBND Phường Bến Thành", "--agency", "000.00.01.H29", "--data-dir"])
            .arg(&central_dir)
            .output()
            .unwrap();
        let code = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_string();
        let city = central(&central_dir, port);
        let (office, base, kiosk_code) = start_office(&qs, &office_dir);
        let kiosk: Value = reqwest::Client::new()
            .post(format!("{base}/api/v1/devices/enrol"))
            .json(&json!({"code": kiosk_code, "name": "Kiosk sảnh"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = kiosk["token"].as_str().unwrap().to_string();
        // A wrong code first, then the right one, while the office server runs.
        let central_url = format!("http://127.0.0.1:{port}");
        let bad = Command::new(&qs)
            .args(["sync", "enrol", "--central", &central_url, "--code", "AAAA-BBBB-CCCC", "--data-dir"])
            .arg(&office_dir)
            .output()
            .unwrap();
        assert!(!bad.status.success());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("wrong, used or expired"));
        let out = Command::new(&qs)
            .args(["sync", "enrol", "--central", &central_url, "--code", &code, "--data-dir"])
            .arg(&office_dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let office_id = status(&qs, &office_dir)["office_id"].as_str().unwrap().to_string();
        Setup { qs, central_dir, office_dir, port, city: Some(city), office: Some(office), base, token, office_id }
    }

    async fn issue(&self, n: usize) {
        let http = reqwest::Client::new();
        for _ in 0..n {
            let r = http
                .post(format!("{}/api/v1/tickets", self.base))
                .bearer_auth(&self.token)
                .json(&json!({"service": "ho-tich"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
    }

    fn status(&self) -> Value {
        status(&self.qs, &self.office_dir)
    }

    fn synced(&self, within: Duration) {
        wait_until("the central holds the office's log", within, || self.status()["backlog"] == 0);
    }

    fn central_chain(&self) -> Vec<(i64, String)> {
        chain(&self.central_dir.join("central.sqlite3"), Some(&self.office_id))
    }

    fn office_chain(&self) -> Vec<(i64, String)> {
        chain(&self.office_dir.join("office.sqlite3"), None)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_log_reaches_the_city_and_catches_up_after_an_outage() {
    let mut s = Setup::new().await;
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(s.office_dir.join("sync-key")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the private key is the office's only");

    s.issue(30).await;
    s.synced(Duration::from_secs(30));
    assert!(s.status()["acked_seq"].as_u64() > Some(30));
    assert_eq!(s.central_chain(), s.office_chain());

    // The city goes away; tickets go on; the office says how far behind it is and why.
    s.city = None;
    s.issue(20).await;
    wait_until("the error shows", Duration::from_secs(20), || {
        let st = s.status();
        st["backlog"].as_u64() >= Some(20) && st["last_error"].as_str().is_some_and(|e| e.contains("unreachable"))
    });

    // Back: caught up, hash for hash, nothing twice.
    s.city = Some(central(&s.central_dir, s.port));
    s.synced(Duration::from_secs(60));
    let held = s.central_chain();
    assert_eq!(held, s.office_chain());
    assert!(held.len() > 50);
    assert!(s.status()["last_error"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_restored_from_an_old_backup_raises_a_fork_and_overwrites_nothing() {
    let mut s = Setup::new().await;
    s.issue(10).await;
    s.synced(Duration::from_secs(30));
    let backup = s.office_dir.with_extension("bak.sqlite3");
    let out = Command::new(&s.qs)
        .args(["backup", "--data-dir"])
        .arg(&s.office_dir)
        .arg("--out")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    s.issue(10).await;
    s.synced(Duration::from_secs(30));
    let held = s.central_chain();

    // Yesterday's backup comes back and the office goes on issuing: other events at numbers the city holds.
    s.office = None;
    let out = Command::new(&s.qs)
        .args(["restore", "--data-dir"])
        .arg(&s.office_dir)
        .arg("--from")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (office, base, _) = start_office(&s.qs, &s.office_dir);
    (s.office, s.base) = (Some(office), base);
    s.issue(5).await;
    wait_until("the office is told", Duration::from_secs(30), || {
        s.status()["last_error"].as_str().is_some_and(|e| e.contains("refused (409") && e.contains("differs"))
    });
    assert_eq!(s.central_chain(), held, "nothing the city held was overwritten");
    let listed =
        Command::new(CENTRAL).args(["office", "list", "--json", "--data-dir"]).arg(&s.central_dir).output().unwrap();
    let row: Value = serde_json::from_slice(listed.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert!(row["fork_at"].as_u64().is_some(), "the fork alarm is raised: {row}");
}
