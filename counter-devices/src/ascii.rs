//! ASCII line profile of cheap LED boards and keypads (`motcua-ascii-v1`), 8N1 at the bus's baud rate.
//!
//! Every exchange is one request line from the server and one reply line from the board:
//!
//! ```text
//! server → board:  @AA,COMMAND[,ARGUMENT]*CC\r\n
//! board → server:  #AA,WORD[,FIELD…]*CC\r\n
//! ```
//!
//! `AA` is the board's address, `01`–`99`; `CC` the XOR of every byte between the sigil (`@`/`#`)
//! and `*`, as two upper-case hex digits. A line longer than [`MAX_LINE`] bytes is noise. Commands:
//!
//! | request | reply | |
//! |---|---|---|
//! | `SHOW,<text>` | `OK` | show up to 8 characters (`A`–`Z`, `0`–`9`, `-`, space) steadily |
//! | `BLINK,<text>` | `OK` | show them blinking (a recall) |
//! | `CLEAR` | `OK` | nothing lit |
//! | `POLL` | `KEYS,<nnn>,<letters>` | keypad: `nnn` counts presses modulo 1000; `letters` are the last presses, oldest first, at most 16 |
//!
//! A board that cannot do a command answers `ERR,<reason>`. Key letters are the counter page's
//! shortcuts: `N` call next, `R` recall, `S` start, `F` finish, `M` no-show, `P` pause (park), `T`
//! transfer, `X` clear, `0`–`9` digits. Like the Modbus profile, a poll never clears the keypad, so a
//! lost reply loses no press.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;
use tokio_serial::SerialStream;

use crate::{timeout_ms, DeviceError, Exchange, Frame, Key, KeyPoll, Mode, Protocol};

/// Longest line, terminator included.
pub const MAX_LINE: usize = 80;
/// Highest address (two digits).
pub const MAX_ADDRESS: u8 = 99;
/// Presses a keypad repeats in each reply.
pub const KEYS_HELD: usize = 16;
/// The press counter's modulus.
pub const COUNTER_MODULUS: u32 = 1000;

/// XOR of the bytes.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, b| acc ^ b)
}

/// One line: `@` from the server, `#` from a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub from_board: bool,
    pub address: u8,
    pub fields: Vec<String>,
}

impl Line {
    pub fn request(address: u8, fields: &[&str]) -> Line {
        Line { from_board: false, address, fields: fields.iter().map(|f| f.to_string()).collect() }
    }

    pub fn reply(address: u8, fields: &[&str]) -> Line {
        Line { from_board: true, address, fields: fields.iter().map(|f| f.to_string()).collect() }
    }

    /// The line's bytes, checksum and CR LF included.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = format!("{:02}", self.address);
        for field in &self.fields {
            body.push(',');
            body.push_str(field);
        }
        let sigil = if self.from_board { '#' } else { '@' };
        format!("{sigil}{body}*{:02X}\r\n", checksum(body.as_bytes())).into_bytes()
    }

    /// Parses one line (with or without its CR LF).
    pub fn parse(line: &[u8]) -> Result<Line, String> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > MAX_LINE {
            return Err("line too long".into());
        }
        let text = std::str::from_utf8(line).map_err(|_| "not ASCII".to_string())?;
        if !text.is_ascii() {
            return Err("not ASCII".into());
        }
        let from_board = match text.as_bytes().first() {
            Some(b'#') => true,
            Some(b'@') => false,
            _ => return Err("no @ or # at the start".into()),
        };
        let (body, sum) = text[1..].rsplit_once('*').ok_or("no checksum")?;
        let sum = u8::from_str_radix(sum, 16).map_err(|_| "bad checksum digits".to_string())?;
        if sum != checksum(body.as_bytes()) || sum_len_wrong(text) {
            return Err("checksum mismatch".into());
        }
        let mut fields = body.split(',');
        let address = fields.next().unwrap_or_default();
        if address.len() != 2 {
            return Err("the address is not two digits".into());
        }
        let address: u8 = address.parse().map_err(|_| "the address is not two digits".to_string())?;
        Ok(Line { from_board, address, fields: fields.map(str::to_string).collect() })
    }
}

fn sum_len_wrong(text: &str) -> bool {
    text.rsplit_once('*').map(|(_, s)| s.len() != 2).unwrap_or(true)
}

/// The request that shows `frame`.
pub fn show_request(address: u8, frame: &Frame) -> Line {
    match frame.mode() {
        Mode::Blank => Line::request(address, &["CLEAR"]),
        Mode::Steady => Line::request(address, &["SHOW", frame.text()]),
        Mode::Blink => Line::request(address, &["BLINK", frame.text()]),
    }
}

/// What a `KEYS` reply says happened since `last` (the counter at the previous poll); also the new
/// counter.
pub fn presses_since(last: u32, fields: &[String]) -> Result<(u32, KeyPoll), String> {
    let [word, counter, letters] = fields else { return Err("a KEYS reply has three fields".into()) };
    if word != "KEYS" || counter.len() != 3 || letters.len() > KEYS_HELD {
        return Err("malformed KEYS reply".into());
    }
    let counter: u32 = counter.parse().map_err(|_| "the press counter is not a number".to_string())?;
    let new = (counter + COUNTER_MODULUS - last % COUNTER_MODULUS) % COUNTER_MODULUS;
    let letters: Vec<char> = letters.chars().collect();
    let held = (new as usize).min(letters.len());
    let mut poll = KeyPoll { keys: Vec::new(), lost: new - held as u32 };
    for &letter in &letters[letters.len() - held..] {
        match Key::from_letter(letter) {
            Some(key) => poll.keys.push(key),
            None => poll.lost += 1,
        }
    }
    Ok((counter, poll))
}

