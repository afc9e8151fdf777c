//! Bytes of the sample queue ticket in each text mode and paper width, and the seconds that takes over
//! a 115200-baud serial line (10 bits per byte: 8N1).
//!
//! `cargo run --release -p printer --example ticket_sizes`

use printer::{encode, ProfileSet, TextMode, TicketSlip};

fn main() {
    let set = ProfileSet::builtin();
    let slip = TicketSlip::sample();
    println!("| profile | paper | text mode | bytes | of which raster | raster lines | s at 115200 baud |");
    println!("|---|---|---|---:|---:|---:|---:|");
    for (id, modes) in [
        ("epson-tm-t20", &[TextMode::Raster, TextMode::Cp1258, TextMode::Tcvn3, TextMode::Ascii][..]),
        ("xprinter-xp58", &[TextMode::Raster, TextMode::Cp1258][..]),
        ("generic-80", &[TextMode::Raster][..]),
        ("generic-58", &[TextMode::Raster][..]),
    ] {
        let p = set.get(id).expect("built-in profile");
        for &mode in modes {
            let e = encode(&slip.to_document(p.paper), p, mode).expect("sample ticket encodes");
            println!(
                "| {id} | {} dots | {mode} | {} | {} | {} | {:.2} |",
                p.width_dots(),
                e.bytes.len(),
                e.report.raster_bytes,
                e.report.raster_lines,
                e.bytes.len() as f64 * 10.0 / 115_200.0
            );
        }
    }
}
