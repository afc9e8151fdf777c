//! The virtual printer: listens on TCP like a network printer, records every job, answers `DLE EOT`
//! from a configurable [`PrinterState`], and renders each job to PNG.
//!
//! - [`parser`]: incremental ESC/POS parser that never panics.
//! - [`render`]: ops → paper bitmap → PNG, plus a machine-readable [`render::RenderInfo`].
//! - [`VirtualPrinter`]: the server, usable in-process by tests or through the `virtual-printer` binary.
//!
//! A job ends at a cut, when the client closes the connection, or after [`Config::idle_job_end`] without
//! data following printable content.

pub mod parser;
pub mod render;

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::status::{answers_for, PrinterState};
use parser::{Op, Parser};
use render::{RenderInfo, Renderer};

/// Server settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:9100` (port 0 = any free port).
    pub listen: SocketAddr,
    /// Paper width in dots (576 for 80 mm, 384 for 58 mm).
    pub width_dots: u32,
    /// Where to write `job-NNNN.png` and `job-NNNN.bin` (nothing written when `None`).
    pub out_dir: Option<PathBuf>,
    /// Initial state answered to `DLE EOT`.
    pub state: PrinterState,
    /// Close each connection abruptly after this many bytes (simulates a printer that disappears).
    pub drop_after: Option<usize>,
    pub idle_job_end: Duration,
    /// Largest job kept (bytes); more is read and discarded.
    pub max_job_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            width_dots: 576,
            out_dir: None,
            state: PrinterState::Ready,
            drop_after: None,
            idle_job_end: Duration::from_millis(800),
            max_job_bytes: 32 * 1024 * 1024,
        }
    }
}

/// One recorded job.
#[derive(Clone, Debug)]
pub struct Job {
    /// Sequence number from 1.
    pub number: usize,
    /// Every byte received for the job, exactly, without the `DLE EOT` status requests.
    pub bytes: Vec<u8>,
    /// What was printed.
    pub info: RenderInfo,
    /// The PNG written, if an output directory is set.
    pub png: Option<PathBuf>,
    /// Whether the connection was dropped on purpose in the middle of it.
    pub dropped: bool,
}

#[derive(Default)]
struct Shared {
    jobs: Mutex<Vec<Job>>,
    changed: Condvar,
    state: Mutex<Option<PrinterState>>,
    stop: AtomicBool,
    status_queries: Mutex<usize>,
}

