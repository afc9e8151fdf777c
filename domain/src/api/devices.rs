//! Counter hardware as the admin page sees it (`GET /api/v1/devices`): each serial bus of LED
//! displays and caller keypads, whether its port is open, and how each board last answered.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::schema;
use crate::office::CounterId;

/// The office's link to the city's central server (`GET /api/v1/sync`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SyncView {
    /// The office has enrolled with a central server (`queue-server sync enrol`).
    pub enrolled: bool,
    pub central: Option<String>,
    /// The office's last event, and the last one the central acknowledged holding.
    pub last_seq: u64,
    pub acked_seq: u64,
    pub backlog: u64,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(schema_with = "schema::optional_date_time")]
    pub last_ack_at: Option<OffsetDateTime>,
    /// Why the last attempt failed (as the central or the network said it), if it did.
    pub last_error: Option<String>,
    /// Behind for longer than `[sync] alarm_after_min` (or refused): someone should look.
    pub alarm: bool,
}

/// One serial bus (an RS-485 adapter) and its boards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceBusView {
    /// The bus's name in `[[devices.buses]]`.
    pub name: String,
    /// The serial port, e.g. `/dev/ttyUSB0`.
    pub port: String,
    /// `modbus-rtu` or `ascii`.
    pub protocol: String,
    /// The port is open (it may still have silent boards).
    pub connected: bool,
    /// Since when it has been connected or disconnected.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(schema_with = "schema::optional_date_time")]
    pub since: Option<OffsetDateTime>,
    /// Why the port is closed (it is retried), in English as the system reports it.
    pub error: Option<String>,
    /// Times the port was opened since the server started.
    pub opens: u64,
    pub boards: Vec<DeviceBoardView>,
}

/// One LED display or keypad on a bus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceBoardView {
    /// `display` or `keypad`.
    pub kind: String,
    pub address: u8,
    pub counter: CounterId,
    /// The last exchange with it succeeded.
    pub ok: bool,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(schema_with = "schema::optional_date_time")]
    pub last_answer_at: Option<OffsetDateTime>,
    /// The last failure (no reply, refused …), cleared by the next success.
    pub error: Option<String>,
    /// Displays: what it shows now (empty when blank).
    pub showing: Option<String>,
    /// Keypads: key presses received since the server started.
    pub presses: u64,
    /// Keypads: presses lost on the bus (more than the keypad holds between two polls).
    pub lost: u64,
    /// Keypads: what the last command key did, or why it was refused (Vietnamese / English).
    pub last_result: Option<String>,
}
