//! Counter hardware on serial buses: the LED number display above a counter and the wired caller
//! keypad on its desk, on RS-485 adapters (or any serial port).
//!
//! Layout:
//! - this file: what travels to and from the boards, independent of the wire: [`Frame`] (what a
//!   display shows), [`Key`] (what a keypad sends), the [`Protocol`] trait and [`open`];
//! - [`modbus`]: the Modbus RTU register profile (through `tokio-modbus`);
//! - [`ascii`]: the ASCII line profile of cheap LED boards (framing, checksums; pure and tested);
//! - `port`: opening a serial port;
//! - `sim` (feature `sim`): boards simulated on pseudo-terminals, for tests and demos.
//!
//! A bus speaks one protocol: boards of another protocol go on another adapter. Adding a vendor's
//! protocol is one file implementing [`Protocol`] and one [`ProtocolKind`] arm in [`open`].
//!
//! Architecture invariant: nothing here knows the queue. The office server decides what each display
//! shows and what a key press means; this crate only moves frames and keys, with a timeout on every
//! exchange so a dead board costs at most that timeout.

pub mod ascii;
pub mod modbus;
mod port;
#[cfg(feature = "sim")]
pub mod sim;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

pub use port::PortSettings;

/// Characters a display has room for.
pub const DISPLAY_CHARS: usize = 8;

/// How a display shows its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Nothing lit.
    Blank,
    Steady,
    /// A recall: the number blinks.
    Blink,
}

impl Mode {
    /// The value of the mode register (Modbus) and the command word (ASCII).
    pub fn code(self) -> u16 {
        match self {
            Mode::Blank => 0,
            Mode::Steady => 1,
            Mode::Blink => 2,
        }
    }

    pub fn from_code(code: u16) -> Option<Mode> {
        Some(match code {
            0 => Mode::Blank,
            1 => Mode::Steady,
            2 => Mode::Blink,
            _ => return None,
        })
    }
}

/// What one display shows: at most [`DISPLAY_CHARS`] characters of `A`–`Z`, `0`–`9`, `-` and space.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Frame {
    text: String,
    mode: Mode,
}

impl Frame {
    /// A frame of `text`: lower case is raised, any other character becomes `-` (an LED board has no
    /// glyph for it), and text past [`DISPLAY_CHARS`] is cut.
    pub fn new(text: &str, mode: Mode) -> Frame {
        let text = text
            .chars()
            .take(DISPLAY_CHARS)
            .map(|c| match c.to_ascii_uppercase() {
                c @ ('A'..='Z' | '0'..='9' | '-' | ' ') => c,
                _ => '-',
            })
            .collect::<String>();
        let text = if mode == Mode::Blank { String::new() } else { text.trim_end().to_string() };
        Frame { text, mode }
    }

    pub fn blank() -> Frame {
        Frame { text: String::new(), mode: Mode::Blank }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The text padded with spaces to exactly [`DISPLAY_CHARS`] bytes (ASCII only, by construction).
    pub fn padded(&self) -> [u8; DISPLAY_CHARS] {
        let mut out = [b' '; DISPLAY_CHARS];
        out[..self.text.len()].copy_from_slice(self.text.as_bytes());
        out
    }
}

/// A key of a caller keypad. The command keys match the counter page's buttons; digits choose the
/// counter of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    CallNext,
    Recall,
    Start,
    Finish,
    NoShow,
    /// "Tạm hoãn": holds the citizen at the counter aside (the counter page's Park).
    Pause,
    /// Transfers to the counter whose number was typed first.
    Transfer,
    /// Forgets typed digits.
    Clear,
    Digit(u8),
}

impl Key {
    /// The key's code in a keypad's Modbus key registers.
    pub fn code(self) -> u16 {
        match self {
            Key::CallNext => 1,
            Key::Recall => 2,
            Key::Start => 3,
            Key::Finish => 4,
            Key::NoShow => 5,
            Key::Pause => 6,
            Key::Transfer => 7,
            Key::Clear => 8,
            Key::Digit(d) => 0x30 + u16::from(d.min(9)),
        }
    }

    pub fn from_code(code: u16) -> Option<Key> {
        Some(match code {
            1 => Key::CallNext,
            2 => Key::Recall,
            3 => Key::Start,
            4 => Key::Finish,
            5 => Key::NoShow,
            6 => Key::Pause,
            7 => Key::Transfer,
            8 => Key::Clear,
            0x30..=0x39 => Key::Digit((code - 0x30) as u8),
            _ => return None,
        })
    }

