//! The [`Backend`] of a real device: the [`Core`] (server, store) and the ticket printer.

use domain::api::{ProcedureRef, QuestionsView, RatingRequest, RatingStatusQuery, RatingStatusView, ServiceView};
use domain::i18n::{Lang, Localized};
use domain::office::{Priority, Stage};

use super::{Backend, Board};
use crate::board::{BoardFeed, Follow};
use crate::client::ClientError;
use crate::core::{Core, CoreError, DossierAnswer, IssuedTicket, ProcedureAnswer, RatingOutcome, TicketPrinter};
use crate::health::{self, HardwareHealth};

pub struct LiveBackend {
    pub core: Core,
    pub printer: Option<TicketPrinter>,
    pub office: String,
    /// The display's board, kept fresh by its own threads (live events, polling while they are down)
    /// so that a slow or absent server never blocks the screen.
    board: Option<BoardFeed>,
    /// Sync, lease top-up, service list and heartbeat run on a worker thread ([`spawn_worker`]).
    pub background_worker: bool,
    /// A display's counters (`[display] counters`); all when `None`.
    pub display_counters: Option<Vec<u16>>,
    /// How the display's board learns of changes (the live events on a device).
    pub board_follow: Follow,
    /// What the printer last said, shared with the background worker's heartbeat.
    pub hardware: HardwareHealth,
}

impl LiveBackend {
    pub fn new(core: Core, printer: Option<TicketPrinter>, office: String) -> LiveBackend {
        let printer_present = printer.is_some();
        LiveBackend {
            core,
            printer,
            office,
            board: None,
            background_worker: false,
            display_counters: None,
            board_follow: Follow::Events,
            hardware: if printer_present { HardwareHealth::with_printer() } else { HardwareHealth::default() },
        }
    }

    fn board_feed_handle(&mut self) -> BoardFeed {
        let client = self.core.client().clone();
        let (counters, follow) = (self.display_counters.clone(), self.board_follow);
        self.board.get_or_insert_with(|| BoardFeed::start(client, counters, follow)).clone()
    }

    /// The office's name and UTC offset from the board's last `/healthz`, kept for an offline start.
    fn learn_office_from_board(&mut self) {
        if let Some(h) = self.board.as_ref().and_then(BoardFeed::take_health) {
            let _ = self.core.learn_office(&h);
        }
    }
}

/// A message a citizen can read for an error of the core.
pub fn explain(e: &CoreError) -> Localized {
    match e {
        CoreError::BadCode(m) => m.clone(),
        CoreError::UnknownDossier => Localized::new(
            "Không tìm thấy hồ sơ với mã này. Vui lòng kiểm tra lại mã trên giấy hẹn.",
            "No dossier has this code. Please check the code on your appointment slip.",
        ),
        CoreError::NotServed(number) => Localized::new(
            format!("Số {number} chưa được phục vụ xong. Quý khách vui lòng đánh giá sau khi được phục vụ."),
            format!("Ticket {number} has not been served yet. Please rate once you have been served."),
        ),
        CoreError::NoNumbersLeft(_) => Localized::new(
            "Tạm thời không lấy được số cho dịch vụ này. Xin vui lòng liên hệ quầy hướng dẫn.",
            "No number can be issued for this service right now. Please ask at the information desk.",
        ),
        CoreError::Client(ClientError::Refused { error, .. }) => error.message.clone(),
        CoreError::Client(ClientError::Unreachable(_) | ClientError::NoAnswer(_)) => Localized::new(
            "Không kết nối được máy chủ và chưa có dữ liệu đã lưu cho yêu cầu này.",
            "The server cannot be reached and nothing is saved for this request.",
        ),
        other => Localized::new(format!("Có lỗi xảy ra: {other}"), format!("Something went wrong: {other}")),
    }
}

impl Backend for LiveBackend {
    fn services(&mut self) -> Vec<ServiceView> {
        if self.background_worker {
            // The worker keeps the list fresh in the store; the screen never waits for the network.
            if let Ok(list) = self.core.reload_cached_services() {
                if !list.is_empty() {
                    return list.to_vec();
                }
            }
        }
        match self.core.services() {
            Ok(s) => s.to_vec(),
            Err(_) => self.core.cached_services().to_vec(),
        }
    }

    fn issue_for(
        &mut self,
        service: &str,
        priority: Priority,
        procedure: Option<&ProcedureRef>,
    ) -> Result<IssuedTicket, Localized> {
        self.core.issue_for(service, priority, procedure).map_err(|e| explain(&e))
    }

    fn reminders_offered(&mut self) -> bool {
        self.core.reminders_offered()
    }

    fn ask_reminder(&mut self, ticket: uuid::Uuid, phone: &str) -> Result<domain::api::ReminderView, Localized> {
        self.core.ask_reminder(ticket, phone).map_err(|e| explain(&e))
    }

    fn procedures(&mut self, query: &str, field: Option<&str>) -> Result<ProcedureAnswer, Localized> {
        self.core.search_procedures(query, field).map_err(|e| match e {
            CoreError::Client(ClientError::Unreachable(_) | ClientError::NoAnswer(_)) => Localized::new(
                "Không kết nối được máy chủ và chưa có danh mục thủ tục đã lưu. Quý khách vui lòng chọn dịch vụ.",
                "The server cannot be reached and no procedure list is saved yet. Please choose a service instead.",
            ),
            other => explain(&other),
        })
    }

