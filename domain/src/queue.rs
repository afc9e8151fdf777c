//! The queue engine: pure rules that turn a command into events, and events into state.
//!
//! `decide` checks a command against the current [`OfficeState`] and returns the events it causes (or
//! a typed error, changing nothing); [`OfficeState::apply`] folds an event into the state. Time, ids and
//! the actor are passed in: nothing here reads a clock, draws a random number or touches IO, so a
//! replay of the log always rebuilds the same state.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::clock::local_day;
use crate::dossier::{DossierCode, DossierStatus, Timeliness};
use crate::error::{QueueError, TextField};
use crate::event::*;
use crate::i18n::Localized;
use crate::office::*;
use crate::procedure::ProcedureRecord;
use crate::rating::{ChoiceError, Indicator, IndicatorSet, RatingLevel};

/// Outcome codes an officer picks when finishing a service.
pub const OUTCOMES: &[(&str, &str, &str)] = &[
    ("completed", "Đã giải quyết xong", "Completed"),
    ("received", "Đã tiếp nhận hồ sơ", "Dossier received"),
    ("guided", "Đã hướng dẫn", "Guidance given"),
    ("incomplete", "Hồ sơ chưa đầy đủ", "Dossier incomplete"),
    ("result_returned", "Đã trả kết quả", "Result returned"),
    ("rejected", "Không tiếp nhận", "Not accepted"),
];

/// Ticket lifecycle. Served, Missed (after its grace window) and Cancelled are the endings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    Called {
        counter: CounterId,
        officer: Option<String>,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    Serving {
        counter: CounterId,
        officer: Option<String>,
        #[serde(with = "time::serde::rfc3339")]
        since: OffsetDateTime,
    },
    Parked {
        counter: CounterId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    Missed {
        counter: CounterId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    Served {
        counter: CounterId,
        outcome: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    Cancelled {
        reason: CancelReason,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl TicketStatus {
    pub fn name(&self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Called { .. } => "called",
            TicketStatus::Serving { .. } => "serving",
            TicketStatus::Parked { .. } => "parked",
            TicketStatus::Missed { .. } => "missed",
            TicketStatus::Served { .. } => "served",
            TicketStatus::Cancelled { .. } => "cancelled",
        }
    }
    pub fn is_ended(&self) -> bool {
        matches!(self, TicketStatus::Missed { .. } | TicketStatus::Served { .. } | TicketStatus::Cancelled { .. })
    }
    fn at_counter(&self) -> Option<CounterId> {
        match self {
            TicketStatus::Called { counter, .. } | TicketStatus::Serving { counter, .. } => Some(*counter),
            _ => None,
        }
    }
}

/// One service segment of a visit, for history and ratings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedSegment {
    pub service: ServiceCode,
    pub counter: CounterId,
    pub officer: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ended_at: OffsetDateTime,
    /// Outcome code, or `transferred`.
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub service: ServiceCode,
    pub letter: char,
    pub number: u32,
    pub label: String,
    #[serde(with = "crate::clock::iso_date")]
    pub day: Date,
    pub priority: Priority,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// When it (re-)entered its current queue; ageing is measured from here.
    #[serde(with = "time::serde::rfc3339")]
    pub enqueued_at: OffsetDateTime,
    pub status: TicketStatus,
    /// Waiting for one counter only (after a transfer to a counter).
    pub target_counter: Option<CounterId>,
    pub pending_services: Vec<ServiceCode>,
    pub dossiers: Vec<DossierCode>,
    pub segments: Vec<ServedSegment>,
    pub recalls: u32,
    pub lease: Option<LeaseId>,
    pub device: Option<DeviceId>,
    /// The catalogue procedure chosen at the kiosk (its code).
    pub procedure: Option<String>,
    pub(crate) queue_key: (i64, u64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterState {
    pub counter: Counter,
    /// The ticket called to, or being served at, this counter.
    pub current: Option<TicketId>,
    /// The ticket most recently finished here (for "invite rating" after finishing).
    pub last_served: Option<TicketId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub id: LeaseId,
    pub device: DeviceId,
    pub service: ServiceCode,
    #[serde(with = "crate::clock::iso_date")]
    pub day: Date,
    pub first: u32,
    pub last: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub used: Vec<u32>,
    /// Set when returned or expired; returned numbers can never be uploaded afterwards.
    pub closed: Option<LeaseEnd>,
    pub returned_unused: Vec<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Lanes {
    pub(crate) regular: BTreeMap<(i64, u64), TicketId>,
    pub(crate) priority: BTreeMap<(i64, u64), TicketId>,
}

/// A dossier linked to a ticket at a counter: what a rating of the dossier is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierLink {
    pub ticket: TicketId,
    /// SHA-256 (hex) of the rating token minted for the link (none for links logged before tokens).
    pub token_sha256: Option<String>,
    /// Where and by whom the linked ticket was being served (or had last been served).
    pub counter: Option<CounterId>,
    pub officer: Option<String>,
    /// The stage of the service the ticket was at.
    pub stage: Stage,
}

/// Everything the engine needs to decide, derived only from events (rebuilt by replay, never stored).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfficeState {
    pub settings: OfficeSettings,
    pub services: BTreeMap<ServiceCode, Service>,
    pub counters: BTreeMap<CounterId, CounterState>,
    pub tickets: HashMap<TicketId, Ticket>,
    pub leases: HashMap<LeaseId, Lease>,
    /// The procedure catalogue by code, withdrawn ones included.
    pub procedures: BTreeMap<String, ProcedureRecord>,
    /// Next number per service and local day.
    next_number: HashMap<ServiceCode, (Date, u32)>,
    idempotency: HashMap<String, TicketId>,
    labels: HashMap<(Date, String), TicketId>,
    rated: HashSet<(RatingSubject, Stage)>,
    /// Every dossier link, kept past day close (a result is returned weeks after reception).
    dossier_links: HashMap<DossierCode, Vec<DossierLink>>,
    service_times: HashMap<ServiceCode, VecDeque<u32>>,
    pub(crate) regulars_since_priority: HashMap<ServiceCode, u32>,
    pub(crate) lanes: HashMap<ServiceCode, Lanes>,
    pub(crate) counter_lanes: HashMap<CounterId, BTreeMap<(i64, u64), TicketId>>,
    pub last_seq: u64,
    pub last_closed_day: Option<Date>,
}

/// What the caller asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    IssueTicket {
        service: ServiceCode,
        priority: Priority,
        idempotency_key: Option<String>,
        device: Option<DeviceId>,
        /// A catalogue procedure taken by `service`, when the citizen chose one.
        procedure: Option<String>,
    },
    CallNext {
        counter: CounterId,
        officer: Option<String>,
    },
    CallTicket {
        counter: CounterId,
        officer: Option<String>,
        ticket: TicketRef,
    },
    Recall {
        counter: CounterId,
    },
    Start {
        counter: CounterId,
    },
    Finish {
        counter: CounterId,
        outcome: String,
        next_services: Vec<ServiceCode>,
    },
    NoShow {
        counter: CounterId,
    },
    Park {
        counter: CounterId,
    },
    Unpark {
        ticket: TicketRef,
        placement: Placement,
    },
    Transfer {
        counter: CounterId,
        to_service: Option<ServiceCode>,
        to_counter: Option<CounterId>,
        placement: Placement,
    },
    Cancel {
        ticket: TicketRef,
    },
    LinkDossier {
        counter: CounterId,
        code: DossierCode,
        /// SHA-256 (hex) of the rating token the server drew for this link.
        rating_token_sha256: Option<String>,
    },
    InviteRating {
        counter: CounterId,
    },
    Rate {
        subject: RatingSubjectRef,
        counter: Option<CounterId>,
        stage: Option<Stage>,
        level: RatingLevel,
        /// Older kiosks' answers: an indicator and 0–2 points (mapped onto the set's scales).
        answers: Vec<(Indicator, u8)>,
        comment: Option<String>,
        /// The active indicator set: choices are checked against it and take its points.
        set: std::sync::Arc<IndicatorSet>,
        /// The citizen's choices: an indicator id and an option id of its scale.
        choices: Vec<(String, String)>,
        /// For a dossier: what ties the rating to the citizen.
        proof: Option<DossierProof>,
        /// For a dossier: its status and timeliness in the imported records (none without records).
        records: Option<(DossierStatus, Option<Timeliness>)>,
    },
    GrantLease {
        device: DeviceId,
        service: ServiceCode,
        size: u32,
        ttl_s: u32,
    },
    UploadLeased {
        lease: LeaseId,
        device: DeviceId,
        number: u32,
        priority: Priority,
        issued_at: OffsetDateTime,
        idempotency_key: String,
        /// The catalogue procedure chosen at the kiosk while it was offline.
        procedure: Option<String>,
    },
    ReturnLease {
        lease: LeaseId,
        device: DeviceId,
        unused: Vec<u32>,
    },
    ExpireLeases,
    CloseDay,
    SaveService {
        service: Service,
    },
    SaveCounter {
        counter: Counter,
    },
    ChangeSettings {
        settings: OfficeSettings,
    },
    /// Adds or changes catalogue procedures, all or none (one from the admin page, many from an import).
    SaveProcedures {
        procedures: Vec<ProcedureRecord>,
    },
    /// Records a printed receipt of a linked dossier (`receipt::decide`).
    IssueReceipt(crate::receipt::IssueReceipt),
}

/// A ticket named by id or by its printed label today (`A025`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRef {
    Id(TicketId),
    Label(String),
}

