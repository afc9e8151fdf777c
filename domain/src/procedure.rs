//! The procedure catalogue (danh mục thủ tục hành chính, TTHC): what a citizen asks for, mapped to the
//! service (queue) and counters that take it.
//!
//! A citizen thinks in procedures ("đăng ký khai sinh"), the office in services ("Hộ tịch"). Each
//! catalogue entry names its national code, its field (lĩnh vực), its legal time limit, fees and the
//! papers to bring, and the service whose queue takes it. [`ProcedureRecord`] is the wire type of the
//! `procedure_saved` event (version 1; new fields get defaults, a field never changes meaning). A
//! procedure is never deleted: it is withdrawn (`active: false`) so tickets that named it still read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::i18n::{matches_query, nfc, sort_key, Localized};
use crate::office::{CounterId, ServiceCode};

/// Most procedures an office's catalogue holds (a ward has ~300, a district centre ~1,500).
pub const MAX_PROCEDURES: usize = 5000;
/// Most entries one import carries.
pub const MAX_IMPORT: usize = 2000;
pub const MAX_FEES: usize = 20;
pub const MAX_PAPERS: usize = 40;
pub const MAX_COUNTERS: usize = 50;
const MAX_CODE: usize = 40;
const MAX_NAME: usize = 400;
const MAX_FIELD: usize = 150;
const MAX_PAPER: usize = 500;

/// The legal time limit to resolve a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeLimit {
    /// Working days (0 = within the day of reception).
    WorkingDays(#[schemars(range(max = 365))] u16),
    /// Working hours, for procedures resolved the same day ("không quá 4 giờ làm việc").
    WorkingHours(#[schemars(range(min = 1, max = 48))] u16),
}

impl TimeLimit {
    /// "03 ngày làm việc" / "3 working days"; "Trong ngày" for 0 days.
    pub fn describe(self) -> Localized {
        match self {
            TimeLimit::WorkingDays(0) => Localized::new("Trong ngày", "Within the day"),
            TimeLimit::WorkingDays(1) => Localized::new("01 ngày làm việc", "1 working day"),
            TimeLimit::WorkingDays(d) => Localized::new(format!("{d:02} ngày làm việc"), format!("{d} working days")),
            TimeLimit::WorkingHours(1) => Localized::new("01 giờ làm việc", "1 working hour"),
            TimeLimit::WorkingHours(h) => Localized::new(format!("{h:02} giờ làm việc"), format!("{h} working hours")),
        }
    }
}

/// A fee or charge of a procedure (lệ phí, phí), in đồng.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureFee {
    #[schemars(schema_with = "schema::fee_name")]
    pub name: Localized,
    #[schemars(range(max = 1_000_000_000_000u64))]
    pub amount_vnd: u64,
}

/// One catalogue entry, as saved in the log (`procedure_saved`, version 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureRecord {
    /// National procedure code, e.g. `1.001193.000.00.00.H29` or `2.000528`.
    #[schemars(regex(pattern = crate::api::schema::PROCEDURE_CODE))]
    pub code: String,
    #[schemars(schema_with = "schema::name")]
    pub name: Localized,
    /// Lĩnh vực, e.g. "Hộ tịch".
    #[schemars(schema_with = "schema::field")]
    pub field: Localized,
    pub time_limit: Option<TimeLimit>,
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub fees: Vec<ProcedureFee>,
    /// Thành phần hồ sơ: the papers to bring.
    #[serde(default)]
    #[schemars(schema_with = "schema::papers")]
    pub papers: Vec<Localized>,
    /// The service whose queue takes it.
    pub service: ServiceCode,
    /// Counters that take it, when only some of the service's counters do (empty: all of them).
    #[serde(default)]
    #[schemars(length(max = 50), inner(range(min = 1)))]
    pub counters: Vec<CounterId>,
    /// A withdrawn procedure is kept for the tickets that named it but is no longer offered.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

/// The limits [`ProcedureRecord::validate`] checks, as JSON Schema (so the API document says them).
mod schema {
    use schemars::{json_schema, Schema, SchemaGenerator};

    use crate::api::schema::NOT_BLANK;

