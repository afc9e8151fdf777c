//! [`Document`] → the bytes of one ESC/POS job, for a [`Profile`] and a [`TextMode`].
//!
//! Plain ASCII lines always go out as printer text (a few bytes). Other lines follow the text mode:
//! code-page bytes (WPC1258, TCVN-3, ASCII transliteration), or, in raster mode, the line rendered with
//! the bundled font, trimmed to its ink, and sent as `GS v 0` with the vertical white space replaced by
//! `ESC J` feeds. Styles (`ESC a`, `ESC E`, `GS !`, `ESC t`) are only sent when they change.

use crate::barcode;
use crate::commands as cmd;
use crate::doc::{Align, BarcodeKind, Block, Document, QrEc};
use crate::encoding;
use crate::error::{Error, Result};
use crate::profile::{Cut, Profile, RasterAlign, TextMode};
use crate::raster::{self, Bitmap, RasterFont};

/// What the encoder did, for logs, tests and the benchmark.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncodeReport {
    /// Lines sent as raster images.
    pub raster_lines: usize,
    /// Bytes of `GS v 0` image data (headers included).
    pub raster_bytes: usize,
    /// Characters the code page could not hold, printed without diacritics or as `?`.
    pub approximated_chars: usize,
}

/// One encoded job.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub report: EncodeReport,
}

/// Dots per text line of font A at height 1 (24-dot characters plus the default spacing).
pub const LINE_DOTS: u32 = 30;

/// The font size used for raster text of a given height multiplier.
pub fn raster_font(height: u8, bold: bool) -> RasterFont {
    RasterFont { px: 22.0 + 14.0 * f32::from(height.clamp(1, 8) - 1), bold }
}

#[derive(Default)]
struct State {
    align: Option<Align>,
    bold: Option<bool>,
    size: Option<(u8, u8)>,
    table: Option<u8>,
}

struct Encoder<'a> {
    profile: &'a Profile,
    mode: TextMode,
    out: Vec<u8>,
    st: State,
    report: EncodeReport,
    /// Dots of white to feed before the next printed thing (raster layout).
    pending_feed: u32,
}

