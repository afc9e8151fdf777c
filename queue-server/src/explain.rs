//! "Why was I skipped?" over the stored log (`domain::explain` does the replaying).
//!
//! `queue-server explain` replays the log from its start up to the asked day. The running server
//! answers `GET /api/v1/explain` for today's tickets: it keeps the state as it was before the office
//! day's first event ([`DayStart`]), made once by a replay of the log and then moved forward day by
//! day, so a question replays only today's events. The replay reads its own connection on the
//! blocking pool, never the writer's or the shared reader.

use std::ops::ControlFlow;
use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use domain::clock::local_day;
use domain::event::Event;
use domain::explain::{ExplainError, Explainer, Explanation};
use domain::i18n::{Lang, Localized};
use domain::queue::OfficeState;
use rusqlite::Connection;
use schemars::JsonSchema;
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use crate::error::AppError;
use crate::http::{AppState, Query};
use crate::store::{self, StoreError};

/// Why a log could not be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainFailure {
    #[error(transparent)]
    Explain(#[from] ExplainError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Explains ticket `number` of `day` (default: today in the office's time) from the whole log.
pub fn from_log(
    conn: &Connection,
    day: Option<Date>,
    number: &str,
    now: OffsetDateTime,
) -> Result<Explanation, ExplainFailure> {
    let mut before = Some(OfficeState::default());
    let mut explainer: Option<Explainer> = None;
    let mut failed = None;
    store::each_event_after(conn, 0, |event| {
        if let Some(state) = before.as_mut() {
            let day = day.unwrap_or_else(|| local_day(now, state.settings.offset()));
            if local_day(event.at, state.settings.offset()) < day {
                state.apply(&event);
                return ControlFlow::Continue(());
            }
            match Explainer::new(before.take().unwrap_or_default(), day, number) {
                Ok(x) => explainer = Some(x),
                Err(e) => {
                    failed = Some(e);
                    return ControlFlow::Break(());
                }
            }
        }
        feed(explainer.as_mut(), &event)
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    let explainer = match (explainer, before) {
        (Some(x), _) => x,
        // The log ends before the day: nothing of that day to explain.
        (None, state) => {
            let state = state.unwrap_or_default();
            let day = day.unwrap_or_else(|| local_day(now, state.settings.offset()));
            Explainer::new(state, day, number)?
        }
    };
    Ok(explainer.finish()?)
}

fn feed(explainer: Option<&mut Explainer>, event: &Event) -> ControlFlow<()> {
    match explainer {
        Some(x) => {
            x.feed(event);
            if x.done() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
        None => ControlFlow::Continue(()),
    }
}

/// The replayed state just before the first event of an office day, and the last seq folded into it.
struct Snapshot {
    day: Date,
    seq: u64,
    state: OfficeState,
}

/// The server's start-of-day state for explanations (one per server; see the module doc).
#[derive(Default)]
pub struct DayStart(tokio::sync::Mutex<Option<Snapshot>>);

impl Snapshot {
    /// Moves the snapshot forward to just before `day`'s first event.
    fn advance(&mut self, conn: &Connection, day: Date) -> Result<(), StoreError> {
        if self.day >= day {
            return Ok(());
        }
        let (mut state, mut seq) = (std::mem::take(&mut self.state), self.seq);
        store::each_event_after(conn, seq, |event| {
            if local_day(event.at, state.settings.offset()) >= day {
                return ControlFlow::Break(());
            }
            seq = event.seq;
            state.apply(&event);
            ControlFlow::Continue(())
        })?;
        // Keep only what orders the queue: dossier links and ratings grow with the years.
        *self = Snapshot { day, seq, state: state.queue_snapshot() };
        Ok(())
    }

    fn explain(&self, conn: &Connection, number: &str) -> Result<Explanation, ExplainFailure> {
        let mut explainer = Explainer::new(self.state.queue_snapshot(), self.day, number)?;
        store::each_event_after(conn, self.seq, |event| feed(Some(&mut explainer), &event))?;
        Ok(explainer.finish()?)
    }
}

/// `GET /api/v1/explain?number=A025`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ExplainQuery {
    /// The printed number of a ticket taken today, e.g. `A025`.
    #[schemars(regex(pattern = domain::api::schema::TICKET_NUMBER))]
    pub number: String,
}

/// `GET /api/v1/explain`: why today's ticket `number` was (or is still not) called — the other
/// tickets called first at the counters that serve it, each with the engine's rule.
pub(crate) async fn handler(
    State(app): State<Arc<AppState>>,
    Query(query): Query<ExplainQuery>,
) -> Result<Json<Explanation>, AppError> {
    if query.number.chars().count() > 16 {
        return Err(failure(ExplainError::BadNumber(query.number.chars().take(16).collect())));
    }
    let today = app.office.read(|s| local_day(OffsetDateTime::now_utc(), s.settings.offset()));
    let dir = app.office.dir().to_path_buf();
    let mut guard = app.explain.0.lock().await;
    let mut snapshot = guard.take();
    let number = query.number;
    let (snapshot, result) = tokio::task::spawn_blocking(move || {
        let result = (|| {
            let conn = store::open_reader(&dir)?;
            let snap =
                snapshot.get_or_insert_with(|| Snapshot { day: Date::MIN, seq: 0, state: OfficeState::default() });
            snap.advance(&conn, today)?;
            snap.explain(&conn, &number)
        })();
        (snapshot, result)
    })
    .await
    .map_err(|e| AppError::Unavailable(format!("explain failed: {e}")))?;
    *guard = snapshot;
    drop(guard);
    match result {
        Ok(explanation) => Ok(Json(explanation)),
        Err(ExplainFailure::Explain(e)) => Err(failure(e)),
        Err(ExplainFailure::Store(e)) => Err(e.into()),
    }
}

fn failure(e: ExplainError) -> AppError {
    let Localized { vi, en } = e.message();
    match e {
        ExplainError::BadNumber(n) => AppError::bad("invalid_ticket_number", n, vi, en),
        ExplainError::NotFound { number, .. } => AppError::bad("ticket_not_found", number, vi, en),
    }
}

/// The explanation as text for a terminal, in one language.
pub fn render(e: &Explanation, lang: Lang) -> String {
    let offset = time::UtcOffset::from_whole_seconds(e.utc_offset_s).unwrap_or(time::UtcOffset::UTC);
    let t = |l: &Localized| l.get(lang).to_string();
    let mut out = String::new();
    let (status_word, ahead_word, history, before, summary) = match lang {
        Lang::Vi => ("Trạng thái", "người trước", "Diễn biến", "Được gọi trước", "Tóm tắt"),
        Lang::En => ("Status", "ahead", "History", "Called first", "Summary"),
    };
    out.push_str(&format!(
        "{} — {} — {} {}\n",
        e.number,
        domain::clock::format_date(e.day),
        e.service,
        t(&e.priority.name())
    ));
    out.push_str(&format!("{status_word}: {}", t(&domain::explain::status_name(&e.status))));
    if let Some(n) = e.ahead_now {
        out.push_str(&format!(" ({n} {ahead_word})"));
    }
    out.push_str("\n\n");
    out.push_str(&format!("{history}:\n"));
    for s in &e.history {
        out.push_str(&format!("  {}\n", t(&s.text)));
    }
    out.push_str(&format!("\n{before} ({}):\n", e.called_before_total));
    for c in &e.called_before {
        let local = c.at.to_offset(offset);
        let officer = c.officer.as_deref().map(|o| format!(" {o}")).unwrap_or_default();
        out.push_str(&format!(
            "  {:02}:{:02}  {:<7} → {}{officer}: {}\n",
            local.hour(),
            local.minute(),
            c.number,
            c.counter,
            t(&c.text)
        ));
    }
    if e.called_before_total > e.called_before.len() {
        out.push_str(&format!("  … {}\n", e.called_before_total - e.called_before.len()));
    }
    out.push_str(&format!("\n{summary}: {}\n", t(&e.summary)));
    out
}
