//! The office's copy of dossier statuses: import from the city's one-stop system in the de-facto
//! national-portal JSON shape (`DongBoHoSoMC` records, `CapNhatTienDoHoSoMC` progress), and lookup as
//! a kiosk or an officer sees it.
//!
//! Imports are idempotent (a record already stored is counted as unchanged) and ordered by the
//! records' own timestamps, not by arrival: the current status is the one with the latest source
//! time, and a status that goes back is kept in the history.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use domain::api::{DossierChannel, DossierFee, DossierStep, DossierView, ImportResult};
use domain::dossier::{DossierCode, DossierStatus, Timeliness};
use domain::event::EventKind;
use domain::office::Role;
use domain::Localized;
use rusqlite::{params, Connection};
use serde_json::Value;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::auth::Caller;
use crate::error::AppError;
use crate::http::{AppState, Body, Path};
use crate::office::TxCtx;
use crate::store::sha256_hex;

pub fn parse_code(text: &str) -> Result<DossierCode, AppError> {
    DossierCode::parse_lenient(text).map_err(|e| {
        let msg = e.localized();
        AppError::BadRequest { code: "invalid_dossier_code", detail: e.to_string(), message: msg }
    })
}

/// `yyyyMMddHHmmss` in office time.
pub fn parse_portal_time(text: &str, offset: UtcOffset) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
    PrimitiveDateTime::parse(text.trim(), &fmt).ok().map(|p| p.assume_offset(offset))
}

fn field<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn status_of(v: &Value, name: &str) -> Option<DossierStatus> {
    let n = match v.get(name)? {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    DossierStatus::try_from(u8::try_from(n).ok()?).ok()
}

/// Imports one portal message inside a writer job. Returns the portal-style result.
pub fn import(ctx: &mut TxCtx<'_>, message: &Value) -> Result<ImportResult, AppError> {
    let service = field(message, "service").unwrap_or("");
    let kind = match service {
        "DongBoHoSoMC" => "record",
        "CapNhatTienDoHoSoMC" => "progress",
        other => {
            return Err(AppError::bad(
                "invalid_import",
                format!("unknown service {other:?}"),
                "Thông điệp không phải DongBoHoSoMC hoặc CapNhatTienDoHoSoMC.",
                "The message is neither DongBoHoSoMC nor CapNhatTienDoHoSoMC.",
            ))
        }
    };
    let data = message.get("data").and_then(Value::as_array).ok_or_else(|| {
        AppError::bad("invalid_import", "data must be an array", "Thiếu mảng \"data\".", "\"data\" must be an array.")
    })?;
    if data.len() > 5000 {
        return Err(AppError::bad(
            "invalid_import",
            "too many records",
            "Quá 5000 bản ghi một lần.",
            "More than 5000 records at once.",
        ));
    }
    let offset = ctx.state.settings.offset();
    let mut result = ImportResult { error_code: "0".into(), accepted: 0, unchanged: 0, rejected: Vec::new() };
    // Validate everything first: a message is taken whole or not at all.
    let mut rows = Vec::new();
    for (i, item) in data.iter().enumerate() {
        let code = match field(item, "MaHoSo").map(DossierCode::parse_lenient) {
            Some(Ok(c)) => c,
            _ => {
                result.rejected.push(format!("data[{i}]: MaHoSo missing or malformed"));
                continue;
            }
        };
        let (time_field, status_field) =
            if kind == "record" { ("", "TrangThaiHoSo") } else { ("ThoiDiemXuLy", "TrangThai") };
        if status_of(item, status_field).is_none() {
            result.rejected.push(format!("data[{i}] {code}: {status_field} must be 1–10"));
            continue;
        }
        let source_time = if kind == "record" {
            ["NgayKetThucXuLy", "NgayTra", "NgayTiepNhan"]
                .iter()
                .filter_map(|f| field(item, f))
                .filter_map(|t| parse_portal_time(t, offset))
                .max()
        } else {
            field(item, time_field).and_then(|t| parse_portal_time(t, offset))
        };
        let Some(source_time) = source_time else {
            result.rejected.push(format!("data[{i}] {code}: missing or malformed timestamp (yyyyMMddHHmmss)"));
            continue;
        };
        rows.push((code, source_time, item));
    }
    if !result.rejected.is_empty() {
        result.error_code = "1".into();
        return Ok(result);
    }
    for (code, source_time, item) in rows {
        let item = &kept_fields(item);
        let body = serde_json::to_string(item).unwrap_or_default();
        let hash = sha256_hex(&body);
        let exists: bool = ctx
            .tx
            .query_row(
                "SELECT 1 FROM dossier_records WHERE code = ?1 AND body_hash = ?2",
                params![code.as_str(), hash],
                |_| Ok(true),
            )
            .unwrap_or(false);
        if exists {
            result.unchanged += 1;
            continue;
        }
        let seq = ctx.emit(EventKind::DossierImported { code: code.clone(), record: item.clone() })?.seq;
        ctx.tx
            .execute(
                "INSERT INTO dossier_records (code, kind, source_time, body_hash, body, imported_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    code.as_str(),
                    kind,
                    source_time.to_offset(UtcOffset::UTC).format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                    hash,
                    body,
                    seq as i64
                ],
            )
            .map_err(AppError::from_sqlite)?;
        result.accepted += 1;
    }
    Ok(result)
}

