//! From what a scan read to a dossier code.
//!
//! A receipt's QR or barcode, a serial or keyboard-wedge scanner, or a person typing can
//! produce: a bare code (any case, with spaces, with a trailing CR/LF), a URL carrying the
//! code as a query parameter or a path segment, a JSON object with the code in a field, or
//! labelled text (`Mã hồ sơ: 000.00.01.H29-260310-0420`). [`interpret`] tries them in that
//! order on top of [`domain::dossier::DossierCode::parse_lenient`]; anything else is a
//! [`ScanResult::NotADossierCode`] carrying what was read, so the kiosk can say so.
//!
//! [`Dedup`] makes repeated scans of the same code within a short window count once (a
//! camera sees the same receipt in every frame; people press the scanner trigger twice).

use std::collections::HashMap;
use std::time::Duration;

use domain::dossier::{CodeSource, DossierCode, DossierCodeError};

/// The interpretation of one scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanResult {
    /// A dossier code was found.
    Dossier {
        /// The code, canonical.
        code: DossierCode,
        /// Where in the payload it was found.
        via: Via,
        /// What was read (verbatim).
        raw: String,
    },
    /// Not a dossier code: the kiosk shows `raw` (escaped) and the reason.
    NotADossierCode {
        /// What was read (verbatim).
        raw: String,
        /// Why the plain reading failed.
        reason: DossierCodeError,
    },
}

impl ScanResult {
    /// The dossier code, if any.
    pub fn code(&self) -> Option<&DossierCode> {
        match self {
            ScanResult::Dossier { code, .. } => Some(code),
            ScanResult::NotADossierCode { .. } => None,
        }
    }

    /// What was read.
    pub fn raw(&self) -> &str {
        match self {
            ScanResult::Dossier { raw, .. } | ScanResult::NotADossierCode { raw, .. } => raw,
        }
    }
}

/// How the code was found in the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The payload is the code, or a URL carrying it (domain's lenient parser).
    Plain,
    /// A field of a JSON payload.
    Json,
    /// One line or token of labelled free text.
    Text,
}

/// JSON field names that carry a dossier code, compared case-insensitively with `_`/`-`
/// removed (so `MaHoSo`, `ma_ho_so`, `maHoSo` all match).
const JSON_KEYS: &[&str] = &["mahoso", "mahs", "sohoso", "hoso", "dossiercode", "dossier", "code", "ma", "id"];

/// Longest payload examined (a receipt QR is far shorter).
pub const MAX_PAYLOAD: usize = 4096;

/// Deepest JSON nesting searched.
const MAX_DEPTH: usize = 6;

/// Interprets one scanned or typed payload.
pub fn interpret(raw: &str) -> ScanResult {
    let reason = match DossierCode::locate(raw) {
        Ok((code, source)) => {
            let via = match source {
                CodeSource::Whole | CodeSource::Url => Via::Plain,
                CodeSource::Json => Via::Json,
                CodeSource::Text => Via::Text,
            };
            return ScanResult::Dossier { code, via, raw: raw.to_owned() };
        }
        Err(e) => e,
    };
    let found = if raw.len() > MAX_PAYLOAD {
        None
    } else {
        from_json(raw).map(|c| (c, Via::Json)).or_else(|| from_text(raw).map(|c| (c, Via::Text)))
    };
    match found {
        Some((code, via)) => ScanResult::Dossier { code, via, raw: raw.to_owned() },
        None => ScanResult::NotADossierCode { raw: raw.to_owned(), reason },
    }
}

fn from_json(raw: &str) -> Option<DossierCode> {
    let t = raw.trim_start_matches('\u{feff}').trim();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(t).ok()?;
    // Known keys first (breadth of the whole tree), then any string value.
    find_json(&value, 0, true).or_else(|| find_json(&value, 0, false))
}

fn normalized_key(k: &str) -> String {
    k.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect()
}

fn find_json(v: &serde_json::Value, depth: usize, keyed: bool) -> Option<DossierCode> {
    if depth > MAX_DEPTH {
        return None;
    }
    match v {
        serde_json::Value::Object(map) => {
            if keyed {
                for (k, val) in map {
                    if JSON_KEYS.contains(&normalized_key(k).as_str()) {
                        if let Some(s) = val.as_str() {
                            if let Ok(c) = DossierCode::parse_lenient(s) {
                                return Some(c);
                            }
                        }
                    }
                }
            }
            map.values().find_map(|val| find_json(val, depth + 1, keyed))
        }
        serde_json::Value::Array(items) => items.iter().take(64).find_map(|val| find_json(val, depth + 1, keyed)),
        serde_json::Value::String(s) if !keyed => DossierCode::parse_lenient(s).ok(),
        _ => None,
    }
}

