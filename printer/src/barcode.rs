//! 1D barcodes built by hand: CODE128 code-set selection for `GS k 73` (the escpos crate has none),
//! EAN-13 check digits, and the bar patterns used to draw both (virtual printer, raster fallback).

use crate::error::{Error, Result};

/// CODE128 bar/space patterns of symbol values 0..=105 (11 modules, MSB first, 1 = bar).
const CODE128_PATTERNS: [u16; 106] = [
    0b11011001100,
    0b11001101100,
    0b11001100110,
    0b10010011000,
    0b10010001100,
    0b10001001100,
    0b10011001000,
    0b10011000100,
    0b10001100100,
    0b11001001000,
    0b11001000100,
    0b11000100100,
    0b10110011100,
    0b10011011100,
    0b10011001110,
    0b10111001100,
    0b10011101100,
    0b10011100110,
    0b11001110010,
    0b11001011100,
    0b11001001110,
    0b11011100100,
    0b11001110100,
    0b11101101110,
    0b11101001100,
    0b11100101100,
    0b11100100110,
    0b11101100100,
    0b11100110100,
    0b11100110010,
    0b11011011000,
    0b11011000110,
    0b11000110110,
    0b10100011000,
    0b10001011000,
    0b10001000110,
    0b10110001000,
    0b10001101000,
    0b10001100010,
    0b11010001000,
    0b11000101000,
    0b11000100010,
    0b10110111000,
    0b10110001110,
    0b10001101110,
    0b10111011000,
    0b10111000110,
    0b10001110110,
    0b11101110110,
    0b11010001110,
    0b11000101110,
    0b11011101000,
    0b11011100010,
    0b11011101110,
    0b11101011000,
    0b11101000110,
    0b11100010110,
    0b11101101000,
    0b11101100010,
    0b11100011010,
    0b11101111010,
    0b11001000010,
    0b11110001010,
    0b10100110000,
    0b10100001100,
    0b10010110000,
    0b10010000110,
    0b10000101100,
    0b10000100110,
    0b10110010000,
    0b10110000100,
    0b10011010000,
    0b10011000010,
    0b10000110100,
    0b10000110010,
    0b11000010010,
    0b11001010000,
    0b11110111010,
    0b11000010100,
    0b10001111010,
    0b10100111100,
    0b10010111100,
    0b10010011110,
    0b10111100100,
    0b10011110100,
    0b10011110010,
    0b11110100100,
    0b11110010100,
    0b11110010010,
    0b11011011110,
    0b11011110110,
    0b11110110110,
    0b10101111000,
    0b10100011110,
    0b10001011110,
    0b10111101000,
    0b10111100010,
    0b11110101000,
    0b11110100010,
    0b10111011110,
    0b10111101110,
    0b11101011110,
    0b11110101110,
    0b11010000100,
    0b11010010000,
    0b11010011100,
];
/// Stop pattern (13 modules, including the final 2-module bar).
const CODE128_STOP: u16 = 0b1100011101011;

const START_A: u8 = 103;
const START_B: u8 = 104;
const START_C: u8 = 105;
const CODE_A: u8 = 101;
const CODE_B: u8 = 100;
const CODE_C: u8 = 99;
const SHIFT: u8 = 98;
const FNC1: u8 = 102;

/// Longest CODE128 payload accepted (the `GS k 73` length byte is 8 bits; data with escapes must fit).
pub const CODE128_MAX: usize = 120;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Set {
    A,
    B,
    C,
}

