//! The office listener: accepts TCP connections and serves HTTP/1.1 on them with limits, so that idle,
//! slow or numerous connections cannot stall ticket issue (`[server]` in the office configuration):
//!
//! - at most `max_connections` open connections, and `max_connections_per_address` from one address;
//!   a connection beyond either is closed at once, before anything is read;
//! - a request's headers must arrive within `header_read_timeout_s` (also between keep-alive requests);
//! - a connection with no bytes read or written for `idle_timeout_s` is closed (a live event stream
//!   sends a keep-alive comment more often, so only a peer that stopped reading is idle); the time
//!   the server itself works on a request it has read whole (a large import on a busy machine) is not
//!   idleness, while a peer that stops sending a request body is;
//! - at most `max_requests_per_connection` requests on one connection (then `Connection: close`);
//! - the process's open-file limit is raised to its hard limit at start ([`raise_file_limit`]);
//! - with `[server.tls]`, TLS (rustls) whose handshake must also finish within the header-read time.
//!
//! Each request carries its peer address (`ConnectInfo`) for the login throttle.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tower::Service;

use crate::config::ServerConfig;

/// Counts the listener reports on `/metrics`.
#[derive(Default)]
pub struct ConnectionStats {
    pub open: AtomicU64,
    pub refused: AtomicU64,
    pub idle_closed: AtomicU64,
}

/// Raises the soft limit on open files to the hard limit (a 1024 default would otherwise cap the
/// connections below `max_connections`). Returns the limit in force.
pub fn raise_file_limit() -> u64 {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed in.
    unsafe {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return raised.rlim_cur;
            }
        }
        limit.rlim_cur
    }
}

struct Slots {
    open: usize,
    per_address: HashMap<IpAddr, usize>,
}

/// Holds one connection's place in the limits until the connection ends.
struct Slot {
    slots: Arc<Mutex<Slots>>,
    address: IpAddr,
    stats: Arc<ConnectionStats>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.open -= 1;
        if let Some(n) = slots.per_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                slots.per_address.remove(&self.address);
            }
        }
        self.stats.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting and lets open requests
/// finish (for at most 5 s).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: &ServerConfig,
    stats: Arc<ConnectionStats>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let max_total = config.max_connections;
    let max_per_address = config.max_connections_per_address;
    let header_timeout = Duration::from_secs(config.header_read_timeout_s);
    let idle = Duration::from_secs(config.idle_timeout_s);
    let max_requests = config.max_requests_per_connection;
    let slots = Arc::new(Mutex::new(Slots { open: 0, per_address: HashMap::new() }));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let tracker = tokio_util_tracker::Tracker::default();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors or a reset before accept: wait a moment, never spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let slot = {
            let mut s = slots.lock().unwrap_or_else(|e| e.into_inner());
            let from_peer = s.per_address.get(&peer.ip()).copied().unwrap_or(0);
            if s.open >= max_total || from_peer >= max_per_address {
                None
            } else {
                s.open += 1;
                *s.per_address.entry(peer.ip()).or_insert(0) += 1;
                stats.open.fetch_add(1, Ordering::Relaxed);
                Some(Slot { slots: slots.clone(), address: peer.ip(), stats: stats.clone() })
            }
        };
        let Some(slot) = slot else {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let stats = stats.clone();
        let mut stop = stop_rx.clone();
        let task = tracker.token();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let _task = task;
            let activity = Arc::new(Activity::new());
            let watched = Watched { inner: stream, activity: activity.clone() };
            let io: Box<dyn Io> = match tls {
                None => Box::new(watched),
                // The handshake must finish within the header-read time too.
                Some(acceptor) => match tokio::time::timeout(header_timeout, acceptor.accept(watched)).await {
                    Ok(Ok(stream)) => Box::new(stream),
                    Ok(Err(e)) => {
                        tracing::debug!("TLS handshake with {peer} failed: {e}");
                        return;
                    }
                    Err(_) => return,
                },
            };
            let io = TokioIo::new(io);
            let served = Arc::new(AtomicU64::new(0));
            let service_activity = activity.clone();
            let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                let n = served.fetch_add(1, Ordering::Relaxed) + 1;
                let mut router = router.clone();
                let activity = service_activity.clone();
                async move {
                    // From the end of the request body until the response is ready the server works.
                    let _working = Working(activity.clone());
                    let req = req.map(|body| {
                        if hyper::body::Body::is_end_stream(&body) {
                            activity.working.store(true, Ordering::Relaxed);
                        }
                        axum::body::Body::new(BodyEnd { inner: body, activity })
                    });
                    let mut response = router.call(req).await?;
                    if n >= max_requests {
                        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                    }
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true)
                .max_buf_size(64 * 1024);
            let conn = builder.serve_connection(io, service);
            tokio::pin!(conn);
            let mut check = tokio::time::interval(idle.min(Duration::from_secs(1)).max(Duration::from_millis(100)));
            loop {
                tokio::select! {
                    done = conn.as_mut() => {
                        if let Err(e) = done {
                            tracing::debug!("connection from {peer}: {e}");
                        }
                        break;
                    }
                    _ = check.tick() => {
                        if activity.idle_for() >= idle {
                            stats.idle_closed.fetch_add(1, Ordering::Relaxed);
                            tracing::debug!("connection from {peer} idle for {idle:?}: closed");
                            break;
                        }
                    }
                    _ = stop.changed() => {
                        conn.as_mut().graceful_shutdown();
                        let _ = tokio::time::timeout(Duration::from_secs(5), conn.as_mut()).await;
                        break;
                    }
                }
            }
        });
    }
    let _ = stop_tx.send(true);
    tracker.wait(Duration::from_secs(6)).await;
    Ok(())
}

