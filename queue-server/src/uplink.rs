//! Sending the office's own log to the city's central server (`sync`'s protocol).
//!
//! - `queue-server sync enrol` draws the office's ed25519 key (32 bytes in `sync-key`, 0600), sends
//!   its public half with the central's one-time code, and keeps the central's address and the
//!   office's id there in `sync.json` (0600) — whether or not the server is running.
//! - In `serve`, [`run`] sends what the central does not hold yet, from the acknowledged cursor in
//!   `sync.json`: at most [`BATCH_EVENTS`] events or [`BATCH_BYTES`] a batch, signed; a gap moves the
//!   cursor back to what the central asks for; a network failure is retried with backoff and jitter
//!   (1 s doubling to 5 min); a refusal that needs a person (a fork, a revoked key, a bad signature)
//!   is kept as the last error and retried only every 10 minutes. It reads through the office's
//!   reader connection on the blocking pool and never holds the writer.
//! - `queue-server sync status` prints local last seq, acknowledged seq, backlog and the last error.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sync::batch::{public_key_hex, signing_key};
use sync::Batch;
use uuid::Uuid;

use crate::office::Office;
use crate::store;

pub const KEY_FILE: &str = "sync-key";
pub const STATE_FILE: &str = "sync.json";
/// Events a batch holds at most, and text bytes (past its first event).
pub const BATCH_EVENTS: usize = 500;
pub const BATCH_BYTES: usize = 2 << 20;

/// `[sync]` in the office TOML.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncConfig {
    /// Behind the central for longer than this (minutes), the admin page raises an alarm.
    pub alarm_after_min: u32,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig { alarm_after_min: 60 }
    }
}

impl SyncConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=10_080).contains(&self.alarm_after_min) {
            return Err(format!("[sync] alarm_after_min must be 1–10080 (is {})", self.alarm_after_min));
        }
        Ok(())
    }
}

/// What `sync.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uplink {
    /// The central server's base URL, e.g. `https://motcua.hochiminhcity.gov.vn`.
    pub central: String,
    pub office_id: Uuid,
    /// The highest seq the central has acknowledged holding.
    pub acked_seq: u64,
    pub last_error: Option<String>,
    /// When the central last acknowledged a batch (RFC 3339).
    pub last_ack_at: Option<String>,
    /// When the office enrolled (RFC 3339): "behind" is measured from here until the first ack.
    #[serde(default)]
    pub enrolled_at: Option<String>,
}

/// `queue-server sync status --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub central: String,
    pub office_id: Uuid,
    pub last_seq: u64,
    pub acked_seq: u64,
    pub backlog: u64,
    pub last_error: Option<String>,
    pub last_ack_at: Option<String>,
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

pub fn load(dir: &Path) -> Option<Uplink> {
    serde_json::from_slice(&std::fs::read(dir.join(STATE_FILE)).ok()?).ok()
}

fn save(dir: &Path, state: &Uplink) -> std::io::Result<()> {
    write_private(&dir.join(STATE_FILE), &serde_json::to_vec_pretty(state).unwrap_or_default())
}

fn key(dir: &Path) -> anyhow::Result<sync::batch::SigningKey> {
    let bytes =
        std::fs::read(dir.join(KEY_FILE)).context("this office has no sync key: run `queue-server sync enrol`")?;
    let secret: [u8; 32] = bytes.try_into().map_err(|_| anyhow::anyhow!("{KEY_FILE} is not a 32-byte key"))?;
    Ok(signing_key(&secret))
}

fn now_text() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Enrols the office with the central (one-time `code`). The key is drawn here and never leaves the
/// data directory; enrolling again draws a new one.
pub async fn enrol(dir: &Path, central: &str, code: &str) -> anyhow::Result<Uplink> {
    anyhow::ensure!(dir.join(store::DB_FILE).exists(), "{} holds no office (start it once first)", dir.display());
    let central = central.trim().trim_end_matches('/').to_string();
    anyhow::ensure!(
        central.starts_with("http://") || central.starts_with("https://"),
        "--central must be an http:// or https:// URL"
    );
    let secret: [u8; 32] = rand::random();
    let key = signing_key(&secret);
    let response = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?
        .post(format!("{central}/api/v1/enrol"))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "code": code.trim(), "public_key": public_key_hex(&key) }).to_string())
        .send()
        .await
        .with_context(|| format!("cannot reach the central server at {central}"))?;
    let status = response.status();
    let body: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.unwrap_or_default()).unwrap_or_default();
    if !status.is_success() {
        anyhow::bail!(
            "the central server refused the enrolment ({status}): {}",
            body["message"]["en"].as_str().unwrap_or("no reason given")
        );
    }
    let office_id: Uuid =
        body["office_id"].as_str().and_then(|s| s.parse().ok()).context("the central gave no office id")?;
    write_private(&dir.join(KEY_FILE), &secret)?;
    let state =
        Uplink { central, office_id, acked_seq: 0, last_error: None, last_ack_at: None, enrolled_at: Some(now_text()) };
    save(dir, &state)?;
    Ok(state)
}

