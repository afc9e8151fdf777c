//! One task per bus: opens its port (retried with backoff while it fails), writes each display's
//! frame when it changes, polls the keypads, and hands presses to the keypad task. Nothing else
//! waits on a bus: the queue never blocks on serial IO, and a silent board is asked again only after
//! a growing pause (at most 5 s), so it costs the others at most one reply timeout now and then.

use std::collections::HashMap;
use std::time::Duration;

use counter_devices::{DeviceError, Frame, KeyPoll, PortSettings, Protocol};
use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};

use super::config::{BusConfig, KeypadConfig};
use super::displays::Frames;
use super::DeviceStatus;

/// Presses read from one keypad.
pub(crate) struct Presses {
    pub bus: usize,
    pub keypad: KeypadConfig,
    pub poll: KeyPoll,
}

pub(crate) struct BusTask {
    /// Index of the bus in the status list.
    pub index: usize,
    pub config: BusConfig,
    pub poll: Duration,
    pub reply_timeout: Duration,
    pub status: DeviceStatus,
    pub frames: watch::Receiver<Frames>,
    pub presses: mpsc::Sender<Presses>,
}

const MAX_PORT_BACKOFF: Duration = Duration::from_secs(30);
const MAX_BOARD_BACKOFF: Duration = Duration::from_secs(5);

/// When a failing board is asked next.
#[derive(Default)]
struct Backoff {
    failures: HashMap<u8, (u32, Instant)>,
}

impl Backoff {
    fn due(&self, address: u8) -> bool {
        self.failures.get(&address).is_none_or(|(_, next)| Instant::now() >= *next)
    }

    fn failed(&mut self, address: u8) {
        let entry = self.failures.entry(address).or_insert((0, Instant::now()));
        entry.0 += 1;
        let pause = Duration::from_millis(250).saturating_mul(1 << entry.0.min(5)).min(MAX_BOARD_BACKOFF);
        entry.1 = Instant::now() + pause;
    }

    fn answered(&mut self, address: u8) {
        self.failures.remove(&address);
    }
}

impl BusTask {
    pub(crate) async fn run(mut self) {
        let port =
            PortSettings { path: self.config.port.clone(), baud: self.config.baud, reply_timeout: self.reply_timeout };
        let mut pause = Duration::from_secs(1);
        loop {
            match counter_devices::open(self.config.protocol, &port) {
                Ok(mut bus) => {
                    pause = Duration::from_secs(1);
                    self.set_port(None);
                    let error = self.session(bus.as_mut()).await;
                    tracing::warn!("devices: bus {}: {error}; reopening", self.config.name);
                    self.set_port(Some(error.to_string()));
                    // A port that opens and fails at once must not spin.
                    tokio::time::sleep(pause).await;
                }
                Err(error) => {
                    self.set_port(Some(error.to_string()));
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_PORT_BACKOFF);
                }
            }
        }
    }

    /// Serves an open port until it fails.
    async fn session(&mut self, bus: &mut dyn Protocol) -> DeviceError {
        let mut sent: HashMap<u8, Frame> = HashMap::new();
        let mut backoff = Backoff::default();
        let mut tick = tokio::time::interval(self.poll);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut frames_open = true;
        loop {
            if let Err(e) = self.write_displays(bus, &mut sent, &mut backoff).await {
                return e;
            }
            tokio::select! {
                changed = self.frames.changed(), if frames_open => {
                    frames_open = changed.is_ok();
                    continue;
                }
                _ = tick.tick() => {}
            }
            for keypad in self.config.keypads.clone() {
                // A call waits behind at most one keypad exchange, not a whole sweep of them.
                if self.frames.has_changed().unwrap_or(false) {
                    if let Err(e) = self.write_displays(bus, &mut sent, &mut backoff).await {
                        return e;
                    }
                }
                if !backoff.due(keypad.address) {
                    continue;
                }
                match bus.poll_keys(keypad.address).await {
                    Ok(poll) => {
                        backoff.answered(keypad.address);
                        self.board_answered(keypad.address, None);
                        if !poll.keys.is_empty() || poll.lost > 0 {
                            let presses = Presses { bus: self.index, keypad, poll };
                            if self.presses.try_send(presses).is_err() {
                                tracing::warn!(
                                    "devices: bus {}: key presses dropped (commands backed up)",
                                    self.config.name
                                );
                            }
                        }
                    }
                    Err(e) if e.is_port_failure() => return e,
                    Err(e) => {
                        backoff.failed(keypad.address);
                        self.board_failed(keypad.address, &e);
                    }
                }
            }
        }
    }

    /// Writes each display whose frame differs from what it was last sent; only a port failure is an
    /// error (a silent board is recorded and backed off).
    async fn write_displays(
        &mut self,
        bus: &mut dyn Protocol,
        sent: &mut HashMap<u8, Frame>,
        backoff: &mut Backoff,
    ) -> Result<(), DeviceError> {
        let wanted = self.frames.borrow_and_update().clone();
        for display in &self.config.displays {
            let frame = wanted.get(&display.counter).cloned().unwrap_or_else(Frame::blank);
            if sent.get(&display.address) == Some(&frame) || !backoff.due(display.address) {
                continue;
            }
            match bus.show(display.address, &frame).await {
                Ok(()) => {
                    backoff.answered(display.address);
                    self.board_answered(display.address, Some(frame.text().to_string()));
                    sent.insert(display.address, frame);
                }
                Err(e) if e.is_port_failure() => return Err(e),
                Err(e) => {
                    backoff.failed(display.address);
                    self.board_failed(display.address, &e);
                }
            }
        }
        Ok(())
    }

    fn set_port(&self, error: Option<String>) {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        let bus = &mut status[self.index];
        let connected = error.is_none();
        if bus.connected != connected || bus.since.is_none() {
            bus.since = Some(OffsetDateTime::now_utc());
        }
        if connected {
            bus.opens += 1;
        }
        bus.connected = connected;
        bus.error = error;
    }

    fn board_answered(&self, address: u8, showing: Option<String>) {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(board) = status[self.index].boards.iter_mut().find(|b| b.address == address) {
            board.ok = true;
            board.error = None;
            board.last_answer_at = Some(OffsetDateTime::now_utc());
            if showing.is_some() {
                board.showing = showing;
            }
        }
    }

    fn board_failed(&self, address: u8, error: &DeviceError) {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(board) = status[self.index].boards.iter_mut().find(|b| b.address == address) {
            board.ok = false;
            board.error = Some(error.to_string());
        }
    }
}
