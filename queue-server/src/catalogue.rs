//! The procedure catalogue as the office's people meet it: files an admin imports (CSV from a
//! spreadsheet, or JSON), the views kiosks and counter pages list, and the search behind
//! `GET /api/v1/procedures`. The rules (what a valid entry is, which service takes it) are the
//! engine's (`domain::procedure`, `Command::SaveProcedures`).

use domain::api::{CatalogueFormat, ProcedureList, ProcedureRef, ProcedureView};
use domain::i18n::{sort_key, Localized};
use domain::office::{CounterId, ServiceCode};
use domain::procedure::{ProcedureFee, ProcedureRecord, TimeLimit, MAX_IMPORT};
use domain::queue::OfficeState;

use crate::error::AppError;

/// The demo office's catalogue, in the import format an office fills in from its spreadsheet.
pub const DEMO_CSV: &str = include_str!("../data/demo-procedures.csv");

/// Columns of the CSV format, in this order in the template (any order is read, by header name).
pub const CSV_COLUMNS: [&str; 11] = [
    "code",
    "name_vi",
    "name_en",
    "field_vi",
    "field_en",
    "time_limit",
    "fees",
    "papers",
    "service",
    "counters",
    "active",
];

fn bad_file(row: usize, column: &str, vi: String, en: String) -> AppError {
    AppError::bad("invalid_catalogue", format!("row {row}, column {column}"), vi, en)
}

/// Reads an imported file into records (not yet validated against the office: the engine does that).
pub fn parse(format: CatalogueFormat, content: &str) -> Result<Vec<ProcedureRecord>, AppError> {
    let records = match format {
        CatalogueFormat::Json => serde_json::from_str::<Vec<ProcedureRecord>>(content).map_err(|e| {
            AppError::bad(
                "invalid_catalogue",
                e.to_string(),
                format!("Tệp JSON không đúng mẫu danh mục thủ tục (dòng {}, cột {}).", e.line(), e.column()),
                format!("The JSON file is not a procedure catalogue (line {}, column {}).", e.line(), e.column()),
            )
        })?,
        CatalogueFormat::Csv => parse_csv(content)?,
    };
    if records.is_empty() || records.len() > MAX_IMPORT {
        return Err(domain::QueueError::from(domain::procedure::ProcedureError::ImportSize).into());
    }
    Ok(records)
}

fn parse_csv(content: &str) -> Result<Vec<ProcedureRecord>, AppError> {
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    // Spreadsheets in Vietnam often save with ';' (the decimal comma makes ',' a number character).
    let header_line = content.lines().next().unwrap_or("");
    let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(false).from_reader(content.as_bytes());
    let headers: Vec<String> =
        reader.headers().map_err(|e| csv_error(1, &e))?.iter().map(|h| h.trim().to_lowercase()).collect();
    for required in ["code", "name_vi", "field_vi", "service"] {
        if !headers.iter().any(|h| h == required) {
            return Err(bad_file(
                1,
                required,
                format!("Tệp thiếu cột «{required}» ở dòng tiêu đề (các cột: {}).", CSV_COLUMNS.join(", ")),
                format!("The file has no “{required}” column in its header row (columns: {}).", CSV_COLUMNS.join(", ")),
            ));
        }
    }
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        if out.len() >= MAX_IMPORT {
            return Err(domain::QueueError::from(domain::procedure::ProcedureError::ImportSize).into());
        }
        let row = row.map_err(|e| csv_error(line, &e))?;
        let cell = |name: &str| -> &str {
            headers.iter().position(|h| h == name).and_then(|i| row.get(i)).map(str::trim).unwrap_or("")
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let service = ServiceCode::new(cell("service")).map_err(|_| {
            bad_file(
                line,
                "service",
                format!("Dòng {line}: mã dịch vụ phải gồm chữ thường không dấu, số hoặc gạch nối."),
                format!("Row {line}: a service code has lower-case letters a–z, digits or hyphens."),
            )
        })?;
        out.push(ProcedureRecord {
            code: cell("code").to_owned(),
            name: Localized::new(cell("name_vi"), cell("name_en")),
            field: Localized::new(cell("field_vi"), cell("field_en")),
            time_limit: parse_time_limit(cell("time_limit")).ok_or_else(|| {
                bad_file(
                    line,
                    "time_limit",
                    format!("Dòng {line}: thời hạn giải quyết ghi như «3 ngày», «4 giờ» hoặc «trong ngày»."),
                    format!("Row {line}: write the time limit as “3 days”, “4 hours” or “same day”."),
                )
            })?,
            fees: parse_fees(cell("fees")).ok_or_else(|| {
                bad_file(
                    line,
                    "fees",
                    format!("Dòng {line}: lệ phí ghi «tên=số tiền», cách nhau bằng dấu «|» (ví dụ «Lệ phí=8000»)."),
                    format!("Row {line}: write fees as “name=amount” separated by “|” (e.g. “Fee=8000”)."),
                )
            })?,
            papers: cell("papers")
                .split('|')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Localized::new(p, ""))
                .collect(),
            service,
            counters: parse_counters(cell("counters")).ok_or_else(|| {
                bad_file(
                    line,
                    "counters",
                    format!("Dòng {line}: các quầy ghi bằng số, cách nhau bằng dấu phẩy hoặc khoảng trắng."),
                    format!("Row {line}: write counters as numbers separated by commas or spaces."),
                )
            })?,
            active: parse_active(cell("active")).ok_or_else(|| {
                bad_file(
                    line,
                    "active",
                    format!("Dòng {line}: cột «active» ghi «có» hoặc «không» (để trống là có)."),
                    format!("Row {line}: the “active” column is yes or no (empty means yes)."),
                )
            })?,
        });
    }
    Ok(out)
}

