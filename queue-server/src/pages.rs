//! The web pages the queue server serves itself — `/counter` (officers), `/display` (waiting-room TV)
//! and `/admin` (supervisors) — and the read models only they need:
//!
//! - `GET /api/v1/board`: what a display shows (serving ticket per counter, last calls, waiting counts
//!   and estimated waits, office name, notice, announcement settings), for every role.
//! - `GET /api/v1/counters/{counter}/desk`: an officer's desk (current ticket, waiting lists with the
//!   time each ticket has waited, parked and recently missed tickets, outcomes, transfer targets).
//! - `GET /api/v1/admin/dashboard`, `GET /api/v1/admin/services`, `GET /api/v1/admin/counters`.
//! - `GET /api/v1/announcements/{seq}.wav`: the voice announcement of a `ticket_called` or
//!   `ticket_recalled` event, rendered by [`crate::announce`].
//!
//! Every asset is compiled into the binary (`web/`), so the pages work in an office with no internet.
//! Pages themselves are public: they hold no data until the browser signs in or presents a device
//! token, and every API call they make goes through the same role table (`http::routes::ROUTES`).

use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::api::{ServiceView, TicketView};
use domain::event::EventKind;
use domain::i18n::Lang;
use domain::office::{Counter, CounterId, NumberReading, Service};
use domain::queue::{OfficeState, Ticket, TicketStatus, OUTCOMES};
use domain::Localized;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::announce::Voice;
use crate::auth::Caller;
use crate::error::AppError;
use crate::http::{service_view, ticket_view, AppState, Path, Query};

/// A static asset: path, content type, bytes.
type Asset = (&'static str, &'static str, &'static [u8]);

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const WOFF2: &str = "font/woff2";
const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
                   media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                   frame-ancestors 'none'; form-action 'self'";

macro_rules! web {
    ($path:literal, $type:expr) => {
        ($path, $type, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $path)) as &[u8])
    };
}

static ASSETS: &[Asset] = &[
    web!("index.html", HTML),
    web!("counter.html", HTML),
    web!("display.html", HTML),
    web!("admin.html", HTML),
    web!("app.css", CSS),
    web!("common.js", JS),
    web!("counter.js", JS),
    web!("display.js", JS),
    web!("admin.js", JS),
    web!("admin-procedures.js", JS),
    web!("admin-hardware.js", JS),
    web!("admin-sync.js", JS),
    web!("follow.html", HTML),
    web!("follow.js", JS),
    web!("fonts/be-vietnam-pro-vietnamese-400-normal.woff2", WOFF2),
    web!("fonts/be-vietnam-pro-vietnamese-600-normal.woff2", WOFF2),
    web!("fonts/be-vietnam-pro-vietnamese-800-normal.woff2", WOFF2),
    web!("fonts/be-vietnam-pro-latin-400-normal.woff2", WOFF2),
    web!("fonts/be-vietnam-pro-latin-600-normal.woff2", WOFF2),
    web!("fonts/be-vietnam-pro-latin-800-normal.woff2", WOFF2),
    web!("fonts/be-vietnam-pro-latin-ext-400-normal.woff2", WOFF2),
    web!("fonts/be-vietnam-pro-latin-ext-600-normal.woff2", WOFF2),
    web!("fonts/be-vietnam-pro-latin-ext-800-normal.woff2", WOFF2),
];

pub(crate) fn asset(path: &str) -> Response {
    match ASSETS.iter().find(|(p, ..)| *p == path) {
        Some((_, content_type, bytes)) => {
            let cache = if content_type.starts_with("font/") { "public, max-age=604800" } else { "no-cache" };
            let mut response = (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                    (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
                    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
                ],
                *bytes,
            )
                .into_response();
            if *content_type == HTML {
                // Everything comes from this server; scripts only from files (no inline script).
                response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
                response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
            }
            response
        }
        None => AppError::NotFound("page").into_response(),
    }
}

/// `/web/{*path}`: a page's script, style sheet or font.
pub(crate) async fn web_asset(Path(path): Path<String>) -> Response {
    asset(&path)
}

