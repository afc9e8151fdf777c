//! Our own binarizations, producing 0/255 frames the engines then read as is.

use crate::frame::GrayFrame;

/// Pixels darker than `t` become 0, others 255.
pub fn global(frame: &GrayFrame, t: u8) -> GrayFrame {
    let data = frame.data().iter().map(|&v| if v <= t { 0 } else { 255 }).collect();
    GrayFrame::from_luma(frame.width(), frame.height(), data).expect("same size")
}

/// Local-mean threshold over a square window (radius `r`, or 1/16 of the shorter side when
/// `r == 0`): a pixel is dark when it is below 95% of the mean of its window. Uses an
/// integral image, so the cost does not depend on the radius.
pub fn local_mean(frame: &GrayFrame, r: usize) -> GrayFrame {
    let (w, h) = (frame.width(), frame.height());
    let r = if r == 0 { (w.min(h) / 16).max(4) } else { r };
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += frame.get(x, y) as u64;
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let mut data = vec![255u8; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0];
            let n = ((x1 - x0) * (y1 - y0)) as u64;
            if (frame.get(x, y) as u64) * n * 100 < sum * 95 {
                data[y * w + x] = 0;
            }
        }
    }
    GrayFrame::from_luma(w, h, data).expect("same size")
}