/// What a citizen shows to rate a dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DossierProof {
    /// SHA-256 (hex) of the rating token from the receipt's QR (hashed by the caller).
    TokenSha256(String),
    /// The id of the served ticket the dossier was linked to (from the ticket's QR).
    Ticket(TicketId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatingSubjectRef {
    Ticket(TicketId),
    Dossier(DossierCode),
}

/// What `decide` returns: the events to append, and the ticket the caller asked about.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision {
    pub events: Vec<EventKind>,
    pub ticket: Option<TicketId>,
}

/// Longest comment or outcome code accepted.
pub const MAX_COMMENT: usize = 1000;
pub const MAX_LEASE: u32 = 100;
/// How many recent service times the estimate averages.
const SERVICE_TIME_WINDOW: usize = 20;
/// The configured service time's weight in the estimate, in observed services.
const PRIOR_WEIGHT: u64 = 5;
/// A service shorter than this counts as this long in the estimate.
const MIN_SERVICE_SAMPLE_S: u32 = 30;
/// The least wait estimated for someone with anyone ahead.
const MIN_WAIT_ESTIMATE_S: u32 = 60;

impl OfficeState {
    /// A copy to replay the queue's order from (`explain`): everything calls depend on, without the
    /// dossier links and ratings given, which grow with the years and decide nothing about the order.
    /// Ratings and dossier links applied to it later are still recorded.
    pub fn queue_snapshot(&self) -> OfficeState {
        OfficeState {
            settings: self.settings.clone(),
            services: self.services.clone(),
            counters: self.counters.clone(),
            tickets: self.tickets.clone(),
            leases: self.leases.clone(),
            procedures: self.procedures.clone(),
            next_number: self.next_number.clone(),
            idempotency: self.idempotency.clone(),
            labels: self.labels.clone(),
            rated: HashSet::new(),
            dossier_links: HashMap::new(),
            service_times: self.service_times.clone(),
            regulars_since_priority: self.regulars_since_priority.clone(),
            lanes: self.lanes.clone(),
            counter_lanes: self.counter_lanes.clone(),
            last_seq: self.last_seq,
            last_closed_day: self.last_closed_day,
        }
    }

