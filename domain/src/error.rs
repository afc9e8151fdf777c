//! Typed rule violations, each with a stable machine code and a message in Vietnamese and English.

use crate::i18n::Localized;
use crate::office::CounterId;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("unknown service {0}")]
    UnknownService(String),
    #[error("service {0} is closed")]
    ServiceClosed(String),
    #[error("the office is closed")]
    OfficeClosed,
    #[error("unknown counter {0}")]
    UnknownCounter(CounterId),
    #[error("counter {0} is closed")]
    CounterClosed(CounterId),
    #[error("no one is waiting for counter {0}")]
    QueueEmpty(CounterId),
    #[error("counter {0} has no current ticket")]
    NoCurrentTicket(CounterId),
    #[error("unknown ticket")]
    UnknownTicket,
    #[error("ticket {ticket} is {state}")]
    WrongState { ticket: String, state: &'static str },
    #[error("ticket {0} missed its call and the grace window has passed")]
    GraceExpired(String),
    #[error("ticket {0} has not been served yet")]
    NotServedYet(String),
    #[error("the rating window has closed")]
    RatingWindowClosed,
    #[error("already rated")]
    AlreadyRated,
    #[error("unknown lease")]
    UnknownLease,
    #[error("number {0} was already used")]
    NumberAlreadyUsed(u32),
    #[error("no more numbers today")]
    NumbersExhausted,
    #[error("{0} is longer than {1} characters")]
    TooLong(&'static str, usize),
    #[error("{0}")]
    Invalid(String),
}

impl QueueError {
    /// Stable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            QueueError::UnknownService(_) => "unknown_service",
            QueueError::ServiceClosed(_) => "service_closed",
            QueueError::OfficeClosed => "office_closed",
            QueueError::UnknownCounter(_) => "unknown_counter",
            QueueError::CounterClosed(_) => "counter_closed",
            QueueError::QueueEmpty(_) => "queue_empty",
            QueueError::NoCurrentTicket(_) => "no_current_ticket",
            QueueError::UnknownTicket => "unknown_ticket",
            QueueError::WrongState { .. } => "wrong_ticket_state",
            QueueError::GraceExpired(_) => "grace_expired",
            QueueError::NotServedYet(_) => "not_served_yet",
            QueueError::RatingWindowClosed => "rating_window_closed",
            QueueError::AlreadyRated => "already_rated",
            QueueError::UnknownLease => "unknown_lease",
            QueueError::NumberAlreadyUsed(_) => "number_already_used",
            QueueError::NumbersExhausted => "numbers_exhausted",
            QueueError::TooLong(..) => "too_long",
            QueueError::Invalid(_) => "invalid",
        }
    }

    /// Whether the error is "not found" rather than "not allowed now".
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            QueueError::UnknownService(_)
                | QueueError::UnknownCounter(_)
                | QueueError::UnknownTicket
                | QueueError::UnknownLease
        )
    }

    pub fn localized(&self) -> Localized {
        match self {
            QueueError::UnknownService(s) => {
                Localized::new(format!("Không có dịch vụ \"{s}\"."), format!("There is no service \"{s}\"."))
            }
            QueueError::ServiceClosed(s) => Localized::new(
                format!("Dịch vụ \"{s}\" hiện không nhận số."),
                format!("Service \"{s}\" is not taking tickets now."),
            ),
            QueueError::OfficeClosed => Localized::new(
                "Ngoài giờ làm việc, vui lòng quay lại trong giờ hành chính.",
                "The office is closed; please come back during opening hours.",
            ),
            QueueError::UnknownCounter(c) => {
                Localized::new(format!("Không có quầy số {c}."), format!("There is no counter {c}."))
            }
            QueueError::CounterClosed(c) => {
                Localized::new(format!("Quầy số {c} đang đóng."), format!("Counter {c} is closed."))
            }
            QueueError::QueueEmpty(c) => Localized::new(
                format!("Không còn ai chờ cho quầy số {c}."),
                format!("No one is waiting for counter {c}."),
            ),
            QueueError::NoCurrentTicket(c) => {
                Localized::new(format!("Quầy số {c} chưa gọi số nào."), format!("Counter {c} has not called a ticket."))
            }
            QueueError::UnknownTicket => Localized::new("Không tìm thấy số thứ tự.", "Ticket not found."),
            QueueError::WrongState { ticket, state } => Localized::new(
                format!("Số {ticket} không thể thực hiện thao tác này (trạng thái: {}).", state_vi(state)),
                format!("Ticket {ticket} cannot do that now (it is {state})."),
            ),
            QueueError::GraceExpired(t) => Localized::new(
                format!("Số {t} đã quá thời gian chờ gọi lại."),
                format!("Ticket {t} missed its call and can no longer be recalled."),
            ),
            QueueError::NotServedYet(t) => Localized::new(
                format!("Số {t} chưa được phục vụ nên chưa thể đánh giá."),
                format!("Ticket {t} has not been served yet, so it cannot be rated."),
            ),
            QueueError::RatingWindowClosed => Localized::new(
                "Đã hết thời gian đánh giá cho lượt phục vụ này.",
                "The time to rate this service has passed.",
            ),
            QueueError::AlreadyRated => {
                Localized::new("Lượt phục vụ này đã được đánh giá.", "This service has already been rated.")
            }
            QueueError::UnknownLease => Localized::new("Không tìm thấy dải số đã cấp.", "Number lease not found."),
            QueueError::NumberAlreadyUsed(n) => {
                Localized::new(format!("Số {n} đã được sử dụng."), format!("Number {n} was already used."))
            }
            QueueError::NumbersExhausted => {
                Localized::new("Đã hết số trong ngày.", "No more numbers can be issued today.")
            }
            QueueError::TooLong(what, n) => Localized::new(
                format!("Nội dung \"{what}\" dài quá {n} ký tự."),
                format!("\"{what}\" is longer than {n} characters."),
            ),
            QueueError::Invalid(detail) => {
                Localized::new(format!("Dữ liệu không hợp lệ: {detail}"), format!("Invalid input: {detail}"))
            }
        }
    }
}

fn state_vi(state: &str) -> &'static str {
    match state {
        "waiting" => "đang chờ",
        "called" => "đã gọi",
        "serving" => "đang phục vụ",
        "parked" => "tạm giữ",
        "missed" => "vắng mặt",
        "served" => "đã phục vụ",
        "cancelled" => "đã hủy",
        _ => "không rõ",
    }
}
