//! The SQLite event store: schema and migrations, the append-only, hash-chained event log, auth
//! tables, the dossier copy, backups and restores.
//!
//! Durability: WAL with `synchronous = FULL`, so a commit that returned is on disk; the writer
//! acknowledges a request only after that. The `events` table refuses UPDATE and DELETE by trigger.
//!
//! Privacy: the data directory is 0700 and the database, its `-wal`/`-shm` files and backups are
//! 0600 (they hold citizens' names and dossiers and staff password hashes).

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
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
    #[error("no office database at {}{why}", path.display())]
    NoDatabase { path: PathBuf, why: String },
    #[error(
        "{} is empty (0 bytes): not an office database; restore the latest backup \
         (queue-server restore --data-dir DIR --from FILE), or delete the file to start a new office",
        .0.display()
    )]
    EmptyDatabase(PathBuf),
    /// A data directory or file that cannot be used as it is; the text says why and names it.
    #[error("{0}")]
    Unusable(String),
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
    // 2: server secrets that are not events (the follow-token key), kept with the office's data so a
    // backup restores them.
    r#"
    CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    "#,
    // 3: reminders by message (`reminders`): a citizen's phone number for one day and the webhook
    // outbox — personal data kept out of the event log on purpose, deleted at day close.
    REMINDER_TABLES,
];

/// Schema v3's tables (also made by the reminders' unit tests).
pub(crate) const REMINDER_TABLES: &str = r#"
    CREATE TABLE reminders (
        ticket TEXT PRIMARY KEY,
        day TEXT NOT NULL,
        phone TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX reminders_by_day ON reminders(day);
    CREATE TABLE reminder_outbox (
        id INTEGER PRIMARY KEY,
        ticket TEXT NOT NULL,
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        next_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        delivered_at TEXT,
        last_error TEXT,
        gave_up INTEGER NOT NULL DEFAULT 0,
        UNIQUE (ticket, kind)
    );
    CREATE INDEX reminder_outbox_due ON reminder_outbox(delivered_at, gave_up, next_at);
    "#;

/// Opens (creating if needed) the office database and brings its schema up to date.
///
/// A missing directory or database is created private; an existing one is tightened to private.
/// A 0-byte database file is refused: SQLite would take it for a new, empty office.
pub fn open(dir: &Path) -> Result<Connection, StoreError> {
    ensure_data_dir(dir)?;
    let path = dir.join(DB_FILE);
    let mut created = false;
    match db_file_state(&path)? {
        DbFile::Empty => return Err(StoreError::EmptyDatabase(path)),
        // Created 0600 before SQLite sees it: SQLite gives its -wal and -shm files the database's mode.
        DbFile::Missing => match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
            Ok(_) => created = true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_error(e, dir)),
        },
        DbFile::Present => {
            for suffix in ["", "-wal", "-shm"] {
                tighten(&dir.join(format!("{DB_FILE}{suffix}")), 0o600);
            }
        }
    }
    let opened = (|| {
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        migrate(&conn)?;
        // Test knob: cap the database size so that "disk full" (SQLITE_FULL) can be provoked on demand.
        if let Some(pages) = std::env::var("QUEUE_SERVER_MAX_DB_PAGES").ok().and_then(|v| v.parse::<i64>().ok()) {
            conn.pragma_update(None, "max_page_count", pages)?;
        }
        Ok(conn)
    })();
    opened.map_err(|e| {
        // A database this call created but could not set up (disk full, say) would be a 0-byte or
        // schema-less file that the next start refuses; remove it so a retry starts clean.
        if created {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(dir.join(format!("{DB_FILE}{suffix}")));
            }
        }
        StoreError::classify(e, dir)
    })
}

fn io_error(e: std::io::Error, dir: &Path) -> StoreError {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            StoreError::ReadOnly(dir.into())
        }
        _ => StoreError::Io(e),
    }
}

/// Creates a missing data directory 0700 (its parents with the usual mode), or tightens an
/// existing one.
fn ensure_data_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() {
        tighten(dir, 0o700);
        return Ok(());
    }
    if dir.exists() {
        return Err(StoreError::Unusable(format!(
            "{} is a file; --data-dir takes the directory that holds {DB_FILE}",
            dir.display()
        )));
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io_error(e, dir))?;
    }
    match DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(io_error(e, dir)),
    }
}

