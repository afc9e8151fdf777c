//! The pages in a real headless Chromium, driven over WebDriver (chromedriver) by a small client
//! written here on top of reqwest: an officer logs in and calls the next ticket, the display shows
//! the call within 1 s and queues its announcement, a scanned dossier code is validated and linked,
//! an admin creates a service that a kiosk then sees, and bad form input shows an error and changes
//! nothing.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/setup.d/web.sh installs them). With
//! `MOTCUA_SCREENSHOTS_DIR` set, it also writes the screenshots of docs/screenshots/
//! (scripts/screenshots.sh).

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use browser::*;
use common::*;
use serde_json::{json, Value};

/// Logs in on the admin page (Vietnamese) as the demo admin and waits for the dashboard.
async fn admin_login(page: &Browser, server: &Server) {
    page.admin_login(&server.url("/admin?lang=vi"), "admin").await;
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

    // Certification's waiting-time target set to 2 s through the API, so its waiting ticket shows late.
    let (_, services) = get(&server, &admin, "/api/v1/admin/services").await;
    let mut chung_thuc = services.as_array().unwrap().iter().find(|s| s["code"] == "chung-thuc").unwrap().clone();
    chung_thuc["service_level_target_s"] = json!(2);
    let (status, body) = put(&server, &admin, "/api/v1/admin/services/chung-thuc", chung_thuc).await;
    assert_eq!(status, 200, "{body}");

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
    // An officer works only at their own counters: no choice offered, and the server refuses another desk.
    assert!(!counter.visible("#counterSel").await);
    let canbo1 = counter.js("return localStorage.getItem('motcua.staff.token')", json!([])).await;
    let (status, _) = get(&server, canbo1.as_str().unwrap(), "/api/v1/counters/2/desk").await;
    assert_eq!(status, 403);
    assert!(counter.text("#queues").await.contains("Ưu tiên"), "priority marker in the waiting list");
    // Waiting time coloured against the service's target: B001 is past its 2 s target, Hộ tịch's are not.
    counter
        .wait_for("a late waiting time", "document.querySelector('#queues td.timer.wait-late')", Duration::from_secs(6))
        .await;
    assert!(counter.visible("#queues td.timer.wait-ok").await);
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
    assert!(counter.text("#dispRecent").await.contains(&called), "the counter's last calls as the display lists them");

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
    // ---- the receipt form is offered for the linked dossier; this counter has no printer: said, not queued ----
    counter
        .wait_for(
            "the receipt form",
            "!document.querySelector('#receiptForm').classList.contains('hidden') && document.querySelector('#receiptFor').textContent.includes('000.00.01.H29-260310-0420')",
            Duration::from_secs(5),
        )
        .await;
    counter.keys("#rcCitizen", "Nguyễn Văn Thử").await;
    // The ticket was taken by service: the officer names the procedure (the appointment preview follows).
    counter.keys("#rcProcedure", "1.001193.000.00.00.H29\t").await;
    counter
        .wait_for(
            "the appointment preview",
            "document.querySelector('#rcLimit').textContent.includes('hẹn trả dự kiến')",
            Duration::from_secs(5),
        )
        .await;
    counter.click("#receiptForm button[type=submit]").await;
    counter
        .wait_for(
            "the printer refusal",
            "!document.querySelector('#failBanner').classList.contains('hidden') && document.querySelector('#failText').textContent.includes('máy in')",
            Duration::from_secs(10),
        )
        .await;
    counter.click("#dismissBtn").await;

    if let Some(dir) = &shots {
        counter.click("#aStart").await;
        counter
            .wait_for("serving", "document.querySelector('#curStatus').textContent.length > 0", Duration::from_secs(5))
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        counter.screenshot(&dir.join("counter-1920x1080.png")).await;
        counter.click(".langswitch").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        counter.screenshot(&dir.join("counter-english-1920x1080.png")).await;
        counter.click(".langswitch").await;
        counter.viewport(1366, 768).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        counter.screenshot(&dir.join("counter-1366x768.png")).await;
        counter.viewport(768, 1024).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        counter.screenshot(&dir.join("counter-tablet-768x1024.png")).await;
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
    admin_page.admin_login(&server.url("/admin"), "admin").await;
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

    // ---- office settings: a bad agency code is refused here; a new notice reaches the display live ----
    admin_page.click("[data-tab=settings]").await;
    let seq_before = last_seq(&server).await;
    admin_page.clear("#settingsForm [name=agency_code]").await;
    admin_page.keys("#settingsForm [name=agency_code]", "H29-abc").await;
    admin_page.clear("#settingsForm [name=notice_vi]").await;
    admin_page.keys("#settingsForm [name=notice_vi]", "Thông báo thử: hôm nay làm việc đến 17 giờ.").await;
    admin_page.click("#settingsForm button[type=submit]").await;
    let error = admin_page
        .wait_for(
            "the settings error",
            "!document.querySelector('#settingsForm [data-role=error]').classList.contains('hidden') && document.querySelector('#settingsForm [data-role=error]').textContent",
            Duration::from_secs(5),
        )
        .await;
    assert!(error.as_str().unwrap().contains("Mã định danh"), "{error}");
    assert_eq!(last_seq(&server).await, seq_before, "a refused form records nothing");
    assert!(!display.text("#notice").await.contains("Thông báo thử"));
    // Hear the reading before saving it: the preview WAV plays for several seconds.
    admin_page.js("document.querySelector('#settingsForm [name=reading]').value = 'as_number';", json!([])).await;
    admin_page.click("#previewBtn").await;
    let duration = admin_page
        .wait_for(
            "the preview playing",
            "window.motcuaPreview && window.motcuaPreview.duration > 0 && window.motcuaPreview.duration",
            Duration::from_secs(5),
        )
        .await;
    assert!(duration.as_f64().unwrap() > 4.0, "preview of {duration} s");
    assert_eq!(admin_page.text("#previewMsg").await, "");
    admin_page.clear("#settingsForm [name=agency_code]").await;
    admin_page.keys("#settingsForm [name=agency_code]", "000.00.01.H29").await;
    admin_page.click("#settingsForm button[type=submit]").await;
    admin_page
        .wait_for(
            "settings saved",
            "!document.querySelector('#settingsForm [data-role=ok]').classList.contains('hidden')",
            Duration::from_secs(5),
        )
        .await;
    display
        .wait_for(
            "the new notice on the display",
            "document.querySelector('#notice').textContent.includes('Thông báo thử')",
            Duration::from_secs(3),
        )
        .await;
    assert_eq!(last_seq(&server).await, seq_before + 1, "the change is one event");

    // ---- staff: a password reset, refused when too short ----
    admin_page.click("[data-tab=staff]").await;
    admin_page.click("[data-edit-staff=canbo2]").await;
    admin_page.keys("#staffForm [name=password]", "ngan").await;
    admin_page.click("#staffForm button[type=submit]").await;
    let error = admin_page
        .wait_for(
            "the password error",
            "!document.querySelector('#staffForm [data-role=error]').classList.contains('hidden') && document.querySelector('#staffForm [data-role=error]').textContent",
            Duration::from_secs(5),
        )
        .await;
    assert!(error.as_str().unwrap().contains("8 ký tự"), "{error}");
    admin_page.clear("#staffForm [name=password]").await;
    admin_page.keys("#staffForm [name=password]", "mat-khau-moi-2026").await;
    admin_page.click("#staffForm button[type=submit]").await;
    admin_page
        .wait_for(
            "staff saved",
            "!document.querySelector('#staffForm [data-role=ok]').classList.contains('hidden')",
            Duration::from_secs(5),
        )
        .await;
    let r = client()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": "canbo2", "password": "mat-khau-moi-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the new password works");

    // ---- English switch ----
    admin_page.click(".langswitch").await;
    assert_eq!(admin_page.text("[data-tab=services]").await, "Services");

    // Both announcements were played in full, one after the other: the recall did not cut off the call.
    let timeline = display
        .wait_for(
            "both announcements played",
            "window.motcuaDisplay.timeline.length >= 2 && window.motcuaDisplay.timeline",
            Duration::from_secs(40),
        )
        .await;
    println!("announcements played: {timeline}");
    let (first_play, second_play) = (&timeline[0], &timeline[1]);
    assert_eq!((first_play["seq"].as_u64(), second_play["seq"].as_u64()), (Some(q[0]), Some(q[1])));
    let ms = |v: &Value| v.as_i64().unwrap();
    assert!(ms(&first_play["ended"]) - ms(&first_play["started"]) > 5000, "the whole WAV was played: {first_play}");
    assert!(ms(&second_play["started"]) >= ms(&first_play["ended"]), "the recall waited for the call: {timeline}");

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
    // The display enrols itself from its page with a one-time code an admin created.
    let admin_before = login(&server, "admin").await;
    let (status, code) = post(
        &server,
        &admin_before,
        "/api/v1/admin/enrolment-codes",
        json!({"role": "display", "name": "Màn hình sảnh"}),
    )
    .await;
    assert_eq!(status, 201, "{code}");
    let code = code["code"].as_str().unwrap().to_owned();
    let base = server.base.clone();
    // A browser that blocks sound until someone taps: the display asks once ("Bật âm thanh").
    let display = driver.session_with(1280, 720, "document-user-activation-required").await;
    display.goto(&format!("{base}/display?lang=en")).await;
    display
        .wait_for("the enrolment form", "document.querySelector('#enrol:not(.hidden)')", Duration::from_secs(10))
        .await;
    assert_eq!(display.text("#enrol h1").await, "Enrol this display");
    display.keys("#enrolCode", &code.to_lowercase()).await;
    display.click("#enrol button[type=submit]").await;
    display.wait_for("enrolled", "localStorage.getItem('motcua.display.token')", Duration::from_secs(10)).await;
    // Typing the code was a user gesture, which unlocks sound; after a restart of the TV it is locked again.
    display.goto(&format!("{base}/display?lang=en")).await;
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

/// The text of a table row of the admin page, or "" while it is not shown.
fn row_text(css: &str) -> String {
    format!("(document.querySelector(\"{css}\") || {{ textContent: '' }}).textContent")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_renames_rebinds_and_revokes_a_device_disables_staff_and_sees_lockouts() {
    let dir = temp_dir("web-e2e-devices");
    let server = Server::demo(&dir);
    let driver = Driver::start();
    driver.wait_ready().await;

    // A rating terminal enrolled with a one-time code from the CLI, bound to counter 1, reporting its health.
    let terminal = device(&server, "rating-terminal", Some(1)).await;
    let (status, me) = get(&server, &terminal, "/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    let id = me["device_id"].as_str().unwrap().to_owned();
    let (status, _) = post(
        &server,
        &terminal,
        "/api/v1/devices/heartbeat",
        json!({ "health": {
            // kiosk-app's shape (health::heartbeat), and a key the page does not know.
            "printer": { "state": "paper_near_end", "ok": true },
            "pending": { "tickets": 2, "ratings": 0, "failed": 0 },
            "version": "0.1.0",
            "online": true,
        } }),
    )
    .await;
    assert_eq!(status, 204);
    let kiosk = device(&server, "ticket-kiosk", None).await;
    let (_, kiosk_me) = get(&server, &kiosk, "/api/v1/me").await;
    let kiosk_id = kiosk_me["device_id"].as_str().unwrap().to_owned();
    let admin = login(&server, "admin").await;

    let page = driver.session(1920, 1080).await;
    admin_login(&page, &server).await;

    // ---- the device list, in words ----
    page.click("[data-tab=devices]").await;
    let row = format!("#deviceList tr[data-device='{id}']");
    let text = page
        .wait_for(
            "the rating terminal listed",
            &format!("{} .includes('Thiết bị thử') && {0}", row_text(&row)),
            Duration::from_secs(10),
        )
        .await;
    let text = text.as_str().unwrap().to_owned();
    for want in [
        "Thiết bị đánh giá",
        "Quầy số 1",
        "Đang dùng",
        "giây trước",
        "Máy in: sắp hết giấy",
        "Chờ gửi: 2 phiếu, 0 đánh giá, 0 lỗi",
        "Phiên bản 0.1.0",
        "Đổi tên",
        "Đổi quầy",
        "Thu hồi",
    ] {
        assert!(text.contains(want), "{want:?} in {text:?}");
    }
    assert!(!text.contains("true") && !text.contains("false") && !text.contains('{'), "no raw JSON: {text:?}");
    assert!(!text.contains("paper_near_end") && !text.contains("pending"), "no raw names: {text:?}");
    let kiosk_row = format!("#deviceList tr[data-device='{kiosk_id}']");
    let kiosk_text = page.text(&kiosk_row).await;
    assert!(kiosk_text.contains("Máy lấy số") && kiosk_text.contains("chưa kết nối"), "{kiosk_text:?}");
    assert!(
        !page.visible(&format!("[data-counter-device='{kiosk_id}']")).await,
        "only rating terminals change counter"
    );

    // ---- rename: an empty name is refused here, then the new name is saved and listed ----
    page.click(&format!("[data-rename-device='{id}']")).await;
    page.wait_for("the rename dialog", "document.querySelector('#deviceDlg').open", Duration::from_secs(5)).await;
    page.clear("#deviceForm [name=name]").await;
    page.click("#deviceOk").await;
    let error = page
        .wait_for("the empty-name error", "!document.querySelector('#deviceForm [data-role=error]').classList.contains('hidden') && document.querySelector('#deviceForm [data-role=error]').textContent", Duration::from_secs(5))
        .await;
    assert!(error.as_str().unwrap().contains("Tên thiết bị"), "{error}");
    page.keys("#deviceForm [name=name]", "Máy đánh giá quầy 2").await;
    page.click("#deviceOk").await;
    page.wait_for("the dialog closed", "!document.querySelector('#deviceDlg').open", Duration::from_secs(5)).await;
    page.wait_for(
        "the new name",
        &format!("{}.includes('Máy đánh giá quầy 2')", row_text(&row)),
        Duration::from_secs(5),
    )
    .await;

    // ---- change counter: to counter 2, chosen among the office's counters ----
    page.click(&format!("[data-counter-device='{id}']")).await;
    page.wait_for("the counter dialog", "document.querySelector('#deviceDlg').open", Duration::from_secs(5)).await;
    let options = page
        .js("return Array.from(document.querySelectorAll('#deviceForm [name=counter] option')).map((o) => o.textContent)", json!([]))
        .await;
    assert!(options.as_array().unwrap().len() >= 6 && options[1] == "Quầy số 2", "{options}");
    assert!(!page.visible("#deviceForm [name=name]").await, "only the counter is asked");
    page.js("document.querySelector('#deviceForm [name=counter]').value = '2';", json!([])).await;
    page.click("#deviceOk").await;
    page.wait_for("the dialog closed", "!document.querySelector('#deviceDlg').open", Duration::from_secs(5)).await;
    page.wait_for("counter 2 shown", &format!("{}.includes('Quầy số 2')", row_text(&row)), Duration::from_secs(5))
        .await;
    let (_, devices) = get(&server, &admin, "/api/v1/admin/devices").await;
    let listed = devices.as_array().unwrap().iter().find(|d| d["device_id"] == id.as_str()).unwrap();
    assert_eq!(listed["name"], "Máy đánh giá quầy 2");
    assert_eq!(listed["counter"], 2);

    // ---- a server refusal shows its message: the kiosk is revoked elsewhere while its dialog is open ----
    page.click(&format!("[data-rename-device='{kiosk_id}']")).await;
    page.wait_for("the rename dialog", "document.querySelector('#deviceDlg').open", Duration::from_secs(5)).await;
    let (status, _) = post(&server, &admin, &format!("/api/v1/admin/devices/{kiosk_id}/revoke"), json!({})).await;
    assert_eq!(status, 204);
    page.keys("#deviceForm [name=name]", " mới").await;
    page.click("#deviceOk").await;
    let error = page
        .wait_for("the server's error", "!document.querySelector('#deviceForm [data-role=error]').classList.contains('hidden') && document.querySelector('#deviceForm [data-role=error]').textContent", Duration::from_secs(5))
        .await;
    assert!(error.as_str().unwrap().contains("Thiết bị đã bị thu hồi"), "{error}");
    page.click("#deviceForm button[value=cancel]").await;
    page.wait_for(
        "the kiosk shown revoked",
        &format!("{}.includes('Đã thu hồi')", row_text(&kiosk_row)),
        Duration::from_secs(5),
    )
    .await;

    // ---- revoke, after a confirmation: the device is cut off at once ----
    page.click(&format!("[data-revoke-device='{id}']")).await;
    page.wait_for("the confirmation", "document.querySelector('#confirmDlg').open", Duration::from_secs(5)).await;
    let question = page.text("#confirmText").await;
    assert!(question.contains("Máy đánh giá quầy 2") && question.contains("Thu hồi"), "{question}");
    // Cancel first: nothing happens.
    page.click("#confirmForm button[value=cancel]").await;
    page.wait_for("the confirmation closed", "!document.querySelector('#confirmDlg').open", Duration::from_secs(5))
        .await;
    assert_eq!(get(&server, &terminal, "/api/v1/me").await.0, 200, "cancelled: still enrolled");
    page.click(&format!("[data-revoke-device='{id}']")).await;
    page.wait_for("the confirmation", "document.querySelector('#confirmDlg').open", Duration::from_secs(5)).await;
    page.click("#confirmOk").await;
    page.wait_for(
        "the device shown revoked",
        &format!("{}.includes('Đã thu hồi')", row_text(&row)),
        Duration::from_secs(5),
    )
    .await;
    assert!(!page.visible(&format!("[data-revoke-device='{id}']")).await, "no action on a revoked device");
    assert_eq!(get(&server, &terminal, "/api/v1/me").await.0, 401, "the revoked token is refused");

    // ---- staff: disable an officer; no button for the signed-in admin ----
    page.click("[data-tab=staff]").await;
    page.wait_for(
        "the staff list",
        "document.querySelector(\"[data-disable-staff='canbo3']\")",
        Duration::from_secs(5),
    )
    .await;
    assert!(!page.visible("[data-disable-staff='admin']").await, "one cannot disable oneself");
    page.click("[data-disable-staff='canbo3']").await;
    page.wait_for("the confirmation", "document.querySelector('#confirmDlg').open", Duration::from_secs(5)).await;
    assert!(page.text("#confirmText").await.contains("canbo3"));
    page.click("#confirmOk").await;
    page.wait_for(
        "canbo3 shown disabled",
        &format!("{}.includes('Đã khoá')", row_text("#staffList tr[data-staff='canbo3']")),
        Duration::from_secs(5),
    )
    .await;
    assert!(!page.visible("[data-disable-staff='canbo3']").await);
    let r = client()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": "canbo3", "password": "motcua-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a disabled account cannot log in");

    // ---- five wrong passwords for one username: a lockout in the security section ----
    let before = time_now_s();
    let mut last = 0;
    for _ in 0..5 {
        let r = client()
            .post(server.url("/api/v1/auth/login"))
            .json(&json!({"username": "canbo2", "password": "sai-mat-khau"}))
            .send()
            .await
            .unwrap();
        last = r.status().as_u16();
    }
    assert_eq!(last, 429, "locked after 5 wrong passwords");
    page.click("[data-tab=security]").await;
    let text = page
        .wait_for("the lockout listed", "document.querySelector('#lockoutList').textContent.includes('canbo2') && document.querySelector('#lockoutList').textContent", Duration::from_secs(5))
        .await;
    let text = text.as_str().unwrap().to_owned();
    assert!(page.text("#lockoutSection h2").await.contains("Cảnh báo đăng nhập"));
    assert!(text.contains("127.0.0.1") && text.contains("đang khoá"), "{text:?}");
    // The time as dd/MM/yyyy HH:mm in office time (UTC+7 in the demo).
    let cells = page
        .js("return Array.from(document.querySelectorAll('#lockoutList tr[data-lockout] td')).map((td) => td.textContent)", json!([]))
        .await;
    let cells: Vec<String> = serde_json::from_value(cells).unwrap();
    assert_eq!(cells.len(), 5, "{cells:?}");
    let at = &cells[0];
    let re_ok = at.len() == 16 && at.as_bytes()[2] == b'/' && at.as_bytes()[5] == b'/' && at.as_bytes()[13] == b':';
    assert!(re_ok, "dd/MM/yyyy HH:mm: {at:?}");
    let office = office_minute(before + 7 * 3600);
    let office_after = office_minute(time_now_s() + 7 * 3600);
    assert!(at == &office || at == &office_after, "office time {at:?}, expected {office:?}");
    assert_eq!(cells[1], "canbo2");
    assert_eq!(cells[3], "5");

    // ---- the same in English ----
    page.click(".langswitch").await;
    assert_eq!(page.text("#lockoutSection h2").await, "Login lockouts");
    assert!(page.text("#lockoutList").await.contains("locked now"));
    page.click("[data-tab=devices]").await;
    let text = page.text(&row).await;
    assert!(text.contains("Rating terminal") && text.contains("Revoked") && text.contains("Counter 2"), "{text:?}");
    assert!(text.contains(" ago"), "{text:?}");
    page.click("[data-tab=staff]").await;
    assert!(page.text("#staffList tr[data-staff='canbo3']").await.contains("Disabled"));
    assert!(page.text("#staffList tr[data-staff='canbo1']").await.contains("Disable"));

    page.quit().await;
}

fn time_now_s() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// dd/MM/yyyy HH:mm of a Unix time already shifted to the office's offset.
fn office_minute(t: i64) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{d:02}/{m:02}/{y} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

/// Opening hours are written with weekday names: a Vietnamese admin's "2-6" (Thứ 2–Thứ 6) would be
/// Tuesday–Saturday in ISO numbers, so bare numbers are refused and names in either language are read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_writes_opening_hours_with_vietnamese_weekday_names() {
    let dir = temp_dir("web-e2e-hours");
    let server = Server::demo(&dir);
    let driver = Driver::start();
    driver.wait_ready().await;
    let admin = login(&server, "admin").await;
    let page = driver.session(1920, 1080).await;
    admin_login(&page, &server).await;
    page.click("[data-tab=settings]").await;
    let hours = "#settingsForm [name=hours]";
    let error_text = "!document.querySelector('#settingsForm [data-role=error]').classList.contains('hidden') \
                      && document.querySelector('#settingsForm [data-role=error]').textContent";

    // Bare numbers: refused with a reason, nothing recorded.
    let seq_before = last_seq(&server).await;
    page.clear(hours).await;
    page.keys(hours, "2-6 07:30-11:30").await;
    page.click("#settingsForm button[type=submit]").await;
    let error = page.wait_for("the weekday error", error_text, Duration::from_secs(5)).await;
    assert!(error.as_str().unwrap().contains("T2-T6 là Thứ Hai đến Thứ Sáu"), "{error}");
    assert_eq!(last_seq(&server).await, seq_before, "a refused form records nothing");

    // Vietnamese names, spelt out or short, with an en dash; and English names.
    page.clear(hours).await;
    page.keys(hours, "Thứ Hai – Thứ Sáu 07:30-11:30\nT2-T6 13:00-17:00\nT7 07:30-11:30\nsat,sun 18:00-19:00").await;
    page.click("#settingsForm button[type=submit]").await;
    page.wait_for(
        "settings saved",
        "!document.querySelector('#settingsForm [data-role=ok]').classList.contains('hidden')",
        Duration::from_secs(5),
    )
    .await;
    let (status, settings) = get(&server, &admin, "/api/v1/admin/settings").await;
    assert_eq!(status, 200);
    let saved: Vec<(Value, String, String)> = settings["opening_hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["weekdays"].clone(), i["open"].as_str().unwrap().into(), i["close"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        saved,
        vec![
            (json!([1, 2, 3, 4, 5]), "07:30".into(), "11:30".into()),
            (json!([1, 2, 3, 4, 5]), "13:00".into(), "17:00".into()),
            (json!([6]), "07:30".into(), "11:30".into()),
            (json!([6, 7]), "18:00".into(), "19:00".into()),
        ]
    );
    // Shown back with Vietnamese names.
    page.goto(&server.url("/admin?lang=vi")).await;
    page.wait_for("the dashboard", "document.querySelectorAll('#kpis .kpi').length > 0", Duration::from_secs(10)).await;
    page.click("[data-tab=settings]").await;
    let shown = page.js("return document.querySelector(arguments[0]).value", json!([hours])).await;
    assert_eq!(shown, json!("T2-T6 07:30-11:30\nT2-T6 13:00-17:00\nT7 07:30-11:30\nT7,CN 18:00-19:00"));

    // The holiday calendar: a year's statutory days added with one button, a working day in lieu typed
    // in; an impossible date refused.
    let calendar = "#settingsForm [name=calendar]";
    page.clear("#settingsForm [name=statutory_year]").await;
    page.keys("#settingsForm [name=statutory_year]", "2030").await;
    page.click("#statutoryBtn").await;
    let added = page
        .wait_for(
            "the statutory days",
            "!document.querySelector('#settingsForm [data-role=ok]').classList.contains('hidden') \
             && document.querySelector('#settingsForm [data-role=ok]').textContent",
            Duration::from_secs(5),
        )
        .await;
    assert!(added.as_str().unwrap().contains("năm 2030"), "{added}");
    page.keys(calendar, "\n31/02/2030 Ngày không có").await;
    page.click("#settingsForm button[type=submit]").await;
    let error = page.wait_for("the calendar error", error_text, Duration::from_secs(5)).await;
    assert!(error.as_str().unwrap().contains("31/02/2030"), "{error}");
    let text = page.js("return document.querySelector(arguments[0]).value", json!([calendar])).await;
    let fixed = text.as_str().unwrap().replace("31/02/2030 Ngày không có", "09/02/2030 làm bù T2: Làm bù Tết");
    page.js("document.querySelector(arguments[0]).value = arguments[1]", json!([calendar, fixed])).await;
    page.click("#settingsForm button[type=submit]").await;
    page.wait_for(
        "settings saved",
        "!document.querySelector('#settingsForm [data-role=ok]').classList.contains('hidden') \
         && document.querySelector('#settingsForm [data-role=ok]').textContent.includes('nhật ký')",
        Duration::from_secs(5),
    )
    .await;
    let (_, settings) = get(&server, &admin, "/api/v1/admin/settings").await;
    let (_, statutory) = get(&server, &admin, "/api/v1/admin/calendar/statutory?year=2030").await;
    let saved_2030: Vec<&Value> = settings["calendar"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["date"].as_str().unwrap().starts_with("2030-"))
        .collect();
    for day in statutory.as_array().unwrap() {
        assert!(saved_2030.contains(&day), "{day} was not saved as offered (English name kept too)");
    }
    let working = saved_2030.iter().find(|d| d["date"] == "2030-02-09").unwrap();
    assert_eq!((&working["type"], &working["hours_of"]), (&json!("working_day"), &json!(1)));
    page.quit().await;
}
