//! The example scenario, its variants, reproducibility and the scenario file's checks.

use simulator::{report, Options, Scenario};

const DEMO: &str = include_str!("../scenarios/demo-monday.toml");

fn demo() -> Scenario {
    Scenario::parse(DEMO).expect("the example scenario is valid")
}

#[test]
fn the_example_matches_the_demo_office() {
    let s = demo();
    let codes: Vec<&str> = s.base.services.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(
        codes,
        ["ho-tich", "chung-thuc", "dat-dai", "xay-dung", "kinh-doanh", "lao-dong", "tu-phap", "tra-ket-qua"]
    );
    assert_eq!(s.base.counters.len(), 6);
    assert_eq!(s.variants.len(), 3);
    // Counter 1 works 07:30–11:30 and 13:00–17:00 less its two breaks.
    let on: u32 = s.base.counters[0].on.iter().map(|(a, b)| b - a).sum();
    assert_eq!(on, (4 * 60 + 4 * 60 - 30) * 60);
}

#[test]
fn the_same_seed_gives_the_same_day_and_another_seed_another() {
    let s = demo();
    let json = |seed| {
        let run = simulator::run(&s, &Options { seed, days: 2, ..Options::default() }).unwrap();
        let summaries: Vec<_> = run.variants.iter().map(report::summarize).collect();
        (serde_json::to_string(&summaries).unwrap(), report::table(&run, &summaries, domain::Lang::Vi))
    };
    assert_eq!(json(7), json(7));
    assert_ne!(json(7).0, json(8).0);
}

#[test]
fn an_extra_counter_in_the_morning_peak_shortens_waits() {
    let s = demo();
    let options = Options { days: 3, variants: vec!["them-quay-8-10".into()], ..Options::default() };
    let run = simulator::run(&s, &options).unwrap();
    let [base, extra] = [&run.variants[0], &run.variants[1]].map(report::summarize);
    assert_eq!(base.tickets, extra.tickets, "the variant meets the same citizens");
    assert!(extra.wait.mean_min < 0.8 * base.wait.mean_min, "{} → {}", base.wait.mean_min, extra.wait.mean_min);
    assert!(extra.longest_queue.tickets < base.longest_queue.tickets);
    assert!(extra.wait.share_under_target > base.wait.share_under_target);
    assert_eq!(extra.counters.last().map(|c| c.id), Some(7));
    assert!(extra.counters.last().unwrap().served > 0);
}

#[test]
fn priority_tickets_wait_less_and_a_leaner_ratio_narrows_the_gap() {
    // One busy service (ρ ≈ 0.9) at two counters, a fifth of the citizens with a priority, an ageing
    // cap long enough not to interfere: the engine's mixing rule decides who waits.
    let s = Scenario::parse(
        r#"
name = "priority"
[office]
hours = ["07:00-17:00"]
at_close = "finish-queue"
priority_share = 0.2
priority_rule = { mode = "ratio", regular_per_priority = 2, ageing_cap_min = 600 }
[[services]]
code = "a"
per_hour = [18, 18, 18, 18, 18, 18, 18, 18, 18, 18]
service_time = { dist = "exponential", mean_min = 5.5 }
[[counters]]
id = 1
services = ["a"]
[[counters]]
id = 2
services = ["a"]
[variants.one-in-four]
priority_rule = { mode = "ratio", regular_per_priority = 3, ageing_cap_min = 600 }
[variants.strict]
priority_rule = { mode = "strict", ageing_cap_min = 600 }
"#,
    )
    .unwrap();
    let run = simulator::run(&s, &Options { days: 20, ..Options::default() }).unwrap();
    let mean = |v: &simulator::VariantRun, priority: bool| {
        let w: Vec<f64> = v
            .days
            .iter()
            .flat_map(|d| &d.tickets)
            .filter(|t| t.priority == priority)
            .filter_map(|t| t.wait_s())
            .collect();
        w.iter().sum::<f64>() / w.len() as f64
    };
    let [base, strict, one_in_four] = ["base", "strict", "one-in-four"]
        .map(|n| run.variants.iter().find(|v| v.plan.variant == n).expect("variant run"));
    assert!(mean(base, true) < 0.5 * mean(base, false), "{} {}", mean(base, true), mean(base, false));
    assert!(mean(strict, true) < mean(base, true), "strict priority comes first");
    assert!(mean(one_in_four, true) > mean(base, true), "one in four: priority waits longer than one in three");
    assert!(mean(one_in_four, false) < mean(base, false));
}

