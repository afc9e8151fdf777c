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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_log_reaches_the_city_and_catches_up_after_an_outage() {
    let qs = queue_server();
    let (central_dir, office_dir) = (temp_dir("central"), temp_dir("office"));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = Command::new(CENTRAL)
        .args(["office", "add", "--name", "UBND Phường Bến Thành", "--agency", "000.00.01.H29", "--data-dir"])
        .arg(&central_dir)
        .output()
        .unwrap();
    let code = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_string();
    let mut city = central(&central_dir, port);

    let (_office, base, lines) = start(&qs, &["demo", "--listen", "127.0.0.1:0", "--data-dir"], &office_dir);
    let kiosk_code =
        lines.iter().find(|l| l.contains("enrolment code")).unwrap().split_whitespace().last().unwrap().to_string();
    let http = reqwest::Client::new();
    let kiosk: Value = http
        .post(format!("{base}/api/v1/devices/enrol"))
        .json(&json!({"code": kiosk_code, "name": "Kiosk sảnh"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = kiosk["token"].as_str().unwrap().to_string();
    let issue = |n: usize| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move {
            for _ in 0..n {
                let r = http
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(&token)
                    .json(&json!({"service": "ho-tich"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
        }
    };

    // Enrolled while the office server runs; a wrong code first.
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
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(office_dir.join("sync-key")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the private key is the office's only");
    let office_id = status(&qs, &office_dir)["office_id"].as_str().unwrap().to_string();

    issue(30).await;
    let office_db = office_dir.join("office.sqlite3");
    let central_db = central_dir.join("central.sqlite3");
    wait_until("the central holds the office's log", Duration::from_secs(30), || {
        let s = status(&qs, &office_dir);
        s["backlog"] == 0 && s["acked_seq"].as_u64() > Some(30)
    });
    assert_eq!(chain(&central_db, Some(&office_id)), chain(&office_db, None));

    // The city goes away; tickets go on; the office says how far behind it is and why.
    drop(city);
    issue(20).await;
    wait_until("the error shows", Duration::from_secs(20), || {
        let s = status(&qs, &office_dir);
        s["backlog"].as_u64() >= Some(20) && s["last_error"].as_str().is_some_and(|e| e.contains("unreachable"))
    });

    // Back: caught up, hash for hash, nothing twice.
    city = central(&central_dir, port);
    wait_until("caught up", Duration::from_secs(60), || status(&qs, &office_dir)["backlog"] == 0);
    let held = chain(&central_db, Some(&office_id));
    assert_eq!(held, chain(&office_db, None));
    assert!(held.len() > 50);
    assert!(status(&qs, &office_dir)["last_error"].is_null());
    drop(city);
}
