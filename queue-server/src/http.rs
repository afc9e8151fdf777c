//! The HTTP API under `/api/v1` (axum): routing, the role every route requires, request decoding with
//! clear errors, and the views returned to clients. Handlers are thin: they check the caller, turn the
//! request into an engine command, run it on the writer, and render the result.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use domain::api::*;
use domain::event::{Placement, TicketId};
use domain::office::{Counter, CounterId, OfficeSettings, Role, Service, ServiceCode};
use domain::queue::{Command, OfficeState, RatingSubjectRef, Ticket, TicketRef};
use domain::{Localized, QueueError};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::auth::{self, Caller, TokenCache, Who};
use crate::error::AppError;
use crate::office::Office;
use crate::{dossiers, events, metrics, openapi};

pub struct AppState {
    pub office: Office,
    pub tokens: TokenCache,
    pub metrics: metrics::Metrics,
    pub session_hours: i64,
}

const STAFF: &[Role] = &[Role::Admin, Role::Supervisor, Role::Officer];

/// JSON body with errors in the API's own format (code + vi/en message).
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
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
        JsonRejection::JsonDataError(_) if !detail.contains("EOF while parsing") => AppError::bad(
            "invalid_fields",
            detail.clone(),
            format!("Dữ liệu không hợp lệ: {detail}"),
            format!("Invalid fields: {detail}"),
        ),
        _ => AppError::bad("malformed_json", detail, "Dữ liệu JSON không đúng cú pháp.", "The JSON body is malformed."),
    }
}

