use super::*;
use crate::event::Actor;
use crate::office::{Priority, PriorityRule};
use crate::queue::{Command, TicketRef};
use crate::test_office::*;
use proptest::prelude::*;
use time::Duration;

fn explain(o: &Office, number: &str) -> Explanation {
    let mut x =
        Explainer::new(OfficeState::default(), o.now.to_offset(o.state.settings.offset()).date(), number).unwrap();
    for e in &o.log {
        x.feed(e);
    }
    x.finish().unwrap()
}

fn rules(e: &Explanation) -> Vec<(String, &'static str)> {
    e.called_before.iter().map(|c| (c.number.clone(), c.rule.code())).collect()
}

#[test]
fn earlier_numbers_and_the_priority_ratio() {
    let mut o = Office::new(PriorityRule::Ratio { regular_per_priority: 2, ageing_cap_s: 3600 });
    o.issue("a", Priority::None); // A001
    o.issue("a", Priority::None); // A002
    o.tick(60);
    o.issue("a", Priority::None); // A003: the one asking
    o.tick(60);
    o.issue("a", Priority::Elderly); // A004
    for _ in 0..3 {
        o.tick(30);
        o.call(3);
    }
    let e = explain(&o, "A003");
    // A priority ticket's turn comes first (no regular called yet today counts as a full streak),
    // then A001 and A002, who took numbers earlier.
    assert_eq!(
        rules(&e),
        vec![("A004".into(), "priority_turn"), ("A001".into(), "issued_earlier"), ("A002".into(), "issued_earlier")]
    );
    assert_eq!(e.status, "waiting");
    assert_eq!(e.ahead_now, Some(0));
    assert_eq!(e.called_before_total, 3);
    assert!(e.summary.vi.contains("3 số được gọi trước"), "{}", e.summary.vi);
    assert!(e.summary.en.contains("1 priority"), "{}", e.summary.en);
    let turn = &e.called_before[0];
    assert_eq!(turn.rule, Rule::PriorityTurn { priority: Priority::Elderly, regular_called: 2, per: 2 });
    assert!(turn.text.vi.contains("cứ 2 số thường thì gọi 1 số ưu tiên"), "{}", turn.text.vi);
    assert!(turn.text.vi.contains("Người cao tuổi"));
    // Its own history: issued, and still waiting.
    assert_eq!(e.history.len(), 1);
    assert_eq!(e.history[0].step, "issued");
}

#[test]
fn a_regular_turn_and_the_ageing_cap_pass_a_priority_ticket() {
    let mut o = Office::new(PriorityRule::Ratio { regular_per_priority: 1, ageing_cap_s: 600 });
    o.issue("a", Priority::None); // A001
    o.issue("a", Priority::Pregnant); // A002 asks
    o.issue("a", Priority::None); // A003
    o.issue("a", Priority::Disabled); // A004
    o.call(3); // A002 (priority turn: no streak yet)
    o.tick(700);
    // A001 waited 700 s > 600 s: called before the next priority ticket A004.
    assert_eq!(o.call_label(3), "A001");
    let e = explain(&o, "A004");
    assert_eq!(rules(&e), vec![("A002".into(), "issued_earlier"), ("A001".into(), "ageing_cap")]);
    assert_eq!(e.called_before[1].rule, Rule::AgeingCap { waited_s: 700, cap_s: 600 });
    assert!(e.called_before[1].text.vi.contains("Đã chờ 11 phút, quá mức tối đa 10 phút"));
    // A003 took its number with A001: it has waited past the cap too, and goes before A004 as well.
    assert_eq!(o.call_label(3), "A003");
    let e = explain(&o, "A004");
    assert_eq!(rules(&e).last().unwrap(), &("A003".to_string(), "ageing_cap"));
    let o2 = {
        let mut o = Office::new(PriorityRule::Ratio { regular_per_priority: 2, ageing_cap_s: 3600 });
        o.issue("a", Priority::Elderly); // A001
        o.issue("a", Priority::None); // A002
        o.issue("a", Priority::None); // A003
        o.issue("a", Priority::Elderly); // A004 asks
        for _ in 0..3 {
            o.call(3);
        }
        o
    };
    // A001 (priority, earlier), then two regular turns before the second priority one.
    let e = explain(&o2, "A004");
    assert_eq!(
        rules(&e),
        vec![("A001".into(), "issued_earlier"), ("A002".into(), "regular_turn"), ("A003".into(), "regular_turn")]
    );
    assert_eq!(e.called_before[2].rule, Rule::RegularTurn { regular_called: 1, per: 2 });
}

