//! Typed errors of the printer crate.

use std::io;

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong between a document and paper.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A printer address that cannot be understood.
    #[error("invalid printer address {input:?}: {reason} (expected tcp://HOST:PORT, /dev/usb/lpN, serial:/dev/ttyUSB0:BAUD, file:PATH or usb:VID:PID)")]
    BadTarget { input: String, reason: String },

    /// The printer could not be reached at all; nothing of the job was sent.
    #[error("cannot reach printer at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: io::Error,
    },

    /// The printer went away while a job was being sent: the ticket is not (fully) printed.
    #[error("printer at {target} failed after {sent} of {total} bytes of the job were sent; the job is NOT printed completely: {source}")]
    Incomplete {
        target: String,
        sent: usize,
        total: usize,
        #[source]
        source: io::Error,
    },

    /// All bytes were written but the printer did not answer the status query sent after them.
    #[error("printer at {target} did not confirm the job after all {total} bytes were written ({reason}); the ticket may NOT be printed")]
    NotConfirmed { target: String, total: usize, reason: String },

    /// Another I/O error.
    #[error("I/O error on {target}: {source}")]
    Io {
        target: String,
        #[source]
        source: io::Error,
    },

    /// A serial port that cannot be opened or configured.
    #[error("serial port {path}: {source}")]
    Serial {
        path: String,
        #[source]
        source: serialport::Error,
    },

    /// USB through libusb (feature `usb`).
    #[error("USB printer: {0}")]
    Usb(String),

    /// A profile that is not known.
    #[error("unknown printer profile {name:?}; known profiles: {known}")]
    UnknownProfile { name: String, known: String },

    /// A profile file that is not valid.
    #[error("printer profile {origin}: {reason}")]
    Profile { origin: String, reason: String },

    /// The profile cannot print in the requested text mode.
    #[error("profile {profile} has no code page for text mode {mode}")]
    TextModeUnsupported { profile: String, mode: String },

    /// Barcode data that the symbology cannot hold.
    #[error("barcode {kind}: {reason}")]
    Barcode { kind: &'static str, reason: String },

    /// QR data too long or invalid parameters.
    #[error("QR code: {0}")]
    Qr(String),

    /// The bundled font could not be loaded.
    #[error("font: {0}")]
    Font(String),

    /// Writing a PNG failed.
    #[error("PNG: {0}")]
    Png(String),
}