    fn text(max: usize) -> Schema {
        json_schema!({ "type": "object", "required": ["vi", "en"], "properties": {
            "vi": { "type": "string", "pattern": NOT_BLANK, "maxLength": max },
            "en": { "type": "string", "maxLength": max } } })
    }
    pub fn name(_: &mut SchemaGenerator) -> Schema {
        text(super::MAX_NAME)
    }
    pub fn fee_name(_: &mut SchemaGenerator) -> Schema {
        text(super::MAX_NAME)
    }
    pub fn field(_: &mut SchemaGenerator) -> Schema {
        text(super::MAX_FIELD)
    }
    pub fn papers(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "array", "maxItems": super::MAX_PAPERS, "items": text(super::MAX_PAPER) })
    }
}

/// Why a catalogue entry cannot be saved, named in the words of the admin who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcedureError {
    #[error("procedure code {0:?} is not 1–40 letters, digits, dots or hyphens")]
    Code(String),
    #[error("procedure {0}: the Vietnamese name is missing or longer than 400 characters")]
    Name(String),
    #[error("procedure {0}: the field is missing or longer than 150 characters")]
    Field(String),
    #[error("procedure {0}: a fee has no name, or there are more than {MAX_FEES} fees")]
    Fees(String),
    #[error("procedure {0}: a paper is empty or longer than 500 characters, or there are more than {MAX_PAPERS}")]
    Papers(String),
    #[error("procedure {0}: more than {MAX_COUNTERS} counters")]
    Counters(String),
    #[error("procedure {code}: unknown service {service}")]
    UnknownService { code: String, service: String },
    #[error("procedure {code}: counter {counter} does not serve its service")]
    CounterNotServing { code: String, counter: CounterId },
    #[error("procedure code {0} appears twice in one import")]
    Duplicate(String),
    #[error("the catalogue holds at most {MAX_PROCEDURES} procedures")]
    CatalogueFull,
    #[error("an import holds 1–{MAX_IMPORT} procedures")]
    ImportSize,
    #[error("unknown procedure {0}")]
    Unknown(String),
    #[error("procedure {0} is withdrawn")]
    Withdrawn(String),
    #[error("procedure {code} is taken by another service than {service}")]
    OtherService { code: String, service: String },
}

impl ProcedureError {
    /// Stable code for clients: "invalid" for an entry no office could accept, its own code when it
    /// depends on what the office has (its services, counters, catalogue).
    pub fn code(&self) -> &'static str {
        use ProcedureError::*;
        match self {
            Code(_) | Name(_) | Field(_) | Fees(_) | Papers(_) | Counters(_) | Duplicate(_) | ImportSize => "invalid",
            UnknownService { .. } => "unknown_service",
            CounterNotServing { .. } => "counter_not_serving",
            CatalogueFull => "catalogue_full",
            Unknown(_) => "unknown_procedure",
            Withdrawn(_) => "procedure_withdrawn",
            OtherService { .. } => "procedure_other_service",
        }
    }

    /// A service or procedure the office does not have.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ProcedureError::UnknownService { .. } | ProcedureError::Unknown(_))
    }

    pub fn localized(&self) -> Localized {
        use ProcedureError::*;
        match self {
            Code(_) => Localized::new(
                "Mã thủ tục chỉ gồm 1–40 chữ, số, dấu chấm hoặc gạch nối (ví dụ 1.001193.000.00.00.H29).",
                "A procedure code has 1–40 letters, digits, dots or hyphens (e.g. 1.001193.000.00.00.H29).",
            ),
            Name(c) => Localized::new(
                format!("Thủ tục {c}: vui lòng nhập tên tiếng Việt (tối đa 400 ký tự)."),
                format!("Procedure {c}: please give a Vietnamese name of at most 400 characters."),
            ),
            Field(c) => Localized::new(
                format!("Thủ tục {c}: vui lòng nhập lĩnh vực (tối đa 150 ký tự)."),
                format!("Procedure {c}: please give its field, at most 150 characters."),
            ),
            Fees(c) => Localized::new(
                format!("Thủ tục {c}: mỗi khoản phí cần có tên; tối đa {MAX_FEES} khoản."),
                format!("Procedure {c}: each fee needs a name; at most {MAX_FEES} fees."),
            ),
            Papers(c) => Localized::new(
                format!("Thủ tục {c}: mỗi thành phần hồ sơ có 1–500 ký tự; tối đa {MAX_PAPERS} thành phần."),
                format!("Procedure {c}: each required paper has 1–500 characters; at most {MAX_PAPERS}."),
            ),
            Counters(c) => Localized::new(
                format!("Thủ tục {c}: chỉ chọn được tối đa {MAX_COUNTERS} quầy."),
                format!("Procedure {c}: at most {MAX_COUNTERS} counters."),
            ),
            UnknownService { code, .. } => Localized::new(
                format!("Thủ tục {code}: dịch vụ được chọn không có ở đơn vị."),
                format!("Procedure {code}: the chosen service does not exist at this office."),
            ),
            CounterNotServing { code, counter } => Localized::new(
                format!("Thủ tục {code}: quầy số {counter} không phục vụ dịch vụ đã chọn."),
                format!("Procedure {code}: counter {counter} does not serve its service."),
            ),
            Duplicate(c) => Localized::new(
                format!("Mã thủ tục {c} xuất hiện hai lần trong tệp nhập."),
                format!("Procedure code {c} appears twice in the imported file."),
            ),
            CatalogueFull => Localized::new(
                format!("Danh mục chỉ chứa tối đa {MAX_PROCEDURES} thủ tục."),
                format!("The catalogue holds at most {MAX_PROCEDURES} procedures."),
            ),
            ImportSize => Localized::new(
                format!("Mỗi lần nhập được từ 1 đến {MAX_IMPORT} thủ tục."),
                format!("One import holds 1 to {MAX_IMPORT} procedures."),
            ),
            Unknown(c) => Localized::new(
                format!("Không tìm thấy thủ tục {c} trong danh mục."),
                format!("Procedure {c} is not in the catalogue."),
            ),
            Withdrawn(c) => Localized::new(
                format!("Thủ tục {c} hiện không còn tiếp nhận tại đơn vị."),
                format!("Procedure {c} is no longer received here."),
            ),
            OtherService { code, .. } => Localized::new(
                format!("Thủ tục {code} được tiếp nhận ở một dịch vụ khác; vui lòng chọn lại."),
                format!("Procedure {code} is taken by another service; please choose again."),
            ),
        }
    }
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

