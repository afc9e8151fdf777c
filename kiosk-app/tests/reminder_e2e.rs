//! Reminders by message from the kiosk against the real queue server and a local message gateway: the
//! kiosk learns from `/healthz` that the office sends them, the citizen types a number on the ticket
//! screen, the server keeps it and the gateway gets the signed "near" message for that ticket; a
//! number the server refuses comes back as its message; an office without reminders offers none.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{enrolled_core, kiosk_config, kiosk_window, temp_dir, Server};
use kiosk_app::config::Config;
use kiosk_app::core::Core;
use kiosk_app::ui::{App, Controller, LiveBackend, MainWindow, Page, PriorityGroup, Ticketing};
use slint::ComponentHandle;

/// A gateway that answers 200 to every POST and keeps the bodies.
fn gateway() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_ok() {
                if let Ok(v) = serde_json::from_slice(&body) {
                    kept.lock().unwrap().push(v);
                }
            }
            let _ = reader.get_mut().write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, bodies)
}

fn kiosk(server: &Server, dir: &std::path::Path) -> (MainWindow, std::rc::Rc<std::cell::RefCell<Controller>>) {
    std::fs::create_dir_all(dir).unwrap();
    let code = server.enrolment_code("ticket-kiosk", None);
    let config = Config::load(&kiosk_config(dir, "ticket-kiosk", &server.base(), &code, None)).unwrap();
    let backend = LiveBackend::new(Core::start(&config).unwrap(), None, config.ui.office_name.clone());
    let (ui, c) = kiosk_window(backend, &config.ui.office_name);
    c.borrow_mut().background();
    assert!(c.borrow_mut().settle(Duration::from_secs(15)));
    (ui, c)
}

fn take_ticket(ui: &MainWindow, c: &std::rc::Rc<std::cell::RefCell<Controller>>) {
    ui.global::<App>().invoke_navigate(Page::Services);
    ui.global::<Ticketing>().invoke_choose_service("ho-tich".into());
    ui.global::<Ticketing>().invoke_take_ticket(PriorityGroup::Regular);
    assert!(c.borrow_mut().settle(Duration::from_secs(15)));
    assert_eq!(ui.global::<App>().get_page(), Page::Ticket);
}

#[test]
fn a_number_typed_at_the_kiosk_brings_the_message() {
    i_slint_backend_testing::init_no_event_loop();
    let dir = temp_dir("kiosk-reminders");
    let (url, bodies) = gateway();
    let server = Server::demo_with_config(
        &dir.join("server"),
        &format!(
            "[reminders]\nwebhook_url = \"{url}\"\nsecret = \"a-long-shared-secret-for-the-gateway\"\nahead = 3\n"
        ),
    );
    let (ui, c) = kiosk(&server, &dir.join("kiosk"));
    take_ticket(&ui, &c);
    let g = ui.global::<Ticketing>();
    assert!(g.get_reminder_offered(), "the office sends reminders: the ticket screen offers them");
    let number = g.get_ticket_number().to_string();
    g.invoke_open_reminder();
    assert_eq!(ui.global::<App>().get_page(), Page::Reminder);
    for d in "0903123456".chars() {
        g.invoke_edit_reminder_phone(d.to_string().into());
    }
    g.invoke_submit_reminder();
    assert!(c.borrow_mut().settle(Duration::from_secs(15)));
    assert_eq!(ui.global::<App>().get_page(), Page::Ticket, "{}", g.get_reminder_error());
    assert!(g.get_reminder_done().contains("09•••••456"), "{}", g.get_reminder_done());

    // Few ahead already: the "near" message reaches the gateway with the full number.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = bodies.lock().unwrap().clone();
        if let Some(m) = got.iter().find(|m| m["kind"] == "near") {
            assert_eq!(m["number"], number.as_str());
            assert_eq!(m["phone"], "+84903123456");
            break;
        }
        assert!(Instant::now() < deadline, "no near message: {got:?}");
        std::thread::sleep(Duration::from_millis(100));
    }

    // The server's own refusal is shown as it says it: a ticket of another kiosk.
    let mut other = enrolled_core(&server, &dir.join("other"), "ticket-kiosk");
    let theirs = other.issue("ho-tich", domain::office::Priority::None).unwrap();
    let mut mine = enrolled_core(&server, &dir.join("mine"), "ticket-kiosk");
    let err = mine.ask_reminder(theirs.id.unwrap(), "0903 123 457").unwrap_err();
    let said = kiosk_app::ui::live::explain(&err);
    assert!(!said.vi.is_empty() && said.vi != said.en, "{said:?}");
}

#[test]
fn an_office_without_reminders_offers_none() {
    i_slint_backend_testing::init_no_event_loop();
    let dir = temp_dir("kiosk-no-reminders");
    let server = Server::demo(&dir.join("server"));
    let (ui, c) = kiosk(&server, &dir.join("kiosk"));
    take_ticket(&ui, &c);
    assert!(!ui.global::<Ticketing>().get_reminder_offered());
}
