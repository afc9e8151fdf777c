//! Following a ticket from a phone over real HTTP: the ticket resource carries `follow_url`, the page
//! and its JSON need no login and hold nothing personal, a token changed in one character or made from
//! the ticket's id is refused, the live stream brings the call with its counter and ends after the
//! ticket has, the key survives a restart, and the number of live streams is bounded.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

/// Reads SSE frames until one of `event` arrives (or the stream ends), returning its data.
async fn next_event(r: &mut reqwest::Response, buffer: &mut String, event: &str) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let name = frame.lines().find_map(|l| l.strip_prefix("event: ")).unwrap_or("message");
            let data: String = frame.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
            if name == event {
                return Some(serde_json::from_str(&data).unwrap());
            }
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, r.chunk()).await {
            Ok(Ok(Some(chunk))) => buffer.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(_) => return None,
            Err(_) => panic!("no {event} event within 10 s; read so far: {buffer:?}"),
        }
    }
}

async fn public_get(s: &Server, path: &str) -> (u16, Value) {
    let r = client().get(s.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json::<Value>().await.unwrap_or(Value::Null))
}

fn api_path(follow_url: &str) -> String {
    format!("/api/v1/follow/{}", follow_url.strip_prefix("/t/").expect("a /t/ path"))
}

#[tokio::test]
async fn a_phone_follows_its_ticket_until_it_is_served() {
    let dir = temp_dir("follow");
    let server = Server::demo(&dir);
    let kiosk = device(&server, "ticket-kiosk", None).await;
    let (status, first) = post(&server, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    assert_eq!(status, 201, "{first}");
    let (_, second) = post(&server, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    let follow_url = second["follow_url"].as_str().expect("the ticket resource carries follow_url").to_owned();
    assert!(follow_url.starts_with("/t/") && follow_url.len() > 40, "{follow_url}");
    assert_ne!(first["follow_url"], second["follow_url"]);
    let (_, again) = get(&server, &kiosk, &format!("/api/v1/tickets/{}", second["id"].as_str().unwrap())).await;
    assert_eq!(again["follow_url"], second["follow_url"], "the lookup gives the same path");

    // The page and its data need no login.
    let page = client().get(server.url(&follow_url)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/web/follow.js"));
    let (status, view) = public_get(&server, &api_path(&follow_url)).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["number"], second["number"]);
    assert_eq!((view["status"].as_str(), view["ahead"].as_u64()), (Some("waiting"), Some(1)));
    for private in ["dossiers", "procedure", "id", "device"] {
        assert!(view.get(private).is_none(), "{private} in {view}");
    }

    // Guessing: one character changed, the ticket's id alone, the number.
    let token = follow_url.strip_prefix("/t/").unwrap();
    let mut changed = token.to_owned().into_bytes();
    let last = changed.len() - 1;
    changed[last] = if changed[last] == b'0' { b'1' } else { b'0' };
    let changed = String::from_utf8(changed).unwrap();
    let id = second["id"].as_str().unwrap().replace('-', "");
    let number = second["number"].as_str().unwrap().to_owned();
    for guess in [changed.as_str(), id.as_str(), number.as_str(), "x"] {
        let (status, body) = public_get(&server, &format!("/api/v1/follow/{guess}")).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("follow_not_found")), "{guess}");
        assert!(
            !body["message"]["vi"].as_str().unwrap().is_empty() && !body["message"]["en"].as_str().unwrap().is_empty()
        );
    }

    // Live: the call ahead, then this ticket's call with its counter, then the end.
    let mut stream = client().get(server.url(&format!("{}/events", api_path(&follow_url)))).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let mut buffer = String::new();
    let opened = next_event(&mut stream, &mut buffer, "ticket").await.unwrap();
    assert_eq!(opened["ahead"], 1);
    let officer = login(&server, "canbo1").await;
    let (status, called) = post(&server, &officer, "/api/v1/counters/1/call-next", json!({})).await;
    assert_eq!((status, &called["number"]), (200, &first["number"]));
    let moved = next_event(&mut stream, &mut buffer, "ticket").await.unwrap();
    assert_eq!((moved["status"].as_str(), moved["ahead"].as_u64()), (Some("waiting"), Some(0)));
    for step in ["start", "finish"] {
        let body = if step == "finish" { json!({"outcome": "completed"}) } else { json!({}) };
        let (status, reply) = post(&server, &officer, &format!("/api/v1/counters/1/{step}"), body).await;
        assert_eq!(status, 200, "{step}: {reply}");
    }
    post(&server, &officer, "/api/v1/counters/1/call-next", json!({})).await;
    let called = next_event(&mut stream, &mut buffer, "ticket").await.unwrap();
    assert_eq!((called["status"].as_str(), called["counter"].as_u64()), (Some("called"), Some(1)));
    assert_eq!(called["headline"]["vi"], "Mời quý khách đến quầy số 1.");
    assert_eq!(called["headline"]["en"], "Please go to counter 1 now.");
    for step in ["start", "finish"] {
        let body = if step == "finish" { json!({"outcome": "completed"}) } else { json!({}) };
        post(&server, &officer, &format!("/api/v1/counters/1/{step}"), body).await;
    }
    let mut last = next_event(&mut stream, &mut buffer, "ticket").await.unwrap();
    while last["status"] != "served" {
        last = next_event(&mut stream, &mut buffer, "ticket").await.expect("the served view");
    }
    assert_eq!(last["ended"], true);
    assert!(next_event(&mut stream, &mut buffer, "ticket").await.is_none(), "the stream ends after the ticket");

    // The key is the office's: the same link works after a restart.
    drop(server);
    let server = Server::demo(&dir);
    let (status, view) = public_get(&server, &api_path(&follow_url)).await;
    assert_eq!((status, view["status"].as_str()), (200, Some("served")));
}

