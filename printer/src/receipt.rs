//! The «Giấy tiếp nhận hồ sơ và hẹn trả kết quả» (receipt and appointment) a counter hands the citizen
//! who lodged a dossier, laid out as a [`Document`].
//!
//! Like [`crate::slip::TicketSlip`], [`ReceiptSlip`] holds plain fields only (the server fills it from
//! its catalogue, calendar and the link), and its fixed words come in one language ([`SlipLang`]).
//! The QR carries the lookup URL with the dossier code and the rating token, the CODE128 the code
//! alone: both are what a kiosk's scanner reads later.

use serde::{Deserialize, Serialize};

use crate::barcode;
use crate::doc::{Align, Block, Document, QrEc, TextStyle};
use crate::profile::Paper;
use crate::slip::{LocalDateTime, Session, SlipLang};

/// A calendar day (office-local).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl LocalDate {
    /// `dd/MM/yyyy`.
    pub fn format(&self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }
}

/// When the result is to be collected: a day, and the hour when the time limit is in working hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptAppointment {
    pub date: LocalDate,
    /// Hour and minute, for a limit in working hours (the session is printed with it).
    #[serde(default)]
    pub time: Option<(u8, u8)>,
}

/// The fixed words of a receipt, in one language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLabels {
    pub title: String,
    pub code: String,
    pub procedure: String,
    pub citizen: String,
    pub received_at: String,
    pub appointment: String,
    pub officer: String,
    /// `{}` is the counter's number or name.
    pub counter: String,
    pub bring_back: String,
    /// Always brought back: this receipt and an identity paper.
    pub bring_receipt: String,
    pub bring_id: String,
    pub morning: String,
    pub afternoon: String,
    pub lookup: String,
}

impl ReceiptLabels {
    pub fn of(lang: SlipLang) -> ReceiptLabels {
        let t = |vi: &str, en: &str| -> String {
            match lang {
                SlipLang::Vi => vi.into(),
                SlipLang::En => en.into(),
            }
        };
        ReceiptLabels {
            title: t("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "DOSSIER RECEIPT AND APPOINTMENT"),
            code: t("Mã hồ sơ", "Dossier code"),
            procedure: t("Thủ tục", "Procedure"),
            citizen: t("Người nộp hồ sơ", "Submitted by"),
            received_at: t("Ngày nhận", "Received on"),
            appointment: t("Hẹn trả kết quả", "Result due"),
            officer: t("Cán bộ tiếp nhận", "Received by"),
            counter: t("Quầy số {}", "Counter {}"),
            bring_back: t("Khi nhận kết quả, mang theo", "When collecting the result, bring"),
            bring_receipt: t("Giấy tiếp nhận này", "This receipt"),
            bring_id: t("Giấy tờ tùy thân (CCCD/hộ chiếu)", "An identity document (ID card/passport)"),
            morning: t("buổi sáng", "morning"),
            afternoon: t("buổi chiều", "afternoon"),
            lookup: t(
                "Tra cứu hồ sơ: quét mã QR tại ki-ốt hoặc bằng điện thoại, hoặc nhập mã hồ sơ.",
                "Track the dossier: scan the QR code at the kiosk or with a phone, or type the dossier code.",
            ),
        }
    }
}

impl Default for ReceiptLabels {
    fn default() -> Self {
        ReceiptLabels::of(SlipLang::Vi)
    }
}

/// Everything printed on a receipt and appointment. Plain data, serde-serialisable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceiptSlip {
    /// Parent agency, e.g. "UBND QUẬN 1" (optional first line).
    #[serde(default)]
    pub agency: Option<String>,
    /// The office (bộ phận một cửa) that received the dossier.
    pub office: String,
    /// The dossier code as text; also the CODE128.
    pub code: String,
    /// The QR's payload: the lookup URL `…?maHoSo=<code>&r=<token>`.
    pub qr: String,
    pub procedure_code: String,
    pub procedure_name: String,
    /// As the officer typed it (printed only, never stored).
    pub citizen: String,
    pub received_at: LocalDateTime,
    pub appointment: ReceiptAppointment,
    /// The officer's full name.
    pub officer: String,
    /// The counter's number.
    pub counter: String,
    /// What to bring back besides this receipt and an ID: the officer's note, fees to pay…
    #[serde(default)]
    pub bring_back: Vec<String>,
    #[serde(default)]
    pub labels: ReceiptLabels,
}

impl ReceiptSlip {
    /// A realistic sample receipt (previews, tests).
    pub fn sample() -> ReceiptSlip {
        ReceiptSlip {
            agency: Some("UBND QUẬN 1".into()),
            office: "UBND Phường Bến Thành – Bộ phận Một cửa".into(),
            code: "000.00.01.H29-261203-0999".into(),
            qr: "https://dichvucong.example.vn/tra-cuu?maHoSo=000.00.01.H29-261203-0999&r=3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6"
                .into(),
            procedure_code: "1.001193".into(),
            procedure_name: "Đăng ký khai sinh".into(),
            citizen: "Nguyễn Thị Ánh Tuyết".into(),
            received_at: LocalDateTime { year: 2026, month: 12, day: 3, hour: 10, minute: 5 },
            appointment: ReceiptAppointment { date: LocalDate { year: 2026, month: 12, day: 8 }, time: None },
            officer: "Trần Văn Bình".into(),
            counter: "1".into(),
            bring_back: vec!["Lệ phí: 8.000 đồng".into()],
            labels: ReceiptLabels::default(),
        }
    }

