//! Synthetic hard cases: codes made here, then degraded (small, rotated, blurred, noisy,
//! low contrast, inverted, uneven light), decoded through the full cascade.

use scanner::{Decoder, DecoderConfig, GrayFrame, Symbology};

const CODE: &str = "000.00.01.H29-260310-0420";

/// A QR of `text` with `px` pixels per module and a 4-module quiet zone, centred on a
/// white `w`×`h` canvas.
fn qr_frame(text: &str, px: usize, w: usize, h: usize) -> GrayFrame {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let n = code.width();
    let colors = code.to_colors();
    let side = (n + 8) * px;
    let mut sym = GrayFrame::filled(side, side, 255);
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i % n + 4, i / n + 4);
            for y in my * px..(my + 1) * px {
                for x in mx * px..(mx + 1) * px {
                    sym.data_mut()[y * side + x] = 0;
                }
            }
        }
    }
    let mut canvas = GrayFrame::filled(w, h, 255);
    canvas.paste(&sym, (w - side) / 2, (h - side) / 2);
    canvas
}

/// EAN-13 modules (95) for a 13-digit string.
fn ean13_modules(digits: &str) -> Vec<bool> {
    const L: [&str; 10] =
        ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011"];
    const PARITY: [&str; 10] =
        ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"];
    let d: Vec<usize> = digits.bytes().map(|b| (b - b'0') as usize).collect();
    let r = |k: usize| -> String { L[k].chars().map(|c| if c == '0' { '1' } else { '0' }).collect() };
    let mut s = String::from("101");
    for (i, p) in PARITY[d[0]].chars().enumerate() {
        let k = d[i + 1];
        if p == 'L' {
            s.push_str(L[k]);
        } else {
            s.extend(r(k).chars().rev());
        }
    }
    s.push_str("01010");
    for &k in &d[7..13] {
        s.push_str(&r(k));
    }
    s.push_str("101");
    s.chars().map(|c| c == '1').collect()
}

fn ean13_frame(digits: &str, px: usize, bar_h: usize, w: usize, h: usize) -> GrayFrame {
    let m = ean13_modules(digits);
    let side = (m.len() + 20) * px;
    let mut sym = GrayFrame::filled(side, bar_h, 255);
    for y in 0..bar_h {
        for (i, &dark) in m.iter().enumerate() {
            if dark {
                for x in (i + 10) * px..(i + 11) * px {
                    sym.data_mut()[y * side + x] = 0;
                }
            }
        }
    }
    let mut canvas = GrayFrame::filled(w, h, 255);
    canvas.paste(&sym, (w - side) / 2, (h - bar_h) / 2);
    canvas
}

fn noise(f: &GrayFrame, amp: i32, seed: u32) -> GrayFrame {
    let mut s = seed.max(1);
    let mut g = f.clone();
    for v in g.data_mut() {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        *v = (*v as i32 + (s % (2 * amp as u32 + 1)) as i32 - amp).clamp(0, 255) as u8;
    }
    g
}

fn contrast(f: &GrayFrame, lo: u8, hi: u8) -> GrayFrame {
    let mut g = f.clone();
    for v in g.data_mut() {
        *v = lo + ((*v as u32 * (hi - lo) as u32) / 255) as u8;
    }
    g
}

fn uneven(f: &GrayFrame) -> GrayFrame {
    let mut g = f.clone();
    let w = g.width();
    for (i, v) in g.data_mut().iter_mut().enumerate() {
        let x = i % w;
        let gain = 0.35 + 0.65 * x as f32 / w as f32;
        *v = (*v as f32 * gain) as u8;
    }
    g
}

fn reads(frame: &GrayFrame, format: Symbology, text: &str) -> bool {
    let r = Decoder::new(DecoderConfig::thorough().with_formats(&[format])).decode(frame);
    r.symbols.iter().any(|s| s.format == format && s.text == text)
}

#[track_caller]
fn assert_reads(name: &str, frame: &GrayFrame, format: Symbology, text: &str) {
    assert!(reads(frame, format, text), "{name}: {text:?} not read");
}

#[test]
fn qr_clean() {
    assert_reads("clean", &qr_frame(CODE, 6, 640, 480), Symbology::QrCode, CODE);
}

