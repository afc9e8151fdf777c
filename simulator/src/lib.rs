//! A Monday-morning simulator: a whole office day, faster than real time, against the real queue
//! engine (`domain::queue::decide` + `OfficeState::apply`).
//!
//! - [`scenario`]: the scenario TOML (hours, services with arrivals and service times, counters with
//!   officers and breaks, "what if" variants), checked with errors that name the field.
//! - [`dist`]: seeded random streams, Poisson arrivals by the hour, service-time distributions.
//! - [`sim`]: the discrete-event day: its own clock, citizens taking tickets, officers calling,
//!   serving, marking no-shows, going on breaks — all as engine commands.
//! - [`report`]: waits, queues, utilisation; the printed table and the CSV/JSON export.
//!
//! Nothing here reads the wall clock or an unseeded random source: the same scenario, seed and days
//! give the same output.

pub mod dist;
pub mod report;
pub mod scenario;
pub mod sim;

use time::Date;

pub use scenario::{Plan, Scenario, ScenarioError};
pub use sim::{Arrival, SimError};

/// The seed when none is given.
pub const DEFAULT_SEED: u64 = 20_261_207;

/// The tickets of one day of an office's own log, to replay instead of drawn arrivals.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryDay {
    pub date: Date,
    pub arrivals: Vec<Arrival>,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    /// Days simulated (ignored with a history: one per day of it).
    pub days: u32,
    /// Variants run besides the base (none named: all).
    pub variants: Vec<String>,
    pub history: Option<Vec<HistoryDay>>,
}

impl Default for Options {
    fn default() -> Self {
        Options { seed: DEFAULT_SEED, days: 1, variants: Vec::new(), history: None }
    }
}

/// One variant's simulated days.
#[derive(Debug, Clone)]
pub struct VariantRun {
    pub plan: Plan,
    pub dates: Vec<Date>,
    pub days: Vec<sim::DayResult>,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub scenario: String,
    pub seed: u64,
    pub variants: Vec<VariantRun>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error("--days must be 1–366")]
    Days,
}

/// Runs the base plan and the chosen variants over the same days and the same citizens.
pub fn run(scenario: &Scenario, options: &Options) -> Result<Run, Error> {
    let days: Vec<(Date, Option<&[Arrival]>)> = match &options.history {
        Some(history) => history.iter().map(|d| (d.date, Some(d.arrivals.as_slice()))).collect(),
        None => {
            if !(1..=366).contains(&options.days) {
                return Err(Error::Days);
            }
            let mut date = scenario.first_day;
            (0..options.days)
                .map(|_| {
                    let d = date;
                    date = date.next_day().unwrap_or(date);
                    (d, None)
                })
                .collect()
        }
    };
    let mut variants = Vec::new();
    for plan in scenario.plans(&options.variants)? {
        let mut results = Vec::new();
        for (i, (date, history)) in days.iter().enumerate() {
            let (citizens, skipped) = sim::citizens(plan, options.seed, i as u64, *history);
            let mut day = sim::run_day(plan, &citizens, *date, i as u32 + 1)?;
            day.skipped = skipped;
            results.push(day);
        }
        variants.push(VariantRun { plan: plan.clone(), dates: days.iter().map(|d| d.0).collect(), days: results });
    }
    Ok(Run { scenario: scenario.name.clone(), seed: options.seed, variants })
}
