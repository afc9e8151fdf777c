//! Dossier statuses (TrangThaiHoSo 1–10, as synced to the national portal) and the timeliness colour a
//! kiosk shows for a dossier.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::i18n::Localized;

/// TrangThaiHoSo as synced to the national portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum DossierStatus {
    Submitted = 1,
    Received = 2,
    Rejected = 3,
    InProcess = 4,
    SupplementRequested = 5,
    FeesDue = 6,
    WithdrawalRequested = 7,
    Stopped = 8,
    ResultReady = 9,
    ResultReturned = 10,
}

impl DossierStatus {
    pub const ALL: [DossierStatus; 10] = [
        DossierStatus::Submitted,
        DossierStatus::Received,
        DossierStatus::Rejected,
        DossierStatus::InProcess,
        DossierStatus::SupplementRequested,
        DossierStatus::FeesDue,
        DossierStatus::WithdrawalRequested,
        DossierStatus::Stopped,
        DossierStatus::ResultReady,
        DossierStatus::ResultReturned,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn name(self) -> Localized {
        use DossierStatus::*;
        match self {
            Submitted => Localized::new("Mới đăng ký", "Newly submitted online"),
            Received => Localized::new("Được tiếp nhận", "Received"),
            Rejected => Localized::new("Không được tiếp nhận", "Rejected at reception"),
            InProcess => Localized::new("Đang xử lý", "In process"),
            SupplementRequested => Localized::new("Yêu cầu bổ sung giấy tờ", "Supplement requested"),
            FeesDue => Localized::new("Yêu cầu thực hiện nghĩa vụ tài chính", "Fees or taxes to pay"),
            WithdrawalRequested => Localized::new("Công dân yêu cầu rút hồ sơ", "Withdrawal requested"),
            Stopped => Localized::new("Dừng xử lý", "Processing stopped"),
            ResultReady => Localized::new("Đã xử lý xong", "Result ready"),
            ResultReturned => Localized::new("Đã trả kết quả", "Result returned"),
        }
    }

    /// What the citizen should do next, shown on the kiosk.
    pub fn next_step(self) -> Localized {
        use DossierStatus::*;
        match self {
            Submitted => Localized::new(
                "Hồ sơ đang chờ tiếp nhận. Vui lòng chờ thông báo.",
                "Your dossier is waiting to be received. Please wait for a notice.",
            ),
            Received | InProcess => Localized::new(
                "Hồ sơ đang được giải quyết. Vui lòng quay lại vào ngày hẹn trả kết quả.",
                "Your dossier is being processed. Please come back on the appointment date.",
            ),
            Rejected => Localized::new(
                "Hồ sơ không được tiếp nhận. Vui lòng liên hệ quầy tiếp nhận để biết lý do.",
                "The dossier was not accepted. Please ask at the reception counter for the reason.",
            ),
            SupplementRequested => Localized::new(
                "Vui lòng bổ sung giấy tờ tại quầy tiếp nhận.",
                "Please bring the requested documents to the reception counter.",
            ),
            FeesDue => Localized::new(
                "Vui lòng nộp phí, lệ phí hoặc thuế theo thông báo.",
                "Please pay the fees or taxes as notified.",
            ),
            WithdrawalRequested => {
                Localized::new("Yêu cầu rút hồ sơ đang được xử lý.", "Your withdrawal request is being handled.")
            }
            Stopped => Localized::new(
                "Hồ sơ đã dừng xử lý. Vui lòng liên hệ quầy tiếp nhận.",
                "Processing has stopped. Please ask at the reception counter.",
            ),
            ResultReady => Localized::new(
                "Kết quả đã sẵn sàng. Vui lòng lấy số tại quầy Trả kết quả.",
                "The result is ready. Please take a ticket for the result-return counter.",
            ),
            ResultReturned => Localized::new("Kết quả đã được trả.", "The result has been returned."),
        }
    }

    /// Whether processing has ended (for the on-time computation).
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            DossierStatus::Rejected
                | DossierStatus::Stopped
                | DossierStatus::ResultReady
                | DossierStatus::ResultReturned
                | DossierStatus::WithdrawalRequested
        )
    }
}

impl TryFrom<u8> for DossierStatus {
    type Error = String;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        DossierStatus::ALL
            .get(usize::from(value).wrapping_sub(1))
            .copied()
            .ok_or_else(|| format!("dossier status must be 1–10, got {value}"))
    }
}

impl From<DossierStatus> for u8 {
    fn from(s: DossierStatus) -> u8 {
        s as u8
    }
}

/// The colour on the kiosk: computed from the appointment date (NgayHenTra) and the end of
/// processing (NgayKetThucXuLy); not a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Finished on or before the appointment, or still well within it.
    OnTime,
    /// Not finished and the appointment is within the warning window.
    DueSoon,
    /// Past the appointment (finished late, or not finished and the date has passed).
    Overdue,
}

impl Timeliness {
    /// `due_soon_within` is how close to the appointment a running dossier turns "due soon".
    pub fn compute(
        appointment: Option<OffsetDateTime>,
        finished_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
        due_soon_within: time::Duration,
    ) -> Option<Timeliness> {
        let appointment = appointment?;
        Some(match finished_at {
            Some(end) if end <= appointment => Timeliness::OnTime,
            Some(_) => Timeliness::Overdue,
            None if now > appointment => Timeliness::Overdue,
            None if appointment - now <= due_soon_within => Timeliness::DueSoon,
            None => Timeliness::OnTime,
        })
    }

    pub fn name(self) -> Localized {
        match self {
            Timeliness::OnTime => Localized::new("Đúng hạn", "On time"),
            Timeliness::DueSoon => Localized::new("Sắp đến hạn", "Due soon"),
            Timeliness::Overdue => Localized::new("Quá hạn", "Overdue"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn statuses_have_names_and_round_trip() {
        for s in DossierStatus::ALL {
            assert_eq!(DossierStatus::try_from(s.code()).unwrap(), s);
            assert!(!s.name().vi.is_empty() && !s.name().en.is_empty());
        }
        assert_eq!(DossierStatus::InProcess.name().vi, "Đang xử lý");
        assert!(DossierStatus::try_from(0).is_err());
        assert!(DossierStatus::try_from(11).is_err());
        let json = serde_json::to_string(&DossierStatus::ResultReady).unwrap();
        assert_eq!(json, "9");
    }

    #[test]
    fn timeliness() {
        let appt = Some(datetime!(2026-03-20 17:00 +7));
        let day = time::Duration::days(2);
        let now = datetime!(2026-03-10 09:00 +7);
        assert_eq!(Timeliness::compute(appt, None, now, day), Some(Timeliness::OnTime));
        assert_eq!(Timeliness::compute(appt, None, datetime!(2026-03-19 09:00 +7), day), Some(Timeliness::DueSoon));
        assert_eq!(Timeliness::compute(appt, None, datetime!(2026-03-21 09:00 +7), day), Some(Timeliness::Overdue));
        assert_eq!(Timeliness::compute(appt, Some(datetime!(2026-03-20 17:00 +7)), now, day), Some(Timeliness::OnTime));
        assert_eq!(
            Timeliness::compute(appt, Some(datetime!(2026-03-21 08:00 +7)), now, day),
            Some(Timeliness::Overdue)
        );
        assert_eq!(Timeliness::compute(None, None, now, day), None);
    }
}
