//! Modbus RTU profile of counter boards (`motcua-modbus-v1`), spoken through `tokio-modbus`.
//!
//! **Display** (holding registers, written with function 16 in one request):
//!
//! | register | meaning |
//! |---|---|
//! | 0–3 | text, 8 ASCII bytes, two per register, high byte first, padded with spaces |
//! | 4 | mode: 0 blank, 1 steady, 2 blink |
//!
//! **Keypad** (input registers, read with function 4 in one request):
//!
//! | register | meaning |
//! |---|---|
//! | 0 | press counter: +1 per press, wraps at 65 536 |
//! | 1–8 | the last 8 key codes: press number *n* is at register 1 + ((*n* − 1) mod 8) |
//!
//! Key codes: 1 call next, 2 recall, 3 start, 4 finish, 5 no-show, 6 pause (park), 7 transfer,
//! 8 clear, 0x30–0x39 digits. Reading never clears anything, so a reply lost on the wire loses no
//! press: the next poll sees the same counter further on. More than 8 presses between two polls (the
//! server polls every 100 ms by default) lose the oldest, which the poll reports.

use std::collections::HashMap;
use std::time::Duration;

use tokio_modbus::client::{Context, Reader, Writer};
use tokio_modbus::prelude::SlaveContext;
use tokio_modbus::Slave;
use tokio_serial::SerialStream;

use crate::{timeout_ms, DeviceError, Exchange, Frame, Key, KeyPoll, Protocol};

/// First display register (text) and the mode register after it.
pub const DISPLAY_TEXT_REGISTER: u16 = 0;
pub const DISPLAY_MODE_REGISTER: u16 = 4;
/// Keypad press counter, and the ring of the last key codes after it.
pub const KEYPAD_COUNTER_REGISTER: u16 = 0;
pub const KEYPAD_RING_LEN: u16 = 8;

/// The registers a display is written with for `frame`.
pub fn display_registers(frame: &Frame) -> [u16; 5] {
    let text = frame.padded();
    let mut regs = [0u16; 5];
    for (i, pair) in text.chunks(2).enumerate() {
        regs[i] = u16::from(pair[0]) << 8 | u16::from(pair[1]);
    }
    regs[DISPLAY_MODE_REGISTER as usize] = frame.mode().code();
    regs
}

/// What a keypad's registers say happened since `last` (the counter seen at the previous poll).
pub fn presses_since(last: u16, registers: &[u16]) -> KeyPoll {
    let counter = registers[0];
    let new = counter.wrapping_sub(last);
    let held = new.min(KEYPAD_RING_LEN);
    let mut poll = KeyPoll { keys: Vec::new(), lost: u32::from(new - held) };
    for n in (0..held).rev().map(|back| counter.wrapping_sub(back)) {
        // 65 536 is a multiple of 8, so the ring position stays right across the counter's wrap.
        let slot = 1 + usize::from(n.wrapping_sub(1) % KEYPAD_RING_LEN);
        match Key::from_code(registers[slot]) {
            Some(key) => poll.keys.push(key),
            None => poll.lost += 1,
        }
    }
    poll
}

pub(crate) struct ModbusRtu {
    ctx: Context,
    timeout: Duration,
    /// Each keypad's press counter at the last poll.
    counters: HashMap<u8, u16>,
}

impl ModbusRtu {
    pub(crate) fn new(port: SerialStream, timeout: Duration) -> ModbusRtu {
        ModbusRtu { ctx: tokio_modbus::client::rtu::attach(port), timeout, counters: HashMap::new() }
    }
}

fn modbus_error(address: u8, error: tokio_modbus::Error) -> DeviceError {
    match error {
        tokio_modbus::Error::Transport(e) => DeviceError::Io(e),
        tokio_modbus::Error::Protocol(e) => DeviceError::BadReply { address, reason: e.to_string() },
    }
}

async fn exchange<T>(
    address: u8,
    timeout: Duration,
    request: impl std::future::Future<Output = tokio_modbus::Result<T>>,
) -> Result<T, DeviceError> {
    match tokio::time::timeout(timeout, request).await {
        Err(_) => Err(DeviceError::NoReply { address, timeout_ms: timeout_ms(timeout) }),
        Ok(Err(e)) => Err(modbus_error(address, e)),
        Ok(Ok(Err(exception))) => Err(DeviceError::Refused { address, reason: exception.to_string() }),
        Ok(Ok(Ok(value))) => Ok(value),
    }
}

impl Protocol for ModbusRtu {
    fn show<'a>(&'a mut self, address: u8, frame: &'a Frame) -> Exchange<'a, ()> {
        Box::pin(async move {
            self.ctx.set_slave(Slave(address));
            let regs = display_registers(frame);
            exchange(address, self.timeout, self.ctx.write_multiple_registers(DISPLAY_TEXT_REGISTER, &regs)).await
        })
    }

    fn poll_keys(&mut self, address: u8) -> Exchange<'_, KeyPoll> {
        Box::pin(async move {
            self.ctx.set_slave(Slave(address));
            let registers = exchange(
                address,
                self.timeout,
                self.ctx.read_input_registers(KEYPAD_COUNTER_REGISTER, 1 + KEYPAD_RING_LEN),
            )
            .await?;
            if registers.len() != 1 + usize::from(KEYPAD_RING_LEN) {
                return Err(DeviceError::BadReply { address, reason: format!("{} registers", registers.len()) });
            }
            let last = self.counters.insert(address, registers[0]);
            Ok(last.map(|last| presses_since(last, &registers)).unwrap_or_default())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mode;

    #[test]
    fn a_display_frame_is_five_registers() {
        let regs = display_registers(&Frame::new("A025", Mode::Blink));
        assert_eq!(regs, [0x4130, 0x3235, 0x2020, 0x2020, 2]);
        assert_eq!(display_registers(&Frame::blank()), [0x2020, 0x2020, 0x2020, 0x2020, 0]);
    }

    fn ring(counter: u16, presses: &[(u16, Key)]) -> Vec<u16> {
        let mut regs = vec![0u16; 9];
        regs[0] = counter;
        for &(n, key) in presses {
            regs[1 + usize::from(n.wrapping_sub(1) % 8)] = key.code();
        }
        regs
    }

    #[test]
    fn presses_come_in_order_across_the_wrap() {
        let regs = ring(1, &[(65535, Key::CallNext), (0, Key::Recall), (1, Key::Finish)]);
        let poll = presses_since(65534, &regs);
        assert_eq!(poll, KeyPoll { keys: vec![Key::CallNext, Key::Recall, Key::Finish], lost: 0 });
        assert_eq!(presses_since(1, &regs), KeyPoll::default());
    }

    #[test]
    fn more_than_the_ring_holds_is_counted_as_lost() {
        let presses: Vec<(u16, Key)> = (1..=11).map(|n| (n, Key::Digit((n % 10) as u8))).collect();
        let poll = presses_since(0, &ring(11, &presses));
        assert_eq!(poll.lost, 3);
        assert_eq!(poll.keys, (4..=11).map(|n| Key::Digit((n % 10) as u8)).collect::<Vec<_>>());
    }

    #[test]
    fn unknown_codes_are_lost_not_guessed() {
        let mut regs = ring(2, &[(1, Key::Start)]);
        regs[2] = 0x99;
        assert_eq!(presses_since(0, &regs), KeyPoll { keys: vec![Key::Start], lost: 1 });
    }
}