fn csv_error(line: usize, e: &csv::Error) -> AppError {
    let line = e.position().map(|p| p.line() as usize).unwrap_or(line);
    AppError::bad(
        "invalid_catalogue",
        e.to_string(),
        format!("Dòng {line} của tệp CSV không đọc được (số cột khác dòng tiêu đề, hoặc không phải UTF-8)."),
        format!("Row {line} of the CSV file cannot be read (a different number of columns, or not UTF-8)."),
    )
}

/// "3 ngày", "3 ngày làm việc", "3 days", "4 giờ", "4h", "trong ngày", "" (none).
fn parse_time_limit(text: &str) -> Option<Option<TimeLimit>> {
    let folded = domain::i18n::fold(text);
    let folded = folded.trim();
    if folded.is_empty() {
        return Some(None);
    }
    if ["trong ngay", "ngay trong ngay", "same day", "0"].contains(&folded) {
        return Some(Some(TimeLimit::WorkingDays(0)));
    }
    let digits: String = folded.chars().take_while(|c| c.is_ascii_digit()).collect();
    let n: u16 = digits.parse().ok()?;
    let unit = folded[digits.len()..].trim();
    let unit = unit.split_whitespace().next().unwrap_or("ngay");
    match unit {
        "ngay" | "day" | "days" | "d" if n <= 365 => Some(Some(TimeLimit::WorkingDays(n))),
        "gio" | "hour" | "hours" | "h" if (1..=48).contains(&n) => Some(Some(TimeLimit::WorkingHours(n))),
        _ => None,
    }
}

/// "Lệ phí=8000 | Phí cấp bản sao=3.000" (amount digits, dots or spaces between thousands).
fn parse_fees(text: &str) -> Option<Vec<ProcedureFee>> {
    text.split('|')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| {
            let (name, amount) = f.rsplit_once('=')?;
            let digits: String = amount.chars().filter(|c| !matches!(c, '.' | ' ' | 'đ' | '\u{a0}')).collect();
            Some(ProcedureFee { name: Localized::new(name.trim(), ""), amount_vnd: digits.trim().parse().ok()? })
        })
        .collect()
}

fn parse_counters(text: &str) -> Option<Vec<CounterId>> {
    text.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(|s| s.parse().ok()).collect()
}

