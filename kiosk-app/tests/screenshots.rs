//! `kiosk-app screenshots` through the library: every screen of every role, vi and en, with the software
//! renderer; and golden images of a few screens (set `UPDATE_GOLDEN=1` to rewrite them after a
//! deliberate change, then look at them).

use std::path::{Path, PathBuf};

use kiosk_app::config::DeviceRole;
use kiosk_app::screenshots::{install_platform, render_role};

fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn every_screen_of_every_role_renders_in_both_languages() {
    let window = install_platform().unwrap();
    let out = std::env::temp_dir().join(format!("kiosk-shots-{}", uuid::Uuid::new_v4()));
    let size = (480, 800);
    let started = std::time::Instant::now();
    let mut files: Vec<PathBuf> = Vec::new();
    for role in [DeviceRole::TicketKiosk, DeviceRole::RatingTerminal, DeviceRole::Display] {
        files.extend(render_role(&window, role, size, &out).unwrap());
    }
    eprintln!("{} screenshots in {} ms", files.len(), started.elapsed().as_millis());
    // ticket kiosk: 17 online + 3 offline + 1 out of paper; rating terminal: 6; display: 2 — each in vi and en.
    assert_eq!(files.len(), 2 * (21 + 6 + 2));
    for f in &files {
        let (w, h, rgb) = read_png(f);
        assert_eq!((w, h), size);
        let first = &rgb[..3];
        let distinct = rgb.chunks(3).filter(|p| p != &first).count();
        assert!(distinct > (w * h / 20) as usize, "{} is nearly blank", f.display());
    }
    // vi and en differ (the language switch reaches every screen).
    let home_vi = read_png(&out.join("ticket-kiosk-home-vi-480x800.png")).2;
    let home_en = read_png(&out.join("ticket-kiosk-home-en-480x800.png")).2;
    assert_ne!(home_vi, home_en);

    let golden_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for name in [
        "ticket-kiosk-home-vi-480x800.png",
        "ticket-kiosk-ticket-en-480x800.png",
        "ticket-kiosk-reminder-vi-480x800.png",
        "ticket-kiosk-ticket-reminded-vi-480x800.png",
        "display-board-vi-480x800.png",
        "ticket-kiosk-procedures-search-vi-480x800.png",
        "ticket-kiosk-procedure-vi-480x800.png",
        "rating-terminal-rating-questions-en-480x800.png",
        "rating-terminal-rating-refused-vi-480x800.png",
    ] {
        let golden = golden_dir.join(name);
        let fresh = out.join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(&golden_dir).unwrap();
            std::fs::copy(&fresh, &golden).unwrap();
            continue;
        }
        let (_, _, a) = read_png(&golden);
        let (_, _, b) = read_png(&fresh);
        assert_eq!(a.len(), b.len(), "{name}: size changed");
        let differing =
            a.chunks(3).zip(b.chunks(3)).filter(|(x, y)| x.iter().zip(*y).any(|(p, q)| p.abs_diff(*q) > 24)).count();
        let share = differing as f64 / (a.len() / 3) as f64;
        assert!(
            share < 0.002,
            "{name}: {:.2}% of pixels differ from the golden image (UPDATE_GOLDEN=1 to accept)",
            share * 100.0
        );
    }
    std::fs::remove_dir_all(&out).ok();
}
