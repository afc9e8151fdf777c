//! Every error a citizen or officer can be shown is whole Vietnamese and whole English: provoked over
//! real HTTP, each reply's `message.vi` holds no English word or service code and its `message.en` no
//! Vietnamese letter outside the office's own names (`domain::error::message_faults`).

mod common;

use common::*;
use domain::error::message_faults;
use domain::Localized;
use serde_json::{json, Value};

#[tokio::test]
async fn every_provoked_error_is_whole_vietnamese_and_whole_english() {
    let dir = temp_dir("error-messages");
    let s = Server::demo(&dir);
    let c = client();
    let admin = login(&s, "admin").await;
    let officer = login(&s, "canbo1").await;
    let supervisor = login(&s, "giamsat").await;
    let kiosk = device(&s, "ticket-kiosk", None).await;

    // The office's own names may appear in English replies as they are.
    let (_, services) = get(&s, &admin, "/api/v1/admin/services").await;
    let mut names: Vec<String> = Vec::new();
    for svc in services.as_array().unwrap() {
        names.push(svc["name"]["en"].as_str().unwrap().to_owned());
        names.push(svc["name"]["vi"].as_str().unwrap().to_owned());
    }

    let mut replies: Vec<(String, u16, Value)> = Vec::new();
    let mut keep = |what: &str, (status, body): (u16, Value)| {
        assert!(status >= 400, "{what} did not fail: {status} {body}");
        replies.push((what.to_owned(), status, body));
    };

    // Tickets.
    keep("unknown service", post(&s, &kiosk, "/api/v1/tickets", json!({"service": "khong-co"})).await);
    keep("service code too long", post(&s, &kiosk, "/api/v1/tickets", json!({"service": "x".repeat(40)})).await);
    keep("unknown field", post(&s, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich", "extra": 1})).await);
    keep("bad priority", post(&s, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich", "priority": "vip"})).await);
    let r = c
        .post(s.url("/api/v1/tickets"))
        .bearer_auth(&kiosk)
        .header("content-type", "application/json")
        .body("{\"service\": ")
        .send()
        .await
        .unwrap();
    keep("malformed JSON", (r.status().as_u16(), r.json().await.unwrap()));
    let r = c
        .post(s.url("/api/v1/tickets"))
        .bearer_auth(&kiosk)
        .header("Idempotency-Key", "k".repeat(200))
        .json(&json!({"service": "ho-tich"}))
        .send()
        .await
        .unwrap();
    keep("idempotency key too long", (r.status().as_u16(), r.json().await.unwrap()));
    keep("unknown ticket", get(&s, &officer, "/api/v1/tickets/00000000-0000-0000-0000-000000000001").await);

    // Counters.
    keep("unknown counter", post(&s, &supervisor, "/api/v1/counters/99/call-next", json!({})).await);
    keep("nothing called", post(&s, &officer, "/api/v1/counters/1/finish", json!({})).await);
    keep("queue empty", post(&s, &officer, "/api/v1/counters/1/call-next", json!({})).await);
    post(&s, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    let (st, called) = post(&s, &officer, "/api/v1/counters/1/call-next", json!({})).await;
    assert_eq!(st, 200, "{called}");
    keep("unknown outcome", post(&s, &officer, "/api/v1/counters/1/finish", json!({"outcome": "hoan-thanh"})).await);
    keep(
        "finish to an unknown service",
        post(&s, &officer, "/api/v1/counters/1/finish", json!({"outcome": "completed", "next_services": ["khong-co"]}))
            .await,
    );
    keep("transfer to nowhere", post(&s, &officer, "/api/v1/counters/1/transfer", json!({})).await);
    keep("transfer to itself", post(&s, &officer, "/api/v1/counters/1/transfer", json!({"to_counter": 1})).await);
    keep(
        "transfer to an unknown service",
        post(&s, &officer, "/api/v1/counters/1/transfer", json!({"to_service": "khong-co"})).await,
    );

    // Ratings.
    keep("rating of nothing", post(&s, &kiosk, "/api/v1/ratings", json!({"level": "satisfied"})).await);
    let (_, waiting) = post(&s, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    let ticket = waiting["id"].as_str().unwrap_or_default().to_owned();
    keep(
        "rating before service",
        post(&s, &kiosk, "/api/v1/ratings", json!({"ticket": ticket, "level": "satisfied"})).await,
    );
    keep(
        "rating with too many points",
        post(
            &s,
            &kiosk,
            "/api/v1/ratings",
            json!({"ticket": ticket, "level": "satisfied", "answers": [["staff_attitude", 3]]}),
        )
        .await,
    );
    keep(
        "comment too long",
        post(
            &s,
            &kiosk,
            "/api/v1/ratings",
            json!({"ticket": ticket, "level": "satisfied", "comment": "a".repeat(1001)}),
        )
        .await,
    );

    keep(
        "dossier rating without the receipt's token",
        post(&s, &kiosk, "/api/v1/ratings", json!({"dossier": "000.00.01.H29-261101-0001", "level": "satisfied"}))
            .await,
    );
    keep(
        "dossier rating with a wrong token",
        post(
            &s,
            &kiosk,
            "/api/v1/ratings",
            json!({"dossier": "000.00.01.H29-261101-0001", "level": "satisfied", "rating_token": "0".repeat(32)}),
        )
        .await,
    );

    // Leases.
    keep(
        "lease of an unknown service",
        post(&s, &kiosk, "/api/v1/leases", json!({"service": "khong-co", "size": 5})).await,
    );
    keep("lease too big", post(&s, &kiosk, "/api/v1/leases", json!({"service": "ho-tich", "size": 1000})).await);
    keep(
        "unknown lease",
        post(&s, &kiosk, "/api/v1/leases/00000000-0000-0000-0000-000000000001/return", json!({"unused": []})).await,
    );

    // Administration.
    let (_, mut svc) = get(&s, &admin, "/api/v1/admin/services").await;
    let mut svc = svc.as_array_mut().unwrap().remove(0);
    keep("path and body differ", put(&s, &admin, "/api/v1/admin/services/khac-ma", svc.clone()).await);
    let code = svc["code"].as_str().unwrap().to_owned();
    svc["letter"] = json!("1");
    keep("service letter", put(&s, &admin, &format!("/api/v1/admin/services/{code}"), svc.clone()).await);
    svc["letter"] = json!("A");
    svc["name"] = json!({"vi": "", "en": ""});
    keep("service without names", put(&s, &admin, &format!("/api/v1/admin/services/{code}"), svc.clone()).await);
    svc["name"] = json!({"vi": "Hộ tịch", "en": "Civil status"});
    svc["open"] = json!(false);
    let (st, saved) = put(&s, &admin, &format!("/api/v1/admin/services/{code}"), svc.clone()).await;
    assert_eq!(st, 200, "{saved}");
    names.extend(["Hộ tịch".to_owned(), "Civil status".to_owned()]);
    let closed = post(&s, &kiosk, "/api/v1/tickets", json!({"service": code})).await;
    assert_eq!(closed.1["code"], "service_closed", "{}", closed.1);
    assert!(closed.1["message"]["vi"].as_str().unwrap().contains("Hộ tịch"), "{}", closed.1);
    keep("service closed", closed);
    let (_, mut settings) = get(&s, &admin, "/api/v1/admin/settings").await;
    settings["numbering"]["width"] = json!(9);
    keep("settings", put(&s, &admin, "/api/v1/admin/settings", settings).await);
    keep(
        "enrolment hours",
        post(
            &s,
            &admin,
            "/api/v1/admin/enrolment-codes",
            json!({"role": "display", "name": "Màn hình", "valid_hours": 0}),
        )
        .await,
    );
    keep("statutory year", get(&s, &admin, "/api/v1/admin/calendar/statutory?year=1900").await);
    keep("query", get(&s, &admin, "/api/v1/admin/calendar/statutory?year=abc").await);
    keep("unknown staff", post(&s, &admin, "/api/v1/admin/staff/khong-co/disable", json!({})).await);

    // Access.
    keep("no token", get(&s, "", "/api/v1/me").await);
    keep("wrong role", get(&s, &kiosk, "/api/v1/admin/settings").await);
    keep("unknown route", get(&s, &admin, "/api/v1/nothing").await);
    keep("unknown desk", get(&s, &supervisor, "/api/v1/counters/99/desk").await);
    keep("wrong password", {
        let r = c
            .post(s.url("/api/v1/auth/login"))
            .json(&json!({"username": "canbo1", "password": "not-the-password"}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    });
    keep("dossier code", get(&s, &kiosk, "/api/v1/dossiers/abc").await);
    keep("unknown dossier", get(&s, &kiosk, "/api/v1/dossiers/000.00.01.H29-260310-0999").await);

    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut faults = Vec::new();
    for (what, status, body) in &replies {
        let message = Localized::new(
            body["message"]["vi"].as_str().unwrap_or_default(),
            body["message"]["en"].as_str().unwrap_or_default(),
        );
        assert!(body["code"].is_string(), "{what}: {status} {body}");
        for f in message_faults(&message, &names) {
            faults.push(format!("{what} ({status} {}): {f}", body["code"]));
        }
    }
    assert!(faults.is_empty(), "{faults:#?}");
}