#[test]
fn qr_small() {
    // 2 px per module, then 1.5 px per module
    let f = qr_frame(CODE, 2, 640, 480);
    assert_reads("2px", &f, Symbology::QrCode, CODE);
    let f = qr_frame(CODE, 3, 640, 480).resize(427, 320);
    assert_reads("2px-resampled", &f, Symbology::QrCode, CODE);
}

#[test]
fn qr_rotated() {
    for deg in [15.0, 30.0, 45.0, 90.0, 180.0] {
        let f = qr_frame(CODE, 5, 640, 480).rotate_degrees(deg);
        assert_reads(&format!("rot{deg}"), &f, Symbology::QrCode, CODE);
    }
}

#[test]
fn qr_blurred() {
    let f = qr_frame(CODE, 6, 640, 480).box_blur(2).box_blur(2);
    assert_reads("blur", &f, Symbology::QrCode, CODE);
}

#[test]
fn qr_noisy() {
    let f = noise(&qr_frame(CODE, 5, 640, 480), 70, 17);
    assert_reads("noise", &f, Symbology::QrCode, CODE);
}

#[test]
fn qr_low_contrast_and_uneven_light() {
    let f = contrast(&qr_frame(CODE, 5, 640, 480), 110, 150);
    assert_reads("low contrast", &f, Symbology::QrCode, CODE);
    let f = uneven(&contrast(&qr_frame(CODE, 5, 640, 480), 40, 200));
    assert_reads("uneven", &f, Symbology::QrCode, CODE);
}

#[test]
fn qr_inverted() {
    let f = qr_frame(CODE, 5, 640, 480).inverted();
    assert_reads("inverted", &f, Symbology::QrCode, CODE);
}

#[test]
fn qr_combined_degradations() {
    let f = noise(&contrast(&qr_frame(CODE, 4, 800, 600).rotate_degrees(20.0).box_blur(1), 70, 190), 25, 99);
    assert_reads("combined", &f, Symbology::QrCode, CODE);
}

#[test]
fn qr_utf8_and_url_payloads() {
    let url = "https://dichvucong.example.vn/tra-cuu?maHoSo=000.00.01.H29-260310-0420";
    assert_reads("url", &qr_frame(url, 4, 640, 480), Symbology::QrCode, url);
    let vi = "Hồ sơ: H56.14-240823-0001";
    assert_reads("utf8", &qr_frame(vi, 4, 640, 480), Symbology::QrCode, vi);
}

#[test]
fn yuyv_camera_frame() {
    let gray = qr_frame(CODE, 5, 640, 480);
    let yuyv: Vec<u8> = gray.data().iter().flat_map(|&y| [y, 128]).collect();
    let f = GrayFrame::from_yuyv(640, 480, &yuyv).unwrap();
    assert_eq!(f, gray);
    let r = Decoder::new(DecoderConfig::realtime()).decode(&f);
    assert_eq!(r.symbols.first().map(|s| s.text.as_str()), Some(CODE));
}

const EAN: &str = "4006381333931";

#[test]
fn ean13_clean_rotated_blurred_noisy() {
    let f = ean13_frame(EAN, 3, 120, 640, 480);
    assert_reads("clean", &f, Symbology::Ean13, EAN);
    assert_reads("rot90", &f.rotate90(1), Symbology::Ean13, EAN);
    assert_reads("rot180", &f.rotate90(2), Symbology::Ean13, EAN);
    assert_reads("tilt12", &f.rotate_degrees(12.0), Symbology::Ean13, EAN);
    assert_reads("blur", &f.box_blur(1), Symbology::Ean13, EAN);
    assert_reads("noise", &noise(&f, 50, 5), Symbology::Ean13, EAN);
    assert_reads("low contrast", &contrast(&f, 100, 150), Symbology::Ean13, EAN);
    assert_reads("inverted", &f.inverted(), Symbology::Ean13, EAN);
}

#[test]
fn ean13_tilted_past_row_scans() {
    // 30° is beyond what horizontal row scans read; the rotation stages find it.
    let f = ean13_frame(EAN, 3, 120, 640, 480).rotate_degrees(30.0);
    assert_reads("tilt30", &f, Symbology::Ean13, EAN);
}

