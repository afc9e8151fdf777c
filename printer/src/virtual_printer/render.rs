//! Renders parsed ESC/POS into a paper image, the way a thermal printer would print it.
//!
//! Text is drawn in 12×24-dot cells (font A) scaled by `GS !`, decoded with the selected code table
//! (CP437, WPC1258 with combining tone marks composed onto the letter, TCVN-3 lower/upper), using the
//! bundled Noto Sans condensed into the cell; `GS v 0` images are placed as sent; `GS ( k` QR codes are
//! regenerated from the stored data and drawn; `GS k` CODE128 and EAN-13 are drawn with their
//! human-readable text.

use std::collections::BTreeMap;
use std::io::Write;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use unicode_normalization::UnicodeNormalization;

use super::parser::Op;
use crate::barcode;
use crate::doc::QrEc;
use crate::encoding::{self, Tcvn3Table};
use crate::error::{Error, Result};
use crate::raster::{Bitmap, FONT_BOLD, FONT_REGULAR};

/// A character table as the virtual printer understands it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodePage {
    Cp437,
    Cp1258,
    Tcvn3Lower,
    Tcvn3Upper,
}

/// `ESC t n` numbers → code pages: Epson's (0 CP437, 30/31 TCVN-3, 52 WPC1258) plus 27 (WPC1258 on
/// many Xprinter firmwares). Unlisted numbers print as CP437.
pub fn default_code_pages() -> BTreeMap<u8, CodePage> {
    BTreeMap::from([
        (0, CodePage::Cp437),
        (27, CodePage::Cp1258),
        (30, CodePage::Tcvn3Lower),
        (31, CodePage::Tcvn3Upper),
        (52, CodePage::Cp1258),
    ])
}

/// What was printed, in machine-readable form (tests and logs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderInfo {
    /// Text lines as decoded (NFC), one per printed line of text.
    pub text_lines: Vec<String>,
    /// QR payloads printed.
    pub qr_payloads: Vec<Vec<u8>>,
    /// Barcodes printed: (symbology, human-readable text).
    pub barcodes: Vec<(String, String)>,
    /// `GS v 0` images (bands) printed.
    pub raster_images: usize,
    pub cuts: usize,
    /// Commands the virtual printer ignored or could not understand.
    pub ignored: usize,
    /// Problems a real printer would show as garbage or nothing (bad barcode data …).
    pub warnings: Vec<String>,
}

struct Cell {
    text: String,
    w: u8,
    h: u8,
    bold: bool,
}

/// The paper being printed.
pub struct Renderer {
    width: u32,
    paper: Bitmap,
    y: u32,
    line: Vec<Cell>,
    align: u8,
    bold: bool,
    size: (u8, u8),
    table: u8,
    pages: BTreeMap<u8, CodePage>,
    qr_module: u8,
    qr_ec: u8,
    qr_data: Vec<u8>,
    bc_height: u8,
    bc_module: u8,
    hri: u8,
    info: RenderInfo,
    regular: FontRef<'static>,
    bold_font: FontRef<'static>,
}

const LINE_SPACING: u32 = 30;
/// Longest paper drawn: 100 000 dots (12.5 m at 8 dots/mm).
pub const MAX_ROWS: u32 = 100_000;
const CELL_W: u32 = 12;
const CELL_H: u32 = 24;

impl Renderer {
    pub fn new(width_dots: u32) -> Renderer {
        Renderer {
            width: width_dots,
            paper: Bitmap::new(width_dots, 256),
            y: 0,
            line: Vec::new(),
            align: 0,
            bold: false,
            size: (1, 1),
            table: 0,
            pages: default_code_pages(),
            qr_module: 3,
            qr_ec: b'0',
            qr_data: Vec::new(),
            bc_height: 162,
            bc_module: 3,
            hri: 0,
            info: RenderInfo::default(),
            regular: FontRef::try_from_slice(FONT_REGULAR).expect("bundled font parses"),
            bold_font: FontRef::try_from_slice(FONT_BOLD).expect("bundled font parses"),
        }
    }

