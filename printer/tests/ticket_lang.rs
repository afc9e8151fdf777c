//! The words printed on a ticket, read back from the bytes: an English ticket carries English labels
//! only (Vietnamese names may stay), a Vietnamese ticket uses one term per thing.

use printer::virtual_printer::{parser::parse_all, render::render_ops};
use printer::{encode, LocalDateTime, ProfileSet, SlipLang, TextMode, TicketSlip};

const OFFICE: &str = "UBND Phường Bến Thành – Bộ phận Một cửa";
const AGENCY: &str = "UBND QUẬN 1";
/// A service with no English name keeps its Vietnamese one.
const SERVICE: &str = "Đăng ký khai sinh";
const FIELD: &str = "Hộ tịch";

fn slip(lang: SlipLang, hour: u8, counters: &[&str]) -> TicketSlip {
    TicketSlip {
        agency: Some(AGENCY.into()),
        office: OFFICE.into(),
        title: lang.title(),
        number: "A025".into(),
        service: SERVICE.into(),
        field: Some(FIELD.into()),
        procedure: None,
        counters: counters.iter().map(|c| c.to_string()).collect(),
        people_ahead: Some(7),
        estimated_wait_minutes: Some(21),
        issued_at: LocalDateTime { year: 2026, month: 3, day: 10, hour, minute: 41 },
        session: None,
        priority: Some(if lang == SlipLang::En { "Elderly person" } else { "Người cao tuổi" }.into()),
        qr: Some("MOTCUA:T:2026-03-10:A025:x".into()),
        footer: vec![lang.footer()],
        logo: None,
        labels: lang.labels(),
    }
}

/// The text lines the virtual printer prints for `slip` (WPC1258 text on an Epson: every line is text).
fn printed_lines(slip: &TicketSlip) -> Vec<String> {
    let set = ProfileSet::builtin();
    let p = set.get("epson-tm-t20").unwrap();
    let e = encode(&slip.to_document(p.paper), p, TextMode::Cp1258).unwrap();
    assert_eq!(e.report.raster_lines, 0);
    let (_, info) = render_ops(&parse_all(&e.bytes), u32::from(p.width_dots()));
    info.text_lines
}

/// Vietnamese label words; none may be printed on an English ticket outside the proper names.
const VIETNAMESE_WORDS: &[&str] = &[
    "sáng",
    "chiều",
    "buổi",
    "quầy",
    "số thứ tự",
    "phiên",
    "lĩnh vực",
    "ưu tiên",
    "giờ",
    "phút",
    "khoảng",
    "quý khách",
    "vui lòng",
    "cảm ơn",
    "phiếu",
    "sang",
    "chieu",
    "buoi",
    "quay",
    "phien",
    "phut",
    "khoang",
];

#[test]
fn an_english_ticket_has_no_vietnamese_labels() {
    for (hour, counters) in [(9, &["1", "3"][..]), (14, &["2"][..])] {
        let lines = printed_lines(&slip(SlipLang::En, hour, counters));
        let all = lines.join("\n");
        for line in &lines {
            let mut rest = line.clone();
            for name in [OFFICE, AGENCY, SERVICE, FIELD] {
                rest = rest.replace(name, "");
            }
            assert!(rest.is_ascii(), "Vietnamese outside the proper names in {line:?}:\n{all}");
            let lower = rest.to_lowercase();
            for word in lower.split(|c: char| !c.is_alphanumeric()) {
                assert!(!VIETNAMESE_WORDS.contains(&word), "Vietnamese word {word:?} in {line:?}:\n{all}");
            }
            for word in VIETNAMESE_WORDS.iter().filter(|w| w.contains(' ')) {
                assert!(!lower.contains(word), "Vietnamese {word:?} in {line:?}:\n{all}");
            }
        }
        let session = if hour < 12 { "(Morning session)" } else { "(Afternoon session)" };
        let counters_line = if counters.len() == 1 { "Counter 2" } else { "Counters 1, 3" };
        for want in [
            "QUEUE TICKET",
            counters_line,
            "People waiting ahead of you: 7",
            "Estimated wait: about 21 min",
            "PRIORITY: Elderly person",
            "Field: Hộ tịch",
            OFFICE,
            AGENCY,
        ] {
            assert!(lines.iter().any(|l| l.contains(want)), "{want:?} missing:\n{all}");
        }
        assert!(lines.iter().any(|l| l.starts_with("Issued at: ") && l.ends_with(session)), "{session}:\n{all}");
    }
}

