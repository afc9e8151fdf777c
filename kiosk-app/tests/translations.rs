//! Every `@tr` string of the UI has an English translation in the bundled .po file.

use std::collections::HashMap;

fn unescape(s: &str) -> String {
    s.replace("\\\"", "\"").replace("\\\\", "\\")
}

fn tr_strings() -> Vec<String> {
    let mut out = Vec::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/ui");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "slint") {
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("@tr(\"").skip(1) {
                let mut s = String::new();
                let mut chars = part.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            s.push(c);
                            s.extend(chars.next());
                        }
                        '"' => break,
                        _ => s.push(c),
                    }
                }
                out.push(unescape(&s));
            }
        }
    }
    out
}

fn po(lang: &str) -> HashMap<String, String> {
    let path = format!("{}/lang/{lang}/LC_MESSAGES/kiosk-app.po", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut map = HashMap::new();
    let mut id = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("msgid \"") {
            id = Some(unescape(rest.trim_end_matches('"')));
        } else if let Some(rest) = line.strip_prefix("msgstr \"") {
            if let Some(id) = id.take() {
                map.insert(id, unescape(rest.trim_end_matches('"')));
            }
        }
    }
    map
}

#[test]
fn every_ui_string_has_an_english_translation() {
    let strings = tr_strings();
    assert!(strings.len() > 50, "found {} @tr strings", strings.len());
    let en = po("en");
    let missing: Vec<&String> = strings.iter().filter(|s| en.get(*s).is_none_or(|t| t.is_empty())).collect();
    assert!(missing.is_empty(), "untranslated (run kiosk-app/lang/update_po.py): {missing:?}");
    for s in &strings {
        let t = &en[s];
        assert_eq!(s.matches("{}").count(), t.matches("{}").count(), "placeholders differ: {s:?} → {t:?}");
    }
}
