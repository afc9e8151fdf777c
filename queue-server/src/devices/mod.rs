//! Counter LED displays and caller keypads on serial buses (`[devices]`).
//!
//! - [`config`]: the section and its validation;
//! - `displays`: what each counter's display should show, from the event stream;
//! - `bus`: one task per bus — port, display writes, keypad polls, status;
//! - `keypads`: presses to the counter page's commands, as the officer at the desk.
//!
//! The wire protocols are in the `counter-devices` crate; this module decides what they carry.
//! Architecture invariant: no request handler and no writer job waits on a serial port; the tasks
//! here only read the projection and submit commands like any other client.

mod bus;
pub mod config;
mod displays;
mod keypads;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::Json;
use domain::api::{DeviceBoardView, DeviceBusView};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use config::DevicesConfig;

use crate::auth::Caller;
use crate::http::AppState;

/// The buses' live status, for the admin page and metrics.
pub type DeviceStatus = Arc<Mutex<Vec<DeviceBusView>>>;

/// Starts the buses; refuses a board whose counter does not exist.
pub fn start(app: Arc<AppState>, config: &DevicesConfig) -> Result<Vec<JoinHandle<()>>, String> {
    let known: HashSet<_> = app.office.read(|s| s.counters.keys().copied().collect());
    if let Some(unknown) = config.counters().find(|c| !known.contains(c)) {
        return Err(format!("[devices]: counter {unknown} does not exist in this office"));
    }
    *app.devices.lock().unwrap_or_else(|e| e.into_inner()) = config.buses.iter().map(initial_view).collect();
    let mut counters: Vec<_> = config.buses.iter().flat_map(|b| b.displays.iter().map(|d| d.counter)).collect();
    counters.sort_unstable();
    counters.dedup();
    let (frames_tx, frames_rx) = watch::channel(Arc::default());
    let (flash_tx, flash_rx) = mpsc::channel(64);
    let (press_tx, press_rx) = mpsc::channel(256);
    let blink = Duration::from_secs(config.blink_s);
    let mut tasks = vec![
        tokio::spawn(displays::drive(app.office.clone(), counters, blink, frames_tx, flash_rx)),
        tokio::spawn(keypads::run(app.clone(), press_rx, flash_tx, app.devices.clone())),
    ];
    for (index, bus) in config.buses.iter().enumerate() {
        let task = bus::BusTask {
            index,
            config: bus.clone(),
            poll: Duration::from_millis(config.poll_ms),
            reply_timeout: Duration::from_millis(config.reply_timeout_ms),
            status: app.devices.clone(),
            frames: frames_rx.clone(),
            presses: press_tx.clone(),
        };
        tasks.push(tokio::spawn(task.run()));
    }
    Ok(tasks)
}

fn initial_view(bus: &config::BusConfig) -> DeviceBusView {
    let board = |kind: &str, address, counter| DeviceBoardView {
        kind: kind.to_string(),
        address,
        counter,
        ok: false,
        last_answer_at: None,
        error: None,
        showing: None,
        presses: 0,
        lost: 0,
        last_result: None,
    };
    DeviceBusView {
        name: bus.name.clone(),
        port: bus.port.display().to_string(),
        protocol: bus.protocol.as_str().to_string(),
        connected: false,
        since: None,
        error: None,
        opens: 0,
        boards: bus
            .displays
            .iter()
            .map(|d| board("display", d.address, d.counter))
            .chain(bus.keypads.iter().map(|k| board("keypad", k.address, k.counter)))
            .collect(),
    }
}

/// `GET /api/v1/devices`: every bus and board (empty when `[devices]` is not configured).
pub(crate) async fn handler(State(app): State<Arc<AppState>>, _caller: Caller) -> Json<Vec<DeviceBusView>> {
    Json(app.devices.lock().unwrap_or_else(|e| e.into_inner()).clone())
}

/// Buses connected and disconnected, for `/metrics`.
pub(crate) fn bus_counts(status: &DeviceStatus) -> (usize, usize) {
    let status = status.lock().unwrap_or_else(|e| e.into_inner());
    let up = status.iter().filter(|b| b.connected).count();
    (up, status.len() - up)
}
