//! Pure types and rules shared by every part of the one-stop office queue appliance.
//!
//! Nothing in this crate performs IO, reads a clock or draws randomness: time and ids are passed in,
//! so the same inputs always give the same result and the queue engine can be replayed from its log.
//!
//! - [`i18n`]: Vietnamese/English text pairs and diacritic-free search and sorting.
//! - [`clock`]: office-local days (Asia/Ho_Chi_Minh), sessions (Sáng/Chiều), ticket date formats.
//! - [`calendar`]: holidays (Tết, lễ), days off in lieu and working days in lieu; working-day arithmetic.
//! - [`office`]: services, counters, roles, priority classes, ticket numbering, office settings.
//! - [`dossier`]: dossier codes (strict generation, lenient parsing), statuses 1–10, timeliness.
//! - [`procedure`]: the procedure catalogue (thủ tục hành chính): code, field, time limit, fees,
//!   papers, and the service that takes it; diacritic-free search.
//! - [`rating`]: rating levels and the 9 indicators of Nghị định 61/2018.
//! - [`receipt`]: the receipt and appointment a counter prints: its printer, the appointment from the
//!   time limit and calendar, the QR's lookup URL, the engine's check against the dossier's links.
//! - [`event`]: the append-only log's events.
//! - [`queue`]: the queue engine (`decide` a command into events, `apply` events to state).
//! - [`explain`]: "why was I skipped?" — a ticket's place in the queue explained by replaying the engine.
//! - [`error`]: typed rule violations with stable codes and vi/en messages.
//! - [`api`]: JSON payloads of the office server's HTTP API, shared by server and clients.
//! - [`vn_input`]: Vietnamese typing on a touch keyboard (tones and â ê ô ă ơ ư đ on the last word).

pub mod api;
pub mod calendar;
pub mod clock;
pub mod dossier;
pub mod error;
pub mod event;
pub mod explain;
pub mod i18n;
pub mod office;
pub mod phone;
pub mod procedure;
pub mod queue;
pub mod rating;
pub mod receipt;
pub mod vn_input;

#[cfg(test)]
mod test_office;

pub use error::QueueError;
pub use i18n::{Lang, Localized};
