//! The display's call latency for docs/PERFORMANCE.md, on a release build:
//!
//! ```text
//! cargo bench -p kiosk-app --bench display
//! ```
//!
//! From the officer's `call-next` reply to the end of the first frame that shows the called number on
//! the display's board: a real demo queue server, an enrolled display with the device's backend (jobs
//! on the worker thread), its window on the software renderer at 1920x1080, driven as the device drives
//! it (the controller's 20 ms poll, each followed by a render of what changed).
//!
//! Side by side in one run: the board following the live events (the app) and the board polled every
//! 2 s (what the display did before), as a ratio.

#[path = "../tests/common/mod.rs"]
mod common;

use std::rc::Rc;
use std::time::{Duration, Instant};

use common::{temp_dir, Server};
use domain::i18n::Lang;
use domain::office::Priority;
use kiosk_app::board::Follow;
use kiosk_app::config::DeviceRole;
use kiosk_app::ui::{Controller, Execution, LiveBackend, MainWindow, Options, WaitingRoom};
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType, Rgb565Pixel};
use slint::ComponentHandle;

const WIDTH: usize = 1920;
const HEIGHT: usize = 1080;

struct BenchPlatform(Rc<MinimalSoftwareWindow>);

impl slint::platform::Platform for BenchPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn slint::platform::WindowAdapter>, slint::PlatformError> {
        Ok(self.0.clone())
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn summary(v: &mut [f64]) -> (f64, f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], percentile(v, 0.5), percentile(v, 0.95), v[v.len() - 1])
}

/// `calls` calls at counter 1, each measured from the call's reply to the rendered frame that shows it.
fn call_to_frame(
    server: &Server,
    dir: &std::path::Path,
    sw: &Rc<MinimalSoftwareWindow>,
    follow: Follow,
    calls: usize,
) -> Vec<f64> {
    let mut kiosk = common::enrolled_core(server, &dir.join("kiosk"), "ticket-kiosk");
    let display = common::enrolled_core(server, &dir.join("display"), "display");
    let officer = server.login("canbo1");
    let service = common::counter_service(server, &officer, 1);

    let ui = MainWindow::new().unwrap();
    let options = Options {
        role: DeviceRole::Display,
        lang: Lang::Vi,
        office: String::new(),
        technician_pin: "2468".into(),
        idle_timeout: Duration::from_secs(600),
        size: (WIDTH as u32, HEIGHT as u32),
        execution: Execution::Worker,
    };
    let mut backend = LiveBackend::new(display, None, String::new());
    backend.board_follow = follow;
    let controller = Controller::attach(&ui, Box::new(backend), options);
    ui.show().unwrap();
    sw.set_size(slint::PhysicalSize::new(WIDTH as u32, HEIGHT as u32));
    let mut buffer = vec![Rgb565Pixel::default(); WIDTH * HEIGHT];
    let mut frame = || {
        slint::platform::update_timers_and_animations();
        sw.draw_if_needed(|renderer| {
            renderer.render(&mut buffer, WIDTH);
        });
    };
    let shown = |ui: &MainWindow, number: &str| {
        slint::Model::iter(&ui.global::<WaitingRoom>().get_serving()).any(|r| r.counter == "1" && r.number == number)
    };
    // Let the board start (first fetch, stream connected) before measuring.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_secs(3) {
        controller.borrow_mut().poll();
        frame();
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut times = Vec::new();
    for i in 0..calls {
        let ticket = kiosk.issue(&service, Priority::None).unwrap();
        server.post(&officer, "/api/v1/counters/1/call-next");
        let replied = Instant::now();
        // The device's poll timer: every 20 ms, then whatever changed is rendered.
        let mut next = replied;
        loop {
            controller.borrow_mut().poll();
            frame();
            if shown(&ui, &ticket.number) {
                times.push(replied.elapsed().as_secs_f64() * 1000.0);
                break;
            }
            assert!(replied.elapsed() < Duration::from_secs(10), "call {i} ({}) never shown", ticket.number);
            next += Duration::from_millis(20);
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        server.post(&officer, "/api/v1/counters/1/start");
        server.post(&officer, "/api/v1/counters/1/finish");
        // Calls in a waiting room come seconds apart; spread them so the polling design is not
        // measured in phase with its own timer.
        std::thread::sleep(Duration::from_millis(150 + 97 * (i as u64 % 7)));
    }
    drop(controller);
    drop(ui);
    times
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = temp_dir("bench-display");
    let server = Server::demo(&dir.join("server"));
    println!("kiosk-app display benchmark ({} cores)", std::thread::available_parallelism().map_or(0, |n| n.get()));
    let sw = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
    slint::platform::set_platform(Box::new(BenchPlatform(sw.clone()))).unwrap();

    let mut events = call_to_frame(&server, &dir.join("events"), &sw, Follow::Events, 40);
    let mut polled = call_to_frame(&server, &dir.join("poll"), &sw, Follow::Poll(Duration::from_secs(2)), 15);
    let (e_min, e50, e95, e_max) = summary(&mut events);
    let (p_min, p50, p95, p_max) = summary(&mut polled);
    println!("call reply -> rendered frame (ms), 1920x1080, software renderer:");
    println!("| design | n | min | p50 | p95 | max |");
    println!("|---|---|---|---|---|---|");
    println!("| live events (the app) | {} | {e_min:.1} | {e50:.1} | {e95:.1} | {e_max:.1} |", events.len());
    println!("| polled every 2 s (before) | {} | {p_min:.1} | {p50:.1} | {p95:.1} | {p_max:.1} |", polled.len());
    println!("| ratio (polled / events) | | | {:.0}x | {:.0}x | {:.0}x |", p50 / e50, p95 / e95, p_max / e_max);
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}
