//! One client connection: hyper serves it; this module times it and makes sure a client is never
//! left guessing whether the connection is still usable.
//!
//! - **Header-read timeout.** A new connection, or a request whose first bytes have arrived on a
//!   kept-alive one, must deliver the whole head within `HEADER_READ_TIMEOUT_SECS`; else it is closed.
//! - **Keep-alive idle timeout.** A connection with no request in progress is closed after
//!   `KEEP_ALIVE_IDLE_SECS`, which HTTP/1.1 responses announce in `Keep-Alive: timeout=N`.
//! - **Request-body timeout.** A body must arrive within `REQUEST_BODY_TIMEOUT_SECS` of its head;
//!   else the request is answered 408.
//! - **No silent closes.** A response sent before its request body was read to the end (a 401
//!   before the body arrived, a 413) carries `Connection: close`. Without it hyper closes such a
//!   connection after the response anyway, and a client reusing it sees "server disconnected
//!   without sending a response" on its next request.

use std::{
    convert::Infallible,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes},
};
use http::{HeaderName, HeaderValue, Request, Response, StatusCode, Version, header};
use http_body::{Body as _, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::{Instant, Sleep},
};

use crate::config::EdgeSettings;

const NONE: u64 = u64::MAX;

/// What the connection is doing, shared by its IO, its requests and its timer.
struct Activity {
    opened: Instant,
    /// Requests whose response has not been written to the end yet.
    in_flight: AtomicUsize,
    /// Milliseconds since `opened` when the last response finished (0: none yet).
    idle_since: AtomicU64,
    /// Milliseconds since `opened` when bytes of a next request head arrived, or `NONE`.
    head_started: AtomicU64,
    /// Whether any request has been received.
    served: AtomicBool,
    /// Milliseconds since `opened` the connection's timer is set for. A change that brings the
    /// deadline before it wakes the timer (`changed`); any other change is found when it fires,
    /// so a busy connection costs its timer nothing per request.
    armed: AtomicU64,
    /// `HEADER_READ_TIMEOUT_SECS` and `KEEP_ALIVE_IDLE_SECS` in milliseconds.
    header_ms: u64,
    idle_ms: u64,
    /// Wakes the connection's timer when the deadline moved before the time it is set for.
    changed: tokio::sync::Notify,
}

impl Activity {
    fn new(edge: &EdgeSettings) -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            head_started: AtomicU64::new(NONE),
            served: AtomicBool::new(false),
            armed: AtomicU64::new(0),
            header_ms: millis(edge.header_read_timeout),
            idle_ms: millis(edge.keep_alive_idle),
            changed: tokio::sync::Notify::new(),
        })
    }

    fn millis(&self) -> u64 {
        millis(self.opened.elapsed())
    }

    /// Wakes the timer if the deadline is now `deadline` (ms), before the time it is set for.
    fn moved_to(&self, deadline: u64) {
        if deadline < self.armed.load(Ordering::Acquire) {
            self.changed.notify_one();
        }
    }

    fn at(&self, millis: u64) -> Instant {
        // A year on: as good as never, for a deadline past what an `Instant` holds.
        let never = || self.opened + Duration::from_secs(365 * 86_400);
        self.opened.checked_add(Duration::from_millis(millis)).unwrap_or_else(never)
    }

    /// When (ms) this connection should be closed if nothing changes; `None` while a request is
    /// served.
    fn deadline(&self) -> Option<u64> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let head = self.head_started.load(Ordering::Acquire);
        Some(if head != NONE {
            head.saturating_add(self.header_ms)
        } else if !self.served.load(Ordering::Acquire) {
            // A connection that has sent nothing yet gets the header timeout, not the idle one.
            self.header_ms
        } else {
            self.idle_since.load(Ordering::Acquire).saturating_add(self.idle_ms)
        })
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(NONE - 1)
}

