//! Serial (RS-232 / USB-CDC) barcode scanners.
//!
//! Such a scanner sends each scan as bytes framed by an optional prefix and a suffix
//! (usually CR, sometimes LF, CR LF or TAB). [`Framer`] turns an arbitrary byte stream into
//! scans; [`SerialScanner`] reads a port through the `serialport` crate and feeds a framer.
//! Framing is pure and tested on its own; the port side is tested with pseudo-terminals.

use std::io::Read;
use std::time::Duration;

use crate::error::SerialError;
use crate::text::bytes_to_text;

/// How scans are framed on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framing {
    /// Bytes the scanner sends before each scan (stripped when present), e.g. `STX`.
    pub prefix: Vec<u8>,
    /// Terminators: a scan ends at the first of these. Default CR, LF (so CR LF also works:
    /// the empty scan between CR and LF is dropped) and TAB.
    pub terminators: Vec<u8>,
    /// A scan longer than this without terminator is an error (the buffer is dropped).
    pub max_len: usize,
}

impl Default for Framing {
    fn default() -> Self {
        Self { prefix: Vec::new(), terminators: vec![b'\r', b'\n', b'\t'], max_len: 4096 }
    }
}

impl Framing {
    /// Parses a terminator list such as `"CR,LF"`, `"TAB"`, `"crlf"`, or `"none"`.
    pub fn parse_terminators(spec: &str) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for part in spec.split([',', '+', ' ']).filter(|p| !p.is_empty()) {
            match part.to_ascii_uppercase().as_str() {
                "CR" => out.push(b'\r'),
                "LF" => out.push(b'\n'),
                "CRLF" => out.extend_from_slice(b"\r\n"),
                "TAB" => out.push(b'\t'),
                "NONE" => {}
                _ => return None,
            }
        }
        Some(out)
    }
}

/// Splits a byte stream into scans.
#[derive(Debug, Clone)]
pub struct Framer {
    framing: Framing,
    buf: Vec<u8>,
}

impl Framer {
    /// A framer with this framing.
    pub fn new(framing: Framing) -> Self {
        Self { framing, buf: Vec::new() }
    }

    /// Feeds bytes; returns the complete scans they finish (as text), and an error for each
    /// overlong run (which is discarded).
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<String, SerialError>> {
        let mut out = Vec::new();
        for &b in bytes {
            if self.framing.terminators.contains(&b) {
                self.finish(&mut out);
            } else {
                self.buf.push(b);
                if self.buf.len() > self.framing.max_len {
                    self.buf.clear();
                    out.push(Err(SerialError::Overlong(self.framing.max_len)));
                }
            }
        }
        out
    }

    /// Ends the pending scan (used on idle timeout when the scanner sends no terminator).
    pub fn flush(&mut self) -> Option<String> {
        let mut out = Vec::new();
        self.finish(&mut out);
        out.pop().and_then(Result::ok)
    }

    fn finish(&mut self, out: &mut Vec<Result<String, SerialError>>) {
        let mut data: &[u8] = &self.buf;
        if !self.framing.prefix.is_empty() && data.starts_with(&self.framing.prefix) {
            data = &data[self.framing.prefix.len()..];
        }
        if !data.is_empty() {
            out.push(Ok(bytes_to_text(data).0));
        }
        self.buf.clear();
    }
}

/// Settings of a serial scanner.
#[derive(Debug, Clone)]
pub struct SerialConfig {
    /// Device path, e.g. `/dev/ttyACM0` or `/dev/ttyUSB0`.
    pub path: String,
    /// Baud rate (9600 is the usual factory default).
    pub baud: u32,
    /// Framing.
    pub framing: Framing,
    /// A pending scan with no terminator is delivered after this much silence
    /// (`None`: wait for a terminator).
    pub idle_flush: Option<Duration>,
}

impl SerialConfig {
    /// 9600 baud 8N1, default framing, flush after 100 ms of silence.
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            baud: 9600,
            framing: Framing::default(),
            idle_flush: Some(Duration::from_millis(100)),
        }
    }
}

/// A serial scanner port being read.
pub struct SerialScanner {
    port: Box<dyn serialport::SerialPort>,
    framer: Framer,
    idle_flush: Option<Duration>,
    pending: std::collections::VecDeque<Result<String, SerialError>>,
}

impl std::fmt::Debug for SerialScanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialScanner").finish_non_exhaustive()
    }
}

/// How long one blocking read waits before checking the idle flush.
const POLL: Duration = Duration::from_millis(50);

