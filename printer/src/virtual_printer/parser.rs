//! An incremental ESC/POS parser that never panics, whatever the bytes.
//!
//! Bytes are pushed as they arrive; complete commands come out as [`Op`]s; an incomplete command waits
//! for more bytes (and becomes [`Op::Truncated`] at [`Parser::finish`]). Lengths announced by commands
//! are capped, so hostile input cannot make it allocate without bound.

/// Largest single command payload accepted (raster band, QR data, …).
pub const MAX_PAYLOAD: usize = 4 * 1024 * 1024;

/// One parsed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Printable bytes, to decode with the current code table.
    Text(Vec<u8>),
    Lf,
    Init,
    Align(u8),
    Bold(bool),
    /// `GS !`: width and height multipliers 1..=8.
    Size(u8, u8),
    /// `ESC !` print mode byte.
    PrintMode(u8),
    CodeTable(u8),
    CancelKanji,
    FeedLines(u8),
    FeedDots(u8),
    Cut,
    Raster {
        width_bytes: u16,
        rows: u16,
        data: Vec<u8>,
    },
    QrModel(u8),
    QrModule(u8),
    QrEc(u8),
    QrStore(Vec<u8>),
    QrPrint,
    BarcodeHeight(u8),
    BarcodeModule(u8),
    HriPosition(u8),
    /// `GS k m …`: symbology and data.
    Barcode {
        m: u8,
        data: Vec<u8>,
    },
    /// `DLE EOT n`.
    StatusRequest(u8),
    /// A recognised command this printer ignores, or an unknown one.
    Other(Vec<u8>),
    /// A command cut short by the end of the job.
    Truncated(Vec<u8>),
}

/// Incremental parser.
#[derive(Debug, Default)]
pub struct Parser {
    buf: Vec<u8>,
    pos: usize,
}

enum Step {
    Done(Op, usize),
    NeedMore,
}

/// A two-byte command followed by one parameter byte (`ESC a n`, `GS h n` …).
fn with_arg(buf: &[u8], op: fn(u8) -> Op) -> Step {
    match b(buf, 2) {
        Some(n) => Step::Done(op(n), 3),
        None => Step::NeedMore,
    }
}

fn b(buf: &[u8], i: usize) -> Option<u8> {
    buf.get(i).copied()
}

fn take(buf: &[u8], start: usize, len: usize) -> Option<&[u8]> {
    buf.get(start..start.checked_add(len)?)
}

fn is_text(byte: u8) -> bool {
    !matches!(byte, 0x00..=0x1F) || byte == 0x09
}

