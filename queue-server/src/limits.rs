//! Limits that keep one caller from stalling the office: the login pool and throttle, and a
//! per-key rate limiter (dossier lookups per kiosk). The numbers come from `[server]` in the office
//! configuration (`config::ServerConfig`).
//!
//! - Password hashing (argon2id needs its memory for every hash at once) runs on tokio's blocking pool
//!   behind a semaphore of `login_concurrency` permits: 200 simultaneous logins cost at most that many
//!   hashes' memory and threads, and never an async worker.
//! - After `login_max_failures` wrong passwords for a username, or `login_max_failures_per_address`
//!   from an address, within `login_window_s`, logins for it are refused without hashing for a lockout
//!   that doubles with each repetition (from `login_lockout_s`, at most 24 h). A lockout is an event.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration as StdDuration;

use time::{Duration, OffsetDateTime};
use tokio::sync::Semaphore;

use crate::auth::{self, Verified};
use crate::config::ServerConfig;
use crate::error::AppError;

/// Keys remembered at most (an attacker spraying usernames cannot grow the maps without bound; the
/// oldest entries go first).
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginCheck {
    Allowed,
    Locked { retry_after_s: u64 },
}

/// A lockout that has just begun.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lockout {
    pub failures: u32,
    pub until: OffsetDateTime,
    pub retry_after_s: u64,
}

#[derive(Debug, Clone, Default)]
struct Failures {
    /// Failures in the current window, and when the window started.
    count: u32,
    window_start: Option<OffsetDateTime>,
    locked_until: Option<OffsetDateTime>,
    /// Lockouts so far (each one doubles the next).
    lockouts: u32,
    last_seen: Option<OffsetDateTime>,
}

pub struct LoginGuard {
    pool: Semaphore,
    users: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<IpAddr, Failures>>,
    max_per_user: u32,
    max_per_address: u32,
    window: Duration,
    lockout: Duration,
}

impl LoginGuard {
    pub fn new(config: &ServerConfig) -> LoginGuard {
        LoginGuard {
            pool: Semaphore::new(config.login_concurrency.max(1)),
            users: Mutex::default(),
            addresses: Mutex::default(),
            max_per_user: config.login_max_failures.max(1),
            max_per_address: config.login_max_failures_per_address.max(1),
            window: Duration::seconds(config.login_window_s as i64),
            lockout: Duration::seconds(config.login_lockout_s as i64),
        }
    }

    pub fn check(&self, username: &str, address: IpAddr, now: OffsetDateTime) -> LoginCheck {
        let user = locked(&self.users, &username.to_owned(), now);
        let addr = locked(&self.addresses, &address, now);
        match user.max(addr) {
            Some(until) => LoginCheck::Locked { retry_after_s: retry_after(until, now) },
            None => LoginCheck::Allowed,
        }
    }

    /// Records a wrong password; returns the lockout it starts, if any.
    pub fn failed(&self, username: &str, address: IpAddr, now: OffsetDateTime) -> Option<Lockout> {
        let user = self.count(&self.users, username.to_owned(), self.max_per_user, now);
        let addr = self.count(&self.addresses, address, self.max_per_address, now);
        match (user, addr) {
            (Some(a), Some(b)) => Some(if a.until >= b.until { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    /// A right password clears the username's failures (not the address's: one good account must not
    /// reset an address that guesses others).
    pub fn succeeded(&self, username: &str, _address: IpAddr) {
        self.users.lock().unwrap_or_else(|e| e.into_inner()).remove(username);
    }

    fn count<K: Eq + Hash + Clone>(
        &self,
        map: &Mutex<HashMap<K, Failures>>,
        key: K,
        max: u32,
        now: OffsetDateTime,
    ) -> Option<Lockout> {
        let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_TRACKED && !map.contains_key(&key) {
            evict_oldest(&mut map);
        }
        let entry = map.entry(key).or_default();
        entry.last_seen = Some(now);
        if entry.window_start.is_none_or(|start| now - start > self.window) {
            entry.window_start = Some(now);
            entry.count = 0;
        }
        entry.count += 1;
        if entry.count < max {
            return None;
        }
        let factor = 1i64 << entry.lockouts.min(10);
        let length = (self.lockout * factor as i32).min(Duration::hours(24));
        let until = now + length;
        entry.lockouts += 1;
        entry.locked_until = Some(until);
        let failures = entry.count;
        entry.count = 0;
        entry.window_start = None;
        Some(Lockout { failures, until, retry_after_s: retry_after(until, now) })
    }

    /// Checks a password on the login pool; `None` (no such account) checks a dummy hash instead so
    /// the answer takes as long.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<Verified, AppError> {
        let _permit = self.pool.acquire().await.map_err(|_| AppError::Unavailable("login pool closed".into()))?;
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| auth::dummy_hash().to_owned());
        let verified = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
            .await
            .map_err(|e| AppError::Unavailable(e.to_string()))?;
        Ok(if known { verified } else { Verified::No })
    }

    /// Hashes a new password on the login pool.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let _permit = self.pool.acquire().await.map_err(|_| AppError::Unavailable("login pool closed".into()))?;
        tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .map_err(|e| AppError::Unavailable(e.to_string()))?
    }
}

fn locked<K: Eq + Hash>(map: &Mutex<HashMap<K, Failures>>, key: &K, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.get(key).and_then(|f| f.locked_until).filter(|until| *until > now)
}

fn retry_after(until: OffsetDateTime, now: OffsetDateTime) -> u64 {
    (until - now).whole_seconds().max(1) as u64
}

fn evict_oldest<K: Eq + Hash + Clone>(map: &mut HashMap<K, Failures>) {
    let mut by_age: Vec<(Option<OffsetDateTime>, K)> = map.iter().map(|(k, f)| (f.last_seen, k.clone())).collect();
    by_age.sort_by_key(|(seen, _)| *seen);
    for (_, key) in by_age.into_iter().take(MAX_TRACKED / 10) {
        map.remove(&key);
    }
}

/// A token bucket per key: `per_minute` requests a minute on average, bursts of up to a quarter of
/// that (at least 5).
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, (f64, std::time::Instant)>>,
    per_minute: u32,
}

