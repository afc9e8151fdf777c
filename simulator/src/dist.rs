//! Random draws: service-time distributions, Poisson arrivals with rates that change by the hour, and
//! the seeded streams they come from. Every citizen takes the same number of uniform draws whatever
//! the distribution or variant, so variants of one scenario meet the same citizens (common random
//! numbers): a "what if" compares staffing, not luck.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A service-time distribution, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    Exponential {
        mean_s: f64,
    },
    /// Log-normal with this mean and standard deviation (of the time itself, not of its logarithm).
    LogNormal {
        mean_s: f64,
        sd_s: f64,
    },
    Fixed {
        mean_s: f64,
    },
}

impl Dist {
    pub fn mean_s(&self) -> f64 {
        match *self {
            Dist::Exponential { mean_s } | Dist::LogNormal { mean_s, .. } | Dist::Fixed { mean_s } => mean_s,
        }
    }

    /// A draw from two uniforms in (0, 1].
    pub fn sample(&self, u1: f64, u2: f64) -> f64 {
        match *self {
            Dist::Exponential { mean_s } => -mean_s * u1.ln(),
            Dist::Fixed { mean_s } => mean_s,
            Dist::LogNormal { mean_s, sd_s } => {
                let sigma2 = (1.0 + (sd_s / mean_s).powi(2)).ln();
                let mu = mean_s.ln() - sigma2 / 2.0;
                // Box–Muller.
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                (mu + sigma2.sqrt() * z).exp()
            }
        }
    }
}

/// Relative arrivals by clock hour (0–23) in a Vietnamese one-stop office: a peak from 08:00 to
/// 10:00 (citizens come before work or first thing), a lull at lunch, a smaller peak at 14:00.
pub const MORNING_PEAK: [f64; 24] = [
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 0.8, 1.7, 1.9, 1.4, 0.9, 0.3, 0.6, 1.1, 0.9, 0.6, 0.3, 0.1, 0.0, 0.0, 0.0, 0.0,
    0.0,
];

/// A seeded stream for one purpose (a day's arrivals of one service…), independent of the others.
pub fn stream(seed: u64, day: u64, purpose: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(splitmix(seed ^ splitmix(day ^ splitmix(purpose))));
    rng.set_stream(purpose);
    rng
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A uniform draw in (0, 1] (never 0, so logarithms are finite).
pub fn unit(rng: &mut ChaCha8Rng) -> f64 {
    1.0 - rng.random::<f64>()
}

/// Arrival instants (seconds of the day) of a Poisson process whose rate per hour is `rate[h]` in clock
/// hour `first_hour + h`, counted only within `sessions`. The process is memoryless, so drawing anew
/// at each hour's or session's edge is exact. `per_arrival` is called at each arrival with the stream,
/// so the citizen's own draws follow the gap that brought them.
pub fn poisson_arrivals(
    rng: &mut ChaCha8Rng,
    rate: &[f64],
    first_hour: u32,
    sessions: &[(u32, u32)],
    mut per_arrival: impl FnMut(f64, &mut ChaCha8Rng),
) {
    for (h, per_hour) in rate.iter().enumerate() {
        let (a, b) = (f64::from((first_hour + h as u32) * 3600), f64::from((first_hour + h as u32 + 1) * 3600));
        for s in sessions {
            let (from, to) = (a.max(f64::from(s.0)), b.min(f64::from(s.1)));
            if from >= to || *per_hour <= 0.0 {
                continue;
            }
            let mut t = from;
            loop {
                t += -unit(rng).ln() * 3600.0 / per_hour;
                if t >= to {
                    break;
                }
                per_arrival(t, rng);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_have_their_means() {
        let mut rng = stream(7, 0, 0);
        for d in [
            Dist::Exponential { mean_s: 300.0 },
            Dist::LogNormal { mean_s: 300.0, sd_s: 200.0 },
            Dist::Fixed { mean_s: 300.0 },
        ] {
            let n = 200_000;
            let xs: Vec<f64> = (0..n).map(|_| d.sample(unit(&mut rng), unit(&mut rng))).collect();
            let mean = xs.iter().sum::<f64>() / f64::from(n);
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n)).sqrt();
            assert!((mean / 300.0 - 1.0).abs() < 0.01, "{d:?}: mean {mean}");
            let want_sd = match d {
                Dist::Exponential { .. } => 300.0,
                Dist::LogNormal { sd_s, .. } => sd_s,
                Dist::Fixed { .. } => 0.0,
            };
            assert!((sd - want_sd).abs() < 0.03 * 300.0, "{d:?}: sd {sd}");
        }
    }

    #[test]
    fn arrivals_follow_the_hourly_rates_and_sessions() {
        let mut rng = stream(1, 0, 0);
        let mut by_hour = [0u32; 4];
        for _ in 0..2000 {
            poisson_arrivals(
                &mut rng,
                &[10.0, 40.0, 0.0, 20.0],
                7,
                &[(7 * 3600 + 1800, 9 * 3600), (10 * 3600, 11 * 3600)],
                |t, _| {
                    assert!((27_000.0..32_400.0).contains(&t) || (36_000.0..39_600.0).contains(&t), "{t}");
                    by_hour[(t as usize / 3600) - 7] += 1;
                },
            );
        }
        // Half an hour of the first hour is open: 5 a day; then 40, 0, 20.
        let per_day: Vec<f64> = by_hour.iter().map(|n| f64::from(*n) / 2000.0).collect();
        for (got, want) in per_day.iter().zip([5.0, 40.0, 0.0, 20.0]) {
            assert!((got - want).abs() <= 0.05 * want.max(1.0), "{per_day:?}");
        }
    }
}
