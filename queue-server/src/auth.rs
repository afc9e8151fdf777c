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
use domain::event::{Actor, DeviceId, EventKind};
use domain::office::{CounterId, Role};
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::error::AppError;
use crate::http::AppState;
use crate::office::TxCtx;
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
    entries: Mutex<HashMap<String, CachedToken>>,
}

/// The caller, when it was cached, and when its token expires (devices: never).
type CachedToken = (Caller, Instant, Option<OffsetDateTime>);

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

/// Argon2id parameters for new hashes: 7 MiB, 5 passes — one of OWASP's recommended settings, with
/// the least memory, because a login costs its memory per concurrent hash (the office server's whole
/// budget is 50 MB). Hashes made with other parameters still verify and are upgraded at the next login.
fn argon2() -> Argon2<'static> {
    let params = argon2::Params::new(7 * 1024, 5, 1, None).expect("valid argon2 parameters");
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// A hash with the current parameters, of a password nobody has: what an unknown user is checked
/// against, so that a missing account costs the same work as a wrong password.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

/// Hashes a password in NFC, so "ệ" typed as one code point or as three is the same password.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let password = domain::i18n::nfc(password);
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Unavailable(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Unavailable(e.to_string()))
}

/// The outcome of checking a password.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    /// Right password; `rehash` is a new hash when the stored one used older parameters.
    Yes {
        rehash: Option<String>,
    },
    No,
}

/// Checks a password against its hash, in NFC (see [`hash_password`]); a hash made before passwords were
/// normalised is also tried with the password as given, and then upgraded.
pub fn verify_password(password: &str, stored: &str) -> Verified {
    let Ok(hash) = PasswordHash::new(stored) else { return Verified::No };
    let normalised = domain::i18n::nfc(password);
    let as_given = normalised != password;
    let legacy = if argon2().verify_password(normalised.as_bytes(), &hash).is_ok() {
        false
    } else if as_given && argon2().verify_password(password.as_bytes(), &hash).is_ok() {
        true
    } else {
        return Verified::No;
    };
    let current = argon2::Params::try_from(&hash).ok();
    let wanted = argon2().params().clone();
    let outdated = current.is_none_or(|p| p.m_cost() != wanted.m_cost() || p.t_cost() != wanted.t_cost());
    Verified::Yes { rehash: if outdated || legacy { hash_password(password).ok() } else { None } }
}

/// The bearer token of a request's `Authorization` header.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
}
/// Looks a bearer token up: a staff session of an active account, or a device not revoked.
pub fn lookup(
    conn: &Connection,
    token: &str,
    now: OffsetDateTime,
) -> Result<Option<(Caller, Option<OffsetDateTime>)>, rusqlite::Error> {
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
        let caller = Caller {
            role,
            who: Who::Staff { username },
            counters: serde_json::from_str(&counters).unwrap_or_default(),
        };
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

/// The token a request carries: `Authorization: Bearer …`, or `?access_token=` where the route table
/// allows it (a browser's EventSource cannot set headers; everywhere else a token in a URL would end
/// up in logs and browser history).
fn request_token(parts: &Parts, query_allowed: bool) -> Option<String> {
    if let Some(token) = bearer(&parts.headers) {
        return Some(token.to_owned());
    }
    if !query_allowed {
        return None;
    }
    parts.uri.query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("access_token=")).map(str::to_owned))
}

/// Who a token belongs to now (cached for devices), `None` when it is unknown, expired or revoked.
pub async fn resolve(app: &AppState, token: &str) -> Result<Option<Caller>, AppError> {
    if token.is_empty() || token.len() > 256 {
        return Ok(None);
    }
    let hash = sha256_hex(token);
    let now = OffsetDateTime::now_utc();
    if let Some(c) = app.tokens.get(&hash, now) {
        return Ok(Some(c));
    }
    let owned = token.to_owned();
    let Some((caller, expires)) =
        app.office.query(move |conn| lookup(conn, &owned, now).map_err(AppError::from_sqlite)).await?
    else {
        return Ok(None);
    };
    // Only device tokens are cached (kiosks and displays make most requests); a staff session is
    // read from the database each time so that logout, disable and expiry act at once. Revoking a
    // device clears the cache.
    if matches!(caller.who, Who::Device { .. }) {
        app.tokens.put(hash, caller.clone(), expires);
    }
    Ok(Some(caller))
}

