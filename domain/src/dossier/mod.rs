//! Dossier codes (mã hồ sơ, Thông tư 01/2018/TT-VPCP Art. 19); statuses and timeliness are in `status`.
//!
//! Codes are *generated strictly* (`<agency>-<YYMMDD>-<NNNN>` with a QCVN 102:2016 agency id) and
//! *parsed leniently*: newer agency ids (`H56.14`), 5–7 digit sequences, lower case, spaces, a trailing
//! CR/LF from a scanner, typographic dashes, zero-width characters, or the code inside a URL (any query
//! key, a path segment, a hash route), a JSON object or labelled text (`Mã hồ sơ: …`). The date must be
//! a real day and the sequence not all zeros.
//!
//! The counter page has a JavaScript copy of [`DossierCode::parse_lenient`] (`Q.dossierCode` in
//! `queue-server/web/common.js`); both are run over `domain/testdata/dossier-code-vectors.json`.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::i18n::Localized;

mod status;
pub use status::{DossierStatus, Timeliness};

/// A dossier code in canonical form (upper case, no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode(String);

/// Why a text is not a dossier code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DossierCodeError {
    #[error("empty input")]
    Empty,
    #[error("input too long ({0} characters)")]
    TooLong(usize),
    #[error("not a dossier code: {0:?}")]
    Malformed(String),
    #[error("invalid agency code {0:?}")]
    InvalidAgency(String),
    #[error("sequence {0} does not fit in {1} digits")]
    SequenceOutOfRange(u32, usize),
}

impl DossierCodeError {
    /// A message a citizen can read, in Vietnamese and English.
    pub fn localized(&self) -> Localized {
        match self {
            DossierCodeError::Empty => Localized::new("Chưa nhập mã hồ sơ.", "No dossier code was entered."),
            _ => Localized::new(
                "Mã hồ sơ không đúng định dạng (ví dụ: 000.00.01.H29-260310-0420).",
                "The dossier code is not in the expected format (for example 000.00.01.H29-260310-0420).",
            ),
        }
    }
}

/// Longest input we look at: a URL with a code inside is short; anything longer is not a receipt.
const MAX_INPUT: usize = 2048;

impl DossierCode {
    /// Generates a code strictly: a QCVN 102:2016 agency id (`000.00.01.H29`), the local date of receipt
    /// and a 4-digit daily sequence starting at 1.
    pub fn generate(agency: &str, received_on: Date, sequence: u32) -> Result<Self, DossierCodeError> {
        if !is_strict_agency(agency) {
            return Err(DossierCodeError::InvalidAgency(agency.to_owned()));
        }
        if sequence == 0 || sequence > 9999 {
            return Err(DossierCodeError::SequenceOutOfRange(sequence, 4));
        }
        let code = format!(
            "{agency}-{:02}{:02}{:02}-{sequence:04}",
            received_on.year().rem_euclid(100),
            u8::from(received_on.month()),
            received_on.day()
        );
        debug_assert!(is_strict(&code));
        Ok(DossierCode(code))
    }

    /// Parses exactly the strict format of the circular (and nothing else).
    pub fn parse_strict(text: &str) -> Result<Self, DossierCodeError> {
        if is_strict(text) {
            Ok(DossierCode(text.to_owned()))
        } else {
            Err(DossierCodeError::Malformed(text.to_owned()))
        }
    }

    /// Parses what a scanner, a camera or a person produced: trims, removes spaces, zero-width
    /// characters and NBSPs, reads typographic dashes as hyphens, upper-cases, and looks inside URLs
    /// (query values such as `maHoSo=`, path segments, hash routes), JSON (fields such as `maHoSo` or
    /// `code` first, then any string) and labelled text (`Mã hồ sơ: …`).
    pub fn parse_lenient(text: &str) -> Result<Self, DossierCodeError> {
        Self::locate(text).map(|(code, _)| code)
    }