/// Local and acknowledged positions, read without the server.
pub fn status(dir: &Path) -> anyhow::Result<Status> {
    let state = load(dir).context("this office is not enrolled with a central server (`queue-server sync enrol`)")?;
    let conn = store::open_reader(dir)?;
    let last_seq = store::Appender::load(&conn)?.last_seq;
    Ok(Status {
        central: state.central,
        office_id: state.office_id,
        last_seq,
        acked_seq: state.acked_seq,
        backlog: last_seq.saturating_sub(state.acked_seq),
        last_error: state.last_error,
        last_ack_at: state.last_ack_at,
    })
}

/// The admin page's view: from `sync.json` and the projection's last seq. Behind means a backlog
/// and no acknowledgement (or enrolment) for `alarm_after` — or a refusal, which needs a person anyway.
pub fn view(
    dir: &Path,
    last_seq: u64,
    alarm_after: time::Duration,
    now: time::OffsetDateTime,
) -> domain::api::SyncView {
    let parse = |t: &Option<String>| {
        t.as_deref().and_then(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
    };
    match load(dir) {
        None => domain::api::SyncView {
            enrolled: false,
            central: None,
            last_seq,
            acked_seq: 0,
            backlog: 0,
            last_ack_at: None,
            last_error: None,
            alarm: false,
        },
        Some(state) => {
            let backlog = last_seq.saturating_sub(state.acked_seq);
            let since = parse(&state.last_ack_at).or_else(|| parse(&state.enrolled_at));
            let late = since.is_none_or(|at| now - at > alarm_after);
            let refused = state.last_error.as_deref().is_some_and(|e| e.starts_with("refused"));
            domain::api::SyncView {
                enrolled: true,
                central: Some(state.central),
                last_seq,
                acked_seq: state.acked_seq,
                backlog,
                last_ack_at: parse(&state.last_ack_at),
                last_error: state.last_error,
                alarm: refused || (backlog > 0 && late),
            }
        }
    }
}

/// `GET /api/v1/sync`.
pub(crate) async fn handler(
    axum::extract::State(app): axum::extract::State<std::sync::Arc<crate::http::AppState>>,
    _caller: crate::auth::Caller,
) -> axum::Json<domain::api::SyncView> {
    let last_seq = app.office.read(|s| s.last_seq);
    let alarm_after = time::Duration::minutes(i64::from(app.sync.alarm_after_min));
    axum::Json(view(app.office.dir(), last_seq, alarm_after, time::OffsetDateTime::now_utc()))
}

enum Sent {
    Acked(u64),
    Need(u64),
    /// Refused in a way a person must look at.
    Refused(String),
    /// Not delivered (network, central unavailable): try again.
    Failed(String),
}

async fn send(client: &reqwest::Client, state: &Uplink, body: Vec<u8>, compressed: bool) -> Sent {
    let mut request = client.post(format!("{}/api/v1/offices/{}/batches", state.central, state.office_id)).body(body);
    if compressed {
        request = request.header("content-encoding", "zstd");
    }
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return Sent::Failed(format!("central unreachable: {e}")),
    };
    let status = response.status();
    let need = response.headers().get("x-motcua-need-seq").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let body: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.unwrap_or_default()).unwrap_or_default();
    let reason = || body["message"]["en"].as_str().unwrap_or("no reason given").to_string();
    match status.as_u16() {
        200 => body["acked_seq"]
            .as_u64()
            .map(Sent::Acked)
            .unwrap_or_else(|| Sent::Failed("an answer without acked_seq".into())),
        409 if body["code"] == "gap" => need.map(Sent::Need).unwrap_or_else(|| Sent::Failed(reason())),
        401 | 403 | 404 | 409 | 422 => Sent::Refused(format!("refused ({status}): {}", reason())),
        _ => Sent::Failed(format!("central answered {status}: {}", reason())),
    }
}

