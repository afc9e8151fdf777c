//! The queue ticket (phiếu số thứ tự) and the technician test page, laid out as [`Document`]s.
//!
//! [`TicketSlip`] holds plain fields only, so the domain crate can fill it from its own ticket and office
//! settings without this crate knowing the domain types, and so it can travel as JSON.

use serde::{Deserialize, Serialize};

use crate::doc::{Align, Block, Document, QrEc, TextStyle};
use crate::profile::Paper;
use crate::raster::Bitmap;

/// Morning or afternoon session of the office day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Session {
    /// Sáng (morning).
    Sang,
    /// Chiều (afternoon).
    Chieu,
}

impl Session {
    /// Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Session::Sang => "Sáng",
            Session::Chieu => "Chiều",
        }
    }
    /// The session of a local hour: before 12:00 is morning.
    pub fn of_hour(hour: u8) -> Session {
        if hour < 12 {
            Session::Sang
        } else {
            Session::Chieu
        }
    }
}

/// A local (Asia/Ho_Chi_Minh) date and time, already converted by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalDateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
}

impl LocalDateTime {
    /// `HH:mm dd/MM/yyyy`.
    pub fn format(&self) -> String {
        format!("{:02}:{:02} {:02}/{:02}/{:04}", self.hour, self.minute, self.day, self.month, self.year)
    }
}

/// The language of a slip's fixed words. Names (office, service, field, priority group) are the
/// caller's and are printed as given: a Vietnamese proper name may stay on an English slip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlipLang {
    #[default]
    Vi,
    En,
}

impl SlipLang {
    /// One vi/en pair: every fixed word printed on a slip is chosen here.
    fn pick(self, vi: &str, en: &str) -> String {
        match self {
            SlipLang::Vi => vi.into(),
            SlipLang::En => en.into(),
        }
    }

    /// The labels before each field.
    pub fn labels(self) -> SlipLabels {
        let t = |vi, en| self.pick(vi, en);
        SlipLabels {
            field: t("Lĩnh vực", "Field"),
            counter: t("Quầy số {}", "Counter {}"),
            counters: t("Quầy số {}", "Counters {}"),
            people_ahead: t("Số người chờ trước Quý khách", "People waiting ahead of you"),
            wait: t("Thời gian chờ dự kiến", "Estimated wait"),
            wait_minutes: t("khoảng {} phút", "about {} min"),
            issued: t("Giờ lấy số", "Issued at"),
            morning: t("Buổi sáng", "Morning session"),
            afternoon: t("Buổi chiều", "Afternoon session"),
            priority: t("ƯU TIÊN", "PRIORITY"),
        }
    }

    /// The slip's title.
    pub fn title(self) -> String {
        self.pick("PHIẾU SỐ THỨ TỰ", "QUEUE TICKET")
    }

    /// The usual footer line.
    pub fn footer(self) -> String {
        self.pick(
            "Vui lòng giữ phiếu và chờ gọi số. Xin cảm ơn!",
            "Please keep this ticket and wait for your number. Thank you!",
        )
    }

    /// Printed on a ticket issued from an offline reserve (its number is from the reserve range, e.g.
    /// A900…, and not in line with the numbers issued online).
    pub fn offline_note(self) -> String {
        self.pick(
            "Số dự phòng, cấp khi mất kết nối: quý khách được gọi theo thứ tự lấy số.",
            "Reserve number, issued while offline: you are called in the order tickets were taken.",
        )
    }
}

/// Labels printed before each field, in one language ([`SlipLang::labels`]); Vietnamese by default.
/// A label holding `{}` has the value put there, any other is printed as `label: value`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlipLabels {
    pub field: String,
    /// One counter: `{}` is its number ("Quầy số {}", "Counter {}").
    pub counter: String,
    /// Several counters: `{}` is the list ("Quầy số {}", "Counters {}").
    pub counters: String,
    pub people_ahead: String,
    pub wait: String,
    /// `{}` is replaced by the minutes.
    pub wait_minutes: String,
    pub issued: String,
    /// The session of the issue time, printed in full ("Buổi sáng", "Morning session").
    pub morning: String,
    pub afternoon: String,
    pub priority: String,
}

impl Default for SlipLabels {
    fn default() -> Self {
        SlipLang::Vi.labels()
    }
}

impl SlipLabels {
    /// The printed name of a session.
    pub fn session(&self, session: Session) -> &str {
        match session {
            Session::Sang => &self.morning,
            Session::Chieu => &self.afternoon,
        }
    }
}

/// `label` with `value` in its `{}`, or `label: value` when it has none.
fn fill(label: &str, value: &str) -> String {
    if label.contains("{}") {
        label.replace("{}", value)
    } else {
        format!("{label}: {value}")
    }
}

fn default_title() -> String {
    SlipLang::Vi.title()
}

