//! Office time on the device comes from the server: the `/healthz` answer's UTC offset replaces the
//! UTC+7 the device starts with, is kept in the store, and an offline start uses the kept one. (Its own
//! test binary: the office offset is one value per process.)

use std::io::{Read, Write};

use kiosk_app::client::Client;
use kiosk_app::core::{office_date, office_date_time, office_offset, set_office_offset, Core, OfflineSettings};
use kiosk_app::store::Store;

/// A server whose `/healthz` says its office is at UTC+9 (and which refuses everything else).
fn server_at_utc_plus_9() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]);
            let (status, body) = if head.starts_with("GET /healthz") {
                (
                    "200 OK",
                    r#"{"status":"ok","office":"UBND Phường 1","last_seq":0,"version":"t","utc_offset_s":32400}"#,
                )
            } else {
                ("503 Service Unavailable", r#"{"error":{"code":"unavailable","message":{"vi":"x","en":"x"}}}"#)
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

#[test]
fn the_office_offset_is_the_servers_and_survives_an_offline_start() {
    let dir = std::env::temp_dir().join(format!("kiosk-office-time-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("kiosk.sqlite");
    let offline = || OfflineSettings { lease_size: 10, lease_low_water: 2 };
    let at = time::macros::datetime!(2026-03-10 16:30 UTC);

    let client = Client::new(&server_at_utc_plus_9(), std::time::Duration::from_secs(2)).with_token("t");
    let mut core = Core::new(client, Store::open(&db).unwrap(), offline());
    assert_eq!(office_offset().whole_hours(), 7, "UTC+7 until the server has answered");
    assert_eq!(office_date_time(at), "10/03/2026 23:30");
    let _ = core.background_pass(None);
    assert_eq!(office_offset().whole_hours(), 9, "the server's offset");
    assert_eq!(office_date_time(at), "11/03/2026 01:30", "dd/MM/yyyy HH:mm in the office's time");
    assert_eq!(office_date(at), "11/03/2026");
    drop(core);

    // Restarted without a server: the offset kept in the store, not UTC+7.
    set_office_offset(kiosk_app::core::DEFAULT_OFFSET_S);
    let nowhere = Client::new("http://127.0.0.1:9", std::time::Duration::from_millis(200)).with_token("t");
    let _core = Core::new(nowhere, Store::open(&db).unwrap(), offline());
    assert_eq!(office_offset().whole_hours(), 9, "kept for an offline start");
    std::fs::remove_dir_all(&dir).ok();
}
