//! Scanner benchmark: decode rate per corpus set and time per frame, side by side with
//! zxing-cpp on the same gray pixels in the same run.
//!
//! ```text
//! cargo run --release -p scanner --example scanbench -- [--corpus DIR] [--repeat N]
//!     [--no-peer] [--python PYTHON] [--write-pass-list FILE] [--misses] [--ablation]
//! ```
//!
//! Two measurements:
//! 1. *Corpus as stored*: every image of the full corpus (`--corpus DIR`, else the folder
//!    named by `ZXING_BLACKBOX_DIR`, else `../shared/corpora/zxing-blackbox` beside the
//!    repository: `scanner::corpus::full_root`; it stops with exit code 2 when none is
//!    there, since the subset committed in the repository is too small), decoded with
//!    the thorough cascade restricted to the set's symbology; zxing-cpp reads the same image
//!    with the same format and its default options (try rotate/downscale/invert).
//! 2. *1280x720 frames*: each corpus image pasted (scaled down to fit if needed) on a
//!    synthetic 1280x720 camera scene, plus 40 scenes with no code, decoded with the
//!    realtime configuration (all five symbologies, 15 ms budget); zxing-cpp reads the same
//!    frames with all five formats.
//!
//! Both sides read identical 8-bit gray pixels (written as PGM for the peer); times are
//! the best of `--repeat` runs (default 3) per frame, single-threaded, excluding file IO.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use scanner::{corpus, Decoder, DecoderConfig, GrayFrame, Symbology};

/// A named decoder configuration for the ablation table.
type Variant = (&'static str, fn(Symbology) -> DecoderConfig);

struct Opts {
    corpus: Option<PathBuf>,
    repeat: usize,
    peer: bool,
    python: String,
    pass_list: Option<PathBuf>,
    misses: bool,
    ablation: bool,
}

fn opts() -> Opts {
    let mut o = Opts {
        corpus: None,
        repeat: 3,
        peer: true,
        python: "python3".into(),
        pass_list: None,
        misses: false,
        ablation: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--corpus" => o.corpus = Some(args.next().expect("--corpus DIR").into()),
            "--repeat" => o.repeat = args.next().and_then(|v| v.parse().ok()).expect("--repeat N"),
            "--no-peer" => o.peer = false,
            "--python" => o.python = args.next().expect("--python PATH"),
            "--write-pass-list" => o.pass_list = args.next().map(PathBuf::from),
            "--misses" => o.misses = true,
            "--ablation" => o.ablation = true,
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

fn peer_formats(f: &[Symbology]) -> String {
    f.iter()
        .map(|s| match s {
            Symbology::QrCode => "QRCode",
            Symbology::Code128 => "Code128",
            Symbology::Ean13 => "EAN13",
            Symbology::Code39 => "Code39",
            Symbology::Itf => "ITF",
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn write_pgm(path: &Path, f: &GrayFrame) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write!(file, "P5\n{} {}\n255\n", f.width(), f.height()).unwrap();
    file.write_all(f.data()).unwrap();
}

/// A synthetic camera scene: light gradient, soft blotches, sensor noise.
fn scene(seed: u32) -> GrayFrame {
    let (w, h) = (1280usize, 720usize);
    let mut s = seed.wrapping_mul(2_654_435_761).max(1);
    let mut data = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let base = 90 + (x * 100 / w) as i32 + (y * 40 / h) as i32;
            let blob = if (x / 160 + y / 120 + seed as usize).is_multiple_of(4) { -25 } else { 0 };
            data[y * w + x] = (base + blob + (s % 9) as i32 - 4).clamp(0, 255) as u8;
        }
    }
    GrayFrame::from_luma(w, h, data).unwrap()
}

fn in_720p(img: &GrayFrame, seed: u32) -> GrayFrame {
    let scale = (img.width() as f32 / 1240.0).max(img.height() as f32 / 700.0).max(1.0);
    let img = if scale > 1.0 {
        img.resize((img.width() as f32 / scale) as usize, (img.height() as f32 / scale) as usize)
    } else {
        img.clone()
    };
    let mut canvas = scene(seed);
    canvas.paste(&img, (1280 - img.width()) / 2, (720 - img.height()) / 2);
    canvas
}

struct Job {
    id: String,
    set: String,
    expected: Option<String>,
    frame: GrayFrame,
    formats: Vec<Symbology>,
    realtime: bool,
}

struct Outcome {
    ok: bool,
    ms: f64,
    texts: Vec<String>,
}

fn ours(job: &Job, repeat: usize) -> Outcome {
    let cfg =
        if job.realtime { DecoderConfig::realtime() } else { DecoderConfig::thorough().with_formats(&job.formats) };
    let dec = Decoder::new(cfg);
    let mut best = f64::MAX;
    let mut texts = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let r = dec.decode(&job.frame);
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
        texts = r.symbols.into_iter().map(|s| s.text).collect();
    }
    let ok = match &job.expected {
        Some(e) => texts.iter().any(|t| t == e),
        None => texts.is_empty(),
    };
    Outcome { ok, ms: best, texts }
}

fn peer(jobs: &[Job], dir: &Path, o: &Opts) -> Option<HashMap<String, Outcome>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/zxing_cpp_bench.py");
    let manifest = dir.join("manifest.tsv");
    let mut m = String::new();
    for j in jobs {
        let p = dir.join(format!("{}.pgm", j.id.replace('/', "_")));
        write_pgm(&p, &j.frame);
        m.push_str(&format!("{}\t{}\t{}\n", j.id, p.display(), peer_formats(&j.formats)));
    }
    std::fs::write(&manifest, m).unwrap();
    let out = Command::new(&o.python).arg(&script).arg(&manifest).arg("--repeat").arg(o.repeat.to_string()).output();
    let out = match out {
        Ok(out) if out.status.success() => out,
        Ok(out) => {
            eprintln!("zxing-cpp side failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
            return None;
        }
        Err(e) => {
            eprintln!("cannot run {}: {e}", o.python);
            return None;
        }
    };
    let expected: HashMap<&str, &Option<String>> = jobs.iter().map(|j| (j.id.as_str(), &j.expected)).collect();
    let mut res = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["id"].as_str().unwrap().to_owned();
        let texts: Vec<String> =
            v["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap_or_default().to_owned()).collect();
        let ok = match expected.get(id.as_str()) {
            Some(Some(e)) => texts.iter().any(|t| t == e),
            _ => texts.is_empty(),
        };
        let ms = v["ms"].as_f64().unwrap();
        res.insert(id, Outcome { ok, ms, texts });
    }
    Some(res)
}

fn pct(v: &mut [f64], p: usize) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) * p + 50) / 100]
}