#[test]
fn strict_priority_names_the_class() {
    let mut o = Office::new(PriorityRule::Strict { ageing_cap_s: 3600 });
    o.issue("a", Priority::None); // A001 asks
    o.tick(5);
    o.issue("a", Priority::Merit); // A002
    o.call(3);
    o.call(3);
    let e = explain(&o, "A001");
    assert_eq!(rules(&e), vec![("A002".into(), "priority_first")]);
    assert!(e.called_before[0].text.en.contains("Person with meritorious service"));
    assert_eq!(e.status, "called");
    assert_eq!(e.history.iter().map(|s| s.step.as_str()).collect::<Vec<_>>(), vec!["issued", "called"]);
}

#[test]
fn transfers_to_the_front_and_to_a_counter_and_specific_calls() {
    let mut o = Office::new(PriorityRule::default());
    o.issue("b", Priority::None); // B001, served at counter 2 then transferred
    o.issue("a", Priority::None); // A001 asks
    o.issue("a", Priority::None); // A002
    o.issue("a", Priority::None); // A003
    assert_eq!(o.call_label(2), "B001");
    o.run(Command::Transfer { counter: 2, to_service: Some(sc("a")), to_counter: None, placement: Placement::Front })
        .unwrap();
    // Counter 3 (service a only) takes the transferred B001 first: it was placed at the front.
    assert_eq!(o.call_label(3), "B001");
    // Counter 3 sends it on to counter 1 in particular; counter 1 calls it before A001.
    o.run(Command::Transfer { counter: 3, to_service: None, to_counter: Some(1), placement: Placement::Back }).unwrap();
    assert_eq!(o.call_label(1), "B001");
    // An officer calls A003 by number at counter 3.
    o.run(Command::CallTicket { counter: 3, officer: Some("cb7".into()), ticket: TicketRef::Label("A003".into()) })
        .unwrap();
    let e = explain(&o, "A001");
    assert_eq!(
        rules(&e),
        vec![
            ("B001".into(), "service_order"),
            ("B001".into(), "placed_at_front"),
            ("B001".into(), "held_for_counter"),
            ("A003".into(), "called_by_number")
        ]
    );
    assert_eq!(e.called_before[1].rule, Rule::PlacedAtFront { moved: Move::Transfer { from_counter: Some(2) } });
    assert!(e.called_before[1].text.vi.contains("được Quầy 2 chuyển sang"), "{}", e.called_before[1].text.vi);
    assert_eq!(e.called_before[3].officer.as_deref(), Some("cb7"));
    assert!(e.called_before[3].text.vi.contains("Cán bộ cb7 gọi đích danh"));
    // B001's own history names both transfers.
    let b = explain(&o, "B001");
    let steps: Vec<&str> = b.history.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(steps, vec!["issued", "called", "transferred", "called", "transferred", "called"]);
}

#[test]
fn a_counter_takes_its_first_service_and_a_missed_or_parked_ticket_comes_back() {
    let mut o = Office::new(PriorityRule::default());
    o.issue("a", Priority::None); // A001 asks; counter 2 serves b first
    o.tick(10);
    o.issue("b", Priority::None); // B001
    o.issue("a", Priority::None); // A002
    assert_eq!(o.call_label(2), "B001");
    // A002 is called at counter 3, misses, and comes back within the grace time.
    o.run(Command::CallTicket { counter: 3, officer: None, ticket: TicketRef::Label("A002".into()) }).unwrap();
    o.run(Command::NoShow { counter: 3 }).unwrap();
    o.run(Command::CallTicket { counter: 3, officer: None, ticket: TicketRef::Label("A002".into()) }).unwrap();
    o.run(Command::Park { counter: 3 }).unwrap();
    o.run(Command::CallTicket { counter: 3, officer: Some("cb3".into()), ticket: TicketRef::Label("A002".into()) })
        .unwrap();
    let e = explain(&o, "A001");
    assert_eq!(
        rules(&e),
        vec![
            ("B001".into(), "service_order"),
            ("A002".into(), "called_by_number"),
            ("A002".into(), "after_no_show"),
            ("A002".into(), "back_from_park"),
        ]
    );
    assert!(e.called_before[0].text.vi.contains("Quầy 2 phục vụ «b» trước dịch vụ của bạn"));
}

