//! The scenario file (TOML): office hours, services with their arrivals and service times, counters
//! with their officers and breaks, and named "what if" variants. `Scenario::parse` checks all of it,
//! every variant included, and names the field that is wrong (`services[2].per_hour`, …).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use domain::office::{CounterId, PriorityRule, ServiceCode};
use serde::Deserialize;
use time::Date;

use crate::dist::{Dist, MORNING_PEAK};

/// A scenario field that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ScenarioError {
    /// Where: `office.hours[1]`, `services[0].service_time.sd_min`, `variants.them-quay.extra_counters[0].id`…
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError { field: field.into(), message: message.into() }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    /// The first simulated day, `YYYY-MM-DD` (numbering restarts each day).
    date: Option<String>,
    /// The wait the "share waited under the target" is counted against.
    #[serde(default = "default_target")]
    target_wait_min: f64,
    office: OfficeFile,
    services: Vec<ServiceFile>,
    counters: Vec<CounterFile>,
    #[serde(default)]
    variants: BTreeMap<String, VariantFile>,
}

fn default_target() -> f64 {
    15.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeFile {
    /// Opening sessions, `"07:30-11:30"`: tickets are taken and counters call only within them.
    hours: Vec<String>,
    #[serde(default)]
    at_close: AtClose,
    /// From a call to the citizen at the counter (walking over).
    #[serde(default = "default_call_to_start")]
    call_to_start_s: f64,
    /// How long an officer waits (and recalls) before marking a called citizen absent.
    #[serde(default = "default_no_show_wait")]
    no_show_wait_s: f64,
    #[serde(default)]
    priority_share: f64,
    #[serde(default)]
    no_show_probability: f64,
    priority_rule: Option<RuleFile>,
    /// Weights of the clock hours from the first session's hour, for services given `per_day`
    /// (default: a morning peak).
    profile: Option<Vec<f64>>,
    /// Tickets taken in the first minutes of each day are left out of the waiting statistics.
    #[serde(default)]
    warmup_min: f64,
}

fn default_call_to_start() -> f64 {
    30.0
}
fn default_no_show_wait() -> f64 {
    90.0
}

/// What happens to the queue at the last session's close.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AtClose {
    /// Counters finish the citizen in front of them and stop; whoever still waits is left unserved.
    #[default]
    Stop,
    /// Counters go on until everyone who took a ticket has been called.
    FinishQueue,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    mode: String,
    regular_per_priority: Option<u32>,
    #[serde(default = "default_cap")]
    ageing_cap_min: f64,
}

fn default_cap() -> f64 {
    45.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceFile {
    code: String,
    letter: Option<char>,
    name: Option<String>,
    /// Mean arrivals in each clock hour from the first session's hour to the last one's close.
    per_hour: Option<Vec<f64>>,
    /// Mean arrivals in a day, spread over the hours by `office.profile`.
    per_day: Option<f64>,
    service_time: DistFile,
    priority_share: Option<f64>,
    no_show_probability: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DistFile {
    dist: String,
    mean_min: f64,
    sd_min: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CounterFile {
    id: CounterId,
    services: Vec<String>,
    officer: Option<String>,
    #[serde(default)]
    breaks: Vec<String>,
    /// The counter is staffed only from/until these times (`"08:00"`), within the sessions.
    from: Option<String>,
    until: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantFile {
    description: Option<String>,
    #[serde(default)]
    extra_counters: Vec<CounterFile>,
    #[serde(default)]
    close_counters: Vec<CounterId>,
    priority_rule: Option<RuleFile>,
    priority_share: Option<f64>,
    no_show_probability: Option<f64>,
    /// Every service's arrivals times this (1.2 = a fifth more citizens).
    arrival_scale: Option<f64>,
}

/// One service as simulated.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePlan {
    pub code: ServiceCode,
    pub letter: char,
    pub name: String,
    /// Arrivals per hour in each clock hour from [`Plan::first_hour`].
    pub rate_per_hour: Vec<f64>,
    pub service_time: Dist,
    pub priority_share: f64,
    pub no_show_probability: f64,
}

/// One counter as simulated: when it is staffed (sessions ∩ from/until − breaks), in seconds of the day.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterPlan {
    pub id: CounterId,
    pub services: Vec<ServiceCode>,
    pub officer: String,
    pub on: Vec<(u32, u32)>,
}

/// The scenario with one variant applied: everything the simulation reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub variant: String,
    pub description: String,
    pub sessions: Vec<(u32, u32)>,
    pub first_hour: u32,
    pub at_close: AtClose,
    pub call_to_start_s: f64,
    pub no_show_wait_s: f64,
    pub warmup_s: f64,
    pub target_wait_s: f64,
    pub priority_rule: PriorityRule,
    pub services: Vec<ServicePlan>,
    pub counters: Vec<CounterPlan>,
}

impl Plan {
    pub fn opens_s(&self) -> u32 {
        self.sessions.first().map_or(0, |s| s.0)
    }
    pub fn closes_s(&self) -> u32 {
        self.sessions.last().map_or(0, |s| s.1)
    }
}

/// A checked scenario: the base plan and every variant's.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub first_day: Date,
    pub base: Plan,
    pub variants: Vec<Plan>,
}

