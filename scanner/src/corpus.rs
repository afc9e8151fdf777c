//! Reading a zxing black-box style corpus: `<set>/<stem>.png` with `<set>/<stem>.txt`
//! holding the expected text. Used by the corpus regression test and the benchmark.
//!
//! Two corpora, found here and nowhere else:
//! - the *subset* committed in the repository, `scanner/testdata/zxing-blackbox` (34 images,
//!   a few of every set; see its README.md): [`subset_root`], [`subset_file`]. Tests that read
//!   a few images use it, so they pass on a fresh clone.
//! - the *full* corpus (436 images, 55 MB, not in the repository): the folder named by the
//!   environment variable [`DIR_VAR`] (`ZXING_BLACKBOX_DIR`), or else
//!   `../shared/corpora/zxing-blackbox` beside the repository: [`full_root`]. The full-corpus
//!   regression and the benchmarks use it. Set the variable to an empty value to look
//!   nowhere (what a fresh clone sees).

use std::fmt;
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

/// The environment variable naming the folder of the full corpus. Unset: look beside the
/// repository ([`beside_repository`]). Set to a folder: that folder only (an absolute path;
/// `cargo test` runs in the crate's folder). Set but empty: no full corpus, look nowhere.
pub const DIR_VAR: &str = "ZXING_BLACKBOX_DIR";

/// The subset committed in the repository (`scanner/testdata/zxing-blackbox`).
pub fn subset_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/zxing-blackbox")
}

/// One file of the committed subset, e.g. `subset_file("qrcode-1/1.png")`.
///
/// # Panics
/// If the file is not there (the subset's README.md lists what it holds).
pub fn subset_file(rel: &str) -> PathBuf {
    let p = subset_root().join(rel);
    assert!(
        p.is_file(),
        "{} is not in the committed test images (scanner/testdata/zxing-blackbox; its README.md lists them)",
        p.display()
    );
    p
}

/// Where the full corpus is looked for when [`DIR_VAR`] is unset:
/// `shared/corpora/zxing-blackbox` in the folder that holds the repository.
pub fn beside_repository() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().nth(2).unwrap_or(manifest).join("shared/corpora/zxing-blackbox")
}

/// Why the full corpus was not found; its message names [`DIR_VAR`] and the paths tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFound {
    /// [`DIR_VAR`] is unset and there is no corpus beside the repository (a fresh clone).
    Absent {
        /// The path looked at.
        tried: PathBuf,
    },
    /// [`DIR_VAR`] is set but empty: told to look nowhere.
    Disabled,
    /// [`DIR_VAR`] names something that is not a folder.
    NotAFolder {
        /// The variable's value.
        dir: PathBuf,
    },
}

impl NotFound {
    /// The full corpus was asked for by name ([`DIR_VAR`] set to a folder) and is missing:
    /// even a caller that can fall back to the subset should fail.
    pub fn requested(&self) -> bool {
        matches!(self, NotFound::NotAFolder { .. })
    }
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the full zxing-blackbox corpus (436 images) was not found: ")?;
        match self {
            NotFound::Absent { tried } => write!(f, "{DIR_VAR} is not set and {} does not exist", tried.display())?,
            NotFound::Disabled => write!(f, "{DIR_VAR} is set but empty, so no path was tried")?,
            NotFound::NotAFolder { dir } => {
                write!(f, "{DIR_VAR}={} is not a folder (the only path tried)", dir.display())?
            }
        }
        write!(
            f,
            "; set {DIR_VAR} to the corpus folder, or put it at {} (the repository holds only a subset, {})",
            beside_repository().display(),
            subset_root().display()
        )
    }
}

impl std::error::Error for NotFound {}

/// The full corpus: the folder named by [`DIR_VAR`], or else [`beside_repository`].
pub fn full_root() -> Result<PathBuf, NotFound> {
    find_full(std::env::var_os(DIR_VAR), beside_repository())
}

fn find_full(var: Option<std::ffi::OsString>, beside: PathBuf) -> Result<PathBuf, NotFound> {
    match var {
        Some(v) if v.is_empty() => Err(NotFound::Disabled),
        Some(v) => {
            let dir = PathBuf::from(v);
            if dir.is_dir() {
                Ok(dir)
            } else {
                Err(NotFound::NotAFolder { dir })
            }
        }
        None if beside.is_dir() => Ok(beside),
        None => Err(NotFound::Absent { tried: beside }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_is_a_corpus_of_every_symbology() {
        let samples = load(&subset_root()).unwrap();
        assert!(!samples.is_empty());
        for f in Symbology::ALL {
            assert!(samples.iter().any(|s| s.format == f), "{f:?} in the subset");
        }
        assert!(subset_file("qrcode-1/1.png").is_file());
    }

    #[test]
    fn the_full_corpus_is_the_variable_or_beside_the_repository() {
        let here = subset_root();
        let nowhere = PathBuf::from("/nonexistent/zxing-blackbox");
        assert_eq!(find_full(None, here.clone()), Ok(here.clone()));
        assert_eq!(find_full(Some(here.clone().into()), nowhere.clone()), Ok(here.clone()));
        // The variable wins even when the folder beside the repository exists.
        let missing = find_full(Some(nowhere.clone().into()), here.clone()).unwrap_err();
        assert_eq!(missing, NotFound::NotAFolder { dir: nowhere.clone() });
        assert!(missing.requested());
        let msg = missing.to_string();
        assert!(msg.contains("ZXING_BLACKBOX_DIR=/nonexistent/zxing-blackbox"), "{msg}");
        assert!(msg.contains("shared/corpora/zxing-blackbox"), "{msg}");
        assert_eq!(find_full(Some("".into()), here.clone()), Err(NotFound::Disabled));
        let absent = find_full(None, nowhere.clone()).unwrap_err();
        assert!(!absent.requested());
        assert!(absent.to_string().contains("ZXING_BLACKBOX_DIR is not set and /nonexistent/zxing-blackbox"));
    }
}