fn parse_active(text: &str) -> Option<bool> {
    match domain::i18n::fold(text).trim() {
        "" | "co" | "yes" | "true" | "1" | "x" => Some(true),
        "khong" | "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// A procedure as listed, with the service that takes it.
pub fn view(state: &OfficeState, p: &ProcedureRecord) -> ProcedureView {
    let service = state.services.get(&p.service);
    let counters = if p.counters.is_empty() {
        state.counters.values().filter(|c| c.counter.services.contains(&p.service)).map(|c| c.counter.id).collect()
    } else {
        p.counters.clone()
    };
    ProcedureView {
        code: p.code.clone(),
        name: p.name.clone(),
        field: p.field.clone(),
        time_limit: p.time_limit,
        time_limit_text: p.time_limit.map(TimeLimit::describe),
        fees: p.fees.clone(),
        papers: p.papers.clone(),
        service: p.service.clone(),
        service_name: service.map(|s| s.name.clone()).unwrap_or_else(|| Localized::new("", "")),
        letter: service.map(|s| s.letter).unwrap_or('?'),
        service_open: service.is_some_and(|s| s.open),
        counters,
        active: p.active,
    }
}

/// The procedure a ticket names, as the officer reads it.
pub fn ticket_procedure(state: &OfficeState, code: &str) -> ProcedureRef {
    let name = state.procedures.get(code).map(|p| p.name.clone()).unwrap_or_else(|| Localized::new(code, code));
    ProcedureRef { code: code.to_owned(), name }
}

/// What a search asks for.
#[derive(Debug, Default)]
pub struct Search<'a> {
    pub query: &'a str,
    /// A field's Vietnamese name, compared without diacritics.
    pub field: Option<&'a str>,
    pub service: Option<&'a ServiceCode>,
    pub include_withdrawn: bool,
    pub limit: usize,
}

/// Matching procedures by field then name (Vietnamese order without diacritics).
pub fn search(state: &OfficeState, search: &Search<'_>) -> ProcedureList {
    let field = search.field.map(domain::i18n::fold);
    let mut matches: Vec<&ProcedureRecord> = state
        .procedures
        .values()
        .filter(|p| search.include_withdrawn || p.active)
        .filter(|p| field.as_deref().is_none_or(|f| domain::i18n::fold(&p.field.vi) == f))
        .filter(|p| search.service.is_none_or(|s| &p.service == s))
        .filter(|p| p.matches(search.query))
        .collect();
    matches.sort_by_cached_key(|p| p.sort_key());
    let mut fields: Vec<Localized> = Vec::new();
    for p in state.procedures.values().filter(|p| p.active) {
        if !fields.iter().any(|f| domain::i18n::fold(&f.vi) == domain::i18n::fold(&p.field.vi)) {
            fields.push(p.field.clone());
        }
    }
    fields.sort_by_cached_key(|f| sort_key(&f.vi));
    ProcedureList {
        total: matches.len(),
        procedures: matches.into_iter().take(search.limit).map(|p| view(state, p)).collect(),
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalogue_reads() {
        let records = parse(CatalogueFormat::Csv, DEMO_CSV).unwrap();
        assert!(records.len() >= 20, "{}", records.len());
        let checked = domain::procedure::check_import(records).unwrap();
        let birth = checked.iter().find(|p| p.name.vi == "Đăng ký khai sinh").unwrap();
        assert_eq!(birth.service.as_str(), "ho-tich");
        assert!(!birth.papers.is_empty());
    }

    #[test]
    fn csv_cells_read_as_a_spreadsheet_writes_them() {
        let csv = "\u{feff}code;name_vi;field_vi;service;time_limit;fees;counters;active\n\
                   2.000815;Chứng thực bản sao từ bản chính;Chứng thực;chung-thuc;trong ngày;Lệ phí=2.000 đ;1 2;có\n\
                   1.004227;Đăng ký biến động đất đai;Đất đai;dat-dai;10 ngày làm việc;;;không\n";
        let records = parse(CatalogueFormat::Csv, csv).unwrap();
        assert_eq!(records[0].time_limit, Some(TimeLimit::WorkingDays(0)));
        assert_eq!(records[0].fees[0].amount_vnd, 2000);
        assert_eq!(records[0].counters, vec![1, 2]);
        assert!(records[0].active && !records[1].active);
        assert_eq!(records[1].time_limit, Some(TimeLimit::WorkingDays(10)));
        assert_eq!(parse_time_limit("4 giờ"), Some(Some(TimeLimit::WorkingHours(4))));
        assert_eq!(parse_time_limit("ba ngày"), None);
        assert_eq!(parse_fees("Lệ phí"), None);
    }

    #[test]
    fn a_bad_file_says_where() {
        let no_service = "code,name_vi,field_vi\n1.0,Tên,Lĩnh vực\n";
        let e = parse(CatalogueFormat::Csv, no_service).unwrap_err();
        assert!(format!("{e:?}").contains("service"), "{e:?}");
        let bad_limit = "code,name_vi,field_vi,service,time_limit\n1.0,Tên,Lĩnh vực,ho-tich,mãi mãi\n";
        let e = parse(CatalogueFormat::Csv, bad_limit).unwrap_err();
        assert!(format!("{e:?}").contains("row 2"), "{e:?}");
        assert!(parse(CatalogueFormat::Json, "[").is_err());
        assert!(parse(CatalogueFormat::Json, "[]").is_err());
    }
}
