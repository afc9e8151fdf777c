//! `kioskctl scan` output format, on corpus files, a synthetic multi-line payload, a file
//! that is not an image and a missing file. The corpus files are the committed subset
//! (`scanner::corpus::subset_root`, scanner/testdata/zxing-blackbox).

use std::path::PathBuf;
use std::process::ExitCode;

use scanner::cli::{scan_files, FormatArg, ScanArgs};
use scanner::GrayFrame;

fn run(files: Vec<PathBuf>, formats: Vec<FormatArg>) -> (String, String, ExitCode) {
    let args = ScanArgs { files, formats, all: false, dossier: false };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = scan_files(&args, &mut out, &mut err).unwrap();
    (String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap(), code)
}

#[test]
fn lines_per_file() {
    let root = scanner::corpus::subset_root();
    let dir = std::env::temp_dir().join(format!("scanner-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.png");
    std::fs::write(&junk, b"\x89PNG\r\n\x1a\nthis is not a png").unwrap();
    let blank = dir.join("blank.png");
    GrayFrame::filled(64, 48, 255).save_png(&blank).unwrap();
    let files = vec![
        root.join("qrcode-1/1.png"),
        root.join("ean13-3/01.png"),
        blank.clone(),
        junk.clone(),
        dir.join("missing.png"),
    ];
    let (out, err, code) = run(files.clone(), vec![]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    let expected_qr = std::fs::read_to_string(root.join("qrcode-1/1.txt")).unwrap();
    assert_eq!(lines[0], format!("{}\tQR_CODE\t{}", files[0].display(), expected_qr.replace('\n', "\\n")));
    let expected_ean = std::fs::read_to_string(root.join("ean13-3/01.txt")).unwrap();
    assert_eq!(lines[1], format!("{}\tEAN_13\t{expected_ean}", files[1].display()));
    assert_eq!(lines[2], format!("{}\t-\t", blank.display()));
    assert_eq!(lines[3], format!("{}\t-\t", junk.display()));
    assert_eq!(lines[4], format!("{}\t-\t", files[4].display()));
    assert!(err.contains("junk.png") && err.contains("missing.png"), "{err}");
    assert_eq!(code, ExitCode::from(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn format_filter_and_newline_escaping() {
    let root = scanner::corpus::subset_root();
    // qrcode-2/1 has a multi-line payload
    let f = root.join("qrcode-2/1.png");
    let expected = std::fs::read_to_string(root.join("qrcode-2/1.txt")).unwrap();
    let (out, _, code) = run(vec![f.clone()], vec![FormatArg::Qr]);
    assert_eq!(code, ExitCode::SUCCESS);
    let escaped = expected.replace('\n', "\\n").replace('\r', "\\r").replace('\t', "\\t");
    assert_eq!(out, format!("{}\tQR_CODE\t{escaped}\n", f.display()));
    let (out, _, _) = run(vec![f.clone()], vec![FormatArg::Ean13]);
    assert_eq!(out, format!("{}\t-\t\n", f.display()));
}