impl Encoder<'_> {
    fn align(&mut self, a: Align) {
        if self.st.align != Some(a) {
            cmd::align(a, &mut self.out);
            self.st.align = Some(a);
        }
    }
    fn bold(&mut self, b: bool) {
        if self.st.bold != Some(b) {
            cmd::bold(b, &mut self.out);
            self.st.bold = Some(b);
        }
    }
    fn size(&mut self, w: u8, h: u8) {
        if self.st.size != Some((w, h)) {
            cmd::size(w, h, &mut self.out);
            self.st.size = Some((w, h));
        }
    }
    fn table(&mut self, n: u8) {
        if self.st.table != Some(n) {
            cmd::code_table(n, &mut self.out);
            self.st.table = Some(n);
        }
    }
    fn flush_feed(&mut self) {
        while self.pending_feed > 0 {
            let n = self.pending_feed.min(255);
            cmd::feed_dots(n as u8, &mut self.out);
            self.pending_feed -= n;
        }
    }

    fn width(&self) -> u32 {
        u32::from(self.profile.width_dots())
    }

    fn image(&mut self, bmp: &Bitmap, align: Align) {
        self.flush_feed();
        let bmp = match self.profile.raster_align {
            RasterAlign::EscA => {
                self.align(align);
                bmp.clone()
            }
            RasterAlign::Pad => {
                self.align(Align::Left);
                let free = self.width().saturating_sub(bmp.width());
                let left = match align {
                    Align::Left => 0,
                    Align::Center => free / 2,
                    Align::Right => free,
                };
                bmp.pad_left(left)
            }
        };
        let before = self.out.len();
        raster::gs_v0(&bmp, self.profile.raster_band_rows, &mut self.out);
        self.report.raster_bytes += self.out.len() - before;
    }

    fn native_lines(&mut self, lines: &[String], style: crate::doc::TextStyle, encode: impl Fn(&mut Self, &str)) {
        self.flush_feed();
        self.align(style.align);
        self.bold(style.bold);
        self.size(style.width, style.height);
        for line in lines {
            encode(self, line);
            self.out.push(cmd::LF);
        }
    }

    fn text(&mut self, text: &str, style: crate::doc::TextStyle) -> Result<()> {
        let columns = (self.profile.columns() / usize::from(style.width.clamp(1, 8))).max(1);
        if text.bytes().all(|b| b == b'\n' || (0x20..0x7F).contains(&b)) {
            let lines = wrap_columns(text, columns);
            self.native_lines(&lines, style, |e, l| e.out.extend_from_slice(l.as_bytes()));
            return Ok(());
        }
        match self.mode {
            TextMode::Raster => self.raster_text(text, style),
            TextMode::Cp1258 => {
                let table = self.profile.cp1258_table.ok_or_else(|| self.unsupported())?;
                let lines = wrap_columns(text, columns);
                self.table(table);
                self.native_lines(&lines, style, |e, l| {
                    e.report.approximated_chars += encoding::encode_cp1258(l, &mut e.out);
                });
                Ok(())
            }
            TextMode::Tcvn3 => {
                let [lower, upper] = self.profile.tcvn3_tables.ok_or_else(|| self.unsupported())?;
                let lines = wrap_columns(text, columns);
                self.native_lines(&lines, style, |e, l| {
                    let mut runs = Vec::new();
                    e.report.approximated_chars += encoding::encode_tcvn3(l, &mut runs);
                    for run in runs {
                        let n = match run.table {
                            encoding::Tcvn3Table::Lower => lower,
                            encoding::Tcvn3Table::Upper => upper,
                        };
                        // A run of pure ASCII may stay in the current table.
                        if run.bytes.iter().any(|b| *b >= 0x80) || e.st.table.is_none() {
                            e.table(n);
                        }
                        e.out.extend_from_slice(&run.bytes);
                    }
                });
                Ok(())
            }
            TextMode::Ascii => {
                let lines = wrap_columns(text, columns);
                self.table(self.profile.ascii_table);
                self.native_lines(&lines, style, |e, l| {
                    e.report.approximated_chars += encoding::encode_ascii(l, &mut e.out);
                });
                Ok(())
            }
        }
    }

    fn unsupported(&self) -> Error {
        Error::TextModeUnsupported { profile: self.profile.id.clone(), mode: self.mode.name().to_string() }
    }

    fn raster_text(&mut self, text: &str, style: crate::doc::TextStyle) -> Result<()> {
        let font = raster_font(style.height, style.bold);
        let pitch = (font.px * 1.3).ceil() as u32;
        let lines = font.wrap(text, self.width() as f32 - 4.0);
        for line in lines {
            let bmp = font.render_line(&line);
            match bmp.ink_bounds() {
                None => self.pending_feed += pitch,
                Some((x, y, w, h)) => {
                    // Keep the baseline grid: white above the ink becomes a feed.
                    let top = y.saturating_sub((font.line_height().saturating_sub(pitch)) / 2);
                    let ink = bmp.crop(x, y, w, h);
                    self.pending_feed += top;
                    self.image(&ink, style.align);
                    self.report.raster_lines += 1;
                    self.pending_feed += pitch.saturating_sub(top + h);
                }
            }
        }
        Ok(())
    }

    fn qr(&mut self, data: &str, module: u8, ec: QrEc, align: Align) -> Result<()> {
        if data.is_empty() {
            return Err(Error::Qr("empty QR data".into()));
        }
        if data.len() > cmd::QR_MAX_BYTES {
            return Err(Error::Qr(format!("{} bytes, at most {}", data.len(), cmd::QR_MAX_BYTES)));
        }
        if self.profile.native_qr {
            self.flush_feed();
            self.align(align);
            cmd::qr_native(data.as_bytes(), module, ec, &mut self.out);
        } else {
            let bmp = qr_bitmap(data.as_bytes(), module, ec)?;
            self.image(&bmp, align);
        }
        Ok(())
    }

    fn barcode(
        &mut self,
        kind: BarcodeKind,
        data: &str,
        height: u8,
        module: u8,
        hri: bool,
        align: Align,
    ) -> Result<()> {
        self.flush_feed();
        // Printers silently skip a barcode wider than the paper: narrow the bars (down to 2 dots, the
        // smallest every printer takes) or refuse clearly.
        let fit = |modules: usize| -> Result<u8> {
            let width = self.width() as usize;
            let mut m = module.clamp(2, 6);
            while m > 2 && modules * usize::from(m) > width {
                m -= 1;
            }
            if modules * usize::from(m) > width {
                return Err(Error::Barcode {
                    kind: kind.name(),
                    reason: format!("{data:?} needs {} dots at the narrowest bars, the paper has {width}", modules * 2),
                });
            }
            Ok(m)
        };
        match kind {
            BarcodeKind::Code128 => {
                let d = barcode::code128_escpos_data(data)?;
                let symbol = barcode::code128_from_escpos(&d)?;
                let m = fit(symbol.values.len() * 11 + 13)?;
                self.align(align);
                cmd::barcode_setup(height, m, hri, &mut self.out);
                cmd::code128(&d, &mut self.out);
            }
            BarcodeKind::Ean13 => {
                let d = barcode::ean13_digits(data)?;
                let m = fit(95)?;
                self.align(align);
                cmd::barcode_setup(height, m, hri, &mut self.out);
                cmd::ean13(&d, &mut self.out);
            }
        }
        Ok(())
    }
}

