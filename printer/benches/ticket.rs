//! Time to build one queue ticket's bytes, per text mode and paper width.
//!
//! `cargo bench -p printer --bench ticket`; `printer/bench/run.sh` runs it beside python-escpos.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use printer::{encode, Paper, ProfileSet, TextMode, TicketSlip};

fn bench(c: &mut Criterion) {
    let set = ProfileSet::builtin();
    let slip = TicketSlip::sample();
    let cases = [
        ("epson-tm-t20", TextMode::Raster),
        ("epson-tm-t20", TextMode::Cp1258),
        ("epson-tm-t20", TextMode::Tcvn3),
        ("epson-tm-t20", TextMode::Ascii),
        ("generic-58", TextMode::Raster),
    ];
    for (id, mode) in cases {
        let profile = set.get(id).expect("built-in profile");
        let name = format!("ticket/{id}/{mode}");
        c.bench_function(&name, |b| {
            b.iter(|| {
                let doc = black_box(&slip).to_document(profile.paper);
                encode(&doc, profile, mode).expect("sample ticket encodes")
            })
        });
    }
    let p80 = set.get("epson-tm-t20").expect("built-in profile");
    let _ = Paper::Mm80;
    let _ = p80;
}

criterion_group!(benches, bench);
criterion_main!(benches);
