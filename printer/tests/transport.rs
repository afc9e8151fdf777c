//! Transports against the virtual printer (TCP), a pseudo-terminal (serial), files; status mapping;
//! a printer that disappears mid-job.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use printer::slip::test_page;
use printer::status::answers_for;
use printer::transport::Options;
use printer::virtual_printer::{Config, VirtualPrinter};
use printer::{encode, Bitmap, Document, Error, Paper, Printer, PrinterState, ProfileSet, Target, TextMode};

const LINE1: &str = "Phiếu số thứ tự — kiểm tra máy in";
const LINE2: &str = "Xin mời công dân có số thứ tự A025 đến quầy số 3";

fn test_job(mode: TextMode) -> Vec<u8> {
    let set = ProfileSet::builtin();
    let p = set.get("epson-tm-t20").unwrap();
    encode(&test_page(Paper::Mm80, &p.id, mode.name(), "QR-TEXT", "A025-260310"), p, mode).unwrap().bytes
}

fn quick() -> Options {
    Options {
        connect_timeout: Duration::from_millis(500),
        status_timeout: Duration::from_millis(2000),
        retry_delay: Duration::from_millis(50),
        ..Options::default()
    }
}

#[test]
fn tcp_job_arrives_whole_and_prints_vietnamese_in_each_code_page() {
    let vp = VirtualPrinter::start(Config::default()).unwrap();
    let mut p = Printer::new(vp.url().parse().unwrap(), quick());
    for (i, mode) in [TextMode::Cp1258, TextMode::Tcvn3].into_iter().enumerate() {
        let job = test_job(mode);
        p.print(&job).unwrap();
        let jobs = vp.wait_jobs(i + 1, Duration::from_secs(5));
        let got = &jobs[i];
        assert_eq!(got.bytes, job, "job bytes arrive unchanged");
        let lines = &got.info.text_lines;
        let want1 = if mode == TextMode::Tcvn3 { LINE1.replace('—', "-") } else { LINE1.to_string() };
        assert!(lines.contains(&want1), "{mode}: {lines:?}");
        assert!(lines.contains(&LINE2.to_string()), "{mode}: {lines:?}");
        assert_eq!(got.info.qr_payloads, vec![b"QR-TEXT".to_vec()]);
        assert_eq!(got.info.barcodes, vec![("CODE128".to_string(), "A025-260310".to_string())]);
        assert_eq!(got.info.cuts, 1);
    }
    // Each job was confirmed with DLE EOT 1 after it.
    assert_eq!(vp.status_queries(), 2);
}

#[test]
fn status_states_are_mapped() {
    let vp = VirtualPrinter::start(Config::default()).unwrap();
    let mut p = Printer::new(vp.url().parse().unwrap(), quick());
    for state in PrinterState::ANSWERED {
        vp.set_state(state);
        let r = p.status();
        assert_eq!(r.state, state);
        assert_eq!(r.raw.map(|b| b.unwrap()), answers_for(state).unwrap());
    }
    // A printer that stays silent is unknown, never ready.
    vp.set_state(PrinterState::Unknown);
    assert_eq!(p.status().state, PrinterState::Unknown);
    // So is one that is not there.
    let addr = vp.addr();
    drop(p);
    vp.stop();
    let mut gone = Printer::new(format!("tcp://{addr}").parse().unwrap(), quick());
    assert_eq!(gone.status().state, PrinterState::Unknown);
    assert!(matches!(gone.status_detail(), Err(Error::Connect { .. })));
}

#[test]
fn printer_disappearing_mid_job_is_a_clear_error() {
    let vp = VirtualPrinter::start(Config { drop_after: Some(20_000), ..Config::default() }).unwrap();
    // A job far larger than the socket buffers: a 576 x 40000 dot image (2.9 MB).
    let mut doc = Document::new();
    let mut big = Bitmap::new(576, 40_000);
    big.fill_rect(0, 0, 576, 40_000);
    doc.push(printer::Block::Image { bitmap: big, align: printer::Align::Left });
    let set = ProfileSet::builtin();
    let job = encode(&doc, set.get("epson-tm-t20").unwrap(), TextMode::Raster).unwrap().bytes;
    let mut p = Printer::new(vp.url().parse().unwrap(), quick());
    let err = p.print(&job).unwrap_err();
    let msg = err.to_string();
    match &err {
        Error::Incomplete { sent, total, .. } => {
            assert!(*sent < *total);
            assert!(msg.contains("NOT printed completely"), "{msg}");
        }
        Error::NotConfirmed { .. } => assert!(msg.contains("may NOT be printed"), "{msg}"),
        other => panic!("unexpected error {other:?}"),
    }
    assert!(msg.contains(&vp.url()), "message names the printer: {msg}");
    let jobs = vp.wait_jobs(1, Duration::from_secs(5));
    assert!(jobs[0].dropped);
    assert_eq!(jobs[0].bytes.len(), 20_000);
}

#[test]
fn reconnects_after_the_printer_comes_back() {
    let vp = VirtualPrinter::start(Config::default()).unwrap();
    let addr = vp.addr();
    let mut p = Printer::new(format!("tcp://{addr}").parse().unwrap(), quick());
    p.print(&test_job(TextMode::Cp1258)).unwrap();
    assert_eq!(vp.wait_jobs(1, Duration::from_secs(5)).len(), 1);
    vp.stop();
    // Printer off: nothing can be sent, a clear connect error (after the retries).
    std::thread::sleep(Duration::from_millis(100));
    assert!(matches!(p.print(b"\x1b@hello\n"), Err(Error::Connect { .. })));
    // Printer back on the same address: the next job goes through on a new connection.
    let vp2 = VirtualPrinter::start(Config { listen: addr, ..Config::default() }).unwrap();
    p.print(&test_job(TextMode::Cp1258)).unwrap();
    assert_eq!(vp2.wait_jobs(1, Duration::from_secs(5)).len(), 1);
}

