//! The Slint UI: the generated components (`ui/*.slint`), the [`Backend`] the screens talk to, and the
//! [`Controller`] that wires callbacks to it. The UI never calls the network or the printer itself:
//! it goes through a backend, live ([`LiveBackend`]) or canned ([`DemoBackend`], screenshots and tests).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

pub use jobs::Execution;
use jobs::Jobs;

use domain::api::{DossierFee, RatingRequest, ServiceView};
use domain::i18n::{matches_query, sort_key, Lang, Localized};
use domain::office::{Priority, Stage};
use domain::rating::{Indicator, RatingLevel};
use slint::{ComponentHandle, Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, VecModel};
use time::OffsetDateTime;

use crate::core::{office_offset, DossierAnswer, IssuedTicket, RatingOutcome};

slint::include_modules!();

/// What the screens need from the rest of the device. Calls that may wait (issue, print, lookup,
/// rate, health, tick) run as jobs off the UI thread when the controller uses [`Execution::Worker`].
pub trait Backend: Send {
    fn services(&mut self) -> Vec<ServiceView>;
    fn issue(&mut self, service: &str, priority: Priority) -> Result<IssuedTicket, Localized>;
    /// Prints a ticket; an error is shown on screen and raised to staff, the ticket stays valid.
    fn print(&mut self, ticket: &IssuedTicket, lang: Lang) -> Result<(), String>;
    fn lookup(&mut self, code: &str) -> Result<DossierAnswer, Localized>;
    /// A served ticket to rate at the kiosk, from its printed number or its QR: (id, number).
    fn served_ticket(&mut self, input: &str) -> Result<(uuid::Uuid, String), Localized>;
    fn rate(&mut self, request: RatingRequest) -> Result<RatingOutcome, Localized>;
    fn online(&self) -> bool;
    fn pending_uploads(&self) -> usize;
    fn health(&mut self) -> Vec<String>;
    fn board(&mut self) -> Board;
    /// Background work: sync and lease top-up (called every few seconds).
    fn tick(&mut self) {}
    /// Whether the printer reports paper near its end (or out): lights the paper-low LED.
    fn paper_low(&mut self) -> bool {
        false
    }
}

/// What the waiting-room display shows.
#[derive(Debug, Clone)]
pub struct Board {
    pub office: String,
    pub notice: Localized,
    /// (counter, number, service name)
    pub serving: Vec<(String, String, Localized)>,
    /// (number, counter), most recent first.
    pub recent: Vec<(String, String)>,
    pub waiting: usize,
}

impl Default for Board {
    fn default() -> Self {
        Board { office: String::new(), notice: Localized::new("", ""), serving: vec![], recent: vec![], waiting: 0 }
    }
}

/// Text of the UI chosen in Rust (data from the server comes in both languages).
fn tr(lang: Lang, vi: &str, en: &str) -> String {
    match lang {
        Lang::Vi => vi.to_owned(),
        Lang::En => en.to_owned(),
    }
}

pub const QUESTIONS: [Indicator; 3] =
    [Indicator::TotalProcessingTime, Indicator::ContactsToComplete, Indicator::StaffAttitude];

/// A QR code as an image (one pixel per module, 4-module quiet zone; shown with pixelated scaling).
pub fn qr_image(data: &str) -> Image {
    let Ok(code) = qrcode::QrCode::new(data.as_bytes()) else {
        return Image::default();
    };
    let n = code.width();
    let size = n + 8;
    let colors = code.to_colors();
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(size as u32, size as u32);
    let pixels = buffer.make_mut_slice();
    for (i, p) in pixels.iter_mut().enumerate() {
        let (x, y) = (i % size, i / size);
        let dark = x >= 4 && y >= 4 && x < n + 4 && y < n + 4 && colors[(y - 4) * n + (x - 4)] == qrcode::Color::Dark;
        *p = if dark { Rgb8Pixel { r: 0, g: 0, b: 0 } } else { Rgb8Pixel { r: 255, g: 255, b: 255 } };
    }
    Image::from_rgb8(buffer)
}

fn local_time(t: OffsetDateTime) -> String {
    let l = t.to_offset(office_offset());
    format!("{:02}:{:02} {:02}/{:02}/{}", l.hour(), l.minute(), l.day(), u8::from(l.month()), l.year())
}

/// `2026-03-10T09:41:00+07:00` → `10/03/2026 09:41`; other text is shown as it is.
fn portal_date(s: &Option<String>) -> String {
    let Some(s) = s else { return "—".into() };
    let b = s.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let mut out = format!("{}/{}/{}", &s[8..10], &s[5..7], &s[0..4]);
        if b.len() >= 16 && (b[10] == b'T' || b[10] == b' ') {
            out.push(' ');
            out.push_str(&s[11..16]);
        }
        out
    } else {
        s.clone()
    }
}

struct State {
    lang: Lang,
    search: String,
    code: String,
    comment: String,
    pin: String,
    technician_pin: String,
    service: Option<String>,
    ticket: Option<IssuedTicket>,
    rating: Option<RatingRequest>,
    last_touch: Instant,
    idle_timeout: Duration,
    home: Page,
}

