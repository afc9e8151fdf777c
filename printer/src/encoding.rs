//! Unicode text → single-byte printer code pages, and back (for the virtual printer).
//!
//! - **WPC1258** (Windows-1258): the code page has no precomposed "ấ, ố, ự …". Each NFC character is
//!   decomposed; circumflex, breve and horn are recomposed with the base letter (â ê ô ă ơ ư); the five
//!   tone marks become the combining bytes 0xCC (grave), 0xEC (acute), 0xD2 (hook above), 0xDE (tilde),
//!   0xF2 (dot below). A character the page holds precomposed (à, é, Ô …) is sent as that one byte.
//!   "Lấy" → `4C E2 EC 79`.
//! - **TCVN-3**: precomposed, in two tables: lower case at `ESC t 30`, upper case at `ESC t 31` (Epson
//!   numbers); the tables are the escpos-printer-db ones shipped in python-escpos.
//! - **CP437 / ASCII**: diacritics are removed (đ → d) when nothing better exists.
//!
//! Characters that cannot be encoded are transliterated, then replaced by `?`, and counted.

use std::sync::OnceLock;

use unicode_normalization::char::{compose, decompose_canonical};
use unicode_normalization::UnicodeNormalization;

/// Windows-1258 bytes 0x80..=0xFF (U+FFFD: undefined).
pub const CP1258_HIGH: [char; 128] = [
    '\u{20AC}', '\u{FFFD}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{02C6}',
    '\u{2030}', '\u{FFFD}', '\u{2039}', '\u{0152}', '\u{FFFD}', '\u{FFFD}', '\u{FFFD}', '\u{FFFD}', '\u{2018}',
    '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{FFFD}',
    '\u{203A}', '\u{0153}', '\u{FFFD}', '\u{FFFD}', '\u{0178}', '\u{00A0}', '\u{00A1}', '\u{00A2}', '\u{00A3}',
    '\u{00A4}', '\u{00A5}', '\u{00A6}', '\u{00A7}', '\u{00A8}', '\u{00A9}', '\u{00AA}', '\u{00AB}', '\u{00AC}',
    '\u{00AD}', '\u{00AE}', '\u{00AF}', '\u{00B0}', '\u{00B1}', '\u{00B2}', '\u{00B3}', '\u{00B4}', '\u{00B5}',
    '\u{00B6}', '\u{00B7}', '\u{00B8}', '\u{00B9}', '\u{00BA}', '\u{00BB}', '\u{00BC}', '\u{00BD}', '\u{00BE}',
    '\u{00BF}', '\u{00C0}', '\u{00C1}', '\u{00C2}', '\u{0102}', '\u{00C4}', '\u{00C5}', '\u{00C6}', '\u{00C7}',
    '\u{00C8}', '\u{00C9}', '\u{00CA}', '\u{00CB}', '\u{0300}', '\u{00CD}', '\u{00CE}', '\u{00CF}', '\u{0110}',
    '\u{00D1}', '\u{0309}', '\u{00D3}', '\u{00D4}', '\u{01A0}', '\u{00D6}', '\u{00D7}', '\u{00D8}', '\u{00D9}',
    '\u{00DA}', '\u{00DB}', '\u{00DC}', '\u{01AF}', '\u{0303}', '\u{00DF}', '\u{00E0}', '\u{00E1}', '\u{00E2}',
    '\u{0103}', '\u{00E4}', '\u{00E5}', '\u{00E6}', '\u{00E7}', '\u{00E8}', '\u{00E9}', '\u{00EA}', '\u{00EB}',
    '\u{0301}', '\u{00ED}', '\u{00EE}', '\u{00EF}', '\u{0111}', '\u{00F1}', '\u{0323}', '\u{00F3}', '\u{00F4}',
    '\u{01A1}', '\u{00F6}', '\u{00F7}', '\u{00F8}', '\u{00F9}', '\u{00FA}', '\u{00FB}', '\u{00FC}', '\u{01B0}',
    '\u{20AB}', '\u{00FF}',
];