/// Everything printed on a queue ticket. Plain data, serde-serialisable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketSlip {
    /// Parent agency, e.g. "UBND PHƯỜNG BẾN THÀNH" (optional first line).
    #[serde(default)]
    pub agency: Option<String>,
    /// Centre name, e.g. "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".
    pub office: String,
    /// "PHIẾU SỐ THỨ TỰ" by default.
    #[serde(default = "default_title")]
    pub title: String,
    /// The ticket number as printed: "A025" or "A-025".
    pub number: String,
    /// Service or procedure name.
    pub service: String,
    /// Field (lĩnh vực) of the service.
    #[serde(default)]
    pub field: Option<String>,
    /// The procedure (thủ tục) the citizen chose at the kiosk, printed under the service.
    #[serde(default)]
    pub procedure: Option<String>,
    /// Counters serving it, e.g. ["1", "3"].
    #[serde(default)]
    pub counters: Vec<String>,
    #[serde(default)]
    pub people_ahead: Option<u32>,
    #[serde(default)]
    pub estimated_wait_minutes: Option<u32>,
    pub issued_at: LocalDateTime,
    /// Defaults to the session of `issued_at`'s hour.
    #[serde(default)]
    pub session: Option<Session>,
    /// Priority group, e.g. "Người cao tuổi"; printed as a mark when present.
    #[serde(default)]
    pub priority: Option<String>,
    /// QR payload (queue-follow URL or dossier code).
    #[serde(default)]
    pub qr: Option<String>,
    /// Footer lines, e.g. "Vui lòng giữ phiếu và chờ gọi số. Xin cảm ơn!".
    #[serde(default)]
    pub footer: Vec<String>,
    /// Optional 1-bit logo printed at the top.
    #[serde(default)]
    pub logo: Option<Bitmap>,
    #[serde(default)]
    pub labels: SlipLabels,
}

impl TicketSlip {
    /// A realistic sample ticket (used by previews, tests and the benchmark).
    pub fn sample() -> TicketSlip {
        TicketSlip {
            agency: Some("UBND PHƯỜNG BẾN THÀNH".into()),
            office: "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".into(),
            title: default_title(),
            number: "A025".into(),
            service: "Đăng ký khai sinh".into(),
            field: Some("Hộ tịch".into()),
            procedure: None,
            counters: vec!["1".into(), "3".into()],
            people_ahead: Some(7),
            estimated_wait_minutes: Some(21),
            issued_at: LocalDateTime { year: 2026, month: 3, day: 10, hour: 9, minute: 41 },
            session: None,
            priority: Some("Người cao tuổi".into()),
            qr: Some("https://motcua.example.invalid/q/A025?d=20260310".into()),
            footer: vec![SlipLang::Vi.footer()],
            logo: None,
            labels: SlipLabels::default(),
        }
    }

    /// Lays the ticket out for a paper width.
    pub fn to_document(&self, paper: Paper) -> Document {
        let center = TextStyle::center();
        let narrow = paper == Paper::Mm58;
        let mut d = Document::new();
        if let Some(logo) = &self.logo {
            d.push(Block::Image { bitmap: logo.clone(), align: Align::Center });
        }
        if let Some(agency) = &self.agency {
            d.text(agency, center);
        }
        d.text(&self.office, center.bold());
        d.rule();
        d.text(&self.title, center.bold().size(1, 2));
        let big = if narrow { 3 } else { 4 };
        d.text(&self.number, center.bold().size(big, big));
        if let Some(p) = &self.priority {
            d.text(format!("{}: {}", self.labels.priority, p), center.bold());
        }
        d.text(&self.service, center.bold());
        if let Some(p) = &self.procedure {
            d.text(p, center);
        }
        if let Some(f) = &self.field {
            d.text(format!("{}: {}", self.labels.field, f), center);
        }
        d.feed(1);
        if !self.counters.is_empty() {
            let label = if self.counters.len() == 1 { &self.labels.counter } else { &self.labels.counters };
            d.text(fill(label, &self.counters.join(", ")), TextStyle::default());
        }
        if let Some(n) = self.people_ahead {
            d.text(format!("{}: {}", self.labels.people_ahead, n), TextStyle::default());
        }
        if let Some(m) = self.estimated_wait_minutes {
            d.text(
                format!("{}: {}", self.labels.wait, self.labels.wait_minutes.replace("{}", &m.to_string())),
                TextStyle::default(),
            );
        }
        let session = self.session.unwrap_or(Session::of_hour(self.issued_at.hour));
        d.text(
            format!("{}: {} ({})", self.labels.issued, self.issued_at.format(), self.labels.session(session)),
            TextStyle::default(),
        );
        if let Some(q) = &self.qr {
            d.feed(1);
            d.push(Block::Qr {
                data: q.clone(),
                module: if narrow { 4 } else { 5 },
                ec: QrEc::M,
                align: Align::Center,
            });
        }
        d.feed(1);
        for f in &self.footer {
            d.text(f, center);
        }
        d.cut();
        d
    }
}

/// The technician's test page: the Vietnamese lines the issue asks for, a QR and a CODE128.
pub fn test_page(paper: Paper, profile_name: &str, text_mode: &str, qr: &str, barcode: &str) -> Document {
    let center = TextStyle::center();
    let mut d = Document::new();
    d.text("Phiếu số thứ tự — kiểm tra máy in", center.bold());
    d.text("Xin mời công dân có số thứ tự A025 đến quầy số 3", center);
    d.rule();
    d.text("A025", center.bold().size(4, 4));
    d.text("ĂÂĐÊÔƠƯ ăâđêôơư áàảãạ ấầẩẫậ ắằẳẵặ", TextStyle::default());
    d.text("ếềểễệ íìỉĩị ốồổỗộ ớờởỡợ ứừửữự ýỳỷỹỵ", TextStyle::default());
    d.text(format!("Profile: {profile_name}  Text: {text_mode}"), TextStyle::default());
    d.text(format!("Paper: {} dots", paper.dots()), TextStyle::default());
    d.feed(1);
    if !qr.is_empty() {
        d.qr(qr, if paper == Paper::Mm58 { 4 } else { 6 }, Align::Center);
        d.feed(1);
    }
    if !barcode.is_empty() {
        d.code128(barcode, Align::Center);
        d.feed(1);
    }
    d.cut();
    d
}
