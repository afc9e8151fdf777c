//! 1-bit bitmaps and text rendered with the bundled Unicode font.
//!
//! The font is Noto Sans (regular and bold, SIL OFL 1.1, `assets/fonts/`), compiled into the binary so
//! nothing is loaded at run time. Text is laid out with kerning, rendered with coverage ≥ 50 % as black,
//! wrapped at the paper width, and trimmed to its ink so that a Vietnamese line costs as few bytes as
//! possible when sent as `GS v 0`.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use serde::{Deserialize, Serialize};

/// Noto Sans Regular, SIL OFL 1.1.
pub static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular.ttf");
/// Noto Sans Bold, SIL OFL 1.1.
pub static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Bold.ttf");

/// A 1-bit image, rows packed MSB first (bit set = black), `(width + 7) / 8` bytes per row.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bitmap {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bitmap({}x{})", self.width, self.height)
    }
}

impl Bitmap {
    /// A white bitmap.
    pub fn new(width: u32, height: u32) -> Bitmap {
        let stride = width.div_ceil(8) as usize;
        Bitmap { width, height, data: vec![0; stride * height as usize] }
    }

    /// From packed rows (must hold `(width+7)/8 * height` bytes).
    pub fn from_packed(width: u32, height: u32, data: Vec<u8>) -> Option<Bitmap> {
        (data.len() == width.div_ceil(8) as usize * height as usize).then_some(Bitmap { width, height, data })
    }

    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn height(&self) -> u32 {
        self.height
    }
    /// Bytes per row.
    pub fn stride(&self) -> usize {
        self.width.div_ceil(8) as usize
    }
    /// Packed rows.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let i = y as usize * self.stride() + (x / 8) as usize;
        self.data[i] & (0x80 >> (x % 8)) != 0
    }

    pub fn set(&mut self, x: u32, y: u32, black: bool) {
        if x >= self.width || y >= self.height {
            return;
        }
        let i = y as usize * self.stride() + (x / 8) as usize;
        if black {
            self.data[i] |= 0x80 >> (x % 8);
        } else {
            self.data[i] &= !(0x80 >> (x % 8));
        }
    }

    /// Fills a rectangle with black (clipped).
    pub fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32) {
        for yy in y..y.saturating_add(h).min(self.height) {
            for xx in x..x.saturating_add(w).min(self.width) {
                self.set(xx, yy, true);
            }
        }
    }

    /// Copies `src` with its top-left corner at (x, y), OR-ing black pixels (clipped).
    pub fn blit(&mut self, src: &Bitmap, x: i64, y: i64) {
        for sy in 0..src.height {
            let ty = y + i64::from(sy);
            if ty < 0 || ty >= i64::from(self.height) {
                continue;
            }
            for sx in 0..src.width {
                let tx = x + i64::from(sx);
                if tx >= 0 && tx < i64::from(self.width) && src.get(sx, sy) {
                    self.set(tx as u32, ty as u32, true);
                }
            }
        }
    }

    /// Scales by integer factors (nearest neighbour).
    pub fn scale(&self, fx: u32, fy: u32) -> Bitmap {
        let (fx, fy) = (fx.max(1), fy.max(1));
        let mut out = Bitmap::new(self.width * fx, self.height * fy);
        for y in 0..self.height {
            for x in 0..self.width {
                if self.get(x, y) {
                    out.fill_rect(x * fx, y * fy, fx, fy);
                }
            }
        }
        out
    }

    fn row_blank(&self, y: u32) -> bool {
        let s = self.stride();
        let start = y as usize * s;
        self.data[start..start + s].iter().all(|b| *b == 0)
    }

    /// Ink bounding box `(x, y, w, h)`, or `None` for a blank bitmap.
    pub fn ink_bounds(&self) -> Option<(u32, u32, u32, u32)> {
        let top = (0..self.height).find(|&y| !self.row_blank(y))?;
        let bottom = (0..self.height).rev().find(|&y| !self.row_blank(y))?;
        let mut left = self.width;
        let mut right = 0;
        for y in top..=bottom {
            for x in 0..self.width {
                if self.get(x, y) {
                    left = left.min(x);
                    right = right.max(x);
                }
            }
        }
        Some((left, top, right - left + 1, bottom - top + 1))
    }

    /// Copy of a rectangle (clipped to the bitmap).
    pub fn crop(&self, x: u32, y: u32, w: u32, h: u32) -> Bitmap {
        let w = w.min(self.width.saturating_sub(x));
        let h = h.min(self.height.saturating_sub(y));
        let mut out = Bitmap::new(w, h);
        for yy in 0..h {
            for xx in 0..w {
                if self.get(x + xx, y + yy) {
                    out.set(xx, yy, true);
                }
            }
        }
        out
    }

    /// A copy with `left` white columns added (used when a printer ignores `ESC a` for images).
    pub fn pad_left(&self, left: u32) -> Bitmap {
        let mut out = Bitmap::new(self.width + left, self.height);
        out.blit(self, i64::from(left), 0);
        out
    }
}

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn fonts() -> &'static Fonts {
    static F: OnceLock<Fonts> = OnceLock::new();
    F.get_or_init(|| Fonts {
        // The bytes are compiled in and tested: failure here is a build defect.
        regular: FontRef::try_from_slice(FONT_REGULAR).expect("bundled Noto Sans Regular parses"),
        bold: FontRef::try_from_slice(FONT_BOLD).expect("bundled Noto Sans Bold parses"),
    })
}

