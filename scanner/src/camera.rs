//! V4L2 cameras through `nokhwa` (cargo feature `camera`; building it needs `libclang-dev`).
//!
//! Frames are asked for in YUYV first (the Y plane is the gray image: no colour conversion,
//! [`GrayFrame::from_yuyv`]), then GRAY, NV12 (Y plane first), MJPEG (decoded with the
//! `image` crate's JPEG decoder) and raw RGB. Without the feature every function returns
//! [`SourceError::CameraUnavailable`], so callers need no `cfg`.

use crate::error::SourceError;
#[cfg(feature = "camera")]
use crate::frame::GrayFrame;
use crate::source::FrameSource;

/// A camera the system lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraDevice {
    /// Index to open it with (`/dev/videoN`).
    pub index: u32,
    /// Human-readable name.
    pub name: String,
    /// Driver description.
    pub description: String,
}

/// Lists cameras.
pub fn list() -> Result<Vec<CameraDevice>, SourceError> {
    imp::list()
}

/// An open camera stream.
pub struct Camera {
    #[cfg(feature = "camera")]
    inner: nokhwa::Camera,
    #[cfg(not(feature = "camera"))]
    _never: std::convert::Infallible,
}

impl std::fmt::Debug for Camera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Camera").finish_non_exhaustive()
    }
}

impl Camera {
    /// Opens camera `index`, asking for the resolution closest to `width`×`height` at
    /// 30 fps in YUYV when offered.
    pub fn open(index: u32, width: u32, height: u32) -> Result<Self, SourceError> {
        imp::open(index, width, height)
    }
}

impl FrameSource for Camera {
    fn next_frame(&mut self) -> Result<Option<crate::GrayFrame>, SourceError> {
        imp::next_frame(self).map(Some)
    }
}

#[cfg(feature = "camera")]
mod imp {
    use super::*;
    use nokhwa::utils::{ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType};

    fn err(e: nokhwa::NokhwaError) -> SourceError {
        SourceError::Camera(e.to_string())
    }

    pub fn list() -> Result<Vec<CameraDevice>, SourceError> {
        let infos = nokhwa::query(ApiBackend::Video4Linux).map_err(err)?;
        Ok(infos
            .into_iter()
            .map(|i| CameraDevice {
                index: i.index().as_index().unwrap_or(0),
                name: i.human_name(),
                description: i.description().to_owned(),
            })
            .collect())
    }

    static FORMATS: [FrameFormat; 5] =
        [FrameFormat::YUYV, FrameFormat::GRAY, FrameFormat::NV12, FrameFormat::MJPEG, FrameFormat::RAWRGB];

    pub fn open(index: u32, width: u32, height: u32) -> Result<Camera, SourceError> {
        let wanted = CameraFormat::new_from(width, height, FrameFormat::YUYV, 30);
        let req = RequestedFormat::with_formats(RequestedFormatType::Closest(wanted), &FORMATS);
        let mut cam =
            nokhwa::Camera::with_backend(CameraIndex::Index(index), req, ApiBackend::Video4Linux).map_err(err)?;
        cam.open_stream().map_err(err)?;
        Ok(Camera { inner: cam })
    }

    pub fn next_frame(cam: &mut Camera) -> Result<GrayFrame, SourceError> {
        let buf = cam.inner.frame().map_err(err)?;
        let res = buf.resolution();
        let (w, h) = (res.width() as usize, res.height() as usize);
        let data = buf.buffer();
        Ok(match buf.source_frame_format() {
            FrameFormat::YUYV => GrayFrame::from_yuyv(w, h, data)?,
            FrameFormat::GRAY | FrameFormat::NV12 => {
                let n = w * h;
                if data.len() < n {
                    return Err(crate::error::FrameError::BufferSize { expected: n, got: data.len() }.into());
                }
                GrayFrame::from_luma(w, h, data[..n].to_vec())?
            }
            FrameFormat::MJPEG => GrayFrame::decode_image(data)?,
            FrameFormat::RAWRGB => GrayFrame::from_rgb(w, h, data)?,
            FrameFormat::RAWBGR => {
                let rgb: Vec<u8> = data.chunks_exact(3).flat_map(|p| [p[2], p[1], p[0]]).collect();
                GrayFrame::from_rgb(w, h, &rgb)?
            }
        })
    }
}

#[cfg(not(feature = "camera"))]
mod imp {
    use super::*;

    pub fn list() -> Result<Vec<CameraDevice>, SourceError> {
        Err(SourceError::CameraUnavailable)
    }

    pub fn open(_: u32, _: u32, _: u32) -> Result<Camera, SourceError> {
        Err(SourceError::CameraUnavailable)
    }

    pub fn next_frame(cam: &mut Camera) -> Result<crate::GrayFrame, SourceError> {
        match cam._never {}
    }
}