fn from_text(raw: &str) -> Option<DossierCode> {
    for line in raw.lines().take(64) {
        // "Mã hồ sơ: CODE" — the part after the label
        if let Some((_, value)) = line.rsplit_once(':') {
            if let Ok(c) = DossierCode::parse_lenient(value) {
                return Some(c);
            }
        }
        for token in line
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '|' | '"' | '\''))
            .filter(|t| !t.is_empty())
            .take(64)
        {
            if let Ok(c) = DossierCode::parse_lenient(token) {
                return Some(c);
            }
        }
    }
    None
}

/// Suppresses repeats: a key seen again within `window` of its previous sighting does not
/// count. Time is passed in (any monotonic clock, as a `Duration` since an epoch), so the
/// rule is pure and testable.
///
/// The window is measured from the *last* sighting, so a receipt held in front of the
/// camera for a long time counts once; it counts again after it has been away for
/// `window`.
#[derive(Debug, Clone)]
pub struct Dedup {
    window: Duration,
    seen: HashMap<String, Duration>,
}

impl Dedup {
    /// A filter with this window (3 s suits a camera kiosk).
    pub fn new(window: Duration) -> Self {
        Self { window, seen: HashMap::new() }
    }

    /// Records a sighting of `key` at `now`; true when it counts (first time, or not seen
    /// for at least the window).
    pub fn accept(&mut self, key: &str, now: Duration) -> bool {
        if self.seen.len() > 256 {
            let window = self.window;
            self.seen.retain(|_, last| now.saturating_sub(*last) < window);
        }
        match self.seen.insert(key.to_owned(), now) {
            Some(last) => now.saturating_sub(last) >= self.window,
            None => true,
        }
    }

    /// Forgets everything (e.g. when the kiosk returns to its home screen).
    pub fn clear(&mut self) {
        self.seen.clear();
    }
}

impl Default for Dedup {
    fn default() -> Self {
        Self::new(Duration::from_secs(3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "000.00.01.H29-260310-0420";

    fn code_of(raw: &str) -> Option<String> {
        interpret(raw).code().map(|c| c.to_string())
    }

    #[test]
    fn plain_and_url_forms() {
        assert_eq!(code_of(CODE).as_deref(), Some(CODE));
        assert_eq!(code_of("000.00.01.h29-260310-0420\r\n").as_deref(), Some(CODE));
        assert_eq!(
            code_of("https://dichvucong.example.vn/tra-cuu?maHoSo=000.00.01.H29-260310-0420").as_deref(),
            Some(CODE)
        );
        assert_eq!(code_of("https://example.vn/hoso/H56.14-240823-0001").as_deref(), Some("H56.14-240823-0001"));
    }

    #[test]
    fn json_forms() {
        let r = interpret(r#"{"MaHoSo":"000.00.01.H29-260310-0420","NgayHenTra":"20260320"}"#);
        assert_eq!(r.code().map(|c| c.as_str()), Some(CODE));
        assert!(matches!(r, ScanResult::Dossier { via: Via::Json, .. }));
        assert_eq!(code_of(r#"{"data":{"ma_ho_so":"000.00.01.h29-260310-0420"}}"#).as_deref(), Some(CODE));
        assert_eq!(
            code_of(r#"[{"x":1,"note":"000.00.06.H56-231027-0361"}]"#).as_deref(),
            Some("000.00.06.H56-231027-0361")
        );
        assert_eq!(code_of(r#"{"MaHoSo": 42}"#), None);
    }

    #[test]
    fn labelled_text() {
        let raw = "GIẤY TIẾP NHẬN HỒ SƠ\nMã hồ sơ: 000.00.01.H29-260310-0420\nNgày hẹn trả: 20/03/2026";
        let r = interpret(raw);
        assert_eq!(r.code().map(|c| c.as_str()), Some(CODE));
        assert!(matches!(r, ScanResult::Dossier { via: Via::Text, .. }));
    }

    #[test]
    fn anything_else_is_not_a_code() {
        for raw in ["", "hello", "8934567890123", "http://example.com/?q=1", "{", "{}"] {
            match interpret(raw) {
                ScanResult::NotADossierCode { raw: r, .. } => assert_eq!(r, raw),
                other => panic!("{raw:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn dedup_window_slides() {
        let mut d = Dedup::new(Duration::from_secs(3));
        let s = Duration::from_secs;
        assert!(d.accept(CODE, s(0)));
        assert!(!d.accept(CODE, s(1)));
        assert!(!d.accept(CODE, s(3))); // seen at 1 s, still within 3 s of it
        assert!(d.accept("OTHER", s(3)));
        assert!(d.accept(CODE, s(7)));
        d.clear();
        assert!(d.accept(CODE, s(7)));
    }
}
