//! Typed rule violations, each with a stable machine code and a message in Vietnamese and English.
//!
//! Messages are for the citizen or officer who sees them: whole Vietnamese and whole English, in the
//! office's terms, never a service code (slug) or an English detail inside the Vietnamese. A variant
//! that names a service carries its name, not its code (the code stays in `Display`, for logs).

use crate::i18n::Localized;
use crate::office::{CounterId, Stage};

/// A text field whose length is limited, named in the messages in the citizen's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// A rating's comment.
    Comment,
    /// A service's name or field.
    ServiceName,
    /// A service code sent by a client.
    ServiceCode,
    /// A device's health report.
    Health,
}

impl TextField {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            TextField::Comment => ("Góp ý", "The comment"),
            TextField::ServiceName => ("Tên dịch vụ", "The service name"),
            TextField::ServiceCode => ("Mã dịch vụ", "The service code"),
            TextField::Health => ("Báo cáo tình trạng thiết bị", "The device health report"),
        }
    }
}

impl std::fmt::Display for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.names().1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("unknown service {0}")]
    UnknownService(String),
    /// The service (its code and name) is not taking tickets.
    #[error("service {code} is closed")]
    ServiceClosed { code: String, name: Localized },
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
    /// A dossier rating without the receipt's rating token or the served ticket it was linked to.
    #[error("a dossier rating needs the rating token of its receipt or the ticket it was linked to")]
    RatingProofRequired,
    /// The token or ticket given is not one of the dossier's links (or the dossier was never linked).
    #[error("the rating token or ticket does not match the dossier")]
    RatingProofMismatch,
    /// The dossier's records do not show it at the stage to rate (result return needs a finished one).
    #[error("the dossier has not reached the {0:?} stage")]
    DossierNotRateable(Stage),
    #[error("number {0} was already used")]
    NumberAlreadyUsed(u32),
    #[error("no more numbers today")]
    NumbersExhausted,
    #[error("{0} is longer than {1} characters")]
    TooLong(TextField, usize),
    // The following are all code "invalid" (422): input no rule can accept.
    #[error("too many next services (at most {0})")]
    TooManyNextServices(usize),
    #[error("transfer needs a service or a counter")]
    TransferNeedsTarget,
    #[error("cannot transfer a ticket to counter {0}, where it is")]
    TransferToSameCounter(CounterId),
    #[error("indicator answers are 0, 1 or 2 points")]
    IndicatorPoints,
    #[error("a rating's choices name a question the indicator set does not have")]
    UnknownQuestion,
    /// The option chosen is not on that question's scale (the question in both languages).
    #[error("an answer not on the scale of {0:?}")]
    UnknownAnswer(Localized),
    #[error("question {question:?} is not asked at the {stage:?} stage")]
    QuestionNotAsked { question: Localized, stage: Stage },
    #[error("question {0:?} answered twice")]
    AnsweredTwice(Localized),
    #[error("answers given both as choices and as points")]
    AnswersTwoWays,
    #[error("lease size must be 1–{0}")]
    LeaseSize(u32),
    #[error("number {number} is not in lease {first}–{last}")]
    NumberNotInLease { number: u32, first: u32, last: u32 },
    #[error("the ticket was issued outside its lease's validity")]
    OutsideLeaseValidity,
    #[error("lease already closed")]
    LeaseClosed,
    #[error("unused numbers must be in the lease and not uploaded")]
    UnusedNotInLease,
    #[error("service names in Vietnamese and English are required")]
    ServiceNamesRequired,
    #[error("the service letter must be A–Z")]
    ServiceLetter,
    #[error("counter numbers start at 1")]
    CounterNumberZero,
    #[error("unknown outcome {0:?}")]
    UnknownOutcome(String),
    #[error("Idempotency-Key must be 1–128 visible ASCII characters")]
    IdempotencyKey,
    /// The office settings fail `OfficeSettings::validate`; its (English) reason is shown in English only.
    #[error("invalid settings: {0}")]
    InvalidSettings(String),
    /// A catalogue entry cannot be saved, or a ticket names a procedure the office does not take.
    #[error(transparent)]
    Procedure(#[from] crate::procedure::ProcedureError),
    /// A receipt that does not match the dossier's links, the catalogue or the calendar.
    #[error(transparent)]
    Receipt(#[from] crate::receipt::ReceiptError),
}

impl QueueError {
    /// Stable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            QueueError::UnknownService(_) => "unknown_service",
            QueueError::ServiceClosed { .. } => "service_closed",
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
            QueueError::RatingProofRequired => "rating_proof_required",
            QueueError::RatingProofMismatch => "rating_proof_mismatch",
            QueueError::DossierNotRateable(_) => "dossier_not_rateable",
            QueueError::NumberAlreadyUsed(_) => "number_already_used",
            QueueError::NumbersExhausted => "numbers_exhausted",
            QueueError::TooLong(..) => "too_long",
            QueueError::TooManyNextServices(_)
            | QueueError::TransferNeedsTarget
            | QueueError::TransferToSameCounter(_)
            | QueueError::IndicatorPoints
            | QueueError::UnknownQuestion
            | QueueError::UnknownAnswer(_)
            | QueueError::QuestionNotAsked { .. }
            | QueueError::AnsweredTwice(_)
            | QueueError::AnswersTwoWays
            | QueueError::LeaseSize(_)
            | QueueError::NumberNotInLease { .. }
            | QueueError::OutsideLeaseValidity
            | QueueError::LeaseClosed
            | QueueError::UnusedNotInLease
            | QueueError::ServiceNamesRequired
            | QueueError::ServiceLetter
            | QueueError::CounterNumberZero
            | QueueError::UnknownOutcome(_)
            | QueueError::IdempotencyKey
            | QueueError::InvalidSettings(_) => "invalid",
            QueueError::Procedure(e) => e.code(),
            QueueError::Receipt(e) => e.code(),
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
        ) || matches!(self, QueueError::Procedure(e) if e.is_not_found())
            || matches!(self, QueueError::Receipt(e) if e.is_not_found())
    }

    /// Whether the caller has not shown what allows it (HTTP 403): a dossier rating's proof.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, QueueError::RatingProofRequired | QueueError::RatingProofMismatch)
            || matches!(self, QueueError::Receipt(e) if e.is_forbidden())
    }

    /// Whether the input itself is unacceptable (HTTP 422) rather than not allowed now.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self.code(), "invalid" | "too_long")
    }

    pub fn localized(&self) -> Localized {
        match self {
            QueueError::UnknownService(_) => {
                Localized::new("Dịch vụ này không có ở đơn vị.", "No such service at this office.")
            }
            QueueError::ServiceClosed { name, .. } => Localized::new(
                format!("Dịch vụ «{}» hiện không nhận số.", name.vi),
                format!("“{}” is not taking tickets now.", name.en),
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
                format!("Ticket {ticket} cannot do that now (it is {}).", state_en(state)),
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
            QueueError::RatingProofRequired => Localized::new(
                "Để đánh giá hồ sơ, vui lòng quét mã QR trên giấy tiếp nhận hồ sơ, hoặc dùng phiếu số thứ tự của lần nộp hồ sơ đó.",
                "To rate a dossier, please scan the QR code on your dossier receipt, or use the queue slip you were served with for it.",
            ),
            QueueError::RatingProofMismatch => Localized::new(
                "Mã đánh giá không khớp với hồ sơ này. Vui lòng quét lại mã QR trên giấy tiếp nhận hồ sơ.",
                "The rating code does not match this dossier. Please scan the QR code on your dossier receipt again.",
            ),
            QueueError::DossierNotRateable(stage) => Localized::new(
                format!("Hồ sơ chưa đến khâu {} nên chưa thể đánh giá khâu này.", stage.name().vi.to_lowercase()),
                format!("The dossier has not reached the {} stage, so it cannot be rated yet.", stage.name().en.to_lowercase()),
            ),
            QueueError::NumberAlreadyUsed(n) => {
                Localized::new(format!("Số {n} đã được sử dụng."), format!("Number {n} was already used."))
            }
            QueueError::NumbersExhausted => {
                Localized::new("Đã hết số trong ngày.", "No more numbers can be issued today.")
            }
            QueueError::TooLong(what, n) => {
                let (vi, en) = what.names();
                Localized::new(format!("{vi} dài quá {n} ký tự."), format!("{en} is longer than {n} characters."))
            }
            QueueError::TooManyNextServices(n) => Localized::new(
                format!("Chỉ chuyển tiếp được tối đa {n} dịch vụ."),
                format!("A ticket can go on to at most {n} services."),
            ),
            QueueError::TransferNeedsTarget => Localized::new(
                "Vui lòng chọn dịch vụ hoặc quầy để chuyển số.",
                "Please choose a service or a counter to transfer to.",
            ),
            QueueError::TransferToSameCounter(c) => Localized::new(
                format!("Số đang ở quầy số {c}; vui lòng chọn quầy khác."),
                format!("The ticket is already at counter {c}; please choose another counter."),
            ),
            QueueError::IndicatorPoints => {
                Localized::new("Mỗi câu trả lời chỉ được 0, 1 hoặc 2 điểm.", "Each answer scores 0, 1 or 2 points.")
            }
            QueueError::UnknownQuestion => Localized::new(
                "Câu hỏi đã trả lời không có trong bộ câu hỏi đánh giá hiện hành.",
                "An answered question is not among the current rating questions.",
            ),
            QueueError::UnknownAnswer(q) => Localized::new(
                format!("Câu trả lời đã chọn không thuộc các câu trả lời của câu hỏi «{}».", q.vi),
                format!("The answer chosen is not one of the answers to “{}”.", q.en),
            ),
            QueueError::QuestionNotAsked { question, stage } => Localized::new(
                format!("Câu hỏi «{}» không dùng để đánh giá khâu {}.", question.vi, stage.name().vi.to_lowercase()),
                format!("“{}” is not asked when rating the {} stage.", question.en, stage.name().en.to_lowercase()),
            ),
            QueueError::AnsweredTwice(q) => Localized::new(
                format!("Câu hỏi «{}» được trả lời hai lần; vui lòng chọn một câu trả lời.", q.vi),
                format!("“{}” was answered twice; please choose one answer.", q.en),
            ),
            QueueError::AnswersTwoWays => Localized::new(
                "Câu trả lời được gửi theo hai cách cùng lúc; vui lòng gửi theo một cách.",
                "The answers came both as choices and as points; please send them one way.",
            ),
            QueueError::LeaseSize(max) => Localized::new(
                format!("Mỗi lần chỉ cấp được từ 1 đến {max} số."),
                format!("A number lease holds 1 to {max} numbers."),
            ),
            QueueError::NumberNotInLease { number, first, last } => Localized::new(
                format!("Số {number} không thuộc dải số {first}–{last} đã cấp."),
                format!("Number {number} is not in the leased numbers {first}–{last}."),
            ),
            QueueError::OutsideLeaseValidity => Localized::new(
                "Số này được lấy ngoài thời hạn của dải số đã cấp.",
                "This ticket was taken outside the validity of its number lease.",
            ),
            QueueError::LeaseClosed => {
                Localized::new("Dải số này đã được trả lại.", "This number lease is already closed.")
            }
            QueueError::UnusedNotInLease => Localized::new(
                "Số chưa dùng phải thuộc dải số đã cấp và chưa được gửi lên.",
                "Unused numbers must be in the lease and not already uploaded.",
            ),
            QueueError::ServiceNamesRequired => Localized::new(
                "Vui lòng nhập tên dịch vụ bằng tiếng Việt và tiếng Anh.",
                "Please give the service a name in Vietnamese and in English.",
            ),
            QueueError::ServiceLetter => Localized::new(
                "Chữ cái của dịch vụ phải là một chữ từ A đến Z.",
                "The service letter must be one letter A to Z.",
            ),
            QueueError::CounterNumberZero => Localized::new("Số quầy bắt đầu từ 1.", "Counter numbers start at 1."),
            QueueError::UnknownOutcome(_) => Localized::new(
                "Kết quả xử lý này không có trong danh mục.",
                "This outcome is not one of the office's outcomes.",
            ),
            QueueError::IdempotencyKey => Localized::new(
                "Mã chống gửi trùng (Idempotency-Key) phải có 1–128 ký tự ASCII in được.",
                "The Idempotency-Key must be 1–128 visible ASCII characters.",
            ),
            QueueError::InvalidSettings(reason) => Localized::new(
                "Cài đặt của đơn vị chưa hợp lệ; vui lòng kiểm tra lại.",
                format!("The office settings are not valid: {reason}."),
            ),
            QueueError::Procedure(e) => e.localized(),
            QueueError::Receipt(e) => e.localized(),
        }
    }
}

