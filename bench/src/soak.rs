//! The soak: a long randomized mix of what real clients send (2026-07-28 `tools/list` and
//! `tools/call`, unauthenticated 401s, 202 notifications, legacy `ping`, `DELETE` of an ended
//! session, health checks, short pauses; half the bodies sent a moment after their heads) over a few
//! reused keep-alive connections, with a bare HTTP/1.1 client that never retries. Its figure is the
//! number of requests without a response: a connection closed after a response that said
//! `Connection: close` is reopened; any other close before a response counts. Target: 0.
//! (`server/tests/soak.rs` runs the same mix, bounded, in the test suite.)

use std::{
    convert::Infallible,
    net::SocketAddr,
    pin::Pin,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::{BodyExt, combinators::BoxBody};
use hyper::{
    Method, Request,
    body::{Frame, SizeHint},
    client::conn::http1,
};
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::load::Template;

type Body = BoxBody<Bytes, Infallible>;

/// A body sent a moment after its head, as clients that write them separately (httpx) do.
struct Late {
    wait: Pin<Box<tokio::time::Sleep>>,
    data: Option<Bytes>,
    len: u64,
}

impl hyper::body::Body for Late {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.data.is_none() {
            return Poll::Ready(None);
        }
        match self.wait.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(self.data.take().map(|d| Ok(Frame::data(d)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}

/// One kind of request in the mix, and the status it must get.
struct Kind {
    template: Template,
    status: u16,
}

fn template(method: Method, path: &str, headers: &[(&str, &str)], body: Option<Value>) -> Template {
    let mut all: Vec<(String, String)> = headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let body = match body {
        Some(b) => {
            all.push(("content-type".into(), "application/json".into()));
            all.push(("accept".into(), "application/json, text/event-stream".into()));
            // `"id":0` is the load generator's slot for a fresh id per request (`load::ID_SLOT`).
            Bytes::from(b.to_string())
        }
        None => Bytes::new(),
    };
    Template { method, path: path.into(), headers: all, body }
}

fn modern(method: &str, params: Value) -> Value {
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    json!({"jsonrpc": "2.0", "id": 0, "method": method, "params": params})
}

fn mix(access: &str, session: &str) -> Vec<Kind> {
    let bearer = format!("Bearer {access}");
    let stateless = |method| {
        vec![("authorization", bearer.as_str()), ("mcp-protocol-version", "2026-07-28"), ("mcp-method", method)]
    };
    let legacy = |session| {
        [("authorization", bearer.as_str()), ("mcp-session-id", session), ("mcp-protocol-version", "2025-06-18")]
    };
    let mut call = stateless("tools/call");
    call.push(("mcp-name", "get_me"));
    let kind = |template, status| Kind { template, status };
    vec![
        kind(template(Method::POST, "/mcp", &stateless("tools/list"), Some(modern("tools/list", json!({})))), 200),
        kind(template(Method::POST, "/mcp", &call, Some(modern("tools/call", json!({"name": "get_me"})))), 200),
        // No token: 401, answered before the body is read.
        kind(template(Method::POST, "/mcp", &[], Some(modern("tools/list", json!({})))), 401),
        kind(
            template(
                Method::POST,
                "/mcp",
                &legacy(session),
                Some(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})),
            ),
            202,
        ),
        kind(
            template(
                Method::POST,
                "/mcp",
                &legacy(session),
                Some(json!({"jsonrpc": "2.0", "id": 0, "method": "ping"})),
            ),
            200,
        ),
        kind(template(Method::DELETE, "/mcp", &legacy("ended-or-never-was"), None), 404),
        kind(template(Method::GET, "/healthz", &[], None), 200),
    ]
}

type Sender = http1::SendRequest<Body>;

async fn connect(addr: SocketAddr) -> Result<Sender, String> {
    let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let _ = tcp.set_nodelay(true);
    let (sender, conn) = http1::handshake(TokioIo::new(tcp)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    Ok(sender)
}

#[derive(Default)]
struct Tally {
    requests: u64,
    without_response: u64,
    wrong_status: u64,
    reconnects: u64,
    first_problem: Option<String>,
}

async fn worker(addr: SocketAddr, kinds: std::sync::Arc<Vec<Kind>>, requests: u64) -> Tally {
    let mut t = Tally::default();
    let mut rng = rand::rngs::StdRng::from_os_rng();
    let host = addr.to_string();
    let mut sender = match connect(addr).await {
        Ok(s) => s,
        Err(e) => {
            t.without_response = requests;
            t.first_problem = Some(format!("cannot connect: {e}"));
            return t;
        }
    };
    for _ in 0..requests {
        if rng.random_range(0..10) == 0 {
            tokio::time::sleep(Duration::from_millis(rng.random_range(1..30))).await;
        }
        let kind = &kinds[rng.random_range(0..kinds.len())];
        let Ok(req) = kind.template.build(&host) else { continue };
        let (parts, full) = req.into_parts();
        let bytes = full.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let len = bytes.len() as u64;
        let body: Body = if !bytes.is_empty() && rng.random_bool(0.5) {
            Late { wait: Box::pin(tokio::time::sleep(Duration::from_millis(5))), data: Some(bytes), len }.boxed()
        } else {
            http_body_util::Full::new(bytes).boxed()
        };
        let req = Request::from_parts(parts, body);
        let what = format!("{} {}", req.method(), req.uri());
        t.requests += 1;
        let lost = |t: &mut Tally, why: String| {
            t.without_response += 1;
            t.first_problem.get_or_insert(why);
        };
        if sender.ready().await.is_err() {
            lost(&mut t, format!("{what}: the connection was closed without Connection: close"));
            match connect(addr).await {
                Ok(s) => sender = s,
                Err(_) => continue,
            }
        }
        let resp = match tokio::time::timeout(Duration::from_secs(10), sender.send_request(req)).await {
            Ok(Ok(resp)) => resp,
            Ok(Err(e)) => {
                lost(&mut t, format!("{what}: {e}"));
                if let Ok(s) = connect(addr).await {
                    sender = s;
                }
                continue;
            }
            Err(_) => {
                lost(&mut t, format!("{what}: no response in 10 s"));
                if let Ok(s) = connect(addr).await {
                    sender = s;
                }
                continue;
            }
        };
        let status = resp.status().as_u16();
        let closes = resp.headers().get("connection").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
        if resp.into_body().collect().await.is_err() {
            lost(&mut t, format!("{what}: the body was cut"));
        }
        if status != kind.status {
            t.wrong_status += 1;
            t.first_problem.get_or_insert(format!("{what}: {status}, wanted {}", kind.status));
        }
        if closes {
            t.reconnects += 1;
            match connect(addr).await {
                Ok(s) => sender = s,
                Err(e) => lost(&mut t, format!("reconnect: {e}")),
            }
        }
    }
    t
}

/// Sends `requests` requests of the mix over `connections` connections; returns the figures.
pub async fn run(addr: SocketAddr, access: &str, session: &str, requests: u64, connections: usize) -> Value {
    let kinds = std::sync::Arc::new(mix(access, session));
    let connections = connections.max(1);
    let started = Instant::now();
    let per = requests / connections as u64;
    let workers: Vec<_> = (0..connections).map(|_| tokio::spawn(worker(addr, kinds.clone(), per))).collect();
    let mut total = Tally::default();
    for w in workers {
        match w.await {
            Ok(t) => {
                total.requests += t.requests;
                total.without_response += t.without_response;
                total.wrong_status += t.wrong_status;
                total.reconnects += t.reconnects;
                total.first_problem = total.first_problem.or(t.first_problem);
            }
            Err(e) => {
                total.without_response += per;
                total.first_problem.get_or_insert(format!("worker panicked: {e}"));
            }
        }
    }
    json!({
        "requests": total.requests,
        "connections": connections,
        "seconds": started.elapsed().as_secs_f64(),
        "without_response": total.without_response,
        "wrong_status": total.wrong_status,
        "reconnects_after_connection_close": total.reconnects,
        "first_problem": total.first_problem,
        "errors": total.without_response + total.wrong_status,
    })
}
