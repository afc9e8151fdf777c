//! `[devices]`: the serial buses of counter LED displays and caller keypads.
//!
//! ```toml
//! [devices]
//! poll_ms = 100            # keypads are asked for presses this often
//! reply_timeout_ms = 100   # longest wait for one board's reply
//! blink_s = 5              # a recalled number blinks this long
//!
//! [[devices.buses]]
//! name = "quay-1-3"
//! port = "/dev/ttyUSB0"
//! baud = 9600
//! protocol = "modbus-rtu"  # or "ascii"
//! displays = [{ address = 1, counter = 1 }, { address = 2, counter = 2 }]
//! keypads = [{ address = 11, counter = 1 }, { address = 12, counter = 2, officer = "canbo2" }]
//! ```

use std::collections::HashSet;
use std::path::PathBuf;

use counter_devices::ProtocolKind;
use domain::office::CounterId;
use serde::Deserialize;

/// Buses at most, and boards at most on one bus.
pub const MAX_BUSES: usize = 8;
pub const MAX_BOARDS_PER_BUS: usize = 32;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DevicesConfig {
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    #[serde(default = "default_reply_timeout_ms")]
    pub reply_timeout_ms: u64,
    #[serde(default = "default_blink_s")]
    pub blink_s: u64,
    #[serde(default)]
    pub buses: Vec<BusConfig>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BusConfig {
    pub name: String,
    pub port: PathBuf,
    #[serde(default = "default_baud")]
    pub baud: u32,
    pub protocol: ProtocolKind,
    #[serde(default)]
    pub displays: Vec<DisplayConfig>,
    #[serde(default)]
    pub keypads: Vec<KeypadConfig>,
}

/// An LED display: it shows the number called to `counter`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DisplayConfig {
    pub address: u8,
    pub counter: CounterId,
}

/// A caller keypad: its keys act at `counter` as the officer at that desk — `officer` when given
/// (a desk with one officer and no browser), otherwise whoever last called a ticket to the counter
/// from the counter page. Either way the account must be active and allowed at the counter.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeypadConfig {
    pub address: u8,
    pub counter: CounterId,
    pub officer: Option<String>,
}

fn default_poll_ms() -> u64 {
    100
}
fn default_reply_timeout_ms() -> u64 {
    100
}
fn default_blink_s() -> u64 {
    5
}
fn default_baud() -> u32 {
    9600
}

const BAUDS: [u32; 8] = [1200, 2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200];

impl DevicesConfig {
    /// Checks the section; the message names the bus and the board.
    pub fn validate(&self) -> Result<(), String> {
        if !(20..=2000).contains(&self.poll_ms) {
            return Err(format!("[devices] poll_ms must be 20–2000 (is {})", self.poll_ms));
        }
        if !(10..=2000).contains(&self.reply_timeout_ms) {
            return Err(format!("[devices] reply_timeout_ms must be 10–2000 (is {})", self.reply_timeout_ms));
        }
        if self.blink_s > 60 {
            return Err(format!("[devices] blink_s must be 0–60 (is {})", self.blink_s));
        }
        if self.buses.len() > MAX_BUSES {
            return Err(format!("[devices] at most {MAX_BUSES} buses (has {})", self.buses.len()));
        }
        let mut names = HashSet::new();
        let mut ports = HashSet::new();
        for bus in &self.buses {
            let name = bus.name.trim();
            if name.is_empty() || name.chars().count() > 40 {
                return Err("[[devices.buses]] name must be 1–40 characters".into());
            }
            if !names.insert(name) {
                return Err(format!("[[devices.buses]] {name}: the name is used twice"));
            }
            if !ports.insert(&bus.port) {
                return Err(format!("[[devices.buses]] {name}: port {} is used by another bus", bus.port.display()));
            }
            if bus.port.to_str().is_none_or(|p| p.is_empty() || p.len() > 200) {
                return Err(format!("[[devices.buses]] {name}: port must be a path such as /dev/ttyUSB0"));
            }
            if !BAUDS.contains(&bus.baud) {
                return Err(format!("[[devices.buses]] {name}: baud must be one of {BAUDS:?} (is {})", bus.baud));
            }
            let boards = bus.displays.len() + bus.keypads.len();
            if boards > MAX_BOARDS_PER_BUS {
                return Err(format!("[[devices.buses]] {name}: at most {MAX_BOARDS_PER_BUS} boards (has {boards})"));
            }
            let highest = match bus.protocol {
                ProtocolKind::ModbusRtu => 247,
                ProtocolKind::Ascii => counter_devices::ascii::MAX_ADDRESS,
            };
            let mut addresses = HashSet::new();
            let all = bus
                .displays
                .iter()
                .map(|d| (d.address, d.counter))
                .chain(bus.keypads.iter().map(|k| (k.address, k.counter)));
            for (address, counter) in all {
                if !(1..=highest).contains(&address) {
                    return Err(format!("[[devices.buses]] {name}: address {address} is outside 1–{highest}"));
                }
                if !addresses.insert(address) {
                    return Err(format!("[[devices.buses]] {name}: address {address} is used twice"));
                }
                if counter == 0 {
                    return Err(format!("[[devices.buses]] {name}: address {address}: counter must be 1 or more"));
                }
            }
            for keypad in &bus.keypads {
                if keypad.officer.as_deref().is_some_and(|o| o.trim().is_empty() || o.len() > 64) {
                    return Err(format!(
                        "[[devices.buses]] {name}: keypad {}: officer is empty or too long",
                        keypad.address
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every counter a board names.
    pub fn counters(&self) -> impl Iterator<Item = CounterId> + '_ {
        self.buses.iter().flat_map(|b| b.displays.iter().map(|d| d.counter).chain(b.keypads.iter().map(|k| k.counter)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DevicesConfig, String> {
        let config: DevicesConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate().map(|()| config)
    }

    #[test]
    fn a_documented_section_is_valid() {
        let config = parse(
            r#"
            [[buses]]
            name = "quay-1-3"
            port = "/dev/ttyUSB0"
            protocol = "modbus-rtu"
            displays = [{ address = 1, counter = 1 }]
            keypads = [{ address = 11, counter = 1, officer = "canbo1" }]
            "#,
        )
        .unwrap();
        assert_eq!((config.poll_ms, config.reply_timeout_ms, config.blink_s), (100, 100, 5));
        assert_eq!(config.buses[0].baud, 9600);
        assert_eq!(config.counters().collect::<Vec<_>>(), vec![1, 1]);
    }

    #[test]
    fn mistakes_name_the_bus_and_board() {
        let bus =
            |extra: &str| format!("[[buses]]\nname = \"b\"\nport = \"/dev/ttyUSB0\"\nprotocol = \"ascii\"\n{extra}\n");
        for (text, expected) in [
            (bus("displays = [{ address = 1, counter = 1 }, { address = 1, counter = 2 }]"), "address 1 is used twice"),
            (bus("displays = [{ address = 120, counter = 1 }]"), "address 120 is outside 1–99"),
            (bus("keypads = [{ address = 3, counter = 0 }]"), "counter must be 1 or more"),
            (bus("baud = 1000"), "baud must be one of"),
            (bus("") + &bus(""), "the name is used twice"),
            ("poll_ms = 5".to_string(), "poll_ms must be 20–2000"),
            (bus("protocol2 = 1"), "unknown field"),
            ("[[buses]]\nname = \"b\"\nport = \"/dev/x\"\nprotocol = \"vendor\"".to_string(), "unknown variant"),
        ] {
            let err = parse(&text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