// ---- display board ---------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Board {
    pub office: Localized,
    pub notice: Localized,
    pub announcement_langs: Vec<Lang>,
    pub number_reading: NumberReading,
    pub office_open: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "domain::api::schema::date_time")]
    pub now: OffsetDateTime,
    pub utc_offset_s: i32,
    pub last_seq: u64,
    pub counters: Vec<BoardCounter>,
    pub services: Vec<ServiceView>,
    /// Most recent calls first.
    pub recent: Vec<Call>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct BoardCounter {
    pub id: CounterId,
    pub name: Localized,
    pub open: bool,
    /// Number called to, or being served at, the counter.
    pub number: Option<String>,
    pub status: Option<String>,
    pub service_name: Option<Localized>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Call {
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "domain::api::schema::date_time")]
    pub at: OffsetDateTime,
    pub number: String,
    pub counter: CounterId,
    pub recall: bool,
}

#[derive(Deserialize)]
pub(crate) struct BoardQuery {
    recent: Option<usize>,
}

fn board_counters(s: &OfficeState) -> Vec<BoardCounter> {
    s.counters
        .values()
        .map(|c| {
            let t = c.current.and_then(|id| s.ticket(id));
            BoardCounter {
                id: c.counter.id,
                name: c.counter.name.clone(),
                open: c.counter.open,
                number: t.map(|t| t.label.clone()),
                status: t.map(|t| t.status.name().to_owned()),
                service_name: t.and_then(|t| s.services.get(&t.service)).map(|svc| svc.name.clone()),
            }
        })
        .collect()
}

/// The most recent calls and recalls, newest first, from the event log.
async fn recent_calls(app: &AppState, limit: usize, counter: Option<CounterId>) -> Result<Vec<Call>, AppError> {
    let events =
        app.office.query(move |conn| crate::store::recent_calls(conn, limit, counter).map_err(AppError::from)).await?;
    Ok(app.office.read(|s| {
        events
            .into_iter()
            .filter_map(|e| {
                let (ticket, counter, recall) = match e.kind {
                    EventKind::TicketCalled { ticket, counter, .. } => (ticket, counter, false),
                    EventKind::TicketRecalled { ticket, counter } => (ticket, counter, true),
                    _ => return None,
                };
                let number = s.ticket(ticket)?.label.clone();
                Some(Call { seq: e.seq, at: e.at, number, counter, recall })
            })
            .collect()
    }))
}

pub(crate) async fn board(
    State(app): State<Arc<AppState>>,
    _caller: Caller,
    Query(q): Query<BoardQuery>,
) -> Result<Json<Board>, AppError> {
    let limit = q.recent.unwrap_or(8).clamp(1, 50);
    let recent = recent_calls(&app, limit, None).await?;
    let now = OffsetDateTime::now_utc();
    Ok(Json(app.office.read(|s| {
        let office_open = s.settings.is_open_at(now);
        let mut services: Vec<ServiceView> =
            s.services.values().filter(|svc| svc.open).map(|svc| service_view(s, svc)).collect();
        services.sort_by_key(|v| v.letter);
        Board {
            office: s.settings.name.clone(),
            notice: s.settings.notice.clone(),
            announcement_langs: s.settings.announcement_langs.clone(),
            number_reading: s.settings.number_reading,
            office_open,
            now,
            utc_offset_s: s.settings.utc_offset_s,
            last_seq: s.last_seq,
            counters: board_counters(s),
            services,
            recent,
        }
    })))
}