/// The caller `authorize` found for the route (every protected route has one). Missing → 401.
impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let query_allowed =
            crate::http::routes::find(parts.method.as_str(), parts.uri.path()).is_some_and(|r| r.query_token);
        let token = request_token(parts, query_allowed).ok_or(AppError::Unauthenticated)?;
        resolve(app, &token).await?.ok_or(AppError::Unauthenticated)
    }
}

/// The token of the request, as `authorize` saw it (the event stream re-checks it when access changes).
#[derive(Clone)]
pub struct RequestToken(pub String);

/// Enforces the route table's roles before any handler or body parsing runs: a protected route without
/// a valid token answers 401, with a role not listed for it 403. Handlers add finer checks (an
/// officer's own counters, a rating terminal's counter).
pub async fn authorize(
    axum::extract::State(app): axum::extract::State<Arc<AppState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<axum::response::Response, AppError> {
    let Some(route) = crate::http::routes::find(req.method().as_str(), req.uri().path()) else {
        return Ok(next.run(req).await);
    };
    if route.roles.is_empty() {
        return Ok(next.run(req).await);
    }
    let (mut parts, body) = req.into_parts();
    let token = request_token(&parts, route.query_token).ok_or(AppError::Unauthenticated)?;
    let caller = resolve(&app, &token).await?.ok_or(AppError::Unauthenticated)?;
    if !route.roles.contains(&caller.role) {
        return Err(AppError::Forbidden);
    }
    parts.extensions.insert(caller);
    parts.extensions.insert(RequestToken(token));
    Ok(next.run(axum::extract::Request::from_parts(parts, body)).await)
}

// ---- staff accounts -------------------------------------------------------------------------

/// What a login needs to know of an account.
pub struct LoginAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub counters: Vec<CounterId>,
    pub password_hash: String,
}

/// A staff member's full name as entered by an admin (what a receipt prints), if the account exists.
pub fn display_name(conn: &Connection, username: &str) -> Result<Option<String>, AppError> {
    conn.query_row("SELECT display_name FROM staff WHERE username = ?1", params![username], |r| r.get(0))
        .optional()
        .map_err(AppError::from_sqlite)
}

pub fn find_login(conn: &Connection, username: &str) -> Result<Option<LoginAccount>, AppError> {
    conn.query_row(
        "SELECT username, display_name, role, counters, password_hash FROM staff WHERE username = ?1 AND active = 1",
        [username],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get(4)?,
            ))
        },
    )
    .optional()
    .map_err(AppError::from_sqlite)
    .map(|row| {
        row.and_then(|(username, display_name, role, counters, password_hash)| {
            Some(LoginAccount {
                username,
                display_name,
                role: Role::parse(&role)?,
                counters: serde_json::from_str(&counters).unwrap_or_default(),
                password_hash,
            })
        })
    })
}

pub fn set_password_hash(conn: &Connection, username: &str, hash: &str) -> Result<(), AppError> {
    conn.execute("UPDATE staff SET password_hash = ?1 WHERE username = ?2", params![hash, username])
        .map(|_| ())
        .map_err(AppError::from_sqlite)
}

pub fn insert_session(
    conn: &Connection,
    token: &str,
    username: &str,
    expires_at: OffsetDateTime,
) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO sessions (token_hash, username, expires_at) VALUES (?1, ?2, ?3)",
        params![
            sha256_hex(token),
            username,
            expires_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
        ],
    )
    .map(|_| ())
    .map_err(AppError::from_sqlite)
}

pub fn delete_session(conn: &Connection, token: &str) -> Result<(), AppError> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [sha256_hex(token)])
        .map(|_| ())
        .map_err(AppError::from_sqlite)
}

