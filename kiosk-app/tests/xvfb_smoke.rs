//! Smoke test of the real window: the kiosk-app binary (winit, X11, software renderer) against the real
//! queue server, under an Xvfb this test starts itself; the screen is captured with ImageMagick `import`.
//! Needs `scripts/setup.d/kiosk.sh` (xvfb, xauth, imagemagick).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{kiosk_config, memory_kb, temp_dir, Server, Xvfb};

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn which(bin: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {bin}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn real_window_under_xvfb() {
    assert!(which("Xvfb") && which("import"), "Xvfb and ImageMagick are needed: run scripts/setup.d/kiosk.sh");
    let dir = temp_dir("xvfb");
    let xvfb = Xvfb::start("1080x1920");

    let server = Server::demo(&dir.join("server"));
    let code = server.enrolment_code("ticket-kiosk", None);
    let config = kiosk_config(&dir, "ticket-kiosk", &server.base(), &code, None);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("[ui]\nsize = \"1080x1920\"\nfullscreen = false\n");
    std::fs::write(&config, text).unwrap();

    let started = Instant::now();
    let mut app = Kill(xvfb.kiosk_app(&config));
    let stderr = app.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();
    let first_frame_ms = loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.contains("first frame after") => break started.elapsed().as_millis(),
            Ok(line) => log.push(line),
            Err(_) => panic!("no first frame within 30 s: {log:?}"),
        }
    };
    // Let it paint, then capture the root window.
    std::thread::sleep(Duration::from_millis(700));
    let shot = dir.join("xvfb-home.png");
    let status =
        Command::new("import").args(["-display", &xvfb.display, "-window", "root"]).arg(&shot).status().unwrap();
    assert!(status.success());
    // The home screen's header is the theme's blue (#0b4f9c): count such pixels in the capture.
    let out = Command::new("convert")
        .arg(&shot)
        .args([
            "-crop",
            "1080x200+0+0",
            "-fill",
            "black",
            "+opaque",
            "#0b4f9c",
            "-fill",
            "white",
            "-opaque",
            "#0b4f9c",
            "-format",
            "%[fx:mean]",
            "info:",
        ])
        .output()
        .unwrap();
    let blue: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0.0);
    eprintln!("first interactive frame {first_frame_ms} ms after start; header blue fraction {blue:.2}");
    assert!(blue > 0.3, "header not drawn (blue fraction {blue}); capture at {}", shot.display());
    assert!(app.0.try_wait().unwrap().is_none(), "the app is still running");
    let (rss_kb, _) = memory_kb(app.0.id());
    eprintln!("resident memory {} MB", rss_kb / 1024);
    assert!(rss_kb < 150 * 1024, "resident memory {rss_kb} kB is over the 150 MB budget");
    if let Ok(keep) = std::env::var("KIOSK_XVFB_SHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
    drop(app);
    std::fs::remove_dir_all(&dir).ok();
}