    /// [`DossierCode::parse_lenient`], saying where in the text the code was.
    pub fn locate(text: &str) -> Result<(Self, CodeSource), DossierCodeError> {
        let cleaned: String =
            text.chars().filter(|c| !is_invisible(*c)).map(|c| if is_dash(c) { '-' } else { c }).collect();
        let trimmed = cleaned.trim();
        if trimmed.is_empty() {
            return Err(DossierCodeError::Empty);
        }
        let len = trimmed.chars().count();
        if len > MAX_INPUT {
            return Err(DossierCodeError::TooLong(len));
        }
        find(trimmed, 0).ok_or_else(|| DossierCodeError::Malformed(trimmed.chars().take(120).collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The agency part (everything before the date).
    pub fn agency(&self) -> &str {
        let date_dash = self.0.rfind('-').and_then(|last| self.0[..last].rfind('-'));
        &self.0[..date_dash.unwrap_or(0)]
    }

    /// The date of receipt encoded in the code (20YY).
    pub fn received_on(&self) -> Option<Date> {
        let mut parts = self.0.rsplitn(3, '-');
        let _seq = parts.next()?;
        let date = parts.next()?;
        let yy: i32 = date.get(0..2)?.parse().ok()?;
        let mm: u8 = date.get(2..4)?.parse().ok()?;
        let dd: u8 = date.get(4..6)?.parse().ok()?;
        Date::from_calendar_date(2000 + yy, Month::try_from(mm).ok()?, dd).ok()
    }

    /// True when the code also satisfies the strict format.
    pub fn is_strict(&self) -> bool {
        is_strict(&self.0)
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a code is read back (the event log, a server's answer, a kiosk's cache): what
/// [`DossierCode::parse_lenient`] takes, and also a canonical code an earlier version accepted before
/// impossible dates and all-zero sequences were refused, so that an office's log still replays.
impl TryFrom<String> for DossierCode {
    type Error = DossierCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        match DossierCode::parse_lenient(&value) {
            Err(_) if was_accepted(&value) => Ok(DossierCode(value)),
            parsed => parsed,
        }
    }
}

impl From<DossierCode> for String {
    fn from(code: DossierCode) -> String {
        code.0
    }
}

/// Where [`DossierCode::locate`] found the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeSource {
    /// The text is the code.
    Whole,
    /// A query value, path segment or hash route of a URL (or path) on a line of the text.
    Url,
    /// A string in a JSON document.
    Json,
    /// A labelled value (`Mã hồ sơ: …`) or a word of free text.
    Text,
}

/// Dropped wherever they are: zero-width space, non-joiner and joiner, word joiner, byte order mark.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// Read as `-`: hyphen, non-breaking hyphen, figure dash, en dash, em dash, minus sign, small and
/// full-width hyphen-minus (word processors and PDF receipts put them in codes).
fn is_dash(c: char) -> bool {
    matches!(c, '\u{2010}'..='\u{2014}' | '\u{2212}' | '\u{fe63}' | '\u{ff0d}')
}

/// Where words of a line end (besides white space): URL, JSON and punctuation delimiters.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || "?#&=/\\;,|\"'<>()[]{}:".contains(c)
}

/// How deep a decoded part (a percent-decoded word, a JSON string) is searched again.
const MAX_NESTING: usize = 3;
/// JSON: deepest level searched, most items of an array.
const MAX_JSON_DEPTH: usize = 6;
const MAX_JSON_ITEMS: usize = 64;
/// JSON fields that carry a dossier code, compared in lower case without `_` and `-`
/// (`MaHoSo`, `ma_ho_so`, `maHoSo`).
const JSON_KEYS: &[&str] = &["mahoso", "mahs", "sohoso", "hoso", "dossiercode", "dossier", "code", "ma", "id"];

/// The code, if `text` (without its white space, in upper case) is one.
fn as_code(text: &str) -> Option<DossierCode> {
    let normalized: String = text.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    is_lenient(&normalized).then_some(DossierCode(normalized))
}

/// The search, in this order (the first code found wins): the whole text; a JSON document's strings
/// (known fields first); then line by line the value after the line's last `:`, and each word
/// (split at white space and delimiters; a word with `.` at its ends also without them; a
/// percent-encoded word decoded and searched again).
fn find(text: &str, nesting: usize) -> Option<(DossierCode, CodeSource)> {
    if let Some(code) = as_code(text) {
        return Some((code, CodeSource::Whole));
    }
    if nesting >= MAX_NESTING {
        return None;
    }
    let t = text.trim();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(t) {
            let found = find_json(&value, 0, true, nesting).or_else(|| find_json(&value, 0, false, nesting));
            if let Some(code) = found {
                return Some((code, CodeSource::Json));
            }
        }
    }
    for line in text.lines() {
        let url = line.contains("://") || line.trim_start().starts_with('/');
        let source = if url { CodeSource::Url } else { CodeSource::Text };
        if let Some((_, value)) = line.rsplit_once(':') {
            if let Some(code) = as_code(value) {
                return Some((code, CodeSource::Text));
            }
        }
        for word in line.split(is_separator).filter(|w| !w.is_empty()) {
            let bare = word.trim_matches('.');
            if let Some(code) = as_code(word).or_else(|| as_code(bare)) {
                return Some((code, source));
            }
            if word.contains(['%', '+']) {
                let decoded = percent_decode(word);
                if decoded != word {
                    if let Some((code, _)) = find(&decoded, nesting + 1) {
                        return Some((code, source));
                    }
                }
            }
        }
    }
    None
}

fn normalized_key(key: &str) -> String {
    key.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect()
}

/// A JSON value's strings (`keyed`: only those of known fields) searched with [`find`]; object
/// fields in the sorted order of their names (the same in every JSON library).
fn find_json(value: &serde_json::Value, depth: usize, keyed: bool, nesting: usize) -> Option<DossierCode> {
    if depth > MAX_JSON_DEPTH {
        return None;
    }
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            if keyed {
                for key in &keys {
                    if let (true, Some(s)) = (JSON_KEYS.contains(&normalized_key(key).as_str()), map[*key].as_str()) {
                        if let Some((code, _)) = find(s, nesting + 1) {
                            return Some(code);
                        }
                    }
                }
            }
            keys.iter().find_map(|key| find_json(&map[*key], depth + 1, keyed, nesting))
        }
        serde_json::Value::Array(items) => {
            items.iter().take(MAX_JSON_ITEMS).find_map(|item| find_json(item, depth + 1, keyed, nesting))
        }
        serde_json::Value::String(s) if !keyed => find(s, nesting + 1).map(|(code, _)| code),
        _ => None,
    }
}

