//! What a run says: waiting-time distribution, share under the target, longest queue, counter
//! utilisation and ticket endings per variant; printed side by side (Vietnamese by default) and
//! exported as CSV (UTF-8 with BOM, for spreadsheets) and JSON.

use std::cmp::Reverse;
use std::io::Write;
use std::path::{Path, PathBuf};

use domain::Lang;
use serde::Serialize;

use crate::sim::Outcome;
use crate::{Run, VariantRun};

/// Width of a histogram bin, and the bins before the last (which holds everything longer).
pub const BIN_MIN: u32 = 5;
pub const BINS: usize = 24;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitStats {
    /// Served tickets counted (after each day's warm-up).
    pub counted: usize,
    pub mean_min: f64,
    pub median_min: f64,
    pub p90_min: f64,
    pub p95_min: f64,
    pub max_min: f64,
    pub target_min: f64,
    pub share_under_target: f64,
    /// Tickets per 5-minute bin of waiting: `[0, 5)`, `[5, 10)`, … and the last bin for 120 min and over.
    pub histogram_5min: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Longest {
    pub tickets: usize,
    pub day: u32,
    /// `HH:MM` of the day.
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceSummary {
    pub code: String,
    pub name: String,
    pub tickets: usize,
    pub served: usize,
    pub mean_wait_min: f64,
    pub p90_wait_min: f64,
    pub longest_queue: Longest,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CounterSummary {
    pub id: u16,
    pub officer: String,
    pub served: u32,
    pub no_shows: u32,
    pub staffed_h: f64,
    pub busy_h: f64,
    pub utilisation: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub variant: String,
    pub description: String,
    pub days: usize,
    pub tickets: usize,
    pub served: usize,
    pub no_show: usize,
    pub unserved_at_close: usize,
    /// Replayed arrivals for services the scenario does not have (left out).
    pub skipped_arrivals: usize,
    pub wait: WaitStats,
    pub longest_queue: Longest,
    /// Time-average number of tickets waiting over the simulated span.
    pub mean_queue: f64,
    /// Busy time over staffed time, all counters.
    pub utilisation: f64,
    pub services: Vec<ServiceSummary>,
    pub counters: Vec<CounterSummary>,
}

fn clock(ms: i64) -> String {
    let m = ms.max(0) / 60_000;
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

pub fn summarize(v: &VariantRun) -> Summary {
    let plan = &v.plan;
    let warmup_ms = ((f64::from(plan.opens_s()) + plan.warmup_s) * 1000.0) as i64;
    let tickets = v.days.iter().flat_map(|d| &d.tickets);
    let counted = |service: Option<usize>| {
        let mut w: Vec<f64> = tickets
            .clone()
            .filter(|t| t.outcome == Outcome::Served && t.issued_ms >= warmup_ms)
            .filter(|t| service.is_none_or(|s| s == t.service))
            .filter_map(|t| t.wait_s())
            .map(|s| s / 60.0)
            .collect();
        w.sort_by(f64::total_cmp);
        w
    };
    let waits = counted(None);
    let target_min = plan.target_wait_s / 60.0;
    let mut histogram = vec![0; BINS + 1];
    for w in &waits {
        histogram[((w / f64::from(BIN_MIN)) as usize).min(BINS)] += 1;
    }
    let count = |o: Outcome| tickets.clone().filter(|t| t.outcome == o).count();
    let longest_of = |pick: &dyn Fn(&crate::sim::DayResult) -> (usize, i64)| {
        let (day, (n, at)) = v
            .days
            .iter()
            .enumerate()
            .map(|(i, d)| (i, pick(d)))
            .max_by_key(|(i, (n, _))| (*n, Reverse(*i)))
            .unwrap_or((0, (0, 0)));
        Longest { tickets: n, day: day as u32 + 1, at: clock(at) }
    };
    let services = plan
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let w = counted(Some(i));
            ServiceSummary {
                code: s.code.to_string(),
                name: s.name.clone(),
                tickets: tickets.clone().filter(|t| t.service == i).count(),
                served: tickets.clone().filter(|t| t.service == i && t.outcome == Outcome::Served).count(),
                mean_wait_min: mean(&w),
                p90_wait_min: percentile(&w, 0.9),
                longest_queue: longest_of(&|d| d.longest_by_service[i]),
            }
        })
        .collect();
    let counters: Vec<CounterSummary> = plan
        .counters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let desks = v.days.iter().map(|d| &d.desks[i]);
            let staffed: i64 = desks.clone().map(|d| d.on_ms).sum();
            let busy: i64 = desks.clone().map(|d| d.busy_ms).sum();
            CounterSummary {
                id: c.id,
                officer: c.officer.clone(),
                served: desks.clone().map(|d| d.served).sum(),
                no_shows: desks.map(|d| d.no_shows).sum(),
                staffed_h: staffed as f64 / 3.6e6,
                busy_h: busy as f64 / 3.6e6,
                utilisation: if staffed > 0 { busy as f64 / staffed as f64 } else { 0.0 },
            }
        })
        .collect();
    let (staffed, busy) = counters.iter().fold((0.0, 0.0), |(s, b), c| (s + c.staffed_h, b + c.busy_h));
    let observed: i64 = v.days.iter().map(|d| d.observed_ms).sum();
    Summary {
        variant: plan.variant.clone(),
        description: plan.description.clone(),
        days: v.days.len(),
        tickets: tickets.clone().count(),
        served: count(Outcome::Served),
        no_show: count(Outcome::NoShow),
        unserved_at_close: count(Outcome::Unserved),
        skipped_arrivals: v.days.iter().map(|d| d.skipped).sum(),
        wait: WaitStats {
            counted: waits.len(),
            mean_min: mean(&waits),
            median_min: percentile(&waits, 0.5),
            p90_min: percentile(&waits, 0.9),
            p95_min: percentile(&waits, 0.95),
            max_min: waits.last().copied().unwrap_or(0.0),
            target_min,
            share_under_target: if waits.is_empty() {
                0.0
            } else {
                waits.iter().filter(|w| **w <= target_min).count() as f64 / waits.len() as f64
            },
            histogram_5min: histogram,
        },
        longest_queue: longest_of(&|d| d.longest),
        mean_queue: if observed > 0 { v.days.iter().map(|d| d.queue_area).sum::<f64>() / observed as f64 } else { 0.0 },
        utilisation: if staffed > 0.0 { busy / staffed } else { 0.0 },
        services,
        counters,
    }
}

