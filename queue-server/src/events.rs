//! Live events by Server-Sent Events: `GET /api/v1/events`. Each event's `id` is its log sequence, so
//! a client that reconnects with `Last-Event-ID` (or `?last_event_id=`) gets everything it missed from
//! the log, then the live stream.
//!
//! Each subscriber is fed by its own task into a small channel that the response body drains:
//! - **Catching up** reads the log a page at a time (`PAGE` events, on the blocking pool) while the
//!   subscriber is behind the committed head, so a subscriber 100 000 events behind costs one page of
//!   memory and yields between pages; live events arriving meanwhile are not queued (they are read
//!   from the log in turn).
//! - **Live**: a committed event that follows the last one sent is sent from the broadcast; a gap or a
//!   lagged broadcast sends the feed back to the log, and so does a published head (`Office::published`,
//!   moved after each batch is broadcast) with nothing left on the broadcast to reach it.
//! - **Cut, with a reason** (the client resumes from its last id): a subscriber that takes no event for
//!   `stream_stall_timeout_s`, or whose backlog grows by more than `stream_max_lag_events` while it is
//!   being fed (it cannot keep up), or whose token stops being valid (device revoked, staff disabled,
//!   logged out) — checked at once when access changes.
//! - **Filtered per role** by [`visible`]: see the table in ARCHITECTURE.md.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::Extension;
use domain::event::{Actor, Event, EventKind, RatingSubject};
use domain::office::Role;
use futures_util::stream::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

use crate::auth::{Caller, RequestToken, Who};
use crate::error::AppError;
use crate::http::{AppState, Query};
use crate::store;

/// Events read from the log at once while catching up.
const PAGE: usize = 256;
/// Events waiting in a subscriber's channel at most (the rest waits in the log).
const CHANNEL: usize = 64;

#[derive(Deserialize)]
pub struct EventQuery {
    last_event_id: Option<u64>,
    /// Comma-separated event types to receive (all when absent).
    types: Option<String>,
    /// Only for the browser's EventSource (checked by `auth` from the route table).
    #[serde(rename = "access_token")]
    _access_token: Option<String>,
}

pub async fn stream(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Extension(RequestToken(token)): Extension<RequestToken>,
    headers: HeaderMap,
    Query(q): Query<EventQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, AppError> {
    let from_header = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    // Subscribe before reading where to start, so nothing falls between the two.
    let live = app.office.subscribe();
    let head = app.office.committed_seq();
    let last = from_header.or(q.last_event_id).unwrap_or(head).min(head);
    let types = q
        .types
        .map(|t| t.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).take(64).collect::<Vec<_>>());
    let (tx, rx) = mpsc::channel(CHANNEL);
    let feed = Feed { app: app.clone(), caller, token, types, last, tx };
    app.metrics.sse_subscribers.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tokio::spawn(async move {
        let guard = SubscriberGuard(feed.app.clone());
        let reason = feed.run(live).await;
        tracing::debug!("event stream ended: {reason:?}");
        drop(guard);
    });
    // Keep-alive comments more often than the idle timeout, so only a peer that stopped reading is idle.
    let every = Duration::from_secs((app.server.idle_timeout_s / 2).clamp(1, 15));
    Ok(Sse::new(ReceiverStream::new(rx).map(Ok)).keep_alive(KeepAlive::new().interval(every)))
}

/// Why a feed ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    ClientGone,
    Stalled,
    TooSlow,
    AccessRevoked,
    ServerStopping,
}

impl End {
    fn code(self) -> &'static str {
        match self {
            End::ClientGone => "client_gone",
            End::Stalled => "stalled",
            End::TooSlow => "too_slow",
            End::AccessRevoked => "access_revoked",
            End::ServerStopping => "server_stopping",
        }
    }

    fn message(self) -> domain::Localized {
        match self {
            End::TooSlow | End::Stalled | End::ClientGone => domain::Localized::new(
                "Kết nối nhận sự kiện chậm hơn máy chủ; hãy kết nối lại với Last-Event-ID để nhận tiếp.",
                "This event stream fell too far behind; reconnect with Last-Event-ID to resume.",
            ),
            End::AccessRevoked => domain::Localized::new(
                "Thiết bị hoặc phiên đăng nhập không còn hiệu lực.",
                "This device or login is no longer valid.",
            ),
            End::ServerStopping => domain::Localized::new("Máy chủ đang dừng.", "The server is stopping."),
        }
    }
}

struct Feed {
    app: Arc<AppState>,
    caller: Caller,
    token: String,
    types: Option<Vec<String>>,
    /// The last sequence sent or passed over.
    last: u64,
    tx: mpsc::Sender<SseEvent>,
}