fn parse_one(buf: &[u8]) -> Step {
    use Step::*;
    let Some(first) = b(buf, 0) else {
        return NeedMore;
    };
    macro_rules! need {
        ($e:expr) => {
            match $e {
                Some(v) => v,
                None => return NeedMore,
            }
        };
    }
    match first {
        0x0A => Done(Op::Lf, 1),
        0x10 => {
            let second = need!(b(buf, 1));
            match second {
                0x04 | 0x05 => {
                    let n = need!(b(buf, 2));
                    if second == 0x04 {
                        Done(Op::StatusRequest(n), 3)
                    } else {
                        Done(Op::Other(buf[..3].to_vec()), 3)
                    }
                }
                0x14 => {
                    need!(take(buf, 0, 5));
                    Done(Op::Other(buf[..5].to_vec()), 5)
                }
                _ => Done(Op::Other(vec![first]), 1),
            }
        }
        0x1B => {
            let c = need!(b(buf, 1));
            let one = |op: fn(u8) -> Op| with_arg(buf, op);
            match c {
                b'@' => Done(Op::Init, 2),
                b'a' => one(Op::Align),
                b'E' => one(|n| Op::Bold(n & 1 == 1)),
                b't' => one(Op::CodeTable),
                b'd' => one(Op::FeedLines),
                b'J' => one(Op::FeedDots),
                b'!' => one(Op::PrintMode),
                b'i' | b'm' => Done(Op::Cut, 2),
                b'2' | b'<' => Done(Op::Other(buf[..2].to_vec()), 2),
                b'$' | b'\\' => {
                    need!(take(buf, 0, 4));
                    Done(Op::Other(buf[..4].to_vec()), 4)
                }
                b'p' => {
                    need!(take(buf, 0, 5));
                    Done(Op::Other(buf[..5].to_vec()), 5)
                }
                b'c' => {
                    need!(take(buf, 0, 4));
                    Done(Op::Other(buf[..4].to_vec()), 4)
                }
                b'D' => {
                    // Tab positions, NUL-terminated (at most 32 + NUL).
                    let end = buf.iter().skip(2).take(33).position(|x| *x == 0);
                    match end {
                        Some(e) => Done(Op::Other(buf[..e + 3].to_vec()), e + 3),
                        None if buf.len() >= 35 => Done(Op::Other(buf[..35].to_vec()), 35),
                        None => NeedMore,
                    }
                }
                b'*' => {
                    let m = need!(b(buf, 2));
                    let n = usize::from(need!(b(buf, 3))) | usize::from(need!(b(buf, 4))) << 8;
                    let k = if m == 32 || m == 33 { 3 * n } else { n };
                    need!(take(buf, 5, k));
                    Done(Op::Other(buf[..5 + k].to_vec()), 5 + k)
                }
                _ => one(|_| Op::Other(Vec::new())),
            }
        }
        0x1C => {
            let c = need!(b(buf, 1));
            match c {
                b'.' => Done(Op::CancelKanji, 2),
                b'&' => Done(Op::Other(buf[..2].to_vec()), 2),
                b'p' => {
                    need!(take(buf, 0, 4));
                    Done(Op::Other(buf[..4].to_vec()), 4)
                }
                _ => Done(Op::Other(buf[..2].to_vec()), 2),
            }
        }
        0x1D => {
            let c = need!(b(buf, 1));
            let one = |op: fn(u8) -> Op| with_arg(buf, op);
            match c {
                b'!' => one(|n| Op::Size((n >> 4 & 7) + 1, (n & 7) + 1)),
                b'h' => one(Op::BarcodeHeight),
                b'w' => one(Op::BarcodeModule),
                b'H' => one(Op::HriPosition),
                b'v' => {
                    need!(take(buf, 0, 8));
                    let xb = u16::from_le_bytes([buf[4], buf[5]]);
                    let rows = u16::from_le_bytes([buf[6], buf[7]]);
                    let len = usize::from(xb) * usize::from(rows);
                    if len > MAX_PAYLOAD {
                        return Done(Op::Other(buf[..8].to_vec()), 8);
                    }
                    let data = need!(take(buf, 8, len));
                    Done(Op::Raster { width_bytes: xb, rows, data: data.to_vec() }, 8 + len)
                }
                b'(' => {
                    need!(take(buf, 0, 5));
                    let kind = buf[2];
                    let p = usize::from(u16::from_le_bytes([buf[3], buf[4]]));
                    let body = need!(take(buf, 5, p));
                    let total = 5 + p;
                    if kind == b'k' && body.len() >= 2 && body[0] == b'1' {
                        let arg = body.get(2).copied().unwrap_or(0);
                        let op = match body[1] {
                            b'A' => Op::QrModel(arg),
                            b'C' => Op::QrModule(arg),
                            b'E' => Op::QrEc(arg),
                            b'P' => Op::QrStore(body.get(3..).unwrap_or(&[]).to_vec()),
                            b'Q' => Op::QrPrint,
                            _ => Op::Other(buf[..total].to_vec()),
                        };
                        Done(op, total)
                    } else {
                        Done(Op::Other(buf[..total].to_vec()), total)
                    }
                }
                b'8' => {
                    // GS 8 L p1 p2 p3 p4 …: 32-bit length.
                    need!(take(buf, 0, 7));
                    let p = u32::from_le_bytes([buf[3], buf[4], buf[5], buf[6]]) as usize;
                    if p > MAX_PAYLOAD {
                        return Done(Op::Other(buf[..7].to_vec()), 7);
                    }
                    need!(take(buf, 7, p));
                    Done(Op::Other(buf[..7 + p].to_vec()), 7 + p)
                }
                b'k' => {
                    let m = need!(b(buf, 2));
                    if m <= 6 {
                        let end = buf.iter().skip(3).take(256).position(|x| *x == 0);
                        match end {
                            Some(e) => Done(Op::Barcode { m, data: buf[3..3 + e].to_vec() }, 4 + e),
                            None if buf.len() >= 259 => Done(Op::Other(buf[..3].to_vec()), 3),
                            None => NeedMore,
                        }
                    } else {
                        let n = usize::from(need!(b(buf, 3)));
                        let data = need!(take(buf, 4, n));
                        Done(Op::Barcode { m, data: data.to_vec() }, 4 + n)
                    }
                }
                b'V' => {
                    let m = need!(b(buf, 2));
                    if matches!(m, 0 | 1 | 48 | 49) {
                        Done(Op::Cut, 3)
                    } else {
                        need!(b(buf, 3));
                        Done(Op::Cut, 4)
                    }
                }
                b'L' | b'W' | b'$' | b'\\' | b'P' => {
                    need!(take(buf, 0, 4));
                    Done(Op::Other(buf[..4].to_vec()), 4)
                }
                _ => one(|_| Op::Other(Vec::new())),
            }
        }
        x if is_text(x) => {
            let n = buf.iter().take_while(|c| is_text(**c)).count();
            Done(Op::Text(buf[..n].to_vec()), n)
        }
        // CR, FF, NUL and other control bytes: ignored.
        other => Done(Op::Other(vec![other]), 1),
    }
}

