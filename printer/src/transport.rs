//! Where the bytes go: TCP port 9100, `/dev/usb/lpN`, serial ports, files, and (feature `usb`) libusb.
//!
//! [`Printer`] owns a [`Target`] and a connection that is opened on demand and dropped on any error, so
//! the next job reconnects. A job is written completely or reported as failed:
//! - nothing written yet (connect refused, first write failed): retried up to [`Options::retries`] times;
//! - part written: [`Error::Incomplete`] with the byte counts, never retried (that would print half a
//!   ticket and then a whole one);
//! - all written, and the link can answer: `DLE EOT 1` is sent and must be answered within
//!   [`Options::status_timeout`], else [`Error::NotConfirmed`].

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use crate::commands;
use crate::error::{Error, Result};
use crate::status::{is_status_byte, StatusReport};

/// A printer address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `tcp://HOST:PORT` (raw port, usually 9100).
    Tcp { host: String, port: u16 },
    /// `/dev/usb/lpN`: the kernel's USB printer class driver (usblp).
    UsbLp(PathBuf),
    /// `serial:/dev/ttyUSB0:115200`.
    Serial { path: String, baud: u32 },
    /// `file:PATH`: write the job to a file (created or truncated).
    File(PathBuf),
    /// `usb:VID:PID` (hex): raw USB through libusb, feature `usb`.
    Usb { vendor: u16, product: u16 },
}

impl FromStr for Target {
    type Err = Error;
    fn from_str(s: &str) -> Result<Target> {
        let bad = |reason: &str| Error::BadTarget { input: s.to_string(), reason: reason.to_string() };
        if let Some(rest) = s.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let (host, port) = match rest.rsplit_once(':') {
                Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad("port is not a number 1-65535"))?),
                None => (rest, 9100),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() {
                return Err(bad("missing host"));
            }
            return Ok(Target::Tcp { host: host.to_string(), port });
        }
        if let Some(rest) = s.strip_prefix("serial:") {
            let (path, baud) = match rest.rsplit_once(':') {
                Some((p, b)) if b.chars().all(|c| c.is_ascii_digit()) && !b.is_empty() => {
                    (p, b.parse::<u32>().map_err(|_| bad("baud rate is not a number"))?)
                }
                _ => (rest, 9600),
            };
            if path.is_empty() {
                return Err(bad("missing serial device path"));
            }
            if !(1200..=4_000_000).contains(&baud) {
                return Err(bad("baud rate out of range 1200-4000000"));
            }
            return Ok(Target::Serial { path: path.to_string(), baud });
        }
        if let Some(rest) = s.strip_prefix("file:") {
            if rest.is_empty() {
                return Err(bad("missing file path"));
            }
            return Ok(Target::File(PathBuf::from(rest)));
        }
        if let Some(rest) = s.strip_prefix("usb:") {
            let (v, p) = rest.split_once(':').ok_or_else(|| bad("expected usb:VID:PID in hex"))?;
            let parse = |x: &str| u16::from_str_radix(x.trim_start_matches("0x"), 16);
            return Ok(Target::Usb {
                vendor: parse(v).map_err(|_| bad("vendor id is not hex"))?,
                product: parse(p).map_err(|_| bad("product id is not hex"))?,
            });
        }
        if s.starts_with("/dev/") {
            return Ok(Target::UsbLp(PathBuf::from(s)));
        }
        Err(bad("unknown scheme"))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            Target::UsbLp(p) => write!(f, "{}", p.display()),
            Target::Serial { path, baud } => write!(f, "serial:{path}:{baud}"),
            Target::File(p) => write!(f, "file:{}", p.display()),
            Target::Usb { vendor, product } => write!(f, "usb:{vendor:04x}:{product:04x}"),
        }
    }
}

/// Timeouts and retry policy.
#[derive(Clone, Debug)]
pub struct Options {
    pub connect_timeout: Duration,
    /// Longest time one write may block (a printer that stopped reading).
    pub write_timeout: Duration,
    /// How long to wait for each `DLE EOT` answer.
    pub status_timeout: Duration,
    /// Extra attempts when nothing of the job could be sent.
    pub retries: u32,
    pub retry_delay: Duration,
    /// Ask `DLE EOT 1` after a job to confirm the printer took it (when the link can read).
    pub confirm: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            connect_timeout: Duration::from_secs(3),
            write_timeout: Duration::from_secs(10),
            status_timeout: Duration::from_millis(1500),
            retries: 2,
            retry_delay: Duration::from_millis(300),
            confirm: true,
        }
    }
}

