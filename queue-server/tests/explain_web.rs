//! "Why not yet?" on the counter and admin pages in a real headless Chromium: an officer types a
//! waiting citizen's number and reads which numbers went first and by which rule, in Vietnamese and
//! English; a supervisor asks the same on the admin dashboard; an unknown number is a clear error.
//! With `MOTCUA_SCREENSHOTS_DIR` set it writes docs/screenshots/counter-explain-*.png.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::path::PathBuf;
use std::time::Duration;

use browser::*;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_and_a_supervisor_see_why_a_number_waits() {
    let shots = std::env::var_os("MOTCUA_SCREENSHOTS_DIR").map(PathBuf::from);
    let dir = temp_dir("explain-web");
    let server = Server::demo(&dir);
    let driver = Driver::start();
    driver.wait_ready().await;
    let kiosk = device(&server, "ticket-kiosk", None).await;
    let mut numbers = Vec::new();
    for priority in ["none", "none", "elderly", "none"] {
        let (status, t) =
            post(&server, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich", "priority": priority})).await;
        assert_eq!(status, 201);
        numbers.push(t["number"].as_str().unwrap().to_owned());
    }
    let canbo2 = login(&server, "canbo2").await;
    for _ in 0..2 {
        // Counter 2 serves chứng thực first, then hộ tịch: the elderly citizen, then the first number.
        let (status, _) = post(&server, &canbo2, "/api/v1/counters/2/call-next", json!({})).await;
        assert_eq!(status, 200);
    }
    let asked = &numbers[1];

    let page = driver.session(1366, 768).await;
    page.goto(&server.url("/counter?lang=vi")).await;
    page.wait_for("the login form", "document.querySelector('#loginForm:not(.hidden)')", Duration::from_secs(10)).await;
    page.keys("#username", "canbo1").await;
    page.keys("#password", "motcua-demo").await;
    page.click("#loginBtn").await;
    page.wait_for("the desk", "document.querySelector('#desk:not(.hidden)')", Duration::from_secs(10)).await;
    page.keys("#explainInput", asked).await;
    page.click("#explainForm button[type=submit]").await;
    page.wait_for(
        "the explanation",
        "document.querySelectorAll('#explainResult tr').length === 2",
        Duration::from_secs(10),
    )
    .await;
    let text = page.text("#explainResult").await;
    assert!(text.contains("Ưu tiên (Người cao tuổi): cứ 2 số thường thì gọi 1 số ưu tiên"), "{text}");
    assert!(text.contains(&numbers[0]) && text.contains("trước bạn"), "{text}");
    assert!(text.contains("canbo2") && text.contains("Được gọi trước (2)"), "{text}");
    let rules =
        page.js("return [...document.querySelectorAll('#explainResult tr')].map(r => r.dataset.rule)", json!([])).await;
    assert_eq!(rules, json!(["priority_turn", "issued_earlier"]));
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).unwrap();
        page.screenshot(&dir.join("counter-explain-1366x768.png")).await;
    }
    // The language switch redraws the same answer in English.
    page.click(".langswitch").await;
    page.wait_for(
        "English",
        "document.querySelector('#explainResult').textContent.includes('Called first (2)')",
        Duration::from_secs(5),
    )
    .await;
    assert!(page.text("#explainResult").await.contains("Priority (Elderly person)"));
    // An unknown number: an error in the page's language, nothing else shown.
    page.clear("#explainInput").await;
    page.keys("#explainInput", "H999").await;
    page.click("#explainForm button[type=submit]").await;
    page.wait_for("the error", "!!document.querySelector('#explainResult .formerror')", Duration::from_secs(5)).await;
    assert!(page.text("#explainResult").await.contains("There is no ticket H999"));
    page.quit().await;

    // A supervisor (who may not edit settings) asks on the admin dashboard.
    let admin = driver.session(1366, 768).await;
    admin.admin_login(&server.url("/admin?lang=vi"), "giamsat").await;
    admin.keys("#explainInput", &numbers[3]).await;
    admin.click("#explainForm button[type=submit]").await;
    admin
        .wait_for(
            "the explanation",
            "document.querySelectorAll('#explainResult tr').length === 2",
            Duration::from_secs(10),
        )
        .await;
    let text = admin.text("#explainResult").await;
    assert!(text.contains("Hiện còn 1 người trước số này"), "{text}");
    admin.quit().await;
}
