//! The whole ticket kiosk as a device runs it — screens (Slint testing backend), the live backend with
//! its job thread, the real queue server and a virtual printer: a touch takes a ticket whose printed
//! bytes carry the number on the screen; a receipt QR held to the camera opens the real dossier; with
//! the server stopped the kiosk keeps issuing and says so.

mod common;

use std::time::Duration;

use common::{kiosk_config, temp_dir, Server};
use domain::dossier::DossierCode;
use domain::i18n::Lang;
use kiosk_app::config::{Config, DeviceRole};
use kiosk_app::core::{Core, TicketPrinter};
use kiosk_app::ui::{Controller, Execution, Kiosk, LiveBackend, MainWindow, Options, Page};
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
    let ui = MainWindow::new().unwrap();
    let options = Options {
        role: DeviceRole::TicketKiosk,
        lang: Lang::Vi,
        office: config.ui.office_name.clone(),
        technician_pin: "2468".into(),
        idle_timeout: Duration::from_secs(60),
        size: (1080, 1920),
        execution: Execution::Worker,
    };
    let c = Controller::attach(&ui, Box::new(backend), options);
    ui.show().unwrap();
    let k = ui.global::<Kiosk>();
    let settle = |c: &std::rc::Rc<std::cell::RefCell<Controller>>| {
        assert!(c.borrow_mut().settle(Duration::from_secs(15)), "jobs finished");
    };

    // The kiosk's background pass takes its number leases (on the job thread).
    c.borrow_mut().background();
    settle(&c);

    // A touch takes a ticket; the slip at the printer carries the number on the screen.
    k.invoke_navigate(Page::Services);
    let service = slint::Model::iter(&k.get_services()).find(|r| !r.is_header).expect("services listed").code;
    k.invoke_choose_service(service.clone());
    k.invoke_take_ticket(0);
    settle(&c);
    assert_eq!(k.get_page(), Page::Ticket);
    assert!(!k.get_printer_failed());
    assert!(!k.get_ticket_offline());
    let number = k.get_ticket_number().to_string();
    let jobs = vp.wait_jobs(1, Duration::from_secs(5));
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].info.text_lines.iter().any(|l| l.contains(&number)), "{number} in {:?}", jobs[0].info.text_lines);
    k.invoke_go_home();

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
    k.invoke_navigate(Page::CodeEntry);
    let opened = kiosk_app::ui::jobs::wait_until(Duration::from_secs(15), || {
        c.borrow_mut().poll();
        k.get_page() == Page::Dossier
    });
    assert!(opened, "the dossier screen opened (page {:?}, error {:?})", k.get_page(), k.get_code_error());
    assert_eq!(k.get_dossier_code().as_str(), dossier.as_str());
    assert!((1..=10).contains(&k.get_dossier_status_no()));
    assert!(!k.get_dossier_status().is_empty());
    assert!(k.get_dossier_as_of().is_empty(), "answered by the server, not the cache");
    k.invoke_go_home();

    // The server goes away: the next ticket comes from the lease, printed, and the screen says offline.
    server.stop();
    k.invoke_choose_service(service);
    k.invoke_take_ticket(0);
    settle(&c);
    assert_eq!(k.get_page(), Page::Ticket, "{}", k.get_message());
    assert!(k.get_ticket_offline(), "issued from the lease");
    assert!(!k.get_online());
    assert!(k.get_pending_uploads() >= 1);
    let offline_number = k.get_ticket_number().to_string();
    assert_ne!(offline_number, number);
    let jobs = vp.wait_jobs(2, Duration::from_secs(5));
    assert!(jobs[1].info.text_lines.iter().any(|l| l.contains(&offline_number)));
    vp.stop();
    drop(ui);
    std::fs::remove_dir_all(&dir).ok();
}
