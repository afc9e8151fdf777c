//! The display's announcements against the real queue server: two officers call tickets at counters 1
//! and 3 within a moment of each other, then counter 1 recalls. The display's follower fetches each
//! announcement and plays it on a WAV-file sink paced like a speaker. Every announcement must arrive
//! once, in event order, whole (the samples the server served) and after the previous one ended.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{kiosk_config, temp_dir, Server};
use domain::event::EventKind;
use domain::office::Priority;
use kiosk_app::audio::{Announcer, Clip, Outcome, WavFileSink};
use kiosk_app::config::Config;
use kiosk_app::core::Core;

fn core(server: &Server, dir: &std::path::Path, role: &str) -> Core {
    std::fs::create_dir_all(dir).unwrap();
    let code = server.enrolment_code(role, None);
    Core::start(&Config::load(&kiosk_config(dir, role, &server.base(), &code, None)).unwrap()).unwrap()
}

#[test]
fn display_plays_every_call_once_in_order_and_never_cuts_one_off() {
    let dir = temp_dir("display-audio");
    let server = Server::demo(&dir.join("server"));

    // Tickets for services that only counter 1 (ho-tich) and counter 3 (dat-dai) of the two serve.
    let mut kiosk = core(&server, &dir.join("kiosk"), "ticket-kiosk");
    let first = kiosk.issue("ho-tich", Priority::None).unwrap();
    let second = kiosk.issue("dat-dai", Priority::None).unwrap();

    let display = core(&server, &dir.join("display"), "display");
    let client = display.client().clone();
    let start_after = client.health().unwrap().last_seq;
    let played_dir = dir.join("played");
    let sink = WavFileSink::new(&played_dir).unwrap().real_time();
    let written = sink.written();
    let (tx, outcomes) = mpsc::channel();
    let stale_after = Duration::from_secs(60);
    let announcer = Announcer::start(Box::new(sink), stale_after, move |o| tx.send(o.clone()).unwrap()).unwrap();
    kiosk_app::announcements::spawn(client.clone(), announcer, stale_after, Some(start_after), None).unwrap();
    // A second waiting room's display, for counter 3 only (`[display] counters = [3]`).
    let (tx3, outcomes3) = mpsc::channel();
    let room3 = Announcer::start(Box::new(WavFileSink::new(&dir.join("room3")).unwrap()), stale_after, move |o| {
        tx3.send(o.clone()).unwrap()
    })
    .unwrap();
    kiosk_app::announcements::spawn(client.clone(), room3, stale_after, Some(start_after), Some(vec![3])).unwrap();

    // The test's own view of the log: the seq of every call and recall, in order.
    let (seq_tx, seqs) = mpsc::channel();
    let watcher = client.clone();
    std::thread::spawn(move || {
        let mut last = Some(start_after);
        let _ = kiosk_app::events::follow(&watcher, &mut last, |e| {
            if matches!(e.kind, EventKind::TicketCalled { .. } | EventKind::TicketRecalled { .. }) {
                let _ = seq_tx.send(e.seq);
            }
        });
    });

    let officer1 = server.login("canbo1");
    let officer3 = server.login("canbo3");
    let calling = Instant::now();
    let called = server.post(&officer1, "/api/v1/counters/1/call-next");
    assert_eq!(called["number"].as_str(), Some(first.number.as_str()), "{called}");
    let called = server.post(&officer3, "/api/v1/counters/3/call-next");
    assert_eq!(called["number"].as_str(), Some(second.number.as_str()), "{called}");
    server.post(&officer1, "/api/v1/counters/1/recall");
    assert!(calling.elapsed() < Duration::from_secs(3), "the calls came quickly, while the first one plays");

    let expected: Vec<u64> = (0..3).map(|_| seqs.recv_timeout(Duration::from_secs(10)).expect("call event")).collect();
    // Each announcement is about 7.7 s long and they play one after another.
    let mut reported = Vec::new();
    for _ in &expected {
        reported.push(outcomes.recv_timeout(Duration::from_secs(30)).expect("an announcement outcome"));
    }
    let played: Vec<Outcome> = expected.iter().map(|&seq| Outcome::Played { seq }).collect();
    assert_eq!(reported, played, "every call and recall played once, in event order");
    assert_eq!(
        outcomes3.recv_timeout(Duration::from_secs(10)).expect("counter 3's call in its room"),
        Outcome::Played { seq: expected[1] }
    );
    assert!(
        outcomes3.recv_timeout(Duration::from_millis(500)).is_err(),
        "counter 1's call and recall are not for room 3"
    );
    // Nothing more comes: no announcement twice.
    assert!(outcomes.recv_timeout(Duration::from_secs(1)).is_err());

    let clips = written.clips();
    assert_eq!(clips.len(), 3, "{clips:?}");
    assert_eq!(std::fs::read_dir(&played_dir).unwrap().count(), 3);
    let served_by = |seq: u64| Clip::from_wav(&client.announcement(seq).unwrap().wav).unwrap();
    for (clip, &seq) in clips.iter().zip(&expected) {
        let file = Clip::from_wav(&std::fs::read(&clip.path).unwrap()).unwrap();
        let served = served_by(seq);
        assert!(served.duration() > Duration::from_secs(2), "{seq}: a whole announcement, {:?}", served.duration());
        assert_eq!((file.rate, file.channels), (served.rate, served.channels), "{}", clip.path.display());
        assert!(file.samples == served.samples, "{}: not the samples served for event {seq}", clip.path.display());
        assert!(clip.ended - clip.started >= served.duration(), "{}: played in real time", clip.path.display());
    }
    // The server dates its answers, so the display measures a call's age on the server's clock.
    let served = client.announcement(expected[0]).unwrap();
    let server_time = served.server_time.expect("a Date header");
    assert!((server_time - time::OffsetDateTime::now_utc()).abs() < time::Duration::seconds(5));
    // The recall is the same announcement again, the two calls differ (counter and number).
    assert_eq!(served_by(expected[0]), served_by(expected[2]));
    assert_ne!(served_by(expected[0]), served_by(expected[1]));
    for pair in clips.windows(2) {
        assert!(
            pair[1].started >= pair[0].ended,
            "{} started before {} ended",
            pair[1].path.display(),
            pair[0].path.display()
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
