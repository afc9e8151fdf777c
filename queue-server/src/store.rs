//! The SQLite event store: schema and migrations, the append-only, hash-chained event log, auth
//! tables, the dossier copy, backups and restores.
//!
//! Durability: WAL with `synchronous = FULL`, so a commit that returned is on disk; the writer
//! acknowledges a request only after that. The `events` table refuses UPDATE and DELETE by trigger.

use std::path::{Path, PathBuf};
use std::time::Duration;

use domain::event::{Actor, Event, EventKind};
use domain::queue::OfficeState;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the disk is full: {0}")]
    DiskFull(String),
    #[error("the data directory {0} is read-only or not writable")]
    ReadOnly(PathBuf),
    #[error("event log is corrupt at seq {seq}: {why}")]
    Corrupt { seq: u64, why: String },
    #[error("cannot decode stored event {seq}: {why}")]
    Decode { seq: u64, why: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// Classifies SQLite's errors into the ones an operator must act on.
    pub fn classify(err: rusqlite::Error, dir: &Path) -> StoreError {
        use rusqlite::ffi::ErrorCode;
        match err.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::DiskFull(err.to_string()),
            Some(ErrorCode::ReadOnly) | Some(ErrorCode::CannotOpen) | Some(ErrorCode::PermissionDenied) => {
                StoreError::ReadOnly(dir.to_path_buf())
            }
            _ => StoreError::Sqlite(err),
        }
    }
}

pub const DB_FILE: &str = "office.sqlite3";

/// Schema versions; each entry migrates from the previous version.
const MIGRATIONS: &[&str] = &[
    // 1: event log, auth, dossiers.
    r#"
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TABLE staff (
        username TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL,
        counters TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES staff(username),
        expires_at TEXT NOT NULL
    );
    CREATE TABLE devices (
        device_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        counter INTEGER,
        token_hash TEXT NOT NULL UNIQUE,
        enrolled_at TEXT NOT NULL,
        last_seen TEXT,
        health TEXT,
        revoked INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE enrolment_codes (
        code_hash TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        name TEXT NOT NULL,
        counter INTEGER,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
    );
    CREATE TABLE dossier_records (
        code TEXT NOT NULL,
        kind TEXT NOT NULL,
        source_time TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        body TEXT NOT NULL,
        imported_seq INTEGER NOT NULL,
        PRIMARY KEY (code, body_hash)
    );
    CREATE INDEX dossier_records_by_code ON dossier_records(code, source_time);
    "#,
];

/// Opens (creating if needed) the office database and brings its schema up to date.
pub fn open(dir: &Path) -> Result<Connection, StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            StoreError::ReadOnly(dir.into())
        }
        _ => StoreError::Io(e),
    })?;
    let path = dir.join(DB_FILE);
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::classify(e, dir))?;
    configure(&conn).map_err(|e| StoreError::classify(e, dir))?;
    migrate(&conn).map_err(|e| StoreError::classify(e, dir))?;
    // Test knob: cap the database size so that "disk full" (SQLITE_FULL) can be provoked on demand.
    if let Some(pages) = std::env::var("QUEUE_SERVER_MAX_DB_PAGES").ok().and_then(|v| v.parse::<i64>().ok()) {
        conn.pragma_update(None, "max_page_count", pages).map_err(|e| StoreError::classify(e, dir))?;
    }
    Ok(conn)
}

/// Opens a second connection for reads (auth, lookups, event backlog).
pub fn open_reader(dir: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        dir.join(DB_FILE),
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::classify(e, dir))?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn migrate(conn: &Connection) -> Result<(), rusqlite::Error> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

pub fn schema_version(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// The chain hash of an event: SHA-256 over the previous hash and this event's canonical row.
fn chain_hash(prev: &str, seq: u64, id: &str, at: &str, actor: &str, body: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), id, at, actor, body] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends events inside a caller's transaction; numbering continues from the last stored event.
pub struct Appender {
    pub last_seq: u64,
    pub last_hash: String,
}

impl Appender {
    pub fn load(conn: &Connection) -> Result<Appender, rusqlite::Error> {
        let last = conn
            .query_row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
            })
            .optional()?;
        Ok(match last {
            Some((seq, hash)) => Appender { last_seq: seq, last_hash: hash },
            None => Appender { last_seq: 0, last_hash: String::new() },
        })
    }

    pub fn append(
        &mut self,
        tx: &Transaction,
        at: OffsetDateTime,
        actor: &Actor,
        kind: EventKind,
    ) -> Result<Event, rusqlite::Error> {
        let event = Event { seq: self.last_seq + 1, id: Uuid::new_v4(), at, actor: actor.clone(), kind };
        let id = event.id.to_string();
        let at_text = event.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let actor_text = serde_json::to_string(&event.actor).unwrap_or_default();
        let body = serde_json::to_string(&event.kind).unwrap_or_default();
        let hash = chain_hash(&self.last_hash, event.seq, &id, &at_text, &actor_text, &body);
        tx.prepare_cached(
            "INSERT INTO events (seq, id, at, actor, type, body, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![event.seq as i64, id, at_text, actor_text, event.kind.name(), body, hash])?;
        self.last_seq = event.seq;
        self.last_hash = hash;
        Ok(event)
    }
}

