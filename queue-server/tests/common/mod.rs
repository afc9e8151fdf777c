//! Test harness: starts the real `queue-server` binary on 127.0.0.1 with a temporary data directory.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_queue-server");

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qs-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: PathBuf,
    pub kiosk_code: Option<String>,
}

impl Server {
    /// The demo office on a fresh data dir.
    pub fn demo(dir: &Path) -> Server {
        Self::start(dir, &["demo", "--listen", "127.0.0.1:0", "--data-dir"], &[])
    }

    pub fn demo_with_env(dir: &Path, env: &[(&str, &str)]) -> Server {
        Self::start(dir, &["demo", "--listen", "127.0.0.1:0", "--data-dir"], env)
    }

    /// The demo office with an office configuration applied over it (`[server]` limits, say).
    pub fn demo_with_config(dir: &Path, toml: &str) -> Server {
        let config = dir.with_extension("toml");
        std::fs::write(&config, toml).unwrap();
        let config = config.to_str().unwrap().to_owned();
        Self::start(dir, &["demo", "--config", config.as_str(), "--listen", "127.0.0.1:0", "--data-dir"], &[])
    }

    /// The server's resident memory now, in KiB (Linux).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// `serve` with an office configuration file.
    pub fn serve(dir: &Path, config: &Path) -> Server {
        let config = config.to_str().unwrap().to_owned();
        let args = ["serve", "--config", config.as_str(), "--listen", "127.0.0.1:0", "--data-dir"];
        Self::start(dir, &args, &[])
    }

    fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(args).arg(dir).stdout(Stdio::piped()).stderr(Stdio::null()).env("RUST_LOG", "warn");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start queue-server");
        let stdout = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout);
        let mut base = None;
        let mut kiosk_code = None;
        let mut line = String::new();
        while base.is_none() {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                panic!("queue-server exited before listening");
            }
            if let Some(addr) = line.trim().strip_prefix("listening on ") {
                base = Some(addr.to_owned());
            }
            if line.contains("enrolment code") {
                kiosk_code = line.split_whitespace().last().map(str::to_owned);
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in reader.lines() {});
        Server { child, base: base.unwrap(), dir: dir.to_path_buf(), kiosk_code }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Starts the server with `args` (then `--data-dir DIR`), expecting it to refuse; what it said on stderr.
pub fn refused_start(args: &[&std::ffi::OsStr], dir: &Path) -> String {
    let out = Command::new(BIN).args(args).arg("--data-dir").arg(dir).output().unwrap();
    assert!(!out.status.success(), "the server should not have started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).pool_max_idle_per_host(64).build().unwrap()
}

pub async fn login(s: &Server, user: &str) -> String {
    let r = client()
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": user, "password": "motcua-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "login {user}");
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

/// Enrols a device of a role through the CLI (works while the server runs) and the public endpoint.
pub async fn device(s: &Server, role: &str, counter: Option<u16>) -> String {
    let mut cmd = Command::new(BIN);
    cmd.args(["enrol", "--data-dir"]).arg(&s.dir).args(["--role", role, "--name", &format!("Test {role}")]);
    if let Some(c) = counter {
        cmd.args(["--counter", &c.to_string()]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let code = text.lines().last().unwrap().trim().to_owned();
    let r = client()
        .post(s.url("/api/v1/devices/enrol"))
        .json(&json!({"code": code, "name": "Thiết bị thử"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

pub async fn last_seq(s: &Server) -> u64 {
    client().get(s.url("/healthz")).send().await.unwrap().json::<Value>().await.unwrap()["last_seq"].as_u64().unwrap()
}

pub async fn post(s: &Server, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = client().post(s.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json::<Value>().await.unwrap_or(Value::Null))
}

pub async fn get(s: &Server, token: &str, path: &str) -> (u16, Value) {
    let r = client().get(s.url(path)).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json::<Value>().await.unwrap_or(Value::Null))
}

pub async fn put(s: &Server, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = client().put(s.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json::<Value>().await.unwrap_or(Value::Null))
}

pub fn verify(dir: &Path) -> String {
    let out = Command::new(BIN).args(["verify", "--data-dir"]).arg(dir).output().unwrap();
    assert!(out.status.success(), "verify failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// POST /api/v1/tickets with an Idempotency-Key.
pub async fn issue_keyed(s: &Server, token: &str, key: &str, service: &str) -> reqwest::Response {
    client()
        .post(s.url("/api/v1/tickets"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"service": service}))
        .send()
        .await
        .unwrap()
}

/// Issues tickets until the server refuses one; returns the acknowledged tickets and the refusal.
pub async fn issue_until_refused(s: &Server, token: &str, service: &str, limit: usize) -> (Vec<Value>, (u16, Value)) {
    let mut acked = Vec::new();
    for i in 0..limit {
        let r = issue_keyed(s, token, &format!("fill-{i}"), service).await;
        if r.status() == 201 {
            acked.push(r.json::<Value>().await.unwrap());
        } else {
            return (acked, (r.status().as_u16(), r.json::<Value>().await.unwrap()));
        }
    }
    panic!("{limit} tickets and still no refusal");
}
