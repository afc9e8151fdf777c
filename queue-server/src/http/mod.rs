//! The HTTP API under `/api/v1` (axum). Layout:
//! - [`routes`]: the one route table — method, path, roles, request body, status, summary and handler
//!   of every operation. The router, the role check (`auth::authorize`) and the OpenAPI document are
//!   all made from it, so they cannot disagree.
//! - `access` (enrolment, heartbeat, login, logout, me), `tickets`, `counters`, `receipts` (a linked
//!   dossier's receipt printed at the counter), `ratings` (ratings and number
//!   leases), `admin` (settings, services, counters, staff, devices, enrolment codes).
//! - here: the shared state, the extractors whose rejections are JSON errors like every other error
//!   (`Body`, `Path`, `Query`), and the views shared by several handlers.
//!
//! Handlers are thin: they check what the role table cannot (an officer's own counters, a device's own
//! binding), turn the request into an engine command or a storage call, and render the result. No SQL
//! here: it lives behind `auth`, `dossiers` and `store`.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::{Json, Router};
use domain::api::*;
use domain::event::TicketId;
use domain::office::{CounterId, Role, Service, ServiceCode};
use domain::queue::{Command, OfficeState, Ticket, TicketRef};
use domain::{Localized, QueueError};
use serde::de::DeserializeOwned;

use crate::auth::{Caller, TokenCache};
use crate::config::ServerConfig;
use crate::error::AppError;
use crate::office::Office;
use crate::{limits, metrics};

mod access;
mod admin;
mod counters;
mod procedures;
pub mod ratings;
mod receipts;
pub mod routes;
mod scope;
mod tickets;

pub struct AppState {
    pub office: Office,
    pub tokens: TokenCache,
    pub metrics: metrics::Metrics,
    pub server: ServerConfig,
    pub logins: limits::LoginGuard,
    pub lookups: limits::RateLimiter,
    /// Bumped whenever a device is revoked or a staff account disabled or changed: open event streams
    /// re-check their caller at once.
    pub access_changed: tokio::sync::watch::Sender<u64>,
    pub connections: Arc<crate::listener::ConnectionStats>,
    /// The indicator set ratings are asked and recorded under (`ratings::load_indicator_set`).
    pub indicator_set: Arc<domain::rating::IndicatorSet>,
    /// Receipt printing slots and timeout (`[server] receipt_prints_at_once`, `receipt_print_timeout_s`).
    pub receipt_printing: crate::receipts::ReceiptPrinting,
    /// The key of follow tokens (`follow`), kept in the database.
    pub follow: crate::follow::FollowKey,
    /// Live follow-page streams at once (`[server] follow_streams`).
    pub follow_streams: crate::follow::FollowStreams,
    /// The state at the start of the office day that explanations replay from (`explain`).
    pub explain: crate::explain::DayStart,
    /// Where reminders go (`[reminders]`); none: reminders are off.
    pub reminders: Option<crate::reminders::ReminderConfig>,
    /// Wakes the reminder sender when a message is written.
    pub reminder_wake: tokio::sync::Notify,
    /// The counter device buses' live status (`[devices]`; empty without).
    pub devices: crate::devices::DeviceStatus,
    /// `[sync]`: when the admin page raises the behind-the-city alarm.
    pub sync: crate::uplink::SyncConfig,
}

impl AppState {
    pub fn new(office: Office, server: ServerConfig) -> AppState {
        AppState {
            office,
            tokens: TokenCache::default(),
            metrics: Default::default(),
            logins: limits::LoginGuard::new(&server),
            lookups: limits::RateLimiter::per_minute(server.dossier_lookups_per_minute),
            access_changed: tokio::sync::watch::channel(0).0,
            connections: Default::default(),
            indicator_set: Arc::new(domain::rating::IndicatorSet::builtin()),
            receipt_printing: crate::receipts::ReceiptPrinting::new(
                server.receipt_prints_at_once,
                server.receipt_print_timeout_s,
            ),
            follow: crate::follow::FollowKey::random(),
            follow_streams: crate::follow::FollowStreams::new(server.follow_streams),
            explain: Default::default(),
            reminders: None,
            reminder_wake: tokio::sync::Notify::new(),
            devices: Default::default(),
            sync: Default::default(),
            server,
        }
    }

    /// Forgets cached callers and wakes every open stream to re-check its caller.
    pub fn access_changed(&self) {
        self.tokens.forget_all();
        self.access_changed.send_modify(|n| *n += 1);
    }
}

