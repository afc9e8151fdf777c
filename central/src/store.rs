//! The central's database: offices and their events, SQLite by default.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use sync::{EventRecord, Held};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// One office as the central knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OfficeRow {
    pub id: Uuid,
    pub name: String,
    pub agency: String,
    /// Hex ed25519 public key; none until the office has enrolled.
    pub public_key: Option<String>,
    /// Highest contiguous seq held.
    pub last_seq: u64,
    /// Events held.
    pub events: u64,
    pub revoked: bool,
    /// A fork alarm: the seq where the office sent a different event than the one held.
    pub fork_at: Option<u64>,
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS offices (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        agency TEXT NOT NULL,
        code_hash TEXT UNIQUE,
        code_expires_at TEXT,
        public_key TEXT,
        revoked INTEGER NOT NULL DEFAULT 0,
        fork_at INTEGER,
        fork_detail TEXT
    );
    CREATE TABLE IF NOT EXISTS events (
        office TEXT NOT NULL REFERENCES offices(id),
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (office, seq)
    ) WITHOUT ROWID;
    CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
";

/// The embedded store: `central.sqlite3` in the data directory (WAL, synchronous FULL).
pub struct SqliteStore {
    conn: Connection,
}

pub const DB_FILE: &str = "central.sqlite3";

pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

impl SqliteStore {
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(dir.join(DB_FILE))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStore { conn })
    }

    /// Registers an office waiting for enrolment with the one-time code whose hash is given.
    pub fn add_office(&self, name: &str, agency: &str, code_hash: &str, expires_at: &str) -> Result<Uuid, StoreError> {
        let id = Uuid::new_v4();
        self.conn.execute(
            "INSERT INTO offices (id, name, agency, code_hash, code_expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.to_string(), name, agency, code_hash, expires_at],
        )?;
        Ok(id)
    }

    /// Takes a one-time code (by hash) not expired at `now`: the office gets `public_key` and the code
    /// is gone. None: no such code (used, expired or never made).
    pub fn enrol(&mut self, code_hash: &str, public_key: &str, now: &str) -> Result<Option<Uuid>, StoreError> {
        let tx = self.conn.transaction()?;
        let id: Option<String> = tx
            .query_row(
                "SELECT id FROM offices WHERE code_hash = ?1 AND code_expires_at > ?2 AND public_key IS NULL AND revoked = 0",
                params![code_hash, now],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        tx.execute(
            "UPDATE offices SET public_key = ?1, code_hash = NULL, code_expires_at = NULL WHERE id = ?2",
            params![public_key, id],
        )?;
        tx.commit()?;
        Ok(id.parse().ok())
    }

    /// Revokes an office's key: its batches are refused from now on (what it sent stays). False: no
    /// such office.
    pub fn revoke(&self, id: Uuid) -> Result<bool, StoreError> {
        Ok(self.conn.execute("UPDATE offices SET revoked = 1 WHERE id = ?1", [id.to_string()])? == 1)
    }

    pub fn office(&self, id: Uuid) -> Result<Option<OfficeRow>, StoreError> {
        Ok(self.list_where("WHERE o.id = ?1", params![id.to_string()])?.pop())
    }

    pub fn list(&self) -> Result<Vec<OfficeRow>, StoreError> {
        self.list_where("", params![])
    }

    fn list_where(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<OfficeRow>, StoreError> {
        let sql = format!(
            "SELECT o.id, o.name, o.agency, o.public_key, o.revoked, o.fork_at,
                    (SELECT count(*) FROM events e WHERE e.office = o.id),
                    (SELECT max(seq) FROM events e WHERE e.office = o.id)
             FROM offices o {filter} ORDER BY o.name"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok(OfficeRow {
                id: r.get::<_, String>(0)?.parse().unwrap_or_default(),
                name: r.get(1)?,
                agency: r.get(2)?,
                public_key: r.get(3)?,
                revoked: r.get::<_, i64>(4)? != 0,
                fork_at: r.get::<_, Option<i64>>(5)?.map(|s| s as u64),
                events: r.get::<_, i64>(6)? as u64,
                // Events are stored contiguously from 1 (ingest appends only after the last), so the
                // highest seq is the highest contiguous one.
                last_seq: r.get::<_, Option<i64>>(7)?.unwrap_or(0) as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Runs `f` in one IMMEDIATE transaction over this office's events.
    pub fn with_office<T>(
        &mut self,
        office: Uuid,
        f: impl FnOnce(&mut OfficeTx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let result = {
            let mut otx = OfficeTx { tx: &tx, office: office.to_string() };
            f(&mut otx)?
        };
        tx.commit()?;
        Ok(result)
    }
}

/// One office's events inside a transaction.
pub struct OfficeTx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    office: String,
}

impl OfficeTx<'_> {
    pub fn append(&mut self, events: &[EventRecord]) -> Result<(), StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO events (office, seq, id, at, actor, type, body, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for e in events {
            stmt.execute(params![self.office, e.seq as i64, e.id, e.at, e.actor, e.kind, e.body, e.hash])?;
        }
        Ok(())
    }

    /// Raises the office's fork alarm (the first one stays).
    pub fn raise_fork(&mut self, seq: u64, detail: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE offices SET fork_at = ?1, fork_detail = ?2 WHERE id = ?3 AND fork_at IS NULL",
            params![seq as i64, detail, self.office],
        )?;
        Ok(())
    }

    pub fn events(&self, from: u64, to: u64) -> Result<Vec<EventRecord>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT seq, id, at, actor, type, body, hash FROM events WHERE office = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![self.office, from as i64, to as i64], |r| EventRecord::from_row(r, 0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Held for OfficeTx<'_> {
    fn last_seq(&self) -> u64 {
        self.tx
            .query_row("SELECT max(seq) FROM events WHERE office = ?1", [&self.office], |r| r.get::<_, Option<i64>>(0))
            .ok()
            .flatten()
            .unwrap_or(0) as u64
    }

    fn hash_at(&self, seq: u64) -> Option<String> {
        self.tx
            .query_row(
                "SELECT hash FROM events WHERE office = ?1 AND seq = ?2",
                params![self.office, seq as i64],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten()
    }
}