fn tr(lang: Lang, vi: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Vi => vi,
        _ => en,
    }
}

/// A number with one decimal, a decimal comma in Vietnamese.
fn num(lang: Lang, x: f64) -> String {
    let s = format!("{x:.1}");
    if lang == Lang::Vi {
        s.replace('.', ",")
    } else {
        s
    }
}

fn count(_: Lang, x: f64) -> String {
    format!("{x:.0}")
}

fn pct(lang: Lang, x: f64) -> String {
    format!("{}%", num(lang, x * 100.0))
}

fn ratio(lang: Lang, x: f64, base: f64) -> String {
    if base.abs() < 1e-9 {
        return String::new();
    }
    let r = format!("{:.2}", x / base);
    format!(" (×{})", if lang == Lang::Vi { r.replace('.', ",") } else { r })
}

/// Rows of cells, padded to their columns' widths (counted in characters: Vietnamese text is NFC).
fn grid(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> =
        (0..cols).map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> =
            r.iter().enumerate().map(|(c, s)| format!("{s}{}", " ".repeat(width[c] - s.chars().count()))).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The printed report: the variants side by side, each against the base.
pub fn table(run: &Run, summaries: &[Summary], lang: Lang) -> String {
    let Some(base) = summaries.first() else { return String::new() };
    let mut out = String::new();
    let days = summaries.first().map_or(0, |s| s.days);
    out.push_str(&format!(
        "{}: {} — {days} {}, {} {}\n",
        tr(lang, "Mô phỏng", "Simulation"),
        run.scenario,
        tr(lang, "ngày", if days == 1 { "day" } else { "days" }),
        tr(lang, "hạt giống", "seed"),
        run.seed,
    ));
    if base.skipped_arrivals > 0 {
        out.push_str(&match lang {
            Lang::Vi => format!("  {} phiếu của dịch vụ không có trong kịch bản bị bỏ qua\n", base.skipped_arrivals),
            _ => format!("  {} replayed tickets of services not in the scenario left out\n", base.skipped_arrivals),
        });
    }
    for s in &summaries[1..] {
        if !s.description.is_empty() {
            out.push_str(&format!("  {}: {}\n", s.variant, s.description));
        }
    }
    out.push('\n');
    let head = |title: &str| {
        let mut r = vec![title.to_owned()];
        r.extend(summaries.iter().map(|s| s.variant.clone()));
        r
    };
    type Metric<'a> = (&'a str, Box<dyn Fn(&Summary) -> f64>, fn(Lang, f64) -> String);
    let target = num(lang, base.wait.target_min).replace(",0", "").replace(".0", "");
    let under = match lang {
        Lang::Vi => format!("Chờ không quá {target} phút"),
        _ => format!("Waited {target} min or less"),
    };
    let metrics: Vec<Metric> = vec![
        (tr(lang, "Số phiếu", "Tickets"), Box::new(|s| s.tickets as f64), count),
        (tr(lang, "Đã phục vụ", "Served"), Box::new(|s| s.served as f64), count),
        (tr(lang, "Vắng mặt khi gọi", "No-shows"), Box::new(|s| s.no_show as f64), count),
        (
            tr(lang, "Chưa được phục vụ khi đóng cửa", "Left unserved at close"),
            Box::new(|s| s.unserved_at_close as f64),
            count,
        ),
        (tr(lang, "Thời gian chờ trung bình (phút)", "Mean wait (min)"), Box::new(|s| s.wait.mean_min), num),
        (tr(lang, "Trung vị (phút)", "Median wait (min)"), Box::new(|s| s.wait.median_min), num),
        (tr(lang, "P90 (phút)", "90th percentile (min)"), Box::new(|s| s.wait.p90_min), num),
        (tr(lang, "P95 (phút)", "95th percentile (min)"), Box::new(|s| s.wait.p95_min), num),
        (tr(lang, "Chờ lâu nhất (phút)", "Longest wait (min)"), Box::new(|s| s.wait.max_min), num),
        (&under, Box::new(|s| s.wait.share_under_target), pct),
        (tr(lang, "Số người chờ trung bình", "Mean queue length"), Box::new(|s| s.mean_queue), num),
        (tr(lang, "Mức bận của quầy", "Counter utilisation"), Box::new(|s| s.utilisation), pct),
    ];
    let mut rows = vec![head("")];
    for (label, get, show) in &metrics {
        let mut r = vec![(*label).to_owned()];
        for (i, s) in summaries.iter().enumerate() {
            let extra = if i == 0 { String::new() } else { ratio(lang, get(s), get(base)) };
            r.push(format!("{}{extra}", show(lang, get(s))));
        }
        rows.push(r);
    }
    let mut r = vec![tr(lang, "Hàng chờ dài nhất", "Longest queue").to_owned()];
    for s in summaries {
        let l = &s.longest_queue;
        let day = if s.days > 1 { format!(", {} {}", tr(lang, "ngày", "day"), l.day) } else { String::new() };
        r.push(format!("{} {} {}{day}", l.tickets, tr(lang, "lúc", "at"), l.at));
    }
    rows.push(r);
    out.push_str(&grid(&rows));

    out.push('\n');
    let mut rows = vec![head(tr(lang, "Chờ trung bình / P90 (phút)", "Mean / p90 wait (min)"))];
    for (i, svc) in base.services.iter().enumerate() {
        let mut r = vec![format!("{} ({})", svc.name, svc.tickets)];
        for s in summaries {
            let x = &s.services[i];
            r.push(format!("{} / {}", num(lang, x.mean_wait_min), num(lang, x.p90_wait_min)));
        }
        rows.push(r);
    }
    out.push_str(&grid(&rows));

    out.push('\n');
    let mut rows = vec![head(tr(lang, "Quầy — mức bận (đã phục vụ)", "Counter — utilisation (served)"))];
    let mut ids: Vec<u16> = summaries.iter().flat_map(|s| s.counters.iter().map(|c| c.id)).collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let officer = summaries.iter().flat_map(|s| &s.counters).find(|c| c.id == id).map(|c| c.officer.clone());
        let mut r = vec![format!("{} {id} ({})", tr(lang, "Quầy", "Counter"), officer.unwrap_or_default())];
        for s in summaries {
            r.push(match s.counters.iter().find(|c| c.id == id) {
                Some(c) => format!("{} ({})", pct(lang, c.utilisation), c.served),
                None => "—".into(),
            });
        }
        rows.push(r);
    }
    out.push_str(&grid(&rows));

    out.push('\n');
    let mut rows = vec![head(tr(lang, "Thời gian chờ (phút)", "Wait (min)"))];
    let last = summaries.iter().filter_map(|s| s.wait.histogram_5min.iter().rposition(|n| *n > 0)).max().unwrap_or(0);
    for b in 0..=last {
        let lo = b as u32 * BIN_MIN;
        let mut r = vec![if b == BINS { format!("≥ {lo}") } else { format!("{lo}–{}", lo + BIN_MIN) }];
        for s in summaries {
            let n = s.wait.histogram_5min[b];
            let share = if s.wait.counted > 0 { n as f64 / s.wait.counted as f64 } else { 0.0 };
            r.push(format!("{n} ({})", pct(lang, share)));
        }
        rows.push(r);
    }
    out.push_str(&grid(&rows));
    out
}

