//! Reminders by SMS or Zalo: an outgoing webhook when a ticket is a few people away and when it is
//! called, for citizens who typed a phone number at the kiosk.
//!
//! The phone number is personal data: it is kept in the `reminders` table for the ticket's day only
//! (deleted at day close, and with the day's outbox), never in an event, so it never reaches the log, a
//! replay or the city. What to send is decided by a watcher task from the projection each time events
//! are published, written to the `reminder_outbox` table (one row per ticket and kind, so nothing is
//! sent twice), and a sender task posts the rows — HMAC-SHA-256 signed, with a timeout, retried with
//! exponential backoff and jitter up to `max_attempts`. Neither task runs on the writer thread or
//! holds it: the queue never waits for a gateway.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::api::{ReminderRequest, ReminderView};
use domain::event::TicketId;
use domain::i18n::Localized;
use domain::queue::{OfficeState, TicketStatus};
use hmac::{Hmac, Mac};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;
use sha2::Sha256;
use time::{Date, OffsetDateTime};

use crate::auth::Caller;
use crate::error::AppError;
use crate::http::{AppState, Body, Path};
use crate::office::Office;

/// `[reminders]` in the office TOML: where reminders go. Absent: kiosks do not offer them.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReminderConfig {
    /// The gateway's URL (`http://` or `https://`), e.g. an SMS relay on the office LAN.
    pub webhook_url: String,
    /// The HMAC key the gateway checks `X-Motcua-Signature` with (at least 16 characters).
    pub secret: String,
    /// Remind when this many people or fewer are ahead (1–50).
    #[serde(default = "default_ahead")]
    pub ahead: u32,
    /// Deliveries tried at most per message, with backoff from 2 s doubling to 5 min.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// One delivery's timeout.
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
    /// Reminders taken per office day at most.
    #[serde(default = "default_per_day")]
    pub max_per_day: u32,
    /// PEM bundle of the certificate authorities an `https://` gateway is checked against (default:
    /// the system's, `/etc/ssl/certs/ca-certificates.crt`).
    pub ca_file: Option<std::path::PathBuf>,
}

fn default_ahead() -> u32 {
    3
}
fn default_attempts() -> u32 {
    12
}
fn default_timeout() -> u64 {
    5
}
fn default_per_day() -> u32 {
    5000
}

impl ReminderConfig {
    pub fn validate(&self) -> Result<(), String> {
        let url = self.webhook_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 500 {
            return Err("[reminders] webhook_url must be an http:// or https:// URL".into());
        }
        if self.secret.chars().count() < 16 {
            return Err("[reminders] secret must be at least 16 characters".into());
        }
        if !(1..=50).contains(&self.ahead) {
            return Err(format!("[reminders] ahead must be 1–50 (is {})", self.ahead));
        }
        if !(1..=100).contains(&self.max_attempts) {
            return Err(format!("[reminders] max_attempts must be 1–100 (is {})", self.max_attempts));
        }
        if !(1..=60).contains(&self.timeout_s) {
            return Err(format!("[reminders] timeout_s must be 1–60 (is {})", self.timeout_s));
        }
        if !(1..=100_000).contains(&self.max_per_day) {
            return Err(format!("[reminders] max_per_day must be 1–100000 (is {})", self.max_per_day));
        }
        Ok(())
    }
}

fn reminders_off() -> AppError {
    AppError::bad(
        "reminders_off",
        "no [reminders] configured",
        "Văn phòng này chưa bật nhắc lượt qua tin nhắn.",
        "This office does not send reminders.",
    )
}

