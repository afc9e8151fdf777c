//! `kioskctl scan`, `kioskctl scanner listen` and `kioskctl camera` end to end (the scanner
//! crate's subcommands; see scanner/src/cli.rs).

use std::io::Write;
use std::process::Command;

fn kioskctl(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kioskctl")).args(args).output().expect("run kioskctl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A zxing black-box image committed in the repository (scanner/testdata/zxing-blackbox).
fn corpus(rel: &str) -> String {
    scanner::corpus::subset_file(rel).display().to_string()
}

#[test]
fn scan_prints_one_line_per_symbol_and_never_crashes() {
    let dir = std::env::temp_dir().join(format!("kioskctl-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.jpg");
    std::fs::File::create(&junk).unwrap().write_all(&[0xff, 0xd8, 0xff, 0x00, 0x13]).unwrap();
    let qr = corpus("qrcode-5/01.png");
    let itf = corpus("itf-1/1.png");
    let junk_s = junk.display().to_string();
    let (code, out, err) = kioskctl(&["scan", &qr, &itf, &junk_s]);
    assert_eq!(code, 2, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let want_qr = std::fs::read_to_string(corpus("qrcode-5/01.txt")).unwrap().replace('\n', "\\n");
    assert_eq!(lines[0], format!("{qr}\tQR_CODE\t{want_qr}"));
    let want_itf = std::fs::read_to_string(corpus("itf-1/1.txt")).unwrap();
    assert_eq!(lines[1], format!("{itf}\tITF\t{want_itf}"));
    assert_eq!(lines[2], format!("{junk_s}\t-\t"));
    assert!(err.contains("junk.jpg"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn scanner_listen_reports_a_missing_port() {
    let (code, _, err) = kioskctl(&["scanner", "listen", "--serial", "/dev/no-such-scanner", "--baud", "115200"]);
    assert_eq!(code, 1);
    assert!(err.contains("/dev/no-such-scanner"), "{err}");
}

#[test]
fn camera_commands_fail_cleanly_without_a_camera() {
    // Without the `camera` feature, or on a machine without /dev/video*, both report an
    // error instead of crashing.
    let (code, out, err) = kioskctl(&["camera", "list"]);
    assert!(code == 0 || code == 1, "{out}{err}");
    let png = std::env::temp_dir().join(format!("kioskctl-snap-{}.png", std::process::id()));
    let (code, out, err) = kioskctl(&["camera", "snapshot", "--out", &png.display().to_string()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.starts_with("error: "), "{err}");
}