/// Creates or updates a staff account, hashing the password here (CLI and demo seeding; the API hashes
/// on its login pool first and calls [`save_staff_hashed`]).
pub fn save_staff(
    conn: &Connection,
    username: &str,
    display_name: &str,
    role: Role,
    counters: &[CounterId],
    password: Option<&str>,
) -> Result<(), AppError> {
    let hash = match password {
        Some(p) => {
            validate_password(p)?;
            Some(hash_password(p)?)
        }
        None => None,
    };
    save_staff_hashed(conn, username, display_name, role, counters, hash.as_deref())
}

/// Creates or updates a staff account with an already made password hash (`None` keeps the old one;
/// a new account needs one). A new password ends the account's sessions.
pub fn save_staff_hashed(
    conn: &Connection,
    username: &str,
    display_name: &str,
    role: Role,
    counters: &[CounterId],
    password_hash: Option<&str>,
) -> Result<(), AppError> {
    validate_username(username)?;
    validate_staff_role(role)?;
    let counters_json = serde_json::to_string(counters).unwrap_or_else(|_| "[]".into());
    let existing: Option<String> = conn
        .query_row("SELECT password_hash FROM staff WHERE username = ?1", params![username], |r| r.get(0))
        .optional()
        .map_err(AppError::from_sqlite)?;
    let hash = match (password_hash, existing) {
        (Some(h), _) => h.to_owned(),
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
    if password_hash.is_some() {
        conn.execute("DELETE FROM sessions WHERE username = ?1", params![username]).map_err(AppError::from_sqlite)?;
    }
    Ok(())
}

/// Disables an account, ends its sessions and records it (API and CLI).
pub fn disable_staff(ctx: &mut TxCtx<'_>, username: &str) -> Result<(), AppError> {
    let row = ctx
        .tx
        .query_row("SELECT display_name, role, counters FROM staff WHERE username = ?1", [username], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })
        .optional()
        .map_err(AppError::from_sqlite)?;
    let Some((display_name, role, counters)) = row else {
        return Err(AppError::bad(
            "staff_not_found",
            username,
            format!("Không có tài khoản {username}."),
            format!("No account {username}."),
        ));
    };
    ctx.tx.execute("UPDATE staff SET active = 0 WHERE username = ?1", [username]).map_err(AppError::from_sqlite)?;
    ctx.tx.execute("DELETE FROM sessions WHERE username = ?1", [username]).map_err(AppError::from_sqlite)?;
    ctx.emit(EventKind::StaffSaved {
        username: username.to_owned(),
        display_name,
        role: Role::parse(&role).unwrap_or(Role::Officer),
        counters: serde_json::from_str(&counters).unwrap_or_default(),
        active: false,
    })?;
    Ok(())
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct StaffRow {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub counters: Vec<CounterId>,
    pub active: bool,
}

pub fn list_staff(conn: &Connection) -> Result<Vec<StaffRow>, AppError> {
    let mut stmt = conn
        .prepare("SELECT username, display_name, role, counters, active FROM staff ORDER BY username")
        .map_err(AppError::from_sqlite)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(StaffRow {
                username: r.get(0)?,
                display_name: r.get(1)?,
                role: r.get(2)?,
                counters: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
                active: r.get::<_, i64>(4)? == 1,
            })
        })
        .map_err(AppError::from_sqlite)?;
    rows.collect::<Result<_, _>>().map_err(AppError::from_sqlite)
}

pub fn validate_username(username: &str) -> Result<(), AppError> {
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

pub fn validate_staff_role(role: Role) -> Result<(), AppError> {
    if role.is_staff() {
        Ok(())
    } else {
        Err(AppError::bad("invalid_role", role.as_str(), "Vai trò không hợp lệ cho nhân viên.", "Not a staff role."))
    }
}

pub fn validate_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < 8 || password.len() > 256 {
        return Err(AppError::bad(
            "invalid_password",
            "length",
            "Mật khẩu phải có 8–256 ký tự.",
            "A password needs 8–256 characters.",
        ));
    }
    Ok(())
}

