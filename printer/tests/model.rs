//! Profiles, status mapping, the ticket layout and the size budgets.

use printer::status::{answers_for, StatusReport};
use printer::virtual_printer::{parser::parse_all, render::render_ops};
use printer::{encode, Error, Paper, PrinterState, Profile, ProfileSet, TextMode, TicketSlip};

#[test]
fn builtin_profiles_cover_the_issue_models() {
    let set = ProfileSet::builtin();
    for id in
        ["epson-tm-t20", "epson-tm-t82", "epson-tm-t88", "xprinter-xp58", "xprinter-xp80", "generic-58", "generic-80"]
    {
        let p = set.get(id).unwrap();
        assert!(p.supports(p.text_mode));
    }
    let t20 = set.get("EPSON-TM-T20").unwrap();
    assert_eq!((t20.cp1258_table, t20.tcvn3_tables, t20.width_dots()), (Some(52), Some([30, 31]), 576));
    assert_eq!(set.get("xprinter-xp58").unwrap().width_dots(), 384);
    let err = set.get("hp-laserjet").unwrap_err();
    assert!(matches!(err, Error::UnknownProfile { .. }));
    assert!(err.to_string().contains("epson-tm-t20"), "lists known profiles: {err}");
}

#[test]
fn technician_profiles_extend_and_override() {
    let dir = std::env::temp_dir().join(format!("printer-profiles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("rongta.toml"),
        "id = \"rongta-rp80\"\nname = \"Rongta RP80\"\npaper = \"80mm\"\ntext_mode = \"cp1258\"\ncp1258_table = 94\nfs_dot = true\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("xp58.toml"),
        "id = \"xprinter-xp58\"\nname = \"XP-58 (site firmware)\"\npaper = \"58mm\"\ntext_mode = \"cp1258\"\ncp1258_table = 35\n",
    )
    .unwrap();
    let mut set = ProfileSet::builtin();
    assert_eq!(set.load_dir(&dir).unwrap(), 2);
    assert_eq!(set.get("rongta-rp80").unwrap().cp1258_table, Some(94));
    assert_eq!(set.get("xprinter-xp58").unwrap().cp1258_table, Some(35));
    // Defaults fill what the file leaves out.
    let r = set.get("rongta-rp80").unwrap();
    assert!(r.native_qr && r.status && r.feed_before_cut == 4);
    // A broken file is refused with its name and the reason.
    std::fs::write(dir.join("bad.toml"), "id = \"bad\"\nname = \"x\"\npaper = \"80mm\"\ntext_mode = \"tcvn3\"\n")
        .unwrap();
    let err = ProfileSet::builtin().load_dir(&dir).unwrap_err();
    assert!(err.to_string().contains("bad.toml") && err.to_string().contains("tcvn3"), "{err}");
    assert!(Profile::from_toml("id = \"x\"\nname = \"x\"\npaper = \"80mm\"\ntext_mode = \"raster\"\ntypo = 1\n", "t")
        .is_err());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn status_answers_map_to_states() {
    for state in PrinterState::ANSWERED {
        let raw = answers_for(state).unwrap().map(Some);
        assert_eq!(StatusReport::from_raw(raw).state, state);
    }
    // Epson examples: cover open while idle (offline bit, cover bit).
    assert_eq!(StatusReport::from_raw([Some(0x1A), Some(0x16), Some(0x12), Some(0x12)]).state, PrinterState::CoverOpen);
    // Paper end sensor only (printer still online until the roll ends).
    assert_eq!(StatusReport::from_raw([Some(0x12), Some(0x12), Some(0x12), Some(0x72)]).state, PrinterState::PaperOut);
    // Auto-cutter error.
    assert_eq!(StatusReport::from_raw([Some(0x1A), Some(0x52), Some(0x1A), Some(0x12)]).state, PrinterState::Error);
    // Missing or malformed answers are unknown, never ready.
    assert_eq!(StatusReport::from_raw([Some(0x12), None, Some(0x12), Some(0x12)]).state, PrinterState::Unknown);
    assert_eq!(StatusReport::from_raw([Some(0x00), Some(0x12), Some(0x12), Some(0x12)]).state, PrinterState::Unknown);
    assert_eq!(StatusReport::from_raw([Some(0xFF), Some(0x12), Some(0x12), Some(0x12)]).state, PrinterState::Unknown);
    assert!(!PrinterState::Unknown.can_print());
    assert!(PrinterState::PaperNearEnd.can_print());
}

fn ticket_bytes(profile: &str, mode: TextMode) -> printer::Encoded {
    let set = ProfileSet::builtin();
    let p = set.get(profile).unwrap();
    encode(&TicketSlip::sample().to_document(p.paper), p, mode).unwrap()
}

#[test]
fn ticket_sizes_meet_the_budgets() {
    let raster80 = ticket_bytes("epson-tm-t20", TextMode::Raster);
    assert!(raster80.bytes.len() <= 8 * 1024, "raster 80 mm: {} bytes", raster80.bytes.len());
    for mode in [TextMode::Cp1258, TextMode::Tcvn3, TextMode::Ascii] {
        let e = ticket_bytes("epson-tm-t20", mode);
        assert!(e.bytes.len() <= 2 * 1024, "{mode}: {} bytes", e.bytes.len());
        assert_eq!(e.report.raster_lines, 0);
    }
    assert_eq!(ticket_bytes("epson-tm-t20", TextMode::Cp1258).report.approximated_chars, 0);
    assert_eq!(ticket_bytes("epson-tm-t20", TextMode::Tcvn3).report.approximated_chars, 0);
}

#[test]
fn raster_is_used_only_for_lines_that_need_it() {
    let e = ticket_bytes("epson-tm-t20", TextMode::Raster);
    let (_, info) = render_ops(&parse_all(&e.bytes), 576);
    // The number, the separator rule: printer text.
    assert!(info.text_lines.iter().any(|l| l == "A025"), "{:?}", info.text_lines);
    assert_eq!(info.raster_images, e.report.raster_lines);
    // Every Vietnamese line of the sample (agency, office, title, priority, service, field, counters,
    // people ahead, wait, issued at, footer).
    assert_eq!(e.report.raster_lines, 11);
    // Raster lines are trimmed to their ink: none is as wide as the paper.
    let ops = parse_all(&e.bytes);
    for op in ops {
        if let printer::virtual_printer::parser::Op::Raster { width_bytes, rows, .. } = op {
            assert!(width_bytes < 72 && rows < 60, "{width_bytes} x {rows}");
        }
    }
}

#[test]
fn profile_specific_commands() {
    let xp = ticket_bytes("xprinter-xp58", TextMode::Cp1258);
    assert_eq!(&xp.bytes[..4], b"\x1b@\x1c.", "FS . after ESC @ on printers that start in double-byte mode");
    assert!(xp.bytes.windows(3).any(|w| w == b"\x1bt\x1b"), "ESC t 27 on the XP-58");
    let ep = ticket_bytes("epson-tm-t20", TextMode::Cp1258);
    assert!(!ep.bytes.windows(2).any(|w| w == b"\x1c."));
    assert!(ep.bytes.windows(3).any(|w| w == b"\x1bt\x34"), "ESC t 52 on Epson");
    let tc = ticket_bytes("epson-tm-t20", TextMode::Tcvn3);
    assert!(tc.bytes.windows(3).any(|w| w == b"\x1bt\x1e") && tc.bytes.windows(3).any(|w| w == b"\x1bt\x1f"));
    // Native QR where supported, drawn QR where not.
    assert!(ep.bytes.windows(3).any(|w| w == b"\x1d(k"));
    assert!(!xp.bytes.windows(3).any(|w| w == b"\x1d(k"));
    // No code page on a generic printer: a clear error.
    let set = ProfileSet::builtin();
    let g = set.get("generic-80").unwrap();
    let err = encode(&TicketSlip::sample().to_document(Paper::Mm80), g, TextMode::Cp1258).unwrap_err();
    assert!(matches!(err, Error::TextModeUnsupported { .. }), "{err}");
}

#[test]
fn slip_is_plain_serde_data() {
    let slip = TicketSlip::sample();
    let json = serde_json::to_string(&slip).unwrap();
    let back: TicketSlip = serde_json::from_str(&json).unwrap();
    assert_eq!(back, slip);
    // Minimal JSON: defaults fill the rest.
    let minimal: TicketSlip = serde_json::from_str(
        r#"{"office":"TTPVHCC","number":"B007","service":"Chứng thực","issued_at":{"year":2026,"month":11,"day":27,"hour":14,"minute":5}}"#,
    )
    .unwrap();
    assert_eq!(minimal.title, "PHIẾU SỐ THỨ TỰ");
    let e =
        encode(&minimal.to_document(Paper::Mm58), ProfileSet::builtin().get("generic-58").unwrap(), TextMode::Raster)
            .unwrap();
    let (_, info) = render_ops(&parse_all(&e.bytes), 384);
    assert!(info.text_lines.iter().any(|l| l == "B007"));
}

#[test]
fn raster_alignment_by_padding_for_printers_that_ignore_esc_a() {
    let set = ProfileSet::builtin();
    let mut pad = set.get("generic-80").unwrap().clone();
    pad.raster_align = printer::profile::RasterAlign::Pad;
    let mut doc = printer::Document::new();
    doc.text("Đăng ký khai sinh", printer::TextStyle::center());
    let esc_a = encode(&doc, set.get("generic-80").unwrap(), TextMode::Raster).unwrap();
    let padded = encode(&doc, &pad, TextMode::Raster).unwrap();
    let image = |bytes: &[u8]| {
        parse_all(bytes)
            .into_iter()
            .find_map(|op| match op {
                printer::virtual_printer::parser::Op::Raster { width_bytes, .. } => Some(width_bytes),
                _ => None,
            })
            .unwrap()
    };
    // Same ink; the padded image carries the left margin itself and is sent left-aligned.
    assert!(image(&padded.bytes) > image(&esc_a.bytes));
    assert!(esc_a.bytes.windows(3).any(|w| w == b"\x1ba\x01"));
    assert!(!padded.bytes.windows(3).any(|w| w == b"\x1ba\x01"));
    let (a, _) = render_ops(&parse_all(&esc_a.bytes), 576);
    let (b, _) = render_ops(&parse_all(&padded.bytes), 576);
    let (xa, _, wa, _) = a.ink_bounds().unwrap();
    let (xb, _, wb, _) = b.ink_bounds().unwrap();
    assert_eq!(wa, wb);
    assert!(xa.abs_diff(xb) <= 8, "centred either way: {xa} vs {xb}");
}

#[test]
fn job_confirmation_follows_the_profile() {
    let set = ProfileSet::builtin();
    assert!(printer::transport::Options::for_profile(set.get("epson-tm-t20").unwrap()).confirm);
    assert!(!printer::transport::Options::for_profile(set.get("generic-58").unwrap()).confirm);
}
