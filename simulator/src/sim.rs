//! One simulated day: a discrete-event loop with its own clock that drives the real engine. Citizens
//! take tickets (`Command::IssueTicket`), officers call the next one (`Command::CallNext`: which
//! ticket, under which priority rule, is the engine's choice, read back from its `TicketCalled`
//! event), start, finish or mark a no-show; breaks and shifts open and close counters with
//! `Command::SaveCounter`, as an administrator would. Every event is folded with
//! `OfficeState::apply`, exactly as the office server does.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use domain::clock::VIETNAM_OFFSET;
use domain::event::{Actor, Event, EventKind, TicketId};
use domain::office::{Counter, CounterId, OfficeSettings, Priority, Service, Stage};
use domain::queue::{decide, Command, OfficeState};
use domain::{Localized, QueueError};
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::dist::{poisson_arrivals, stream, unit};
use crate::scenario::{AtClose, Plan};

/// A ticket taken at a given time of day, as replayed from an office's log.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    pub at_s: f64,
    pub service: String,
    pub priority: bool,
}

/// Everything the engine refused that a simulated office should never meet.
#[derive(Debug, thiserror::Error)]
#[error("the engine refused {what}: {error}")]
pub struct SimError {
    pub what: String,
    pub error: QueueError,
}

/// A citizen of the day: when they come, for what, and what they will do.
#[derive(Debug, Clone, PartialEq)]
pub struct Citizen {
    pub at_s: f64,
    pub service: usize,
    pub priority: bool,
    pub no_show: bool,
    pub service_s: f64,
}

/// The day's citizens, in arrival order. Each service draws from its own stream, so a change to one
/// service leaves the others' citizens as they were.
pub fn citizens(plan: &Plan, seed: u64, day: u64, history: Option<&[Arrival]>) -> (Vec<Citizen>, usize) {
    let mut out = Vec::new();
    let mut skipped = 0;
    match history {
        None => {
            for (i, s) in plan.services.iter().enumerate() {
                let mut rng = stream(seed, day, i as u64 + 1);
                poisson_arrivals(&mut rng, &s.rate_per_hour, plan.first_hour, &plan.sessions, |at_s, rng| {
                    let (p, n, u1, u2) = (unit(rng), unit(rng), unit(rng), unit(rng));
                    out.push(Citizen {
                        at_s,
                        service: i,
                        priority: p <= s.priority_share && s.priority_share > 0.0,
                        no_show: n <= s.no_show_probability && s.no_show_probability > 0.0,
                        service_s: s.service_time.sample(u1, u2),
                    });
                });
            }
        }
        Some(arrivals) => {
            let mut rngs: Vec<ChaCha8Rng> =
                (0..plan.services.len()).map(|i| stream(seed, day, 1000 + i as u64)).collect();
            for a in arrivals {
                let Some(i) = plan.services.iter().position(|s| s.code.as_str() == a.service) else {
                    skipped += 1;
                    continue;
                };
                let s = &plan.services[i];
                let rng = &mut rngs[i];
                let (n, u1, u2) = (unit(rng), unit(rng), unit(rng));
                out.push(Citizen {
                    at_s: a.at_s,
                    service: i,
                    priority: a.priority,
                    no_show: n <= s.no_show_probability && s.no_show_probability > 0.0,
                    service_s: s.service_time.sample(u1, u2),
                });
            }
        }
    }
    out.sort_by(|a, b| a.at_s.total_cmp(&b.at_s).then(a.service.cmp(&b.service)));
    (out, skipped)
}

/// How a ticket's day ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Served,
    NoShow,
    /// Still waiting when the office closed.
    Unserved,
}

/// One ticket of a simulated day, times in milliseconds of the day.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketRecord {
    pub day: u32,
    pub label: String,
    pub service: usize,
    pub priority: bool,
    pub issued_ms: i64,
    pub called_ms: Option<i64>,
    pub counter: Option<CounterId>,
    pub ended_ms: Option<i64>,
    pub outcome: Outcome,
}

impl TicketRecord {
    pub fn wait_s(&self) -> Option<f64> {
        self.called_ms.map(|c| (c - self.issued_ms) as f64 / 1000.0)
    }
}

