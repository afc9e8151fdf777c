//! JSON payloads of the office server's HTTP API (`/api/v1`). Defined once here and used by the
//! server, the kiosk app, the load tool and tests alike.
//!
//! Each payload derives `JsonSchema` (schemars): the server's OpenAPI document takes its schemas from
//! these types, with the patterns, ranges and lengths the server checks written as schemars attributes
//! beside the fields ([`schema`] holds the shared ones).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::dossier::{DossierCode, DossierStatus, Timeliness};
use crate::event::{DeviceId, LeaseId, Placement, TicketId};
use crate::i18n::Localized;
use crate::office::{CounterId, Priority, Role, ServiceCode, Stage};
use crate::rating::{Indicator, RatingLevel};

mod devices;
pub use devices::{DeviceBoardView, DeviceBusView, SyncView};

/// Every error body: a stable code and a message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApiError {
    pub code: String,
    pub message: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time code, as printed.
    #[schemars(length(max = 64))]
    pub code: String,
    #[schemars(schema_with = "schema::device_name")]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EnrolResponse {
    pub device_id: DeviceId,
    pub token: String,
    pub role: Role,
    pub counter: Option<CounterId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schemars(length(max = 64))]
    pub username: String,
    #[schemars(length(max = 256))]
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LoginResponse {
    pub token: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub counters: Vec<CounterId>,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "schema::date_time")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueTicketRequest {
    #[schemars(regex(pattern = schema::SERVICE_CODE))]
    pub service: String,
    #[serde(default)]
    pub priority: Priority,
    /// The catalogue procedure the citizen chose (`GET /api/v1/procedures`); `service` must take it.
    #[serde(default)]
    #[schemars(regex(pattern = schema::PROCEDURE_CODE))]
    pub procedure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
    #[schemars(schema_with = "schema::date_time")]
    pub issued_at: OffsetDateTime,
    #[serde(with = "crate::clock::iso_date")]
    #[schemars(schema_with = "schema::date")]
    pub day: Date,
    pub dossiers: Vec<DossierCode>,
    pub recalls: u32,
    /// The procedure chosen at the kiosk, shown to the officer.
    #[serde(default)]
    pub procedure: Option<ProcedureRef>,
    /// The path of the page that follows this ticket from a phone (`/t/{token}`), which the ticket's
    /// QR opens; given by the ticket resource (issue, lookup, leased upload), absent in lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_url: Option<String>,
}

/// A ticket as its holder follows it from a phone (`GET /api/v1/follow/{token}`, and the `ticket`
/// events of its stream): no dossier, no procedure, nothing personal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FollowView {
    /// Printed number, e.g. `A025`.
    pub number: String,
    pub office: Localized,
    /// The governing agency's name; empty when none.
    pub agency: String,
    pub service_name: Localized,
    /// A ticket's status (`waiting`, `called`, `serving`, `parked`, `missed`, `served`, `cancelled`), or
    /// `not_received` for a number a kiosk handed out offline and has not uploaded yet.
    pub status: String,
    /// What to do now, in words.
    pub headline: Localized,
    /// The counter it is called to, served at, or waiting for.
    pub counter: Option<CounterId>,
    /// People ahead, while waiting.
    pub ahead: Option<usize>,
    /// Estimated wait in seconds, while waiting.
    pub estimated_wait_s: Option<u32>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(schema_with = "schema::optional_date_time")]
    pub issued_at: Option<OffsetDateTime>,
    /// The office's UTC offset in seconds, for showing times.
    pub utc_offset_s: i32,
    /// Served or cancelled: nothing more will change.
    pub ended: bool,
}

/// A citizen asks for reminders by message (`POST /api/v1/tickets/{id}/reminder`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderRequest {
    /// The citizen's mobile number as typed (`0903 123 456`, `+84903123456`).
    #[schemars(length(min = 9, max = 24))]
    pub phone: String,
}

