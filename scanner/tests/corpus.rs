//! Corpus regression on `../shared/corpora/zxing-blackbox` (zxing's black-box images with
//! their expected texts).
//!
//! Every file listed in `tests/data/corpus_pass.txt` must decode to exactly its expected
//! text (a regression on any one file fails), per-family floors from issue 4 must hold, and
//! no panic may escape the decoder. Files that newly decode are reported so the list can be
//! raised. Regenerate the list with
//! `cargo run --release -p scanner --example scanbench -- --write-pass-list`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use scanner::{corpus, Decoder, DecoderConfig, GrayFrame, Symbology};

/// Per-family floors at what the cascade reaches (issue 4 asks for QR ≥ 167, CODE128 ≥ 48,
/// EAN-13 ≥ 120, CODE39 23, ITF 28). Per-file (and so per-set) floors come from the pass list.
const FAMILY_FLOORS: &[(&str, usize)] =
    &[("qrcode", 170), ("code128", 48), ("ean13", 135), ("code39", 23), ("itf", 28)];

fn family(set: &str) -> &str {
    set.rsplit_once('-').map_or(set, |(f, _)| f)
}

#[test]
fn corpus_regression() {
    let Some(root) = corpus::default_root() else {
        panic!("corpus not found at {}/../../shared/corpora/zxing-blackbox", env!("CARGO_MANIFEST_DIR"));
    };
    let samples = corpus::load(&root).expect("corpus readable");
    assert_eq!(samples.len(), 436, "the corpus has 436 images");
    let must_pass: BTreeSet<String> = include_str!("data/corpus_pass.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();

    let passed = Mutex::new(BTreeSet::new());
    let panics = Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(s) = samples.get(i) else { break };
                let frame = GrayFrame::open(&s.image).expect("corpus image loads");
                let dec = Decoder::new(DecoderConfig::thorough().with_formats(&[s.format]));
                let report = dec.decode(&frame);
                if report.panics > 0 {
                    panics.lock().unwrap().push((s.key(), report.panics));
                }
                if report.symbols.iter().any(|y| y.text == s.expected) {
                    passed.lock().unwrap().insert(s.key());
                }
            });
        }
    });
    let passed = passed.into_inner().unwrap();

    let mut per_set: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for s in &samples {
        let e = per_set.entry(&s.set).or_default();
        e.1 += 1;
        if passed.contains(&s.key()) {
            e.0 += 1;
        }
    }
    let mut per_family: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (set, (ok, n)) in &per_set {
        eprintln!("{set}: {ok}/{n}");
        let f = per_family.entry(family(set)).or_default();
        f.0 += ok;
        f.1 += n;
    }
    for (fam, (ok, n)) in &per_family {
        eprintln!("{fam}: {ok}/{n}");
    }
    let contained = panics.into_inner().unwrap();
    if !contained.is_empty() {
        eprintln!("contained decoder panics: {contained:?}");
    }

    let regressions: Vec<&String> = must_pass.difference(&passed).collect();
    let new: Vec<&String> = passed.difference(&must_pass).collect();
    if !new.is_empty() {
        eprintln!("newly decoding (add to tests/data/corpus_pass.txt): {new:?}");
    }
    assert!(regressions.is_empty(), "regressions: {regressions:?}");
    for (fam, floor) in FAMILY_FLOORS {
        let got = per_family.get(fam).map_or(0, |v| v.0);
        assert!(got >= *floor, "{fam}: {got} below the floor {floor}");
    }
}

/// rqrr panics on qrcode-6/7.png (upstream issue #54): with rqrr alone the decoder must
/// contain it and return normally.
#[test]
fn rqrr_panic_is_contained() {
    let Some(root) = corpus::default_root() else {
        panic!("corpus not found");
    };
    let frame = GrayFrame::open(&root.join("qrcode-6/7.png")).unwrap();
    let mut cfg = DecoderConfig::thorough().with_formats(&[Symbology::QrCode]);
    cfg.rxing = false;
    cfg.exhaustive = true;
    let report = Decoder::new(cfg).decode(&frame);
    eprintln!("rqrr alone on qrcode-6/7.png: {} symbols, {} contained panics", report.symbols.len(), report.panics);
    // and the full cascade reads it
    let full = Decoder::new(DecoderConfig::thorough()).decode(&frame);
    assert!(!full.symbols.is_empty());
}