impl RateLimiter {
    pub fn per_minute(per_minute: u32) -> RateLimiter {
        RateLimiter { buckets: Mutex::default(), per_minute: per_minute.max(1) }
    }

    fn burst(&self) -> f64 {
        f64::from((self.per_minute / 4).max(5))
    }

    /// Takes one request for `key`; `Err(seconds)` says when the next one will be allowed.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        let now = std::time::Instant::now();
        let rate = f64::from(self.per_minute) / 60.0;
        let burst = self.burst();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(key) {
            buckets.retain(|_, (tokens, at)| *tokens + at.elapsed().as_secs_f64() * rate < burst);
        }
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(StdDuration::from_secs_f64((1.0 - *tokens) / rate).as_secs().max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> LoginGuard {
        LoginGuard::new(&ServerConfig {
            login_max_failures: 3,
            login_max_failures_per_address: 5,
            ..Default::default()
        })
    }

    #[test]
    fn a_user_is_locked_after_the_failures_and_the_lockout_doubles() {
        let g = guard();
        let ip: IpAddr = "10.0.0.9".parse().unwrap();
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(20000);
        assert_eq!(g.failed("canbo1", ip, t0), None);
        assert_eq!(g.failed("canbo1", ip, t0), None);
        let first = g.failed("canbo1", ip, t0).expect("third failure locks");
        assert_eq!(first.failures, 3);
        assert_eq!(g.check("canbo1", ip, t0), LoginCheck::Locked { retry_after_s: first.retry_after_s });
        // Another user from another address is not affected.
        assert_eq!(g.check("canbo2", "10.0.0.10".parse().unwrap(), t0), LoginCheck::Allowed);
        let later = first.until + Duration::seconds(1);
        assert_eq!(g.check("canbo1", ip, later), LoginCheck::Allowed);
        let other_ip: IpAddr = "10.0.0.11".parse().unwrap();
        g.failed("canbo1", other_ip, later);
        g.failed("canbo1", other_ip, later);
        let second = g.failed("canbo1", other_ip, later).expect("locks again");
        assert_eq!(second.until - later, (first.until - t0) * 2);
    }

    #[test]
    fn an_address_guessing_many_users_is_locked() {
        let g = guard();
        let ip: IpAddr = "10.0.0.9".parse().unwrap();
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(20000);
        let locks: Vec<bool> = (0..5).map(|i| g.failed(&format!("user{i}"), ip, t0).is_some()).collect();
        assert_eq!(locks, [false, false, false, false, true]);
        assert!(matches!(g.check("anyone", ip, t0), LoginCheck::Locked { .. }));
    }

    #[test]
    fn the_rate_limiter_allows_a_burst_then_refuses() {
        let r = RateLimiter::per_minute(20);
        let allowed = (0..20).filter(|_| r.take("kiosk").is_ok()).count();
        assert_eq!(allowed, 5);
        assert!(r.take("kiosk").unwrap_err() >= 1);
        assert!(r.take("other kiosk").is_ok());
    }
}
