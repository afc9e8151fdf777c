//! Helpers shared by the integration tests: external oracles and scratch directories.
//!
//! Oracles (python-escpos 3.1, zbarimg, tesseract with `vie`) are installed by
//! `scripts/setup.d/printer.sh`; a missing one fails the test with that hint instead of skipping.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const SETUP_HINT: &str =
    "run scripts/setup.d/printer.sh (installs zbar-tools, tesseract-ocr-vie, python-escpos==3.1)";

/// A fresh scratch directory under the target dir (kept for inspection, cleaned per run).
pub fn scratch(name: &str) -> PathBuf {
    let base = option_env!("CARGO_TARGET_TMPDIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("printer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Panics with the setup hint if `tool` is not on PATH.
pub fn require_tool(tool: &str) {
    let ok = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(ok, "external oracle `{tool}` is missing: {SETUP_HINT}");
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs `tests/py/escpos_ref.py` with JSON cases; returns the JSON answers.
pub fn escpos_ref(cases: &serde_json::Value) -> Vec<serde_json::Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/escpos_ref.py");
    let mut child = Command::new(python())
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): {SETUP_HINT}"));
    child.stdin.take().expect("stdin").write_all(cases.to_string().as_bytes()).expect("write cases");
    let out = child.wait_with_output().expect("python finished");
    assert!(
        out.status.success(),
        "python-escpos reference failed ({SETUP_HINT}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON from escpos_ref.py");
    for (i, x) in v.iter().enumerate() {
        assert!(x.get("error").is_none(), "python-escpos case {i} failed: {x}");
    }
    v
}

/// Decodes the QR, CODE128 and EAN-13 symbols of a PNG with zbarimg; returns (type, data) pairs.
///
/// One zbarimg run per symbology with `-Sbinary`, so that the payload bytes come out exactly as
/// encoded (zbar's own charset guessing garbles UTF-8 Vietnamese in QR codes otherwise).
pub fn zbarimg(png: &Path) -> Vec<(String, String)> {
    require_tool("zbarimg");
    let mut found = Vec::new();
    for (kind, sym) in [("QR-Code", "qrcode"), ("CODE-128", "code128"), ("EAN-13", "ean13")] {
        let out = Command::new("zbarimg")
            .args(["--quiet", "--raw", "-Sbinary", "-Sdisable"])
            .arg(format!("-S{sym}.enable"))
            .arg(png)
            .output()
            .expect("run zbarimg");
        // Exit status 4 means "no symbol found".
        if out.stdout.is_empty() {
            continue;
        }
        let data = String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{kind} payload is not UTF-8: {e}"));
        found.push((kind.to_string(), data));
    }
    found
}

/// OCR of a PNG with tesseract's Vietnamese model.
pub fn tesseract_vie(png: &Path) -> String {
    require_tool("tesseract");
    let langs = Command::new("tesseract").arg("--list-langs").output().expect("tesseract --list-langs");
    let list = String::from_utf8_lossy(&langs.stdout).into_owned() + &String::from_utf8_lossy(&langs.stderr);
    assert!(list.lines().any(|l| l.trim() == "vie"), "tesseract has no Vietnamese model: {SETUP_HINT}");
    let out = Command::new("tesseract")
        .arg(png)
        .arg("stdout")
        .args(["-l", "vie", "--psm", "6"])
        .output()
        .expect("run tesseract");
    assert!(out.status.success(), "tesseract failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Hex string → bytes.
pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// Prints `doc` for the built-in profile `profile_id` on a fresh virtual printer (PNG in a scratch folder
/// `name`) and returns the one job it recorded, checked to have no warnings.
pub fn print_on_virtual_printer(
    doc: &printer::Document,
    profile_id: &str,
    mode: printer::TextMode,
    name: &str,
) -> printer::virtual_printer::Job {
    use printer::virtual_printer::{Config, VirtualPrinter};
    let profiles = printer::ProfileSet::builtin();
    let profile = profiles.get(profile_id).unwrap();
    let vp = VirtualPrinter::start(Config {
        out_dir: Some(scratch(name)),
        width_dots: u32::from(profile.width_dots()),
        ..Config::default()
    })
    .unwrap();
    let job = printer::encode(doc, profile, mode).unwrap();
    // Generous status timeout: the virtual printer renders the PNG before answering the confirmation.
    let opts = printer::transport::Options {
        status_timeout: std::time::Duration::from_secs(5),
        ..printer::transport::Options::default()
    };
    let mut p = printer::Printer::new(vp.url().parse().unwrap(), opts);
    p.print(&job.bytes).unwrap();
    let jobs = vp.wait_jobs(1, std::time::Duration::from_secs(10));
    assert_eq!(jobs.len(), 1, "one job recorded");
    assert!(jobs[0].info.warnings.is_empty(), "{:?}", jobs[0].info.warnings);
    jobs.into_iter().next().unwrap()
}