impl SerialScanner {
    /// Opens the port (8 data bits, no parity, 1 stop bit, no flow control).
    pub fn open(config: &SerialConfig) -> Result<Self, SerialError> {
        let port = serialport::new(&config.path, config.baud)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .flow_control(serialport::FlowControl::None)
            .timeout(POLL)
            .open()
            .map_err(|e| SerialError::Open { path: config.path.clone(), message: e.to_string() })?;
        Ok(Self {
            port,
            framer: Framer::new(config.framing.clone()),
            idle_flush: config.idle_flush,
            pending: Default::default(),
        })
    }

    /// Waits up to `timeout` for the next scan. `Ok(None)` on timeout.
    pub fn next_scan(&mut self, timeout: Duration) -> Result<Option<String>, SerialError> {
        let start = std::time::Instant::now();
        let mut last_byte = std::time::Instant::now();
        let mut buf = [0u8; 256];
        loop {
            if let Some(p) = self.pending.pop_front() {
                return p.map(Some);
            }
            if start.elapsed() >= timeout {
                return Ok(None);
            }
            match self.port.read(&mut buf) {
                Ok(0) => {}
                Ok(n) => {
                    last_byte = std::time::Instant::now();
                    self.pending.extend(self.framer.push(&buf[..n]));
                    continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SerialError::Io(e)),
            }
            if let Some(idle) = self.idle_flush {
                if last_byte.elapsed() >= idle {
                    if let Some(s) = self.framer.flush() {
                        return Ok(Some(s));
                    }
                }
            }
        }
    }
}

/// Whether a [`ReconnectingScanner`] currently has its port open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// The port is open.
    Connected,
    /// The port is closed; the last error says why (unplugged, never present, …).
    Disconnected(String),
}

/// A serial scanner that survives being unplugged: read errors close the port, and the port
/// is reopened (at most once per `retry` interval) on later calls. For the kiosk service;
/// the technician's `scanner listen` stops on the first error instead, to show it.
#[derive(Debug)]
pub struct ReconnectingScanner {
    config: SerialConfig,
    port: Option<SerialScanner>,
    retry: Duration,
    last_attempt: Option<std::time::Instant>,
    state: LinkState,
}

impl ReconnectingScanner {
    /// Opens lazily on the first [`ReconnectingScanner::next_scan`]; retries every `retry`.
    pub fn new(config: SerialConfig, retry: Duration) -> Self {
        Self { config, port: None, retry, last_attempt: None, state: LinkState::Disconnected("not opened yet".into()) }
    }

    /// The link state after the last call.
    pub fn state(&self) -> &LinkState {
        &self.state
    }

    /// Waits up to `timeout` for a scan; `Ok(None)` on timeout or while disconnected (the
    /// call then sleeps out its timeout instead of spinning). Overlong scans are reported.
    pub fn next_scan(&mut self, timeout: Duration) -> Result<Option<String>, SerialError> {
        if self.port.is_none() {
            let due = self.last_attempt.is_none_or(|t| t.elapsed() >= self.retry);
            if due {
                self.last_attempt = Some(std::time::Instant::now());
                match SerialScanner::open(&self.config) {
                    Ok(p) => {
                        self.port = Some(p);
                        self.state = LinkState::Connected;
                    }
                    Err(e) => self.state = LinkState::Disconnected(e.to_string()),
                }
            }
            if self.port.is_none() {
                std::thread::sleep(timeout.min(self.retry));
                return Ok(None);
            }
        }
        let port = self.port.as_mut().expect("opened above");
        match port.next_scan(timeout) {
            Err(SerialError::Io(e)) => {
                self.port = None;
                self.state = LinkState::Disconnected(e.to_string());
                Ok(None)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_terminators() {
        let mut f = Framer::new(Framing::default());
        let got: Vec<_> = f.push(b"000.00.01.H29-260310-0420\r\nABC\tpart").into_iter().map(Result::unwrap).collect();
        assert_eq!(got, vec!["000.00.01.H29-260310-0420", "ABC"]);
        assert_eq!(f.push(b"ial\r").pop().unwrap().unwrap(), "partial");
    }

    #[test]
    fn strips_prefix() {
        let mut f = Framer::new(Framing { prefix: vec![0x02], terminators: vec![0x03], max_len: 64 });
        assert_eq!(f.push(b"\x02hello\x03").pop().unwrap().unwrap(), "hello");
    }

    #[test]
    fn overlong_is_dropped() {
        let mut f = Framer::new(Framing { max_len: 4, ..Framing::default() });
        let out = f.push(b"123456\r");
        assert!(matches!(out[0], Err(SerialError::Overlong(4))));
        assert_eq!(out.len(), 2); // the tail "6" after the reset is still a scan
    }

    #[test]
    fn terminator_specs() {
        assert_eq!(Framing::parse_terminators("CR,LF").unwrap(), b"\r\n");
        assert_eq!(Framing::parse_terminators("tab").unwrap(), b"\t");
        assert!(Framing::parse_terminators("bogus").is_none());
    }
}
