//! Times the realtime decoder on 1280x720 frames: empty scenes and corpus images pasted in.
use scanner::{corpus, Decoder, DecoderConfig, GrayFrame};
use std::time::Instant;

fn scene(seed: u32) -> GrayFrame {
    let (w, h) = (1280, 720);
    let mut s = seed.wrapping_mul(2654435761).max(1);
    let mut data = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let base = 60 + (x * 120 / w) as i32 + (y * 40 / h) as i32;
            let blob = if ((x / 97 + y / 61) % 5) == 0 { 50 } else { 0 };
            data[y * w + x] = (base + blob + (s % 13) as i32 - 6).clamp(0, 255) as u8;
        }
    }
    GrayFrame::from_luma(w, h, data).unwrap()
}

fn stats(mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    format!("median {:.2} ms p95 {:.2} ms max {:.2} ms (n={})", v[v.len() / 2], v[v.len() * 95 / 100], v[v.len() - 1], v.len())
}

fn main() {
    let cfg = DecoderConfig::realtime();
    let dec = Decoder::new(cfg);
    let mut empty = Vec::new();
    for i in 0..30 {
        let f = scene(i);
        let t = Instant::now();
        let r = dec.decode(&f);
        empty.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(r.symbols.is_empty() || i > 100);
    }
    println!("empty 1280x720: {}", stats(empty));
    let samples = corpus::load(&corpus::default_root().unwrap()).unwrap();
    let mut times = Vec::new();
    let mut ok = 0;
    for s in &samples {
        let img = GrayFrame::open(&s.image).unwrap();
        let scale = (img.width() as f32 / 1200.0).max(img.height() as f32 / 680.0).max(1.0);
        let img = if scale > 1.0 { img.resize((img.width() as f32 / scale) as usize, (img.height() as f32 / scale) as usize) } else { img };
        let mut canvas = scene(7);
        canvas.paste(&img, (1280 - img.width()) / 2, (720 - img.height()) / 2);
        let t = Instant::now();
        let r = dec.decode(&canvas);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        if r.symbols.iter().any(|y| y.text == s.expected) { ok += 1; } else if std::env::var("WHY").is_ok() {
            let t = Decoder::new(DecoderConfig::thorough()).decode(&canvas);
            println!("{} rt-miss: ev={:?} stages={} exhausted={} thorough={:?}", s.key(), r.evidence, r.stages_run, r.budget_exhausted, t.symbols.iter().any(|y| y.text == s.expected));
        }
    }
    println!("corpus in 1280x720: {} decoded {}/{}", stats(times), ok, samples.len());
}
