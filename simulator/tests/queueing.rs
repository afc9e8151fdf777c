//! The simulator (and so the engine's call order) against queueing theory: M/M/c steady-state waits
//! against Erlang C, and Little's law. One service, FIFO (no priority), no breaks, no no-shows, the
//! queue served to the end, the first hour of each day left out as warm-up.

use simulator::{report, Options, Scenario};

/// Erlang C: the mean wait in queue of M/M/c with arrival rate `lambda` and service rate `mu` per server.
fn erlang_c_wait(c: u32, lambda: f64, mu: f64) -> f64 {
    let a = lambda / mu;
    let rho = a / f64::from(c);
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let last = term * a / f64::from(c) / (1.0 - rho);
    let p_wait = last / (sum + last);
    p_wait / (f64::from(c) * mu - lambda)
}

/// A day open around the clock: `c` counters, Poisson arrivals at `per_hour`, exponential service.
fn mmc(c: u32, per_hour: f64, mean_service_min: f64) -> Scenario {
    let counters: String = (1..=c).map(|i| format!("[[counters]]\nid = {i}\nservices = [\"a\"]\n")).collect();
    let rates = vec![per_hour.to_string(); 24].join(", ");
    Scenario::parse(&format!(
        r#"
name = "M/M/{c}"
[office]
hours = ["00:00-24:00"]
at_close = "finish-queue"
call_to_start_s = 0
warmup_min = 60
[[services]]
code = "a"
per_hour = [{rates}]
service_time = {{ dist = "exponential", mean_min = {mean_service_min} }}
{counters}
"#
    ))
    .unwrap()
}

/// Mean wait (min), share that waited at all, tickets counted.
fn simulated(scenario: &Scenario, days: u32, seed: u64) -> (f64, f64, usize) {
    let run = simulator::run(scenario, &Options { seed, days, ..Options::default() }).unwrap();
    let s = report::summarize(&run.variants[0]);
    let warmup_ms = 3_600_000;
    let called: Vec<f64> = run.variants[0]
        .days
        .iter()
        .flat_map(|d| &d.tickets)
        .filter(|t| t.issued_ms >= warmup_ms)
        .filter_map(|t| t.wait_s())
        .collect();
    let waited = called.iter().filter(|w| **w > 0.0).count() as f64 / called.len() as f64;
    (s.wait.mean_min, waited, s.wait.counted)
}

fn check(c: u32, per_hour: f64, mean_service_min: f64, days: u32, tolerance: f64) {
    let (lambda, mu) = (per_hour / 60.0, 1.0 / mean_service_min);
    let theory = erlang_c_wait(c, lambda, mu);
    // The chance of waiting at all (Erlang C's own probability): W = P(wait) / (cμ − λ).
    let p_theory = theory * (f64::from(c) * mu - lambda);
    let seed = std::env::var("SIM_SEED").map(|s| s.parse().unwrap()).unwrap_or(1);
    let (wait, p_wait, n) = simulated(&mmc(c, per_hour, mean_service_min), days, seed);
    let error = wait / theory - 1.0;
    let p_error = p_wait / p_theory - 1.0;
    eprintln!(
        "M/M/{c}: {n} tickets, mean wait {wait:.4} min against Erlang C {theory:.4} ({:+.2}%), P(wait) {p_wait:.4} against {p_theory:.4} ({:+.2}%)",
        error * 100.0,
        p_error * 100.0
    );
    assert!(error.abs() < tolerance, "M/M/{c}: simulated {wait} min against {theory} min");
    assert!(p_error.abs() < 0.03, "M/M/{c}: P(wait) {p_wait} against {p_theory}");
}

#[test]
fn mm1_waits_as_erlang_c() {
    // ρ = 0.5.
    check(1, 60.0, 0.5, 40, 0.05);
}

#[test]
fn mm2_waits_as_erlang_c() {
    // ρ = 0.6.
    check(2, 144.0, 0.5, 25, 0.05);
}

#[test]
fn mm3_waits_as_erlang_c() {
    // ρ = 0.6.
    check(3, 216.0, 0.5, 15, 0.05);
}

#[test]
fn erlang_c_formula() {
    // M/M/1: Wq = ρ / (μ − λ); a textbook M/M/2 value.
    assert!((erlang_c_wait(1, 0.5, 1.0) - 1.0).abs() < 1e-12);
    assert!((erlang_c_wait(2, 1.0, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn littles_law_holds() {
    // L = λ W: the time-average queue (the engine's own count of waiting tickets, integrated over
    // the day) against arrivals per unit time times the mean wait of every ticket.
    let run = simulator::run(&mmc(2, 100.0, 1.0), &Options { days: 3, ..Options::default() }).unwrap();
    for day in &run.variants[0].days {
        let waits: Vec<f64> = day.tickets.iter().map(|t| t.wait_s().expect("everyone called")).collect();
        let lambda = waits.len() as f64 / (day.observed_ms as f64 / 1000.0);
        let w = waits.iter().sum::<f64>() / waits.len() as f64;
        let l = day.queue_area / day.observed_ms as f64;
        assert!(l > 1.0, "a queue formed: {l}");
        assert!((l / (lambda * w) - 1.0).abs() < 1e-3, "L {l} against λW {}", lambda * w);
    }
}