fn digit_run(data: &[u8], from: usize) -> usize {
    data[from..].iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Turns ASCII text into `GS k 73` data with code-set selection: `{A`/`{B`/`{C` switches, set C for
/// runs of digits (≥ 4 at either end of the data or ≥ 6 inside it, or all-digit data of even length),
/// set A only for control characters, `{` escaped as `{{`.
pub fn code128_escpos_data(text: &str) -> Result<Vec<u8>> {
    let err = |reason: String| Error::Barcode { kind: "CODE128", reason };
    if text.is_empty() {
        return Err(err("empty data".into()));
    }
    if let Some(c) = text.chars().find(|c| !c.is_ascii()) {
        return Err(err(format!("character {c:?} is not ASCII; CODE128 holds ASCII only")));
    }
    if text.len() > CODE128_MAX {
        return Err(err(format!("{} characters, at most {CODE128_MAX}", text.len())));
    }
    let data = text.as_bytes();
    let mut out = Vec::with_capacity(data.len() + 8);
    let mut cur: Option<Set> = None;
    let mut i = 0;
    while i < data.len() {
        let run = digit_run(data, i);
        let at_start = i == 0;
        let to_end = i + run == data.len();
        let use_c =
            (at_start && to_end && run >= 2 && run.is_multiple_of(2)) || (run >= 4 && (at_start || to_end)) || run >= 6;
        if use_c {
            if run % 2 == 1 {
                // The odd digit goes in the current (or B) set first.
                let set = cur.filter(|s| *s != Set::C).unwrap_or(Set::B);
                if cur != Some(set) {
                    out.extend_from_slice(if set == Set::A { b"{A" } else { b"{B" });
                    cur = Some(set);
                }
                out.push(data[i]);
                i += 1;
            }
            if cur != Some(Set::C) {
                out.extend_from_slice(b"{C");
                cur = Some(Set::C);
            }
            let pairs = (run - run % 2) / 2;
            for _ in 0..pairs {
                out.push((data[i] - b'0') * 10 + (data[i + 1] - b'0'));
                i += 2;
            }
            continue;
        }
        let b = data[i];
        let want = if b < 0x20 {
            Set::A
        } else if b >= 0x60 {
            Set::B
        } else {
            match cur {
                Some(Set::A) => Set::A,
                _ => Set::B,
            }
        };
        if cur != Some(want) {
            out.extend_from_slice(if want == Set::A { b"{A" } else { b"{B" });
            cur = Some(want);
        }
        if b == b'{' {
            out.extend_from_slice(b"{{");
        } else {
            out.push(b);
        }
        i += 1;
    }
    if out.len() > 255 {
        return Err(err(format!("{} bytes after encoding, at most 255", out.len())));
    }
    Ok(out)
}

/// A decoded CODE128 symbol: its values (start … data … checksum, without stop) and the text it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code128Symbol {
    pub values: Vec<u8>,
    pub text: String,
}

/// Interprets `GS k 73` data (as a printer does) into symbol values and the human-readable text.
pub fn code128_from_escpos(data: &[u8]) -> Result<Code128Symbol> {
    let err = |reason: &str| Error::Barcode { kind: "CODE128", reason: reason.to_string() };
    if data.len() < 2 || data[0] != b'{' {
        return Err(err("data must start with {A, {B or {C"));
    }
    let mut set = match data[1] {
        b'A' => Set::A,
        b'B' => Set::B,
        b'C' => Set::C,
        _ => return Err(err("data must start with {A, {B or {C")),
    };
    let mut values = vec![match set {
        Set::A => START_A,
        Set::B => START_B,
        Set::C => START_C,
    }];
    let mut text = String::new();
    let mut i = 2;
    let mut shift_next = false;
    while i < data.len() {
        let b = data[i];
        if b == b'{' {
            let Some(&next) = data.get(i + 1) else {
                return Err(err("dangling {"));
            };
            i += 2;
            match next {
                b'A' => {
                    values.push(CODE_A);
                    set = Set::A;
                }
                b'B' => {
                    values.push(CODE_B);
                    set = Set::B;
                }
                b'C' => {
                    values.push(CODE_C);
                    set = Set::C;
                }
                b'S' => {
                    values.push(SHIFT);
                    shift_next = true;
                }
                b'1' => values.push(FNC1),
                b'{' if set != Set::C => {
                    values.push(b'{' - 0x20);
                    text.push('{');
                }
                _ => return Err(err("unknown {x sequence")),
            }
            continue;
        }
        let eff = if shift_next {
            shift_next = false;
            match set {
                Set::A => Set::B,
                Set::B => Set::A,
                Set::C => return Err(err("shift in code set C")),
            }
        } else {
            set
        };
        match eff {
            Set::C => {
                if b > 99 {
                    return Err(err("code set C byte above 99"));
                }
                values.push(b);
                text.push_str(&format!("{b:02}"));
            }
            Set::A => {
                let v = match b {
                    0x20..=0x5F => b - 0x20,
                    0x00..=0x1F => b + 64,
                    _ => return Err(err("byte not in code set A")),
                };
                values.push(v);
                text.push(b as char);
            }
            Set::B => {
                if !(0x20..=0x7F).contains(&b) {
                    return Err(err("byte not in code set B"));
                }
                values.push(b - 0x20);
                text.push(b as char);
            }
        }
        i += 1;
    }
    if values.len() < 2 {
        return Err(err("no data"));
    }
    let sum: u32 =
        values[0] as u32 + values[1..].iter().enumerate().map(|(k, v)| (k as u32 + 1) * u32::from(*v)).sum::<u32>();
    values.push((sum % 103) as u8);
    Ok(Code128Symbol { values, text })
}