/// Removes group and other permissions from an existing file or directory, saying so. Failing to
/// (a read-only mount, someone else's file) is only a warning: the office still works.
fn tighten(path: &Path, private: u32) {
    let Ok(meta) = std::fs::metadata(path) else { return };
    let mode = meta.permissions().mode() & 0o7777;
    if mode & !private & 0o777 == 0 {
        return;
    }
    let new = mode & private;
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(new)) {
        Ok(()) => tracing::info!("tightened permissions of {} from {mode:04o} to {new:04o}", path.display()),
        Err(e) => tracing::warn!("{} is {mode:04o}; could not make it {new:04o}: {e}", path.display()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DbFile {
    Missing,
    /// 0 bytes and no write-ahead log to recover from.
    Empty,
    Present,
}

fn db_file_state(path: &Path) -> Result<DbFile, StoreError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DbFile::Missing),
        Err(e) => return Err(StoreError::Unusable(format!("cannot read {}: {e}", path.display()))),
    };
    if !meta.is_file() {
        return Err(StoreError::Unusable(format!("{} is not a regular file", path.display())));
    }
    // SQLite writes the first page when it turns WAL on, so a real database is never 0 bytes;
    // still, a log with content is left for SQLite to recover rather than called empty.
    let wal_len = std::fs::metadata(wal_path(path)).map(|m| m.len()).unwrap_or(0);
    Ok(if meta.len() == 0 && wal_len == 0 { DbFile::Empty } else { DbFile::Present })
}

fn wal_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

/// The error for a data directory without a database, saying what is at `dir` instead.
fn no_database(dir: &Path) -> StoreError {
    let why = match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            format!(" (the directory {} does not exist)", dir.display())
        }
        Err(e) => format!(" ({}: {e})", dir.display()),
        Ok(m) if !m.is_dir() => {
            format!(" ({} is a file; --data-dir takes the directory that holds {DB_FILE})", dir.display())
        }
        Ok(_) => String::new(),
    };
    StoreError::NoDatabase { path: dir.join(DB_FILE), why }
}

/// What `serve` and `demo` found in their data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataDir {
    /// An office database is there.
    Office,
    /// An existing empty directory: a new office will be created in it.
    Empty,
    /// The directory was missing and has been created (0700).
    Created,
}

/// Checks a data directory before a server opens it, so that a mistyped path or a damaged
/// database is refused instead of silently becoming a fresh, empty office. A missing directory is
/// created only with `allow_create` (the demo); an existing directory must hold the database or
/// nothing of its own (the server's lock file and a filesystem's lost+found do not count).
pub fn check_existing_data_dir(dir: &Path, allow_create: bool) -> Result<DataDir, StoreError> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !allow_create {
                return Err(no_database(dir));
            }
            ensure_data_dir(dir)?;
            return Ok(DataDir::Created);
        }
        Err(e) => return Err(StoreError::Unusable(format!("cannot read {}: {e}", dir.display()))),
        Ok(m) if !m.is_dir() => return Err(no_database(dir)),
        Ok(_) => {}
    }
    let path = dir.join(DB_FILE);
    match db_file_state(&path)? {
        DbFile::Present => Ok(DataDir::Office),
        DbFile::Empty => Err(StoreError::EmptyDatabase(path)),
        DbFile::Missing => {
            let mut others: Vec<String> = std::fs::read_dir(dir)
                .map_err(|e| StoreError::Unusable(format!("cannot list {}: {e}", dir.display())))?
                .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .filter(|name| name != crate::server::LOCK_FILE && name != "lost+found")
                .collect();
            if others.is_empty() {
                return Ok(DataDir::Empty);
            }
            others.sort();
            let shown = others.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
            let more = if others.len() > 5 { format!(" and {} more", others.len() - 5) } else { String::new() };
            Err(StoreError::Unusable(format!(
                "no office database ({DB_FILE}) in {}, which holds other files ({shown}{more}); \
                 check --data-dir, or use an empty directory for a new office",
                dir.display()
            )))
        }
    }
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

