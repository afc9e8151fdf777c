//! Fuzzes the scan payload parser: any bytes a scanner or a QR can carry, through the
//! charset fallback and then `interpret`. It must never panic, must keep what was read,
//! and a code it finds must re-parse to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanner::payload::{interpret, ScanResult};

fuzz_target!(|data: &[u8]| {
    let (text, _) = scanner::text::bytes_to_text(data);
    let r = interpret(&text);
    assert_eq!(r.raw(), text);
    if let ScanResult::Dossier { code, .. } = r {
        assert_eq!(interpret(code.as_str()).code(), Some(&code));
    }
    let _ = scanner::text::escape_line(&text);
});
