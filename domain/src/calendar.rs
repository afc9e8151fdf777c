//! The office's holiday calendar: public holidays (ngày lễ, Tết), compensatory days off (nghỉ bù) and
//! compensatory working days (làm bù), which close or open the office and move working-day deadlines.
//!
//! The statutory holidays are those of Bộ luật Lao động 2019, Điều 112: Tết Dương lịch (1/1), Tết Âm
//! lịch (5 days), Giỗ Tổ Hùng Vương (10/3 lunar), 30/4, 1/5 and Quốc khánh (2/9 and a day next to it).
//! The law fixes how many days; which days Tết takes, and any swapped working Saturday, are announced
//! by the Prime Minister each year, so [`statutory`] gives the usual pattern and an office edits it.
//!
//! Lunar dates are computed with the Vietnamese lunar calendar (new moons and solar terms at UTC+7, the
//! astronomical method of Hồ Ngọc Đức's published algorithm, itself after Meeus).

use std::f64::consts::PI;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, Weekday};

use crate::i18n::Localized;

/// What a day of the calendar is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday: closed.
    Holiday,
    /// A compensatory day off for a holiday that fell on a weekend (nghỉ bù): closed.
    DayOff,
    /// A compensatory working day (làm bù), usually a Saturday: open, with the opening hours of
    /// weekday `hours_of` (1 = Monday … 7 = Sunday), and a working day for deadlines.
    WorkingDay {
        #[schemars(range(min = 1, max = 7))]
        hours_of: u8,
    },
}

/// One day that differs from the weekly opening hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`, office-local.
    #[schemars(schema_with = "crate::api::schema::date")]
    #[serde(with = "crate::clock::iso_date")]
    pub date: Date,
    #[serde(flatten)]
    pub kind: DayKind,
    /// What the day is, as a waiting room reads it ("Tết Nguyên đán", "Nghỉ bù Giỗ Tổ Hùng Vương").
    #[schemars(schema_with = "day_name")]
    pub name: Localized,
}

/// A day's name: Vietnamese not blank, both at most 100 characters (`validate`).
fn day_name(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "object", "required": ["vi", "en"], "properties": {
        "vi": { "type": "string", "pattern": "\\S", "maxLength": 100 },
        "en": { "type": "string", "maxLength": 100 } } })
}

/// Checks a calendar an admin saves: one entry per date, working days name a weekday, names not blank.
pub fn validate(days: &[CalendarDay]) -> Result<(), String> {
    let mut dates: Vec<Date> = days.iter().map(|d| d.date).collect();
    dates.sort();
    if let Some(w) = dates.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("{} is in the calendar twice", w[0]));
    }
    if days.len() > 1000 {
        return Err("a calendar holds at most 1000 days".into());
    }
    for day in days {
        if let DayKind::WorkingDay { hours_of } = day.kind {
            if !(1..=7).contains(&hours_of) {
                return Err(format!("{}: hours_of is a weekday, 1 (Monday) to 7 (Sunday)", day.date));
            }
        }
        if day.name.vi.trim().is_empty() || day.name.vi.chars().count() > 100 || day.name.en.chars().count() > 100 {
            return Err(format!("{}: the day needs a name of at most 100 characters", day.date));
        }
    }
    Ok(())
}

/// The calendar's entry for a date, if any.
pub fn day_of(days: &[CalendarDay], date: Date) -> Option<&CalendarDay> {
    days.iter().find(|d| d.date == date)
}

/// Whether a date counts as a working day (ngày làm việc) for deadlines: Monday to Friday unless the
/// calendar closes it, and any compensatory working day.
pub fn is_working_day(days: &[CalendarDay], date: Date) -> bool {
    match day_of(days, date).map(|d| d.kind) {
        Some(DayKind::Holiday | DayKind::DayOff) => false,
        Some(DayKind::WorkingDay { .. }) => true,
        None => !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday),
    }
}

/// The date `n` working days after `from` (a dossier received on a Friday with a 1-day limit is due on
/// Monday, or later if Monday is a holiday). `n = 0` gives `from` itself, or the next working day.
pub fn add_working_days(days: &[CalendarDay], from: Date, n: u32) -> Date {
    let mut date = from;
    // The last representable day ends the search: no date after it exists to be a working day.
    while !is_working_day(days, date) {
        match date.next_day() {
            Some(next) => date = next,
            None => return date,
        }
    }
    let mut left = n;
    while left > 0 {
        match date.next_day() {
            Some(next) => date = next,
            None => return date,
        }
        if is_working_day(days, date) {
            left -= 1;
        }
    }
    date
}

