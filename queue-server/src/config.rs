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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// How long a staff login lasts.
    #[serde(default = "default_session_hours")]
    pub session_hours: i64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig { session_hours: default_session_hours() }
    }
}

fn default_session_hours() -> i64 {
    12
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
    if !(1..=24 * 7).contains(&config.server.session_hours) {
        return Err(invalid("[server] session_hours must be 1–168".into()));
    }
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
