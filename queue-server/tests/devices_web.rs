//! Counter hardware on the admin page in a real headless Chromium: a bus whose adapter is missing is
//! an alert on the dashboard and "Mất kết nối" with the system's reason on the Thiết bị tab; once
//! the adapter appears the page shows it connected and what each LED display shows, without a reload.
//! With `MOTCUA_SCREENSHOTS_DIR` set it writes docs/screenshots/admin-hardware-1366x768.png.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::path::PathBuf;
use std::time::Duration;

use browser::*;
use common::*;
use counter_devices::sim::{Board, BusSim};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_reports_a_missing_bus_and_its_return() {
    let shots = std::env::var_os("MOTCUA_SCREENSHOTS_DIR").map(PathBuf::from);
    let dir = temp_dir("devices-web");
    let link = dir.with_extension("ttyBUS");
    let config = format!(
        "[[devices.buses]]\nname = \"quay-1-2\"\nport = \"{}\"\nprotocol = \"ascii\"\n\
         displays = [{{ address = 1, counter = 1 }}, {{ address = 2, counter = 2 }}]\n\
         keypads = [{{ address = 11, counter = 1 }}]\n",
        link.display()
    );
    let server = Server::demo_with_config(&dir, &config);
    let driver = Driver::start();
    driver.wait_ready().await;
    let page = driver.session(1366, 768).await;
    page.admin_login(&server.url("/admin?lang=vi"), "admin").await;
    page.wait_for(
        "the alert",
        "!document.querySelector('#hwAlert').classList.contains('hidden')",
        Duration::from_secs(10),
    )
    .await;
    let alert = page.text("#hwAlert").await;
    assert!(alert.contains("Mất kết nối thiết bị quầy: quay-1-2"), "{alert}");
    page.click("[data-tab=devices]").await;
    page.wait_for("the bus", "!!document.querySelector('#hardwareList tr[data-bus]')", Duration::from_secs(10)).await;
    let text = page.text("#hardwareList").await;
    assert!(text.contains("Mất kết nối") && text.contains("cannot open serial port"), "{text}");
    assert!(text.contains("Bảng số LED · Địa chỉ 1") && text.contains("Bàn phím gọi số · Địa chỉ 11"), "{text}");

    // The adapter appears; a number is called; the page follows by itself.
    let sim = BusSim::start(
        counter_devices::ProtocolKind::Ascii,
        &[(1, Board::Display), (2, Board::Display), (11, Board::Keypad)],
    )
    .unwrap();
    std::os::unix::fs::symlink(sim.path(), &link).unwrap();
    let kiosk = device(&server, "ticket-kiosk", None).await;
    let (_, ticket) = post(&server, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    let number = ticket["number"].as_str().unwrap().to_string();
    let officer = login(&server, "canbo1").await;
    assert_eq!(post(&server, &officer, "/api/v1/counters/1/call-next", json!({})).await.0, 200);
    page.wait_for(
        "the bus connected",
        &format!(
            "document.querySelector('#hardwareList').textContent.includes('Đã kết nối') && \
             document.querySelector('#hardwareList').textContent.includes('Đang hiện: {number}')"
        ),
        Duration::from_secs(60),
    )
    .await;
    assert!(!page.visible("#hwAlert").await, "the dashboard alert is gone");
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).unwrap();
        page.screenshot(&dir.join("admin-hardware-1366x768.png")).await;
    }
    page.click(".langswitch").await;
    page.wait_for(
        "English",
        "document.querySelector('#hardwareList').textContent.includes('Connected')",
        Duration::from_secs(5),
    )
    .await;
    assert!(page.text("#hardwareList").await.contains("LED display · Address 1"));
    page.quit().await;
}