/// A connection's byte stream, plain or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// When a connection last read or wrote a byte, and whether the server is working on a request it
/// has read whole (then the connection is not idle, however long that takes).
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
    working: AtomicBool,
}

impl Activity {
    fn new() -> Activity {
        Activity { start: Instant::now(), last_ms: AtomicU64::new(0), working: AtomicBool::new(false) }
    }
    fn touch(&self) {
        self.last_ms.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    fn idle_for(&self) -> Duration {
        if self.working.load(Ordering::Relaxed) {
            return Duration::ZERO;
        }
        self.start.elapsed().saturating_sub(Duration::from_millis(self.last_ms.load(Ordering::Relaxed)))
    }
}

/// Ends the working phase when the response is ready (or the request is dropped); its body's bytes
/// are activity again.
struct Working(Arc<Activity>);

impl Drop for Working {
    fn drop(&mut self) {
        self.0.working.store(false, Ordering::Relaxed);
        self.0.touch();
    }
}

/// A request body that starts the working phase when its last byte has arrived.
struct BodyEnd {
    inner: Incoming,
    activity: Arc<Activity>,
}

impl hyper::body::Body for BodyEnd {
    type Data = hyper::body::Bytes;
    type Error = hyper::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.activity.working.store(true, Ordering::Relaxed);
        }
        polled
    }
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// A stream that records its activity.
struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Waits for the connection tasks at shutdown.
mod tokio_util_tracker {
    use std::sync::Arc;
    use std::time::Duration;

    #[derive(Default)]
    pub struct Tracker(Arc<()>);

    pub struct Token(#[allow(dead_code)] Arc<()>);

    impl Tracker {
        pub fn token(&self) -> Token {
            Token(self.0.clone())
        }
        /// Until every token is dropped, or `limit`.
        pub async fn wait(&self, limit: Duration) {
            let deadline = tokio::time::Instant::now() + limit;
            while Arc::strong_count(&self.0) > 1 && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A listener with a 1 s idle limit and a handler that works 2.5 s on what it was sent.
    async fn slow_server() -> (std::net::SocketAddr, Arc<ConnectionStats>, tokio::sync::oneshot::Sender<()>) {
        let router = Router::new().route(
            "/slow",
            axum::routing::post(|body: String| async move {
                tokio::time::sleep(Duration::from_millis(2500)).await;
                format!("worked on {} bytes", body.len())
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = ServerConfig { idle_timeout_s: 1, header_read_timeout_s: 5, ..ServerConfig::default() };
        let stats = Arc::new(ConnectionStats::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served_stats = stats.clone();
        tokio::spawn(async move {
            serve(listener, router, &config, served_stats, None, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        (addr, stats, stop)
    }

    #[tokio::test]
    async fn the_server_working_on_a_whole_request_is_not_idle_but_a_stalled_body_is() {
        let (addr, stats, _stop) = slow_server().await;
        let mut whole = tokio::net::TcpStream::connect(addr).await.unwrap();
        whole
            .write_all(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
            .await
            .unwrap();
        let mut reply = String::new();
        whole.read_to_string(&mut reply).await.unwrap();
        assert!(reply.starts_with("HTTP/1.1 200") && reply.ends_with("worked on 5 bytes"), "{reply}");
        assert_eq!(stats.idle_closed.load(Ordering::Relaxed), 0);

        // A body announced and never sent: closed as idle, the handler never runs.
        let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
        stalled.write_all(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhe").await.unwrap();
        let started = Instant::now();
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), stalled.read_to_end(&mut rest)).await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "closed after {:?}", started.elapsed());
        assert!(!String::from_utf8_lossy(&rest).contains("worked on"));
        assert_eq!(stats.idle_closed.load(Ordering::Relaxed), 1);
    }
}
