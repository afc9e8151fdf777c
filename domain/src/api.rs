//! JSON payloads of the office server's HTTP API (`/api/v1`). Defined once here and used by the
//! server, the kiosk app, the load tool and tests alike.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::dossier::{DossierCode, DossierStatus, Timeliness};
use crate::event::{DeviceId, LeaseId, Placement, TicketId};
use crate::i18n::Localized;
use crate::office::{CounterId, Priority, Role, ServiceCode, Stage};
use crate::rating::{Indicator, RatingLevel};

/// Every error body: a stable code and a message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub device_id: DeviceId,
    pub token: String,
    pub role: Role,
    pub counter: Option<CounterId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub counters: Vec<CounterId>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceView {
    pub code: ServiceCode,
    pub letter: char,
    pub name: Localized,
    pub field: Localized,
    pub open: bool,
    pub waiting: usize,
    pub estimated_wait_s: u32,
    pub service_level_target_s: u32,
    pub counters: Vec<CounterId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueTicketRequest {
    pub service: String,
    #[serde(default)]
    pub priority: Priority,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketView {
    pub id: TicketId,
    /// Printed number, e.g. `A025`.
    pub number: String,
    pub service: ServiceCode,
    pub service_name: Localized,
    pub field: Localized,
    pub priority: Priority,
    pub status: String,
    pub counter: Option<CounterId>,
    /// Counters that serve the ticket's service (printed on the ticket).
    pub counters: Vec<CounterId>,
    pub ahead: usize,
    pub estimated_wait_s: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    #[serde(with = "crate::clock::iso_date")]
    pub day: Date,
    pub dossiers: Vec<DossierCode>,
    pub recalls: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterView {
    pub id: CounterId,
    pub name: Localized,
    pub open: bool,
    pub services: Vec<ServiceCode>,
    pub current: Option<TicketView>,
    pub waiting: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallTicketRequest {
    /// Ticket id or printed number (`A025`).
    pub ticket: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinishRequest {
    #[serde(default = "default_outcome")]
    pub outcome: String,
    #[serde(default)]
    pub next_services: Vec<String>,
}

fn default_outcome() -> String {
    "completed".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub to_service: Option<String>,
    pub to_counter: Option<CounterId>,
    #[serde(default)]
    pub placement: Placement,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnparkRequest {
    pub ticket: String,
    #[serde(default = "front")]
    pub placement: Placement,
}

fn front() -> Placement {
    Placement::Front
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkDossierRequest {
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// A served ticket's id, or…
    pub ticket: Option<TicketId>,
    /// …a dossier code (as scanned).
    pub dossier: Option<String>,
    pub counter: Option<CounterId>,
    pub stage: Option<Stage>,
    pub level: RatingLevel,
    #[serde(default)]
    pub answers: Vec<(Indicator, u8)>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingResponse {
    pub id: Uuid,
    pub stage: Stage,
    pub counter: Option<CounterId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    pub service: String,
    pub size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseView {
    pub id: LeaseId,
    pub service: ServiceCode,
    pub letter: char,
    #[serde(with = "crate::clock::iso_date")]
    pub day: Date,
    pub first: u32,
    pub last: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeasedTicketUpload {
    pub number: u32,
    #[serde(default)]
    pub priority: Priority,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnLeaseRequest {
    pub unused: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierStep {
    pub at: Option<String>,
    pub unit: Option<String>,
    pub officer: Option<String>,
    pub title: Option<String>,
    pub action: Option<String>,
    pub status: Option<DossierStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierView {
    pub code: DossierCode,
    pub procedure: Option<String>,
    pub field: Option<String>,
    pub owner: Option<String>,
    pub status: DossierStatus,
    pub status_name: Localized,
    pub next_step: Localized,
    pub received_at: Option<String>,
    pub appointment_at: Option<String>,
    pub finished_at: Option<String>,
    pub timeliness: Option<Timeliness>,
    pub unit: Option<String>,
    pub history: Vec<DossierStep>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportResult {
    pub error_code: String,
    pub accepted: usize,
    pub unchanged: usize,
    pub rejected: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub office: String,
    pub last_seq: u64,
    pub version: String,
}
