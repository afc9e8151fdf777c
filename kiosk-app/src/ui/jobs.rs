//! Where the screens' backend calls run. A call that may wait on the network or the printer (issue,
//! print, look up, rate, health) runs as a job; the screen applies its result when it comes back.
//! With [`Execution::Worker`] jobs run on one worker thread in order, so a partitioned server or a
//! stuck printer never freezes the window; [`Execution::Inline`] runs them at once on the caller's
//! thread (screenshots and most UI tests, where a canned backend answers immediately).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::Backend;

/// Where jobs run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Execution {
    /// On the caller's thread, before `run` returns.
    #[default]
    Inline,
    /// On a worker thread; results are applied by [`Jobs::finished`] (the UI polls it).
    Worker,
}

/// The backend, shared between the UI thread (quick reads with `try_lock`) and the worker.
pub type SharedBackend = Arc<Mutex<Box<dyn Backend>>>;

type Work = Box<dyn FnOnce(&mut dyn Backend) -> Box<dyn Any + Send> + Send>;
type Result = std::result::Result<Box<dyn Any + Send>, JobPanicked>;

/// A backend call panicked (a bug): the job is dropped, the worker goes on with the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPanicked(pub String);

/// Runs `work`, turning a panic into [`JobPanicked`] so that neither the worker thread nor the screen dies
/// with it (and no job waits forever behind a dead worker).
fn guarded<R>(work: impl FnOnce() -> R) -> std::result::Result<R, JobPanicked> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|payload| {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        JobPanicked(text)
    })
}
/// Jobs to the worker thread, results back.
type Worker = (mpsc::Sender<(u64, Work)>, mpsc::Receiver<(u64, Result)>);
/// An inline job's result, bound to its continuation.
pub type Apply<C> = Box<dyn FnOnce(&mut C)>;
/// What to do with a job's result on the UI thread.
pub type Then<C> = Box<dyn FnOnce(&mut C, Box<dyn Any + Send>)>;

/// The job queue of one screen controller `C`.
pub struct Jobs<C> {
    backend: SharedBackend,
    worker: Option<Worker>,
    waiting: HashMap<u64, (Then<C>, bool)>,
    next_id: u64,
}

fn lock(backend: &SharedBackend) -> MutexGuard<'_, Box<dyn Backend>> {
    // A panic inside a backend call must not take the screen down with it.
    backend.lock().unwrap_or_else(|e| e.into_inner())
}

impl<C: 'static> Jobs<C> {
    pub fn new(backend: Box<dyn Backend>, execution: Execution) -> Jobs<C> {
        let backend: SharedBackend = Arc::new(Mutex::new(backend));
        let worker = match execution {
            Execution::Inline => None,
            Execution::Worker => {
                let (work_tx, work_rx) = mpsc::channel::<(u64, Work)>();
                let (done_tx, done_rx) = mpsc::channel();
                let shared = backend.clone();
                std::thread::Builder::new()
                    .name("ui-jobs".into())
                    .spawn(move || {
                        for (id, work) in work_rx {
                            let result = guarded(|| work(lock(&shared).as_mut()));
                            if done_tx.send((id, result)).is_err() {
                                break;
                            }
                        }
                    })
                    .expect("spawning the UI job thread");
                Some((work_tx, done_rx))
            }
        };
        Jobs { backend, worker, waiting: HashMap::new(), next_id: 0 }
    }

    /// Runs `work` against the backend, then `then` with its result on the UI thread. Returns the
    /// result's `then` at once when inline (the caller applies it, or reports the panic); a `busy` job
    /// marks the screen busy until it is applied.
    pub fn run<R: Send + 'static>(
        &mut self,
        busy: bool,
        work: impl FnOnce(&mut dyn Backend) -> R + Send + 'static,
        then: impl FnOnce(&mut C, R) + 'static,
    ) -> Option<std::result::Result<Apply<C>, JobPanicked>> {
        match &self.worker {
            None => {
                let result = guarded(|| work(lock(&self.backend).as_mut()));
                Some(result.map(|result| Box::new(move |c: &mut C| then(c, result)) as Apply<C>))
            }
            Some((tx, _)) => {
                self.next_id += 1;
                let id = self.next_id;
                let work: Work = Box::new(move |b| Box::new(work(b)) as Box<dyn Any + Send>);
                let then: Then<C> = Box::new(move |c, any| {
                    let result = *any.downcast::<R>().expect("a job's result has the type it was run with");
                    then(c, result)
                });
                if tx.send((id, work)).is_ok() {
                    self.waiting.insert(id, (then, busy));
                }
                None
            }
        }
    }

    /// Results that came back since the last call, in the order their jobs were started, each bound to
    /// its continuation (apply them on the UI thread), or the panic that ended the job.
    pub fn finished(&mut self) -> Vec<std::result::Result<Apply<C>, JobPanicked>> {
        let Some((_, rx)) = &self.worker else { return vec![] };
        let mut out = Vec::new();
        while let Ok((id, result)) = rx.try_recv() {
            if let Some((then, _)) = self.waiting.remove(&id) {
                out.push(result.map(|result| Box::new(move |c: &mut C| then(c, result)) as Apply<C>));
            }
        }
        out
    }

    /// Whether a job that blocks the screen is still running.
    pub fn busy(&self) -> bool {
        self.waiting.values().any(|(_, busy)| *busy)
    }

    /// Whether any job is still running.
    pub fn pending(&self) -> usize {
        self.waiting.len()
    }

    /// A quick read on the UI thread: `None` when a job holds the backend (use what was shown).
    pub fn try_now<R>(&self, f: impl FnOnce(&mut dyn Backend) -> R) -> Option<R> {
        match self.backend.try_lock() {
            Ok(mut b) => Some(f(b.as_mut())),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(f(p.into_inner().as_mut())),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// Waits for the backend (tests and shutdown only: the UI never blocks on it).
    pub fn wait_now<R>(&self, f: impl FnOnce(&mut dyn Backend) -> R) -> R {
        f(lock(&self.backend).as_mut())
    }
}

/// Polls `finished` until nothing is left or `timeout` passes (tests).
pub fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    done()
}
