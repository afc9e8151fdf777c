//! Ratings over real HTTP: the questions of the indicator set per stage, choices checked against the
//! set (points from the set, not the client), older kiosks' answers still taken, and dossier ratings
//! that need the receipt's rating token or the served ticket the dossier was linked to.

mod common;

use common::*;
use domain::event::{EventKind, RatingProof};
use domain::office::Stage;
use domain::rating::{Indicator, RecordedAnswer};
use serde_json::{json, Value};

/// The ratings recorded in the office's log, oldest first.
fn ratings_in(s: &Server) -> Vec<EventKind> {
    let db = queue_server::store::open_read_only(&s.dir).unwrap();
    queue_server::store::events_after(&db, 0, usize::MAX >> 1)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .filter(|k| matches!(k, EventKind::RatingRecorded { .. }))
        .collect()
}

fn answer(indicator: &str, option: &str, points: u8) -> RecordedAnswer {
    RecordedAnswer { indicator: indicator.into(), option: option.into(), points }
}

fn ids(v: &Value) -> Vec<String> {
    v["questions"].as_array().unwrap().iter().map(|q| q["indicator"].as_str().unwrap().to_owned()).collect()
}

/// A refusal with its own whole Vietnamese and English message, and nothing logged.
async fn refused(s: &Server, token: &str, body: Value, status: u16, code: &str) {
    let before = last_seq(s).await;
    let (st, v) = post(s, token, "/api/v1/ratings", body.clone()).await;
    assert_eq!((st, v["code"].as_str()), (status, Some(code)), "{body}: {v}");
    let message: domain::Localized = serde_json::from_value(v["message"].clone()).unwrap();
    let faults = domain::error::message_faults(&message, &[]);
    assert!(faults.is_empty(), "{faults:?}");
    assert_eq!(last_seq(s).await, before, "a refused rating changed nothing: {body}");
}