/// A reminder taken for a ticket (`POST /api/v1/tickets/{id}/reminder`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReminderView {
    /// Printed number, e.g. `A025`.
    pub number: String,
    /// The phone number, masked (`09•••••456`), to show back to the citizen.
    pub phone: String,
    /// A message goes when this many people or fewer are ahead, and another when the ticket is called.
    pub ahead: u32,
    /// People ahead now.
    pub now_ahead: usize,
}

/// A catalogue procedure named on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProcedureRef {
    pub code: String,
    pub name: Localized,
}

/// A catalogue procedure with the service that takes it, as kiosks and counter pages list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProcedureView {
    pub code: String,
    pub name: Localized,
    pub field: Localized,
    pub time_limit: Option<crate::procedure::TimeLimit>,
    /// The time limit as printed: "03 ngày làm việc" / "3 working days".
    pub time_limit_text: Option<Localized>,
    pub fees: Vec<crate::procedure::ProcedureFee>,
    pub papers: Vec<Localized>,
    pub service: ServiceCode,
    pub service_name: Localized,
    pub letter: char,
    /// Whether its service takes tickets now.
    pub service_open: bool,
    /// Counters that take it: its own list, or every counter of its service.
    pub counters: Vec<CounterId>,
    pub active: bool,
}

impl ProcedureView {
    /// The catalogue's search ([`crate::procedure::procedure_matches`]), for a client's cached copy.
    pub fn matches(&self, query: &str) -> bool {
        crate::procedure::procedure_matches(&self.code, &self.name, &self.field, query)
    }

    /// The catalogue's order (field, then name).
    pub fn sort_key(&self) -> ((String, String), (String, String)) {
        crate::procedure::procedure_sort_key(&self.name, &self.field)
    }

    /// Whether it is in the field named `field` (its Vietnamese name, compared without diacritics).
    pub fn in_field(&self, field: &str) -> bool {
        crate::i18n::fold(&self.field.vi) == crate::i18n::fold(field)
    }
}

/// A page of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProcedureList {
    /// Matches before the limit.
    pub total: usize,
    pub procedures: Vec<ProcedureView>,
    /// Every field (lĩnh vực) of the catalogue's active procedures, for browsing, in Vietnamese order.
    pub fields: Vec<Localized>,
}

/// The format of an imported catalogue file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CatalogueFormat {
    /// A JSON array of catalogue records.
    Json,
    /// UTF-8 CSV with a header row (a BOM is allowed): code, name_vi, name_en, field_vi, field_en,
    /// time_limit, fees, papers, service, counters, active.
    Csv,
}

