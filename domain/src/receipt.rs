//! The «Giấy tiếp nhận hồ sơ và hẹn trả kết quả» (receipt and appointment) a counter prints when it
//! receives a dossier: the counter's receipt printer, the appointment date from the procedure's legal
//! time limit and the office calendar, the lookup URL of the receipt's QR, and the engine's check of a
//! receipt against the dossier's links.
//!
//! Personal data stays out: the citizen's name is printed on paper only; the `receipt_issued` event
//! (and so the log, sync and the live stream) holds the dossier, counter, officer, procedure and dates.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, Time};

use crate::calendar::{self, DayKind};
use crate::dossier::DossierCode;
use crate::event::EventKind;
use crate::i18n::Localized;
use crate::office::{CounterId, OfficeSettings};
use crate::procedure::TimeLimit;
use crate::queue::OfficeState;

/// `tcp://HOST:PORT` of a network receipt printer (`ReceiptPrinter::target`).
pub const PRINTER_TARGET: &str = "^tcp://[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$";
/// A printer profile id (`printer::ProfileSet`), e.g. `epson-tm-t20`.
pub const PRINTER_PROFILE: &str = "^[a-z0-9][a-z0-9-]{0,39}$";
/// The base of the public lookup page: empty (not set) or an http(s) URL of visible ASCII without `#`.
pub const LOOKUP_BASE_URL: &str = "^(https?://[!-\"$-~]{1,200})?$";
/// What the QR carries when the office has no public lookup page: the kiosk reads it, a phone does not.
pub const LOOKUP_FALLBACK: &str = "motcua:tra-cuu";
/// Longest citizen name and "what to bring back" note accepted on a receipt (characters, after NFC).
pub const MAX_CITIZEN_NAME: usize = 100;
pub const MAX_BRING_BACK: usize = 500;

/// The printer a counter prints receipts on. Part of `counter_saved` (a new optional field: older logs
/// read as a counter without one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptPrinter {
    /// `tcp://10.0.0.21:9100`.
    #[schemars(regex(pattern = PRINTER_TARGET))]
    pub target: String,
    /// A printer profile id (`kioskctl printer profiles` lists them); an unknown one is reported when
    /// printing, since a technician may add profiles.
    #[schemars(regex(pattern = PRINTER_PROFILE))]
    pub profile: String,
}

impl ReceiptPrinter {
    /// Checks what [`PRINTER_TARGET`] and [`PRINTER_PROFILE`] say.
    pub fn validate(&self) -> Result<(), ReceiptError> {
        let profile_ok = (1..=40).contains(&self.profile.len())
            && self.profile.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !self.profile.starts_with('-');
        if !valid_target(&self.target) || !profile_ok {
            return Err(ReceiptError::PrinterAddress);
        }
        Ok(())
    }
}

fn valid_target(target: &str) -> bool {
    let Some((host, port)) = target.strip_prefix("tcp://").and_then(|r| r.rsplit_once(':')) else { return false };
    let host_ok = (1..=253).contains(&host.len())
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && host.starts_with(|c: char| c.is_ascii_alphanumeric())
        && host.ends_with(|c: char| c.is_ascii_alphanumeric());
    let port_ok = !port.is_empty()
        && !port.starts_with('0')
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
    host_ok && port_ok
}

/// Whether a lookup base URL is what [`LOOKUP_BASE_URL`] says.
pub fn valid_lookup_base(base: &str) -> bool {
    if base.is_empty() {
        return true;
    }
    let rest = base.strip_prefix("https://").or_else(|| base.strip_prefix("http://"));
    rest.is_some_and(|r| (1..=200).contains(&r.len()) && r.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'#'))
}

/// The receipt QR's payload: the lookup page with the dossier code and the link's rating token
/// (`…?maHoSo=<code>&r=<token>`, read back by `rating::rating_token_in` and `DossierCode::parse_lenient`).
pub fn lookup_url(base: &str, code: &DossierCode, token: &str) -> String {
    let base = if base.is_empty() { LOOKUP_FALLBACK } else { base };
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}maHoSo={code}&r={token}")
}

/// When the result is due: a day, and for a limit in working hours the time within it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Appointment {
    #[serde(with = "crate::clock::iso_date")]
    #[schemars(schema_with = "crate::api::schema::date")]
    pub date: Date,
    /// `HH:MM`, office time, for a limit in working hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^[0-2][0-9]:[0-5][0-9]$"))]
    pub time: Option<String>,
}

