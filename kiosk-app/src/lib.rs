//! The Slint touch application of the one-stop office: ticket kiosk, rating terminal and waiting-room
//! display, working through a short loss of the queue server.
//!
//! | module | role |
//! |---|---|
//! | [`config`] | the device TOML (role, server, enrolment code, printer, scanner, camera, GPIO, UI, offline, audio), validated with errors that name the field |
//! | [`client`] | blocking HTTP client of the queue server (`domain::api` payloads); tells "unreachable" (work offline) from "refused" |
//! | [`store`] | local SQLite (WAL, `synchronous = FULL`): leases, offline tickets, queued ratings, dossier cache with its time, last service list |
//! | [`core`] | enrolment and the 0600 token, issuing (online with an Idempotency-Key, else from a lease), lease top-up, printing, rating, lookup, sync |
//! | [`events`] | the server's live events (SSE, resumed with `Last-Event-ID`): the rating terminal wakes on `rating_invited` |
//! | [`audio`] | PCM clips from WAV, the `AudioSink` trait (WAV files; ALSA with `audio-alsa`) and the `Announcer`: a FIFO played one clip at a time, stale ones skipped |
//! | [`board`] | the display's board: fetched again on every live event (polled while the stream is down) by its own threads, read by the screen without waiting |
//! | [`announcements`] | the display's voice: follows the live events and queues the server's WAV of every call and recall on the `Announcer` |
//! | [`scan`] | `ScanInputs`: serial scanner, keyboard wedge and camera as one stream of scans, each through `scanner::ScanSession` to a dossier code or an explanation |
//! | [`camera`] | capture thread (preview frames) and decoder thread (one-slot mailbox), so the preview stays smooth while a frame decodes |
//! | [`health`] | what the device says of its hardware and backlog: the heartbeat's shape (no printer on a device without one) and the technician's lines, in the screen's language |
//! | [`gpio`] | the physical take-ticket button and paper-low LED behind a trait (fake; rppal with `gpio-rppal`) |
//! | [`ui`] | the Slint UI (`ui/*.slint`, printerdemo layout), the `Backend` trait the screens use (live or demo), the `Controller` that wires callbacks, and `ui::jobs`, which runs backend calls that may wait on a worker thread |
//! | [`screenshots`] | every screen of a role, vi and en, rendered with the software renderer to PNG |
//!
//! Only [`ui`] and [`screenshots`] depend on Slint; everything else is testable without a display.
//!
//! # Invariants
//! - A number handed out offline is taken from a lease and stored in the same SQLite transaction, before
//!   it is shown or printed: no number twice, none lost across a crash.
//! - Every upload of an offline ticket carries the idempotency key made when it was issued; a retry after
//!   a lost reply yields the same server ticket. Offline tickets are uploaded in issue-time order.
//! - A queued rating is done when the server records it or answers `already_rated`.
//! - The device token is written owner-only (0600, atomically); the data directory is 0700.
//! - A ticket exists before it is printed: a printer failure never loses it (shown with its QR, staff
//!   alerted by heartbeat, reprint offered), and no job is sent to a printer that reports it cannot print.
//! - The display plays announcements one at a time in event order: a new one never cuts the current one
//!   off and is never dropped; only one that has waited longer than `[audio] stale_after_s` is skipped.
//! - The UI never talks to the network or the printer itself; it goes through a `Backend`, and on a
//!   device (`Execution::Worker`) only from the job thread. While a job holds the screen every callback
//!   is ignored, so one touch is one ticket.
//! - Frames are decoded on the decoder thread, never on the UI thread.

pub mod announcements;
pub mod audio;
pub mod board;
pub mod camera;
pub mod client;
pub mod config;
pub mod core;
pub mod events;
pub mod gpio;
pub mod health;
pub mod scan;
pub mod screenshots;
pub mod store;
pub mod ui;
