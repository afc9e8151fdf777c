//! What an office is made of: services (with their letter, names, field and procedures), counters that
//! serve an ordered set of services, roles, priority classes, ticket numbering and office settings.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, Time, UtcOffset, Weekday};

use crate::calendar::{self, CalendarDay, DayKind};
use crate::clock::VIETNAM_OFFSET;
use crate::i18n::Localized;

/// A short, stable service code used on the wire (`ho-tich`, `A`…). Lower-case ASCII letters, digits
/// and `-`, 1–32 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "String", into = "String")]
#[schemars(transform = crate::api::schema::service_code)]
pub struct ServiceCode(String);

impl ServiceCode {
    pub fn new(code: &str) -> Result<Self, String> {
        let ok = (1..=32).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(ServiceCode(code.to_owned()))
        } else {
            Err(format!("invalid service code {code:?}: use 1–32 characters a-z, 0-9 or -"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ServiceCode {
    type Error = String;
    fn try_from(v: String) -> Result<Self, String> {
        ServiceCode::new(&v)
    }
}
impl From<ServiceCode> for String {
    fn from(c: ServiceCode) -> String {
        c.0
    }
}
impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A counter (quầy) is identified by its number, as announced: "quầy số 3".
pub type CounterId = u16;

/// Service-level stage of the one-stop process a counter works in (for ratings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Reception,
    Processing,
    ResultReturn,
}

impl Stage {
    pub fn name(self) -> Localized {
        match self {
            Stage::Reception => Localized::new("Tiếp nhận", "Reception"),
            Stage::Processing => Localized::new("Xử lý", "Processing"),
            Stage::ResultReturn => Localized::new("Trả kết quả", "Result return"),
        }
    }
}

/// A procedure (thủ tục hành chính) offered under a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Procedure {
    /// National procedure code, e.g. `1.000494.000.00.00.H29`.
    pub code: String,
    pub name: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Service {
    pub code: ServiceCode,
    /// The letter printed before the number: `A` in `A025`.
    #[schemars(regex(pattern = "^[A-Z]$"))]
    pub letter: char,
    #[schemars(schema_with = "crate::api::schema::service_name")]
    pub name: Localized,
    /// Lĩnh vực (field), e.g. "Hộ tịch".
    #[schemars(schema_with = "crate::api::schema::service_field")]
    pub field: Localized,
    #[serde(default)]
    pub procedures: Vec<Procedure>,
    /// Stage rated for tickets served in this service.
    pub stage: Stage,
    /// A ticket waiting longer than this is shown late on staff screens.
    pub service_level_target_s: u32,
    /// Service time assumed until enough real services have been observed.
    pub default_service_time_s: u32,
    pub open: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Counter {
    #[schemars(range(min = 1))]
    pub id: CounterId,
    pub name: Localized,
    /// Services in order of preference: call-next takes the first one with someone waiting.
    pub services: Vec<ServiceCode>,
    pub open: bool,
    /// The network printer of the «Giấy tiếp nhận hồ sơ» printed at this counter (none: the counter
    /// prints no receipts). Counters saved before receipts read as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_printer: Option<crate::receipt::ReceiptPrinter>,
}

/// Who may do what. Staff roles log in with a password; device roles enrol with a one-time code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Admin,
    Supervisor,
    Officer,
    TicketKiosk,
    RatingTerminal,
    Display,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Supervisor, Role::Officer, Role::TicketKiosk, Role::RatingTerminal, Role::Display];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Officer => "officer",
            Role::TicketKiosk => "ticket-kiosk",
            Role::RatingTerminal => "rating-terminal",
            Role::Display => "display",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor | Role::Officer)
    }
    pub fn is_device(self) -> bool {
        !self.is_staff()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Diện ưu tiên.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    #[default]
    None,
    Elderly,
    Disabled,
    Pregnant,
    Merit,
    Child,
}

impl Priority {
    pub const ALL: [Priority; 6] =
        [Priority::None, Priority::Elderly, Priority::Disabled, Priority::Pregnant, Priority::Merit, Priority::Child];
    pub fn is_priority(self) -> bool {
        self != Priority::None
    }
    pub fn name(self) -> Localized {
        match self {
            Priority::None => Localized::new("Thông thường", "Regular"),
            Priority::Elderly => Localized::new("Người cao tuổi", "Elderly person"),
            Priority::Disabled => Localized::new("Người khuyết tật", "Person with a disability"),
            Priority::Pregnant => Localized::new("Phụ nữ mang thai", "Pregnant woman"),
            Priority::Merit => Localized::new("Người có công với cách mạng", "Person with meritorious service"),
            Priority::Child => Localized::new("Người đi cùng trẻ nhỏ", "Parent with a small child"),
        }
    }
}

/// How a number is printed: `A025` or `A-025`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = crate::api::schema::numbering)]
pub struct NumberFormat {
    #[schemars(range(min = 1, max = 6))]
    pub width: u8,
    pub separator: bool,
    /// First number of each day (default 1, printed 001).
    pub first: u32,
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat { width: 3, separator: false, first: 1 }
    }
}