impl Feed {
    async fn run(mut self, mut live: tokio::sync::broadcast::Receiver<Arc<Event>>) -> End {
        let mut access = self.app.access_changed.subscribe();
        let stall = Duration::from_secs(self.app.server.stream_stall_timeout_s);
        let max_lag = self.app.server.stream_max_lag_events;
        // The smallest backlog seen while catching up: a backlog that grows past it by `max_lag` means
        // the head moves faster than this subscriber reads.
        let mut least_lag: Option<u64> = None;
        let mut published = self.app.office.published();
        // Set when the broadcast skipped past this subscriber (a gap, a lag): the log has the rest.
        let mut missed = false;
        let end = loop {
            let head = *published.borrow_and_update();
            if self.last >= head {
                missed = false;
                least_lag = None;
            }
            // Behind, with nothing pending on the broadcast (or a gap in it): read the log. Reading it
            // for every batch that is still being broadcast would put every live subscriber on the
            // one reader connection after each commit.
            if self.last < head && (missed || live.is_empty()) {
                let lag = head - self.last;
                let least = *least_lag.get_or_insert(lag);
                if lag > least.saturating_add(max_lag) {
                    break End::TooSlow;
                }
                least_lag = Some(least.min(lag));
                let after = self.last;
                let page = match self
                    .app
                    .office
                    .query(move |c| store::events_after(c, after, PAGE).map_err(AppError::from))
                    .await
                {
                    Ok(page) => page,
                    Err(e) => {
                        tracing::warn!("event stream: cannot read the log: {e}");
                        break End::ServerStopping;
                    }
                };
                if page.is_empty() {
                    // The head moved but the reader does not see it yet: wait for the next commit.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                for event in page {
                    if let Err(end) = self.send(&event, stall).await {
                        return self.finish(end).await;
                    }
                }
                if access.has_changed().unwrap_or(false) {
                    access.mark_unchanged();
                    if !self.still_allowed().await {
                        break End::AccessRevoked;
                    }
                }
                continue;
            }
            tokio::select! {
                received = live.recv() => match received {
                    Ok(event) if event.seq == self.last + 1 => {
                        if let Err(end) = self.send(&event, stall).await {
                            return self.finish(end).await;
                        }
                    }
                    Ok(event) if event.seq <= self.last => {}
                    Ok(_) | Err(RecvError::Lagged(_)) => missed = true,
                    Err(RecvError::Closed) => break End::ServerStopping,
                },
                // Events another process appended are published without a broadcast.
                changed = published.changed() => if changed.is_err() { break End::ServerStopping },
                changed = access.changed() => {
                    if changed.is_err() || !self.still_allowed().await {
                        break End::AccessRevoked;
                    }
                }
                _ = self.tx.closed() => break End::ClientGone,
            }
        };
        self.finish(end).await
    }

    /// Sends one event if this subscriber may see it; an event it may not see only moves `last`.
    async fn send(&mut self, event: &Event, stall: Duration) -> Result<(), End> {
        self.last = event.seq;
        let Some(shown) = visible(&self.caller, event) else { return Ok(()) };
        if self.types.as_ref().is_some_and(|t| !t.iter().any(|name| name == shown.kind.name())) {
            return Ok(());
        }
        let data = serde_json::to_string(&shown).unwrap_or_default();
        let sse = SseEvent::default().id(shown.seq.to_string()).event(shown.kind.name()).data(data);
        match tokio::time::timeout(stall, self.tx.send(sse)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::ClientGone),
            Err(_) => Err(End::Stalled),
        }
    }

    /// Re-checks the token; a caller still allowed is taken as it is now (a rating terminal moved to
    /// another counter is filtered by its new counter from here on).
    async fn still_allowed(&mut self) -> bool {
        match crate::auth::resolve(&self.app, &self.token).await {
            Ok(Some(now)) if now.role == self.caller.role => {
                self.caller = now;
                true
            }
            _ => false,
        }
    }

    /// Tells the client why the stream ends (an event without an id, so its resume point stays the
    /// last event it got), unless it is gone or not reading.
    async fn finish(self, end: End) -> End {
        if !matches!(end, End::ClientGone | End::Stalled) {
            let data =
                serde_json::json!({ "reason": end.code(), "last_event_id": self.last, "message": end.message() });
            let sse = SseEvent::default().event("stream_end").data(data.to_string());
            let _ = tokio::time::timeout(Duration::from_secs(1), self.tx.send(sse)).await;
        }
        if end != End::ClientGone {
            tracing::info!(
                "event stream of {} cut: {} (resumes after {})",
                self.caller.id_string(),
                end.code(),
                self.last
            );
        }
        end
    }
}