pub(crate) const STAFF: &[Role] = &[Role::Admin, Role::Supervisor, Role::Officer];

/// JSON body with errors in the API's own format (code + vi/en message).
///
/// A whole-number float (`3.0`) is read as the integer it is, as JSON Schema 2020-12 (and so the
/// OpenAPI document) says: the body is parsed to a `serde_json::Value`, its whole floats made integers
/// ([`whole_floats_to_integers`]), its strings NFC-normalised ([`strings_to_nfc`]: a name typed or pasted
/// in NFD is stored as the same text as one typed in NFC), then read into `T`. Bodies are already
/// size-limited.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(mut value) = Json::<serde_json::Value>::from_request(req, state).await.map_err(json_error)?;
        whole_floats_to_integers(&mut value);
        strings_to_nfc(&mut value);
        serde_json::from_value(value)
            .map(Body)
            .map_err(|e| invalid_fields(format!("Failed to deserialize the JSON body into the target type: {e}")))
    }
}

/// Largest magnitude a float holds every integer up to (2^53).
const MAX_EXACT_FLOAT: f64 = 9_007_199_254_740_992.0;

/// Makes every finite float with no fractional part within ±2^53 an integer, everywhere in `value`.
pub(crate) fn whole_floats_to_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let Some(f) = n.as_f64() else { return };
            if f.is_finite() && f.fract() == 0.0 && f.abs() <= MAX_EXACT_FLOAT {
                // Exact: |f| <= 2^53, so the casts neither round nor saturate.
                *n = if f >= 0.0 { (f as u64).into() } else { (f as i64).into() };
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_floats_to_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_floats_to_integers),
        _ => {}
    }
}

/// Makes every string in `value` NFC (keys are the API's own ASCII names and stay as sent).
pub(crate) fn strings_to_nfc(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(text) if !text.is_ascii() => *text = domain::i18n::nfc(text),
        Value::Array(items) => items.iter_mut().for_each(strings_to_nfc),
        Value::Object(fields) => fields.values_mut().for_each(strings_to_nfc),
        _ => {}
    }
}

/// Path parameters; a malformed one (a counter that is not a number) is a JSON 404, like an unknown one.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(rejection) => Err(path_error(rejection)),
        }
    }
}

/// Query parameters with JSON errors (422 naming the parameter).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(rejection) => Err(query_error(rejection)),
        }
    }
}

fn path_error(rejection: PathRejection) -> AppError {
    AppError::bad(
        "path_not_found",
        rejection.body_text(),
        "Không có mục này (đường dẫn không hợp lệ).",
        "No such item (the path is not valid).",
    )
}

fn query_error(rejection: QueryRejection) -> AppError {
    let detail = rejection.body_text();
    AppError::bad(
        "invalid_query",
        detail.clone(),
        "Tham số truy vấn không hợp lệ; vui lòng kiểm tra lại đường dẫn.",
        format!("Invalid query parameters: {detail}"),
    )
}

fn json_error(rejection: JsonRejection) -> AppError {
    let detail = rejection.body_text();
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::bad(
            "payload_too_large",
            detail,
            "Dữ liệu gửi lên quá lớn.",
            "The request body is too large.",
        );
    }
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::bad(
            "unsupported_media_type",
            detail,
            "Cần gửi dữ liệu JSON (Content-Type: application/json).",
            "Send JSON (Content-Type: application/json).",
        ),
        JsonRejection::JsonDataError(_) if !detail.contains("EOF while parsing") => invalid_fields(detail),
        _ => AppError::bad("malformed_json", detail, "Dữ liệu JSON không đúng cú pháp.", "The JSON body is malformed."),
    }
}

/// A body that is JSON but not what the operation takes (422).
fn invalid_fields(detail: String) -> AppError {
    AppError::bad(
        "invalid_fields",
        detail.clone(),
        "Dữ liệu gửi lên có trường không hợp lệ; vui lòng kiểm tra lại.",
        format!("Invalid fields: {detail}"),
    )
}

/// The whole HTTP service: the route table's operations and pages, the role check, metrics and the
/// body limits.
pub fn router(app: Arc<AppState>) -> Router {
    routes::router()
        .fallback(|| async { AppError::NotFound("route") })
        .layer(axum::middleware::from_fn_with_state(app.clone(), crate::auth::authorize))
        .layer(axum::middleware::from_fn_with_state(app.clone(), metrics::track))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(refuse_oversized_body))
        .with_state(app)
}

