//! The central server as a real process on loopback: an office registered by the CLI enrols with its
//! one-time code and key; its batches are stored once whatever is resent, overlapped or sent to two
//! central processes at once; a gap names the seq needed; tampering, another key, a malformed or
//! oversized body is refused with a clear error and changes nothing; a restored office that went on is
//! a fork alarm with nothing overwritten.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};
use sync::batch::{public_key_hex, signing_key, SignedBatch};
use sync::{chain_hash, Batch, EventRecord, GENESIS_HASH};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_central-server");

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("central-{name}-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Central {
    child: Child,
    base: String,
}

impl Central {
    fn start(dir: &Path) -> Central {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let base = line.trim().strip_prefix("listening on ").expect("listening line").to_string();
        std::thread::spawn(move || for _ in reader.lines() {});
        Central { child, base }
    }
}

impl Drop for Central {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cli(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).arg("--data-dir").arg(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn add_office(dir: &Path, name: &str) -> String {
    let out = cli(dir, &["office", "add", "--name", name, "--agency", "000.00.01.H29"]);
    out.lines().last().unwrap().trim().to_string()
}

fn offices(dir: &Path) -> Vec<Value> {
    cli(dir, &["office", "list", "--json"]).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn log(first: u64, n: u64, prev: &str, branch: &str) -> Vec<EventRecord> {
    let mut prev = prev.to_string();
    (first..first + n)
        .map(|seq| {
            let body = format!(
                "{{\"type\":\"ticket_issued\",\"number\":{seq},\"branch\":\"{branch}\",\"pad\":\"{}\"}}",
                "x".repeat(200)
            );
            let id = Uuid::new_v4().to_string();
            let (at, actor) = ("2026-12-04T08:00:00Z".to_string(), "{\"kind\":\"system\"}".to_string());
            let hash = chain_hash(&prev, seq, &id, &at, &actor, &body);
            prev = hash.clone();
            EventRecord { seq, id, at, actor, kind: "ticket_issued".into(), body, hash }
        })
        .collect()
}

fn signed(office: Uuid, events: &[EventRecord], prev: &str, key: &ed25519_dalek::SigningKey) -> SignedBatch {
    Batch::new(office, prev, events.to_vec(), "2026-12-04T09:00:00Z").unwrap().sign(key)
}

async fn send(base: &str, office: Uuid, batch: &SignedBatch) -> (u16, Value) {
    let (body, compressed) = batch.to_body();
    send_raw(base, office, body, compressed).await
}

async fn send_raw(base: &str, office: Uuid, body: Vec<u8>, compressed: bool) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(format!("{base}/api/v1/offices/{office}/batches")).body(body);
    if compressed {
        request = request.header("content-encoding", "zstd");
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn enrol(base: &str, code: &str, key: &ed25519_dalek::SigningKey) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/enrol"))
        .json(&json!({"code": code, "public_key": public_key_hex(key)}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_log_is_held_once_and_never_overwritten() {
    let dir = temp_dir("ingest");
    let code = add_office(&dir, "UBND Phường Bến Thành");
    let central = Central::start(&dir);
    let key = signing_key(&[11; 32]);

    // Enrolment: a bad key, then the code, then the code again.
    let (status, body) = enrol(&central.base, &code, &signing_key(&[1; 32])).await;
    assert_eq!(status, 201, "{body}");
    let first = body["office_id"].as_str().unwrap().to_string();
    let (status, body) = enrol(&central.base, &code, &key).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("unknown_code")), "a code works once");
    assert!(body["message"]["vi"].as_str().unwrap().contains("Mã đăng ký"));
    let code2 = add_office(&dir, "UBND Phường Tân Định");
    let bad = reqwest::Client::new()
        .post(format!("{}/api/v1/enrol", central.base))
        .json(&json!({"code": code2, "public_key": "abc"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let (status, body) = enrol(&central.base, &code2, &key).await;
    assert_eq!(status, 201);
    let office: Uuid = body["office_id"].as_str().unwrap().parse().unwrap();

    let events = log(1, 300, GENESIS_HASH, "a");
    let prev = |i: usize| if i == 0 { GENESIS_HASH.to_string() } else { events[i - 1].hash.clone() };
    // 1–100, compressed on the wire (it is over 16 KiB).
    let b1 = signed(office, &events[..100], &prev(0), &key);
    assert!(b1.to_body().1, "a batch this size goes compressed");
    assert_eq!(send(&central.base, office, &b1).await, (200, json!({"acked_seq": 100, "stored": 100})));
    // The same again, and an overlap.
    assert_eq!(send(&central.base, office, &b1).await, (200, json!({"acked_seq": 100, "stored": 0})));
    let b2 = signed(office, &events[49..150], &prev(49), &key);
    assert_eq!(send(&central.base, office, &b2).await, (200, json!({"acked_seq": 150, "stored": 50})));
    // A gap names what is needed.
    let gap = signed(office, &events[199..250], &prev(199), &key);
    let (status, body) = send(&central.base, office, &gap).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("gap")));
    assert!(body["message"]["en"].as_str().unwrap().contains("send from event 151"));

    // Refusals that change nothing.
    let (mut body, compressed) = signed(office, &events[150..160], &prev(150), &key).to_body();
    assert!(!compressed);
    let at = body.len() / 2;
    body[at] = if body[at] == b'x' { b'y' } else { b'x' };
    let (status, reply) = send_raw(&central.base, office, body, false).await;
    assert!(matches!(status, 401 | 422), "{status} {reply}");
    let other_key = signed(office, &events[150..160], &prev(150), &signing_key(&[12; 32]));
    let (status, reply) = send(&central.base, office, &other_key).await;
    assert_eq!((status, reply["code"].as_str()), (401, Some("bad_signature")));
    let first: Uuid = first.parse().unwrap();
    let (status, reply) = send(&central.base, first, &signed(office, &events[150..160], &prev(150), &key)).await;
    assert!(matches!(status, 401 | 403), "another office's path: {status} {reply}");
    let (status, reply) = send_raw(&central.base, office, b"{\"batch\":".to_vec(), false).await;
    assert_eq!((status, reply["code"].as_str()), (422, Some("invalid_batch")));
    let (status, _) = send_raw(&central.base, office, vec![b' '; sync::batch::MAX_BODY_BYTES + 1], false).await;
    assert_eq!(status, 413);
    let bomb = zstd::bulk::compress(&vec![b' '; sync::batch::MAX_BODY_BYTES + 1], 3).unwrap();
    let (status, reply) = send_raw(&central.base, office, bomb, true).await;
    assert_eq!((status, reply["code"].as_str()), (413, Some("batch_too_large")));
    let (status, _) = send(&central.base, Uuid::new_v4(), &b1).await;
    assert_eq!(status, 404);

    // A restored office (from after event 120) that went on: fork, nothing overwritten.
    let mut restored = events[..120].to_vec();
    restored.extend(log(121, 60, &events[119].hash, "restored"));
    let fork = signed(office, &restored[119..180], &restored[118].hash, &key);
    let (status, reply) = send(&central.base, office, &fork).await;
    assert_eq!((status, reply["code"].as_str()), (409, Some("fork")), "{reply}");
    assert!(reply["message"]["vi"].as_str().unwrap().contains("Sự kiện số 150"));
    let listed = offices(&dir);
    let row = listed.iter().find(|o| o["id"] == office.to_string()).unwrap();
    assert_eq!(
        (row["last_seq"].as_u64(), row["events"].as_u64(), row["fork_at"].as_u64()),
        (Some(150), Some(150), Some(150))
    );
    assert_eq!(row["name"], "UBND Phường Tân Định");
    assert_eq!(row["agency"], "000.00.01.H29");

    // Two central processes on one database, the same batches to both at once: stored once.
    let second = Central::start(&dir);
    let rest = signed(office, &events[150..300], &prev(150), &key);
    let (a, b) = tokio::join!(send(&central.base, office, &rest), send(&second.base, office, &rest));
    assert_eq!((a.0, b.0), (200, 200));
    assert_eq!(a.1["stored"].as_u64().unwrap() + b.1["stored"].as_u64().unwrap(), 150, "{a:?} {b:?}");
    let row = offices(&dir).into_iter().find(|o| o["id"] == office.to_string()).unwrap();
    assert_eq!((row["last_seq"].as_u64(), row["events"].as_u64()), (Some(300), Some(300)));

    // Revoked (while serving): refused from now on, nothing it sent is lost.
    cli(&dir, &["office", "revoke", "--id", &office.to_string()]);
    let more = log(301, 5, &events[299].hash, "a");
    let (status, reply) = send(&central.base, office, &signed(office, &more, &events[299].hash, &key)).await;
    assert_eq!((status, reply["code"].as_str()), (403, Some("office_revoked")));
    assert!(reply["message"]["vi"].as_str().unwrap().contains("thu hồi"));
    let row = offices(&dir).into_iter().find(|o| o["id"] == office.to_string()).unwrap();
    assert_eq!((row["revoked"].as_bool(), row["events"].as_u64()), (Some(true), Some(300)));
    let out = Command::new(BIN)
        .args(["office", "revoke", "--id", &Uuid::new_v4().to_string(), "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("no office has the id"));
}