impl Options {
    /// Defaults, confirming jobs only when the profile says the printer answers `DLE EOT`.
    pub fn for_profile(profile: &crate::Profile) -> Options {
        Options { confirm: profile.status, ..Options::default() }
    }
}

/// One open connection.
trait Link: Send {
    fn write(&mut self, data: &[u8]) -> io::Result<usize>;
    fn flush(&mut self) -> io::Result<()>;
    /// Reads one byte within `timeout`; `Ok(None)` on timeout; `Err(UnexpectedEof)` when closed.
    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>>;
    /// Whether the link can carry answers back.
    fn can_read(&self) -> bool;
    /// Whether an idle link still looks connected (a closed TCP peer is detected here).
    fn is_alive(&mut self) -> bool {
        true
    }
}

struct TcpLink(TcpStream);

impl Link for TcpLink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.write(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        let mut b = [0u8; 1];
        // A zero timeout only takes what has already arrived: a timed read would wait out a whole
        // scheduler tick (1–4 ms) for nothing, four times per status report.
        let read = if timeout.is_zero() {
            self.0.set_nonblocking(true)?;
            let read = self.0.read(&mut b);
            self.0.set_nonblocking(false)?;
            read
        } else {
            self.0.set_read_timeout(Some(timeout))?;
            self.0.read(&mut b)
        };
        match read {
            Ok(0) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "printer closed the connection")),
            Ok(_) => Ok(Some(b[0])),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(None),
            Err(e) => Err(e),
        }
    }
    fn can_read(&self) -> bool {
        true
    }
    fn is_alive(&mut self) -> bool {
        if self.0.set_nonblocking(true).is_err() {
            return false;
        }
        let mut b = [0u8; 1];
        let alive = match self.0.peek(&mut b) {
            Ok(0) => false,
            Ok(_) => true,
            Err(e) => e.kind() == io::ErrorKind::WouldBlock,
        };
        alive && self.0.set_nonblocking(false).is_ok()
    }
}

/// Plain files and `/dev/usb/lpN` (opened non-blocking so that reads can time out).
struct FileLink {
    file: File,
    readable: bool,
    write_timeout: Duration,
}

impl Link for FileLink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // usblp is opened non-blocking: a printer that stops taking data (offline, paper out) gives
        // EAGAIN until it resumes; give up after the write timeout.
        let deadline = Instant::now() + self.write_timeout;
        loop {
            match self.file.write(data) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "printer accepted no data within the write timeout",
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                other => return other,
            }
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        let deadline = Instant::now() + timeout;
        let mut b = [0u8; 1];
        loop {
            match self.file.read(&mut b) {
                Ok(1) => return Ok(Some(b[0])),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    fn can_read(&self) -> bool {
        self.readable
    }
}

struct SerialLink(Box<dyn serialport::SerialPort>);

impl Link for SerialLink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.write(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        self.0.set_timeout(timeout.max(Duration::from_millis(1))).map_err(io::Error::from)?;
        let mut b = [0u8; 1];
        match self.0.read(&mut b) {
            Ok(1) => Ok(Some(b[0])),
            Ok(_) => Ok(None),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(None),
            Err(e) => Err(e),
        }
    }
    fn can_read(&self) -> bool {
        true
    }
}

#[cfg(feature = "usb")]
mod usb {
    use super::*;
    use escpos::driver::{Driver, UsbDriver};

    pub(super) struct UsbLink(pub UsbDriver);

    pub(super) fn open(vendor: u16, product: u16, timeout: Duration) -> Result<UsbLink> {
        UsbDriver::open(vendor, product, Some(timeout), None).map(UsbLink).map_err(|e| Error::Usb(e.to_string()))
    }