/// What a subscriber with this role is told of an event: `None` hides it, `Some` may be a redacted copy.
///
/// - admin, supervisor: everything.
/// - officer: everything but the staff-only kinds (accounts, devices, login lockouts, dossier imports).
/// - devices (kiosk, rating terminal, display): the queue as a waiting room sees it — settings,
///   services, counters (without their receipt printer), tickets issued/called/recalled/started/finished/missed/parked/unparked/
///   transferred/cancelled, day close — with the actor hidden, no officer usernames, no idempotency
///   keys or device ids on tickets; a rating terminal also gets `rating_invited` and the
///   `rating_recorded` of its own counter (no comment, no officer, no dossier code); a kiosk its own
///   leases. Never dossier links, receipts, ratings of others, or staff-only kinds.
pub fn visible(caller: &Caller, event: &Event) -> Option<Event> {
    let staff_only = matches!(
        event.kind,
        EventKind::StaffSaved { .. }
            | EventKind::DeviceEnrolled { .. }
            | EventKind::DeviceUpdated { .. }
            | EventKind::DeviceRevoked { .. }
            | EventKind::LoginLockedOut { .. }
            | EventKind::DossierImported { .. }
    );
    match caller.role {
        Role::Admin | Role::Supervisor => return Some(event.clone()),
        Role::Officer => return (!staff_only).then(|| event.clone()),
        Role::TicketKiosk | Role::RatingTerminal | Role::Display => {}
    }
    if staff_only {
        return None;
    }
    let own_device = match caller.who {
        Who::Device { device_id } => Some(device_id),
        Who::Staff { .. } => None,
    };
    let kind = match &event.kind {
        EventKind::SettingsChanged { .. }
        | EventKind::ServiceSaved { .. }
        | EventKind::ProcedureSaved { .. }
        | EventKind::TicketRecalled { .. }
        | EventKind::ServiceStarted { .. }
        | EventKind::TicketFinished { .. }
        | EventKind::TicketMissed { .. }
        | EventKind::TicketParked { .. }
        | EventKind::TicketUnparked { .. }
        | EventKind::TicketTransferred { .. }
        | EventKind::TicketCancelled { .. }
        | EventKind::DayClosed { .. } => event.kind.clone(),
        // A counter's receipt printer address is for staff.
        EventKind::CounterSaved { counter } => {
            EventKind::CounterSaved { counter: domain::event::CounterV1 { receipt_printer: None, ..counter.clone() } }
        }
        // Receipts are staff business: a device learns nothing of who lodged which dossier when.
        EventKind::ReceiptIssued { .. } => return None,
        EventKind::TicketIssued { .. } => {
            let mut kind = event.kind.clone();
            if let EventKind::TicketIssued { idempotency_key, device, lease, .. } = &mut kind {
                *idempotency_key = None;
                if *device != own_device {
                    *device = None;
                    *lease = None;
                }
            }
            kind
        }
        EventKind::TicketCalled { ticket, counter, how, .. } => {
            EventKind::TicketCalled { ticket: *ticket, counter: *counter, officer: None, how: *how }
        }
        EventKind::RatingInvited { .. } if caller.role == Role::RatingTerminal => event.kind.clone(),
        EventKind::RatingRecorded {
            rating,
            subject,
            counter,
            stage,
            level,
            answers,
            indicator_set,
            choices,
            computed,
            ..
        } if caller.role == Role::RatingTerminal
            && counter.is_some()
            && caller.counters.contains(&counter.unwrap_or(0)) =>
        {
            EventKind::RatingRecorded {
                rating: *rating,
                subject: match subject {
                    RatingSubject::Ticket(t) => RatingSubject::Ticket(*t),
                    RatingSubject::Dossier(_) => return None,
                },
                counter: *counter,
                officer: None,
                stage: *stage,
                level: *level,
                answers: answers.clone(),
                comment: None,
                indicator_set: indicator_set.clone(),
                choices: choices.clone(),
                computed: computed.clone(),
                proof: None,
            }
        }
        EventKind::LeaseGranted { device, .. } if Some(*device) == own_device => event.kind.clone(),
        EventKind::LeaseClosed { .. } if caller.role == Role::TicketKiosk => event.kind.clone(),
        _ => return None,
    };
    Some(Event { seq: event.seq, id: event.id, at: event.at, actor: Actor::Hidden, kind })
}

struct SubscriberGuard(Arc<AppState>);

impl Drop for SubscriberGuard {
    fn drop(&mut self) {
        self.0.metrics.sse_subscribers.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}
