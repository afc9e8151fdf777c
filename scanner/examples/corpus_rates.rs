//! Quick per-set decode rates with per-stage attribution (development aid).
use scanner::{corpus, Decoder, DecoderConfig, GrayFrame};
use std::collections::BTreeMap;

fn main() {
    let root = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .or_else(corpus::default_root)
        .expect("corpus");
    let filter = std::env::args().nth(2).unwrap_or_default();
    let samples = corpus::load(&root).unwrap();
    let dec = Decoder::new(DecoderConfig::thorough());
    let mut per_set: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut per_stage: BTreeMap<&str, usize> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.set.contains(&filter)) {
        let frame = GrayFrame::open(&s.image).unwrap();
        let dec = Decoder::new(dec.config().clone().with_formats(&[s.format]));
        let r = dec.decode(&frame);
        let ok = r.symbols.iter().any(|y| y.text == s.expected);
        let e = per_set.entry(s.set.clone()).or_default();
        e.1 += 1;
        if ok {
            e.0 += 1;
            *per_stage.entry(r.found_by.unwrap_or("?")).or_default() += 1;
        }
        println!(
            "{}\t{}\t{:.1}ms\t{:?}\t{:?}\t{}\t{:?}",
            s.key(),
            if ok { "OK" } else if r.symbols.is_empty() { "MISS" } else { "WRONG" },
            r.elapsed.as_secs_f64() * 1e3,
            r.found_by, r.symbols.first().map(|y| y.engine),
            r.panics,
            r.symbols.iter().map(|y| y.text.chars().take(40).collect::<String>()).collect::<Vec<_>>()
        );
    }
    for (k, (a, b)) in &per_set {
        println!("SET {k}: {a}/{b}");
    }
    println!("STAGES {per_stage:?}");
}
