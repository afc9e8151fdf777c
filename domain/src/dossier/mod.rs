//! Dossier codes (mã hồ sơ, Thông tư 01/2018/TT-VPCP Art. 19); statuses and timeliness are in `status`.
//!
//! Codes are *generated strictly* (`<agency>-<YYMMDD>-<NNNN>` with a QCVN 102:2016 agency id) and
//! *parsed leniently*: newer agency ids (`H56.14`), 5–7 digit sequences, lower case, spaces, a trailing
//! CR/LF from a scanner, or the code wrapped in a URL (`...?maHoSo=...` or a path segment).

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

    /// Parses what a scanner, a camera or a person produced: trims, removes spaces, upper-cases, and
    /// looks inside URLs (query parameters such as `maHoSo=`, or a path segment).
    pub fn parse_lenient(text: &str) -> Result<Self, DossierCodeError> {
        let trimmed = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if trimmed.is_empty() {
            return Err(DossierCodeError::Empty);
        }
        let len = trimmed.chars().count();
        if len > MAX_INPUT {
            return Err(DossierCodeError::TooLong(len));
        }
        for candidate in candidates(trimmed) {
            let normalized: String =
                candidate.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
            if is_lenient(&normalized) {
                return Ok(DossierCode(normalized));
            }
        }
        Err(DossierCodeError::Malformed(trimmed.chars().take(120).collect()))
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

impl TryFrom<String> for DossierCode {
    type Error = DossierCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        DossierCode::parse_lenient(&value)
    }
}

impl From<DossierCode> for String {
    fn from(code: DossierCode) -> String {
        code.0
    }
}

/// The pieces of input that may hold the code: the whole text, then URL query values (percent-decoded),
/// then path segments, last first (the code is usually at the end).
fn candidates(text: &str) -> Vec<String> {
    let mut out = vec![text.to_owned()];
    if let Some((before, query)) = text.split_once('?') {
        let query = query.split('#').next().unwrap_or("");
        for pair in query.split('&') {
            let value = pair.split_once('=').map(|(_, v)| v).unwrap_or(pair);
            out.push(percent_decode(value));
        }
        push_path_segments(before, &mut out);
    } else {
        push_path_segments(text.split('#').next().unwrap_or(text), &mut out);
    }
    out
}

fn push_path_segments(path: &str, out: &mut Vec<String>) {
    if path.contains('/') {
        for segment in path.rsplit('/') {
            if !segment.is_empty() {
                out.push(percent_decode(segment));
            }
        }
    }
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
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

fn is_yymmdd(s: &str) -> bool {
    if !all_digits(s, 6) {
        return false;
    }
    let mm: u8 = s[2..4].parse().unwrap_or(0);
    let dd: u8 = s[4..6].parse().unwrap_or(0);
    (1..=12).contains(&mm) && (1..=31).contains(&dd)
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
        Some((agency, date, seq)) => is_strict_agency(agency) && is_yymmdd(date) && all_digits(seq, 4),
        None => false,
    }
}

fn is_lenient(s: &str) -> bool {
    match split3(s) {
        Some((agency, date, seq)) => {
            (is_strict_agency(agency) || is_new_agency(agency))
                && is_yymmdd(date)
                && (4..=7).contains(&seq.len())
                && seq.bytes().all(|b| b.is_ascii_digit())
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
