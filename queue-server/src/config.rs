//! The office configuration file (TOML): settings, services and counters. Loading validates it with
//! errors that name the line; applying it records only what differs from the current state, as events.

use std::path::Path;

use domain::event::Actor;
use domain::office::{Counter, OfficeSettings, Service};
use domain::queue::Command;
use serde::Deserialize;

use crate::error::AppError;
use crate::office::Office;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeConfig {
    pub office: Option<OfficeSettings>,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(default)]
    pub counters: Vec<Counter>,
    #[serde(default)]
    pub server: ServerConfig,
    /// `[reminders]`: the webhook that sends citizens' reminders (none: reminders are off).
    pub reminders: Option<crate::reminders::ReminderConfig>,
    /// `[devices]`: counter LED displays and caller keypads on serial buses (none: no such hardware).
    pub devices: Option<crate::devices::DevicesConfig>,
    /// `[sync]`: the link to the city's central server (enrolment itself is `queue-server sync enrol`).
    #[serde(default)]
    pub sync: crate::uplink::SyncConfig,
}

/// `[server]`: how the office server protects itself. Every limit has a default sized for an office of
/// a few dozen devices; see `limits`, `listener` and `events` for what each one bounds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// How long a staff login lasts.
    pub session_hours: i64,
    /// Open connections at most (kiosks, displays, counter browsers, admin); beyond it new
    /// connections are closed at once.
    pub max_connections: usize,
    /// Open connections at most from one address (one attacker on the LAN cannot take them all).
    pub max_connections_per_address: usize,
    /// A client must send a request's headers within this time (slowloris).
    pub header_read_timeout_s: u64,
    /// A keep-alive connection with no request for this long is closed.
    pub idle_timeout_s: u64,
    /// Requests served on one keep-alive connection before it is closed.
    pub max_requests_per_connection: u64,
    /// Password hashes computed at once (7 MiB of argon2id memory each). One by default: a hash takes
    /// about 40 ms, so 20 staff logging in together wait about a second, and the server's peak memory
    /// stays under 50 MB (two at once measured 54–55 MB, docs/PERFORMANCE.md).
    pub login_concurrency: usize,
    /// Wrong passwords for one username within the window before it is locked.
    pub login_max_failures: u32,
    /// Wrong passwords from one address within the window before it is locked.
    pub login_max_failures_per_address: u32,
    pub login_window_s: u64,
    /// First lockout; each further one doubles (at most 24 h).
    pub login_lockout_s: u64,
    /// Dossier lookups a kiosk may make per minute (the register cannot be enumerated).
    pub dossier_lookups_per_minute: u32,
    /// A dossier in process is "sắp đến hạn" (due soon) from this many hours before its deadline (and
    /// all of the deadline's day); 48 h is about two working days. 0 leaves only the day itself.
    pub dossier_due_soon_hours: u32,
    /// A live event subscriber whose backlog grows past this many events while it is being fed is
    /// cut (it resumes from its last id).
    pub stream_max_lag_events: u64,
    /// A live event subscriber that does not take an event for this long is cut.
    pub stream_stall_timeout_s: u64,
    /// Dossier receipts printed at once on counter printers (each on the blocking pool); more wait.
    pub receipt_prints_at_once: usize,
    /// Longest wait for a free print slot, and for one write to a counter's printer.
    pub receipt_print_timeout_s: u64,
    /// Phones following tickets live (`/t/{token}`) at once; beyond it a follow page fetches its ticket
    /// every half minute instead. Each holds a connection: keep it well under `max_connections`.
    pub follow_streams: usize,
    /// TLS for the office listener: PEM certificate chain and key files, or `generate = true` for a
    /// self-signed certificate kept in the data directory (devices pin it).
    pub tls: Option<TlsConfig>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub cert: Option<std::path::PathBuf>,
    pub key: Option<std::path::PathBuf>,
    #[serde(default)]
    pub generate: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            session_hours: 12,
            max_connections: 1024,
            max_connections_per_address: 128,
            header_read_timeout_s: 10,
            idle_timeout_s: 120,
            max_requests_per_connection: 10_000,
            login_concurrency: 1,
            login_max_failures: 5,
            login_max_failures_per_address: 20,
            login_window_s: 900,
            login_lockout_s: 60,
            dossier_lookups_per_minute: 30,
            dossier_due_soon_hours: 48,
            stream_max_lag_events: 20_000,
            stream_stall_timeout_s: 60,
            receipt_prints_at_once: 4,
            receipt_print_timeout_s: 10,
            follow_streams: 256,
            tls: None,
        }
    }
}