/// A ticket of `ho-tich` called at counter 1 by canbo1 (left being served).
async fn called_ticket(s: &Server, kiosk: &str, officer: &str) -> String {
    let (_, t) = post(s, kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    let id = t["id"].as_str().unwrap().to_owned();
    let (st, called) = post(s, officer, "/api/v1/counters/1/call", json!({"ticket": id})).await;
    assert_eq!(st, 200, "{called}");
    id
}

#[tokio::test]
async fn questions_are_asked_per_stage_each_with_its_own_answers() {
    let dir = temp_dir("questions");
    let s = Server::demo(&dir);
    let kiosk = device(&s, "ticket-kiosk", None).await;
    let terminal = device(&s, "rating-terminal", Some(1)).await;
    let display = device(&s, "display", None).await;

    let (st, v) = get(&s, &kiosk, "/api/v1/rating/questions?stage=reception").await;
    assert_eq!(st, 200, "{v}");
    assert_eq!((v["set_id"].as_str(), v["set_version"].as_str()), (Some("nd61-2018"), Some("2021.1")));
    assert_eq!(v["stage"], "reception");
    assert_eq!(ids(&v), ["contacts_to_complete", "public_disclosure", "staff_attitude"]);
    let refs: Vec<&str> =
        v["legal_basis"].as_array().unwrap().iter().map(|l| l["reference"].as_str().unwrap()).collect();
    assert!(refs.contains(&"61/2018/NĐ-CP") && refs.contains(&"01/2018/TT-VPCP"), "{refs:?}");
    let labels = |q: &Value| -> Vec<String> {
        q["options"].as_array().unwrap().iter().map(|o| o["label"]["vi"].as_str().unwrap().to_owned()).collect()
    };
    let questions = v["questions"].as_array().unwrap();
    assert_eq!(labels(&questions[0]), ["Không phải liên hệ lần nào", "1 lần", "Nhiều hơn 1 lần"]);
    assert_ne!(labels(&questions[0]), labels(&questions[2]), "every question has its own answers");
    for q in questions {
        let points: Vec<u64> = q["options"].as_array().unwrap().iter().map(|o| o["points"].as_u64().unwrap()).collect();
        assert_eq!(points, [2, 1, 0], "{q}");
        assert_ne!(q["question"]["vi"], q["text"]["vi"], "worded to the citizen, with the official text beside");
    }

    let (_, v) = get(&s, &terminal, "/api/v1/rating/questions?stage=result_return").await;
    let result_return = ids(&v);
    assert!(result_return.contains(&"one_stop_handling".to_owned()), "{result_return:?}");
    assert!(!result_return.contains(&"public_disclosure".to_owned()), "{result_return:?}");
    // Indicators 1–2 are computed from the records, never asked.
    let (_, all) = get(&s, &kiosk, "/api/v1/rating/questions").await;
    assert_eq!(all["stage"], Value::Null);
    assert_eq!(ids(&all).len(), 7);
    assert!(!ids(&all).iter().any(|i| i == "total_processing_time" || i == "time_per_agency"));
    let computed: Vec<&str> =
        all["computed"].as_array().unwrap().iter().map(|c| c["indicator"].as_str().unwrap()).collect();
    assert_eq!(computed, ["total_processing_time", "time_per_agency"]);

    assert_eq!(get(&s, &display, "/api/v1/rating/questions").await.0, 403);
    assert_eq!(get(&s, &kiosk, "/api/v1/rating/questions?stage=later").await.0, 422);
}

#[tokio::test]
async fn ticket_ratings_take_choices_and_points_from_the_set() {
    let dir = temp_dir("choices");
    let s = Server::demo(&dir);
    let kiosk = device(&s, "ticket-kiosk", None).await;
    let officer = login(&s, "canbo1").await;
    let id = called_ticket(&s, &kiosk, &officer).await;
    post(&s, &officer, "/api/v1/counters/1/finish", json!({"outcome": "completed"})).await;

    let with = |choices: Value| json!({"ticket": id, "level": "satisfied", "choices": choices});
    let c = |i: &str, o: &str| json!({"indicator": i, "option": o});
    refused(&s, &kiosk, with(json!([c("khong_co", "good")])), 422, "invalid").await;
    refused(&s, &kiosk, with(json!([c("staff_attitude", "once")])), 422, "invalid").await;
    refused(&s, &kiosk, with(json!([c("total_processing_time", "early")])), 422, "invalid").await;
    refused(&s, &kiosk, with(json!([c("one_stop_handling", "all_here")])), 422, "invalid").await;
    refused(&s, &kiosk, with(json!([c("staff_attitude", "good"), c("staff_attitude", "poor")])), 422, "invalid").await;
    let both = json!({"ticket": id, "level": "satisfied", "choices": [c("staff_attitude", "good")], "answers": [["staff_attitude", 2]]});
    refused(&s, &kiosk, both, 422, "invalid").await;

    let (st, v) = post(
        &s,
        &kiosk,
        "/api/v1/ratings",
        with(json!([c("contacts_to_complete", "once"), c("staff_attitude", "good")])),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let Some(EventKind::RatingRecorded {
        officer: rated,
        counter,
        stage,
        answers,
        choices,
        indicator_set,
        computed,
        ..
    }) = ratings_in(&s).pop()
    else {
        panic!("no rating recorded")
    };
    assert_eq!(rated.as_deref(), Some("canbo1"), "the officer comes from the ticket");
    assert_eq!((counter, stage), (Some(1), Stage::Reception));
    assert_eq!(choices, [answer("contacts_to_complete", "once", 1), answer("staff_attitude", "good", 2)]);
    assert_eq!(answers, [(Indicator::ContactsToComplete, 1), (Indicator::StaffAttitude, 2)]);
    let set = indicator_set.unwrap();
    assert_eq!((set.id.as_str(), set.version.as_str()), ("nd61-2018", "2021.1"));
    assert!(computed.is_empty());

    // An older kiosk's answers (indicator, points) are still taken; the one the citizen cannot judge
    // (the total processing time) is not counted.
    let id2 = called_ticket(&s, &kiosk, &officer).await;
    let old = json!({"ticket": id2, "level": "very_satisfied", "answers": [["total_processing_time", 2], ["staff_attitude", 1]]});
    let (st, v) = post(&s, &kiosk, "/api/v1/ratings", old).await;
    assert_eq!(st, 201, "{v}");
    let Some(EventKind::RatingRecorded { answers, choices, officer: rated, .. }) = ratings_in(&s).pop() else {
        panic!()
    };
    assert_eq!(answers, [(Indicator::StaffAttitude, 1)]);
    assert!(choices.is_empty());
    assert_eq!(rated.as_deref(), Some("canbo1"));
    let id3 = called_ticket(&s, &kiosk, &officer).await;
    let too_many = json!({"ticket": id3, "level": "satisfied", "answers": [["staff_attitude", 3]]});
    refused(&s, &kiosk, too_many, 422, "invalid").await;
}

#[tokio::test]
async fn dossier_ratings_need_what_only_the_citizen_holds() {
    let dir = temp_dir("dossier-rating");
    let s = Server::demo(&dir);
    let kiosk = device(&s, "ticket-kiosk", None).await;
    let officer = login(&s, "canbo1").await;
    let admin = login(&s, "admin").await;
    let ticket = called_ticket(&s, &kiosk, &officer).await;

    let code = "000.00.01.H29-261101-0001";
    let (st, linked) = post(&s, &officer, "/api/v1/counters/1/link-dossier", json!({"code": code})).await;
    assert_eq!(st, 200, "{linked}");
    assert_eq!(linked["id"].as_str(), Some(ticket.as_str()), "the reply is the ticket…");
    assert_eq!(linked["dossier"], code);
    let token = linked["rating_token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 32, "…with the receipt's rating token");
    // Only its hash is logged.
    let db = queue_server::store::open_read_only(&s.dir).unwrap();
    let log = queue_server::store::events_after(&db, 0, usize::MAX >> 1).unwrap();
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(&token), "the token itself is never in the log");
    assert!(text.contains(&queue_server::store::sha256_hex(&token)));
    drop(db);

    let rating = |extra: Value| {
        let mut v = json!({"dossier": code, "level": "satisfied"});
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };
    // A well-formed code alone proves nothing, nor a wrong token, nor a token of another dossier.
    refused(&s, &kiosk, rating(json!({})), 403, "rating_proof_required").await;
    refused(&s, &kiosk, rating(json!({"rating_token": "0".repeat(32)})), 403, "rating_proof_mismatch").await;
    let other = json!({"dossier": "000.00.01.H29-261101-0002", "level": "satisfied", "rating_token": token});
    refused(&s, &kiosk, other, 403, "rating_proof_mismatch").await;
    refused(&s, &kiosk, rating(json!({"served_ticket": uuid::Uuid::new_v4()})), 403, "rating_proof_mismatch").await;
    // No records show it returned: the result-return stage cannot be rated yet.
    let returned = rating(json!({"rating_token": token, "stage": "result_return"}));
    refused(&s, &kiosk, returned, 409, "dossier_not_rateable").await;

    let ok = rating(json!({"rating_token": token, "choices": [{"indicator": "public_disclosure", "option": "full"}]}));
    let (st, v) = post(&s, &kiosk, "/api/v1/ratings", ok.clone()).await;
    assert_eq!((st, v["stage"].as_str(), v["counter"].as_u64()), (201, Some("reception"), Some(1)), "{v}");
    let Some(EventKind::RatingRecorded { officer: rated, proof, choices, .. }) = ratings_in(&s).pop() else { panic!() };
    assert_eq!(rated.as_deref(), Some("canbo1"), "the officer who served the linked ticket");
    assert_eq!(proof, Some(RatingProof::Token { linked_ticket: ticket.parse().unwrap() }));
    assert_eq!(choices, [answer("public_disclosure", "full", 2)]);
    // Sent again (a kiosk's queued upload retried): already rated, which the kiosk counts as done.
    let (st, v) = post(&s, &kiosk, "/api/v1/ratings", ok).await;
    assert_eq!((st, v["code"].as_str()), (409, Some("already_rated")));

    // A returned dossier, finished before its appointment: indicators 1–2 computed from the records;
    // the token read from the receipt's QR sent whole.
    let returned_code = "000.00.01.H29-261101-0003";
    let record = json!({"service": "DongBoHoSoMC", "isUpdating": false, "data": [{
        "MaHoSo": returned_code, "TenTTHC": "Chứng thực bản sao từ bản chính", "NgayTiepNhan": "20261101080000",
        "NgayHenTra": "20261120170000", "NgayKetThucXuLy": "20261115100000", "NgayTra": "20261116090000",
        "TrangThaiHoSo": 10 }]});
    let (st, v) = post(&s, &admin, "/api/v1/dossiers/import", record).await;
    assert_eq!((st, v["accepted"].as_u64()), (200, Some(1)), "{v}");
    let (_, linked) = post(&s, &officer, "/api/v1/counters/1/link-dossier", json!({"code": returned_code})).await;
    let token2 = linked["rating_token"].as_str().unwrap();
    let scanned = format!("https://dichvucong.example/tra-cuu?maHoSo={returned_code}&r={token2}");
    let body = json!({"dossier": scanned, "level": "very_satisfied", "stage": "result_return",
        "choices": [{"indicator": "one_stop_handling", "option": "all_here"}]});
    let (st, v) = post(&s, &kiosk, "/api/v1/ratings", body).await;
    assert_eq!(st, 201, "{v}");
    let Some(EventKind::RatingRecorded { computed, choices, stage, .. }) = ratings_in(&s).pop() else { panic!() };
    assert_eq!(stage, Stage::ResultReturn);
    assert_eq!(computed, [answer("total_processing_time", "early", 2), answer("time_per_agency", "early", 2)]);
    assert_eq!(choices, [answer("one_stop_handling", "all_here", 2)]);

    // The served ticket the dossier was linked to is proof too.
    let by_ticket =
        json!({"dossier": returned_code, "level": "satisfied", "stage": "reception", "served_ticket": ticket});
    let (st, v) = post(&s, &kiosk, "/api/v1/ratings", by_ticket).await;
    assert_eq!(st, 201, "{v}");
    let Some(EventKind::RatingRecorded { proof, officer, .. }) = ratings_in(&s).pop() else { panic!() };
    assert_eq!(proof, Some(RatingProof::LinkedTicket { linked_ticket: ticket.parse().unwrap() }));
    assert_eq!(officer.as_deref(), Some("canbo1"));
}

/// `GET /api/v1/rating/status` says, before any question, whether a rating would be taken: a served
/// ticket can be rated once per stage, a second time is refused with the rating's own message, and
/// asking records nothing. Only the rating terminal and the ticket kiosk ask.
#[tokio::test]
async fn the_rating_status_is_known_before_the_questions() {
    let dir = temp_dir("rating-status");
    let s = Server::demo(&dir);
    let kiosk = device(&s, "ticket-kiosk", None).await;
    let terminal = device(&s, "rating-terminal", Some(1)).await;
    let other_terminal = device(&s, "rating-terminal", Some(2)).await;
    let display = device(&s, "display", None).await;
    let officer = login(&s, "canbo1").await;

    let (_, waiting) = post(&s, &kiosk, "/api/v1/tickets", json!({"service": "ho-tich"})).await;
    let waiting = waiting["id"].as_str().unwrap().to_owned();
    let (st, v) = get(&s, &kiosk, &format!("/api/v1/rating/status?ticket={waiting}")).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!((v["can_rate"].as_bool(), v["refusal"]["code"].as_str()), (Some(false), Some("not_served_yet")), "{v}");

    let id = called_ticket(&s, &kiosk, &officer).await;
    post(&s, &officer, "/api/v1/counters/1/finish", json!({"outcome": "completed"})).await;
    let before = last_seq(&s).await;
    let path = format!("/api/v1/rating/status?ticket={id}");
    let (st, v) = get(&s, &terminal, &path).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["can_rate"], json!(true), "{v}");
    assert_eq!((v["stage"].as_str(), v["counter"].as_u64()), (Some("reception"), Some(1)), "{v}");
    assert!(v["refusal"].is_null(), "{v}");
    assert_eq!(last_seq(&s).await, before, "asking records nothing");
    // The terminal of another counter may not rate it.
    let (_, v) = get(&s, &other_terminal, &path).await;
    assert_eq!(v["can_rate"], json!(false), "{v}");

    let (st, v) = post(&s, &terminal, "/api/v1/ratings", json!({"ticket": id, "level": "satisfied"})).await;
    assert_eq!(st, 201, "{v}");
    for token in [&terminal, &kiosk] {
        let (st, v) = get(&s, token, &path).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(
            (v["can_rate"].as_bool(), v["refusal"]["code"].as_str()),
            (Some(false), Some("already_rated")),
            "{v}"
        );
        let message: domain::Localized = serde_json::from_value(v["refusal"]["message"].clone()).unwrap();
        assert!(domain::error::message_faults(&message, &[]).is_empty(), "{message:?}");
    }
    // Another stage of the same ticket is still open.
    let (_, v) = get(&s, &kiosk, &format!("{path}&stage=result_return")).await;
    assert_eq!((v["can_rate"].as_bool(), v["stage"].as_str()), (Some(true), Some("result_return")), "{v}");

    let (st, _) = get(&s, &display, &path).await;
    assert_eq!(st, 403, "a display does not ask");
    let (st, v) = get(&s, &kiosk, "/api/v1/rating/status").await;
    assert_eq!((st, v["code"].as_str()), (422, Some("invalid")), "neither a ticket nor a dossier: {v}");
}
