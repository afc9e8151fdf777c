//! The `virtual-printer` binary as a separate process, as a technician runs it for previews.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use printer::transport::Options;
use printer::{encode, Printer, PrinterState, ProfileSet, TextMode, TicketSlip};

#[test]
fn binary_serves_jobs_and_status_and_writes_png() {
    let out_dir = std::env::temp_dir().join(format!("virtual-printer-proc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_virtual-printer"))
        .args(["--listen", "127.0.0.1:0", "--state", "paper_near_end", "--seconds", "30", "--out"])
        .arg(&out_dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start virtual-printer");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    // "virtual-printer listening on tcp://127.0.0.1:PORT (state …), jobs in DIR"
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("tcp://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();

    let mut p = Printer::new(url.parse().unwrap(), Options::default());
    assert_eq!(p.status().state, PrinterState::PaperNearEnd);
    let set = ProfileSet::builtin();
    let profile = set.get("epson-tm-t20").unwrap();
    let job = encode(&TicketSlip::sample().to_document(profile.paper), profile, TextMode::Raster).unwrap();
    p.print(&job.bytes).unwrap();

    let png = out_dir.join("job-0001.png");
    let bin = out_dir.join("job-0001.bin");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(png.exists() && bin.exists()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"), "PNG written");
    assert_eq!(std::fs::read(&bin).unwrap(), job.bytes, "job bytes recorded exactly");
    std::fs::remove_dir_all(&out_dir).ok();
}
