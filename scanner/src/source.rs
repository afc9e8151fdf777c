//! Frame sources: image files, a folder replayed in name order, synthetic frames, and
//! (cargo feature `camera`) a V4L2 camera ([`crate::camera`]).

use std::path::{Path, PathBuf};

use crate::error::SourceError;
use crate::frame::GrayFrame;

/// Anything that yields gray frames.
pub trait FrameSource {
    /// The next frame, `Ok(None)` when the source is exhausted.
    fn next_frame(&mut self) -> Result<Option<GrayFrame>, SourceError>;
}

/// A list of image files, read in order.
#[derive(Debug, Clone)]
pub struct ImageFiles {
    paths: Vec<PathBuf>,
    next: usize,
    looping: bool,
}

/// Extensions read by [`ImageFiles::folder`].
const IMAGE_EXTS: &[&str] = &["png", "jpg", "jpeg"];

impl ImageFiles {
    /// These files, in this order.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        Self { paths, next: 0, looping: false }
    }

    /// Every PNG/JPEG in `dir` (not recursive), sorted by name: a replay of recorded frames.
    pub fn folder(dir: &Path) -> Result<Self, SourceError> {
        let rd =
            std::fs::read_dir(dir).map_err(|e| SourceError::Folder { path: dir.display().to_string(), source: e })?;
        let mut paths: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| IMAGE_EXTS.contains(&e.to_ascii_lowercase().as_str()))
            })
            .collect();
        paths.sort();
        Ok(Self::new(paths))
    }

    /// Starts over at the end instead of ending (a looping replay for UI demos).
    pub fn looping(mut self) -> Self {
        self.looping = true;
        self
    }

    /// The files.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }
}

impl FrameSource for ImageFiles {
    fn next_frame(&mut self) -> Result<Option<GrayFrame>, SourceError> {
        if self.next >= self.paths.len() {
            if !self.looping || self.paths.is_empty() {
                return Ok(None);
            }
            self.next = 0;
        }
        let p = &self.paths[self.next];
        self.next += 1;
        Ok(Some(GrayFrame::open(p)?))
    }
}

/// Frames made in memory (tests, demos), optionally repeated.
#[derive(Debug, Clone)]
pub struct Synthetic {
    frames: Vec<GrayFrame>,
    next: usize,
    repeat: usize,
}

impl Synthetic {
    /// Yields each frame `repeat` times in turn (a code held still for a few frames).
    pub fn new(frames: Vec<GrayFrame>, repeat: usize) -> Self {
        Self { frames, next: 0, repeat: repeat.max(1) }
    }
}

impl FrameSource for Synthetic {
    fn next_frame(&mut self) -> Result<Option<GrayFrame>, SourceError> {
        let i = self.next / self.repeat;
        self.next += 1;
        Ok(self.frames.get(i).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_repeats() {
        let a = GrayFrame::filled(2, 2, 0);
        let b = GrayFrame::filled(2, 2, 255);
        let mut s = Synthetic::new(vec![a.clone(), b.clone()], 2);
        let got: Vec<_> = std::iter::from_fn(|| s.next_frame().unwrap()).collect();
        assert_eq!(got, vec![a.clone(), a, b.clone(), b]);
    }

    #[test]
    fn folder_replay_in_name_order() {
        let dir = std::env::temp_dir().join(format!("scanner-replay-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, v) in [("b.png", 200u8), ("a.png", 100), ("notes.txt", 0)] {
            if name.ends_with(".png") {
                GrayFrame::filled(3, 2, v).save_png(&dir.join(name)).unwrap();
            } else {
                std::fs::write(dir.join(name), "x").unwrap();
            }
        }
        let mut src = ImageFiles::folder(&dir).unwrap();
        assert_eq!(src.next_frame().unwrap().unwrap().get(0, 0), 100);
        assert_eq!(src.next_frame().unwrap().unwrap().get(0, 0), 200);
        assert!(src.next_frame().unwrap().is_none());
        let mut looped = ImageFiles::folder(&dir).unwrap().looping();
        for _ in 0..3 {
            assert!(looped.next_frame().unwrap().is_some());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
