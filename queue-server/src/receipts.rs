//! Printing a counter's «Giấy tiếp nhận hồ sơ và hẹn trả kết quả» on its network printer.
//!
//! The job is built whole (`printer::ReceiptSlip` → bytes for the counter's profile), the printer's
//! `DLE EOT` status is asked first when its profile answers it (nothing is sent to a printer that says
//! it cannot print, or does not answer), then the job is sent and confirmed. All of it runs on tokio's
//! blocking pool, never on the writer thread or an async worker, behind a semaphore of
//! `[server] receipt_prints_at_once` permits, with connect, write and status timeouts.
//! A failure says what happened in vi/en and how far the job got; it is never retried once a byte went
//! out (a half-printed receipt is better reprinted by the officer than duplicated by the server).

use std::sync::Arc;
use std::time::Duration;

use printer::transport::Options;
use printer::{Printer, PrinterState, ProfileSet, ReceiptSlip, Target};
use tokio::sync::Semaphore;

use domain::receipt::PrintedState;
use domain::Localized;

/// Why a receipt was not printed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PrintError {
    #[error("counter {0} has no receipt printer")]
    NoPrinter(u16),
    #[error("unknown printer profile {0:?}")]
    UnknownProfile(String),
    #[error("the receipt cannot be laid out for the printer: {0}")]
    Layout(String),
    #[error("printer {target} cannot print: {state}")]
    NotReady { target: String, state: PrinterState },
    #[error("printer {target} cannot be reached: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("printer {target} stopped after {sent} of {total} bytes")]
    Incomplete { target: String, sent: usize, total: usize },
    #[error("printer {target} took all {total} bytes but did not confirm them")]
    NotConfirmed { target: String, total: usize },
    #[error("every receipt printer slot is busy")]
    Busy,
}

impl PrintError {
    /// Stable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            PrintError::NoPrinter(_) => "no_receipt_printer",
            PrintError::UnknownProfile(_) => "printer_profile_unknown",
            PrintError::Layout(_) => "receipt_layout",
            PrintError::NotReady { .. } => "printer_not_ready",
            PrintError::Unreachable { .. } => "printer_unreachable",
            PrintError::Incomplete { .. } => "printer_incomplete",
            PrintError::NotConfirmed { .. } => "printer_not_confirmed",
            PrintError::Busy => "printer_busy",
        }
    }

    /// 409 for what an admin must configure, 503 for a printer that cannot take the job now.
    pub fn is_configuration(&self) -> bool {
        matches!(self, PrintError::NoPrinter(_) | PrintError::UnknownProfile(_) | PrintError::Layout(_))
    }

    pub fn localized(&self) -> Localized {
        match self {
            PrintError::NoPrinter(c) => Localized::new(
                format!("Quầy số {c} chưa có máy in giấy tiếp nhận; nhờ quản trị khai báo ở trang Quản trị, thẻ Quầy."),
                format!("Counter {c} has no receipt printer; ask an admin to set one on the admin page, Counters tab."),
            ),
            PrintError::UnknownProfile(_) => Localized::new(
                "Cấu hình máy in của quầy không có trong danh sách máy in; nhờ quản trị chọn lại.",
                "The counter's printer profile is not a known one; ask an admin to choose it again.",
            ),
            PrintError::Layout(_) => Localized::new(
                "Không dàn trang được giấy tiếp nhận cho máy in này; chưa in gì.",
                "The receipt cannot be laid out for this printer; nothing was printed.",
            ),
            PrintError::NotReady { state, .. } => Localized::new(
                format!("{}; chưa in gì. Vui lòng kiểm tra máy in rồi in lại.", state.label_vi()),
                format!("{}; nothing was printed. Please check the printer and print again.", state_en(*state)),
            ),
            PrintError::Unreachable { .. } => Localized::new(
                "Không kết nối được máy in của quầy; chưa in gì. Kiểm tra nguồn và dây mạng rồi in lại.",
                "The counter's printer cannot be reached; nothing was printed. Check its power and cable, then print again.",
            ),
            PrintError::Incomplete { .. } => Localized::new(
                "Máy in ngắt giữa chừng; giấy tiếp nhận có thể in thiếu. Vui lòng in lại.",
                "The printer stopped part way; the receipt may be incomplete. Please print it again.",
            ),
            PrintError::NotConfirmed { .. } => Localized::new(
                "Máy in không xác nhận đã in; hãy kiểm tra giấy in ra, nếu thiếu thì in lại.",
                "The printer did not confirm the job; check the paper and print again if it is missing.",
            ),
            PrintError::Busy => Localized::new(
                "Các máy in đang bận; vui lòng in lại sau ít giây.",
                "The printers are busy; please print again in a few seconds.",
            ),
        }
    }
}

