//! Nothing lost, nothing doubled: concurrency, kill -9 under load, a full disk, backup and restore,
//! all against the real binary and real SQLite files.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::{json, Value};

const SERVICES: [&str; 4] = ["ho-tich", "chung-thuc", "dat-dai", "kinh-doanh"];

/// Every TicketIssued event in the log: (day, letter, number) must be unique.
fn issued_numbers(dir: &std::path::Path) -> Vec<(String, String, u64, String)> {
    let conn = rusqlite::Connection::open(dir.join("office.sqlite3")).unwrap();
    let mut stmt = conn.prepare("SELECT body FROM events WHERE type = 'ticket_issued' ORDER BY seq").unwrap();
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
    rows.map(|r| {
        let v: Value = serde_json::from_str(&r.unwrap()).unwrap();
        (
            v["day"].as_str().unwrap().to_owned(),
            v["service"].as_str().unwrap().to_owned(),
            v["number"].as_u64().unwrap(),
            v["ticket"].as_str().unwrap().to_owned(),
        )
    })
    .collect()
}

fn assert_unique(numbers: &[(String, String, u64, String)]) {
    let mut seen = HashSet::new();
    for (day, service, number, _) in numbers {
        assert!(seen.insert((day.clone(), service.clone(), *number)), "{service} {number} issued twice on {day}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_clients_two_thousand_tickets_numbers_unique_and_contiguous() {
    let dir = temp_dir("concurrency");
    let s = Server::demo(&dir);
    let kiosk = device(&s, "ticket-kiosk", None).await;
    let results = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for client_no in 0..50 {
        let url = s.url("/api/v1/tickets");
        let kiosk = kiosk.clone();
        let results = results.clone();
        tasks.push(tokio::spawn(async move {
            let c = client();
            for i in 0..40 {
                let service = SERVICES[(client_no + i) % SERVICES.len()];
                let r = c
                    .post(&url)
                    .bearer_auth(&kiosk)
                    .header("Idempotency-Key", format!("c{client_no}-{i}"))
                    .json(&json!({"service": service}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                let v: Value = r.json().await.unwrap();
                results
                    .lock()
                    .unwrap()
                    .push((v["service"].as_str().unwrap().to_owned(), v["number"].as_str().unwrap().to_owned()));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let results = results.lock().unwrap();
    assert_eq!(results.len(), 2000);
    let mut per_service: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (service, number) in results.iter() {
        per_service.entry(service).or_default().push(number[1..].parse().unwrap());
    }
    for (service, mut numbers) in per_service {
        numbers.sort_unstable();
        let expected: Vec<u32> = (1..=numbers.len() as u32).collect();
        assert_eq!(numbers, expected, "{service}: numbers not unique and contiguous");
    }
    assert_unique(&issued_numbers(&dir));
    drop(s);
    assert!(verify(&dir).contains("hash chain intact"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_nine_under_load_loses_no_acknowledged_ticket() {
    let dir = temp_dir("crash");
    let mut acked: HashMap<String, (String, String)> = HashMap::new(); // id -> (service, number)
    let mut unknown: Vec<(String, String)> = Vec::new(); // (idempotency key, service) whose reply never came
    let mut kiosk = None;
    for round in 0..5 {
        let mut s = Server::demo(&dir);
        let token = match &kiosk {
            Some(t) => t,
            None => kiosk.insert(device(&s, "ticket-kiosk", None).await),
        }
        .clone();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut tasks = Vec::new();
        for client_no in 0..20 {
            let url = s.url("/api/v1/tickets");
            let token = token.clone();
            let stop = stop.clone();
            tasks.push(tokio::spawn(async move {
                let c = client();
                let mut ok = Vec::new();
                let mut lost = Vec::new();
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let service = SERVICES[(client_no + i) % SERVICES.len()];
                    let key = format!("r{round}-c{client_no}-{i}");
                    i += 1;
                    match c
                        .post(&url)
                        .bearer_auth(&token)
                        .header("Idempotency-Key", &key)
                        .json(&json!({"service": service}))
                        .send()
                        .await
                    {
                        Ok(r) if r.status() == 201 => match r.json::<Value>().await {
                            Ok(v) => ok.push((
                                v["id"].as_str().unwrap().to_owned(),
                                v["service"].as_str().unwrap().to_owned(),
                                v["number"].as_str().unwrap().to_owned(),
                            )),
                            Err(_) => lost.push((key, service.to_owned())),
                        },
                        _ => {
                            lost.push((key, service.to_owned()));
                            break;
                        }
                    }
                }
                (ok, lost)
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(300 + 150 * round as u64)).await;
        s.kill9();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in tasks {
            let (ok, lost) = t.await.unwrap();
            for (id, service, number) in ok {
                acked.insert(id, (service, number));
            }
            unknown.extend(lost);
        }
    }
    assert!(acked.len() > 100, "load too light: {}", acked.len());
    let s = Server::demo(&dir);
    let token = kiosk.unwrap();
    for (id, (service, number)) in &acked {
        let (st, v) = get(&s, &token, &format!("/api/v1/tickets/{id}")).await;
        assert_eq!(st, 200, "acknowledged ticket {id} lost");
        assert_eq!(
            (v["service"].as_str().unwrap(), v["number"].as_str().unwrap()),
            (service.as_str(), number.as_str())
        );
    }
    // Retrying a request whose answer was lost never creates a second ticket for it.
    let before = issued_numbers(&dir).len();
    let mut retried_new = 0;
    for (key, service) in &unknown {
        let r = issue_keyed(&s, &token, key, service).await;
        if r.status() == 201 {
            retried_new += 1;
        } else {
            assert_eq!(r.status(), 200);
        }
        let again = issue_keyed(&s, &token, key, service).await;
        assert_eq!(again.status(), 200, "second retry must return the same ticket");
    }
    assert_eq!(issued_numbers(&dir).len(), before + retried_new);
    assert_unique(&issued_numbers(&dir));
    drop(s);
    assert!(verify(&dir).contains("hash chain intact"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_disk_refuses_cleanly_and_keeps_every_acknowledged_ticket() {
    let dir = temp_dir("diskfull");
    {
        let s = Server::demo(&dir);
        let _ = last_seq(&s).await;
    }
    let kiosk = {
        let s = Server::demo(&dir);
        device(&s, "ticket-kiosk", None).await
    };
    let pages: i64 = rusqlite::Connection::open(dir.join("office.sqlite3"))
        .unwrap()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    let limit = (pages + 12).to_string();
    let s = Server::demo_with_env(&dir, &[("QUEUE_SERVER_MAX_DB_PAGES", limit.as_str())]);
    let (acked, (status, body)) = issue_until_refused(&s, &kiosk, "ho-tich", 5000).await;
    assert_eq!(status, 503);
    assert_eq!(body["code"], "disk_full");
    assert!(body["message"]["vi"].as_str().unwrap().contains("dung lượng"));
    // Still full: further requests are refused and move nothing. Some may still fit (an event's id
    // goes into a random leaf of the id index, and some leaves have room), and those are acknowledged
    // like any other and must be there after the restart like the rest. It ends with refusals.
    let mut acked = acked;
    let mut refused_in_a_row = 0;
    for i in 0..500 {
        let seq = last_seq(&s).await;
        let r = issue_keyed(&s, &kiosk, &format!("again-{i}"), "ho-tich").await;
        match r.status().as_u16() {
            201 => {
                acked.push(r.json::<Value>().await.unwrap());
                refused_in_a_row = 0;
            }
            503 => {
                refused_in_a_row += 1;
                assert_eq!(last_seq(&s).await, seq, "a refused request moved the log");
                if refused_in_a_row == 5 {
                    break;
                }
            }
            other => panic!("disk full answered {other}"),
        }
    }
    assert_eq!(refused_in_a_row, 5, "a full disk went on taking tickets");
    let (_, services) = get(&s, &kiosk, "/api/v1/services").await;
    let waiting =
        services.as_array().unwrap().iter().find(|v| v["code"] == "ho-tich").unwrap()["waiting"].as_u64().unwrap();
    assert_eq!(waiting as usize, acked.len(), "no phantom ticket after a failed commit");
    drop(s);
    // With room again, everything acknowledged is there and numbering continues without a hole.
    let s = Server::demo(&dir);
    for t in &acked {
        let (st, v) = get(&s, &kiosk, &format!("/api/v1/tickets/{}", t["id"].as_str().unwrap())).await;
        assert_eq!((st, &v["number"]), (200, &t["number"]));
    }
    let (_, next) = post(&s, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    assert_eq!(next["number"].as_str().unwrap(), format!("A{:03}", acked.len() + 1));
    drop(s);
    verify(&dir);
}

#[tokio::test]
async fn backup_while_serving_and_restore() {
    let dir = temp_dir("backup");
    let s = Server::demo(&dir);
    let kiosk = device(&s, "ticket-kiosk", None).await;
    let (_, t) = post(&s, &kiosk, "/api/v1/tickets", json!({"service": "dat-dai"})).await;
    let out = dir.with_extension("bak.sqlite3");
    let status = std::process::Command::new(BIN)
        .args(["backup", "--data-dir"])
        .arg(&dir)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    // Restoring under a running server is refused.
    let refused = std::process::Command::new(BIN)
        .args(["restore", "--data-dir"])
        .arg(&dir)
        .arg("--from")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("running"));
    drop(s);
    let restored = temp_dir("restored");
    let ok = std::process::Command::new(BIN)
        .args(["restore", "--data-dir"])
        .arg(&restored)
        .arg("--from")
        .arg(&out)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let s = Server::demo(&restored);
    let (st, v) = get(&s, &kiosk, &format!("/api/v1/tickets/{}", t["id"].as_str().unwrap())).await;
    assert_eq!((st, v["number"].as_str()), (200, Some("C001")));
}