fn family(set: &str) -> &str {
    set.rsplit_once('-').map_or(set, |(f, _)| f)
}

fn main() {
    let o = opts();
    let root = o.corpus.clone().unwrap_or_else(|| {
        corpus::full_root().unwrap_or_else(|e| {
            eprintln!("scanbench: {e}; or pass --corpus DIR");
            std::process::exit(2)
        })
    });
    let samples = corpus::load(&root).unwrap_or_else(|e| panic!("corpus at {}: {e}", root.display()));
    let mut stored = Vec::new();
    let mut frames = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        let img = GrayFrame::open(&s.image).unwrap();
        frames.push(Job {
            id: format!("720p/{}", s.key()),
            set: s.set.clone(),
            expected: Some(s.expected.clone()),
            frame: in_720p(&img, i as u32),
            formats: Symbology::ALL.to_vec(),
            realtime: true,
        });
        stored.push(Job {
            id: s.key(),
            set: s.set.clone(),
            expected: Some(s.expected.clone()),
            frame: img,
            formats: vec![s.format],
            realtime: false,
        });
    }
    for i in 0..40 {
        frames.push(Job {
            id: format!("720p/empty/{i}.png"),
            set: "empty".into(),
            expected: None,
            frame: scene(1000 + i),
            formats: Symbology::ALL.to_vec(),
            realtime: true,
        });
    }
    eprintln!("decoding {} stored images and {} 1280x720 frames", stored.len(), frames.len());
    let ours_stored: Vec<Outcome> = stored.iter().map(|j| ours(j, o.repeat)).collect();
    let ours_frames: Vec<Outcome> = frames.iter().map(|j| ours(j, o.repeat)).collect();

    let (peer_stored, peer_frames) = if o.peer {
        let dir = std::env::temp_dir().join(format!("scanbench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = peer(&stored, &dir, &o);
        let b = peer(&frames, &dir, &o);
        let _ = std::fs::remove_dir_all(&dir);
        (a, b)
    } else {
        (None, None)
    };

    if let Some(p) = &o.pass_list {
        let mut text = String::from(
            "# Corpus files the thorough cascade decodes exactly (written by scanbench --write-pass-list)\n",
        );
        for (j, r) in stored.iter().zip(&ours_stored) {
            if r.ok {
                text.push_str(&j.id);
                text.push('\n');
            }
        }
        std::fs::write(p, text).unwrap();
    }

    let peer_name = "zxing-cpp 3.1.1";
    println!("## Decode rate, corpus images as stored (thorough cascade; format of the set)\n");
    println!("| set | images | scanner | {peer_name} |");
    println!("|---|---|---|---|");
    let mut sets: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    let mut fams: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (j, r) in stored.iter().zip(&ours_stored) {
        let p = peer_stored.as_ref().and_then(|m| m.get(&j.id)).is_some_and(|x| x.ok);
        for e in [sets.entry(j.set.as_str()).or_default(), fams.entry(family(&j.set)).or_default()] {
            e.0 += 1;
            e.1 += r.ok as usize;
            e.2 += p as usize;
        }
    }
    let peer_cell = |n: usize| {
        if peer_stored.is_some() {
            n.to_string()
        } else {
            "n/a".into()
        }
    };
    for (s, (n, a, b)) in &sets {
        println!("| {s} | {n} | {a} | {} |", peer_cell(*b));
    }
    for (s, (n, a, b)) in &fams {
        println!("| **{s}** | {n} | **{a}** | **{}** |", peer_cell(*b));
    }
    let tot: (usize, usize, usize) = fams.values().fold((0, 0, 0), |t, v| (t.0 + v.0, t.1 + v.1, t.2 + v.2));
    println!("| **all** | {} | **{}** | **{}** |\n", tot.0, tot.1, peer_cell(tot.2));

    if o.ablation {
        // What the cascade adds over single decoders (stored images, format of the set).
        let variants: [Variant; 3] = [
            ("rxing, first stage only (one pass, hybrid/global binarizer)", |f| {
                let mut c = DecoderConfig::thorough().with_formats(&[f]);
                c.max_stages = 1;
                c
            }),
            ("rqrr alone, whole cascade", |f| {
                let mut c = DecoderConfig::thorough().with_formats(&[f]);
                c.rxing = false;
                c
            }),
            ("rxing alone, whole cascade", |f| {
                let mut c = DecoderConfig::thorough().with_formats(&[f]);
                c.rqrr = false;
                c
            }),
        ];
        println!("## Ablation (stored images; decoded / images)\n");
        println!("| variant | qrcode | code128 | ean13 | code39 | itf |");
        println!("|---|---|---|---|---|---|");
        for (name, make) in &variants {
            let mut fam: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
            for (j, s) in stored.iter().zip(&samples) {
                let r = Decoder::new(make(s.format)).decode(&j.frame);
                let e = fam.entry(family(&j.set)).or_default();
                e.1 += 1;
                e.0 += r.symbols.iter().any(|y| y.text == s.expected) as usize;
            }
            let cell = |f: &str| fam.get(f).map_or("-".to_string(), |(a, n)| format!("{a}/{n}"));
            println!(
                "| {name} | {} | {} | {} | {} | {} |",
                cell("qrcode"),
                cell("code128"),
                cell("ean13"),
                cell("code39"),
                cell("itf")
            );
        }
        println!();
    }

    let timing = |label: &str,
                  jobs: &[Job],
                  ours: &[Outcome],
                  peer: &Option<HashMap<String, Outcome>>,
                  filter: &dyn Fn(&Job) -> bool| {
        let mut a: Vec<f64> = jobs.iter().zip(ours).filter(|(j, _)| filter(j)).map(|(_, r)| r.ms).collect();
        let ok_a = jobs.iter().zip(ours).filter(|(j, r)| filter(j) && r.ok).count();
        let n = a.len();
        let (am, ap) = (pct(&mut a, 50), pct(&mut a, 95));
        match peer {
            Some(m) => {
                let mut b: Vec<f64> =
                    jobs.iter().filter(|j| filter(j)).filter_map(|j| m.get(&j.id)).map(|r| r.ms).collect();
                let ok_b = jobs.iter().filter(|j| filter(j)).filter(|j| m.get(&j.id).is_some_and(|r| r.ok)).count();
                let (bm, bp) = (pct(&mut b, 50), pct(&mut b, 95));
                println!(
                    "| {label} | {n} | {ok_a} | {ok_b} | {am:.2} / {ap:.2} | {bm:.2} / {bp:.2} | {:.2} / {:.2} |",
                    bm / am,
                    bp / ap
                );
            }
            None => println!("| {label} | {n} | {ok_a} | n/a | {am:.2} / {ap:.2} | n/a | n/a |"),
        }
    };
    println!("## Time per frame (ms, best of {} runs; median / p95)\n", o.repeat);
    println!("| frames | n | scanner ok | {peer_name} ok | scanner ms | {peer_name} ms | speed-up (peer/scanner) |");
    println!("|---|---|---|---|---|---|---|");
    for fam in ["qrcode", "code128", "ean13", "code39", "itf"] {
        timing(&format!("stored {fam}"), &stored, &ours_stored, &peer_stored, &|j: &Job| family(&j.set) == fam);
    }
    timing("stored, all", &stored, &ours_stored, &peer_stored, &|_| true);
    timing("1280x720 with a code", &frames, &ours_frames, &peer_frames, &|j: &Job| j.expected.is_some());
    timing("1280x720 without a code", &frames, &ours_frames, &peer_frames, &|j: &Job| j.expected.is_none());

    if o.misses {
        println!("\n## Misses (stored)\n");
        for (j, r) in stored.iter().zip(&ours_stored) {
            let p = peer_stored.as_ref().and_then(|m| m.get(&j.id));
            if !r.ok || p.is_some_and(|p| !p.ok) {
                println!(
                    "{}\tscanner={} {:?}\tpeer={:?}",
                    j.id,
                    r.ok,
                    r.texts.iter().map(|t| t.chars().take(30).collect::<String>()).collect::<Vec<_>>(),
                    p.map(|p| (
                        p.ok,
                        p.texts.iter().map(|t| t.chars().take(30).collect::<String>()).collect::<Vec<_>>()
                    ))
                );
            }
        }
    }
}