/// Wires a [`MainWindow`] to a [`Backend`].
pub struct Controller {
    ui: slint::Weak<MainWindow>,
    jobs: Jobs<Controller>,
    /// What the screen last learnt from the backend (shown while a job holds it).
    services: Vec<ServiceView>,
    online: bool,
    pending_uploads: usize,
    background_running: bool,
    state: State,
    gpio: Option<Box<dyn crate::gpio::Gpio>>,
    /// Service a press of the physical button takes a regular ticket for.
    button_service: Option<String>,
    /// Serial scanner, camera and keyboard wedge.
    inputs: Option<crate::scan::ScanInputs>,
    /// Number of the camera frame last shown in the preview.
    preview_shown: u64,
    /// Until when scans go to the technician's screen instead of opening a dossier.
    test_scan_until: Option<Instant>,
    /// An invitation to rate that came while a job held the screen (the previous rating being sent).
    pending_invitation: Option<(uuid::Uuid, String, u16, Option<Stage>)>,
}

pub struct Options {
    pub role: crate::config::DeviceRole,
    pub lang: Lang,
    pub office: String,
    pub technician_pin: String,
    pub idle_timeout: Duration,
    /// Screen size in logical pixels.
    pub size: (u32, u32),
    /// Where backend calls run (a real device: [`Execution::Worker`]).
    pub execution: Execution,
}

impl Controller {
    /// Sets the window up and connects every callback. Keep the returned handle alive with the window.
    pub fn attach(ui: &MainWindow, backend: Box<dyn Backend>, options: Options) -> Rc<RefCell<Controller>> {
        let home = match options.role {
            crate::config::DeviceRole::TicketKiosk => Page::Home,
            crate::config::DeviceRole::RatingTerminal => Page::Message,
            crate::config::DeviceRole::Display => Page::Display,
        };
        let unit = options.size.0.min(options.size.1) as f32 / 100.0;
        ui.global::<Theme>().set_unit(unit);
        ui.window().set_size(slint::LogicalSize::new(options.size.0 as f32, options.size.1 as f32));
        let k = ui.global::<Kiosk>();
        k.set_office_name(options.office.clone().into());
        k.set_role(options.role.as_str().into());
        let controller = Rc::new(RefCell::new(Controller {
            ui: ui.as_weak(),
            jobs: Jobs::new(backend, options.execution),
            services: Vec::new(),
            online: true,
            pending_uploads: 0,
            background_running: false,
            state: State {
                lang: options.lang,
                search: String::new(),
                code: String::new(),
                comment: String::new(),
                pin: String::new(),
                technician_pin: options.technician_pin,
                service: None,
                ticket: None,
                rating: None,
                last_touch: Instant::now(),
                idle_timeout: options.idle_timeout,
                home,
            },
            gpio: None,
            button_service: None,
            inputs: None,
            preview_shown: 0,
            test_scan_until: None,
            pending_invitation: None,
        }));
        Self::connect(ui, &controller);
        {
            let mut c = controller.borrow_mut();
            c.apply_language();
            c.go_home();
        }
        controller
    }

    fn connect(ui: &MainWindow, this: &Rc<RefCell<Controller>>) {
        let k = ui.global::<Kiosk>();
        macro_rules! on {
            ($method:ident, |$c:ident $(, $arg:ident : $t:ty)*| $body:expr) => {{
                let weak = Rc::downgrade(this);
                k.$method(move |$($arg: $t),*| {
                    if let Some(rc) = weak.upgrade() {
                        let mut $c = rc.borrow_mut();
                        // While a job holds the screen, a touch must not start another (no second ticket).
                        if $c.jobs.busy() {
                            return;
                        }
                        $c.state.last_touch = Instant::now();
                        $body
                    }
                });
            }};
        }
        on!(on_touched, |c| {
            let _ = &c;
        });
        on!(on_go_home, |c| c.go_home());
        on!(on_navigate, |c, page: Page| c.navigate(page));
        on!(on_switch_language, |c| {
            c.state.lang = if c.state.lang == Lang::Vi { Lang::En } else { Lang::Vi };
            c.apply_language();
        });
        on!(on_edit, |c, field: SharedString, key: SharedString| c.edit(&field, &key));
        on!(on_choose_service, |c, code: SharedString| c.choose_service(&code));
        on!(on_take_ticket, |c, priority: i32| c.take_ticket(priority));
        on!(on_reprint, |c| c.reprint());
        on!(on_submit_code, |c, code: SharedString| c.submit_code(&code));
        on!(on_rate, |c, level: i32| c.rate(level));
        on!(on_answer, |c, index: i32, points: i32| c.answer(index, points));
        on!(on_finish_rating, |c| c.finish_rating());
        on!(on_submit_pin, |c, _dots: SharedString| c.submit_pin());
        on!(on_test_print, |c| c.test_print());
        on!(on_test_scan, |c| c.test_scan());
        on!(on_key_pressed, |c, text: SharedString| c.key_pressed(&text));
        on!(on_sync_now, |c| {
            c.run(
                true,
                |b| {
                    b.tick();
                    b.health()
                },
                Controller::show_health_lines,
            )
        });
    }

