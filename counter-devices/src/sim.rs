//! Counter boards simulated on a pseudo-terminal: the code under test opens [`BusSim::path`] as it
//! would an RS-485 adapter; a thread on the master side answers as the boards on that bus would.
//!
//! An LED board records every frame it is shown (with when); a keypad presses the keys a test asks
//! for. Both speak either profile. The Modbus side is written here from the register map (frames
//! and CRC-16/MODBUS through the `crc` crate), not through `tokio-modbus`, so a test checks the
//! server's bytes against an independent reading of the wire.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout};

use crate::ascii::{self, Line};
use crate::modbus::KEYPAD_RING_LEN;
use crate::{Frame, Key, Mode, ProtocolKind};

/// What a simulated board is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Board {
    Display,
    Keypad,
}

/// A frame a display was shown, and when it arrived.
#[derive(Debug, Clone)]
pub struct Shown {
    pub frame: Frame,
    pub at: Instant,
}

#[derive(Debug)]
struct BoardState {
    kind: Board,
    registers: [u16; 5],
    shown: Vec<Shown>,
    presses: Vec<Key>,
    silent: bool,
}

#[derive(Debug, Default)]
struct Bus {
    boards: HashMap<u8, BoardState>,
    requests: u64,
    /// Frames that failed their checksum or could not be framed.
    garbled: u64,
}

/// A bus of simulated boards. Dropping it stops the boards and closes the terminal (the port then
/// fails for whoever has it open, as an unplugged adapter does).
pub struct BusSim {
    path: PathBuf,
    bus: Arc<Mutex<Bus>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

const MAX_SHOWN: usize = 10_000;

impl BusSim {
    /// Starts boards at these addresses, speaking `protocol`, answering at once.
    pub fn start(protocol: ProtocolKind, boards: &[(u8, Board)]) -> std::io::Result<BusSim> {
        Self::start_at_baud(protocol, boards, None)
    }

    /// The same, but each reply waits as long as the request and the reply would take on a real line
    /// at `baud` (8N1: 10 bits a byte) — a pseudo-terminal itself has no line speed.
    pub fn start_at_baud(protocol: ProtocolKind, boards: &[(u8, Board)], baud: Option<u32>) -> std::io::Result<BusSim> {
        let pty = nix::pty::openpty(None, None)?;
        raw(&pty.slave)?;
        let path = nix::unistd::ttyname(&pty.slave)?;
        let bus = Bus {
            boards: boards
                .iter()
                .map(|&(address, kind)| {
                    let registers = [0x2020, 0x2020, 0x2020, 0x2020, 0];
                    (address, BoardState { kind, registers, shown: Vec::new(), presses: Vec::new(), silent: false })
                })
                .collect(),
            ..Bus::default()
        };
        let bus = Arc::new(Mutex::new(bus));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (bus, stop) = (bus.clone(), stop.clone());
            let master = File::from(pty.master);
            // The slave stays open here too: a pseudo-terminal whose slave is closed fails reads
            // on the master, and the code under test closes and reopens its port.
            let slave = pty.slave;
            std::thread::Builder::new()
                .name("bus-sim".into())
                .spawn(move || serve(protocol, baud, master, slave, &bus, &stop))?
        };
        Ok(BusSim { path, bus, stop, thread: Some(thread) })
    }

    /// The serial port to open.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn bus(&self) -> MutexGuard<'_, Bus> {
        self.bus.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every frame the display at `address` was shown, oldest first.
    pub fn shown(&self, address: u8) -> Vec<Shown> {
        self.bus().boards.get(&address).map(|b| b.shown.clone()).unwrap_or_default()
    }

    /// What the display at `address` shows now (blank before anything was written).
    pub fn showing(&self, address: u8) -> Frame {
        self.shown(address).pop().map(|s| s.frame).unwrap_or_else(Frame::blank)
    }