fn state_vi(state: &str) -> &'static str {
    match state {
        "waiting" => "đang chờ",
        "called" => "đã gọi",
        "serving" => "đang phục vụ",
        "parked" => "tạm hoãn",
        "missed" => "vắng mặt",
        "served" => "đã phục vụ",
        "cancelled" => "đã hủy",
        _ => "không rõ",
    }
}

fn state_en(state: &str) -> &'static str {
    match state {
        "waiting" => "waiting",
        "called" => "called",
        "serving" => "being served",
        "parked" => "on hold",
        "missed" => "missed",
        "served" => "served",
        "cancelled" => "cancelled",
        _ => "in another state",
    }
}

/// Checks that a message pair is whole Vietnamese and whole English: no English words or quoted slugs
/// in the Vietnamese, no Vietnamese letters in the English outside the proper names given. Returns what
/// is wrong, if anything. Shared by the server's tests of its own errors.
pub fn message_faults(message: &Localized, names: &[&str]) -> Vec<String> {
    const ENGLISH: &[&str] = &[
        "cannot",
        "invalid",
        "not found",
        "ticket",
        "service",
        "counter",
        "lease",
        "unknown",
        "must",
        "the ",
        "is not",
        "please",
        "error",
        "number",
        "office",
        "required",
        "missing",
        "expected",
        "comment",
        "name",
        "health",
        "outcome",
        "settings",
        "device",
        "token",
        "route",
        "page",
    ];
    let mut faults = Vec::new();
    let vi = message.vi.to_lowercase();
    for word in ENGLISH {
        let hit = vi.match_indices(word).any(|(i, _)| {
            let before = vi[..i].chars().next_back();
            let after = vi[i + word.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        });
        if hit {
            faults.push(format!("Vietnamese has the English {word:?}: {}", message.vi));
        }
    }
    for quoted in quoted_parts(&message.vi) {
        if is_slug(quoted) {
            faults.push(format!("Vietnamese shows the code {quoted:?}: {}", message.vi));
        }
    }
    if message.vi.trim().is_empty() || message.en.trim().is_empty() {
        faults.push(format!("empty message: {message:?}"));
    }
    let mut en = message.en.clone();
    for name in names {
        en = en.replace(name, "");
    }
    if let Some(c) = en.chars().find(|c| is_vietnamese_letter(*c)) {
        faults.push(format!("English has the Vietnamese {c:?}: {}", message.en));
    }
    faults
}

/// The parts of a text between quotes of any kind.
fn quoted_parts(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['"', '«', '“', '\'', '`']) {
        let q = rest[open..].chars().next().unwrap_or('"');
        let close = match q {
            '«' => '»',
            '“' => '”',
            other => other,
        };
        let inner = &rest[open + q.len_utf8()..];
        let Some(end) = inner.find(close) else { break };
        parts.push(&inner[..end]);
        rest = &inner[end + close.len_utf8()..];
    }
    parts
}

