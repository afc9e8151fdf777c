//! Whatever a scanner sends, lenient parsing returns a code or an error, never a panic; a code it
//! returns parses again to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(code) = domain::dossier::DossierCode::parse_lenient(text) {
            let again = domain::dossier::DossierCode::parse_lenient(code.as_str()).expect("canonical code reparses");
            assert_eq!(again, code);
        }
        // Portal payloads reach the same parser through serde.
        let _ = serde_json::from_str::<domain::dossier::DossierCode>(text);
    }
});