/// CP437 bytes 0x80..=0xFF.
pub const CP437_HIGH: [char; 128] = [
    '\u{00C7}', '\u{00FC}', '\u{00E9}', '\u{00E2}', '\u{00E4}', '\u{00E0}', '\u{00E5}', '\u{00E7}', '\u{00EA}',
    '\u{00EB}', '\u{00E8}', '\u{00EF}', '\u{00EE}', '\u{00EC}', '\u{00C4}', '\u{00C5}', '\u{00C9}', '\u{00E6}',
    '\u{00C6}', '\u{00F4}', '\u{00F6}', '\u{00F2}', '\u{00FB}', '\u{00F9}', '\u{00FF}', '\u{00D6}', '\u{00DC}',
    '\u{00A2}', '\u{00A3}', '\u{00A5}', '\u{20A7}', '\u{0192}', '\u{00E1}', '\u{00ED}', '\u{00F3}', '\u{00FA}',
    '\u{00F1}', '\u{00D1}', '\u{00AA}', '\u{00BA}', '\u{00BF}', '\u{2310}', '\u{00AC}', '\u{00BD}', '\u{00BC}',
    '\u{00A1}', '\u{00AB}', '\u{00BB}', '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{2561}',
    '\u{2562}', '\u{2556}', '\u{2555}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255D}', '\u{255C}', '\u{255B}',
    '\u{2510}', '\u{2514}', '\u{2534}', '\u{252C}', '\u{251C}', '\u{2500}', '\u{253C}', '\u{255E}', '\u{255F}',
    '\u{255A}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256C}', '\u{2567}', '\u{2568}',
    '\u{2564}', '\u{2565}', '\u{2559}', '\u{2558}', '\u{2552}', '\u{2553}', '\u{256B}', '\u{256A}', '\u{2518}',
    '\u{250C}', '\u{2588}', '\u{2584}', '\u{258C}', '\u{2590}', '\u{2580}', '\u{03B1}', '\u{00DF}', '\u{0393}',
    '\u{03C0}', '\u{03A3}', '\u{03C3}', '\u{00B5}', '\u{03C4}', '\u{03A6}', '\u{0398}', '\u{03A9}', '\u{03B4}',
    '\u{221E}', '\u{03C6}', '\u{03B5}', '\u{2229}', '\u{2261}', '\u{00B1}', '\u{2265}', '\u{2264}', '\u{2320}',
    '\u{2321}', '\u{00F7}', '\u{2248}', '\u{00B0}', '\u{2219}', '\u{00B7}', '\u{221A}', '\u{207F}', '\u{00B2}',
    '\u{25A0}', '\u{00A0}',
];

/// TCVN-3 lower-case table (`ESC t 30` on Epson), bytes 0xA0..=0xFF; ' ' = unassigned.
/// Source: escpos-printer-db "TCVN-3-1" as shipped in python-escpos 3.1.
const TCVN3_LOWER: [&str; 6] = [
    "        ăâêôơưđ ",
    "     àảãáạ ằẳẵắ ",
    "      ặầẩẫấậè ẻẽ",
    "éẹềểễếệìỉ   ĩíịò",
    " ỏõóọồổỗốộờởỡớợù",
    " ủũúụừửữứựỳỷỹýỵ ",
];

/// TCVN-3 upper-case table (`ESC t 31` on Epson), bytes 0xA0..=0xFF. escpos-printer-db "TCVN-3-2";
/// it writes Đ as U+00D0 (Ð), which is accepted as Đ here.
const TCVN3_UPPER: [&str; 6] = [
    " ĂÂ    Ð  ÊÔƠƯ  ",
    "     ÀẢÃÁẠ ẰẲẴẮ ",
    "      ẶẦẨẪẤẬÈ ẺẼ",
    "ÉẸỀỂỄẾỆÌỈ   ĨÍỊÒ",
    " ỎÕÓỌỒỔỖỐỘỜỞỠỚỢÙ",
    " ỦŨÚỤỪỬỮỨỰỲỶỸÝỴ ",
];

/// Which of the two TCVN-3 tables a byte belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tcvn3Table {
    Lower,
    Upper,
}

fn table_from_rows(rows: &[&str; 6]) -> [char; 96] {
    let mut out = [' '; 96];
    for (r, row) in rows.iter().enumerate() {
        for (c, ch) in row.chars().enumerate() {
            out[r * 16 + c] = if ch == 'Ð' { 'Đ' } else { ch };
        }
    }
    out
}

