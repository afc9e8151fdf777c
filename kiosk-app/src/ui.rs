//! The Slint UI: the generated components (`ui/*.slint`), the [`Backend`] the screens talk to, and the
//! [`Controller`] that wires callbacks to it. The UI never calls the network or the printer itself:
//! it goes through a backend, live ([`LiveBackend`]) or canned ([`DemoBackend`], screenshots and tests).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use domain::api::{RatingRequest, ServiceView};
use domain::dossier::Timeliness;
use domain::i18n::{matches_query, sort_key, Lang, Localized};
use domain::office::Priority;
use domain::rating::{Indicator, RatingLevel};
use slint::{ComponentHandle, Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, VecModel};
use time::OffsetDateTime;

use crate::core::{office_offset, DossierAnswer, IssuedTicket, RatingOutcome};

slint::include_modules!();

/// What the screens need from the rest of the device.
pub trait Backend {
    fn services(&mut self) -> Vec<ServiceView>;
    fn issue(&mut self, service: &str, priority: Priority) -> Result<IssuedTicket, Localized>;
    /// Prints a ticket; an error is shown on screen and raised to staff, the ticket stays valid.
    fn print(&mut self, ticket: &IssuedTicket, lang: Lang) -> Result<(), String>;
    fn lookup(&mut self, code: &str) -> Result<DossierAnswer, Localized>;
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
    backend: Box<dyn Backend>,
    state: State,
    gpio: Option<Box<dyn crate::gpio::Gpio>>,
    /// Service a press of the physical button takes a regular ticket for.
    button_service: Option<String>,
}

pub struct Options {
    pub role: crate::config::DeviceRole,
    pub lang: Lang,
    pub office: String,
    pub technician_pin: String,
    pub idle_timeout: Duration,
    /// Screen size in logical pixels.
    pub size: (u32, u32),
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
            backend,
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
        on!(on_sync_now, |c| {
            c.backend.tick();
            c.show_health();
        });
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
        k.set_online(self.backend.online());
        k.set_pending_uploads(self.backend.pending_uploads() as i32);
        if self.state.last_touch.elapsed() > self.state.idle_timeout && k.get_page() != self.state.home {
            self.go_home();
        }
        if k.get_page() == Page::Display {
            self.show_board();
        }
    }

    /// Background sync and lease top-up; the paper-low LED follows the printer.
    pub fn background(&mut self) {
        self.backend.tick();
        let low = self.backend.paper_low();
        if let Some(g) = &mut self.gpio {
            g.set_paper_low_led(low);
        }
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
        if !pressed || self.state.home != Page::Home {
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
        k.set_comment("".into());
        k.set_pin("".into());
        k.set_pin_error("".into());
        k.set_online(self.backend.online());
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
        self.backend
            .services()
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
            .backend
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
        match self.backend.issue(&service, priority) {
            Ok(ticket) => {
                let printed = self.backend.print(&ticket, self.state.lang);
                self.state.ticket = Some(ticket.clone());
                self.show_ticket(&ticket, printed.is_err());
                self.ui().global::<Kiosk>().set_page(Page::Ticket);
            }
            Err(message) => self.show_message(message.get(self.state.lang)),
        }
        let ui = self.ui();
        ui.global::<Kiosk>().set_online(self.backend.online());
        ui.global::<Kiosk>().set_pending_uploads(self.backend.pending_uploads() as i32);
    }

    fn reprint(&mut self) {
        if let Some(t) = self.state.ticket.clone() {
            let failed = self.backend.print(&t, self.state.lang).is_err();
            self.ui().global::<Kiosk>().set_printer_failed(failed);
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
            // A kiosk rating is tied to a dossier code.
            match domain::dossier::DossierCode::parse_lenient(code) {
                Ok(c) => {
                    self.state.rating = Some(RatingRequest {
                        ticket: None,
                        dossier: Some(c.as_str().to_owned()),
                        counter: None,
                        stage: None,
                        level: RatingLevel::Satisfied,
                        answers: vec![],
                        comment: None,
                    });
                    k.set_rating_subject(
                        self.t(&format!("Hồ sơ {}", c.as_str()), &format!("Dossier {}", c.as_str())).into(),
                    );
                    self.show_questions();
                    k.set_page(Page::RatingLevel);
                }
                Err(e) => k.set_code_error(e.localized().get(self.state.lang).into()),
            }
            return;
        }
        match self.backend.lookup(code) {
            Ok(answer) => {
                self.show_dossier(&answer);
                k.set_page(Page::Dossier);
            }
            Err(message) => k.set_code_error(message.get(self.state.lang).into()),
        }
        k.set_online(self.backend.online());
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
        k.set_dossier_next(v.next_step.get(lang).into());
        k.set_dossier_timeliness(v.timeliness.map(|t| t.name().get(lang).to_owned()).unwrap_or_default().into());
        k.set_dossier_timeliness_level(match v.timeliness {
            Some(Timeliness::OnTime) => 0,
            Some(Timeliness::DueSoon) => 1,
            Some(Timeliness::Overdue) => 2,
            None => -1,
        });
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
        if !matches!(k.get_page(), Page::Home | Page::CodeEntry) || self.state.home != Page::Home {
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
    pub fn invite_rating(&mut self, ticket: uuid::Uuid, number: &str, counter: u16) {
        self.state.rating = Some(RatingRequest {
            ticket: Some(ticket),
            dossier: None,
            counter: Some(counter),
            stage: None,
            level: RatingLevel::Satisfied,
            answers: vec![],
            comment: None,
        });
        self.state.comment.clear();
        self.state.last_touch = Instant::now();
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        k.set_comment("".into());
        k.set_rating_subject(
            self.t(&format!("Số {number} · Quầy {counter}"), &format!("Ticket {number} · Counter {counter}")).into(),
        );
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
        let lang = self.state.lang;
        let message = match self.backend.rate(request) {
            Ok(RatingOutcome::Recorded) => String::new(),
            Ok(RatingOutcome::Queued) => self.t(
                "Đánh giá đã được lưu và sẽ được gửi khi có kết nối.",
                "Your rating is saved and will be sent when the link is back.",
            ),
            Err(e) => e.get(lang).to_owned(),
        };
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        k.set_message(message.into());
        k.set_page(Page::Thanks);
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
        let mut lines = self.backend.health();
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
        let result = self.backend.print(&sample, self.state.lang);
        self.show_health();
        let line = match result {
            Ok(()) => self.t("In thử: xong", "Test print: done"),
            Err(e) => self.t(&format!("In thử: lỗi — {e}"), &format!("Test print failed: {e}")),
        };
        let ui = self.ui();
        let k = ui.global::<Kiosk>();
        let mut lines: Vec<SharedString> = slint::Model::iter(&k.get_health()).collect();
        lines.insert(0, line.into());
        k.set_health(ModelRc::new(VecModel::from(lines)));
    }

    fn show_board(&mut self) {
        let lang = self.state.lang;
        let board = self.backend.board();
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

    /// The backend (tests).
    pub fn backend(&mut self) -> &mut dyn Backend {
        self.backend.as_mut()
    }
}

/// A [`Backend`] with canned data: screenshots, UI tests and translators.
pub mod demo;
pub mod live;
pub use demo::DemoBackend;
pub use live::LiveBackend;
