//! Test harness: the real `queue-server` binary (demo office) on a fixed loopback port, so it can be
//! stopped and started again at the same address, and device enrolment through its CLI.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// The queue-server binary: `$QUEUE_SERVER_BIN`, or built next to this test in the same target directory.
pub fn server_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(p) = std::env::var("QUEUE_SERVER_BIN") {
            return PathBuf::from(p);
        }
        // target/<profile>/deps/<test> → target/<profile>/queue-server
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let target_dir = profile_dir.parent().unwrap().to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "queue-server", "--bin", "queue-server"])
            .args(release.then_some("--release"))
            .env("CARGO_TARGET_DIR", &target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo build for queue-server");
        assert!(status.success(), "building queue-server failed");
        profile_dir.join("queue-server")
    })
    .clone()
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiosk-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    /// An office TOML applied over the demo office at each start.
    config: Option<PathBuf>,
}

impl Server {
    pub fn demo(dir: &Path) -> Server {
        let mut s = Server { child: None, port: free_port(), dir: dir.to_path_buf(), config: None };
        s.start();
        s
    }

    /// The demo office with `toml` (e.g. a `[reminders]` table) applied over it.
    pub fn demo_with_config(dir: &Path, toml: &str) -> Server {
        let config = dir.with_extension("toml");
        std::fs::write(&config, toml).unwrap();
        let mut s = Server { child: None, port: free_port(), dir: dir.to_path_buf(), config: Some(config) };
        s.start();
        s
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        for _ in 0..50 {
            let mut child = Command::new(server_bin())
                .arg("demo")
                .args(self.config.iter().flat_map(|c| [std::ffi::OsStr::new("--config"), c.as_os_str()]))
                .args(["--listen", &format!("127.0.0.1:{}", self.port), "--data-dir"])
                .arg(&self.dir)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start queue-server");
            let mut reader = BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            let mut listening = false;
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                if line.contains("listening on") {
                    listening = true;
                    break;
                }
                line.clear();
            }
            if listening {
                std::thread::spawn(move || for _ in reader.lines() {});
                self.child = Some(child);
                return;
            }
            // The port may still be held by the previous process: try again shortly.
            let _ = child.wait();
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("queue-server did not start on port {}", self.port);
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// A one-time enrolment code for a device of `role` (through the CLI, while the server runs).
    pub fn enrolment_code(&self, role: &str, counter: Option<u16>) -> String {
        let mut cmd = Command::new(server_bin());
        cmd.args(["enrol", "--data-dir"]).arg(&self.dir).args(["--role", role, "--name", "Kiosk test"]);
        if let Some(c) = counter {
            cmd.args(["--counter", &c.to_string()]);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_owned()
    }

    /// A staff token (demo password).
    pub fn login(&self, user: &str) -> String {
        let r: serde_json::Value = reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/auth/login", self.base()))
            .json(&serde_json::json!({"username": user, "password": "motcua-demo"}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        r["token"].as_str().unwrap().to_owned()
    }

    /// POSTs `{}` to `path` as `token`; the call must succeed.
    pub fn post(&self, token: &str, path: &str) -> serde_json::Value {
        let r = reqwest::blocking::Client::new()
            .post(format!("{}{path}", self.base()))
            .bearer_auth(token)
            .json(&serde_json::json!({}))
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().unwrap_or(serde_json::Value::Null)
    }

    pub fn get(&self, token: &str, path: &str) -> serde_json::Value {
        reqwest::blocking::Client::new()
            .get(format!("{}{path}", self.base()))
            .bearer_auth(token)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A kiosk config file in `dir` for the server.
pub fn kiosk_config(dir: &Path, role: &str, server: &str, code: &str, printer: Option<&str>) -> PathBuf {
    let mut text = format!(
        "role = \"{role}\"\ndata_dir = \"state\"\n[server]\nurl = \"{server}\"\nenrolment_code = \"{code}\"\ntimeout_ms = 1500\n"
    );
    if let Some(p) = printer {
        text.push_str(&format!("[printer]\ntarget = \"{p}\"\nprofile = \"epson-tm-t20\"\ntext_mode = \"cp1258\"\n"));
    }
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A device of `role` enrolled with the server (a fresh code from its CLI), its data under `dir`.
pub fn enrolled_core(server: &Server, dir: &Path, role: &str) -> kiosk_app::core::Core {
    std::fs::create_dir_all(dir).unwrap();
    let code = server.enrolment_code(role, None);
    let config = kiosk_app::config::Config::load(&kiosk_config(dir, role, &server.base(), &code, None)).unwrap();
    kiosk_app::core::Core::start(&config).unwrap()
}

/// The first service `counter` takes, as the staff member with `token` sees the counters.
pub fn counter_service(server: &Server, token: &str, counter: u16) -> String {
    let counters = server.get(token, "/api/v1/counters");
    let row = counters.as_array().unwrap().iter().find(|c| c["id"] == counter).expect("the counter exists");
    row["services"][0].as_str().unwrap().to_owned()
}

/// A virtual X display for the real window, on a display number nobody uses; stopped on drop.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    pub fn start(size: &str) -> Xvfb {
        let n = (90..140)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free X display number");
        let child = Command::new("Xvfb")
            .args([&format!(":{n}"), "-screen", "0", &format!("{size}x24"), "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (scripts/setup.d/kiosk.sh installs it)");
        let socket = format!("/tmp/.X11-unix/X{n}");
        let t0 = std::time::Instant::now();
        while !Path::new(&socket).exists() {
            assert!(t0.elapsed() < std::time::Duration::from_secs(10), "Xvfb did not start");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Xvfb { child, display: format!(":{n}") }
    }
}

impl Xvfb {
    /// The kiosk-app binary with `config`, in a real window (winit, software renderer) on this display;
    /// its stderr is piped (it prints `first frame after N ms`).
    pub fn kiosk_app(&self, config: &Path) -> Child {
        Command::new(env!("CARGO_BIN_EXE_kiosk-app"))
            .arg("--config")
            .arg(config)
            .env("DISPLAY", &self.display)
            .env("SLINT_BACKEND", "winit-software")
            .env_remove("WAYLAND_DISPLAY")
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kiosk-app")
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` and `VmHWM` of a process, in kB.
pub fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A QR code as a camera sees a receipt: `scale` pixels per module, a 4-module quiet zone, dark ink on
/// light paper.
pub fn qr_frame(text: &str, scale: usize) -> scanner::GrayFrame {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let n = code.width();
    let size = (n + 8) * scale;
    let colors = code.to_colors();
    let luma = (0..size * size)
        .map(|i| {
            let (x, y) = (i % size / scale, i / size / scale);
            let dark = (4..n + 4).contains(&x)
                && (4..n + 4).contains(&y)
                && colors[(y - 4) * n + x - 4] == qrcode::Color::Dark;
            if dark {
                25
            } else {
                205
            }
        })
        .collect();
    scanner::GrayFrame::from_luma(size, size, luma).unwrap()
}

/// A ticket kiosk's window on a device's backend as a device runs it (backend calls on their own
/// thread), in Vietnamese, 1080×1920, shown.
pub fn kiosk_window(
    backend: kiosk_app::ui::LiveBackend,
    office: &str,
) -> (kiosk_app::ui::MainWindow, std::rc::Rc<std::cell::RefCell<kiosk_app::ui::Controller>>) {
    use slint::ComponentHandle;
    let ui = kiosk_app::ui::MainWindow::new().unwrap();
    let options = kiosk_app::ui::Options {
        role: kiosk_app::config::DeviceRole::TicketKiosk,
        lang: domain::i18n::Lang::Vi,
        office: office.to_owned(),
        technician_pin: "2468".into(),
        idle_timeout: std::time::Duration::from_secs(60),
        size: (1080, 1920),
        execution: kiosk_app::ui::Execution::Worker,
    };
    let c = kiosk_app::ui::Controller::attach(&ui, Box::new(backend), options);
    ui.show().unwrap();
    (ui, c)
}