/// `[a-z]+-[a-z0-9-]+`: a code such as `ho-tich`.
fn is_slug(text: &str) -> bool {
    let mut words = text.split('-');
    let first = words.next().unwrap_or("");
    let rest: Vec<&str> = words.collect();
    !first.is_empty()
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !rest.is_empty()
        && rest.iter().all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// A letter only Vietnamese uses here: đ, or a vowel with a diacritic.
fn is_vietnamese_letter(c: char) -> bool {
    !c.is_ascii() && c.is_alphabetic() && crate::i18n::fold(&c.to_string()).chars().all(|f| f.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedure::ProcedureError;

    /// One of every variant; the match makes a new variant fail to compile until it is listed here.
    fn every_error() -> Vec<QueueError> {
        let name = Localized::new("Đăng ký khai sinh", "Birth registration");
        let question = crate::rating::IndicatorSet::builtin()
            .indicator("staff_attitude")
            .map(|d| d.question_text().clone())
            .expect("the built-in set asks about attitude");
        let mut all = vec![
            QueueError::UnknownService("ho-tich".into()),
            QueueError::ServiceClosed { code: "ho-tich".into(), name },
            QueueError::OfficeClosed,
            QueueError::UnknownCounter(7),
            QueueError::CounterClosed(2),
            QueueError::QueueEmpty(1),
            QueueError::NoCurrentTicket(1),
            QueueError::UnknownTicket,
            QueueError::WrongState { ticket: "A001".into(), state: "served" },
            QueueError::WrongState { ticket: "A001".into(), state: "parked" },
            QueueError::GraceExpired("A001".into()),
            QueueError::NotServedYet("A001".into()),
            QueueError::RatingWindowClosed,
            QueueError::AlreadyRated,
            QueueError::UnknownLease,
            QueueError::NumberAlreadyUsed(12),
            QueueError::NumbersExhausted,
            QueueError::TooLong(TextField::Comment, 1000),
            QueueError::TooLong(TextField::ServiceName, 200),
            QueueError::TooLong(TextField::ServiceCode, 32),
            QueueError::TooLong(TextField::Health, 8192),
            QueueError::TooManyNextServices(10),
            QueueError::TransferNeedsTarget,
            QueueError::TransferToSameCounter(3),
            QueueError::IndicatorPoints,
            QueueError::UnknownQuestion,
            QueueError::UnknownAnswer(question.clone()),
            QueueError::QuestionNotAsked { question: question.clone(), stage: Stage::Reception },
            QueueError::AnsweredTwice(question.clone()),
            QueueError::AnswersTwoWays,
            QueueError::RatingProofRequired,
            QueueError::RatingProofMismatch,
            QueueError::DossierNotRateable(Stage::ResultReturn),
            QueueError::DossierNotRateable(Stage::Processing),
            QueueError::LeaseSize(100),
            QueueError::NumberNotInLease { number: 5, first: 10, last: 20 },
            QueueError::OutsideLeaseValidity,
            QueueError::LeaseClosed,
            QueueError::UnusedNotInLease,
            QueueError::ServiceNamesRequired,
            QueueError::ServiceLetter,
            QueueError::CounterNumberZero,
            QueueError::UnknownOutcome("hoan-thanh".into()),
            QueueError::IdempotencyKey,
            QueueError::InvalidSettings("2026-01-01 is in the calendar twice".into()),
        ];
        let code = "1.001193.000.00.00.H29".to_owned();
        let service = "ho-tich".to_owned();
        all.extend(
            [
                ProcedureError::Code("a b".into()),
                ProcedureError::Name(code.clone()),
                ProcedureError::Field(code.clone()),
                ProcedureError::Fees(code.clone()),
                ProcedureError::Papers(code.clone()),
                ProcedureError::Counters(code.clone()),
                ProcedureError::UnknownService { code: code.clone(), service: service.clone() },
                ProcedureError::CounterNotServing { code: code.clone(), counter: 4 },
                ProcedureError::Duplicate(code.clone()),
                ProcedureError::CatalogueFull,
                ProcedureError::ImportSize,
                ProcedureError::Unknown(code.clone()),
                ProcedureError::Withdrawn(code.clone()),
                ProcedureError::OtherService { code, service },
            ]
            .map(QueueError::Procedure)
            .into_iter()
            .chain(crate::receipt::ReceiptError::every().into_iter().map(QueueError::Receipt)),
        );
        for e in &all {
            match e {
                QueueError::UnknownService(_)
                | QueueError::ServiceClosed { .. }
                | QueueError::OfficeClosed
                | QueueError::UnknownCounter(_)
                | QueueError::CounterClosed(_)
                | QueueError::QueueEmpty(_)
                | QueueError::NoCurrentTicket(_)
                | QueueError::UnknownTicket
                | QueueError::WrongState { .. }
                | QueueError::GraceExpired(_)
                | QueueError::NotServedYet(_)
                | QueueError::RatingWindowClosed
                | QueueError::AlreadyRated
                | QueueError::UnknownLease
                | QueueError::NumberAlreadyUsed(_)
                | QueueError::NumbersExhausted
                | QueueError::TooLong(..)
                | QueueError::TooManyNextServices(_)
                | QueueError::TransferNeedsTarget
                | QueueError::TransferToSameCounter(_)
                | QueueError::IndicatorPoints
                | QueueError::UnknownQuestion
                | QueueError::UnknownAnswer(_)
                | QueueError::QuestionNotAsked { .. }
                | QueueError::AnsweredTwice(_)
                | QueueError::AnswersTwoWays
                | QueueError::RatingProofRequired
                | QueueError::RatingProofMismatch
                | QueueError::DossierNotRateable(_)
                | QueueError::LeaseSize(_)
                | QueueError::NumberNotInLease { .. }
                | QueueError::OutsideLeaseValidity
                | QueueError::LeaseClosed
                | QueueError::UnusedNotInLease
                | QueueError::ServiceNamesRequired
                | QueueError::ServiceLetter
                | QueueError::CounterNumberZero
                | QueueError::UnknownOutcome(_)
                | QueueError::IdempotencyKey
                | QueueError::InvalidSettings(_)
                | QueueError::Procedure(_)
                | QueueError::Receipt(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_message_is_whole_vietnamese_and_whole_english() {
        let faults: Vec<String> = every_error()
            .iter()
            .flat_map(|e| message_faults(&e.localized(), &[]).into_iter().map(move |f| format!("{}: {f}", e.code())))
            .collect();
        assert!(faults.is_empty(), "{faults:#?}");
    }

    #[test]
    fn the_check_catches_mixed_messages() {
        let mixed = Localized::new("Dữ liệu không hợp lệ: cannot transfer a ticket", "Invalid input");
        assert!(!message_faults(&mixed, &[]).is_empty());
        let slug = Localized::new("Không có dịch vụ \"ho-tich\".", "There is no service \"ho-tich\".");
        assert!(!message_faults(&slug, &[]).is_empty());
        let en = Localized::new("Quầy số 1 đang đóng.", "Quầy số 1 is closed.");
        assert!(!message_faults(&en, &[]).is_empty());
        assert!(message_faults(&en, &["Quầy số 1"]).is_empty());
    }

    #[test]
    fn a_closed_service_is_named_not_coded() {
        let e = QueueError::ServiceClosed {
            code: "ho-tich".into(),
            name: Localized::new("Đăng ký khai sinh", "Birth registration"),
        };
        let m = e.localized();
        assert!(m.vi.contains("Đăng ký khai sinh") && !m.vi.contains("ho-tich"), "{}", m.vi);
        assert!(m.en.contains("Birth registration") && !m.en.contains("ho-tich"), "{}", m.en);
        assert_eq!(e.code(), "service_closed");
    }

    #[test]
    fn codes_stay_what_clients_read() {
        for e in every_error() {
            let code = e.code();
            assert!(!code.is_empty());
            if e.is_invalid_input() {
                assert!(matches!(code, "invalid" | "too_long"), "{e}");
            }
        }
    }
}
