//! The whole ticket kiosk as a device runs it — screens (Slint testing backend), the live backend with
//! its job thread, the real queue server and a virtual printer: a touch takes a ticket whose printed
//! bytes carry the number on the screen; a receipt QR held to the camera opens the real dossier; with
//! the server stopped the kiosk keeps issuing and says so.

mod common;

use std::time::Duration;

use common::{kiosk_config, kiosk_window, temp_dir, Server};
use domain::dossier::DossierCode;
use kiosk_app::config::Config;
use kiosk_app::core::{Core, TicketPrinter};
use kiosk_app::ui::{
    App, CodePurpose, Controller, LiveBackend, Lookup, Page, PriorityGroup, Rating, Satisfaction, Ticketing,
};
use printer::virtual_printer::{Config as VpConfig, VirtualPrinter};
use slint::ComponentHandle;

#[test]
fn ticket_kiosk_against_the_real_server() {
    i_slint_backend_testing::init_no_event_loop();
    let dir = temp_dir("kiosk-e2e");
    let mut server = Server::demo(&dir.join("server"));
    let vp =
        VirtualPrinter::start(VpConfig { idle_job_end: Duration::from_millis(100), ..VpConfig::default() }).unwrap();
    let code = server.enrolment_code("ticket-kiosk", None);
    let config = Config::load(&kiosk_config(&dir, "ticket-kiosk", &server.base(), &code, Some(&vp.url()))).unwrap();
    let core = Core::start(&config).unwrap();
    let printer = TicketPrinter::new(config.printer.as_ref().unwrap()).unwrap();
    let backend = LiveBackend::new(core, Some(printer), config.ui.office_name.clone());
    let (ui, c) = kiosk_window(backend, &config.ui.office_name);
    let settle = |c: &std::rc::Rc<std::cell::RefCell<Controller>>| {
        assert!(c.borrow_mut().settle(Duration::from_secs(15)), "jobs finished");
    };

    // The kiosk's background pass takes its number leases (on the job thread).
    c.borrow_mut().background();
    settle(&c);

    // A touch takes a ticket; the slip at the printer carries the number on the screen.
    // A service counter 1 serves (its officer serves the ticket below).
    let officer = server.login("canbo1");
    let counters = server.get(&officer, "/api/v1/counters");
    let service: slint::SharedString =
        counters.as_array().unwrap().iter().find(|c| c["id"] == 1).unwrap()["services"][0].as_str().unwrap().into();
    ui.global::<App>().invoke_navigate(Page::Services);
    assert!(
        slint::Model::iter(&ui.global::<Ticketing>().get_services()).any(|r| r.code == service),
        "the service is listed"
    );
    ui.global::<Ticketing>().invoke_choose_service(service.clone());
    ui.global::<Ticketing>().invoke_take_ticket(PriorityGroup::Regular);
    settle(&c);
    assert_eq!(ui.global::<App>().get_page(), Page::Ticket);
    assert!(!ui.global::<Ticketing>().get_printer_failed());
    assert!(!ui.global::<Ticketing>().get_ticket_offline());
    let number = ui.global::<Ticketing>().get_ticket_number().to_string();
    let jobs = vp.wait_jobs(1, Duration::from_secs(5));
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].info.text_lines.iter().any(|l| l.contains(&number)), "{number} in {:?}", jobs[0].info.text_lines);
    ui.global::<App>().invoke_go_home();

    // Rating at the kiosk by the printed number: refused while the ticket waits, taken once served.
    ui.global::<Lookup>().set_purpose(CodePurpose::Rating);
    ui.global::<App>().invoke_navigate(Page::CodeEntry);
    ui.global::<Lookup>().invoke_submit_code(number.as_str().into());
    settle(&c);
    assert_eq!(ui.global::<App>().get_page(), Page::CodeEntry);
    assert!(
        ui.global::<Lookup>().get_code_error().contains("chưa được phục vụ"),
        "{}",
        ui.global::<Lookup>().get_code_error()
    );
    server.post(&officer, "/api/v1/counters/1/call-next");
    server.post(&officer, "/api/v1/counters/1/start");
    server.post(&officer, "/api/v1/counters/1/finish");
    ui.global::<Lookup>().invoke_submit_code(number.to_lowercase().as_str().into());
    settle(&c);
    assert_eq!(ui.global::<App>().get_page(), Page::RatingLevel, "{}", ui.global::<Lookup>().get_code_error());
    assert_eq!(ui.global::<Rating>().get_subject().as_str(), format!("Số {number}"));
    ui.global::<Rating>().invoke_rate(Satisfaction::VerySatisfied);
    ui.global::<Rating>().invoke_finish();
    settle(&c);
    assert_eq!(ui.global::<App>().get_page(), Page::Thanks);
    assert_eq!(ui.global::<App>().get_message(), "", "recorded online, nothing to explain");
    // The same ticket cannot be rated twice.
    ui.global::<App>().invoke_go_home();
    ui.global::<Lookup>().set_purpose(CodePurpose::Rating);
    ui.global::<App>().invoke_navigate(Page::CodeEntry);
    ui.global::<Lookup>().invoke_submit_code(number.as_str().into());
    settle(&c);
    // Refused before any question is asked, and said as a refusal, not thanks.
    assert_eq!(ui.global::<App>().get_page(), Page::Thanks);
    assert!(ui.global::<Rating>().get_refused());
    assert!(
        ui.global::<App>().get_message().contains("đã được đánh giá"),
        "refused: {}",
        ui.global::<App>().get_message()
    );
    ui.global::<Rating>().invoke_rate(Satisfaction::Satisfied);
    assert_eq!(ui.global::<App>().get_page(), Page::Thanks, "no questions for a refused rating");
    ui.global::<App>().invoke_go_home();

    // A receipt QR held to the camera on the lookup screen opens the real dossier.
    let today = time::OffsetDateTime::now_utc().to_offset(kiosk_app::core::office_offset()).date();
    let dossier = DossierCode::generate("000.00.01.H29", today, 101).unwrap();
    let blank = scanner::GrayFrame::filled(320, 240, 200);
    let frames = vec![
        blank.clone(),
        common::qr_frame(&format!("https://dichvucong.example/tra-cuu?ma={}", dossier.as_str()), 5),
    ];
    let mut inputs = kiosk_app::scan::ScanInputs::new();
    inputs.start_camera(Box::new(scanner::source::Synthetic::new(frames, 20)), Some(Duration::from_millis(5))).unwrap();
    c.borrow_mut().set_scan_inputs(inputs);
    assert!(ui.global::<Lookup>().get_purpose() == CodePurpose::Lookup, "home resets the code screen to a lookup");
    ui.global::<App>().invoke_navigate(Page::CodeEntry);
    let opened = kiosk_app::ui::jobs::wait_until(Duration::from_secs(15), || {
        c.borrow_mut().poll();
        ui.global::<App>().get_page() == Page::Dossier
    });
    assert!(
        opened,
        "the dossier screen opened (page {:?}, error {:?})",
        ui.global::<App>().get_page(),
        ui.global::<Lookup>().get_code_error()
    );
    assert_eq!(ui.global::<Lookup>().get_dossier_code().as_str(), dossier.as_str());
    assert!((1..=10).contains(&ui.global::<Lookup>().get_dossier_status_no()));
    assert!(!ui.global::<Lookup>().get_dossier_status().is_empty());
    assert!(ui.global::<Lookup>().get_dossier_as_of().is_empty(), "answered by the server, not the cache");
    ui.global::<App>().invoke_go_home();

    // A QR photo from the public corpus through the same camera path: read, and explained as no dossier code.
    let corpus = scanner::corpus::subset_file("qrcode-1/1.png");
    let photo = scanner::GrayFrame::open(&corpus).unwrap();
    let mut inputs = kiosk_app::scan::ScanInputs::new();
    inputs
        .start_camera(Box::new(scanner::source::Synthetic::new(vec![photo], 30)), Some(Duration::from_millis(5)))
        .unwrap();
    c.borrow_mut().set_scan_inputs(inputs);
    ui.global::<Lookup>().set_purpose(CodePurpose::Lookup);
    ui.global::<App>().invoke_navigate(Page::CodeEntry);
    let explained = kiosk_app::ui::jobs::wait_until(Duration::from_secs(15), || {
        c.borrow_mut().poll();
        ui.global::<Lookup>().get_code_error().contains("không phải mã hồ sơ")
    });
    assert!(explained, "page {:?}, error {:?}", ui.global::<App>().get_page(), ui.global::<Lookup>().get_code_error());
    assert_eq!(ui.global::<App>().get_page(), Page::CodeEntry);
    ui.global::<App>().invoke_go_home();

    // The server goes away: the next ticket comes from the lease, printed, and the screen says offline.
    server.stop();
    ui.global::<Ticketing>().invoke_choose_service(service);
    ui.global::<Ticketing>().invoke_take_ticket(PriorityGroup::Regular);
    settle(&c);
    assert_eq!(ui.global::<App>().get_page(), Page::Ticket, "{}", ui.global::<App>().get_message());
    assert!(ui.global::<Ticketing>().get_ticket_offline(), "issued from the lease");
    assert!(!ui.global::<App>().get_online());
    assert!(ui.global::<App>().get_pending_uploads() >= 1);
    let offline_number = ui.global::<Ticketing>().get_ticket_number().to_string();
    assert_ne!(offline_number, number);
    let jobs = vp.wait_jobs(2, Duration::from_secs(5));
    assert!(jobs[1].info.text_lines.iter().any(|l| l.contains(&offline_number)));
    vp.stop();
    drop(ui);
    std::fs::remove_dir_all(&dir).ok();
}
