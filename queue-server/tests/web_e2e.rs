//! The pages in a real headless Chromium, driven over WebDriver (chromedriver) by a small client
//! written here on top of reqwest: an officer logs in and calls the next ticket, the display shows
//! the call within 1 s and queues its announcement, a scanned dossier code is validated and linked,
//! an admin creates a service that a kiosk then sees, and bad form input shows an error and changes
//! nothing.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/setup.d/web.sh installs them). With
//! `MOTCUA_SCREENSHOTS_DIR` set, it also writes the screenshots of docs/screenshots/
//! (scripts/screenshots.sh).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn which(names: &[&str]) -> Option<PathBuf> {
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

struct Driver {
    child: Child,
    base: String,
}

impl Driver {
    fn start() -> Driver {
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
        Driver { child, base: format!("http://127.0.0.1:{port}") }
    }

    async fn wait_ready(&self) {
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

    async fn session(&self, width: u32, height: u32) -> Browser {
        self.session_with(width, height, "no-user-gesture-required").await
    }

    /// `autoplay`: Chromium's autoplay policy (`document-user-activation-required` blocks sound until a tap).
    async fn session_with(&self, width: u32, height: u32, autoplay: &str) -> Browser {
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
        let b = Browser { url: format!("{}/session/{id}", self.base), profile };
        b.viewport(width, height).await;
        b
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Browser {
    url: String,
    profile: PathBuf,
}

impl Browser {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = client().request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r: Value = req.send().await.unwrap().json().await.unwrap();
        if r["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", r["value"]);
        }
        r["value"].clone()
    }
    async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, Some(body)).await
    }

    /// Exact CSS viewport, whatever the window decorations.
    async fn viewport(&self, width: u32, height: u32) {
        self.post(
            "/goog/cdp/execute",
            json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": { "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false } }),
        )
        .await;
    }

    async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    async fn js(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args })).await
    }

    async fn find(&self, css: &str) -> String {
        let v = self.post("/element", json!({ "using": "css selector", "value": css })).await;
        v[ELEMENT].as_str().unwrap().to_owned()
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/click"), json!({})).await;
    }

    async fn clear(&self, css: &str) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/clear"), json!({})).await;
    }

    /// Types like a keyboard (a keyboard-wedge scanner is a keyboard too).
    async fn keys(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/value"), json!({ "text": text })).await;
    }

    async fn text(&self, css: &str) -> String {
        self.js("const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;", json!([css]))
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn visible(&self, css: &str) -> bool {
        self.js(
            "const e = document.querySelector(arguments[0]); return !!(e && e.offsetParent !== null);",
            json!([css]),
        )
        .await
        .as_bool()
        .unwrap_or(false)
    }

    /// Polls a JS expression until it is truthy.
    async fn wait_for(&self, what: &str, expr: &str, timeout: Duration) -> Value {
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

    async fn screenshot(&self, path: &Path) {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        std::fs::write(path, base64_decode(v.as_str().unwrap())).unwrap();
    }

    async fn quit(self) {
        let _ = client().delete(&self.url).send().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
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

async fn put(s: &Server, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = client().put(s.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json::<Value>().await.unwrap_or(Value::Null))
}

async fn issue(s: &Server, kiosk: &str, service: &str, priority: &str) -> String {
    let (status, t) = post(s, kiosk, "/api/v1/tickets", json!({ "service": service, "priority": priority })).await;
    assert_eq!(status, 201, "{t}");
    t["number"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officer_display_and_admin_in_a_real_browser() {
    let started = Instant::now();
    let shots = std::env::var_os("MOTCUA_SCREENSHOTS_DIR").map(PathBuf::from);
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).unwrap();
    }
    let dir = temp_dir("web-e2e");
    let server = Server::demo(&dir);
    let driver = Driver::start();
    driver.wait_ready().await;

    let kiosk = device(&server, "ticket-kiosk", None).await;
    let display_token = device(&server, "display", None).await;
    let admin = login(&server, "admin").await;
    // A realistic morning: a few tickets in several services, one priority.
    let first = issue(&server, &kiosk, "ho-tich", "none").await;
    for (svc, prio) in [
        ("ho-tich", "elderly"),
        ("ho-tich", "none"),
        ("chung-thuc", "none"),
        ("dat-dai", "none"),
        ("kinh-doanh", "none"),
    ] {
        issue(&server, &kiosk, svc, prio).await;
    }
    // Other counters already serving, so the display is not empty.
    for counter in [3, 4] {
        let (status, _) = post(&server, &admin, &format!("/api/v1/counters/{counter}/call-next"), json!({})).await;
        assert_eq!(status, 200);
    }

    // ---- the display, enrolled as a display device, in its own browser ----
    let display = driver.session(1920, 1080).await;
    display.goto(&server.url(&format!("/display?access_token={display_token}"))).await;
    display
        .wait_for(
            "the display board",
            "document.querySelectorAll('#counters .ctile').length === 6",
            Duration::from_secs(15),
        )
        .await;
    assert!(display.text("#office").await.contains("Bến Thành"), "office name on the display");
    assert!(!display.text("#notice").await.is_empty(), "scrolling notice");
    assert!(!display.visible("#down").await, "display connected");
    // Record, inside the page, the wall-clock time the new call appears.
    display
        .js(
            "window.__seen = null; const want = arguments[0]; const el = document.querySelector('#ncNum');
             new MutationObserver(() => { if (!window.__seen && el.textContent === want) window.__seen = Date.now(); })
               .observe(el, { childList: true, characterData: true, subtree: true });",
            json!([first]),
        )
        .await;

    // ---- the officer logs in at counter 1 and calls the next ticket ----
    let counter = driver.session(1920, 1080).await;
    counter.goto(&server.url("/counter")).await;
    counter
        .wait_for("the login form", "document.querySelector('#loginForm:not(.hidden)')", Duration::from_secs(10))
        .await;
    assert_eq!(
        counter.js("return document.documentElement.lang", json!([])).await,
        json!("vi"),
        "Vietnamese by default"
    );
    counter.keys("#username", "canbo1").await;
    counter.keys("#password", "motcua-demo").await;
    counter.click("#loginBtn").await;
    counter
        .wait_for("the waiting list", &format!("document.querySelector('#queues') && document.querySelector('#queues').textContent.includes('{first}')"), Duration::from_secs(10))
        .await;
    assert!(counter.text("#counterName").await.contains("Quầy số 1"));
    assert!(counter.text("#queues").await.contains("Ưu tiên"), "priority marker in the waiting list");
    let clicked_at =
        counter.js("document.querySelector('#aNext').click(); return Date.now();", json!([])).await.as_i64().unwrap();
    // The elderly priority ticket is called first under the demo's ratio rule only after regulars; whatever
    // was called, the display must show it.
    let called = counter
        .wait_for("the called ticket", "document.querySelector('#curNumber').textContent !== '—' && document.querySelector('#curNumber').textContent", Duration::from_secs(5))
        .await;
    let called = called.as_str().unwrap().to_owned();
    if called != first {
        display.js("window.__want = arguments[0];", json!([called])).await;
    }
    let seen = display
        .wait_for(
            "the call on the display",
            &format!("window.__seen || (document.querySelector('#ncNum').textContent === '{called}' && Date.now())"),
            Duration::from_secs(5),
        )
        .await
        .as_i64()
        .unwrap();
    let latency = seen - clicked_at;
    println!("display showed {called} {latency} ms after the officer's click");
    assert!(latency < 1000, "display latency {latency} ms");
    assert_eq!(display.text("#ncCtr").await, "1");
    assert!(display.text("#counters").await.contains(&called));
    // The announcement of that call was queued (and, with autoplay allowed, played).
    display
        .wait_for("the announcement queued", "window.motcuaDisplay.queued.length >= 1", Duration::from_secs(5))
        .await;
    assert_eq!(display.js("return window.motcuaDisplay.blocked", json!([])).await, json!(false));
    // The officer sees what the display shows for their counter.
    assert_eq!(counter.text("#dispNumber").await, called);

    // ---- a recall is announced again, after the first announcement (never cut off) ----
    counter.click("#aRecall").await;
    display.wait_for("the recall queued", "window.motcuaDisplay.queued.length >= 2", Duration::from_secs(5)).await;
    let queued = display.js("return window.motcuaDisplay.queued", json!([])).await;
    let q: Vec<u64> = serde_json::from_value(queued).unwrap();
    assert!(q[1] > q[0], "announcements queued in order: {q:?}");

    // ---- dossier code from a keyboard-wedge scanner: junk is refused, a real code is linked ----
    counter.keys("#dossierInput", "HELLO-123\n").await;
    counter
        .wait_for(
            "the dossier error",
            "document.querySelector('#dossierMsg').className === 'formerror'",
            Duration::from_secs(5),
        )
        .await;
    counter.clear("#dossierInput").await;
    counter.keys("#dossierInput", " https://dichvucong.example/tra-cuu?maHoSo=000.00.01.h29-260310-0420\r\n").await;
    counter
        .wait_for(
            "the dossier linked",
            "document.querySelector('#dossierMsg').className === 'formok'",
            Duration::from_secs(5),
        )
        .await;
    counter
        .wait_for(
            "the dossier tag",
            "document.querySelector('#curDossiers').textContent.includes('000.00.01.H29-260310-0420')",
            Duration::from_secs(5),
        )
        .await;

    if let Some(dir) = &shots {
        counter.click("#aStart").await;
        counter
            .wait_for("serving", "document.querySelector('#curStatus').textContent.length > 0", Duration::from_secs(5))
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        counter.screenshot(&dir.join("counter-1920x1080.png")).await;
        counter.viewport(1366, 768).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        counter.screenshot(&dir.join("counter-1366x768.png")).await;
        counter.viewport(1920, 1080).await;
        tokio::time::sleep(Duration::from_secs(7)).await; // let the highlight animation finish
        display.screenshot(&dir.join("display-1920x1080.png")).await;
        display.viewport(1080, 1920).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        display.screenshot(&dir.join("display-portrait-1080x1920.png")).await;
    }

    // ---- the admin creates a service; first with bad input, which changes nothing ----
    let seq_before = last_seq(&server).await;
    let admin_page = counter;
    admin_page.goto(&server.url("/admin")).await;
    admin_page
        .wait_for("the admin login", "document.querySelector('#loginForm:not(.hidden)')", Duration::from_secs(10))
        .await;
    admin_page.keys("#username", "admin").await;
    admin_page.keys("#password", "motcua-demo").await;
    admin_page.click("#loginForm button[type=submit]").await;
    admin_page
        .wait_for("the dashboard", "document.querySelectorAll('#kpis .kpi').length > 0", Duration::from_secs(10))
        .await;
    if let Some(dir) = &shots {
        tokio::time::sleep(Duration::from_millis(300)).await;
        admin_page.screenshot(&dir.join("admin-dashboard-1920x1080.png")).await;
    }
    admin_page.click("[data-tab=services]").await;
    admin_page.keys("#serviceForm [name=code]", "Cư trú").await;
    admin_page.keys("#serviceForm [name=letter]", "A").await;
    admin_page.keys("#serviceForm [name=name_vi]", "Cư trú").await;
    admin_page.click("#serviceForm button[type=submit]").await;
    let error = admin_page
        .wait_for("the form error", "!document.querySelector('#serviceForm [data-role=error]').classList.contains('hidden') && document.querySelector('#serviceForm [data-role=error]').textContent", Duration::from_secs(5))
        .await;
    let error = error.as_str().unwrap().to_owned();
    assert!(error.contains("Mã dịch vụ"), "{error}");
    assert!(error.contains("Hộ tịch"), "letter A already used: {error}");
    assert!(error.contains("Tên (tiếng Anh)"), "{error}");
    assert!(admin_page.visible("#serviceForm input.invalid").await);
    if let Some(dir) = &shots {
        admin_page.screenshot(&dir.join("admin-services-error-1920x1080.png")).await;
    }
    // The server-side check too: a bad service straight to the API is refused and records nothing.
    let (status, body) = put(
        &server,
        &admin,
        "/api/v1/admin/services/cu-tru",
        json!({
            "code": "cu-tru", "letter": "1", "name": {"vi": "Cư trú", "en": "Residence"}, "field": {"vi": "", "en": ""},
            "stage": "reception", "service_level_target_s": 600, "default_service_time_s": 300, "open": true
        }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(last_seq(&server).await, seq_before, "bad input recorded nothing");
    let (_, services) = get(&server, &kiosk, "/api/v1/services").await;
    assert!(!services.as_array().unwrap().iter().any(|s| s["code"] == "cu-tru"));

    // Now correct it.
    for (name, value) in [("code", "cu-tru"), ("letter", "H"), ("name_vi", "Cư trú"), ("name_en", "Residence")] {
        admin_page.clear(&format!("#serviceForm [name={name}]")).await;
        admin_page.keys(&format!("#serviceForm [name={name}]"), value).await;
    }
    admin_page.click("#serviceForm [data-role=counters] input[value='6']").await;
    admin_page.click("#serviceForm button[type=submit]").await;
    admin_page
        .wait_for(
            "saved",
            "!document.querySelector('#serviceForm [data-role=ok]').classList.contains('hidden')",
            Duration::from_secs(5),
        )
        .await;
    admin_page
        .wait_for(
            "the new service listed",
            "document.querySelector('#serviceList').textContent.includes('Cư trú')",
            Duration::from_secs(5),
        )
        .await;
    // A kiosk sees it at once, served by counter 6.
    let (_, services) = get(&server, &kiosk, "/api/v1/services").await;
    let new = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "cu-tru")
        .expect("kiosk sees the new service")
        .clone();
    assert_eq!(new["letter"], "H");
    assert_eq!(new["counters"], json!([6]));
    assert!(last_seq(&server).await >= seq_before + 2, "service and counter changes are events");
    if let Some(dir) = &shots {
        admin_page.click("[data-tab=settings]").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        admin_page.screenshot(&dir.join("admin-settings-1920x1080.png")).await;
        admin_page.click("[data-tab=devices]").await;
        admin_page.keys("#codeForm [name=name]", "Màn hình tầng 2").await;
        admin_page.js("document.querySelector('#codeForm [name=role]').value = 'display';", json!([])).await;
        admin_page.click("#codeForm button[type=submit]").await;
        admin_page.wait_for("the code", "document.querySelector('#newCode')", Duration::from_secs(5)).await;
        admin_page.screenshot(&dir.join("admin-devices-1920x1080.png")).await;
    }

    // ---- English switch ----
    admin_page.click(".langswitch").await;
    assert_eq!(admin_page.text("[data-tab=services]").await, "Services");

    admin_page.quit().await;
    display.quit().await;
    println!("browser test took {:.1} s", started.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn display_shows_disconnected_and_recovers() {
    let dir = temp_dir("web-e2e-down");
    let mut server = Server::demo(&dir);
    let driver = Driver::start();
    driver.wait_ready().await;
    let display_token = device(&server, "display", None).await;
    let base = server.base.clone();
    // A browser that blocks sound until someone taps: the display asks once ("Bật âm thanh").
    let display = driver.session_with(1280, 720, "document-user-activation-required").await;
    display.goto(&format!("{base}/display?access_token={display_token}&lang=en")).await;
    display
        .wait_for("the sound gate", "window.motcuaDisplay && window.motcuaDisplay.blocked", Duration::from_secs(10))
        .await;
    assert!(display.visible("#soundBtn").await);
    assert!(display.text("#soundBtn").await.contains("Bật âm thanh"));
    display.click("#soundBtn").await;
    display.wait_for("sound enabled", "!window.motcuaDisplay.blocked", Duration::from_secs(5)).await;
    assert!(!display.visible("#soundgate").await);
    display
        .wait_for("the board", "document.querySelectorAll('#counters .ctile').length === 6", Duration::from_secs(15))
        .await;
    assert_eq!(display.text("#recent").await, "No call yet");
    // An officer at counter 3, in another browser.
    let counter = driver.session(1366, 768).await;
    counter.goto(&format!("{base}/counter")).await;
    counter
        .wait_for("the login form", "document.querySelector('#loginForm:not(.hidden)')", Duration::from_secs(10))
        .await;
    counter.keys("#username", "canbo3").await;
    counter.keys("#password", "motcua-demo").await;
    counter.click("#loginBtn").await;
    counter.wait_for("the desk", "document.querySelector('#queues h3')", Duration::from_secs(10)).await;

    server.kill9();
    display
        .wait_for(
            "the disconnected banner",
            "!document.querySelector('#down').classList.contains('hidden')",
            Duration::from_secs(10),
        )
        .await;
    assert!(display.text("#down").await.contains("MẤT KẾT NỐI"));
    // The officer's action while the server is down is reported as not done, never queued silently.
    counter
        .wait_for(
            "the counter's disconnected state",
            "document.querySelector('#conn').classList.contains('down')",
            Duration::from_secs(10),
        )
        .await;
    counter.click("#aNext").await;
    let failure = counter
        .wait_for("the failed action", "!document.querySelector('#failBanner').classList.contains('hidden') && document.querySelector('#failText').textContent", Duration::from_secs(15))
        .await;
    assert!(failure.as_str().unwrap().contains("CHƯA được thực hiện"), "{failure}");
    assert!(counter.visible("#retryBtn").await);

    // Restart on the same data and port: the pages reconnect by themselves and resynchronise.
    let port = base.rsplit(':').next().unwrap().to_owned();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let admin = {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if client().get(format!("{base}/healthz")).send().await.is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "server did not restart");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let r = client()
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": "motcua-demo"}))
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    };
    let ticket = client()
        .post(format!("{base}/api/v1/tickets"))
        .bearer_auth(&admin)
        .json(&json!({"service": "dat-dai"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ticket.status(), 201);
    let number = ticket.json::<Value>().await.unwrap()["number"].as_str().unwrap().to_owned();
    display
        .wait_for(
            "reconnected",
            "document.querySelector('#down').classList.contains('hidden')",
            Duration::from_secs(20),
        )
        .await;
    // The officer retries the failed call once the server is back.
    counter
        .wait_for(
            "the counter reconnected",
            "!document.querySelector('#conn').classList.contains('down')",
            Duration::from_secs(20),
        )
        .await;
    counter.click("#retryBtn").await;
    counter
        .wait_for(
            "the retried call",
            &format!("document.querySelector('#curNumber').textContent === '{number}'"),
            Duration::from_secs(10),
        )
        .await;
    assert!(!counter.visible("#failBanner").await);
    display
        .wait_for(
            "the call after reconnecting",
            &format!("document.querySelector('#ncNum').textContent === '{number}'"),
            Duration::from_secs(20),
        )
        .await;
    // Finish with an outcome and one more service in the same visit, from the keyboard.
    counter
        .post("/actions", json!({ "actions": [{ "type": "key", "id": "kb", "actions": [{ "type": "keyDown", "value": "f" }, { "type": "keyUp", "value": "f" }] }] }))
        .await;
    counter.wait_for("the finish dialog", "document.querySelector('#finishDlg').open", Duration::from_secs(5)).await;
    counter.js("document.querySelector('#outcome').value = 'received';", json!([])).await;
    counter.click("#moreServices input[value='tra-ket-qua']").await;
    counter.click("#finishOk").await;
    counter
        .wait_for("finished", "document.querySelector('#curNumber').textContent === '—'", Duration::from_secs(5))
        .await;
    let r =
        client().get(format!("{base}/api/v1/tickets?service=tra-ket-qua")).bearer_auth(&admin).send().await.unwrap();
    let waiting: Value = r.json().await.unwrap();
    assert!(
        waiting.as_array().unwrap().iter().any(|t| t["number"] == number.as_str()),
        "the visit continues in Trả kết quả: {waiting}"
    );
    counter.quit().await;
    display.quit().await;
    let _ = child.kill();
    let _ = child.wait();
}