#[test]
fn a_vietnamese_ticket_uses_one_term_per_thing() {
    let lines = printed_lines(&slip(SlipLang::Vi, 14, &["1", "3"]));
    let all = lines.join("\n");
    for want in [
        AGENCY,
        OFFICE,
        "PHIẾU SỐ THỨ TỰ",
        "ƯU TIÊN: Người cao tuổi",
        "Lĩnh vực: Hộ tịch",
        "Quầy số 1, 3",
        "Số người chờ trước Quý khách: 7",
        "Thời gian chờ dự kiến: khoảng 21 phút",
        "Giờ lấy số: 14:41 10/03/2026 (Buổi chiều)",
        "Vui lòng giữ phiếu và chờ gọi số. Xin cảm ơn!",
    ] {
        assert!(lines.iter().any(|l| l == want), "{want:?} missing:\n{all}");
    }
    assert!(!all.contains(" bạn"), "the citizen is «Quý khách»:\n{all}");
    let one = printed_lines(&slip(SlipLang::Vi, 9, &["2"]));
    assert!(one.iter().any(|l| l == "Quầy số 2"), "{one:?}");
    assert!(one.iter().any(|l| l.ends_with("(Buổi sáng)")), "{one:?}");
}

/// Every label exists in both languages: the English one is English (ASCII), the Vietnamese one differs.
#[test]
fn every_label_is_a_vi_en_pair() {
    let vi = serde_json::to_value(SlipLang::Vi.labels()).unwrap();
    let en = serde_json::to_value(SlipLang::En.labels()).unwrap();
    let (vi, en) = (vi.as_object().unwrap(), en.as_object().unwrap());
    assert_eq!(vi.keys().collect::<Vec<_>>(), en.keys().collect::<Vec<_>>());
    for (key, e) in en {
        let e = e.as_str().unwrap();
        assert!(!e.is_empty() && e.is_ascii(), "{key}: {e:?}");
        assert_ne!(vi[key].as_str().unwrap(), e, "{key} is not translated");
    }
    for (vi, en) in [(SlipLang::Vi.title(), SlipLang::En.title()), (SlipLang::Vi.footer(), SlipLang::En.footer())] {
        assert!(en.is_ascii() && vi != en, "{vi:?} / {en:?}");
    }
    // Labels written before SlipLang (no `{}`) still print their value after a colon.
    let mut old = slip(SlipLang::Vi, 9, &["1", "3"]);
    old.labels.counters = "Quầy phục vụ".into();
    assert!(printed_lines(&old).iter().any(|l| l == "Quầy phục vụ: 1, 3"));
}

/// The procedure chosen at the kiosk is printed, whole, on its own line under the service.
#[test]
fn the_chosen_procedure_is_printed_under_the_service() {
    let mut with = slip(SlipLang::Vi, 9, &["1"]);
    with.service = "Hộ tịch".into();
    with.procedure = Some("Cấp bản sao trích lục hộ tịch".into());
    let lines = printed_lines(&with);
    let service = lines.iter().position(|l| l.trim() == "Hộ tịch").expect("the service line");
    assert_eq!(lines[service + 1].trim(), "Cấp bản sao trích lục hộ tịch", "{lines:?}");
    let without = printed_lines(&slip(SlipLang::Vi, 9, &["1"]));
    assert_eq!(lines.len(), without.len() + 1, "one line more: {lines:?}");
}