pub fn router(app: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/devices/enrol", post(enrol))
        .route("/devices/heartbeat", post(heartbeat))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/services", get(services))
        .route("/tickets", post(issue_ticket).get(list_tickets))
        .route("/tickets/{id}", get(get_ticket))
        .route("/tickets/{id}/cancel", post(cancel_ticket))
        .route("/tickets/{id}/unpark", post(unpark_ticket))
        .route("/counters", get(counters))
        .route("/counters/{counter}/call-next", post(call_next))
        .route("/counters/{counter}/call", post(call_ticket))
        .route("/counters/{counter}/recall", post(counter_simple))
        .route("/counters/{counter}/start", post(counter_simple))
        .route("/counters/{counter}/no-show", post(counter_simple))
        .route("/counters/{counter}/park", post(counter_simple))
        .route("/counters/{counter}/invite-rating", post(counter_simple))
        .route("/counters/{counter}/finish", post(finish))
        .route("/counters/{counter}/transfer", post(transfer))
        .route("/counters/{counter}/link-dossier", post(link_dossier))
        .route("/ratings", post(rate))
        .route("/leases", post(grant_lease))
        .route("/leases/{id}/tickets", post(upload_leased))
        .route("/leases/{id}/return", post(return_lease))
        .route("/dossiers/import", post(dossiers::import_handler))
        .route("/dossiers/{code}", get(dossiers::lookup_handler))
        .route("/events", get(events::stream))
        .route("/admin/settings", get(get_settings).put(put_settings))
        .route("/admin/services/{code}", put(put_service))
        .route("/admin/counters/{id}", put(put_counter))
        .route("/admin/staff", get(list_staff))
        .route("/admin/staff/{username}", put(put_staff))
        .route("/admin/devices", get(list_devices))
        .route("/admin/enrolment-codes", post(create_code));
    Router::new()
        .nest("/api/v1", api)
        .merge(crate::pages::router())
        .route("/healthz", get(health))
        .route("/metrics", get(metrics::handler))
        .fallback(|| async { AppError::NotFound("route") })
        .layer(axum::middleware::from_fn_with_state(app.clone(), auth::authorize))
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

async fn health(State(app): State<Arc<AppState>>) -> Json<Health> {
    let (office, last_seq) = app.office.read(|s| (s.settings.name.vi.clone(), s.last_seq));
    Json(Health { status: "ok".into(), office, last_seq, version: env!("CARGO_PKG_VERSION").into() })
}

// ---- auth and devices ----------------------------------------------------------------------

async fn enrol(State(app): State<Arc<AppState>>, Body(req): Body<EnrolRequest>) -> Result<Response, AppError> {
    let name = auth::validate_device_name(&req.name)?;
    let code_hash = crate::store::sha256_hex(&auth::normalize_enrolment_code(&req.code));
    if req.code.len() > 64 {
        return Err(invalid_code());
    }
    let token = auth::new_token();
    let token_hash = crate::store::sha256_hex(&token);
    let device_id = uuid::Uuid::new_v4();
    let response = app
        .office
        .run(domain::event::Actor::System, move |ctx| {
            let fmt = &time::format_description::well_known::Rfc3339;
            let row: Option<(String, Option<i64>, String, Option<String>)> = {
                use rusqlite::OptionalExtension;
                ctx.tx
                    .query_row(
                        "SELECT role, counter, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?1",
                        [&code_hash],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()
                    .map_err(AppError::from_sqlite)?
            };
            let (role, counter, expires, used) = row.ok_or_else(invalid_code)?;
            let expired = OffsetDateTime::parse(&expires, fmt).map(|e| e <= ctx.now).unwrap_or(true);
            if used.is_some() || expired {
                return Err(invalid_code());
            }
            let role = Role::parse(&role).ok_or_else(invalid_code)?;
            let now_text = ctx.now.format(fmt).unwrap_or_default();
            ctx.tx
                .execute("UPDATE enrolment_codes SET used_at = ?1 WHERE code_hash = ?2", rusqlite::params![now_text, code_hash])
                .map_err(AppError::from_sqlite)?;
            ctx.tx
                .execute(
                    "INSERT INTO devices (device_id, name, role, counter, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    rusqlite::params![device_id.to_string(), name, role.as_str(), counter, token_hash, now_text],
                )
                .map_err(AppError::from_sqlite)?;
            let counter = counter.map(|c| c as CounterId);
            ctx.emit(domain::event::EventKind::DeviceEnrolled { device_id, name: name.clone(), role, counter })?;
            Ok(EnrolResponse { device_id, token, role, counter })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(response)).into_response())
}

fn invalid_code() -> AppError {
    AppError::BadRequest {
        code: "invalid_enrolment_code",
        detail: "unknown, used or expired".into(),
        message: Localized::new(
            "Mã đăng ký thiết bị không đúng, đã dùng hoặc đã hết hạn.",
            "The enrolment code is wrong, already used or expired.",
        ),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeartbeatRequest {
    health: serde_json::Value,
}

async fn heartbeat(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(req): Body<HeartbeatRequest>,
) -> Result<StatusCode, AppError> {
    let Who::Device { device_id } = caller.who else { return Err(AppError::Forbidden) };
    let health = serde_json::to_string(&req.health).unwrap_or_default();
    if health.len() > 8192 {
        return Err(QueueError::TooLong("health", 8192).into());
    }
    let now = OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let conn = app.office.reader.lock().unwrap_or_else(|e| e.into_inner());
    conn.execute(
        "UPDATE devices SET last_seen = ?1, health = ?2 WHERE device_id = ?3",
        rusqlite::params![now, health, device_id.to_string()],
    )
    .map_err(AppError::from_sqlite)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn login(
    State(app): State<Arc<AppState>>,
    Body(req): Body<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    if req.username.len() > 64 || req.password.len() > 256 {
        return Err(AppError::LoginFailed);
    }
    let row: Option<(String, String, String, String)> = {
        use rusqlite::OptionalExtension;
        let conn = app.office.reader.lock().unwrap_or_else(|e| e.into_inner());
        conn.query_row(
            "SELECT display_name, role, counters, password_hash FROM staff WHERE username = ?1 AND active = 1",
            [&req.username],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(AppError::from_sqlite)?
    };
    let Some((display_name, role, counters, hash)) = row else {
        // Same work as a real check, so a missing user is not told apart by timing.
        let _ = auth::verify_password(
            &req.password,
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2sCbRKBtUQ7SOiCWrVZxXuWqWXTsHtbJaNxQlcqCfJs",
        );
        return Err(AppError::LoginFailed);
    };
    let password = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash)).await.unwrap_or(false);
    if !ok {
        return Err(AppError::LoginFailed);
    }
    let token = auth::new_token();
    let expires_at = OffsetDateTime::now_utc() + Duration::hours(app.session_hours);
    {
        let conn = app.office.reader.lock().unwrap_or_else(|e| e.into_inner());
        conn.execute(
            "INSERT INTO sessions (token_hash, username, expires_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![
                crate::store::sha256_hex(&token),
                req.username,
                expires_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
            ],
        )
        .map_err(AppError::from_sqlite)?;
    }
    Ok(Json(LoginResponse {
        token,
        username: req.username,
        display_name,
        role: Role::parse(&role).ok_or(AppError::LoginFailed)?,
        counters: serde_json::from_str(&counters).unwrap_or_default(),
        expires_at,
    }))
}

async fn logout(State(app): State<Arc<AppState>>, caller: Caller, headers: HeaderMap) -> Result<StatusCode, AppError> {
    caller.require(STAFF)?;
    if let Some(token) =
        headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|h| h.strip_prefix("Bearer "))
    {
        let conn = app.office.reader.lock().unwrap_or_else(|e| e.into_inner());
        conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [crate::store::sha256_hex(token.trim())])
            .map_err(AppError::from_sqlite)?;
    }
    app.tokens.forget_all();
    Ok(StatusCode::NO_CONTENT)
}

async fn me(caller: Caller) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "role": caller.role,
        "username": caller.username(),
        "device_id": match caller.who { Who::Device { device_id } => Some(device_id), _ => None },
        "counters": caller.counters,
    }))
}

