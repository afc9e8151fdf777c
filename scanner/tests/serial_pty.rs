//! Serial scanners over pseudo-terminals: the test writes to the master side as a scanner
//! would; the code under test opens the slave path with `serialport`.

use std::io::Write;
use std::os::fd::OwnedFd;
use std::time::Duration;

use scanner::cli::{listen, ListenArgs};
use scanner::serial::{Framing, SerialConfig, SerialScanner};

struct Pty {
    master: std::fs::File,
    _slave: OwnedFd,
    path: String,
}

fn pty() -> Pty {
    let p = nix::pty::openpty(None, None).expect("openpty");
    let path = nix::unistd::ttyname(&p.slave).expect("ttyname").display().to_string();
    Pty { master: std::fs::File::from(p.master), _slave: p.slave, path }
}

#[test]
fn reads_scans_with_default_framing() {
    let mut p = pty();
    let mut s = SerialScanner::open(&SerialConfig::new(p.path.clone())).unwrap();
    p.master.write_all(b"000.00.01.H29-260310-0420\r\nhttps://x.vn/?maHoSo=H56.14-240823-0001\r").unwrap();
    let t = Duration::from_secs(3);
    assert_eq!(s.next_scan(t).unwrap().as_deref(), Some("000.00.01.H29-260310-0420"));
    assert_eq!(s.next_scan(t).unwrap().as_deref(), Some("https://x.vn/?maHoSo=H56.14-240823-0001"));
    assert_eq!(s.next_scan(Duration::from_millis(200)).unwrap(), None);
}

#[test]
fn prefix_suffix_baud_and_idle_flush() {
    let mut p = pty();
    let mut cfg = SerialConfig::new(p.path.clone());
    cfg.baud = 115_200;
    cfg.framing = Framing { prefix: vec![0x02], terminators: vec![b'\t'], ..Framing::default() };
    cfg.idle_flush = Some(Duration::from_millis(150));
    let mut s = SerialScanner::open(&cfg).unwrap();
    // a scan split across two writes, then one with no terminator at all
    p.master.write_all(b"\x02ABC").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    p.master.write_all(b"123\t\x02NOSUFFIX").unwrap();
    let t = Duration::from_secs(3);
    assert_eq!(s.next_scan(t).unwrap().as_deref(), Some("ABC123"));
    assert_eq!(s.next_scan(t).unwrap().as_deref(), Some("NOSUFFIX"));
}

#[test]
fn open_failure_is_a_typed_error() {
    let err = SerialScanner::open(&SerialConfig::new("/dev/does-not-exist-scanner")).unwrap_err();
    assert!(matches!(err, scanner::error::SerialError::Open { .. }), "{err}");
}

#[test]
fn listen_prints_scans_and_dossier_codes() {
    let mut p = pty();
    let path = p.path.clone();
    let args = ListenArgs {
        serial: path,
        baud: 9600,
        suffix: "CR,LF".into(),
        prefix_hex: None,
        dedup_ms: 3000,
        count: Some(3),
        seconds: Some(10),
    };
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        p.master.write_all(b"000.00.01.h29-260310-0420\r\nnot a code\r\n000.00.01.H29-260310-0420\r\n").unwrap();
        std::thread::sleep(Duration::from_millis(800));
        p
    });
    let mut out = Vec::new();
    listen(&args, &mut out).unwrap();
    drop(writer.join().unwrap());
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("SCAN\t000.00.01.h29-260310-0420\t000.00.01.H29-260310-0420\t"));
    assert!(lines[1].starts_with("SCAN\tnot a code\t-\tnot a dossier code"));
    assert!(lines[2].ends_with("(repeat)"), "{}", lines[2]);
}

#[test]
fn reconnecting_scanner_survives_unplug() {
    use scanner::serial::{LinkState, ReconnectingScanner};
    let mut p = pty();
    let path = p.path.clone();
    let mut s = ReconnectingScanner::new(SerialConfig::new(path), Duration::from_millis(100));
    p.master.write_all(b"H56.14-240823-0001\r").unwrap();
    assert_eq!(s.next_scan(Duration::from_secs(3)).unwrap().as_deref(), Some("H56.14-240823-0001"));
    assert_eq!(s.state(), &LinkState::Connected);
    // unplug: the pseudo-terminal disappears, reads fail, the device path is gone
    drop(p);
    let t = std::time::Instant::now();
    while s.state() == &LinkState::Connected && t.elapsed() < Duration::from_secs(5) {
        assert_eq!(s.next_scan(Duration::from_millis(200)).unwrap(), None);
    }
    assert!(matches!(s.state(), LinkState::Disconnected(_)), "{:?}", s.state());
    // retries keep failing quietly (no error, no busy loop)
    let t = std::time::Instant::now();
    assert_eq!(s.next_scan(Duration::from_millis(150)).unwrap(), None);
    assert!(t.elapsed() >= Duration::from_millis(100));
}
