//! Gray frames: the one pixel format every decoder in this crate reads.
//!
//! Cameras deliver YUYV (the Y plane already is the gray image, so [`GrayFrame::from_yuyv`]
//! only picks every other byte), MJPEG or RGB; files are decoded with the `image` crate.
//! The helpers here (downscale, rotate, invert, contrast stretch, box blur) are the
//! preprocessing steps of the decode cascade; all are plain loops over `u8`.

use std::path::Path;

use crate::error::FrameError;

/// An 8-bit luminance image, row-major, `data.len() == width * height`.
#[derive(Clone, PartialEq, Eq)]
pub struct GrayFrame {
    width: usize,
    height: usize,
    data: Vec<u8>,
}

impl std::fmt::Debug for GrayFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GrayFrame({}x{})", self.width, self.height)
    }
}

/// Largest side accepted (guards against decompression bombs and absurd allocations).
pub const MAX_SIDE: usize = 16_384;

impl GrayFrame {
    /// Wraps a luminance buffer. Fails when the size does not match or is zero.
    pub fn from_luma(width: usize, height: usize, data: Vec<u8>) -> Result<Self, FrameError> {
        check_dims(width, height)?;
        if data.len() != width * height {
            return Err(FrameError::BufferSize { expected: width * height, got: data.len() });
        }
        Ok(Self { width, height, data })
    }

    /// A frame of one colour.
    pub fn filled(width: usize, height: usize, value: u8) -> Self {
        Self { width, height, data: vec![value; width * height] }
    }

    /// YUYV 4:2:2 (Y0 U Y1 V per two pixels): the gray image is every even byte.
    pub fn from_yuyv(width: usize, height: usize, yuyv: &[u8]) -> Result<Self, FrameError> {
        check_dims(width, height)?;
        let expected = width * height * 2;
        if yuyv.len() < expected {
            return Err(FrameError::BufferSize { expected, got: yuyv.len() });
        }
        let data = yuyv[..expected].iter().step_by(2).copied().collect();
        Ok(Self { width, height, data })
    }

    /// Packed RGB8: luminance with the integer BT.601 weights.
    pub fn from_rgb(width: usize, height: usize, rgb: &[u8]) -> Result<Self, FrameError> {
        check_dims(width, height)?;
        let expected = width * height * 3;
        if rgb.len() < expected {
            return Err(FrameError::BufferSize { expected, got: rgb.len() });
        }
        let data = rgb[..expected]
            .chunks_exact(3)
            .map(|p| ((77 * p[0] as u32 + 150 * p[1] as u32 + 29 * p[2] as u32) >> 8) as u8)
            .collect();
        Ok(Self { width, height, data })
    }

