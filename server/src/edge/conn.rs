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
    /// Wakes the connection's timer when a request starts or ends.
    changed: tokio::sync::Notify,
}

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            head_started: AtomicU64::new(NONE),
            served: AtomicBool::new(false),
            changed: tokio::sync::Notify::new(),
        })
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(NONE - 1)
    }

    fn at(&self, millis: u64) -> Instant {
        self.opened + Duration::from_millis(millis)
    }

    /// When this connection should be closed if nothing changes; `None` while a request is served.
    fn deadline(&self, edge: &EdgeSettings) -> Option<Instant> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let head = self.head_started.load(Ordering::Acquire);
        Some(if head != NONE {
            self.at(head) + edge.header_read_timeout
        } else if !self.served.load(Ordering::Acquire) {
            // A connection that has sent nothing yet gets the header timeout, not the idle one.
            self.opened + edge.header_read_timeout
        } else {
            self.at(self.idle_since.load(Ordering::Acquire)) + edge.keep_alive_idle
        })
    }
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
            self.activity.changed.notify_one();
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
        a.idle_since.store(a.millis(), Ordering::Release);
        a.in_flight.fetch_sub(1, Ordering::AcqRel);
        a.changed.notify_one();
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
    activity.changed.notify_one();
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
    let activity = Activity::new();
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
    loop {
        // While a request is served there is no deadline; `changed` wakes the loop when it ends.
        let wake = activity.deadline(&edge).unwrap_or_else(|| Instant::now() + edge.keep_alive_idle);
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(wake) => {
                if activity.deadline(&edge).is_some_and(|d| d <= Instant::now()) {
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
