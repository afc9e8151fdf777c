//! The Slint UI: the generated components (`ui/*.slint`), the [`Backend`] the screens talk to, and the
//! [`Controller`] that wires callbacks to it. The UI never calls the network or the printer itself:
//! it goes through a backend, live ([`LiveBackend`]) or canned ([`DemoBackend`], screenshots and tests).
//!
//! As in Slint's printerdemo, each flow has its own global in `ui/common.slint` and its own part of the
//! controller here: [`App`] (page, header, link, busy overlay, camera) in this module, [`Ticketing`] in
//! `ticketing`, [`Lookup`] in `lookup`, [`Rating`] in `rating`, [`WaitingRoom`] in `display` and
//! [`Technician`] in `technician`. `device` sets a window up for a configured role and runs it.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

pub use jobs::Execution;
use jobs::Jobs;

use domain::api::{
    ProcedureRef, ProcedureView, QuestionsView, RatingRequest, RatingStatusQuery, RatingStatusView, ReminderView,
    ServiceView,
};
use domain::i18n::{Lang, Localized};
use domain::office::{Priority, Stage};
use slint::{ComponentHandle, Image, Rgb8Pixel, SharedPixelBuffer};
use time::OffsetDateTime;

use crate::core::{office_offset, DossierAnswer, IssuedTicket, ProcedureAnswer, RatingOutcome};

slint::include_modules!();

/// Connects a callback of a flow's global to the controller. While a job holds the screen, a touch
/// must not start another (no second ticket), so the callback is ignored then; otherwise it counts as
/// a touch for the idle timeout.
macro_rules! on {
    ($this:expr, $global:expr, $method:ident, |$c:ident $(, $arg:ident : $t:ty)*| $body:expr) => {{
        let weak = std::rc::Rc::downgrade($this);
        $global.$method(move |$($arg: $t),*| {
            if let Some(rc) = weak.upgrade() {
                let mut $c = rc.borrow_mut();
                if $c.jobs.busy() {
                    return;
                }
                $c.state.last_touch = std::time::Instant::now();
                $body
            }
        });
    }};
}

mod display;
mod lookup;
mod procedures;
mod rating;
mod reminder;
mod technician;
mod ticketing;

/// A [`Backend`] with canned data: screenshots, UI tests and translators.
pub mod demo;
pub mod device;
pub mod jobs;
pub mod live;
pub use demo::DemoBackend;
pub use live::LiveBackend;

/// What the screens need from the rest of the device. Calls that may wait (issue, print, lookup,
/// rate, health, tick) run as jobs off the UI thread when the controller uses [`Execution::Worker`].
pub trait Backend: Send {
    fn services(&mut self) -> Vec<ServiceView>;
    /// Issues a ticket for `service`, recording the catalogue procedure chosen, if any.
    fn issue_for(
        &mut self,
        service: &str,
        priority: Priority,
        procedure: Option<&ProcedureRef>,
    ) -> Result<IssuedTicket, Localized>;
    fn issue(&mut self, service: &str, priority: Priority) -> Result<IssuedTicket, Localized> {
        self.issue_for(service, priority, None)
    }
    /// Catalogue procedures matching `query` in `field` (a field's Vietnamese name), and the fields.
    fn procedures(&mut self, query: &str, field: Option<&str>) -> Result<ProcedureAnswer, Localized>;
    /// The indicator set's questions at `stage`, each with its options (never fails: a kept or
    /// built-in copy answers offline).
    fn rating_questions(&mut self, stage: Option<Stage>) -> QuestionsView;
    /// Whether a ticket can still be rated at `stage`, asked before the questions; `None` when the
    /// server cannot say (offline).
    fn rating_status(&mut self, query: &RatingStatusQuery) -> Result<Option<RatingStatusView>, Localized>;
    /// Prints a ticket; an error is shown on screen and raised to staff, the ticket stays valid.
    fn print(&mut self, ticket: &IssuedTicket, lang: Lang) -> Result<(), String>;
    fn lookup(&mut self, code: &str) -> Result<DossierAnswer, Localized>;
    /// A served ticket to rate at the kiosk, from its printed number or its QR: (id, number).
    fn served_ticket(&mut self, input: &str) -> Result<(uuid::Uuid, String), Localized>;
    fn rate(&mut self, request: RatingRequest) -> Result<RatingOutcome, Localized>;
    fn online(&self) -> bool;
    fn pending_uploads(&self) -> usize;
    /// The technician's lines about the server, the printer and the backlog, in `lang`.
    fn health(&mut self, lang: Lang) -> Vec<String>;
    fn board(&mut self) -> Board;
    /// The display's live board, read by the screen without the backend's lock (a device's backend);
    /// `None`: the screen asks [`Backend::board`] (a canned backend).
    fn board_feed(&mut self) -> Option<crate::board::BoardFeed> {
        None
    }
    /// The office's name as the server's settings give it, once known: every role's header shows it
    /// (the configured name only until then).
    fn office_name(&self) -> Option<String> {
        None
    }
    /// Whether the office sends reminders by message (the ticket screen then offers them).
    fn reminders_offered(&mut self) -> bool {
        false
    }
    /// Asks for reminders of `ticket` (issued online) at `phone`.
    fn ask_reminder(&mut self, ticket: uuid::Uuid, phone: &str) -> Result<ReminderView, Localized> {
        let _ = (ticket, phone);
        Err(Localized::new("Đơn vị chưa có dịch vụ nhắn tin.", "This office does not send messages."))
    }
    /// Background work: sync and lease top-up (called every few seconds).
    fn tick(&mut self) {}
    /// Whether the printer reports paper near its end (or out): lights the paper-low LED.
    fn paper_low(&mut self) -> bool {
        false
    }
}

