//! The append-only log's vocabulary. Every change in an office is one of these, stored with a UUID and
//! a per-office sequence number; state, reports, live updates and sync are all derived from them.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::dossier::DossierCode;
use crate::office::{CounterId, Priority, Role, ServiceCode, Stage};
use crate::rating::{Indicator, IndicatorSetRef, RatingLevel, RecordedAnswer};

pub mod payload;
pub use payload::{CounterV1, ServiceV1, SettingsV1};

pub type TicketId = Uuid;
pub type LeaseId = Uuid;
pub type DeviceId = Uuid;

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// The server itself (day close, lease expiry, migrations).
    System,
    Staff {
        username: String,
    },
    Device {
        device_id: DeviceId,
    },
    /// A command-line tool run by a technician on the server.
    Cli,
    /// Not told to this reader: the office server sends devices events with the actor hidden (a
    /// display has no business knowing which officer did what). Never stored.
    Hidden,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Per-office sequence, gap-free, starting at 1.
    pub seq: u64,
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: Actor,
    pub kind: EventKind,
}

/// Where a ticket goes when it re-enters a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    Front,
    #[default]
    Back,
}

/// Why a ticket was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    Next,
    Specific,
    /// A missed ticket called back within the grace window.
    AfterNoShow,
    /// Taken back from the park (hold) pool.
    FromPark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// Staff cancelled it (the citizen left, a duplicate…).
    Staff,
    /// The office day ended with the ticket still open.
    DayClosed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseEnd {
    Returned,
    Expired,
}

/// What a rating is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingSubject {
    Ticket(TicketId),
    Dossier(DossierCode),
}

/// What tied a dossier rating to the citizen who holds the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RatingProof {
    /// The rating token of the receipt's QR (the link it was minted for).
    Token { linked_ticket: TicketId },
    /// The served ticket the dossier was linked to.
    LinkedTicket { linked_ticket: TicketId },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    SettingsChanged {
        settings: SettingsV1,
    },
    ServiceSaved {
        service: ServiceV1,
    },
    CounterSaved {
        counter: CounterV1,
    },
    StaffSaved {
        username: String,
        display_name: String,
        role: Role,
        counters: Vec<CounterId>,
        active: bool,
    },
    DeviceEnrolled {
        device_id: DeviceId,
        name: String,
        role: Role,
        counter: Option<CounterId>,
    },
    TicketIssued {
        ticket: TicketId,
        service: ServiceCode,
        letter: char,
        number: u32,
        label: String,
        #[serde(with = "crate::clock::iso_date")]
        day: Date,
        priority: Priority,
        #[serde(with = "time::serde::rfc3339")]
        issued_at: OffsetDateTime,
        idempotency_key: Option<String>,
        lease: Option<LeaseId>,
        device: Option<DeviceId>,
        /// The catalogue procedure the citizen chose (its code); tickets from before the catalogue
        /// and tickets taken by service have none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        procedure: Option<String>,
    },
    TicketCalled {
        ticket: TicketId,
        counter: CounterId,
        officer: Option<String>,
        how: CallKind,
    },
    TicketRecalled {
        ticket: TicketId,
        counter: CounterId,
    },
    ServiceStarted {
        ticket: TicketId,
        counter: CounterId,
    },
    TicketFinished {
        ticket: TicketId,
        counter: CounterId,
        outcome: String,
        /// Services still to visit in this visit; the ticket re-enters the first one's queue.
        next_services: Vec<ServiceCode>,
    },
    TicketMissed {
        ticket: TicketId,
        counter: CounterId,
    },
    TicketParked {
        ticket: TicketId,
        counter: CounterId,
    },
    TicketUnparked {
        ticket: TicketId,
        placement: Placement,
    },
    TicketTransferred {
        ticket: TicketId,
        from_counter: Option<CounterId>,
        to_service: ServiceCode,
        to_counter: Option<CounterId>,
        placement: Placement,
    },
    TicketCancelled {
        ticket: TicketId,
        reason: CancelReason,
    },
    DossierLinked {
        ticket: TicketId,
        code: DossierCode,
        /// SHA-256 (hex) of the rating token the server gave the officer for the citizen's receipt;
        /// none in logs written before rating tokens (such a link proves nothing by token).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rating_token_sha256: Option<String>,
    },
    RatingInvited {
        counter: CounterId,
        ticket: TicketId,
        stage: Stage,
    },
    RatingRecorded {
        rating: Uuid,
        subject: RatingSubject,
        counter: Option<CounterId>,
        officer: Option<String>,
        stage: Stage,
        level: RatingLevel,
        /// The citizen's answers as points per indicator (of the 9 of Nghị định 61/2018).
        answers: Vec<(Indicator, u8)>,
        comment: Option<String>,
        /// The indicator set the rating was given under (none in logs written before indicator sets).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        indicator_set: Option<IndicatorSetRef>,
        /// The citizen's answers as the options of the set's scales, with the points the set gives them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        choices: Vec<RecordedAnswer>,
        /// Indicators computed from the dossier's records (total time, time per agency), not asked.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        computed: Vec<RecordedAnswer>,
        /// How a dossier rating was tied to the citizen (none for a ticket, and in older logs).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proof: Option<RatingProof>,
    },
    LeaseGranted {
        lease: LeaseId,
        device: DeviceId,
        service: ServiceCode,
        #[serde(with = "crate::clock::iso_date")]
        day: Date,
        first: u32,
        last: u32,
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
    },
    LeaseClosed {
        lease: LeaseId,
        unused: Vec<u32>,
        end: LeaseEnd,
    },
    DayClosed {
        #[serde(with = "crate::clock::iso_date")]
        day: Date,
    },
    DossierImported {
        code: DossierCode,
        /// The record in the national-portal JSON shape, reduced to the fields the office uses (logs
        /// written before 0.2 hold the record as received).
        record: serde_json::Value,
    },
    /// A device's name or (rating terminal) counter changed.
    DeviceUpdated {
        device_id: DeviceId,
        name: String,
        counter: Option<CounterId>,
    },
    /// A device's token stopped working; it must enrol again.
    DeviceRevoked {
        device_id: DeviceId,
    },
    /// Too many wrong passwords for a username or from an address: logins are refused until `until`.
    /// A procedure of the catalogue was added, changed or withdrawn (`active: false`).
    ProcedureSaved {
        procedure: crate::procedure::ProcedureRecord,
    },
    /// A counter printed the «Giấy tiếp nhận hồ sơ và hẹn trả kết quả» of a linked dossier (recorded
    /// once the printer took it whole). No personal data: the citizen's name is on the paper only.
    ReceiptIssued {
        /// The ticket the dossier was linked to.
        ticket: TicketId,
        code: DossierCode,
        counter: CounterId,
        officer: Option<String>,
        /// The catalogue procedure's code.
        procedure: String,
        #[serde(with = "time::serde::rfc3339")]
        received_at: OffsetDateTime,
        appointment: crate::receipt::Appointment,
        /// The officer set the date instead of the one computed from the time limit.
        #[serde(default)]
        appointment_set_by_officer: bool,
    },
    LoginLockedOut {
        /// As typed (at most 64 characters); it may name no account.
        username: String,
        address: String,
        failures: u32,
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
    },
}

