use super::*;
use crate::i18n::Localized;
use crate::procedure::ProcedureError;
use crate::test_office::*;
use proptest::prelude::*;
use time::macros::datetime;

#[test]
fn numbers_start_at_001_per_service_and_reset_at_local_midnight() {
    let mut o = Office::new(PriorityRule::default());
    let a1 = o.issue("a", Priority::None);
    let a2 = o.issue("a", Priority::None);
    let b1 = o.issue("b", Priority::None);
    assert_eq!((o.label(a1), o.label(a2), o.label(b1)), ("A001".into(), "A002".into(), "B001".into()));
    // 23:59 local then 00:00 local.
    o.now = datetime!(2026-11-27 16:59 UTC);
    let t = o.issue("a", Priority::None);
    assert_eq!(o.label(t), "A003");
    o.now = datetime!(2026-11-27 17:00 UTC);
    let next_day = o.issue("a", Priority::None);
    assert_eq!(o.label(next_day), "A001");
    // History is kept: yesterday's A001 is still there.
    assert_eq!(o.label(a1), "A001");
    assert_ne!(o.state.tickets[&a1].day, o.state.tickets[&next_day].day);
}

#[test]
fn idempotency_key_returns_the_same_ticket() {
    let mut o = Office::new(PriorityRule::default());
    let cmd = Command::IssueTicket {
        service: sc("a"),
        priority: Priority::None,
        idempotency_key: Some("k-1".into()),
        device: None,
        procedure: None,
    };
    let first = o.run(cmd.clone()).unwrap();
    let again = o.run(cmd).unwrap();
    assert_eq!(first.ticket, again.ticket);
    assert!(again.events.is_empty());
    assert_eq!(o.state.waiting(&sc("a")), 1);
}

#[test]
fn strict_priority_with_ageing_cap() {
    let mut o = Office::new(PriorityRule::Strict { ageing_cap_s: 600 });
    let r1 = o.issue("a", Priority::None);
    o.tick(10);
    let p1 = o.issue("a", Priority::Elderly);
    assert_eq!(o.call(3), Some(p1));
    let p2 = o.issue("a", Priority::Pregnant);
    o.tick(600);
    // r1 has now waited past the cap: it goes before p2.
    assert_eq!(o.call(3), Some(r1));
    assert_eq!(o.call(3), Some(p2));
    assert_eq!(o.call(3), None);
}

#[test]
fn ratio_mixes_one_priority_per_n_regular() {
    let mut o = Office::new(PriorityRule::Ratio { regular_per_priority: 2, ageing_cap_s: 100_000 });
    let regular: Vec<_> = (0..6).map(|_| o.issue("a", Priority::None)).collect();
    let prio: Vec<_> = (0..3).map(|_| o.issue("a", Priority::Disabled)).collect();
    let order: Vec<_> = (0..9).map(|_| o.call(3).unwrap()).collect();
    assert_eq!(
        order,
        vec![prio[0], regular[0], regular[1], prio[1], regular[2], regular[3], prio[2], regular[4], regular[5]]
    );
}

#[test]
fn counter_serves_its_services_in_order() {
    let mut o = Office::new(PriorityRule::default());
    let b = o.issue("b", Priority::None);
    let a = o.issue("a", Priority::None);
    assert_eq!(o.call(1), Some(a)); // counter 1 prefers a
    let a2 = o.issue("a", Priority::None);
    assert_eq!(o.call(2), Some(b)); // counter 2 prefers b
    assert_eq!(o.call(2), Some(a2));
    assert_eq!(o.run(Command::CallNext { counter: 3, officer: None }).unwrap_err().code(), "queue_empty");
    assert_eq!(o.run(Command::CallNext { counter: 9, officer: None }).unwrap_err().code(), "unknown_counter");
}

