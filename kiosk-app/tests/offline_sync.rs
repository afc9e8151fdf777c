//! End to end against the real queue server: enrolment, online issuing and printing to the virtual
//! printer, and the offline path (stop the server, issue 20 tickets and queue 5 ratings, restart, sync).

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{kiosk_config, temp_dir, Server};
use domain::api::{RatingRequest, TicketView};
use domain::dossier::DossierCode;
use domain::i18n::Lang;
use domain::office::Priority;
use domain::rating::RatingLevel;
use kiosk_app::config::Config;
use kiosk_app::core::{Core, RatingOutcome, TicketPrinter};
use printer::virtual_printer::{Config as VpConfig, VirtualPrinter};

#[test]
fn offline_tickets_and_ratings_reach_the_server_exactly_once() {
    let dir = temp_dir("offline");
    let mut server = Server::demo(&dir.join("server"));
    let code = server.enrolment_code("ticket-kiosk", None);
    let config_path = kiosk_config(&dir, "ticket-kiosk", &server.base(), &code, None);
    let config = Config::load(&config_path).unwrap();

    // First start enrols and keeps the token owner-only.
    let core = Core::start(&config).unwrap();
    let token_path = config.data_dir.join(kiosk_app::core::TOKEN_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "token file mode {mode:o}");
    }
    // A second start reuses the token (the one-time code is spent).
    drop(core);
    let mut core = Core::start(&config).unwrap();

    let services: Vec<String> =
        core.services().unwrap().iter().filter(|s| s.open).map(|s| s.code.to_string()).collect();
    assert!(services.len() >= 3, "demo office has services: {services:?}");
    let granted = core.top_up_leases().unwrap();
    assert_eq!(granted, services.len(), "one lease per open service");
    assert_eq!(core.top_up_leases().unwrap(), 0, "leases are topped up only when low");
    let online = core.issue(&services[0], Priority::None).unwrap();
    assert!(!online.offline && core.is_online());
    // Its QR is the follow page a phone opens, on the address this kiosk uses (the demo sets none).
    let follow = online.qr.strip_prefix(&format!("{}/t/", server.base())).expect("the QR is the follow page");
    assert_eq!(core.client().follow(follow).unwrap().number, online.number);

    // A dossier lookup while online is cached; the demo office's first dossier of today is seq 101.
    let today_local = time::OffsetDateTime::now_utc().to_offset(kiosk_app::core::office_offset()).date();
    let dossier = DossierCode::generate("000.00.01.H29", today_local, 101).unwrap();
    let fresh = core.lookup_dossier(&format!("https://dichvucong.example/tra-cuu?ma={}", dossier.as_str())).unwrap();
    assert_eq!(fresh.view.code, dossier);
    assert!(fresh.as_of.is_none());
    let unknown = DossierCode::generate("000.00.01.H29", today_local, 9999).unwrap();
    assert!(matches!(core.lookup_dossier(unknown.as_str()), Err(kiosk_app::core::CoreError::UnknownDossier)));
    assert!(matches!(core.lookup_dossier("not a code"), Err(kiosk_app::core::CoreError::BadCode(_))));

    // An officer links five dossiers to the online ticket: each link gives the receipt's rating token.
    // (Counter 6 serves every service; the first service in the kiosk's order is not one of counter 1's.)
    let dossiers: Vec<String> = (0..5)
        .map(|i| DossierCode::generate("000.00.01.H29", today_local, 9000 + i).unwrap().as_str().to_owned())
        .collect();
    let tokens: Vec<String> = {
        let officer = server.login("canbo6");
        let http = reqwest::blocking::Client::new();
        let post = |path: &str, body: serde_json::Value| {
            let r = http.post(format!("{}{path}", server.base())).bearer_auth(&officer).json(&body).send().unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            r.json::<serde_json::Value>().unwrap()
        };
        post("/api/v1/counters/6/call", serde_json::json!({ "ticket": online.number }));
        dossiers
            .iter()
            .map(|code| {
                let linked = post("/api/v1/counters/6/link-dossier", serde_json::json!({ "code": code }));
                linked["rating_token"].as_str().unwrap().to_owned()
            })
            .collect()
    };

    // The link goes down.
    server.stop();
    let cached = core.lookup_dossier(dossier.as_str()).unwrap();
    assert_eq!(cached.view, fresh.view);
    assert!(cached.as_of.is_some(), "answered from the cache with its time");
    let started = Instant::now();
    let mut issued = Vec::new();
    for i in 0..20 {
        let service = &services[i % 3];
        let priority = if i % 5 == 0 { Priority::Elderly } else { Priority::None };
        let t = core.issue(service, priority).unwrap();
        assert!(t.offline, "ticket {i} issued offline");
        issued.push(t);
    }
    let offline_ms = started.elapsed().as_millis();
    assert!(!core.is_online());
    let labels: HashSet<&str> = issued.iter().map(|t| t.number.as_str()).collect();
    assert_eq!(labels.len(), 20, "no number twice offline");
    // Each offline slip's QR is its number's follow page too, given with the lease.
    let offline_follow: Vec<String> = issued
        .iter()
        .map(|t| t.qr.strip_prefix(&format!("{}/t/", server.base())).expect("an offline follow page").to_owned())
        .collect();
    assert_eq!(offline_follow.iter().collect::<HashSet<_>>().len(), 20);
    assert!(!labels.contains(online.number.as_str()));

    // Dossier ratings queued offline carry the receipt's token and still count when uploaded later.
    for (i, code) in dossiers.iter().enumerate() {
        let r = RatingRequest {
            ticket: None,
            dossier: Some(code.clone()),
            counter: None,
            stage: None,
            level: RatingLevel::ALL[i % 3],
            answers: vec![],
            comment: Some(format!("Góp ý số {i}")),
            choices: vec![],
            rating_token: Some(tokens[i].clone()),
            served_ticket: None,
        };
        assert_eq!(core.rate(r).unwrap(), RatingOutcome::Queued);
    }
    let pending = core.pending().unwrap();
    assert_eq!((pending.tickets, pending.ratings), (20, 5));

    // A sync while the server is still down changes nothing.
    let report = core.sync().unwrap();
    assert!(report.interrupted && report.tickets_uploaded == 0);

    // The link comes back.
    server.start();
    let report = core.sync().unwrap();
    assert_eq!((report.tickets_uploaded, report.ratings_uploaded, report.failed), (20, 5, 0), "{report:?}");
    assert!(!report.interrupted);
    assert_eq!(core.pending().unwrap(), Default::default());
    assert_eq!(core.sync().unwrap(), Default::default(), "a second sync has nothing to do");
    // The offline slips' follow pages now show the tickets in the queue.
    for (t, token) in issued.iter().zip(&offline_follow) {
        let view = core.client().follow(token).unwrap();
        assert_eq!((view.number.as_str(), view.status.as_str()), (t.number.as_str(), "waiting"));
    }

    // Every offline ticket is on the server with the number printed on it, exactly once.
    let stored = core.store().all_offline_tickets().unwrap();
    let admin = server.login("admin");
    let waiting: Vec<TicketView> = serde_json::from_value(server.get(&admin, "/api/v1/tickets")).unwrap();
    for t in &stored {
        let id = t.ticket_id.expect("uploaded");
        let view = core.client().ticket(id).unwrap();
        assert_eq!(view.number, t.label);
        assert_eq!(waiting.iter().filter(|w| w.number == t.label).count(), 1, "{} once in the queue", t.label);
    }
    // Uploading again with the same keys (a retry after a lost reply) yields the same tickets.
    for t in &stored {
        let again = core.client().upload_leased(t.lease, &t.upload(), &t.key).unwrap();
        assert_eq!(Some(again.id), t.ticket_id);
    }
    let waiting_after: Vec<TicketView> = serde_json::from_value(server.get(&admin, "/api/v1/tickets")).unwrap();
    assert_eq!(waiting_after.len(), waiting.len(), "retries doubled nothing");
    // Within a service the uploaded tickets queue in issue-time order.
    for service in &services[..3] {
        let order: Vec<&str> =
            waiting.iter().filter(|w| w.service.as_str() == service).map(|w| w.number.as_str()).collect();
        let mine: Vec<&str> = issued.iter().filter(|t| &t.service == service).map(|t| t.number.as_str()).collect();
        let positions: Vec<usize> = mine.iter().map(|m| order.iter().position(|o| o == m).unwrap()).collect();
        let regular: Vec<usize> = mine
            .iter()
            .zip(&positions)
            .filter(|(m, _)| issued.iter().any(|t| &t.number == *m && t.priority == Priority::None))
            .map(|(_, p)| *p)
            .collect();
        assert!(regular.windows(2).all(|w| w[0] < w[1]), "{service}: {mine:?} at {positions:?} in {order:?}");
    }
    // The ratings are recorded: the server refuses them a second time.
    for (code, token) in dossiers.iter().zip(&tokens) {
        let r = RatingRequest {
            ticket: None,
            dossier: Some(code.clone()),
            counter: None,
            stage: None,
            level: RatingLevel::Satisfied,
            answers: vec![],
            comment: None,
            choices: vec![],
            rating_token: Some(token.clone()),
            served_ticket: None,
        };
        let e = core.client().rate(&r).unwrap_err();
        assert_eq!(e.code(), Some("already_rated"), "{code}: {e}");
    }
    eprintln!("20 offline tickets issued in {offline_ms} ms");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_ticket_taken_online_prints_its_number() {
    let dir = temp_dir("print");
    let server = Server::demo(&dir.join("server"));
    let vp = VirtualPrinter::start(VpConfig::default()).unwrap();
    let code = server.enrolment_code("ticket-kiosk", None);
    let config = Config::load(&kiosk_config(&dir, "ticket-kiosk", &server.base(), &code, Some(&vp.url()))).unwrap();
    let mut core = Core::start(&config).unwrap();
    let mut printer = TicketPrinter::new(config.printer.as_ref().unwrap()).unwrap();
    let service = core.services().unwrap().iter().find(|s| s.open).unwrap().code.to_string();
    // Warm the connection once so the measurement is a kiosk's steady state.
    core.issue(&service, Priority::None).unwrap();

    let started = Instant::now();
    let ticket = core.issue(&service, Priority::Pregnant).unwrap();
    let issued = started.elapsed();
    printer.print(&ticket.slip("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", None, Lang::Vi)).unwrap();
    let touch_to_bytes = started.elapsed();

    let jobs = vp.wait_jobs(1, Duration::from_secs(5));
    assert_eq!(jobs.len(), 1);
    let info = &jobs[0].info;
    assert!(info.text_lines.iter().any(|l| l.contains(&ticket.number)), "{} in {:?}", ticket.number, info.text_lines);
    assert!(info.text_lines.iter().any(|l| l.contains("Phụ nữ mang thai")), "{:?}", info.text_lines);
    assert_eq!(info.qr_payloads, vec![ticket.qr.as_bytes().to_vec()]);
    assert!(ticket.qr.starts_with(&format!("{}/t/", server.base())), "{}", ticket.qr);
    assert_eq!(info.cuts, 1);
    // The kiosk reads its own QR back to rate the ticket once it has been served (not before).
    assert!(matches!(core.served_ticket(&ticket.qr), Err(kiosk_app::core::CoreError::NotServed(_))));
    let officer = server.login("canbo6");
    let http = reqwest::blocking::Client::new();
    for (path, body) in [
        ("call", serde_json::json!({ "ticket": ticket.number })),
        ("start", serde_json::json!({})),
        ("finish", serde_json::json!({ "outcome": "completed" })),
    ] {
        let r = http
            .post(format!("{}/api/v1/counters/6/{path}", server.base()))
            .bearer_auth(&officer)
            .json(&body)
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
    assert_eq!(core.served_ticket(&ticket.qr).unwrap().number, ticket.number);
    let made_up = format!("{}/t/{}", server.base(), "ab".repeat(26));
    assert!(matches!(core.served_ticket(&made_up), Err(kiosk_app::core::CoreError::BadCode(_))));
    eprintln!(
        "touch to ticket bytes: {:.1} ms (issue {:.1} ms)",
        touch_to_bytes.as_secs_f64() * 1e3,
        issued.as_secs_f64() * 1e3
    );
    vp.stop();
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_printer_out_of_paper_alerts_staff_and_the_ticket_can_be_reprinted() {
    use kiosk_app::ui::{Backend, LiveBackend};
    let dir = temp_dir("paper");
    let server = Server::demo(&dir.join("server"));
    let vp = VirtualPrinter::start(VpConfig::default()).unwrap();
    let code = server.enrolment_code("ticket-kiosk", None);
    let config = Config::load(&kiosk_config(&dir, "ticket-kiosk", &server.base(), &code, Some(&vp.url()))).unwrap();
    let core = Core::start(&config).unwrap();
    let printer = TicketPrinter::new(config.printer.as_ref().unwrap()).unwrap();
    let mut backend = LiveBackend::new(core, Some(printer), "UBND PHƯỜNG".into());
    let service = backend.services().into_iter().find(|s| s.open).unwrap().code.to_string();

    vp.set_state(printer::PrinterState::PaperOut);
    let ticket = backend.issue(&service, Priority::None).unwrap();
    let e = backend.print(&ticket, Lang::Vi).unwrap_err();
    assert!(e.contains("paper"), "{e}");
    assert!(backend.paper_low());
    // Staff see it in the device list.
    let admin = server.login("admin");
    let devices = server.get(&admin, "/api/v1/admin/devices");
    let kiosk = devices.as_array().unwrap().iter().find(|d| d["role"] == "ticket-kiosk").unwrap();
    assert_eq!(kiosk["health"]["printer"]["ok"], false, "{kiosk}");
    assert_eq!(kiosk["health"]["printer"]["ticket"], ticket.number.as_str());

    // Paper loaded: the reprint carries the same number.
    vp.set_state(printer::PrinterState::Ready);
    backend.print(&ticket, Lang::Vi).unwrap();
    let jobs = vp.wait_jobs(1, Duration::from_secs(5));
    assert_eq!(jobs.len(), 1, "nothing was sent while the paper was out");
    assert!(jobs[0].info.text_lines.iter().any(|l| l.contains(&ticket.number)));
    vp.stop();
    std::fs::remove_dir_all(&dir).ok();
}

/// The screen's core and the background worker's core share the SQLite store through two connections:
/// leases the worker took are used by the screen while the server is down, and the worker uploads what
/// the screen issued when it is back.
#[test]
fn the_background_worker_and_the_screen_share_the_store() {
    use kiosk_app::ui::{Backend, LiveBackend};
    let dir = temp_dir("worker");
    let mut server = Server::demo(&dir.join("server"));
    let code = server.enrolment_code("ticket-kiosk", None);
    let config = Config::load(&kiosk_config(&dir, "ticket-kiosk", &server.base(), &code, None)).unwrap();
    let screen_core = Core::start(&config).unwrap();
    let mut worker = Core::start(&config).unwrap();

    let report = worker.background_pass(None).unwrap();
    assert!(!report.interrupted);
    let mut screen = LiveBackend::new(screen_core, None, String::new());
    screen.background_worker = true;
    assert!(screen.online());
    let services = screen.services();
    assert!(!services.is_empty(), "the screen reads the list the worker stored");
    let service = services.iter().find(|s| s.open).unwrap().code.to_string();

    server.stop();
    worker.background_pass(None).unwrap();
    assert!(!screen.online(), "the worker published that the link is down");
    let started = Instant::now();
    let t = screen.issue(&service, Priority::None).unwrap();
    assert!(t.offline, "issued from the lease the worker took");
    eprintln!("offline issue while the link is down: {} ms", started.elapsed().as_millis());
    assert_eq!(screen.pending_uploads(), 1);

    server.start();
    let report = worker.background_pass(None).unwrap();
    assert_eq!(report.tickets_uploaded, 1);
    assert!(screen.online());
    assert_eq!(screen.pending_uploads(), 0);
    std::fs::remove_dir_all(&dir).ok();
}
