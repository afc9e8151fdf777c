//! Administration: office settings, services, counters, staff accounts, devices (revoke, rename,
//! rebind), enrolment codes and the login-lockout log.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::api::schema::{self as schema, NOT_BLANK};
use domain::api::ServiceView;
use domain::event::{DeviceId, EventKind};
use domain::office::{Counter, CounterId, OfficeSettings, Role, Service};
use domain::queue::Command;
use domain::QueueError;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::{service_view, AppState, Body, Path};
use crate::auth::{self, Caller, DeviceRow, StaffRow};
use crate::error::AppError;

pub(super) async fn get_settings(State(app): State<Arc<AppState>>) -> Json<OfficeSettings> {
    Json(app.office.read(|s| s.settings.clone()))
}

pub(super) async fn put_settings(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(settings): Body<OfficeSettings>,
) -> Result<Json<OfficeSettings>, AppError> {
    app.office.command(caller.actor(), Command::ChangeSettings { settings: settings.clone() }).await?;
    Ok(Json(settings))
}

pub(super) async fn put_service(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(code): Path<String>,
    Body(service): Body<Service>,
) -> Result<Json<ServiceView>, AppError> {
    if service.code.as_str() != code {
        return Err(AppError::bad(
            "invalid",
            "the code in the path and the body differ",
            "Mã dịch vụ trong đường dẫn và trong dữ liệu gửi lên khác nhau.",
            "The service code in the path and in the body differ.",
        ));
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

pub(super) async fn put_counter(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<CounterId>,
    Body(counter): Body<Counter>,
) -> Result<Json<Counter>, AppError> {
    if counter.id != id {
        return Err(AppError::bad(
            "invalid",
            "the counter in the path and the body differ",
            "Số quầy trong đường dẫn và trong dữ liệu gửi lên khác nhau.",
            "The counter number in the path and in the body differ.",
        ));
    }
    app.office.command(caller.actor(), Command::SaveCounter { counter: counter.clone() }).await?;
    Ok(Json(counter))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct StaffRequest {
    #[schemars(regex(pattern = NOT_BLANK), length(max = 100))]
    display_name: String,
    #[schemars(schema_with = "staff_role")]
    role: Role,
    #[serde(default)]
    #[schemars(inner(range(min = 1)))]
    counters: Vec<CounterId>,
    #[schemars(length(min = 8, max = 64))]
    password: Option<String>,
}

/// The roles a staff account can have (`auth::validate_staff_role`).
fn staff_role(_: &mut SchemaGenerator) -> Schema {
    let roles: Vec<&str> = Role::ALL.iter().filter(|r| r.is_staff()).map(|r| r.as_str()).collect();
    json_schema!({ "enum": roles })
}

/// The roles an enrolment code can be for.
fn device_role(_: &mut SchemaGenerator) -> Schema {
    let roles: Vec<&str> = Role::ALL.iter().filter(|r| r.is_device()).map(|r| r.as_str()).collect();
    json_schema!({ "enum": roles })
}

pub(super) async fn put_staff(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(username): Path<String>,
    Body(req): Body<StaffRequest>,
) -> Result<StatusCode, AppError> {
    let display_name = domain::i18n::nfc(req.display_name.trim());
    if display_name.is_empty() || display_name.chars().count() > 100 {
        return Err(AppError::bad(
            "invalid_display_name",
            "display_name",
            "Họ và tên phải có 1–100 ký tự.",
            "A display name has 1–100 characters.",
        ));
    }
    auth::validate_username(&username)?;
    auth::validate_staff_role(req.role)?;
    // Hash on the bounded login pool, never on the writer thread.
    let hash = match req.password {
        Some(p) => {
            auth::validate_password(&p)?;
            Some(app.logins.hash(p).await?)
        }
        None => None,
    };
    app.office
        .run(caller.actor(), move |ctx| {
            auth::save_staff_hashed(ctx.tx, &username, &display_name, req.role, &req.counters, hash.as_deref())?;
            ctx.emit(EventKind::StaffSaved {
                username,
                display_name,
                role: req.role,
                counters: req.counters,
                active: true,
            })?;
            Ok(())
        })
        .await?;
    app.access_changed();
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn disable_staff(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<StatusCode, AppError> {
    if caller.username().as_deref() == Some(username.as_str()) {
        return Err(AppError::bad(
            "cannot_disable_self",
            username,
            "Không thể tự khoá tài khoản đang đăng nhập.",
            "You cannot disable the account you are signed in with.",
        ));
    }
    app.office.run(caller.actor(), move |ctx| auth::disable_staff(ctx, &username)).await?;
    app.access_changed();
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn list_staff(State(app): State<Arc<AppState>>) -> Result<Json<Vec<StaffRow>>, AppError> {
    Ok(Json(app.office.query(auth::list_staff).await?))
}

pub(super) async fn list_devices(State(app): State<Arc<AppState>>) -> Result<Json<Vec<DeviceRow>>, AppError> {
    Ok(Json(app.office.query(auth::list_devices).await?))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DeviceUpdate {
    #[serde(default)]
    #[schemars(schema_with = "schema::device_name")]
    name: Option<String>,
    /// A rating terminal's counter; `null` is refused for a rating terminal.
    #[serde(default, deserialize_with = "serde_with_double_option::deserialize")]
    #[schemars(schema_with = "counter_or_null")]
    counter: Option<Option<CounterId>>,
}

fn counter_or_null(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["integer", "null"], "minimum": 1, "maximum": 65535 })
}

/// `"counter": null` and an absent `counter` mean different things (unbind vs leave as is).
mod serde_with_double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

pub(super) async fn update_device(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(device_id): Path<DeviceId>,
    Body(req): Body<DeviceUpdate>,
) -> Result<Json<DeviceRow>, AppError> {
    let name = req.name.as_deref().map(auth::validate_device_name).transpose()?;
    let row = app.office.run(caller.actor(), move |ctx| auth::update_device(ctx, device_id, name, req.counter)).await?;
    app.access_changed();
    Ok(Json(row))
}

pub(super) async fn revoke_device(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(device_id): Path<DeviceId>,
) -> Result<StatusCode, AppError> {
    app.office.run(caller.actor(), move |ctx| auth::revoke_device(ctx, device_id)).await?;
    app.access_changed();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CodeRequest {
    #[schemars(schema_with = "device_role")]
    role: Role,
    #[schemars(schema_with = "schema::device_name")]
    name: String,
    #[schemars(range(min = 1))]
    counter: Option<CounterId>,
    #[serde(default = "default_code_hours")]
    #[schemars(range(min = 1, max = 720))]
    valid_hours: u32,
}

/// A new enrolment code, shown once.
#[derive(Serialize, JsonSchema)]
pub(super) struct EnrolmentCode {
    code: String,
    role: Role,
    valid_hours: u32,
}

fn default_code_hours() -> u32 {
    24
}

pub(super) async fn create_code(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(req): Body<CodeRequest>,
) -> Result<Response, AppError> {
    if req.valid_hours == 0 || req.valid_hours > 24 * 30 {
        return Err(AppError::bad(
            "invalid",
            "valid_hours must be 1–720",
            "Thời hạn của mã đăng ký thiết bị phải từ 1 đến 720 giờ.",
            "An enrolment code is valid for 1 to 720 hours.",
        ));
    }
    let (role, valid_hours) = (req.role, req.valid_hours);
    let code = app
        .office
        .run(caller.actor(), move |ctx| {
            if let Some(c) = req.counter {
                if !ctx.state.counters.contains_key(&c) {
                    return Err(QueueError::UnknownCounter(c).into());
                }
            }
            auth::create_enrolment_code(
                ctx.tx,
                req.role,
                &req.name,
                req.counter,
                Duration::hours(i64::from(req.valid_hours)),
                ctx.now,
            )
        })
        .await?;
    Ok((StatusCode::CREATED, Json(EnrolmentCode { code, role, valid_hours })).into_response())
}

#[derive(Serialize, JsonSchema)]
pub(super) struct SecurityView {
    /// Login lockouts of the last 7 days, newest first.
    lockouts: Vec<LockoutRow>,
}

#[derive(Serialize, JsonSchema)]
struct LockoutRow {
    seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "schema::date_time")]
    at: OffsetDateTime,
    username: String,
    address: String,
    failures: u32,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "schema::date_time")]
    until: OffsetDateTime,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct StatutoryQuery {
    #[schemars(range(min = 2000, max = 2100))]
    year: i32,
}

/// The statutory holidays of a year in their usual pattern (`domain::calendar::statutory`), for the
/// admin to check against the year's official notice and add to the calendar.
pub(super) async fn statutory_calendar(
    super::Query(q): super::Query<StatutoryQuery>,
) -> Result<Json<Vec<domain::calendar::CalendarDay>>, AppError> {
    if !(2000..=2100).contains(&q.year) {
        return Err(AppError::bad(
            "invalid_year",
            "year",
            "Năm phải từ 2000 đến 2100.",
            "The year must be 2000 to 2100.",
        ));
    }
    Ok(Json(domain::calendar::statutory(q.year)))
}

pub(super) async fn security(State(app): State<Arc<AppState>>) -> Result<Json<SecurityView>, AppError> {
    let since = OffsetDateTime::now_utc() - Duration::days(7);
    let events = app
        .office
        .query(move |conn| crate::store::events_of_type(conn, "login_locked_out", since, 200).map_err(AppError::from))
        .await?;
    let lockouts = events
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::LoginLockedOut { username, address, failures, until } => {
                Some(LockoutRow { seq: e.seq, at: e.at, username, address, failures, until })
            }
            _ => None,
        })
        .collect();
    Ok(Json(SecurityView { lockouts }))
}