// ---- counter desk ----------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DeskTicket {
    #[serde(flatten)]
    pub ticket: TicketView,
    /// Seconds since it (re-)entered its queue, or since it was called/parked/missed.
    pub waited_s: i64,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DeskQueue {
    pub service: ServiceView,
    pub tickets: Vec<DeskTicket>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct NamedService {
    pub code: String,
    pub letter: char,
    pub name: Localized,
    pub open: bool,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Desk {
    pub counter: Counter,
    pub office: Localized,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "domain::api::schema::date_time")]
    pub now: OffsetDateTime,
    pub last_seq: u64,
    pub current: Option<DeskTicket>,
    /// When the current ticket was called (or service started).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(schema_with = "domain::api::schema::optional_date_time")]
    pub current_since: Option<OffsetDateTime>,
    pub last_served: Option<TicketView>,
    /// Tickets transferred to this counter only.
    pub counter_queue: Vec<DeskTicket>,
    pub queues: Vec<DeskQueue>,
    pub parked: Vec<DeskTicket>,
    /// Missed here and still within the no-show grace window (can be called back).
    pub missed: Vec<DeskTicket>,
    pub outcomes: Vec<(String, Localized)>,
    pub services: Vec<NamedService>,
    pub counters: Vec<(CounterId, Localized)>,
    /// What the display shows for this counter: its last calls.
    pub display: Vec<Call>,
}

fn desk_ticket(s: &OfficeState, t: &Ticket, now: OffsetDateTime) -> DeskTicket {
    let since = match &t.status {
        TicketStatus::Called { at, .. } | TicketStatus::Parked { at, .. } | TicketStatus::Missed { at, .. } => *at,
        TicketStatus::Serving { since, .. } => *since,
        _ => t.enqueued_at,
    };
    DeskTicket { ticket: ticket_view(s, t), waited_s: (now - since).whole_seconds().max(0) }
}

pub(crate) async fn desk(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
) -> Result<Json<Desk>, AppError> {
    caller.require_counter(counter)?;
    let display = recent_calls(&app, 5, Some(counter)).await?;
    let now = OffsetDateTime::now_utc();
    let desk = app.office.read(|s| {
        let c = s.counters.get(&counter)?;
        let current = c.current.and_then(|id| s.ticket(id));
        let current_since = current.and_then(|t| match &t.status {
            TicketStatus::Called { at, .. } => Some(*at),
            TicketStatus::Serving { since, .. } => Some(*since),
            _ => None,
        });
        let grace = time::Duration::seconds(i64::from(s.settings.no_show_grace_s));
        let mut parked = Vec::new();
        let mut missed = Vec::new();
        for t in s.tickets.values() {
            match &t.status {
                TicketStatus::Parked { counter: at_counter, .. } if *at_counter == counter => {
                    parked.push(desk_ticket(s, t, now))
                }
                TicketStatus::Missed { counter: at_counter, at } if *at_counter == counter && now - *at < grace => {
                    missed.push(desk_ticket(s, t, now))
                }
                _ => {}
            }
        }
        parked.sort_by_key(|t| std::cmp::Reverse(t.waited_s));
        missed.sort_by_key(|t| t.waited_s);
        let queues = c
            .counter
            .services
            .iter()
            .filter_map(|code| s.services.get(code))
            .map(|svc| DeskQueue {
                service: service_view(s, svc),
                tickets: s.waiting_list(&svc.code).into_iter().map(|t| desk_ticket(s, t, now)).collect(),
            })
            .collect();
        Some(Desk {
            counter: c.counter.clone(),
            office: s.settings.name.clone(),
            now,
            last_seq: s.last_seq,
            current: current.map(|t| desk_ticket(s, t, now)),
            current_since,
            last_served: c.last_served.and_then(|id| s.ticket(id)).map(|t| ticket_view(s, t)),
            counter_queue: s.counter_waiting_list(counter).into_iter().map(|t| desk_ticket(s, t, now)).collect(),
            queues,
            parked,
            missed,
            outcomes: OUTCOMES.iter().map(|(code, vi, en)| ((*code).to_owned(), Localized::new(*vi, *en))).collect(),
            services: s
                .services
                .values()
                .map(|svc| NamedService {
                    code: svc.code.to_string(),
                    letter: svc.letter,
                    name: svc.name.clone(),
                    open: svc.open,
                })
                .collect(),
            counters: s.counters.values().map(|c| (c.counter.id, c.counter.name.clone())).collect(),
            display,
        })
    });
    desk.map(Json).ok_or(AppError::NotFound("counter"))
}

