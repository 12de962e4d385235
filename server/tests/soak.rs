//! No request goes unanswered: a randomized mix of what real clients send (2026-07-28 `tools/list`
//! and `tools/call`, unauthenticated 401s, 202 notifications, legacy `initialize` and `DELETE`,
//! health checks, short pauses; half the bodies sent a moment after their heads) replayed over a few
//! reused keep-alive connections with a bare
//! HTTP/1.1 client that never retries. A connection the server closes after a response that said
//! `Connection: close` is reopened; any other close before a response is a dropped request.
//!
//! Bounded: `SOAK_REQUESTS` requests in all (default 1,200), across `SOAK_CONNECTIONS` connections
//! (default 4); `gateway-bench soak` runs the same mix for longer against the release build.

mod common;

use std::time::Duration;

use axum::body::Bytes;
use common::Harness;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::{Request, client::conn::http1};
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng};
use serde_json::json;

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

type Body = BoxBody<Bytes, std::convert::Infallible>;
type Sender = http1::SendRequest<Body>;

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).boxed()
}

/// A body sent a moment after its head, as clients that write them separately (httpx) do.
fn late(bytes: Bytes) -> Body {
    let frame = async move {
        tokio::time::sleep(Duration::from_millis(5)).await;
        Ok(hyper::body::Frame::data(bytes))
    };
    StreamBody::new(futures::stream::once(frame)).boxed()
}

async fn connect(addr: &str) -> Sender {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (sender, conn) = http1::handshake(TokioIo::new(tcp)).await.expect("handshake");
    tokio::spawn(conn);
    sender
}

/// JSON-RPC ids unique across the run: requests on one legacy session run concurrently, and a
/// session answers each id once.
fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn modern(method: &str, params: serde_json::Value) -> String {
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    json!({"jsonrpc": "2.0", "id": next_id(), "method": method, "params": params}).to_string()
}

/// One request of the mix, and the status it must get.
fn pick(rng: &mut impl Rng, host: &str, token: &str, session: &str) -> (Request<Body>, u16) {
    let late_body = rng.random_bool(0.5);
    let post = |body: String| {
        let len = body.len();
        let bytes = Bytes::from(body);
        Request::post("/mcp")
            .header("host", host)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("content-length", len)
            .body(if late_body { late(bytes) } else { full(bytes) })
            .expect("request")
    };
    let with = |mut req: Request<Body>, headers: &[(&'static str, &str)]| {
        for (k, v) in headers {
            req.headers_mut().insert(*k, v.parse().expect("header"));
        }
        req
    };
    let bearer = format!("Bearer {token}");
    match rng.random_range(0..7) {
        0 => (
            with(
                post(modern("tools/list", json!({}))),
                &[("authorization", &bearer), ("mcp-protocol-version", "2026-07-28"), ("mcp-method", "tools/list")],
            ),
            200,
        ),
        1 => (
            with(
                post(modern("tools/call", json!({"name": "get_me", "arguments": {}}))),
                &[
                    ("authorization", &bearer),
                    ("mcp-protocol-version", "2026-07-28"),
                    ("mcp-method", "tools/call"),
                    ("mcp-name", "get_me"),
                ],
            ),
            200,
        ),
        // No token: 401, answered before the body is read.
        2 => (post(modern("tools/list", json!({}))), 401),
        3 => (
            with(
                post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string()),
                &[("authorization", &bearer), ("mcp-session-id", session), ("mcp-protocol-version", "2025-06-18")],
            ),
            202,
        ),
        4 => (
            with(
                post(json!({"jsonrpc": "2.0", "id": next_id(), "method": "ping"}).to_string()),
                &[("authorization", &bearer), ("mcp-session-id", session), ("mcp-protocol-version", "2025-06-18")],
            ),
            200,
        ),
        5 => (
            Request::delete("/mcp")
                .header("host", host)
                .header("authorization", &bearer)
                .header("mcp-session-id", "ended-or-never-was")
                .header("mcp-protocol-version", "2025-06-18")
                .body(full(Bytes::new()))
                .expect("request"),
            404,
        ),
        _ => (Request::get("/healthz").header("host", host).body(full(Bytes::new())).expect("request"), 200),
    }
}

#[tokio::test]
async fn a_randomized_mix_over_reused_connections_loses_no_request() {
    let total = knob("SOAK_REQUESTS", 1_200);
    let connections = knob("SOAK_CONNECTIONS", 4).max(1);
    let h = Harness::start().await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let host = h.gw.base.trim_start_matches("http://").to_owned();
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (host, token, session) = (host.clone(), t.access.clone(), session.clone());
        workers.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::from_os_rng();
            let mut sender = connect(&host).await;
            let (mut dropped, mut wrong, mut reopened) = (Vec::new(), Vec::new(), 0usize);
            for i in 0..total / connections {
                if rng.random_range(0..10) == 0 {
                    tokio::time::sleep(Duration::from_millis(rng.random_range(1..30))).await;
                }
                let (req, want) = pick(&mut rng, &host, &token, &session);
                let what = format!("#{i} {} {}", req.method(), req.uri());
                if sender.ready().await.is_err() {
                    dropped.push(format!("{what}: the connection was closed without Connection: close"));
                    sender = connect(&host).await;
                }
                let resp = match tokio::time::timeout(Duration::from_secs(10), sender.send_request(req)).await {
                    Ok(Ok(resp)) => resp,
                    Ok(Err(e)) => {
                        dropped.push(format!("{what}: {e}"));
                        sender = connect(&host).await;
                        continue;
                    }
                    Err(_) => panic!("{what}: no answer in 10 s"),
                };
                let status = resp.status().as_u16();
                let closes =
                    resp.headers().get("connection").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
                let body = resp.into_body().collect().await.map(|b| b.to_bytes());
                if body.is_err() {
                    dropped.push(format!("{what}: the body was cut"));
                }
                if status != want {
                    wrong.push(format!("{what}: {status}, wanted {want}"));
                }
                if closes {
                    reopened += 1;
                    sender = connect(&host).await;
                }
            }
            (dropped, wrong, reopened)
        }));
    }
    let (mut dropped, mut wrong, mut reopened) = (Vec::new(), Vec::new(), 0);
    for w in workers {
        let (d, x, r) = w.await.expect("worker");
        dropped.extend(d);
        wrong.extend(x);
        reopened += r;
    }
    assert!(dropped.is_empty(), "{} of {total} requests got no response:\n{}", dropped.len(), dropped.join("\n"));
    assert!(wrong.is_empty(), "unexpected statuses:\n{}", wrong.join("\n"));
    eprintln!(
        "{total} requests over {connections} connections, none dropped; {reopened} reconnects after Connection: close"
    );
}
