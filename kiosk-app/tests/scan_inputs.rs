//! The device's scanning inputs as its configuration names them: a serial scanner on a real
//! pseudo-terminal and a camera replaying image files, each delivering a dossier code to the screen.

mod common;

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use kiosk_app::config::Config;
use kiosk_app::scan::ScanInputs;
use scanner::ScanResult;

fn config(dir: &Path, extra: &str) -> Config {
    let path = dir.join("kiosk.toml");
    std::fs::write(
        &path,
        format!("role = \"ticket-kiosk\"\ndata_dir = \"state\"\n[server]\nurl = \"http://127.0.0.1:9\"\n{extra}"),
    )
    .unwrap();
    Config::load(&path).unwrap()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kiosk-scan-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wait_scan(inputs: &mut ScanInputs, timeout: Duration) -> Option<ScanResult> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Some(scan) = inputs.next_scan() {
            return Some(scan);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

#[test]
fn serial_scanner_from_the_config() {
    let dir = temp_dir("serial");
    let pty = nix::pty::openpty(None, None).expect("openpty");
    let path = nix::unistd::ttyname(&pty.slave).expect("ttyname").display().to_string();
    let mut master = std::fs::File::from(pty.master);
    let config = config(&dir, &format!("[scanner]\nsource = \"serial:{path}:9600\"\n"));
    let mut inputs = ScanInputs::from_config(&config).unwrap();
    // The listener opens the port on its own thread; give it a moment, then scan a receipt URL.
    std::thread::sleep(Duration::from_millis(300));
    master.write_all(b"https://dichvucong.example/tra-cuu?ma=000.00.01.H29-260310-0420\r\n").unwrap();
    let scan = wait_scan(&mut inputs, Duration::from_secs(5)).expect("the scan arrives");
    assert_eq!(scan.code().map(|c| c.as_str()), Some("000.00.01.H29-260310-0420"));
    let health = inputs.health(domain::i18n::Lang::Vi).join("\n");
    assert!(health.contains(&path) && health.contains("đã kết nối"), "{health}");
    // The same code again at once is one scan (the repeat window), a different one is not.
    master.write_all(b"000.00.01.H29-260310-0420\r\nG01.234-260101-0007\r\n").unwrap();
    let next = wait_scan(&mut inputs, Duration::from_secs(5)).expect("the second code arrives");
    assert_eq!(next.raw(), "G01.234-260101-0007");
    assert!(wait_scan(&mut inputs, Duration::from_millis(300)).is_none());
}

#[test]
fn camera_folder_from_the_config() {
    let dir = temp_dir("camera");
    let frames = dir.join("frames");
    std::fs::create_dir_all(&frames).unwrap();
    // A receipt QR as a camera frame, after an empty frame.
    let receipt = common::qr_frame("000.00.01.H29-260310-0420", 5);
    let size = receipt.width();
    scanner::GrayFrame::filled(size, size, 200).save_png(&frames.join("0-empty.png")).unwrap();
    receipt.save_png(&frames.join("1-receipt.png")).unwrap();
    let config = config(&dir, &format!("[camera]\ndevice = {:?}\n", frames.display().to_string()));
    let mut inputs = ScanInputs::from_config(&config).unwrap();
    let scan = wait_scan(&mut inputs, Duration::from_secs(10)).expect("the camera's code arrives");
    assert_eq!(scan.code().map(|c| c.as_str()), Some("000.00.01.H29-260310-0420"));
    let camera = inputs.camera.as_ref().unwrap();
    assert!(camera.newer_than(0).is_some(), "frames for the preview");
    assert!(
        inputs.health(domain::i18n::Lang::Vi).join("\n").contains("Camera:"),
        "{:?}",
        inputs.health(domain::i18n::Lang::Vi)
    );
}

#[test]
fn a_camera_that_is_not_there_is_a_clear_error() {
    let dir = temp_dir("nocamera");
    let config = config(&dir, "[camera]\ndevice = \"/dev/video77\"\n");
    let err = ScanInputs::from_config(&config).err().expect("no such camera");
    assert!(err.starts_with("camera:"), "{err}");
}