    pub fn ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.tickets.get(&id)
    }

    /// The links of a dossier to served tickets, oldest first.
    pub fn dossier_links(&self, code: &DossierCode) -> &[DossierLink] {
        self.dossier_links.get(code).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn ticket_by_idempotency_key(&self, key: &str) -> Option<&Ticket> {
        self.idempotency.get(key).and_then(|id| self.tickets.get(id))
    }

    /// The offline reserves (leases) of a service on a day, open or closed: their numbers are taken.
    fn leases_of<'a>(&'a self, service: &'a ServiceCode, day: Date) -> impl Iterator<Item = &'a Lease> + 'a {
        self.leases.values().filter(move |l| l.service == *service && l.day == day)
    }

    pub fn find_ticket(&self, r: &TicketRef, today: Date) -> Option<&Ticket> {
        match r {
            TicketRef::Id(id) => self.tickets.get(id),
            TicketRef::Label(label) => {
                let (letter, number) = NumberFormat::parse(label)?;
                let canonical = self.settings.numbering.format(letter, number);
                self.labels.get(&(today, canonical)).and_then(|id| self.tickets.get(id))
            }
        }
    }

    /// Tickets waiting in a service's queue, in call order for a counter with no other duties.
    pub fn waiting(&self, service: &ServiceCode) -> usize {
        self.lanes.get(service).map(|l| l.regular.len() + l.priority.len()).unwrap_or(0)
    }

    /// Recent service times averaged with the service's configured time, which counts as
    /// [`PRIOR_WEIGHT`] services: a few unusually short or long ones (a ticket finished by mistake, one
    /// complicated dossier) move the estimate a little, many move it all the way. A service shorter
    /// than [`MIN_SERVICE_SAMPLE_S`] counts as that long.
    pub fn average_service_time_s(&self, service: &ServiceCode) -> u32 {
        let configured = u64::from(self.services.get(service).map(|s| s.default_service_time_s).unwrap_or(300));
        let (sum, n) = self.service_times.get(service).map_or((0, 0), |times| {
            (times.iter().map(|t| u64::from((*t).max(MIN_SERVICE_SAMPLE_S))).sum::<u64>(), times.len() as u64)
        });
        ((sum + PRIOR_WEIGHT * configured) / (n + PRIOR_WEIGHT)) as u32
    }

    /// Open counters that serve a service (at least one, for estimates).
    fn serving_counters(&self, service: &ServiceCode) -> u32 {
        let n =
            self.counters.values().filter(|c| c.counter.open && c.counter.services.contains(service)).count() as u32;
        n.max(1)
    }

    /// People ahead of a ticket in its queue: everyone who would be called first under strict
    /// priority (priority tickets before it, and for a regular ticket the regular ones before it too).
    pub fn ahead_of(&self, ticket: &Ticket) -> usize {
        if ticket.status != TicketStatus::Waiting {
            return 0;
        }
        if let Some(counter) = ticket.target_counter {
            return self.counter_lanes.get(&counter).map(|l| rank(l, ticket.queue_key)).unwrap_or(0);
        }
        let Some(lanes) = self.lanes.get(&ticket.service) else { return 0 };
        if ticket.priority.is_priority() {
            rank(&lanes.priority, ticket.queue_key)
        } else {
            rank(&lanes.regular, ticket.queue_key) + lanes.priority.len()
        }
    }

    /// Estimated wait for someone with `ahead` people before them: none with nobody ahead, else at
    /// least [`MIN_WAIT_ESTIMATE_S`] ("about 0 minutes" with someone at the counter misleads).
    pub fn estimated_wait_s(&self, service: &ServiceCode, ahead: usize) -> u32 {
        if ahead == 0 {
            return 0;
        }
        let per = u64::from(self.average_service_time_s(service));
        let counters = u64::from(self.serving_counters(service));
        ((ahead as u64 * per) / counters).clamp(u64::from(MIN_WAIT_ESTIMATE_S), u64::from(u32::MAX)) as u32
    }

    /// How many would be ahead of a new ticket in this service with this priority.
    pub fn ahead_for_new(&self, service: &ServiceCode, priority: Priority) -> usize {
        let Some(lanes) = self.lanes.get(service) else { return 0 };
        if priority.is_priority() {
            lanes.priority.len()
        } else {
            lanes.regular.len() + lanes.priority.len()
        }
    }

    /// Tickets waiting in a service, in the order they would be called (priority mixing aside).
    pub fn waiting_list(&self, service: &ServiceCode) -> Vec<&Ticket> {
        let Some(lanes) = self.lanes.get(service) else { return Vec::new() };
        lanes.priority.values().chain(lanes.regular.values()).filter_map(|id| self.tickets.get(id)).collect()
    }

    pub fn counter_waiting_list(&self, counter: CounterId) -> Vec<&Ticket> {
        self.counter_lanes
            .get(&counter)
            .map(|l| l.values().filter_map(|id| self.tickets.get(id)).collect())
            .unwrap_or_default()
    }

    /// Folds one stored event into the state. Events were validated when decided, so this never fails;
    /// an event about an unknown ticket is ignored rather than trusted.
    pub fn apply(&mut self, event: &Event) {
        self.last_seq = event.seq;
        let at = event.at;
        let tiebreak = event.seq;
        match &event.kind {
            EventKind::SettingsChanged { settings } => self.settings = settings.into(),
            EventKind::ServiceSaved { service } => {
                self.services.insert(service.code.clone(), service.into());
            }
            EventKind::CounterSaved { counter } => {
                let counter = Counter::from(counter);
                let entry = self.counters.entry(counter.id).or_insert_with(|| CounterState {
                    counter: counter.clone(),
                    current: None,
                    last_served: None,
                });
                entry.counter = counter;
            }
            EventKind::StaffSaved { .. }
            | EventKind::DeviceEnrolled { .. }
            | EventKind::DeviceUpdated { .. }
            | EventKind::DeviceRevoked { .. }
            | EventKind::LoginLockedOut { .. }
            | EventKind::DossierImported { .. }
            | EventKind::ReceiptIssued { .. } => {}
            EventKind::ProcedureSaved { procedure } => {
                self.procedures.insert(procedure.code.clone(), procedure.clone());
            }
            EventKind::TicketIssued {
                ticket,
                service,
                letter,
                number,
                label,
                day,
                priority,
                issued_at,
                idempotency_key,
                lease,
                device,
                procedure,
            } => {
                let key = (issued_at.unix_timestamp_nanos().div_euclid(1_000_000) as i64, tiebreak);
                let t = Ticket {
                    id: *ticket,
                    service: service.clone(),
                    letter: *letter,
                    number: *number,
                    label: label.clone(),
                    day: *day,
                    priority: *priority,
                    issued_at: *issued_at,
                    enqueued_at: *issued_at,
                    status: TicketStatus::Waiting,
                    target_counter: None,
                    pending_services: Vec::new(),
                    dossiers: Vec::new(),
                    segments: Vec::new(),
                    recalls: 0,
                    lease: *lease,
                    device: *device,
                    procedure: procedure.clone(),
                    queue_key: key,
                };
                match lease.and_then(|l| self.leases.get_mut(&l)) {
                    Some(l) => l.used.push(*number),
                    None => {
                        let next = self.next_number.entry(service.clone()).or_insert((*day, *number));
                        if next.0 != *day || next.1 <= *number {
                            *next = (*day, number + 1);
                        }
                    }
                }
                if let Some(k) = idempotency_key {
                    self.idempotency.insert(k.clone(), *ticket);
                }
                self.labels.insert((*day, label.clone()), *ticket);
                self.tickets.insert(*ticket, t);
                self.enqueue(*ticket);
            }
            EventKind::TicketCalled { ticket, counter, officer, .. } => {
                self.dequeue(*ticket);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.status = TicketStatus::Called { counter: *counter, officer: officer.clone(), at };
                    t.target_counter = None;
                    if t.priority.is_priority() {
                        self.regulars_since_priority.insert(t.service.clone(), 0);
                    } else {
                        *self.regulars_since_priority.entry(t.service.clone()).or_insert(0) += 1;
                    }
                }
                if let Some(c) = self.counters.get_mut(counter) {
                    c.current = Some(*ticket);
                }
            }
            EventKind::TicketRecalled { ticket, .. } => {
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.recalls += 1;
                }
            }
            EventKind::ServiceStarted { ticket, counter } => {
                if let Some(t) = self.tickets.get_mut(ticket) {
                    let officer = match &t.status {
                        TicketStatus::Called { officer, .. } => officer.clone(),
                        _ => None,
                    };
                    t.status = TicketStatus::Serving { counter: *counter, officer, since: at };
                }
            }
            EventKind::TicketFinished { ticket, counter, outcome, next_services } => {
                self.release_counter(*ticket);
                if let Some(c) = self.counters.get_mut(counter) {
                    c.last_served = Some(*ticket);
                }
                let mut service_time = None;
                if let Some(t) = self.tickets.get_mut(ticket) {
                    let started = close_segment(t, *counter, at, outcome.clone());
                    service_time = Some(((at - started).whole_seconds().max(0)) as u32);
                    if let Some((next, rest)) = next_services.split_first() {
                        t.service = next.clone();
                        t.pending_services = rest.to_vec();
                        t.status = TicketStatus::Waiting;
                        t.enqueued_at = at;
                        // Several services in one visit: the citizen already waited, so the ticket joins
                        // the next service in issue-time order.
                        t.queue_key = (t.issued_at.unix_timestamp_nanos().div_euclid(1_000_000) as i64, tiebreak);
                    } else {
                        t.status = TicketStatus::Served { counter: *counter, outcome: outcome.clone(), at };
                    }
                }
                if let (Some(secs), Some(t)) = (service_time, self.tickets.get(ticket)) {
                    let service = t.segments.last().map(|s| s.service.clone()).unwrap_or_else(|| t.service.clone());
                    let times = self.service_times.entry(service).or_default();
                    times.push_back(secs);
                    while times.len() > SERVICE_TIME_WINDOW {
                        times.pop_front();
                    }
                }
                if self.tickets.get(ticket).is_some_and(|t| t.status == TicketStatus::Waiting) {
                    self.enqueue(*ticket);
                }
            }
            EventKind::TicketMissed { ticket, counter } => {
                self.release_counter(*ticket);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.status = TicketStatus::Missed { counter: *counter, at };
                }
            }
            EventKind::TicketParked { ticket, counter } => {
                self.release_counter(*ticket);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.status = TicketStatus::Parked { counter: *counter, at };
                }
            }
            EventKind::TicketUnparked { ticket, placement } => {
                let front = self.front_key(*ticket, tiebreak);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.status = TicketStatus::Waiting;
                    t.enqueued_at = at;
                    t.queue_key = match placement {
                        Placement::Front => front,
                        Placement::Back => (at.unix_timestamp_nanos().div_euclid(1_000_000) as i64, tiebreak),
                    };
                }
                self.enqueue(*ticket);
            }
            EventKind::TicketTransferred { ticket, from_counter, to_service, to_counter, placement } => {
                self.dequeue(*ticket);
                self.release_counter(*ticket);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    if let Some(counter) = from_counter {
                        close_segment(t, *counter, at, "transferred".into());
                    }
                    t.service = to_service.clone();
                    t.target_counter = *to_counter;
                    t.status = TicketStatus::Waiting;
                    t.enqueued_at = at;
                }
                let front = self.front_key(*ticket, tiebreak);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.queue_key = match placement {
                        Placement::Front => front,
                        Placement::Back => (at.unix_timestamp_nanos().div_euclid(1_000_000) as i64, tiebreak),
                    };
                }
                self.enqueue(*ticket);
            }
            EventKind::TicketCancelled { ticket, reason } => {
                self.dequeue(*ticket);
                self.release_counter(*ticket);
                if let Some(t) = self.tickets.get_mut(ticket) {
                    t.status = TicketStatus::Cancelled { reason: *reason, at };
                }
            }
            EventKind::DossierLinked { ticket, code, rating_token_sha256 } => {
                let mut link = DossierLink {
                    ticket: *ticket,
                    token_sha256: rating_token_sha256.clone(),
                    counter: None,
                    officer: None,
                    stage: Stage::Reception,
                };
                if let Some(t) = self.tickets.get_mut(ticket) {
                    if !t.dossiers.contains(code) {
                        t.dossiers.push(code.clone());
                    }
                    let service = match (&t.status, t.segments.last()) {
                        (
                            TicketStatus::Called { counter, officer, .. }
                            | TicketStatus::Serving { counter, officer, .. },
                            _,
                        ) => {
                            (link.counter, link.officer) = (Some(*counter), officer.clone());
                            t.service.clone()
                        }
                        (_, Some(seg)) => {
                            (link.counter, link.officer) = (Some(seg.counter), seg.officer.clone());
                            seg.service.clone()
                        }
                        _ => t.service.clone(),
                    };
                    link.stage = self.services.get(&service).map(|s| s.stage).unwrap_or(Stage::Reception);
                }
                self.dossier_links.entry(code.clone()).or_default().push(link);
            }
            EventKind::RatingInvited { .. } => {}
            EventKind::RatingRecorded { subject, stage, .. } => {
                self.rated.insert((subject.clone(), *stage));
            }
            EventKind::LeaseGranted { lease, device, service, day, first, last, expires_at } => {
                // A lease taken at the online counter (as before offline reserves came from the top of
                // the range) moves it past the lease; one from the top leaves it where it is.
                let online = match self.next_number.get(service) {
                    Some((d, n)) if d == day => *n,
                    _ => self.settings.numbering.first,
                };
                if (*first..=*last).contains(&online) {
                    self.next_number.insert(service.clone(), (*day, last + 1));
                }
                self.leases.insert(
                    *lease,
                    Lease {
                        id: *lease,
                        device: *device,
                        service: service.clone(),
                        day: *day,
                        first: *first,
                        last: *last,
                        expires_at: *expires_at,
                        used: Vec::new(),
                        closed: None,
                        returned_unused: Vec::new(),
                    },
                );
            }
            EventKind::LeaseClosed { lease, unused, end } => {
                if let Some(l) = self.leases.get_mut(lease) {
                    l.closed = Some(*end);
                    if *end == LeaseEnd::Returned {
                        l.returned_unused = unused.clone();
                    }
                }
            }
            EventKind::DayClosed { day } => {
                self.last_closed_day = Some(*day);
                self.prune_before(*day);
            }
        }
    }

    /// Drops what no rule needs any more: tickets that ended before `day` (kept one more day for
    /// late ratings), their keys, and leases of past days. The log still holds all of it.
    fn prune_before(&mut self, day: Date) {
        let keep_from = day.previous_day().unwrap_or(day);
        let gone: Vec<TicketId> =
            self.tickets.values().filter(|t| t.day < keep_from && t.status.is_ended()).map(|t| t.id).collect();
        let gone_set: HashSet<TicketId> = gone.iter().copied().collect();
        for id in &gone {
            self.tickets.remove(id);
        }
        self.idempotency.retain(|_, id| !gone_set.contains(id));
        self.labels.retain(|(d, _), id| *d >= keep_from || !gone_set.contains(id));
        self.rated.retain(|(s, _)| !matches!(s, RatingSubject::Ticket(id) if gone_set.contains(id)));
        self.leases.retain(|_, l| l.day >= keep_from);
        for c in self.counters.values_mut() {
            if c.last_served.is_some_and(|id| gone_set.contains(&id)) {
                c.last_served = None;
            }
        }
    }

    fn release_counter(&mut self, ticket: TicketId) {
        for c in self.counters.values_mut() {
            if c.current == Some(ticket) {
                c.current = None;
            }
        }
    }

    fn front_key(&self, ticket: TicketId, tiebreak: u64) -> (i64, u64) {
        let Some(t) = self.tickets.get(&ticket) else { return (0, tiebreak) };
        let min = if let Some(counter) = t.target_counter {
            self.counter_lanes.get(&counter).and_then(|l| l.keys().next().copied())
        } else {
            self.lanes.get(&t.service).and_then(|l| {
                let lane = if t.priority.is_priority() { &l.priority } else { &l.regular };
                lane.keys().next().copied()
            })
        };
        match min {
            Some((k, _)) => (k - 1, tiebreak),
            None => (t.enqueued_at.unix_timestamp_nanos().div_euclid(1_000_000) as i64, tiebreak),
        }
    }

    fn enqueue(&mut self, ticket: TicketId) {
        let Some(t) = self.tickets.get(&ticket) else { return };
        if t.status != TicketStatus::Waiting {
            return;
        }
        if let Some(counter) = t.target_counter {
            self.counter_lanes.entry(counter).or_default().insert(t.queue_key, ticket);
        } else {
            let lanes = self.lanes.entry(t.service.clone()).or_default();
            let lane = if t.priority.is_priority() { &mut lanes.priority } else { &mut lanes.regular };
            lane.insert(t.queue_key, ticket);
        }
    }

    fn dequeue(&mut self, ticket: TicketId) {
        let Some(t) = self.tickets.get(&ticket) else { return };
        if let Some(l) = self.counter_lanes.get_mut(&t.target_counter.unwrap_or(0)) {
            l.remove(&t.queue_key);
        }
        if let Some(lanes) = self.lanes.get_mut(&t.service) {
            lanes.regular.remove(&t.queue_key);
            lanes.priority.remove(&t.queue_key);
        }
    }

    /// The ticket call-next would take for a counter now, under the priority rule and ageing cap.
    pub fn next_for_counter(&self, counter: &Counter, now: OffsetDateTime) -> Option<TicketId> {
        if let Some(id) = self.counter_lanes.get(&counter.id).and_then(|l| l.values().next()) {
            return Some(*id);
        }
        counter.services.iter().find_map(|s| self.next_in_service(s, now))
    }

    fn next_in_service(&self, service: &ServiceCode, now: OffsetDateTime) -> Option<TicketId> {
        let lanes = self.lanes.get(service)?;
        let regular = lanes.regular.values().next().and_then(|id| self.tickets.get(id));
        let priority = lanes.priority.values().next().copied();
        match (regular, priority) {
            (None, None) => None,
            (Some(r), None) => Some(r.id),
            (None, Some(p)) => Some(p),
            (Some(r), Some(p)) => {
                let cap = self.settings.priority_rule.ageing_cap_s();
                if (now - r.enqueued_at).whole_seconds() >= i64::from(cap) {
                    return Some(r.id);
                }
                match self.settings.priority_rule {
                    PriorityRule::Strict { .. } => Some(p),
                    PriorityRule::Ratio { regular_per_priority, .. } => {
                        let streak = self.regulars_since_priority.get(service).copied().unwrap_or(regular_per_priority);
                        if streak >= regular_per_priority {
                            Some(p)
                        } else {
                            Some(r.id)
                        }
                    }
                }
            }
        }
    }
}