/// The first working day on or after `date` (an appointment that falls on a holiday moves to it).
pub fn next_working_day(days: &[CalendarDay], date: Date) -> Date {
    add_working_days(days, date, 0)
}

/// The statutory holidays of a year in their usual pattern, with compensatory days off for those that
/// fall on a Saturday or Sunday: Tết Âm lịch as New Year's Eve and the first four days of the lunar
/// year, Quốc khánh as 2/9 and the day after (the day before when 2/9 is a Tuesday, making a long
/// weekend). Check it against the year's official notice and edit it.
pub fn statutory(year: i32) -> Vec<CalendarDay> {
    let mut days: Vec<CalendarDay> = Vec::new();
    let mut holiday = |date: Option<Date>, vi: &str, en: &str| {
        if let Some(date) = date {
            days.push(CalendarDay { date, kind: DayKind::Holiday, name: Localized::new(vi, en) });
        }
    };
    holiday(Date::from_calendar_date(year, Month::January, 1).ok(), "Tết Dương lịch", "New Year's Day");
    if let Some(tet) = lunar_to_solar(1, 1, year, false) {
        holiday(tet.previous_day(), "Tết Nguyên đán (Giao thừa)", "Lunar New Year's Eve");
        for i in 0..4 {
            holiday(tet.checked_add(Duration::days(i)), "Tết Nguyên đán", "Lunar New Year (Tết)");
        }
    }
    holiday(lunar_to_solar(10, 3, year, false), "Giỗ Tổ Hùng Vương", "Hùng Kings' Commemoration Day");
    holiday(Date::from_calendar_date(year, Month::April, 30).ok(), "Ngày Giải phóng miền Nam", "Reunification Day");
    holiday(Date::from_calendar_date(year, Month::May, 1).ok(), "Ngày Quốc tế Lao động", "International Labour Day");
    if let Ok(national) = Date::from_calendar_date(year, Month::September, 2) {
        let other = if national.weekday() == Weekday::Tuesday { national.previous_day() } else { national.next_day() };
        holiday(Some(national), "Quốc khánh", "National Day");
        holiday(other, "Quốc khánh", "National Day");
    }
    days.sort_by_key(|d| d.date);
    // A holiday on a weekend gives a day off on the next weekday that is not already off.
    let weekend_holidays: Vec<CalendarDay> =
        days.iter().filter(|d| matches!(d.date.weekday(), Weekday::Saturday | Weekday::Sunday)).cloned().collect();
    for h in weekend_holidays {
        let mut date = h.date;
        loop {
            date = match date.next_day() {
                Some(d) => d,
                None => break,
            };
            let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
            if !weekend && day_of(&days, date).is_none() {
                let name =
                    Localized::new(format!("Nghỉ bù {}", h.name.vi), format!("Day off in lieu of {}", h.name.en));
                days.push(CalendarDay { date, kind: DayKind::DayOff, name });
                break;
            }
        }
    }
    days.sort_by_key(|d| d.date);
    days
}

// ---- the Vietnamese lunar calendar ----

/// Time zone of the Vietnamese lunar calendar, in hours.
const TIME_ZONE: f64 = 7.0;

/// The Julian day number of the `k`-th new moon after 1900-01-01 (Meeus, with the terms the published
/// algorithm keeps), as a fractional Julian day.
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let (t2, t3) = (t * t, t * t * t);
    let dr = PI / 180.0;
    let mut jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
    jd1 += 0.00033 * ((166.56 + 132.87 * t - 0.009173 * t2) * dr).sin();
    let m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;
    let mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3;
    let f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;
    let mut c1 = (0.1734 - 0.000393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    jd1 + c1 - delta_t
}

/// The day (Julian day number) of the `k`-th new moon in Vietnam.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k) + 0.5 + TIME_ZONE / 24.0).floor() as i64
}

/// The sun's longitude at a fractional Julian day, in radians, 0 ≤ L < 2π.
fn sun_longitude(jdn: f64) -> f64 {
    let t = (jdn - 2451545.0) / 36525.0;
    let (t2, t3) = (t * t, t * t * t);
    let dr = PI / 180.0;
    let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t3;
    let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    let dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * (dr * m).sin()
        + (0.019993 - 0.000101 * t) * (dr * 2.0 * m).sin()
        + 0.000290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - 2.0 * PI * (l / (2.0 * PI)).floor()
}