/// `%XX` to bytes (a `%` not followed by two hex digits stays), `+` to a space, then UTF-8 with
/// U+FFFD for what is not UTF-8: never fails.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit() => {
                let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
                out.push(hex(bytes[i + 1]) << 4 | hex(bytes[i + 2]));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn all_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `V1V2V3.Z1Z2.Y1Y2.MX1X2`, e.g. `000.00.01.H29`.
fn is_strict_agency(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && all_digits(parts[0], 3)
        && all_digits(parts[1], 2)
        && all_digits(parts[2], 2)
        && is_level1(parts[3])
}

/// A letter and two digits: `H29`.
fn is_level1(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit()
}

/// Newer ids (Quyết định 20/2020/QĐ-TTg): province first, then up to three groups of 1–3 digits.
fn is_new_agency(s: &str) -> bool {
    let mut parts = s.split('.');
    let Some(first) = parts.next() else { return false };
    if !is_level1(first) {
        return false;
    }
    let rest: Vec<&str> = parts.collect();
    rest.len() <= 3 && rest.iter().all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A real day of 2000–2099: `310231` (31 February) and `250229` (2025 is not a leap year) are not.
fn is_yymmdd(s: &str) -> bool {
    if !all_digits(s, 6) {
        return false;
    }
    let n = |i: usize| s[i..i + 2].parse::<u8>().unwrap_or(0);
    let (yy, mm, dd) = (n(0), n(2), n(4));
    let days = match mm {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if yy % 4 == 0 => 29, // 2000 is a leap year too
        2 => 28,
        _ => 0,
    };
    (1..=days).contains(&dd)
}

/// `len` digits, not all zeros (sequences start at 1).
fn is_sequence(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) && s.bytes().any(|b| b != b'0')
}

fn split3(s: &str) -> Option<(&str, &str, &str)> {
    let mut it = s.rsplitn(3, '-');
    let seq = it.next()?;
    let date = it.next()?;
    let agency = it.next()?;
    Some((agency, date, seq))
}

fn is_strict(s: &str) -> bool {
    match split3(s) {
        Some((agency, date, seq)) => is_strict_agency(agency) && is_yymmdd(date) && is_sequence(seq, 4..=4),
        None => false,
    }
}