/// The uploader: runs for the life of the server; idle until the office is enrolled.
pub async fn run(office: Office, dir: PathBuf) {
    let client = match reqwest::Client::builder().timeout(Duration::from_secs(60)).build() {
        Ok(c) => c,
        Err(e) => return tracing::error!("sync: no HTTP client: {e}"),
    };
    let mut published = office.published();
    let mut pause = Duration::from_secs(1);
    loop {
        let Some(mut state) = load(&dir) else {
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        };
        let key = match key(&dir) {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!("sync: {e:#}");
                tokio::time::sleep(Duration::from_secs(10)).await;
                continue;
            }
        };
        let acked = state.acked_seq;
        let read = office
            .query(move |conn| {
                let prev = store::hash_at(conn, acked)?;
                Ok((prev, store::event_records_after(conn, acked, BATCH_EVENTS, BATCH_BYTES)?))
            })
            .await;
        let (prev, events) = match read {
            Ok((Some(prev), events)) => (prev, events),
            Ok((None, _)) => {
                // The central acknowledged more than this log holds (an old backup restored here):
                // start again from the beginning; the central will say where the logs part.
                state.acked_seq = 0;
                let _ = save(&dir, &state);
                continue;
            }
            Err(e) => {
                tracing::warn!("sync: reading the log: {e}");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        if events.is_empty() {
            // Up to date: wait for the next committed event (or look again in a while).
            let _ = tokio::time::timeout(Duration::from_secs(5), published.changed()).await;
            continue;
        }
        let batch = match Batch::new(state.office_id, &prev, events, &now_text()) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!("sync: the log cannot be sent as a batch: {e}");
                state.last_error = Some(e.to_string());
                let _ = save(&dir, &state);
                tokio::time::sleep(Duration::from_secs(600)).await;
                continue;
            }
        };
        let sent_to = batch.to_seq;
        let (body, compressed) = batch.sign(&key).to_body();
        match send(&client, &state, body, compressed).await {
            Sent::Acked(seq) => {
                // Never past what was sent: a central holding more than this log (an old backup
                // restored here) must see this office's next events, and refuse them as a fork.
                state.acked_seq = seq.min(sent_to);
                state.last_error = None;
                state.last_ack_at = Some(now_text());
                pause = Duration::from_secs(1);
            }
            Sent::Need(seq) => state.acked_seq = seq.saturating_sub(1),
            Sent::Refused(reason) => {
                tracing::error!("sync: {reason}");
                state.last_error = Some(reason);
                let _ = save(&dir, &state);
                tokio::time::sleep(Duration::from_secs(600)).await;
                continue;
            }
            Sent::Failed(reason) => {
                tracing::warn!("sync: {reason}; again in {pause:?}");
                state.last_error = Some(reason);
                let _ = save(&dir, &state);
                let jitter = Duration::from_millis(rand::random_range(0..=pause.as_millis() as u64 / 4));
                tokio::time::sleep(pause + jitter).await;
                pause = (pause * 2).min(Duration::from_secs(300));
                continue;
            }
        }
        if let Err(e) = save(&dir, &state) {
            tracing::error!("sync: cannot write {STATE_FILE}: {e}");
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(state: Option<&Uplink>) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("uplink-view-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(state) = state {
            save(&dir, state).unwrap();
        }
        dir
    }

    fn at(text: &str) -> time::OffsetDateTime {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
    }

    #[test]
    fn the_alarm_is_for_a_backlog_older_than_the_limit_or_a_refusal() {
        let now = at("2026-12-04T10:00:00Z");
        let hour = time::Duration::hours(1);
        assert!(!view(&dir_with(None), 40, hour, now).enrolled);
        let base = Uplink {
            central: "http://city".into(),
            office_id: Uuid::nil(),
            acked_seq: 30,
            last_error: None,
            last_ack_at: Some("2026-12-04T09:30:00Z".into()),
            enrolled_at: Some("2026-12-01T08:00:00Z".into()),
        };
        let v = view(&dir_with(Some(&base)), 40, hour, now);
        assert_eq!((v.backlog, v.alarm), (10, false), "behind for 30 min only");
        let old = Uplink { last_ack_at: Some("2026-12-04T08:30:00Z".into()), ..base.clone() };
        assert!(view(&dir_with(Some(&old)), 40, hour, now).alarm, "behind for 90 min");
        assert!(!view(&dir_with(Some(&old)), 30, hour, now).alarm, "nothing waiting");
        let never = Uplink { acked_seq: 0, last_ack_at: None, ..base.clone() };
        assert!(view(&dir_with(Some(&never)), 40, hour, now).alarm, "enrolled days ago, nothing acknowledged");
        let refused = Uplink { last_error: Some("refused (409 Conflict): fork".into()), ..base };
        assert!(view(&dir_with(Some(&refused)), 40, hour, now).alarm);
    }
}