// ---- admin -----------------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DashboardCounter {
    pub id: CounterId,
    pub name: Localized,
    pub open: bool,
    /// idle, called or serving
    pub state: String,
    pub number: Option<String>,
    pub officer: Option<String>,
    pub since_s: Option<i64>,
    pub served_today: usize,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Dashboard {
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "domain::api::schema::date_time")]
    pub now: OffsetDateTime,
    pub office_open: bool,
    pub waiting: usize,
    pub called: usize,
    pub serving: usize,
    pub issued_today: usize,
    pub served_today: usize,
    pub missed_today: usize,
    /// Mean time from issue to the start of the first service, over today's tickets that started.
    pub average_wait_today_s: Option<u32>,
    pub longest_waiting_s: Option<i64>,
    pub services: Vec<ServiceView>,
    pub counters: Vec<DashboardCounter>,
}

pub(crate) async fn dashboard(State(app): State<Arc<AppState>>, _caller: Caller) -> Result<Json<Dashboard>, AppError> {
    let now = OffsetDateTime::now_utc();
    Ok(Json(app.office.read(|s| {
        let today = now.to_offset(s.settings.offset()).date();
        let (mut waiting, mut called, mut serving, mut issued, mut served, mut missed) = (0, 0, 0, 0, 0, 0);
        let mut waits: Vec<i64> = Vec::new();
        let mut longest: Option<i64> = None;
        let mut served_at: std::collections::HashMap<CounterId, usize> = Default::default();
        for t in s.tickets.values() {
            match &t.status {
                TicketStatus::Waiting => {
                    waiting += 1;
                    let w = (now - t.enqueued_at).whole_seconds();
                    longest = Some(longest.map_or(w, |l: i64| l.max(w)));
                }
                TicketStatus::Called { .. } => called += 1,
                TicketStatus::Serving { .. } => serving += 1,
                TicketStatus::Served { counter, .. } if t.day == today => {
                    served += 1;
                    *served_at.entry(*counter).or_default() += 1;
                }
                TicketStatus::Missed { .. } if t.day == today => missed += 1,
                _ => {}
            }
            if t.day == today {
                issued += 1;
                let started = t.segments.first().map(|seg| seg.started_at).or(match &t.status {
                    TicketStatus::Serving { since, .. } => Some(*since),
                    _ => None,
                });
                if let Some(start) = started {
                    waits.push((start - t.issued_at).whole_seconds().max(0));
                }
            }
        }
        let average_wait_today_s = (!waits.is_empty()).then(|| (waits.iter().sum::<i64>() / waits.len() as i64) as u32);
        let mut services: Vec<ServiceView> = s.services.values().map(|svc| service_view(s, svc)).collect();
        services.sort_by_key(|v| v.letter);
        let counters = s
            .counters
            .values()
            .map(|c| {
                let t = c.current.and_then(|id| s.ticket(id));
                let (state, officer, since) = match t.map(|t| &t.status) {
                    Some(TicketStatus::Called { officer, at, .. }) => ("called", officer.clone(), Some(*at)),
                    Some(TicketStatus::Serving { officer, since, .. }) => ("serving", officer.clone(), Some(*since)),
                    _ => ("idle", None, None),
                };
                DashboardCounter {
                    id: c.counter.id,
                    name: c.counter.name.clone(),
                    open: c.counter.open,
                    state: state.into(),
                    number: t.map(|t| t.label.clone()),
                    officer,
                    since_s: since.map(|at| (now - at).whole_seconds().max(0)),
                    served_today: served_at.get(&c.counter.id).copied().unwrap_or(0),
                }
            })
            .collect();
        Dashboard {
            now,
            office_open: s.settings.is_open_at(now),
            waiting,
            called,
            serving,
            issued_today: issued,
            served_today: served,
            missed_today: missed,
            average_wait_today_s,
            longest_waiting_s: longest,
            services,
            counters,
        }
    })))
}

pub(crate) async fn admin_services(
    State(app): State<Arc<AppState>>,
    _caller: Caller,
) -> Result<Json<Vec<Service>>, AppError> {
    Ok(Json(app.office.read(|s| s.services.values().cloned().collect())))
}