/// Modules (true = bar) of a CODE128 symbol, quiet zones not included.
pub fn code128_modules(symbol: &Code128Symbol) -> Vec<bool> {
    let mut m = Vec::with_capacity(symbol.values.len() * 11 + 13);
    for &v in &symbol.values {
        let p = CODE128_PATTERNS[usize::from(v.min(105))];
        m.extend((0..11).rev().map(|k| p >> k & 1 == 1));
    }
    m.extend((0..13).rev().map(|k| CODE128_STOP >> k & 1 == 1));
    m
}

const EAN_L: [u8; 10] =
    [0b0001101, 0b0011001, 0b0010011, 0b0111101, 0b0100011, 0b0110001, 0b0101111, 0b0111011, 0b0110111, 0b0001011];
const EAN_R: [u8; 10] =
    [0b1110010, 0b1100110, 0b1101100, 0b1000010, 0b1011100, 0b1001110, 0b1010000, 0b1000100, 0b1001000, 0b1110100];
/// Parity of the left half by first digit: bit set = G (even) pattern.
const EAN_PARITY: [u8; 10] =
    [0b000000, 0b001011, 0b001101, 0b001110, 0b010011, 0b011001, 0b011100, 0b010101, 0b010110, 0b011010];

/// EAN-13 check digit of 12 digits.
pub fn ean13_check_digit(digits12: &[u8]) -> u8 {
    let sum: u32 = digits12.iter().enumerate().map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 1 } else { 3 }).sum();
    ((10 - sum % 10) % 10) as u8 + b'0'
}

/// Validates 12 or 13 digits and returns the 13 digits (check digit added or verified).
pub fn ean13_digits(text: &str) -> Result<[u8; 13]> {
    let err = |reason: String| Error::Barcode { kind: "EAN-13", reason };
    let b = text.as_bytes();
    if !b.iter().all(u8::is_ascii_digit) || !(b.len() == 12 || b.len() == 13) {
        return Err(err(format!("{text:?} must be 12 or 13 digits")));
    }
    let check = ean13_check_digit(&b[..12]);
    if b.len() == 13 && b[12] != check {
        return Err(err(format!("{text:?} has check digit {} but should have {}", b[12] as char, check as char)));
    }
    let mut out = [0u8; 13];
    out[..12].copy_from_slice(&b[..12]);
    out[12] = check;
    Ok(out)
}

/// Modules of an EAN-13 symbol (95 modules), quiet zones not included.
pub fn ean13_modules(digits: &[u8; 13]) -> Vec<bool> {
    let d: Vec<usize> = digits.iter().map(|c| usize::from(c - b'0')).collect();
    let mut m = Vec::with_capacity(95);
    let push = |m: &mut Vec<bool>, bits: u8, n: u32| m.extend((0..n).rev().map(|k| bits >> k & 1 == 1));
    push(&mut m, 0b101, 3);
    let parity = EAN_PARITY[d[0]];
    for (i, &x) in d[1..7].iter().enumerate() {
        let even = parity >> (5 - i) & 1 == 1;
        let bits = if even {
            // G pattern: R pattern reversed.
            let r = EAN_R[x];
            (0..7).fold(0u8, |acc, k| acc << 1 | (r >> k & 1))
        } else {
            EAN_L[x]
        };
        push(&mut m, bits, 7);
    }
    push(&mut m, 0b01010, 5);
    for &x in &d[7..13] {
        push(&mut m, EAN_R[x], 7);
    }
    push(&mut m, 0b101, 3);
    m
}

/// Draws modules as a bitmap: each module `module` dots wide, `height` dots tall, with `quiet` white
/// dots each side.
pub fn draw_modules(modules: &[bool], module: u32, height: u32, quiet: u32) -> crate::raster::Bitmap {
    let mut bmp = crate::raster::Bitmap::new(modules.len() as u32 * module + 2 * quiet, height);
    for (i, &bar) in modules.iter().enumerate() {
        if bar {
            bmp.fill_rect(quiet + i as u32 * module, 0, module, height);
        }
    }
    bmp
}