    /// The appointment as printed: `08/12/2026`, or `15:30 buổi chiều 04/12/2026` for a limit in hours.
    pub fn appointment_text(&self) -> String {
        let date = self.appointment.date.format();
        match self.appointment.time {
            None => date,
            Some((h, m)) => {
                let session = match Session::of_hour(h) {
                    Session::Sang => &self.labels.morning,
                    Session::Chieu => &self.labels.afternoon,
                };
                format!("{h:02}:{m:02} {session} {date}")
            }
        }
    }

    /// `dd/MM/yyyy HH:mm`.
    pub fn received_text(&self) -> String {
        let r = &self.received_at;
        format!("{:02}/{:02}/{:04} {:02}:{:02}", r.day, r.month, r.year, r.hour, r.minute)
    }

    /// Lays the receipt out for a paper width. The CODE128 is left out when it cannot fit the paper at
    /// its narrowest bars (a long dossier code on 58 mm): the QR and the printed code still carry it.
    pub fn to_document(&self, paper: Paper) -> Document {
        let center = TextStyle::center();
        let plain = TextStyle::default();
        let narrow = paper == Paper::Mm58;
        let l = &self.labels;
        let mut d = Document::new();
        if let Some(agency) = &self.agency {
            d.text(agency, center);
        }
        d.text(&self.office, center.bold());
        d.rule();
        d.text(&l.title, center.bold());
        d.feed(1);
        d.text(format!("{}:", l.code), center);
        d.text(&self.code, center.bold());
        d.push(Block::Qr {
            data: self.qr.clone(),
            module: if narrow { 3 } else { 4 },
            ec: QrEc::M,
            align: Align::Center,
        });
        if code128_fits(&self.code, paper) {
            d.feed(1);
            d.push(Block::Barcode {
                kind: crate::BarcodeKind::Code128,
                data: self.code.clone(),
                height: 64,
                module: 2,
                hri: false,
                align: Align::Center,
            });
        }
        d.rule();
        d.text(format!("{}: {} – {}", l.procedure, self.procedure_code, self.procedure_name), plain);
        d.text(format!("{}: {}", l.citizen, self.citizen), plain);
        d.text(format!("{}: {}", l.received_at, self.received_text()), plain);
        d.text(format!("{}: {}", l.appointment, self.appointment_text()), plain.bold());
        d.text(format!("{}: {}", l.officer, self.officer), plain);
        d.text(l.counter.replace("{}", &self.counter), plain);
        d.feed(1);
        d.text(format!("{}:", l.bring_back), plain.bold());
        for item in [&l.bring_receipt, &l.bring_id].into_iter().chain(&self.bring_back) {
            d.text(format!("- {item}"), plain);
        }
        d.rule();
        d.text(&l.lookup, center);
        d.cut();
        d
    }
}

/// Whether a CODE128 of `data` fits the paper with 2-dot bars (what `encode` would accept).
fn code128_fits(data: &str, paper: Paper) -> bool {
    barcode::code128_escpos_data(data)
        .and_then(|d| barcode::code128_from_escpos(&d))
        .map(|symbol| barcode::code128_modules(&symbol).len() * 2 <= usize::from(paper.dots()))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(doc: &Document) -> Vec<String> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_field_is_printed() {
        let slip = ReceiptSlip::sample();
        let doc = slip.to_document(Paper::Mm80);
        let lines = texts(&doc);
        for want in [
            "UBND QUẬN 1",
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "000.00.01.H29-261203-0999",
            "Thủ tục: 1.001193 – Đăng ký khai sinh",
            "Người nộp hồ sơ: Nguyễn Thị Ánh Tuyết",
            "Ngày nhận: 03/12/2026 10:05",
            "Hẹn trả kết quả: 08/12/2026",
            "Cán bộ tiếp nhận: Trần Văn Bình",
            "Quầy số 1",
            "- Giấy tiếp nhận này",
            "- Lệ phí: 8.000 đồng",
        ] {
            assert!(lines.iter().any(|l| l == want), "{want:?} missing: {lines:#?}");
        }
        assert!(doc.blocks.iter().any(|b| matches!(b, Block::Qr { data, .. } if *data == slip.qr)));
        assert!(doc.blocks.iter().any(|b| matches!(b, Block::Barcode { data, .. } if *data == slip.code)));
        assert_eq!(doc.blocks.last(), Some(&Block::Cut));
    }

    #[test]
    fn a_limit_in_hours_prints_the_time_and_session() {
        let mut slip = ReceiptSlip::sample();
        slip.appointment.time = Some((15, 30));
        assert_eq!(slip.appointment_text(), "15:30 buổi chiều 08/12/2026");
        slip.labels = ReceiptLabels::of(SlipLang::En);
        slip.appointment.time = Some((9, 0));
        assert_eq!(slip.appointment_text(), "09:00 morning 08/12/2026");
    }

    #[test]
    fn the_long_code_barcode_is_left_out_at_58mm_only() {
        let slip = ReceiptSlip::sample();
        let has_barcode = |p| slip.to_document(p).blocks.iter().any(|b| matches!(b, Block::Barcode { .. }));
        assert!(has_barcode(Paper::Mm80));
        assert!(!has_barcode(Paper::Mm58));
        // What fits is what the encoder accepts: a short code keeps its barcode at 58 mm.
        assert!(code128_fits("A025-0001", Paper::Mm58));
    }

    #[test]
    fn english_labels_are_english() {
        let en = ReceiptLabels::of(SlipLang::En);
        let vi = ReceiptLabels::of(SlipLang::Vi);
        let (en, vi) = (serde_json::to_value(en).unwrap(), serde_json::to_value(vi).unwrap());
        for (key, e) in en.as_object().unwrap() {
            let e = e.as_str().unwrap();
            assert!(e.is_ascii() && !e.is_empty(), "{key}: {e:?}");
            assert_ne!(vi[key].as_str().unwrap(), e, "{key} is not translated");
        }
    }
}
