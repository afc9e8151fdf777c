//! The follow page (`/t/{token}`) on a phone in real headless Chromium (360 × 740 CSS px, mobile
//! emulation): the number, people ahead and wait in Vietnamese; the call arrives live with its counter
//! and changes the page's title; English on a tap; nothing wider than the screen; an expired or made-up
//! link says so in words. With `MOTCUA_SCREENSHOTS_DIR` set it writes docs/screenshots/follow-*.png.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use browser::*;
use common::*;
use serde_json::json;

async fn no_horizontal_scroll(page: &Browser, what: &str) {
    let width = page.js("return document.documentElement.scrollWidth;", json!([])).await;
    assert!(width.as_u64().unwrap() <= 360, "{what}: the page is {width} px wide on a 360 px phone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_follows_the_queue_on_a_phone() {
    let shots = std::env::var_os("MOTCUA_SCREENSHOTS_DIR").map(PathBuf::from);
    let dir = temp_dir("follow-web");
    let server = Server::demo(&dir);
    let kiosk = device(&server, "ticket-kiosk", None).await;
    let (_, first) = post(&server, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    let (status, mine) = post(&server, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    assert_eq!(status, 201, "{mine}");
    let number = mine["number"].as_str().unwrap().to_owned();
    let url = server.url(mine["follow_url"].as_str().unwrap());

    let driver = Driver::start();
    driver.wait_ready().await;
    let page = driver.session(360, 740).await;
    page.phone(360, 740).await;
    page.goto(&format!("{url}?lang=vi")).await;
    page.wait_for(
        "the number",
        &format!("document.querySelector('#num').textContent === '{number}'"),
        Duration::from_secs(10),
    )
    .await;
    page.wait_for(
        "the live stream",
        "document.querySelector('#foot').textContent.startsWith('Tự động cập nhật')",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(page.text("#ahead").await, "1 người");
    assert!(page.text("#wait").await.starts_with("khoảng "), "{}", page.text("#wait").await);
    assert_eq!(page.text("#office").await, "UBND Phường Bến Thành – Bộ phận Một cửa");
    assert!(!page.visible("#counterRow").await, "no counter before the call");
    no_horizontal_scroll(&page, "waiting").await;
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).unwrap();
        page.screenshot(&dir.join("follow-waiting-360x740.png")).await;
    }

    // The officer calls the one ahead, finishes, then calls this one: the page follows within a second.
    let officer = login(&server, "canbo1").await;
    let (_, called) = post(&server, &officer, "/api/v1/counters/1/call-next", json!({})).await;
    assert_eq!(called["number"], first["number"]);
    page.wait_for("nobody ahead", "document.querySelector('#ahead').textContent === '0 người'", Duration::from_secs(5))
        .await;
    post(&server, &officer, "/api/v1/counters/1/start", json!({})).await;
    post(&server, &officer, "/api/v1/counters/1/finish", json!({"outcome": "completed"})).await;
    let clicked = Instant::now();
    let (_, called) = post(&server, &officer, "/api/v1/counters/1/call-next", json!({})).await;
    assert_eq!(called["number"], number);
    page.wait_for("the call", "document.querySelector('#card').dataset.status === 'called'", Duration::from_secs(5))
        .await;
    let shown_after = clicked.elapsed();
    assert_eq!(page.text("#headline").await, "Mời quý khách đến quầy số 1.");
    assert_eq!(page.text("#counter").await, "Quầy số 1");
    let title = page.js("return document.title;", json!([])).await;
    assert_eq!(title, json!(format!("Đến lượt! {number} – quầy số 1")));
    no_horizontal_scroll(&page, "called").await;
    if let Some(dir) = &shots {
        page.screenshot(&dir.join("follow-called-360x740.png")).await;
    }
    println!("call shown on the phone {shown_after:?} after the officer's request");

    page.click(".langswitch").await;
    assert_eq!(page.text("#headline").await, "Please go to counter 1 now.");
    assert_eq!(page.text(".fl-lbl").await, "Your number");
    assert_eq!(page.text("#counter").await, "Counter 1");
    page.click(".langswitch").await;

    // A made-up link: words, not a blank page.
    page.goto(&server.url("/t/0123456789abcdef0123456789abcdef0123456789abcdef0123")).await;
    page.wait_for(
        "the refusal",
        "!document.querySelector('#err').classList.contains('hidden')",
        Duration::from_secs(10),
    )
    .await;
    assert!(page.text("#err").await.contains("Không tìm thấy số thứ tự này"), "{}", page.text("#err").await);
    assert!(!page.visible("#card").await);
    no_horizontal_scroll(&page, "refusal").await;
    page.quit().await;
}
