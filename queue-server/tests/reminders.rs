//! Reminders by message against a local webhook receiver over real HTTP: a citizen's number taken at
//! the kiosk brings one signed "near" and one "called" message, nothing twice; a receiver that is down
//! gets the message when it comes back while tickets go on being issued; the phone number never enters
//! the event log; bad numbers, other kiosks' tickets and offices without reminders are refused.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

const SECRET: &str = "a-long-shared-secret-for-the-gateway";

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, String)>>>);

impl Received {
    fn bodies(&self) -> Vec<Value> {
        self.0.lock().unwrap().iter().map(|(_, b)| serde_json::from_str(b).unwrap()).collect()
    }
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Value> {
        let deadline = Instant::now() + within;
        while self.0.lock().unwrap().len() < n {
            assert!(Instant::now() < deadline, "{n} message(s) expected within {within:?}, got {:?}", self.bodies());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.bodies()
    }
}

/// A gateway on `listener` that records what it is sent and answers 200.
fn receiver(listener: tokio::net::TcpListener) -> Received {
    let received = Received::default();
    let store = received.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let store = store.clone();
            async move {
                store.0.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    received
}

fn config(addr: SocketAddr) -> String {
    format!("[reminders]\nwebhook_url = \"http://{addr}/sms\"\nsecret = \"{SECRET}\"\nahead = 1\n")
}

fn check_signature(headers: &HeaderMap, body: &str) {
    let timestamp = headers["x-motcua-timestamp"].to_str().unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(headers["x-motcua-signature"].to_str().unwrap(), expected);
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - timestamp.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "a fresh timestamp");
}

async fn issue(s: &Server, kiosk: &str) -> Value {
    let (status, t) = post(s, kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    assert_eq!(status, 201, "{t}");
    t
}

fn events_mention(dir: &std::path::Path, needle: &str) -> bool {
    let conn = rusqlite::Connection::open(dir.join("office.sqlite3")).unwrap();
    let mut stmt = conn.prepare("SELECT body || actor FROM events").unwrap();
    let rows: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    rows.iter().any(|r| r.contains(needle))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_is_reminded_when_near_and_when_called() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = receiver(listener);
    let dir = temp_dir("reminders");
    let server = Server::demo_with_config(&dir, &config(addr));
    let (_, health) = get(&server, "", "/healthz").await;
    assert_eq!(health["reminders"], true, "kiosks learn they may offer it");
    let kiosk = device(&server, "ticket-kiosk", None).await;
    issue(&server, &kiosk).await;
    issue(&server, &kiosk).await;
    let mine = issue(&server, &kiosk).await;
    let path = format!("/api/v1/tickets/{}/reminder", mine["id"].as_str().unwrap());
    let (status, r) = post(&server, &kiosk, &path, json!({"phone": "0903 123 456"})).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["phone"], "09•••••456");
    assert_eq!(r["now_ahead"], 2);
    assert_eq!(r["ahead"], 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(received.bodies().is_empty(), "two ahead: nothing yet");

    let officer = login(&server, "canbo1").await;
    post(&server, &officer, "/api/v1/counters/1/call-next", json!({})).await;
    let got = received.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got[0]["kind"], "near");
    assert_eq!(got[0]["phone"], "+84903123456");
    assert_eq!(got[0]["number"], mine["number"]);
    assert_eq!(got[0]["ahead"], 1);
    assert!(got[0]["text"]["vi"].as_str().unwrap().contains("sắp đến lượt"), "{}", got[0]);
    post(&server, &officer, "/api/v1/counters/1/call-next", json!({})).await;
    let (_, called) = post(&server, &officer, "/api/v1/counters/1/call-next", json!({})).await;
    assert_eq!(called["number"], mine["number"]);
    let got = received.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got[1]["kind"], "called");
    assert_eq!(got[1]["counter"], 1);
    assert!(got[1]["text"]["vi"].as_str().unwrap().contains("mời đến quầy 1"), "{}", got[1]);
    for (headers, body) in received.0.lock().unwrap().iter() {
        check_signature(headers, body);
        assert!(headers["idempotency-key"].to_str().unwrap().starts_with("reminder-"));
    }
    // Recalls and further events send nothing more.
    post(&server, &officer, "/api/v1/counters/1/recall", json!({})).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(received.bodies().len(), 2, "one message per kind: {:?}", received.bodies());
    assert!(!events_mention(&dir, "903123456"), "the phone number is not in the event log");
    let admin = login(&server, "admin").await;
    let metrics = client().get(server.url("/metrics")).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("queue_reminders{state=\"delivered\"} 2"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_is_down_gets_the_message_when_it_is_back() {
    // A port with nothing listening yet.
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let dir = temp_dir("reminders-down");
    let server = Server::demo_with_config(&dir, &config(addr));
    let kiosk = device(&server, "ticket-kiosk", None).await;
    issue(&server, &kiosk).await;
    let mine = issue(&server, &kiosk).await;
    let path = format!("/api/v1/tickets/{}/reminder", mine["id"].as_str().unwrap());
    let (status, _) = post(&server, &kiosk, &path, json!({"phone": "+84 356 789 012"})).await;
    assert_eq!(status, 201);
    // One ahead already: the message is due now, and fails while the gateway is down.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    for _ in 0..30 {
        issue(&server, &kiosk).await;
    }
    let issuing = started.elapsed();
    assert!(issuing < Duration::from_secs(10), "the queue does not wait for the gateway ({issuing:?})");
    let admin = login(&server, "admin").await;
    let metrics = client().get(server.url("/metrics")).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("queue_reminders{state=\"waiting\"} 1"), "{metrics}");
    let received = receiver(tokio::net::TcpListener::bind(addr).await.unwrap());
    let got = received.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(got[0]["kind"], "near");
    assert_eq!(got[0]["phone"], "+84356789012");
    println!("delivered {:?} after the gateway came back", started.elapsed() - issuing);
}