/// A catalogue file to import, all or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueImport {
    pub format: CatalogueFormat,
    #[schemars(length(max = 4_000_000))]
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogueImportResult {
    /// Entries in the file.
    pub read: usize,
    /// Entries added or changed (the others were already as in the file).
    pub saved: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CounterView {
    pub id: CounterId,
    pub name: Localized,
    pub open: bool,
    pub services: Vec<ServiceCode>,
    pub current: Option<TicketView>,
    pub waiting: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallTicketRequest {
    /// Ticket id or printed number (`A025`).
    #[schemars(length(max = 64))]
    pub ticket: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishRequest {
    #[serde(default = "default_outcome")]
    #[schemars(schema_with = "schema::outcome")]
    pub outcome: String,
    #[serde(default)]
    #[schemars(length(max = 10), inner(regex(pattern = schema::SERVICE_CODE)))]
    pub next_services: Vec<String>,
}

fn default_outcome() -> String {
    "completed".into()
}

/// To a service, a counter, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = schema::transfer_target)]
pub struct TransferRequest {
    #[schemars(regex(pattern = schema::SERVICE_CODE))]
    pub to_service: Option<String>,
    #[schemars(range(min = 1))]
    pub to_counter: Option<CounterId>,
    #[serde(default)]
    pub placement: Placement,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnparkRequest {
    pub ticket: String,
    #[serde(default = "front")]
    pub placement: Placement,
}

fn front() -> Placement {
    Placement::Front
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkDossierRequest {
    #[schemars(regex(pattern = schema::DOSSIER_CODE))]
    pub code: String,
}

/// The ticket the dossier was linked to, and the rating token for the citizen's receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LinkDossierResponse {
    #[serde(flatten)]
    pub ticket: TicketView,
    /// The dossier code as linked.
    pub dossier: DossierCode,
    /// A random token for this link, given once: it goes on the receipt's QR as the `r` parameter of
    /// the lookup URL (`…?maHoSo=<code>&r=<token>`), and a rating of the dossier needs it (or the
    /// served ticket). The server keeps only its SHA-256.
    #[schemars(regex(pattern = schema::RATING_TOKEN))]
    pub rating_token: String,
}

/// Rates either a served ticket or a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = schema::rating_subject)]
pub struct RatingRequest {
    /// A served ticket's id, or…
    pub ticket: Option<TicketId>,
    /// …a dossier code (as scanned).
    #[schemars(regex(pattern = schema::DOSSIER_CODE))]
    pub dossier: Option<String>,
    #[schemars(range(min = 1))]
    pub counter: Option<CounterId>,
    pub stage: Option<Stage>,
    pub level: RatingLevel,
    #[serde(default)]
    #[schemars(schema_with = "schema::answers")]
    pub answers: Vec<(Indicator, u8)>,
    #[schemars(length(max = 1000))]
    pub comment: Option<String>,
    /// The answers as options of the active indicator set's scales (see `GET /api/v1/rating/questions`);
    /// the points come from the set. Older kiosks send `answers` instead (not both).
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub choices: Vec<RatingChoice>,
    /// For a dossier: the rating token of the receipt's QR (its `r=` parameter), or…
    #[serde(default)]
    #[schemars(regex(pattern = schema::RATING_TOKEN))]
    pub rating_token: Option<String>,
    /// …the id of the served ticket the dossier was linked to (from the ticket's QR).
    #[serde(default)]
    pub served_ticket: Option<TicketId>,
}

/// One answer: an indicator of the set and an option of its scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingChoice {
    #[schemars(regex(pattern = schema::SET_ID))]
    pub indicator: String,
    #[schemars(regex(pattern = schema::SET_ID))]
    pub option: String,
}

/// `GET /api/v1/rating/questions`: which stage to ask about (all stages when left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionsQuery {
    pub stage: Option<Stage>,
}

/// The active indicator set and the questions a citizen can answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QuestionsView {
    /// The set's id and version: a rating is recorded under them.
    pub set_id: String,
    pub set_version: String,
    pub name: Localized,
    pub legal_basis: Vec<LegalBasisView>,
    /// The stage asked about, or none for every stage.
    pub stage: Option<Stage>,
    /// In the set's order; each with its own answers.
    pub questions: Vec<QuestionView>,
    /// Indicators taken from the dossier's records instead of asked (total time, time per agency).
    pub computed: Vec<ComputedIndicatorView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LegalBasisView {
    pub reference: String,
    pub title: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QuestionView {
    /// The id to send back in `choices[].indicator`.
    pub indicator: String,
    /// Its number in the legal text (1–9 for Nghị định 61/2018).
    pub number: u8,
    /// The question, worded to the citizen.
    pub question: Localized,
    /// The indicator's full official text.
    pub text: Localized,
    /// The stages it is asked at.
    pub stages: Vec<Stage>,
    pub options: Vec<AnswerOptionView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AnswerOptionView {
    /// The id to send back in `choices[].option`.
    pub id: String,
    pub label: Localized,
    #[schemars(range(max = 2))]
    pub points: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ComputedIndicatorView {
    pub indicator: String,
    pub number: u8,
    pub text: Localized,
}

impl QuestionsView {
    /// The questions of a set a citizen answers at `stage` (every stage's when none).
    pub fn of(set: &crate::rating::IndicatorSet, stage: Option<Stage>) -> QuestionsView {
        QuestionsView {
            set_id: set.id.clone(),
            set_version: set.version.clone(),
            name: set.name.clone(),
            legal_basis: set
                .legal_basis
                .iter()
                .map(|l| LegalBasisView { reference: l.reference.clone(), title: l.title.clone() })
                .collect(),
            stage,
            questions: set
                .indicators
                .iter()
                .filter(|d| match stage {
                    Some(s) => d.asked_at(s),
                    None => d.computed_from.is_none() && !d.stages.is_empty(),
                })
                .map(|d| QuestionView {
                    indicator: d.id.clone(),
                    number: d.number,
                    question: d.question_text().clone(),
                    text: d.text.clone(),
                    stages: d.stages.clone(),
                    options: d
                        .options
                        .iter()
                        .map(|o| AnswerOptionView { id: o.id.clone(), label: o.label.clone(), points: o.points })
                        .collect(),
                })
                .collect(),
            computed: set
                .indicators
                .iter()
                .filter(|d| d.computed_from.is_some())
                .map(|d| ComputedIndicatorView { indicator: d.id.clone(), number: d.number, text: d.text.clone() })
                .collect(),
        }
    }
}

/// `GET /api/v1/rating/status`: can this ticket (or dossier) still be rated at this stage? Asked before the
/// questions, so a citizen is not asked to fill everything in for a rating that will be refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingStatusQuery {
    /// A served ticket's id, or…
    pub ticket: Option<TicketId>,
    /// …a dossier code, with the receipt's rating token or the served ticket it was linked to.
    #[schemars(regex(pattern = schema::DOSSIER_CODE))]
    pub dossier: Option<String>,
    #[schemars(regex(pattern = schema::RATING_TOKEN))]
    pub rating_token: Option<String>,
    pub served_ticket: Option<TicketId>,
    /// The stage to be rated (the ticket's service's, or the dossier link's, when left out).
    pub stage: Option<Stage>,
}

/// Whether a rating would be taken now; nothing is recorded by asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RatingStatusView {
    pub can_rate: bool,
    /// The stage a rating would be recorded at (the one asked, when it cannot be rated).
    pub stage: Option<Stage>,
    pub counter: Option<CounterId>,
    /// Why not, as a rating would be refused (`already_rated`, `rating_window_closed`, …).
    pub refusal: Option<ApiError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RatingResponse {
    pub id: Uuid,
    pub stage: Stage,
    pub counter: Option<CounterId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    #[schemars(regex(pattern = schema::SERVICE_CODE))]
    pub service: String,
    #[schemars(range(min = 1, max = crate::queue::MAX_LEASE))]
    pub size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LeaseView {
    pub id: LeaseId,
    pub service: ServiceCode,
    pub letter: char,
    #[serde(with = "crate::clock::iso_date")]
    #[schemars(schema_with = "schema::date")]
    pub day: Date,
    pub first: u32,
    pub last: u32,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "schema::date_time")]
    pub expires_at: OffsetDateTime,
    /// The follow page of each number of the lease, `first` to `last` in order (`/t/{token}`): a slip
    /// printed offline carries its number's, which shows the ticket once the kiosk has uploaded it.
    /// Absent from servers before it was added.
    #[serde(default)]
    pub follow_urls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeasedTicketUpload {
    pub number: u32,
    #[serde(default)]
    pub priority: Priority,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "schema::issued_at")]
    pub issued_at: OffsetDateTime,
    /// The catalogue procedure chosen at the kiosk; kept when the lease's service still takes it (a
    /// number handed out is never refused for it). Left out when none, as older servers expect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = schema::PROCEDURE_CODE))]
    pub procedure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLeaseRequest {
    pub unused: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DossierStep {
    pub at: Option<String>,
    pub unit: Option<String>,
    pub officer: Option<String>,
    pub title: Option<String>,
    pub action: Option<String>,
    pub status: Option<DossierStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
    /// Running: `in_time`, `due_soon`, `overdue`; finished with a result: `early`, `on_time`, `late`;
    /// none without an appointment or for a rejected or stopped dossier (rules at [`Timeliness`]).
    pub timeliness: Option<Timeliness>,
    pub unit: Option<String>,
    pub history: Vec<DossierStep>,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "schema::date_time")]
    pub updated_at: OffsetDateTime,
    /// The deadline timeliness is measured against when it is not the appointment: the appointment
    /// moved later by the time spent waiting on the citizen (5 supplement, 6 fees).
    #[serde(default)]
    pub due_at: Option<String>,
    /// The dossier's fees (the portal's DanhSachLePhi).
    #[serde(default)]
    pub fees: Vec<DossierFee>,
    /// How the dossier was submitted (the portal's KenhThucHien).
    #[serde(default)]
    pub channel: Option<DossierChannel>,
}

/// One fee of a dossier (an entry of the portal's DanhSachLePhi), in đồng.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DossierFee {
    pub name: String,
    pub amount_vnd: u64,
}

impl DossierFee {
    /// `1500000` → `1.500.000 đ` (groups of three with dots, the đồng sign after a space).
    pub fn format_vnd(amount: u64) -> String {
        let digits = amount.to_string();
        let mut out = String::with_capacity(digits.len() + 6);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out.push_str(" đ");
        out
    }
}

/// The channel a dossier was submitted through (the portal's KenhThucHien): its code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DossierChannel {
    /// 1 in person (trực tiếp), 2 online (trực tuyến), 3 by post (bưu chính); another code is kept
    /// as sent.
    pub code: u8,
    pub name: Localized,
}