/// A connection that cannot change the office: for `verify` and `backup`, which must also work on
/// a read-only mount. Dereferences to the connection.
pub struct ReadOnlyDb {
    // Declared first so that it closes before the private copy below is removed.
    conn: Connection,
    _copy: Option<PrivateCopy>,
}

impl std::ops::Deref for ReadOnlyDb {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

/// A temporary directory holding a copy of a database and its log; removed on drop.
struct PrivateCopy(PathBuf);

impl Drop for PrivateCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Opens the office database of `dir` read-only. Never creates a database or a directory.
pub fn open_read_only(dir: &Path) -> Result<ReadOnlyDb, StoreError> {
    if !dir.is_dir() {
        return Err(no_database(dir));
    }
    let path = dir.join(DB_FILE);
    match db_file_state(&path)? {
        DbFile::Missing => Err(no_database(dir)),
        DbFile::Empty => Err(StoreError::EmptyDatabase(path)),
        DbFile::Present => open_file_read_only(&path),
    }
}

/// Opens a database file read-only, wherever it lies. Reading a WAL database needs its `-shm`
/// index (https://www.sqlite.org/wal.html#readonly), which SQLite cannot create on a read-only
/// mount. So, in turn:
/// 1. a plain read-only open: works where the `-shm` exists or can be created;
/// 2. without a log (the server stopped cleanly), `immutable=1`: the file alone is the whole
///    database. Never with a log, as an immutable open ignores the log and would miss its commits;
/// 3. with a log but no usable index, a private copy of the database and its log in the temporary
///    directory, where SQLite can rebuild the index from the log.
pub fn open_file_read_only(path: &Path) -> Result<ReadOnlyDb, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let unreadable = |e: rusqlite::Error| StoreError::Unusable(format!("cannot read {}: {e}", path.display()));
    let conn = Connection::open_with_flags(path, flags).map_err(unreadable)?;
    match probe(&conn, path) {
        Ok(()) => return Ok(ReadOnlyDb { conn, _copy: None }),
        Err(ProbeError::Unusable(e)) => return Err(e),
        Err(ProbeError::NeedsIndex(e)) => tracing::debug!("{}: plain read-only open failed: {e}", path.display()),
    }
    drop(conn);
    let wal_len = std::fs::metadata(wal_path(path)).map(|m| m.len()).unwrap_or(0);
    if wal_len == 0 {
        let uri = format!("file:{}?immutable=1", uri_path(path));
        let conn = Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI).map_err(unreadable)?;
        return match probe(&conn, path) {
            Ok(()) => Ok(ReadOnlyDb { conn, _copy: None }),
            Err(ProbeError::Unusable(e)) => Err(e),
            Err(ProbeError::NeedsIndex(e)) => Err(unreadable(e)),
        };
    }
    let copy = PrivateCopy(std::env::temp_dir().join(format!("queue-server-read-{}", Uuid::new_v4())));
    DirBuilder::new().mode(0o700).create(&copy.0)?;
    let copied = copy.0.join(DB_FILE);
    tracing::info!(
        "{} has a write-ahead log that cannot be read in place (read-only filesystem); reading a private copy in {}",
        path.display(),
        copy.0.display()
    );
    let copy_err = |e: std::io::Error| {
        StoreError::Unusable(format!("cannot copy {} to {} to read it: {e}", path.display(), copy.0.display()))
    };
    std::fs::copy(path, &copied).map_err(copy_err)?;
    std::fs::copy(wal_path(path), wal_path(&copied)).map_err(copy_err)?;
    let conn = Connection::open_with_flags(&copied, flags).map_err(unreadable)?;
    match probe(&conn, path) {
        Ok(()) => Ok(ReadOnlyDb { conn, _copy: Some(copy) }),
        Err(ProbeError::Unusable(e)) => Err(e),
        Err(ProbeError::NeedsIndex(e)) => Err(unreadable(e)),
    }
}

enum ProbeError {
    /// SQLite could not open the log's index (or the file): another way of opening may work.
    NeedsIndex(rusqlite::Error),
    Unusable(StoreError),
}