pub use crate::board::Board;

/// Text of the UI chosen in Rust (data from the server comes in both languages).
fn tr(lang: Lang, vi: &str, en: &str) -> String {
    match lang {
        Lang::Vi => vi.to_owned(),
        Lang::En => en.to_owned(),
    }
}

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

/// Office time, `dd/MM/yyyy HH:mm` (the one date-time format of the screens).
fn local_time(t: OffsetDateTime) -> String {
    crate::core::office_date_time(t)
}

/// A key of an on-screen keyboard applied to a field's text: a character (with `marks`, also a mark of
/// [`domain::vn_input`], which changes the last word), `"backspace"` or `"clear"`; the text stays within
/// `max` characters.
fn apply_key(text: &mut String, key: &str, max: usize, marks: bool) {
    match key {
        "backspace" => {
            text.pop();
        }
        "clear" => text.clear(),
        k if marks => match domain::vn_input::Key::from_name(k) {
            Some(mark @ domain::vn_input::Key::Mark(_)) => *text = domain::vn_input::apply(text, mark),
            Some(typed) if text.chars().count() < max => *text = domain::vn_input::apply(text, typed),
            _ => {}
        },
        k if text.chars().count() < max => text.push_str(k),
        _ => {}
    }
}

impl From<Lang> for Language {
    fn from(lang: Lang) -> Language {
        match lang {
            Lang::Vi => Language::Vi,
            Lang::En => Language::En,
        }
    }
}