/// The fields of a portal record the office uses (status, times, procedure, unit, the officer's
/// progress notes, fees and channel for the lookup, and the owner's name, which officers see in full
/// and kiosks masked). Everything else a record may carry — phone numbers, e-mail, addresses,
/// identity-card numbers — is dropped on import: it is neither stored nor logged nor streamed.
pub const KEPT_FIELDS: &[&str] = &[
    "MaHoSo",
    "TrangThaiHoSo",
    "TrangThai",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "NgayTra",
    "ThoiDiemXuLy",
    "MaTTHC",
    "TenTTHC",
    "MaLinhVuc",
    "TenLinhVuc",
    "MaCoQuan",
    "DonViXuLy",
    "PhongBanXuLy",
    "NguoiXuLy",
    "ChucDanh",
    "NoiDungXuLy",
    "ChuHoSo",
    "KenhThucHien",
    "DanhSachLePhi",
];

/// The parts of a DanhSachLePhi entry the office reads (a fee's name and amount, as the portals name
/// them); an entry keeps nothing else.
pub const FEE_FIELDS: &[&str] = &["TenPhiLePhi", "TenLePhi", "TenPhi", "Gia", "SoTien", "MucPhi"];

/// A record reduced to [`KEPT_FIELDS`]: a kept field holds a plain value (text, number), except
/// DanhSachLePhi, a list of entries reduced to [`FEE_FIELDS`]; anything nested elsewhere (an owner
/// given as an object with an ID number, say) is dropped too.
fn kept_fields(item: &Value) -> Value {
    let plain = |v: &Value| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_));
    match item.as_object() {
        Some(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| KEPT_FIELDS.contains(&k.as_str()))
                .filter_map(|(k, v)| {
                    if k == "DanhSachLePhi" {
                        let fees: Vec<Value> = v
                            .as_array()?
                            .iter()
                            .filter_map(Value::as_object)
                            .map(|fee| {
                                Value::Object(
                                    fee.iter()
                                        .filter(|(k, v)| FEE_FIELDS.contains(&k.as_str()) && plain(v))
                                        .map(|(k, v)| (k.clone(), v.clone()))
                                        .collect(),
                                )
                            })
                            .collect();
                        Some((k.clone(), Value::Array(fees)))
                    } else {
                        plain(v).then(|| (k.clone(), v.clone()))
                    }
                })
                .collect(),
        ),
        None => Value::Null,
    }
}

