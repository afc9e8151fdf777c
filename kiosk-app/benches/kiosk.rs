//! Kiosk-app measurements for docs/PERFORMANCE.md, on a release build:
//!
//! ```text
//! cargo bench -p kiosk-app --bench kiosk
//! ```
//!
//! 1. Cold start of the real window (winit, X11, software renderer, under Xvfb) against the real queue
//!    server: process start to the first frame of its event loop, and resident memory, idle and after
//!    ten seconds of the camera decoding 1280x720 frames at 30 fps.
//! 2. Touch to ticket bytes: the take-ticket callback to the slip's bytes written to a virtual printer,
//!    through the worker (online issue against the real queue server, then printing).
//! 3. Frames while the camera preview decodes: the UI loop (poll + repaint of what changed) at 60 Hz on
//!    the lookup screen, with decoding on its own thread (the app) and, side by side, decoding on the UI
//!    thread (what the design avoids).
//!
//! Needs Xvfb (scripts/setup.d/kiosk.sh) and the full zxing-blackbox corpus: the folder named by
//! ZXING_BLACKBOX_DIR, or else ../shared/corpora/zxing-blackbox beside the repository
//! (scanner::corpus::full_root).

#[path = "../tests/common/mod.rs"]
mod common;

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::{kiosk_config, memory_kb, temp_dir, Server, Xvfb};
use domain::i18n::Lang;
use kiosk_app::config::{Config, DeviceRole};
use kiosk_app::core::{Core, TicketPrinter};
use kiosk_app::ui::{
    App, Controller, DemoBackend, Execution, LiveBackend, MainWindow, Options, Page, PriorityGroup, Ticketing,
};
use printer::virtual_printer::{Config as VpConfig, VirtualPrinter};
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::ComponentHandle;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!(
        "n={} min {:.1} p50 {:.1} p95 {:.1} p99 {:.1} max {:.1}",
        v.len(),
        v[0],
        percentile(&v, 0.5),
        percentile(&v, 0.95),
        percentile(&v, 0.99),
        v[v.len() - 1]
    )
}

fn corpus() -> PathBuf {
    scanner::corpus::full_root().unwrap_or_else(|e| panic!("{e}"))
}

/// 1280x720 camera frames: corpus QR photos on a grey scene, and scenes with no code.
fn camera_frames(dir: &Path) -> PathBuf {
    let frames = dir.join("frames");
    std::fs::create_dir_all(&frames).unwrap();
    let mut n = 0;
    for set in ["qrcode-2", "qrcode-3"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus().join(set))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "png" || e == "jpg"))
            .collect();
        files.sort();
        for f in files.into_iter().take(10) {
            let Ok(image) = scanner::GrayFrame::open(&f) else { continue };
            let image = if image.width() > 1200 || image.height() > 680 { image.resize(640, 480) } else { image };
            let mut scene = scanner::GrayFrame::filled(1280, 720, 128);
            scene.paste(&image, (1280 - image.width()) / 2, (720 - image.height()) / 2);
            scene.save_png(&frames.join(format!("{n:03}-code.png"))).unwrap();
            scanner::GrayFrame::filled(1280, 720, 90 + (n % 5) as u8 * 20)
                .save_png(&frames.join(format!("{n:03}-empty.png")))
                .unwrap();
            n += 1;
        }
    }
    frames
}

