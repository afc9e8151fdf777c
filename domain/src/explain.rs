//! "Why was I skipped?": explains a ticket's place in the queue by replaying the engine over the log.
//!
//! An [`Explainer`] is fed the office's events from a state taken before the ticket's day (the
//! state at the start of the log, or a [`OfficeState::queue_snapshot`] kept by the server) and folds
//! each into that state with the engine's own [`OfficeState::apply`]. Before it folds a call of
//! another ticket, it asks the engine — on the state as it was at that moment — whether the counter
//! could have called the asked ticket instead and, if so, which rule put the other one first: the same
//! `next_for_counter` that `decide` ran, so the explanation is what the engine did, not a second
//! implementation of the rules. A call the engine would not have made is reported as
//! [`Rule::Unexplained`] (tests check that it never happens).

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::clock::local_day;
use crate::event::{CallKind, CancelReason, Event, EventKind, Placement, TicketId};
use crate::i18n::Localized;
use crate::office::{CounterId, NumberFormat, Priority, PriorityRule, ServiceCode};
use crate::queue::{OfficeState, Ticket, TicketStatus};

/// Calls listed in one explanation at most (all are counted).
pub const MAX_LISTED: usize = 500;

/// How a ticket was moved back into a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Move {
    /// Transferred by a counter (none: by the system).
    Transfer { from_counter: Option<CounterId> },
    /// Taken back from the held (parked) list.
    Unpark,
}

/// Why a counter called another ticket while the asked one was waiting for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// Same queue, took its number earlier.
    IssuedEarlier {
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        issued_at: OffsetDateTime,
    },
    /// Took its number earlier on a kiosk that was offline; recorded later, it keeps that place.
    IssuedOfflineEarlier {
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        issued_at: OffsetDateTime,
    },
    /// A further service of the same visit: it joins in the order of its issue time.
    ContinuingVisit {
        from_counter: CounterId,
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        issued_at: OffsetDateTime,
    },
    /// Transferred or returned from hold to the front of the queue.
    PlacedAtFront { moved: Move },
    /// Transferred or returned from hold to the back of the queue, before the asked ticket joined it.
    RejoinedEarlier {
        moved: Move,
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        at: OffsetDateTime,
    },
    /// A ticket of an earlier day kept in the queue overnight.
    FromEarlierDay,
    /// Strict priority: priority tickets before regular ones.
    PriorityFirst { priority: Priority },
    /// Ratio mixing: a priority ticket's turn after `per` regular ones (`regular_called` since the last).
    PriorityTurn { priority: Priority, regular_called: u32, per: u32 },
    /// Ratio mixing: a regular ticket's turn (`regular_called` of `per` since the last priority one).
    RegularTurn { regular_called: u32, per: u32 },
    /// A regular ticket at the head of the queue waited past the ageing cap: before any priority one.
    AgeingCap { waited_s: i64, cap_s: u32 },
    /// The counter serves another service first, and someone waited for it.
    ServiceOrder { service: ServiceCode },
    /// Transferred to this counter in particular: such tickets go first there.
    HeldForCounter,
    /// An officer called this number specifically.
    CalledByNumber,
    /// An officer called back a ticket on hold.
    BackFromPark,
    /// Called again after a no-show, within the grace time.
    AfterNoShow,
    /// The engine would not have made this call from the replayed state: the log and the engine
    /// disagree (never expected; tests check it).
    Unexplained,
}