fn hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// The working hours used for a limit in hours when the office is open around the clock (no opening
/// hours): the usual administrative day, 07:30–11:30 and 13:00–17:00.
const DEFAULT_HOURS: [(u8, u8, u8, u8); 2] = [(7, 30, 11, 30), (13, 0, 17, 0)];

fn parse_hhmm(s: &str) -> Option<Time> {
    let (h, m) = s.split_once(':')?;
    Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

/// The opening intervals of a working day, sorted.
fn intervals_of(settings: &OfficeSettings, date: Date) -> Vec<(Time, Time)> {
    let weekday = match calendar::day_of(&settings.calendar, date).map(|d| d.kind) {
        Some(DayKind::WorkingDay { hours_of }) => hours_of,
        _ => date.weekday().number_from_monday(),
    };
    let mut out: Vec<(Time, Time)> = if settings.opening_hours.is_empty() {
        DEFAULT_HOURS
            .iter()
            .filter_map(|&(a, b, c, d)| Some((Time::from_hms(a, b, 0).ok()?, Time::from_hms(c, d, 0).ok()?)))
            .collect()
    } else {
        settings
            .opening_hours
            .iter()
            .filter(|i| i.weekdays.contains(&weekday))
            .filter_map(|i| Some((parse_hhmm(&i.open)?, parse_hhmm(&i.close)?)))
            .collect()
    };
    out.sort();
    out
}

/// The appointment for a dossier received at `received_at` with a legal time limit: `n` working days
/// after the day of reception (holidays and days off skipped, working days in lieu counted; a dossier
/// received on a day off counts from the next working day), or `n` working hours counted through the
/// opening hours of working days from the time of reception.
pub fn appointment(
    settings: &OfficeSettings,
    received_at: OffsetDateTime,
    limit: TimeLimit,
) -> Result<Appointment, ReceiptError> {
    let local = received_at.to_offset(settings.offset());
    match limit {
        TimeLimit::WorkingDays(n) => Ok(Appointment {
            date: calendar::add_working_days(&settings.calendar, local.date(), u32::from(n)),
            time: None,
        }),
        TimeLimit::WorkingHours(h) => {
            let mut left = Duration::hours(i64::from(h));
            let mut date = local.date();
            // A year of days without opening hours means the hours cannot be placed.
            for _ in 0..366 {
                if calendar::is_working_day(&settings.calendar, date) {
                    for (open, close) in intervals_of(settings, date) {
                        let start = if date == local.date() { open.max(local.time()) } else { open };
                        if start >= close {
                            continue;
                        }
                        let available = close - start;
                        if left <= available {
                            return Ok(Appointment { date, time: Some(hhmm(start + left)) });
                        }
                        left -= available;
                    }
                }
                date = date.next_day().ok_or(ReceiptError::NoWorkingHours)?;
            }
            Err(ReceiptError::NoWorkingHours)
        }
    }
}

/// A receipt the counter asks to record once it has printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueReceipt {
    pub counter: CounterId,
    pub code: DossierCode,
    /// SHA-256 (hex) of the rating token the officer got from `link-dossier`.
    pub token_sha256: String,
    /// A catalogue procedure; none takes the linked ticket's.
    pub procedure: Option<String>,
    pub officer: Option<String>,
    /// The server's clock when the receipt was asked for.
    pub received_at: OffsetDateTime,
    /// A date the officer set instead of the computed one.
    pub appointment_override: Option<Date>,
}

/// Checks a receipt against the dossier's links and the catalogue, and computes its appointment: the
/// `receipt_issued` event to record (after the printer took the receipt).
pub fn decide(state: &OfficeState, r: &IssueReceipt) -> Result<EventKind, ReceiptError> {
    if !state.counters.contains_key(&r.counter) {
        return Err(ReceiptError::UnknownCounter(r.counter));
    }
    let links = state.dossier_links(&r.code);
    if links.is_empty() {
        return Err(ReceiptError::NotLinked);
    }
    let link = links
        .iter()
        .rev()
        .find(|l| l.token_sha256.as_deref() == Some(r.token_sha256.as_str()))
        .ok_or(ReceiptError::TokenMismatch)?;
    if link.counter != Some(r.counter) {
        return Err(ReceiptError::OtherCounter(r.counter));
    }
    let procedure_code = r
        .procedure
        .clone()
        .or_else(|| state.ticket(link.ticket).and_then(|t| t.procedure.clone()))
        .ok_or(ReceiptError::ProcedureRequired)?;
    let procedure = state
        .procedures
        .get(&procedure_code)
        .filter(|p| p.active)
        .ok_or_else(|| ReceiptError::UnknownProcedure(procedure_code.clone()))?;
    let received_day = r.received_at.to_offset(state.settings.offset()).date();
    let appointment = match (r.appointment_override, procedure.time_limit) {
        (Some(date), _) if date < received_day => return Err(ReceiptError::AppointmentInPast),
        (Some(date), _) => Appointment { date, time: None },
        (None, Some(limit)) => appointment(&state.settings, r.received_at, limit)?,
        (None, None) => return Err(ReceiptError::AppointmentRequired),
    };
    Ok(EventKind::ReceiptIssued {
        ticket: link.ticket,
        code: r.code.clone(),
        counter: r.counter,
        officer: r.officer.clone(),
        procedure: procedure_code,
        received_at: r.received_at,
        appointment,
        appointment_set_by_officer: r.appointment_override.is_some(),
    })
}