/// The lenient rules before dates had to be real days and sequences other than zero (month 01–12,
/// day 01–31, 4–7 digits), on a canonical code.
fn was_accepted(s: &str) -> bool {
    let two = |d: &str, i: usize| d[i..i + 2].parse::<u8>().unwrap_or(0);
    match split3(s) {
        Some((agency, date, seq)) => {
            (is_strict_agency(agency) || is_new_agency(agency))
                && all_digits(date, 6)
                && (1..=12).contains(&two(date, 2))
                && (1..=31).contains(&two(date, 4))
                && (4..=7).contains(&seq.len())
                && seq.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

fn is_lenient(s: &str) -> bool {
    match split3(s) {
        Some((agency, date, seq)) => {
            (is_strict_agency(agency) || is_new_agency(agency)) && is_yymmdd(date) && is_sequence(seq, 4..=7)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn real_examples_parse() {
        for code in [
            "000.00.06.H56-231027-0361",
            "000.17.22.H56-210531-0001",
            "H56.14-240823-0001",
            "000.00.01.H29-260310-0420",
        ] {
            let parsed = DossierCode::parse_lenient(code).unwrap();
            assert_eq!(parsed.as_str(), code);
        }
        assert!(DossierCode::parse_lenient("000.00.01.H29-260310-0420").unwrap().is_strict());
        assert!(!DossierCode::parse_lenient("H56.14-240823-0001").unwrap().is_strict());
        assert!(DossierCode::parse_strict("H56.14-240823-0001").is_err());
    }

    #[test]
    fn scanner_noise_is_tolerated() {
        let want = "000.00.01.H29-260310-0420";
        for noisy in [
            "000.00.01.h29-260310-0420\r\n",
            "  000.00.01.H29 - 260310 - 0420 ",
            "https://dichvucong.hochiminhcity.gov.vn/tra-cuu?maHoSo=000.00.01.H29-260310-0420",
            "https://example.vn/hs?x=1&maHoSo=000.00.01.h29-260310-0420&lang=vi",
            "https://example.vn/ho-so/000.00.01.H29-260310-0420",
            "https://example.vn/ho-so/000.00.01.H29-260310-0420/",
            "https://example.vn/q?ma=000.00.01.H29%2D260310%2D0420",
            "\u{feff}000.00.01.H29-260310-0420\n",
        ] {
            assert_eq!(DossierCode::parse_lenient(noisy).unwrap().as_str(), want, "{noisy:?}");
        }
    }

    #[test]
    fn ministry_sequences_of_five_to_seven_digits() {
        assert!(DossierCode::parse_lenient("G01.12-240101-1234567").is_ok());
        assert!(DossierCode::parse_lenient("G01.12-240101-12345678").is_err());
        assert!(DossierCode::parse_lenient("000.00.01.H29-260310-042").is_err());
    }

    #[test]
    fn malformed_codes_are_rejected() {
        for bad in [
            "",
            "   \r\n",
            "hello",
            "000.00.01.H29-261310-0420", // month 13
            "000.00.01.H29-260332-0420", // day 32
            "000.0.01.H29-260310-0420",
            "000.00.01.29H-260310-0420",
            "https://example.vn/?q=nothing",
            "000.00.01.H29_260310_0420",
        ] {
            assert!(DossierCode::parse_lenient(bad).is_err(), "{bad:?}");
        }
        assert_eq!(DossierCode::parse_lenient(" "), Err(DossierCodeError::Empty));
        let long = "A".repeat(5000);
        assert!(matches!(DossierCode::parse_lenient(&long), Err(DossierCodeError::TooLong(_))));
    }

    /// The vectors the counter page's `Q.dossierCode` is also run over (queue-server's
    /// `tests/dossier_code_vectors.rs`, in Chromium): every mismatch is listed.
    #[test]
    fn shared_vectors() {
        let vectors: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../../testdata/dossier-code-vectors.json")).unwrap();
        assert!(vectors.len() >= 40, "{} vectors", vectors.len());
        let mut mismatches = Vec::new();
        for v in &vectors {
            let input = v["input"].as_str().expect("input");
            let expect = v["expect"].as_str();
            let got = DossierCode::parse_lenient(input).ok();
            if got.as_ref().map(|c| c.as_str()) != expect {
                mismatches.push(format!("{input:?}: expected {expect:?}, got {got:?} ({})", v["why"]));
            }
            if let Some(code) = got {
                assert_eq!(DossierCode::parse_lenient(code.as_str()).as_ref(), Ok(&code), "canonical reparses");
            }
        }
        assert!(mismatches.is_empty(), "{} of {} vectors:\n{}", mismatches.len(), vectors.len(), mismatches.join("\n"));
    }

    #[test]
    fn where_the_code_was() {
        let at = |t: &str| DossierCode::locate(t).map(|(_, s)| s);
        assert_eq!(at(" 000.00.01.h29-260310-0420\r\n"), Ok(CodeSource::Whole));
        assert_eq!(at("https://dvc.example.vn/#/tra-cuu?maHoSo=000.00.01.H29-260310-0420"), Ok(CodeSource::Url));
        assert_eq!(at("/ho-so/000.00.01.H29-260310-0420"), Ok(CodeSource::Url));
        assert_eq!(at(r#"{"maHoSo":"000.00.01.H29-260310-0420"}"#), Ok(CodeSource::Json));
        assert_eq!(at("Mã hồ sơ: 000.00.01.H29-260310-0420"), Ok(CodeSource::Text));
        assert_eq!(at("Số 000.00.01.H29-260310-0420 ngày 10/03"), Ok(CodeSource::Text));
        assert!(matches!(at("\u{200b}\u{feff}"), Err(DossierCodeError::Empty)));
    }

    #[test]
    fn impossible_dates_and_zero_sequences() {
        for bad in ["000.00.01.H29-310231-0420", "000.00.01.H29-250229-0420", "H56.14-240823-0000"] {
            assert!(DossierCode::parse_lenient(bad).is_err(), "{bad:?}");
            assert!(DossierCode::parse_strict(bad).is_err(), "{bad:?}");
        }
        for year in 2000..2100 {
            for month in 1..=12u8 {
                for day in 1..=31u8 {
                    let text = format!("000.00.01.H29-{:02}{month:02}{day:02}-0001", year % 100);
                    let real = Date::from_calendar_date(year, Month::try_from(month).unwrap(), day).is_ok();
                    assert_eq!(DossierCode::parse_lenient(&text).is_ok(), real, "{text}");
                }
            }
        }
    }

    /// Codes written by an earlier version still read back (the log replays), but are not taken as input.
    #[test]
    fn recorded_codes_read_back() {
        for old in ["000.00.01.H29-260230-0420", "H56.14-240823-0000"] {
            let code: DossierCode = serde_json::from_str(&format!("{old:?}")).unwrap();
            assert_eq!(code.as_str(), old);
            assert!(DossierCode::parse_lenient(old).is_err());
        }
        let code: DossierCode = serde_json::from_str("\" 000.00.01.h29–260310-0420\"").unwrap();
        assert_eq!(code.as_str(), "000.00.01.H29-260310-0420");
        for bad in ["\"000.00.01.H29-261310-0420\"", "\"000.00.01.h29-260230-0420\"", "\"x\""] {
            assert!(serde_json::from_str::<DossierCode>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn generation_is_strict() {
        let code = DossierCode::generate("000.00.01.H29", date!(2026 - 03 - 10), 420).unwrap();
        assert_eq!(code.as_str(), "000.00.01.H29-260310-0420");
        assert_eq!(code.agency(), "000.00.01.H29");
        assert_eq!(code.received_on(), Some(date!(2026 - 03 - 10)));
        assert!(DossierCode::generate("H56.14", date!(2026 - 03 - 10), 1).is_err());
        assert!(DossierCode::generate("000.00.01.H29", date!(2026 - 03 - 10), 0).is_err());
        assert!(DossierCode::generate("000.00.01.H29", date!(2026 - 03 - 10), 10000).is_err());
    }

    proptest::proptest! {
        #[test]
        fn lenient_parsing_never_panics(text in "\\PC{0,300}") {
            let _ = DossierCode::parse_lenient(&text);
        }

        #[test]
        fn generated_codes_survive_scanner_noise(
            a in 0u32..1000, b in 0u32..100, c in 0u32..100, letter in proptest::char::range('A', 'Z'), l1 in 0u32..100,
            day in 1u8..=28, month in 1u8..=12, year in 2019i32..2099, seq in 1u32..10000,
            lower in proptest::bool::ANY, wrap in 0usize..4,
        ) {
            let agency = format!("{a:03}.{b:02}.{c:02}.{letter}{l1:02}");
            let date = time::Date::from_calendar_date(year, Month::try_from(month).unwrap(), day).unwrap();
            let code = DossierCode::generate(&agency, date, seq).unwrap();
            let mut text = code.to_string();
            if lower { text = text.to_lowercase(); }
            let text = match wrap {
                0 => format!("{text}\r\n"),
                1 => format!("https://dvc.example.vn/tra-cuu?maHoSo={text}&lang=vi"),
                2 => format!("https://dvc.example.vn/ho-so/{text}"),
                _ => format!("  {text}  "),
            };
            proptest::prop_assert_eq!(DossierCode::parse_lenient(&text).unwrap(), code.clone());
            proptest::prop_assert!(code.is_strict());
        }
    }
}
