//! The receipt and appointment over real HTTP, printed on a virtual network printer on loopback that
//! is the counter's receipt printer: the QR read back by zbarimg is the lookup URL with the link's
//! token, the CODE128 is the code, tesseract reads the Vietnamese title; the appointment skips a
//! holiday the office configured; the citizen's name is nowhere in the office's files; a device, a
//! wrong token, a counter without a printer and a printer out of paper are refused with nothing
//! printed and nothing logged.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;
use domain::event::EventKind;
use printer::virtual_printer::{Config, VirtualPrinter};
use printer::PrinterState;
use serde_json::{json, Value};
use time::{Date, OffsetDateTime, UtcOffset, Weekday};

const LOOKUP: &str = "https://dichvucong.example.vn/tra-cuu";
/// 3 working days, taken by `ho-tich` (demo catalogue).
const PROCEDURE: &str = "1.004873.000.00.00.H29";
const CITIZEN: &str = "Lê Thị Xuân Quỳnh";

fn zbar(png: &Path, symbology: &str) -> Option<String> {
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sbinary", "-Sdisable"])
        .arg(format!("-S{symbology}.enable"))
        .arg(png)
        .output()
        .expect("zbarimg (scripts/setup.d/printer.sh installs zbar-tools)");
    (!out.stdout.is_empty()).then(|| String::from_utf8(out.stdout).unwrap())
}

