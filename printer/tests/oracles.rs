//! What the virtual printer prints is checked by programs this project did not write:
//! `zbarimg` must decode QR and CODE128/EAN-13 to the exact input, and tesseract's Vietnamese model
//! must read raster text back.

mod common;

use printer::virtual_printer::Job;
use printer::{encode, Align, Document, ProfileSet, TextMode, TextStyle, TicketSlip};

fn print_job(doc: &Document, profile_id: &str, mode: TextMode, name: &str) -> Job {
    common::print_on_virtual_printer(doc, profile_id, mode, name)
}

#[test]
fn qr_and_barcodes_decode_to_exact_input() {
    let payloads = [
        "https://motcua.example.invalid/q/A025?d=20260310",
        "000.00.01.H29-260310-0420",
        "Phiếu số thứ tự A025 — quầy 3",
    ];
    let barcodes = ["A025-260310", "H29-0420", "abc{12345678}XYZ"];
    // Native QR (Epson) and QR drawn as raster (generic printer).
    for (profile, paper_name) in [("epson-tm-t20", "native"), ("generic-80", "raster"), ("xprinter-xp58", "raster58")] {
        for (i, (qr, code)) in payloads.iter().zip(barcodes).enumerate() {
            let mut doc = Document::new();
            doc.text("QR", TextStyle::center());
            doc.qr(*qr, 4, Align::Center);
            doc.feed(2);
            doc.code128(code, Align::Center);
            doc.feed(2);
            doc.ean13("893504950150", Align::Center);
            doc.cut();
            let job = print_job(&doc, profile, TextMode::Raster, &format!("codes-{paper_name}-{i}"));
            let png = job.png.as_ref().expect("PNG written");
            let mut found = common::zbarimg(png);
            found.sort();
            let mut expected = vec![
                ("QR-Code".to_string(), qr.to_string()),
                ("CODE-128".to_string(), code.to_string()),
                ("EAN-13".to_string(), "8935049501503".to_string()),
            ];
            expected.sort();
            assert_eq!(found, expected, "{profile}: {}", png.display());
        }
    }
}

#[test]
fn longest_dossier_code_fits_80mm_and_is_refused_clearly_at_58mm() {
    let code = "000.00.01.H29-260310-0420";
    let mut doc = Document::new();
    doc.code128(code, Align::Center);
    doc.cut();
    let job = print_job(&doc, "epson-tm-t20", TextMode::Raster, "long-code");
    assert_eq!(common::zbarimg(job.png.as_ref().unwrap()), vec![("CODE-128".to_string(), code.to_string())]);
    let set = ProfileSet::builtin();
    let err = encode(&doc, set.get("xprinter-xp58").unwrap(), TextMode::Raster).unwrap_err();
    assert!(matches!(err, printer::Error::Barcode { .. }), "{err}");
    assert!(err.to_string().contains("384"), "{err}");
}

#[test]
fn ticket_qr_decodes() {
    let slip = TicketSlip::sample();
    for profile in ["epson-tm-t20", "xprinter-xp58"] {
        let p = ProfileSet::builtin().get(profile).unwrap().clone();
        let job = print_job(&slip.to_document(p.paper), profile, TextMode::Raster, &format!("ticket-{profile}"));
        let found = common::zbarimg(job.png.as_ref().unwrap());
        assert_eq!(found, vec![("QR-Code".to_string(), slip.qr.clone().unwrap())]);
    }
}

/// Raster text read back by tesseract 5 with the `vie` model.
///
/// Threshold: for every line, the character error rate (Levenshtein distance / length) against the best
/// matching OCR line is at most 10 %, and over all lines at most 4 %. (Measured here: 0-2 % per line;
/// tesseract sometimes confuses â/ă/ầ/ẫ on 24-dot text, which a person reads correctly.)
#[test]
fn raster_text_reads_back_with_tesseract_vie() {
    let lines = [
        "Phiếu số thứ tự — kiểm tra máy in",
        "Xin mời công dân có số thứ tự A025 đến quầy số 3",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
        "Lĩnh vực: Hộ tịch - Đăng ký khai sinh",
        "Vui lòng giữ phiếu và chờ gọi số. Xin cảm ơn!",
        "Số người chờ trước bạn: 7",
        "Người cao tuổi, phụ nữ mang thai",
    ];
    let mut doc = Document::new();
    for l in lines {
        doc.text(l, TextStyle::default());
    }
    doc.cut();
    let job = print_job(&doc, "epson-tm-t20", TextMode::Raster, "ocr");
    assert_eq!(job.info.raster_images, lines.len(), "each line sent as one raster image");
    let text = common::tesseract_vie(job.png.as_ref().unwrap());
    let ocr: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let (mut errors, mut total) = (0, 0);
    for line in lines {
        let best = ocr.iter().map(|o| strsim::levenshtein(line, o)).min().unwrap_or(line.chars().count());
        let len = line.chars().count();
        let cer = best as f64 / len as f64;
        assert!(cer <= 0.10, "line {line:?}: CER {cer:.3} > 0.10; OCR gave:\n{text}");
        errors += best;
        total += len;
    }
    let cer = errors as f64 / total as f64;
    eprintln!("tesseract vie: overall CER {cer:.4} ({errors}/{total})");
    assert!(cer <= 0.04, "overall CER {cer:.3} > 0.04; OCR gave:\n{text}");
}
