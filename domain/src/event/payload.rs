//! The payloads of the events that carry an office's configuration, as versioned wire types.
//!
//! `OfficeSettings`, `Service` and `Counter` are what the office TOML, the admin API and the engine
//! work with; they may grow. What the log holds is these `…V1` types, fixed: each conversion
//! destructures every field, so a field added to a working type does not compile until someone
//! decides what the log does with it (a new field here takes `#[serde(default)]` so older logs still
//! read; a change of meaning is a new kind). The JSON of each is pinned by a test below, nested types
//! included, so a change to a shared nested type cannot slip into the log either.

use serde::{Deserialize, Serialize};

use crate::calendar::CalendarDay;
use crate::i18n::{Lang, Localized};
use crate::office::{
    Counter, CounterId, NumberFormat, NumberReading, OfficeSettings, OpeningInterval, PriorityRule, Procedure, Service,
    ServiceCode, Stage,
};
use crate::receipt::ReceiptPrinter;

/// `settings_changed`, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsV1 {
    pub name: Localized,
    pub agency_code: String,
    pub utc_offset_s: i32,
    pub opening_hours: Vec<OpeningInterval>,
    pub numbering: NumberFormat,
    pub priority_rule: PriorityRule,
    pub no_show_grace_s: u32,
    pub rating_window_s: u32,
    pub keep_queue_overnight: bool,
    pub announcement_langs: Vec<Lang>,
    pub number_reading: NumberReading,
    pub notice: Localized,
    /// Added with the holiday calendar; older logs read as none.
    #[serde(default)]
    pub calendar: Vec<CalendarDay>,
    /// Added with receipts; older logs read as empty.
    #[serde(default)]
    pub lookup_base_url: String,
    #[serde(default)]
    pub parent_agency: String,
    /// Added with following from a phone; older logs read as empty.
    #[serde(default)]
    pub follow_base_url: String,
}

/// `service_saved`, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceV1 {
    pub code: ServiceCode,
    pub letter: char,
    pub name: Localized,
    pub field: Localized,
    #[serde(default)]
    pub procedures: Vec<Procedure>,
    pub stage: Stage,
    pub service_level_target_s: u32,
    pub default_service_time_s: u32,
    pub open: bool,
}

/// `counter_saved`, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterV1 {
    pub id: CounterId,
    pub name: Localized,
    pub services: Vec<ServiceCode>,
    pub open: bool,
    /// Added with receipts; older logs read as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_printer: Option<ReceiptPrinter>,
}

impl From<&OfficeSettings> for SettingsV1 {
    fn from(s: &OfficeSettings) -> SettingsV1 {
        let OfficeSettings {
            name,
            agency_code,
            utc_offset_s,
            opening_hours,
            numbering,
            priority_rule,
            no_show_grace_s,
            rating_window_s,
            keep_queue_overnight,
            announcement_langs,
            number_reading,
            notice,
            calendar,
            lookup_base_url,
            parent_agency,
            follow_base_url,
        } = s.clone();
        SettingsV1 {
            name,
            agency_code,
            utc_offset_s,
            opening_hours,
            numbering,
            priority_rule,
            no_show_grace_s,
            rating_window_s,
            keep_queue_overnight,
            announcement_langs,
            number_reading,
            notice,
            calendar,
            lookup_base_url,
            parent_agency,
            follow_base_url,
        }
    }
}

impl From<&SettingsV1> for OfficeSettings {
    fn from(s: &SettingsV1) -> OfficeSettings {
        let SettingsV1 {
            name,
            agency_code,
            utc_offset_s,
            opening_hours,
            numbering,
            priority_rule,
            no_show_grace_s,
            rating_window_s,
            keep_queue_overnight,
            announcement_langs,
            number_reading,
            notice,
            calendar,
            lookup_base_url,
            parent_agency,
            follow_base_url,
        } = s.clone();
        OfficeSettings {
            name,
            agency_code,
            utc_offset_s,
            opening_hours,
            numbering,
            priority_rule,
            no_show_grace_s,
            rating_window_s,
            keep_queue_overnight,
            announcement_langs,
            number_reading,
            notice,
            calendar,
            lookup_base_url,
            parent_agency,
            follow_base_url,
        }
    }
}

impl From<&Service> for ServiceV1 {
    fn from(s: &Service) -> ServiceV1 {
        let Service {
            code,
            letter,
            name,
            field,
            procedures,
            stage,
            service_level_target_s,
            default_service_time_s,
            open,
        } = s.clone();
        ServiceV1 { code, letter, name, field, procedures, stage, service_level_target_s, default_service_time_s, open }
    }
}

impl From<&ServiceV1> for Service {
    fn from(s: &ServiceV1) -> Service {
        let ServiceV1 {
            code,
            letter,
            name,
            field,
            procedures,
            stage,
            service_level_target_s,
            default_service_time_s,
            open,
        } = s.clone();
        Service { code, letter, name, field, procedures, stage, service_level_target_s, default_service_time_s, open }
    }
}

impl From<&Counter> for CounterV1 {
    fn from(c: &Counter) -> CounterV1 {
        let Counter { id, name, services, open, receipt_printer } = c.clone();
        CounterV1 { id, name, services, open, receipt_printer }
    }
}

impl From<&CounterV1> for Counter {
    fn from(c: &CounterV1) -> Counter {
        let CounterV1 { id, name, services, open, receipt_printer } = c.clone();
        Counter { id, name, services, open, receipt_printer }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;

    /// The pinned JSON of each payload, from a value with every field and variant used. A change here
    /// changes what offices write to their logs: make it a new field with a default, or a new kind.
    const SETTINGS: &str = include_str!("payload_settings_v1.json");
    const SERVICE: &str = include_str!("payload_service_v1.json");
    const COUNTER: &str = include_str!("payload_counter_v1.json");

    fn pinned<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(text: &str) {
        let value: T = serde_json::from_str(text).unwrap();
        let again: serde_json::Value = serde_json::to_value(&value).unwrap();
        let expected: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(again, expected, "the payload's JSON changed");
    }

    #[test]
    fn payload_json_is_pinned() {
        pinned::<SettingsV1>(SETTINGS);
        pinned::<ServiceV1>(SERVICE);
        pinned::<CounterV1>(COUNTER);
    }

    #[test]
    fn working_types_round_trip_through_the_payloads() {
        let settings: SettingsV1 = serde_json::from_str(SETTINGS).unwrap();
        assert_eq!(SettingsV1::from(&OfficeSettings::from(&settings)), settings);
        let service: ServiceV1 = serde_json::from_str(SERVICE).unwrap();
        assert_eq!(ServiceV1::from(&Service::from(&service)), service);
        let counter: CounterV1 = serde_json::from_str(COUNTER).unwrap();
        assert_eq!(CounterV1::from(&Counter::from(&counter)), counter);
    }

    #[test]
    fn older_payloads_read_with_their_defaults() {
        let mut old: serde_json::Value = serde_json::from_str(SETTINGS).unwrap();
        for added in ["calendar", "lookup_base_url", "parent_agency", "follow_base_url"] {
            old.as_object_mut().unwrap().remove(added);
        }
        let read: SettingsV1 = serde_json::from_value(old).unwrap();
        assert!(read.calendar.is_empty() && read.follow_base_url.is_empty());
        let event = r#"{"type":"counter_saved","counter":{"id":3,"name":{"vi":"Quầy 3","en":"Counter 3"},"services":["ho-tich"],"open":true}}"#;
        let EventKind::CounterSaved { counter } = serde_json::from_str(event).unwrap() else { panic!() };
        assert_eq!(counter.receipt_printer, None);
    }
}