impl ProcedureRecord {
    /// The record with every text trimmed and in NFC, as it is stored.
    pub fn normalized(mut self) -> ProcedureRecord {
        fn clean(l: &mut Localized) {
            l.vi = nfc(l.vi.trim());
            l.en = nfc(l.en.trim());
        }
        self.code = self.code.trim().to_owned();
        clean(&mut self.name);
        clean(&mut self.field);
        for fee in &mut self.fees {
            clean(&mut fee.name);
        }
        for paper in &mut self.papers {
            clean(paper);
        }
        self.counters.sort_unstable();
        self.counters.dedup();
        self
    }

    /// Checks what the record can check on its own (the service and counters need the office).
    pub fn validate(&self) -> Result<(), ProcedureError> {
        let code = &self.code;
        let code_ok = !code.is_empty()
            && code.len() <= MAX_CODE
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && code.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !code_ok {
            return Err(ProcedureError::Code(code.clone()));
        }
        let too_long = |l: &Localized, max: usize| l.vi.chars().count() > max || l.en.chars().count() > max;
        if blank(&self.name.vi) || too_long(&self.name, MAX_NAME) {
            return Err(ProcedureError::Name(code.clone()));
        }
        if blank(&self.field.vi) || too_long(&self.field, MAX_FIELD) {
            return Err(ProcedureError::Field(code.clone()));
        }
        if self.fees.len() > MAX_FEES || self.fees.iter().any(|f| blank(&f.name.vi) || too_long(&f.name, MAX_NAME)) {
            return Err(ProcedureError::Fees(code.clone()));
        }
        if self.papers.len() > MAX_PAPERS || self.papers.iter().any(|p| blank(&p.vi) || too_long(p, MAX_PAPER)) {
            return Err(ProcedureError::Papers(code.clone()));
        }
        if self.counters.len() > MAX_COUNTERS {
            return Err(ProcedureError::Counters(code.clone()));
        }
        Ok(())
    }

    /// Whether a search matches it: every word of the query, without diacritics, in its code, names or
    /// field (NFC or NFD input alike).
    pub fn matches(&self, query: &str) -> bool {
        procedure_matches(&self.code, &self.name, &self.field, query)
    }

    /// Sort order: by field, then by name, Vietnamese collation without diacritics first.
    pub fn sort_key(&self) -> ((String, String), (String, String)) {
        procedure_sort_key(&self.name, &self.field)
    }
}

/// The catalogue's search, shared by the server's records and a kiosk's cached views: every word of the
/// query, without diacritics, in the code, names or field (NFC or NFD input alike).
pub fn procedure_matches(code: &str, name: &Localized, field: &Localized, query: &str) -> bool {
    let haystack = format!("{code} {} {} {} {}", name.vi, name.en, field.vi, field.en);
    matches_query(&haystack, query)
}