impl NumberFormat {
    pub fn format(&self, letter: char, number: u32) -> String {
        let width = usize::from(self.width);
        if self.separator {
            format!("{letter}-{number:0width$}")
        } else {
            format!("{letter}{number:0width$}")
        }
    }

    /// Reads a number typed by an officer (`A25`, `a-025`, `A025`) back into letter and number.
    pub fn parse(text: &str) -> Option<(char, u32)> {
        let text = text.trim();
        let mut chars = text.chars();
        let letter = chars.next()?.to_ascii_uppercase();
        if !letter.is_ascii_alphabetic() {
            return None;
        }
        let rest = chars.as_str().trim_start_matches('-');
        if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) || rest.len() > 6 {
            return None;
        }
        Some((letter, rest.parse().ok()?))
    }
}

/// How priority tickets are mixed with regular ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum PriorityRule {
    /// Priority tickets always first.
    Strict { ageing_cap_s: u32 },
    /// At most one priority ticket per `regular_per_priority` regular ones when both wait.
    Ratio {
        #[schemars(range(min = 1))]
        regular_per_priority: u32,
        ageing_cap_s: u32,
    },
}

impl PriorityRule {
    /// A regular ticket at the head of the queue that has waited this long is called before any
    /// priority ticket.
    pub fn ageing_cap_s(&self) -> u32 {
        match self {
            PriorityRule::Strict { ageing_cap_s } | PriorityRule::Ratio { ageing_cap_s, .. } => *ageing_cap_s,
        }
    }
}

impl Default for PriorityRule {
    fn default() -> Self {
        PriorityRule::Ratio { regular_per_priority: 2, ageing_cap_s: 45 * 60 }
    }
}

/// One opening interval of a weekday, in office-local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = crate::api::schema::opening_interval)]
pub struct OpeningInterval {
    /// 1 = Monday … 7 = Sunday.
    #[schemars(length(min = 1), inner(range(min = 1, max = 7)))]
    pub weekdays: Vec<u8>,
    /// `HH:MM`.
    pub open: String,
    pub close: String,
}

/// How the announcement reads a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NumberReading {
    /// "A không hai năm" — what Vietnamese centres usually do; unambiguous in a noisy hall.
    #[default]
    DigitByDigit,
    /// "A hai mươi lăm".
    AsNumber,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OfficeSettings {
    #[schemars(schema_with = "crate::api::schema::office_name")]
    pub name: Localized,
    /// Mã định danh of the receiving unit, e.g. `000.00.01.H29`.
    pub agency_code: String,
    /// Offset of office-local time from UTC in seconds (25200 for Ho Chi Minh City).
    #[schemars(range(min = -43200, max = 50400))]
    pub utc_offset_s: i32,
    /// Empty = open around the clock.
    pub opening_hours: Vec<OpeningInterval>,
    pub numbering: NumberFormat,
    pub priority_rule: PriorityRule,
    /// A ticket marked no-show can still be recalled for this long.
    pub no_show_grace_s: u32,
    /// A rating is accepted for this long after the service ended.
    pub rating_window_s: u32,
    /// A waiting ticket stays in the queue past midnight (24 h offices).
    pub keep_queue_overnight: bool,
    pub announcement_langs: Vec<crate::i18n::Lang>,
    pub number_reading: NumberReading,
    /// Scrolling notice on displays.
    pub notice: Localized,
    /// Holidays, days off and working days in lieu (`calendar`). They apply to an office with opening
    /// hours; one open around the clock stays open. Logs from before the calendar read as none.
    #[serde(default)]
    #[schemars(length(max = 1000))]
    pub calendar: Vec<CalendarDay>,
    /// The public dossier lookup page a receipt's QR opens (`…?maHoSo=<code>&r=<token>` is appended),
    /// e.g. the province portal's. Empty: the QR carries `motcua:tra-cuu?…`, which the office's kiosks
    /// read but a phone does not open. Logs from before receipts read as empty.
    #[serde(default)]
    #[schemars(regex(pattern = crate::receipt::LOOKUP_BASE_URL))]
    pub lookup_base_url: String,
    /// The governing agency (cơ quan chủ quản), e.g. "UBND PHƯỜNG BẾN THÀNH": the first line of tickets
    /// and receipts, above the office's name. Empty: no such line. Logs from before it read as empty.
    #[serde(default)]
    #[schemars(length(max = 120), regex(pattern = crate::api::schema::NO_CONTROL))]
    pub parent_agency: String,
    /// The office server as phones on the office Wi-Fi reach it, scheme, host and port only
    /// (`http://192.168.1.10:8080`): a ticket's QR opens `<this>/t/<token>`. Empty: the address each
    /// kiosk uses itself. Logs from before it read as empty.
    #[serde(default)]
    #[schemars(regex(pattern = FOLLOW_BASE_URL))]
    pub follow_base_url: String,
}