impl Rule {
    /// The rule's stable code (`issued_earlier`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Rule::IssuedEarlier { .. } => "issued_earlier",
            Rule::IssuedOfflineEarlier { .. } => "issued_offline_earlier",
            Rule::ContinuingVisit { .. } => "continuing_visit",
            Rule::PlacedAtFront { .. } => "placed_at_front",
            Rule::RejoinedEarlier { .. } => "rejoined_earlier",
            Rule::FromEarlierDay => "from_earlier_day",
            Rule::PriorityFirst { .. } => "priority_first",
            Rule::PriorityTurn { .. } => "priority_turn",
            Rule::RegularTurn { .. } => "regular_turn",
            Rule::AgeingCap { .. } => "ageing_cap",
            Rule::ServiceOrder { .. } => "service_order",
            Rule::HeldForCounter => "held_for_counter",
            Rule::CalledByNumber => "called_by_number",
            Rule::BackFromPark => "back_from_park",
            Rule::AfterNoShow => "after_no_show",
            Rule::Unexplained => "unexplained",
        }
    }

    /// A short name of the rule's group, for the summary ("3 ưu tiên").
    fn group_name(code: &str) -> Localized {
        let (vi, en) = match code {
            "issued_earlier" => ("lấy số trước bạn", "took a number before you"),
            "issued_offline_earlier" => ("lấy số trước bạn trên ki-ốt mất kết nối", "took a number before you offline"),
            "continuing_visit" => ("làm tiếp thủ tục trong cùng lượt", "continuing the same visit"),
            "placed_at_front" => ("được xếp lên đầu hàng", "placed at the front"),
            "rejoined_earlier" => ("vào lại hàng trước bạn", "rejoined the queue before you"),
            "from_earlier_day" => ("số từ ngày trước", "from an earlier day"),
            "priority_first" | "priority_turn" => ("ưu tiên", "priority"),
            "regular_turn" => ("đến lượt số thường", "regular turn"),
            "ageing_cap" => ("chờ quá thời gian tối đa", "waited past the limit"),
            "service_order" => ("dịch vụ quầy phục vụ trước", "a service the counter takes first"),
            "held_for_counter" => ("được chuyển riêng đến quầy", "transferred to the counter"),
            "called_by_number" => ("được gọi đích danh", "called by number"),
            "back_from_park" => ("gọi lại từ tạm giữ", "called back from hold"),
            "after_no_show" => ("gọi lại sau vắng mặt", "called again after a no-show"),
            _ => ("không giải thích được", "not explained"),
        };
        Localized::new(vi, en)
    }
}

/// A step in the asked ticket's own history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Step {
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub at: OffsetDateTime,
    /// `issued`, `called`, `recalled`, `started`, `parked`, `missed`, `unparked`, `transferred`,
    /// `next_service`, `served`, `cancelled`.
    pub step: String,
    pub counter: Option<CounterId>,
    pub officer: Option<String>,
    pub text: Localized,
}

/// Another ticket a counter called while the asked one waited for that counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CalledBefore {
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub at: OffsetDateTime,
    /// The other ticket's printed number.
    pub number: String,
    pub service: ServiceCode,
    pub priority: Priority,
    pub counter: CounterId,
    pub officer: Option<String>,
    #[serde(flatten)]
    pub rule: Rule,
    pub text: Localized,
}

/// How many calls one rule explains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RuleCount {
    pub rule: String,
    pub count: usize,
    pub name: Localized,
}

/// The answer to "why was I skipped?" for one ticket (`GET /api/v1/explain`, `queue-server explain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Explanation {
    pub number: String,
    #[serde(with = "crate::clock::iso_date")]
    #[schemars(with = "String")]
    pub day: Date,
    /// The service it was issued for.
    pub service: ServiceCode,
    pub priority: Priority,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub issued_at: OffsetDateTime,
    /// Its status at the end of the replayed log (`waiting`, `called`, `served`…).
    pub status: String,
    /// People ahead of it now, while it waits.
    pub ahead_now: Option<usize>,
    pub history: Vec<Step>,
    /// The first [`MAX_LISTED`] calls of other tickets while it waited, in log order.
    pub called_before: Vec<CalledBefore>,
    pub called_before_total: usize,
    /// Calls counted by rule, most first.
    pub by_rule: Vec<RuleCount>,
    pub summary: Localized,
    /// The office's UTC offset in seconds, for showing times.
    pub utc_offset_s: i32,
}

/// Why no explanation can be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    #[error("not a ticket number: {0}")]
    BadNumber(String),
    #[error("no ticket {number} on {day}")]
    NotFound { number: String, day: Date },
}

impl ExplainError {
    pub fn message(&self) -> Localized {
        match self {
            ExplainError::BadNumber(n) => Localized::new(
                format!("«{n}» không phải là số thứ tự (ví dụ A025)."),
                format!("«{n}» is not a ticket number (for example A025)."),
            ),
            ExplainError::NotFound { number, day } => Localized::new(
                format!("Không có số {number} trong ngày {}.", crate::clock::format_date(*day)),
                format!("There is no ticket {number} on {}.", crate::clock::format_date(*day)),
            ),
        }
    }
}

/// How a waiting ticket got its place in its current queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Issued,
    IssuedOffline,
    NextService { from_counter: CounterId },
    Front(Move),
    Back(Move, OffsetDateTime),
}