    pub fn with_code_pages(mut self, pages: BTreeMap<u8, CodePage>) -> Renderer {
        self.pages = pages;
        self
    }

    /// Moves the paper forward, up to [`MAX_ROWS`] (the rest of an endless job is not drawn).
    fn advance(&mut self, dots: u32) {
        self.y = self.y.saturating_add(dots).min(MAX_ROWS);
    }

    fn ensure(&mut self, bottom: u32) {
        if bottom > self.paper.height() && self.paper.height() < MAX_ROWS {
            let new_h = (bottom + 512).max(self.paper.height() * 2).min(MAX_ROWS);
            let mut grown = Bitmap::new(self.width, new_h);
            grown.blit(&self.paper, 0, 0);
            self.paper = grown;
        }
    }

    fn place(&mut self, bmp: &Bitmap) {
        let free = self.width.saturating_sub(bmp.width());
        let x = match self.align {
            1 | 49 => free / 2,
            2 | 50 => free,
            _ => 0,
        };
        self.ensure(self.y + bmp.height());
        self.paper.blit(bmp, i64::from(x), i64::from(self.y));
        self.advance(bmp.height());
    }

    fn page(&self) -> CodePage {
        self.pages.get(&self.table).copied().unwrap_or(CodePage::Cp437)
    }

    fn text(&mut self, bytes: &[u8]) {
        let page = self.page();
        for &byte in bytes {
            let c = match page {
                CodePage::Cp437 => encoding::decode_cp437(&[byte]).chars().next().unwrap_or('?'),
                CodePage::Cp1258 => {
                    if byte < 0x80 {
                        byte as char
                    } else {
                        encoding::CP1258_HIGH[usize::from(byte - 0x80)]
                    }
                }
                CodePage::Tcvn3Lower => encoding::decode_tcvn3_byte(Tcvn3Table::Lower, byte).unwrap_or(' '),
                CodePage::Tcvn3Upper => encoding::decode_tcvn3_byte(Tcvn3Table::Upper, byte).unwrap_or(' '),
            };
            let combining = matches!(c, '\u{0300}'..='\u{036F}');
            match (combining, self.line.last_mut()) {
                (true, Some(cell)) => cell.text.push(c),
                _ => self.line.push(Cell { text: c.to_string(), w: self.size.0, h: self.size.1, bold: self.bold }),
            }
        }
    }

    fn draw_cell(&self, cell: &Cell) -> Bitmap {
        let cw = CELL_W * u32::from(cell.w);
        let ch = CELL_H * u32::from(cell.h);
        let mut bmp = Bitmap::new(cw, ch);
        let text: String = cell.text.nfc().collect();
        let Some(c) = text.chars().next() else {
            return bmp;
        };
        if c == ' ' {
            return bmp;
        }
        let font = if cell.bold { &self.bold_font } else { &self.regular };
        let py = 22.0 * f32::from(cell.h);
        let id = font.glyph_id(c);
        let adv = font.as_scaled(PxScale::from(py)).h_advance(id).max(1.0);
        let px = (py * (cw as f32 - 1.0) / adv).min(py * f32::from(cell.w) / f32::from(cell.h));
        let scale = PxScale { x: px, y: py };
        let s = font.as_scaled(scale);
        let used = s.h_advance(id);
        // Baseline so that stacked Vietnamese marks stay inside the cell.
        let baseline = ch as f32 * 0.80;
        let x0 = ((cw as f32 - used) / 2.0).max(0.0);
        let glyph = id.with_scale_and_position(scale, ab_glyph::point(x0, baseline));
        if let Some(outlined) = font.outline_glyph(glyph) {
            let bounds = outlined.px_bounds();
            let (ox, oy) = (bounds.min.x as i64, bounds.min.y as i64);
            outlined.draw(|x, y, cov| {
                if cov >= 0.5 {
                    let (px, py) = (ox + i64::from(x), oy + i64::from(y));
                    if px >= 0 && py >= 0 {
                        bmp.set(px as u32, py as u32, true);
                    }
                }
            });
        }
        bmp
    }

