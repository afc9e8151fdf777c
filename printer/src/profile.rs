//! Printer profiles: what a model can do, as TOML data a technician can extend.
//!
//! The built-in profiles (`printer/profiles/*.toml`) are compiled into the binary. A technician can add
//! or override profiles by dropping `*.toml` files in a directory and passing it to
//! [`ProfileSet::load_dir`] (`kioskctl printer --profiles DIR`). A file with the `id` of a built-in profile
//! replaces it.
//!
//! ```toml
//! id = "epson-tm-t20"
//! name = "Epson TM-T20 (II/III)"
//! paper = "80mm"            # or "58mm"; width_dots overrides the width (e.g. 512 on 180 dpi models)
//! text_mode = "raster"      # default mode for text that is not plain ASCII: raster | cp1258 | tcvn3 | ascii
//! cp1258_table = 52         # ESC t n selecting WPC1258 (omit when the printer has none)
//! tcvn3_tables = [30, 31]   # ESC t n for TCVN-3 lower / upper case tables (omit when none)
//! ascii_table = 0           # ESC t n for the printer's base table (CP437 on Epson)
//! fs_dot = false            # send FS . first: printer starts in Chinese double-byte mode
//! native_qr = true          # GS ( k supported; otherwise QR is drawn as raster
//! status = true             # answers DLE EOT
//! cut = "partial"           # partial | full | none
//! feed_before_cut = 4       # lines fed before cutting
//! raster_band_rows = 256    # GS v 0 images are split into bands of at most this many rows
//! raster_align = "esc_a"    # esc_a: printer honours ESC a for GS v 0 | pad: pad the image instead
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Paper width class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Paper {
    #[serde(rename = "80mm")]
    Mm80,
    #[serde(rename = "58mm")]
    Mm58,
}

impl Paper {
    /// Printable width in dots at 203 dpi.
    pub fn dots(self) -> u16 {
        match self {
            Paper::Mm80 => 576,
            Paper::Mm58 => 384,
        }
    }
}

/// How text that is not plain ASCII reaches paper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextMode {
    /// Rendered with the bundled font and sent as `GS v 0` (only lines that need it).
    Raster,
    /// WPC1258 code page (`ESC t n`), tone marks as combining bytes.
    Cp1258,
    /// TCVN-3 (`ESC t 30/31`), precomposed.
    Tcvn3,
    /// Diacritics removed; last resort.
    Ascii,
}

impl TextMode {
    pub fn name(self) -> &'static str {
        match self {
            TextMode::Raster => "raster",
            TextMode::Cp1258 => "cp1258",
            TextMode::Tcvn3 => "tcvn3",
            TextMode::Ascii => "ascii",
        }
    }
}

impl fmt::Display for TextMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TextMode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "raster" => Ok(TextMode::Raster),
            "cp1258" | "wpc1258" | "windows-1258" => Ok(TextMode::Cp1258),
            "tcvn3" | "tcvn-3" => Ok(TextMode::Tcvn3),
            "ascii" => Ok(TextMode::Ascii),
            other => Err(format!("unknown text mode {other:?} (raster, cp1258, tcvn3, ascii)")),
        }
    }
}

/// Paper cut command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cut {
    Partial,
    Full,
    None,
}

/// How a raster line narrower than the paper is aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RasterAlign {
    /// `ESC a` applies to `GS v 0` (Epson and most clones): only the ink is sent.
    EscA,
    /// Pad the image with white bytes.
    Pad,
}

fn default_true() -> bool {
    true
}
fn default_ascii_table() -> u8 {
    0
}
fn default_feed() -> u8 {
    4
}
fn default_band() -> u16 {
    256
}
fn default_cut() -> Cut {
    Cut::Partial
}
fn default_raster_align() -> RasterAlign {
    RasterAlign::EscA
}

/// One printer model's capabilities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub paper: Paper,
    /// Overrides the paper's printable width in dots.
    #[serde(default)]
    pub width_dots: Option<u16>,
    pub text_mode: TextMode,
    #[serde(default)]
    pub cp1258_table: Option<u8>,
    #[serde(default)]
    pub tcvn3_tables: Option<[u8; 2]>,
    #[serde(default = "default_ascii_table")]
    pub ascii_table: u8,
    #[serde(default)]
    pub fs_dot: bool,
    #[serde(default = "default_true")]
    pub native_qr: bool,
    #[serde(default = "default_true")]
    pub status: bool,
    #[serde(default = "default_cut")]
    pub cut: Cut,
    #[serde(default = "default_feed")]
    pub feed_before_cut: u8,
    #[serde(default = "default_band")]
    pub raster_band_rows: u16,
    #[serde(default = "default_raster_align")]
    pub raster_align: RasterAlign,
}