/// Replays events and collects the explanation of one ticket.
pub struct Explainer {
    state: OfficeState,
    day: Date,
    wanted: (char, u32),
    target: Option<TicketId>,
    issued_service: Option<ServiceCode>,
    places: HashMap<TicketId, Place>,
    /// The state before the last finish that put its ticket into another queue, with that event's
    /// seq: a call-next that finished the counter's ticket implicitly chose before the finish.
    before_finish: Option<(u64, CounterId, OfficeState)>,
    history: Vec<Step>,
    called_before: Vec<CalledBefore>,
    total: usize,
    counts: HashMap<&'static str, usize>,
    past_day: bool,
}

impl Explainer {
    /// Starts from `state` (a state before `day`'s first event) to explain the ticket printed
    /// `number` (`A025`, `A-025`, `a25`) on `day`.
    pub fn new(state: OfficeState, day: Date, number: &str) -> Result<Explainer, ExplainError> {
        let wanted = NumberFormat::parse(number.trim()).ok_or_else(|| ExplainError::BadNumber(number.to_string()))?;
        Ok(Explainer {
            state,
            day,
            wanted,
            target: None,
            issued_service: None,
            places: HashMap::new(),
            before_finish: None,
            history: Vec::new(),
            called_before: Vec::new(),
            total: 0,
            counts: HashMap::new(),
            past_day: false,
        })
    }

    /// The replayed state so far.
    pub fn state(&self) -> &OfficeState {
        &self.state
    }

    /// True once the replay has passed the day and the ticket can change no more (ended, or never
    /// issued): the caller may stop reading the log.
    pub fn done(&self) -> bool {
        self.past_day
            && self
                .target
                .and_then(|t| self.state.ticket(t))
                .is_none_or(|t| matches!(t.status, TicketStatus::Served { .. } | TicketStatus::Cancelled { .. }))
    }

    /// Folds the next event of the log in, noting what it means for the asked ticket first.
    pub fn feed(&mut self, event: &Event) {
        if local_day(event.at, self.state.settings.offset()) > self.day {
            self.past_day = true;
        }
        if let EventKind::TicketIssued { ticket, service, letter, number, day, .. } = &event.kind {
            if self.target.is_none() && *day == self.day && (*letter, *number) == self.wanted {
                self.target = Some(*ticket);
                self.issued_service = Some(service.clone());
            }
        }
        if let Some(target) = self.target {
            self.examine(target, event);
        }
        self.track_place(event);
        self.state.apply(event);
    }