    fn rating_questions(&mut self, stage: Option<Stage>) -> QuestionsView {
        match self.core.rating_questions(stage) {
            Ok(q) => q,
            Err(_) => QuestionsView::of(&domain::rating::IndicatorSet::builtin(), stage),
        }
    }

    fn rating_status(&mut self, query: &RatingStatusQuery) -> Result<Option<RatingStatusView>, Localized> {
        self.core.rating_status(query).map_err(|e| explain(&e))
    }

    fn print(&mut self, ticket: &IssuedTicket, lang: Lang) -> Result<(), String> {
        let Some(p) = &mut self.printer else { return Err("no printer configured".into()) };
        // The receiving unit as the server's settings name it, the configured name until it has answered.
        let office = self.core.office_name().unwrap_or_else(|| self.office.clone());
        let agency = self.core.agency_name();
        let result = p.print(&ticket.slip(&office, agency.as_deref(), lang)).map_err(|e| e.to_string());
        self.hardware.printed(&ticket.number, result.as_ref().map(|_| ()).map_err(String::as_str));
        if result.is_err() {
            // Staff see the alert in the device list at once; the ticket stays valid and can be reprinted.
            let pending = self.core.pending().unwrap_or_default();
            let _ = self.core.client().heartbeat(&health::heartbeat(&self.hardware, pending));
        }
        result
    }

    fn lookup(&mut self, code: &str) -> Result<DossierAnswer, Localized> {
        self.core.lookup_dossier(code).map_err(|e| explain(&e))
    }

    fn served_ticket(&mut self, input: &str) -> Result<(uuid::Uuid, String), Localized> {
        self.core.served_ticket(input).map(|t| (t.id, t.number)).map_err(|e| explain(&e))
    }

    fn rate(&mut self, request: RatingRequest) -> Result<RatingOutcome, Localized> {
        self.core.rate(request).map_err(|e| explain(&e))
    }

    fn online(&self) -> bool {
        if self.background_worker {
            if let Some(up) = self.core.published_link() {
                return up;
            }
        }
        match &self.board {
            Some(feed) => feed.ok(),
            None => self.core.is_online(),
        }
    }

    fn office_name(&self) -> Option<String> {
        self.core.office_name()
    }

    fn pending_uploads(&self) -> usize {
        self.core.pending().map(|p| p.tickets + p.ratings).unwrap_or(0)
    }

    fn health(&mut self, lang: Lang) -> Vec<String> {
        let base = self.core.client().base().to_owned();
        let server = self.core.client().health().map_err(|e| explain(&CoreError::Client(e)));
        let mut lines = vec![health::server_line(lang, &base, server.as_ref())];
        if let Some(p) = &mut self.printer {
            self.hardware.set_printer_state(p.status().state);
        }
        lines.extend(health::printer_lines(lang, self.hardware.printer().as_ref()));
        let unanswered = match self.core.store().get(crate::core::UNCONFIRMED_KEY) {
            Ok(Some(keys)) => serde_json::from_str::<Vec<String>>(&keys).map(|k| k.len()).unwrap_or(0),
            _ => 0,
        };
        lines.extend(health::backlog_lines(lang, self.core.pending().unwrap_or_default(), unanswered));
        lines
    }

    fn board(&mut self) -> Board {
        let board = self.board_feed_handle().snapshot().board;
        self.learn_office_from_board();
        board
    }

    fn board_feed(&mut self) -> Option<BoardFeed> {
        Some(self.board_feed_handle())
    }

    fn paper_low(&mut self) -> bool {
        let Some(p) = self.printer.as_mut() else { return false };
        let state = p.status().state;
        self.hardware.set_printer_state(state);
        matches!(state, printer::PrinterState::PaperNearEnd | printer::PrinterState::PaperOut)
    }

    fn tick(&mut self) {
        self.learn_office_from_board();
        if self.background_worker {
            return;
        }
        // What the office says of itself (name, time zone, whether it sends reminders), as the worker
        // learns it on a device.
        if let Ok(h) = self.core.client().health() {
            let _ = self.core.learn_office(&h);
        }
        let pending = self.core.pending().unwrap_or_default();
        let _ = self.core.client().heartbeat(&health::heartbeat(&self.hardware, pending));
        let _ = self.core.sync();
        // The service list answering is what says the server is there; then leases are worth asking for.
        if self.core.services().is_ok() {
            let _ = self.core.top_up_leases();
            self.core.refresh_catalogue_if_due();
        }
    }
}

/// Starts the background worker: its own [`Core`] (own store connection) doing a
/// [`Core::background_pass`] every `every`, for as long as the process runs; its heartbeat reports the
/// printer as the job thread last saw it (`hardware`).
pub fn spawn_worker(
    config: crate::config::Config,
    every: std::time::Duration,
    hardware: HardwareHealth,
) -> std::io::Result<()> {
    std::thread::Builder::new().name("sync".into()).spawn(move || {
        let mut core = loop {
            match Core::start(&config) {
                Ok(core) => break core,
                Err(_) => std::thread::sleep(every),
            }
        };
        loop {
            let health = health::heartbeat(&hardware, core.pending().unwrap_or_default());
            let _ = core.background_pass(Some(&health));
            std::thread::sleep(every);
        }
    })?;
    Ok(())
}

/// The waiting-room board from the server, for `counters` (every counter when `None`).
pub fn fetch_board(core: &Core, counters: Option<&[u16]>) -> Option<Board> {
    crate::board::fetch(core.client(), counters)
}