impl ServerConfig {
    fn validate(&self) -> Result<(), String> {
        let range = |name: &str, value: u64, lo: u64, hi: u64| {
            if (lo..=hi).contains(&value) {
                Ok(())
            } else {
                Err(format!("[server] {name} must be {lo}–{hi} (is {value})"))
            }
        };
        range("session_hours", self.session_hours.max(0) as u64, 1, 24 * 7)?;
        range("max_connections", self.max_connections as u64, 16, 1_000_000)?;
        range("max_connections_per_address", self.max_connections_per_address as u64, 1, self.max_connections as u64)?;
        range("header_read_timeout_s", self.header_read_timeout_s, 1, 300)?;
        range("idle_timeout_s", self.idle_timeout_s, 1, 3600)?;
        range("max_requests_per_connection", self.max_requests_per_connection, 1, u64::MAX)?;
        range("login_concurrency", self.login_concurrency as u64, 1, 64)?;
        range("receipt_prints_at_once", self.receipt_prints_at_once as u64, 1, 64)?;
        range("receipt_print_timeout_s", self.receipt_print_timeout_s, 1, 120)?;
        range("follow_streams", self.follow_streams as u64, 0, self.max_connections as u64)?;
        range("login_max_failures", u64::from(self.login_max_failures), 1, 1000)?;
        range("login_max_failures_per_address", u64::from(self.login_max_failures_per_address), 1, 100_000)?;
        range("login_window_s", self.login_window_s, 1, 86_400)?;
        range("login_lockout_s", self.login_lockout_s, 1, 86_400)?;
        range("dossier_lookups_per_minute", u64::from(self.dossier_lookups_per_minute), 1, 100_000)?;
        range("dossier_due_soon_hours", u64::from(self.dossier_due_soon_hours), 0, 24 * 30)?;
        range("stream_max_lag_events", self.stream_max_lag_events, 100, u64::MAX)?;
        range("stream_stall_timeout_s", self.stream_stall_timeout_s, 1, 3600)?;
        if let Some(tls) = &self.tls {
            match (&tls.cert, &tls.key, tls.generate) {
                (Some(_), Some(_), false) | (None, None, true) => {}
                _ => return Err("[server.tls] give either cert and key, or generate = true".into()),
            }
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

pub fn load(path: &Path) -> Result<OfficeConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
    parse(&text, &path.display().to_string())
}

pub fn parse(text: &str, origin: &str) -> Result<OfficeConfig, ConfigError> {
    let config: OfficeConfig =
        toml::from_str(text).map_err(|e| ConfigError::Parse { path: origin.to_owned(), message: e.to_string() })?;
    let invalid = |message: String| ConfigError::Invalid { path: origin.to_owned(), message };
    if let Some(settings) = &config.office {
        settings.validate().map_err(|m| invalid(format!("[office]: {m}")))?;
    }
    let mut letters = std::collections::HashSet::new();
    for s in &config.services {
        if !letters.insert(s.letter) {
            return Err(invalid(format!("service {}: letter {} is used twice", s.code, s.letter)));
        }
        if s.name.vi.trim().is_empty() || s.name.en.trim().is_empty() {
            return Err(invalid(format!("service {}: names in vi and en are required", s.code)));
        }
    }
    for c in &config.counters {
        for s in &c.services {
            if !config.services.iter().any(|svc| &svc.code == s) {
                return Err(invalid(format!("counter {}: unknown service {s}", c.id)));
            }
        }
    }
    config.server.validate().map_err(invalid)?;
    if let Some(reminders) = &config.reminders {
        reminders.validate().map_err(invalid)?;
    }
    if let Some(devices) = &config.devices {
        devices.validate().map_err(invalid)?;
    }
    config.sync.validate().map_err(invalid)?;
    Ok(config)
}

/// Records what differs between the file and the office's state.
pub async fn apply(office: &Office, config: &OfficeConfig) -> Result<usize, AppError> {
    let config = config.clone();
    office
        .run(Actor::System, move |ctx| {
            let mut changes = 0;
            if let Some(settings) = &config.office {
                if &ctx.state.settings != settings {
                    ctx.command(&Command::ChangeSettings { settings: settings.clone() })?;
                    changes += 1;
                }
            }
            for s in &config.services {
                if ctx.state.services.get(&s.code) != Some(s) {
                    ctx.command(&Command::SaveService { service: s.clone() })?;
                    changes += 1;
                }
            }
            for c in &config.counters {
                if ctx.state.counters.get(&c.id).map(|cs| &cs.counter) != Some(c) {
                    ctx.command(&Command::SaveCounter { counter: c.clone() })?;
                    changes += 1;
                }
            }
            Ok(changes)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_office_file_is_valid() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/office.toml");
        let config = load(&path).unwrap();
        let office = config.office.unwrap();
        assert_eq!(office.opening_hours.len(), 3);
        assert_eq!(config.services.len(), 2);
        assert_eq!(config.counters[1].services.len(), 2);
    }

    #[test]
    fn bad_config_names_the_problem() {
        let err = parse("[office]\nname = 3\n", "office.toml").unwrap_err().to_string();
        assert!(err.contains("office.toml") && err.contains("line 2"), "{err}");
        let err = parse(
            r#"
            [[services]]
            code = "a"
            letter = "A"
            name = { vi = "Hộ tịch", en = "Civil status" }
            field = { vi = "Hộ tịch", en = "Civil status" }
            stage = "reception"
            service_level_target_s = 900
            default_service_time_s = 300
            open = true
            [[counters]]
            id = 1
            name = { vi = "Quầy 1", en = "Counter 1" }
            services = ["b"]
            open = true
            "#,
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown service b"), "{err}");
        assert!(parse("surprise = 1", "x.toml").is_err());
    }
}
