//! Dossier QR codes and barcodes from cameras, image files, serial and keyboard-wedge
//! scanners, for the one-stop office kiosk.
//!
//! # Data flow
//! camera / files / synthetic ([`source`], [`camera`]) → [`GrayFrame`] ([`frame`]) →
//! [`Decoder`] cascade ([`decode`]) → [`Symbol`]s → [`payload::interpret`] → a
//! [`domain::dossier::DossierCode`] or a clear "not a dossier code" carrying what was read
//! → [`payload::Dedup`] (the same code within a few seconds counts once).
//! Serial scanners ([`serial`]) and keyboard-wedge scanners ([`wedge`]) deliver text that
//! joins the same path at [`payload::interpret`].
//!
//! # Modules
//! - [`frame`]: [`GrayFrame`], the one pixel format decoders read (YUYV fast path, RGB,
//!   PNG/JPEG files) and the preprocessing helpers of the cascade.
//! - [`decode`]: the [`Decoder`] cascade over rqrr and rxing (QR, CODE128, EAN-13,
//!   CODE39, ITF) with preprocessing variants, a per-frame time budget with an early exit
//!   on frames showing nothing code-like, and panic containment.
//! - [`text`]: bytes → text (UTF-8, Shift_JIS, Latin-1) and one-line escaping.
//! - [`payload`]: scan text → dossier code (plain, URL, JSON, labelled text) and the
//!   repeat filter.
//! - [`pipeline`]: [`pipeline::ScanSession`], the kiosk's loop: camera frames and scanner
//!   text in, deduplicated dossier-code events out.
//! - [`serial`]: serial scanners (framing with prefix/suffix, `serialport` reader, a
//!   reconnecting reader that survives unplugging).
//! - [`wedge`]: keyboard-wedge scanners told from people by inter-key timing (pure).
//! - [`source`], [`camera`]: frame sources (files, folder replay, synthetic, V4L2 camera
//!   behind the `camera` feature; camera buffers of every pixel format go through the pure
//!   [`camera::to_gray`]).
//! - [`corpus`]: reading zxing black-box style test sets (used by tests and the benchmark).
//! - [`cli`]: the `kioskctl scan`, `scanner listen` and `camera` subcommands.
//! - [`error`]: typed errors.
//!
//! # Invariants
//! - Decoding never panics and never aborts the caller: every decoder call runs under
//!   `catch_unwind`; bad files and bad frames are errors or empty results.
//! - Nothing is fetched from the network, at build or run time.
//! - Only the configured symbologies are tried (restricting rxing's formats is what keeps
//!   it fast).
//! - Without a time budget ([`DecoderConfig::thorough`], files and tests) the cascade is
//!   deterministic; with one ([`DecoderConfig::realtime`], camera frames) the result depends
//!   on how much of the cascade fits in the budget, never on anything else.
//! - A [`Decoder`] holds only configuration (`Send + Sync`): one per thread, no shared state
//!   besides a process-wide panic hook that silences contained decoder panics.

#![warn(missing_docs)]

pub mod camera;
pub mod cli;
pub mod corpus;
pub mod decode;
pub mod error;
pub mod frame;
pub mod payload;
pub mod pipeline;
pub mod serial;
pub mod source;
pub mod text;
pub mod wedge;

pub use decode::{Decoder, DecoderConfig, FrameReport, Symbol, Symbology};
pub use frame::GrayFrame;
pub use payload::{interpret, Dedup, ScanResult};
pub use pipeline::{ScanEvent, ScanSession};

#[cfg(test)]
mod send_sync {
    fn is_send_sync<T: Send + Sync>() {}

    #[test]
    fn decoder_and_session_cross_threads() {
        is_send_sync::<crate::Decoder>();
        is_send_sync::<crate::ScanSession>();
        is_send_sync::<crate::wedge::WedgeDetector>();
    }
}