/// Entries before `key` in a lane. A ticket just issued is last in its lane: answered without walking
/// the lane, which matters when thousands wait.
fn rank(lane: &BTreeMap<(i64, u64), TicketId>, key: (i64, u64)) -> usize {
    match lane.last_key_value() {
        Some((last, _)) if *last == key => lane.len() - 1,
        _ => lane.range(..key).count(),
    }
}

/// Records the ticket's time at `counter` as a served segment ending at `at`; returns when it started.
fn close_segment(t: &mut Ticket, counter: CounterId, at: OffsetDateTime, outcome: String) -> OffsetDateTime {
    let (officer, started) = started_of(&t.status, at);
    t.segments.push(ServedSegment {
        service: t.service.clone(),
        counter,
        officer,
        started_at: started,
        ended_at: at,
        outcome,
    });
    started
}

fn started_of(status: &TicketStatus, fallback: OffsetDateTime) -> (Option<String>, OffsetDateTime) {
    match status {
        TicketStatus::Called { officer, at, .. } => (officer.clone(), *at),
        TicketStatus::Serving { officer, since, .. } => (officer.clone(), *since),
        _ => (None, fallback),
    }
}

/// Checks a command against the state and returns the events it causes. `new_id` supplies UUIDs.
pub fn decide(
    state: &OfficeState,
    command: &Command,
    now: OffsetDateTime,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<Decision, QueueError> {
    let offset = state.settings.offset();
    let today = local_day(now, offset);
    let mut events = Vec::new();
    let mut ticket_out = None;
    match command {
        Command::IssueTicket { service, priority, idempotency_key, device, procedure } => {
            if let Some(key) = idempotency_key {
                validate_key(key)?;
                if let Some(t) = state.ticket_by_idempotency_key(key) {
                    return Ok(Decision { events, ticket: Some(t.id) });
                }
            }
            let svc = state.services.get(service).ok_or_else(|| QueueError::UnknownService(service.to_string()))?;
            if !svc.open {
                return Err(QueueError::ServiceClosed { code: service.to_string(), name: svc.name.clone() });
            }
            if !state.settings.is_open_at(now) {
                return Err(QueueError::OfficeClosed);
            }
            if let Some(code) = procedure {
                catalogue::check_chosen(state, code, service)?;
            }
            let number = next_number(state, service, today);
            check_number_fits(number)?;
            let id = new_id();
            events.push(EventKind::TicketIssued {
                ticket: id,
                service: service.clone(),
                letter: svc.letter,
                number,
                label: state.settings.numbering.format(svc.letter, number),
                day: today,
                priority: *priority,
                issued_at: now,
                idempotency_key: idempotency_key.clone(),
                lease: None,
                device: *device,
                procedure: procedure.clone(),
            });
            ticket_out = Some(id);
        }
        Command::CallNext { counter, officer } => {
            let c = open_counter(state, *counter)?;
            let next = state.next_for_counter(&c.counter, now).ok_or(QueueError::QueueEmpty(*counter))?;
            finish_current_implicitly(state, c, &mut events);
            events.push(EventKind::TicketCalled {
                ticket: next,
                counter: *counter,
                officer: officer.clone(),
                how: CallKind::Next,
            });
            ticket_out = Some(next);
        }
        Command::CallTicket { counter, officer, ticket } => {
            let c = open_counter(state, *counter)?;
            let t = state.find_ticket(ticket, today).ok_or(QueueError::UnknownTicket)?;
            let how = match &t.status {
                TicketStatus::Waiting => CallKind::Specific,
                TicketStatus::Parked { .. } => CallKind::FromPark,
                TicketStatus::Missed { at, .. } => {
                    if (now - *at).whole_seconds() > i64::from(state.settings.no_show_grace_s) {
                        return Err(QueueError::GraceExpired(t.label.clone()));
                    }
                    CallKind::AfterNoShow
                }
                other => return Err(QueueError::WrongState { ticket: t.label.clone(), state: other.name() }),
            };
            if c.current == Some(t.id) {
                return Err(QueueError::WrongState { ticket: t.label.clone(), state: t.status.name() });
            }
            finish_current_implicitly(state, c, &mut events);
            events.push(EventKind::TicketCalled { ticket: t.id, counter: *counter, officer: officer.clone(), how });
            ticket_out = Some(t.id);
        }
        // Actions on the counter's current ticket that take nothing else.
        Command::Recall { counter } | Command::NoShow { counter } | Command::Park { counter } => {
            let (ticket, counter) = (current_ticket(state, *counter)?.id, *counter);
            events.push(match command {
                Command::Recall { .. } => EventKind::TicketRecalled { ticket, counter },
                Command::NoShow { .. } => EventKind::TicketMissed { ticket, counter },
                _ => EventKind::TicketParked { ticket, counter },
            });
            ticket_out = Some(ticket);
        }
        Command::Start { counter } => {
            let t = current_ticket(state, *counter)?;
            if !matches!(t.status, TicketStatus::Called { .. }) {
                return Err(QueueError::WrongState { ticket: t.label.clone(), state: t.status.name() });
            }
            events.push(EventKind::ServiceStarted { ticket: t.id, counter: *counter });
            ticket_out = Some(t.id);
        }
        Command::Finish { counter, outcome, next_services } => {
            let t = current_ticket(state, *counter)?;
            validate_outcome(outcome)?;
            for s in next_services {
                if !state.services.contains_key(s) {
                    return Err(QueueError::UnknownService(s.to_string()));
                }
            }
            if next_services.len() > 10 {
                return Err(QueueError::TooManyNextServices(10));
            }
            let mut next = next_services.clone();
            if next.is_empty() {
                next = t.pending_services.clone();
            }
            events.push(EventKind::TicketFinished {
                ticket: t.id,
                counter: *counter,
                outcome: outcome.clone(),
                next_services: next,
            });
            ticket_out = Some(t.id);
        }
        Command::Unpark { ticket, placement } => {
            let t = state.find_ticket(ticket, today).ok_or(QueueError::UnknownTicket)?;
            if !matches!(t.status, TicketStatus::Parked { .. }) {
                return Err(QueueError::WrongState { ticket: t.label.clone(), state: t.status.name() });
            }
            events.push(EventKind::TicketUnparked { ticket: t.id, placement: *placement });
            ticket_out = Some(t.id);
        }
        Command::Transfer { counter, to_service, to_counter, placement } => {
            let t = current_ticket(state, *counter)?;
            let target_counter = match to_counter {
                Some(id) => Some(state.counters.get(id).ok_or(QueueError::UnknownCounter(*id))?),
                None => None,
            };
            let service = match (to_service, target_counter) {
                (Some(s), _) => {
                    if !state.services.contains_key(s) {
                        return Err(QueueError::UnknownService(s.to_string()));
                    }
                    s.clone()
                }
                (None, Some(c)) => c.counter.services.first().cloned().unwrap_or_else(|| t.service.clone()),
                (None, None) => return Err(QueueError::TransferNeedsTarget),
            };
            if *to_counter == Some(*counter) && to_service.is_none() {
                return Err(QueueError::TransferToSameCounter(*counter));
            }
            events.push(EventKind::TicketTransferred {
                ticket: t.id,
                from_counter: Some(*counter),
                to_service: service,
                to_counter: *to_counter,
                placement: *placement,
            });
            ticket_out = Some(t.id);
        }
        Command::Cancel { ticket } => {
            let t = state.find_ticket(ticket, today).ok_or(QueueError::UnknownTicket)?;
            if matches!(t.status, TicketStatus::Served { .. } | TicketStatus::Cancelled { .. }) {
                return Err(QueueError::WrongState { ticket: t.label.clone(), state: t.status.name() });
            }
            events.push(EventKind::TicketCancelled { ticket: t.id, reason: CancelReason::Staff });
            ticket_out = Some(t.id);
        }
        Command::LinkDossier { counter, code, rating_token_sha256 } => {
            let c = state.counters.get(counter).ok_or(QueueError::UnknownCounter(*counter))?;
            let id = c.current.or(c.last_served).ok_or(QueueError::NoCurrentTicket(*counter))?;
            events.push(EventKind::DossierLinked {
                ticket: id,
                code: code.clone(),
                rating_token_sha256: rating_token_sha256.clone(),
            });
            ticket_out = Some(id);
        }
        Command::InviteRating { counter } => {
            let c = state.counters.get(counter).ok_or(QueueError::UnknownCounter(*counter))?;
            let id = c.current.or(c.last_served).ok_or(QueueError::NoCurrentTicket(*counter))?;
            let t = state.tickets.get(&id).ok_or(QueueError::UnknownTicket)?;
            let stage = state.services.get(&t.service).map(|s| s.stage).unwrap_or(Stage::Reception);
            events.push(EventKind::RatingInvited { counter: *counter, ticket: id, stage });
            ticket_out = Some(id);
        }
        Command::Rate { subject, counter, stage, level, answers, comment, set, choices, proof, records } => {
            if let Some(c) = comment {
                if c.chars().count() > MAX_COMMENT {
                    return Err(QueueError::TooLong(TextField::Comment, MAX_COMMENT));
                }
            }
            if answers.iter().any(|(_, p)| *p > 2) {
                return Err(QueueError::IndicatorPoints);
            }
            if !answers.is_empty() && !choices.is_empty() {
                return Err(QueueError::AnswersTwoWays);
            }
            let mut how = None;
            let (subject, counter, officer, stage) = match subject {
                RatingSubjectRef::Ticket(id) => {
                    let t = state.tickets.get(id).ok_or(QueueError::UnknownTicket)?;
                    let (counter, officer, service, ended) = match (&t.status, t.segments.last()) {
                        (
                            TicketStatus::Called { counter, officer, .. }
                            | TicketStatus::Serving { counter, officer, .. },
                            _,
                        ) => (*counter, officer.clone(), t.service.clone(), None),
                        (_, Some(seg)) => (seg.counter, seg.officer.clone(), seg.service.clone(), Some(seg.ended_at)),
                        _ => return Err(QueueError::NotServedYet(t.label.clone())),
                    };
                    if let Some(ended) = ended {
                        if (now - ended).whole_seconds() > i64::from(state.settings.rating_window_s) {
                            return Err(QueueError::RatingWindowClosed);
                        }
                    }
                    let stage =
                        stage.or_else(|| state.services.get(&service).map(|s| s.stage)).unwrap_or(Stage::Reception);
                    (RatingSubject::Ticket(*id), Some(counter), officer, stage)
                }
                RatingSubjectRef::Dossier(code) => {
                    // Only what the citizen holds opens a dossier's rating: the receipt's token or the
                    // served ticket the dossier was linked to. A guessed code proves nothing.
                    let links = state.dossier_links(code);
                    let link = match proof {
                        None => return Err(QueueError::RatingProofRequired),
                        Some(DossierProof::TokenSha256(hash)) => {
                            links.iter().find(|l| l.token_sha256.as_deref() == Some(hash.as_str()))
                        }
                        Some(DossierProof::Ticket(ticket)) => links.iter().rev().find(|l| l.ticket == *ticket),
                    }
                    .ok_or(QueueError::RatingProofMismatch)?;
                    how = Some(match proof {
                        Some(DossierProof::TokenSha256(_)) => RatingProof::Token { linked_ticket: link.ticket },
                        _ => RatingProof::LinkedTicket { linked_ticket: link.ticket },
                    });
                    let stage = stage.unwrap_or(link.stage);
                    let status = records.map(|(s, _)| s);
                    let reached = match stage {
                        Stage::Reception => true,
                        Stage::Processing => status.is_some_and(|s| s.code() >= DossierStatus::InProcess.code()),
                        Stage::ResultReturn => status.is_some_and(|s| s.is_finished() && s != DossierStatus::Rejected),
                    };
                    if !reached {
                        return Err(QueueError::DossierNotRateable(stage));
                    }
                    (RatingSubject::Dossier(code.clone()), link.counter.or(*counter), link.officer.clone(), stage)
                }
            };
            if state.rated.contains(&(subject.clone(), stage)) {
                return Err(QueueError::AlreadyRated);
            }
            let question = |id: &str| {
                set.indicator(id).map(|d| d.question_text().clone()).unwrap_or_else(|| Localized::new(id, id))
            };
            let choice_error = |e: ChoiceError| match e {
                ChoiceError::UnknownIndicator(_) => QueueError::UnknownQuestion,
                ChoiceError::UnknownOption { indicator, .. } => QueueError::UnknownAnswer(question(&indicator)),
                ChoiceError::NotAsked { indicator, stage } => {
                    QueueError::QuestionNotAsked { question: question(&indicator), stage }
                }
                ChoiceError::Duplicate(indicator) => QueueError::AnsweredTwice(question(&indicator)),
                ChoiceError::Points => QueueError::IndicatorPoints,
            };
            let (answers, choices) = if choices.is_empty() {
                let kept = set.resolve_legacy(stage, answers).map_err(choice_error)?;
                (kept, Vec::new())
            } else {
                let chosen = set.resolve_choices(stage, choices).map_err(choice_error)?;
                (chosen.clone(), chosen)
            };
            let answers =
                answers.iter().filter_map(|a| Some((Indicator::from_id(&a.indicator)?, a.points))).collect::<Vec<_>>();
            let computed = match (&subject, records) {
                (RatingSubject::Dossier(_), Some((_, timeliness))) => set.computed(*timeliness),
                _ => Vec::new(),
            };
            events.push(EventKind::RatingRecorded {
                rating: new_id(),
                subject,
                counter,
                officer,
                stage,
                level: *level,
                answers,
                comment: comment.clone(),
                indicator_set: Some(set.reference()),
                choices,
                computed,
                proof: how,
            });
        }
        Command::GrantLease { device, service, size, ttl_s } => {
            let svc = state.services.get(service).ok_or_else(|| QueueError::UnknownService(service.to_string()))?;
            if !svc.open {
                return Err(QueueError::ServiceClosed { code: service.to_string(), name: svc.name.clone() });
            }
            if *size == 0 || *size > MAX_LEASE {
                return Err(QueueError::LeaseSize(MAX_LEASE));
            }
            let (first, last) = lease_range(state, service, today, *size);
            check_number_fits(last)?;
            // A lease never outlives the office day: numbers restart at midnight.
            let midnight = today.next_day().map(|d| d.midnight().assume_offset(offset)).unwrap_or(now);
            let expires_at = (now + Duration::seconds(i64::from(*ttl_s))).min(midnight);
            events.push(EventKind::LeaseGranted {
                lease: new_id(),
                device: *device,
                service: service.clone(),
                day: today,
                first,
                last,
                expires_at,
            });
        }
        Command::UploadLeased { lease, device, number, priority, issued_at, idempotency_key, procedure } => {
            validate_key(idempotency_key)?;
            if let Some(t) = state.ticket_by_idempotency_key(idempotency_key) {
                return Ok(Decision { events, ticket: Some(t.id) });
            }
            let l = state.leases.get(lease).ok_or(QueueError::UnknownLease)?;
            if l.device != *device {
                return Err(QueueError::UnknownLease);
            }
            if *number < l.first || *number > l.last {
                return Err(QueueError::NumberNotInLease { number: *number, first: l.first, last: l.last });
            }
            if l.used.contains(number) || l.returned_unused.contains(number) {
                return Err(QueueError::NumberAlreadyUsed(*number));
            }
            if *issued_at > l.expires_at
                || local_day(*issued_at, offset) != l.day
                || *issued_at > now + Duration::minutes(5)
            {
                return Err(QueueError::OutsideLeaseValidity);
            }
            let svc =
                state.services.get(&l.service).ok_or_else(|| QueueError::UnknownService(l.service.to_string()))?;
            // The number was handed out: a procedure withdrawn or moved since is dropped, never the ticket.
            let kept_procedure =
                procedure.clone().filter(|code| catalogue::check_chosen(state, code, &l.service).is_ok());
            let id = new_id();
            events.push(EventKind::TicketIssued {
                ticket: id,
                service: l.service.clone(),
                letter: svc.letter,
                number: *number,
                label: state.settings.numbering.format(svc.letter, *number),
                day: l.day,
                priority: *priority,
                issued_at: *issued_at,
                idempotency_key: Some(idempotency_key.clone()),
                lease: Some(*lease),
                device: Some(*device),
                procedure: kept_procedure,
            });
            ticket_out = Some(id);
        }
        Command::ReturnLease { lease, device, unused } => {
            let l = state.leases.get(lease).ok_or(QueueError::UnknownLease)?;
            if l.device != *device {
                return Err(QueueError::UnknownLease);
            }
            if l.closed.is_some() {
                return Err(QueueError::LeaseClosed);
            }
            if unused.iter().any(|n| *n < l.first || *n > l.last || l.used.contains(n)) {
                return Err(QueueError::UnusedNotInLease);
            }
            let mut unused = unused.clone();
            unused.sort_unstable();
            unused.dedup();
            events.push(EventKind::LeaseClosed { lease: *lease, unused, end: LeaseEnd::Returned });
        }
        Command::ExpireLeases => {
            let mut expired: Vec<&Lease> =
                state.leases.values().filter(|l| l.closed.is_none() && l.expires_at <= now).collect();
            expired.sort_by_key(|l| (l.expires_at, l.id));
            for l in expired {
                let unused = (l.first..=l.last).filter(|n| !l.used.contains(n)).collect();
                events.push(EventKind::LeaseClosed { lease: l.id, unused, end: LeaseEnd::Expired });
            }
        }
        Command::CloseDay => {
            if state.last_closed_day.is_some_and(|d| d >= today) {
                return Ok(Decision::default());
            }
            if !state.settings.keep_queue_overnight {
                let mut open: Vec<&Ticket> =
                    state.tickets.values().filter(|t| t.day < today && !t.status.is_ended()).collect();
                open.sort_by_key(|t| (t.issued_at, t.id));
                for t in open {
                    events.push(EventKind::TicketCancelled { ticket: t.id, reason: CancelReason::DayClosed });
                }
            }
            events.push(EventKind::DayClosed { day: today });
        }
        Command::SaveService { service } => {
            if service.name.vi.trim().is_empty() || service.name.en.trim().is_empty() {
                return Err(QueueError::ServiceNamesRequired);
            }
            if !service.letter.is_ascii_uppercase() {
                return Err(QueueError::ServiceLetter);
            }
            if service.name.vi.chars().count() > 200 || service.field.vi.chars().count() > 200 {
                return Err(QueueError::TooLong(TextField::ServiceName, 200));
            }
            events.push(EventKind::ServiceSaved { service: service.into() });
        }
        Command::SaveCounter { counter } => {
            if counter.id == 0 {
                return Err(QueueError::CounterNumberZero);
            }
            if let Some(printer) = &counter.receipt_printer {
                printer.validate()?;
            }
            for s in &counter.services {
                if !state.services.contains_key(s) {
                    return Err(QueueError::UnknownService(s.to_string()));
                }
            }
            events.push(EventKind::CounterSaved { counter: counter.into() });
        }
        Command::ChangeSettings { settings } => {
            settings.validate().map_err(QueueError::InvalidSettings)?;
            events.push(EventKind::SettingsChanged { settings: settings.into() });
        }
        Command::SaveProcedures { procedures } => events.extend(catalogue::decide_save(state, procedures)?),
        Command::IssueReceipt(receipt) => events.push(crate::receipt::decide(state, receipt)?),
    }
    Ok(Decision { events, ticket: ticket_out })
}

/// The next number issued online: counting up from the day's first, jumping over the day's offline
/// reserves (leases).
fn next_number(state: &OfficeState, service: &ServiceCode, today: Date) -> u32 {
    let mut n = match state.next_number.get(service) {
        Some((day, n)) if *day == today => *n,
        _ => state.settings.numbering.first,
    };
    while let Some(lease) = state.leases_of(service, today).find(|l| (l.first..=l.last).contains(&n)) {
        n = lease.last + 1;
    }
    n
}

/// The numbers of a new offline reserve (lease): from the day's reserve range, which starts at 9 followed
/// by zeros in the format's width (`A900` for three digits), above every reserve given before, so
/// that offline numbers never sit among the ones counted up online (a kiosk's reserve of 30 taken at
/// opening is A900–A929, and the first ticket of the day is still A001) and each kiosk's offline
/// numbers still rise in the order they are handed out. Past A999 they grow past the format, as online
/// numbers do; online numbers that reach the reserves jump over them.
fn lease_range(state: &OfficeState, service: &ServiceCode, today: Date, size: u32) -> (u32, u32) {
    let width = u32::from(state.settings.numbering.width.clamp(1, 6));
    let base = 9 * 10u32.pow(width - 1);
    let taken = state.leases_of(service, today).map(|l| l.last + 1).max().unwrap_or(0);
    let first = base.max(taken).max(next_number(state, service, today));
    (first, first + size - 1)
}

fn check_number_fits(number: u32) -> Result<(), QueueError> {
    // Width grows past the format (A999 → A1000) rather than wrapping: a number never repeats in a day.
    if number > 999_999 {
        return Err(QueueError::NumbersExhausted);
    }
    Ok(())
}

fn validate_key(key: &str) -> Result<(), QueueError> {
    if key.is_empty() || key.len() > 128 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(QueueError::IdempotencyKey);
    }
    Ok(())
}

