//! The HTTP edge under raw TCP: what a keep-alive client is told before a connection closes, and
//! the timeouts and connection caps that keep slow or hostile peers from holding the server.
//!
//! These speak HTTP/1.1 over a bare `TcpStream` so that nothing (a client library's retries or
//! pooling) hides what the server did on the wire.

mod common;

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use common::Harness;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

fn addr(h: &Harness) -> SocketAddr {
    h.gw.base.trim_start_matches("http://").parse().expect("gateway address")
}

/// A connection from `source` (any 127.0.0.0/8 address works on Linux loopback).
async fn connect_from(source: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(format!("{source}:0").parse().expect("source")).expect("bind source");
    socket.connect(to).await.expect("connect")
}

/// Reads one response head and its `Content-Length` body; `None` when the server closed first.
async fn read_response(conn: &mut TcpStream, within: Duration) -> Option<String> {
    let mut buf = Vec::new();
    let deadline = Instant::now() + within;
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Some(String::from_utf8_lossy(&buf[..end + 4 + len]).into_owned());
            }
        }
        let mut chunk = [0u8; 4096];
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, conn.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return None,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => panic!("no response and no close within {within:?}"),
        }
    }
}

/// `true` when the server closes the connection within `within` (EOF or reset).
async fn closes_within(conn: &mut TcpStream, within: Duration) -> bool {
    let mut chunk = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else { return false };
        match tokio::time::timeout(left, conn.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

fn says_close(head: &str) -> bool {
    head.to_ascii_lowercase().lines().any(|l| l.starts_with("connection:") && l.contains("close"))
}

#[tokio::test]
async fn an_answer_given_before_the_request_body_arrived_tells_the_client_the_connection_closes() {
    let h = Harness::start().await;
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    for path in ["/mcp", "/token", "/register"] {
        let mut conn = connect_from("127.0.0.1", addr(&h)).await;
        // Headers first; the body follows only after the server has had time to answer (the 401 on
        // /mcp, a refusal elsewhere), as a client writing headers and body separately does.
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n",
            addr(&h),
            body.len()
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        conn.write_all(body.as_bytes()).await.unwrap();
        let first = read_response(&mut conn, Duration::from_secs(5)).await.expect("a response to the first request");
        if says_close(&first) {
            continue;
        }
        // No `Connection: close`: the connection must then serve the next request.
        let next = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", addr(&h));
        let sent = conn.write_all(next.as_bytes()).await;
        let second = match sent {
            Ok(()) => read_response(&mut conn, Duration::from_secs(5)).await,
            Err(_) => None,
        };
        assert!(
            second.is_some(),
            "{path}: the server closed a keep-alive connection without saying so; first answer:\n{first}"
        );
    }
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed_after_the_header_timeout() {
    let h = Harness::start_with(Default::default(), |c| c.header_read_timeout_secs = Some("1".into())).await;
    let mut silent = connect_from("127.0.0.1", addr(&h)).await;
    let mut partial = connect_from("127.0.0.1", addr(&h)).await;
    partial.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    assert!(closes_within(&mut silent, Duration::from_secs(4)).await, "a silent connection stayed open");
    assert!(closes_within(&mut partial, Duration::from_secs(4)).await, "a half-sent head stayed open");
    // A kept-alive connection whose next head stalls is closed too.
    let mut kept = connect_from("127.0.0.1", addr(&h)).await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(read_response(&mut kept, Duration::from_secs(2)).await.is_some());
    kept.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    assert!(closes_within(&mut kept, Duration::from_secs(4)).await, "a stalled second head stayed open");
}

#[tokio::test]
async fn a_request_body_that_stalls_is_answered_408_and_the_connection_closed() {
    let h = Harness::start_with(Default::default(), |c| c.request_body_timeout_secs = Some("1".into())).await;
    for path in ["/token", "/register", "/mcp"] {
        let mut conn = connect_from("127.0.0.1", addr(&h)).await;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=",
            addr(&h)
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        let started = Instant::now();
        let resp = read_response(&mut conn, Duration::from_secs(5)).await;
        if path == "/mcp" {
            // No token: refused at once, without waiting for the body, and said so.
            let resp = resp.expect("a 401");
            assert!(resp.starts_with("HTTP/1.1 401"), "{resp}");
            assert!(says_close(&resp), "{resp}");
            continue;
        }
        let resp = resp.unwrap_or_else(|| panic!("{path}: closed without a response"));
        assert!(resp.starts_with("HTTP/1.1 408"), "{path}: {resp}");
        assert!(says_close(&resp), "{path}: {resp}");
        assert!(resp.contains("request_timeout"), "{path}: {resp}");
        assert!(started.elapsed() < Duration::from_secs(4));
        assert!(closes_within(&mut conn, Duration::from_secs(2)).await);
    }
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout_it_announced() {
    let h = Harness::start_with(Default::default(), |c| c.keep_alive_idle_secs = Some("1".into())).await;
    let mut conn = connect_from("127.0.0.1", addr(&h)).await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let resp = read_response(&mut conn, Duration::from_secs(2)).await.expect("response");
    assert!(resp.to_ascii_lowercase().contains("keep-alive: timeout=1"), "{resp}");
    // Within the idle period the connection serves another request.
    tokio::time::sleep(Duration::from_millis(300)).await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(read_response(&mut conn, Duration::from_secs(2)).await.is_some());
    assert!(closes_within(&mut conn, Duration::from_secs(4)).await, "the idle connection stayed open");
}

/// A flood of half-sent requests from one address: the address is capped, every other address is
/// still served at once, and the server's open connections stay at the cap.
#[tokio::test]
async fn half_open_connections_from_one_address_cannot_starve_another_address() {
    let h = Harness::start_with(Default::default(), |c| {
        c.max_connections_per_ip = Some("50".into());
        c.max_connections = Some("400".into());
    })
    .await;
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..300 {
        let mut c = connect_from("127.0.0.1", addr(&h)).await;
        let _ = c.write_all(b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Le").await;
        held.push(c);
    }
    for c in held.iter_mut() {
        let mut buf = [0u8; 512];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(20), c.read(&mut buf)).await
            && n > 0
        {
            let text = String::from_utf8_lossy(&buf[..n]);
            assert!(text.starts_with("HTTP/1.1 503"), "{text}");
            assert!(text.contains("Retry-After: 5"), "{text}");
            refused += 1;
        }
    }
    assert_eq!(refused, 250, "every connection past the per-address cap is refused with a 503");
    let started = Instant::now();
    let mut other = connect_from("127.0.0.2", addr(&h)).await;
    other.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let resp = read_response(&mut other, Duration::from_secs(1)).await.expect("healthz from another address");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(started.elapsed() < Duration::from_secs(1));
    let metrics = h.state.metrics.render().await;
    assert!(
        metrics.contains("mcp_gateway_connections_closed_total{outcome=\"address_connection_cap\"} 250"),
        "{metrics}"
    );
}

#[tokio::test]
async fn connections_past_the_process_cap_are_refused_with_503_and_retry_after() {
    let h = Harness::start_with(Default::default(), |c| c.max_connections = Some("16".into())).await;
    let mut held = Vec::new();
    for i in 0..16 {
        held.push(connect_from(&format!("127.0.0.{}", 10 + i), addr(&h)).await);
    }
    // The accept loop admits in order; give it a moment to take all sixteen.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = connect_from("127.0.0.99", addr(&h)).await;
    let resp = read_response(&mut extra, Duration::from_secs(2)).await.expect("a refusal");
    assert!(resp.starts_with("HTTP/1.1 503") && resp.to_ascii_lowercase().contains("retry-after: 5"), "{resp}");
    drop(held);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut later = connect_from("127.0.0.99", addr(&h)).await;
    later.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let resp = read_response(&mut later, Duration::from_secs(2)).await.expect("served once places are free");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
}
