//! What a device says about its own hardware and backlog, in one shape for the two places it goes:
//! the heartbeat staff read in the admin's device list, and the technician's screen (in the screen's
//! language, no debug text).
//!
//! The printer belongs to the UI's job thread, the heartbeat to the background worker: they share a
//! [`HardwareHealth`], which the job thread updates whenever it learns the printer's state (a print,
//! the paper-low check every few seconds) and the worker reads. A device without a printer (a display,
//! a rating terminal) reports none rather than a printer that is "ok".

use std::sync::{Arc, Mutex};

use domain::api::Health;
use domain::i18n::{Lang, Localized};
use printer::PrinterState;

use crate::store::Pending;

/// What the device last learnt of its printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterSeen {
    pub state: PrinterState,
    /// The last print's error, cleared by the next print that works.
    pub last_error: Option<String>,
    /// The number of the ticket that failed to print (staff reprint it).
    pub failed_ticket: Option<String>,
}

/// Shared between the job thread (which owns the printer) and the background worker.
#[derive(Debug, Clone, Default)]
pub struct HardwareHealth {
    printer: Arc<Mutex<Option<PrinterSeen>>>,
}

impl HardwareHealth {
    /// For a device with a printer: its state is unknown until it is first asked.
    pub fn with_printer() -> HardwareHealth {
        let h = HardwareHealth::default();
        h.set_printer_state(PrinterState::Unknown);
        h
    }

