//! Time to build one queue ticket's bytes (layout + encoding), per text mode and paper width.
//!
//! `cargo bench -p printer --bench ticket`; `printer/bench/run.sh` runs it beside python-escpos building
//! the same ticket and prints the ratios.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use printer::{encode, ProfileSet, TextMode, TicketSlip};

fn bench(c: &mut Criterion) {
    let set = ProfileSet::builtin();
    let slip = TicketSlip::sample();
    let cases = [
        ("ticket_raster_80", "epson-tm-t20", TextMode::Raster),
        ("ticket_cp1258_80", "epson-tm-t20", TextMode::Cp1258),
        ("ticket_tcvn3_80", "epson-tm-t20", TextMode::Tcvn3),
        ("ticket_ascii_80", "epson-tm-t20", TextMode::Ascii),
        ("ticket_raster_58", "generic-58", TextMode::Raster),
    ];
    for (name, id, mode) in cases {
        let profile = set.get(id).expect("built-in profile");
        c.bench_function(name, |b| {
            b.iter(|| {
                let doc = black_box(&slip).to_document(profile.paper);
                encode(&doc, profile, mode).expect("sample ticket encodes")
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