/// `POST /api/v1/counters/{counter}/receipt`: print the receipt of a dossier linked at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    /// The dossier code as linked.
    #[schemars(regex(pattern = crate::api::schema::DOSSIER_CODE))]
    pub code: String,
    /// The rating token `link-dossier` returned (it goes on the QR; the server checks its SHA-256).
    #[schemars(regex(pattern = crate::api::schema::RATING_TOKEN))]
    pub rating_token: String,
    /// The citizen's name as the officer typed it: printed, never stored, logged or sent on.
    #[schemars(schema_with = "citizen_name")]
    pub citizen_name: String,
    /// A catalogue procedure; by default the linked ticket's.
    #[serde(default)]
    #[schemars(regex(pattern = crate::api::schema::PROCEDURE_CODE))]
    pub procedure: Option<String>,
    /// `YYYY-MM-DD`: the officer's appointment date instead of the computed one (not before today).
    #[serde(default)]
    #[schemars(schema_with = "optional_date")]
    pub appointment: Option<String>,
    /// What else to bring back (one item a line): printed under the receipt and an ID.
    #[serde(default)]
    #[schemars(schema_with = "bring_back")]
    pub bring_back: Option<String>,
    /// The receipt's language (Vietnamese by default).
    #[serde(default)]
    pub lang: Option<crate::i18n::Lang>,
}

fn citizen_name(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "pattern": crate::api::schema::NAME, "minLength": 1,
        "maxLength": MAX_CITIZEN_NAME })
}

fn optional_date(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["string", "null"], "format": "date" })
}

fn bring_back(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["string", "null"], "maxLength": MAX_BRING_BACK,
        "pattern": "^[^\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f]*$" })
}

/// How the printer took the receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrintedState {
    /// Printed and confirmed by the printer's status.
    Ready,
    /// Printed; the roll is nearly out.
    PaperNearEnd,
    /// Sent whole to a printer that does not answer status (its profile says so).
    Unconfirmed,
}

/// The printed receipt: its appointment and how the printer took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReceiptResponse {
    pub dossier: DossierCode,
    pub procedure: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::api::schema::date_time")]
    pub received_at: OffsetDateTime,
    pub appointment: Appointment,
    /// The appointment as printed (`08/12/2026`, `15:30 buổi chiều 04/12/2026`).
    pub appointment_text: Localized,
    pub printer: PrintedState,
    /// The printer's address, as configured for the counter.
    pub printer_target: String,
}

/// The appointment as printed, in both languages.
pub fn appointment_text(a: &Appointment) -> Localized {
    let date = crate::clock::format_date(a.date);
    match &a.time {
        None => Localized::new(date.clone(), date),
        Some(t) => {
            let morning = t.as_str() < "12:00";
            Localized::new(
                format!("{t} buổi {} {date}", if morning { "sáng" } else { "chiều" }),
                format!("{t} {} {date}", if morning { "morning" } else { "afternoon" }),
            )
        }
    }
}

/// Why a receipt cannot be printed or recorded, in the officer's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("unknown counter {0}")]
    UnknownCounter(CounterId),
    #[error("the dossier was never linked to a ticket")]
    NotLinked,
    #[error("the rating token does not match a link of the dossier")]
    TokenMismatch,
    #[error("the dossier was linked at another counter than {0}")]
    OtherCounter(CounterId),
    #[error("no procedure given and the ticket names none")]
    ProcedureRequired,
    #[error("procedure {0} is not in the catalogue or is withdrawn")]
    UnknownProcedure(String),
    #[error("the procedure has no time limit: give the appointment date")]
    AppointmentRequired,
    #[error("the appointment is before the day of reception")]
    AppointmentInPast,
    #[error("no opening hours to count a limit in working hours")]
    NoWorkingHours,
    #[error("a receipt printer is tcp://HOST:PORT with a profile id")]
    PrinterAddress,
}

