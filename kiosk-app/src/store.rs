//! The device's local SQLite store: number leases, tickets issued offline, queued ratings and the dossier
//! lookup cache. One file in the data directory, WAL, `synchronous = FULL`: a ticket a citizen holds is
//! on disk before it is printed.

use std::path::Path;

use domain::api::{DossierView, LeaseView, LeasedTicketUpload, RatingRequest};
use domain::event::LeaseId;
use domain::office::{NumberFormat, Priority};
use rusqlite::{params, Connection, OptionalExtension};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("local store holds a bad value: {0}")]
    Corrupt(String),
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    letter TEXT NOT NULL,
    day TEXT NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    next INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    follow_urls TEXT
);
CREATE TABLE IF NOT EXISTS offline_tickets (
    key TEXT PRIMARY KEY,
    lease TEXT NOT NULL REFERENCES leases(id),
    service TEXT NOT NULL,
    number INTEGER NOT NULL,
    label TEXT NOT NULL,
    priority TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    ticket_id TEXT,
    failed TEXT,
    procedure TEXT,
    UNIQUE (lease, number)
);
CREATE TABLE IF NOT EXISTS ratings (
    key TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    failed TEXT
);
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dossier_cache (
    code TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    as_of TEXT NOT NULL
);
"#;

/// A ticket issued from a lease while the server could not be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineTicket {
    /// Idempotency key of the upload (a UUID made at issue time).
    pub key: String,
    pub lease: LeaseId,
    pub service: String,
    pub number: u32,
    /// Printed label, e.g. `B007`.
    pub label: String,
    pub priority: Priority,
    pub issued_at: OffsetDateTime,
    /// Set once the server has it.
    pub ticket_id: Option<Uuid>,
    /// The catalogue procedure the citizen chose (its code).
    pub procedure: Option<String>,
}

impl OfflineTicket {
    pub fn upload(&self) -> LeasedTicketUpload {
        LeasedTicketUpload {
            number: self.number,
            priority: self.priority,
            issued_at: self.issued_at,
            procedure: self.procedure.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueuedRating {
    pub key: String,
    pub request: RatingRequest,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CachedDossier {
    pub view: DossierView,
    pub as_of: OffsetDateTime,
}

/// Counts for the offline indicator and the technician screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pending {
    pub tickets: usize,
    pub ratings: usize,
    pub failed: usize,
}

/// key, lease, service, number, label, priority, issued_at, ticket_id, procedure
type TicketRow = (String, String, String, u32, String, String, String, Option<String>, Option<String>);

pub struct Store {
    conn: Connection,
}

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("RFC 3339 formats any date")
}

fn parse_ts(s: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| StoreError::Corrupt(format!("time {s:?}: {e}")))
}

fn parse_uuid(s: &str) -> Result<Uuid> {
    s.parse().map_err(|e| StoreError::Corrupt(format!("id {s:?}: {e}")))
}

fn priority_str(p: Priority) -> String {
    serde_json::to_value(p).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "none".into())
}

fn parse_priority(s: &str) -> Result<Priority> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| StoreError::Corrupt(format!("priority {s:?}: {e}")))
}

impl Store {
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store> {
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        // Version 2: an offline ticket keeps the procedure chosen (stores of version 1 gain the column).
        let has_procedure =
            conn.prepare("SELECT 1 FROM pragma_table_info('offline_tickets') WHERE name = 'procedure'")?.exists([])?;
        if !has_procedure {
            conn.execute_batch("ALTER TABLE offline_tickets ADD COLUMN procedure TEXT")?;
        }
        // Version 3: a lease keeps the follow page of each of its numbers (a JSON array).
        let has_follow =
            conn.prepare("SELECT 1 FROM pragma_table_info('leases') WHERE name = 'follow_urls'")?.exists([])?;
        if !has_follow {
            conn.execute_batch("ALTER TABLE leases ADD COLUMN follow_urls TEXT")?;
        }
        conn.pragma_update(None, "user_version", 3)?;
        Ok(Store { conn })
    }

    // ---- leases ------------------------------------------------------------------------------