    impl Link for UsbLink {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.0.write(data).map(|_| data.len()).map_err(|e| io::Error::other(e.to_string()))
        }
        fn flush(&mut self) -> io::Result<()> {
            self.0.flush().map_err(|e| io::Error::other(e.to_string()))
        }
        fn read_byte(&mut self, _timeout: Duration) -> io::Result<Option<u8>> {
            let mut b = [0u8; 1];
            match self.0.read(&mut b) {
                Ok(1) => Ok(Some(b[0])),
                _ => Ok(None),
            }
        }
        fn can_read(&self) -> bool {
            true
        }
    }
}

/// Linux `O_NONBLOCK` (same value on x86, x86-64, ARM and AArch64).
#[cfg(target_os = "linux")]
const O_NONBLOCK: i32 = 0o4000;

fn open_link(target: &Target, opts: &Options) -> Result<Box<dyn Link>> {
    let name = target.to_string();
    let connect_err = |source: io::Error| Error::Connect { target: name.clone(), source };
    match target {
        Target::Tcp { host, port } => {
            let addrs: Vec<_> = (host.as_str(), *port).to_socket_addrs().map_err(connect_err)?.collect();
            let mut last = io::Error::new(io::ErrorKind::NotFound, "host has no address");
            for addr in addrs {
                match TcpStream::connect_timeout(&addr, opts.connect_timeout) {
                    Ok(s) => {
                        s.set_nodelay(true).ok();
                        s.set_write_timeout(Some(opts.write_timeout)).map_err(connect_err)?;
                        return Ok(Box::new(TcpLink(s)));
                    }
                    Err(e) => last = e,
                }
            }
            Err(connect_err(last))
        }
        Target::UsbLp(path) => {
            let mut o = OpenOptions::new();
            o.read(true).write(true);
            #[cfg(target_os = "linux")]
            {
                use std::os::unix::fs::OpenOptionsExt;
                o.custom_flags(O_NONBLOCK);
            }
            match o.open(path) {
                Ok(file) => Ok(Box::new(FileLink { file, readable: true, write_timeout: opts.write_timeout })),
                // Some usblp devices are write-only for this user: print without status.
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map(|file| {
                        Box::new(FileLink { file, readable: false, write_timeout: opts.write_timeout }) as Box<dyn Link>
                    })
                    .map_err(connect_err),
                Err(e) => Err(connect_err(e)),
            }
        }
        Target::File(path) => File::create(path)
            .map(|file| {
                Box::new(FileLink { file, readable: false, write_timeout: opts.write_timeout }) as Box<dyn Link>
            })
            .map_err(connect_err),
        Target::Serial { path, baud } => serialport::new(path.as_str(), *baud)
            .timeout(opts.write_timeout)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .flow_control(serialport::FlowControl::None)
            .open()
            .map(|p| Box::new(SerialLink(p)) as Box<dyn Link>)
            .map_err(|source| Error::Serial { path: path.clone(), source }),
        #[cfg(feature = "usb")]
        Target::Usb { vendor, product } => {
            usb::open(*vendor, *product, opts.write_timeout).map(|l| Box::new(l) as Box<dyn Link>)
        }
        #[cfg(not(feature = "usb"))]
        Target::Usb { .. } => Err(Error::Usb(
            "this build has no libusb support; rebuild with `--features usb` or use /dev/usb/lpN".into(),
        )),
    }
}

/// A printer at a [`Target`], connected on demand.
pub struct Printer {
    target: Target,
    opts: Options,
    link: Option<Box<dyn Link>>,
}

impl fmt::Debug for Printer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Printer").field("target", &self.target).field("connected", &self.link.is_some()).finish()
    }
}

