//! A small WebDriver client on top of reqwest for the page tests: a chromedriver process
//! ([`Driver`]) and headless Chromium sessions ([`Browser`]) with an exact CSS viewport. Needs Debian's
//! `chromium` and `chromium-driver` (scripts/setup.d/web.sh installs them). Included by the page tests
//! with `#[path = "common/browser.rs"] mod browser;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::common::{client, temp_dir};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub fn which(names: &[&str]) -> Option<PathBuf> {
    for name in names {
        for dir in std::env::var("PATH").unwrap_or_default().split(':').chain(["/usr/bin", "/usr/lib/chromium"]) {
            let p = Path::new(dir).join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

pub struct Driver {
    child: Child,
    base: String,
    /// Sessions still open, closed on drop so that a failed test leaves no browser behind.
    sessions: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Driver {
    pub fn start() -> Driver {
        let bin = which(&["chromedriver"])
            .expect("chromedriver not found: run scripts/setup.d/web.sh (apt-get install chromium chromium-driver)");
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new(bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        Driver { child, base: format!("http://127.0.0.1:{port}"), sessions: Default::default() }
    }

    pub async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = client().get(format!("{}/status", self.base)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn session(&self, width: u32, height: u32) -> Browser {
        self.session_with(width, height, "no-user-gesture-required").await
    }

    /// `autoplay`: Chromium's autoplay policy (`document-user-activation-required` blocks sound until a tap).
    pub async fn session_with(&self, width: u32, height: u32, autoplay: &str) -> Browser {
        let profile = temp_dir("chromium-profile");
        let chromium =
            which(&["chromium", "chromium-browser"]).expect("chromium not found: run scripts/setup.d/web.sh");
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--autoplay-policy={autoplay}"),
            "--hide-scrollbars".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args }
        }}});
        let r: Value =
            client().post(format!("{}/session", self.base)).json(&caps).send().await.unwrap().json().await.unwrap();
        let id = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {r}")).to_owned();
        self.sessions.lock().unwrap().push(format!("/session/{id}"));
        let b = Browser { url: format!("{}/session/{id}", self.base), profile, sessions: self.sessions.clone() };
        b.viewport(width, height).await;
        b
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Blocking, dependency-free DELETE of every open session (Drop cannot await).
        let addr = self.base.trim_start_matches("http://").to_owned();
        for path in self.sessions.lock().map(|s| s.clone()).unwrap_or_default() {
            if let Ok(mut stream) = std::net::TcpStream::connect(&addr) {
                use std::io::{Read, Write};
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = write!(
                    stream,
                    "DELETE {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let mut sink = Vec::new();
                let _ = stream.read_to_end(&mut sink);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Browser {
    url: String,
    profile: PathBuf,
    sessions: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Browser {
    pub async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        match self.try_cmd(method, path, body).await {
            Ok(v) => v,
            Err(e) => panic!("webdriver {path}: {e}"),
        }
    }

    pub async fn try_cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let mut req = client().request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r: Value = req.send().await.unwrap().json().await.unwrap();
        if r["value"].get("error").is_some() {
            return Err(r["value"].clone());
        }
        Ok(r["value"].clone())
    }
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, Some(body)).await
    }

    /// Exact CSS viewport, whatever the window decorations.
    pub async fn viewport(&self, width: u32, height: u32) {
        self.post(
            "/goog/cdp/execute",
            json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": { "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false } }),
        )
        .await;
    }

    /// A phone: exact CSS viewport with mobile emulation (viewport meta tag honoured, touch).
    pub async fn phone(&self, width: u32, height: u32) {
        self.post(
            "/goog/cdp/execute",
            json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": { "width": width, "height": height, "deviceScaleFactor": 1, "mobile": true } }),
        )
        .await;
        self.post(
            "/goog/cdp/execute",
            json!({ "cmd": "Emulation.setTouchEmulationEnabled", "params": { "enabled": true } }),
        )
        .await;
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    pub async fn js(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args })).await
    }

    pub async fn find(&self, css: &str) -> String {
        let v = self.post("/element", json!({ "using": "css selector", "value": css })).await;
        v[ELEMENT].as_str().unwrap().to_owned()
    }

    /// Clicks, finding the element again if a live refresh replaced it in between.
    pub async fn click(&self, css: &str) {
        for attempt in 0..3 {
            let id = self.find(css).await;
            match self.try_cmd(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))).await {
                Ok(_) => return,
                Err(e) if e["error"] == "stale element reference" && attempt < 2 => continue,
                Err(e) => panic!("webdriver click {css}: {e}"),
            }
        }
    }

    pub async fn clear(&self, css: &str) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/clear"), json!({})).await;
    }

    /// Types like a keyboard (a keyboard-wedge scanner is a keyboard too).
    pub async fn keys(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/value"), json!({ "text": text })).await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.js("const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;", json!([css]))
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn visible(&self, css: &str) -> bool {
        self.js(
            "const e = document.querySelector(arguments[0]); return !!(e && e.offsetParent !== null);",
            json!([css]),
        )
        .await
        .as_bool()
        .unwrap_or(false)
    }

    /// Polls a JS expression until it is truthy.
    pub async fn wait_for(&self, what: &str, expr: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.js(&format!("return ({expr});"), json!([])).await;
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            if Instant::now() > deadline {
                let body = self.js("return document.body.innerText.slice(0, 2000);", json!([])).await;
                panic!("timed out waiting for {what}; page text: {body}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Opens the admin page at `url` (e.g. `…/admin?lang=vi`), signs in as `user` with the demo
    /// password and waits for the dashboard.
    pub async fn admin_login(&self, url: &str, user: &str) {
        self.goto(url).await;
        self.wait_for("the admin login", "document.querySelector('#loginForm:not(.hidden)')", Duration::from_secs(10))
            .await;
        self.keys("#username", user).await;
        self.keys("#password", "motcua-demo").await;
        self.click("#loginForm button[type=submit]").await;
        self.wait_for("the dashboard", "document.querySelectorAll('#kpis .kpi').length > 0", Duration::from_secs(10))
            .await;
    }

    pub async fn screenshot(&self, path: &Path) {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        std::fs::write(path, base64_decode(v.as_str().unwrap())).unwrap();
    }

    pub async fn quit(self) {
        let _ = client().delete(&self.url).send().await;
        self.sessions.lock().unwrap().retain(|p| !self.url.ends_with(p.as_str()));
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

pub fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("bad base64"),
    };
    let bytes: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let v: Vec<u32> = chunk.iter().map(|c| u32::from(value(*c))).collect();
        let n = v.iter().enumerate().fold(0u32, |acc, (i, x)| acc | (x << (18 - 6 * i)));
        out.push((n >> 16) as u8);
        if v.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if v.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}
