//! The receipt and appointment (Giấy tiếp nhận hồ sơ và hẹn trả kết quả): its words read back from the
//! bytes against a golden file, and what the virtual printer prints checked by programs this project
//! did not write — zbarimg decodes the QR (lookup URL with the token) and the CODE128 (the code)
//! exactly, tesseract's Vietnamese model reads the key lines.
//!
//! Regenerate the golden file with `UPDATE_GOLDEN=1 cargo test -p printer --test receipt`.

mod common;

use std::path::Path;

use printer::virtual_printer::parser::parse_all;
use printer::virtual_printer::render::render_ops;
use printer::virtual_printer::Job;
use printer::{encode, ProfileSet, ReceiptLabels, ReceiptSlip, SlipLang, TextMode};

fn print_job(slip: &ReceiptSlip, profile_id: &str, name: &str) -> Job {
    let paper = ProfileSet::builtin().get(profile_id).unwrap().paper;
    common::print_on_virtual_printer(&slip.to_document(paper), profile_id, TextMode::Raster, name)
}

/// The text lines the virtual printer prints (WPC1258 text on an Epson: every line is text).
fn printed_lines(slip: &ReceiptSlip) -> Vec<String> {
    let set = ProfileSet::builtin();
    let p = set.get("epson-tm-t20").unwrap();
    let e = encode(&slip.to_document(p.paper), p, TextMode::Cp1258).unwrap();
    assert_eq!(e.report.raster_lines, 0);
    assert_eq!(e.report.approximated_chars, 0, "every Vietnamese letter has its WPC1258 form");
    let (_, info) = render_ops(&parse_all(&e.bytes), u32::from(p.width_dots()));
    info.text_lines
}

#[test]
fn receipt_words_match_the_golden_file() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/receipt-vi-epson-tm-t20.txt");
    let got = printed_lines(&ReceiptSlip::sample()).join("\n") + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
    assert_eq!(got, want, "printed lines differ from {}", golden.display());
}

#[test]
fn an_english_receipt_has_english_labels() {
    let slip = ReceiptSlip {
        labels: ReceiptLabels::of(SlipLang::En),
        appointment: printer::ReceiptAppointment { time: Some((15, 30)), ..ReceiptSlip::sample().appointment },
        ..ReceiptSlip::sample()
    };
    let lines = printed_lines(&slip);
    let all = lines.join("\n");
    for want in [
        "DOSSIER RECEIPT AND APPOINTMENT",
        "Result due: 15:30 afternoon 08/12/2026",
        "Received on: 03/12/2026 10:05",
        "Counter 1",
    ] {
        assert!(lines.iter().any(|l| l == want), "{want:?} missing:\n{all}");
    }
    assert!(!all.contains("Hẹn trả") && !all.contains("Quầy"), "{all}");
}

#[test]
fn qr_and_code128_decode_exactly_and_tesseract_reads_the_vietnamese() {
    let slip = ReceiptSlip::sample();
    let job = print_job(&slip, "epson-tm-t20", "receipt-80");
    let png = job.png.as_ref().expect("PNG written");
    let mut found = common::zbarimg(png);
    found.sort();
    let mut want = vec![("QR-Code".to_string(), slip.qr.clone()), ("CODE-128".to_string(), slip.code.clone())];
    want.sort();
    assert_eq!(found, want, "{}", png.display());

    let text = common::tesseract_vie(png);
    let ocr: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    for line in [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Hẹn trả kết quả: 08/12/2026",
        "Người nộp hồ sơ: Nguyễn Thị Ánh Tuyết",
        "Cán bộ tiếp nhận: Trần Văn Bình",
    ] {
        let best = ocr.iter().map(|o| strsim::levenshtein(line, o)).min().unwrap_or(line.chars().count());
        let cer = best as f64 / line.chars().count() as f64;
        assert!(cer <= 0.10, "line {line:?}: CER {cer:.3} > 0.10; OCR gave:\n{text}");
    }
}

#[test]
fn at_58mm_the_qr_still_decodes() {
    let slip = ReceiptSlip::sample();
    let job = print_job(&slip, "xprinter-xp58", "receipt-58");
    let found = common::zbarimg(job.png.as_ref().unwrap());
    assert_eq!(found, vec![("QR-Code".to_string(), slip.qr.clone())], "the long code's CODE128 is left out");
}