    /// The explanation, from what was fed.
    pub fn finish(self) -> Result<Explanation, ExplainError> {
        let offset = self.state.settings.offset();
        let ticket = self.target.and_then(|t| self.state.ticket(t)).ok_or_else(|| ExplainError::NotFound {
            number: self.state.settings.numbering.format(self.wanted.0, self.wanted.1).to_string(),
            day: self.day,
        })?;
        let first_service = self.issued_service.clone().unwrap_or_else(|| ticket.service.clone());
        let ahead_now = (ticket.status == TicketStatus::Waiting).then(|| self.state.ahead_of(ticket));
        let mut by_rule: Vec<RuleCount> = self
            .counts
            .iter()
            .map(|(code, count)| RuleCount { rule: code.to_string(), count: *count, name: Rule::group_name(code) })
            .collect();
        by_rule.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rule.cmp(&b.rule)));
        let summary = summary(ticket, self.total, &by_rule, ahead_now, offset);
        Ok(Explanation {
            number: ticket.label.clone(),
            day: ticket.day,
            service: first_service,
            priority: ticket.priority,
            issued_at: ticket.issued_at,
            status: ticket.status.name().to_string(),
            ahead_now,
            history: self.history,
            called_before: self.called_before,
            called_before_total: self.total,
            by_rule,
            summary,
            utc_offset_s: offset.whole_seconds(),
        })
    }

    fn examine(&mut self, target: TicketId, event: &Event) {
        if let Some(step) = self.step_of(target, event) {
            self.history.push(step);
        }
        let EventKind::TicketCalled { ticket, counter, officer, how } = &event.kind else { return };
        if *ticket == target {
            return;
        }
        let Some(called) = self.called_before(target, *ticket, *counter, officer, *how, event) else { return };
        self.total += 1;
        *self.counts.entry(called.rule.code()).or_insert(0) += 1;
        if self.called_before.len() < MAX_LISTED {
            self.called_before.push(called);
        }
    }

    /// The call of `x` at `counter`, explained, if the counter could have called `target` instead.
    fn called_before(
        &self,
        target: TicketId,
        x: TicketId,
        counter: CounterId,
        officer: &Option<String>,
        how: CallKind,
        event: &Event,
    ) -> Option<CalledBefore> {
        let state = self.decision_state(counter, x, how, event);
        let (t, x, c) = (state.ticket(target)?, state.ticket(x)?, state.counters.get(&counter)?);
        let could_call_target = t.status == TicketStatus::Waiting
            && match t.target_counter {
                Some(held_for) => held_for == counter,
                None => c.counter.services.contains(&t.service),
            };
        if !could_call_target {
            return None;
        }
        let rule = self.rule(state, t, x, counter, how, event);
        let text = self.rule_text(&rule, counter, officer.as_deref());
        Some(CalledBefore {
            seq: event.seq,
            at: event.at,
            number: x.label.clone(),
            service: x.service.clone(),
            priority: x.priority,
            counter,
            officer: officer.clone(),
            rule,
            text,
        })
    }

    /// The state `decide` chose this call on: the replayed one, or — for a call-next that finished the
    /// counter's ticket implicitly and moved it on to another service (the event just before) — the
    /// state before that finish, since the engine chose first. Which of the two is told by the choice
    /// itself: an explicit finish followed by a call-next reads the same in the log.
    fn decision_state(&self, counter: CounterId, x: TicketId, how: CallKind, event: &Event) -> &OfficeState {
        match &self.before_finish {
            Some((seq, at_counter, before))
                if how == CallKind::Next
                    && *seq + 1 == event.seq
                    && *at_counter == counter
                    && !self.chose(&self.state, counter, x, event)
                    && self.chose(before, counter, x, event) =>
            {
                before
            }
            _ => &self.state,
        }
    }

    /// Which rule made `counter` call `x` while `t` waited for it, asked of the engine itself.
    fn rule(
        &self,
        state: &OfficeState,
        t: &Ticket,
        x: &Ticket,
        counter: CounterId,
        how: CallKind,
        event: &Event,
    ) -> Rule {
        match how {
            CallKind::Specific => return Rule::CalledByNumber,
            CallKind::FromPark => return Rule::BackFromPark,
            CallKind::AfterNoShow => return Rule::AfterNoShow,
            CallKind::Next => {}
        }
        if !self.chose(state, counter, x.id, event) {
            return Rule::Unexplained;
        }
        let held_here = state.counter_waiting_list(counter).first().map(|h| h.id) == Some(x.id);
        if held_here {
            return if t.target_counter == Some(counter) { self.order_rule(t, x) } else { Rule::HeldForCounter };
        }
        if t.target_counter.is_some() {
            return Rule::Unexplained;
        }
        if x.service != t.service {
            return Rule::ServiceOrder { service: x.service.clone() };
        }
        let streak = |per: u32| state.regulars_since_priority.get(&x.service).copied().unwrap_or(per);
        match (x.priority.is_priority(), t.priority.is_priority(), &state.settings.priority_rule) {
            (true, false, PriorityRule::Strict { .. }) => Rule::PriorityFirst { priority: x.priority },
            (true, false, PriorityRule::Ratio { regular_per_priority: per, .. }) => {
                Rule::PriorityTurn { priority: x.priority, regular_called: streak(*per), per: *per }
            }
            (false, true, rule) => {
                let waited_s = (event.at - x.enqueued_at).whole_seconds();
                match rule {
                    _ if waited_s >= i64::from(rule.ageing_cap_s()) => {
                        Rule::AgeingCap { waited_s, cap_s: rule.ageing_cap_s() }
                    }
                    PriorityRule::Ratio { regular_per_priority: per, .. } => {
                        Rule::RegularTurn { regular_called: streak(*per), per: *per }
                    }
                    PriorityRule::Strict { .. } => Rule::Unexplained,
                }
            }
            _ => self.order_rule(t, x),
        }
    }

    fn chose(&self, state: &OfficeState, counter: CounterId, x: TicketId, event: &Event) -> bool {
        state.counters.get(&counter).and_then(|c| state.next_for_counter(&c.counter, event.at)) == Some(x)
    }

    /// Both in one line: why `x` stood before `t`.
    fn order_rule(&self, t: &Ticket, x: &Ticket) -> Rule {
        if x.queue_key >= t.queue_key {
            return Rule::Unexplained;
        }
        match self.places.get(&x.id) {
            Some(Place::Issued) => Rule::IssuedEarlier { issued_at: x.issued_at },
            Some(Place::IssuedOffline) => Rule::IssuedOfflineEarlier { issued_at: x.issued_at },
            Some(Place::NextService { from_counter }) => {
                Rule::ContinuingVisit { from_counter: *from_counter, issued_at: x.issued_at }
            }
            Some(Place::Front(moved)) => Rule::PlacedAtFront { moved: *moved },
            Some(Place::Back(moved, at)) => Rule::RejoinedEarlier { moved: *moved, at: *at },
            // Issued before the replay started: a ticket kept overnight, or one of the day's first.
            None if x.day < self.day => Rule::FromEarlierDay,
            None if x.lease.is_some() => Rule::IssuedOfflineEarlier { issued_at: x.issued_at },
            None => Rule::IssuedEarlier { issued_at: x.issued_at },
        }
    }

    /// Remembers how each ticket got its place in its queue, and the state before a finish that
    /// moves its ticket on to another service.
    fn track_place(&mut self, event: &Event) {
        match &event.kind {
            EventKind::TicketIssued { ticket, lease, .. } => {
                let place = if lease.is_some() { Place::IssuedOffline } else { Place::Issued };
                self.places.insert(*ticket, place);
            }
            EventKind::TicketFinished { ticket, counter, next_services, .. } if !next_services.is_empty() => {
                self.places.insert(*ticket, Place::NextService { from_counter: *counter });
                self.before_finish = Some((event.seq, *counter, self.state.queue_snapshot()));
            }
            EventKind::TicketUnparked { ticket, placement } => {
                self.places.insert(*ticket, placed(*placement, Move::Unpark, event.at));
            }
            EventKind::TicketTransferred { ticket, from_counter, placement, .. } => {
                let moved = Move::Transfer { from_counter: *from_counter };
                self.places.insert(*ticket, placed(*placement, moved, event.at));
            }
            _ => {}
        }
    }

    fn counter_name(&self, counter: CounterId) -> Localized {
        self.state
            .counters
            .get(&counter)
            .map(|c| c.counter.name.clone())
            .unwrap_or_else(|| Localized::new(format!("Quầy {counter}"), format!("Counter {counter}")))
    }

    fn service_name(&self, service: &ServiceCode) -> Localized {
        self.state
            .services
            .get(service)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| Localized::new(service.to_string(), service.to_string()))
    }

    fn rule_text(&self, rule: &Rule, counter: CounterId, officer: Option<&str>) -> Localized {
        let offset = self.state.settings.offset();
        let hm = |at: OffsetDateTime| hh_mm(at, offset);
        let officer_vi = officer.map_or_else(|| "Cán bộ".to_string(), |o| format!("Cán bộ {o}"));
        let officer_en = officer.map_or_else(|| "An officer".to_string(), |o| format!("Officer {o}"));
        let here = self.counter_name(counter);
        let moved_by = |moved: &Move| match moved {
            Move::Transfer { from_counter: Some(c) } => {
                let n = self.counter_name(*c);
                (format!("được {} chuyển sang", n.vi), format!("transferred by {}", n.en))
            }
            Move::Transfer { from_counter: None } => ("được chuyển sang".to_string(), "transferred".to_string()),
            Move::Unpark => ("trở lại từ danh sách tạm giữ".to_string(), "returned from hold".to_string()),
        };
        match rule {
            Rule::IssuedEarlier { issued_at } => Localized::new(
                format!("Lấy số lúc {}, trước bạn.", hm(*issued_at)),
                format!("Took a number at {}, before you.", hm(*issued_at)),
            ),
            Rule::IssuedOfflineEarlier { issued_at } => Localized::new(
                format!(
                    "Lấy số lúc {} trên ki-ốt đang mất kết nối; ghi nhận sau nhưng giữ thứ tự theo giờ lấy số.",
                    hm(*issued_at)
                ),
                format!(
                    "Took a number at {} on a kiosk that was offline; recorded later, it keeps its place by that time.",
                    hm(*issued_at)
                ),
            ),
            Rule::ContinuingVisit { from_counter, issued_at } => {
                let from = self.counter_name(*from_counter);
                Localized::new(
                    format!(
                        "Làm tiếp thủ tục trong cùng lượt (vừa xong ở {}); giữ thứ tự theo giờ lấy số {}.",
                        from.vi,
                        hm(*issued_at)
                    ),
                    format!(
                        "Continuing the same visit (just finished at {}); keeps its place by its issue time {}.",
                        from.en,
                        hm(*issued_at)
                    ),
                )
            }
            Rule::PlacedAtFront { moved } => {
                let (vi, en) = moved_by(moved);
                Localized::new(format!("Số này {vi} và được xếp lên đầu hàng."), format!("It was {en} to the front."))
            }
            Rule::RejoinedEarlier { moved, at } => {
                let (vi, en) = moved_by(moved);
                Localized::new(
                    format!("Số này {vi} lúc {}, vào lại hàng chờ trước bạn.", hm(*at)),
                    format!("It was {en} at {} and rejoined the queue before you.", hm(*at)),
                )
            }
            Rule::FromEarlierDay => Localized::new(
                "Số từ ngày trước, vẫn giữ trong hàng chờ qua đêm.",
                "A number from an earlier day, kept in the queue overnight.",
            ),
            Rule::PriorityFirst { priority } => {
                let p = priority.name();
                Localized::new(
                    format!("Ưu tiên ({}): số ưu tiên được gọi trước số thường.", p.vi),
                    format!("Priority ({}): priority numbers are called before regular ones.", p.en),
                )
            }
            Rule::PriorityTurn { priority, regular_called, per } => {
                let p = priority.name();
                Localized::new(
                    format!(
                        "Ưu tiên ({}): cứ {per} số thường thì gọi 1 số ưu tiên, và đã gọi {regular_called} số thường.",
                        p.vi
                    ),
                    format!(
                        "Priority ({}): one priority number after every {per} regular ones, and {regular_called} regular had been called.",
                        p.en
                    ),
                )
            }
            Rule::RegularTurn { regular_called, per } => Localized::new(
                format!(
                    "Đến lượt số thường: cứ {per} số thường mới gọi 1 số ưu tiên (mới gọi {regular_called} số thường từ số ưu tiên trước)."
                ),
                format!(
                    "A regular number's turn: one priority number only after every {per} regular ones ({regular_called} called since the last priority number)."
                ),
            ),
            Rule::AgeingCap { waited_s, cap_s } => Localized::new(
                format!(
                    "Đã chờ {} phút, quá mức tối đa {} phút: được gọi trước cả số ưu tiên.",
                    waited_s / 60,
                    cap_s / 60
                ),
                format!(
                    "Had waited {} min, past the {}-min limit: called even before priority numbers.",
                    waited_s / 60,
                    cap_s / 60
                ),
            ),
            Rule::ServiceOrder { service } => {
                let s = self.service_name(service);
                Localized::new(
                    format!("{} phục vụ «{}» trước dịch vụ của bạn, và đang có người chờ.", here.vi, s.vi),
                    format!("{} takes «{}» before your service, and someone was waiting for it.", here.en, s.en),
                )
            }
            Rule::HeldForCounter => Localized::new(
                format!("Được chuyển riêng đến {}: số chuyển đến một quầy được quầy đó gọi trước.", here.vi),
                format!("Transferred to {} in particular: such numbers are called first there.", here.en),
            ),
            Rule::CalledByNumber => Localized::new(
                format!("{officer_vi} gọi đích danh số này tại {}.", here.vi),
                format!("{officer_en} called this number specifically at {}.", here.en),
            ),
            Rule::BackFromPark => Localized::new(
                format!("{officer_vi} gọi lại số đang tạm giữ tại {}.", here.vi),
                format!("{officer_en} called back a number on hold at {}.", here.en),
            ),
            Rule::AfterNoShow => Localized::new(
                "Gọi lại số đã vắng mặt, trong thời gian cho phép.",
                "Called again after a no-show, within the grace time.",
            ),
            Rule::Unexplained => Localized::new(
                "Không khớp với quy tắc của hệ thống — xin báo cho bộ phận kỹ thuật.",
                "Does not match the queue rules — please report it to the technician.",
            ),
        }
    }

    /// The asked ticket's own step in `event`, if it is about it (read before the event is applied).
    fn step_of(&self, target: TicketId, event: &Event) -> Option<Step> {
        let offset = self.state.settings.offset();
        let at = hh_mm(event.at, offset);
        let step = |name: &str, counter: Option<CounterId>, officer: Option<String>, vi: String, en: String| Step {
            seq: event.seq,
            at: event.at,
            step: name.to_string(),
            counter,
            officer,
            text: Localized::new(vi, en),
        };
        let cn = |c: CounterId| self.counter_name(c);
        Some(match &event.kind {
            EventKind::TicketIssued { ticket, service, priority, issued_at, lease, .. } if *ticket == target => {
                let s = self.service_name(service);
                let p = priority.name();
                let (vi_how, en_how) = if lease.is_some() {
                    (
                        " trên ki-ốt đang mất kết nối (ghi nhận lúc ".to_string() + &at + ")",
                        format!(" on an offline kiosk (recorded at {at})"),
                    )
                } else {
                    (String::new(), String::new())
                };
                step(
                    "issued",
                    None,
                    None,
                    format!("{} Lấy số cho «{}», {}{vi_how}.", hh_mm(*issued_at, offset), s.vi, p.vi.to_lowercase()),
                    format!(
                        "{} Number taken for «{}», {}{en_how}.",
                        hh_mm(*issued_at, offset),
                        s.en,
                        p.en.to_lowercase()
                    ),
                )
            }
            EventKind::TicketCalled { ticket, counter, officer, how } if *ticket == target => {
                let c = cn(*counter);
                let (vi, en) = match how {
                    CallKind::Next => ("theo thứ tự", "in turn"),
                    CallKind::Specific => ("đích danh", "by number"),
                    CallKind::AfterNoShow => ("lại sau vắng mặt", "again after a no-show"),
                    CallKind::FromPark => ("lại từ tạm giữ", "back from hold"),
                };
                step(
                    "called",
                    Some(*counter),
                    officer.clone(),
                    format!("{at} Được gọi {vi} đến {}.", c.vi),
                    format!("{at} Called {en} to {}.", c.en),
                )
            }
            EventKind::TicketRecalled { ticket, counter } if *ticket == target => {
                let c = cn(*counter);
                step(
                    "recalled",
                    Some(*counter),
                    None,
                    format!("{at} Gọi nhắc lại tại {}.", c.vi),
                    format!("{at} Called again at {}.", c.en),
                )
            }
            EventKind::ServiceStarted { ticket, counter } if *ticket == target => {
                let c = cn(*counter);
                step(
                    "started",
                    Some(*counter),
                    None,
                    format!("{at} Bắt đầu phục vụ tại {}.", c.vi),
                    format!("{at} Service started at {}.", c.en),
                )
            }
            EventKind::TicketParked { ticket, counter } if *ticket == target => {
                let c = cn(*counter);
                step(
                    "parked",
                    Some(*counter),
                    None,
                    format!("{at} {} tạm giữ số.", c.vi),
                    format!("{at} Put on hold by {}.", c.en),
                )
            }
            EventKind::TicketMissed { ticket, counter } if *ticket == target => {
                let c = cn(*counter);
                step(
                    "missed",
                    Some(*counter),
                    None,
                    format!("{at} Vắng mặt khi {} gọi.", c.vi),
                    format!("{at} Not present when {} called.", c.en),
                )
            }
            EventKind::TicketUnparked { ticket, placement } if *ticket == target => {
                let (vi, en) = match placement {
                    Placement::Front => ("đầu hàng", "the front"),
                    Placement::Back => ("cuối hàng", "the back"),
                };
                step(
                    "unparked",
                    None,
                    None,
                    format!("{at} Trở lại hàng chờ, xếp {vi}."),
                    format!("{at} Back in the queue, at {en}."),
                )
            }
            EventKind::TicketTransferred { ticket, from_counter, to_service, to_counter, placement }
                if *ticket == target =>
            {
                let s = self.service_name(to_service);
                let (vi_place, en_place) = match placement {
                    Placement::Front => ("đầu hàng", "the front"),
                    Placement::Back => ("cuối hàng", "the back"),
                };
                let by = from_counter.map(cn).unwrap_or_else(|| Localized::new("Hệ thống", "The system"));
                let (vi_to, en_to) = match to_counter {
                    Some(c) => {
                        let n = cn(*c);
                        (format!("{} («{}»)", n.vi, s.vi), format!("{} («{}»)", n.en, s.en))
                    }
                    None => (format!("«{}»", s.vi), format!("«{}»", s.en)),
                };
                step(
                    "transferred",
                    *from_counter,
                    None,
                    format!("{at} {} chuyển sang {vi_to}, xếp {vi_place}.", by.vi),
                    format!("{at} {} transferred it to {en_to}, at {en_place}.", by.en),
                )
            }
            EventKind::TicketFinished { ticket, counter, next_services, .. } if *ticket == target => {
                let c = cn(*counter);
                match next_services.first() {
                    Some(next) => {
                        let s = self.service_name(next);
                        step(
                            "next_service",
                            Some(*counter),
                            None,
                            format!("{at} Xong tại {}; chờ tiếp «{}» theo giờ lấy số.", c.vi, s.vi),
                            format!("{at} Done at {}; now waiting for «{}» by its issue time.", c.en, s.en),
                        )
                    }
                    None => step(
                        "served",
                        Some(*counter),
                        None,
                        format!("{at} Đã phục vụ xong tại {}.", c.vi),
                        format!("{at} Served at {}.", c.en),
                    ),
                }
            }
            EventKind::TicketCancelled { ticket, reason } if *ticket == target => {
                let (vi, en) = match reason {
                    CancelReason::Staff => ("Cán bộ huỷ số.", "Cancelled by staff."),
                    CancelReason::DayClosed => ("Huỷ khi hết ngày làm việc.", "Cancelled at the end of the day."),
                };
                step("cancelled", None, None, format!("{at} {vi}"), format!("{at} {en}"))
            }
            _ => return None,
        })
    }
}