    /// Decodes an encoded image (PNG, JPEG) held in memory.
    pub fn decode_image(bytes: &[u8]) -> Result<Self, FrameError> {
        let err = |e: image::ImageError| FrameError::Image(e.to_string());
        let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| FrameError::Image(e.to_string()))?;
        // Refuse decompression bombs before allocating: sides up to MAX_SIDE, 256 MiB at most.
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_SIDE as u32);
        limits.max_image_height = Some(MAX_SIDE as u32);
        limits.max_alloc = Some(256 << 20);
        reader.limits(limits);
        let img = reader.decode().map_err(err)?;
        Self::from_dynamic(img)
    }

    /// Reads an image file (PNG, JPEG).
    pub fn open(path: &Path) -> Result<Self, FrameError> {
        let bytes = std::fs::read(path).map_err(|e| FrameError::Io { path: path.display().to_string(), source: e })?;
        Self::decode_image(&bytes)
    }

    fn from_dynamic(img: image::DynamicImage) -> Result<Self, FrameError> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        check_dims(w, h)?;
        // Transparent pixels are composited over white (screenshots of codes often are RGBA).
        let rgba = img.to_rgba8();
        let data = rgba
            .pixels()
            .map(|p| {
                let [r, g, b, a] = p.0;
                let y = (77 * r as u32 + 150 * g as u32 + 29 * b as u32) >> 8;
                ((y * a as u32 + 255 * (255 - a as u32)) / 255) as u8
            })
            .collect();
        Ok(Self { width: w, height: h, data })
    }

    /// Writes the frame as an 8-bit gray PNG.
    pub fn save_png(&self, path: &Path) -> Result<(), FrameError> {
        image::save_buffer(path, &self.data, self.width as u32, self.height as u32, image::ExtendedColorType::L8)
            .map_err(|e| FrameError::Image(e.to_string()))
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Row-major pixels.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Mutable row-major pixels.
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// The pixel at (x, y).
    #[inline]
    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.data[y * self.width + x]
    }

    /// Box-filter downscale by an integer factor (averaging `f`×`f` blocks).
    pub fn downscale(&self, f: usize) -> GrayFrame {
        if f <= 1 {
            return self.clone();
        }
        let (w, h) = ((self.width / f).max(1), (self.height / f).max(1));
        let mut data = vec![0u8; w * h];
        let area = (f * f) as u32;
        let mut acc = vec![0u32; w];
        for y in 0..h {
            acc.iter_mut().for_each(|a| *a = 0);
            for dy in 0..f {
                let sy = (y * f + dy).min(self.height - 1);
                let row = &self.data[sy * self.width..(sy + 1) * self.width];
                for (x, a) in acc.iter_mut().enumerate() {
                    let start = x * f;
                    let end = (start + f).min(self.width);
                    *a += row[start..end].iter().map(|&v| v as u32).sum::<u32>();
                }
            }
            for (x, a) in acc.iter().enumerate() {
                data[y * w + x] = (a / area) as u8;
            }
        }
        GrayFrame { width: w, height: h, data }
    }

    /// Bilinear resize to the given size.
    pub fn resize(&self, w: usize, h: usize) -> GrayFrame {
        let w = w.max(1);
        let h = h.max(1);
        let mut data = vec![0u8; w * h];
        let sx = self.width as f32 / w as f32;
        let sy = self.height as f32 / h as f32;
        for y in 0..h {
            let fy = ((y as f32 + 0.5) * sy - 0.5).max(0.0);
            let y0 = (fy as usize).min(self.height - 1);
            let y1 = (y0 + 1).min(self.height - 1);
            let ty = fy - y0 as f32;
            for x in 0..w {
                let fx = ((x as f32 + 0.5) * sx - 0.5).max(0.0);
                let x0 = (fx as usize).min(self.width - 1);
                let x1 = (x0 + 1).min(self.width - 1);
                let tx = fx - x0 as f32;
                let a = self.get(x0, y0) as f32 * (1.0 - tx) + self.get(x1, y0) as f32 * tx;
                let b = self.get(x0, y1) as f32 * (1.0 - tx) + self.get(x1, y1) as f32 * tx;
                data[y * w + x] = (a * (1.0 - ty) + b * ty + 0.5) as u8;
            }
        }
        GrayFrame { width: w, height: h, data }
    }

    /// Rotation by a quarter turn clockwise, `turns` times.
    pub fn rotate90(&self, turns: u8) -> GrayFrame {
        let (w, h) = (self.width, self.height);
        match turns % 4 {
            0 => self.clone(),
            2 => {
                let mut data = self.data.clone();
                data.reverse();
                GrayFrame { width: w, height: h, data }
            }
            t => {
                let mut data = vec![0u8; w * h];
                for y in 0..h {
                    for x in 0..w {
                        // clockwise: (x, y) -> (h-1-y, x); counter-clockwise: (y, w-1-x)
                        let (nx, ny) = if t == 1 { (h - 1 - y, x) } else { (y, w - 1 - x) };
                        data[ny * h + nx] = self.data[y * w + x];
                    }
                }
                GrayFrame { width: h, height: w, data }
            }
        }
    }

    /// Rotation by an arbitrary angle (degrees, clockwise) about the centre, keeping the
    /// frame size; uncovered pixels become white. Used to synthesise tilted test frames.
    pub fn rotate_degrees(&self, degrees: f32) -> GrayFrame {
        let (w, h) = (self.width, self.height);
        let (s, c) = degrees.to_radians().sin_cos();
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let mut data = vec![255u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let dx = x as f32 + 0.5 - cx;
                let dy = y as f32 + 0.5 - cy;
                let sx = c * dx + s * dy + cx - 0.5;
                let sy = -s * dx + c * dy + cy - 0.5;
                if sx >= 0.0 && sy >= 0.0 && sx < (w - 1) as f32 && sy < (h - 1) as f32 {
                    let (x0, y0) = (sx as usize, sy as usize);
                    let (tx, ty) = (sx - x0 as f32, sy - y0 as f32);
                    let a = self.get(x0, y0) as f32 * (1.0 - tx) + self.get(x0 + 1, y0) as f32 * tx;
                    let b = self.get(x0, y0 + 1) as f32 * (1.0 - tx) + self.get(x0 + 1, y0 + 1) as f32 * tx;
                    data[y * w + x] = (a * (1.0 - ty) + b * ty + 0.5) as u8;
                }
            }
        }
        GrayFrame { width: w, height: h, data }
    }

    /// Photographic negative.
    pub fn inverted(&self) -> GrayFrame {
        GrayFrame { width: self.width, height: self.height, data: self.data.iter().map(|&v| 255 - v).collect() }
    }

    /// Linear stretch so that the 1st and 99th percentiles map to 0 and 255.
    pub fn stretched(&self) -> GrayFrame {
        let hist = self.histogram();
        let n = self.data.len() as u64;
        let (lo, hi) = (percentile(&hist, n, 1), percentile(&hist, n, 99));
        if hi <= lo {
            return self.clone();
        }
        let span = (hi - lo) as u32;
        let lut: Vec<u8> = (0..256u32)
            .map(|v| {
                if v <= lo as u32 {
                    0
                } else if v >= hi as u32 {
                    255
                } else {
                    ((v - lo as u32) * 255 / span) as u8
                }
            })
            .collect();
        GrayFrame { width: self.width, height: self.height, data: self.data.iter().map(|&v| lut[v as usize]).collect() }
    }

    /// Separable box blur of radius `r` (used for denoising and for test degradation).
    pub fn box_blur(&self, r: usize) -> GrayFrame {
        if r == 0 {
            return self.clone();
        }
        let (w, h) = (self.width, self.height);
        let mut tmp = vec![0u8; w * h];
        let mut out = vec![0u8; w * h];
        for y in 0..h {
            let row = &self.data[y * w..(y + 1) * w];
            blur_line(row, &mut tmp[y * w..(y + 1) * w], r);
        }
        let mut col = vec![0u8; h];
        let mut col_out = vec![0u8; h];
        for x in 0..w {
            for y in 0..h {
                col[y] = tmp[y * w + x];
            }
            blur_line(&col, &mut col_out, r);
            for y in 0..h {
                out[y * w + x] = col_out[y];
            }
        }
        GrayFrame { width: w, height: h, data: out }
    }

    /// Vertical-only box blur of radius `r`: averages rows, which keeps the bars of a
    /// horizontal 1D code sharp while cutting noise and print defects.
    pub fn vertical_blur(&self, r: usize) -> GrayFrame {
        if r == 0 {
            return self.clone();
        }
        let (w, h) = (self.width, self.height);
        let mut out = vec![0u8; w * h];
        let mut col = vec![0u8; h];
        let mut col_out = vec![0u8; h];
        for x in 0..w {
            for (c, row) in col.iter_mut().zip(self.data.chunks_exact(w)) {
                *c = row[x];
            }
            blur_line(&col, &mut col_out, r);
            for (&c, row) in col_out.iter().zip(out.chunks_exact_mut(w)) {
                row[x] = c;
            }
        }
        GrayFrame { width: w, height: h, data: out }
    }

    /// Horizontal-only unsharp mask: `I + k·(I − hblur(I))` with a radius-`r` box blur,
    /// for bars smeared by defocus.
    pub fn sharpened_horizontal(&self, r: usize, k: i32) -> GrayFrame {
        let (w, h) = (self.width, self.height);
        let mut blurred = vec![0u8; w];
        let mut data = vec![0u8; w * h];
        for y in 0..h {
            let row = &self.data[y * w..(y + 1) * w];
            blur_line(row, &mut blurred, r);
            for x in 0..w {
                let v = row[x] as i32;
                data[y * w + x] = (v + k * (v - blurred[x] as i32)).clamp(0, 255) as u8;
            }
        }
        GrayFrame { width: w, height: h, data }
    }

    /// Unsharp mask: `2·I − blur(I)` with a radius-`r` box blur.
    pub fn sharpened(&self, r: usize) -> GrayFrame {
        let blur = self.box_blur(r);
        GrayFrame {
            width: self.width,
            height: self.height,
            data: self
                .data
                .iter()
                .zip(&blur.data)
                .map(|(&a, &b)| (2 * a as i32 - b as i32).clamp(0, 255) as u8)
                .collect(),
        }
    }

    /// 256-bin histogram.
    pub fn histogram(&self) -> [u64; 256] {
        let mut hist = [0u64; 256];
        for &v in &self.data {
            hist[v as usize] += 1;
        }
        hist
    }

    /// Otsu's global threshold.
    pub fn otsu_threshold(&self) -> u8 {
        let hist = self.histogram();
        let total = self.data.len() as f64;
        let sum: f64 = hist.iter().enumerate().map(|(i, &c)| i as f64 * c as f64).sum();
        let (mut w_b, mut sum_b, mut best, mut best_t) = (0.0, 0.0, -1.0, 127u8);
        for (t, &c) in hist.iter().enumerate() {
            w_b += c as f64;
            if w_b == 0.0 {
                continue;
            }
            let w_f = total - w_b;
            if w_f == 0.0 {
                break;
            }
            sum_b += t as f64 * c as f64;
            let m_b = sum_b / w_b;
            let m_f = (sum - sum_b) / w_f;
            let between = w_b * w_f * (m_b - m_f) * (m_b - m_f);
            if between > best {
                best = between;
                best_t = t as u8;
            }
        }
        best_t
    }

    /// Copies `src` into this frame with its top-left corner at (x, y), clipped.
    pub fn paste(&mut self, src: &GrayFrame, x: usize, y: usize) {
        for sy in 0..src.height {
            let ty = y + sy;
            if ty >= self.height {
                break;
            }
            let n = src.width.min(self.width.saturating_sub(x));
            let dst = &mut self.data[ty * self.width + x..ty * self.width + x + n];
            dst.copy_from_slice(&src.data[sy * src.width..sy * src.width + n]);
        }
    }

    /// A sub-rectangle (clipped to the frame).
    pub fn crop(&self, x: usize, y: usize, w: usize, h: usize) -> GrayFrame {
        let x = x.min(self.width - 1);
        let y = y.min(self.height - 1);
        let w = w.min(self.width - x).max(1);
        let h = h.min(self.height - y).max(1);
        let mut data = Vec::with_capacity(w * h);
        for row in y..y + h {
            data.extend_from_slice(&self.data[row * self.width + x..row * self.width + x + w]);
        }
        GrayFrame { width: w, height: h, data }
    }
}