#[test]
fn serial_over_a_pseudo_terminal() {
    use serialport::SerialPort;
    let (mut master, slave) = serialport::TTYPort::pair().expect("openpty");
    let path = slave.name().expect("pty has a name");
    let job = test_job(TextMode::Cp1258);
    let expected_len = job.len();
    // The "printer" end: collects bytes and answers DLE EOT like a ready printer, until told to stop
    // (closing the master early would hang up the slave under the reader).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let printer_end = std::thread::spawn(move || {
        master.set_timeout(Duration::from_millis(100)).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut answered = 0;
        while Instant::now() < deadline && !stop2.load(std::sync::atomic::Ordering::SeqCst) {
            match master.read(&mut buf) {
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    let requests = got.windows(2).filter(|w| w == &[0x10, 0x04]).count();
                    while answered < requests {
                        master.write_all(&[0x12]).unwrap();
                        answered += 1;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) => panic!("pty read: {e}"),
            }
        }
        (got, answered)
    });
    let target: Target = format!("serial:{path}:115200").parse().unwrap();
    let mut p = Printer::new(target, quick());
    p.print(&job).unwrap();
    // After the job's confirmation query (1), a full status query (4 more).
    let status = p.status_detail();
    drop(p);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (got, answered) = printer_end.join().unwrap();
    assert_eq!(status.unwrap().state, PrinterState::Ready);
    assert_eq!(answered, 5);
    assert_eq!(&got[..expected_len], &job[..], "serial bytes arrive unchanged");
    drop(slave);
}

#[test]
fn file_target_and_write_only_device() {
    let dir = common::scratch("file-target");
    let path = dir.join("job.bin");
    let job = test_job(TextMode::Raster);
    let mut p = Printer::new(format!("file:{}", path.display()).parse().unwrap(), quick());
    p.print(&job).unwrap();
    drop(p);
    assert_eq!(std::fs::read(&path).unwrap(), job);
    // A device path that takes bytes but never answers (like a write-only usblp): printing works
    // without confirmation, status is unknown.
    let mut dev = Printer::new("/dev/null".parse().unwrap(), Options { confirm: false, ..quick() });
    dev.print(&job).unwrap();
    assert_eq!(dev.status().state, PrinterState::Unknown);
}

#[test]
fn device_that_stops_taking_data_times_out_with_the_byte_count() {
    // A FIFO under /dev/shm stands in for /dev/usb/lpN: nobody reads it, so after the pipe buffer
    // (64 KiB) fills, writes would block forever, as with an offline USB printer.
    let path = format!("/dev/shm/printer-fifo-{}", std::process::id());
    let _ = std::fs::remove_file(&path);
    let ok = std::process::Command::new("mkfifo").arg(&path).status().unwrap().success();
    assert!(ok, "mkfifo");
    let mut p = Printer::new(
        path.parse().unwrap(),
        Options { write_timeout: Duration::from_millis(300), confirm: false, ..quick() },
    );
    let job = vec![b'x'; 1 << 20];
    let t = Instant::now();
    let err = p.print(&job).unwrap_err();
    std::fs::remove_file(&path).ok();
    match &err {
        Error::Incomplete { sent, total, .. } => {
            assert!(*sent > 0 && *sent < *total, "{err}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(err.to_string().contains("NOT printed completely"), "{err}");
}

#[test]
fn unreachable_printer_fails_fast_and_clearly() {
    let mut p = Printer::new("tcp://127.0.0.1:1".parse().unwrap(), quick());
    let t = Instant::now();
    let err = p.print(b"\x1b@").unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains("tcp://127.0.0.1:1"));
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn target_addresses() {
    assert_eq!("tcp://10.0.0.5:9100".parse::<Target>().unwrap(), Target::Tcp { host: "10.0.0.5".into(), port: 9100 });
    assert_eq!(
        "tcp://printer.local".parse::<Target>().unwrap(),
        Target::Tcp { host: "printer.local".into(), port: 9100 }
    );
    assert_eq!(
        "serial:/dev/ttyUSB0:115200".parse::<Target>().unwrap(),
        Target::Serial { path: "/dev/ttyUSB0".into(), baud: 115200 }
    );
    assert_eq!("/dev/usb/lp0".parse::<Target>().unwrap(), Target::UsbLp("/dev/usb/lp0".into()));
    assert_eq!("file:/tmp/x.bin".parse::<Target>().unwrap(), Target::File("/tmp/x.bin".into()));
    assert_eq!("usb:04b8:0e15".parse::<Target>().unwrap(), Target::Usb { vendor: 0x04b8, product: 0x0e15 });
    for bad in ["", "lp0", "tcp://:9100", "tcp://h:99999", "serial:", "serial:/dev/ttyS0:12", "usb:zz:1"] {
        assert!(matches!(bad.parse::<Target>(), Err(Error::BadTarget { .. })), "{bad:?}");
    }
    let _ = std::io::sink().write(b"");
}