fn tesseract_vie(png: &Path) -> String {
    let out = Command::new("tesseract")
        .arg(png)
        .arg("stdout")
        .args(["-l", "vie", "--psm", "6"])
        .output()
        .expect("tesseract (scripts/setup.d/printer.sh installs tesseract-ocr-vie)");
    assert!(out.status.success(), "tesseract: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Working days as the one-stop rules count them, written out here independently of the engine.
fn working(calendar: &[Value], d: Date) -> bool {
    match calendar.iter().find(|c| c["date"] == d.to_string()).map(|c| c["type"].as_str().unwrap().to_owned()) {
        Some(kind) => kind == "working_day",
        None => !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
    }
}

fn add_working(calendar: &[Value], from: Date, n: u32) -> Date {
    let mut d = from;
    while !working(calendar, d) {
        d = d.next_day().unwrap();
    }
    for _ in 0..n {
        d = d.next_day().unwrap();
        while !working(calendar, d) {
            d = d.next_day().unwrap();
        }
    }
    d
}

fn receipts_in(s: &Server) -> Vec<EventKind> {
    let db = queue_server::store::open_read_only(&s.dir).unwrap();
    queue_server::store::events_after(&db, 0, usize::MAX >> 1)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .filter(|k| matches!(k, EventKind::ReceiptIssued { .. }))
        .collect()
}

/// Every file under `dir` that holds `needle`.
fn files_holding(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

/// A ticket of `ho-tich` for the procedure, called to `counter` by `officer`, with a dossier linked:
/// the link's rating token.
async fn linked(s: &Server, kiosk: &str, officer: &str, counter: u16, code: &str) -> String {
    let (st, t) = post(s, kiosk, "/api/v1/tickets", json!({"service": "ho-tich", "procedure": PROCEDURE})).await;
    assert_eq!(st, 201, "{t}");
    let path = format!("/api/v1/counters/{counter}/call");
    let (st, v) = post(s, officer, &path, json!({"ticket": t["id"]})).await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = post(s, officer, &format!("/api/v1/counters/{counter}/link-dossier"), json!({"code": code})).await;
    assert_eq!(st, 200, "{v}");
    v["rating_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_linked_dossier_gets_its_receipt_on_the_counters_printer() {
    let dir = temp_dir("receipt");
    let s = Server::demo(&dir);
    let admin = login(&s, "admin").await;
    let officer = login(&s, "canbo1").await;
    let officer2 = login(&s, "canbo2").await;
    let kiosk = device(&s, "ticket-kiosk", None).await;
    let printed_dir = temp_dir("receipt-printer");
    let vp = VirtualPrinter::start(Config { out_dir: Some(printed_dir.clone()), ..Config::default() }).unwrap();

    // A holiday on the next working day, and the public lookup page.
    let (_, mut settings) = get(&s, &admin, "/api/v1/admin/settings").await;
    let offset = UtcOffset::from_whole_seconds(settings["utc_offset_s"].as_i64().unwrap() as i32).unwrap();
    let today = OffsetDateTime::now_utc().to_offset(offset).date();
    let calendar: Vec<Value> = settings["calendar"].as_array().unwrap().clone();
    let start = add_working(&calendar, today, 0);
    let holiday = add_working(&calendar, start, 1);
    let without_holiday = add_working(&calendar, today, 3);
    let mut calendar = calendar;
    calendar.push(
        json!({"date": holiday.to_string(), "type": "holiday", "name": {"vi": "Nghỉ thử", "en": "Test day off"}}),
    );
    let expected = add_working(&calendar, today, 3);
    assert!(expected > without_holiday && holiday > today && holiday <= expected, "{today} {holiday} {expected}");
    settings["calendar"] = json!(calendar);
    settings["lookup_base_url"] = json!(LOOKUP);
    let (st, v) = put(&s, &admin, "/api/v1/admin/settings", settings).await;
    assert_eq!(st, 200, "{v}");

    // Counter 1 prints on the virtual printer; counter 2 has none.
    let (_, counters) = get(&s, &admin, "/api/v1/admin/counters").await;
    let mut c1 = counters.as_array().unwrap().iter().find(|c| c["id"] == 1).unwrap().clone();
    c1["receipt_printer"] = json!({"target": vp.url(), "profile": "epson-tm-t20"});
    let (st, v) = put(&s, &admin, "/api/v1/admin/counters/1", c1.clone()).await;
    assert_eq!(st, 200, "{v}");
    c1["receipt_printer"] = json!({"target": "http://x:9100", "profile": "epson-tm-t20"});
    let (st, v) = put(&s, &admin, "/api/v1/admin/counters/1", c1).await;
    assert_eq!((st, v["code"].as_str()), (422, Some("invalid")), "{v}");

    let code = "000.00.01.H29-261203-0999";
    let token = linked(&s, &kiosk, &officer, 1, code).await;
    let body = |token: &str| {
        json!({"code": code, "rating_token": token, "citizen_name": CITIZEN,
        "bring_back": "Bản chính Giấy khai sinh\nẢnh 4x6"})
    };

    // Refusals print nothing and log nothing.
    let before = last_seq(&s).await;
    let (st, v) = post(&s, &kiosk, "/api/v1/counters/1/receipt", body(&token)).await;
    assert_eq!(st, 403, "a device may not print receipts: {v}");
    let wrong = "0123456789abcdef0123456789abcdef";
    let (st, v) = post(&s, &officer, "/api/v1/counters/1/receipt", body(wrong)).await;
    assert_eq!((st, v["code"].as_str()), (403, Some("receipt_token_mismatch")), "{v}");
    let (st, v) = post(&s, &officer2, "/api/v1/counters/1/receipt", body(&token)).await;
    assert_eq!(st, 403, "another counter's officer: {v}");
    let other = "000.00.01.H29-261203-1001";
    let (st, v) = post(
        &s,
        &officer,
        "/api/v1/counters/1/receipt",
        json!({"code": other, "rating_token": token,
        "citizen_name": CITIZEN}),
    )
    .await;
    assert_eq!((st, v["code"].as_str()), (404, Some("dossier_not_linked")), "{v}");
    assert_eq!(last_seq(&s).await, before, "refused receipts log nothing");
    std::thread::sleep(Duration::from_millis(1200));
    assert!(vp.jobs().iter().all(|j| j.info.text_lines.is_empty() && j.info.raster_images == 0), "nothing printed");

    // A counter without a printer says so.
    let code2 = "000.00.01.H29-261203-1002";
    let token2 = linked(&s, &kiosk, &officer2, 2, code2).await;
    let (st, v) = post(
        &s,
        &officer2,
        "/api/v1/counters/2/receipt",
        json!({"code": code2, "rating_token": token2,
        "citizen_name": CITIZEN}),
    )
    .await;
    assert_eq!((st, v["code"].as_str()), (409, Some("no_receipt_printer")), "{v}");
    assert!(v["message"]["vi"].as_str().unwrap().contains("máy in"), "{v}");

    // The date the counter page shows before printing: the ticket's procedure, or one named.
    let (st, v) = get(&s, &officer, "/api/v1/counters/1/appointment").await;
    assert_eq!((st, v["procedure"].as_str()), (200, Some(PROCEDURE)), "{v}");
    assert_eq!(v["appointment"]["date"], expected.to_string(), "{v}");
    assert_eq!(v["time_limit"]["vi"], "03 ngày làm việc", "{v}");
    let (st, v) = get(&s, &officer, &format!("/api/v1/counters/1/appointment?procedure={PROCEDURE}")).await;
    assert_eq!((st, v["appointment"]["date"].as_str()), (200, Some(expected.to_string().as_str())), "{v}");
    let (st, _) = get(&s, &kiosk, "/api/v1/counters/1/appointment").await;
    assert_eq!(st, 403);

    // Printed.
    let (st, v) = post(&s, &officer, "/api/v1/counters/1/receipt", body(&token)).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["appointment"]["date"], expected.to_string(), "3 working days, the holiday skipped: {v}");
    assert_eq!(v["printer"], "ready");
    assert_eq!(v["procedure"], PROCEDURE);
    let jobs = vp.wait_jobs(1, Duration::from_secs(15));
    let job = jobs.iter().rev().find(|j| j.info.raster_images > 0).expect("the receipt was printed");
    let png = job.png.as_ref().expect("PNG rendered");
    assert_eq!(zbar(png, "qrcode").as_deref(), Some(format!("{LOOKUP}?maHoSo={code}&r={token}").as_str()));
    assert_eq!(zbar(png, "code128").as_deref(), Some(code));
    let ocr = tesseract_vie(png);
    let appointment_line =
        format!("Hẹn trả kết quả: {:02}/{:02}/{}", expected.day(), u8::from(expected.month()), expected.year());
    // The demo's governing agency heads the receipt (its `parent_agency` setting).
    for line in ["UBND PHƯỜNG BẾN THÀNH", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", appointment_line.as_str()]
    {
        let best = ocr.lines().map(|o| strsim::levenshtein(line, o.trim())).min().unwrap();
        assert!(best * 10 <= line.chars().count(), "{line:?} not read (distance {best}):\n{ocr}");
    }

    // The event: what was received when, due when, by whom — and no citizen name anywhere.
    let receipts = receipts_in(&s);
    assert_eq!(receipts.len(), 1);
    let EventKind::ReceiptIssued { code: c, counter, officer: by, procedure, appointment, .. } = &receipts[0] else {
        unreachable!()
    };
    assert_eq!((c.as_str(), *counter, by.as_deref(), procedure.as_str()), (code, 1, Some("canbo1"), PROCEDURE));
    assert_eq!(appointment.date, expected);
    assert_eq!(files_holding(&dir, CITIZEN.as_bytes()), Vec::<String>::new(), "the name is in no office file");
    assert_eq!(files_holding(&dir, "Xuân Quỳnh".as_bytes()), Vec::<String>::new());

    // Out of paper: refused with its state, nothing sent, nothing logged.
    let jobs_before = vp.jobs().len();
    let before = last_seq(&s).await;
    vp.set_state(PrinterState::PaperOut);
    let (st, v) = post(&s, &officer, "/api/v1/counters/1/receipt", body(&token)).await;
    assert_eq!((st, v["code"].as_str()), (503, Some("printer_not_ready")), "{v}");
    assert!(v["message"]["vi"].as_str().unwrap().contains("hết giấy"), "{v}");
    assert_eq!(last_seq(&s).await, before);
    std::thread::sleep(Duration::from_millis(1200));
    assert!(vp.jobs()[jobs_before..].iter().all(|j| j.info.raster_images == 0), "nothing printed");
}