#[tokio::test]
async fn live_follow_streams_are_bounded() {
    let dir = temp_dir("follow-bounded");
    let server = Server::demo_with_config(&dir, "[server]\nfollow_streams = 2\n");
    let kiosk = device(&server, "ticket-kiosk", None).await;
    let (_, ticket) = post(&server, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    let events = format!("{}/events", api_path(ticket["follow_url"].as_str().unwrap()));
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut r = client().get(server.url(&events)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        next_event(&mut r, &mut String::new(), "ticket").await.unwrap();
        open.push(r);
    }
    let refused = client().get(server.url(&events)).send().await.unwrap();
    assert_eq!(refused.status(), 503, "a third stream over follow_streams = 2");
    // The JSON view still answers (the page falls back to it), and so does the rest of the server.
    assert_eq!(public_get(&server, &api_path(ticket["follow_url"].as_str().unwrap())).await.0, 200);
    assert_eq!(public_get(&server, "/healthz").await.0, 200);
    drop(open.pop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let r = client().get(server.url(&events)).send().await.unwrap();
        if r.status() == 200 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "a slot is free again once a phone leaves");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_lease_gives_each_number_its_follow_page() {
    let dir = temp_dir("follow-lease");
    let server = Server::demo(&dir);
    let kiosk = device(&server, "ticket-kiosk", None).await;
    let (status, lease) = post(&server, &kiosk, "/api/v1/leases", json!({"service": "ho-tich", "size": 3})).await;
    assert_eq!(status, 201, "{lease}");
    let urls: Vec<String> =
        lease["follow_urls"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_owned()).collect();
    assert_eq!(urls.len(), 3);
    let first = lease["first"].as_u64().unwrap();
    let (status, pending) = public_get(&server, &api_path(&urls[0])).await;
    assert_eq!((status, pending["status"].as_str()), (200, Some("not_received")), "{pending}");
    assert_eq!(pending["number"], format!("A{first}"));
    let r = client()
        .post(server.url(&format!("/api/v1/leases/{}/tickets", lease["id"].as_str().unwrap())))
        .bearer_auth(&kiosk)
        .header("Idempotency-Key", "offline-1")
        .json(&json!({"number": first, "issued_at": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let uploaded: Value = r.json().await.unwrap();
    assert!(uploaded["follow_url"].as_str().is_some());
    let (_, view) = public_get(&server, &api_path(&urls[0])).await;
    assert_eq!((view["status"].as_str(), &view["number"]), (Some("waiting"), &uploaded["number"]));
}
