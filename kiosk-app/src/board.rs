//! The waiting-room board as a display keeps it ([`BoardFeed`]): `GET /api/v1/board`, fetched again as
//! soon as the server's live events say something happened (a call shows after one event and one
//! fetch, not at the next poll), and polled while the event stream is down.
//!
//! Two threads per feed, so that neither the network nor a slow fetch ever reaches the screen:
//! - the **reader** follows `GET /api/v1/events` and, for every event and keep-alive, marks the board
//!   dirty / the stream alive and wakes the refresher;
//! - the **refresher** fetches the board when it is dirty — every event that arrives during one fetch
//!   is folded into the next one, so a burst of calls costs two fetches, not one per event — and
//!   otherwise every [`POLL_WHILE_FOLLOWING`] (a missed event cannot leave the board wrong for long) or
//!   [`POLL_WITHOUT_STREAM`] while the stream is down or silent; it also reads `/healthz` now and then
//!   (the office's name and UTC offset) and starts a new reader when the last one ended.
//!
//! The screen reads [`BoardFeed::snapshot`] without waiting: a generation number says whether the board
//! changed since it was last drawn.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use domain::api::Health;
use domain::i18n::Localized;

use crate::client::Client;

/// What the waiting-room display shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    pub office: String,
    pub notice: Localized,
    /// (counter, number, service name)
    pub serving: Vec<(String, String, Localized)>,
    /// (number, counter), most recent first.
    pub recent: Vec<(String, String)>,
    pub waiting: usize,
}

impl Default for Board {
    fn default() -> Self {
        Board { office: String::new(), notice: Localized::new("", ""), serving: vec![], recent: vec![], waiting: 0 }
    }
}

/// How the feed learns that the board changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// The live event stream, with polling while it is down (the display).
    Events,
    /// Polling only, every this often (what displays did before the stream; kept for the benchmark's
    /// side-by-side comparison and for servers that refuse the stream).
    Poll(Duration),
}

/// While the event stream is up, the board is still fetched this often.
pub const POLL_WHILE_FOLLOWING: Duration = Duration::from_secs(30);
/// While it is down (or silent for longer than [`STREAM_SILENT`]), this often.
pub const POLL_WITHOUT_STREAM: Duration = Duration::from_secs(2);
/// The server sends a keep-alive at least every 15 s; a stream silent for this long is treated as down.
pub const STREAM_SILENT: Duration = Duration::from_secs(40);
/// `/healthz` is read this often.
const HEALTH_EVERY: Duration = Duration::from_secs(60);
/// A reader stuck on a dead connection cannot be interrupted; at most this many exist at once (the
/// stuck one until its socket errors, and its replacement).
const MAX_READERS: usize = 2;
/// A new reader is started no sooner than this after the last one.
const RECONNECT_PAUSE: Duration = Duration::from_secs(2);

/// The board of a display and the threads that keep it fresh. Cloning shares it; the threads stop
/// once the last clone is dropped.
#[derive(Clone)]
pub struct BoardFeed {
    handle: Arc<Handle>,
}

/// Dropped with the last [`BoardFeed`]: tells the threads to stop.
struct Handle {
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.wake.notify_all();
    }
}

struct Shared {
    state: Mutex<FeedState>,
    wake: Condvar,
    /// Bumped whenever the board changes.
    generation: AtomicU64,
    stop: AtomicBool,
    client: Client,
    counters: Option<Vec<u16>>,
}

#[derive(Default)]
struct FeedState {
    board: Board,
    /// The last fetch succeeded.
    ok: bool,
    /// An event came since the last fetch started.
    dirty: bool,
    /// The stream is connected and last said something at `heard`.
    stream_up: bool,
    heard: Option<Instant>,
    health: Option<Health>,
    /// Readers running, whether one is still connecting, and when the last one started.
    readers: usize,
    connecting: bool,
    reader_started: Option<Instant>,
}

/// A snapshot of the feed for the screen.
#[derive(Debug, Clone)]
pub struct BoardSnapshot {
    pub board: Board,
    pub generation: u64,
    /// The last fetch succeeded (the board is current).
    pub ok: bool,
}

impl BoardFeed {
    /// Starts the threads for `client`'s server, showing the counters of `counters` (all when `None`).
    pub fn start(client: Client, counters: Option<Vec<u16>>, follow: Follow) -> BoardFeed {
        let shared = Arc::new(Shared {
            state: Mutex::new(FeedState { ok: true, dirty: true, ..FeedState::default() }),
            wake: Condvar::new(),
            generation: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            client,
            counters,
        });
        let refresher = shared.clone();
        let spawned = std::thread::Builder::new().name("board".into()).spawn(move || refresher.refresh(follow));
        if let Err(e) = spawned {
            eprintln!("kiosk-app: the board cannot be kept fresh: {e}");
        }
        BoardFeed { handle: Arc::new(Handle { shared }) }
    }

    /// The board as last fetched (never waits on the network).
    pub fn snapshot(&self) -> BoardSnapshot {
        let shared = &self.handle.shared;
        let state = shared.lock();
        BoardSnapshot {
            board: state.board.clone(),
            generation: shared.generation.load(Ordering::Acquire),
            ok: state.ok,
        }
    }

    /// Bumped whenever the board changes: compare with the one last drawn.
    pub fn generation(&self) -> u64 {
        self.handle.shared.generation.load(Ordering::Acquire)
    }

    /// Whether the last fetch succeeded.
    pub fn ok(&self) -> bool {
        self.handle.shared.lock().ok
    }