/// TCVN-3 byte 0xA0..=0xFF → char for a table (' ' when unassigned).
pub fn tcvn3_table(table: Tcvn3Table) -> &'static [char; 96] {
    static LOWER: OnceLock<[char; 96]> = OnceLock::new();
    static UPPER: OnceLock<[char; 96]> = OnceLock::new();
    match table {
        Tcvn3Table::Lower => LOWER.get_or_init(|| table_from_rows(&TCVN3_LOWER)),
        Tcvn3Table::Upper => UPPER.get_or_init(|| table_from_rows(&TCVN3_UPPER)),
    }
}

/// A sorted reverse map char → byte for fast encoding.
struct Reverse(Vec<(char, u8)>);

impl Reverse {
    fn build(pairs: impl Iterator<Item = (char, u8)>) -> Reverse {
        let mut v: Vec<(char, u8)> = pairs.filter(|(c, _)| *c != '\u{FFFD}' && *c != ' ').collect();
        v.sort_by_key(|(c, _)| *c);
        v.dedup_by_key(|(c, _)| *c);
        Reverse(v)
    }
    fn get(&self, c: char) -> Option<u8> {
        self.0.binary_search_by_key(&c, |(k, _)| *k).ok().map(|i| self.0[i].1)
    }
}

fn cp1258_reverse() -> &'static Reverse {
    static R: OnceLock<Reverse> = OnceLock::new();
    R.get_or_init(|| Reverse::build(CP1258_HIGH.iter().enumerate().map(|(i, c)| (*c, 0x80 + i as u8))))
}

fn cp437_reverse() -> &'static Reverse {
    static R: OnceLock<Reverse> = OnceLock::new();
    R.get_or_init(|| Reverse::build(CP437_HIGH.iter().enumerate().map(|(i, c)| (*c, 0x80 + i as u8))))
}

fn tcvn3_reverse(table: Tcvn3Table) -> &'static Reverse {
    static L: OnceLock<Reverse> = OnceLock::new();
    static U: OnceLock<Reverse> = OnceLock::new();
    let build = || Reverse::build(tcvn3_table(table).iter().enumerate().map(|(i, c)| (*c, 0xA0 + i as u8)));
    match table {
        Tcvn3Table::Lower => L.get_or_init(build),
        Tcvn3Table::Upper => U.get_or_init(build),
    }
}

/// The combining tone marks of Vietnamese and their WPC1258 bytes.
const TONES: [(char, u8); 5] =
    [('\u{0300}', 0xCC), ('\u{0301}', 0xEC), ('\u{0309}', 0xD2), ('\u{0303}', 0xDE), ('\u{0323}', 0xF2)];

fn tone_byte(c: char) -> Option<u8> {
    TONES.iter().find(|(t, _)| *t == c).map(|(_, b)| *b)
}

/// Base letter and up to three marks of one character (canonical decomposition), without allocating.
fn decompose(c: char) -> (char, [char; 3], usize) {
    let mut parts = ['\0'; 4];
    let mut n = 0;
    decompose_canonical(c, |p| {
        if n < 4 {
            parts[n] = p;
            n += 1;
        }
    });
    let base = if n > 0 { parts[0] } else { c };
    (base, [parts[1], parts[2], parts[3]], n.saturating_sub(1))
}

/// The text in NFC, borrowed when it already is (the usual case: no allocation, no copy).
pub fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{is_nfc_quick, IsNormalized};
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    }
}

/// Removes Vietnamese diacritics: "Đường Lê Lợi" → "Duong Le Loi".
pub fn strip_diacritics(c: char) -> char {
    match c {
        'đ' => 'd',
        'Đ' | 'Ð' => 'D',
        '\u{2013}' | '\u{2014}' => '-',
        '\u{2018}' | '\u{2019}' => '\'',
        '\u{201C}' | '\u{201D}' => '"',
        '\u{00A0}' => ' ',
        _ => decompose(c).0,
    }
}

