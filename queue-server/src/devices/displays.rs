//! What each counter's LED display shows, from the same events the web pages follow: the number
//! called to the counter (steady while called and served), blinking for `blink_s` after a recall,
//! blank when the counter has nobody. A refused key press shows `----` blinking for a moment.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use counter_devices::{Frame, Mode};
use domain::event::EventKind;
use domain::office::CounterId;
use domain::queue::{OfficeState, TicketStatus};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

use crate::office::Office;

/// The frame each counter with a display should show.
pub(crate) type Frames = Arc<HashMap<CounterId, Frame>>;

/// A frame shown instead of the counter's own for a while.
#[derive(Debug, Clone)]
pub(crate) struct Flash {
    pub counter: CounterId,
    pub frame: Frame,
    pub for_how_long: Duration,
}

/// How long a refused key press shows `----`.
pub(crate) const REFUSED_FLASH: Duration = Duration::from_secs(2);

pub(crate) fn refused_frame() -> Frame {
    Frame::new("----", Mode::Blink)
}

/// The counter's own frame: its called or served ticket's number, or blank.
pub(crate) fn counter_frame(state: &OfficeState, counter: CounterId, recalled: bool) -> Frame {
    let ticket = state.counters.get(&counter).and_then(|c| c.current).and_then(|id| state.ticket(id));
    match ticket {
        Some(t) if matches!(t.status, TicketStatus::Called { .. } | TicketStatus::Serving { .. }) => {
            Frame::new(&t.label, if recalled { Mode::Blink } else { Mode::Steady })
        }
        _ => Frame::blank(),
    }
}

enum Override {
    Recalled,
    Show(Frame),
}

/// Keeps `frames` equal to what every counter in `counters` should show.
pub(crate) async fn drive(
    office: Office,
    counters: Vec<CounterId>,
    blink: Duration,
    frames: watch::Sender<Frames>,
    mut flashes: mpsc::Receiver<Flash>,
) {
    let mut events = office.subscribe();
    let mut overrides: HashMap<CounterId, (Override, Instant)> = HashMap::new();
    loop {
        let wanted: HashMap<CounterId, Frame> = office.read(|state| {
            counters
                .iter()
                .map(|&c| {
                    let frame = match overrides.get(&c) {
                        Some((Override::Show(frame), _)) => frame.clone(),
                        Some((Override::Recalled, _)) => counter_frame(state, c, true),
                        None => counter_frame(state, c, false),
                    };
                    (c, frame)
                })
                .collect()
        });
        frames.send_if_modified(|current| {
            let changed = **current != wanted;
            if changed {
                *current = Arc::new(wanted);
            }
            changed
        });
        let next_expiry = overrides.values().map(|(_, until)| *until).min();
        tokio::select! {
            received = events.recv() => match received {
                Ok(event) => match &event.kind {
                    EventKind::TicketRecalled { counter, .. } if !blink.is_zero() => {
                        overrides.insert(*counter, (Override::Recalled, Instant::now() + blink));
                    }
                    EventKind::TicketCalled { counter, .. }
                    | EventKind::TicketFinished { counter, .. }
                    | EventKind::TicketMissed { counter, .. }
                    | EventKind::TicketParked { counter, .. } => {
                        overrides.remove(counter);
                    }
                    _ => {}
                },
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            Some(flash) = flashes.recv() => {
                overrides.insert(flash.counter, (Override::Show(flash.frame), Instant::now() + flash.for_how_long));
            }
            () = sleep_until(next_expiry) => {
                let now = Instant::now();
                overrides.retain(|_, (_, until)| *until > now);
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
