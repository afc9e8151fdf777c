//! ESC/POS queue tickets with correct Vietnamese on real thermal printers.
//!
//! Every ticket and dossier receipt a citizen holds comes out of this crate. The pipeline is
//!
//! ```text
//! TicketSlip ──to_document()──► Document ──encode(&Profile, TextMode)──► Vec<u8> ──Printer::print──► transport
//!                                   ▲                                                   │
//!                test pages, reprints                                   status: DLE EOT 1..4 → PrinterState
//! ```
//!
//! # Modules
//!
//! | module | role |
//! |---|---|
//! | [`slip`] | [`TicketSlip`], the plain, serde-serialisable input a kiosk fills (office, number, service, counters, wait, time and session, priority, QR, footer, logo) and its layout into a [`Document`]; also the technician test page. No dependency on the domain crate. |
//! | [`receipt`] | [`ReceiptSlip`], the «Giấy tiếp nhận hồ sơ và hẹn trả kết quả» a counter prints for a dossier it received (office, code as text + QR with the lookup URL + CODE128, procedure, citizen, received at, appointment, officer, counter, what to bring back, lookup hint), vi or en labels. |
//! | [`doc`] | the general document model: text lines (size, bold, alignment), QR, barcodes, images, rules, feeds, cut. Reprints and test pages use it too. |
//! | [`profile`] | printer profiles as TOML data (Epson TM-T20/T82/T88, Xprinter XP-58/XP-80, generic 58/80 mm) embedded in the binary, plus a technician's directory of extra/overriding profiles. |
//! | [`encoding`] | Unicode → printer bytes: WPC1258 (NFC → base + combining tone bytes), TCVN-3 (two tables), CP437/ASCII, with the reverse decoders the virtual printer uses. |
//! | [`raster`] | 1-bit bitmaps, text rendered with the bundled Noto Sans font (`assets/fonts`), trimming. |
//! | [`commands`] | byte builders for each ESC/POS primitive (`ESC @`, `ESC t`, `GS !`, `GS ( k`, `GS k`, `GS v 0`, `GS V`, `DLE EOT` …). |
//! | [`barcode`] | CODE128 code-set selection into `GS k 73` data, EAN-13 check digits, and bar patterns for drawing. |
//! | [`encode`] | turns a [`Document`] into the bytes of one job for a [`Profile`] and a [`TextMode`]. Raster is used only for lines that need it. |
//! | [`status`] | `DLE EOT n` answers → [`PrinterState`] (a printer that does not answer is `Unknown`, never ready). |
//! | [`transport`] | [`Target`] addresses (`tcp://`, `/dev/usb/lpN`, `serial:PATH:BAUD`, `file:PATH`, `usb:VID:PID` with the `usb` feature), connections with timeouts, reconnect, and [`Printer`], whose jobs are either fully sent or an error. |
//! | [`virtual_printer`] | the virtual network printer: a never-panicking ESC/POS parser, a renderer to PNG, and a TCP server that records jobs and answers `DLE EOT` from a configurable state (binary `virtual-printer`). |
//! | [`cli`] | the `printer` subcommand of `kioskctl` (`test`, `status`, `ticket`, `render`, `profiles`). |
//!
//! # Invariants
//!
//! - Text is NFC-normalised before any encoding; a character a code page cannot hold is never silently
//!   dropped: it is transliterated (diacritics removed) and counted in [`encode::EncodeReport`].
//! - A job is one `Vec<u8>` built entirely before anything is sent; [`Printer::print`] either writes all of it
//!   (and, when the profile supports status, gets a status answer after it) or returns an error saying how
//!   many bytes went out. It never retries once any byte of a job has been written.
//! - Nothing is fetched at build or run time: fonts and profiles are compiled in.
//! - The virtual printer's parser never panics and never allocates more than
//!   [`virtual_printer::parser::MAX_PAYLOAD`] per command, whatever the bytes.
//! - Raster glyphs are cached per thread (font, size, glyph, quarter-dot offset); the cache is bounded by
//!   the glyphs actually printed.

pub mod barcode;
pub mod cli;
pub mod commands;
pub mod doc;
pub mod encode;
pub mod encoding;
pub mod error;
pub mod profile;
pub mod raster;
pub mod receipt;
pub mod slip;
pub mod status;
pub mod transport;
pub mod virtual_printer;

pub use doc::{Align, BarcodeKind, Block, Document, QrEc, TextStyle};
pub use encode::{encode, EncodeReport, Encoded};
pub use error::{Error, Result};
pub use profile::{Paper, Profile, ProfileSet, TextMode};
pub use raster::Bitmap;
pub use receipt::{LocalDate, ReceiptAppointment, ReceiptLabels, ReceiptSlip};
pub use slip::{LocalDateTime, Session, SlipLabels, SlipLang, TicketSlip};
pub use status::{PrinterState, StatusReport};
pub use transport::{Printer, Target};
