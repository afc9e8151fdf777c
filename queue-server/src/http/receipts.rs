//! `POST /api/v1/counters/{counter}/receipt`: the «Giấy tiếp nhận hồ sơ và hẹn trả kết quả» of a
//! dossier linked at the counter, printed on the counter's receipt printer.
//!
//! Order, so that a refused receipt prints nothing and a printed one is recorded: the body is checked;
//! the engine's receipt rule (`domain::receipt::decide`: the token's SHA-256 is one of the dossier's
//! links at this counter, the procedure is in the catalogue, the appointment from its time limit and
//! the office calendar) runs on the projection; the slip is printed (blocking pool, bounded, timeouts);
//! only then is `receipt_issued` recorded through the writer, which checks the same rule again.
//!
//! The citizen's name is NFC-normalised, bounded, printed, and dropped: it is in no event, log line or
//! reply.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use domain::api::DossierFee;
use domain::event::EventKind;
use domain::i18n::{nfc, Lang};
use domain::office::CounterId;
use domain::queue::Command;
use domain::receipt::{
    self, Appointment, IssueReceipt, ReceiptError, ReceiptRequest, ReceiptResponse, MAX_BRING_BACK, MAX_CITIZEN_NAME,
};
use printer::{LocalDate, LocalDateTime, ReceiptAppointment, ReceiptLabels, ReceiptSlip, SlipLang};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AppState, Body, Path, Query};
use crate::auth::{self, Caller};
use crate::dossiers;
use crate::error::AppError;
use crate::receipts::PrintError;

fn invalid(detail: &str, vi: &str, en: &str) -> AppError {
    AppError::bad("invalid", detail, vi, en)
}

/// The name as typed, NFC, trimmed, 1–100 characters without control characters.
fn citizen_name(typed: &str) -> Result<String, AppError> {
    // Bounded as typed (what the API schema says), then normalised: NFC may lengthen a rare character.
    let name = nfc(typed.trim());
    let ok = !name.is_empty() && typed.chars().count() <= MAX_CITIZEN_NAME && !name.chars().any(char::is_control);
    if !ok {
        return Err(invalid(
            "citizen_name",
            "Tên người nộp hồ sơ cần 1–100 ký tự, không có ký tự điều khiển.",
            "The citizen's name needs 1–100 characters without control characters.",
        ));
    }
    Ok(name)
}

/// One item a line, NFC, empty lines dropped.
fn bring_back_lines(note: Option<&str>) -> Result<Vec<String>, AppError> {
    let Some(note) = note else { return Ok(Vec::new()) };
    if note.chars().count() > MAX_BRING_BACK || note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(
            "bring_back",
            "Ghi chú giấy tờ mang theo tối đa 500 ký tự, mỗi dòng một mục.",
            "The bring-back note has at most 500 characters, one item a line.",
        ));
    }
    Ok(nfc(note).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect())
}

fn appointment_override(text: Option<&str>) -> Result<Option<time::Date>, AppError> {
    let Some(text) = text else { return Ok(None) };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), &format).map(Some).map_err(|_| {
        invalid("appointment", "Ngày hẹn trả phải có dạng YYYY-MM-DD.", "The appointment date must be YYYY-MM-DD.")
    })
}

fn local(at: OffsetDateTime) -> LocalDateTime {
    LocalDateTime {
        year: at.year() as u16,
        month: u8::from(at.month()),
        day: at.day(),
        hour: at.hour(),
        minute: at.minute(),
    }
}