    pub fn printer(&self) -> Option<PrinterSeen> {
        self.printer.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_printer_state(&self, state: PrinterState) {
        let mut slot = self.printer.lock().unwrap_or_else(|e| e.into_inner());
        match slot.as_mut() {
            Some(p) => p.state = state,
            None => *slot = Some(PrinterSeen { state, last_error: None, failed_ticket: None }),
        }
    }

    /// The outcome of a print: an error and its ticket are kept until a print works.
    pub fn printed(&self, ticket: &str, result: Result<(), &str>) {
        let mut slot = self.printer.lock().unwrap_or_else(|e| e.into_inner());
        let p = slot.get_or_insert(PrinterSeen { state: PrinterState::Unknown, last_error: None, failed_ticket: None });
        match result {
            Ok(()) => (p.last_error, p.failed_ticket) = (None, None),
            Err(e) => (p.last_error, p.failed_ticket) = (Some(e.to_owned()), Some(ticket.to_owned())),
        }
    }
}

/// The heartbeat's `health` object. Keys: `printer` (only on a device that has one: `state` — a
/// `printer::PrinterState` name —, `ok`: whether it can print now, `error`, `ticket` when the last
/// print failed), `pending` (`tickets`, `ratings`, `failed` waiting for upload), `version`.
pub fn heartbeat(hardware: &HardwareHealth, pending: Pending) -> serde_json::Value {
    let mut health = serde_json::json!({
        "pending": { "tickets": pending.tickets, "ratings": pending.ratings, "failed": pending.failed },
        "version": env!("CARGO_PKG_VERSION"),
    });
    if let Some(p) = hardware.printer() {
        let mut printer = serde_json::json!({
            "state": p.state.name(),
            "ok": p.state.can_print() && p.last_error.is_none(),
        });
        if let Some(e) = &p.last_error {
            printer["error"] = e.clone().into();
        }
        if let Some(t) = &p.failed_ticket {
            printer["ticket"] = t.clone().into();
        }
        health["printer"] = printer;
    }
    health
}

fn pick(lang: Lang, vi: String, en: String) -> String {
    if lang == Lang::En {
        en
    } else {
        vi
    }
}

/// The server's line: reached (its office and how far its log is) or why not, in `lang`.
pub fn server_line(lang: Lang, base: &str, answer: Result<&Health, &Localized>) -> String {
    match answer {
        Ok(h) => pick(
            lang,
            format!("Máy chủ {base}: kết nối tốt — {}, {} sự kiện", h.office, h.last_seq),
            format!("Server {base}: connected — {}, {} events", h.office, h.last_seq),
        ),
        Err(why) => pick(
            lang,
            format!("Máy chủ {base}: không kết nối được — {}", why.vi),
            format!("Server {base}: not reachable — {}", why.en),
        ),
    }
}

/// The printer's line (and the last failure's), in `lang`; `None`: the device has no printer.
pub fn printer_lines(lang: Lang, printer: Option<&PrinterSeen>) -> Vec<String> {
    let Some(p) = printer else {
        return vec![pick(lang, "Máy in: thiết bị này không có máy in".into(), "Printer: none on this device".into())];
    };
    let mut lines =
        vec![pick(lang, format!("Máy in: {}", p.state.label_vi()), format!("Printer: {}", p.state.label_en()))];
    if let Some(e) = &p.last_error {
        let ticket = p.failed_ticket.as_deref().unwrap_or("");
        lines.push(pick(
            lang,
            format!("Lần in gần nhất không được (phiếu {ticket}): {e}"),
            format!("The last print failed (ticket {ticket}): {e}"),
        ));
    }
    lines
}

/// The backlog's lines, in `lang`: what waits for upload, and issues whose answer never came.
pub fn backlog_lines(lang: Lang, pending: Pending, unanswered: usize) -> Vec<String> {
    let mut lines = vec![pick(
        lang,
        format!(
            "Chờ gửi lên máy chủ: {} phiếu, {} đánh giá; gửi lỗi: {}",
            pending.tickets, pending.ratings, pending.failed
        ),
        format!(
            "Waiting for upload: {} tickets, {} ratings; failed: {}",
            pending.tickets, pending.ratings, pending.failed
        ),
    )];
    if unanswered > 0 {
        lines.push(pick(
            lang,
            format!("Lấy số không nhận được trả lời: {unanswered} lần (có thể có phiếu không ai giữ)"),
            format!("Ticket requests with no answer: {unanswered} (a ticket may exist that nobody holds)"),
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A display reports no printer (not a printer that is fine); a kiosk reports what its printer said.
    #[test]
    fn the_heartbeat_describes_the_real_hardware() {
        let none = heartbeat(&HardwareHealth::default(), Pending::default());
        assert!(none.get("printer").is_none(), "{none}");
        assert_eq!(none["pending"]["tickets"], 0);

        let kiosk = HardwareHealth::with_printer();
        assert_eq!(heartbeat(&kiosk, Pending::default())["printer"]["state"], "unknown");
        kiosk.set_printer_state(PrinterState::PaperNearEnd);
        let h = heartbeat(&kiosk, Pending { tickets: 2, ratings: 1, failed: 0 });
        assert_eq!(h["printer"]["state"], "paper_near_end");
        assert_eq!(h["printer"]["ok"], true, "near the end still prints");
        assert_eq!(h["pending"]["tickets"], 2);
        kiosk.printed("A025", Err("connection refused"));
        let h = heartbeat(&kiosk, Pending::default());
        assert_eq!((h["printer"]["ok"].as_bool(), h["printer"]["ticket"].as_str()), (Some(false), Some("A025")));
        kiosk.printed("A026", Ok(()));
        let h = heartbeat(&kiosk, Pending::default());
        assert!(h["printer"].get("error").is_none() && h["printer"]["ok"] == true, "{h}");
    }

    fn vietnamese(text: &str) -> bool {
        text.chars().any(|c| c.is_alphabetic() && !c.is_ascii())
    }

    /// The technician's lines are in the screen's language, with no debug text.
    #[test]
    fn technician_lines_are_in_one_language() {
        let seen = PrinterSeen {
            state: PrinterState::PaperOut,
            last_error: Some("printer not ready: paper_out".into()),
            failed_ticket: Some("A025".into()),
        };
        let vi = printer_lines(Lang::Vi, Some(&seen));
        assert_eq!(vi[0], "Máy in: Máy in hết giấy");
        assert!(vi[1].contains("A025"));
        let en = printer_lines(Lang::En, Some(&seen));
        assert_eq!(en[0], "Printer: out of paper");
        assert!(!en.join(" ").contains("StatusReport") && !vi.join(" ").contains("Some("));
        assert_eq!(printer_lines(Lang::Vi, None), ["Máy in: thiết bị này không có máy in"]);

        let why = Localized::new("Không kết nối được máy chủ.", "The server cannot be reached.");
        let down = server_line(Lang::Vi, "http://10.0.0.2:8080", Err(&why));
        assert!(down.ends_with("Không kết nối được máy chủ."), "{down}");
        let down = server_line(Lang::En, "http://10.0.0.2:8080", Err(&why));
        assert!(!vietnamese(&down), "no Vietnamese on the English screen: {down}");
        let up = Health {
            status: "ok".into(),
            office: "UBND Phường Bến Thành".into(),
            last_seq: 42,
            version: "0.1.0".into(),
            utc_offset_s: Some(25200),
            agency: String::new(),
            follow_base_url: String::new(),
            reminders: false,
        };
        assert_eq!(
            server_line(Lang::Vi, "http://10.0.0.2:8080", Ok(&up)),
            "Máy chủ http://10.0.0.2:8080: kết nối tốt — UBND Phường Bến Thành, 42 sự kiện"
        );
        let backlog = backlog_lines(Lang::En, Pending { tickets: 1, ratings: 0, failed: 0 }, 2);
        assert_eq!(backlog.len(), 2);
        assert!(!backlog.iter().any(|l| vietnamese(l)), "{backlog:?}");
    }
}
