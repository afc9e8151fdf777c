//! Properties of scan → dossier code interpretation.

use proptest::prelude::*;
use scanner::payload::{interpret, ScanResult};

fn code() -> impl Strategy<Value = String> {
    (
        0u32..1000,
        0u32..100,
        0u32..100,
        prop::char::range('A', 'Z'),
        0u32..100,
        0u32..100,
        1u32..13,
        1u32..29,
        1u32..10000,
    )
        .prop_map(|(a, b, c, l, p, yy, mm, dd, n)| {
            format!("{a:03}.{b:02}.{c:02}.{l}{p:02}-{yy:02}{mm:02}{dd:02}-{n:04}")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_and_keeps_what_was_read(s in ".{0,300}") {
        let r = interpret(&s);
        prop_assert_eq!(r.raw(), s.as_str());
    }

    #[test]
    fn arbitrary_bytes_as_latin1_never_panic(b in prop::collection::vec(any::<u8>(), 0..200)) {
        let (text, _) = scanner::text::bytes_to_text(&b);
        let _ = interpret(&text);
    }

    #[test]
    fn code_in_any_wrapper_is_found(c in code(), wrap in 0usize..7) {
        let raw = match wrap {
            0 => c.clone(),
            1 => format!("{}\r\n", c.to_lowercase()),
            2 => format!("https://dvc.example.vn/tra-cuu-ho-so?maHoSo={c}&lang=vi"),
            3 => format!("https://dvc.example.vn/ho-so/{c}"),
            4 => format!("{{\"MaHoSo\":\"{c}\",\"TrangThai\":4}}"),
            5 => format!("PHIẾU HẸN\nMã hồ sơ: {c}\nNgày hẹn: 20/03/2026"),
            _ => c.chars().flat_map(|ch| [ch, ' ']).collect(),
        };
        match interpret(&raw) {
            ScanResult::Dossier { code, .. } => prop_assert_eq!(code.as_str(), c.as_str()),
            other => prop_assert!(false, "{raw:?} gave {other:?}"),
        }
    }
}
