//! Enrolment, heartbeats, staff login and logout, and "who am I".

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::api::*;
use domain::event::DeviceId;
use domain::event::{Actor, EventKind};
use domain::office::{CounterId, Role};
use domain::QueueError;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::{AppState, Body};
use crate::auth::{self, Caller, Who};
use crate::error::AppError;
use crate::limits::LoginCheck;

pub(super) async fn enrol(
    State(app): State<Arc<AppState>>,
    Body(req): Body<EnrolRequest>,
) -> Result<Response, AppError> {
    let name = auth::validate_device_name(&req.name)?;
    if req.code.len() > 64 {
        return Err(auth::invalid_enrolment_code());
    }
    let code = auth::normalize_enrolment_code(&req.code);
    let token = auth::new_token();
    let device_id = uuid::Uuid::new_v4();
    let response = app
        .office
        .run(Actor::System, move |ctx| {
            let (role, counter) = auth::redeem_enrolment_code(ctx.tx, &code, ctx.now)?;
            auth::insert_device(ctx.tx, device_id, &name, role, counter, &token, ctx.now)?;
            ctx.emit(EventKind::DeviceEnrolled { device_id, name: name.clone(), role, counter })?;
            Ok(EnrolResponse { device_id, token, role, counter })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(response)).into_response())
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct HeartbeatRequest {
    /// Free-form device health, at most 8 KiB as JSON.
    #[schemars(schema_with = "small_health")]
    health: serde_json::Value,
}

/// A health object surely under the 8 KiB limit: a few short scalar entries.
fn small_health(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "maxProperties": 10, "propertyNames": { "maxLength": 32 },
        "additionalProperties": { "type": ["string", "number", "boolean", "null"], "maxLength": 64 } })
}

pub(super) async fn heartbeat(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(req): Body<HeartbeatRequest>,
) -> Result<StatusCode, AppError> {
    let Who::Device { device_id } = caller.who else { return Err(AppError::Forbidden) };
    let health = serde_json::to_string(&req.health).unwrap_or_default();
    if health.len() > 8192 {
        return Err(QueueError::TooLong(domain::error::TextField::Health, 8192).into());
    }
    app.office.run(Actor::System, move |ctx| auth::record_heartbeat(ctx.tx, device_id, &health, ctx.now)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn login(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Body(req): Body<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    if req.username.len() > 64 || req.password.len() > 256 {
        return Err(AppError::LoginFailed);
    }
    let address = peer.ip();
    let now = OffsetDateTime::now_utc();
    // A locked user or address is answered without hashing: a guessing client costs nothing.
    if let LoginCheck::Locked { retry_after_s } = app.logins.check(&req.username, address, now) {
        return Err(AppError::LoginLocked { retry_after_s });
    }
    let username = req.username.clone();
    let account = app.office.query(move |conn| auth::find_login(conn, &username)).await?;
    let password = req.password.clone();
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    // Hashing runs on the bounded login pool (argon2id needs memory per hash); an unknown user costs the
    // same work as a known one so it cannot be told apart by timing.
    let verified = app.logins.verify(password, stored_hash).await?;
    let account = match (account, verified) {
        (Some(a), auth::Verified::Yes { rehash }) => {
            if let Some(new_hash) = rehash {
                let username = a.username.clone();
                app.office.run(Actor::System, move |ctx| auth::set_password_hash(ctx.tx, &username, &new_hash)).await?;
            }
            app.logins.succeeded(&req.username, address);
            a
        }
        _ => {
            if let Some(lockout) = app.logins.failed(&req.username, address, now) {
                let kind = EventKind::LoginLockedOut {
                    username: req.username.chars().take(64).collect(),
                    address: address.to_string(),
                    failures: lockout.failures,
                    until: lockout.until,
                };
                app.office.run(Actor::System, move |ctx| ctx.emit(kind).map(|_| ())).await?;
                return Err(AppError::LoginLocked { retry_after_s: lockout.retry_after_s });
            }
            return Err(AppError::LoginFailed);
        }
    };
    let token = auth::new_token();
    let expires_at = now + Duration::hours(app.server.session_hours);
    let (username, session_token) = (account.username.clone(), token.clone());
    app.office
        .run(Actor::System, move |ctx| auth::insert_session(ctx.tx, &session_token, &username, expires_at))
        .await?;
    Ok(Json(LoginResponse {
        token,
        username: account.username,
        display_name: account.display_name,
        role: account.role,
        counters: account.counters,
        expires_at,
    }))
}

pub(super) async fn logout(
    State(app): State<Arc<AppState>>,
    _caller: Caller,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    if let Some(token) = auth::bearer(&headers) {
        let token = token.to_owned();
        app.office.run(Actor::System, move |ctx| auth::delete_session(ctx.tx, &token)).await?;
    }
    app.access_changed();
    Ok(StatusCode::NO_CONTENT)
}

/// Who is calling: a staff account (`username`) or a device (`device_id`), and its counters.
#[derive(Serialize, JsonSchema)]
pub(super) struct Me {
    role: Role,
    username: Option<String>,
    device_id: Option<DeviceId>,
    counters: Vec<CounterId>,
}

pub(super) async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        role: caller.role,
        username: caller.username(),
        device_id: match caller.who {
            Who::Device { device_id } => Some(device_id),
            _ => None,
        },
        counters: caller.counters,
    })
}
