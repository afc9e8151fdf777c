//! The [`Backend`] of a real device: the [`Core`] (server, store) and the ticket printer.

use std::sync::{Arc, Mutex};

use domain::api::{ProcedureRef, QuestionsView, RatingRequest, RatingStatusView, ServiceView};
use domain::i18n::{Lang, Localized};
use domain::office::{Priority, Stage};

use super::{Backend, Board};
use crate::client::ClientError;
use crate::core::{Core, CoreError, DossierAnswer, IssuedTicket, ProcedureAnswer, RatingOutcome, TicketPrinter};

pub struct LiveBackend {
    pub core: Core,
    pub printer: Option<TicketPrinter>,
    pub office: String,
    last_print_error: Option<String>,
    /// The display's board, refreshed by a background thread so that a slow or absent server never
    /// blocks the screen.
    board: Option<Arc<Mutex<BoardCell>>>,
    /// Sync, lease top-up, service list and heartbeat run on a worker thread ([`spawn_worker`]).
    pub background_worker: bool,
    /// A display's counters (`[display] counters`); all when `None`.
    pub display_counters: Option<Vec<u16>>,
}

/// What the board thread last learnt: the board, whether its last refresh succeeded, and a `/healthz`
/// answer not yet taken (a display has no background worker to learn the office's name and offset).
#[derive(Default)]
struct BoardCell {
    board: Board,
    ok: bool,
    health: Option<domain::api::Health>,
}

/// The board thread asks `/healthz` on its first pass and then every this many passes (2 s each).
const HEALTH_EVERY_PASSES: u32 = 30;

impl LiveBackend {
    pub fn new(core: Core, printer: Option<TicketPrinter>, office: String) -> LiveBackend {
        LiveBackend {
            core,
            printer,
            office,
            last_print_error: None,
            board: None,
            background_worker: false,
            display_counters: None,
        }
    }