/// `POST /api/v1/tickets/{id}/reminder`: remind this ticket's holder by message. A kiosk may ask only
/// for a ticket it issued; the ticket must be today's and still waiting.
pub(crate) async fn request(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<ReminderRequest>,
) -> Result<(StatusCode, Json<ReminderView>), AppError> {
    let config = app.reminders.clone().ok_or_else(reminders_off)?;
    let phone = domain::phone::normalize_mobile(&body.phone).ok_or_else(|| {
        AppError::bad(
            "invalid_phone",
            "not a Vietnamese mobile number",
            "Số điện thoại di động không đúng (ví dụ 0903 123 456).",
            "Not a Vietnamese mobile number (for example 0903 123 456).",
        )
    })?;
    let wanted = crate::http::ticket_ref(&id);
    let now = OffsetDateTime::now_utc();
    let (ticket, number, day, ahead) = app.office.read(|s| {
        let today = domain::clock::local_day(now, s.settings.offset());
        let t = s.find_ticket(&wanted, today).filter(|t| t.day == today).ok_or(domain::QueueError::UnknownTicket)?;
        if let (Some(device), crate::auth::Who::Device { device_id }) = (t.device, &caller.who) {
            if device != *device_id {
                return Err(domain::QueueError::UnknownTicket);
            }
        } else if caller.role.is_device() {
            return Err(domain::QueueError::UnknownTicket);
        }
        if t.status != TicketStatus::Waiting {
            return Err(domain::QueueError::WrongState { ticket: t.label.clone(), state: t.status.name() });
        }
        Ok((t.id, t.label.clone(), t.day, s.ahead_of(t)))
    })?;
    let shown = domain::phone::masked(&phone);
    let max = config.max_per_day;
    let at = now;
    app.office
        .run(caller.actor(), move |ctx| {
            storage::save(ctx.tx, ticket, day, &phone, at, max)
                .map_err(AppError::from_sqlite)?
                .then_some(())
                .ok_or_else(|| {
                    AppError::bad(
                        "reminders_full",
                        format!("{max} reminders today"),
                        "Hôm nay đã nhận đủ số lượt đăng ký nhắc tin nhắn.",
                        "No more reminders can be taken today.",
                    )
                })
        })
        .await?;
    app.reminder_wake.notify_one();
    let view = ReminderView { number, phone: shown, ahead: config.ahead, now_ahead: ahead };
    Ok((StatusCode::CREATED, Json(view)))
}

type HmacSha256 = Hmac<Sha256>;

/// `X-Motcua-Signature` of a delivery: `sha256=` and the hex HMAC of `timestamp.body`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What a reminder says, in both languages.
fn message_text(kind: &str, number: &str, office: &Localized, counter: Option<u16>, ahead: usize) -> Localized {
    match (kind, counter) {
        ("called", Some(c)) => Localized::new(
            format!("{}: số {number} đã được gọi, mời đến quầy {c}.", office.vi),
            format!("{}: number {number} is called, please come to counter {c}.", office.en),
        ),
        _ => Localized::new(
            format!("{}: số {number} sắp đến lượt (còn {ahead} người). Xin quay lại khu chờ.", office.vi),
            format!(
                "{}: number {number} is almost up ({ahead} ahead). Please come back to the waiting area.",
                office.en
            ),
        ),
    }
}

/// Starts the watcher and the sender; they end with the process.
pub fn start(app: Arc<AppState>, config: ReminderConfig) -> anyhow::Result<()> {
    let client = client(&config)?;
    tokio::spawn(watch(app.clone(), config.clone()));
    tokio::spawn(send(app, config, client));
    Ok(())
}

fn client(config: &ReminderConfig) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(config.timeout_s))
        .connect_timeout(Duration::from_secs(config.timeout_s))
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(2);
    if config.webhook_url.starts_with("https://") {
        let path = config.ca_file.clone().unwrap_or_else(|| "/etc/ssl/certs/ca-certificates.crt".into());
        let pem = std::fs::read(&path).map_err(|e| anyhow::anyhow!("[reminders] ca_file {}: {e}", path.display()))?;
        for cert in reqwest::Certificate::from_pem_bundle(&pem)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    Ok(builder.build()?)
}