/// The base plan's name in reports.
pub const BASE: &str = "base";

impl Scenario {
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let file: File = toml::from_str(text).map_err(|e| {
            let span = e.span().map(|s| line_of(text, s.start)).map(|l| format!("line {l}")).unwrap_or_default();
            err(if span.is_empty() { "scenario".to_owned() } else { span }, e.message().to_owned())
        })?;
        let first_day = match &file.date {
            None => time::macros::date!(2026 - 12 - 07),
            Some(d) => Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                .map_err(|_| err("date", format!("{d:?} is not a date YYYY-MM-DD")))?,
        };
        if file.name.trim().is_empty() {
            return Err(err("name", "must not be empty"));
        }
        let base = plan(&file, BASE, &VariantFile::default(), "")?;
        let mut variants = Vec::new();
        for (name, v) in &file.variants {
            if name == BASE || name.is_empty() {
                return Err(err(format!("variants.{name}"), "a variant needs a name other than \"base\""));
            }
            variants.push(plan(&file, name, v, &format!("variants.{name}."))?);
        }
        Ok(Scenario { name: file.name, first_day, base, variants })
    }

    /// The base plan first, then the variants named (all of them when none is).
    pub fn plans(&self, names: &[String]) -> Result<Vec<&Plan>, ScenarioError> {
        let mut out = vec![&self.base];
        if names.is_empty() {
            out.extend(self.variants.iter());
        }
        for n in names {
            if n == BASE {
                continue;
            }
            let known: Vec<&str> = self.variants.iter().map(|v| v.variant.as_str()).collect();
            out.push(self.variants.iter().find(|v| &v.variant == n).ok_or_else(|| {
                err("--variant", format!("no variant {n:?} in the scenario; it has: {}", known.join(", ")))
            })?);
        }
        Ok(out)
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

/// `HH:MM` as seconds of the day (24:00 allowed).
fn hhmm(text: &str, field: &str) -> Result<u32, ScenarioError> {
    let bad = || err(field, format!("{text:?} is not a time HH:MM"));
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 3600 + m * 60)
}

/// `HH:MM-HH:MM` (also with an en dash).
fn interval(text: &str, field: &str) -> Result<(u32, u32), ScenarioError> {
    let (a, b) = text
        .split_once('-')
        .or_else(|| text.split_once('–'))
        .ok_or_else(|| err(field, format!("{text:?} is not an interval HH:MM-HH:MM")))?;
    let (a, b) = (hhmm(a, field)?, hhmm(b, field)?);
    if a >= b {
        return Err(err(field, format!("{text:?} must end after it starts")));
    }
    Ok((a, b))
}

fn share(v: f64, field: &str) -> Result<f64, ScenarioError> {
    if !(0.0..=1.0).contains(&v) {
        return Err(err(field, format!("{v} must be between 0 and 1")));
    }
    Ok(v)
}

fn rule(r: &RuleFile, field: &str) -> Result<PriorityRule, ScenarioError> {
    if !(0.0..=24.0 * 60.0).contains(&r.ageing_cap_min) {
        return Err(err(format!("{field}.ageing_cap_min"), "must be 0–1440 minutes"));
    }
    let ageing_cap_s = (r.ageing_cap_min * 60.0).round() as u32;
    match (r.mode.as_str(), r.regular_per_priority) {
        ("strict", None) => Ok(PriorityRule::Strict { ageing_cap_s }),
        ("strict", Some(_)) => Err(err(format!("{field}.regular_per_priority"), "only a ratio rule has one")),
        ("ratio", Some(n)) if n >= 1 => Ok(PriorityRule::Ratio { regular_per_priority: n, ageing_cap_s }),
        ("ratio", _) => Err(err(format!("{field}.regular_per_priority"), "a ratio rule needs a number ≥ 1")),
        (m, _) => Err(err(format!("{field}.mode"), format!("{m:?}: use \"strict\" or \"ratio\""))),
    }
}