    fn board_cell(&mut self) -> Arc<Mutex<BoardCell>> {
        if let Some(cell) = &self.board {
            return cell.clone();
        }
        let cell = Arc::new(Mutex::new(BoardCell { ok: true, ..BoardCell::default() }));
        let weak = Arc::downgrade(&cell);
        let client = self.core.client().clone();
        let counters = self.display_counters.clone();
        let _ = std::thread::Builder::new().name("board".into()).spawn(move || {
            let mut pass = 0u32;
            while let Some(cell) = weak.upgrade() {
                let health = pass.is_multiple_of(HEALTH_EVERY_PASSES).then(|| client.health().ok()).flatten();
                pass = pass.wrapping_add(1);
                let fresh = fetch_board_with(&client, counters.as_deref());
                {
                    let mut slot = cell.lock().unwrap_or_else(|e| e.into_inner());
                    match fresh {
                        Some(board) => (slot.board, slot.ok) = (board, true),
                        None => slot.ok = false,
                    }
                    if health.is_some() {
                        slot.health = health;
                    }
                }
                drop(cell);
                std::thread::sleep(std::time::Duration::from_secs(2));
            }
        });
        self.board = Some(cell.clone());
        cell
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

    fn rating_status(
        &mut self,
        ticket: uuid::Uuid,
        stage: Option<Stage>,
    ) -> Result<Option<RatingStatusView>, Localized> {
        self.core.rating_status(ticket, stage).map_err(|e| explain(&e))
    }

    fn print(&mut self, ticket: &IssuedTicket, lang: Lang) -> Result<(), String> {
        let Some(p) = &mut self.printer else { return Err("no printer configured".into()) };
        // The receiving unit as the server's settings name it, the configured name until it has answered.
        let office = self.core.office_name().unwrap_or_else(|| self.office.clone());
        let result = p.print(&ticket.slip(&office, lang)).map_err(|e| e.to_string());
        self.last_print_error = result.as_ref().err().cloned();
        if let Err(e) = &result {
            // Staff see the alert in the device list; the ticket itself stays valid and can be reprinted.
            let _ = self.core.client().heartbeat(&serde_json::json!({
                "printer": { "ok": false, "error": e, "ticket": ticket.number },
            }));
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
            Some(cell) => cell.lock().unwrap_or_else(|e| e.into_inner()).ok,
            None => self.core.is_online(),
        }
    }

    fn pending_uploads(&self) -> usize {
        self.core.pending().map(|p| p.tickets + p.ratings).unwrap_or(0)
    }

    fn health(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        match self.core.client().health() {
            Ok(h) => lines.push(format!(
                "Máy chủ {}: {} ({}, seq {})",
                self.core.client().base(),
                h.status,
                h.office,
                h.last_seq
            )),
            Err(e) => lines.push(format!("Máy chủ {}: {e}", self.core.client().base())),
        }
        match &mut self.printer {
            Some(p) => lines.push(format!("Máy in: {:?}", p.status())),
            None => lines.push("Máy in: không cấu hình".into()),
        }
        if let Some(e) = &self.last_print_error {
            lines.push(format!("Lỗi in gần nhất: {e}"));
        }
        if let Ok(Some(keys)) = self.core.store().get(crate::core::UNCONFIRMED_KEY) {
            let n = serde_json::from_str::<Vec<String>>(&keys).map(|k| k.len()).unwrap_or(0);
            lines.push(format!("Lấy số không nhận được trả lời: {n} (có thể có phiếu không ai giữ)"));
        }
        if let Ok(p) = self.core.pending() {
            lines.push(format!("Chờ gửi: {} phiếu, {} đánh giá; lỗi: {}", p.tickets, p.ratings, p.failed));
        }
        lines
    }

    fn board(&mut self) -> Board {
        let cell = self.board_cell();
        let (board, health) = {
            let mut slot = cell.lock().unwrap_or_else(|e| e.into_inner());
            (slot.board.clone(), slot.health.take())
        };
        if let Some(h) = health {
            // The office's name and UTC offset, kept for an offline start.
            let _ = self.core.learn_office(&h);
        }
        board
    }

    fn paper_low(&mut self) -> bool {
        self.printer.as_mut().is_some_and(|p| {
            matches!(p.status().state, printer::PrinterState::PaperNearEnd | printer::PrinterState::PaperOut)
        })
    }

    fn tick(&mut self) {
        if self.background_worker {
            return;
        }
        let pending = self.core.pending().unwrap_or_default();
        let printer = self.printer.as_mut().map(|p| format!("{:?}", p.status().state));
        let _ = self.core.client().heartbeat(&serde_json::json!({
            "printer": { "ok": self.last_print_error.is_none(), "state": printer, "error": self.last_print_error },
            "pending": { "tickets": pending.tickets, "ratings": pending.ratings, "failed": pending.failed },
            "version": env!("CARGO_PKG_VERSION"),
        }));
        let _ = self.core.sync();
        // The service list answering is what says the server is there; then leases are worth asking for.
        if self.core.services().is_ok() {
            let _ = self.core.top_up_leases();
            self.core.refresh_catalogue_if_due();
        }
    }
}

/// Starts the background worker: its own [`Core`] (own store connection) doing a
/// [`Core::background_pass`] every `every`, for as long as the process runs.
pub fn spawn_worker(config: crate::config::Config, every: std::time::Duration) -> std::io::Result<()> {
    std::thread::Builder::new().name("sync".into()).spawn(move || {
        let mut core = loop {
            match Core::start(&config) {
                Ok(core) => break core,
                Err(_) => std::thread::sleep(every),
            }
        };
        loop {
            let pending = core.pending().unwrap_or_default();
            let health = serde_json::json!({
                "pending": { "tickets": pending.tickets, "ratings": pending.ratings, "failed": pending.failed },
                "version": env!("CARGO_PKG_VERSION"),
            });
            let _ = core.background_pass(Some(&health));
            std::thread::sleep(every);
        }
    })?;
    Ok(())
}

/// The waiting-room board from the server, for `counters` (every counter when `None`).
pub fn fetch_board(core: &Core, counters: Option<&[u16]>) -> Option<Board> {
    fetch_board_with(core.client(), counters)
}

fn fetch_board_with(client: &crate::client::Client, counters: Option<&[u16]>) -> Option<Board> {
    let shown = |id: &serde_json::Value| {
        counters.is_none_or(|mine| id.as_u64().is_some_and(|id| mine.iter().any(|&c| u64::from(c) == id)))
    };
    let v: serde_json::Value = client.get_json("/api/v1/board?recent=6").ok()?;
    let loc = |v: &serde_json::Value| {
        Localized::new(v["vi"].as_str().unwrap_or_default(), v["en"].as_str().unwrap_or_default())
    };
    let serving = v["counters"]
        .as_array()?
        .iter()
        .filter(|c| shown(&c["id"]))
        .filter_map(|c| {
            let number = c["number"].as_str()?;
            Some((c["id"].to_string(), number.to_owned(), loc(&c["service_name"])))
        })
        .collect();
    let recent = v["recent"]
        .as_array()?
        .iter()
        .filter(|c| shown(&c["counter"]))
        .filter_map(|c| Some((c["number"].as_str()?.to_owned(), c["counter"].to_string())))
        .collect();
    let waiting = v["services"].as_array()?.iter().filter_map(|s| s["waiting"].as_u64()).sum::<u64>() as usize;
    Some(Board { office: loc(&v["office"]).vi, notice: loc(&v["notice"]), serving, recent, waiting })
}