    /// Prints the pending text line (LF semantics). `force` prints an empty line too.
    fn flush_line(&mut self, force: bool) {
        if self.line.is_empty() {
            if force {
                self.advance(LINE_SPACING * u32::from(self.size.1));
            }
            return;
        }
        let cells = std::mem::take(&mut self.line);
        let height = cells.iter().map(|c| CELL_H * u32::from(c.h)).max().unwrap_or(CELL_H);
        let width: u32 = cells.iter().map(|c| CELL_W * u32::from(c.w)).sum();
        let mut line = Bitmap::new(width.min(self.width * 2), height);
        let mut x = 0u32;
        for cell in &cells {
            let g = self.draw_cell(cell);
            line.blit(&g, i64::from(x), i64::from(height - g.height()));
            x += g.width();
        }
        let text: String = cells.iter().map(|c| c.text.as_str()).collect::<String>().nfc().collect();
        self.info.text_lines.push(text.trim_end().to_string());
        // A real printer wraps; the virtual one clips at the paper edge (and says so).
        if width > self.width {
            self.info.warnings.push(format!("text line wider than paper: {text:?}"));
        }
        let clipped = line.crop(0, 0, self.width, height);
        self.place(&clipped);
        self.advance(LINE_SPACING - CELL_H);
    }

    fn hri_text(&mut self, text: &str) {
        let (saved_size, saved_bold) = (self.size, self.bold);
        self.size = (1, 1);
        self.bold = false;
        let saved_table = self.table;
        self.table = 0;
        self.text(text.as_bytes());
        self.table = saved_table;
        self.flush_line(false);
        self.info.text_lines.pop();
        self.size = saved_size;
        self.bold = saved_bold;
    }

    fn barcode(&mut self, m: u8, data: &[u8]) {
        self.flush_line(false);
        let module = u32::from(self.bc_module.clamp(1, 6));
        let height = u32::from(self.bc_height.max(1));
        let result = match m {
            73 => barcode::code128_from_escpos(data).map(|sym| {
                let modules = barcode::code128_modules(&sym);
                ("CODE128", sym.text, modules)
            }),
            2 | 67 => std::str::from_utf8(data)
                .map_err(|_| Error::Barcode { kind: "EAN-13", reason: "not digits".into() })
                .and_then(barcode::ean13_digits)
                .map(|d| {
                    let text = String::from_utf8_lossy(&d).into_owned();
                    ("EAN13", text, barcode::ean13_modules(&d))
                }),
            _ => {
                self.info.warnings.push(format!("barcode type {m} not drawn"));
                return;
            }
        };
        match result {
            Ok((kind, text, modules)) => {
                let bars = modules.len() as u32 * module;
                if bars > self.width {
                    self.info
                        .warnings
                        .push(format!("{kind} {text:?} is {bars} dots wide, paper {}: not printed", self.width));
                    return;
                }
                let quiet = (10 * module).min((self.width - bars) / 2);
                let bmp = barcode::draw_modules(&modules, module, height, quiet);
                self.place(&bmp);
                if self.hri == 2 || self.hri == 50 || self.hri == 3 || self.hri == 51 {
                    self.advance(4);
                    self.hri_text(&text);
                }
                self.info.barcodes.push((kind.to_string(), text));
            }
            Err(e) => self.info.warnings.push(e.to_string()),
        }
    }

    fn qr_print(&mut self) {
        self.flush_line(false);
        let ec = match self.qr_ec {
            b'0' => QrEc::L,
            b'2' => QrEc::Q,
            b'3' => QrEc::H,
            _ => QrEc::M,
        };
        let data = self.qr_data.clone();
        match crate::encode::qr_bitmap(&data, self.qr_module, ec) {
            Ok(bmp) => {
                self.place(&bmp);
                self.info.qr_payloads.push(data);
            }
            Err(e) => self.info.warnings.push(format!("QR not printed: {e}")),
        }
    }

