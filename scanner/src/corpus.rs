//! Reading a zxing black-box style corpus: `<set>/<stem>.png` with `<set>/<stem>.txt`
//! holding the expected text. Used by the corpus regression test and the benchmark.

use std::path::{Path, PathBuf};

use crate::decode::Symbology;
use crate::error::SourceError;

/// One image with its expected text.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Set name, e.g. `qrcode-2`.
    pub set: String,
    /// File stem, e.g. `7`.
    pub stem: String,
    /// The image.
    pub image: PathBuf,
    /// The expected decoded text, exactly.
    pub expected: String,
    /// The symbology named by the set.
    pub format: Symbology,
}

impl Sample {
    /// `set/stem.png`, the key used in floors and reports.
    pub fn key(&self) -> String {
        format!("{}/{}", self.set, self.image.file_name().unwrap_or_default().to_string_lossy())
    }
}

/// The symbology of a set from its name (`qrcode-1` → QR).
pub fn set_format(set: &str) -> Option<Symbology> {
    let kind = set.rsplit_once('-').map_or(set, |(k, _)| k);
    Some(match kind {
        "qrcode" => Symbology::QrCode,
        "code128" => Symbology::Code128,
        "ean13" => Symbology::Ean13,
        "code39" => Symbology::Code39,
        "itf" => Symbology::Itf,
        _ => return None,
    })
}

/// All samples under `root`, sorted by set then numeric stem. Sets whose name is not a
/// known symbology are skipped; images without a `.txt` are skipped.
pub fn load(root: &Path) -> Result<Vec<Sample>, SourceError> {
    let list =
        |p: &Path| std::fs::read_dir(p).map_err(|e| SourceError::Folder { path: p.display().to_string(), source: e });
    let mut out = Vec::new();
    for set in list(root)? {
        let set = set.map_err(|e| SourceError::Folder { path: root.display().to_string(), source: e })?;
        let name = set.file_name().to_string_lossy().into_owned();
        let Some(format) = set_format(&name) else {
            continue;
        };
        for f in list(&set.path())?.flatten() {
            let path = f.path();
            if path.extension().and_then(|e| e.to_str()) != Some("png") {
                continue;
            }
            let Ok(expected) = std::fs::read_to_string(path.with_extension("txt")) else {
                continue;
            };
            let stem = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            out.push(Sample { set: name.clone(), stem, image: path, expected, format });
        }
    }
    out.sort_by(|a, b| {
        (a.set.as_str(), a.stem.parse::<u32>().unwrap_or(u32::MAX), &a.stem).cmp(&(
            b.set.as_str(),
            b.stem.parse::<u32>().unwrap_or(u32::MAX),
            &b.stem,
        ))
    });
    Ok(out)
}

/// The corpus shipped beside the repository (`../shared/corpora/zxing-blackbox` from the
/// workspace root), if present.
pub fn default_root() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/zxing-blackbox");
    p.is_dir().then_some(p)
}