// ---- services and tickets ------------------------------------------------------------------

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

fn counters_for(state: &OfficeState, service: &ServiceCode) -> Vec<CounterId> {
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
    }
}

/// The services open now: all open services while the office is open, none outside its hours.
async fn services(State(app): State<Arc<AppState>>, caller: Caller) -> Json<Vec<ServiceView>> {
    let now = OffsetDateTime::now_utc();
    let show_closed = caller.role.is_staff();
    Json(app.office.read(|s| {
        let office_open = s.settings.is_open_at(now);
        let mut list: Vec<ServiceView> = s
            .services
            .values()
            .filter(|svc| show_closed || (svc.open && office_open))
            .map(|svc| service_view(s, svc))
            .collect();
        list.sort_by_key(|v| (domain::i18n::sort_key(&v.field.vi), v.letter));
        list
    }))
}

fn parse_service(code: &str) -> Result<ServiceCode, AppError> {
    ServiceCode::new(code.trim()).map_err(|_| {
        if code.len() > 32 {
            QueueError::TooLong("service", 32).into()
        } else {
            QueueError::UnknownService(code.chars().take(32).collect()).into()
        }
    })
}

async fn issue_ticket(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Body(req): Body<IssueTicketRequest>,
) -> Result<Response, AppError> {
    caller.require(&[Role::TicketKiosk, Role::Admin, Role::Supervisor, Role::Officer])?;
    let service = parse_service(&req.service)?;
    let key = idempotency_key(&headers, &caller)?;
    let device = match caller.who {
        Who::Device { device_id } => Some(device_id),
        _ => None,
    };
    let command = Command::IssueTicket { service, priority: req.priority, idempotency_key: key, device };
    let (view, created) = app
        .office
        .run(caller.actor(), move |ctx| {
            let d = ctx.command(&command)?;
            let t = ctx.state.ticket(d.ticket.expect("issue returns a ticket")).expect("issued ticket exists");
            Ok((ticket_view(ctx.state, t), !d.events.is_empty()))
        })
        .await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(view)).into_response())
}

fn idempotency_key(headers: &HeaderMap, caller: &Caller) -> Result<Option<String>, AppError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let key = v.to_str().map_err(|_| QueueError::Invalid("Idempotency-Key must be ASCII".into()))?.trim();
            if key.is_empty() || key.len() > 128 {
                return Err(QueueError::Invalid("Idempotency-Key must be 1–128 characters".into()).into());
            }
            // Keys are scoped to the caller, so one device cannot read another's tickets by key.
            Ok(Some(format!("{}:{key}", caller.id_string())))
        }
    }
}