impl ReceiptError {
    /// Stable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            ReceiptError::UnknownCounter(_) => "unknown_counter",
            ReceiptError::NotLinked => "dossier_not_linked",
            ReceiptError::TokenMismatch => "receipt_token_mismatch",
            ReceiptError::OtherCounter(_) => "receipt_other_counter",
            ReceiptError::ProcedureRequired => "receipt_procedure_required",
            ReceiptError::UnknownProcedure(_) => "unknown_procedure",
            ReceiptError::AppointmentRequired => "appointment_required",
            ReceiptError::AppointmentInPast => "appointment_in_past",
            ReceiptError::NoWorkingHours => "no_working_hours",
            ReceiptError::PrinterAddress => "invalid",
        }
    }

    /// 404: the counter, the dossier's link or the procedure does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReceiptError::UnknownCounter(_) | ReceiptError::NotLinked | ReceiptError::UnknownProcedure(_))
    }

    /// 403: the token or counter does not prove the officer received this dossier.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, ReceiptError::TokenMismatch | ReceiptError::OtherCounter(_))
    }

    pub fn localized(&self) -> Localized {
        match self {
            ReceiptError::UnknownCounter(c) => {
                Localized::new(format!("Không có quầy số {c}."), format!("There is no counter {c}."))
            }
            ReceiptError::NotLinked => Localized::new(
                "Hồ sơ này chưa được gắn với số thứ tự nào; hãy gắn mã hồ sơ trước khi in giấy tiếp nhận.",
                "This dossier is not linked to a ticket; link the dossier code before printing the receipt.",
            ),
            ReceiptError::TokenMismatch => Localized::new(
                "Mã xác nhận không khớp với lần gắn hồ sơ này; hãy gắn lại mã hồ sơ rồi in.",
                "The confirmation token does not match this dossier's link; link the dossier again and print.",
            ),
            ReceiptError::OtherCounter(c) => Localized::new(
                format!("Hồ sơ được tiếp nhận ở quầy khác, không phải quầy số {c}."),
                format!("The dossier was received at another counter, not counter {c}."),
            ),
            ReceiptError::ProcedureRequired => Localized::new(
                "Vui lòng chọn thủ tục của hồ sơ (số thứ tự không ghi thủ tục).",
                "Please choose the dossier's procedure (the ticket names none).",
            ),
            ReceiptError::UnknownProcedure(_) => Localized::new(
                "Thủ tục này không có trong danh mục hoặc đã ngừng áp dụng.",
                "This procedure is not in the catalogue or has been withdrawn.",
            ),
            ReceiptError::AppointmentRequired => Localized::new(
                "Thủ tục chưa có thời hạn giải quyết; vui lòng nhập ngày hẹn trả.",
                "The procedure has no time limit; please enter the appointment date.",
            ),
            ReceiptError::AppointmentInPast => Localized::new(
                "Ngày hẹn trả không được trước ngày tiếp nhận.",
                "The appointment cannot be before the day of reception.",
            ),
            ReceiptError::NoWorkingHours => Localized::new(
                "Không tính được ngày hẹn theo giờ làm việc (chưa có giờ mở cửa); vui lòng nhập ngày hẹn trả.",
                "The appointment in working hours cannot be computed (no opening hours); please enter it.",
            ),
            ReceiptError::PrinterAddress => Localized::new(
                "Máy in giấy tiếp nhận phải có địa chỉ dạng tcp://10.0.0.21:9100 và mã cấu hình máy in.",
                "A receipt printer needs an address such as tcp://10.0.0.21:9100 and a profile id.",
            ),
        }
    }

    /// Every variant, for message checks.
    pub fn every() -> Vec<ReceiptError> {
        vec![
            ReceiptError::UnknownCounter(3),
            ReceiptError::NotLinked,
            ReceiptError::TokenMismatch,
            ReceiptError::OtherCounter(3),
            ReceiptError::ProcedureRequired,
            ReceiptError::UnknownProcedure("1.000494".into()),
            ReceiptError::AppointmentRequired,
            ReceiptError::AppointmentInPast,
            ReceiptError::NoWorkingHours,
            ReceiptError::PrinterAddress,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarDay;
    use crate::office::OpeningInterval;
    use time::macros::{date, datetime};

    fn office() -> OfficeSettings {
        OfficeSettings {
            opening_hours: vec![
                OpeningInterval { weekdays: vec![1, 2, 3, 4, 5], open: "07:30".into(), close: "11:30".into() },
                OpeningInterval { weekdays: vec![1, 2, 3, 4, 5], open: "13:00".into(), close: "17:00".into() },
            ],
            calendar: vec![CalendarDay {
                date: date!(2026 - 12 - 07),
                kind: DayKind::Holiday,
                name: Localized::new("Nghỉ", "Day off"),
            }],
            ..OfficeSettings::default()
        }
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let s = office();
        // Thursday 03/12/2026 10:00 local; 2 working days: Fri 4, (Sat, Sun, Mon 7 holiday) Tue 8.
        let a = appointment(&s, datetime!(2026-12-03 03:00 UTC), TimeLimit::WorkingDays(2)).unwrap();
        assert_eq!(a, Appointment { date: date!(2026 - 12 - 08), time: None });
        let a = appointment(&s, datetime!(2026-12-03 03:00 UTC), TimeLimit::WorkingDays(0)).unwrap();
        assert_eq!(a.date, date!(2026 - 12 - 03));
        // Received on Saturday: counted from Tuesday (Monday is the holiday).
        let a = appointment(&s, datetime!(2026-12-05 03:00 UTC), TimeLimit::WorkingDays(1)).unwrap();
        assert_eq!(a.date, date!(2026 - 12 - 09));
    }

    #[test]
    fn working_hours_run_through_opening_hours() {
        let s = office();
        // Friday 04/12 10:00 local + 4 h: 1h30 to 11:30, 2h30 from 13:00 → 15:30.
        let a = appointment(&s, datetime!(2026-12-04 03:00 UTC), TimeLimit::WorkingHours(4)).unwrap();
        assert_eq!((a.date, a.time.clone().unwrap()), (date!(2026 - 12 - 04), "15:30".to_string()));
        // Friday 16:00 + 4 h: 1 h Friday, then Monday is a holiday, 3 h on Tuesday → 10:30.
        let a = appointment(&s, datetime!(2026-12-04 09:00 UTC), TimeLimit::WorkingHours(4)).unwrap();
        assert_eq!((a.date, a.time.clone().unwrap()), (date!(2026 - 12 - 08), "10:30".to_string()));
        // Around the clock: the usual administrative hours.
        let open = OfficeSettings::default();
        let a = appointment(&open, datetime!(2026-12-04 03:00 UTC), TimeLimit::WorkingHours(1)).unwrap();
        assert_eq!(a.time.clone().unwrap(), "11:00");
    }

    #[test]
    fn targets_and_urls() {
        let ok = |t: &str| ReceiptPrinter { target: t.into(), profile: "epson-tm-t20".into() }.validate().is_ok();
        assert!(ok("tcp://10.0.0.21:9100") && ok("tcp://printer-1.office:65535") && ok("tcp://a:1"));
        assert!(!ok("tcp://10.0.0.21") && !ok("tcp://x:0") && !ok("tcp://x:65536") && !ok("http://x:9100"));
        assert!(!ok("tcp://-x:9100") && !ok("tcp://x:09100"));
        let code = DossierCode::parse_lenient("000.00.01.H29-261203-0999").unwrap();
        let url = lookup_url("https://dvc.example.vn/tra-cuu", &code, "abcdefghijklmnop");
        assert_eq!(url, "https://dvc.example.vn/tra-cuu?maHoSo=000.00.01.H29-261203-0999&r=abcdefghijklmnop");
        assert_eq!(crate::rating::rating_token_in(&url).as_deref(), Some("abcdefghijklmnop"));
        assert_eq!(DossierCode::parse_lenient(&url).unwrap(), code);
        let fallback = lookup_url("", &code, "abcdefghijklmnop");
        assert_eq!(crate::rating::rating_token_in(&fallback).as_deref(), Some("abcdefghijklmnop"));
        assert_eq!(DossierCode::parse_lenient(&fallback).unwrap(), code);
        assert!(lookup_url("https://x.vn/?a=1", &code, "t").starts_with("https://x.vn/?a=1&maHoSo="));
        assert!(valid_lookup_base("") && valid_lookup_base("https://dvc.example.vn/tra-cuu"));
        assert!(!valid_lookup_base("ftp://x") && !valid_lookup_base("https://x/#/a") && !valid_lookup_base("https://"));
    }

    #[test]
    fn every_message_is_whole_vietnamese_and_whole_english() {
        for e in ReceiptError::every() {
            let faults = crate::error::message_faults(&e.localized(), &[]);
            assert!(faults.is_empty(), "{}: {faults:?}", e.code());
        }
    }
}
