//! Opening a serial port: 8 data bits, no parity, one stop bit (what RS-485 counter boards use), at the
//! bus's baud rate, held exclusively (two programs on one bus would garble each other's frames).

use std::path::PathBuf;
use std::time::Duration;

use tokio_serial::{DataBits, Parity, SerialPortBuilderExt, SerialStream, StopBits};

use crate::DeviceError;

/// One bus's port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSettings {
    pub path: PathBuf,
    pub baud: u32,
    /// Longest wait for one board's reply.
    pub reply_timeout: Duration,
}

pub(crate) fn open(settings: &PortSettings) -> Result<SerialStream, DeviceError> {
    let fail = |reason: String| DeviceError::Open { path: settings.path.clone(), reason };
    let path = settings.path.to_str().ok_or_else(|| fail("the path is not UTF-8".into()))?;
    tokio_serial::new(path, settings.baud)
        .data_bits(DataBits::Eight)
        .parity(Parity::None)
        .stop_bits(StopBits::One)
        .open_native_async()
        .map_err(|e| fail(e.to_string()))
}
