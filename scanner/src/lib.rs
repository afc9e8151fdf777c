//! Dossier QR codes and barcodes from cameras, image files, serial and keyboard-wedge
//! scanners, for the one-stop office kiosk.
//!
//! # Modules
//! - [`frame`]: [`GrayFrame`], the one pixel format decoders read (YUYV fast path, RGB,
//!   PNG/JPEG files) and the preprocessing helpers of the cascade.
//! - [`decode`]: the [`Decoder`] cascade over rqrr and rxing, with a time budget per frame
//!   and panic containment.
//! - [`text`]: bytes → text (UTF-8, Shift_JIS, Latin-1) and one-line escaping.
//! - [`error`]: typed errors.
pub mod corpus;
pub mod decode;
pub mod error;
pub mod frame;
pub mod serial;
pub mod text;

pub use decode::{Decoder, DecoderConfig, FrameReport, Symbol, Symbology};
pub use frame::GrayFrame;
