//! The display's board against the real queue server: it follows the live events (a call shows long
//! before the 30 s safety poll could bring it), falls back to polling while the server is away and
//! follows again when it is back, and the display window draws a call at its 20 ms poll without
//! anyone touching it.

mod common;

use std::time::{Duration, Instant};

use common::{temp_dir, Server};
use domain::office::Priority;
use kiosk_app::board::{BoardFeed, Follow, POLL_WHILE_FOLLOWING};
use kiosk_app::core::Core;

/// Waits up to `limit` for `cond`.
fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

struct Office {
    server: Server,
    kiosk: Core,
    display: Core,
    officer: String,
    /// A service counter 1 takes.
    service: String,
    dir: std::path::PathBuf,
}

fn office(name: &str) -> Office {
    let dir = temp_dir(name);
    let server = Server::demo(&dir.join("server"));
    let kiosk = common::enrolled_core(&server, &dir.join("ticket-kiosk"), "ticket-kiosk");
    let display = common::enrolled_core(&server, &dir.join("display"), "display");
    let officer = server.login("canbo1");
    let service = common::counter_service(&server, &officer, 1);
    Office { server, kiosk, display, officer, service, dir }
}

fn serving_at_1(feed: &BoardFeed) -> Option<String> {
    feed.snapshot().board.serving.iter().find(|(c, _, _)| c == "1").map(|(_, n, _)| n.clone())
}

#[test]
fn the_board_follows_calls_from_the_live_events() {
    let mut o = office("board-events");
    let feed = BoardFeed::start(o.display.client().clone(), None, Follow::Events);
    assert!(wait_for(Duration::from_secs(10), || feed.following() && feed.generation() > 0), "stream up, board read");
    let first = o.kiosk.issue(&o.service, Priority::None).unwrap();
    let generation = feed.generation();
    o.server.post(&o.officer, "/api/v1/counters/1/call-next");
    // Polling alone would bring the call only after POLL_WHILE_FOLLOWING (30 s).
    let limit = POLL_WHILE_FOLLOWING / 3;
    assert!(
        wait_for(limit, || serving_at_1(&feed).as_deref() == Some(first.number.as_str())),
        "the call of {} reached the board within {limit:?} (board: {:?})",
        first.number,
        feed.snapshot().board
    );
    assert!(feed.generation() > generation);
    // The board's recent calls are read from the log and its counters from the projection, which the
    // writer updates just before the commit: one fetch can show the call at the counter and not yet
    // among the recent calls; the fetch the call's own event triggers has both.
    let in_recent = |feed: &BoardFeed| feed.snapshot().board.recent.iter().any(|(n, c)| n == &first.number && c == "1");
    assert!(
        wait_for(Duration::from_secs(5), || in_recent(&feed)),
        "among the recent calls: {:?}",
        feed.snapshot().board
    );

    // The server goes away: the board says so (not ok) and keeps what it showed.
    o.server.stop();
    assert!(wait_for(Duration::from_secs(15), || !feed.following() && !feed.ok()), "the feed noticed");
    assert_eq!(serving_at_1(&feed).as_deref(), Some(first.number.as_str()), "the last board stays up");
    // Back: polled at once, then followed again; a new call shows.
    o.server.start();
    assert!(wait_for(Duration::from_secs(15), || feed.ok() && feed.following()), "following again");
    let second = o.kiosk.issue(&o.service, Priority::None).unwrap();
    o.server.post(&o.officer, "/api/v1/counters/1/call-next");
    assert!(
        wait_for(limit, || serving_at_1(&feed).as_deref() == Some(second.number.as_str())),
        "the call of {} after the restart reached the board",
        second.number
    );
    drop(feed);
    std::fs::remove_dir_all(&o.dir).ok();
}

#[test]
fn polling_only_still_brings_the_board() {
    let mut o = office("board-poll");
    let feed = BoardFeed::start(o.display.client().clone(), Some(vec![1]), Follow::Poll(Duration::from_millis(300)));
    assert!(wait_for(Duration::from_secs(10), || feed.generation() > 0));
    assert!(!feed.following(), "no stream when polling");
    let ticket = o.kiosk.issue(&o.service, Priority::None).unwrap();
    o.server.post(&o.officer, "/api/v1/counters/1/call-next");
    assert!(wait_for(Duration::from_secs(10), || serving_at_1(&feed).as_deref() == Some(ticket.number.as_str())));
    // `[display] counters = [1]`: only counter 1 is on this board.
    assert!(feed.snapshot().board.serving.iter().all(|(c, _, _)| c == "1"));
    o.server.stop();
    std::fs::remove_dir_all(&o.dir).ok();
}

/// The display window with the device's backend (jobs on the worker, as on a device): a call is drawn
/// by the 20 ms poll alone — no tick, no touch.
#[test]
fn the_display_window_draws_a_call_at_its_poll() {
    use domain::i18n::Lang;
    use kiosk_app::config::DeviceRole;
    use kiosk_app::ui::{Controller, Execution, LiveBackend, MainWindow, Options, Page, WaitingRoom};
    use slint::ComponentHandle;

    i_slint_backend_testing::init_no_event_loop();
    let o = office("board-window");
    let ui = MainWindow::new().unwrap();
    let options = Options {
        role: DeviceRole::Display,
        lang: Lang::Vi,
        office: String::new(),
        technician_pin: "2468".into(),
        idle_timeout: Duration::from_secs(600),
        size: (1920, 1080),
        execution: Execution::Worker,
    };
    let Office { server, mut kiosk, display, officer, service, dir } = o;
    let backend = LiveBackend::new(display, None, String::new());
    let controller = Controller::attach(&ui, Box::new(backend), options);
    ui.show().unwrap();
    assert_eq!(ui.global::<kiosk_app::ui::App>().get_page(), Page::Display);
    let shown_at_1 = |ui: &MainWindow| {
        slint::Model::iter(&ui.global::<WaitingRoom>().get_serving()).find(|r| r.counter == "1").map(|r| r.number)
    };
    // The first board (the office's name comes from the server).
    assert!(wait_for(Duration::from_secs(10), || {
        controller.borrow_mut().poll();
        !ui.global::<kiosk_app::ui::App>().get_office_name().is_empty()
    }));
    let ticket = kiosk.issue(&service, Priority::None).unwrap();
    server.post(&officer, "/api/v1/counters/1/call-next");
    assert!(
        wait_for(POLL_WHILE_FOLLOWING / 3, || {
            controller.borrow_mut().poll();
            shown_at_1(&ui).is_some_and(|n| n == ticket.number.as_str())
        }),
        "the call of {} is drawn",
        ticket.number
    );
    drop(controller);
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}