/// The catalogue's order: by field, then by name, Vietnamese collation without diacritics first.
pub fn procedure_sort_key(name: &Localized, field: &Localized) -> ((String, String), (String, String)) {
    (sort_key(&field.vi), sort_key(&name.vi))
}

/// Checks one import: its size, each record, and no code twice. Returns the records normalized.
pub fn check_import(records: Vec<ProcedureRecord>) -> Result<Vec<ProcedureRecord>, ProcedureError> {
    if records.is_empty() || records.len() > MAX_IMPORT {
        return Err(ProcedureError::ImportSize);
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let record = record.normalized();
        record.validate()?;
        if !seen.insert(record.code.clone()) {
            return Err(ProcedureError::Duplicate(record.code));
        }
        out.push(record);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn birth() -> ProcedureRecord {
        ProcedureRecord {
            code: "1.001193.000.00.00.H29".into(),
            name: Localized::new("Đăng ký khai sinh", "Birth registration"),
            field: Localized::new("Hộ tịch", "Civil status"),
            time_limit: Some(TimeLimit::WorkingDays(0)),
            fees: vec![],
            papers: vec![Localized::new("Giấy chứng sinh", "Birth certificate from the hospital")],
            service: ServiceCode::new("ho-tich").unwrap(),
            counters: vec![],
            active: true,
        }
    }

    #[test]
    fn search_ignores_diacritics_case_and_normal_form() {
        let p = birth();
        assert!(p.matches("dang ky khai sinh"));
        assert!(p.matches("KHAI SINH"));
        // "Hộ tịch" typed in NFD finds the NFC field.
        let nfd_field: String = unicode_normalization::UnicodeNormalization::nfd("hộ tịch").collect();
        assert!(p.matches(&nfd_field));
        assert!(p.matches("birth"));
        assert!(p.matches("1.001193"));
        assert!(!p.matches("ket hon"));
        assert!(!p.matches("chung thuc"));
        assert!(p.matches("   "));
    }

    #[test]
    fn validation_names_what_is_wrong() {
        assert!(birth().validate().is_ok());
        let mut p = birth();
        p.code = "1.0 01".into();
        assert_eq!(p.validate(), Err(ProcedureError::Code("1.0 01".into())));
        let mut p = birth();
        p.name.vi = "  ".into();
        assert!(matches!(p.validate(), Err(ProcedureError::Name(_))));
        let mut p = birth();
        p.field.vi = String::new();
        assert!(matches!(p.validate(), Err(ProcedureError::Field(_))));
        let mut p = birth();
        p.papers = vec![Localized::new("x", ""); MAX_PAPERS + 1];
        assert!(matches!(p.validate(), Err(ProcedureError::Papers(_))));
        let mut p = birth();
        p.fees = vec![ProcedureFee { name: Localized::new("", "fee"), amount_vnd: 1 }];
        assert!(matches!(p.validate(), Err(ProcedureError::Fees(_))));
    }

    #[test]
    fn imports_refuse_duplicates_and_normalize() {
        let mut nfd = birth();
        nfd.name.vi = unicode_normalization::UnicodeNormalization::nfd(" Đăng ký khai sinh ").collect();
        let out = check_import(vec![nfd]).unwrap();
        assert_eq!(out[0].name.vi, "Đăng ký khai sinh");
        assert_eq!(check_import(vec![birth(), birth()]), Err(ProcedureError::Duplicate(birth().code)));
        assert_eq!(check_import(vec![]), Err(ProcedureError::ImportSize));
    }

    #[test]
    fn time_limits_read_as_on_paper() {
        assert_eq!(TimeLimit::WorkingDays(0).describe().vi, "Trong ngày");
        assert_eq!(TimeLimit::WorkingDays(3).describe().vi, "03 ngày làm việc");
        assert_eq!(TimeLimit::WorkingDays(15).describe().en, "15 working days");
        assert_eq!(TimeLimit::WorkingHours(4).describe().vi, "04 giờ làm việc");
    }

    #[test]
    fn old_records_read_with_defaults() {
        let json = r#"{"code":"2.000528","name":{"vi":"Chứng thực bản sao","en":"Certified copy"},
            "field":{"vi":"Chứng thực","en":"Certification"},"time_limit":{"working_days":0},"service":"chung-thuc"}"#;
        let p: ProcedureRecord = serde_json::from_str(json).unwrap();
        assert!(p.active);
        assert!(p.fees.is_empty() && p.papers.is_empty() && p.counters.is_empty());
    }
}