impl DossierChannel {
    pub const ONLINE: u8 = 2;

    pub fn from_code(code: u8) -> DossierChannel {
        let name = match code {
            1 => Localized::new("Trực tiếp", "In person"),
            2 => Localized::new("Trực tuyến", "Online"),
            3 => Localized::new("Bưu chính", "By post"),
            n => Localized::new(format!("Kênh khác (mã {n})"), format!("Other channel (code {n})")),
        };
        DossierChannel { code, name }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ImportResult {
    pub error_code: String,
    pub accepted: usize,
    pub unchanged: usize,
    pub rejected: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Health {
    #[schemars(schema_with = "schema::ok")]
    pub status: String,
    pub office: String,
    pub last_seq: u64,
    pub version: String,
    /// The office's UTC offset in seconds (its settings' `utc_offset_s`): devices show office time with
    /// it. Absent from servers before it was added.
    #[serde(default)]
    pub utc_offset_s: Option<i32>,
    /// The governing agency's name (the settings' `parent_agency`), printed above the office's name on
    /// tickets; empty when none. Absent from servers before it was added.
    #[serde(default)]
    pub agency: String,
    /// Where phones reach this server (the settings' `follow_base_url`): kiosks put it before a
    /// ticket's `follow_url` in its QR; empty when the kiosk's own address will do. Absent from servers
    /// before it was added.
    #[serde(default)]
    pub follow_base_url: String,
    /// The office sends reminders by message (`[reminders]`): kiosks offer to take a phone number.
    /// Absent (false) from servers before it was added.
    #[serde(default)]
    pub reminders: bool,
}

/// What the schemas of the payloads share: patterns, the schemas of fields whose Rust type says less
/// than the server checks, and the `JsonSchema` of domain types declared in modules without schemars.
/// Patterns are anchored: a value that matches is one the server takes.
pub mod schema {
    use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
    use serde::Serialize;
    use serde_json::{json, Value};
    use std::borrow::Cow;

    use crate::dossier::{DossierCode, DossierStatus, Timeliness};
    use crate::event::Placement;
    use crate::i18n::{Lang, Localized};
    use crate::rating::{Indicator, RatingLevel};

    /// A service code (`ServiceCode::new`).
    pub const SERVICE_CODE: &str = "^[a-z0-9-]{1,32}$";
    /// A printed ticket number as staff type it: `A025`, `A-025`, `a25`.
    pub const TICKET_NUMBER: &str = "^[A-Za-z]-?[0-9]{1,6}$";
    /// A national procedure code (`1.001193.000.00.00.H29`).
    pub const PROCEDURE_CODE: &str = r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,39}$";
    /// What `DossierCode::parse_lenient` surely accepts: agency `000.00.01.H29`, a `yymmdd` day that
    /// every month has (01–28), a 4–7 digit sequence that is not all zeros (here: ending in 1–9).
    pub const DOSSIER_CODE: &str =
        "^[0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}-[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])-[0-9]{3,6}[1-9]$";
    /// A rating token as the server mints it (and `rating::rating_token_in` reads it from a QR).
    pub const RATING_TOKEN: &str = "^[0-9A-Za-z_-]{16,128}$";
    /// An id in an indicator set (indicator or answer option).
    pub const SET_ID: &str = "^[a-z0-9_-]{1,64}$";
    /// A staff username.
    pub const USERNAME: &str = "^[a-z0-9._-]{2,64}$";
    /// A name of 1–100 characters, not blank, without control characters.
    pub const NAME: &str =
        "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";
    /// Not blank.
    pub const NOT_BLANK: &str = "\\S";
    /// Any text without control characters (empty included).
    pub const NO_CONTROL: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

    /// The values of an enum as serde writes them.
    fn values<T: Serialize>(all: &[T]) -> Vec<Value> {
        all.iter().map(|v| serde_json::to_value(v).expect("an enum serialises")).collect()
    }

    /// An RFC 3339 instant as the server writes it.
    pub fn date_time(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date-time" })
    }

    /// An RFC 3339 instant or null.
    pub fn optional_date_time(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "null"], "format": "date-time" })
    }

    /// An office-local day, `YYYY-MM-DD`.
    pub fn date(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date" })
    }

    /// The issue time of a leased ticket: an RFC 3339 instant the server's parser surely takes.
    pub fn issued_at(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "description": "RFC 3339",
            "pattern": "^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])$" })
    }

    pub fn ok(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "const": "ok" })
    }

    /// A device's name (`auth::validate_device_name`).
    pub fn device_name(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "pattern": NAME, "minLength": 1, "maxLength": 100 })
    }

    /// The outcomes a service can finish with (`queue::OUTCOMES`).
    pub fn outcome(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = crate::queue::OUTCOMES.iter().map(|o| o.0).collect();
        json_schema!({ "enum": names })
    }

    /// The detailed answers of a rating: an indicator and a score 0–2.
    pub fn answers(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "array", "items": { "type": "array", "prefixItems": [
            generator.subschema_for::<Indicator>(), { "type": "integer", "minimum": 0, "maximum": 2 } ],
            "minItems": 2, "maxItems": 2 } })
    }

    /// A service's name: Vietnamese of at most 200 characters, neither blank.
    pub fn service_name(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "object", "required": ["vi", "en"], "properties": {
            "vi": { "type": "string", "pattern": NOT_BLANK, "maxLength": 200 },
            "en": { "type": "string", "pattern": NOT_BLANK } } })
    }

    /// A service's field: Vietnamese of at most 200 characters.
    pub fn service_field(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "object", "required": ["vi", "en"], "properties": {
            "vi": { "type": "string", "maxLength": 200 }, "en": { "type": "string" } } })
    }

    /// The office's name: the Vietnamese one not blank.
    pub fn office_name(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "object", "required": ["vi", "en"], "properties": {
            "vi": { "type": "string", "pattern": NOT_BLANK }, "en": { "type": "string" } } })
    }

    /// `ServiceCode`: its pattern.
    pub fn service_code(schema: &mut Schema) {
        schema.insert("pattern".into(), SERVICE_CODE.into());
    }

    /// A present, non-null property.
    fn given(name: &str) -> Value {
        json!({ "required": [name], "properties": { name: { "not": { "type": "null" } } } })
    }

    /// `TransferRequest`: a service, a counter, or both.
    pub fn transfer_target(schema: &mut Schema) {
        schema.insert("anyOf".into(), json!([given("to_service"), given("to_counter")]));
    }

    /// `RatingRequest`: a ticket or a dossier, not both (an absent and a `null` one are the same), and
    /// the answers as `choices` or as `answers`, not both (the engine refuses both non-empty).
    pub fn rating_subject(schema: &mut Schema) {
        let one = |yes: &str, no: &str| {
            let mut v = given(yes);
            v["properties"][no] = json!({ "type": "null" });
            v
        };
        schema.insert("oneOf".into(), json!([one("ticket", "dossier"), one("dossier", "ticket")]));
        // Answers come one way: `choices` (current kiosks) or `answers` (older ones), never both non-empty.
        schema.insert(
            "not".into(),
            json!({ "required": ["choices", "answers"],
                    "properties": { "choices": { "minItems": 1 }, "answers": { "minItems": 1 } } }),
        );
    }

    /// `OpeningInterval`: `HH:MM` times that close after they open, one alternative per opening hour.
    pub fn opening_interval(schema: &mut Schema) {
        let variants: Vec<Value> = (0..23)
            .map(|h: u32| {
                let later: Vec<String> = (h + 1..24).map(|c| format!("{c:02}")).collect();
                json!({ "properties": {
                    "open": { "pattern": format!("^{h:02}:[0-5][0-9]$") },
                    "close": { "pattern": format!("^({}):[0-5][0-9]$", later.join("|")) } } })
            })
            .collect();
        schema.insert("anyOf".into(), Value::Array(variants));
    }

    /// `NumberFormat`: the first number fits in `width` digits.
    pub fn numbering(schema: &mut Schema) {
        let variants: Vec<Value> = (1..=6u32)
            .map(|w| json!({ "properties": { "width": { "const": w }, "first": { "maximum": 10u32.pow(w) - 1 } } }))
            .collect();
        schema.insert("anyOf".into(), Value::Array(variants));
    }

    /// A schema named after a type, for the domain types whose modules do not use schemars.
    macro_rules! named {
        ($ty:ty, $name:literal, |$g:ident| $body:expr) => {
            impl JsonSchema for $ty {
                fn schema_name() -> Cow<'static, str> {
                    $name.into()
                }
                fn schema_id() -> Cow<'static, str> {
                    concat!("domain::", $name).into()
                }
                fn json_schema($g: &mut SchemaGenerator) -> Schema {
                    $body
                }
            }
        };
    }

    named!(Localized, "Localized", |g| {
        let _ = g;
        json_schema!({ "type": "object", "description": "a text in Vietnamese and English",
            "required": ["vi", "en"], "properties": { "vi": { "type": "string" }, "en": { "type": "string" } } })
    });
    named!(Lang, "Lang", |g| {
        let _ = g;
        let all = |l: Lang| match l {
            Lang::Vi | Lang::En => [Lang::Vi, Lang::En],
        };
        json_schema!({ "enum": values(&all(Lang::Vi)) })
    });
    named!(Placement, "Placement", |g| {
        let _ = g;
        let all = |p: Placement| match p {
            Placement::Front | Placement::Back => [Placement::Front, Placement::Back],
        };
        json_schema!({ "enum": values(&all(Placement::Front)) })
    });
    named!(RatingLevel, "RatingLevel", |g| {
        let _ = g;
        json_schema!({ "enum": values(&RatingLevel::ALL) })
    });
    named!(Indicator, "Indicator", |g| {
        let _ = g;
        json_schema!({ "enum": values(&Indicator::ALL) })
    });
    named!(DossierStatus, "DossierStatus", |g| {
        let _ = g;
        json_schema!({ "description": "TrangThaiHoSo 1–10", "enum": values(&DossierStatus::ALL) })
    });
    named!(Timeliness, "Timeliness", |g| {
        let _ = g;
        json_schema!({ "type": "string", "description": "the timeliness colour of a dossier (snake_case)" })
    });
    named!(DossierCode, "DossierCode", |g| {
        let _ = g;
        json_schema!({ "type": "string", "description": "a dossier code in canonical form (upper case, no spaces)" })
    });
}
