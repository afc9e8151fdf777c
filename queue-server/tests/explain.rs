//! "Why was I skipped?" over real HTTP and the command line, from one office log: the counter page's
//! `GET /api/v1/explain` and `queue-server explain` give the same calls and rules, only staff may
//! ask, bad and unknown numbers are clear errors, and later calls of the day are picked up by the
//! server's start-of-day replay.

mod common;

use std::process::Command;

use common::*;
use serde_json::{json, Value};

fn rules(e: &Value) -> Vec<(String, String)> {
    e["called_before"]
        .as_array()
        .expect("called_before")
        .iter()
        .map(|c| (c["number"].as_str().unwrap().to_owned(), c["rule"].as_str().unwrap().to_owned()))
        .collect()
}

fn cli(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN).args(["explain", "--data-dir"]).arg(dir).args(args).output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[tokio::test]
async fn the_counter_and_the_command_line_explain_the_same_calls() {
    let dir = temp_dir("explain");
    let server = Server::demo(&dir);
    let kiosk = device(&server, "ticket-kiosk", None).await;
    let issue = |priority: &'static str| {
        let (server, kiosk) = (&server, &kiosk);
        async move {
            let (status, t) =
                post(server, kiosk, "/api/v1/tickets", json!({"service": "ho-tich", "priority": priority})).await;
            assert_eq!(status, 201, "{t}");
            t["number"].as_str().unwrap().to_owned()
        }
    };
    let first = issue("none").await;
    let second = issue("none").await;
    let elderly = issue("elderly").await;
    let canbo1 = login(&server, "canbo1").await;
    let canbo2 = login(&server, "canbo2").await;

    // Counter 1: the priority ticket's turn comes first (one priority per two regular), then the first.
    let (_, called) = post(&server, &canbo1, "/api/v1/counters/1/call-next", json!({})).await;
    assert_eq!(called["number"], elderly.as_str(), "{called}");
    let (_, called) = post(&server, &canbo1, "/api/v1/counters/1/call-next", json!({})).await;
    assert_eq!(called["number"], first.as_str());

    let (status, e) = get(&server, &canbo2, &format!("/api/v1/explain?number={second}")).await;
    assert_eq!(status, 200, "{e}");
    assert_eq!(rules(&e), vec![(elderly.clone(), "priority_turn".into()), (first.clone(), "issued_earlier".into())]);
    assert_eq!(e["status"], "waiting");
    assert_eq!(e["ahead_now"], 0);
    assert_eq!(e["called_before"][0]["officer"], "canbo1");
    assert!(e["called_before"][0]["text"]["vi"].as_str().unwrap().contains("Người cao tuổi"), "{e}");
    assert!(e["summary"]["en"].as_str().unwrap().contains("2 numbers were called first"), "{e}");

    // A later call of the day shows in the next answer (the server replays today's events again).
    let (status, _) = post(&server, &canbo2, "/api/v1/counters/2/call", json!({"ticket": second})).await;
    assert_eq!(status, 200);
    let third = issue("none").await;
    let (_, called) = post(&server, &canbo1, "/api/v1/counters/1/call", json!({"ticket": third})).await;
    assert_eq!(called["number"], third.as_str());
    let (_, e) = get(&server, &canbo2, &format!("/api/v1/explain?number={second}")).await;
    assert_eq!(e["status"], "called");
    assert_eq!(rules(&e).len(), 2, "calls after it was called do not count: {e}");
    let history: Vec<&str> = e["history"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(history, vec!["issued", "called"]);

    // The command line reads the same log (while the server runs) and says the same.
    let (ok, out, err) = cli(&dir, &["--number", &second, "--json"]);
    assert!(ok, "{err}");
    let from_cli: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rules(&from_cli), rules(&e));
    assert_eq!(from_cli["history"], e["history"]);
    let (ok, out, _) = cli(&dir, &["--number", &second]);
    assert!(ok);
    assert!(out.contains("Được gọi trước (2)") && out.contains("Ưu tiên (Người cao tuổi)"), "{out}");
    let (ok, out, _) = cli(&dir, &["--number", &second.to_lowercase(), "--lang", "en"]);
    assert!(ok, "a number is read in lower case too");
    assert!(out.contains("Called first (2)") && out.contains("Took a number at"), "{out}");
    let (ok, _, err) = cli(&dir, &["--number", "H999"]);
    assert!(!ok && err.contains("Không có số H999"), "{err}");
    let (ok, _, err) = cli(&dir, &["--number", &second, "--day", "2020-01-01"]);
    assert!(!ok && err.contains("01/01/2020"), "another day has no such ticket: {err}");
    let (ok, _, err) = cli(&dir, &["--number", &second, "--day", "04-12-2026"]);
    assert!(!ok && err.contains("YYYY-MM-DD"), "{err}");
}

#[tokio::test]
async fn only_staff_ask_and_bad_numbers_are_clear_errors() {
    let dir = temp_dir("explain-access");
    let server = Server::demo(&dir);
    let kiosk = device(&server, "ticket-kiosk", None).await;
    let display = device(&server, "display", None).await;
    let (_, t) = post(&server, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    let number = t["number"].as_str().unwrap();
    let path = format!("/api/v1/explain?number={number}");
    for token in [&kiosk, &display] {
        let (status, body) = get(&server, token, &path).await;
        assert_eq!(status, 403, "{body}");
    }
    let r = client().get(server.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let officer = login(&server, "canbo3").await;
    let (status, e) = get(&server, &officer, &path).await;
    assert_eq!(status, 200, "any officer may ask (the board is public in the office anyway)");
    assert_eq!(e["called_before_total"], 0);
    assert!(e["summary"]["vi"].as_str().unwrap().contains("không có số nào được gọi trước"), "{e}");

    let (status, e) = get(&server, &officer, "/api/v1/explain?number=hello").await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["code"], "invalid_ticket_number");
    assert!(e["message"]["vi"].as_str().unwrap().contains("không phải là số thứ tự"));
    let (status, e) = get(&server, &officer, "/api/v1/explain?number=A999").await;
    assert_eq!(status, 404, "{e}");
    assert_eq!(e["code"], "ticket_not_found");
    assert!(e["message"]["en"].as_str().unwrap().contains("There is no ticket A999"));
    let long = "A".repeat(40);
    let (status, _) = get(&server, &officer, &format!("/api/v1/explain?number={long}")).await;
    assert_eq!(status, 422);
    let (status, e) = get(&server, &officer, "/api/v1/explain").await;
    assert_eq!(status, 422, "the number is required: {e}");
    assert!(e["message"]["vi"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
}
