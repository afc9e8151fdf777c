//! Who is calling: staff sessions (username + argon2id password → bearer token) and enrolled devices
//! (one-time enrolment code → bearer token). Tokens are random 256-bit values; only their SHA-256 is
//! stored, so a copy of the database does not leak a usable token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::event::{Actor, DeviceId};
use domain::office::{CounterId, Role};
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use time::{Duration, OffsetDateTime};

use crate::error::AppError;
use crate::http::AppState;
use crate::store::sha256_hex;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub role: Role,
    pub who: Who,
    /// Counters a staff member may act on (officers), or the counter a device belongs to.
    pub counters: Vec<CounterId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Staff { username: String },
    Device { device_id: DeviceId },
}

impl Caller {
    pub fn actor(&self) -> Actor {
        match &self.who {
            Who::Staff { username } => Actor::Staff { username: username.clone() },
            Who::Device { device_id } => Actor::Device { device_id: *device_id },
        }
    }

    pub fn username(&self) -> Option<String> {
        match &self.who {
            Who::Staff { username } => Some(username.clone()),
            Who::Device { .. } => None,
        }
    }

    pub fn id_string(&self) -> String {
        match &self.who {
            Who::Staff { username } => format!("staff:{username}"),
            Who::Device { device_id } => format!("device:{device_id}"),
        }
    }

    /// Refuses with 403 unless the caller has one of the roles.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Officers act only on their own counters; supervisors and admins on all.
    pub fn require_counter(&self, counter: CounterId) -> Result<(), AppError> {
        match self.role {
            Role::Admin | Role::Supervisor => Ok(()),
            Role::Officer if self.counters.contains(&counter) => Ok(()),
            _ => Err(AppError::Forbidden),
        }
    }
}

/// Tokens seen recently, so that a busy kiosk does not cost a database read per request.
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (Caller, Instant, Option<OffsetDateTime>)>>,
}

const CACHE_TTL: StdDuration = StdDuration::from_secs(30);

impl TokenCache {
    fn get(&self, hash: &str, now: OffsetDateTime) -> Option<Caller> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(hash)
            .filter(|(_, cached, expires)| cached.elapsed() < CACHE_TTL && expires.is_none_or(|e| e > now))
            .map(|(c, _, _)| c.clone())
    }
    fn put(&self, hash: String, caller: Caller, expires: Option<OffsetDateTime>) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(hash, (caller, Instant::now(), expires));
    }
    pub fn forget_all(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A one-time enrolment code a technician types: 12 characters from an alphabet without look-alikes.
pub fn new_enrolment_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    let chars: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12])
}

pub fn normalize_enrolment_code(code: &str) -> String {
    code.trim().to_ascii_uppercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Unavailable(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Unavailable(e.to_string()))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// Looks a bearer token up: a staff session or a device.
pub fn lookup(conn: &Connection, token: &str, now: OffsetDateTime) -> Result<Option<(Caller, Option<OffsetDateTime>)>, rusqlite::Error> {
    let hash = sha256_hex(token);
    let staff = conn
        .query_row(
            "SELECT s.username, st.role, st.counters, s.expires_at FROM sessions s JOIN staff st ON st.username = s.username \
             WHERE s.token_hash = ?1 AND st.active = 1",
            params![hash],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)),
        )
        .optional()?;
    if let Some((username, role, counters, expires)) = staff {
        let expires = OffsetDateTime::parse(&expires, &time::format_description::well_known::Rfc3339).ok();
        if expires.is_none_or(|e| e <= now) {
            return Ok(None);
        }
        let Some(role) = Role::parse(&role) else { return Ok(None) };
        let caller =
            Caller { role, who: Who::Staff { username }, counters: serde_json::from_str(&counters).unwrap_or_default() };
        return Ok(Some((caller, expires)));
    }
    let device = conn
        .query_row(
            "SELECT device_id, role, counter FROM devices WHERE token_hash = ?1 AND revoked = 0",
            params![hash],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<i64>>(2)?)),
        )
        .optional()?;
    Ok(device.and_then(|(id, role, counter)| {
        let caller = Caller {
            role: Role::parse(&role)?,
            who: Who::Device { device_id: id.parse().ok()? },
            counters: counter.map(|c| vec![c as CounterId]).unwrap_or_default(),
        };
        Some((caller, None))
    }))
}

/// Extracts the caller from `Authorization: Bearer …` (or `?access_token=` for browsers' EventSource,
/// which cannot set headers). Missing or unknown token → 401.
impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = match header {
            Some(h) => h.strip_prefix("Bearer ").map(str::trim).map(str::to_owned),
            None => parts
                .uri
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("access_token=")).map(str::to_owned)),
        };
        let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 256) else {
            return Err(AppError::Unauthenticated);
        };
        let hash = sha256_hex(&token);
        let now = OffsetDateTime::now_utc();
        if let Some(c) = app.tokens.get(&hash, now) {
            return Ok(c);
        }
        let found = {
            let conn = app.office.reader.lock().unwrap_or_else(|e| e.into_inner());
            lookup(&conn, &token, now).map_err(AppError::from_sqlite)?
        };
        let (caller, expires) = found.ok_or(AppError::Unauthenticated)?;
        // Only device tokens are cached (kiosks and displays make most requests); a staff session is
        // read from the database each time so that logout, disable and expiry act at once.
        if matches!(caller.who, Who::Device { .. }) {
            app.tokens.put(hash, caller.clone(), expires);
        }
        Ok(caller)
    }
}