fn blur_line(src: &[u8], dst: &mut [u8], r: usize) {
    let n = src.len();
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0u32);
    for &v in src {
        let last = *prefix.last().unwrap_or(&0);
        prefix.push(last + v as u32);
    }
    for (i, d) in dst.iter_mut().enumerate() {
        let a = i.saturating_sub(r);
        let b = (i + r + 1).min(n);
        *d = ((prefix[b] - prefix[a]) / (b - a) as u32) as u8;
    }
}

fn percentile(hist: &[u64; 256], n: u64, pct: u64) -> u8 {
    let target = n * pct / 100;
    let mut acc = 0;
    for (i, &c) in hist.iter().enumerate() {
        acc += c;
        if acc > target {
            return i as u8;
        }
    }
    255
}

fn check_dims(width: usize, height: usize) -> Result<(), FrameError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(FrameError::Dimensions { width, height });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: usize, h: usize) -> GrayFrame {
        let data = (0..w * h).map(|i| (i % 251) as u8).collect();
        GrayFrame::from_luma(w, h, data).unwrap()
    }

    #[test]
    fn yuyv_takes_luma() {
        let yuyv = [10, 128, 20, 128, 30, 128, 40, 128];
        let f = GrayFrame::from_yuyv(4, 1, &yuyv).unwrap();
        assert_eq!(f.data(), &[10, 20, 30, 40]);
        assert!(GrayFrame::from_yuyv(4, 2, &yuyv).is_err());
    }

    #[test]
    fn rotations_compose() {
        let f = ramp(7, 3);
        assert_eq!(f.rotate90(1).rotate90(3), f);
        assert_eq!(f.rotate90(1).rotate90(1), f.rotate90(2));
        let r = f.rotate90(1);
        assert_eq!((r.width(), r.height()), (3, 7));
        // top-left goes to top-right under a clockwise turn
        assert_eq!(r.get(2, 0), f.get(0, 0));
    }

    #[test]
    fn downscale_averages() {
        let f = GrayFrame::from_luma(2, 2, vec![0, 100, 200, 100]).unwrap();
        assert_eq!(f.downscale(2).data(), &[100]);
    }

    #[test]
    fn bad_sizes_rejected() {
        assert!(GrayFrame::from_luma(0, 5, vec![]).is_err());
        assert!(GrayFrame::from_luma(2, 2, vec![0; 3]).is_err());
        assert!(GrayFrame::decode_image(b"not an image").is_err());
        // a PNG header claiming 100000 x 100000 pixels is refused before decoding
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(GrayFrame::decode_image(&png).is_err());
    }

    #[test]
    fn otsu_splits_bimodal() {
        let mut data = vec![20u8; 50];
        data.extend(vec![220u8; 50]);
        let t = GrayFrame::from_luma(10, 10, data).unwrap().otsu_threshold();
        assert!((20..220).contains(&t));
    }
}
