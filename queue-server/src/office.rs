//! The office: one writer thread that owns the SQLite write connection and applies jobs in
//! group-committed batches, the shared in-memory projection that readers query, and the broadcast of
//! committed events to live subscribers.
//!
//! A job validates (through the pure engine) before it emits anything; its events are appended in the
//! batch's transaction and folded into the projection. The reply is sent only after COMMIT returned,
//! so an acknowledged request is durable. If the commit fails (disk full, read-only disk), the
//! projection is rebuilt from the database, which still holds exactly the acknowledged events.

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use domain::event::{Actor, Event, EventKind};
use domain::queue::{decide, Command, Decision, OfficeState};
use rusqlite::{Connection, Transaction};
use time::OffsetDateTime;
use tokio::sync::{broadcast, oneshot, watch};
use uuid::Uuid;

use crate::error::AppError;
use crate::store::{self, Appender, StoreError};

type JobFn = Box<dyn FnOnce(&mut TxCtx<'_>) -> Result<Box<dyn Any + Send>, AppError> + Send>;

struct Job {
    actor: Actor,
    run: JobFn,
    reply: oneshot::Sender<Result<Box<dyn Any + Send>, AppError>>,
}

/// What a job sees inside the batch transaction.
pub struct TxCtx<'a> {
    pub tx: &'a Transaction<'a>,
    pub state: &'a mut OfficeState,
    pub now: OffsetDateTime,
    pub actor: &'a Actor,
    appender: &'a mut Appender,
    emitted: &'a mut Vec<Event>,
}

impl TxCtx<'_> {
    /// Appends an event and folds it into the projection.
    pub fn emit(&mut self, kind: EventKind) -> Result<&Event, AppError> {
        let event = self.appender.append(self.tx, self.now, self.actor, kind).map_err(AppError::from_sqlite)?;
        self.state.apply(&event);
        self.emitted.push(event);
        Ok(self.emitted.last().expect("just pushed"))
    }

    pub fn last_emitted(&self) -> Option<&Event> {
        self.emitted.last()
    }

    /// Runs a queue command through the engine and emits its events.
    pub fn command(&mut self, command: &Command) -> Result<Decision, AppError> {
        let decision = decide(self.state, command, self.now, &mut Uuid::new_v4)?;
        for kind in &decision.events {
            self.emit(kind.clone())?;
        }
        Ok(decision)
    }
}

/// Counters the metrics endpoint reports.
#[derive(Default)]
pub struct Stats {
    pub batches: AtomicU64,
    pub jobs: AtomicU64,
    pub events: AtomicU64,
    pub commit_failures: AtomicU64,
    pub commit_micros_total: AtomicU64,
}

/// Handle shared by every request. Writes go through [`Office::run`] (the writer thread), reads of the
/// projection through [`Office::read`], reads of the database through [`Office::query`] (tokio's
/// blocking pool, never an async worker).
#[derive(Clone)]
pub struct Office {
    jobs: tokio::sync::mpsc::Sender<Job>,
    state: Arc<RwLock<OfficeState>>,
    events: broadcast::Sender<Arc<Event>>,
    reader: Arc<Mutex<Connection>>,
    dir: PathBuf,
    stats: Arc<Stats>,
    /// The highest sequence committed (the projection may be ahead while a batch is open).
    committed: Arc<AtomicU64>,
    /// The highest sequence committed *and* broadcast (or, for events another process appended, read):
    /// a subscriber that has not received an event up to this one from the broadcast missed it.
    published: Arc<watch::Sender<u64>>,
}

/// Largest number of jobs committed together.
const MAX_BATCH: usize = 512;

impl Office {
    /// Opens the store, rebuilds and verifies the projection from the log, and starts the writer.
    pub fn open(dir: &Path) -> Result<Office, StoreError> {
        let conn = store::open(dir)?;
        let (state, _) = store::rebuild(&conn)?;
        let reader = store::open_reader(dir)?;
        let state = Arc::new(RwLock::new(state));
        let (events, _) = broadcast::channel(4096);
        let (jobs, rx) = tokio::sync::mpsc::channel::<Job>(8192);
        let stats = Arc::new(Stats::default());
        let last_seq = state.read().unwrap_or_else(|e| e.into_inner()).last_seq;
        let committed = Arc::new(AtomicU64::new(last_seq));
        let published = Arc::new(watch::Sender::new(last_seq));
        let office = Office {
            jobs,
            state: state.clone(),
            events: events.clone(),
            reader: Arc::new(Mutex::new(reader)),
            dir: dir.to_path_buf(),
            stats: stats.clone(),
            committed: committed.clone(),
            published: published.clone(),
        };
        let dir = dir.to_path_buf();
        std::thread::Builder::new()
            .name("office-writer".into())
            .spawn(move || writer(conn, dir, rx, Shared { state, events, stats, committed, published }))?;
        Ok(office)
    }

    /// Runs a job on the writer and waits until it is durable.
    pub async fn run<T: Send + 'static>(
        &self,
        actor: Actor,
        f: impl FnOnce(&mut TxCtx<'_>) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let (reply, rx) = oneshot::channel();
        let run: JobFn = Box::new(move |ctx| f(ctx).map(|v| Box::new(v) as Box<dyn Any + Send>));
        // The channel is bounded: back-pressure instead of unbounded memory when the disk is slow.
        self.jobs.send(Job { actor, run, reply }).await.map_err(|_| AppError::Unavailable("writer stopped".into()))?;
        let out = rx.await.map_err(|_| AppError::Unavailable("writer stopped".into()))??;
        Ok(*out.downcast::<T>().expect("job returns its own type"))
    }

