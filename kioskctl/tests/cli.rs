//! `kioskctl printer …` end to end against the in-process virtual printer.

use std::process::Command;
use std::time::Duration;

use printer::virtual_printer::{Config, VirtualPrinter};
use printer::PrinterState;

fn kioskctl(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kioskctl")).args(args).output().expect("run kioskctl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn printer_test_prints_the_required_lines_qr_and_barcode() {
    let vp = VirtualPrinter::start(Config::default()).unwrap();
    let url = vp.url();
    for (i, mode) in ["cp1258", "tcvn3", "raster"].into_iter().enumerate() {
        let (code, out, err) = kioskctl(&[
            "printer",
            "test",
            "--to",
            &url,
            "--profile",
            "epson-tm-t20",
            "--text-mode",
            mode,
            "--qr",
            "000.00.01.H29-260310-0420",
            "--barcode",
            "H29-0420",
        ]);
        assert_eq!(code, 0, "{mode}: {out}{err}");
        assert!(out.contains("text mode"), "{out}");
        let jobs = vp.wait_jobs(i + 1, Duration::from_secs(5));
        let job = &jobs[i];
        assert_eq!(job.info.qr_payloads, vec![b"000.00.01.H29-260310-0420".to_vec()], "{mode}");
        assert_eq!(job.info.barcodes, vec![("CODE128".to_string(), "H29-0420".to_string())], "{mode}");
        let lines = &job.info.text_lines;
        match mode {
            "cp1258" => {
                assert!(lines.contains(&"Phiếu số thứ tự — kiểm tra máy in".to_string()), "{lines:?}");
                assert!(lines.contains(&"Xin mời công dân có số thứ tự A025 đến quầy số 3".to_string()), "{lines:?}");
            }
            "tcvn3" => {
                // TCVN-3 has no em dash: it prints as '-'.
                assert!(lines.contains(&"Phiếu số thứ tự - kiểm tra máy in".to_string()), "{lines:?}");
                assert!(lines.contains(&"Xin mời công dân có số thứ tự A025 đến quầy số 3".to_string()), "{lines:?}");
            }
            _ => assert!(job.info.raster_images >= 4, "Vietnamese lines as raster"),
        }
    }
}

#[test]
fn printer_status_reports_the_typed_state() {
    let vp = VirtualPrinter::start(Config::default()).unwrap();
    let url = vp.url();
    let (code, out, _) = kioskctl(&["printer", "status", "--to", &url]);
    assert_eq!(code, 0);
    assert!(out.contains("state: ready"), "{out}");
    vp.set_state(PrinterState::PaperOut);
    let (code, out, _) = kioskctl(&["printer", "status", "--to", &url]);
    assert_eq!(code, 2);
    assert!(out.contains("state: paper_out") && out.contains("hết giấy"), "{out}");
    vp.set_state(PrinterState::Unknown);
    let (code, out, _) = kioskctl(&["printer", "status", "--to", &url, "--timeout", "0.3"]);
    assert_eq!(code, 3);
    assert!(out.contains("state: unknown"), "{out}");
    let addr = vp.addr();
    vp.stop();
    let (code, out, _) = kioskctl(&["printer", "status", "--to", &format!("tcp://{addr}"), "--timeout", "0.3"]);
    assert_eq!(code, 3);
    assert!(out.contains("state: unknown") && out.contains("reason: cannot reach printer"), "{out}");
}

#[test]
fn file_output_render_and_profiles() {
    let dir = std::env::temp_dir().join(format!("kioskctl-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("ticket.bin");
    let png = dir.join("ticket.png");
    let (code, out, err) =
        kioskctl(&["printer", "ticket", "--to", &format!("file:{}", bin.display()), "--profile", "xprinter-xp58"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(std::fs::metadata(&bin).unwrap().len() > 500);
    let (code, out, err) = kioskctl(&[
        "printer",
        "render",
        "--input",
        bin.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
        "--width",
        "384",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let (code, out, _) = kioskctl(&["printer", "profiles"]);
    assert_eq!(code, 0);
    for id in
        ["epson-tm-t20", "epson-tm-t82", "epson-tm-t88", "xprinter-xp58", "xprinter-xp80", "generic-58", "generic-80"]
    {
        assert!(out.contains(id), "{out}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_gives_a_clear_error() {
    let (code, _, err) = kioskctl(&["printer", "test", "--to", "lp0"]);
    assert_eq!(code, 1);
    assert!(err.contains("invalid printer address") && err.contains("tcp://HOST:PORT"), "{err}");
    let (code, _, err) = kioskctl(&["printer", "test", "--to", "file:/tmp/x.bin", "--profile", "nope"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown printer profile"), "{err}");
    let (code, _, err) =
        kioskctl(&["printer", "test", "--to", "file:/tmp/x.bin", "--profile", "generic-58", "--text-mode", "tcvn3"]);
    assert_eq!(code, 1);
    assert!(err.contains("no code page"), "{err}");
}