    /// Keeps a lease granted by the server (a second save of the same lease changes nothing).
    pub fn add_lease(&self, lease: &LeaseView) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO leases (id, service, letter, day, first, last, next, expires_at, follow_urls)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?7, ?8)",
            params![
                lease.id.to_string(),
                lease.service.to_string(),
                lease.letter.to_string(),
                lease.day.to_string(),
                lease.first,
                lease.last,
                ts(lease.expires_at),
                (!lease.follow_urls.is_empty()).then(|| serde_json::to_string(&lease.follow_urls).unwrap_or_default()),
            ],
        )?;
        Ok(())
    }

    /// The follow page (`/t/{token}`) of a number of a lease, when the server gave the lease's pages.
    pub fn follow_url(&self, lease: LeaseId, number: u32) -> Result<Option<String>> {
        let row: Option<(u32, Option<String>)> = self
            .conn
            .query_row("SELECT first, follow_urls FROM leases WHERE id = ?1", [lease.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((first, Some(urls))) = row else { return Ok(None) };
        let urls: Vec<String> =
            serde_json::from_str(&urls).map_err(|e| StoreError::Corrupt(format!("lease follow_urls: {e}")))?;
        Ok(number.checked_sub(first).and_then(|i| urls.get(i as usize)).cloned())
    }

    /// Numbers still unused in the service's live leases.
    pub fn numbers_left(&self, service: &str, now: OffsetDateTime) -> Result<u32> {
        let leases: Vec<(u32, u32, String)> = self
            .conn
            .prepare("SELECT next, last, expires_at FROM leases WHERE service = ?1")?
            .query_map([service], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut left = 0;
        for (next, last, expires) in leases {
            if parse_ts(&expires)? > now && next <= last {
                left += last - next + 1;
            }
        }
        Ok(left)
    }

    /// Takes the next number from the oldest live lease of the service and records the ticket, in one
    /// transaction: a number is handed out at most once, even across a crash.
    pub fn issue_from_lease(
        &mut self,
        service: &str,
        priority: Priority,
        procedure: Option<&str>,
        now: OffsetDateTime,
        format: &NumberFormat,
    ) -> Result<Option<OfflineTicket>> {
        let tx = self.conn.transaction()?;
        let candidates: Vec<(String, String, u32, u32, String)> = tx
            .prepare("SELECT id, letter, next, last, expires_at FROM leases WHERE service = ?1 AND next <= last ORDER BY first")?
            .query_map([service], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut chosen = None;
        for (id, letter, next, _last, expires) in candidates {
            if parse_ts(&expires)? > now {
                chosen = Some((id, letter, next));
                break;
            }
        }
        let Some((id, letter, number)) = chosen else {
            return Ok(None);
        };
        let letter = letter.chars().next().ok_or_else(|| StoreError::Corrupt("empty lease letter".into()))?;
        tx.execute("UPDATE leases SET next = next + 1 WHERE id = ?1", [&id])?;
        let ticket = OfflineTicket {
            key: Uuid::new_v4().to_string(),
            lease: parse_uuid(&id)?,
            service: service.to_owned(),
            number,
            label: format.format(letter, number),
            priority,
            issued_at: now,
            ticket_id: None,
            procedure: procedure.map(str::to_owned),
        };
        tx.execute(
            "INSERT INTO offline_tickets (key, lease, service, number, label, priority, issued_at, procedure)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![ticket.key, id, ticket.service, number, ticket.label, priority_str(priority), ts(now), procedure],
        )?;
        tx.commit()?;
        Ok(Some(ticket))
    }

    /// Offline tickets not yet uploaded, in issue-time order.
    pub fn tickets_to_upload(&self) -> Result<Vec<OfflineTicket>> {
        self.offline_tickets("WHERE ticket_id IS NULL AND failed IS NULL")
    }

    pub fn all_offline_tickets(&self) -> Result<Vec<OfflineTicket>> {
        self.offline_tickets("")
    }

    fn offline_tickets(&self, filter: &str) -> Result<Vec<OfflineTicket>> {
        let sql = format!(
            "SELECT key, lease, service, number, label, priority, issued_at, ticket_id, procedure FROM offline_tickets {filter}
             ORDER BY issued_at, lease, number"
        );
        let rows: Vec<TicketRow> = self
            .conn
            .prepare(&sql)?
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(key, lease, service, number, label, priority, issued_at, ticket_id, procedure)| {
                Ok(OfflineTicket {
                    key,
                    lease: parse_uuid(&lease)?,
                    service,
                    number,
                    label,
                    priority: parse_priority(&priority)?,
                    issued_at: parse_ts(&issued_at)?,
                    ticket_id: ticket_id.as_deref().map(parse_uuid).transpose()?,
                    procedure,
                })
            })
            .collect()
    }

    pub fn mark_uploaded(&self, key: &str, ticket_id: Uuid) -> Result<()> {
        self.conn
            .execute("UPDATE offline_tickets SET ticket_id = ?2 WHERE key = ?1", params![key, ticket_id.to_string()])?;
        Ok(())
    }

    /// The server refused the ticket for good (e.g. its lease was revoked): keep it for staff, stop retrying.
    pub fn mark_ticket_failed(&self, key: &str, reason: &str) -> Result<()> {
        self.conn.execute("UPDATE offline_tickets SET failed = ?2 WHERE key = ?1", params![key, reason])?;
        Ok(())
    }

    // ---- ratings -----------------------------------------------------------------------------

    pub fn queue_rating(&self, request: &RatingRequest, now: OffsetDateTime) -> Result<String> {
        let key = Uuid::new_v4().to_string();
        let body = serde_json::to_string(request).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn
            .execute("INSERT INTO ratings (key, body, created_at) VALUES (?1, ?2, ?3)", params![key, body, ts(now)])?;
        Ok(key)
    }

    pub fn ratings_to_upload(&self) -> Result<Vec<QueuedRating>> {
        let rows: Vec<(String, String)> = self
            .conn
            .prepare("SELECT key, body FROM ratings WHERE done = 0 AND failed IS NULL ORDER BY created_at, rowid")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(key, body)| {
                let request = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(QueuedRating { key, request })
            })
            .collect()
    }

    pub fn mark_rating_done(&self, key: &str) -> Result<()> {
        self.conn.execute("UPDATE ratings SET done = 1 WHERE key = ?1", [key])?;
        Ok(())
    }

    pub fn mark_rating_failed(&self, key: &str, reason: &str) -> Result<()> {
        self.conn.execute("UPDATE ratings SET failed = ?2 WHERE key = ?1", params![key, reason])?;
        Ok(())
    }

    pub fn pending(&self) -> Result<Pending> {
        let count = |sql: &str| -> Result<usize> { Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as usize) };
        Ok(Pending {
            tickets: count("SELECT count(*) FROM offline_tickets WHERE ticket_id IS NULL AND failed IS NULL")?,
            ratings: count("SELECT count(*) FROM ratings WHERE done = 0 AND failed IS NULL")?,
            failed: count(
                "SELECT (SELECT count(*) FROM offline_tickets WHERE failed IS NOT NULL)
                      + (SELECT count(*) FROM ratings WHERE failed IS NOT NULL)",
            )?,
        })
    }

    // ---- small values (last service list, …) ------------------------------------------------

    pub fn put(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    // ---- dossier cache -----------------------------------------------------------------------

    pub fn cache_dossier(&self, view: &DossierView, as_of: OffsetDateTime) -> Result<()> {
        let body = serde_json::to_string(view).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO dossier_cache (code, body, as_of) VALUES (?1, ?2, ?3)
             ON CONFLICT (code) DO UPDATE SET body = excluded.body, as_of = excluded.as_of",
            params![view.code.as_str(), body, ts(as_of)],
        )?;
        Ok(())
    }

    pub fn cached_dossier(&self, code: &str) -> Result<Option<CachedDossier>> {
        let row: Option<(String, String)> = self
            .conn
            .query_row("SELECT body, as_of FROM dossier_cache WHERE code = ?1", [code], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(body, as_of)| {
            Ok(CachedDossier {
                view: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                as_of: parse_ts(&as_of)?,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::office::ServiceCode;
    use time::macros::{date, datetime};

    fn lease(first: u32, last: u32, expires: OffsetDateTime) -> LeaseView {
        LeaseView {
            id: Uuid::new_v4(),
            service: ServiceCode::new("ho-tich").unwrap(),
            letter: 'A',
            day: date!(2026 - 03 - 10),
            first,
            last,
            expires_at: expires,
            follow_urls: vec![],
        }
    }

    #[test]
    fn a_lease_keeps_the_follow_page_of_each_number() {
        let store = Store::open_in_memory().unwrap();
        let mut with_pages = lease(900, 902, datetime!(2026-03-10 10:00 UTC));
        with_pages.follow_urls = (900..=902).map(|n| format!("/t/page-{n}")).collect();
        store.add_lease(&with_pages).unwrap();
        assert_eq!(store.follow_url(with_pages.id, 901).unwrap().as_deref(), Some("/t/page-901"));
        assert_eq!(store.follow_url(with_pages.id, 903).unwrap(), None, "past the lease");
        assert_eq!(store.follow_url(with_pages.id, 899).unwrap(), None, "before the lease");
        let older_server = lease(910, 912, datetime!(2026-03-10 10:00 UTC));
        store.add_lease(&older_server).unwrap();
        assert_eq!(store.follow_url(older_server.id, 910).unwrap(), None, "a server without follow pages");
        assert_eq!(store.follow_url(Uuid::new_v4(), 1).unwrap(), None);
    }

    #[test]
    fn numbers_come_from_leases_once_each_in_order() {
        let mut s = Store::open_in_memory().unwrap();
        let now = datetime!(2026-03-10 9:00 UTC);
        let later = datetime!(2026-03-10 13:00 UTC);
        let a = lease(21, 23, later);
        s.add_lease(&a).unwrap();
        s.add_lease(&a).unwrap();
        s.add_lease(&lease(40, 41, later)).unwrap();
        assert_eq!(s.numbers_left("ho-tich", now).unwrap(), 5);
        let f = NumberFormat::default();
        let labels: Vec<String> = (0..5)
            .map(|_| s.issue_from_lease("ho-tich", Priority::Elderly, None, now, &f).unwrap().unwrap().label)
            .collect();
        assert_eq!(labels, ["A021", "A022", "A023", "A040", "A041"]);
        assert!(s.issue_from_lease("ho-tich", Priority::None, None, now, &f).unwrap().is_none());
        let pending = s.tickets_to_upload().unwrap();
        assert_eq!(pending.len(), 5);
        assert_eq!(pending[0].priority, Priority::Elderly);
        s.mark_uploaded(&pending[0].key, Uuid::new_v4()).unwrap();
        assert_eq!(s.pending().unwrap().tickets, 4);
    }

    #[test]
    fn expired_leases_are_not_used() {
        let mut s = Store::open_in_memory().unwrap();
        s.add_lease(&lease(1, 10, datetime!(2026-03-10 8:00 UTC))).unwrap();
        let now = datetime!(2026-03-10 9:00 UTC);
        assert_eq!(s.numbers_left("ho-tich", now).unwrap(), 0);
        assert!(s.issue_from_lease("ho-tich", Priority::None, None, now, &NumberFormat::default()).unwrap().is_none());
    }

    #[test]
    fn the_store_survives_reopening() {
        let dir = std::env::temp_dir().join(format!("kiosk-store-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kiosk.sqlite");
        let now = datetime!(2026-03-10 9:00 UTC);
        {
            let mut s = Store::open(&path).unwrap();
            s.add_lease(&lease(1, 2, datetime!(2026-03-10 13:00 UTC))).unwrap();
            s.issue_from_lease("ho-tich", Priority::None, None, now, &NumberFormat::default()).unwrap().unwrap();
        }
        let mut s = Store::open(&path).unwrap();
        let t = s.issue_from_lease("ho-tich", Priority::None, None, now, &NumberFormat::default()).unwrap().unwrap();
        assert_eq!(t.number, 2);
        assert_eq!(s.tickets_to_upload().unwrap().len(), 2);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