fn cold_start(dir: &Path, server: &Server, frames: &Path) {
    let xvfb = Xvfb::start("1080x1920");
    let code = server.enrolment_code("ticket-kiosk", None);
    let config = kiosk_config(dir, "ticket-kiosk", &server.base(), &code, None);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[scanner]\nsource = \"wedge\"\n[camera]\ndevice = {:?}\n[ui]\nsize = \"1080x1920\"\nfullscreen = false\n",
        frames.display().to_string()
    ));
    std::fs::write(&config, text).unwrap();
    let mut starts = Vec::new();
    for run in 0..6 {
        let started = Instant::now();
        let mut app = xvfb.kiosk_app(&config);
        let stderr = BufReader::new(app.stderr.take().unwrap());
        let mut lines = stderr.lines().map_while(Result::ok);
        lines.find(|l| l.contains("first frame after")).expect("the app reached its first frame");
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        // The first run enrols the device; the others are the cold starts of an enrolled kiosk.
        if run > 0 {
            starts.push(ms);
        }
        if run == 5 {
            std::thread::sleep(Duration::from_millis(1500));
            let (idle, _) = memory_kb(app.id());
            let cpu0 = cpu_ticks(app.id());
            std::thread::sleep(Duration::from_secs(10));
            let (rss, hwm) = memory_kb(app.id());
            let cpu = (cpu_ticks(app.id()) - cpu0) as f64 / 100.0 / 10.0 * 100.0;
            println!(
                "memory: {} MB after start; {} MB (peak {} MB) after 10 s of camera decoding; CPU {:.0} % of one core",
                idle / 1024,
                rss / 1024,
                hwm / 1024,
                cpu
            );
        }
        let _ = app.kill();
        let _ = app.wait();
    }
    println!("cold start to first frame (ms, enrolled kiosk, server up): {}", summary(starts));
}

/// utime + stime of a process, in clock ticks (100 per second on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

struct BenchPlatform(Rc<MinimalSoftwareWindow>);

impl slint::platform::Platform for BenchPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn slint::platform::WindowAdapter>, slint::PlatformError> {
        Ok(self.0.clone())
    }
}

fn window(
    window: &Rc<MinimalSoftwareWindow>,
    backend: Box<dyn kiosk_app::ui::Backend>,
    execution: Execution,
) -> (MainWindow, Rc<RefCell<Controller>>) {
    let ui = MainWindow::new().unwrap();
    let options = Options {
        role: DeviceRole::TicketKiosk,
        lang: Lang::Vi,
        office: "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".into(),
        technician_pin: "2468".into(),
        idle_timeout: Duration::from_secs(600),
        size: (1080, 1920),
        execution,
    };
    let controller = Controller::attach(&ui, backend, options);
    ui.show().unwrap();
    window.set_size(slint::PhysicalSize::new(1080, 1920));
    (ui, controller)
}

fn touch_to_bytes(dir: &Path, server: &Server, sw: &Rc<MinimalSoftwareWindow>) {
    let vp =
        VirtualPrinter::start(VpConfig { idle_job_end: Duration::from_millis(50), ..VpConfig::default() }).unwrap();
    let kiosk_dir = dir.join("touch");
    std::fs::create_dir_all(&kiosk_dir).unwrap();
    let code = server.enrolment_code("ticket-kiosk", None);
    let config =
        Config::load(&kiosk_config(&kiosk_dir, "ticket-kiosk", &server.base(), &code, Some(&vp.url()))).unwrap();
    let core = Core::start(&config).unwrap();
    let printer = TicketPrinter::new(config.printer.as_ref().unwrap()).unwrap();
    let backend = LiveBackend::new(core, Some(printer), config.ui.office_name.clone());
    let (ui, controller) = window(sw, Box::new(backend), Execution::Worker);
    ui.global::<App>().invoke_navigate(Page::Services);
    let service = slint::Model::iter(&ui.global::<Ticketing>().get_services()).find(|r| !r.is_header).unwrap().code;
    let mut times = Vec::new();
    for i in 0..41 {
        ui.global::<Ticketing>().invoke_choose_service(service.clone());
        let started = Instant::now();
        ui.global::<Ticketing>().invoke_take_ticket(PriorityGroup::Regular);
        while controller.borrow().jobs_pending() > 0 {
            controller.borrow_mut().poll();
            std::thread::sleep(Duration::from_micros(200));
        }
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(ui.global::<App>().get_page(), Page::Ticket, "ticket {i} shown");
        assert!(!ui.global::<Ticketing>().get_printer_failed(), "ticket {i} printed");
        // The first one opens the connections (server and printer); the rest are a kiosk's steady state.
        if i > 0 {
            times.push(ms);
        }
        ui.global::<App>().invoke_go_home();
    }
    let jobs = vp.wait_jobs(41, Duration::from_secs(10));
    assert_eq!(jobs.len(), 41, "every slip reached the printer");
    println!("touch to ticket bytes at the printer (ms, release, server up): {}", summary(times));
    vp.stop();
}