impl Parser {
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 64 * 1024 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete command, if any. A text run at the end of the buffer is only returned once a
    /// non-text byte follows it or at [`Parser::finish`], so that text split across reads stays whole.
    pub fn next_op(&mut self) -> Option<Op> {
        self.next_op_raw().map(|(op, _)| op)
    }

    /// Like [`Parser::next_op`], also returning the bytes the command was made of.
    pub fn next_op_raw(&mut self) -> Option<(Op, &[u8])> {
        let start = self.pos;
        let rest = &self.buf[start..];
        match parse_one(rest) {
            Step::Done(Op::Text(_), n) if n == rest.len() => None,
            Step::Done(op, n) => {
                self.pos += n.max(1);
                Some((op, &self.buf[start..self.pos]))
            }
            Step::NeedMore => None,
        }
    }

    /// Ends the stream: the remaining bytes become text or a truncated command.
    pub fn finish(&mut self) -> Vec<Op> {
        self.finish_raw().into_iter().map(|(op, _)| op).collect()
    }

    /// Like [`Parser::finish`], with each command's bytes.
    pub fn finish_raw(&mut self) -> Vec<(Op, Vec<u8>)> {
        let mut ops = Vec::new();
        while let Some((op, raw)) = self.next_op_raw() {
            let raw = raw.to_vec();
            ops.push((op, raw));
        }
        let rest = &self.buf[self.pos..];
        if !rest.is_empty() {
            match parse_one(rest) {
                Step::Done(op @ Op::Text(_), _) => ops.push((op, rest.to_vec())),
                _ => ops.push((Op::Truncated(rest.to_vec()), rest.to_vec())),
            }
        }
        self.buf.clear();
        self.pos = 0;
        ops
    }
}

/// Parses a complete job.
pub fn parse_all(bytes: &[u8]) -> Vec<Op> {
    let mut p = Parser::new();
    p.push(bytes);
    p.finish()
}
