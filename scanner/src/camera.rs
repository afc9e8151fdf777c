//! V4L2 cameras through `nokhwa` (cargo feature `camera`; building it needs `libclang-dev`).
//!
//! Frames are asked for in YUYV first (the Y plane is the gray image: no colour conversion,
//! [`GrayFrame::from_yuyv`]), then GRAY, NV12 (Y plane first), MJPEG (decoded with the
//! `image` crate's JPEG decoder) and raw RGB. Without the feature every function returns
//! [`SourceError::CameraUnavailable`], so callers need no `cfg`.

use crate::error::{FrameError, SourceError};
use crate::frame::GrayFrame;
use crate::source::FrameSource;

/// Pixel formats a V4L2 camera delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// YUYV 4:2:2: the gray image is every even byte (the fast path).
    Yuyv,
    /// 8-bit gray.
    Gray,
    /// NV12: a full-size Y plane followed by interleaved UV.
    Nv12,
    /// Motion JPEG: each frame a JPEG image.
    Mjpeg,
    /// Packed RGB8.
    Rgb,
    /// Packed BGR8.
    Bgr,
}

/// Converts one camera buffer to a gray frame (no colour work for YUYV, GRAY and NV12).
pub fn to_gray(format: PixelFormat, width: usize, height: usize, data: &[u8]) -> Result<GrayFrame, FrameError> {
    match format {
        PixelFormat::Yuyv => GrayFrame::from_yuyv(width, height, data),
        PixelFormat::Gray | PixelFormat::Nv12 => {
            let n = width.saturating_mul(height);
            if data.len() < n {
                return Err(FrameError::BufferSize { expected: n, got: data.len() });
            }
            GrayFrame::from_luma(width, height, data[..n].to_vec())
        }
        PixelFormat::Mjpeg => GrayFrame::decode_image(data),
        PixelFormat::Rgb => GrayFrame::from_rgb(width, height, data),
        PixelFormat::Bgr => {
            let rgb: Vec<u8> = data.chunks_exact(3).flat_map(|p| [p[2], p[1], p[0]]).collect();
            GrayFrame::from_rgb(width, height, &rgb)
        }
    }
}

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
    fn next_frame(&mut self) -> Result<Option<GrayFrame>, SourceError> {
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
        let format = match buf.source_frame_format() {
            FrameFormat::YUYV => PixelFormat::Yuyv,
            FrameFormat::GRAY => PixelFormat::Gray,
            FrameFormat::NV12 => PixelFormat::Nv12,
            FrameFormat::MJPEG => PixelFormat::Mjpeg,
            FrameFormat::RAWRGB => PixelFormat::Rgb,
            FrameFormat::RAWBGR => PixelFormat::Bgr,
        };
        Ok(to_gray(format, res.width() as usize, res.height() as usize, buf.buffer())?)
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

    pub fn next_frame(cam: &mut Camera) -> Result<GrayFrame, SourceError> {
        match cam._never {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient() -> GrayFrame {
        GrayFrame::from_luma(16, 8, (0..128).map(|i| (i * 2) as u8).collect()).unwrap()
    }

    #[test]
    fn every_camera_format_becomes_the_same_gray() {
        let g = gradient();
        let yuyv: Vec<u8> = g.data().iter().flat_map(|&y| [y, 128]).collect();
        assert_eq!(to_gray(PixelFormat::Yuyv, 16, 8, &yuyv).unwrap(), g);
        let mut nv12 = g.data().to_vec();
        nv12.extend(std::iter::repeat_n(128u8, 64));
        assert_eq!(to_gray(PixelFormat::Nv12, 16, 8, &nv12).unwrap(), g);
        assert_eq!(to_gray(PixelFormat::Gray, 16, 8, g.data()).unwrap(), g);
        let rgb: Vec<u8> = g.data().iter().flat_map(|&y| [y, y, y]).collect();
        let from_rgb = to_gray(PixelFormat::Rgb, 16, 8, &rgb).unwrap();
        assert!(from_rgb.data().iter().zip(g.data()).all(|(a, b)| a.abs_diff(*b) <= 1));
        let bgr: Vec<u8> = g.data().iter().flat_map(|&y| [y / 2, y, 255 - y]).collect();
        let rgb2: Vec<u8> = g.data().iter().flat_map(|&y| [255 - y, y, y / 2]).collect();
        assert_eq!(to_gray(PixelFormat::Bgr, 16, 8, &bgr).unwrap(), to_gray(PixelFormat::Rgb, 16, 8, &rgb2).unwrap());
        let mut jpeg = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95);
        image::ImageEncoder::write_image(enc, g.data(), 16, 8, image::ExtendedColorType::L8).unwrap();
        let from_jpeg = to_gray(PixelFormat::Mjpeg, 16, 8, &jpeg).unwrap();
        assert!(from_jpeg.data().iter().zip(g.data()).all(|(a, b)| a.abs_diff(*b) <= 6));
        assert!(to_gray(PixelFormat::Yuyv, 16, 8, &yuyv[..10]).is_err());
        assert!(to_gray(PixelFormat::Mjpeg, 16, 8, b"not a jpeg").is_err());
    }

    #[cfg(not(feature = "camera"))]
    #[test]
    fn without_the_feature_cameras_are_unavailable() {
        assert!(matches!(list(), Err(SourceError::CameraUnavailable)));
        assert!(matches!(Camera::open(0, 640, 480), Err(SourceError::CameraUnavailable)));
    }
}