#[test]
fn call_next_finishes_the_current_ticket() {
    let mut o = Office::new(PriorityRule::default());
    let t1 = o.issue("a", Priority::None);
    let t2 = o.issue("a", Priority::None);
    o.call(3);
    o.tick(120);
    o.call(3);
    assert!(matches!(o.state.tickets[&t1].status, TicketStatus::Served { .. }));
    assert!(matches!(o.state.tickets[&t2].status, TicketStatus::Called { counter: 3, .. }));
    // One 2-minute service against the configured 5 minutes (worth five): (120 + 5 × 300) / 6.
    assert_eq!(o.state.average_service_time_s(&sc("a")), 270);
}

/// Very short services (tickets finished by mistake) do not make waits look like nothing: each counts
/// as at least 30 s, the configured time weighs in, and anyone with someone ahead waits ≥ 1 minute.
#[test]
fn wait_estimates_have_a_floor_and_are_smoothed() {
    let mut o = Office::new(PriorityRule::default());
    for _ in 0..20 {
        o.issue("a", Priority::None);
        o.call(3);
        o.tick(3);
        o.run(Command::Finish { counter: 3, outcome: "completed".into(), next_services: vec![] }).unwrap();
    }
    // Twenty 3-second services count as 30 s each: (20 × 30 + 5 × 300) / 25.
    assert_eq!(o.state.average_service_time_s(&sc("a")), 84);
    assert_eq!(o.state.estimated_wait_s(&sc("a"), 0), 0, "nobody ahead: no wait");
    assert!(o.state.estimated_wait_s(&sc("a"), 1) >= 60, "someone ahead: at least a minute");
    // Many real 10-minute services take the estimate there.
    for _ in 0..20 {
        o.issue("a", Priority::None);
        o.call(3);
        o.tick(600);
        o.run(Command::Finish { counter: 3, outcome: "completed".into(), next_services: vec![] }).unwrap();
    }
    assert_eq!(o.state.average_service_time_s(&sc("a")), (20 * 600 + 5 * 300) / 25);
}

#[test]
fn no_show_can_be_recalled_within_grace_only() {
    let mut o = Office::new(PriorityRule::default());
    let t = o.issue("a", Priority::None);
    o.call(3);
    o.run(Command::Recall { counter: 3 }).unwrap();
    assert_eq!(o.state.tickets[&t].recalls, 1);
    o.run(Command::NoShow { counter: 3 }).unwrap();
    o.tick(60);
    let label = o.label(t);
    o.run(Command::CallTicket { counter: 1, officer: None, ticket: TicketRef::Label(label.clone()) }).unwrap();
    assert!(matches!(o.state.tickets[&t].status, TicketStatus::Called { counter: 1, .. }));
    o.run(Command::NoShow { counter: 1 }).unwrap();
    o.tick(16 * 60);
    let err = o.run(Command::CallTicket { counter: 1, officer: None, ticket: TicketRef::Label(label) }).unwrap_err();
    assert_eq!(err.code(), "grace_expired");
}

#[test]
fn park_and_return_to_front() {
    let mut o = Office::new(PriorityRule::default());
    let t1 = o.issue("a", Priority::None);
    let t2 = o.issue("a", Priority::None);
    o.call(3);
    o.run(Command::Park { counter: 3 }).unwrap();
    assert_eq!(o.state.counters[&3].current, None);
    o.run(Command::Unpark { ticket: TicketRef::Id(t1), placement: Placement::Front }).unwrap();
    assert_eq!(o.call(3), Some(t1));
    assert_eq!(o.call(3), Some(t2));
}

#[test]
fn transfer_to_service_or_counter_front_or_back() {
    let mut o = Office::new(PriorityRule::default());
    let t1 = o.issue("a", Priority::None);
    let b1 = o.issue("b", Priority::None);
    o.call(3);
    o.run(Command::Transfer { counter: 3, to_service: Some(sc("b")), to_counter: None, placement: Placement::Front })
        .unwrap();
    assert_eq!(o.state.tickets[&t1].service, sc("b"));
    assert_eq!(o.state.tickets[&t1].segments.last().unwrap().outcome, "transferred");
    assert_eq!(o.call(2), Some(t1));
    // Transfer to counter 1, back of its own line.
    o.run(Command::Transfer { counter: 2, to_service: None, to_counter: Some(1), placement: Placement::Back }).unwrap();
    assert_eq!(o.state.tickets[&t1].target_counter, Some(1));
    assert_eq!(o.call(2), Some(b1)); // counter 2 does not see a ticket sent to counter 1
    assert_eq!(o.call(1), Some(t1));
}