/// Largest request body taken (a dossier import batch is the biggest).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// A body announced larger than [`MAX_BODY_BYTES`] is refused from its `Content-Length` at once, before a
/// byte of it is read: the client gets its 413 instead of a broken pipe while still sending.
async fn refuse_oversized_body(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    let announced = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return AppError::bad(
            "payload_too_large",
            format!("{} bytes announced, at most {MAX_BODY_BYTES}", announced.unwrap_or_default()),
            "Dữ liệu gửi lên quá lớn.",
            "The request body is too large.",
        )
        .into_response();
    }
    next.run(req).await
}

pub(crate) async fn health(State(app): State<Arc<AppState>>) -> Json<Health> {
    let (office, agency, last_seq, offset, follow_base_url) = app.office.read(|s| {
        let settings = &s.settings;
        (
            settings.name.vi.clone(),
            settings.parent_agency.clone(),
            s.last_seq,
            settings.utc_offset_s,
            settings.follow_base_url.clone(),
        )
    });
    Json(Health {
        reminders: app.reminders.is_some(),
        follow_base_url,
        status: "ok".into(),
        office,
        last_seq,
        version: env!("CARGO_PKG_VERSION").into(),
        utc_offset_s: Some(offset),
        agency,
    })
}

pub fn service_view(state: &OfficeState, s: &Service) -> ServiceView {
    let waiting = state.waiting(&s.code);
    ServiceView {
        code: s.code.clone(),
        letter: s.letter,
        name: s.name.clone(),
        field: s.field.clone(),
        open: s.open,
        waiting,
        estimated_wait_s: state.estimated_wait_s(&s.code, waiting),
        service_level_target_s: s.service_level_target_s,
        counters: counters_for(state, &s.code),
    }
}

pub(crate) fn counters_for(state: &OfficeState, service: &ServiceCode) -> Vec<CounterId> {
    state.counters.values().filter(|c| c.counter.services.contains(service)).map(|c| c.counter.id).collect()
}

pub fn ticket_view(state: &OfficeState, t: &Ticket) -> TicketView {
    let ahead = state.ahead_of(t);
    let service = state.services.get(&t.service);
    TicketView {
        id: t.id,
        number: t.label.clone(),
        service: t.service.clone(),
        service_name: service
            .map(|s| s.name.clone())
            .unwrap_or_else(|| Localized::new(t.service.as_str(), t.service.as_str())),
        field: service.map(|s| s.field.clone()).unwrap_or_else(|| Localized::new("", "")),
        priority: t.priority,
        status: t.status.name().into(),
        counter: match &t.status {
            domain::queue::TicketStatus::Called { counter, .. }
            | domain::queue::TicketStatus::Serving { counter, .. } => Some(*counter),
            _ => t.target_counter,
        },
        counters: counters_for(state, &t.service),
        ahead,
        estimated_wait_s: state.estimated_wait_s(&t.service, ahead),
        issued_at: t.issued_at,
        day: t.day,
        dossiers: t.dossiers.clone(),
        recalls: t.recalls,
        procedure: t.procedure.as_deref().map(|code| crate::catalogue::ticket_procedure(state, code)),
        follow_url: None,
    }
}

/// The ticket resource: a ticket's view with the path of its follow page.
pub(crate) fn ticket_resource(app: &AppState, mut view: TicketView) -> TicketView {
    view.follow_url = Some(app.follow.path(&crate::follow::FollowSubject::Ticket(view.id)));
    view
}

pub(crate) fn parse_service(code: &str) -> Result<ServiceCode, AppError> {
    ServiceCode::new(code.trim()).map_err(|_| {
        if code.len() > 32 {
            QueueError::TooLong(domain::error::TextField::ServiceCode, 32).into()
        } else {
            QueueError::UnknownService(code.chars().take(32).collect()).into()
        }
    })
}

pub(crate) fn idempotency_key(headers: &HeaderMap, caller: &Caller) -> Result<Option<String>, AppError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let key = v.to_str().map_err(|_| QueueError::IdempotencyKey)?.trim();
            if key.is_empty() || key.len() > 128 {
                return Err(QueueError::IdempotencyKey.into());
            }
            // Keys are scoped to the caller, so one device cannot read another's tickets by key.
            Ok(Some(format!("{}:{key}", caller.id_string())))
        }
    }
}

