//! The Slint touch application of the one-stop office: ticket kiosk, rating terminal and waiting-room
//! display, working through a short loss of the queue server.
//!
//! | module | role |
//! |---|---|
//! | [`config`] | the device TOML, validated with errors that name the field |
//! | [`client`] | blocking HTTP client of the queue server (`domain::api` payloads) |
//! | [`store`] | local SQLite: leases, offline tickets, queued ratings, dossier cache, last service list |
//! | [`core`] | enrolment and the 0600 token, issuing (online or from a lease), printing, rating, lookup, sync |
//! | [`ui`] | the Slint UI (generated from `ui/*.slint`), its models and the callbacks wired to [`core`] |
//! | [`screenshots`] | every screen of a role, vi and en, rendered with the software renderer to PNG |
//!
//! Only [`ui`] and [`screenshots`] depend on Slint; everything else is testable without a display.

pub mod client;
pub mod config;
pub mod core;
pub mod events;
pub mod gpio;
pub mod scan;
pub mod screenshots;
pub mod store;
pub mod ui;