/// What `OfficeSettings::follow_base_url` may be: empty, or `http(s)://` and a host with an optional
/// port (no path, query or fragment: the page's path is appended).
pub const FOLLOW_BASE_URL: &str = "^(https?://[A-Za-z0-9.:\\[\\]-]{1,200})?$";

/// Whether a follow base URL is what [`FOLLOW_BASE_URL`] says.
pub fn valid_follow_base(base: &str) -> bool {
    if base.is_empty() {
        return true;
    }
    let rest = base.strip_prefix("https://").or_else(|| base.strip_prefix("http://"));
    rest.is_some_and(|r| {
        (1..=200).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric() || b".:[]-".contains(&b))
    })
}

impl Default for OfficeSettings {
    fn default() -> Self {
        OfficeSettings {
            name: Localized::new("Bộ phận Một cửa", "One-stop office"),
            agency_code: "000.00.01.H29".into(),
            utc_offset_s: VIETNAM_OFFSET.whole_seconds(),
            opening_hours: Vec::new(),
            numbering: NumberFormat::default(),
            priority_rule: PriorityRule::default(),
            no_show_grace_s: 15 * 60,
            rating_window_s: 10 * 60,
            keep_queue_overnight: false,
            announcement_langs: vec![crate::i18n::Lang::Vi],
            number_reading: NumberReading::default(),
            notice: Localized::new("", ""),
            calendar: Vec::new(),
            lookup_base_url: String::new(),
            parent_agency: String::new(),
            follow_base_url: String::new(),
        }
    }
}

impl OfficeSettings {
    pub fn offset(&self) -> UtcOffset {
        UtcOffset::from_whole_seconds(self.utc_offset_s).unwrap_or(VIETNAM_OFFSET)
    }

    /// Checks the settings a supervisor submitted.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.vi.trim().is_empty() {
            return Err("office name must not be empty".into());
        }
        if !(-12 * 3600..=14 * 3600).contains(&self.utc_offset_s) {
            return Err("utc_offset_s out of range".into());
        }
        if !(1..=6).contains(&self.numbering.width) {
            return Err("numbering width must be 1–6".into());
        }
        if self.numbering.first >= 10u32.pow(u32::from(self.numbering.width)) {
            return Err("first number does not fit the width".into());
        }
        if let PriorityRule::Ratio { regular_per_priority: 0, .. } = self.priority_rule {
            return Err("regular_per_priority must be at least 1".into());
        }
        calendar::validate(&self.calendar)?;
        if self.parent_agency.chars().count() > 120 || self.parent_agency.chars().any(char::is_control) {
            return Err("parent_agency must be at most 120 characters, without control characters".into());
        }
        if !valid_follow_base(&self.follow_base_url) {
            return Err("follow_base_url must be empty or http(s)://host[:port], without a path".into());
        }
        if !crate::receipt::valid_lookup_base(&self.lookup_base_url) {
            return Err("lookup_base_url must be empty or an http(s) URL of at most 200 characters without #".into());
        }
        for interval in &self.opening_hours {
            let open = parse_hhmm(&interval.open).ok_or("opening time must be HH:MM")?;
            let close = parse_hhmm(&interval.close).ok_or("closing time must be HH:MM")?;
            if open >= close {
                return Err("an opening interval must close after it opens".into());
            }
            if interval.weekdays.is_empty() || interval.weekdays.iter().any(|d| !(1..=7).contains(d)) {
                return Err("weekdays are 1 (Monday) to 7 (Sunday)".into());
            }
        }
        Ok(())
    }

    /// Whether the office takes tickets at this instant: within the opening hours of the day's weekday,
    /// unless the calendar closes the day or opens it with another weekday's hours.
    pub fn is_open_at(&self, at: OffsetDateTime) -> bool {
        if self.opening_hours.is_empty() {
            return true;
        }
        let local = at.to_offset(self.offset());
        let weekday = match calendar::day_of(&self.calendar, local.date()).map(|d| d.kind) {
            Some(DayKind::Holiday | DayKind::DayOff) => return false,
            Some(DayKind::WorkingDay { hours_of }) => hours_of,
            None => local.weekday().number_from_monday(),
        };
        let now = local.time();
        self.opening_hours.iter().any(|i| {
            i.weekdays.contains(&weekday)
                && matches!((parse_hhmm(&i.open), parse_hhmm(&i.close)), (Some(o), Some(c)) if o <= now && now < c)
        })
    }
}

