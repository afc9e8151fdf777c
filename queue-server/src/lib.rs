//! The office queue server: the authority of one one-stop office.
//!
//! Layout (see ARCHITECTURE.md for the whole picture):
//! - [`store`]: SQLite schema and migrations, the append-only hash-chained event log, backup/restore.
//! - [`office`]: the single writer thread with group commit, the in-memory projection, event broadcast.
//! - [`http`]: the `/api/v1` routes and the views they return; [`events`]: Server-Sent Events;
//!   [`dossiers`]: portal-format import and lookup; [`catalogue`]: procedure files, views and search; [`receipts`]: printing a counter's dossier receipt;
//!   [`follow`]: following a ticket from a phone (`/t/{token}`: tokens, view, live stream); [`explain`]: "why was I
//!   skipped?" from the log; [`metrics`]; [`openapi`]: the route table.
//! - [`auth`]: staff passwords (argon2id), sessions, device enrolment and tokens, role checks.
//! - [`limits`]: the login pool and throttle, the per-kiosk lookup limit; [`listener`]: accepting
//!   connections with connection, header, idle and keep-alive limits; [`tls`]: the listener's certificate.
//! - [`reminders`]: messages to citizens who asked (webhook outbox, signed, retried);
//! - [`devices`]: counter LED displays and caller keypads on serial buses;
//! - [`uplink`]: sending the office's log to the city's central server (`sync` protocol);
//! - [`config`]: the office TOML file; [`demo`]: the demo office; [`server`]: start, timers, shutdown.
//!
//! The queue rules themselves are in the pure `domain` crate; this crate does the IO around them.

pub mod announce;
pub mod auth;
pub mod catalogue;
pub mod config;
pub mod demo;
pub mod devices;
pub mod dossiers;
pub mod error;
pub mod events;
pub mod explain;
pub mod follow;
pub mod http;
pub mod limits;
pub mod listener;
pub mod metrics;
pub mod office;
pub mod openapi;
pub mod pages;
pub mod receipts;
pub mod reminders;
pub mod server;
pub mod store;
pub mod tls;
pub mod uplink;