fn state_en(state: PrinterState) -> &'static str {
    match state {
        PrinterState::Ready => "The printer is ready",
        PrinterState::PaperNearEnd => "The printer's paper is nearly out",
        PrinterState::Offline => "The printer is offline",
        PrinterState::CoverOpen => "The printer's cover is open",
        PrinterState::PaperOut => "The printer is out of paper",
        PrinterState::Error => "The printer reports an error",
        PrinterState::Unknown => "The printer does not answer its status",
    }
}

/// How many receipts print at once and for how long a job may take.
#[derive(Clone)]
pub struct ReceiptPrinting {
    slots: Arc<Semaphore>,
    timeout: Duration,
}

impl ReceiptPrinting {
    pub fn new(at_once: usize, timeout_s: u64) -> ReceiptPrinting {
        ReceiptPrinting {
            slots: Arc::new(Semaphore::new(at_once.max(1))),
            timeout: Duration::from_secs(timeout_s.max(1)),
        }
    }

    /// Prints on the blocking pool; waits at most the timeout for a free slot.
    pub async fn print(&self, target: String, profile: String, slip: ReceiptSlip) -> Result<PrintedState, PrintError> {
        let permit = tokio::time::timeout(self.timeout, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| PrintError::Busy)?
            .map_err(|_| PrintError::Busy)?;
        let timeout = self.timeout;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            print_blocking(&target, &profile, &slip, timeout)
        })
        .await
        .map_err(|e| PrintError::Layout(format!("print task failed: {e}")))?
    }
}

/// Builds the job, checks the status, sends and confirms it.
pub fn print_blocking(
    target: &str,
    profile_id: &str,
    slip: &ReceiptSlip,
    timeout: Duration,
) -> Result<PrintedState, PrintError> {
    let profiles = ProfileSet::builtin();
    let profile = profiles.get(profile_id).map_err(|_| PrintError::UnknownProfile(profile_id.to_owned()))?;
    let job = printer::encode(&slip.to_document(profile.paper), profile, profile.text_mode)
        .map_err(|e| PrintError::Layout(e.to_string()))?;
    let address: Target = target
        .parse()
        .map_err(|e: printer::Error| PrintError::Unreachable { target: target.to_owned(), reason: e.to_string() })?;
    let unreachable = |e: printer::Error| PrintError::Unreachable { target: target.to_owned(), reason: e.to_string() };
    let opts = Options {
        connect_timeout: Duration::from_secs(3).min(timeout),
        write_timeout: timeout,
        status_timeout: Duration::from_millis(1500),
        retries: 1,
        ..Options::for_profile(profile)
    };
    let mut printed = PrintedState::Unconfirmed;
    if profile.status {
        let mut asking = Printer::new(address.clone(), opts.clone());
        let report = asking.status_detail().map_err(unreachable)?;
        if !report.state.can_print() {
            return Err(PrintError::NotReady { target: target.to_owned(), state: report.state });
        }
        printed =
            if report.state == PrinterState::PaperNearEnd { PrintedState::PaperNearEnd } else { PrintedState::Ready };
    }
    // The confirmation after a job may wait for the printer to finish a long raster: a longer answer time.
    let mut printer = Printer::new(address, Options { status_timeout: Duration::from_secs(5).min(timeout), ..opts });
    printer.print(&job.bytes).map_err(|e| match e {
        printer::Error::Incomplete { sent, total, .. } => {
            PrintError::Incomplete { target: target.to_owned(), sent, total }
        }
        printer::Error::NotConfirmed { total, .. } => PrintError::NotConfirmed { target: target.to_owned(), total },
        other => unreachable(other),
    })?;
    Ok(printed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_whole_vietnamese_and_whole_english() {
        let t = || "tcp://10.0.0.21:9100".to_owned();
        let mut all = vec![
            PrintError::NoPrinter(3),
            PrintError::UnknownProfile("x".into()),
            PrintError::Layout("x".into()),
            PrintError::Unreachable { target: t(), reason: "refused".into() },
            PrintError::Incomplete { target: t(), sent: 10, total: 20 },
            PrintError::NotConfirmed { target: t(), total: 20 },
            PrintError::Busy,
        ];
        all.extend(PrinterState::ANSWERED.iter().map(|&state| PrintError::NotReady { target: t(), state }));
        for e in all {
            let faults = domain::error::message_faults(&e.localized(), &["Quầy số 3"]);
            assert!(faults.is_empty(), "{}: {faults:?}", e.code());
        }
    }
}