impl EventKind {
    /// The SSE event name and the `type` tag.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::SettingsChanged { .. } => "settings_changed",
            EventKind::ServiceSaved { .. } => "service_saved",
            EventKind::CounterSaved { .. } => "counter_saved",
            EventKind::StaffSaved { .. } => "staff_saved",
            EventKind::DeviceEnrolled { .. } => "device_enrolled",
            EventKind::TicketIssued { .. } => "ticket_issued",
            EventKind::TicketCalled { .. } => "ticket_called",
            EventKind::TicketRecalled { .. } => "ticket_recalled",
            EventKind::ServiceStarted { .. } => "service_started",
            EventKind::TicketFinished { .. } => "ticket_finished",
            EventKind::TicketMissed { .. } => "ticket_missed",
            EventKind::TicketParked { .. } => "ticket_parked",
            EventKind::TicketUnparked { .. } => "ticket_unparked",
            EventKind::TicketTransferred { .. } => "ticket_transferred",
            EventKind::TicketCancelled { .. } => "ticket_cancelled",
            EventKind::DossierLinked { .. } => "dossier_linked",
            EventKind::RatingInvited { .. } => "rating_invited",
            EventKind::RatingRecorded { .. } => "rating_recorded",
            EventKind::LeaseGranted { .. } => "lease_granted",
            EventKind::LeaseClosed { .. } => "lease_closed",
            EventKind::DayClosed { .. } => "day_closed",
            EventKind::DossierImported { .. } => "dossier_imported",
            EventKind::DeviceUpdated { .. } => "device_updated",
            EventKind::DeviceRevoked { .. } => "device_revoked",
            EventKind::LoginLockedOut { .. } => "login_locked_out",
            EventKind::ProcedureSaved { .. } => "procedure_saved",
            EventKind::ReceiptIssued { .. } => "receipt_issued",
        }
    }
}