    /// Whether the live stream is connected and not silent.
    pub fn following(&self) -> bool {
        self.handle.shared.lock().following()
    }

    /// A `/healthz` answer not taken yet.
    pub fn take_health(&self) -> Option<Health> {
        self.handle.shared.lock().health.take()
    }
}

impl FeedState {
    fn following(&self) -> bool {
        self.stream_up && self.heard.is_some_and(|t| t.elapsed() < STREAM_SILENT)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FeedState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// The refresher thread's loop.
    fn refresh(self: Arc<Self>, follow: Follow) {
        let mut last_health: Option<Instant> = None;
        let mut last_fetch: Option<Instant> = None;
        while !self.stopped() {
            if follow == Follow::Events {
                self.start_reader_if_needed();
            }
            if last_health.is_none_or(|t| t.elapsed() >= HEALTH_EVERY) {
                last_health = Some(Instant::now());
                if let Ok(h) = self.client.health() {
                    self.lock().health = Some(h);
                }
            }
            let interval = match follow {
                Follow::Poll(every) => every,
                Follow::Events if self.lock().following() => POLL_WHILE_FOLLOWING,
                Follow::Events => POLL_WITHOUT_STREAM,
            };
            let due = last_fetch.is_none_or(|t| t.elapsed() >= interval);
            let dirty = std::mem::take(&mut self.lock().dirty);
            if dirty || due {
                last_fetch = Some(Instant::now());
                let fresh = fetch(&self.client, self.counters.as_deref());
                let mut state = self.lock();
                match fresh {
                    Some(board) => {
                        state.ok = true;
                        if board != state.board {
                            state.board = board;
                            self.generation.fetch_add(1, Ordering::AcqRel);
                        }
                    }
                    None => state.ok = false,
                }
            }
            let wait = interval.saturating_sub(last_fetch.map_or(Duration::ZERO, |t| t.elapsed()));
            let state = self.lock();
            if !state.dirty && !self.stopped() {
                let _ = self.wake.wait_timeout(state, wait.max(Duration::from_millis(10)));
            }
        }
    }

    /// Starts a reader of the live stream when none follows it, none is connecting, fewer than
    /// [`MAX_READERS`] run and the last one started at least [`RECONNECT_PAUSE`] ago.
    fn start_reader_if_needed(self: &Arc<Self>) {
        {
            let mut state = self.lock();
            let paused = state.reader_started.is_some_and(|t| t.elapsed() < RECONNECT_PAUSE);
            if state.following() || state.connecting || state.readers >= MAX_READERS || paused {
                return;
            }
            state.readers += 1;
            state.connecting = true;
            state.reader_started = Some(Instant::now());
        }
        let shared = self.clone();
        let spawned = std::thread::Builder::new().name("board-events".into()).spawn(move || {
            // From now on only: what happened before is in the board fetched once the stream is up.
            let result = crate::events::follow_watched(
                &shared.client,
                &mut None,
                || {
                    let mut state = shared.lock();
                    state.stream_up = true;
                    state.heard = Some(Instant::now());
                    if std::mem::take(&mut state.connecting) {
                        // Connected: what changed while it was down is fetched now.
                        state.dirty = true;
                        shared.wake.notify_all();
                    }
                    !shared.stopped()
                },
                |_event| {
                    shared.lock().dirty = true;
                    shared.wake.notify_all();
                },
            );
            let mut state = shared.lock();
            if let (Err(e), true) = (&result, state.stream_up) {
                // Said once when a stream that was up ends, not at every failed reconnection.
                report_stream_end(e);
            }
            state.stream_up = false;
            state.connecting = false;
            state.readers -= 1;
            drop(state);
            // Retried by the refresher, no sooner than RECONNECT_PAUSE after this reader started.
            shared.wake.notify_all();
        });
        if spawned.is_err() {
            let mut state = self.lock();
            state.readers -= 1;
            state.connecting = false;
        }
    }
}

/// The stream's end is expected (server restart, network loss); say it once per end, briefly.
fn report_stream_end(e: &crate::client::ClientError) {
    eprintln!("kiosk-app: the board's live events stopped ({e}); polling until they are back");
}

/// The waiting-room board from the server, for `counters` (every counter when `None`).
pub fn fetch(client: &Client, counters: Option<&[u16]>) -> Option<Board> {
    let shown = |id: &serde_json::Value| {
        counters.is_none_or(|mine| id.as_u64().is_some_and(|id| mine.iter().any(|&c| u64::from(c) == id)))
    };
    let v: serde_json::Value = client.get_json("/api/v1/board?recent=6").ok()?;
    let loc = |v: &serde_json::Value| {
        Localized::new(v["vi"].as_str().unwrap_or_default(), v["en"].as_str().unwrap_or_default())
    };
    let serving = v["counters"]
        .as_array()?
        .iter()
        .filter(|c| shown(&c["id"]))
        .filter_map(|c| {
            let number = c["number"].as_str()?;
            Some((c["id"].to_string(), number.to_owned(), loc(&c["service_name"])))
        })
        .collect();
    let recent = v["recent"]
        .as_array()?
        .iter()
        .filter(|c| shown(&c["counter"]))
        .filter_map(|c| Some((c["number"].as_str()?.to_owned(), c["counter"].to_string())))
        .collect();
    let waiting = v["services"].as_array()?.iter().filter_map(|s| s["waiting"].as_u64()).sum::<u64>() as usize;
    Some(Board { office: loc(&v["office"]).vi, notice: loc(&v["notice"]), serving, recent, waiting })
}