pub(crate) async fn admin_counters(
    State(app): State<Arc<AppState>>,
    _caller: Caller,
) -> Result<Json<Vec<Counter>>, AppError> {
    Ok(Json(app.office.read(|s| s.counters.values().map(|c| c.counter.clone()).collect())))
}

// ---- announcements ---------------------------------------------------------------------------

static VOICE: OnceLock<Result<Voice, String>> = OnceLock::new();

/// The clip library, loaded once (compiled-in clips, replaced by `QUEUE_VOICE_DIR` files).
pub fn voice() -> Result<&'static Voice, AppError> {
    VOICE.get_or_init(Voice::load).as_ref().map_err(|e| AppError::Unavailable(format!("voice clips: {e}")))
}

#[derive(Deserialize)]
pub(crate) struct AnnounceQuery {
    /// Override the office's languages: `vi`, `en` or `vi,en`.
    lang: Option<String>,
}

pub(crate) async fn announcement(
    State(app): State<Arc<AppState>>,
    _caller: Caller,
    Path(file): Path<String>,
    Query(q): Query<AnnounceQuery>,
) -> Result<Response, AppError> {
    let seq: u64 =
        file.strip_suffix(".wav").unwrap_or(&file).parse().map_err(|_| AppError::NotFound("announcement"))?;
    let event = app
        .office
        .query(move |conn| crate::store::events_after(conn, seq.saturating_sub(1), 1).map_err(AppError::from))
        .await?;
    let (ticket, counter) = match event.first().filter(|e| e.seq == seq).map(|e| &e.kind) {
        Some(EventKind::TicketCalled { ticket, counter, .. } | EventKind::TicketRecalled { ticket, counter }) => {
            (*ticket, *counter)
        }
        _ => return Err(AppError::NotFound("announcement")),
    };
    let (number, mut langs, reading) = app
        .office
        .read(|s| {
            s.ticket(ticket)
                .map(|t| (t.label.clone(), s.settings.announcement_langs.clone(), s.settings.number_reading))
        })
        .ok_or(AppError::NotFound("announcement"))?;
    if let Some(parsed) = q.lang.as_deref().map(parse_langs).filter(|l| !l.is_empty()) {
        langs = parsed;
    }
    let voice = voice()?;
    let wav = tokio::task::spawn_blocking(move || voice.announcement(&number, counter, &langs, reading))
        .await
        .map_err(|e| AppError::Unavailable(e.to_string()))?
        .map_err(AppError::Unavailable)?;
    Ok(wav_response(wav))
}

#[derive(Deserialize)]
pub(crate) struct PreviewQuery {
    number: String,
    counter: CounterId,
    /// `vi`, `en` or `vi,en`.
    lang: Option<String>,
    reading: Option<NumberReading>,
}

fn parse_langs(text: &str) -> Vec<Lang> {
    text.split(',')
        .filter_map(|l| match l.trim() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        })
        .collect()
}

fn wav_response(wav: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("audio/wav")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400")),
        ],
        wav,
    )
        .into_response()
}

/// Lets an administrator hear a reading before saving it (settings page, "Nghe thử").
pub(crate) async fn preview(
    State(app): State<Arc<AppState>>,
    _caller: Caller,
    Query(q): Query<PreviewQuery>,
) -> Result<Response, AppError> {
    let (office_langs, office_reading) =
        app.office.read(|s| (s.settings.announcement_langs.clone(), s.settings.number_reading));
    let langs = q.lang.as_deref().map(parse_langs).filter(|l| !l.is_empty()).unwrap_or(office_langs);
    let reading = q.reading.unwrap_or(office_reading);
    if q.counter == 0 || crate::announce::split_number(&q.number).is_none() {
        return Err(AppError::bad(
            "invalid_number",
            q.number,
            "Số thứ tự phải có dạng A025 và quầy từ 1.",
            "A ticket number looks like A025 and counters start at 1.",
        ));
    }
    let voice = voice()?;
    let number = q.number;
    let wav = tokio::task::spawn_blocking(move || voice.announcement(&number, q.counter, &langs, reading))
        .await
        .map_err(|e| AppError::Unavailable(e.to_string()))?
        .map_err(AppError::Unavailable)?;
    Ok(wav_response(wav))
}