/// Reads the schema, which makes SQLite actually open the file and its log, and checks that this
/// is an office database.
fn probe(conn: &Connection, path: &Path) -> Result<(), ProbeError> {
    use rusqlite::ffi::ErrorCode;
    let found: Result<i64, _> =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'", [], |r| r.get(0));
    match found {
        Ok(1) => Ok(()),
        Ok(_) => Err(ProbeError::Unusable(StoreError::Unusable(format!(
            "{} is an SQLite database but not an office database (it has no event log)",
            path.display()
        )))),
        Err(e) => match e.sqlite_error_code() {
            Some(ErrorCode::CannotOpen) | Some(ErrorCode::ReadOnly) => Err(ProbeError::NeedsIndex(e)),
            Some(ErrorCode::NotADatabase) => Err(ProbeError::Unusable(StoreError::Unusable(format!(
                "{} is not an office database (not an SQLite file)",
                path.display()
            )))),
            _ => Err(ProbeError::Unusable(StoreError::Unusable(format!("cannot read {}: {e}", path.display())))),
        },
    }
}

/// A path as the path part of an SQLite `file:` URI: every byte but unreserved ones and `/`
/// percent-encoded (a `?` or `#` in a directory name would otherwise end the path).
fn uri_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Creates `path` as a new, empty, private file (replacing a left-over one).
fn create_private_file(path: &Path) -> Result<(), std::io::Error> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map(drop)
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

/// The 32-byte secret `name`, drawn by `draw` and kept the first time it is asked for.
pub fn secret(conn: &Connection, name: &str, draw: impl FnOnce() -> [u8; 32]) -> Result<[u8; 32], rusqlite::Error> {
    let stored: Option<Vec<u8>> =
        conn.query_row("SELECT value FROM secrets WHERE name = ?1", [name], |r| r.get(0)).optional()?;
    if let Some(bytes) = stored.and_then(|v| <[u8; 32]>::try_from(v).ok()) {
        return Ok(bytes);
    }
    let fresh = draw();
    conn.execute("INSERT OR REPLACE INTO secrets (name, value) VALUES (?1, ?2)", rusqlite::params![name, &fresh[..]])?;
    Ok(fresh)
}

pub fn schema_version(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// The chain hash of an event: the sync protocol's, so the city verifies the office's log with the
/// very function that wrote it.
use sync::chain_hash;

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
            None => Appender { last_seq: 0, last_hash: sync::GENESIS_HASH.to_string() },
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
    query_events(&mut stmt, params![after as i64, limit as i64])
}

/// Streams stored events with `seq > after` in order to `f`, until it breaks or the log ends; one
/// row in memory at a time, however long the log.
pub fn each_event_after(
    conn: &Connection,
    after: u64,
    mut f: impl FnMut(Event) -> std::ops::ControlFlow<()>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare("SELECT seq, id, at, actor, body FROM events WHERE seq > ?1 ORDER BY seq")?;
    let mut rows = stmt.query(params![after as i64])?;
    while let Some(r) = rows.next()? {
        let seq = r.get::<_, i64>(0)? as u64;
        let (id, at, actor, body): (String, String, String, String) = (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        if f(decode(seq, &id, &at, &actor, &body)?).is_break() {
            break;
        }
    }
    Ok(())
}

/// Runs a statement selecting `seq, id, at, actor, body` and decodes its rows.
/// Stored rows with `seq > after`, as the sync protocol carries them (text as stored), at most
/// `max_events` and, past the first, at most `max_bytes` of text.
pub fn event_records_after(
    conn: &Connection,
    after: u64,
    max_events: usize,
    max_bytes: usize,
) -> Result<Vec<sync::EventRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, id, at, actor, type, body, hash FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut rows = stmt.query(params![after as i64, max_events as i64])?;
    let (mut out, mut bytes) = (Vec::new(), 0usize);
    while let Some(r) = rows.next()? {
        let record = sync::EventRecord::from_row(r, 0)?;
        bytes += record.body.len() + record.actor.len() + 200;
        if !out.is_empty() && bytes > max_bytes {
            break;
        }
        out.push(record);
    }
    Ok(out)
}

