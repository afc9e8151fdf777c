//! An in-memory office for the engine's tests: decide, stamp, apply — and generated operations.

use proptest::prelude::*;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::QueueError;
use crate::event::*;
use crate::i18n::Localized;
use crate::office::*;
use crate::queue::*;

pub(crate) fn service(code: &str, letter: char) -> Service {
    Service {
        code: ServiceCode::new(code).unwrap(),
        letter,
        name: Localized::new(code, code),
        field: Localized::new("Lĩnh vực", "Field"),
        procedures: vec![],
        stage: Stage::Reception,
        service_level_target_s: 1200,
        default_service_time_s: 300,
        open: true,
    }
}

pub(crate) fn sc(code: &str) -> ServiceCode {
    ServiceCode::new(code).unwrap()
}

/// A small in-memory log: decide, stamp, apply.
pub(crate) struct Office {
    pub(crate) state: OfficeState,
    pub(crate) log: Vec<Event>,
    pub(crate) now: OffsetDateTime,
    ids: u128,
}

impl Office {
    pub(crate) fn new(rule: PriorityRule) -> Office {
        let mut o = Office { state: OfficeState::default(), log: vec![], now: datetime!(2026-11-27 01:00 UTC), ids: 0 };
        let settings = OfficeSettings { priority_rule: rule, ..OfficeSettings::default() };
        o.run(Command::ChangeSettings { settings }).unwrap();
        o.run(Command::SaveService { service: service("a", 'A') }).unwrap();
        o.run(Command::SaveService { service: service("b", 'B') }).unwrap();
        for (id, services) in [(1, vec![sc("a"), sc("b")]), (2, vec![sc("b"), sc("a")]), (3, vec![sc("a")])] {
            let counter = Counter {
                id,
                name: Localized::new(format!("Quầy {id}"), format!("Counter {id}")),
                services,
                open: true,
                receipt_printer: None,
            };
            o.run(Command::SaveCounter { counter }).unwrap();
        }
        o
    }

    pub(crate) fn run(&mut self, cmd: Command) -> Result<Decision, QueueError> {
        let mut ids = self.ids;
        let decision = decide(&self.state, &cmd, self.now, &mut || {
            ids += 1;
            Uuid::from_u128(ids)
        })?;
        self.ids = ids;
        for kind in &decision.events {
            let e = Event {
                seq: self.log.len() as u64 + 1,
                id: Uuid::from_u128(1 << 100 | self.log.len() as u128),
                at: self.now,
                actor: Actor::System,
                kind: kind.clone(),
            };
            self.state.apply(&e);
            self.log.push(e);
        }
        Ok(decision)
    }

    pub(crate) fn issue(&mut self, svc: &str, priority: Priority) -> TicketId {
        self.run(Command::IssueTicket {
            service: sc(svc),
            priority,
            idempotency_key: None,
            device: None,
            procedure: None,
        })
        .unwrap()
        .ticket
        .unwrap()
    }

    pub(crate) fn call(&mut self, counter: CounterId) -> Option<TicketId> {
        self.run(Command::CallNext { counter, officer: Some("cb1".into()) }).ok().and_then(|d| d.ticket)
    }

    /// Call-next at a counter; the label it called.
    pub(crate) fn call_label(&mut self, counter: CounterId) -> String {
        let id = self.call(counter).expect("someone to call");
        self.label(id)
    }

    pub(crate) fn label(&self, id: TicketId) -> String {
        self.state.tickets[&id].label.clone()
    }

    pub(crate) fn tick(&mut self, secs: i64) {
        self.now += Duration::seconds(secs);
    }