    /// Applies one command.
    pub fn apply(&mut self, op: &Op) {
        match op {
            Op::Text(t) => self.text(t),
            Op::Lf => self.flush_line(true),
            Op::Init => {
                self.flush_line(false);
                self.align = 0;
                self.bold = false;
                self.size = (1, 1);
                self.table = 0;
            }
            Op::Align(a) => self.align = *a,
            Op::Bold(b) => self.bold = *b,
            Op::Size(w, h) => self.size = (*w, *h),
            Op::PrintMode(n) => {
                self.bold = n & 0x08 != 0;
                self.size = (1 + u8::from(n & 0x20 != 0), 1 + u8::from(n & 0x10 != 0));
            }
            Op::CodeTable(n) => self.table = *n,
            Op::CancelKanji => {}
            Op::FeedLines(n) => {
                self.flush_line(false);
                self.advance(u32::from(*n) * LINE_SPACING);
            }
            Op::FeedDots(n) => {
                self.flush_line(false);
                self.advance(u32::from(*n));
            }
            Op::Cut => {
                self.flush_line(false);
                self.advance(8);
                self.ensure(self.y + 2);
                for x in (0..self.width).step_by(8) {
                    self.paper.fill_rect(x, self.y, 4, 1);
                }
                self.advance(16);
                self.info.cuts += 1;
            }
            Op::Raster { width_bytes, rows, data } => {
                self.flush_line(false);
                let w = u32::from(*width_bytes) * 8;
                if let Some(bmp) = Bitmap::from_packed(w, u32::from(*rows), data.clone()) {
                    self.place(&bmp);
                    self.info.raster_images += 1;
                }
            }
            Op::QrModel(_) => {}
            Op::QrModule(n) => self.qr_module = (*n).clamp(1, 16),
            Op::QrEc(e) => self.qr_ec = *e,
            Op::QrStore(d) => self.qr_data = d.clone(),
            Op::QrPrint => self.qr_print(),
            Op::BarcodeHeight(h) => self.bc_height = *h,
            Op::BarcodeModule(m) => self.bc_module = *m,
            Op::HriPosition(p) => self.hri = *p,
            Op::Barcode { m, data } => self.barcode(*m, data),
            Op::StatusRequest(_) => {}
            Op::Other(_) | Op::Truncated(_) => self.info.ignored += 1,
        }
    }

    /// Finishes the page: prints a pending line, returns the paper (with an 8-dot margin each side) and
    /// what was printed.
    pub fn finish(mut self) -> (Bitmap, RenderInfo) {
        self.flush_line(false);
        let margin = 16;
        let h = self.y.min(self.paper.height()) + 2 * margin;
        let mut out = Bitmap::new(self.width + 2 * margin, h);
        out.blit(&self.paper.crop(0, 0, self.width, self.y), i64::from(margin), i64::from(margin));
        (out, self.info)
    }
}

/// Renders a list of ops.
pub fn render_ops(ops: &[Op], width_dots: u32) -> (Bitmap, RenderInfo) {
    let mut r = Renderer::new(width_dots);
    for op in ops {
        r.apply(op);
    }
    r.finish()
}

/// Writes a bitmap as an 8-bit greyscale PNG (black ink on white).
pub fn write_png(bmp: &Bitmap, w: impl Write) -> Result<()> {
    let mut enc = png::Encoder::new(w, bmp.width().max(1), bmp.height().max(1));
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| Error::Png(e.to_string()))?;
    let mut data = Vec::with_capacity((bmp.width().max(1) * bmp.height().max(1)) as usize);
    for y in 0..bmp.height().max(1) {
        for x in 0..bmp.width().max(1) {
            data.push(if bmp.get(x, y) { 0 } else { 255 });
        }
    }
    writer.write_image_data(&data).map_err(|e| Error::Png(e.to_string()))?;
    writer.finish().map_err(|e| Error::Png(e.to_string()))
}

/// Renders job bytes straight to a PNG file; returns what was printed.
pub fn render_job_to_png(bytes: &[u8], width_dots: u32, path: &std::path::Path) -> Result<RenderInfo> {
    let ops = super::parser::parse_all(bytes);
    let (bmp, info) = render_ops(&ops, width_dots);
    let file = std::fs::File::create(path).map_err(|e| Error::Png(format!("{}: {e}", path.display())))?;
    write_png(&bmp, std::io::BufWriter::new(file))?;
    Ok(info)
}