pub(crate) fn ticket_ref(text: &str) -> TicketRef {
    match text.trim().parse::<TicketId>() {
        Ok(id) => TicketRef::Id(id),
        Err(_) => TicketRef::Label(text.trim().chars().take(16).collect()),
    }
}

pub(crate) async fn run_ticket_command(
    app: &AppState,
    caller: &Caller,
    command: Command,
) -> Result<Json<TicketView>, AppError> {
    run_scoped_command(app, caller, command, None).await
}

/// Runs a command about one ticket, first checking (in the same writer job, so nothing changes in
/// between) that the caller may do `action` to the ticket `target`.
pub(crate) async fn run_scoped_command(
    app: &AppState,
    caller: &Caller,
    command: Command,
    scope: Option<(TicketRef, scope::Action)>,
) -> Result<Json<TicketView>, AppError> {
    let checked_caller = caller.clone();
    let device = caller.role.is_device();
    let view = app
        .office
        .run(caller.actor(), move |ctx| {
            if let Some((target, action)) = &scope {
                let today = domain::clock::local_day(ctx.now, ctx.state.settings.offset());
                let ticket = ctx.state.find_ticket(target, today).ok_or(QueueError::UnknownTicket)?;
                scope::check(&checked_caller, ctx.state, ticket, *action)?;
            }
            let d = ctx.command(&command)?;
            let id = d.ticket.ok_or(QueueError::UnknownTicket)?;
            Ok(ctx.state.ticket(id).map(|t| ticket_view_for(ctx.state, t, device)))
        })
        .await?;
    view.map(Json).ok_or(QueueError::UnknownTicket.into())
}

/// A ticket as a caller sees it: devices do not see the dossiers linked to it.
pub(crate) fn ticket_view_for(state: &OfficeState, t: &Ticket, device: bool) -> TicketView {
    let mut view = ticket_view(state, t);
    if device {
        view.dossiers.clear();
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Counted {
        counter: CounterId,
        #[serde(default)]
        unused: Vec<u32>,
    }

    async fn read(body: &str) -> Result<Counted, AppError> {
        let req = Request::builder()
            .method("POST")
            .uri("/")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap();
        Body::<Counted>::from_request(req, &()).await.map(|Body(v)| v)
    }

    #[tokio::test]
    async fn whole_floats_are_read_as_integers() {
        let v = read(r#"{"counter": 3.0, "unused": [1.0, 2, 3e1]}"#).await.unwrap();
        assert_eq!((v.counter, v.unused), (3, vec![1, 2, 30]));
        assert_eq!(read(r#"{"counter": 3}"#).await.unwrap().counter, 3);
    }

    #[tokio::test]
    async fn fractional_floats_are_refused_as_json_errors() {
        for body in [r#"{"counter": 3.5}"#, r#"{"counter": -1.0}"#, r#"{"counter": 65536.0}"#] {
            let response = read(body).await.unwrap_err().into_response();
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let error: ApiError =
                serde_json::from_slice(&to_bytes(response.into_body(), 1 << 16).await.unwrap()).unwrap();
            assert_eq!(error.code, "invalid_fields", "{body}");
            assert!(!error.message.vi.is_empty() && !error.message.en.is_empty());
        }
        let response = read(r#"{"counter": "#).await.unwrap_err().into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn strings_are_read_in_nfc() {
        // "Hộ tịch" in NFD: o + U+0323 + U+0302, i + U+0323.
        let nfd = "Ho\u{323}\u{302} ti\u{323}ch";
        let mut v = json!({ "name": { "vi": nfd, "en": "Civil status" }, "list": [nfd], "n": 1 });
        strings_to_nfc(&mut v);
        assert_eq!(v, json!({ "name": { "vi": "Hộ tịch", "en": "Civil status" }, "list": ["Hộ tịch"], "n": 1 }));
    }

    #[test]
    fn only_exact_whole_floats_change() {
        let mut v = json!([1.0, -2.0, 0.5, 9007199254740992.0, 1e300, -0.0, {"a": [4.0]}]);
        whole_floats_to_integers(&mut v);
        assert_eq!(v, json!([1, -2, 0.5, 9007199254740992u64, 1e300, 0, {"a": [4]}]));
        assert!(v[0].is_u64() && v[1].is_i64() && v[4].is_f64());
    }
}