/// The solar term (0–11, each 30° of longitude) at the start of a day in Vietnam.
fn solar_term(day: i64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - TIME_ZONE / 24.0) / PI * 6.0).floor() as i64
}

/// The first day of the 11th lunar month (the month holding the winter solstice) of a solar year.
fn lunar_month_11(year: i32) -> Option<i64> {
    let dec31 = i64::from(Date::from_calendar_date(year, Month::December, 31).ok()?.to_julian_day());
    let k = ((dec31 - 2415021) as f64 / 29.530588853).floor() as i64;
    let nm = new_moon_day(k);
    Some(if solar_term(nm) >= 9 { new_moon_day(k - 1) } else { nm })
}

/// Which month after month 11 is the leap month, in a lunar year of 13 months.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - 2415021.076998695) / 29.530588853 + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = solar_term(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = solar_term(new_moon_day(k + i));
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// The solar date of a lunar date (`leap` for the leap month of that number), or `None` if there is no
/// such day.
pub fn lunar_to_solar(day: u8, month: u8, year: i32, leap: bool) -> Option<Date> {
    if !(1..=30).contains(&day) || !(1..=12).contains(&month) {
        return None;
    }
    let (a11, b11) = if month < 11 {
        (lunar_month_11(year - 1)?, lunar_month_11(year)?)
    } else {
        (lunar_month_11(year)?, lunar_month_11(year + 1)?)
    };
    let k = (0.5 + (a11 as f64 - 2415021.076998695) / 29.530588853).floor() as i64;
    let mut offset = i64::from(month) - 11;
    if offset < 0 {
        offset += 12;
    }
    if b11 - a11 > 365 {
        let leap_offset = leap_month_offset(a11);
        let mut leap_month = leap_offset - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if leap && i64::from(month) != leap_month {
            return None;
        }
        if leap || offset >= leap_offset {
            offset += 1;
        }
    } else if leap {
        return None;
    }
    let month_start = new_moon_day(k + offset);
    // A 29-day month has no 30th.
    if day == 30 && new_moon_day(k + offset + 1) - month_start < 30 {
        return None;
    }
    Date::from_julian_day(i32::try_from(month_start + i64::from(day) - 1).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn lunar_new_year_and_hung_kings_day_fall_where_they_did() {
        // Mùng 1 Tết, as published in Vietnamese calendars.
        let tet = [
            (2020, date!(2020 - 01 - 25)),
            (2021, date!(2021 - 02 - 12)),
            (2022, date!(2022 - 02 - 01)),
            (2023, date!(2023 - 01 - 22)),
            (2024, date!(2024 - 02 - 10)),
            (2025, date!(2025 - 01 - 29)),
            (2026, date!(2026 - 02 - 17)),
            (2027, date!(2027 - 02 - 06)),
        ];
        for (year, day) in tet {
            assert_eq!(lunar_to_solar(1, 1, year, false), Some(day), "Tết {year}");
        }
        // Giỗ Tổ Hùng Vương, 10/3 lunar.
        assert_eq!(lunar_to_solar(10, 3, 2023, false), Some(date!(2023 - 04 - 29)));
        assert_eq!(lunar_to_solar(10, 3, 2024, false), Some(date!(2024 - 04 - 18)));
        assert_eq!(lunar_to_solar(10, 3, 2025, false), Some(date!(2025 - 04 - 07)));
        // 2023 had a leap 2nd month (tháng 2 nhuận) beginning 22/3/2023; 2024 has no leap month.
        assert_eq!(lunar_to_solar(1, 2, 2023, true), Some(date!(2023 - 03 - 22)));
        assert_eq!(lunar_to_solar(1, 2, 2024, true), None);
        assert_eq!(lunar_to_solar(0, 1, 2024, false), None);
        assert_eq!(lunar_to_solar(1, 13, 2024, false), None);
    }

    #[test]
    fn statutory_holidays_with_days_off_in_lieu() {
        let days = statutory(2026);
        let closed = |d: Date| day_of(&days, d).map(|c| c.kind);
        assert_eq!(closed(date!(2026 - 01 - 01)), Some(DayKind::Holiday));
        // Tết Bính Ngọ: 16/2 (Giao thừa) to 20/2/2026.
        for d in [date!(2026 - 02 - 16), date!(2026 - 02 - 17), date!(2026 - 02 - 20)] {
            assert_eq!(closed(d), Some(DayKind::Holiday), "{d}");
        }
        assert_eq!(closed(date!(2026 - 02 - 21)), None);
        // Giỗ Tổ 10/3 Bính Ngọ is Sunday 26/4/2026: Monday 27/4 is the day off in lieu.
        assert_eq!(closed(date!(2026 - 04 - 26)), Some(DayKind::Holiday));
        assert_eq!(closed(date!(2026 - 04 - 27)), Some(DayKind::DayOff));
        assert!(day_of(&days, date!(2026 - 04 - 27)).unwrap().name.vi.starts_with("Nghỉ bù Giỗ Tổ"));
        assert_eq!(closed(date!(2026 - 04 - 30)), Some(DayKind::Holiday));
        assert_eq!(closed(date!(2026 - 05 - 01)), Some(DayKind::Holiday));
        // 2/9/2026 is a Wednesday: 2/9 and 3/9.
        assert_eq!(closed(date!(2026 - 09 - 02)), Some(DayKind::Holiday));
        assert_eq!(closed(date!(2026 - 09 - 03)), Some(DayKind::Holiday));
        assert_eq!(closed(date!(2026 - 09 - 01)), None);
        // 1/1/2028 is a Saturday: Monday 3/1/2028 is off.
        assert_eq!(day_of(&statutory(2028), date!(2028 - 01 - 03)).map(|d| d.kind), Some(DayKind::DayOff));
        validate(&days).unwrap();
        assert_eq!(days.iter().filter(|d| d.kind == DayKind::Holiday).count(), 11, "11 statutory days");
    }

    #[test]
    fn working_days_skip_weekends_and_closed_days_and_count_working_saturdays() {
        let mut days = statutory(2026);
        // Friday 24/4/2026 + 1 working day: Monday 27/4 is off, so Tuesday 28/4.
        assert_eq!(add_working_days(&days, date!(2026 - 04 - 24), 1), date!(2026 - 04 - 28));
        // An appointment on a holiday moves to the next working day.
        assert_eq!(next_working_day(&days, date!(2026 - 04 - 30)), date!(2026 - 05 - 04));
        assert_eq!(next_working_day(&days, date!(2026 - 05 - 05)), date!(2026 - 05 - 05));
        days.push(CalendarDay {
            date: date!(2026 - 05 - 09),
            kind: DayKind::WorkingDay { hours_of: 1 },
            name: Localized::new("Làm bù", "Working day in lieu"),
        });
        assert!(is_working_day(&days, date!(2026 - 05 - 09)));
        assert_eq!(add_working_days(&days, date!(2026 - 05 - 08), 1), date!(2026 - 05 - 09));
        // At the end of the representable calendar it stops instead of looping on the last day.
        // (Before, a holiday on the last day looped forever.)
        let last = vec![CalendarDay {
            date: Date::MAX,
            kind: DayKind::Holiday,
            name: Localized::new("Ngày cuối", "Last day"),
        }];
        assert_eq!(next_working_day(&last, Date::MAX), Date::MAX);
        assert_eq!(add_working_days(&last, Date::MAX.previous_day().unwrap(), 2), Date::MAX);
    }

    #[test]
    fn calendars_are_checked_and_round_trip() {
        let mut days = statutory(2026);
        let json = serde_json::to_string(&days).unwrap();
        assert!(json.contains(r#""date":"2026-01-01","type":"holiday""#), "{json}");
        let back: Vec<CalendarDay> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, days);
        let working = r#"{"date":"2026-05-09","type":"working_day","hours_of":1,"name":{"vi":"Làm bù","en":"Lieu"}}"#;
        let day: CalendarDay = serde_json::from_str(working).unwrap();
        assert_eq!(day.kind, DayKind::WorkingDay { hours_of: 1 });
        assert!(serde_json::from_str::<CalendarDay>(&working.replace("2026-05-09", "09/05/2026")).is_err());
        days.push(days[0].clone());
        assert!(validate(&days).unwrap_err().contains("twice"));
        days.pop();
        days.push(CalendarDay { kind: DayKind::WorkingDay { hours_of: 8 }, ..day });
        assert!(validate(&days).is_err());
    }
}
