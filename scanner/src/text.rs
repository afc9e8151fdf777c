//! Turning the bytes carried by a symbol into text.
//!
//! QR byte segments carry no reliable charset: the specification says ISO-8859-1, most
//! generators write UTF-8, and Japanese generators write Shift_JIS. We try, in order,
//! UTF-8, Shift_JIS (only when the bytes are valid Shift_JIS *and* contain double-byte
//! characters) and Latin-1, which never fails.

/// Which charset [`bytes_to_text`] used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Valid UTF-8 (this includes plain ASCII).
    Utf8,
    /// Shift_JIS with at least one double-byte character.
    ShiftJis,
    /// ISO-8859-1: every byte is one character.
    Latin1,
}

/// Decodes `bytes` as UTF-8, else Shift_JIS, else Latin-1. Never fails.
pub fn bytes_to_text(bytes: &[u8]) -> (String, Charset) {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return (s.to_owned(), Charset::Utf8);
    }
    if looks_like_shift_jis(bytes) {
        let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
        if !had_errors {
            return (text.into_owned(), Charset::ShiftJis);
        }
    }
    (latin1(bytes), Charset::Latin1)
}

/// ISO-8859-1 decoding (each byte is the code point of the same value).
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// True when the bytes parse as Shift_JIS lead/trail pairs and contain at least one
/// double-byte character (half-width katakana alone is more likely Latin-1 text).
fn looks_like_shift_jis(bytes: &[u8]) -> bool {
    let mut i = 0;
    let mut double = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            0x00..=0x7f | 0xa1..=0xdf => i += 1,
            0x81..=0x9f | 0xe0..=0xef => {
                let Some(&t) = bytes.get(i + 1) else {
                    return false;
                };
                if !matches!(t, 0x40..=0x7e | 0x80..=0xfc) {
                    return false;
                }
                double += 1;
                i += 2;
            }
            _ => return false,
        }
    }
    double > 0
}

/// Escapes a decoded text for one-line, tab-separated output: LF → `\n`, CR → `\r`,
/// TAB → `\t`. Backslashes are left as they are (payloads such as `MEBKM:URL:http\://`
/// print as read), so the escaping is for reading, not for reversing.
pub fn escape_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_first() {
        assert_eq!(bytes_to_text("Hồ sơ".as_bytes()), ("Hồ sơ".to_owned(), Charset::Utf8));
    }

    #[test]
    fn shift_jis_fallback() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("日本語テキスト");
        let (text, cs) = bytes_to_text(&bytes);
        assert_eq!(text, "日本語テキスト");
        assert_eq!(cs, Charset::ShiftJis);
    }

    #[test]
    fn latin1_last() {
        let (text, cs) = bytes_to_text(&[0x43, 0x61, 0x66, 0xe9]);
        assert_eq!(text, "Café");
        assert_eq!(cs, Charset::Latin1);
    }

    #[test]
    fn escape() {
        assert_eq!(escape_line("a\nb\\c\td\r"), "a\\nb\\c\\td\\r");
    }
}