fn parse_hhmm(s: &str) -> Option<Time> {
    let (h, m) = s.split_once(':')?;
    Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

/// Weekday helper used by configs and tests.
pub fn weekday_number(day: Weekday) -> u8 {
    day.number_from_monday()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn number_formats() {
        let f = NumberFormat::default();
        assert_eq!(f.format('A', 25), "A025");
        assert_eq!(f.format('A', 1), "A001");
        let f = NumberFormat { width: 3, separator: true, first: 1 };
        assert_eq!(f.format('B', 7), "B-007");
        assert_eq!(f.format('B', 1234), "B-1234");
        assert_eq!(NumberFormat::parse("a-025"), Some(('A', 25)));
        assert_eq!(NumberFormat::parse("A25"), Some(('A', 25)));
        assert_eq!(NumberFormat::parse("25"), None);
        assert_eq!(NumberFormat::parse("A"), None);
    }

    #[test]
    fn service_codes() {
        assert!(ServiceCode::new("ho-tich").is_ok());
        assert!(ServiceCode::new("Hộ tịch").is_err());
        assert!(ServiceCode::new("").is_err());
    }

    #[test]
    fn opening_hours() {
        let mut s = OfficeSettings::default();
        assert!(s.is_open_at(datetime!(2026-11-29 03:00 UTC)));
        s.opening_hours =
            vec![OpeningInterval { weekdays: vec![1, 2, 3, 4, 5], open: "07:30".into(), close: "11:30".into() }];
        s.validate().unwrap();
        // Friday 27/11/2026 08:00 local = 01:00 UTC.
        assert!(s.is_open_at(datetime!(2026-11-27 01:00 UTC)));
        assert!(!s.is_open_at(datetime!(2026-11-27 05:00 UTC)));
        // Sunday.
        assert!(!s.is_open_at(datetime!(2026-11-29 01:00 UTC)));
        s.opening_hours[0].close = "07:00".into();
        assert!(s.validate().is_err());
    }

    #[test]
    fn the_calendar_closes_holidays_and_opens_working_days_in_lieu() {
        let mut s = OfficeSettings {
            opening_hours: vec![OpeningInterval {
                weekdays: vec![1, 2, 3, 4, 5],
                open: "07:30".into(),
                close: "17:00".into(),
            }],
            calendar: calendar::statutory(2026),
            ..OfficeSettings::default()
        };
        s.validate().unwrap();
        // Thursday 30/4/2026, 09:00 local: a holiday. Monday 27/4: the day off for Giỗ Tổ. Tuesday 28/4: open.
        assert!(!s.is_open_at(datetime!(2026-04-30 02:00 UTC)));
        assert!(!s.is_open_at(datetime!(2026-04-27 02:00 UTC)));
        assert!(s.is_open_at(datetime!(2026-04-28 02:00 UTC)));
        // Saturday 9/5/2026 worked with Monday's hours.
        assert!(!s.is_open_at(datetime!(2026-05-09 02:00 UTC)));
        s.calendar.push(CalendarDay {
            date: time::macros::date!(2026 - 05 - 09),
            kind: DayKind::WorkingDay { hours_of: 1 },
            name: Localized::new("Làm bù", "Working day in lieu"),
        });
        assert!(s.is_open_at(datetime!(2026-05-09 02:00 UTC)));
        assert!(!s.is_open_at(datetime!(2026-05-09 11:00 UTC)), "18:00 local is after Monday's hours");
        // An office open around the clock stays open on holidays.
        s.opening_hours.clear();
        assert!(s.is_open_at(datetime!(2026-04-30 02:00 UTC)));
        // A day twice is refused.
        s.calendar.push(s.calendar[0].clone());
        assert!(s.validate().is_err());
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.as_str()));
        }
    }
}
