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
use tokio::sync::{broadcast, oneshot};
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

/// Handle shared by every request.
#[derive(Clone)]
pub struct Office {
    jobs: tokio::sync::mpsc::Sender<Job>,
    pub state: Arc<RwLock<OfficeState>>,
    pub events: broadcast::Sender<Arc<Event>>,
    pub reader: Arc<Mutex<Connection>>,
    pub dir: PathBuf,
    pub stats: Arc<Stats>,
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
        let office = Office {
            jobs,
            state: state.clone(),
            events: events.clone(),
            reader: Arc::new(Mutex::new(reader)),
            dir: dir.to_path_buf(),
            stats: stats.clone(),
        };
        let dir = dir.to_path_buf();
        std::thread::Builder::new()
            .name("office-writer".into())
            .spawn(move || writer(conn, dir, rx, state, events, stats))?;
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
}

fn writer(
    mut conn: Connection,
    dir: PathBuf,
    mut rx: tokio::sync::mpsc::Receiver<Job>,
    state: Arc<RwLock<OfficeState>>,
    events: broadcast::Sender<Arc<Event>>,
    stats: Arc<Stats>,
) {
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
                for e in emitted {
                    let _ = events.send(Arc::new(e));
                }
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