/// Each time events are published (and every few seconds), writes the reminders now due to the outbox.
async fn watch(app: Arc<AppState>, config: ReminderConfig) {
    let mut published = app.office.published();
    loop {
        if let Err(e) = queue_due(&app.office, &config).await {
            tracing::warn!("reminders: {e}");
        } else {
            app.reminder_wake.notify_one();
        }
        tokio::select! {
            changed = published.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
        // Events come in bursts in a busy morning: look once per burst.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A message the projection says is due now.
struct Due {
    ticket: TicketId,
    kind: &'static str,
    body: String,
}

async fn queue_due(office: &Office, config: &ReminderConfig) -> Result<(), AppError> {
    let pending = office.query(|conn| storage::pending(conn).map_err(AppError::from_sqlite)).await?;
    if pending.is_empty() {
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let due: Vec<Due> = office.read(|s| pending.iter().filter_map(|p| due_message(s, p, config, now)).collect());
    if due.is_empty() {
        return Ok(());
    }
    office
        .run(domain::event::Actor::System, move |ctx| {
            for d in &due {
                storage::enqueue(ctx.tx, d, ctx.now).map_err(AppError::from_sqlite)?;
            }
            Ok(())
        })
        .await
}

fn due_message(s: &OfficeState, p: &storage::Pending, config: &ReminderConfig, now: OffsetDateTime) -> Option<Due> {
    let t = s.ticket(p.ticket)?;
    let (kind, counter, ahead) = match &t.status {
        TicketStatus::Called { counter, .. } if !p.called_sent => ("called", Some(*counter), 0),
        TicketStatus::Waiting if !p.near_sent && !p.called_sent => {
            let ahead = s.ahead_of(t);
            if ahead > config.ahead as usize {
                return None;
            }
            ("near", None, ahead)
        }
        _ => return None,
    };
    let text = message_text(kind, &t.label, &s.settings.name, counter, ahead);
    let body = serde_json::json!({
        "kind": kind,
        "phone": p.phone,
        "number": t.label,
        "counter": counter,
        "ahead": ahead,
        "office": s.settings.name,
        "agency_code": s.settings.agency_code,
        "text": text,
        "at": now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    });
    Some(Due { ticket: t.id, kind, body: body.to_string() })
}

/// Posts due outbox rows, oldest first, a few at a time.
async fn send(app: Arc<AppState>, config: ReminderConfig, client: reqwest::Client) {
    loop {
        let now = OffsetDateTime::now_utc();
        let rows = app.office.query(move |conn| storage::due(conn, now, 16).map_err(AppError::from_sqlite)).await;
        let rows = rows.unwrap_or_else(|e| {
            tracing::warn!("reminders: {e}");
            Vec::new()
        });
        let idle = rows.is_empty();
        for row in rows {
            let outcome = deliver(&client, &config, &row).await;
            let attempts = row.attempts + 1;
            let give_up = attempts >= config.max_attempts;
            if let Err(why) = &outcome {
                tracing::info!(
                    "reminder {} for ticket {} not delivered (attempt {attempts}): {why}",
                    row.kind,
                    row.ticket
                );
            }
            let result = app
                .office
                .run(domain::event::Actor::System, move |ctx| {
                    match &outcome {
                        Ok(()) => storage::delivered(ctx.tx, row.id, ctx.now),
                        Err(why) => storage::retry(ctx.tx, row.id, attempts, ctx.now + backoff(attempts), why, give_up),
                    }
                    .map_err(AppError::from_sqlite)
                })
                .await;
            if let Err(e) = result {
                tracing::warn!("reminders: {e}");
            }
        }
        if idle {
            tokio::select! {
                _ = app.reminder_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }
}

/// 2 s, 4 s, 8 s … at most 5 min, with up to a quarter more at random (gateways recovering from an
/// outage are not hit by every office at the same second).
fn backoff(attempts: u32) -> time::Duration {
    let base = 2u64.saturating_pow(attempts.min(16)).min(300);
    let jitter = rand::random::<u64>() % (base * 250 + 1);
    time::Duration::milliseconds((base * 1000 + jitter) as i64)
}

async fn deliver(client: &reqwest::Client, config: &ReminderConfig, row: &storage::Outgoing) -> Result<(), String> {
    let timestamp = OffsetDateTime::now_utc().unix_timestamp();
    let response = client
        .post(&config.webhook_url)
        .header("content-type", "application/json")
        .header("x-motcua-timestamp", timestamp.to_string())
        .header("x-motcua-signature", signature(&config.secret, timestamp, &row.body))
        .header("idempotency-key", format!("reminder-{}-{}", row.ticket, row.kind))
        .body(row.body.clone())
        .send()
        .await
        .map_err(|e| format!("{e}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", response.status().as_u16()))
    }
}

/// Reminders kept, messages delivered, waiting to be delivered, and given up (for `/metrics`).
pub async fn counts(office: &Office) -> Result<(i64, i64, i64, i64), AppError> {
    office.query(|conn| storage::counts(conn).map_err(AppError::from_sqlite)).await
}

/// Forgets every reminder and message of days before `today` (run at day close).
pub async fn purge_before(office: &Office, today: Date) -> Result<usize, AppError> {
    office
        .run(domain::event::Actor::System, move |ctx| {
            storage::purge_before(ctx.tx, today).map_err(AppError::from_sqlite)
        })
        .await
}

/// The SQL of the two tables (schema v3).
mod storage {
    use super::*;

    pub(super) struct Pending {
        pub ticket: TicketId,
        pub phone: String,
        pub near_sent: bool,
        pub called_sent: bool,
    }

    pub(super) struct Outgoing {
        pub id: i64,
        pub ticket: String,
        pub kind: String,
        pub body: String,
        pub attempts: u32,
    }

    /// When a message is next due, as Unix milliseconds: compared as numbers (RFC 3339 texts with
    /// varying fractional digits do not sort by time).
    fn millis(at: OffsetDateTime) -> i64 {
        (at.unix_timestamp_nanos() / 1_000_000) as i64
    }

    fn rfc3339(at: OffsetDateTime) -> String {
        at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
    }

    /// Saves (or replaces) a ticket's reminder; false when the day's limit is reached.
    pub(super) fn save(
        conn: &Connection,
        ticket: TicketId,
        day: Date,
        phone: &str,
        at: OffsetDateTime,
        max_per_day: u32,
    ) -> rusqlite::Result<bool> {
        let day = day.to_string();
        let taken: i64 = conn.query_row("SELECT count(*) FROM reminders WHERE day = ?1", params![day], |r| r.get(0))?;
        let exists: Option<i64> = conn
            .query_row("SELECT 1 FROM reminders WHERE ticket = ?1", params![ticket.to_string()], |r| r.get(0))
            .optional()?;
        if exists.is_none() && taken >= i64::from(max_per_day) {
            return Ok(false);
        }
        conn.execute(
            "INSERT INTO reminders (ticket, day, phone, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(ticket) DO UPDATE SET phone = excluded.phone",
            params![ticket.to_string(), day, phone, rfc3339(at)],
        )?;
        Ok(true)
    }

    /// Reminders whose messages are not all written yet.
    pub(super) fn pending(conn: &Connection) -> rusqlite::Result<Vec<Pending>> {
        let mut stmt = conn.prepare_cached(
            "SELECT r.ticket, r.phone,
                    EXISTS(SELECT 1 FROM reminder_outbox o WHERE o.ticket = r.ticket AND o.kind = 'near'),
                    EXISTS(SELECT 1 FROM reminder_outbox o WHERE o.ticket = r.ticket AND o.kind = 'called')
             FROM reminders r
             WHERE NOT EXISTS(SELECT 1 FROM reminder_outbox o WHERE o.ticket = r.ticket AND o.kind = 'called')",
        )?;
        let rows = stmt.query_map([], |r| {
            let ticket: String = r.get(0)?;
            Ok((ticket, r.get::<_, String>(1)?, r.get::<_, bool>(2)?, r.get::<_, bool>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (ticket, phone, near_sent, called_sent) = row?;
            if let Ok(ticket) = ticket.parse() {
                out.push(Pending { ticket, phone, near_sent, called_sent });
            }
        }
        Ok(out)
    }

    pub(super) fn enqueue(conn: &Connection, due: &Due, now: OffsetDateTime) -> rusqlite::Result<()> {
        let day: Option<String> = conn
            .query_row("SELECT day FROM reminders WHERE ticket = ?1", params![due.ticket.to_string()], |r| r.get(0))
            .optional()?;
        let Some(day) = day else { return Ok(()) };
        conn.execute(
            "INSERT OR IGNORE INTO reminder_outbox (ticket, day, kind, body, next_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![due.ticket.to_string(), day, due.kind, due.body, millis(now)],
        )?;
        Ok(())
    }

    pub(super) fn due(conn: &Connection, now: OffsetDateTime, limit: usize) -> rusqlite::Result<Vec<Outgoing>> {
        let mut stmt = conn.prepare_cached(
            "SELECT id, ticket, kind, body, attempts FROM reminder_outbox
             WHERE delivered_at IS NULL AND gave_up = 0 AND next_at <= ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![millis(now), limit as i64], |r| {
            Ok(Outgoing { id: r.get(0)?, ticket: r.get(1)?, kind: r.get(2)?, body: r.get(3)?, attempts: r.get(4)? })
        })?;
        rows.collect()
    }

    pub(super) fn delivered(conn: &Connection, id: i64, at: OffsetDateTime) -> rusqlite::Result<()> {
        conn.execute(
            "UPDATE reminder_outbox SET delivered_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
            params![id, rfc3339(at)],
        )?;
        Ok(())
    }

    pub(super) fn retry(
        conn: &Connection,
        id: i64,
        attempts: u32,
        next: OffsetDateTime,
        why: &str,
        give_up: bool,
    ) -> rusqlite::Result<()> {
        let why: String = why.chars().take(300).collect();
        conn.execute(
            "UPDATE reminder_outbox SET attempts = ?2, next_at = ?3, last_error = ?4, gave_up = ?5 WHERE id = ?1",
            params![id, attempts, millis(next), why, give_up],
        )?;
        Ok(())
    }

    pub(super) fn purge_before(conn: &Connection, today: Date) -> rusqlite::Result<usize> {
        let today = today.to_string();
        let messages = conn.execute("DELETE FROM reminder_outbox WHERE day < ?1", params![today])?;
        let reminders = conn.execute("DELETE FROM reminders WHERE day < ?1", params![today])?;
        Ok(messages + reminders)
    }

    /// Counts for `/metrics` and the admin page: reminders today, delivered, waiting, given up.
    pub(super) fn counts(conn: &Connection) -> rusqlite::Result<(i64, i64, i64, i64)> {
        conn.query_row(
            "SELECT (SELECT count(*) FROM reminders),
                    (SELECT count(*) FROM reminder_outbox WHERE delivered_at IS NOT NULL),
                    (SELECT count(*) FROM reminder_outbox WHERE delivered_at IS NULL AND gave_up = 0),
                    (SELECT count(*) FROM reminder_outbox WHERE gave_up = 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_and_body() {
        // Checked against Python: hmac.new(b"k"*16, b"1700000000.{}", hashlib.sha256).hexdigest()
        let sig = signature(&"k".repeat(16), 1_700_000_000, "{}");
        assert_eq!(sig, "sha256=6d58fb78491a4cd45b0a5944663cf2020c2185a67defd8caec14059846f09e3d");
    }

    #[test]
    fn backoff_doubles_to_five_minutes_with_jitter() {
        for (attempts, base) in [(1u32, 2i64), (2, 4), (5, 32), (9, 300), (40, 300)] {
            let d = backoff(attempts).whole_milliseconds() as i64;
            assert!(d >= base * 1000 && d <= base * 1250, "{attempts}: {d}");
        }
    }

    #[test]
    fn day_close_forgets_the_day_and_a_day_has_a_limit() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::store::REMINDER_TABLES).unwrap();
        let now = OffsetDateTime::now_utc();
        let (d1, d2) = (time::macros::date!(2026 - 12 - 03), time::macros::date!(2026 - 12 - 04));
        let (a, b, c) = (TicketId::from_u128(1), TicketId::from_u128(2), TicketId::from_u128(3));
        assert!(storage::save(&conn, a, d1, "+84903123456", now, 2).unwrap());
        assert!(storage::save(&conn, b, d2, "+84903123457", now, 1).unwrap());
        assert!(!storage::save(&conn, c, d2, "+84903123458", now, 1).unwrap(), "the day's limit");
        assert!(storage::save(&conn, b, d2, "+84903123459", now, 1).unwrap(), "a change of number is not a new one");
        storage::enqueue(&conn, &Due { ticket: a, kind: "near", body: "{}".into() }, now).unwrap();
        storage::enqueue(&conn, &Due { ticket: a, kind: "near", body: "{}".into() }, now).unwrap();
        assert_eq!(storage::due(&conn, now, 10).unwrap().len(), 1, "one message per ticket and kind");
        assert_eq!(storage::purge_before(&conn, d2).unwrap(), 2);
        let left: Vec<String> = conn
            .prepare("SELECT phone FROM reminders")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(left, vec!["+84903123459".to_string()]);
        assert!(storage::due(&conn, now, 10).unwrap().is_empty());
    }
}