pub(crate) struct AsciiLine {
    port: SerialStream,
    timeout: Duration,
    /// Bytes read past the last complete line.
    pending: Vec<u8>,
    counters: HashMap<u8, u32>,
}

impl AsciiLine {
    pub(crate) fn new(port: SerialStream, timeout: Duration) -> AsciiLine {
        AsciiLine { port, timeout, pending: Vec::new(), counters: HashMap::new() }
    }

    /// Sends `request` and waits for its board's reply; lines from other boards, echoes and noise in
    /// between are skipped.
    async fn exchange(&mut self, request: Line) -> Result<Vec<String>, DeviceError> {
        let address = request.address;
        self.pending.clear();
        self.port.write_all(&request.encode()).await?;
        let deadline = Instant::now() + self.timeout;
        loop {
            while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                if let Ok(reply) = Line::parse(&line) {
                    if reply.from_board && reply.address == address {
                        return match reply.fields.first().map(String::as_str) {
                            Some("ERR") => Err(DeviceError::Refused {
                                address,
                                reason: reply.fields.get(1).cloned().unwrap_or_default(),
                            }),
                            _ => Ok(reply.fields),
                        };
                    }
                }
            }
            if self.pending.len() > MAX_LINE {
                self.pending.clear();
            }
            let mut chunk = [0u8; 128];
            let read = tokio::time::timeout_at(deadline, self.port.read(&mut chunk)).await;
            match read {
                Err(_) => return Err(DeviceError::NoReply { address, timeout_ms: timeout_ms(self.timeout) }),
                Ok(Ok(0)) => return Err(DeviceError::Io(std::io::ErrorKind::UnexpectedEof.into())),
                Ok(Ok(n)) => self.pending.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) => return Err(DeviceError::Io(e)),
            }
        }
    }
}

impl Protocol for AsciiLine {
    fn show<'a>(&'a mut self, address: u8, frame: &'a Frame) -> Exchange<'a, ()> {
        Box::pin(async move {
            let fields = self.exchange(show_request(address, frame)).await?;
            match fields.first().map(String::as_str) {
                Some("OK") => Ok(()),
                _ => Err(DeviceError::BadReply { address, reason: fields.join(",") }),
            }
        })
    }

    fn poll_keys(&mut self, address: u8) -> Exchange<'_, KeyPoll> {
        Box::pin(async move {
            let fields = self.exchange(Line::request(address, &["POLL"])).await?;
            let last = self.counters.get(&address).copied();
            let (counter, poll) = presses_since(last.unwrap_or(0), &fields)
                .map_err(|reason| DeviceError::BadReply { address, reason })?;
            self.counters.insert(address, counter);
            Ok(if last.is_some() { poll } else { KeyPoll::default() })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_encode_as_documented() {
        // The checksums were computed independently with Python (functools.reduce over the bytes).
        let line = show_request(1, &Frame::new("A025", Mode::Steady));
        assert_eq!(line.encode(), b"@01,SHOW,A025*74\r\n".to_vec());
        assert_eq!(Line::parse(b"@01,SHOW,A025*74\r\n"), Ok(line));
        assert_eq!(show_request(7, &Frame::blank()).encode(), b"@07,CLEAR*72\r\n".to_vec());
        assert_eq!(Line::reply(12, &["OK"]).encode(), b"#12,OK*2B\r\n".to_vec());
    }

    #[test]
    fn damaged_lines_are_refused() {
        for bad in [
            &b"@01,SHOW,A025*75\r\n"[..],
            b"@01,SHOW,A025*7\r\n",
            b"01,SHOW,A025*74\r\n",
            b"@1,OK*01",
            b"@01,SHOW,A025",
            b"@\xff1,OK*00",
        ] {
            assert!(Line::parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let long = Line::request(1, &["SHOW", &"A".repeat(MAX_LINE)]).encode();
        assert!(Line::parse(&long).is_err());
    }

    fn keys(counter: &str, letters: &str) -> Vec<String> {
        vec!["KEYS".into(), counter.into(), letters.into()]
    }

    #[test]
    fn key_replies_count_presses_modulo_1000() {
        assert_eq!(
            presses_since(998, &keys("001", "NRF")),
            Ok((1, KeyPoll { keys: vec![Key::CallNext, Key::Recall, Key::Finish], lost: 0 }))
        );
        assert_eq!(presses_since(1, &keys("001", "NRF")), Ok((1, KeyPoll::default())));
        let (_, poll) = presses_since(0, &keys("020", "0123456789NRSFMP")).unwrap();
        assert_eq!((poll.keys.len(), poll.lost), (16, 4));
        assert!(presses_since(0, &keys("02", "N")).is_err());
        assert!(presses_since(0, &["OK".to_string()]).is_err());
    }
}
