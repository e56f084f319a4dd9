//! The service's limits: how long a client may take, how many connections it
//! may hold, how many log appends may wait, how fast one token may call, and
//! the connection loop that enforces the connection-level ones.
//!
//! `axum::serve` exposes none of hyper's timeouts, so the accept loop is ours:
//! hyper's HTTP/1 connection with a header-read timeout, an I/O idle timeout
//! around the socket, and a semaphore that caps open connections.

use std::future::Future;
use std::io;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::StatusCode;
use axum::Router;
use governor::clock::{Clock, MonotonicClock};
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

use crate::error::ApiError;

#[derive(Clone, Debug)]
pub struct Limits {
    /// A client must send a whole request head within this time, counted from
    /// when the connection opens or goes idle between requests; then it is closed.
    pub header_read: Duration,
    /// A connection on which no byte moves either way for this long is closed
    /// (a client that stops reading its response, or stalls mid-body).
    pub idle: Duration,
    /// Open connections beyond this wait in the listen backlog.
    pub max_connections: usize,
    /// A request not answered within this time is answered 503.
    pub request_deadline: Duration,
    /// Log appends that may wait for the writer; one more is answered 503 at once.
    pub writer_queue: usize,
    /// Requests per second one token may make, sustained; 0 turns the limit off.
    pub rate_per_second: u32,
    /// Requests one token may make in a burst above the sustained rate.
    pub rate_burst: u32,
    /// Actions one decision may have recorded against it.
    pub max_actions: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            max_connections: 1024,
            request_deadline: Duration::from_secs(30),
            writer_queue: 4096,
            rate_per_second: 50,
            rate_burst: 100,
            max_actions: 100,
        }
    }
}

type Keyed = RateLimiter<String, HashMapStateStore<String>, MonotonicClock>;

/// Per-token request rate (GCRA, via governor), keyed by token id.
pub struct TokenRate {
    limiter: Option<Keyed>,
    clock: MonotonicClock,
}

impl TokenRate {
    pub fn new(l: &Limits) -> TokenRate {
        let limiter = NonZeroU32::new(l.rate_per_second).map(|per| {
            let burst = NonZeroU32::new(l.rate_burst.max(1)).unwrap_or(per);
            let quota = Quota::per_second(per).allow_burst(burst);
            RateLimiter::new(quota, HashMapStateStore::default(), MonotonicClock)
        });
        TokenRate {
            limiter,
            clock: MonotonicClock,
        }
    }

    /// Counts one request for the token; over the limit, a 429 saying when to retry.
    pub fn check(&self, token_id: &str) -> Result<(), ApiError> {
        let Some(l) = &self.limiter else {
            return Ok(());
        };
        l.check_key(&token_id.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            // Retry-After is in whole seconds; round up so a client that obeys it succeeds.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                None,
                format!("this token is over its request rate; retry after {secs} s"),
            )
            .retry_after(secs.max(1))
        })
    }
}

/// Slots for log appends waiting on the writer thread.
pub struct WriterQueue(Arc<Semaphore>);

impl WriterQueue {
    pub fn new(l: &Limits) -> WriterQueue {
        WriterQueue(Arc::new(Semaphore::new(l.writer_queue)))
    }

    /// A slot, held until the append is committed or failed; none free: 503 at once.
    pub fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.0.clone().try_acquire_owned().map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                "the decision log's write queue is full; nothing was recorded; retry shortly",
            )
            .retry_after(1)
        })
    }

    pub fn free(&self) -> usize {
        self.0.available_permits()
    }
}

/// Accepts connections until `stop` completes, then lets open requests finish
/// (up to the request deadline) and returns.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let cap = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            p = cap.clone().acquire_owned() => p.map_err(|e| e.to_string())?,
            _ = &mut stop => break,
        };
        let (stream, _) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off rather than spin.
                    eprintln!("brightline: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(IdleIo::new(stream, limits.idle));
        let conn = http.serve_connection(io, TowerToHyperService::new(app.clone()));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // Errors here are clients that went away or timed out: nothing to report.
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    let grace = limits.request_deadline + Duration::from_secs(1);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!("brightline: some connections were still open after {grace:?}; closing them");
    }
    Ok(())
}

/// A socket that fails with `TimedOut` once no byte has moved either way for `idle`.
struct IdleIo {
    inner: TcpStream,
    idle: Duration,
    last: Instant,
    timer: Pin<Box<Sleep>>,
}

impl IdleIo {
    fn new(inner: TcpStream, idle: Duration) -> IdleIo {
        let now = Instant::now();
        IdleIo {
            inner,
            idle,
            last: now,
            timer: Box::pin(tokio::time::sleep_until(now + idle)),
        }
    }

    /// Called when the inner socket is not ready: has the connection been idle too long?
    /// The timer is reset lazily, on expiry, so busy connections pay one `Instant::now` a call.
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return false;
            }
            let due = self.last + self.idle;
            if due <= Instant::now() {
                return true;
            }
            self.timer.as_mut().reset(due);
        }
    }

    fn timed_out() -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, "connection idle too long")
    }

    /// A write's result: bytes written count as activity; a socket not ready
    /// past the idle limit is an error.
    fn wrote(
        &mut self,
        cx: &mut Context<'_>,
        p: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match p {
            Poll::Ready(r) => {
                if matches!(r, Ok(n) if n > 0) {
                    self.last = Instant::now();
                }
                Poll::Ready(r)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(Self::timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for IdleIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.last = Instant::now();
                }
                Poll::Ready(r)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(Self::timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for IdleIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let p = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(cx, p)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let p = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(cx, p)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The request deadline, as middleware: past it the client gets a JSON 503.
pub async fn deadline(
    axum::extract::State(d): axum::extract::State<Duration>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(d, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            format!(
                "the request was not answered within {} s; a decision it asked for may still \
                 have been logged, so look in GET /v1/decisions before sending it again",
                d.as_secs_f64()
            ),
        )
        .retry_after(1)
        .into_response(),
    }
}