    /// Waits until the display at `address` shows `frame`; when it started to, or `None` on timeout.
    pub fn wait_for(&self, address: u8, frame: &Frame, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(last) = self.shown(address).pop().filter(|s| &s.frame == frame) {
                return Some(last.at);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Presses `key` on the keypad at `address`.
    pub fn press(&self, address: u8, key: Key) {
        if let Some(board) = self.bus().boards.get_mut(&address) {
            board.presses.push(key);
        }
    }

    /// A silent board answers nothing (unplugged from the bus, or dead).
    pub fn set_silent(&self, address: u8, silent: bool) {
        if let Some(board) = self.bus().boards.get_mut(&address) {
            board.silent = silent;
        }
    }

    /// Requests the bus has seen (any address).
    pub fn requests(&self) -> u64 {
        self.bus().requests
    }

    /// Requests that failed their checksum or could not be framed.
    pub fn garbled(&self) -> u64 {
        self.bus().garbled
    }
}

impl Drop for BusSim {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn raw(fd: &OwnedFd) -> std::io::Result<()> {
    let mut termios = nix::sys::termios::tcgetattr(fd)?;
    nix::sys::termios::cfmakeraw(&mut termios);
    nix::sys::termios::tcsetattr(fd, nix::sys::termios::SetArg::TCSANOW, &termios)?;
    Ok(())
}

fn serve(
    protocol: ProtocolKind,
    baud: Option<u32>,
    mut master: File,
    _slave: OwnedFd,
    bus: &Mutex<Bus>,
    stop: &AtomicBool,
) {
    let mut pending = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let mut fds = [PollFd::new(master.as_fd(), PollFlags::POLLIN)];
        match nix::poll::poll(&mut fds, PollTimeout::from(20u8)) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(_) => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        }
        let mut chunk = [0u8; 512];
        let n = match master.read(&mut chunk) {
            Ok(n) if n > 0 => n,
            _ => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        pending.extend_from_slice(&chunk[..n]);
        let wire = |bytes: usize| {
            if let Some(baud) = baud {
                std::thread::sleep(Duration::from_micros(bytes as u64 * 10 * 1_000_000 / u64::from(baud.max(1))));
            }
        };
        // The request has arrived only when its last byte has crossed the line.
        wire(n);
        let replies = {
            let mut bus = bus.lock().unwrap_or_else(|e| e.into_inner());
            match protocol {
                ProtocolKind::ModbusRtu => modbus_requests(&mut pending, &mut bus),
                ProtocolKind::Ascii => ascii_requests(&mut pending, &mut bus),
            }
        };
        for reply in replies {
            wire(reply.len());
            let _ = master.write_all(&reply);
        }
        if pending.len() > 1024 {
            pending.clear();
        }
    }
}

// ---- Modbus RTU -------------------------------------------------------------------------------

const CRC: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_MODBUS);

fn with_crc(mut frame: Vec<u8>) -> Vec<u8> {
    let crc = CRC.checksum(&frame);
    frame.extend_from_slice(&crc.to_le_bytes());
    frame
}

fn modbus_requests(pending: &mut Vec<u8>, bus: &mut Bus) -> Vec<Vec<u8>> {
    let mut replies = Vec::new();
    while pending.len() >= 2 {
        let len = match pending[1] {
            0x03 | 0x04 | 0x06 => 8,
            0x10 if pending.len() >= 7 => 9 + usize::from(pending[6]),
            0x10 => return replies,
            _ => {
                bus.garbled += 1;
                pending.clear();
                return replies;
            }
        };
        if pending.len() < len {
            return replies;
        }
        let frame: Vec<u8> = pending.drain(..len).collect();
        let (body, crc) = frame.split_at(len - 2);
        if CRC.checksum(body) != u16::from_le_bytes([crc[0], crc[1]]) {
            bus.garbled += 1;
            pending.clear();
            return replies;
        }
        bus.requests += 1;
        if let Some(reply) = modbus_answer(body, bus) {
            replies.push(with_crc(reply));
        }
    }
    replies
}

fn modbus_answer(body: &[u8], bus: &mut Bus) -> Option<Vec<u8>> {
    let (address, function) = (body[0], body[1]);
    let board = bus.boards.get_mut(&address).filter(|b| !b.silent)?;
    let word = |i: usize| u16::from_be_bytes([body[i], body[i + 1]]);
    let exception = |code: u8| Some(vec![address, function | 0x80, code]);
    let (start, quantity) = (word(2), word(4));
    match (board.kind, function) {
        (Board::Display, 0x10) => {
            let end = usize::from(start) + usize::from(quantity);
            if quantity == 0 || end > board.registers.len() || usize::from(body[6]) != 2 * usize::from(quantity) {
                return exception(0x02);
            }
            for i in 0..usize::from(quantity) {
                board.registers[usize::from(start) + i] = word(7 + 2 * i);
            }
            let text: Vec<u8> = board.registers[..4].iter().flat_map(|r| r.to_be_bytes()).collect();
            let mode = Mode::from_code(board.registers[4]);
            let Some(mode) = mode else { return exception(0x03) };
            record(board, Frame::new(&String::from_utf8_lossy(&text), mode));
            Some(body[..6].to_vec())
        }
        (Board::Keypad, 0x04) => {
            let registers = keypad_registers(&board.presses);
            let end = usize::from(start) + usize::from(quantity);
            if quantity == 0 || end > registers.len() {
                return exception(0x02);
            }
            let mut reply = vec![address, function, (2 * quantity) as u8];
            for r in &registers[usize::from(start)..end] {
                reply.extend_from_slice(&r.to_be_bytes());
            }
            Some(reply)
        }
        _ => exception(0x01),
    }
}

fn keypad_registers(presses: &[Key]) -> Vec<u16> {
    let mut registers = vec![0u16; 1 + usize::from(KEYPAD_RING_LEN)];
    registers[0] = presses.len() as u16;
    for (i, key) in presses.iter().enumerate() {
        registers[1 + i % usize::from(KEYPAD_RING_LEN)] = key.code();
    }
    registers
}

fn record(board: &mut BoardState, frame: Frame) {
    if board.shown.len() < MAX_SHOWN {
        board.shown.push(Shown { frame, at: Instant::now() });
    }
}

// ---- ASCII ------------------------------------------------------------------------------------

fn ascii_requests(pending: &mut Vec<u8>, bus: &mut Bus) -> Vec<Vec<u8>> {
    let mut replies = Vec::new();
    while let Some(end) = pending.iter().position(|&b| b == b'\n') {
        let line: Vec<u8> = pending.drain(..=end).collect();
        let request = match Line::parse(&line) {
            Ok(line) if !line.from_board => line,
            _ => {
                bus.garbled += 1;
                continue;
            }
        };
        bus.requests += 1;
        let Some(board) = bus.boards.get_mut(&request.address).filter(|b| !b.silent) else { continue };
        let fields: Vec<&str> = request.fields.iter().map(String::as_str).collect();
        let reply = match (board.kind, fields.as_slice()) {
            (Board::Display, ["SHOW", text]) => show(board, text, Mode::Steady),
            (Board::Display, ["BLINK", text]) => show(board, text, Mode::Blink),
            (Board::Display, ["CLEAR"]) => {
                record(board, Frame::blank());
                vec!["OK".to_string()]
            }
            (Board::Keypad, ["POLL"]) => {
                let held = board.presses.len().saturating_sub(ascii::KEYS_HELD);
                let letters: String = board.presses[held..].iter().map(|k| k.letter()).collect();
                let counter = board.presses.len() as u32 % ascii::COUNTER_MODULUS;
                vec!["KEYS".to_string(), format!("{counter:03}"), letters]
            }
            _ => vec!["ERR".to_string(), "UNKNOWN".to_string()],
        };
        let fields: Vec<&str> = reply.iter().map(String::as_str).collect();
        replies.push(Line::reply(request.address, &fields).encode());
    }
    replies
}

fn show(board: &mut BoardState, text: &str, mode: Mode) -> Vec<String> {
    if text.len() > crate::DISPLAY_CHARS {
        return vec!["ERR".to_string(), "TOO LONG".to_string()];
    }
    record(board, Frame::new(text, mode));
    vec!["OK".to_string()]
}
