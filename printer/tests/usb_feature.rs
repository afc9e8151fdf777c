//! The `usb` feature (raw USB through libusb, via the escpos crate) is not in the default build, so this
//! test keeps it compiling: it runs `cargo check -p printer --features usb` in its own target directory.
//! It needs crates.io (or a filled cargo cache) and a C compiler for libusb1-sys's bundled libusb.

use std::path::Path;
use std::process::Command;

#[test]
fn usb_feature_builds() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("usb-feature-check");
    let out = Command::new(cargo)
        .args(["check", "--quiet", "--locked", "-p", "printer", "--features", "usb", "--lib"])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTC_WRAPPER")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "`cargo check -p printer --features usb` failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