/// Creates or updates a staff account (CLI and admin API).
pub fn save_staff(
    conn: &Connection,
    username: &str,
    display_name: &str,
    role: Role,
    counters: &[CounterId],
    password: Option<&str>,
) -> Result<(), AppError> {
    validate_username(username)?;
    if !role.is_staff() {
        return Err(AppError::bad(
            "invalid_role",
            role.as_str(),
            "Vai trò không hợp lệ cho nhân viên.",
            "Not a staff role.",
        ));
    }
    let counters_json = serde_json::to_string(counters).unwrap_or_else(|_| "[]".into());
    let existing: Option<String> = conn
        .query_row("SELECT password_hash FROM staff WHERE username = ?1", params![username], |r| r.get(0))
        .optional()
        .map_err(AppError::from_sqlite)?;
    let hash = match (password, existing) {
        (Some(p), _) => {
            validate_password(p)?;
            hash_password(p)?
        }
        (None, Some(h)) => h,
        (None, None) => {
            return Err(AppError::bad("invalid_password", "missing", "Cần đặt mật khẩu.", "A password is required."));
        }
    };
    conn.execute(
        "INSERT INTO staff (username, display_name, role, counters, password_hash, active) VALUES (?1, ?2, ?3, ?4, ?5, 1)
         ON CONFLICT(username) DO UPDATE SET display_name = ?2, role = ?3, counters = ?4, password_hash = ?5, active = 1",
        params![username, display_name, role.as_str(), counters_json, hash],
    )
    .map_err(AppError::from_sqlite)?;
    if password.is_some() {
        conn.execute("DELETE FROM sessions WHERE username = ?1", params![username]).map_err(AppError::from_sqlite)?;
    }
    Ok(())
}

fn validate_username(username: &str) -> Result<(), AppError> {
    let ok = (2..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(AppError::bad(
            "invalid_username",
            username,
            "Tên đăng nhập gồm 2–64 ký tự a-z, 0-9, dấu chấm, gạch dưới hoặc gạch ngang.",
            "A username is 2–64 characters a-z, 0-9, '.', '_' or '-'.",
        ))
    }
}

fn validate_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < 8 || password.len() > 256 {
        return Err(AppError::bad(
            "invalid_password",
            "length",
            "Mật khẩu phải có ít nhất 8 ký tự.",
            "A password needs at least 8 characters.",
        ));
    }
    Ok(())
}

/// Issues a one-time enrolment code for a device role; returns the code to show the technician.
pub fn create_enrolment_code(
    conn: &Connection,
    role: Role,
    name: &str,
    counter: Option<CounterId>,
    valid_for: Duration,
    now: OffsetDateTime,
) -> Result<String, AppError> {
    if !role.is_device() {
        return Err(AppError::bad("invalid_role", role.as_str(), "Vai trò không phải thiết bị.", "Not a device role."));
    }
    let name = validate_device_name(name)?;
    let code = new_enrolment_code();
    let fmt = &time::format_description::well_known::Rfc3339;
    conn.execute(
        "INSERT INTO enrolment_codes (code_hash, role, name, counter, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            sha256_hex(&normalize_enrolment_code(&code)),
            role.as_str(),
            name,
            counter.map(i64::from),
            now.format(fmt).unwrap_or_default(),
            (now + valid_for).format(fmt).unwrap_or_default()
        ],
    )
    .map_err(AppError::from_sqlite)?;
    Ok(code)
}

pub fn validate_device_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::bad(
            "invalid_name",
            "device name",
            "Tên thiết bị phải có 1–100 ký tự.",
            "A device name has 1–100 characters.",
        ));
    }
    Ok(name.to_owned())
}

/// Enforces the route table's roles before any handler or body parsing runs: a protected route without
/// a valid token answers 401, with a role not listed for it 403. Handlers add finer checks (an
/// officer's own counters, a rating terminal's counter).
pub async fn authorize(
    axum::extract::State(app): axum::extract::State<Arc<AppState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<axum::response::Response, AppError> {
    let Some(roles) = crate::openapi::roles_for(req.method().as_str(), req.uri().path()) else {
        return Ok(next.run(req).await);
    };
    if roles.is_empty() {
        return Ok(next.run(req).await);
    }
    let (mut parts, body) = req.into_parts();
    let caller = Caller::from_request_parts(&mut parts, &app).await?;
    if !roles.contains(&caller.role.as_str()) {
        return Err(AppError::Forbidden);
    }
    parts.extensions.insert(caller);
    Ok(next.run(axum::extract::Request::from_parts(parts, body)).await)
}