// ---- devices --------------------------------------------------------------------------------

pub fn invalid_enrolment_code() -> AppError {
    AppError::bad(
        "invalid_enrolment_code",
        "unknown, used or expired",
        "Mã đăng ký thiết bị không đúng, đã dùng hoặc đã hết hạn.",
        "The enrolment code is wrong, already used or expired.",
    )
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

/// Marks a valid, unused code used and returns its role and counter; any other code is refused
/// with the same error (a guesser learns nothing).
pub fn redeem_enrolment_code(
    conn: &Connection,
    normalized_code: &str,
    now: OffsetDateTime,
) -> Result<(Role, Option<CounterId>), AppError> {
    let fmt = &time::format_description::well_known::Rfc3339;
    let code_hash = sha256_hex(normalized_code);
    let row: Option<(String, Option<i64>, String, Option<String>)> = conn
        .query_row(
            "SELECT role, counter, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?1",
            [&code_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(AppError::from_sqlite)?;
    let (role, counter, expires, used) = row.ok_or_else(invalid_enrolment_code)?;
    let expired = OffsetDateTime::parse(&expires, fmt).map(|e| e <= now).unwrap_or(true);
    if used.is_some() || expired {
        return Err(invalid_enrolment_code());
    }
    let role = Role::parse(&role).ok_or_else(invalid_enrolment_code)?;
    conn.execute(
        "UPDATE enrolment_codes SET used_at = ?1 WHERE code_hash = ?2",
        params![now.format(fmt).unwrap_or_default(), code_hash],
    )
    .map_err(AppError::from_sqlite)?;
    Ok((role, counter.map(|c| c as CounterId)))
}

pub fn insert_device(
    conn: &Connection,
    device_id: DeviceId,
    name: &str,
    role: Role,
    counter: Option<CounterId>,
    token: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO devices (device_id, name, role, counter, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            device_id.to_string(),
            name,
            role.as_str(),
            counter,
            sha256_hex(token),
            now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
        ],
    )
    .map(|_| ())
    .map_err(AppError::from_sqlite)
}

pub fn record_heartbeat(
    conn: &Connection,
    device_id: DeviceId,
    health: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    conn.execute(
        "UPDATE devices SET last_seen = ?1, health = ?2 WHERE device_id = ?3",
        params![
            now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            health,
            device_id.to_string()
        ],
    )
    .map(|_| ())
    .map_err(AppError::from_sqlite)
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DeviceRow {
    pub device_id: String,
    pub name: String,
    pub role: String,
    pub counter: Option<CounterId>,
    pub enrolled_at: String,
    pub last_seen: Option<String>,
    pub health: Option<serde_json::Value>,
    pub revoked: bool,
}

const DEVICE_COLUMNS: &str = "device_id, name, role, counter, enrolled_at, last_seen, health, revoked";

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        device_id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        counter: r.get::<_, Option<i64>>(3)?.map(|c| c as CounterId),
        enrolled_at: r.get(4)?,
        last_seen: r.get(5)?,
        health: r.get::<_, Option<String>>(6)?.and_then(|h| serde_json::from_str(&h).ok()),
        revoked: r.get::<_, i64>(7)? == 1,
    })
}