/// The chain hash of event `seq` (the genesis hash for 0), if the log has it.
pub fn hash_at(conn: &Connection, seq: u64) -> Result<Option<String>, StoreError> {
    if seq == 0 {
        return Ok(Some(sync::GENESIS_HASH.to_string()));
    }
    Ok(conn.query_row("SELECT hash FROM events WHERE seq = ?1", [seq as i64], |r| r.get(0)).optional()?)
}

fn query_events(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<Event>, StoreError> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let seq = r.get::<_, i64>(0)? as u64;
        let (id, at, actor, body): (String, String, String, String) = (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
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

/// Copies the live database to `out` with SQLite's online backup (safe while the server runs, and
/// from a read-only mount). The copy is written next to `out` and renamed onto it when complete,
/// so `out` is never a half-written backup.
pub fn backup(dir: &Path, out: &Path) -> Result<(), StoreError> {
    let src = open_read_only(dir)?;
    if out.is_dir() {
        return Err(StoreError::Unusable(format!("--out {} is a directory; give a file name", out.display())));
    }
    let db = dir.join(DB_FILE);
    if let (Ok(a), Ok(b)) = (std::fs::metadata(&db), std::fs::metadata(out)) {
        if (a.dev(), a.ino()) == (b.dev(), b.ino()) {
            return Err(StoreError::Unusable(format!("--out {} is the office database itself", out.display())));
        }
    }
    let name =
        out.file_name().ok_or_else(|| StoreError::Unusable(format!("--out {} is not a file name", out.display())))?;
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = parent.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let cannot_write =
        |e: &dyn std::fmt::Display| StoreError::Unusable(format!("cannot write the backup {}: {e}", out.display()));
    create_private_file(&tmp).map_err(|e| cannot_write(&e))?;
    let written = (|| -> Result<(), rusqlite::Error> {
        let mut dst = Connection::open_with_flags(&tmp, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
        drop(backup);
        // A self-contained file: no -wal needed beside it.
        dst.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(())
    })();
    let renamed = written.map_err(|e| cannot_write(&e)).and_then(|()| {
        std::fs::rename(&tmp, out).map_err(|e| cannot_write(&e))?;
        // The rename itself is durable once the directory is synced.
        std::fs::File::open(parent).and_then(|d| d.sync_all()).map_err(|e| cannot_write(&e))
    });
    if renamed.is_err() {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let mut p = tmp.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
    renamed
}

/// Replaces the office database with a backup after checking the backup's log verifies.
pub fn restore(dir: &Path, from: &Path) -> Result<u64, StoreError> {
    match db_file_state(from)? {
        DbFile::Missing => return Err(StoreError::Unusable(format!("no backup file at {}", from.display()))),
        DbFile::Empty => {
            return Err(StoreError::Unusable(format!("{} is empty (0 bytes): not an office backup", from.display())))
        }
        DbFile::Present => {}
    }
    let candidate = open_file_read_only(from)?;
    let (_, count) = rebuild(&candidate)?;
    ensure_data_dir(dir)?;
    let tmp = dir.join("restore.tmp");
    create_private_file(&tmp)?;
    {
        let mut dst = Connection::open_with_flags(&tmp, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        rusqlite::backup::Backup::new(&candidate, &mut dst)?.run_to_completion(256, Duration::from_millis(0), None)?;
    }
    drop(candidate);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{DB_FILE}{suffix}")));
    }
    std::fs::rename(&tmp, dir.join(DB_FILE))?;
    Ok(count)
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Events of one `type` at or after `since`, newest first, at most `limit` (admin read models).
pub fn events_of_type(
    conn: &Connection,
    kind: &str,
    since: OffsetDateTime,
    limit: usize,
) -> Result<Vec<Event>, StoreError> {
    let since = since.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let mut stmt = conn.prepare_cached(
        "SELECT seq, id, at, actor, body FROM events WHERE type = ?1 AND at >= ?2 ORDER BY seq DESC LIMIT ?3",
    )?;
    query_events(&mut stmt, params![kind, since, limit as i64])
}

/// The `ticket_issued` events of one office day (`YYYY-MM-DD`, the tickets' own `day`), or of every
/// day, in log order: the arrivals `queue-server simulate --from-history` replays.
pub fn tickets_issued(conn: &Connection, day: Option<&str>) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, id, at, actor, body FROM events WHERE type = 'ticket_issued' \
         AND (?1 IS NULL OR json_extract(body, '$.day') = ?1) ORDER BY seq",
    )?;
    query_events(&mut stmt, params![day])
}

/// The most recent calls and recalls, newest first, optionally of one counter (the display board and
/// the counter's desk).
pub fn recent_calls(conn: &Connection, limit: usize, counter: Option<u16>) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, id, at, actor, body FROM events WHERE type IN ('ticket_called', 'ticket_recalled') \
         AND (?2 IS NULL OR json_extract(body, '$.counter') = ?2) ORDER BY seq DESC LIMIT ?1",
    )?;
    query_events(&mut stmt, params![limit as i64, counter.map(i64::from)])
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
                EventKind::SettingsChanged { settings: (&OfficeSettings::default()).into() },
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

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn open_makes_private_files_and_refuses_an_empty_database() {
        let dir = std::env::temp_dir().join(format!("qs-store-{}", Uuid::new_v4()));
        drop(open(&dir).unwrap());
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(DB_FILE)), 0o600);
        // An older office's loose permissions are tightened when it opens.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(dir.join(DB_FILE), std::fs::Permissions::from_mode(0o644)).unwrap();
        let conn = open(&dir).unwrap();
        assert_eq!((mode(&dir), mode(&dir.join(DB_FILE))), (0o700, 0o600));
        assert_eq!(mode(&dir.join(format!("{DB_FILE}-wal"))), 0o600);
        drop(conn);
        let zero = std::env::temp_dir().join(format!("qs-store-{}", Uuid::new_v4()));
        std::fs::create_dir(&zero).unwrap();
        std::fs::File::create(zero.join(DB_FILE)).unwrap();
        assert!(matches!(open(&zero), Err(StoreError::EmptyDatabase(_))));
        assert!(matches!(open_read_only(&zero), Err(StoreError::EmptyDatabase(_))));
        assert!(matches!(check_existing_data_dir(&zero, true), Err(StoreError::EmptyDatabase(_))));
        assert_eq!(std::fs::metadata(zero.join(DB_FILE)).unwrap().len(), 0);
        let _ = std::fs::remove_dir_all(dir);
        let _ = std::fs::remove_dir_all(zero);
    }

    #[test]
    fn read_only_open_and_the_data_dir_check_create_nothing() {
        let root = std::env::temp_dir().join(format!("qs-store-{}", Uuid::new_v4()));
        let missing = root.join("missing");
        let err = open_read_only(&missing).err().unwrap().to_string();
        assert!(err.contains("no office database at") && err.contains("does not exist"), "{err}");
        assert!(matches!(check_existing_data_dir(&missing, false), Err(StoreError::NoDatabase { .. })));
        assert!(!missing.exists());
        assert_eq!(check_existing_data_dir(&missing, true).unwrap(), DataDir::Created);
        assert_eq!(mode(&missing), 0o700);
        assert_eq!(check_existing_data_dir(&missing, false).unwrap(), DataDir::Empty);
        assert!(matches!(open_read_only(&missing), Err(StoreError::NoDatabase { .. })));
        assert_eq!(std::fs::read_dir(&missing).unwrap().count(), 0);
        std::fs::write(missing.join("notes.txt"), "").unwrap();
        let err = check_existing_data_dir(&missing, true).err().unwrap().to_string();
        assert!(err.contains("notes.txt"), "{err}");
        drop(open(&root.join("office")).unwrap());
        assert_eq!(check_existing_data_dir(&root.join("office"), false).unwrap(), DataDir::Office);
        assert_eq!(rebuild(&open_read_only(&root.join("office")).unwrap()).unwrap().1, 0);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn uri_paths_are_escaped() {
        assert_eq!(uri_path(Path::new("/var/lib/motcua/office.sqlite3")), "/var/lib/motcua/office.sqlite3");
        assert_eq!(uri_path(Path::new("/a b/c?d#e%f/ư")), "/a%20b/c%3Fd%23e%25f/%C6%B0");
    }
}