#[test]
fn several_services_in_one_visit() {
    let mut o = Office::new(PriorityRule::default());
    let t = o.issue("a", Priority::None);
    o.call(3);
    o.run(Command::Finish { counter: 3, outcome: "received".into(), next_services: vec![sc("b")] }).unwrap();
    assert_eq!(o.state.tickets[&t].status, TicketStatus::Waiting);
    assert_eq!(o.call(2), Some(t));
    o.run(Command::Finish { counter: 2, outcome: "completed".into(), next_services: vec![] }).unwrap();
    assert_eq!(o.state.tickets[&t].segments.len(), 2);
    assert!(matches!(o.state.tickets[&t].status, TicketStatus::Served { .. }));
    assert_eq!(
        o.run(Command::Finish { counter: 2, outcome: "x".into(), next_services: vec![] }).unwrap_err().code(),
        "no_current_ticket"
    );
}

#[test]
fn ratings_once_per_ticket_and_stage_within_window() {
    let mut o = Office::new(PriorityRule::default());
    let t = o.issue("a", Priority::None);
    let rate = |t| Command::Rate {
        subject: RatingSubjectRef::Ticket(t),
        counter: None,
        stage: None,
        level: RatingLevel::VerySatisfied,
        answers: vec![],
        comment: None,
        set: std::sync::Arc::new(crate::rating::IndicatorSet::builtin()),
        choices: vec![],
        proof: None,
        records: None,
    };
    assert_eq!(o.run(rate(t)).unwrap_err().code(), "not_served_yet");
    o.call(3);
    o.run(Command::Finish { counter: 3, outcome: "completed".into(), next_services: vec![] }).unwrap();
    o.run(Command::InviteRating { counter: 3 }).unwrap();
    o.tick(30);
    o.run(rate(t)).unwrap();
    assert_eq!(o.run(rate(t)).unwrap_err().code(), "already_rated");
    let t2 = o.issue("a", Priority::None);
    o.call(3);
    o.run(Command::Finish { counter: 3, outcome: "completed".into(), next_services: vec![] }).unwrap();
    o.tick(11 * 60);
    assert_eq!(o.run(rate(t2)).unwrap_err().code(), "rating_window_closed");
}

#[test]
fn leases_never_repeat_numbers() {
    let mut o = Office::new(PriorityRule::default());
    let device = Uuid::from_u128(77);
    let first = o.issue("a", Priority::None); // A001
    o.run(Command::GrantLease { device, service: sc("a"), size: 5, ttl_s: 600 }).unwrap();
    let lease = *o.state.leases.keys().next().unwrap();
    // Offline reserves come from the reserve range (A900…): online numbers go on from A002.
    assert_eq!((o.state.leases[&lease].first, o.state.leases[&lease].last), (900, 904));
    o.tick(10);
    let online = o.issue("a", Priority::None);
    assert_eq!(o.label(online), "A002");
    // Issued offline 5 s before A002 was issued online.
    let issued_at = o.now - Duration::seconds(5);
    let up = |n, key: &str| Command::UploadLeased {
        lease,
        device,
        number: n,
        priority: Priority::None,
        issued_at,
        idempotency_key: key.into(),
        procedure: None,
    };
    let t = o.run(up(900, "u-900")).unwrap().ticket.unwrap();
    assert_eq!(o.label(t), "A900");
    // Retry: same ticket, no new event.
    assert!(o.run(up(900, "u-900")).unwrap().events.is_empty());
    assert_eq!(o.run(up(900, "u-other")).unwrap_err().code(), "number_already_used");
    assert_eq!(o.run(up(2, "u-2")).unwrap_err().code(), "invalid");
    // Joins in issue-time order: before the online A002 issued later.
    assert_eq!(o.call(3), Some(first));
    assert_eq!(o.call(3), Some(t));
    assert_eq!(o.call(3), Some(online));
    o.run(Command::ReturnLease { lease, device, unused: vec![901, 902, 903, 904] }).unwrap();
    assert_eq!(o.run(up(901, "u-901")).unwrap_err().code(), "number_already_used");
    let t = o.issue("a", Priority::None);
    assert_eq!(o.label(t), "A003");
    // A second reserve goes above the first: a kiosk's offline numbers rise as it hands them out.
    o.run(Command::GrantLease { device, service: sc("a"), size: 5, ttl_s: 600 }).unwrap();
    let second = o.state.leases.values().find(|l| l.id != lease).unwrap();
    assert_eq!((second.first, second.last), (905, 909));
}