    pub async fn command(&self, actor: Actor, command: Command) -> Result<Decision, AppError> {
        self.run(actor, move |ctx| ctx.command(&command)).await
    }

    pub fn read<T>(&self, f: impl FnOnce(&OfficeState) -> T) -> T {
        let guard = self.state.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    /// Runs a read on the reader connection, on tokio's blocking pool.
    pub async fn query<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(|e| e.into_inner());
            f(&conn)
        })
        .await
        .map_err(|e| AppError::Unavailable(format!("query failed: {e}")))?
    }

    /// The highest event sequence that is committed (and so readable from the log).
    pub fn committed_seq(&self) -> u64 {
        self.committed.load(Ordering::Acquire)
    }

    /// Committed events, as they are committed (after COMMIT).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    /// The highest sequence committed and broadcast, changing after each batch's broadcast.
    pub fn published(&self) -> watch::Receiver<u64> {
        self.published.subscribe()
    }

    /// Folds in events another process appended (a CLI import or revocation): runs an empty job, since
    /// every batch starts by reading what others wrote.
    pub async fn catch_up_foreign(&self) -> Result<(), AppError> {
        self.run(Actor::System, |_| Ok(())).await
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

/// What the writer thread shares with the `Office` handle.
struct Shared {
    state: Arc<RwLock<OfficeState>>,
    events: broadcast::Sender<Arc<Event>>,
    stats: Arc<Stats>,
    committed: Arc<AtomicU64>,
    published: Arc<watch::Sender<u64>>,
}

fn writer(mut conn: Connection, dir: PathBuf, mut rx: tokio::sync::mpsc::Receiver<Job>, shared: Shared) {
    let Shared { state, events, stats, committed, published } = shared;
    let mut appender = match Appender::load(&conn) {
        Ok(a) => a,
        Err(e) => {
            tracing::error!("cannot read the event log: {e}");
            return;
        }
    };
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let outcome = run_batch(&mut conn, &dir, &mut appender, &state, batch);
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats.commit_micros_total.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        match outcome {
            Ok((emitted, replies)) => {
                stats.jobs.fetch_add(replies.len() as u64, Ordering::Relaxed);
                stats.events.fetch_add(emitted.len() as u64, Ordering::Relaxed);
                committed.store(appender.last_seq, Ordering::Release);
                for e in emitted {
                    let _ = events.send(Arc::new(e));
                }
                published.send_replace(appender.last_seq);
                for (reply, result) in replies {
                    let _ = reply.send(result);
                }
            }
            Err((err, replies)) => {
                stats.commit_failures.fetch_add(1, Ordering::Relaxed);
                tracing::error!("commit failed, nothing of this batch was kept: {err}");
                // The database holds exactly what was acknowledged: rebuild the projection from it.
                appender = Appender::load(&conn).unwrap_or(appender);
                match store::rebuild(&conn) {
                    Ok((rebuilt, _)) => *state.write().unwrap_or_else(|e| e.into_inner()) = rebuilt,
                    Err(e) => tracing::error!("cannot rebuild the projection: {e}"),
                }
                for reply in replies {
                    let _ = reply.send(Err(err.clone()));
                }
            }
        }
    }
}

type Replies = Vec<(oneshot::Sender<Result<Box<dyn Any + Send>, AppError>>, Result<Box<dyn Any + Send>, AppError>)>;

#[allow(clippy::type_complexity)]
fn run_batch(
    conn: &mut Connection,
    dir: &Path,
    appender: &mut Appender,
    state: &RwLock<OfficeState>,
    batch: Vec<Job>,
) -> Result<(Vec<Event>, Replies), (AppError, Vec<oneshot::Sender<Result<Box<dyn Any + Send>, AppError>>>)> {
    let fail = |e: rusqlite::Error, batch: Vec<Job>| {
        (
            AppError::Store(Arc::new(StoreError::classify(e, dir))),
            batch.into_iter().map(|j| j.reply).collect::<Vec<_>>(),
        )
    };
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return Err(fail(e, batch)),
    };
    // Another process (a CLI import) may have appended since: fold its events in first.
    let mut emitted = Vec::new();
    let mut replies: Replies = Vec::new();
    let mut guard = state.write().unwrap_or_else(|e| e.into_inner());
    if let Ok(fresh) = Appender::load(&tx) {
        if fresh.last_seq > appender.last_seq {
            if let Ok(missing) = store::events_after(&tx, appender.last_seq, usize::MAX >> 1) {
                for e in missing {
                    guard.apply(&e);
                    emitted.push(e);
                }
                *appender = fresh;
            }
        }
    }
    let now = OffsetDateTime::now_utc();
    let mut broken: Option<AppError> = None;
    for job in batch {
        if broken.is_some() {
            replies.push((job.reply, Err(AppError::Unavailable("batch aborted".into()))));
            continue;
        }
        let before = emitted.len();
        let mut ctx = TxCtx { tx: &tx, state: &mut guard, now, actor: &job.actor, appender, emitted: &mut emitted };
        let result = (job.run)(&mut ctx);
        if let Err(e) = &result {
            if emitted.len() != before || matches!(e, AppError::Store(_)) {
                // A job failed after writing: the whole batch is rolled back below.
                broken = Some(e.clone());
            }
        }
        replies.push((job.reply, result));
    }
    drop(guard);
    if let Some(err) = broken {
        drop(tx);
        return Err((err, replies.into_iter().map(|(r, _)| r).collect()));
    }
    match tx.commit() {
        Ok(()) => Ok((emitted, replies)),
        Err(e) => {
            let err = AppError::Store(Arc::new(StoreError::classify(e, dir)));
            Err((err, replies.into_iter().map(|(r, _)| r).collect()))
        }
    }
}