fn dist(d: &DistFile, field: &str) -> Result<Dist, ScenarioError> {
    if !(d.mean_min > 0.0 && d.mean_min <= 8.0 * 60.0) {
        return Err(err(format!("{field}.mean_min"), "must be more than 0 and at most 480 minutes"));
    }
    let mean_s = d.mean_min * 60.0;
    match (d.dist.as_str(), d.sd_min) {
        ("exponential", None) => Ok(Dist::Exponential { mean_s }),
        ("fixed", None) => Ok(Dist::Fixed { mean_s }),
        ("lognormal", Some(sd)) if sd > 0.0 && sd.is_finite() => Ok(Dist::LogNormal { mean_s, sd_s: sd * 60.0 }),
        ("lognormal", _) => Err(err(format!("{field}.sd_min"), "a lognormal time needs sd_min > 0")),
        ("exponential" | "fixed", Some(_)) => Err(err(format!("{field}.sd_min"), "only a lognormal time has one")),
        (other, _) => {
            Err(err(format!("{field}.dist"), format!("{other:?}: use \"exponential\", \"lognormal\" or \"fixed\"")))
        }
    }
}

fn plan(file: &File, variant: &str, v: &VariantFile, prefix: &str) -> Result<Plan, ScenarioError> {
    let office = &file.office;
    if office.hours.is_empty() {
        return Err(err("office.hours", "at least one session, e.g. \"07:30-11:30\""));
    }
    let mut sessions = Vec::new();
    for (i, h) in office.hours.iter().enumerate() {
        let s = interval(h, &format!("office.hours[{i}]"))?;
        if sessions.last().is_some_and(|p: &(u32, u32)| p.1 > s.0) {
            return Err(err(format!("office.hours[{i}]"), "sessions must be in order and must not overlap"));
        }
        sessions.push(s);
    }
    let first_hour = sessions[0].0 / 3600;
    let hours = (sessions.last().map_or(0, |s| s.1).div_ceil(3600) - first_hour) as usize;
    let open_fraction: Vec<f64> = (0..hours)
        .map(|h| {
            let (a, b) = ((first_hour + h as u32) * 3600, (first_hour + h as u32 + 1) * 3600);
            sessions.iter().map(|s| f64::from(s.1.min(b).saturating_sub(s.0.max(a)))).sum::<f64>() / 3600.0
        })
        .collect();
    let profile: Vec<f64> = match &office.profile {
        Some(p) if p.len() != hours => {
            return Err(err("office.profile", format!("{} weights given; the hours need {hours}", p.len())))
        }
        Some(p) if p.iter().any(|w| !(w.is_finite() && *w >= 0.0)) => {
            return Err(err("office.profile", "weights must be 0 or more"))
        }
        Some(p) => p.clone(),
        None => (0..hours).map(|h| MORNING_PEAK[(first_hour as usize + h).min(23)]).collect(),
    };
    let weight: f64 = profile.iter().zip(&open_fraction).map(|(w, f)| w * f).sum();
    let scale = v.arrival_scale.unwrap_or(1.0);
    if !(scale.is_finite() && (0.0..=100.0).contains(&scale)) {
        return Err(err(format!("{prefix}arrival_scale"), "must be 0–100"));
    }
    let priority_share = share(v.priority_share.unwrap_or(office.priority_share), "office.priority_share")?;
    let no_show = share(v.no_show_probability.unwrap_or(office.no_show_probability), "office.no_show_probability")?;
    let mut services = Vec::new();
    let mut codes = BTreeSet::new();
    let mut letters = BTreeSet::new();
    for (i, s) in file.services.iter().enumerate() {
        let f = format!("services[{i}]");
        let code = ServiceCode::new(&s.code).map_err(|e| err(format!("{f}.code"), e))?;
        if !codes.insert(code.clone()) {
            return Err(err(format!("{f}.code"), format!("{:?} appears twice", s.code)));
        }
        let letter = s.letter.unwrap_or((b'A' + (i % 26) as u8) as char);
        if !letter.is_ascii_uppercase() || !letters.insert(letter) {
            return Err(err(format!("{f}.letter"), format!("{letter:?}: one letter A–Z per service")));
        }
        let per_hour = match (&s.per_hour, s.per_day) {
            (Some(p), None) => {
                if p.len() != hours {
                    let msg = format!("{} entries given; the hours from {first_hour:02}:00 need {hours}", p.len());
                    return Err(err(format!("{f}.per_hour"), msg));
                }
                if p.iter().any(|r| !(r.is_finite() && *r >= 0.0)) {
                    return Err(err(format!("{f}.per_hour"), "arrivals must be 0 or more"));
                }
                p.clone()
            }
            (None, Some(d)) if d.is_finite() && d >= 0.0 => {
                if weight <= 0.0 {
                    return Err(err("office.profile", "no weight falls in the opening hours"));
                }
                profile.iter().map(|w| d * w / weight).collect()
            }
            (None, Some(_)) => return Err(err(format!("{f}.per_day"), "must be 0 or more")),
            _ => return Err(err(f, "give either per_hour or per_day")),
        };
        let svc_priority = match s.priority_share {
            Some(p) if v.priority_share.is_none() => share(p, &format!("{f}.priority_share"))?,
            _ => priority_share,
        };
        let svc_no_show = match s.no_show_probability {
            Some(p) if v.no_show_probability.is_none() => share(p, &format!("{f}.no_show_probability"))?,
            _ => no_show,
        };
        services.push(ServicePlan {
            code,
            letter,
            name: s.name.clone().unwrap_or_else(|| s.code.clone()),
            rate_per_hour: per_hour.iter().map(|r| r * scale).collect(),
            service_time: dist(&s.service_time, &format!("{f}.service_time"))?,
            priority_share: svc_priority,
            no_show_probability: svc_no_show,
        });
    }
    if services.is_empty() {
        return Err(err("services", "at least one service"));
    }
    let mut counters = Vec::new();
    let listed = file.counters.iter().enumerate().map(|(i, c)| (format!("counters[{i}]"), c));
    let extra = v.extra_counters.iter().enumerate().map(|(i, c)| (format!("{prefix}extra_counters[{i}]"), c));
    for (f, c) in listed.chain(extra) {
        if c.id == 0 {
            return Err(err(format!("{f}.id"), "counters are numbered from 1"));
        }
        if counters.iter().any(|p: &CounterPlan| p.id == c.id) {
            return Err(err(format!("{f}.id"), format!("counter {} appears twice", c.id)));
        }
        let mut svcs = Vec::new();
        for (j, s) in c.services.iter().enumerate() {
            let code = ServiceCode::new(s).ok().filter(|c| codes.contains(c));
            svcs.push(code.ok_or_else(|| err(format!("{f}.services[{j}]"), format!("no service {s:?}")))?);
        }
        if svcs.is_empty() {
            return Err(err(format!("{f}.services"), "a counter serves at least one service"));
        }
        let from = c.from.as_deref().map(|t| hhmm(t, &format!("{f}.from"))).transpose()?.unwrap_or(0);
        let until = c.until.as_deref().map(|t| hhmm(t, &format!("{f}.until"))).transpose()?.unwrap_or(86_400);
        if from >= until {
            return Err(err(format!("{f}.until"), "must be after from"));
        }
        let mut on: Vec<(u32, u32)> =
            sessions.iter().map(|s| (s.0.max(from), s.1.min(until))).filter(|s| s.0 < s.1).collect();
        for (j, b) in c.breaks.iter().enumerate() {
            let (a, z) = interval(b, &format!("{f}.breaks[{j}]"))?;
            on = on.into_iter().flat_map(|(s, e)| [(s, e.min(a)), (s.max(z), e)]).filter(|s| s.0 < s.1).collect();
        }
        if v.close_counters.contains(&c.id) {
            continue;
        }
        let officer = c.officer.clone().unwrap_or_else(|| format!("canbo{}", c.id));
        counters.push(CounterPlan { id: c.id, services: svcs, officer, on });
    }
    for (j, id) in v.close_counters.iter().enumerate() {
        let known = file.counters.iter().chain(&v.extra_counters).any(|c| c.id == *id);
        if !known {
            return Err(err(format!("{prefix}close_counters[{j}]"), format!("no counter {id}")));
        }
    }
    let priority_rule = match (&v.priority_rule, &office.priority_rule) {
        (Some(r), _) => rule(r, &format!("{prefix}priority_rule"))?,
        (None, Some(r)) => rule(r, "office.priority_rule")?,
        (None, None) => PriorityRule::default(),
    };
    let nonneg = |x: f64, f: &str| {
        if x.is_finite() && (0.0..=3600.0).contains(&x) {
            Ok(x)
        } else {
            Err(err(f, "must be 0–3600"))
        }
    };
    if !(file.target_wait_min.is_finite() && file.target_wait_min > 0.0) {
        return Err(err("target_wait_min", "must be more than 0"));
    }
    Ok(Plan {
        variant: variant.to_owned(),
        description: v.description.clone().unwrap_or_default(),
        sessions,
        first_hour,
        at_close: office.at_close,
        call_to_start_s: nonneg(office.call_to_start_s, "office.call_to_start_s")?,
        no_show_wait_s: nonneg(office.no_show_wait_s, "office.no_show_wait_s")?,
        warmup_s: nonneg(office.warmup_min * 60.0, "office.warmup_min")?,
        target_wait_s: file.target_wait_min * 60.0,
        priority_rule,
        services,
        counters,
    })
}

impl fmt::Display for AtClose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AtClose::Stop => "stop",
            AtClose::FinishQueue => "finish-queue",
        })
    }
}