fn small_number(v: &Value, name: &str) -> Option<u64> {
    match v.get(name)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A fee amount in đồng: a number, or a text such as `"1500000"`, `"1.500.000"` or `"50000.00"`.
fn amount_vnd(v: &Value) -> Option<u64> {
    let whole = |f: f64| (f >= 0.0 && f.fract() == 0.0 && f < 1e15).then_some(f as u64);
    match v {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().and_then(whole)),
        Value::String(s) => {
            let s = s.trim().trim_end_matches('đ').trim_end_matches("VND").trim_end_matches("VNĐ").trim();
            let grouped = s.len() > 4
                && s.split('.').enumerate().all(|(i, g)| {
                    g.chars().all(|c| c.is_ascii_digit())
                        && if i == 0 { (1..=3).contains(&g.len()) } else { g.len() == 3 }
                });
            if grouped {
                s.replace('.', "").parse().ok()
            } else {
                s.parse::<f64>().ok().and_then(whole)
            }
        }
        _ => None,
    }
}

/// The fees of a record's DanhSachLePhi that have a name and an amount.
fn fees_of(record: &Value) -> Vec<DossierFee> {
    let Some(list) = record.get("DanhSachLePhi").and_then(Value::as_array) else { return Vec::new() };
    list.iter()
        .filter_map(|fee| {
            let name = ["TenPhiLePhi", "TenLePhi", "TenPhi"].iter().find_map(|f| field(fee, f))?;
            let amount = ["Gia", "SoTien", "MucPhi"].iter().find_map(|f| fee.get(*f).and_then(amount_vnd))?;
            Some(DossierFee { name: name.to_owned(), amount_vnd: amount })
        })
        .collect()
}

/// Builds the lookup view from stored records. `mask` hides personal data on public kiosks;
/// `due_soon_within` is the office's "due soon" window (`[server] dossier_due_soon_hours`).
pub fn lookup(
    conn: &Connection,
    code: &DossierCode,
    offset: UtcOffset,
    now: OffsetDateTime,
    mask: bool,
    due_soon_within: time::Duration,
) -> Result<Option<DossierView>, AppError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT kind, source_time, body FROM dossier_records WHERE code = ?1 ORDER BY source_time, imported_seq",
        )
        .map_err(AppError::from_sqlite)?;
    let rows: Vec<(String, String, Value)> = stmt
        .query_map([code.as_str()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .map_err(AppError::from_sqlite)?
        .filter_map(Result::ok)
        .map(|(k, t, b)| (k, t, serde_json::from_str(&b).unwrap_or(Value::Null)))
        .collect();
    let Some(record) = rows.iter().rev().find(|(k, _, _)| k == "record").map(|(_, _, v)| v) else { return Ok(None) };
    let (_, latest_time, latest) = rows.last().expect("non-empty");
    let status_of_row = |kind: &str, v: &Value| {
        if kind == "record" {
            status_of(v, "TrangThaiHoSo")
        } else {
            status_of(v, "TrangThai")
        }
    };
    let status = status_of(latest, "TrangThaiHoSo")
        .or_else(|| status_of(latest, "TrangThai"))
        .unwrap_or(DossierStatus::Received);
    let rfc3339 = |t: &str| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok();
    // The status history, in the order that decides the current status (source time, then arrival):
    // what timeliness needs to take the time spent waiting on the citizen (5, 6) off the deadline.
    let timeline: Vec<(OffsetDateTime, DossierStatus)> =
        rows.iter().filter_map(|(k, t, v)| Some((rfc3339(t)?, status_of_row(k, v)?))).collect();
    let fmt_local = |t: Option<&str>| t.and_then(|t| parse_portal_time(t, offset)).map(|t| format_local(t, offset));
    let appointment = field(record, "NgayHenTra").and_then(|t| parse_portal_time(t, offset));
    // The end of processing, for a dossier whose processing has ended: NgayKetThucXuLy, else when it
    // last became finished. A running dossier has none (a status gone back from 9 to 4 runs again).
    let finished = status
        .is_finished()
        .then(|| {
            field(record, "NgayKetThucXuLy").and_then(|t| parse_portal_time(t, offset)).or_else(|| {
                let start = timeline.iter().rposition(|(_, s)| !s.is_finished()).map_or(0, |i| i + 1);
                timeline.get(start).map(|(t, _)| *t).or_else(|| rfc3339(latest_time))
            })
        })
        .flatten();
    let mut history = Vec::new();
    for (kind, _, v) in &rows {
        if kind == "progress" {
            history.push(DossierStep {
                at: fmt_local(field(v, "ThoiDiemXuLy")),
                unit: field(v, "PhongBanXuLy").map(str::to_owned),
                officer: field(v, "NguoiXuLy").map(|n| if mask { mask_name(n) } else { n.to_owned() }),
                title: field(v, "ChucDanh").map(str::to_owned),
                action: field(v, "NoiDungXuLy").map(str::to_owned),
                status: status_of(v, "TrangThai"),
            });
        }
    }
    let unit = rows
        .iter()
        .rev()
        .find_map(|(_, _, v)| field(v, "PhongBanXuLy").or_else(|| field(v, "DonViXuLy")))
        .map(str::to_owned);
    let timeliness = Timeliness::compute(status, appointment, finished, &timeline, now, offset, due_soon_within);
    let due = appointment
        .map(|a| Timeliness::deadline(a, &timeline, finished.unwrap_or(now)))
        .filter(|due| Some(*due) != appointment);
    let fees = fees_of(record);
    let channel =
        small_number(record, "KenhThucHien").and_then(|n| u8::try_from(n).ok()).map(DossierChannel::from_code);
    let fees_total = (!fees.is_empty()).then(|| fees.iter().map(|f| f.amount_vnd).sum());
    Ok(Some(DossierView {
        code: code.clone(),
        procedure: field(record, "TenTTHC").map(str::to_owned),
        field: field(record, "TenLinhVuc").map(str::to_owned),
        owner: field(record, "ChuHoSo").map(|n| if mask { mask_name(n) } else { n.to_owned() }),
        status,
        status_name: status.name(),
        next_step: status.next_step(timeliness, fees_total, channel.as_ref().map(|c| c.code)),
        received_at: fmt_local(field(record, "NgayTiepNhan")),
        appointment_at: appointment.map(|t| format_local(t, offset)),
        finished_at: finished.map(|t| format_local(t, offset)),
        timeliness,
        unit,
        history,
        updated_at: rfc3339(latest_time).unwrap_or(now),
        due_at: due.map(|t| format_local(t, offset)),
        fees,
        channel,
    }))
}

fn format_local(t: OffsetDateTime, offset: UtcOffset) -> String {
    let l = t.to_offset(offset);
    format!("{:02}:{:02} {:02}/{:02}/{:04}", l.hour(), l.minute(), l.day(), u8::from(l.month()), l.year())
}

/// "Nguyễn Văn An" → "N. V. A." — a public screen shows initials only.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace().filter_map(|w| w.chars().next()).map(|c| format!("{c}.")).collect::<Vec<_>>().join(" ")
}

