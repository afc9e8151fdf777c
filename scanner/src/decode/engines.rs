//! Thin, panic-contained wrappers around the two decoding libraries.
//!
//! Each function takes a [`GrayFrame`] and returns the symbols it found (possibly none).
//! Library errors mean "nothing found"; library panics are caught by the caller
//! ([`super::contain`]).

use std::collections::HashSet;

use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::{BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, Luma8Source, RXingResult, Reader};

use super::{Engine, Symbol, Symbology};
use crate::frame::GrayFrame;
use crate::text::bytes_to_text;

/// The rxing binarizer to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxBin {
    /// Local 8×8-block thresholds (zxing's HybridBinarizer): robust to uneven light.
    Hybrid,
    /// One threshold from the global histogram, sharpened rows for 1D.
    Global,
}

fn source(frame: &GrayFrame) -> Option<Luma8Source<'_>> {
    Luma8Source::new_with_slice(frame.data(), frame.width() as u32, frame.height() as u32).ok()
}

fn qr_on<B: Binarizer>(b: &mut BinaryBitmap<B>, hints: &DecodeHints) -> Vec<RXingResult> {
    // The C++-port detector returns every QR it can read; the Java-port one is a fallback.
    match rxing::qrcode::cpp_port::QrReader.decode_multiple_with_hints(b, hints) {
        Ok(v) if !v.is_empty() => v,
        _ => rxing::qrcode::QRCodeReader.decode_with_hints(b, hints).into_iter().collect(),
    }
}

fn oned_multi_on<B: Binarizer>(b: &mut BinaryBitmap<B>, hints: &DecodeHints) -> Vec<RXingResult> {
    // The multiple reader re-runs the 1D readers left, right, above and below a hit, so a
    // second barcode on the same label (a price add-on next to an ISBN) is found too. With
    // try-harder each re-run scans every row: affordable for files, not per camera frame.
    GenericMultipleBarcodeReader::new(rxing::oned::MultiFormatOneDReader::new(hints))
        .decode_multiple_with_hints(b, hints)
        .unwrap_or_default()
}

fn oned_single_on<B: Binarizer>(b: &mut BinaryBitmap<B>, hints: &DecodeHints) -> Vec<RXingResult> {
    rxing::oned::MultiFormatOneDReader::new(hints).decode_with_hints(b, hints).into_iter().collect()
}

// rxing's readers are generic over the binarizer: one monomorphised call per binarizer.
macro_rules! on_bitmap {
    ($frame:expr, $bin:expr, $hints:expr, $f:ident) => {{
        match source($frame) {
            None => Vec::new(),
            Some(src) => match $bin {
                RxBin::Hybrid => $f(&mut BinaryBitmap::new(HybridBinarizer::new(src)), $hints),
                RxBin::Global => $f(&mut BinaryBitmap::new(GlobalHistogramBinarizer::new(src)), $hints),
            },
        }
        .iter()
        .filter_map(convert)
        .collect()
    }};
}

/// Hints restricted to QR codes.
pub fn qr_hints(try_harder: bool) -> DecodeHints {
    DecodeHints {
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        TryHarder: Some(try_harder),
        ..Default::default()
    }
}

/// Hints restricted to the given 1D formats.
pub fn oned_hints(formats: &[Symbology], try_harder: bool) -> DecodeHints {
    let set: HashSet<BarcodeFormat> = formats
        .iter()
        .filter_map(|f| match f {
            Symbology::Code128 => Some(BarcodeFormat::CODE_128),
            Symbology::Ean13 => Some(BarcodeFormat::EAN_13),
            Symbology::Code39 => Some(BarcodeFormat::CODE_39),
            Symbology::Itf => Some(BarcodeFormat::ITF),
            Symbology::QrCode => None,
        })
        .collect();
    DecodeHints { PossibleFormats: Some(set), TryHarder: Some(try_harder), ..Default::default() }
}