    /// The key's letter in the ASCII profile (the counter page's shortcut letters, digits as such).
    pub fn letter(self) -> char {
        match self {
            Key::CallNext => 'N',
            Key::Recall => 'R',
            Key::Start => 'S',
            Key::Finish => 'F',
            Key::NoShow => 'M',
            Key::Pause => 'P',
            Key::Transfer => 'T',
            Key::Clear => 'X',
            Key::Digit(d) => char::from(b'0' + d.min(9)),
        }
    }

    pub fn from_letter(letter: char) -> Option<Key> {
        Some(match letter {
            'N' => Key::CallNext,
            'R' => Key::Recall,
            'S' => Key::Start,
            'F' => Key::Finish,
            'M' => Key::NoShow,
            'P' => Key::Pause,
            'T' => Key::Transfer,
            'X' => Key::Clear,
            '0'..='9' => Key::Digit(letter as u8 - b'0'),
            _ => return None,
        })
    }
}

/// The presses a keypad reported since the last poll.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPoll {
    pub keys: Vec<Key>,
    /// Presses the keypad no longer held when polled (more than its buffer between two polls), or
    /// that carried a code this profile does not know.
    pub lost: u32,
}

/// Which wire protocol a bus speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolKind {
    /// Modbus RTU with the register profile of [`modbus`].
    ModbusRtu,
    /// The line profile of [`ascii`].
    Ascii,
}

impl ProtocolKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolKind::ModbusRtu => "modbus-rtu",
            ProtocolKind::Ascii => "ascii",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("cannot open serial port {path}: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("serial port failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("no reply from address {address} within {timeout_ms} ms")]
    NoReply { address: u8, timeout_ms: u64 },
    #[error("address {address} answered something unexpected: {reason}")]
    BadReply { address: u8, reason: String },
    #[error("address {address} refused the request: {reason}")]
    Refused { address: u8, reason: String },
}

impl DeviceError {
    /// The port itself failed (unplugged adapter, closed pseudo-terminal): reopen it. Any other error
    /// concerns one board and leaves the bus usable.
    pub fn is_port_failure(&self) -> bool {
        matches!(self, DeviceError::Open { .. } | DeviceError::Io(_))
    }
}

/// What an exchange with one board returns.
pub type Exchange<'a, T> = Pin<Box<dyn Future<Output = Result<T, DeviceError>> + Send + 'a>>;

/// One bus's protocol: the master side of every exchange. Each call is one request and its reply,
/// bounded by the port's reply timeout.
pub trait Protocol: Send {
    /// Shows `frame` on the display at `address`.
    fn show<'a>(&'a mut self, address: u8, frame: &'a Frame) -> Exchange<'a, ()>;

    /// Asks the keypad at `address` for presses since the last poll. The first poll after opening
    /// only learns where the keypad is (presses from before are not replayed).
    fn poll_keys(&mut self, address: u8) -> Exchange<'_, KeyPoll>;
}

/// Opens `port` for `kind`. Call inside a tokio runtime (the port registers with its reactor).
pub fn open(kind: ProtocolKind, port: &PortSettings) -> Result<Box<dyn Protocol>, DeviceError> {
    let stream = port::open(port)?;
    Ok(match kind {
        ProtocolKind::ModbusRtu => Box::new(modbus::ModbusRtu::new(stream, port.reply_timeout)),
        ProtocolKind::Ascii => Box::new(ascii::AsciiLine::new(stream, port.reply_timeout)),
    })
}

fn timeout_ms(timeout: Duration) -> u64 {
    timeout.as_millis().min(u128::from(u64::MAX)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_keep_only_what_a_board_can_show() {
        assert_eq!(Frame::new("a025", Mode::Steady).text(), "A025");
        assert_eq!(Frame::new("Số 5", Mode::Steady).text(), "S- 5");
        assert_eq!(Frame::new("ABCDEFGHIJ", Mode::Blink).text(), "ABCDEFGH");
        assert_eq!(Frame::new("A025", Mode::Blank), Frame::blank());
        assert_eq!(&Frame::new("B7", Mode::Steady).padded(), b"B7      ");
    }

    #[test]
    fn key_codes_and_letters_round_trip() {
        let keys =
            [Key::CallNext, Key::Recall, Key::Start, Key::Finish, Key::NoShow, Key::Pause, Key::Transfer, Key::Clear]
                .into_iter()
                .chain((0..10).map(Key::Digit));
        for key in keys {
            assert_eq!(Key::from_code(key.code()), Some(key));
            assert_eq!(Key::from_letter(key.letter()), Some(key));
        }
        assert_eq!(Key::from_code(0), None);
        assert_eq!(Key::from_letter('*'), None);
        for mode in [Mode::Blank, Mode::Steady, Mode::Blink] {
            assert_eq!(Mode::from_code(mode.code()), Some(mode));
        }
    }
}
