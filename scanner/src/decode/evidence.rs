//! A cheap look for anything code-like, so a budgeted decoder can give up early on frames
//! that show no code (the kiosk decodes every camera frame; most show none).
//!
//! Every other row (and every eighth column) of the frame is thresholded against a running
//! mean with hysteresis (so sensor noise makes no edges), and the runs are searched for a QR
//! finder pattern (dark:light:dark:light:dark ≈ 1:1:3:1:1, rows only) and for bar-like runs
//! (12 or more consecutive narrow runs of similar width, as in any 1D symbol, upright or
//! not).

use crate::frame::GrayFrame;

/// What the row scan saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Rows crossing something shaped like a QR finder pattern.
    pub finder_rows: usize,
    /// Rows or columns crossing something shaped like a run of bars.
    pub bar_rows: usize,
    /// Bounding box `(x0, y0, x1, y1)` (exclusive ends) of everything seen.
    pub bbox: Option<(usize, usize, usize, usize)>,
}

impl Evidence {
    /// True when anything code-like was seen.
    pub fn any(&self) -> bool {
        self.finder_rows >= 2 || self.bar_rows >= 2
    }
}

/// Minimum gray-level step counted as an edge.
const DELTA: i32 = 18;

/// Scans every `step`-th row for finder patterns and bars, and every `4·step`-th column
/// for bars (a 1D code held upright).
pub fn scan(frame: &GrayFrame, step: usize) -> Evidence {
    let mut ev = Evidence::default();
    let (w, h) = (frame.width(), frame.height());
    if w < 16 || h < 16 {
        return ev;
    }
    let step = step.max(1);
    let mut runs: Vec<u32> = Vec::with_capacity(w.max(h));
    let max_finder = (w.min(h) / 3) as u32;
    let grow = |ev: &mut Evidence, b: (usize, usize, usize, usize)| {
        let e = ev.bbox.get_or_insert(b);
        *e = (e.0.min(b.0), e.1.min(b.1), e.2.max(b.2), e.3.max(b.3));
    };
    for y in (0..h).step_by(step) {
        line_runs(&frame.data()[y * w..(y + 1) * w], &mut runs);
        if let Some(span) = finder_span(&runs, max_finder) {
            ev.finder_rows += 1;
            grow(&mut ev, (span.0, y, span.1, y + 1));
        }
        if let Some(span) = bars_span(&runs) {
            ev.bar_rows += 1;
            grow(&mut ev, (span.0, y, span.1, y + 1));
        }
    }
    let mut column = vec![0u8; h];
    for x in (0..w).step_by(step * 4) {
        for (c, row) in column.iter_mut().zip(frame.data().chunks_exact(w)) {
            *c = row[x];
        }
        line_runs(&column, &mut runs);
        if let Some(span) = bars_span(&runs) {
            ev.bar_rows += 1;
            grow(&mut ev, (x, span.0, x + 1, span.1));
        }
    }
    ev
}

/// Run lengths of one line thresholded against a running mean (window 1/8 of the line)
/// with hysteresis, so that noise below [`DELTA`] makes no edges.
fn line_runs(line: &[u8], runs: &mut Vec<u32>) {
    runs.clear();
    let n_px = line.len();
    let win = (n_px / 8).max(8).min(n_px);
    let mut sum: i32 = line[..win].iter().map(|&v| v as i32).sum();
    let mut n = win as i32;
    let mut dark = (line[0] as i32) * n < sum;
    let mut run = 0u32;
    for x in 0..n_px {
        if x + win < n_px {
            sum += line[x + win] as i32;
            n += 1;
        }
        if x >= win {
            sum -= line[x - win] as i32;
            n -= 1;
        }
        // v < mean ± DELTA, without a division: v·n < sum ± DELTA·n
        let vn = line[x] as i32 * n;
        let now_dark = if dark { vn < sum + DELTA * n } else { vn < sum - DELTA * n };
        if now_dark != dark {
            runs.push(run);
            run = 0;
            dark = now_dark;
        }
        run += 1;
    }
    runs.push(run);
}

/// The x span of the first 1:1:3:1:1 pattern (at most `max_total` wide) in the runs.
fn finder_span(runs: &[u32], max_total: u32) -> Option<(usize, usize)> {
    let mut x = 0usize;
    for (i, r) in runs.windows(5).enumerate() {
        if i > 0 {
            x += runs[i - 1] as usize;
        }
        let total: u32 = r.iter().sum();
        if total < 7 || total > max_total {
            continue;
        }
        let unit = total as f32 / 7.0;
        let ok = |v: u32, k: f32| (v as f32 - k * unit).abs() <= unit * k * 0.5 + 0.5;
        if ok(r[0], 1.0) && ok(r[1], 1.0) && ok(r[2], 3.0) && ok(r[3], 1.0) && ok(r[4], 1.0) {
            return Some((x, x + total as usize));
        }
    }
    None
}

/// The x span of the first stretch of 12+ narrow runs of similar width.
fn bars_span(runs: &[u32]) -> Option<(usize, usize)> {
    let mut count = 0;
    let mut lo = u32::MAX;
    let mut hi = 0;
    let mut x = 0usize;
    let mut start = 0usize;
    let mut found: Option<(usize, usize)> = None;
    for &r in runs {
        let end = x + r as usize;
        if r == 0 || r > 40 {
            count = 0;
            lo = u32::MAX;
            hi = 0;
        } else {
            if count == 0 {
                start = x;
            }
            lo = lo.min(r);
            hi = hi.max(r);
            if hi > lo * 6 {
                count = 1;
                lo = r;
                hi = r;
                start = x;
            } else {
                count += 1;
                if count >= 12 {
                    found = Some((found.map_or(start, |f| f.0.min(start)), end));
                }
            }
        }
        x = end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_noise_has_no_evidence() {
        let mut s = 7u32;
        let data = (0..320 * 240)
            .map(|_| {
                s = s.wrapping_mul(1103515245).wrapping_add(12345);
                120 + ((s >> 16) % 16) as u8
            })
            .collect();
        let f = GrayFrame::from_luma(320, 240, data).unwrap();
        assert!(!scan(&f, 2).any());
    }

    #[test]
    fn bars_are_seen() {
        let w = 320;
        let pattern = [2usize, 1, 1, 3, 2, 1, 1, 2, 3, 1, 1, 1, 2, 2, 1, 3, 1, 2, 1, 1];
        let mut row = vec![255u8; w];
        let mut x = 60;
        for (i, &p) in pattern.iter().cycle().take(60).enumerate() {
            for _ in 0..p * 2 {
                row[x] = if i % 2 == 0 { 0 } else { 255 };
                x += 1;
            }
        }
        let data = row.iter().copied().cycle().take(w * 40).collect();
        let f = GrayFrame::from_luma(w, 40, data).unwrap();
        let ev = scan(&f, 2);
        assert!(ev.bar_rows > 2);
        let (x0, _, x1, _) = ev.bbox.unwrap();
        assert!(x0 >= 55 && x1 <= 60 + 2 * 34 * 3 + 5, "{ev:?}");
        // held upright: seen by the column scan
        assert!(scan(&f.rotate90(1), 2).bar_rows > 2);
    }
}