/// A running virtual printer.
pub struct VirtualPrinter {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl VirtualPrinter {
    /// Binds and starts serving in background threads.
    pub fn start(config: Config) -> io::Result<VirtualPrinter> {
        if let Some(dir) = &config.out_dir {
            std::fs::create_dir_all(dir)?;
        }
        let listener = TcpListener::bind(config.listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        *shared.state.lock().unwrap_or_else(|e| e.into_inner()) = Some(config.state);
        let s = shared.clone();
        let accept = std::thread::Builder::new()
            .name("virtual-printer-accept".into())
            .spawn(move || accept_loop(listener, config, s))?;
        Ok(VirtualPrinter { addr, shared, accept: Some(accept) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `tcp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("tcp://{}", self.addr)
    }

    /// Changes the state answered to `DLE EOT`; [`PrinterState::Unknown`] makes it stay silent.
    pub fn set_state(&self, state: PrinterState) {
        *self.shared.state.lock().unwrap_or_else(|e| e.into_inner()) = Some(state);
    }

    /// Jobs recorded so far.
    pub fn jobs(&self) -> Vec<Job> {
        self.shared.jobs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Number of `DLE EOT` requests seen.
    pub fn status_queries(&self) -> usize {
        *self.shared.status_queries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until at least `n` jobs are recorded (or the timeout passes) and returns them.
    pub fn wait_jobs(&self, n: usize, timeout: Duration) -> Vec<Job> {
        let deadline = Instant::now() + timeout;
        let mut jobs = self.shared.jobs.lock().unwrap_or_else(|e| e.into_inner());
        while jobs.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            jobs = self.shared.changed.wait_timeout(jobs, left).unwrap_or_else(|e| e.into_inner()).0;
        }
        jobs.clone()
    }

    /// Stops accepting and waits for the accept thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

impl Drop for VirtualPrinter {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(listener: TcpListener, config: Config, shared: Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let (c, s) = (config.clone(), shared.clone());
                if let Ok(h) =
                    std::thread::Builder::new().name("virtual-printer-conn".into()).spawn(move || serve(stream, c, s))
                {
                    workers.push(h);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
        workers.retain(|h| !h.is_finished());
    }
    for h in workers {
        let _ = h.join();
    }
}

/// A job as received: its bytes and the operations parsed from them. It is rendered after it ends, on
/// the connection's render thread, so that status requests are answered at once, as a real printer
/// answers `DLE EOT` in real time whatever it is printing.
struct JobBuilder {
    bytes: Vec<u8>,
    ops: Vec<Op>,
    printable: bool,
}

impl JobBuilder {
    fn new() -> JobBuilder {
        JobBuilder { bytes: Vec::new(), ops: Vec::new(), printable: false }
    }
}

fn finish_job(job: JobBuilder, dropped: bool, config: &Config, shared: &Shared) {
    if !job.printable && !dropped {
        return;
    }
    let mut renderer = Renderer::new(config.width_dots);
    for op in &job.ops {
        renderer.apply(op);
    }
    let (bmp, info) = renderer.finish();
    let mut jobs = shared.jobs.lock().unwrap_or_else(|e| e.into_inner());
    let number = jobs.len() + 1;
    let mut png = None;
    if let Some(dir) = &config.out_dir {
        let p = dir.join(format!("job-{number:04}.png"));
        let ok = std::fs::File::create(&p)
            .ok()
            .map(|f| render::write_png(&bmp, io::BufWriter::new(f)).is_ok())
            .unwrap_or(false);
        let _ = std::fs::write(dir.join(format!("job-{number:04}.bin")), &job.bytes);
        if ok {
            png = Some(p);
        }
    }
    jobs.push(Job { number, bytes: job.bytes, info, png, dropped });
    shared.changed.notify_all();
}

fn serve(mut stream: TcpStream, config: Config, shared: Arc<Shared>) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_nodelay(true);
    let (render_tx, render_rx) = std::sync::mpsc::channel::<(JobBuilder, bool)>();
    let render = {
        let (config, shared) = (config.clone(), shared.clone());
        std::thread::spawn(move || {
            for (job, dropped) in render_rx {
                finish_job(job, dropped, &config, &shared);
            }
        })
    };
    let finish = |job: JobBuilder, dropped: bool| {
        let _ = render_tx.send((job, dropped));
    };
    serve_connection(&mut stream, &config, &shared, &finish);
    drop(render_tx);
    // Jobs of a connection are recorded, in order, before its thread ends.
    let _ = render.join();
}

fn serve_connection(stream: &mut TcpStream, config: &Config, shared: &Shared, finish: &dyn Fn(JobBuilder, bool)) {
    let mut parser = Parser::new();
    let mut job = JobBuilder::new();
    let mut total = 0usize;
    let mut last_data = Instant::now();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                if job.printable && last_data.elapsed() >= config.idle_job_end {
                    finish(std::mem::replace(&mut job, JobBuilder::new()), false);
                }
                continue;
            }
            Err(_) => break,
        };
        last_data = Instant::now();
        let mut chunk = &buf[..n];
        let mut drop_now = false;
        if let Some(limit) = config.drop_after {
            if total + n >= limit {
                chunk = &buf[..limit.saturating_sub(total)];
                drop_now = true;
            }
        }
        total += chunk.len();
        parser.push(chunk);
        while let Some((op, raw)) = parser.next_op_raw() {
            if !matches!(op, Op::StatusRequest(_)) && job.bytes.len() + raw.len() <= config.max_job_bytes {
                job.bytes.extend_from_slice(raw);
            }
            handle_op(op, &mut job, stream, shared, finish);
        }
        if drop_now {
            // Keep what was received, even the part of a command still incomplete.
            for (op, raw) in parser.finish_raw() {
                if !matches!(op, Op::StatusRequest(_)) {
                    job.bytes.extend_from_slice(&raw);
                }
                handle_op(op, &mut job, stream, shared, finish);
            }
            // Unread data in the socket makes the kernel answer with a reset: the client sees the printer
            // vanish mid-job.
            finish(std::mem::replace(&mut job, JobBuilder::new()), true);
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
    }
    for (op, raw) in parser.finish_raw() {
        if !matches!(op, Op::StatusRequest(_)) && job.bytes.len() + raw.len() <= config.max_job_bytes {
            job.bytes.extend_from_slice(&raw);
        }
        handle_op(op, &mut job, stream, shared, finish);
    }
    finish(job, false);
}

fn handle_op(op: Op, job: &mut JobBuilder, stream: &mut TcpStream, shared: &Shared, finish: &dyn Fn(JobBuilder, bool)) {
    match op {
        Op::StatusRequest(n) => {
            *shared.status_queries.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            let state = shared.state.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or(PrinterState::Unknown);
            if let (Some(answers), 1..=4) = (answers_for(state), n) {
                let _ = stream.write_all(&[answers[usize::from(n - 1)]]);
            }
        }
        Op::Cut => {
            job.ops.push(Op::Cut);
            finish(std::mem::replace(job, JobBuilder::new()), false);
        }
        other => {
            if matches!(
                other,
                Op::Text(_) | Op::Lf | Op::Raster { .. } | Op::QrPrint | Op::Barcode { .. } | Op::FeedLines(_)
            ) {
                job.printable = true;
            }
            job.ops.push(other);
        }
    }
}
