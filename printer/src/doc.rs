//! The general document model: what to print, independent of the printer's language.
//!
//! A [`Document`] is a list of [`Block`]s printed top to bottom. The ticket layout ([`crate::slip`]),
//! reprints and test pages all produce one; [`crate::encode::encode`] turns it into ESC/POS bytes.

use serde::{Deserialize, Serialize};

use crate::raster::Bitmap;

/// Horizontal alignment (`ESC a`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

impl Align {
    /// The `n` of `ESC a n`.
    pub fn escpos(self) -> u8 {
        match self {
            Align::Left => 0,
            Align::Center => 1,
            Align::Right => 2,
        }
    }
}

/// Character size and emphasis of one text line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextStyle {
    /// Width multiplier 1..=8 (`GS !`).
    pub width: u8,
    /// Height multiplier 1..=8 (`GS !`).
    pub height: u8,
    pub bold: bool,
    pub align: Align,
}

impl Default for TextStyle {
    fn default() -> Self {
        TextStyle { width: 1, height: 1, bold: false, align: Align::Left }
    }
}

impl TextStyle {
    pub fn center() -> Self {
        TextStyle { align: Align::Center, ..Self::default() }
    }
    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }
    pub fn size(mut self, width: u8, height: u8) -> Self {
        self.width = width.clamp(1, 8);
        self.height = height.clamp(1, 8);
        self
    }
}

/// QR error-correction level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum QrEc {
    L,
    #[default]
    M,
    Q,
    H,
}

/// 1D symbologies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BarcodeKind {
    /// CODE128 with automatic code set selection (`GS k 73`).
    Code128,
    /// EAN-13: 12 digits (check digit computed) or 13 digits (check digit verified).
    Ean13,
}

impl BarcodeKind {
    pub fn name(self) -> &'static str {
        match self {
            BarcodeKind::Code128 => "CODE128",
            BarcodeKind::Ean13 => "EAN-13",
        }
    }
}

/// One printed element.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Block {
    /// A paragraph of text; wrapped to the paper width.
    Text { text: String, style: TextStyle },
    /// A QR code (model 2).
    Qr {
        data: String,
        /// Module size in dots (1..=16).
        module: u8,
        ec: QrEc,
        align: Align,
    },
    /// A 1D barcode with its human-readable text below.
    Barcode {
        kind: BarcodeKind,
        data: String,
        /// Bar height in dots.
        height: u8,
        /// Narrow bar width in dots (2..=6).
        module: u8,
        hri: bool,
        align: Align,
    },
    /// A 1-bit image (logo).
    Image { bitmap: Bitmap, align: Align },
    /// A horizontal separator line across the paper.
    Rule,
    /// Feed n lines.
    Feed(u8),
    /// Feed to the cutter and cut.
    Cut,
}

/// A printable document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub blocks: Vec<Block>,
}

impl Document {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }
    pub fn text(&mut self, text: impl Into<String>, style: TextStyle) -> &mut Self {
        self.push(Block::Text { text: text.into(), style })
    }
    pub fn qr(&mut self, data: impl Into<String>, module: u8, align: Align) -> &mut Self {
        self.push(Block::Qr { data: data.into(), module, ec: QrEc::M, align })
    }
    pub fn code128(&mut self, data: impl Into<String>, align: Align) -> &mut Self {
        self.push(Block::Barcode {
            kind: BarcodeKind::Code128,
            data: data.into(),
            height: 80,
            module: 2,
            hri: true,
            align,
        })
    }
    pub fn ean13(&mut self, data: impl Into<String>, align: Align) -> &mut Self {
        self.push(Block::Barcode {
            kind: BarcodeKind::Ean13,
            data: data.into(),
            height: 80,
            module: 2,
            hri: true,
            align,
        })
    }
    pub fn rule(&mut self) -> &mut Self {
        self.push(Block::Rule)
    }
    pub fn feed(&mut self, lines: u8) -> &mut Self {
        self.push(Block::Feed(lines))
    }
    pub fn cut(&mut self) -> &mut Self {
        self.push(Block::Cut)
    }
}
