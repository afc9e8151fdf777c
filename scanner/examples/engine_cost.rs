//! Cost of each cascade stage alone on an empty 1280x720 scene (development aid).
use scanner::{decode, Decoder, DecoderConfig, GrayFrame, Symbology};
use std::time::Instant;

fn main() {
    let (w, h) = (1280, 720);
    let mut s = 12345u32;
    let data: Vec<u8> = (0..w * h)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (60 + (i % w) * 120 / w + (s % 13) as usize) as u8
        })
        .collect();
    let f = GrayFrame::from_luma(w, h, data).unwrap();
    for fm in [vec![Symbology::QrCode], vec![Symbology::Code128, Symbology::Ean13, Symbology::Code39, Symbology::Itf]] {
        let mut prev = 0.0;
        for n in 1..=decode::stage_count() {
            let mut cfg = DecoderConfig::thorough().with_formats(&fm);
            cfg.max_stages = n;
            let dec = Decoder::new(cfg);
            let t = Instant::now();
            for _ in 0..5 {
                dec.decode(&f);
            }
            let ms = t.elapsed().as_secs_f64() * 1e3 / 5.0;
            println!("{:?} stage {:>12}: +{:.2} ms", fm[0], decode::stage_names()[n - 1], ms - prev);
            prev = ms;
        }
    }
}
