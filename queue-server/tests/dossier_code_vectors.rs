//! The counter page's dossier-code parser (`Q.dossierCode` in `web/common.js`) against the shared
//! vectors of `domain/testdata/dossier-code-vectors.json`, in a real headless Chromium. The server's
//! parser (`DossierCode::parse_lenient`) is run over the same file by domain's `shared_vectors` test,
//! so the two cannot drift apart.
//!
//! Chromium loads a local page that includes `web/common.js` (the file the server compiles in) and the
//! vectors, runs every one, and writes the results into the page; `--dump-dom` prints it. Needs
//! Debian's `chromium` (scripts/setup.d/web.sh installs it).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::var("PATH").unwrap_or_default().split(':').chain(["/usr/bin", "/usr/lib/chromium"]) {
            let p = Path::new(dir).join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("chromium not found: run scripts/setup.d/web.sh (apt-get install chromium)")
}

fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_str().expect("UTF-8 path").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => url.push(b as char),
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}

/// `encodeURIComponent`'s output back to text.
fn uri_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Runs `page` in headless Chromium and returns the DOM it printed.
fn dump_dom(page: &Path, profile: &Path) -> String {
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(file_url(page))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        stdout.read_to_string(&mut out).map(|_| out)
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap().expect("chromium's output")
}

#[test]
fn counter_page_parser_matches_the_shared_vectors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vectors_path = root.join("../domain/testdata/dossier-code-vectors.json");
    let vectors_text = std::fs::read_to_string(&vectors_path).unwrap();
    let vectors: Vec<Value> = serde_json::from_str(&vectors_text).unwrap();
    assert!(vectors.len() >= 40, "{} vectors", vectors.len());

    let dir = std::env::temp_dir().join(format!("dossier-code-vectors-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // The vectors as a script literal ('<' escaped, so no "</script>" can end it early).
    let literal = serde_json::to_string(&vectors).unwrap().replace('<', "\\u003c");
    let page = format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>dossier code vectors</title>
<script src="{common}"></script>
</head><body><pre id="out">NOT RUN</pre>
<script>
'use strict';
const vectors = {literal};
const results = vectors.map((v) => {{
  try {{
    const got = Q.dossierCode(v.input);
    return {{ got: got === undefined ? 'undefined' : got }};
  }} catch (e) {{
    return {{ threw: String(e && e.name) + ': ' + String(e && e.message) }};
  }}
}});
// The markers are split so that the script's own text (also in the dumped DOM) has none.
document.getElementById('out').textContent = 'RESU' + 'LTS:' + encodeURIComponent(JSON.stringify(results)) + ':E' + 'ND';
</script></body></html>
"#,
        common = file_url(&root.join("web/common.js")),
    );
    let page_path = dir.join("vectors.html");
    std::fs::write(&page_path, page).unwrap();

    let dom = dump_dom(&page_path, &dir.join("profile"));
    let _ = std::fs::remove_dir_all(&dir);
    let encoded = dom
        .split_once("RESULTS:")
        .and_then(|(_, rest)| rest.split_once(":END"))
        .map(|(r, _)| r)
        .unwrap_or_else(|| panic!("the page did not run its vectors (common.js failed to load?): {dom:.2000}"));
    let results: Vec<Value> = serde_json::from_str(&uri_decode(encoded)).unwrap();
    assert_eq!(results.len(), vectors.len());

    let mut mismatches = Vec::new();
    for (v, r) in vectors.iter().zip(&results) {
        let input = v["input"].as_str().unwrap();
        let shown: String = input.chars().take(100).collect();
        if let Some(threw) = r.get("threw") {
            mismatches.push(format!("{shown:?}: threw {threw} (expected {}; {})", v["expect"], v["why"]));
        } else if r["got"] != v["expect"] {
            mismatches.push(format!("{shown:?}: expected {}, got {} ({})", v["expect"], r["got"], v["why"]));
        }
    }
    assert!(
        mismatches.is_empty(),
        "Q.dossierCode disagrees with {} of {} vectors:\n{}",
        mismatches.len(),
        vectors.len(),
        mismatches.join("\n")
    );
}