pub fn list_devices(conn: &Connection) -> Result<Vec<DeviceRow>, AppError> {
    let mut stmt = conn
        .prepare(&format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at"))
        .map_err(AppError::from_sqlite)?;
    let rows = stmt.query_map([], device_row).map_err(AppError::from_sqlite)?;
    rows.collect::<Result<_, _>>().map_err(AppError::from_sqlite)
}

fn find_device(conn: &Connection, device_id: DeviceId) -> Result<DeviceRow, AppError> {
    conn.query_row(
        &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?1"),
        [device_id.to_string()],
        device_row,
    )
    .optional()
    .map_err(AppError::from_sqlite)?
    .ok_or_else(|| {
        AppError::bad("device_not_found", device_id.to_string(), "Không có thiết bị này.", "No such device.")
    })
}

/// Renames a device or moves a rating terminal to another counter (recorded as an event).
pub fn update_device(
    ctx: &mut TxCtx<'_>,
    device_id: DeviceId,
    name: Option<String>,
    counter: Option<Option<CounterId>>,
) -> Result<DeviceRow, AppError> {
    let row = find_device(ctx.tx, device_id)?;
    if row.revoked {
        return Err(AppError::bad(
            "device_revoked",
            device_id.to_string(),
            "Thiết bị đã bị thu hồi; hãy đăng ký lại bằng mã mới.",
            "The device is revoked; enrol it again with a new code.",
        ));
    }
    let role = Role::parse(&row.role).unwrap_or(Role::Display);
    let counter = match counter {
        None => row.counter,
        Some(c) if role != Role::RatingTerminal && c.is_some() => {
            return Err(AppError::bad(
                "invalid_counter",
                "counter",
                "Chỉ máy đánh giá gắn với một quầy.",
                "Only a rating terminal belongs to a counter.",
            ));
        }
        Some(None) if role == Role::RatingTerminal => {
            return Err(AppError::bad(
                "invalid_counter",
                "counter",
                "Máy đánh giá phải gắn với một quầy.",
                "A rating terminal must belong to a counter.",
            ));
        }
        Some(Some(c)) if !ctx.state.counters.contains_key(&c) => {
            return Err(domain::QueueError::UnknownCounter(c).into())
        }
        Some(c) => c,
    };
    let name = name.unwrap_or_else(|| row.name.clone());
    // Saving what is already there changes nothing, so it is no event.
    if name == row.name && counter == row.counter {
        return Ok(row);
    }
    ctx.tx
        .execute(
            "UPDATE devices SET name = ?1, counter = ?2 WHERE device_id = ?3",
            params![name, counter, device_id.to_string()],
        )
        .map_err(AppError::from_sqlite)?;
    ctx.emit(EventKind::DeviceUpdated { device_id, name, counter })?;
    find_device(ctx.tx, device_id)
}

/// Revokes a device: its token stops working (the caller clears the token cache and wakes streams).
pub fn revoke_device(ctx: &mut TxCtx<'_>, device_id: DeviceId) -> Result<(), AppError> {
    let row = find_device(ctx.tx, device_id)?;
    if row.revoked {
        return Ok(());
    }
    ctx.tx
        .execute("UPDATE devices SET revoked = 1 WHERE device_id = ?1", [device_id.to_string()])
        .map_err(AppError::from_sqlite)?;
    ctx.emit(EventKind::DeviceRevoked { device_id })?;
    Ok(())
}

pub fn validate_device_name(name: &str) -> Result<String, AppError> {
    let name = domain::i18n::nfc(name.trim());
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::bad(
            "invalid_name",
            "device name",
            "Tên thiết bị phải có 1–100 ký tự.",
            "A device name has 1–100 characters.",
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_the_same_in_nfc_and_nfd_and_old_hashes_still_verify() {
        let nfc = "Mật khẩu Hộ tịch 2026";
        let nfd = "Ma\u{323}\u{302}t kha\u{302}\u{309}u Ho\u{323}\u{302} ti\u{323}ch 2026";
        assert_ne!(nfc, nfd);
        let stored = hash_password(nfd).unwrap();
        assert_eq!(verify_password(nfc, &stored), Verified::Yes { rehash: None });
        assert_eq!(verify_password(nfd, &stored), Verified::Yes { rehash: None });
        assert_eq!(verify_password("Mat khau Ho tich 2026", &stored), Verified::No);
        // A hash of the NFD bytes themselves (made before passwords were normalised) verifies with the
        // password as typed, and is upgraded to the NFC hash.
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let legacy = argon2().hash_password(nfd.as_bytes(), &salt).unwrap().to_string();
        match verify_password(nfd, &legacy) {
            Verified::Yes { rehash: Some(new) } => {
                assert_eq!(verify_password(nfc, &new), Verified::Yes { rehash: None })
            }
            other => panic!("legacy hash: {other:?}"),
        }
    }
}