/// The UI loop at 60 Hz on the lookup screen for 8 s: frame work (poll + repaint) in ms, the number of
/// preview frames shown and of frames decoded. `decode_on_ui` is the naive design measured beside it:
/// the loop itself reads each camera frame, shows it and decodes it.
fn frames_while_decoding(sw: &Rc<MinimalSoftwareWindow>, frames: &Path, decode_on_ui: bool) -> (Vec<f64>, u64, u64) {
    let (ui, controller) = window(sw, Box::new(DemoBackend::default()), Execution::Inline);
    let mut source = scanner::source::ImageFiles::folder(frames).unwrap().looping();
    let mut naive = kiosk_app::scan::Scanner::new();
    let mut naive_decoded = 0;
    if !decode_on_ui {
        let mut inputs = kiosk_app::scan::ScanInputs::new();
        inputs.start_camera(Box::new(source.clone()), Some(Duration::from_millis(33))).unwrap();
        controller.borrow_mut().set_scan_inputs(inputs);
    }
    ui.global::<App>().invoke_navigate(Page::CodeEntry);
    ui.global::<App>().set_camera_on(true);
    let mut buffer = vec![slint::platform::software_renderer::Rgb565Pixel::default(); 1080 * 1920];
    let mut work = Vec::new();
    let mut previews = 0;
    let mut last_preview = ui.global::<App>().get_camera_preview();
    let start = Instant::now();
    let mut next = start;
    let mut next_camera = start;
    while start.elapsed() < Duration::from_secs(8) {
        next += Duration::from_micros(16_667);
        let t0 = Instant::now();
        controller.borrow_mut().poll();
        if decode_on_ui && t0 >= next_camera {
            next_camera += Duration::from_millis(33);
            use scanner::source::FrameSource;
            if let Ok(Some(frame)) = source.next_frame() {
                let (w, h, rgb) = kiosk_app::camera::preview_rgb(&frame, 480);
                let buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(&rgb, w as u32, h as u32);
                ui.global::<App>().set_camera_preview(slint::Image::from_rgb8(buffer));
                let _ = naive.frame(&frame);
                naive_decoded += 1;
            }
        }
        slint::platform::update_timers_and_animations();
        sw.draw_if_needed(|renderer| {
            renderer.render(&mut buffer, 1080);
        });
        work.push(t0.elapsed().as_secs_f64() * 1000.0);
        let preview = ui.global::<App>().get_camera_preview();
        if preview != last_preview {
            previews += 1;
            last_preview = preview;
        }
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
    }
    let decoded = match controller.borrow().camera_stats() {
        Some(stats) => stats.decoded.load(std::sync::atomic::Ordering::Relaxed),
        None => naive_decoded,
    };
    drop(controller);
    drop(ui);
    (work, previews, decoded)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = temp_dir("bench");
    let frames = camera_frames(&dir);
    let server = Server::demo(&dir.join("server"));
    println!("kiosk-app benchmark ({} cores)", std::thread::available_parallelism().map_or(0, |n| n.get()));

    cold_start(&dir, &server, &frames);

    let sw = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
    slint::platform::set_platform(Box::new(BenchPlatform(sw.clone()))).unwrap();
    touch_to_bytes(&dir, &server, &sw);

    for (name, on_ui) in [("decoder thread (the app)", false), ("decoding on the UI thread", true)] {
        let (work, previews, decoded) = frames_while_decoding(&sw, &frames, on_ui);
        let over = work.iter().filter(|&&ms| ms > 16.7).count();
        println!(
            "camera preview, {name}: frame work (ms) {}; frames over 16.7 ms: {over}; {:.1} preview frames/s; {decoded} frames decoded",
            summary(work.clone()),
            previews as f64 / 8.0
        );
    }
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}