    pub(crate) fn replayed(&self) -> OfficeState {
        let mut s = OfficeState::default();
        for e in &self.log {
            s.apply(e);
        }
        s
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Op {
    Issue(bool, bool),
    CallNext(u16),
    Finish(u16, bool),
    NoShow(u16),
    Park(u16),
    UnparkAny(bool),
    Transfer(u16, bool, bool),
    CancelWaiting(usize),
    Recall(u16),
    /// Calls the i-th waiting, parked or missed ticket by number at a counter.
    CallNumber(u16, usize),
    Wait(u16),
}

pub(crate) fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), any::<bool>()).prop_map(|(b, p)| Op::Issue(b, p)),
        4 => (1u16..=3).prop_map(Op::CallNext),
        2 => ((1u16..=3), any::<bool>()).prop_map(|(c, more)| Op::Finish(c, more)),
        1 => (1u16..=3).prop_map(Op::NoShow),
        1 => (1u16..=3).prop_map(Op::Park),
        1 => any::<bool>().prop_map(Op::UnparkAny),
        1 => ((1u16..=3), any::<bool>(), any::<bool>()).prop_map(|(c, s, f)| Op::Transfer(c, s, f)),
        1 => (0usize..50).prop_map(Op::CancelWaiting),
        1 => (1u16..=3).prop_map(Op::Recall),
        1 => ((1u16..=3), (0usize..20)).prop_map(|(c, i)| Op::CallNumber(c, i)),
        2 => (1u16..=900).prop_map(Op::Wait),
    ]
}

pub(crate) fn rule() -> impl Strategy<Value = PriorityRule> {
    prop_oneof![
        (60u32..3000).prop_map(|cap| PriorityRule::Strict { ageing_cap_s: cap }),
        ((1u32..4), (60u32..3000))
            .prop_map(|(n, cap)| PriorityRule::Ratio { regular_per_priority: n, ageing_cap_s: cap }),
    ]
}

/// Runs one generated operation; `None` when it asked nothing of the engine (a wait, nothing to pick).
pub(crate) fn apply_op(o: &mut Office, op: &Op) -> Option<Result<Decision, QueueError>> {
    Some(match op {
        Op::Issue(b, p) => o.run(Command::IssueTicket {
            service: sc(if *b { "b" } else { "a" }),
            priority: if *p { Priority::Elderly } else { Priority::None },
            idempotency_key: None,
            device: None,
            procedure: None,
        }),
        Op::CallNext(c) => o.run(Command::CallNext { counter: *c, officer: None }),
        Op::Finish(c, more) => o.run(Command::Finish {
            counter: *c,
            outcome: "completed".into(),
            next_services: if *more { vec![sc("b")] } else { vec![] },
        }),
        Op::NoShow(c) => o.run(Command::NoShow { counter: *c }),
        Op::Park(c) => o.run(Command::Park { counter: *c }),
        Op::UnparkAny(front) => {
            let parked = o
                .state
                .tickets
                .values()
                .filter(|t| matches!(t.status, TicketStatus::Parked { .. }))
                .map(|t| t.id)
                .min();
            match parked {
                Some(id) => o.run(Command::Unpark {
                    ticket: TicketRef::Id(id),
                    placement: if *front { Placement::Front } else { Placement::Back },
                }),
                None => return None,
            }
        }
        Op::Transfer(c, to_service, front) => o.run(Command::Transfer {
            counter: *c,
            to_service: if *to_service { Some(sc("a")) } else { None },
            to_counter: if *to_service { None } else { Some(c % 3 + 1) },
            placement: if *front { Placement::Front } else { Placement::Back },
        }),
        Op::CancelWaiting(i) => {
            let mut waiting: Vec<_> =
                o.state.tickets.values().filter(|t| t.status == TicketStatus::Waiting).map(|t| t.id).collect();
            waiting.sort();
            match waiting.get(*i) {
                Some(id) => o.run(Command::Cancel { ticket: TicketRef::Id(*id) }),
                None => return None,
            }
        }
        Op::Recall(c) => o.run(Command::Recall { counter: *c }),
        Op::CallNumber(c, i) => {
            let mut callable: Vec<_> = o
                .state
                .tickets
                .values()
                .filter(|t| {
                    matches!(
                        t.status,
                        TicketStatus::Waiting | TicketStatus::Parked { .. } | TicketStatus::Missed { .. }
                    )
                })
                .map(|t| t.id)
                .collect();
            callable.sort();
            match callable.get(*i) {
                Some(id) => {
                    o.run(Command::CallTicket { counter: *c, officer: Some("cb2".into()), ticket: TicketRef::Id(*id) })
                }
                None => return None,
            }
        }
        Op::Wait(s) => {
            o.tick(i64::from(*s));
            return None;
        }
    })
}
