//! Every code-page text mode round-trips through an independent decoder.
//!
//! - WPC1258: our bytes decoded by Python's `cp1258` codec and NFC-normalised equal the input.
//! - TCVN-3: our bytes looked up in the escpos-printer-db tables shipped in python-escpos 3.1
//!   (`TCVN-3-1` at `ESC t 30`, `TCVN-3-2` at `ESC t 31`) give back the input.

mod common;

use printer::encoding::{self, Tcvn3Run, Tcvn3Table};
use serde_json::json;
use unicode_normalization::UnicodeNormalization;

/// Every Vietnamese letter, both cases, plus realistic ticket and office texts (NFC and NFD inputs).
fn corpus() -> Vec<String> {
    let mut v: Vec<String> = [
        "aàảãáạ ăằẳẵắặ âầẩẫấậ eèẻẽéẹ êềểễếệ iìỉĩíị oòỏõóọ ôồổỗốộ ơờởỡớợ uùủũúụ ưừửữứự yỳỷỹýỵ đ",
        "AÀẢÃÁẠ ĂẰẲẴẮẶ ÂẦẨẪẤẬ EÈẺẼÉẸ ÊỀỂỄẾỆ IÌỈĨÍỊ OÒỎÕÓỌ ÔỒỔỖỐỘ ƠỜỞỠỚỢ UÙỦŨÚỤ ƯỪỬỮỨỰ YỲỶỸÝỴ Đ",
        "PHIẾU SỐ THỨ TỰ",
        "Phiếu số thứ tự — kiểm tra máy in",
        "Xin mời công dân có số thứ tự A025 đến quầy số 3",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
        "UBND PHƯỜNG BẾN THÀNH",
        "Lĩnh vực: Hộ tịch - Đăng ký khai sinh",
        "Người cao tuổi, phụ nữ mang thai, người khuyết tật, người có công với cách mạng",
        "Vui lòng giữ phiếu và chờ gọi số. Xin cảm ơn!",
        "Giờ lấy số: 09:41 10/03/2026 (Buổi sáng)",
        "Lấy",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // The same texts arriving decomposed (NFD), as some keyboards and web forms send them.
    let nfd: Vec<String> = v.iter().map(|s| s.nfd().collect()).collect();
    v.extend(nfd);
    v
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn cp1258_example_from_domain_brief() {
    let mut out = Vec::new();
    assert_eq!(encoding::encode_cp1258("Lấy", &mut out), 0);
    assert_eq!(out, [0x4C, 0xE2, 0xEC, 0x79]);
}

#[test]
fn cp1258_round_trips_through_python_codec() {
    let corpus = corpus();
    let mut cases = Vec::new();
    let mut encoded = Vec::new();
    for s in &corpus {
        let mut out = Vec::new();
        let approx = encoding::encode_cp1258(s, &mut out);
        assert_eq!(approx, 0, "{s:?} needed approximation");
        // Tone marks only ever appear as the five combining bytes, each after a letter.
        for (i, b) in out.iter().enumerate() {
            if [0xCC, 0xEC, 0xD2, 0xDE, 0xF2].contains(b) {
                assert!(i > 0 && out[i - 1].is_ascii_alphabetic() || out[i - 1] >= 0xC0, "{s:?}: mark at {i}");
            }
        }
        cases.push(json!({"kind": "cp1258", "hex": hex(&out)}));
        encoded.push(out);
    }
    let decoded = common::escpos_ref(&json!(cases));
    for ((s, d), bytes) in corpus.iter().zip(&decoded).zip(&encoded) {
        let nfc: String = s.nfc().collect();
        assert_eq!(d.as_str().unwrap(), nfc, "cp1258 bytes {}", hex(bytes));
        // Our own decoder (used by the virtual printer) agrees with Python's.
        assert_eq!(encoding::decode_cp1258(bytes), nfc);
    }
}

#[test]
fn tcvn3_matches_escpos_printer_db_tables() {
    let tables = common::escpos_ref(&json!([
        {"kind": "tcvn3_table", "name": "TCVN-3-1"},
        {"kind": "tcvn3_table", "name": "TCVN-3-2"},
    ]));
    let db = |t: usize| -> Vec<char> { tables[t].as_str().unwrap().chars().collect() };
    let (lower, upper) = (db(0), db(1));
    assert_eq!(lower.len(), 128);
    assert_eq!(upper.len(), 128);
    let lookup = |table: Tcvn3Table, b: u8| -> char {
        if b < 0x80 {
            return b as char;
        }
        let c = match table {
            Tcvn3Table::Lower => lower[usize::from(b - 0x80)],
            Tcvn3Table::Upper => upper[usize::from(b - 0x80)],
        };
        // The db writes Đ as U+00D0 (Ð, Icelandic eth), which looks the same on paper.
        if c == 'Ð' {
            'Đ'
        } else {
            c
        }
    };
    for s in corpus() {
        let mut runs: Vec<Tcvn3Run> = Vec::new();
        let approx = encoding::encode_tcvn3(&s, &mut runs);
        assert_eq!(approx, s.matches('—').count(), "{s:?} needed approximation");
        let decoded: String = runs.iter().flat_map(|r| r.bytes.iter().map(move |b| lookup(r.table, *b))).collect();
        // The em dash has no TCVN-3 byte; it is the one allowed difference (printed as '-').
        let expected: String = s.nfc().collect::<String>().replace('—', "-");
        assert_eq!(decoded, expected, "{s:?}");
    }
    // Our tables are the db's, byte for byte.
    for b in 0xA0..=0xFFu8 {
        for (t, db) in [(Tcvn3Table::Lower, &lower), (Tcvn3Table::Upper, &upper)] {
            let ours = encoding::decode_tcvn3_byte(t, b).unwrap_or(' ');
            let theirs = db[usize::from(b - 0x80)];
            assert_eq!(ours, if theirs == 'Ð' { 'Đ' } else { theirs }, "byte {b:#x}");
        }
    }
}

#[test]
fn unmappable_characters_are_counted_not_dropped() {
    let mut out = Vec::new();
    assert_eq!(encoding::encode_cp1258("a→b", &mut out), 1);
    assert_eq!(out, b"a?b");
    let mut runs = Vec::new();
    assert_eq!(encoding::encode_tcvn3("a—b", &mut runs), 1);
    out.clear();
    assert_eq!(encoding::encode_ascii("Đường Lê Lợi", &mut out), 5);
    assert_eq!(out, b"Duong Le Loi");
}