async fn get_ticket(
    State(app): State<Arc<AppState>>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, AppError> {
    // By id, or by the number printed on it today (a citizen rating at the kiosk types "A025").
    let wanted = ticket_ref(&id);
    let now = OffsetDateTime::now_utc();
    app.office
        .read(|s| {
            let today = domain::clock::local_day(now, s.settings.offset());
            s.find_ticket(&wanted, today).map(|t| ticket_view(s, t))
        })
        .map(Json)
        .ok_or(QueueError::UnknownTicket.into())
}

#[derive(Deserialize)]
struct TicketQuery {
    service: Option<String>,
    counter: Option<CounterId>,
}

/// Waiting lists for staff screens.
async fn list_tickets(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<TicketQuery>,
) -> Result<Json<Vec<TicketView>>, AppError> {
    caller.require(&[Role::Admin, Role::Supervisor, Role::Officer, Role::Display])?;
    let service = q.service.as_deref().map(parse_service).transpose()?;
    Ok(Json(app.office.read(|s| {
        let mut out = Vec::new();
        if let Some(c) = q.counter {
            out.extend(s.counter_waiting_list(c).into_iter().map(|t| ticket_view(s, t)));
        }
        let services: Vec<ServiceCode> = match &service {
            Some(code) => vec![code.clone()],
            None if q.counter.is_some() => {
                s.counters.get(&q.counter.unwrap_or(0)).map(|c| c.counter.services.clone()).unwrap_or_default()
            }
            None => s.services.keys().cloned().collect(),
        };
        for code in services {
            out.extend(s.waiting_list(&code).into_iter().map(|t| ticket_view(s, t)));
        }
        out
    })))
}

fn ticket_ref(text: &str) -> TicketRef {
    match text.trim().parse::<TicketId>() {
        Ok(id) => TicketRef::Id(id),
        Err(_) => TicketRef::Label(text.trim().chars().take(16).collect()),
    }
}

async fn cancel_ticket(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, AppError> {
    caller.require(STAFF)?;
    run_ticket_command(&app, &caller, Command::Cancel { ticket: ticket_ref(&id) }).await
}

async fn unpark_ticket(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<Json<PlacementBody>>,
) -> Result<Json<TicketView>, AppError> {
    caller.require(STAFF)?;
    let placement = body.map(|b| b.0.placement).unwrap_or(Placement::Front);
    run_ticket_command(&app, &caller, Command::Unpark { ticket: ticket_ref(&id), placement }).await
}

#[derive(Deserialize)]
struct PlacementBody {
    #[serde(default)]
    placement: Placement,
}

async fn run_ticket_command(app: &AppState, caller: &Caller, command: Command) -> Result<Json<TicketView>, AppError> {
    let view = app
        .office
        .run(caller.actor(), move |ctx| {
            let d = ctx.command(&command)?;
            let id = d.ticket.ok_or(QueueError::UnknownTicket)?;
            Ok(ctx.state.ticket(id).map(|t| ticket_view(ctx.state, t)))
        })
        .await?;
    view.map(Json).ok_or(QueueError::UnknownTicket.into())
}

// ---- counters --------------------------------------------------------------------------------

async fn counters(State(app): State<Arc<AppState>>, _caller: Caller) -> Json<Vec<CounterView>> {
    Json(app.office.read(|s| {
        s.counters
            .values()
            .map(|c| CounterView {
                id: c.counter.id,
                name: c.counter.name.clone(),
                open: c.counter.open,
                services: c.counter.services.clone(),
                current: c.current.and_then(|id| s.ticket(id)).map(|t| ticket_view(s, t)),
                waiting: c.counter.services.iter().map(|svc| s.waiting(svc)).sum::<usize>()
                    + s.counter_waiting_list(c.counter.id).len(),
            })
            .collect()
    }))
}

fn counter_caller(caller: &Caller, counter: CounterId) -> Result<(), AppError> {
    caller.require(STAFF)?;
    caller.require_counter(counter)
}

async fn call_next(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
) -> Result<Json<TicketView>, AppError> {
    counter_caller(&caller, counter)?;
    run_ticket_command(&app, &caller, Command::CallNext { counter, officer: caller.username() }).await
}

async fn call_ticket(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    Body(req): Body<CallTicketRequest>,
) -> Result<Json<TicketView>, AppError> {
    counter_caller(&caller, counter)?;
    let command = Command::CallTicket { counter, officer: caller.username(), ticket: ticket_ref(&req.ticket) };
    run_ticket_command(&app, &caller, command).await
}

/// recall, start, no-show, park and invite-rating take no body.
async fn counter_simple(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    uri: axum::http::Uri,
) -> Result<Json<TicketView>, AppError> {
    counter_caller(&caller, counter)?;
    let command = match uri.path().rsplit('/').next() {
        Some("recall") => Command::Recall { counter },
        Some("start") => Command::Start { counter },
        Some("no-show") => Command::NoShow { counter },
        Some("park") => Command::Park { counter },
        Some("invite-rating") => Command::InviteRating { counter },
        _ => return Err(AppError::NotFound("route")),
    };
    run_ticket_command(&app, &caller, command).await
}

async fn finish(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    Body(req): Body<FinishRequest>,
) -> Result<Json<TicketView>, AppError> {
    counter_caller(&caller, counter)?;
    let next_services = req.next_services.iter().map(|s| parse_service(s)).collect::<Result<Vec<_>, _>>()?;
    run_ticket_command(&app, &caller, Command::Finish { counter, outcome: req.outcome, next_services }).await
}

async fn transfer(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    Body(req): Body<TransferRequest>,
) -> Result<Json<TicketView>, AppError> {
    counter_caller(&caller, counter)?;
    let to_service = req.to_service.as_deref().map(parse_service).transpose()?;
    let command = Command::Transfer { counter, to_service, to_counter: req.to_counter, placement: req.placement };
    run_ticket_command(&app, &caller, command).await
}

async fn link_dossier(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    Body(req): Body<LinkDossierRequest>,
) -> Result<Json<TicketView>, AppError> {
    counter_caller(&caller, counter)?;
    let code = dossiers::parse_code(&req.code)?;
    run_ticket_command(&app, &caller, Command::LinkDossier { counter, code }).await
}

// ---- ratings and leases ----------------------------------------------------------------------

async fn rate(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(req): Body<RatingRequest>,
) -> Result<Response, AppError> {
    caller.require(&[Role::RatingTerminal, Role::TicketKiosk])?;
    let subject = match (req.ticket, &req.dossier) {
        (Some(t), None) => RatingSubjectRef::Ticket(t),
        (None, Some(code)) => RatingSubjectRef::Dossier(dossiers::parse_code(code)?),
        _ => {
            return Err(QueueError::Invalid("give either a ticket or a dossier code".into()).into());
        }
    };
    // A rating terminal rates only what was served at its own counter.
    let bound_counter = if caller.role == Role::RatingTerminal { caller.counters.first().copied() } else { None };
    let counter = req.counter.or(bound_counter);
    let command = Command::Rate {
        subject: subject.clone(),
        counter,
        stage: req.stage,
        level: req.level,
        answers: req.answers,
        comment: req.comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()),
    };
    let response = app
        .office
        .run(caller.actor(), move |ctx| {
            if let (Some(bound), RatingSubjectRef::Ticket(id)) = (bound_counter, &subject) {
                let served_here = ctx.state.ticket(*id).is_some_and(|t| {
                    t.segments.last().is_some_and(|s| s.counter == bound)
                        || matches!(t.status, domain::queue::TicketStatus::Called { counter, .. } | domain::queue::TicketStatus::Serving { counter, .. } if counter == bound)
                });
                if !served_here {
                    return Err(AppError::Forbidden);
                }
            }
            ctx.command(&command)?;
            match ctx.state_last_rating() {
                Some(r) => Ok(r),
                None => Err(AppError::Unavailable("rating not recorded".into())),
            }
        })
        .await?;
    Ok((StatusCode::CREATED, Json(response)).into_response())
}

impl crate::office::TxCtx<'_> {
    fn state_last_rating(&self) -> Option<RatingResponse> {
        self.last_emitted().and_then(|e| match &e.kind {
            domain::event::EventKind::RatingRecorded { rating, stage, counter, .. } => {
                Some(RatingResponse { id: *rating, stage: *stage, counter: *counter })
            }
            _ => None,
        })
    }
}