#[test]
fn every_ticket_ends_once_and_the_counts_add_up() {
    let run = simulator::run(&demo(), &Options::default()).unwrap();
    for v in &run.variants {
        let s = report::summarize(v);
        assert_eq!(s.tickets, s.served + s.no_show + s.unserved_at_close, "{}", s.variant);
        let by_counter: u32 = s.counters.iter().map(|c| c.served).sum();
        assert_eq!(by_counter as usize, s.served);
        assert!(
            s.wait.median_min <= s.wait.p90_min && s.wait.p90_min <= s.wait.p95_min && s.wait.p95_min <= s.wait.max_min
        );
        assert_eq!(s.wait.histogram_5min.iter().sum::<usize>(), s.wait.counted);
        for c in &s.counters {
            assert!(c.utilisation > 0.0 && c.utilisation <= 1.05, "counter {}: {}", c.id, c.utilisation);
        }
        // No ticket is called outside the sessions or at a counter that does not take its service.
        for t in v.days.iter().flat_map(|d| &d.tickets) {
            if let (Some(at), Some(counter)) = (t.called_ms, t.counter) {
                let s = (at / 1000) as u32;
                assert!(v.plan.sessions.iter().any(|(a, b)| (*a..=*b).contains(&s)), "{} called at {s}", t.label);
                let c = v.plan.counters.iter().find(|c| c.id == counter).unwrap();
                assert!(c.services.contains(&v.plan.services[t.service].code));
                // Nor during the counter's breaks or outside its shift.
                assert!(c.on.iter().any(|(a, b)| (*a..=*b).contains(&s)), "{} called at {counter} at {s}", t.label);
            }
        }
    }
}

#[test]
fn replayed_arrivals_are_the_ones_given() {
    let s = demo();
    let arrivals = vec![
        simulator::Arrival { at_s: 8.0 * 3600.0, service: "ho-tich".into(), priority: false },
        simulator::Arrival { at_s: 8.0 * 3600.0 + 10.0, service: "ho-tich".into(), priority: true },
        simulator::Arrival { at_s: 9.0 * 3600.0, service: "no-such".into(), priority: false },
    ];
    let history = vec![simulator::HistoryDay { date: time::macros::date!(2026 - 11 - 30), arrivals }];
    let options = Options { history: Some(history), variants: vec!["base".into()], ..Options::default() };
    let run = simulator::run(&s, &options).unwrap();
    let v = &run.variants[0];
    assert_eq!(v.dates, [time::macros::date!(2026 - 11 - 30)]);
    let labels: Vec<&str> = v.days[0].tickets.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["A001", "A002"]);
    let summary = report::summarize(v);
    assert_eq!(summary.skipped_arrivals, 1);
    let table = report::table(&run, &[summary], domain::Lang::En);
    assert!(table.contains("1 replayed tickets of services not in the scenario left out"), "{table}");
}

fn error_of(text: &str) -> simulator::ScenarioError {
    Scenario::parse(text).expect_err("the scenario is refused")
}

#[test]
fn errors_name_the_field() {
    let bad = |from: &str, to: &str| {
        assert!(DEMO.contains(from), "{from}");
        error_of(&DEMO.replacen(from, to, 1))
    };
    let e = bad("hours = [\"07:30-11:30\", \"13:00-17:00\"]", "hours = [\"07:30-11:30\", \"11:00-17:00\"]");
    assert_eq!(e.field, "office.hours[1]");
    let e = bad("per_hour = [2, 6, 8, 8, 6, 0, 14, 16, 14, 8]", "per_hour = [2, 6, 8]");
    assert_eq!(e.field, "services[7].per_hour");
    assert!(e.message.contains("need 10"), "{e}");
    let e = bad("mean_min = 12, sd_min = 7", "mean_min = 12");
    assert_eq!(e.field, "services[2].service_time.sd_min");
    let e = bad(
        "services = [\"kinh-doanh\", \"lao-dong\", \"tu-phap\"]",
        "services = [\"kinh-doanh\", \"lao-dong\", \"tu-phap2\"]",
    );
    assert_eq!(e.field, "counters[3].services[2]");
    let e = bad("breaks = [\"09:30-09:45\", \"15:00-15:15\"]", "breaks = [\"09:30-09:25\"]");
    assert_eq!(e.field, "counters[0].breaks[0]");
    let e = bad("regular_per_priority = 3", "regular_per_priority = 0");
    assert_eq!(e.field, "variants.uu-tien-1-3.priority_rule.regular_per_priority");
    let e = bad("{ id = 7,", "{ id = 1,");
    assert_eq!(e.field, "variants.them-quay-8-10.extra_counters[0].id");
    let e = bad("no_show_probability = 0.05", "no_show_probability = 1.5");
    assert_eq!(e.field, "office.no_show_probability");
    assert_eq!(e.to_string(), "office.no_show_probability: 1.5 must be between 0 and 1");
    // Unknown keys and wrong types are refused by the TOML reader with their line.
    let e = bad("at_close = \"stop\"", "at_close = \"stop\"\nat_clsoe = 1");
    assert!(e.field.starts_with("line "), "{e}");
    assert!(e.message.contains("at_clsoe"), "{e}");
}

#[test]
fn an_unknown_variant_is_named_with_the_known_ones() {
    let e = simulator::run(&demo(), &Options { variants: vec!["nope".into()], ..Options::default() }).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--variant: no variant \"nope\" in the scenario; it has: dong-hon-20, them-quay-8-10, uu-tien-1-3"
    );
}