/// The socket, noting when a new request's first bytes arrive.
pub struct Watched<T> {
    io: T,
    activity: Arc<Activity>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before
            && self.activity.in_flight.load(Ordering::Acquire) == 0
            && self.activity.head_started.load(Ordering::Acquire) == NONE
        {
            let now = self.activity.millis();
            self.activity.head_started.store(now, Ordering::Release);
            self.activity.moved_to(now.saturating_add(self.activity.header_ms));
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// How the request body ended, as the response is about to be sent.
#[derive(Default)]
struct BodyState {
    finished: AtomicBool,
    timed_out: AtomicBool,
}

/// The request body, with a deadline for all of it to arrive (none for an empty body).
struct GuardedBody {
    inner: Incoming,
    deadline: Option<Pin<Box<Sleep>>>,
    state: Arc<BodyState>,
}

impl http_body::Body for GuardedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.state.finished.load(Ordering::Relaxed) {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(None) => {
                self.state.finished.store(true, Ordering::Release);
                Poll::Ready(None)
            }
            Poll::Ready(Some(frame)) => {
                if self.inner.is_end_stream() {
                    self.state.finished.store(true, Ordering::Release);
                }
                Poll::Ready(Some(frame.map_err(Into::into)))
            }
            Poll::Pending => {
                if self.deadline.as_mut().is_some_and(|d| d.as_mut().poll(cx).is_ready()) {
                    self.state.timed_out.store(true, Ordering::Release);
                    return Poll::Ready(Some(Err("the request body did not arrive in time".into())));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.state.finished.load(Ordering::Relaxed) || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The response body; when hyper has written it to the end (or given up), the request is over.
struct Tracked {
    inner: Body,
    _in_flight: InFlight,
}

struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let a = &self.0;
        let now = a.millis();
        a.idle_since.store(now, Ordering::Release);
        if a.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            // Set for a time found while serving, the timer fires at or before the idle deadline,
            // unless it was set for a header deadline longer than the idle timeout.
            a.moved_to(now.saturating_add(a.idle_ms));
        }
    }
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn request_timeout() -> Response<Body> {
    let body = serde_json::json!({
        "error": "request_timeout",
        "error_description": "the request body did not arrive in time",
    });
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = StatusCode::REQUEST_TIMEOUT;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    crate::metrics::tag(resp, "request_body_timeout")
}

/// Serves one request of the connection through the application router.
async fn handle(
    router: Router,
    activity: Arc<Activity>,
    edge: EdgeSettings,
    keep_alive: HeaderValue,
    req: Request<Incoming>,
) -> Result<Response<Tracked>, Infallible> {
    activity.in_flight.fetch_add(1, Ordering::AcqRel);
    activity.served.store(true, Ordering::Release);
    activity.head_started.store(NONE, Ordering::Release);
    // No deadline while a request is served: the timer, should it fire meanwhile, finds so.
    let in_flight = InFlight(activity);
    let version = req.version();
    let state = Arc::new(BodyState::default());
    let req = req.map(|inner| {
        // No body to wait for: no timer either.
        let deadline = if inner.is_end_stream() {
            state.finished.store(true, Ordering::Release);
            None
        } else {
            Some(Box::pin(tokio::time::sleep(edge.body_timeout)))
        };
        Body::new(GuardedBody { inner, deadline, state: state.clone() })
    });
    let mut resp = match tower::ServiceExt::oneshot(router, req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    };
    if state.timed_out.load(Ordering::Acquire) {
        tracing::info!("request body not received within REQUEST_BODY_TIMEOUT_SECS; answered 408");
        resp = request_timeout();
    }
    if version == Version::HTTP_11 || version == Version::HTTP_10 {
        let status = resp.status().as_u16();
        let headers = resp.headers_mut();
        if !state.finished.load(Ordering::Acquire) {
            // hyper closes a connection whose request body was left unread; say so.
            tracing::debug!(status, "answered before the request body was read; closing");
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        } else if !headers.contains_key(header::CONNECTION) {
            headers.insert(HeaderName::from_static("keep-alive"), keep_alive);
        }
    }
    Ok(resp.map(|inner| Tracked { inner, _in_flight: in_flight }))
}

/// Drives one connection until it ends, times out, or `stop` asks it to finish.
pub async fn serve(
    tcp: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    router: Router,
    builder: Arc<hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>>,
    edge: EdgeSettings,
    metrics: Arc<crate::metrics::Metrics>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let activity = Activity::new(&edge);
    let io = hyper_util::rt::TokioIo::new(Watched { io: tcp, activity: activity.clone() });
    let keep_alive = HeaderValue::from_str(&format!("timeout={}", edge.keep_alive_idle.as_secs()))
        .unwrap_or(HeaderValue::from_static("timeout=5"));
    let svc_activity = activity.clone();
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        handle(router.clone(), svc_activity.clone(), edge, keep_alive.clone(), req)
    });
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    // One timer for the connection's life, set anew only when its deadline moves.
    let timer = tokio::time::sleep_until(activity.opened);
    tokio::pin!(timer);
    loop {
        // While a request is served there is no deadline: the timer looks again an idle timeout later.
        let wake = activity.deadline().unwrap_or_else(|| activity.millis().saturating_add(activity.idle_ms));
        activity.armed.store(wake, Ordering::Release);
        // A later time is an atomic store in tokio's timer; only an earlier one moves the entry.
        timer.as_mut().reset(activity.at(wake));
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = timer.as_mut() => {
                if activity.deadline().is_some_and(|d| d <= activity.millis()) {
                    let reading_head = activity.head_started.load(Ordering::Acquire) != NONE || !activity.served.load(Ordering::Acquire);
                    if reading_head {
                        tracing::debug!("request head not received within HEADER_READ_TIMEOUT_SECS; closing");
                        metrics.connection_closed("header_timeout");
                    } else {
                        metrics.connection_closed("idle");
                    }
                    return;
                }
            }
            () = activity.changed.notified() => {}
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