/// A QR code as a bitmap with a 4-module quiet zone, `module` dots per module.
pub fn qr_bitmap(data: &[u8], module: u8, ec: QrEc) -> Result<Bitmap> {
    let level = match ec {
        QrEc::L => qrcode::EcLevel::L,
        QrEc::M => qrcode::EcLevel::M,
        QrEc::Q => qrcode::EcLevel::Q,
        QrEc::H => qrcode::EcLevel::H,
    };
    let code = qrcode::QrCode::with_error_correction_level(data, level).map_err(|e| Error::Qr(e.to_string()))?;
    let n = code.width() as u32;
    let colors = code.to_colors();
    let quiet = 4;
    let mut bmp = Bitmap::new(n + 2 * quiet, n + 2 * quiet);
    for y in 0..n {
        for x in 0..n {
            if colors[(y * n + x) as usize] == qrcode::Color::Dark {
                bmp.set(x + quiet, y + quiet, true);
            }
        }
    }
    let m = u32::from(module.clamp(1, 16));
    Ok(bmp.scale(m, m))
}

/// Wraps text at `columns` characters on word boundaries (NFC characters counted, long words cut).
pub fn wrap_columns(text: &str, columns: usize) -> Vec<String> {
    let text = encoding::nfc(text);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut len = 0;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let wl = word.chars().count();
            if len > 0 && len + 1 + wl <= columns {
                line.push(' ');
                line.push_str(word);
                len += 1 + wl;
                continue;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line));
            }
            let mut chars: Vec<char> = word.chars().collect();
            while chars.len() > columns {
                lines.push(chars.drain(..columns).collect());
            }
            line = chars.into_iter().collect();
            len = line.chars().count();
        }
        lines.push(line);
    }
    lines
}

/// Encodes a document into one job for `profile` in `mode`.
pub fn encode(doc: &Document, profile: &Profile, mode: TextMode) -> Result<Encoded> {
    if !profile.supports(mode) {
        return Err(Error::TextModeUnsupported { profile: profile.id.clone(), mode: mode.name().to_string() });
    }
    let mut e = Encoder {
        profile,
        mode,
        out: Vec::with_capacity(4096),
        st: State::default(),
        report: EncodeReport::default(),
        pending_feed: 0,
    };
    cmd::init(&mut e.out);
    if profile.fs_dot {
        cmd::cancel_kanji(&mut e.out);
    }
    for block in &doc.blocks {
        match block {
            Block::Text { text, style } => e.text(text, *style)?,
            Block::Qr { data, module, ec, align } => e.qr(data, *module, *ec, *align)?,
            Block::Barcode { kind, data, height, module, hri, align } => {
                e.barcode(*kind, data, *height, *module, *hri, *align)?
            }
            Block::Image { bitmap, align } => e.image(bitmap, *align),
            Block::Rule => {
                let cols = profile.columns();
                let line = "-".repeat(cols);
                e.native_lines(&[line], crate::doc::TextStyle::default(), |e, l| e.out.extend_from_slice(l.as_bytes()));
            }
            Block::Feed(n) => {
                e.pending_feed += u32::from(*n) * LINE_DOTS;
            }
            Block::Cut => {
                e.pending_feed += u32::from(profile.feed_before_cut) * LINE_DOTS;
                e.flush_feed();
                match profile.cut {
                    Cut::Partial => cmd::cut(true, 0, &mut e.out),
                    Cut::Full => cmd::cut(false, 0, &mut e.out),
                    Cut::None => {}
                }
            }
        }
    }
    e.flush_feed();
    Ok(Encoded { bytes: e.out, report: e.report })
}
