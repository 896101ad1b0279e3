//! How the demo serves HTTP: every peer bounded in time and in number, so
//! idle, slow or half-sent connections cannot pin the server's memory.
//!
//! - at most [`ServerLimits::max_connections`] connections at once (more
//!   wait in the listen backlog);
//! - the request head must arrive within [`ServerLimits::header_read_timeout`]
//!   (hyper's HTTP/1 header-read timeout, which also ends a keep-alive
//!   connection that sends nothing);
//! - a connection with no bytes read or written for
//!   [`ServerLimits::idle_timeout`] is shut down (HTTP/1 and HTTP/2, also
//!   before the first byte);
//! - a request must be answered, body read included, within
//!   [`ServerLimits::request_timeout`] (tower-http's `TimeoutLayer`, 408),
//!   longer than the webhook endpoint's own read and handler deadlines
//!   (5 s + 30 s), which answer first;
//! - HTTP/2: a few concurrent streams per connection, small flow-control
//!   windows and header lists, keep-alive pings.
//!
//! A proxy in front (nginx, a load balancer) should also bound header and
//! body time, body size and connections per client: see the README.

use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tower_http::timeout::TimeoutLayer;

/// The bounds of the demo's server.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    /// How long a request's head (request line and headers) may take to arrive.
    pub header_read_timeout: Duration,
    /// How long a connection may go without a byte in either direction.
    pub idle_timeout: Duration,
    /// How long a request to the app's pages may take, body included (408 past it).
    pub request_timeout: Duration,
    /// How many connections are served at once.
    pub max_connections: usize,
    /// HTTP/2: streams one connection may have open at once.
    pub h2_max_concurrent_streams: u32,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(45),
            max_connections: 1_024,
            h2_max_concurrent_streams: 32,
        }
    }
}

/// How long a connection shut down for idleness may take to finish what it
/// was doing before it is closed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

impl ServerLimits {
    /// The layer that bounds every request by [`request_timeout`](Self::request_timeout) (408).
    pub fn request_layer(&self) -> TimeoutLayer {
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, self.request_timeout)
    }
}

/// Serves `router` on `listener` within `limits` until the task is dropped.
pub(crate) async fn serve(listener: TcpListener, router: Router, limits: ServerLimits) {
    let builder = Arc::new(builder(&limits));
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let Ok(permit) = Arc::clone(&connections).acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: wait a little, go on.
                tracing::warn!(%error, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let builder = Arc::clone(&builder);
        let service = TowerToHyperService::new(router.clone());
        let idle = limits.idle_timeout;
        tokio::spawn(async move {
            let activity = Activity::new();
            let io = TokioIo::new(Watched {
                inner: stream,
                activity: activity.clone(),
            });
            let connection = pin!(builder.serve_connection_with_upgrades(io, service));
            serve_until_idle(connection, &activity, idle).await;
            drop(permit);
        });
    }
}

/// hyper's connection settings for `limits`.
fn builder(limits: &ServerLimits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(64 * 1024);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.h2_max_concurrent_streams)
        .max_header_list_size(16 * 1024)
        .initial_stream_window_size(64 * 1024)
        .initial_connection_window_size(256 * 1024)
        .max_pending_accept_reset_streams(Some(32))
        .max_send_buf_size(64 * 1024)
        .keep_alive_interval(Some(Duration::from_secs(20)))
        .keep_alive_timeout(Duration::from_secs(10));
    builder
}

type Connection<'a> =
    auto::UpgradeableConnection<'a, TokioIo<Watched>, TowerToHyperService<Router>, TokioExecutor>;

/// Drives `connection` to its end; after `idle` without a byte, asks it to
/// shut down and closes it for good [`SHUTDOWN_GRACE`] later.
async fn serve_until_idle(
    mut connection: Pin<&mut Connection<'_>>,
    activity: &Activity,
    idle: Duration,
) {
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            () = tokio::time::sleep_until(activity.last() + idle) => {
                if activity.last().elapsed() >= idle {
                    break;
                }
            }
        }
    }
    connection.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection).await;
}

/// When a connection last read or wrote a byte.
#[derive(Clone)]
struct Activity {
    since: Instant,
    last_ms: Arc<AtomicU64>,
}

impl Activity {
    fn new() -> Self {
        Self {
            since: Instant::now(),
            last_ms: Arc::default(),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.since + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

/// A TCP stream that records its activity.
struct Watched {
    inner: TcpStream,
    activity: Activity,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
