//! Live events by Server-Sent Events: `GET /api/v1/events`, each event's `id` is its log sequence, so
//! a client that reconnects with `Last-Event-ID` (or `?last_event_id=`) gets everything it missed from
//! the log, then the live stream. Devices do not receive staff and personal-data events.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use domain::event::{Event, EventKind};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Caller;
use crate::error::AppError;
use crate::http::AppState;
use crate::store;

#[derive(Deserialize)]
pub struct EventQuery {
    last_event_id: Option<u64>,
    /// Comma-separated event types to receive (all when absent).
    types: Option<String>,
}

struct Feed {
    app: Arc<AppState>,
    rx: tokio::sync::broadcast::Receiver<Arc<Event>>,
    last: u64,
    pending: VecDeque<Event>,
    staff: bool,
    types: Option<Vec<String>>,
}

impl Feed {
    fn backfill(&mut self) {
        let conn = self.app.office.reader.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(events) = store::events_after(&conn, self.last, 1000) {
            self.pending.extend(events);
        }
    }

    fn wanted(&self, e: &Event) -> bool {
        let private = matches!(
            e.kind,
            EventKind::DossierImported { .. } | EventKind::StaffSaved { .. } | EventKind::DeviceEnrolled { .. }
        );
        (self.staff || !private) && self.types.as_ref().is_none_or(|t| t.iter().any(|name| name == e.kind.name()))
    }
}

pub async fn stream(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<EventQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, AppError> {
    let from_header = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    // Subscribe before reading the backlog so nothing falls between the two.
    let rx = app.office.events.subscribe();
    let last = from_header.or(q.last_event_id).unwrap_or_else(|| app.office.read(|s| s.last_seq));
    let types = q.types.map(|t| t.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect());
    let mut feed = Feed { app: app.clone(), rx, last, pending: VecDeque::new(), staff: caller.role.is_staff(), types };
    feed.backfill();
    app.metrics.sse_subscribers.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let guard = SubscriberGuard(app.clone());
    let events = stream::unfold((feed, guard), |(mut feed, guard)| async move {
        loop {
            if let Some(e) = feed.pending.pop_front() {
                if e.seq <= feed.last {
                    continue;
                }
                if e.seq > feed.last + 1 {
                    // Something is missing between the last sent event and this one: read the log.
                    feed.pending.push_front(e);
                    let before = feed.pending.len();
                    feed.backfill();
                    if feed.pending.len() == before {
                        let e = feed.pending.pop_front().expect("just pushed");
                        feed.last = e.seq;
                    }
                    continue;
                }
                feed.last = e.seq;
                if !feed.wanted(&e) {
                    continue;
                }
                let data = serde_json::to_string(&e).unwrap_or_default();
                let sse = SseEvent::default().id(e.seq.to_string()).event(e.kind.name()).data(data);
                return Some((Ok(sse), (feed, guard)));
            }
            match feed.rx.recv().await {
                Ok(e) => feed.pending.push_back((*e).clone()),
                Err(RecvError::Lagged(_)) => feed.backfill(),
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

struct SubscriberGuard(Arc<AppState>);

impl Drop for SubscriberGuard {
    fn drop(&mut self) {
        self.0.metrics.sse_subscribers.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}
