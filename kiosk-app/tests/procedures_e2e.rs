//! The procedure catalogue and the indicator set's questions as a real device uses them, against the
//! real queue server (demo office): a citizen finds a procedure (typed without diacritics, NFC or NFD)
//! and takes a ticket that names it — on screen, on paper and for the officer; offline the kept
//! catalogue answers and the printed ticket still names it. The rating terminal asks the set's
//! questions of the stage, sends choices, and is refused a second rating before any question.

mod common;

use std::time::Duration;

use common::{kiosk_config, temp_dir, Server};
use domain::i18n::Lang;
use kiosk_app::config::{Config, DeviceRole};
use kiosk_app::core::{Core, TicketPrinter};
use kiosk_app::ui::{
    App, Controller, Execution, LiveBackend, MainWindow, Options, Page, Procedures, Rating, Satisfaction, Ticketing,
};
use printer::virtual_printer::{Config as VpConfig, VirtualPrinter};
use slint::ComponentHandle;

type Shared = std::rc::Rc<std::cell::RefCell<Controller>>;

fn settle(c: &Shared) {
    assert!(c.borrow_mut().settle(Duration::from_secs(15)), "jobs finished");
}

fn screen(role: DeviceRole, backend: LiveBackend) -> (MainWindow, Shared) {
    let ui = MainWindow::new().unwrap();
    let options = Options {
        role,
        lang: Lang::Vi,
        office: "Một cửa".into(),
        technician_pin: "2468".into(),
        idle_timeout: Duration::from_secs(600),
        size: (1080, 1920),
        execution: Execution::Worker,
    };
    let c = Controller::attach(&ui, Box::new(backend), options);
    ui.show().unwrap();
    (ui, c)
}

fn titles(ui: &MainWindow) -> Vec<String> {
    slint::Model::iter(&ui.global::<Procedures>().get_rows()).map(|r| r.title.to_string()).collect()
}

fn type_search(ui: &MainWindow, c: &Shared, keys: &[&str]) {
    for k in keys {
        ui.global::<Procedures>().invoke_edit_search((*k).into());
    }
    settle(c);
}

const BIRTH: &str = "1.001193.000.00.00.H29";