fn device_of(caller: &Caller) -> Result<uuid::Uuid, AppError> {
    caller.require(&[Role::TicketKiosk])?;
    match caller.who {
        Who::Device { device_id } => Ok(device_id),
        Who::Staff { .. } => Err(AppError::Forbidden),
    }
}

async fn grant_lease(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(req): Body<LeaseRequest>,
) -> Result<Response, AppError> {
    let device = device_of(&caller)?;
    let service = parse_service(&req.service)?;
    let command = Command::GrantLease { device, service, size: req.size, ttl_s: 4 * 3600 };
    let view = app
        .office
        .run(caller.actor(), move |ctx| {
            ctx.command(&command)?;
            match ctx.last_emitted().map(|e| e.kind.clone()) {
                Some(domain::event::EventKind::LeaseGranted {
                    lease, service, day, first, last, expires_at, ..
                }) => {
                    let letter = ctx.state.services.get(&service).map(|s| s.letter).unwrap_or('?');
                    Ok(LeaseView { id: lease, service, letter, day, first, last, expires_at })
                }
                _ => Err(AppError::Unavailable("lease not granted".into())),
            }
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn upload_leased(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(lease): Path<uuid::Uuid>,
    headers: HeaderMap,
    Body(req): Body<LeasedTicketUpload>,
) -> Result<Response, AppError> {
    let device = device_of(&caller)?;
    let key = idempotency_key(&headers, &caller)?
        .ok_or_else(|| QueueError::Invalid("an Idempotency-Key header is required for leased tickets".into()))?;
    let command = Command::UploadLeased {
        lease,
        device,
        number: req.number,
        priority: req.priority,
        issued_at: req.issued_at,
        idempotency_key: key,
    };
    let (view, created) = app
        .office
        .run(caller.actor(), move |ctx| {
            let d = ctx.command(&command)?;
            let t = ctx.state.ticket(d.ticket.ok_or(QueueError::UnknownTicket)?).ok_or(QueueError::UnknownTicket)?;
            Ok((ticket_view(ctx.state, t), !d.events.is_empty()))
        })
        .await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(view)).into_response())
}

async fn return_lease(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(lease): Path<uuid::Uuid>,
    Body(req): Body<ReturnLeaseRequest>,
) -> Result<StatusCode, AppError> {
    let device = device_of(&caller)?;
    app.office.command(caller.actor(), Command::ReturnLease { lease, device, unused: req.unused }).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- admin -----------------------------------------------------------------------------------

async fn get_settings(State(app): State<Arc<AppState>>, caller: Caller) -> Result<Json<OfficeSettings>, AppError> {
    caller.require(&[Role::Admin, Role::Supervisor])?;
    Ok(Json(app.office.read(|s| s.settings.clone())))
}

async fn put_settings(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(settings): Body<OfficeSettings>,
) -> Result<Json<OfficeSettings>, AppError> {
    caller.require(&[Role::Admin])?;
    app.office.command(caller.actor(), Command::ChangeSettings { settings: settings.clone() }).await?;
    Ok(Json(settings))
}

async fn put_service(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(code): Path<String>,
    Body(service): Body<Service>,
) -> Result<Json<ServiceView>, AppError> {
    caller.require(&[Role::Admin])?;
    if service.code.as_str() != code {
        return Err(QueueError::Invalid("the code in the path and the body differ".into()).into());
    }
    let view = app
        .office
        .run(caller.actor(), move |ctx| {
            ctx.command(&Command::SaveService { service: service.clone() })?;
            Ok(service_view(ctx.state, &service))
        })
        .await?;
    Ok(Json(view))
}

async fn put_counter(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<CounterId>,
    Body(counter): Body<Counter>,
) -> Result<Json<Counter>, AppError> {
    caller.require(&[Role::Admin])?;
    if counter.id != id {
        return Err(QueueError::Invalid("the counter in the path and the body differ".into()).into());
    }
    app.office.command(caller.actor(), Command::SaveCounter { counter: counter.clone() }).await?;
    Ok(Json(counter))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffRequest {
    display_name: String,
    role: Role,
    #[serde(default)]
    counters: Vec<CounterId>,
    password: Option<String>,
}

async fn put_staff(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(username): Path<String>,
    Body(req): Body<StaffRequest>,
) -> Result<StatusCode, AppError> {
    caller.require(&[Role::Admin])?;
    if req.display_name.trim().is_empty() || req.display_name.chars().count() > 100 {
        return Err(QueueError::Invalid("display name must have 1–100 characters".into()).into());
    }
    app.office
        .run(caller.actor(), move |ctx| {
            auth::save_staff(ctx.tx, &username, &req.display_name, req.role, &req.counters, req.password.as_deref())?;
            ctx.emit(domain::event::EventKind::StaffSaved {
                username,
                display_name: req.display_name,
                role: req.role,
                counters: req.counters,
                active: true,
            })?;
            Ok(())
        })
        .await?;
    app.tokens.forget_all();
    Ok(StatusCode::NO_CONTENT)
}

async fn list_staff(
    State(app): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Vec<serde_json::Value>>, AppError> {
    caller.require(&[Role::Admin])?;
    let conn = app.office.reader.lock().unwrap_or_else(|e| e.into_inner());
    let mut stmt = conn
        .prepare("SELECT username, display_name, role, counters, active FROM staff ORDER BY username")
        .map_err(AppError::from_sqlite)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(serde_json::json!({
                "username": r.get::<_, String>(0)?,
                "display_name": r.get::<_, String>(1)?,
                "role": r.get::<_, String>(2)?,
                "counters": serde_json::from_str::<serde_json::Value>(&r.get::<_, String>(3)?).unwrap_or_default(),
                "active": r.get::<_, i64>(4)? == 1,
            }))
        })
        .map_err(AppError::from_sqlite)?;
    Ok(Json(rows.filter_map(Result::ok).collect()))
}

async fn list_devices(
    State(app): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Vec<serde_json::Value>>, AppError> {
    caller.require(&[Role::Admin, Role::Supervisor])?;
    let conn = app.office.reader.lock().unwrap_or_else(|e| e.into_inner());
    let mut stmt = conn
        .prepare("SELECT device_id, name, role, counter, enrolled_at, last_seen, health, revoked FROM devices ORDER BY enrolled_at")
        .map_err(AppError::from_sqlite)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(serde_json::json!({
                "device_id": r.get::<_, String>(0)?,
                "name": r.get::<_, String>(1)?,
                "role": r.get::<_, String>(2)?,
                "counter": r.get::<_, Option<i64>>(3)?,
                "enrolled_at": r.get::<_, String>(4)?,
                "last_seen": r.get::<_, Option<String>>(5)?,
                "health": r.get::<_, Option<String>>(6)?.and_then(|h| serde_json::from_str::<serde_json::Value>(&h).ok()),
                "revoked": r.get::<_, i64>(7)? == 1,
            }))
        })
        .map_err(AppError::from_sqlite)?;
    Ok(Json(rows.filter_map(Result::ok).collect()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeRequest {
    role: Role,
    name: String,
    counter: Option<CounterId>,
    #[serde(default = "default_code_hours")]
    valid_hours: u32,
}

fn default_code_hours() -> u32 {
    24
}

async fn create_code(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(req): Body<CodeRequest>,
) -> Result<Response, AppError> {
    caller.require(&[Role::Admin])?;
    if req.valid_hours == 0 || req.valid_hours > 24 * 30 {
        return Err(QueueError::Invalid("valid_hours must be 1–720".into()).into());
    }
    let conn = app.office.reader.lock().unwrap_or_else(|e| e.into_inner());
    let code = auth::create_enrolment_code(
        &conn,
        req.role,
        &req.name,
        req.counter,
        Duration::hours(i64::from(req.valid_hours)),
        OffsetDateTime::now_utc(),
    )?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "code": code, "role": req.role, "valid_hours": req.valid_hours })),
    )
        .into_response())
}