/// One counter's day.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeskRecord {
    pub id: CounterId,
    pub officer: String,
    /// Staffed (open in the engine), including overtime past the close.
    pub on_ms: i64,
    /// Calling, serving or waiting for a citizen who did not come.
    pub busy_ms: i64,
    pub served: u32,
    pub no_shows: u32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DayResult {
    pub tickets: Vec<TicketRecord>,
    pub desks: Vec<DeskRecord>,
    /// ∫ (tickets waiting) dt over the day, in ticket·milliseconds, and the span it covers.
    pub queue_area: f64,
    pub observed_ms: i64,
    /// Longest queue (all services) and when; per service too.
    pub longest: (usize, i64),
    pub longest_by_service: Vec<(usize, i64)>,
    /// Replayed arrivals of services the scenario does not have.
    pub skipped: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    CounterOn(usize),
    CounterOff(usize),
    Arrive(usize),
    Start(usize),
    Done(usize),
    Absent(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Off {
    /// Finish the citizen at the counter, then close.
    AfterCurrent,
    /// Serve everyone still waiting, then close.
    AfterQueue,
}

struct Desk {
    counter: Counter,
    officer: String,
    on_since: Option<i64>,
    off: Option<Off>,
    current: Option<(TicketId, i64)>,
    record: DeskRecord,
}

struct Sim<'a> {
    plan: &'a Plan,
    citizens: &'a [Citizen],
    state: OfficeState,
    day_start: OffsetDateTime,
    day: u32,
    t: i64,
    ids: u128,
    agenda: BinaryHeap<Reverse<(i64, u64, Ev)>>,
    order: u64,
    desks: Vec<Desk>,
    by_ticket: HashMap<TicketId, (usize, usize)>,
    out: DayResult,
    waiting: usize,
}

/// Simulates one day of `plan` for `citizens` on `date`.
pub fn run_day(plan: &Plan, citizens: &[Citizen], date: Date, day: u32) -> Result<DayResult, SimError> {
    let mut sim = Sim {
        plan,
        citizens,
        state: OfficeState::default(),
        day_start: date.midnight().assume_offset(VIETNAM_OFFSET),
        day,
        t: 0,
        ids: 0,
        agenda: BinaryHeap::new(),
        order: 0,
        desks: Vec::new(),
        by_ticket: HashMap::new(),
        out: DayResult { longest_by_service: vec![(0, 0); plan.services.len()], ..DayResult::default() },
        waiting: 0,
    };
    sim.seed_office()?;
    for (i, desk) in sim.desks.iter().enumerate() {
        let plan_counter = &plan.counters[i];
        for (a, b) in &plan_counter.on {
            let (a, b) = (i64::from(*a) * 1000, i64::from(*b) * 1000);
            sim.order += 2;
            sim.agenda.push(Reverse((a, sim.order - 1, Ev::CounterOn(i))));
            sim.agenda.push(Reverse((b, sim.order, Ev::CounterOff(i))));
        }
        debug_assert_eq!(desk.counter.id, plan_counter.id);
    }
    for (i, c) in citizens.iter().enumerate() {
        sim.at((c.at_s * 1000.0).round() as i64, Ev::Arrive(i));
    }
    let mut first = None;
    while let Some(Reverse((t, _, ev))) = sim.agenda.pop() {
        first.get_or_insert(t);
        sim.out.queue_area += sim.waiting as f64 * (t - sim.t) as f64;
        sim.t = t;
        sim.step(ev)?;
        sim.observe_queue();
    }
    sim.out.observed_ms = sim.t - first.unwrap_or(0);
    for d in &mut sim.desks {
        if let Some(since) = d.on_since.take() {
            d.record.on_ms += sim.t - since;
        }
    }
    sim.out.desks = sim.desks.into_iter().map(|d| d.record).collect();
    Ok(sim.out)
}

impl Sim<'_> {
    fn at(&mut self, t: i64, ev: Ev) {
        self.order += 1;
        self.agenda.push(Reverse((t, self.order, ev)));
    }

    /// Runs a command through the engine and folds its events into the state, as the server's
    /// writer does; returns the events.
    fn command(&mut self, command: &Command) -> Result<Vec<EventKind>, QueueError> {
        let now = self.day_start + Duration::milliseconds(self.t);
        let mut ids = self.ids;
        let decision = decide(&self.state, command, now, &mut || {
            ids += 1;
            Uuid::from_u128(ids)
        });
        self.ids = ids;
        let decision = decision?;
        for kind in &decision.events {
            let seq = self.state.last_seq + 1;
            let event = Event {
                seq,
                id: Uuid::from_u128(u128::from(seq) << 64),
                at: now,
                actor: Actor::System,
                kind: kind.clone(),
            };
            self.state.apply(&event);
        }
        Ok(decision.events)
    }

    fn must(&mut self, command: Command, what: &str) -> Result<Vec<EventKind>, SimError> {
        self.command(&command).map_err(|error| SimError { what: what.to_owned(), error })
    }

    fn seed_office(&mut self) -> Result<(), SimError> {
        let plan = self.plan;
        let settings = OfficeSettings {
            name: Localized::new("Văn phòng mô phỏng", "Simulated office"),
            priority_rule: plan.priority_rule.clone(),
            ..OfficeSettings::default()
        };
        self.must(Command::ChangeSettings { settings }, "the office settings")?;
        for s in &plan.services {
            let service = Service {
                code: s.code.clone(),
                letter: s.letter,
                name: Localized::new(s.name.clone(), s.name.clone()),
                field: Localized::new(s.name.clone(), s.name.clone()),
                procedures: Vec::new(),
                stage: Stage::Reception,
                service_level_target_s: plan.target_wait_s as u32,
                default_service_time_s: s.service_time.mean_s().round() as u32,
                open: true,
            };
            self.must(Command::SaveService { service }, &format!("service {}", s.code))?;
        }
        for c in &plan.counters {
            let counter = Counter {
                id: c.id,
                name: Localized::new(format!("Quầy số {}", c.id), format!("Counter {}", c.id)),
                services: c.services.clone(),
                open: false,
                receipt_printer: None,
            };
            self.must(Command::SaveCounter { counter: counter.clone() }, &format!("counter {}", c.id))?;
            let record = DeskRecord { id: c.id, officer: c.officer.clone(), ..DeskRecord::default() };
            self.desks.push(Desk {
                counter,
                officer: c.officer.clone(),
                on_since: None,
                off: None,
                current: None,
                record,
            });
        }
        Ok(())
    }

    fn step(&mut self, ev: Ev) -> Result<(), SimError> {
        match ev {
            Ev::Arrive(i) => {
                let c = &self.citizens[i];
                let service = self.plan.services[c.service].code.clone();
                let priority = if c.priority { Priority::Elderly } else { Priority::None };
                let issued =
                    Command::IssueTicket { service, priority, idempotency_key: None, device: None, procedure: None };
                for e in self.must(issued, "a ticket")? {
                    if let EventKind::TicketIssued { ticket, label, .. } = e {
                        self.by_ticket.insert(ticket, (i, self.out.tickets.len()));
                        self.out.tickets.push(TicketRecord {
                            day: self.day,
                            label,
                            service: c.service,
                            priority: c.priority,
                            issued_ms: self.t,
                            called_ms: None,
                            counter: None,
                            ended_ms: None,
                            outcome: Outcome::Unserved,
                        });
                    }
                }
                for d in 0..self.desks.len() {
                    if self.desks[d].on_since.is_some() && self.desks[d].current.is_none() {
                        self.call_next(d)?;
                    }
                }
            }
            Ev::CounterOn(d) => {
                self.desks[d].off = None;
                if self.desks[d].on_since.is_none() {
                    self.set_open(d, true)?;
                    self.call_next(d)?;
                }
            }
            Ev::CounterOff(d) => {
                let last = self.t >= i64::from(self.plan.closes_s()) * 1000;
                let off = if last && self.plan.at_close == AtClose::FinishQueue {
                    Off::AfterQueue
                } else {
                    Off::AfterCurrent
                };
                self.desks[d].off = Some(off);
                if self.desks[d].current.is_none() {
                    self.free(d)?;
                }
            }
            Ev::Start(d) => {
                let counter = self.desks[d].counter.id;
                self.must(Command::Start { counter }, "a start")?;
                let (ticket, _) = self.desks[d].current.expect("a started counter has a ticket");
                let citizen = &self.citizens[self.by_ticket[&ticket].0];
                self.at(self.t + (citizen.service_s * 1000.0).round() as i64, Ev::Done(d));
            }
            Ev::Done(d) | Ev::Absent(d) => {
                let counter = self.desks[d].counter.id;
                let (ticket, since) = self.desks[d].current.take().expect("a busy counter has a ticket");
                let served = matches!(ev, Ev::Done(_));
                let command = if served {
                    Command::Finish { counter, outcome: "completed".into(), next_services: Vec::new() }
                } else {
                    Command::NoShow { counter }
                };
                self.must(command, "the end of a service")?;
                let record = &mut self.desks[d].record;
                record.busy_ms += self.t - since;
                let t = &mut self.out.tickets[self.by_ticket[&ticket].1];
                t.ended_ms = Some(self.t);
                if served {
                    record.served += 1;
                    t.outcome = Outcome::Served;
                } else {
                    record.no_shows += 1;
                    t.outcome = Outcome::NoShow;
                }
                self.free(d)?;
            }
        }
        Ok(())
    }

    /// The counter has no one in front of it: it calls the next citizen, or closes when due.
    fn free(&mut self, d: usize) -> Result<(), SimError> {
        match self.desks[d].off {
            Some(Off::AfterCurrent) => self.set_open(d, false),
            Some(Off::AfterQueue) => {
                if !self.call_next(d)? {
                    self.set_open(d, false)?;
                }
                Ok(())
            }
            None => self.call_next(d).map(|_| ()),
        }
    }

    fn set_open(&mut self, d: usize, open: bool) -> Result<(), SimError> {
        if self.desks[d].on_since.is_some() == open {
            return Ok(());
        }
        let counter = Counter { open, ..self.desks[d].counter.clone() };
        self.must(Command::SaveCounter { counter }, "opening or closing a counter")?;
        let desk = &mut self.desks[d];
        if open {
            desk.on_since = Some(self.t);
        } else if let Some(since) = desk.on_since.take() {
            desk.record.on_ms += self.t - since;
            desk.off = None;
        }
        Ok(())
    }

    /// Call-next at an idle open counter; false when its queues are empty.
    fn call_next(&mut self, d: usize) -> Result<bool, SimError> {
        if self.desks[d].on_since.is_none() || self.desks[d].current.is_some() {
            return Ok(false);
        }
        let (counter, officer) = (self.desks[d].counter.id, Some(self.desks[d].officer.clone()));
        let events = match self.command(&Command::CallNext { counter, officer }) {
            Ok(events) => events,
            Err(QueueError::QueueEmpty(_)) => return Ok(false),
            Err(error) => return Err(SimError { what: "a call".into(), error }),
        };
        let Some(ticket) = events.iter().find_map(|e| match e {
            EventKind::TicketCalled { ticket, .. } => Some(*ticket),
            _ => None,
        }) else {
            return Ok(false);
        };
        let (citizen, record) = self.by_ticket[&ticket];
        let t = &mut self.out.tickets[record];
        t.called_ms = Some(self.t);
        t.counter = Some(counter);
        self.desks[d].current = Some((ticket, self.t));
        let citizen = &self.citizens[citizen];
        if citizen.no_show {
            self.at(self.t + (self.plan.no_show_wait_s * 1000.0).round() as i64, Ev::Absent(d));
        } else if self.plan.call_to_start_s > 0.0 {
            self.at(self.t + (self.plan.call_to_start_s * 1000.0).round() as i64, Ev::Start(d));
        } else {
            self.step(Ev::Start(d))?;
        }
        Ok(true)
    }

    /// The engine's own count of tickets waiting, after each step: the queue-length statistics.
    fn observe_queue(&mut self) {
        let mut total = 0;
        for (i, s) in self.plan.services.iter().enumerate() {
            let n = self.state.waiting(&s.code);
            total += n;
            let longest = &mut self.out.longest_by_service[i];
            if n > longest.0 {
                *longest = (n, self.t);
            }
        }
        self.waiting = total;
        if total > self.out.longest.0 {
            self.out.longest = (total, self.t);
        }
    }
}