fn validate_outcome(outcome: &str) -> Result<(), QueueError> {
    if OUTCOMES.iter().any(|(code, _, _)| *code == outcome) {
        Ok(())
    } else {
        Err(QueueError::UnknownOutcome(outcome.to_owned()))
    }
}

fn open_counter(state: &OfficeState, counter: CounterId) -> Result<&CounterState, QueueError> {
    let c = state.counters.get(&counter).ok_or(QueueError::UnknownCounter(counter))?;
    if !c.counter.open {
        return Err(QueueError::CounterClosed(counter));
    }
    Ok(c)
}

fn current_ticket(state: &OfficeState, counter: CounterId) -> Result<&Ticket, QueueError> {
    let c = state.counters.get(&counter).ok_or(QueueError::UnknownCounter(counter))?;
    let id = c.current.ok_or(QueueError::NoCurrentTicket(counter))?;
    state.tickets.get(&id).ok_or(QueueError::NoCurrentTicket(counter))
}

/// Calling the next citizen means the one at the counter has been served.
fn finish_current_implicitly(state: &OfficeState, c: &CounterState, events: &mut Vec<EventKind>) {
    if let Some(current) = c.current.and_then(|id| state.tickets.get(&id)) {
        if current.status.at_counter() == Some(c.counter.id) {
            events.push(EventKind::TicketFinished {
                ticket: current.id,
                counter: c.counter.id,
                outcome: "completed".into(),
                next_services: current.pending_services.clone(),
            });
        }
    }
}

#[path = "queue_catalogue.rs"]
mod catalogue;

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
