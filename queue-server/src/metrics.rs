//! `GET /metrics` in the Prometheus text format, and the middleware that counts requests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::office::Role;

use crate::auth::Caller;
use crate::error::AppError;
use crate::http::AppState;

#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub client_errors: AtomicU64,
    pub server_errors: AtomicU64,
    pub sse_subscribers: AtomicU64,
}

pub async fn track(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    app.metrics.requests.fetch_add(1, Ordering::Relaxed);
    if response.status().is_client_error() {
        app.metrics.client_errors.fetch_add(1, Ordering::Relaxed);
    } else if response.status().is_server_error() {
        app.metrics.server_errors.fetch_add(1, Ordering::Relaxed);
    }
    response
}

pub async fn handler(State(app): State<Arc<AppState>>, caller: Caller) -> Result<Response, AppError> {
    caller.require(&[Role::Admin, Role::Supervisor])?;
    let m = &app.metrics;
    let s = app.office.stats();
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"));
    };
    metric("queue_http_requests_total", "counter", "HTTP requests served", m.requests.load(Ordering::Relaxed));
    metric("queue_http_client_errors_total", "counter", "HTTP 4xx responses", m.client_errors.load(Ordering::Relaxed));
    metric("queue_http_server_errors_total", "counter", "HTTP 5xx responses", m.server_errors.load(Ordering::Relaxed));
    metric("queue_sse_subscribers", "gauge", "Open live event streams", m.sse_subscribers.load(Ordering::Relaxed));
    metric("queue_commit_batches_total", "counter", "Group commits", s.batches.load(Ordering::Relaxed));
    metric("queue_commit_jobs_total", "counter", "Jobs committed", s.jobs.load(Ordering::Relaxed));
    metric("queue_events_total", "counter", "Events appended by this process", s.events.load(Ordering::Relaxed));
    metric(
        "queue_commit_failures_total",
        "counter",
        "Batches rolled back by a storage error",
        s.commit_failures.load(Ordering::Relaxed),
    );
    metric("queue_commit_seconds_total", "counter", "Time spent in batches", 0);
    out = out.replace(
        "queue_commit_seconds_total 0",
        &format!("queue_commit_seconds_total {:.6}", s.commit_micros_total.load(Ordering::Relaxed) as f64 / 1e6),
    );
    let (last_seq, waiting) = app.office.read(|st| {
        (st.last_seq, st.services.keys().map(|code| (code.to_string(), st.waiting(code))).collect::<Vec<_>>())
    });
    out.push_str(&format!("# HELP queue_last_event_seq Sequence of the last event\n# TYPE queue_last_event_seq gauge\nqueue_last_event_seq {last_seq}\n"));
    out.push_str("# HELP queue_waiting Tickets waiting per service\n# TYPE queue_waiting gauge\n");
    for (code, n) in waiting {
        out.push_str(&format!("queue_waiting{{service=\"{code}\"}} {n}\n"));
    }
    if app.reminders.is_some() {
        let (kept, delivered, waiting, failed) = crate::reminders::counts(&app.office).await?;
        out.push_str("# HELP queue_reminders Reminder messages by state (phone numbers kept today; messages delivered, waiting, given up)
# TYPE queue_reminders gauge
");
        for (state, n) in [("kept", kept), ("delivered", delivered), ("waiting", waiting), ("given_up", failed)] {
            out.push_str(&format!("queue_reminders{{state=\"{state}\"}} {n}\n"));
        }
    }
    if !app.devices.lock().unwrap_or_else(|e| e.into_inner()).is_empty() {
        let (up, down) = crate::devices::bus_counts(&app.devices);
        out.push_str(&format!("# HELP queue_device_buses Counter device buses by port state\n# TYPE queue_device_buses gauge\nqueue_device_buses{{state=\"connected\"}} {up}\nqueue_device_buses{{state=\"disconnected\"}} {down}\n"));
    }
    Ok(([("content-type", "text/plain; version=0.0.4")], out).into_response())
}