/// Reads stored events with `seq > after`, at most `limit`.
pub fn events_after(conn: &Connection, after: u64, limit: usize) -> Result<Vec<Event>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, id, at, actor, body FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
    let rows = stmt.query_map(params![after as i64, limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)? as u64,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, id, at, actor, body) = row?;
        out.push(decode(seq, &id, &at, &actor, &body)?);
    }
    Ok(out)
}

fn decode(seq: u64, id: &str, at: &str, actor: &str, body: &str) -> Result<Event, StoreError> {
    let bad = |why: String| StoreError::Decode { seq, why };
    Ok(Event {
        seq,
        id: id.parse().map_err(|e| bad(format!("id: {e}")))?,
        at: OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .map_err(|e| bad(format!("at: {e}")))?,
        actor: serde_json::from_str(actor).map_err(|e| bad(format!("actor: {e}")))?,
        kind: serde_json::from_str(body).map_err(|e| bad(format!("body: {e}")))?,
    })
}

/// Replays the whole log into a fresh state, checking that sequence numbers have no gap and that
/// the hash chain holds. Returns the state and the number of events.
pub fn rebuild(conn: &Connection) -> Result<(OfficeState, u64), StoreError> {
    let mut state = OfficeState::default();
    let mut stmt = conn.prepare("SELECT seq, id, at, actor, body, hash FROM events ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut prev_hash = String::new();
    let mut expected = 1u64;
    while let Some(r) = rows.next()? {
        let seq = r.get::<_, i64>(0)? as u64;
        let (id, at, actor, body, hash): (String, String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        if seq != expected {
            return Err(StoreError::Corrupt { seq, why: format!("expected seq {expected}") });
        }
        if chain_hash(&prev_hash, seq, &id, &at, &actor, &body) != hash {
            return Err(StoreError::Corrupt { seq, why: "hash chain broken".into() });
        }
        state.apply(&decode(seq, &id, &at, &actor, &body)?);
        prev_hash = hash;
        expected += 1;
    }
    Ok((state, expected - 1))
}

/// Copies the live database to `out` with SQLite's online backup (safe while the server runs).
pub fn backup(dir: &Path, out: &Path) -> Result<(), StoreError> {
    let src = open_reader(dir)?;
    let mut dst = Connection::open(out)?;
    let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
    backup.run_to_completion(256, Duration::from_millis(5), None)?;
    drop(backup);
    dst.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(())
}

/// Replaces the office database with a backup after checking the backup's log verifies.
pub fn restore(dir: &Path, from: &Path) -> Result<u64, StoreError> {
    let candidate = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let (_, count) = rebuild(&candidate)?;
    drop(candidate);
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join("restore.tmp");
    let _ = std::fs::remove_file(&tmp);
    {
        let src = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut dst = Connection::open(&tmp)?;
        rusqlite::backup::Backup::new(&src, &mut dst)?.run_to_completion(256, Duration::from_millis(0), None)?;
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{DB_FILE}{suffix}")));
    }
    std::fs::rename(&tmp, dir.join(DB_FILE))?;
    Ok(count)
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::office::OfficeSettings;

    #[test]
    fn events_are_append_only_and_chained() {
        let dir = std::env::temp_dir().join(format!("qs-store-{}", Uuid::new_v4()));
        let mut conn = open(&dir).unwrap();
        let mut app = Appender::load(&conn).unwrap();
        let tx = conn.transaction().unwrap();
        for _ in 0..3 {
            app.append(
                &tx,
                OffsetDateTime::now_utc(),
                &Actor::System,
                EventKind::SettingsChanged { settings: OfficeSettings::default() },
            )
            .unwrap();
        }
        tx.commit().unwrap();
        assert_eq!(rebuild(&conn).unwrap().1, 3);
        assert!(conn.execute("DELETE FROM events WHERE seq = 2", []).is_err());
        assert!(conn.execute("UPDATE events SET body = '{}' WHERE seq = 2", []).is_err());
        // Tampering behind the triggers' back breaks the chain.
        conn.execute_batch(
            "DROP TRIGGER events_append_only_update; UPDATE events SET at = '2020-01-01T00:00:00Z' WHERE seq = 2;",
        )
        .unwrap();
        assert!(matches!(rebuild(&conn), Err(StoreError::Corrupt { seq: 2, .. })));
        let _ = std::fs::remove_dir_all(dir);
    }
}
