//! Byte builders for each ESC/POS primitive used here. Each appends to `out`.
//!
//! Byte layouts follow the Epson ESC/POS reference; the QR, barcode and raster ones are checked against
//! python-escpos 3.1's expected bytes in `tests/golden.rs`.

use crate::doc::{Align, QrEc};

pub const ESC: u8 = 0x1B;
pub const GS: u8 = 0x1D;
pub const FS: u8 = 0x1C;
pub const DLE: u8 = 0x10;
pub const EOT: u8 = 0x04;
pub const LF: u8 = 0x0A;

/// `ESC @`: initialise.
pub fn init(out: &mut Vec<u8>) {
    out.extend_from_slice(&[ESC, b'@']);
}

/// `FS .`: cancel Kanji (double-byte) character mode.
pub fn cancel_kanji(out: &mut Vec<u8>) {
    out.extend_from_slice(&[FS, b'.']);
}

/// `ESC t n`: select character code table.
pub fn code_table(n: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(&[ESC, b't', n]);
}

/// `ESC a n`: justification.
pub fn align(a: Align, out: &mut Vec<u8>) {
    out.extend_from_slice(&[ESC, b'a', a.escpos()]);
}

/// `ESC E n`: emphasis.
pub fn bold(on: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(&[ESC, b'E', u8::from(on)]);
}

/// `GS ! n`: character size, multipliers 1..=8.
pub fn size(width: u8, height: u8, out: &mut Vec<u8>) {
    let w = width.clamp(1, 8) - 1;
    let h = height.clamp(1, 8) - 1;
    out.extend_from_slice(&[GS, b'!', (w << 4) | h]);
}

/// `ESC d n`: print and feed n lines.
pub fn feed(lines: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(&[ESC, b'd', lines]);
}

/// `ESC J n`: print and feed n dots.
pub fn feed_dots(dots: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(&[ESC, b'J', dots]);
}

/// `GS V m`: cut (65 = full after feeding, 66 = partial after feeding), with `n` dots fed.
pub fn cut(partial: bool, feed_dots: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(&[GS, b'V', if partial { 66 } else { 65 }, feed_dots]);
}

/// `DLE EOT n`: real-time status request, n = 1..=4.
pub fn status_request(n: u8) -> [u8; 3] {
    [DLE, EOT, n]
}

/// `GS v 0 0 xL xH yL yH`: raster image header; `width_bytes * rows` data bytes follow.
pub fn raster_header(width_bytes: u16, rows: u16, out: &mut Vec<u8>) {
    let [xl, xh] = width_bytes.to_le_bytes();
    let [yl, yh] = rows.to_le_bytes();
    out.extend_from_slice(&[GS, b'v', b'0', 0, xl, xh, yl, yh]);
}

fn gs_k_fn(cn: u8, fun: u8, params: &[u8], out: &mut Vec<u8>) {
    let len = (params.len() + 2) as u16;
    let [pl, ph] = len.to_le_bytes();
    out.extend_from_slice(&[GS, b'(', b'k', pl, ph, cn, fun]);
    out.extend_from_slice(params);
}

/// Maximum QR payload in bytes for `GS ( k` (model 2, level L, version 40).
pub const QR_MAX_BYTES: usize = 2953;

/// Native QR, model 2: select model, module size, error correction, store data, print
/// (`GS ( k` functions 165, 167, 169, 180, 181). Empty data emits nothing, like python-escpos.
pub fn qr_native(data: &[u8], module: u8, ec: QrEc, out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    let ec = match ec {
        QrEc::L => b'0',
        QrEc::M => b'1',
        QrEc::Q => b'2',
        QrEc::H => b'3',
    };
    gs_k_fn(b'1', b'A', &[b'2', 0], out);
    gs_k_fn(b'1', b'C', &[module.clamp(1, 16)], out);
    gs_k_fn(b'1', b'E', &[ec], out);
    let mut store = Vec::with_capacity(data.len() + 1);
    store.push(b'0');
    store.extend_from_slice(data);
    gs_k_fn(b'1', b'P', &store, out);
    gs_k_fn(b'1', b'Q', b"0", out);
}

/// Barcode set-up: `GS h` height, `GS w` module width, `GS f` HRI font, `GS H` HRI position
/// (2 = below, 0 = none), in the order python-escpos sends them.
pub fn barcode_setup(height: u8, module: u8, hri: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(&[GS, b'h', height.max(1)]);
    out.extend_from_slice(&[GS, b'w', module.clamp(2, 6)]);
    out.extend_from_slice(&[GS, b'f', 0]);
    out.extend_from_slice(&[GS, b'H', if hri { 2 } else { 0 }]);
}

/// `GS k 73 n d…`: CODE128 with ESC/POS code-set data (see [`crate::barcode::code128_escpos_data`]).
pub fn code128(escpos_data: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&[GS, b'k', 73, escpos_data.len() as u8]);
    out.extend_from_slice(escpos_data);
}

/// `GS k 2 d… NUL`: EAN-13 (function A, understood by old and new printers alike).
pub fn ean13(digits13: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&[GS, b'k', 2]);
    out.extend_from_slice(digits13);
    out.push(0);
}