/// A ticket status's name (`waiting`, `called`…) in words.
pub fn status_name(status: &str) -> Localized {
    let (vi, en) = match status {
        "waiting" => ("đang chờ", "waiting"),
        "called" => ("đã được gọi", "called"),
        "serving" => ("đang được phục vụ", "being served"),
        "parked" => ("đang tạm giữ", "on hold"),
        "missed" => ("vắng mặt", "missed"),
        "served" => ("đã phục vụ xong", "served"),
        "cancelled" => ("đã huỷ", "cancelled"),
        other => (other, other),
    };
    Localized::new(vi, en)
}

fn placed(placement: Placement, moved: Move, at: OffsetDateTime) -> Place {
    match placement {
        Placement::Front => Place::Front(moved),
        Placement::Back => Place::Back(moved, at),
    }
}

fn hh_mm(at: OffsetDateTime, offset: UtcOffset) -> String {
    let local = at.to_offset(offset);
    format!("{:02}:{:02}", local.hour(), local.minute())
}

fn summary(
    ticket: &Ticket,
    total: usize,
    by_rule: &[RuleCount],
    ahead_now: Option<usize>,
    offset: UtcOffset,
) -> Localized {
    let issued = hh_mm(ticket.issued_at, offset);
    let mut vi = if total == 0 {
        format!(
            "Sau khi lấy số {} lúc {issued}, không có số nào được gọi trước tại các quầy phục vụ số này.",
            ticket.label
        )
    } else {
        let parts: Vec<String> = by_rule.iter().map(|r| format!("{} {}", r.count, r.name.vi)).collect();
        format!(
            "Sau khi lấy số {} lúc {issued}, {total} số được gọi trước tại các quầy phục vụ số này: {}.",
            ticket.label,
            parts.join(", ")
        )
    };
    let mut en = if total == 0 {
        format!(
            "After {} was taken at {issued}, no other number was called first at the counters serving it.",
            ticket.label
        )
    } else {
        let parts: Vec<String> = by_rule.iter().map(|r| format!("{} {}", r.count, r.name.en)).collect();
        format!(
            "After {} was taken at {issued}, {total} numbers were called first at the counters serving it: {}.",
            ticket.label,
            parts.join(", ")
        )
    };
    match ahead_now {
        Some(0) => {
            vi.push_str(" Số này đang đứng đầu hàng chờ.");
            en.push_str(" It is first in line now.");
        }
        Some(ahead) => {
            vi.push_str(&format!(" Hiện còn {ahead} người trước số này."));
            en.push_str(&format!(" {ahead} people are ahead of it now."));
        }
        None => {}
    }
    Localized::new(vi, en)
}

#[cfg(test)]
#[path = "explain_tests.rs"]
mod tests;