pub(super) async fn print_receipt(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    Body(req): Body<ReceiptRequest>,
) -> Result<Json<ReceiptResponse>, AppError> {
    caller.require_counter(counter)?;
    let code = dossiers::parse_code(&req.code)?;
    let citizen = citizen_name(&req.citizen_name)?;
    let mut bring_back = bring_back_lines(req.bring_back.as_deref())?;
    let lang = req.lang.unwrap_or_default();
    let issue = IssueReceipt {
        counter,
        code: code.clone(),
        token_sha256: crate::store::sha256_hex(&req.rating_token),
        procedure: req.procedure.as_deref().map(|p| p.trim().to_owned()),
        officer: caller.username(),
        received_at: OffsetDateTime::now_utc(),
        appointment_override: appointment_override(req.appointment.as_deref())?,
    };

    // The receipt rule on the projection first: a wrong token or an unknown link prints nothing.
    let (decided, printer_config, settings, procedure) = app.office.read(|s| {
        let decided = receipt::decide(s, &issue).map_err(domain::QueueError::from);
        let printer = s.counters.get(&counter).and_then(|c| c.counter.receipt_printer.clone());
        let procedure = match &decided {
            Ok(EventKind::ReceiptIssued { procedure, .. }) => s.procedures.get(procedure).cloned(),
            _ => None,
        };
        (decided, printer, s.settings.clone(), procedure)
    });
    let EventKind::ReceiptIssued { appointment, procedure: procedure_code, .. } = decided? else {
        return Err(AppError::Unavailable("the receipt rule gave another event".into()));
    };
    let printer_config = printer_config.ok_or(PrintError::NoPrinter(counter))?;
    let procedure = procedure.ok_or(AppError::NotFound("procedure"))?;

    let officer = match caller.username() {
        Some(username) => {
            let name = username.clone();
            app.office.query(move |conn| auth::display_name(conn, &name)).await?.unwrap_or(username)
        }
        None => String::new(),
    };
    let pick = |l: &domain::Localized| {
        if lang == Lang::En && !l.en.trim().is_empty() {
            l.en.clone()
        } else {
            l.vi.clone()
        }
    };
    for fee in &procedure.fees {
        bring_back.push(format!("{}: {}", pick(&fee.name), DossierFee::format_vnd(fee.amount_vnd)));
    }
    let received_local = issue.received_at.to_offset(settings.offset());
    let slip = ReceiptSlip {
        agency: Some(settings.parent_agency.trim().to_owned()).filter(|a| !a.is_empty()),
        office: pick(&settings.name),
        code: code.to_string(),
        qr: receipt::lookup_url(&settings.lookup_base_url, &code, &req.rating_token),
        procedure_code: procedure.code.clone(),
        procedure_name: pick(&procedure.name),
        citizen,
        received_at: local(received_local),
        appointment: ReceiptAppointment {
            date: LocalDate {
                year: appointment.date.year() as u16,
                month: u8::from(appointment.date.month()),
                day: appointment.date.day(),
            },
            time: appointment.time.as_deref().and_then(|t| {
                let (h, m) = t.split_once(':')?;
                Some((h.parse().ok()?, m.parse().ok()?))
            }),
        },
        officer,
        counter: counter.to_string(),
        bring_back,
        labels: ReceiptLabels::of(if lang == Lang::En { SlipLang::En } else { SlipLang::Vi }),
    };
    let target = printer_config.target.clone();
    let printed = app.receipt_printing.print(printer_config.target, printer_config.profile, slip).await?;

    // Printed whole: record it (the writer checks the rule again against the state it commits on).
    let received_at = issue.received_at;
    if let Err(e) = app.office.command(caller.actor(), Command::IssueReceipt(issue)).await {
        // The paper is out and valid (its QR and token are the link's, which is recorded); only the
        // receipt's record is missing. Said as such, so the officer neither thinks nothing printed nor
        // that all is well; printing again records it (a second copy comes out).
        tracing::warn!("receipt for {code} printed at counter {counter} but not recorded: {e}");
        let why = e.body().message;
        return Err(AppError::bad(
            "receipt_not_recorded",
            e.to_string(),
            format!("Giấy tiếp nhận đã in nhưng chưa ghi được vào sổ: {} Giấy đã in vẫn dùng được để tra cứu và đánh giá; bấm «In giấy tiếp nhận» lần nữa để ghi nhận (sẽ in thêm một bản).", why.vi),
            format!("The receipt was printed but could not be recorded: {} The printed receipt is valid for lookup and rating; print it again to record it (a second copy will come out).", why.en),
        ));
    }
    Ok(Json(ReceiptResponse {
        dossier: code,
        procedure: procedure_code,
        received_at,
        appointment_text: receipt::appointment_text(&appointment),
        appointment,
        printer: printed,
        printer_target: target,
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AppointmentQuery {
    /// A catalogue procedure; by default the one of the ticket at (or last served at) the counter.
    #[schemars(regex(pattern = domain::api::schema::PROCEDURE_CODE))]
    procedure: Option<String>,
}

/// The appointment a receipt printed now would carry.
#[derive(Serialize, JsonSchema)]
pub struct AppointmentView {
    pub procedure: String,
    pub procedure_name: domain::Localized,
    /// The legal time limit, as the catalogue says it.
    pub time_limit: domain::Localized,
    pub appointment: Appointment,
    pub appointment_text: domain::Localized,
}

/// `GET /api/v1/counters/{counter}/appointment`: the date the counter page shows before printing.
pub(super) async fn preview_appointment(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    Query(q): Query<AppointmentQuery>,
) -> Result<Json<AppointmentView>, AppError> {
    caller.require_counter(counter)?;
    let now = OffsetDateTime::now_utc();
    let view = app.office.read(|s| -> Result<AppointmentView, ReceiptError> {
        let c = s.counters.get(&counter).ok_or(ReceiptError::UnknownCounter(counter))?;
        let code = q
            .procedure
            .as_deref()
            .map(|p| p.trim().to_owned())
            .or_else(|| c.current.or(c.last_served).and_then(|t| s.ticket(t)).and_then(|t| t.procedure.clone()))
            .ok_or(ReceiptError::ProcedureRequired)?;
        let p = s.procedures.get(&code).filter(|p| p.active).ok_or(ReceiptError::UnknownProcedure(code))?;
        let limit = p.time_limit.ok_or(ReceiptError::AppointmentRequired)?;
        let appointment = receipt::appointment(&s.settings, now, limit)?;
        Ok(AppointmentView {
            procedure: p.code.clone(),
            procedure_name: p.name.clone(),
            time_limit: limit.describe(),
            appointment_text: receipt::appointment_text(&appointment),
            appointment,
        })
    });
    Ok(Json(view.map_err(domain::QueueError::from)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_nfc_and_bounded() {
        // "Nguyễn" typed decomposed (e + circumflex + tilde) comes out precomposed.
        assert_eq!(citizen_name("  Nguye\u{0302}\u{0303}n Văn An ").unwrap(), "Nguyễn Văn An");
        assert!(citizen_name("   ").is_err());
        assert!(citizen_name(&"a".repeat(101)).is_err());
        assert!(citizen_name("An\u{7}").is_err());
        assert_eq!(bring_back_lines(Some("Bản chính CCCD\n\n  Ảnh 4x6 ")).unwrap(), ["Bản chính CCCD", "Ảnh 4x6"]);
        assert!(bring_back_lines(Some("a\tb")).is_err());
        assert!(appointment_override(Some("2026-02-30")).is_err());
    }
}