#[test]
fn only_requested_formats_are_reported() {
    let f = qr_frame(CODE, 5, 640, 480);
    assert!(!reads(&f, Symbology::Ean13, CODE));
    let none = Decoder::new(DecoderConfig::thorough().with_formats(&[])).decode(&f);
    assert!(none.symbols.is_empty());
}

#[test]
fn realtime_gives_up_early_on_empty_frames() {
    let f = noise(&GrayFrame::filled(1280, 720, 128), 6, 3);
    // A large budget keeps the check independent of machine load: the early exit is structural.
    let mut cfg = DecoderConfig::realtime();
    cfg.budget = Some(std::time::Duration::from_secs(30));
    let r = Decoder::new(cfg).decode(&f);
    assert!(r.symbols.is_empty());
    assert_eq!(r.stages_run, 1, "{r:?}");
    assert!(r.evidence.is_some_and(|e| !e.any()));
}

#[test]
fn garbage_frames_never_panic() {
    let cfg = DecoderConfig::thorough();
    let dec = Decoder::new(cfg);
    for (w, h) in [(1, 1), (1, 500), (500, 1), (3, 3), (17, 9)] {
        let f = noise(&GrayFrame::filled(w, h, 128), 127, (w * h) as u32);
        let r = dec.decode(&f);
        assert!(r.symbols.is_empty() || w > 1);
    }
}

#[test]
fn camera_stream_through_a_session_counts_a_held_receipt_once() {
    use scanner::source::{FrameSource, Synthetic};
    use std::time::Duration;
    let empty = noise(&GrayFrame::filled(640, 480, 160), 5, 1);
    let held = qr_frame(&format!("https://dvc.example.vn/tra-cuu?maHoSo={CODE}"), 4, 640, 480).rotate_degrees(8.0);
    let mut src = Synthetic::new(vec![empty.clone(), held, empty], 10);
    let mut cfg = DecoderConfig::realtime();
    cfg.budget = Some(Duration::from_secs(30)); // independent of machine load
    let mut session = scanner::ScanSession::new(cfg, Duration::from_secs(3));
    let mut events = Vec::new();
    let mut t = Duration::ZERO;
    while let Some(f) = src.next_frame().unwrap() {
        events.extend(session.on_frame(&f, t));
        t += Duration::from_millis(33);
    }
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].result.code().map(|c| c.as_str()), Some(CODE));
}

/// The realtime path (evidence gate, region of interest, stage skipping) on 1280x720 camera
/// frames. The budget is made large so the outcome does not depend on machine load; what is
/// checked is that the gate and the crop never hide a readable code.
#[test]
fn realtime_path_reads_hard_cases_in_720p_frames() {
    let mut cfg = DecoderConfig::realtime();
    cfg.budget = Some(std::time::Duration::from_secs(30));
    let dec = Decoder::new(cfg);
    let place = |f: &GrayFrame| {
        let mut canvas = noise(&GrayFrame::filled(1280, 720, 150), 6, 11);
        canvas.paste(f, 300, 100);
        canvas
    };
    let cases: Vec<(&str, GrayFrame, &str)> = vec![
        ("small", qr_frame(CODE, 3, 200, 200), CODE),
        ("rotated", qr_frame(CODE, 5, 320, 320).rotate_degrees(33.0), CODE),
        ("blurred", qr_frame(CODE, 6, 320, 320).box_blur(2), CODE),
        ("noisy", noise(&qr_frame(CODE, 5, 320, 320), 50, 3), CODE),
        ("low contrast", contrast(&qr_frame(CODE, 5, 320, 320), 100, 160), CODE),
        ("inverted", qr_frame(CODE, 5, 320, 320).inverted(), CODE),
        ("ean13", ean13_frame(EAN, 3, 120, 400, 200), EAN),
        ("ean13 vertical", ean13_frame(EAN, 3, 120, 400, 200).rotate90(1), EAN),
    ];
    let mut failed = Vec::new();
    for (name, f, text) in &cases {
        let r = dec.decode(&place(f));
        if !r.symbols.iter().any(|s| s.text == *text) {
            failed.push((*name, r.evidence, r.stages_run));
        }
    }
    assert!(failed.is_empty(), "{failed:?}");
}
