//! Property tests: the virtual printer's parser and renderer never panic on arbitrary bytes, and the
//! encoders round-trip.

use printer::barcode;
use printer::encode::wrap_columns;
use printer::encoding;
use printer::virtual_printer::parser::{parse_all, Op, Parser};
use printer::virtual_printer::render::render_ops;
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

const VIETNAMESE: &str = "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđAÀẢÃÁẠĂẰẲẴẮẶÂẦẨẪẤẬEÈẺẼÉẸÊỀỂỄẾỆIÌỈĨÍỊOÒỎÕÓỌÔỒỔỖỐỘƠỜỞỠỚỢUÙỦŨÚỤƯỪỬỮỨỰYỲỶỸÝỴĐ bcdghklmnpqrstvx0123456789.,:-!";

fn vietnamese_text() -> impl Strategy<Value = String> {
    let chars: Vec<char> = VIETNAMESE.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 0..60).prop_map(|v| v.into_iter().collect())
}

/// Bytes biased towards ESC/POS command starts so that commands, not just text, get exercised.
fn escpos_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => any::<u8>(),
        1 => Just(0x1B),
        1 => Just(0x1D),
        1 => Just(0x10),
        1 => Just(0x1C),
        1 => proptest::sample::select(vec![b'v', b'k', b'(', b'!', b'a', b't', b'V', b'0', 0x04, 73, 2]),
    ];
    proptest::collection::vec(byte, 0..2048)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parser_and_renderer_never_panic(bytes in escpos_bytes(), split in 0usize..2048) {
        let ops = parse_all(&bytes);
        // Feeding in two chunks gives the same commands as feeding at once.
        let mut p = Parser::new();
        let cut = split.min(bytes.len());
        p.push(&bytes[..cut]);
        let mut chunked = Vec::new();
        while let Some(op) = p.next_op() {
            chunked.push(op);
        }
        p.push(&bytes[cut..]);
        while let Some(op) = p.next_op() {
            chunked.push(op);
        }
        chunked.extend(p.finish());
        // Text runs may be split differently; compare with text merged.
        prop_assert_eq!(merge_text(ops.clone()), merge_text(chunked));
        let (bmp, _info) = render_ops(&ops, 576);
        prop_assert!(bmp.width() == 576 + 32);
    }

    #[test]
    fn code128_round_trips(text in "[\\x00-\\x7f]{1,60}") {
        let data = barcode::code128_escpos_data(&text).unwrap();
        let symbol = barcode::code128_from_escpos(&data).unwrap();
        prop_assert_eq!(&symbol.text, &text);
        // Start, data, checksum; modules always 11 per symbol plus the 13-module stop.
        let modules = barcode::code128_modules(&symbol);
        prop_assert_eq!(modules.len(), symbol.values.len() * 11 + 13);
    }

    #[test]
    fn cp1258_round_trips(text in vietnamese_text()) {
        let mut out = Vec::new();
        prop_assert_eq!(encoding::encode_cp1258(&text, &mut out), 0);
        prop_assert_eq!(encoding::decode_cp1258(&out), text.nfc().collect::<String>());
    }

    #[test]
    fn tcvn3_round_trips(text in vietnamese_text()) {
        let mut runs = Vec::new();
        prop_assert_eq!(encoding::encode_tcvn3(&text, &mut runs), 0);
        let decoded: String = runs
            .iter()
            .flat_map(|r| r.bytes.iter().map(move |b| encoding::decode_tcvn3_byte(r.table, *b).unwrap()))
            .collect();
        prop_assert_eq!(decoded, text.nfc().collect::<String>());
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_word(text in vietnamese_text(), columns in 4usize..48) {
        let lines = wrap_columns(&text, columns);
        for l in &lines {
            prop_assert!(l.chars().count() <= columns, "{:?} > {}", l, columns);
        }
        let words: String = text.nfc().collect::<String>().split_whitespace().collect();
        let rewrapped: String = lines.concat().split_whitespace().collect();
        prop_assert_eq!(words, rewrapped);
    }
}

fn merge_text(ops: Vec<Op>) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::new();
    for op in ops {
        match (out.last_mut(), op) {
            (Some(Op::Text(a)), Op::Text(b)) => a.extend(b),
            (_, op) => out.push(op),
        }
    }
    out
}