pub async fn lookup_handler(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<DossierView>, AppError> {
    let kiosk = caller.role == Role::TicketKiosk;
    // A kiosk is a public screen: it may look up what citizens scan, not walk the register.
    if kiosk {
        app.lookups
            .take(&caller.id_string())
            .map_err(|retry_after_s| AppError::TooManyRequests { what: "dossier lookup", retry_after_s })?;
    }
    let code = parse_code(&code)?;
    let offset = app.office.read(|s| s.settings.offset());
    let due_soon = time::Duration::hours(i64::from(app.server.dossier_due_soon_hours));
    let wanted = code.clone();
    let view =
        app.office.query(move |conn| lookup(conn, &wanted, offset, OffsetDateTime::now_utc(), kiosk, due_soon)).await?;
    view.map(Json).ok_or(AppError::BadRequest {
        code: "dossier_not_found",
        detail: code.to_string(),
        message: Localized::new(
            format!("Không tìm thấy hồ sơ {code}. Vui lòng kiểm tra lại mã trên giấy hẹn."),
            format!("No dossier {code} was found. Please check the code on your receipt."),
        ),
    })
}

pub async fn import_handler(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(message): Body<Value>,
) -> Result<Json<ImportResult>, AppError> {
    let result = app.office.run(caller.actor(), move |ctx| import(ctx, &message)).await?;
    Ok(Json(result))
}
