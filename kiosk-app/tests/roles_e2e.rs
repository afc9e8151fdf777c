//! The rating terminal and the display against the real queue server: an officer serves a ticket at
//! counter 1 and invites a rating; the terminal, following the live events, rates it once; the display
//! reads the board.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::{kiosk_config, temp_dir, Server};
use domain::api::RatingRequest;
use domain::event::EventKind;
use domain::office::Priority;
use domain::rating::{Indicator, RatingLevel};
use kiosk_app::config::Config;
use kiosk_app::core::{Core, RatingOutcome};

#[test]
fn rating_terminal_wakes_on_invitation_and_rates_once() {
    let dir = temp_dir("rating");
    let server = Server::demo(&dir.join("server"));

    // A kiosk issues a ticket for a service counter 1 serves.
    let mut kiosk = common::enrolled_core(&server, &dir.join("kiosk"), "ticket-kiosk");
    let officer = server.login("canbo1");
    let service = common::counter_service(&server, &officer, 1);
    let ticket = kiosk.issue(&service, Priority::None).unwrap();

    // The rating terminal of counter 1 follows the live events.
    let term_dir = dir.join("terminal");
    std::fs::create_dir_all(&term_dir).unwrap();
    let code = server.enrolment_code("rating-terminal", Some(1));
    let config = Config::load(&kiosk_config(&term_dir, "rating-terminal", &server.base(), &code, None)).unwrap();
    let mut terminal = Core::start(&config).unwrap();
    assert_eq!(kiosk_app::core::enrolled_counter(&config.data_dir), Some(1));
    let client = terminal.client().clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut last = None;
        let _ = kiosk_app::events::follow(&client, &mut last, |e| {
            if let EventKind::RatingInvited { counter, ticket, .. } = e.kind {
                let _ = tx.send((counter, ticket, e.seq));
            }
        });
    });
    std::thread::sleep(Duration::from_millis(300));

    // The officer calls, serves and finishes the ticket, then invites a rating.
    let called = server.post(&officer, "/api/v1/counters/1/call-next");
    assert_eq!(
        called["current"]["number"].as_str().or(called["number"].as_str()),
        Some(ticket.number.as_str()),
        "{called}"
    );
    server.post(&officer, "/api/v1/counters/1/start");
    server.post(&officer, "/api/v1/counters/1/finish");
    server.post(&officer, "/api/v1/counters/1/invite-rating");
    let (counter, invited, _seq) =
        rx.recv_timeout(Duration::from_secs(10)).expect("rating_invited reaches the terminal");
    assert_eq!(counter, 1);
    let view = terminal.client().ticket(invited).unwrap();
    assert_eq!(view.number, ticket.number);

    let rating = RatingRequest {
        ticket: Some(invited),
        dossier: None,
        counter: None,
        stage: None,
        level: RatingLevel::VerySatisfied,
        answers: vec![(Indicator::StaffAttitude, 2)],
        comment: Some("Cán bộ nhiệt tình".into()),
        choices: vec![],
        rating_token: None,
        served_ticket: None,
    };
    assert_eq!(terminal.rate(rating.clone()).unwrap(), RatingOutcome::Recorded);
    // One rating per served ticket: the second is refused with the server's message.
    let e = terminal.rate(rating).unwrap_err();
    assert!(e.to_string().contains("đã được đánh giá"), "{e}");

    // The display reads the board: the served ticket's call is among the recent calls.
    let disp_dir = dir.join("display");
    std::fs::create_dir_all(&disp_dir).unwrap();
    let code = server.enrolment_code("display", None);
    let display =
        Core::start(&Config::load(&kiosk_config(&disp_dir, "display", &server.base(), &code, None)).unwrap()).unwrap();
    let board = kiosk_app::ui::live::fetch_board(&display, None).expect("board");
    assert!(board.recent.iter().any(|(n, c)| n == &ticket.number && c == "1"), "{:?}", board.recent);
    // A waiting room of counters 2 and 3 (`[display] counters = [2, 3]`) shows nothing of counter 1.
    let room = kiosk_app::ui::live::fetch_board(&display, Some(&[2, 3])).expect("board");
    assert!(room.recent.iter().all(|(_, c)| c != "1") && room.serving.iter().all(|(c, _, _)| c != "1"), "{room:?}");
    assert!(room.recent.len() < board.recent.len(), "the filter took counter 1's calls out");
    assert!(!board.office.is_empty());
    // Through the display's backend: refreshed in the background, never blocking the screen.
    use kiosk_app::ui::Backend;
    let mut live = kiosk_app::ui::LiveBackend::new(display, None, String::new());
    let started = std::time::Instant::now();
    let first = live.board();
    assert!(started.elapsed() < Duration::from_millis(100), "board() does not wait for the network");
    let mut seen = first.recent.iter().any(|(n, _)| n == &ticket.number);
    while !seen && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
        seen = live.board().recent.iter().any(|(n, _)| n == &ticket.number);
    }
    assert!(seen && live.online());
    std::fs::remove_dir_all(&dir).ok();
}