/// Encodes to WPC1258 (see module docs).
pub fn encode_cp1258(text: &str, out: &mut Vec<u8>) -> usize {
    let rev = cp1258_reverse();
    let mut approx = 0;
    for c in nfc(text).chars() {
        if c.is_ascii() {
            out.push(c as u8);
            continue;
        }
        if let Some(b) = rev.get(c) {
            out.push(b);
            continue;
        }
        let (base, marks, count) = decompose(c);
        // Recompose base with every non-tone mark (circumflex, breve, horn), keep tones apart.
        let mut letter = base;
        let mut tones = [0u8; 3];
        let mut n_tones = 0;
        let mut ok = true;
        for &m in &marks[..count] {
            if let Some(t) = tone_byte(m) {
                tones[n_tones] = t;
                n_tones += 1;
            } else if let Some(composed) = compose(letter, m) {
                letter = composed;
            } else {
                ok = false;
            }
        }
        let letter_byte = if letter.is_ascii() { Some(letter as u8) } else { rev.get(letter) };
        match letter_byte {
            Some(b) if ok => {
                out.push(b);
                out.extend_from_slice(&tones[..n_tones]);
            }
            _ => {
                approx += 1;
                out.push(ascii_fallback(c));
            }
        }
    }
    approx
}

fn ascii_fallback(c: char) -> u8 {
    let s = strip_diacritics(c);
    if s.is_ascii() && !s.is_ascii_control() {
        s as u8
    } else {
        b'?'
    }
}

/// Decodes WPC1258 bytes to Unicode (NFC), as a printer that composes marks would show them.
pub fn decode_cp1258(bytes: &[u8]) -> String {
    let s: String =
        bytes.iter().map(|&b| if b < 0x80 { b as char } else { CP1258_HIGH[usize::from(b - 0x80)] }).collect();
    s.nfc().collect()
}

/// Decodes CP437 bytes.
pub fn decode_cp437(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| if b < 0x80 { b as char } else { CP437_HIGH[usize::from(b - 0x80)] }).collect()
}

/// Decodes one TCVN-3 byte in a table (`None` when the table has nothing there).
pub fn decode_tcvn3_byte(table: Tcvn3Table, b: u8) -> Option<char> {
    if b < 0x80 {
        return Some(b as char);
    }
    if b < 0xA0 {
        return None;
    }
    let c = tcvn3_table(table)[usize::from(b - 0xA0)];
    (c != ' ').then_some(c)
}

/// A run of TCVN-3 bytes in one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tcvn3Run {
    pub table: Tcvn3Table,
    pub bytes: Vec<u8>,
}

/// Encodes to TCVN-3 runs; ASCII stays in whichever table is current. Returns the approximated count.
pub fn encode_tcvn3(text: &str, runs: &mut Vec<Tcvn3Run>) -> usize {
    let lower = tcvn3_reverse(Tcvn3Table::Lower);
    let upper = tcvn3_reverse(Tcvn3Table::Upper);
    let mut approx = 0;
    let start = runs.len();
    let push =
        |runs: &mut Vec<Tcvn3Run>, table: Option<Tcvn3Table>, b: u8| match (runs.len() > start, runs.last_mut(), table)
        {
            (true, Some(last), None) => last.bytes.push(b),
            (true, Some(last), Some(t)) if last.table == t => last.bytes.push(b),
            (_, _, t) => runs.push(Tcvn3Run { table: t.unwrap_or(Tcvn3Table::Lower), bytes: vec![b] }),
        };
    for c in nfc(text).chars() {
        if c.is_ascii() {
            push(runs, None, c as u8);
        } else if let Some(b) = lower.get(c) {
            push(runs, Some(Tcvn3Table::Lower), b);
        } else if let Some(b) = upper.get(if c == 'Ð' { 'Đ' } else { c }) {
            push(runs, Some(Tcvn3Table::Upper), b);
        } else {
            approx += 1;
            push(runs, None, ascii_fallback(c));
        }
    }
    approx
}

/// Encodes to CP437 (for printers with nothing better), diacritics removed where needed.
pub fn encode_cp437(text: &str, out: &mut Vec<u8>) -> usize {
    let rev = cp437_reverse();
    let mut approx = 0;
    for c in nfc(text).chars() {
        if c.is_ascii() {
            out.push(c as u8);
        } else if let Some(b) = rev.get(c) {
            out.push(b);
        } else {
            approx += 1;
            out.push(ascii_fallback(c));
        }
    }
    approx
}

/// Encodes to plain ASCII, diacritics removed.
pub fn encode_ascii(text: &str, out: &mut Vec<u8>) -> usize {
    let mut approx = 0;
    for c in nfc(text).chars() {
        if c.is_ascii() {
            out.push(c as u8);
        } else {
            approx += 1;
            out.push(ascii_fallback(c));
        }
    }
    approx
}

/// Whether text prints with the printer's base table alone (printable ASCII).
pub fn is_plain_ascii(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7F).contains(&b))
}
