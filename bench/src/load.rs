//! A closed-loop HTTP/1.1 load generator: `connections` workers, each on its own keep-alive hyper
//! connection, send the same request back to back for a fixed time and record every latency in an
//! HDR histogram (microseconds). An answer other than 2xx, or 304 to a conditional request, counts
//! as an error, not as a sample.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;

/// A request unanswered this long counts as an error (and its connection is replaced).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The request every worker repeats.
#[derive(Clone)]
pub struct Template {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// Where a body carries its JSON-RPC id: every request gets its own, since requests in flight on
/// one MCP session must not share an id (rmcp routes each response to the waiter with its id).
pub const ID_SLOT: &str = "\"id\":0";

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Template {
    pub(crate) fn build(&self, host: &str) -> Result<Request<Full<Bytes>>, String> {
        let mut req = Request::builder().method(self.method.clone()).uri(&self.path).header("host", host);
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        let body = match std::str::from_utf8(&self.body).ok().and_then(|b| b.split_once(ID_SLOT)) {
            Some((before, after)) => {
                let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Bytes::from(format!("{before}\"id\":{id}{after}"))
            }
            None => self.body.clone(),
        };
        req.body(Full::new(body)).map_err(|e| e.to_string())
    }
}

pub struct LoadResult {
    pub connections: usize,
    pub requests: u64,
    /// Successful requests including the warm-up's (for counting what they caused upstream).
    pub answered: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Latencies in microseconds.
    pub latency: Histogram<u64>,
    /// The first error seen, to explain a failed run.
    pub first_error: Option<String>,
}

impl LoadResult {
    /// `self` and `other` as one run (the same connections, one after the other).
    pub fn merge(mut self, other: LoadResult) -> LoadResult {
        self.requests += other.requests;
        self.answered += other.answered;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        let _ = self.latency.add(&other.latency);
        self.first_error = self.first_error.or(other.first_error);
        self
    }

    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// A latency quantile in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        self.latency.value_at_quantile(q) as f64 / 1000.0
    }
}

struct Worker {
    requests: u64,
    answered: u64,
    errors: u64,
    latency: Histogram<u64>,
    first_error: Option<String>,
}

/// Runs `template` against `addr` from `connections` connections for `duration` (after `warmup`,
/// whose requests are not recorded).
pub async fn run(
    addr: SocketAddr,
    template: Arc<Template>,
    connections: usize,
    warmup: Duration,
    duration: Duration,
) -> LoadResult {
    let start = Instant::now() + warmup;
    let end = start + duration;
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let template = template.clone();
            tokio::spawn(async move { worker(addr, template, start, end).await })
        })
        .collect();
    let mut total = LoadResult {
        connections,
        requests: 0,
        answered: 0,
        errors: 0,
        elapsed: duration,
        latency: histogram(),
        first_error: None,
    };
    for w in workers {
        match w.await {
            Ok(w) => {
                total.requests += w.requests;
                total.answered += w.answered;
                total.errors += w.errors;
                let _ = total.latency.add(&w.latency);
                total.first_error = total.first_error.or(w.first_error);
            }
            Err(e) => {
                total.errors += 1;
                total.first_error.get_or_insert_with(|| format!("worker panicked: {e}"));
            }
        }
    }
    total
}

pub fn histogram() -> Histogram<u64> {
    // 1 µs .. 60 s, 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("constant bounds are valid")
}

async fn worker(addr: SocketAddr, template: Arc<Template>, start: Instant, end: Instant) -> Worker {
    let mut w = Worker { requests: 0, answered: 0, errors: 0, latency: histogram(), first_error: None };
    let host = addr.to_string();
    let mut sender = None;
    while Instant::now() < end {
        if sender.is_none() {
            match connect(addr).await {
                Ok(s) => sender = Some(s),
                Err(e) => {
                    w.errors += 1;
                    w.first_error.get_or_insert(e);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(s) = sender.as_mut() else { continue };
        let req = match template.build(&host) {
            Ok(r) => r,
            Err(e) => {
                w.first_error.get_or_insert(e);
                w.errors += 1;
                break;
            }
        };
        let sent = Instant::now();
        let outcome = tokio::time::timeout(REQUEST_TIMEOUT, async {
            s.ready().await.map_err(|e| e.to_string())?;
            let resp = s.send_request(req).await.map_err(|e| e.to_string())?;
            let status = resp.status();
            let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
            if status.is_success() || status == hyper::StatusCode::NOT_MODIFIED {
                Ok(())
            } else {
                Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body[..body.len().min(200)])))
            }
        })
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {REQUEST_TIMEOUT:?}")));
        let done = Instant::now();
        if outcome.is_ok() {
            w.answered += 1;
        }
        if sent < start {
            if outcome.is_err() {
                sender = None;
            }
            continue;
        }
        match outcome {
            Ok(()) => {
                w.requests += 1;
                let _ = w.latency.record((done - sent).as_micros().max(1) as u64);
            }
            Err(e) => {
                w.errors += 1;
                w.first_error.get_or_insert(e);
                sender = None;
            }
        }
    }
    w
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> Result<Sender, String> {
    let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("connect {addr}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}
