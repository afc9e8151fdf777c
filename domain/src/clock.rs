//! Office-local time. Ho Chi Minh City is UTC+7 with no daylight saving; the offset is still a value
//! (not a constant baked into rules) so that an office elsewhere can be configured.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::i18n::Localized;

/// Asia/Ho_Chi_Minh.
pub const VIETNAM_OFFSET: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("valid offset"),
};

/// The local calendar day of an instant at an office.
pub fn local_day(at: OffsetDateTime, offset: UtcOffset) -> Date {
    at.to_offset(offset).date()
}

/// Morning (Sáng) until noon, afternoon (Chiều) after, as printed on tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Session {
    Morning,
    Afternoon,
}

impl Session {
    pub fn of(at: OffsetDateTime, offset: UtcOffset) -> Session {
        if at.to_offset(offset).time().hour() < 12 {
            Session::Morning
        } else {
            Session::Afternoon
        }
    }

    pub fn name(self) -> Localized {
        match self {
            Session::Morning => Localized::new("Sáng", "Morning"),
            Session::Afternoon => Localized::new("Chiều", "Afternoon"),
        }
    }
}

/// `HH:mm dd/MM/yyyy` in office time, as printed on a ticket.
pub fn format_ticket_time(at: OffsetDateTime, offset: UtcOffset) -> String {
    let local = at.to_offset(offset);
    format!(
        "{:02}:{:02} {:02}/{:02}/{:04}",
        local.hour(),
        local.minute(),
        local.day(),
        u8::from(local.month()),
        local.year()
    )
}

/// `dd/MM/yyyy`.
pub fn format_date(date: Date) -> String {
    format!("{:02}/{:02}/{:04}", date.day(), u8::from(date.month()), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn local_day_changes_at_local_midnight() {
        // 16:59 UTC is 23:59 in Ho Chi Minh City; 17:00 UTC is 00:00 the next day.
        assert_eq!(local_day(datetime!(2026-11-27 16:59 UTC), VIETNAM_OFFSET), date!(2026 - 11 - 27));
        assert_eq!(local_day(datetime!(2026-11-27 17:00 UTC), VIETNAM_OFFSET), date!(2026 - 11 - 28));
    }

    #[test]
    fn ticket_time_and_session() {
        let at = datetime!(2026-11-27 02:05 UTC);
        assert_eq!(format_ticket_time(at, VIETNAM_OFFSET), "09:05 27/11/2026");
        assert_eq!(Session::of(at, VIETNAM_OFFSET), Session::Morning);
        assert_eq!(Session::of(datetime!(2026-11-27 06:00 UTC), VIETNAM_OFFSET), Session::Afternoon);
        assert_eq!(Session::Afternoon.name().vi, "Chiều");
    }
}

/// Serde for dates as `YYYY-MM-DD` (the `time` default is a tuple).
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&date.format(FORMAT).map_err(serde::ser::Error::custom)?)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text, FORMAT).map_err(serde::de::Error::custom)
    }
}
