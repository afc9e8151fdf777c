//! The city's central server: it holds every office's event log exactly once, as the office signed it.
//!
//! Layout:
//! - [`store`]: the central's database — offices (name, agency, public key, enrolment code hash, fork
//!   alarm) and their events keyed by (office, seq). [`store::SqliteStore`] is the embedded default.
//! - [`ingest`]: one batch from an office: its key, the signature and chain (`sync`), the judgement,
//!   and what is stored, in one transaction.
//! - [`http`]: the routes offices call (enrolment, batches) with their bodies bounded.
//! - `main.rs`: `central-server serve`, `office add`, `office list`.
//!
//! Not yet here (issue #10): PostgreSQL, TLS, feeds to offices, the web page.
//!
//! Architecture invariant: events are only ever inserted, keyed by (office, seq), and only after the
//! whole batch verified; a different event at a held seq raises the office's fork alarm and stores
//! nothing.

pub mod http;
pub mod ingest;
pub mod store;