/// Whether the bundled font has a glyph for `c`.
pub fn font_has(c: char) -> bool {
    fonts().regular.glyph_id(c).0 != 0
}

/// Text rendering parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RasterFont {
    /// Pixel height of the em box.
    pub px: f32,
    pub bold: bool,
}

impl RasterFont {
    /// Line height in dots for this size (ascent + descent + small gap), stacked diacritics included.
    pub fn line_height(&self) -> u32 {
        let f = self.font();
        let s = f.as_scaled(PxScale::from(self.px));
        (s.ascent() - s.descent()).ceil() as u32
    }

    fn font(&self) -> &'static FontRef<'static> {
        if self.bold {
            &fonts().bold
        } else {
            &fonts().regular
        }
    }

    /// Advance width of `text` in dots.
    pub fn measure(&self, text: &str) -> f32 {
        let s = self.font().as_scaled(PxScale::from(self.px));
        let mut w = 0.0;
        let mut prev = None;
        for c in text.chars() {
            let id = s.glyph_id(c);
            if let Some(p) = prev {
                w += s.kern(p, id);
            }
            w += s.h_advance(id);
            prev = Some(id);
        }
        w
    }

    /// Splits a paragraph into lines that fit in `max_width` dots (words longer than a line are cut).
    pub fn wrap(&self, text: &str, max_width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            // Most ticket lines fit: one measurement.
            if self.measure(para) <= max_width {
                lines.push(para.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" "));
                continue;
            }
            let mut line = String::new();
            for word in para.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
                if self.measure(&candidate) <= max_width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // Cut a word that alone is too wide.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.measure(&piece) > max_width && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }

    /// Renders one line (no wrapping) into a bitmap of `line_height()` rows, as wide as the text.
    pub fn render_line(&self, text: &str) -> Bitmap {
        let text = crate::encoding::nfc(text);
        let font = self.font();
        let scale = PxScale::from(self.px);
        let s = font.as_scaled(scale);
        let width = self.measure(&text).ceil().max(1.0) as u32 + 2;
        let height = self.line_height();
        let mut bmp = Bitmap::new(width, height);
        let baseline = s.ascent();
        let mut caret = 1.0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = s.glyph_id(c);
            if let Some(p) = prev {
                caret += s.kern(p, id);
            }
            let caret_before = caret;
            caret += s.h_advance(id);
            prev = Some(id);
            // Glyphs are rasterised once per (font, size, glyph, quarter-dot offset) and reused.
            let whole = caret_before.floor();
            let frac = ((caret_before - whole) * 4.0).round() as u8;
            let key = GlyphKey { bold: self.bold, px: self.px.to_bits(), id: id.0, frac, baseline: baseline.to_bits() };
            GLYPHS.with(|cache| {
                let mut cache = cache.borrow_mut();
                let g = cache.entry(key).or_insert_with(|| {
                    let positioned =
                        id.with_scale_and_position(scale, ab_glyph::point(f32::from(frac) / 4.0, baseline));
                    rasterise(font, positioned)
                });
                let x0 = whole as i64 + g.x;
                for &(dx, dy) in &g.pixels {
                    let (px, py) = (x0 + i64::from(dx), g.y + i64::from(dy));
                    if px >= 0 && py >= 0 {
                        bmp.set(px as u32, py as u32, true);
                    }
                }
            });
        }
        bmp
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct GlyphKey {
    bold: bool,
    px: u32,
    id: u16,
    frac: u8,
    baseline: u32,
}

/// A rasterised glyph: black pixels relative to its top-left corner.
struct GlyphBits {
    x: i64,
    y: i64,
    pixels: Vec<(u16, u16)>,
}

thread_local! {
    static GLYPHS: std::cell::RefCell<std::collections::HashMap<GlyphKey, GlyphBits>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

fn rasterise(font: &FontRef<'static>, glyph: ab_glyph::Glyph) -> GlyphBits {
    let Some(outlined) = font.outline_glyph(glyph) else {
        return GlyphBits { x: 0, y: 0, pixels: Vec::new() };
    };
    let b = outlined.px_bounds();
    let mut pixels = Vec::new();
    outlined.draw(|x, y, cov| {
        if cov >= 0.5 {
            pixels.push((x as u16, y as u16));
        }
    });
    GlyphBits { x: b.min.x as i64, y: b.min.y as i64, pixels }
}

/// `GS v 0` raster commands for a bitmap, split into bands of at most `band_rows` rows.
pub fn gs_v0(bmp: &Bitmap, band_rows: u16, out: &mut Vec<u8>) {
    let stride = bmp.stride();
    if stride == 0 || bmp.height() == 0 {
        return;
    }
    let band = u32::from(band_rows.max(1));
    let mut y = 0;
    while y < bmp.height() {
        let rows = band.min(bmp.height() - y);
        crate::commands::raster_header(stride as u16, rows as u16, out);
        let start = y as usize * stride;
        out.extend_from_slice(&bmp.data()[start..start + rows as usize * stride]);
        y += rows;
    }
}