#[test]
fn a_parked_ticket_returned_to_the_back_and_a_continuing_visit() {
    let mut o = Office::new(PriorityRule::default());
    o.issue("a", Priority::None); // A001: parked, back in line at the back later
    o.issue("b", Priority::None); // B001
    o.call(3); // A001
    o.run(Command::Park { counter: 3 }).unwrap();
    o.tick(60);
    o.run(Command::Unpark { ticket: TicketRef::Label("A001".into()), placement: Placement::Back }).unwrap();
    o.tick(60);
    o.issue("a", Priority::None); // A002 asks
    o.call(3); // A001: rejoined the line before A002
               // A001 is finished at counter 3 with a further service b… (b's own queue: B001 was earlier).
    o.run(Command::Finish { counter: 3, outcome: "completed".into(), next_services: vec![sc("b")] }).unwrap();
    o.tick(30);
    o.issue("b", Priority::None); // B002 asks
                                  // Counter 2 calls B001, then A001 (continuing, by its issue time), before B002.
    o.call(2);
    assert_eq!(o.call_label(2), "A001");
    let e = explain(&o, "A002");
    // Counter 2 takes service b first: its two calls while A002 waited for service a say so.
    assert_eq!(
        rules(&e),
        vec![("A001".into(), "rejoined_earlier"), ("B001".into(), "service_order"), ("A001".into(), "service_order")]
    );
    let e = explain(&o, "B002");
    assert_eq!(rules(&e), vec![("B001".into(), "issued_earlier"), ("A001".into(), "continuing_visit")]);
    assert_eq!(e.called_before[1].rule.code(), "continuing_visit");
}

#[test]
fn a_call_next_that_finished_a_continuing_ticket_is_explained_from_before_the_finish() {
    let mut o = Office::new(PriorityRule::default());
    o.issue("a", Priority::None); // A001: two more services of queue a in the same visit
    o.tick(60);
    o.issue("a", Priority::None); // A002
    o.tick(60);
    o.issue("a", Priority::None); // A003 asks
    assert_eq!(o.call_label(3), "A001");
    o.run(Command::Finish { counter: 3, outcome: "completed".into(), next_services: vec![sc("a"), sc("a")] }).unwrap();
    // A001 rejoins queue a by its issue time, before A002, with one more service pending.
    assert_eq!(o.call_label(3), "A001");
    // Call-next finishes A001 implicitly (it joins queue a again) and takes A002, chosen before A001
    // rejoined: judged on the state after the finish, the call would read as unexplained.
    assert_eq!(o.call_label(3), "A002");
    let e = explain(&o, "A003");
    assert_eq!(
        rules(&e),
        vec![("A001".into(), "issued_earlier"), ("A001".into(), "continuing_visit"), ("A002".into(), "issued_earlier")]
    );
}

#[test]
fn an_offline_ticket_keeps_its_place_and_an_unknown_number_is_an_error() {
    let mut o = Office::new(PriorityRule::default());
    let device = uuid::Uuid::from_u128(77);
    let lease = o
        .run(Command::GrantLease { device, service: sc("a"), size: 10, ttl_s: 3600 })
        .unwrap()
        .events
        .iter()
        .find_map(|e| match e {
            EventKind::LeaseGranted { lease, first, .. } => Some((*lease, *first)),
            _ => None,
        })
        .unwrap();
    let offline_at = o.now;
    o.tick(120);
    o.issue("a", Priority::None); // A001 (online) asks
    o.tick(60);
    o.run(Command::UploadLeased {
        lease: lease.0,
        device,
        number: lease.1,
        priority: Priority::None,
        issued_at: offline_at,
        idempotency_key: "k-offline-1".into(),
        procedure: None,
    })
    .unwrap();
    let offline_label = o.state.tickets.values().find(|t| t.lease.is_some()).unwrap().label.clone();
    assert_eq!(o.call_label(3), offline_label);
    let e = explain(&o, "A001");
    assert_eq!(rules(&e), vec![(offline_label, "issued_offline_earlier")]);
    let day = o.now.date();
    let mut x = Explainer::new(OfficeState::default(), day, "A099").unwrap();
    for ev in &o.log {
        x.feed(ev);
    }
    assert_eq!(x.finish().unwrap_err(), ExplainError::NotFound { number: "A099".into(), day });
    assert!(matches!(Explainer::new(OfficeState::default(), day, "hello"), Err(ExplainError::BadNumber(_))));
    // Tomorrow's A001 is not today's.
    let mut x = Explainer::new(OfficeState::default(), day + Duration::days(1), "A001").unwrap();
    for ev in &o.log {
        x.feed(ev);
    }
    assert!(x.finish().is_err());
}