/// Online numbers that reach the reserves jump over them; a new reserve goes above everything taken
/// (numbers grow past the format, never repeat).
#[test]
fn online_numbers_jump_over_offline_reserves() {
    let mut o = Office::new(PriorityRule::default());
    let device = Uuid::from_u128(78);
    let mut settings = o.state.settings.clone();
    settings.numbering.width = 1;
    o.run(Command::ChangeSettings { settings }).unwrap();
    o.run(Command::GrantLease { device, service: sc("a"), size: 3, ttl_s: 600 }).unwrap(); // 9–11
    let issued: Vec<TicketId> = (0..9).map(|_| o.issue("a", Priority::None)).collect();
    let labels: Vec<String> = issued.into_iter().map(|t| o.label(t)).collect();
    assert_eq!(labels, ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A12"]);
    o.run(Command::GrantLease { device, service: sc("a"), size: 2, ttl_s: 600 }).unwrap();
    let mut ranges: Vec<(u32, u32)> = o.state.leases.values().map(|l| (l.first, l.last)).collect();
    ranges.sort();
    assert_eq!(ranges, [(9, 11), (13, 14)]);
    let t = o.issue("a", Priority::None);
    assert_eq!(o.label(t), "A15");
}

#[test]
fn leases_expire_visibly() {
    let mut o = Office::new(PriorityRule::default());
    let device = Uuid::from_u128(5);
    o.run(Command::GrantLease { device, service: sc("a"), size: 3, ttl_s: 60 }).unwrap();
    o.tick(61);
    let d = o.run(Command::ExpireLeases).unwrap();
    assert!(
        matches!(&d.events[..], [EventKind::LeaseClosed { unused, end: LeaseEnd::Expired, .. }] if unused == &vec![900, 901, 902])
    );
    assert!(o.run(Command::ExpireLeases).unwrap().events.is_empty());
}

#[test]
fn day_close_cancels_yesterdays_open_tickets_unless_kept_overnight() {
    let mut o = Office::new(PriorityRule::default());
    let t = o.issue("a", Priority::None);
    o.now = datetime!(2026-11-27 17:30 UTC);
    o.run(Command::CloseDay).unwrap();
    assert!(matches!(o.state.tickets[&t].status, TicketStatus::Cancelled { reason: CancelReason::DayClosed, .. }));
    assert!(o.run(Command::CloseDay).unwrap().events.is_empty());
    assert_eq!(o.state.waiting(&sc("a")), 0);
}

#[test]
fn office_closed_and_bad_input_change_nothing() {
    let mut o = Office::new(PriorityRule::default());
    let mut settings = o.state.settings.clone();
    settings.opening_hours =
        vec![OpeningInterval { weekdays: vec![1, 2, 3, 4, 5], open: "07:30".into(), close: "11:30".into() }];
    o.run(Command::ChangeSettings { settings }).unwrap();
    o.now = datetime!(2026-11-27 10:00 UTC); // 17:00 local
    let before = o.log.len();
    let err = o
        .run(Command::IssueTicket {
            service: sc("a"),
            priority: Priority::None,
            idempotency_key: None,
            device: None,
            procedure: None,
        })
        .unwrap_err();
    assert_eq!(err.code(), "office_closed");
    assert_eq!(
        o.run(Command::IssueTicket {
            service: sc("zz"),
            priority: Priority::None,
            idempotency_key: None,
            device: None,
            procedure: None
        })
        .unwrap_err()
        .code(),
        "unknown_service"
    );
    assert_eq!(o.log.len(), before);
    assert!(err.localized().vi.contains("giờ"));
}

#[test]
fn replay_rebuilds_the_same_state() {
    let mut o = Office::new(PriorityRule::default());
    for i in 0..20 {
        o.issue(if i % 3 == 0 { "b" } else { "a" }, if i % 4 == 0 { Priority::Elderly } else { Priority::None });
        o.tick(7);
        if i % 2 == 0 {
            o.call((i % 3 + 1) as u16);
        }
    }
    assert_eq!(o.replayed(), o.state);
}

// ---- property tests -------------------------------------------------------------------------

fn run_ops(o: &mut Office, ops: &[Op]) -> Vec<(TicketId, OffsetDateTime)> {
    let mut calls = Vec::new();
    for op in ops {
        let before = o.state.clone();
        let expected = match op {
            Op::CallNext(c) => o.state.next_for_counter(&o.state.counters[c].counter, o.now),
            _ => None,
        };
        let Some(result) = apply_op(o, op) else { continue };
        if let (Op::CallNext(c), Ok(d)) = (op, &result) {
            assert_eq!(d.ticket, expected);
            calls.push((d.ticket.unwrap(), o.now));
            check_choice(&before, &o.state.counters[c].counter, d.ticket.unwrap(), o.now);
        }
        if result.is_err() {
            assert_eq!(before, o.state, "a refused command changed the state");
        }
        check_invariants(&o.state);
    }
    calls
}

/// The choice call-next made respects the priority rule and the ageing cap.
fn check_choice(before: &OfficeState, counter: &Counter, chosen: TicketId, now: OffsetDateTime) {
    if let Some(l) = before.counter_lanes.get(&counter.id) {
        if let Some(first) = l.values().next() {
            assert_eq!(*first, chosen);
            return;
        }
    }
    let service = counter.services.iter().find(|s| before.waiting(s) > 0).expect("someone waited");
    let lanes = &before.lanes[service];
    let t = &before.tickets[&chosen];
    assert_eq!(&t.service, service, "took a later service while an earlier one had people waiting");
    let regular_head = lanes.regular.values().next().map(|id| &before.tickets[id]);
    if t.priority.is_priority() {
        assert_eq!(lanes.priority.values().next(), Some(&chosen), "priority lane out of order");
        if let Some(r) = regular_head {
            let waited = (now - r.enqueued_at).whole_seconds();
            assert!(
                waited < i64::from(before.settings.priority_rule.ageing_cap_s()),
                "regular ticket starved past the ageing cap"
            );
        }
    } else {
        assert_eq!(lanes.regular.values().next(), Some(&chosen), "regular lane out of order");
    }
}

fn check_invariants(state: &OfficeState) {
    // Numbers never repeat within a day and service.
    let mut seen = HashSet::new();
    for t in state.tickets.values() {
        assert!(seen.insert((t.day, t.letter, t.number)), "number repeated");
    }
    let mut labels = HashSet::new();
    for t in state.tickets.values() {
        assert!(labels.insert((t.day, t.label.clone())), "label {} issued twice", t.label);
    }
    // Every ticket is in exactly one place: a queue, a counter, or an ending / park.
    for t in state.tickets.values() {
        let in_lanes = state
            .lanes
            .values()
            .map(|l| l.regular.values().chain(l.priority.values()).filter(|id| **id == t.id).count())
            .sum::<usize>()
            + state.counter_lanes.values().map(|l| l.values().filter(|id| **id == t.id).count()).sum::<usize>();
        let at_counters = state.counters.values().filter(|c| c.current == Some(t.id)).count();
        match &t.status {
            TicketStatus::Waiting => assert_eq!((in_lanes, at_counters), (1, 0), "{} waiting", t.label),
            TicketStatus::Called { counter, .. } | TicketStatus::Serving { counter, .. } => {
                assert_eq!((in_lanes, at_counters), (0, 1), "{} at counter", t.label);
                assert_eq!(state.counters[counter].current, Some(t.id));
            }
            _ => assert_eq!((in_lanes, at_counters), (0, 0), "{} ended or parked", t.label),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn queue_rules_hold(rule in rule(), ops in proptest::collection::vec(op(), 1..200)) {
        let mut o = Office::new(rule);
        run_ops(&mut o, &ops);
        // Drain: every ticket still open ends exactly once.
        for c in 1..=3u16 {
            if o.state.counters[&c].current.is_some() {
                o.run(Command::Finish { counter: c, outcome: "completed".into(), next_services: vec![] }).unwrap();
            }
        }
        loop {
            let parked: Vec<_> = o.state.tickets.values().filter(|t| matches!(t.status, TicketStatus::Parked { .. })).map(|t| t.id).collect();
            for id in parked {
                o.run(Command::Unpark { ticket: TicketRef::Id(id), placement: Placement::Back }).unwrap();
            }
            let mut progressed = false;
            for c in 1..=3u16 {
                if o.call(c).is_some() {
                    o.run(Command::Finish { counter: c, outcome: "completed".into(), next_services: vec![] }).unwrap();
                    progressed = true;
                }
            }
            if !progressed { break; }
        }
        let mut endings: HashMap<TicketId, usize> = HashMap::new();
        for e in &o.log {
            match &e.kind {
                EventKind::TicketFinished { ticket, next_services, .. } if next_services.is_empty() => *endings.entry(*ticket).or_default() += 1,
                EventKind::TicketCancelled { ticket, .. } => *endings.entry(*ticket).or_default() += 1,
                _ => {}
            }
        }
        for t in o.state.tickets.values() {
            let missed = matches!(t.status, TicketStatus::Missed { .. });
            let ended = endings.get(&t.id).copied().unwrap_or(0);
            prop_assert!(t.status.is_ended(), "{} never ended: {:?}", t.label, t.status);
            if missed {
                prop_assert_eq!(ended, 0);
            } else {
                prop_assert_eq!(ended, 1, "{} ended {} times", t.label, ended);
            }
        }
        prop_assert_eq!(o.replayed(), o.state.clone());
    }

    #[test]
    fn numbers_are_contiguous_per_service_and_day(n in 1usize..300, gaps in proptest::collection::vec(0i64..4000, 1..300)) {
        let mut o = Office::new(PriorityRule::default());
        let mut per_day: HashMap<(Date, ServiceCode), Vec<u32>> = HashMap::new();
        for i in 0..n {
            o.tick(gaps[i % gaps.len()]);
            let id = o.issue(if i % 2 == 0 { "a" } else { "b" }, Priority::None);
            let t = &o.state.tickets[&id];
            per_day.entry((t.day, t.service.clone())).or_default().push(t.number);
        }
        for numbers in per_day.values() {
            let expected: Vec<u32> = (1..=numbers.len() as u32).collect();
            prop_assert_eq!(numbers, &expected);
        }
    }
}

fn procedure(code: &str, service: &str, counters: Vec<CounterId>) -> crate::procedure::ProcedureRecord {
    crate::procedure::ProcedureRecord {
        code: code.into(),
        name: Localized::new("Đăng ký khai sinh", "Birth registration"),
        field: Localized::new("Hộ tịch", "Civil status"),
        time_limit: Some(crate::procedure::TimeLimit::WorkingDays(3)),
        fees: vec![],
        papers: vec![],
        service: sc(service),
        counters,
        active: true,
    }
}

#[test]
fn the_catalogue_is_checked_against_services_and_counters() {
    let mut o = Office::new(PriorityRule::default());
    let saved = o.run(Command::SaveProcedures { procedures: vec![procedure("1.001", "a", vec![1, 3])] }).unwrap();
    assert_eq!(saved.events.len(), 1);
    assert_eq!(o.state.procedures["1.001"].counters, vec![1, 3]);
    // Saving the same entry again records nothing.
    let again = o.run(Command::SaveProcedures { procedures: vec![procedure("1.001", "a", vec![3, 1])] }).unwrap();
    assert!(again.events.is_empty());
    // All or none: one bad entry (counter 3 does not serve b) refuses the whole import.
    let err = o
        .run(Command::SaveProcedures {
            procedures: vec![procedure("2.002", "b", vec![]), procedure("2.003", "b", vec![3])],
        })
        .unwrap_err();
    assert_eq!(err, QueueError::Procedure(ProcedureError::CounterNotServing { code: "2.003".into(), counter: 3 }));
    assert!(!o.state.procedures.contains_key("2.002"));
    let err = o.run(Command::SaveProcedures { procedures: vec![procedure("2.004", "zz", vec![])] }).unwrap_err();
    assert!(matches!(err, QueueError::Procedure(ProcedureError::UnknownService { .. })));
}

/// A number handed out offline is never refused for its procedure: one the lease's service takes is
/// kept, one withdrawn or of another service since is dropped and the ticket still joins the queue.
#[test]
fn an_offline_ticket_keeps_its_procedure_when_the_service_takes_it() {
    let mut o = Office::new(PriorityRule::default());
    o.run(Command::SaveProcedures {
        procedures: vec![procedure("1.001", "a", vec![]), procedure("2.001", "b", vec![])],
    })
    .unwrap();
    let device = Uuid::from_u128(79);
    o.run(Command::GrantLease { device, service: sc("a"), size: 3, ttl_s: 600 }).unwrap();
    let lease = *o.state.leases.keys().next().unwrap();
    let first = o.state.leases[&lease].first;
    let issued_at = o.now;
    let up = |n: u32, procedure: &str| Command::UploadLeased {
        lease,
        device,
        number: n,
        priority: Priority::None,
        issued_at,
        idempotency_key: format!("p-{n}"),
        procedure: Some(procedure.into()),
    };
    let kept = o.run(up(first, "1.001")).unwrap().ticket.unwrap();
    assert_eq!(o.state.ticket(kept).unwrap().procedure.as_deref(), Some("1.001"));
    let other = o.run(up(first + 1, "2.001")).unwrap().ticket.unwrap();
    assert_eq!(o.state.ticket(other).unwrap().procedure, None, "another service's procedure is dropped");
    let unknown = o.run(up(first + 2, "9.999")).unwrap().ticket.unwrap();
    assert_eq!(o.state.ticket(unknown).unwrap().procedure, None);
}

#[test]
fn a_ticket_records_the_procedure_its_service_takes() {
    let mut o = Office::new(PriorityRule::default());
    o.run(Command::SaveProcedures { procedures: vec![procedure("1.001", "a", vec![])] }).unwrap();
    let issue = |procedure: &str, service: &str| Command::IssueTicket {
        service: sc(service),
        priority: Priority::None,
        idempotency_key: None,
        device: None,
        procedure: Some(procedure.into()),
    };
    let id = o.run(issue("1.001", "a")).unwrap().ticket.unwrap();
    assert_eq!(o.state.ticket(id).unwrap().procedure.as_deref(), Some("1.001"));
    assert_eq!(o.run(issue("1.001", "b")).unwrap_err().code(), "procedure_other_service");
    assert_eq!(o.run(issue("9.999", "a")).unwrap_err().code(), "unknown_procedure");
    let mut withdrawn = procedure("1.001", "a", vec![]);
    withdrawn.active = false;
    o.run(Command::SaveProcedures { procedures: vec![withdrawn] }).unwrap();
    assert_eq!(o.run(issue("1.001", "a")).unwrap_err().code(), "procedure_withdrawn");
    // The ticket issued before the withdrawal keeps its procedure, and a replay yields the same state.
    let mut replayed = OfficeState::default();
    for e in &o.log {
        replayed.apply(e);
    }
    assert_eq!(replayed, o.state);
    assert_eq!(replayed.ticket(id).unwrap().procedure.as_deref(), Some("1.001"));
}

#[test]
fn a_receipt_needs_the_links_token_at_its_counter_and_counts_the_time_limit() {
    use crate::receipt::{IssueReceipt, ReceiptError};
    let mut o = Office::new(PriorityRule::default());
    o.run(Command::SaveProcedures { procedures: vec![procedure("1.001", "a", vec![])] }).unwrap();
    let t = o
        .run(Command::IssueTicket {
            service: sc("a"),
            priority: Priority::None,
            idempotency_key: None,
            device: None,
            procedure: Some("1.001".into()),
        })
        .unwrap()
        .ticket
        .unwrap();
    o.run(Command::CallTicket { counter: 1, officer: Some("canbo1".into()), ticket: TicketRef::Id(t) }).unwrap();
    let code = DossierCode::parse_lenient("000.00.01.H29-261127-0001").unwrap();
    let link = Command::LinkDossier { counter: 1, code: code.clone(), rating_token_sha256: Some("ab".repeat(32)) };
    o.run(link).unwrap();
    // Friday 27/11/2026 08:00 local; 3 working days: Wednesday 2/12.
    let receipt = IssueReceipt {
        counter: 1,
        code: code.clone(),
        token_sha256: "ab".repeat(32),
        procedure: None,
        officer: Some("canbo1".into()),
        received_at: o.now,
        appointment_override: None,
    };
    let refused = |o: &mut Office, r: IssueReceipt| match o.run(Command::IssueReceipt(r)) {
        Err(QueueError::Receipt(e)) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refused(&mut o, IssueReceipt { token_sha256: "cd".repeat(32), ..receipt.clone() }),
        ReceiptError::TokenMismatch
    );
    assert_eq!(refused(&mut o, IssueReceipt { counter: 2, ..receipt.clone() }), ReceiptError::OtherCounter(2));
    let unlinked = DossierCode::parse_lenient("000.00.01.H29-261127-0002").unwrap();
    assert_eq!(refused(&mut o, IssueReceipt { code: unlinked, ..receipt.clone() }), ReceiptError::NotLinked);
    assert!(matches!(
        refused(&mut o, IssueReceipt { procedure: Some("9.999".into()), ..receipt.clone() }),
        ReceiptError::UnknownProcedure(_)
    ));
    let past = time::macros::date!(2026 - 11 - 26);
    assert_eq!(
        refused(&mut o, IssueReceipt { appointment_override: Some(past), ..receipt.clone() }),
        ReceiptError::AppointmentInPast
    );
    let before = o.log.len();
    let d = o.run(Command::IssueReceipt(receipt.clone())).unwrap();
    assert_eq!(o.log.len(), before + 1);
    let EventKind::ReceiptIssued { ticket, procedure, appointment, appointment_set_by_officer, .. } = &d.events[0]
    else {
        panic!("{:?}", d.events)
    };
    assert_eq!((*ticket, procedure.as_str(), *appointment_set_by_officer), (t, "1.001", false));
    assert_eq!(appointment.date, time::macros::date!(2026 - 12 - 02), "the ticket's procedure, 3 working days");
    // The state is unchanged by a receipt: a replay gives the same state.
    let mut replayed = OfficeState::default();
    for e in &o.log {
        replayed.apply(e);
    }
    assert_eq!(replayed, o.state);
}