fn convert(r: &RXingResult) -> Option<Symbol> {
    let format = match r.getBarcodeFormat() {
        BarcodeFormat::QR_CODE => Symbology::QrCode,
        BarcodeFormat::CODE_128 => Symbology::Code128,
        BarcodeFormat::EAN_13 => Symbology::Ean13,
        BarcodeFormat::CODE_39 => Symbology::Code39,
        BarcodeFormat::ITF => Symbology::Itf,
        _ => return None,
    };
    let mut text = r.getText().to_owned();
    if format == Symbology::Code39 {
        if let Some(full) = code39_full_ascii(&text) {
            text = full;
        }
    }
    Some(Symbol { format, text, engine: Engine::Rxing })
}

/// rxing QR (the C++-port detector, then the Java-port one) on one binarization.
pub fn rxing_qr(frame: &GrayFrame, bin: RxBin, hints: &DecodeHints) -> Vec<Symbol> {
    on_bitmap!(frame, bin, hints, qr_on)
}

/// rxing 1D readers (formats and try-harder from `hints`) on one binarization.
/// With `multi`, every barcode of the frame is looked for (see `oned_multi_on`); without,
/// the first one found is returned.
pub fn rxing_oned(frame: &GrayFrame, bin: RxBin, hints: &DecodeHints, multi: bool) -> Vec<Symbol> {
    if multi {
        on_bitmap!(frame, bin, hints, oned_multi_on)
    } else {
        on_bitmap!(frame, bin, hints, oned_single_on)
    }
}

// rqrr's image buffer type is not nameable from outside the crate, hence a macro.
macro_rules! rqrr_grids {
    ($img:expr) => {{
        let mut out = Vec::new();
        for grid in $img.detect_grids() {
            let mut bytes = Vec::new();
            if grid.decode_to(&mut bytes).is_ok() {
                out.push(Symbol { format: Symbology::QrCode, text: bytes_to_text(&bytes).0, engine: Engine::Rqrr });
            }
        }
        out
    }};
}

/// rqrr with its own adaptive threshold. Every grid found is decoded; bytes go through
/// the UTF-8 → Shift_JIS → Latin-1 fallback.
pub fn rqrr_gray(frame: &GrayFrame) -> Vec<Symbol> {
    let (w, h) = (frame.width(), frame.height());
    let data = frame.data();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| data[y * w + x]);
    rqrr_grids!(img)
}

/// Code 39 "full ASCII" expansion (`+A` → `a`, `%U` → NUL, `/A` → `!`, `$A` → SOH, …).
/// Returns `None` when the text has no shift characters or an invalid pair, in which case
/// the plain reading stands (as zxing-cpp does when trying extended mode).
pub fn code39_full_ascii(text: &str) -> Option<String> {
    if !text.contains(['$', '%', '/', '+']) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if !matches!(c, '$' | '%' | '/' | '+') {
            out.push(c);
            continue;
        }
        let n = chars.next()?;
        let decoded = match (c, n) {
            ('+', 'A'..='Z') => (n as u8 + 32) as char,
            ('$', 'A'..='Z') => (n as u8 - 64) as char,
            ('%', 'A'..='E') => (n as u8 - 38) as char,
            ('%', 'F'..='J') => (n as u8 - 11) as char,
            ('%', 'K'..='O') => (n as u8 + 16) as char,
            ('%', 'P'..='T') => (n as u8 + 43) as char,
            ('%', 'U') => '\0',
            ('%', 'V') => '@',
            ('%', 'W') => '`',
            ('%', 'X' | 'Y' | 'Z') => 127 as char,
            ('/', 'A'..='O') => (n as u8 - 32) as char,
            ('/', 'Z') => ':',
            _ => return None,
        };
        out.push(decoded);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::code39_full_ascii;

    #[test]
    fn full_ascii() {
        assert_eq!(code39_full_ascii("12+A+B").as_deref(), Some("12ab"));
        assert_eq!(code39_full_ascii("/A%J/J/C").as_deref(), Some("!?*#"));
        assert_eq!(code39_full_ascii("PLAIN-TEXT"), None);
        assert_eq!(code39_full_ascii("BAD+1"), None);
    }
}