impl Printer {
    pub fn new(target: Target, opts: Options) -> Printer {
        Printer { target, opts, link: None }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Drops the connection; the next call reconnects.
    pub fn disconnect(&mut self) {
        self.link = None;
    }

    fn link(&mut self) -> Result<&mut Box<dyn Link>> {
        if self.link.is_none() {
            self.link = Some(open_link(&self.target, &self.opts)?);
        }
        Ok(self.link.as_mut().expect("link was just opened"))
    }

    /// Sends one job completely, or fails (see module docs).
    pub fn print(&mut self, job: &[u8]) -> Result<()> {
        let name = self.target.to_string();
        if let Some(link) = self.link.as_mut() {
            if !link.is_alive() {
                self.link = None;
            }
        }
        let mut attempt = 0;
        loop {
            match self.try_send(job) {
                Ok(()) => break,
                Err((0, e)) if attempt < self.opts.retries => {
                    let _ = e;
                    self.link = None;
                    attempt += 1;
                    std::thread::sleep(self.opts.retry_delay);
                }
                Err((sent, e)) => {
                    self.link = None;
                    return Err(match e {
                        SendError::Open(err) => err,
                        SendError::Io(source) => Error::Incomplete { target: name, sent, total: job.len(), source },
                    });
                }
            }
        }
        if self.opts.confirm && self.link.as_ref().is_some_and(|l| l.can_read()) {
            match self.query(1) {
                Ok(Some(_)) => {}
                Ok(None) => {
                    self.link = None;
                    return Err(Error::NotConfirmed {
                        target: name,
                        total: job.len(),
                        reason: format!("no status answer within {} ms", self.opts.status_timeout.as_millis()),
                    });
                }
                Err(e) => {
                    self.link = None;
                    return Err(Error::NotConfirmed { target: name, total: job.len(), reason: e.to_string() });
                }
            }
        }
        Ok(())
    }

    fn try_send(&mut self, job: &[u8]) -> std::result::Result<(), (usize, SendError)> {
        let link = self.link().map_err(|e| (0, SendError::Open(e)))?;
        let mut sent = 0;
        while sent < job.len() {
            let end = (sent + 16 * 1024).min(job.len());
            match link.write(&job[sent..end]) {
                Ok(0) => {
                    return Err((
                        sent,
                        SendError::Io(io::Error::new(io::ErrorKind::WriteZero, "printer accepts no more data")),
                    ))
                }
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err((sent, SendError::Io(e))),
            }
        }
        link.flush().map_err(|e| (sent, SendError::Io(e)))
    }

    /// Sends `DLE EOT n` and waits for a valid answer byte.
    fn query(&mut self, n: u8) -> io::Result<Option<u8>> {
        let timeout = self.opts.status_timeout;
        let link = self.link().map_err(|e| io::Error::new(io::ErrorKind::NotConnected, e.to_string()))?;
        // Discard stale bytes (late answers, automatic status back), but not forever.
        for _ in 0..256 {
            if link.read_byte(Duration::ZERO)?.is_none() {
                break;
            }
        }
        let req = commands::status_request(n);
        let mut off = 0;
        while off < req.len() {
            match link.write(&req[off..])? {
                0 => return Err(io::Error::new(io::ErrorKind::WriteZero, "printer accepts no data")),
                k => off += k,
            }
        }
        link.flush()?;
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            // Bytes that are not status answers (noise, ASB of another kind) are skipped until the
            // deadline.
            match link.read_byte(left)? {
                Some(b) if is_status_byte(b) => return Ok(Some(b)),
                Some(_) => continue,
                None => return Ok(None),
            }
        }
    }

    /// Queries `DLE EOT 1..4`. Errors only for an unusable address; otherwise a printer that cannot be
    /// reached or does not answer gives [`PrinterState::Unknown`](crate::PrinterState::Unknown).
    pub fn status(&mut self) -> StatusReport {
        self.status_detail().unwrap_or_else(|_| StatusReport::unknown())
    }

    /// Like [`Printer::status`], but says why the state is unknown.
    pub fn status_detail(&mut self) -> Result<StatusReport> {
        let name = self.target.to_string();
        let readable = self.link()?.can_read();
        if !readable {
            return Ok(StatusReport::unknown());
        }
        let mut raw = [None; 4];
        for n in 1..=4u8 {
            match self.query(n) {
                Ok(Some(b)) => raw[usize::from(n - 1)] = Some(b),
                Ok(None) => break,
                Err(source) => {
                    self.link = None;
                    return Err(Error::Io { target: name, source });
                }
            }
        }
        Ok(StatusReport::from_raw(raw))
    }
}

enum SendError {
    Open(Error),
    Io(io::Error),
}