    /// Runs a backend call as a job (see [`jobs`]); `then` applies its result on the UI thread. A
    /// `busy` job shows the busy overlay and holds the screen until its result is shown.
    fn run<R: Send + 'static>(
        &mut self,
        busy: bool,
        work: impl FnOnce(&mut dyn Backend) -> R + Send + 'static,
        then: impl FnOnce(&mut Controller, R) + 'static,
    ) {
        match self.jobs.run(busy, work, then) {
            Some(Ok(apply)) => apply(self),
            Some(Err(panicked)) => self.job_failed(panicked),
            None => {}
        }
        self.show_busy();
    }

    /// A backend call panicked: the screen says so and stays usable (the ticket or rating it was making
    /// is either stored by then or never acknowledged).
    fn job_failed(&mut self, panicked: jobs::JobPanicked) {
        eprintln!("kiosk-app: a backend call failed: {}", panicked.0);
        self.background_running = false;
        let message = self.t(
            "Thiết bị gặp lỗi khi xử lý yêu cầu. Xin vui lòng thử lại hoặc liên hệ quầy hướng dẫn.",
            "The device hit an error handling the request. Please try again or ask at the information desk.",
        );
        self.show_message(&message);
    }

    fn show_busy(&self) {
        if let Some(ui) = self.ui.upgrade() {
            ui.global::<Kiosk>().set_busy(self.jobs.busy());
        }
    }

    /// Applies the results of jobs that finished, takes scans from the serial scanner and the camera
    /// and shows the camera's newest frame (call often from the UI thread, e.g. every 20 ms).
    pub fn poll(&mut self) {
        for finished in self.jobs.finished() {
            match finished {
                Ok(apply) => apply(self),
                Err(panicked) => self.job_failed(panicked),
            }
        }
        self.show_busy();
        if !self.jobs.busy() {
            if let Some((ticket, number, counter, stage)) = self.pending_invitation.take() {
                self.invite_rating(ticket, &number, counter, stage);
            }
        }
        while let Some(scan) = self.inputs.as_mut().and_then(|i| i.next_scan()) {
            self.on_scan(scan);
        }
        self.show_camera();
    }

    /// Connects the scanning inputs (see [`crate::scan::ScanInputs`]).
    pub fn set_scan_inputs(&mut self, inputs: crate::scan::ScanInputs) {
        self.inputs = Some(inputs);
        self.show_camera();
    }

    /// Runs the camera only on the screens that take a scan, and puts its newest frame in the preview.
    fn show_camera(&mut self) {
        let Some(camera) = self.inputs.as_ref().and_then(|i| i.camera.as_ref()) else { return };
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        let page = k.get_page();
        let wanted = self.state.home == Page::Home
            && (matches!(page, Page::Home | Page::CodeEntry) || (page == Page::Technician && self.testing_scan()));
        if camera.is_active() != wanted {
            camera.set_active(wanted);
        }
        k.set_camera_on(wanted);
        if !wanted || !matches!(page, Page::CodeEntry | Page::Technician) {
            return;
        }
        if let Some((seq, frame)) = camera.newer_than(self.preview_shown) {
            self.preview_shown = seq;
            let (w, h, rgb) = crate::camera::preview_rgb(&frame, 480);
            let buffer = SharedPixelBuffer::<Rgb8Pixel>::clone_from_slice(&rgb, w as u32, h as u32);
            k.set_camera_preview(Image::from_rgb8(buffer));
        }
    }

    /// The camera's counters, when a camera runs (benchmarks, technician).
    pub fn camera_stats(&self) -> Option<std::sync::Arc<crate::camera::CameraStats>> {
        self.inputs.as_ref().and_then(|i| i.camera.as_ref()).map(|c| c.stats.clone())
    }

    fn testing_scan(&self) -> bool {
        self.test_scan_until.is_some_and(|until| Instant::now() < until)
    }

    /// The technician's "test scan": for a minute, scans from any input are shown on the technician
    /// screen (what was read and what it means) instead of opening a dossier.
    fn test_scan(&mut self) {
        self.test_scan_until = Some(Instant::now() + Duration::from_secs(60));
        let line = self.t(
            "Quét thử: đưa mã vào máy quét hoặc camera (trong 60 giây)…",
            "Test scan: present a code to the scanner or the camera (for 60 s)…",
        );
        self.technician_note(line);
        self.show_camera();
    }

    /// A key from the window: a keyboard-wedge scanner types its codes as fast keys ending in Enter.
    fn key_pressed(&mut self, text: &str) {
        let Some(inputs) = self.inputs.as_mut() else { return };
        match inputs.key(text) {
            crate::scan::KeyOutcome::Pending => {}
            crate::scan::KeyOutcome::Scan(scan) => self.on_scan(scan),
            crate::scan::KeyOutcome::Typed(typed) => {
                // A person at a real keyboard (a technician) may type a code and press Enter.
                let ui = self.ui();
                let k = ui.global::<Kiosk>();
                if k.get_page() == Page::CodeEntry && !typed.trim().is_empty() && !self.jobs.busy() {
                    self.state.code = typed.trim().to_owned();
                    k.set_code(self.state.code.clone().into());
                    self.submit_code(&typed);
                }
            }
        }
    }

    /// Whether a job is still running (tests wait for none).
    pub fn jobs_pending(&self) -> usize {
        self.jobs.pending()
    }

    /// Polls until every job has been applied or `timeout` passes; whether they all were (tests).
    pub fn settle(&mut self, timeout: Duration) -> bool {
        jobs::wait_until(timeout, || {
            self.poll();
            self.jobs.pending() == 0
        })
    }

    /// Reads link state and pending uploads when the backend is free (never waits for it).
    fn refresh_link(&mut self) {
        if let Some((online, pending)) = self.jobs.try_now(|b| (b.online(), b.pending_uploads())) {
            self.online = online;
            self.pending_uploads = pending;
        }
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        k.set_online(self.online);
        k.set_pending_uploads(self.pending_uploads as i32);
    }

    /// The service list, fresh when the backend is free, else as last read.
    fn services(&mut self) -> Vec<ServiceView> {
        if let Some(list) = self.jobs.try_now(|b| b.services()) {
            self.services = list;
        }
        self.services.clone()
    }

    fn ui(&self) -> MainWindow {
        self.ui.upgrade().expect("the window outlives its controller")
    }

    fn t(&self, vi: &str, en: &str) -> String {
        tr(self.state.lang, vi, en)
    }

    /// Periodic work: clock, link state, idle timeout, display refresh. Call about once a second.
    pub fn tick(&mut self, now: OffsetDateTime) {
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        let l = now.to_offset(office_offset());
        k.set_clock(format!("{:02}:{:02}", l.hour(), l.minute()).into());
        self.refresh_link();
        let busy = self.jobs.busy();
        if !busy && self.state.last_touch.elapsed() > self.state.idle_timeout && k.get_page() != self.state.home {
            self.go_home();
        }
        if k.get_page() == Page::Display {
            self.show_board();
        }
    }

    /// Background sync and lease top-up; the paper-low LED follows the printer.
    pub fn background(&mut self) {
        if self.background_running {
            return;
        }
        self.background_running = true;
        self.run(
            false,
            |b| {
                b.tick();
                b.paper_low()
            },
            |c, low| {
                c.background_running = false;
                if let Some(g) = &mut c.gpio {
                    g.set_paper_low_led(low);
                }
            },
        );
    }

    /// Connects the physical button and LED; a press takes a regular ticket for `button_service`
    /// (or opens the service list when none is set).
    pub fn set_gpio(&mut self, gpio: Box<dyn crate::gpio::Gpio>, button_service: Option<String>) {
        self.gpio = Some(gpio);
        self.button_service = button_service;
    }

    /// Polls the physical button (call often, e.g. every 50 ms).
    pub fn poll_button(&mut self) {
        let pressed = self.gpio.as_mut().is_some_and(|g| g.take_button_press());
        if !pressed || self.state.home != Page::Home || self.jobs.busy() {
            return;
        }
        self.state.last_touch = Instant::now();
        match self.button_service.clone() {
            Some(service) => {
                self.state.service = Some(service);
                self.take_ticket(0);
            }
            None => self.navigate(Page::Services),
        }
    }

    pub fn go_home(&mut self) {
        self.state.search.clear();
        self.state.code.clear();
        self.state.comment.clear();
        self.state.pin.clear();
        self.state.rating = None;
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        k.set_search("".into());
        k.set_code("".into());
        k.set_code_error("".into());
        k.set_code_for_rating(false);
        k.set_comment("".into());
        k.set_pin("".into());
        k.set_pin_error("".into());
        self.refresh_link();
        if self.state.home == Page::Message {
            k.set_message(
                self.t(
                    "Mời quý khách đánh giá sau khi được phục vụ. Cán bộ sẽ mời đánh giá khi xong.",
                    "You will be invited to rate the service when the officer has finished.",
                )
                .into(),
            );
        }
        if self.state.home == Page::Display {
            self.show_board();
        }
        k.set_page(self.state.home);
    }

    fn navigate(&mut self, page: Page) {
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        match page {
            Page::Services => {
                self.state.search.clear();
                k.set_search("".into());
                self.refresh_services();
            }
            Page::CodeEntry => {
                self.state.code.clear();
                k.set_code("".into());
                k.set_code_error("".into());
            }
            Page::Pin => {
                self.state.pin.clear();
                k.set_pin("".into());
                k.set_pin_error("".into());
            }
            _ => {}
        }
        k.set_page(page);
    }

    fn apply_language(&mut self) {
        let code = if self.state.lang == Lang::En { "en" } else { "vi" };
        // Vietnamese is the source language: the empty selection restores the original strings.
        let _ = slint::select_bundled_translation(if self.state.lang == Lang::En { "en" } else { "" });
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        k.set_lang(code.into());
        // Texts computed here follow the language too.
        match k.get_page() {
            Page::Services => self.refresh_services(),
            Page::Ticket => {
                if let Some(t) = self.state.ticket.clone() {
                    self.show_ticket(&t, k.get_printer_failed());
                }
            }
            Page::RatingQuestions | Page::RatingLevel => self.show_questions(),
            Page::Display => self.show_board(),
            Page::Message if self.state.home == Page::Message => self.go_home(),
            _ => {}
        }
        if let Some(code) = self.state.service.clone() {
            let name = self.service_name(&code);
            k.set_chosen_service_name(name.into());
        }
    }

    fn service_name(&mut self, code: &str) -> String {
        let lang = self.state.lang;
        self.services()
            .iter()
            .find(|s| s.code.as_str() == code)
            .map(|s| s.name.get(lang).to_owned())
            .unwrap_or_else(|| code.to_owned())
    }

    fn edit(&mut self, field: &str, key: &str) {
        let max = match field {
            "search" => 40,
            "code" => 64,
            "comment" => 500,
            "pin" => 8,
            _ => return,
        };
        let text = match field {
            "search" => &mut self.state.search,
            "code" => &mut self.state.code,
            "comment" => &mut self.state.comment,
            _ => &mut self.state.pin,
        };
        match key {
            "backspace" => {
                text.pop();
            }
            "clear" => text.clear(),
            // Comments are Vietnamese: mark keys (tones, â ă ơ đ …) change the last word.
            k if field == "comment" => match domain::vn_input::Key::from_name(k) {
                Some(mark @ domain::vn_input::Key::Mark(_)) => *text = domain::vn_input::apply(text, mark),
                Some(typed) if text.chars().count() < max => *text = domain::vn_input::apply(text, typed),
                _ => {}
            },
            k if text.chars().count() < max => text.push_str(k),
            _ => {}
        }
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        match field {
            "search" => {
                k.set_search(self.state.search.clone().into());
                self.refresh_services();
            }
            "code" => {
                k.set_code(self.state.code.clone().into());
                k.set_code_error("".into());
            }
            "comment" => k.set_comment(self.state.comment.clone().into()),
            _ => k.set_pin("●".repeat(self.state.pin.chars().count()).into()),
        }
    }

    /// Services grouped by field (fields and services sorted the Vietnamese way), filtered by the search.
    fn refresh_services(&mut self) {
        let lang = self.state.lang;
        let query = self.state.search.clone();
        let mut services: Vec<ServiceView> = self
            .services()
            .into_iter()
            .filter(|s| s.open)
            .filter(|s| {
                query.trim().is_empty()
                    || matches_query(&format!("{} {} {} {}", s.name.vi, s.name.en, s.field.vi, s.field.en), &query)
            })
            .collect();
        services.sort_by_key(|s| (sort_key(s.field.get(lang)), sort_key(s.name.get(lang))));
        let mut rows = Vec::new();
        let mut field = None;
        for s in &services {
            if field.as_ref() != Some(&s.field) {
                field = Some(s.field.clone());
                rows.push(ServiceRow {
                    is_header: true,
                    code: "".into(),
                    title: s.field.get(lang).to_uppercase().into(),
                    subtitle: "".into(),
                });
            }
            let minutes = s.estimated_wait_s.div_ceil(60);
            let subtitle = match lang {
                Lang::Vi => format!("Đang chờ: {} người · khoảng {} phút", s.waiting, minutes),
                Lang::En => format!("Waiting: {} · about {} min", s.waiting, minutes),
            };
            rows.push(ServiceRow {
                is_header: false,
                code: s.code.to_string().into(),
                title: s.name.get(lang).into(),
                subtitle: subtitle.into(),
            });
        }
        self.ui().global::<Kiosk>().set_services(ModelRc::new(VecModel::from(rows)));
    }

    fn choose_service(&mut self, code: &str) {
        self.state.service = Some(code.to_owned());
        let name = self.service_name(code);
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        k.set_chosen_service_name(name.into());
        k.set_page(Page::Priority);
    }

    fn take_ticket(&mut self, priority: i32) {
        let Some(service) = self.state.service.clone() else { return };
        let priority = Priority::ALL.get(priority as usize).copied().unwrap_or_default();
        let lang = self.state.lang;
        // The ticket exists once issued; printing comes after, and its failure is only shown.
        self.run(
            true,
            move |b| {
                let issued = b.issue(&service, priority).map(|ticket| {
                    let printed = b.print(&ticket, lang);
                    (ticket, printed)
                });
                (issued, b.online(), b.pending_uploads())
            },
            |c, (issued, online, pending)| {
                (c.online, c.pending_uploads) = (online, pending);
                match issued {
                    Ok((ticket, printed)) => {
                        c.state.ticket = Some(ticket.clone());
                        c.show_ticket(&ticket, printed.is_err());
                        c.ui().global::<Kiosk>().set_page(Page::Ticket);
                    }
                    Err(message) => c.show_message(message.get(c.state.lang)),
                }
                c.refresh_link();
            },
        );
    }

    fn reprint(&mut self) {
        if let Some(t) = self.state.ticket.clone() {
            let lang = self.state.lang;
            self.run(
                true,
                move |b| b.print(&t, lang).is_err(),
                |c, failed| c.ui().global::<Kiosk>().set_printer_failed(failed),
            );
        }
    }

    fn show_ticket(&mut self, t: &IssuedTicket, printer_failed: bool) {
        let lang = self.state.lang;
        let counters = t.counters.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ");
        let counters = if counters.is_empty() {
            String::new()
        } else {
            self.t(&format!("Quầy phục vụ: {counters}"), &format!("Counters: {counters}"))
        };
        let wait = match (t.ahead, t.estimated_wait_s) {
            (Some(a), Some(w)) => self.t(
                &format!("Số người chờ trước: {a} · khoảng {} phút", w.div_ceil(60)),
                &format!("People ahead: {a} · about {} min", w.div_ceil(60)),
            ),
            _ => self.t(
                &format!("Giờ lấy số: {}", local_time(t.issued_at)),
                &format!("Issued at {}", local_time(t.issued_at)),
            ),
        };
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        k.set_ticket_number(t.number.clone().into());
        k.set_ticket_service(t.service_name.get(lang).into());
        k.set_ticket_counters(counters.into());
        k.set_ticket_wait(wait.into());
        k.set_ticket_priority(if t.priority.is_priority() { t.priority.name().get(lang).into() } else { "".into() });
        k.set_ticket_qr(qr_image(&t.qr));
        k.set_ticket_offline(t.offline);
        k.set_printer_failed(printer_failed);
    }

    fn show_message(&mut self, text: &str) {
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        k.set_message(text.into());
        k.set_page(Page::Message);
    }

    fn submit_code(&mut self, code: &str) {
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        if k.get_code_for_rating() {
            // A kiosk rating is tied to a dossier code or to a served ticket (its number or its QR).
            match domain::dossier::DossierCode::parse_lenient(code) {
                Ok(c) => {
                    let subject = self.t(&format!("Hồ sơ {}", c.as_str()), &format!("Dossier {}", c.as_str()));
                    self.begin_rating(None, Some(c.as_str().to_owned()), None, None, subject);
                }
                Err(_) => {
                    let input = code.to_owned();
                    self.run(
                        true,
                        move |b| b.served_ticket(&input),
                        |c, found| match found {
                            Ok((id, number)) => {
                                let subject = c.t(&format!("Số {number}"), &format!("Ticket {number}"));
                                c.begin_rating(Some(id), None, None, None, subject);
                            }
                            Err(message) => c.ui().global::<Kiosk>().set_code_error(message.get(c.state.lang).into()),
                        },
                    );
                }
            }
            return;
        }
        let code = code.to_owned();
        self.run(
            true,
            move |b| (b.lookup(&code), b.online()),
            |c, (answer, online)| {
                c.online = online;
                let ui = c.ui();
                let k = ui.global::<Kiosk>();
                match answer {
                    Ok(answer) => {
                        c.show_dossier(&answer);
                        k.set_page(Page::Dossier);
                    }
                    Err(message) => k.set_code_error(message.get(c.state.lang).into()),
                }
                c.refresh_link();
            },
        );
    }

    pub fn show_dossier(&mut self, a: &DossierAnswer) {
        let lang = self.state.lang;
        let v = &a.view;
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        k.set_dossier_code(v.code.as_str().into());
        k.set_dossier_procedure(v.procedure.clone().unwrap_or_default().into());
        k.set_dossier_status_no(i32::from(v.status.code()));
        k.set_dossier_status(v.status_name.get(lang).into());
        k.set_dossier_unit(v.unit.clone().unwrap_or_else(|| "—".into()).into());
        k.set_dossier_received(portal_date(&v.received_at).into());
        k.set_dossier_appointment(portal_date(&v.appointment_at).into());
        k.set_dossier_due(v.due_at.as_ref().map(|_| portal_date(&v.due_at)).unwrap_or_default().into());
        k.set_dossier_channel(v.channel.as_ref().map(|c| c.name.get(lang).to_owned()).unwrap_or_default().into());
        let fees: Vec<String> =
            v.fees.iter().map(|f| format!("{} {}", f.name, DossierFee::format_vnd(f.amount_vnd))).collect();
        k.set_dossier_fees(fees.join(" · ").into());
        let total = v.fees.iter().map(|f| f.amount_vnd).sum();
        k.set_dossier_fees_total(if fees.len() > 1 { DossierFee::format_vnd(total) } else { String::new() }.into());
        k.set_dossier_next(v.next_step.get(lang).into());
        k.set_dossier_timeliness(v.timeliness.map(|t| t.name().get(lang).to_owned()).unwrap_or_default().into());
        k.set_dossier_timeliness_level(v.timeliness.map_or(-1, |t| i32::from(t.level())));
        k.set_dossier_as_of(a.as_of.map(local_time).unwrap_or_default().into());
        let history: Vec<HistoryRow> = v
            .history
            .iter()
            .map(|s| {
                let mut text = Vec::new();
                for part in [&s.title, &s.action, &s.unit, &s.officer].into_iter().flatten() {
                    if !part.is_empty() && !text.contains(part) {
                        text.push(part.clone());
                    }
                }
                if let Some(st) = s.status {
                    text.push(st.name().get(lang).to_owned());
                }
                HistoryRow { at: portal_date(&s.at).into(), text: text.join(" · ").into() }
            })
            .collect();
        k.set_dossier_history(ModelRc::new(VecModel::from(history)));
    }

    /// A scan from the camera or a scanner: on the lookup screen (or home) it looks the dossier up (or
    /// starts a kiosk rating for it); what is not a dossier code is explained on the code screen.
    pub fn on_scan(&mut self, result: scanner::ScanResult) {
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        if k.get_page() == Page::Technician && self.testing_scan() {
            let shown: String = result.raw().chars().filter(|c| !c.is_control()).take(80).collect();
            let line = match result.code() {
                Some(code) => self.t(
                    &format!("Quét thử: đọc được «{shown}» — mã hồ sơ {}", code.as_str()),
                    &format!("Test scan: read «{shown}» — dossier code {}", code.as_str()),
                ),
                None => self.t(
                    &format!("Quét thử: đọc được «{shown}» — không phải mã hồ sơ"),
                    &format!("Test scan: read «{shown}» — not a dossier code"),
                ),
            };
            self.technician_note(line);
            return;
        }
        if !matches!(k.get_page(), Page::Home | Page::CodeEntry) || self.state.home != Page::Home || self.jobs.busy() {
            return;
        }
        self.state.last_touch = Instant::now();
        if k.get_page() == Page::Home {
            k.set_code_for_rating(false);
        }
        match result {
            scanner::ScanResult::Dossier { code, .. } => {
                self.state.code = code.as_str().to_owned();
                k.set_code(code.as_str().into());
                k.set_page(Page::CodeEntry);
                self.submit_code(code.as_str());
            }
            scanner::ScanResult::NotADossierCode { raw, .. } => {
                let shown: String = raw.chars().filter(|c| !c.is_control()).take(60).collect();
                let message = self.t(
                    &format!("Mã vừa quét ({shown}) không phải mã hồ sơ. Vui lòng quét mã QR trên giấy hẹn trả kết quả."),
                    &format!("The code just scanned ({shown}) is not a dossier code. Please scan the QR code on your appointment slip."),
                );
                k.set_page(Page::CodeEntry);
                k.set_code_error(message.into());
            }
        }
    }

    /// Wakes the rating screen for a served ticket (the counter's "invite rating").
    pub fn invite_rating(&mut self, ticket: uuid::Uuid, number: &str, counter: u16, stage: Option<Stage>) {
        if self.jobs.busy() {
            // The previous citizen's rating is being sent: this one opens as soon as that is done (the next
            // citizen is the one standing at the terminal).
            self.pending_invitation = Some((ticket, number.to_owned(), counter, stage));
            return;
        }
        self.state.last_touch = Instant::now();
        let stage_name = stage.map(|s| format!(" · {}", s.name().get(self.state.lang))).unwrap_or_default();
        let subject = self.t(
            &format!("Số {number} · Quầy {counter}{stage_name}"),
            &format!("Ticket {number} · Counter {counter}{stage_name}"),
        );
        self.begin_rating(Some(ticket), None, Some(counter), stage, subject);
    }

    /// Opens the rating of a ticket or a dossier (`subject` says which, to the citizen).
    fn begin_rating(
        &mut self,
        ticket: Option<uuid::Uuid>,
        dossier: Option<String>,
        counter: Option<u16>,
        stage: Option<Stage>,
        subject: String,
    ) {
        self.state.rating = Some(RatingRequest {
            ticket,
            dossier,
            counter,
            stage,
            level: RatingLevel::Satisfied,
            answers: vec![],
            comment: None,
            choices: vec![],
            rating_token: None,
            served_ticket: None,
        });
        self.state.comment.clear();
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        k.set_comment("".into());
        k.set_rating_subject(subject.into());
        self.show_questions();
        k.set_page(Page::RatingLevel);
    }

    fn show_questions(&mut self) {
        let lang = self.state.lang;
        let answers = self.state.rating.as_ref().map(|r| r.answers.clone()).unwrap_or_default();
        let questions: Vec<Question> = QUESTIONS
            .iter()
            .map(|q| Question {
                text: q.name().get(lang).into(),
                answer: answers.iter().find(|(i, _)| i == q).map(|(_, p)| i32::from(*p)).unwrap_or(-1),
            })
            .collect();
        self.ui().global::<Kiosk>().set_questions(ModelRc::new(VecModel::from(questions)));
    }

    fn rate(&mut self, level: i32) {
        if let Some(r) = &mut self.state.rating {
            r.level = RatingLevel::ALL.get(level as usize).copied().unwrap_or(RatingLevel::Satisfied);
        }
        self.show_questions();
        self.ui().global::<Kiosk>().set_page(Page::RatingQuestions);
    }

    fn answer(&mut self, index: i32, points: i32) {
        let Some(q) = QUESTIONS.get(index as usize).copied() else { return };
        if let Some(r) = &mut self.state.rating {
            r.answers.retain(|(i, _)| *i != q);
            r.answers.push((q, points.clamp(0, 2) as u8));
            r.answers.sort();
        }
        self.show_questions();
    }

    fn finish_rating(&mut self) {
        let Some(mut request) = self.state.rating.take() else {
            self.go_home();
            return;
        };
        let comment = self.state.comment.trim().to_owned();
        request.comment = (!comment.is_empty()).then_some(comment);
        self.run(
            true,
            move |b| b.rate(request),
            |c, outcome| {
                let message = match outcome {
                    Ok(RatingOutcome::Recorded) => String::new(),
                    Ok(RatingOutcome::Queued) => c.t(
                        "Đánh giá đã được lưu và sẽ được gửi khi có kết nối.",
                        "Your rating is saved and will be sent when the link is back.",
                    ),
                    Err(e) => e.get(c.state.lang).to_owned(),
                };
                let ui = c.ui();
                let k = ui.global::<Kiosk>();
                k.set_message(message.into());
                k.set_page(Page::Thanks);
            },
        );
    }

    fn submit_pin(&mut self) {
        let ok = !self.state.technician_pin.is_empty() && self.state.pin == self.state.technician_pin;
        self.state.pin.clear();
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        k.set_pin("".into());
        if ok {
            self.show_health();
            k.set_page(Page::Technician);
        } else {
            k.set_pin_error(self.t("Mã PIN không đúng.", "Wrong PIN.").into());
        }
    }

    fn show_health(&mut self) {
        self.run(true, |b| b.health(), Controller::show_health_lines);
    }

    fn show_health_lines(&mut self, mut lines: Vec<String>) {
        lines.extend(self.extra_health());
        lines.push(format!("kiosk-app {}", env!("CARGO_PKG_VERSION")));
        let model: Vec<SharedString> = lines.into_iter().map(Into::into).collect();
        self.ui().global::<Kiosk>().set_health(ModelRc::new(VecModel::from(model)));
    }

    fn test_print(&mut self) {
        let sample = IssuedTicket {
            number: "TEST".into(),
            service: "test".into(),
            service_name: Localized::new("In thử", "Test print"),
            field: None,
            priority: Priority::None,
            counters: vec![],
            ahead: None,
            estimated_wait_s: None,
            issued_at: OffsetDateTime::now_utc(),
            offline: false,
            qr: "MOTCUA:TEST".into(),
        };
        let lang = self.state.lang;
        self.run(
            true,
            move |b| (b.print(&sample, lang), b.health()),
            |c, (result, health)| {
                c.show_health_lines(health);
                let line = match result {
                    Ok(()) => c.t("In thử: xong", "Test print: done"),
                    Err(e) => c.t(&format!("In thử: lỗi — {e}"), &format!("Test print failed: {e}")),
                };
                c.technician_note(line);
            },
        );
    }

    /// Puts a line at the top of the technician's health list.
    fn technician_note(&mut self, line: String) {
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        let mut lines: Vec<SharedString> = slint::Model::iter(&k.get_health()).collect();
        lines.insert(0, line.into());
        k.set_health(ModelRc::new(VecModel::from(lines)));
    }

    fn show_board(&mut self) {
        let lang = self.state.lang;
        // The live board is kept fresh by its own thread; never wait here while a job holds the backend.
        let Some(board) = self.jobs.try_now(|b| b.board()) else { return };
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        if !board.office.is_empty() {
            k.set_office_name(board.office.clone().into());
        }
        k.set_notice(board.notice.get(lang).into());
        k.set_waiting_total(board.waiting as i32);
        let serving: Vec<CounterRow> = board
            .serving
            .iter()
            .map(|(c, n, s)| CounterRow { counter: c.into(), number: n.into(), service: s.get(lang).into() })
            .collect();
        k.set_serving(ModelRc::new(VecModel::from(serving)));
        let recent: Vec<CounterRow> = board
            .recent
            .iter()
            .map(|(n, c)| CounterRow { counter: c.into(), number: n.into(), service: "".into() })
            .collect();
        k.set_recent_calls(ModelRc::new(VecModel::from(recent)));
    }

    /// Lines the technician sees besides the backend's own: the scanning inputs.
    fn extra_health(&self) -> Vec<String> {
        self.inputs.as_ref().map(|i| i.health()).unwrap_or_default()
    }

    /// Waits for the backend and calls `f` with it (tests; the UI itself never waits).
    pub fn with_backend<R>(&self, f: impl FnOnce(&mut dyn Backend) -> R) -> R {
        self.jobs.wait_now(f)
    }
}

/// A [`Backend`] with canned data: screenshots, UI tests and translators.
pub mod demo;
pub mod jobs;
pub mod live;
pub use demo::DemoBackend;
pub use live::LiveBackend;