impl Profile {
    /// Printable width in dots.
    pub fn width_dots(&self) -> u16 {
        self.width_dots.unwrap_or(self.paper.dots())
    }

    /// Columns of font A (12 dots wide) at size 1.
    pub fn columns(&self) -> usize {
        usize::from(self.width_dots() / 12)
    }

    /// Whether the profile can print `mode`.
    pub fn supports(&self, mode: TextMode) -> bool {
        match mode {
            TextMode::Raster | TextMode::Ascii => true,
            TextMode::Cp1258 => self.cp1258_table.is_some(),
            TextMode::Tcvn3 => self.tcvn3_tables.is_some(),
        }
    }

    /// Parses one profile from TOML; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Profile> {
        let p: Profile =
            toml::from_str(text).map_err(|e| Error::Profile { origin: origin.to_string(), reason: e.to_string() })?;
        p.validate(origin)?;
        Ok(p)
    }

    fn validate(&self, origin: &str) -> Result<()> {
        let bad = |reason: String| Error::Profile { origin: origin.to_string(), reason };
        if self.id.is_empty() || !self.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(bad(format!("id {:?} must be ASCII letters, digits, - or _", self.id)));
        }
        let w = self.width_dots();
        if !(128..=832).contains(&w) || !w.is_multiple_of(8) {
            return Err(bad(format!("width_dots {w} must be a multiple of 8 between 128 and 832")));
        }
        if self.raster_band_rows == 0 {
            return Err(bad("raster_band_rows must be at least 1".into()));
        }
        if !self.supports(self.text_mode) {
            return Err(bad(format!("text_mode {} needs its code page table", self.text_mode)));
        }
        Ok(())
    }
}

const BUILTIN: &[(&str, &str)] = &[
    ("epson-tm-t20.toml", include_str!("../profiles/epson-tm-t20.toml")),
    ("epson-tm-t82.toml", include_str!("../profiles/epson-tm-t82.toml")),
    ("epson-tm-t88.toml", include_str!("../profiles/epson-tm-t88.toml")),
    ("xprinter-xp58.toml", include_str!("../profiles/xprinter-xp58.toml")),
    ("xprinter-xp80.toml", include_str!("../profiles/xprinter-xp80.toml")),
    ("generic-58.toml", include_str!("../profiles/generic-58.toml")),
    ("generic-80.toml", include_str!("../profiles/generic-80.toml")),
];

/// A set of profiles by id.
#[derive(Clone, Debug, Default)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Profile>,
}

impl ProfileSet {
    /// The profiles compiled into the binary.
    pub fn builtin() -> ProfileSet {
        let mut set = ProfileSet::default();
        for (file, text) in BUILTIN {
            // Built-in profiles are tested; a broken one is a build defect.
            let p = Profile::from_toml(text, file).expect("built-in printer profile is valid");
            set.insert(p);
        }
        set
    }

    /// Adds or replaces a profile.
    pub fn insert(&mut self, p: Profile) {
        self.profiles.insert(p.id.to_ascii_lowercase(), p);
    }

    /// Loads every `*.toml` in `dir` (not recursive), replacing built-ins with the same id.
    pub fn load_dir(&mut self, dir: &Path) -> Result<usize> {
        let origin = dir.display().to_string();
        let entries =
            std::fs::read_dir(dir).map_err(|e| Error::Profile { origin: origin.clone(), reason: e.to_string() })?;
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in &paths {
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::Profile { origin: origin.clone(), reason: e.to_string() })?;
            self.insert(Profile::from_toml(&text, &origin)?);
        }
        Ok(paths.len())
    }

    /// Looks a profile up by id (case-insensitive).
    pub fn get(&self, id: &str) -> Result<&Profile> {
        self.profiles
            .get(&id.to_ascii_lowercase())
            .ok_or_else(|| Error::UnknownProfile { name: id.to_string(), known: self.ids().join(", ") })
    }

    pub fn ids(&self) -> Vec<&str> {
        self.profiles.values().map(|p| p.id.as_str()).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.values()
    }
}
