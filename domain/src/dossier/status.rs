//! Dossier statuses (TrangThaiHoSo 1–10, as synced to the national portal) and the timeliness colour a
//! kiosk shows for a dossier.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::api::{DossierChannel, DossierFee};
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

    /// What the citizen should do next, shown on the kiosk: worded per status and timeliness (an
    /// overdue dossier is never told to come back on an appointment date that has passed). For status
    /// 6 it says how much to pay and where: `fees_vnd` is the total of the dossier's fee list
    /// (DanhSachLePhi) when it has one, `channel` the portal's KenhThucHien (2 = online: the fees can
    /// also be paid on the portal the dossier was submitted through).
    pub fn next_step(self, timeliness: Option<Timeliness>, fees_vnd: Option<u64>, channel: Option<u8>) -> Localized {
        use DossierStatus::*;
        use Timeliness::*;
        const NOT_COUNTED: (&str, &str) = (
            "Thời gian chờ này không tính vào thời hạn giải quyết.",
            "The time you take does not count against the processing deadline.",
        );
        match self {
            Submitted => Localized::new(
                "Hồ sơ đang chờ tiếp nhận. Vui lòng chờ thông báo.",
                "Your dossier is waiting to be received. Please wait for a notice.",
            ),
            Received | InProcess => {
                let (vi, en) = match timeliness {
                    Some(InTime) => (
                        "Hồ sơ đang được giải quyết trong hạn. Vui lòng quay lại vào ngày hẹn trả kết quả.",
                        "Your dossier is being processed within its deadline. Please come back on the appointment date.",
                    ),
                    Some(DueSoon) => (
                        "Hồ sơ đang được giải quyết và sắp đến ngày hẹn trả. Vui lòng quay lại vào ngày hẹn trả kết quả.",
                        "Your dossier is being processed and the appointment date is close. Please come back on that date.",
                    ),
                    Some(Overdue) => (
                        "Hồ sơ đã quá ngày hẹn trả mà chưa có kết quả. Vui lòng liên hệ quầy tiếp nhận để được giải thích và hẹn lại ngày trả.",
                        "The appointment date has passed without a result. Please ask at the reception counter for the reason and a new date.",
                    ),
                    // No appointment (or a finished-family value, which a running dossier never gets).
                    _ => (
                        "Hồ sơ đang được giải quyết. Vui lòng chờ thông báo hoặc hỏi quầy tiếp nhận về ngày hẹn trả.",
                        "Your dossier is being processed. Please wait for a notice or ask the reception counter for the appointment date.",
                    ),
                };
                Localized::new(vi, en)
            }
            WithdrawalRequested => Localized::new(
                "Yêu cầu rút hồ sơ đang được xem xét. Vui lòng chờ thông báo.",
                "Your withdrawal request is being considered. Please wait for a notice.",
            ),
            Rejected => Localized::new(
                "Hồ sơ không được tiếp nhận. Vui lòng liên hệ quầy tiếp nhận để biết lý do.",
                "The dossier was not accepted. Please ask at the reception counter for the reason.",
            ),
            SupplementRequested => Localized::new(
                format!("Vui lòng bổ sung giấy tờ theo yêu cầu tại quầy tiếp nhận. {}", NOT_COUNTED.0),
                format!("Please bring the requested documents to the reception counter. {}", NOT_COUNTED.1),
            ),
            FeesDue => {
                let (where_vi, where_en) = if channel == Some(DossierChannel::ONLINE) {
                    (
                        "trực tuyến trên Cổng Dịch vụ công nơi đã nộp hồ sơ, hoặc tại quầy tiếp nhận",
                        "online on the public-service portal you applied through, or at the reception counter",
                    )
                } else {
                    ("tại quầy tiếp nhận", "at the reception counter")
                };
                match fees_vnd.filter(|&n| n > 0) {
                    Some(total) => {
                        let amount = DossierFee::format_vnd(total);
                        Localized::new(
                            format!(
                                "Vui lòng nộp phí, lệ phí {amount} {where_vi}; thuế (nếu có) nộp theo thông báo của cơ quan thuế. {}",
                                NOT_COUNTED.0
                            ),
                            format!(
                                "Please pay the fees of {amount} {where_en}; taxes, if any, as the tax office's notice says. {}",
                                NOT_COUNTED.1
                            ),
                        )
                    }
                    None => Localized::new(
                        format!("Vui lòng nộp phí, lệ phí hoặc thuế theo thông báo, {where_vi}. {}", NOT_COUNTED.0),
                        format!("Please pay the fees or taxes as notified, {where_en}. {}", NOT_COUNTED.1),
                    ),
                }
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

    /// Whether processing has ended: rejected (3), stopped (8), result ready (9) or returned (10).
    /// A withdrawal request (7) does not end it: the dossier runs until the withdrawal is decided
    /// (then 8 or 3).
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            DossierStatus::Rejected
                | DossierStatus::Stopped
                | DossierStatus::ResultReady
                | DossierStatus::ResultReturned
        )
    }

    /// Whether the office is waiting on the citizen (5 supplement requested, 6 fees due): this time
    /// does not count against the office's deadline.
    pub fn waits_on_citizen(self) -> bool {
        matches!(self, DossierStatus::SupplementRequested | DossierStatus::FeesDue)
    }

    /// Whether the dossier ended with a result (9, 10): only these are early, on time or late.
    pub fn has_result(self) -> bool {
        matches!(self, DossierStatus::ResultReady | DossierStatus::ResultReturned)
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

/// How a dossier stands against its appointment (NgayHenTra); computed, not a status. Two families
/// of words, never mixed:
///
/// - a dossier still in process (any status but 3, 8, 9, 10 — a withdrawal request, 7, is still in
///   process) is **trong hạn** `in_time` / **sắp đến hạn** `due_soon` / **quá hạn** `overdue`;
/// - a dossier finished with a result (9, 10) is **trước hạn** `early` / **đúng hạn** `on_time` /
///   **trễ hạn** `late`.
///
/// A rejected (3) or stopped (8) dossier has no timeliness: no result was due. Neither has a dossier
/// without an appointment.
///
/// The deadline is the appointment moved later by the time the dossier spent waiting on the citizen
/// (5 supplement requested, 6 fees due), taken from its status history: that time does not count
/// against the office. Days are office-local calendar days:
///
/// - `early`: processing ended on a day before the deadline's day;
/// - `on_time`: it ended on the deadline's day (at any hour: appointments are given as a day);
/// - `late`: it ended on a later day;
/// - `overdue`: still running on a day after the deadline's day;
/// - `due_soon`: still running, not overdue, and either it is the deadline's day or the deadline is at
///   most `due_soon_within` away (the office's window, `[server] dossier_due_soon_hours`);
/// - `in_time`: still running, deadline further away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Trong hạn: in process, the deadline further away than the due-soon window.
    InTime,
    /// Sắp đến hạn: in process, the deadline's day or within the window.
    DueSoon,
    /// Quá hạn: in process past the deadline's day.
    Overdue,
    /// Trước hạn: finished on a day before the deadline's day.
    Early,
    /// Đúng hạn: finished on the deadline's day.
    OnTime,
    /// Trễ hạn: finished after the deadline's day.
    Late,
}

impl Timeliness {
    pub const ALL: [Timeliness; 6] = [
        Timeliness::InTime,
        Timeliness::DueSoon,
        Timeliness::Overdue,
        Timeliness::Early,
        Timeliness::OnTime,
        Timeliness::Late,
    ];

    /// Computes the timeliness of a dossier in `status` at `now`.
    ///
    /// `history` is the dossier's status history, `(since, status)` in any order: from `since` on the
    /// dossier was in `status`, until the next entry. `finished_at` is the end of processing
    /// (NgayKetThucXuLy); when absent for a finished dossier, the time it entered its final run of
    /// finished statuses in `history` is used. `offset` is office-local time (for calendar days).
    pub fn compute(
        status: DossierStatus,
        appointment: Option<OffsetDateTime>,
        finished_at: Option<OffsetDateTime>,
        history: &[(OffsetDateTime, DossierStatus)],
        now: OffsetDateTime,
        offset: UtcOffset,
        due_soon_within: Duration,
    ) -> Option<Timeliness> {
        let appointment = appointment?;
        let day = |t: OffsetDateTime| t.to_offset(offset).date();
        if status.is_finished() {
            if !status.has_result() {
                return None;
            }
            let end = finished_at.or_else(|| Self::finished_since(history))?;
            let due = Self::deadline(appointment, history, end);
            return Some(match day(end).cmp(&day(due)) {
                std::cmp::Ordering::Less => Timeliness::Early,
                std::cmp::Ordering::Equal => Timeliness::OnTime,
                std::cmp::Ordering::Greater => Timeliness::Late,
            });
        }
        let due = Self::deadline(appointment, history, now);
        Some(if day(now) > day(due) {
            Timeliness::Overdue
        } else if day(now) == day(due) || due - now <= due_soon_within {
            Timeliness::DueSoon
        } else {
            Timeliness::InTime
        })
    }

    /// The appointment moved later by the time spent waiting on the citizen up to `until`.
    pub fn deadline(
        appointment: OffsetDateTime,
        history: &[(OffsetDateTime, DossierStatus)],
        until: OffsetDateTime,
    ) -> OffsetDateTime {
        appointment + Self::waiting_on_citizen(history, until)
    }

    /// Time spent in statuses 5 and 6 (waiting on the citizen) before `until`, from the status history
    /// (`(since, status)`, any order; entries at the same time keep their order). A dossier still
    /// waiting at `until` counts up to `until`.
    pub fn waiting_on_citizen(history: &[(OffsetDateTime, DossierStatus)], until: OffsetDateTime) -> Duration {
        let mut sorted = history.to_vec();
        sorted.sort_by_key(|(at, _)| *at);
        let mut total = Duration::ZERO;
        for (i, (since, status)) in sorted.iter().enumerate() {
            if !status.waits_on_citizen() {
                continue;
            }
            let end = sorted.get(i + 1).map_or(until, |(next, _)| (*next).min(until));
            if end > *since {
                total += end - *since;
            }
        }
        total
    }

    /// When the last run of finished statuses in `history` began.
    fn finished_since(history: &[(OffsetDateTime, DossierStatus)]) -> Option<OffsetDateTime> {
        let mut sorted = history.to_vec();
        sorted.sort_by_key(|(at, _)| *at);
        let mut since = None;
        for (at, status) in sorted {
            match (status.is_finished(), since) {
                (true, None) => since = Some(at),
                (false, _) => since = None,
                _ => {}
            }
        }
        since
    }

    /// Whether this is a word for a finished dossier (early / on time / late).
    pub fn is_finished_family(self) -> bool {
        matches!(self, Timeliness::Early | Timeliness::OnTime | Timeliness::Late)
    }

    /// The kiosk's colour: 0 good (in time, early, on time), 1 warning (due soon), 2 bad (overdue, late).
    pub fn level(self) -> u8 {
        match self {
            Timeliness::InTime | Timeliness::Early | Timeliness::OnTime => 0,
            Timeliness::DueSoon => 1,
            Timeliness::Overdue | Timeliness::Late => 2,
        }
    }

    pub fn name(self) -> Localized {
        match self {
            Timeliness::InTime => Localized::new("Trong hạn", "In time"),
            Timeliness::DueSoon => Localized::new("Sắp đến hạn", "Due soon"),
            Timeliness::Overdue => Localized::new("Quá hạn", "Overdue"),
            Timeliness::Early => Localized::new("Trước hạn", "Early"),
            Timeliness::OnTime => Localized::new("Đúng hạn", "On time"),
            Timeliness::Late => Localized::new("Trễ hạn", "Late"),
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

    const VN: UtcOffset = time::macros::offset!(+7);
    const WINDOW: Duration = Duration::hours(48);

    fn t(
        status: DossierStatus,
        finished: Option<OffsetDateTime>,
        history: &[(OffsetDateTime, DossierStatus)],
        now: OffsetDateTime,
    ) -> Option<Timeliness> {
        Timeliness::compute(status, Some(datetime!(2026-03-20 17:00 +7)), finished, history, now, VN, WINDOW)
    }

    #[test]
    fn running_dossiers_are_in_time_due_soon_or_overdue() {
        use DossierStatus::*;
        for status in [Submitted, Received, InProcess, SupplementRequested, FeesDue, WithdrawalRequested] {
            assert!(!status.is_finished(), "{status:?}");
            // A waiting status counts from when it began, here the moment the clock is read.
            let h = [(datetime!(2026-03-30 00:00 +7), status)];
            assert_eq!(t(status, None, &h, datetime!(2026-03-10 09:00 +7)), Some(Timeliness::InTime), "{status:?}");
            assert_eq!(
                t(status, None, &h, datetime!(2026-03-18 18:00 +7)),
                Some(Timeliness::DueSoon),
                "{status:?} within 48 h"
            );
            assert_eq!(
                t(status, None, &h, datetime!(2026-03-20 18:30 +7)),
                Some(Timeliness::DueSoon),
                "{status:?} on the day, after the hour"
            );
            assert_eq!(
                t(status, None, &h, datetime!(2026-03-21 00:00 +7)),
                Some(Timeliness::Overdue),
                "{status:?} the day after"
            );
            // An end of processing recorded on a running dossier (status gone back) does not make it finished.
            let end = Some(datetime!(2026-03-12 10:00 +7));
            assert_eq!(t(status, end, &h, datetime!(2026-03-10 09:00 +7)), Some(Timeliness::InTime), "{status:?}");
        }
        // The window is the office's: none at all leaves only the day itself.
        let now = datetime!(2026-03-19 17:00 +7);
        let appt = Some(datetime!(2026-03-20 17:00 +7));
        assert_eq!(Timeliness::compute(InProcess, appt, None, &[], now, VN, Duration::ZERO), Some(Timeliness::InTime));
        assert_eq!(
            Timeliness::compute(InProcess, appt, None, &[], now, VN, Duration::hours(24)),
            Some(Timeliness::DueSoon)
        );
    }

    #[test]
    fn finished_dossiers_are_early_on_time_or_late() {
        use DossierStatus::*;
        let now = datetime!(2026-05-01 09:00 +7);
        for status in [ResultReady, ResultReturned] {
            assert!(status.is_finished() && status.has_result());
            assert_eq!(
                t(status, Some(datetime!(2026-03-19 23:59 +7)), &[], now),
                Some(Timeliness::Early),
                "{status:?}"
            );
            assert_eq!(
                t(status, Some(datetime!(2026-03-20 00:00 +7)), &[], now),
                Some(Timeliness::OnTime),
                "{status:?}"
            );
            assert_eq!(
                t(status, Some(datetime!(2026-03-20 19:00 +7)), &[], now),
                Some(Timeliness::OnTime),
                "{status:?} same day"
            );
            assert_eq!(t(status, Some(datetime!(2026-03-21 08:00 +7)), &[], now), Some(Timeliness::Late), "{status:?}");
            // Calendar days are the office's, not UTC's: 00:30 on the 21st in Vietnam is 17:30 UTC on the 20th.
            assert_eq!(t(status, Some(datetime!(2026-03-20 17:30 UTC)), &[], now), Some(Timeliness::Late));
            // No end of processing recorded: when the dossier became finished.
            let h = [(datetime!(2026-03-10 09:00 +7), Received), (datetime!(2026-03-16 10:00 +7), status)];
            assert_eq!(t(status, None, &h, now), Some(Timeliness::Early));
            let h = [
                (datetime!(2026-03-10 09:00 +7), InProcess),
                (datetime!(2026-03-25 10:00 +7), ResultReady),
                (datetime!(2026-03-26 10:00 +7), ResultReturned),
            ];
            assert_eq!(t(status, None, &h, now), Some(Timeliness::Late));
            assert_eq!(t(status, None, &[], now), None, "no end known");
        }
        for status in [Rejected, Stopped] {
            assert!(status.is_finished() && !status.has_result());
            assert_eq!(
                t(status, Some(datetime!(2026-03-12 10:00 +7)), &[], now),
                None,
                "{status:?}: no result was due"
            );
        }
        assert_eq!(Timeliness::compute(ResultReady, None, Some(now), &[], now, VN, WINDOW), None, "no appointment");
        assert_eq!(Timeliness::compute(InProcess, None, None, &[], now, VN, WINDOW), None, "no appointment");
    }

    #[test]
    fn waiting_on_the_citizen_moves_the_deadline() {
        use DossierStatus::*;
        let h = [
            (datetime!(2026-03-10 09:00 +7), Received),
            (datetime!(2026-03-12 09:00 +7), SupplementRequested),
            (datetime!(2026-03-15 09:00 +7), InProcess),
            (datetime!(2026-03-17 09:00 +7), FeesDue),
            (datetime!(2026-03-18 21:00 +7), InProcess),
        ];
        // 3 days in 5, 1.5 days in 6.
        let until = datetime!(2026-04-01 00:00 +7);
        assert_eq!(Timeliness::waiting_on_citizen(&h, until), Duration::hours(72 + 36));
        let mut shuffled = h;
        shuffled.reverse();
        assert_eq!(Timeliness::waiting_on_citizen(&shuffled, until), Duration::hours(108), "order does not matter");
        // Only the part before `until` counts.
        assert_eq!(Timeliness::waiting_on_citizen(&h, datetime!(2026-03-13 09:00 +7)), Duration::days(1));
        assert_eq!(Timeliness::deadline(datetime!(2026-03-20 17:00 +7), &h, until), datetime!(2026-03-25 05:00 +7));
        // Late by the appointment, on time once the waiting is taken off.
        assert_eq!(t(ResultReady, Some(datetime!(2026-03-24 10:00 +7)), &h, until), Some(Timeliness::Early));
        assert_eq!(t(ResultReady, Some(datetime!(2026-03-25 10:00 +7)), &h, until), Some(Timeliness::OnTime));
        assert_eq!(t(ResultReady, Some(datetime!(2026-03-26 10:00 +7)), &h, until), Some(Timeliness::Late));
        assert_eq!(t(InProcess, None, &h, datetime!(2026-03-22 10:00 +7)), Some(Timeliness::InTime));
        assert_eq!(t(InProcess, None, &h, datetime!(2026-03-26 10:00 +7)), Some(Timeliness::Overdue));
        // Still waiting: the clock is stopped, the dossier cannot run out of time meanwhile.
        let waiting =
            [(datetime!(2026-03-10 09:00 +7), Received), (datetime!(2026-03-15 09:00 +7), SupplementRequested)];
        assert_eq!(t(SupplementRequested, None, &waiting, datetime!(2026-05-01 09:00 +7)), Some(Timeliness::InTime));
        // ...but one already overdue when asked for a supplement stays overdue.
        let late = [(datetime!(2026-03-10 09:00 +7), Received), (datetime!(2026-03-25 09:00 +7), SupplementRequested)];
        assert_eq!(t(SupplementRequested, None, &late, datetime!(2026-05-01 09:00 +7)), Some(Timeliness::Overdue));
        // A withdrawal request (7) is not waiting on the citizen: its time counts.
        let withdrawing = [(datetime!(2026-03-15 09:00 +7), WithdrawalRequested)];
        assert_eq!(Timeliness::waiting_on_citizen(&withdrawing, until), Duration::ZERO);
    }

    #[test]
    fn timeliness_wire_values_and_words() {
        let wire: Vec<String> = Timeliness::ALL.iter().map(|t| serde_json::to_string(t).unwrap()).collect();
        assert_eq!(wire, ["\"in_time\"", "\"due_soon\"", "\"overdue\"", "\"early\"", "\"on_time\"", "\"late\""]);
        let vi: Vec<String> = Timeliness::ALL.iter().map(|t| t.name().vi).collect();
        assert_eq!(vi, ["Trong hạn", "Sắp đến hạn", "Quá hạn", "Trước hạn", "Đúng hạn", "Trễ hạn"]);
        for t in Timeliness::ALL {
            assert_eq!(serde_json::from_str::<Timeliness>(&serde_json::to_string(&t).unwrap()).unwrap(), t);
            assert_eq!(t.is_finished_family(), matches!(t, Timeliness::Early | Timeliness::OnTime | Timeliness::Late));
        }
    }

    #[test]
    fn next_steps_follow_status_and_timeliness() {
        use DossierStatus::*;
        let come_back = "quay lại vào ngày hẹn";
        for s in [Received, InProcess] {
            assert!(s.next_step(Some(Timeliness::InTime), None, None).vi.contains(come_back));
            assert!(s.next_step(Some(Timeliness::DueSoon), None, None).vi.contains(come_back));
            let overdue = s.next_step(Some(Timeliness::Overdue), None, None);
            assert!(!overdue.vi.contains(come_back) && !overdue.en.contains("come back on"), "{overdue:?}");
            assert!(overdue.vi.contains("quá ngày hẹn") && overdue.en.contains("has passed"));
            assert!(!s.next_step(None, None, None).vi.contains(come_back), "no appointment to come back on");
        }
        for s in DossierStatus::ALL {
            for t in Timeliness::ALL.map(Some).into_iter().chain([None]) {
                let step = s.next_step(t, None, None);
                assert!(!step.vi.is_empty() && !step.en.is_empty());
                if t == Some(Timeliness::Overdue) {
                    assert!(!step.vi.contains(come_back), "{s:?} overdue: {step:?}");
                }
            }
        }
        let fees = FeesDue.next_step(Some(Timeliness::InTime), Some(1_500_000), Some(1));
        assert!(fees.vi.contains("1.500.000 đ") && fees.vi.contains("tại quầy tiếp nhận"), "{fees:?}");
        assert!(fees.en.contains("1.500.000 đ"));
        let online = FeesDue.next_step(None, Some(50_000), Some(2));
        assert!(online.vi.contains("50.000 đ") && online.vi.contains("trực tuyến"), "{online:?}");
        let unknown = FeesDue.next_step(None, None, None);
        assert!(unknown.vi.contains("theo thông báo") && !unknown.vi.contains(" đ "), "{unknown:?}");
        assert!(SupplementRequested.next_step(None, None, None).vi.contains("không tính vào thời hạn"));
    }

    #[test]
    fn money_and_channels() {
        assert_eq!(DossierFee::format_vnd(0), "0 đ");
        assert_eq!(DossierFee::format_vnd(999), "999 đ");
        assert_eq!(DossierFee::format_vnd(1000), "1.000 đ");
        assert_eq!(DossierFee::format_vnd(1_500_000), "1.500.000 đ");
        assert_eq!(DossierFee::format_vnd(12_345_678_901), "12.345.678.901 đ");
        assert_eq!(DossierChannel::from_code(1).name.vi, "Trực tiếp");
        assert_eq!(DossierChannel::from_code(2).name.en, "Online");
        assert_eq!(DossierChannel::from_code(3).name.vi, "Bưu chính");
        assert!(DossierChannel::from_code(7).name.vi.contains('7'));
    }

    fn status_strategy() -> impl proptest::strategy::Strategy<Value = DossierStatus> {
        proptest::sample::select(DossierStatus::ALL.to_vec())
    }

    proptest::proptest! {
        /// A running dossier never gets a finished-family word, a finished one never a running one,
        /// and only a finished dossier with a result gets any.
        #[test]
        fn families_never_mix(
            status in status_strategy(),
            appt_h in 0i64..2000,
            finished_h in proptest::option::of(0i64..3000),
            now_h in 0i64..3000,
            steps in proptest::collection::vec((0i64..3000, status_strategy()), 0..8),
            window_h in 0i64..200,
        ) {
            let base = datetime!(2026-01-01 00:00 UTC);
            let hist: Vec<_> = steps.iter().map(|(h, s)| (base + Duration::hours(*h), *s)).collect();
            let got = Timeliness::compute(
                status,
                Some(base + Duration::hours(appt_h)),
                finished_h.map(|h| base + Duration::hours(h)),
                &hist,
                base + Duration::hours(now_h),
                VN,
                Duration::hours(window_h),
            );
            if !status.is_finished() {
                proptest::prop_assert!(got.is_some_and(|t| !t.is_finished_family()), "{status:?} → {got:?}");
            } else if status.has_result() {
                proptest::prop_assert!(got.is_none_or(Timeliness::is_finished_family), "{status:?} → {got:?}");
                if finished_h.is_some() {
                    proptest::prop_assert!(got.is_some());
                }
            } else {
                proptest::prop_assert_eq!(got, None);
            }
        }

        /// Time in 5 or 6 moves the deadline by exactly that time: a dossier that waited `pause` on
        /// the citizen stands as one without the pause would with the appointment `pause` later.
        #[test]
        fn waiting_moves_the_deadline(
            status in status_strategy(),
            pause_start_h in 0i64..500,
            pause_h in 0i64..500,
            waiting in proptest::sample::select(vec![DossierStatus::SupplementRequested, DossierStatus::FeesDue]),
            appt_h in 0i64..1500,
            end_h in 1000i64..3000,
        ) {
            let base = datetime!(2026-01-01 00:00 UTC);
            let h = |n: i64| base + Duration::hours(n);
            let pause = Duration::hours(pause_h);
            let with = [(base, DossierStatus::Received), (h(pause_start_h), waiting), (h(pause_start_h + pause_h), DossierStatus::InProcess)];
            let without = [(base, DossierStatus::Received)];
            let end = h(end_h);
            proptest::prop_assert_eq!(Timeliness::waiting_on_citizen(&with, end), pause);
            proptest::prop_assert_eq!(Timeliness::deadline(h(appt_h), &with, end), h(appt_h) + pause);
            let finished = status.is_finished().then_some(end);
            let a = Timeliness::compute(status, Some(h(appt_h)), finished, &with, end, VN, WINDOW);
            let b = Timeliness::compute(status, Some(h(appt_h) + pause), finished, &without, end, VN, WINDOW);
            proptest::prop_assert_eq!(a, b);
        }
    }
}