#[tokio::test]
async fn bad_numbers_other_kiosks_and_offices_without_reminders_are_refused() {
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let dir = temp_dir("reminders-refused");
    let server = Server::demo_with_config(&dir, &config(addr));
    let kiosk = device(&server, "ticket-kiosk", None).await;
    let other = device(&server, "ticket-kiosk", None).await;
    let display = device(&server, "display", None).await;
    let t = issue(&server, &kiosk).await;
    let path = format!("/api/v1/tickets/{}/reminder", t["id"].as_str().unwrap());
    let (status, e) = post(&server, &kiosk, &path, json!({"phone": "12345"})).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["code"], "invalid_phone");
    assert!(e["message"]["vi"].as_str().unwrap().contains("Số điện thoại"));
    let (status, _) = post(&server, &other, &path, json!({"phone": "0903123456"})).await;
    assert_eq!(status, 404, "another kiosk's ticket");
    let (status, _) = post(&server, &display, &path, json!({"phone": "0903123456"})).await;
    assert_eq!(status, 403);
    let (status, _) = post(&server, &kiosk, &path, json!({"phone": "0903123456", "name": "Nguyễn Văn A"})).await;
    assert_eq!(status, 422, "nothing else is taken");
    let officer = login(&server, "canbo1").await;
    post(&server, &officer, "/api/v1/counters/1/call-next", json!({})).await;
    let (status, e) = post(&server, &kiosk, &path, json!({"phone": "0903123456"})).await;
    assert_eq!(status, 409, "a called ticket: {e}");
    drop(server);

    let dir = temp_dir("reminders-off");
    let server = Server::demo(&dir);
    let (_, health) = get(&server, "", "/healthz").await;
    assert_eq!(health["reminders"], false);
    let kiosk = device(&server, "ticket-kiosk", None).await;
    let t = issue(&server, &kiosk).await;
    let path = format!("/api/v1/tickets/{}/reminder", t["id"].as_str().unwrap());
    let (status, e) = post(&server, &kiosk, &path, json!({"phone": "0903123456"})).await;
    assert_eq!((status, e["code"].as_str()), (409, Some("reminders_off")), "{e}");
}