impl From<crate::config::DeviceRole> for Role {
    fn from(role: crate::config::DeviceRole) -> Role {
        match role {
            crate::config::DeviceRole::TicketKiosk => Role::TicketKiosk,
            crate::config::DeviceRole::RatingTerminal => Role::RatingTerminal,
            crate::config::DeviceRole::Display => Role::Display,
        }
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
    /// The catalogue procedure the ticket is being taken for (its service is `service`).
    procedure: Option<ProcedureView>,
    /// The procedure screen's search and field, and its last answer.
    procedure_search: String,
    procedure_field: Option<String>,
    procedures: Option<Result<ProcedureAnswer, Localized>>,
    ticket: Option<IssuedTicket>,
    rating: Option<RatingRequest>,
    /// What the rating being given (or refused) is about, in both languages.
    rating_subject: Option<Localized>,
    /// A refused rating's message, in both languages (said again on a language switch).
    refusal: Option<Localized>,
    /// The questions shown for the rating being given.
    questions: Option<QuestionsView>,
    /// Whether the office sends reminders by message (learnt with the last ticket issued).
    reminders_offered: bool,
    /// The mobile number being typed for a reminder, its refusal, and the reminder taken.
    reminder_phone: String,
    reminder_error: Option<Localized>,
    reminder: Option<ReminderView>,
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
    /// The display's board: its feed once asked for (`Some(None)`: the backend has none), and the
    /// generation last drawn.
    board_feed: Option<Option<crate::board::BoardFeed>>,
    board_drawn: Option<u64>,
    /// The technician's test results (newest first) and when the screen's lines were last asked for.
    technician_notes: Vec<String>,
    technician_refreshed: Option<Instant>,
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
        let app = ui.global::<App>();
        app.set_office_name(options.office.clone().into());
        app.set_role(options.role.into());
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
                procedure: None,
                procedure_search: String::new(),
                procedure_field: None,
                procedures: None,
                ticket: None,
                rating: None,
                rating_subject: None,
                refusal: None,
                questions: None,
                reminders_offered: false,
                reminder_phone: String::new(),
                reminder_error: None,
                reminder: None,
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
            board_feed: None,
            board_drawn: None,
            technician_notes: Vec::new(),
            technician_refreshed: None,
        }));
        Self::connect(ui, &controller);
        Self::connect_ticketing(ui, &controller);
        Self::connect_procedures(ui, &controller);
        Self::connect_lookup(ui, &controller);
        Self::connect_rating(ui, &controller);
        Self::connect_reminder(ui, &controller);
        Self::connect_technician(ui, &controller);
        {
            let mut c = controller.borrow_mut();
            c.apply_language();
            c.go_home();
        }
        controller
    }

    /// The callbacks every page shares.
    fn connect(ui: &MainWindow, this: &Rc<RefCell<Controller>>) {
        let app = ui.global::<App>();
        on!(this, app, on_touched, |c| {
            let _ = &c;
        });
        on!(this, app, on_go_home, |c| c.go_home());
        on!(this, app, on_navigate, |c, page: Page| c.navigate(page));
        on!(this, app, on_switch_language, |c| {
            c.state.lang = if c.state.lang == Lang::Vi { Lang::En } else { Lang::Vi };
            c.apply_language();
        });
        on!(this, app, on_key_pressed, |c, text: slint::SharedString| c.key_pressed(&text));
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
            ui.global::<App>().set_busy(self.jobs.busy());
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
        self.follow_board();
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
        let app = ui.global::<App>();
        let page = app.get_page();
        let wanted = self.state.home == Page::Home
            && (matches!(page, Page::Home | Page::CodeEntry) || (page == Page::Technician && self.testing_scan()));
        if camera.is_active() != wanted {
            camera.set_active(wanted);
        }
        app.set_camera_on(wanted);
        if !wanted || !matches!(page, Page::CodeEntry | Page::Technician) {
            return;
        }
        if let Some((seq, frame)) = camera.newer_than(self.preview_shown) {
            self.preview_shown = seq;
            let (w, h, rgb) = crate::camera::preview_rgb(&frame, 480);
            let buffer = SharedPixelBuffer::<Rgb8Pixel>::clone_from_slice(&rgb, w as u32, h as u32);
            app.set_camera_preview(Image::from_rgb8(buffer));
        }
    }

    /// The camera's counters, when a camera runs (benchmarks, technician).
    pub fn camera_stats(&self) -> Option<std::sync::Arc<crate::camera::CameraStats>> {
        self.inputs.as_ref().and_then(|i| i.camera.as_ref()).map(|c| c.stats.clone())
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
                if ui.global::<App>().get_page() == Page::CodeEntry && !typed.trim().is_empty() && !self.jobs.busy() {
                    self.state.code = typed.trim().to_owned();
                    ui.global::<Lookup>().set_code(self.state.code.clone().into());
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
        let mut office = None;
        if let Some((online, pending, name)) = self.jobs.try_now(|b| (b.online(), b.pending_uploads(), b.office_name()))
        {
            self.online = online;
            self.pending_uploads = pending;
            office = name.filter(|n| !n.is_empty());
        }
        let ui = self.ui();
        let app = ui.global::<App>();
        if let Some(name) = office {
            app.set_office_name(name.into());
        }
        app.set_online(self.online);
        app.set_pending_uploads(self.pending_uploads as i32);
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
        let app = ui.global::<App>();
        let l = now.to_offset(office_offset());
        app.set_clock(format!("{:02}:{:02}", l.hour(), l.minute()).into());
        ui.global::<WaitingRoom>().set_date(crate::core::office_date(now).into());
        self.refresh_link();
        let busy = self.jobs.busy();
        if !busy && self.state.last_touch.elapsed() > self.state.idle_timeout && app.get_page() != self.state.home {
            self.go_home();
        }
        self.refresh_technician();
        if app.get_page() == Page::Display {
            // A live feed redraws on change (`follow_board`); a canned board is redrawn every second.
            if self.board_feed().is_some() {
                self.follow_board();
            } else {
                self.show_board();
            }
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
                self.take_ticket(PriorityGroup::Regular);
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
        self.state.questions = None;
        self.state.procedure = None;
        self.state.procedure_search.clear();
        self.state.procedure_field = None;
        self.state.procedures = None;
        self.forget_reminder();
        let ui = self.ui();
        ui.global::<Ticketing>().set_search("".into());
        let procedures = ui.global::<Procedures>();
        procedures.set_search("".into());
        procedures.set_field("".into());
        let lookup = ui.global::<Lookup>();
        lookup.set_code("".into());
        lookup.set_code_error("".into());
        lookup.set_purpose(CodePurpose::Lookup);
        ui.global::<Rating>().set_comment("".into());
        let technician = ui.global::<Technician>();
        technician.set_pin("".into());
        technician.set_pin_error("".into());
        self.refresh_link();
        let app = ui.global::<App>();
        if self.state.home == Page::Message {
            app.set_message(
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
        app.set_page(self.state.home);
    }

    fn navigate(&mut self, page: Page) {
        let ui = self.ui();
        match page {
            Page::Services => {
                self.state.search.clear();
                self.state.procedure = None;
                ui.global::<Ticketing>().set_search("".into());
                self.refresh_services();
            }
            Page::Procedures => self.open_procedures(),
            Page::CodeEntry => {
                self.state.code.clear();
                let lookup = ui.global::<Lookup>();
                lookup.set_code("".into());
                lookup.set_code_error("".into());
            }
            Page::Pin => {
                self.state.pin.clear();
                let technician = ui.global::<Technician>();
                technician.set_pin("".into());
                technician.set_pin_error("".into());
            }
            _ => {}
        }
        ui.global::<App>().set_page(page);
    }

    fn apply_language(&mut self) {
        // Vietnamese is the source language: the empty selection restores the original strings.
        let _ = slint::select_bundled_translation(if self.state.lang == Lang::En { "en" } else { "" });
        let ui = self.ui();
        let app = ui.global::<App>();
        app.set_lang(self.state.lang.into());
        // Texts computed here follow the language too.
        match app.get_page() {
            Page::Services => self.refresh_services(),
            Page::Ticket => {
                if let Some(t) = self.state.ticket.clone() {
                    self.show_ticket(&t, ui.global::<Ticketing>().get_printer_failed());
                }
            }
            Page::Reminder => self.show_reminder_phone(),
            Page::RatingQuestions | Page::RatingLevel => {
                self.show_questions();
                if let Some(subject) = &self.state.rating_subject {
                    ui.global::<Rating>().set_subject(subject.get(self.state.lang).into());
                }
            }
            Page::Thanks if ui.global::<Rating>().get_refused() => {
                if let Some(text) = &self.state.refusal {
                    app.set_message(text.get(self.state.lang).into());
                }
            }
            Page::Procedures => self.render_procedures(),
            Page::Procedure => self.show_procedure(),
            Page::Display => self.show_board(),
            Page::Message if self.state.home == Page::Message => self.go_home(),
            _ => {}
        }
        if let Some(code) = self.state.service.clone() {
            let name = match &self.state.procedure {
                Some(p) => procedures::name_in(&p.name, self.state.lang),
                None => self.service_name(&code),
            };
            ui.global::<Ticketing>().set_chosen_service_name(name.into());
        }
    }

    fn show_message(&mut self, text: &str) {
        let ui = self.ui();
        let app = ui.global::<App>();
        app.set_message(text.into());
        app.set_page(Page::Message);
    }

    /// Waits for the backend and calls `f` with it (tests; the UI itself never waits).
    pub fn with_backend<R>(&self, f: impl FnOnce(&mut dyn Backend) -> R) -> R {
        self.jobs.wait_now(f)
    }
}