#[test]
fn a_procedure_ticket_online_and_offline() {
    i_slint_backend_testing::init_no_event_loop();
    let dir = temp_dir("procedures-e2e");
    let mut server = Server::demo(&dir.join("server"));
    let vp =
        VirtualPrinter::start(VpConfig { idle_job_end: Duration::from_millis(100), ..VpConfig::default() }).unwrap();
    let code = server.enrolment_code("ticket-kiosk", None);
    let config = Config::load(&kiosk_config(&dir, "ticket-kiosk", &server.base(), &code, Some(&vp.url()))).unwrap();

    // The core searches the server's catalogue with or without diacritics, in NFC or NFD.
    let mut core = Core::start(&config).unwrap();
    // "Đăng ký khai sinh" in NFC, without marks, in capitals, and in NFD (y + U+0301, a + U+0306).
    for query in ["Đăng ký khai sinh", "khai sinh", "KHAI SINH", "đa\u{306}ng ky\u{301} khai sinh"] {
        let found = core.search_procedures(query, None).unwrap();
        assert!(!found.cached);
        assert!(found.list.procedures.iter().any(|p| p.code == BIRTH), "{query:?}: {:?}", found.list.procedures);
    }
    let by_field = core.search_procedures("", Some("Ho\u{323}\u{302} ti\u{323}ch")).unwrap().list;
    assert!(!by_field.procedures.is_empty() && by_field.procedures.iter().all(|p| p.field.vi == "Hộ tịch"));
    assert!(by_field.fields.iter().any(|f| f.vi == "Hộ tịch"), "the fields to browse");
    drop(core);

    let core = Core::start(&config).unwrap();
    let printer = TicketPrinter::new(config.printer.as_ref().unwrap()).unwrap();
    let (ui, c) = screen(DeviceRole::TicketKiosk, LiveBackend::new(core, Some(printer), "Một cửa".into()));
    // The background pass takes number leases and keeps the catalogue for offline searches.
    c.borrow_mut().background();
    settle(&c);

    ui.global::<App>().invoke_navigate(Page::Procedures);
    settle(&c);
    assert!(titles(&ui).contains(&"Hộ tịch".to_owned()), "fields first: {:?}", titles(&ui));
    type_search(&ui, &c, &["k", "h", "a", "i", " ", "s", "i", "n", "h"]);
    assert!(titles(&ui).contains(&"Đăng ký khai sinh".to_owned()), "{:?}", titles(&ui));
    ui.global::<Procedures>().invoke_choose_procedure(BIRTH.into());
    assert_eq!(ui.global::<App>().get_page(), Page::Procedure);
    let papers: Vec<String> =
        slint::Model::iter(&ui.global::<Procedures>().get_papers()).map(|p| p.to_string()).collect();
    assert!(papers.contains(&"Giấy chứng sinh hoặc giấy tờ thay thế".to_owned()), "{papers:?}");
    assert_eq!(ui.global::<Procedures>().get_time_limit(), "Trong ngày");
    ui.global::<Procedures>().invoke_take_ticket();
    settle(&c);
    assert_eq!(ui.global::<App>().get_page(), Page::Ticket, "{}", ui.global::<App>().get_message());
    assert_eq!(ui.global::<Ticketing>().get_ticket_procedure(), "Đăng ký khai sinh");
    let number = ui.global::<Ticketing>().get_ticket_number().to_string();
    let jobs = vp.wait_jobs(1, Duration::from_secs(5));
    assert!(jobs[0].info.text_lines.iter().any(|l| l.trim() == "Đăng ký khai sinh"), "{:?}", jobs[0].info.text_lines);
    // The officer sees the procedure on the ticket.
    let officer = server.login("canbo1");
    let ticket = server.get(&officer, &format!("/api/v1/tickets/{number}"));
    assert_eq!(ticket["procedure"]["code"], BIRTH, "{ticket}");
    ui.global::<App>().invoke_go_home();

    // Offline: the kept catalogue answers, and the ticket from the lease still names the procedure.
    server.stop();
    ui.global::<App>().invoke_navigate(Page::Procedures);
    type_search(&ui, &c, &["c", "h", "u", "n", "g", " ", "t", "h", "u", "c"]);
    let note = ui.global::<Procedures>().get_note().to_string();
    assert!(note.contains("danh mục thủ tục đã lưu"), "{note}");
    let rows: Vec<String> =
        slint::Model::iter(&ui.global::<Procedures>().get_rows()).map(|r| r.key.to_string()).collect();
    assert!(!rows.is_empty(), "found in the kept catalogue: {:?}", titles(&ui));
    let name = titles(&ui)[0].clone();
    ui.global::<Procedures>().invoke_choose_procedure(rows[0].as_str().into());
    ui.global::<Procedures>().invoke_take_ticket();
    settle(&c);
    assert_eq!(ui.global::<App>().get_page(), Page::Ticket, "{}", ui.global::<App>().get_message());
    assert!(ui.global::<Ticketing>().get_ticket_offline());
    assert_eq!(ui.global::<Ticketing>().get_ticket_procedure().as_str(), name);
    let jobs = vp.wait_jobs(2, Duration::from_secs(5));
    assert!(jobs[1].info.text_lines.iter().any(|l| l.trim() == name), "{:?}", jobs[1].info.text_lines);
    // Back online: the upload carries the procedure, so the officer sees it on the offline ticket too.
    let offline_number = ui.global::<Ticketing>().get_ticket_number().to_string();
    assert!(offline_number.ends_with(|c: char| c.is_ascii_digit()), "{offline_number}");
    server.start();
    c.borrow_mut().background();
    settle(&c);
    let officer = server.login("canbo1");
    let uploaded = server.get(&officer, &format!("/api/v1/tickets/{offline_number}"));
    assert_eq!(uploaded["procedure"]["code"].as_str(), Some(rows[0].as_str()), "{uploaded}");
    vp.stop();
    drop(ui);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_rating_terminal_asks_the_sets_questions_and_is_refused_before_them() {
    i_slint_backend_testing::init_no_event_loop();
    let dir = temp_dir("rating-questions-e2e");
    let mut server = Server::demo(&dir.join("server"));
    let mut kiosk = common::enrolled_core(&server, &dir.join("kiosk"), "ticket-kiosk");
    let officer = server.login("canbo1");
    let service = common::counter_service(&server, &officer, 1);
    let ticket = kiosk.issue(&service, domain::office::Priority::None).unwrap();
    server.post(&officer, "/api/v1/counters/1/call-next");
    server.post(&officer, "/api/v1/counters/1/start");
    server.post(&officer, "/api/v1/counters/1/finish");
    let id: uuid::Uuid =
        server.get(&officer, &format!("/api/v1/tickets/{}", ticket.number))["id"].as_str().unwrap().parse().unwrap();

    let term_dir = dir.join("terminal");
    std::fs::create_dir_all(&term_dir).unwrap();
    let code = server.enrolment_code("rating-terminal", Some(1));
    let config = Config::load(&kiosk_config(&term_dir, "rating-terminal", &server.base(), &code, None)).unwrap();
    let core = Core::start(&config).unwrap();
    let (ui, c) = screen(DeviceRole::RatingTerminal, LiveBackend::new(core, None, String::new()));
    let stage = Some(domain::office::Stage::Reception);
    c.borrow_mut().invite_rating(id, &ticket.number, 1, stage);
    settle(&c);
    assert_eq!(ui.global::<App>().get_page(), Page::RatingLevel, "{}", ui.global::<App>().get_message());
    let asked = server.get(&officer, "/api/v1/rating/questions?stage=reception");
    let want: Vec<&str> =
        asked["questions"].as_array().unwrap().iter().map(|q| q["question"]["vi"].as_str().unwrap()).collect();
    let shown: Vec<String> =
        slint::Model::iter(&ui.global::<Rating>().get_questions()).map(|q| q.text.to_string()).collect();
    assert_eq!(shown, want, "the server's questions for the stage");
    ui.global::<Rating>().invoke_rate(Satisfaction::VerySatisfied);
    ui.global::<Rating>().invoke_answer(0, 1);
    ui.global::<Rating>().invoke_answer(2, 0);
    ui.global::<Rating>().invoke_finish();
    settle(&c);
    assert_eq!(ui.global::<App>().get_page(), Page::Thanks);
    assert!(!ui.global::<Rating>().get_refused(), "{}", ui.global::<App>().get_message());

    // The counter invites again: refused before any question, and said so.
    ui.global::<App>().invoke_go_home();
    c.borrow_mut().invite_rating(id, &ticket.number, 1, stage);
    settle(&c);
    assert_eq!(ui.global::<App>().get_page(), Page::Thanks);
    assert!(ui.global::<Rating>().get_refused());
    assert!(ui.global::<App>().get_message().contains("đã được đánh giá"), "{}", ui.global::<App>().get_message());

    // Offline: the kept questions are asked and the rating, with its choices, is queued.
    server.stop();
    ui.global::<App>().invoke_go_home();
    c.borrow_mut().invite_rating(uuid::Uuid::new_v4(), "A999", 1, stage);
    settle(&c);
    assert_eq!(ui.global::<App>().get_page(), Page::RatingLevel);
    let offline: Vec<String> =
        slint::Model::iter(&ui.global::<Rating>().get_questions()).map(|q| q.text.to_string()).collect();
    assert_eq!(offline, want, "the kept questions");
    ui.global::<Rating>().invoke_rate(Satisfaction::Satisfied);
    ui.global::<Rating>().invoke_answer(2, 1);
    ui.global::<Rating>().invoke_finish();
    settle(&c);
    assert!(!ui.global::<Rating>().get_refused());
    assert!(ui.global::<App>().get_message().contains("sẽ được gửi"), "{}", ui.global::<App>().get_message());
    drop(ui);
    drop(c);
    let store = kiosk_app::store::Store::open(&config.data_dir.join("kiosk.sqlite")).unwrap();
    let ratings = store.ratings_to_upload().unwrap();
    assert_eq!(ratings.len(), 1);
    assert_eq!(ratings[0].request.choices.len(), 1, "{:?}", ratings[0].request);
    assert!(ratings[0].request.answers.is_empty());
    // Back online, the queued rating goes up (here for a ticket the server does not know: refused for
    // good, not retried).
    server.start();
    let mut terminal = Core::start(&config).unwrap();
    let report = terminal.sync().unwrap();
    assert_eq!((report.ratings_uploaded, report.failed), (0, 1), "{report:?}");
    std::fs::remove_dir_all(&dir).ok();
}