fn csv_file(path: &Path) -> std::io::Result<csv::Writer<std::fs::File>> {
    let mut f = std::fs::File::create(path)?;
    f.write_all("\u{feff}".as_bytes())?;
    Ok(csv::Writer::from_writer(f))
}

fn seconds(ms: Option<i64>) -> String {
    ms.map(|m| {
        let s = m / 1000;
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    })
    .unwrap_or_default()
}

/// Writes `tickets.csv`, `summary.csv`, `counters.csv`, `histogram.csv` and `summary.json` into `dir`.
pub fn export(dir: &Path, run: &Run, summaries: &[Summary]) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let io = |e: csv::Error| std::io::Error::other(e.to_string());
    let mut paths = Vec::new();

    let path = dir.join("tickets.csv");
    let mut w = csv_file(&path)?;
    w.write_record([
        "variant", "date", "ticket", "service", "priority", "issued", "called", "counter", "ended", "outcome",
        "wait_min",
    ])
    .map_err(io)?;
    for v in &run.variants {
        for (day, date) in v.days.iter().zip(&v.dates) {
            for t in &day.tickets {
                let outcome = match t.outcome {
                    Outcome::Served => "served",
                    Outcome::NoShow => "no-show",
                    Outcome::Unserved => "unserved",
                };
                w.write_record([
                    v.plan.variant.clone(),
                    date.to_string(),
                    t.label.clone(),
                    v.plan.services[t.service].code.to_string(),
                    if t.priority { "1" } else { "0" }.into(),
                    seconds(Some(t.issued_ms)),
                    seconds(t.called_ms),
                    t.counter.map(|c| c.to_string()).unwrap_or_default(),
                    seconds(t.ended_ms),
                    outcome.into(),
                    t.wait_s().map(|s| format!("{:.2}", s / 60.0)).unwrap_or_default(),
                ])
                .map_err(io)?;
            }
        }
    }
    w.flush()?;
    paths.push(path);

    let path = dir.join("summary.csv");
    let mut w = csv_file(&path)?;
    w.write_record([
        "variant",
        "days",
        "tickets",
        "served",
        "no_show",
        "unserved_at_close",
        "mean_wait_min",
        "median_wait_min",
        "p90_wait_min",
        "p95_wait_min",
        "max_wait_min",
        "share_under_target",
        "target_min",
        "longest_queue",
        "longest_queue_day",
        "longest_queue_at",
        "mean_queue",
        "utilisation",
    ])
    .map_err(io)?;
    for s in summaries {
        let f = |x: f64| format!("{x:.3}");
        w.write_record([
            s.variant.clone(),
            s.days.to_string(),
            s.tickets.to_string(),
            s.served.to_string(),
            s.no_show.to_string(),
            s.unserved_at_close.to_string(),
            f(s.wait.mean_min),
            f(s.wait.median_min),
            f(s.wait.p90_min),
            f(s.wait.p95_min),
            f(s.wait.max_min),
            f(s.wait.share_under_target),
            f(s.wait.target_min),
            s.longest_queue.tickets.to_string(),
            s.longest_queue.day.to_string(),
            s.longest_queue.at.clone(),
            f(s.mean_queue),
            f(s.utilisation),
        ])
        .map_err(io)?;
    }
    w.flush()?;
    paths.push(path);

    let path = dir.join("counters.csv");
    let mut w = csv_file(&path)?;
    w.write_record(["variant", "counter", "officer", "served", "no_shows", "staffed_h", "busy_h", "utilisation"])
        .map_err(io)?;
    for s in summaries {
        for c in &s.counters {
            w.write_record([
                s.variant.clone(),
                c.id.to_string(),
                c.officer.clone(),
                c.served.to_string(),
                c.no_shows.to_string(),
                format!("{:.3}", c.staffed_h),
                format!("{:.3}", c.busy_h),
                format!("{:.3}", c.utilisation),
            ])
            .map_err(io)?;
        }
    }
    w.flush()?;
    paths.push(path);

    let path = dir.join("histogram.csv");
    let mut w = csv_file(&path)?;
    w.write_record(["variant", "wait_from_min", "wait_to_min", "tickets"]).map_err(io)?;
    for s in summaries {
        for (b, n) in s.wait.histogram_5min.iter().enumerate() {
            let lo = b as u32 * BIN_MIN;
            let hi = if b == BINS { String::new() } else { (lo + BIN_MIN).to_string() };
            w.write_record([s.variant.clone(), lo.to_string(), hi, n.to_string()]).map_err(io)?;
        }
    }
    w.flush()?;
    paths.push(path);

    let path = dir.join("summary.json");
    let json = serde_json::json!({ "scenario": run.scenario, "seed": run.seed, "variants": summaries });
    std::fs::write(&path, serde_json::to_string_pretty(&json).map_err(std::io::Error::other)? + "\n")?;
    paths.push(path);
    Ok(paths)
}