#[test]
fn starting_from_a_snapshot_explains_the_same() {
    let mut o = Office::new(PriorityRule::default());
    for i in 0..6 {
        o.issue(if i % 2 == 0 { "a" } else { "b" }, if i % 3 == 0 { Priority::Elderly } else { Priority::None });
    }
    o.call(1);
    o.call(2);
    let split = o.log.len();
    o.issue("a", Priority::None);
    o.call(3);
    o.call(1);
    o.call(3);
    let mut full = OfficeState::default();
    for e in &o.log[..split] {
        full.apply(e);
    }
    let day = o.now.date();
    for number in ["A001", "B002", "A004", "B003"] {
        let mut a = Explainer::new(OfficeState::default(), day, number).unwrap();
        o.log.iter().for_each(|e| a.feed(e));
        let mut b = Explainer::new(full.queue_snapshot(), day, number).unwrap();
        o.log[split..].iter().for_each(|e| b.feed(e));
        let (a, b) = (a.finish(), b.finish());
        if let (Ok(a), Ok(b)) = (&a, &b) {
            assert_eq!(a.called_before, b.called_before, "{number}");
            assert_eq!(a.status, b.status);
        } else {
            // Issued before the split: the snapshot has it, the explainer started after its issue.
            assert!(a.is_ok(), "{number}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Every call while a ticket waited for the calling counter is listed, each with a rule the engine
    /// confirms: the explanation never falls back to "unexplained".
    #[test]
    fn every_call_before_a_ticket_is_explained(rule in rule(), ops in proptest::collection::vec(op(), 1..150)) {
        let mut o = Office::new(rule);
        for op in &ops {
            let _ = apply_op(&mut o, op);
        }
        let labels: Vec<String> = o.state.tickets.values().map(|t| t.label.clone()).collect();
        let day = o.now.date();
        for label in labels {
            let mut x = Explainer::new(OfficeState::default(), day, &label).unwrap();
            for e in &o.log {
                x.feed(e);
            }
            let e = x.finish().unwrap();
            for c in &e.called_before {
                prop_assert!(c.rule != Rule::Unexplained, "{label}: {c:?}\n{ops:?}");
                prop_assert!(c.number != label);
            }
            prop_assert_eq!(e.called_before_total, e.called_before.len());
            let sum: usize = e.by_rule.iter().map(|r| r.count).sum();
            prop_assert_eq!(sum, e.called_before_total);
        }
    }
}

#[test]
fn a_call_the_engine_would_not_have_made_is_flagged() {
    let mut o = Office::new(PriorityRule::default());
    o.issue("a", Priority::None); // A001
    o.issue("a", Priority::None); // A002
                                  // A forged call: counter 3 "calls next" A002 while A001 is first in line.
    let a002 = o.state.tickets.values().find(|t| t.label == "A002").unwrap().id;
    let forged = Event {
        seq: o.log.len() as u64 + 1,
        id: uuid::Uuid::from_u128(999),
        at: o.now,
        actor: Actor::System,
        kind: EventKind::TicketCalled { ticket: a002, counter: 3, officer: None, how: CallKind::Next },
    };
    o.log.push(forged);
    let e = explain(&o, "A001");
    assert_eq!(rules(&e), vec![("A002".into(), "unexplained")]);
}
