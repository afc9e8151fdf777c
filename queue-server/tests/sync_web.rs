//! The office's link to the city on the admin page in a real headless Chromium: not enrolled is said
//! plainly; enrolled with a central that cannot be reached for longer than `[sync] alarm_after_min`,
//! the dashboard raises the alarm with the backlog and the error, in Vietnamese and English. Officers
//! may not read it. With `MOTCUA_SCREENSHOTS_DIR` set it writes docs/screenshots/admin-sync-alarm-1366x768.png.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::time::Duration;

use browser::*;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_says_how_far_behind_the_city_the_office_is() {
    let dir = temp_dir("sync-web");
    let server = Server::demo(&dir);
    let admin = login(&server, "admin").await;
    let (status, view) = get(&server, &admin, "/api/v1/sync").await;
    assert_eq!((status, &view["enrolled"]), (200, &serde_json::json!(false)));
    let officer = login(&server, "canbo1").await;
    assert_eq!(get(&server, &officer, "/api/v1/sync").await.0, 403);

    let driver = Driver::start();
    driver.wait_ready().await;
    let page = driver.session(1366, 768).await;
    page.admin_login(&server.url("/admin?lang=vi"), "admin").await;
    page.wait_for(
        "the sync state",
        "document.querySelector('#syncState').textContent.includes('chưa đăng ký')",
        Duration::from_secs(10),
    )
    .await;
    assert!(!page.visible("#syncAlert").await);

    // Enrolled two hours ago with a central nobody answers at (what `sync enrol` leaves behind).
    use std::os::unix::fs::OpenOptionsExt;
    let private = |name: &str, bytes: &[u8]| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(dir.join(name))
            .unwrap();
        f.write_all(bytes).unwrap();
    };
    private("sync-key", &[7u8; 32]);
    let enrolled_at = (time::OffsetDateTime::now_utc() - time::Duration::hours(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let state = serde_json::json!({
        "central": "http://127.0.0.1:9", "office_id": uuid::Uuid::new_v4(), "acked_seq": 0,
        "last_error": null, "last_ack_at": null, "enrolled_at": enrolled_at,
    });
    private("sync.json", state.to_string().as_bytes());
    page.wait_for(
        "the alarm",
        "!document.querySelector('#syncAlert').classList.contains('hidden')",
        Duration::from_secs(30),
    )
    .await;
    let alarm = page.text("#syncAlert").await;
    assert!(alarm.contains("Chưa đồng bộ được với máy chủ trung tâm thành phố"), "{alarm}");
    page.wait_for(
        "the error",
        "document.querySelector('#syncState').textContent.includes('unreachable')",
        Duration::from_secs(20),
    )
    .await;
    let text = page.text("#syncState").await;
    assert!(text.contains("sự kiện chưa gửi") && text.contains("Trung tâm chưa nhận gói nào"), "{text}");
    if let Some(shots) = std::env::var_os("MOTCUA_SCREENSHOTS_DIR").map(std::path::PathBuf::from) {
        std::fs::create_dir_all(&shots).unwrap();
        page.screenshot(&shots.join("admin-sync-alarm-1366x768.png")).await;
    }
    let (_, view) = get(&server, &admin, "/api/v1/sync").await;
    assert_eq!(view["alarm"], true);
    assert!(view["backlog"].as_u64().unwrap() > 0);
    page.click(".langswitch").await;
    page.wait_for(
        "English",
        "document.querySelector('#syncAlert').textContent.includes('Not synced')",
        Duration::from_secs(5),
    )
    .await;
    assert!(page.text("#syncState").await.contains("events not sent yet"));
    page.quit().await;
}
