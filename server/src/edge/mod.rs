//! The connection layer under the router: our own accept loop on hyper (HTTP/1.1 and HTTP/2), so
//! that every connection is timed and counted before a request reaches axum.
//!
//! - [`caps`]: the process-wide and per-address connection caps (`MAX_CONNECTIONS`,
//!   `MAX_CONNECTIONS_PER_IP`), refused with a canned 503 and `Retry-After`, and the open-file limit
//!   raised at start-up so the cap is reached long before the descriptors run out.
//! - [`conn`]: one connection: header-read, keep-alive idle and request-body timeouts, and
//!   `Connection: close` on every response that leaves its request body unread.
//!
//! Shutdown: on the signal the listener closes, every connection finishes the request it is serving
//! and closes, and after `SHUTDOWN_GRACE_SECS` whatever is still open (long SSE streams) is cut.

pub mod caps;
pub mod conn;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use hyper_util::{rt::TokioExecutor, server::conn::auto};
use tokio::{net::TcpListener, task::JoinSet};

use crate::state::AppState;

/// What a refused connection is told before it is closed.
const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 93\r\n\r\n{\"error\":\"temporarily_unavailable\",\"error_description\":\"too many connections; retry shortly\"}";

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight requests finish for
/// `SHUTDOWN_GRACE_SECS` before cutting what is still open and returning. Session state is in the
/// store, so a cut stream's client resumes on the next instance.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let edge = state.config.edge;
    let grace = state.config.shutdown_grace;
    let metrics = state.metrics.clone();
    let caps = caps::Caps::new(caps::effective_max(edge.max_connections), edge.max_connections_per_ip);
    let router = crate::app(state);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Our own timers (conn.rs) replace hyper's header timeout, which would also end idle keep-alive
    // connections at the header timeout and log each as a warning.
    builder.http1().timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(None).keep_alive(true);
    builder.http2().timer(hyper_util::rt::TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(30)));
    let builder = Arc::new(builder);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    let shutdown = shutdown;
    tokio::pin!(shutdown);
    let mut accept_errors_logged = 0u32;
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {
                metrics.connections_open.set(i64::try_from(caps.open()).unwrap_or(i64::MAX));
            }
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning; say so once in a while.
                        if accept_errors_logged.is_multiple_of(100) {
                            tracing::error!(error = %e, "cannot accept connections");
                        }
                        accept_errors_logged = accept_errors_logged.wrapping_add(1);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let permit = match caps.admit(peer.ip()) {
                    Ok(p) => p,
                    Err(why) => {
                        metrics.connection_closed(why.as_str());
                        refuse(tcp, peer, why);
                        continue;
                    }
                };
                metrics.connections_open.set(i64::try_from(caps.open()).unwrap_or(i64::MAX));
                // TCP_NODELAY: a streamed (SSE) response is written as headers, then events; with
                // Nagle's algorithm on, each later write waits for the client's delayed ACK (~40 ms).
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "could not set TCP_NODELAY");
                }
                let (router, builder, metrics, stop) = (router.clone(), builder.clone(), metrics.clone(), stop_rx.clone());
                connections.spawn(async move {
                    conn::serve(tcp, peer, router, builder, edge, metrics, stop).await;
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(grace, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            grace_secs = grace.as_secs(),
            open = connections.len(),
            "shutdown grace elapsed; closing the connections still open"
        );
        connections.abort_all();
    }
    Ok(())
}

/// Tells a connection over a cap why it is closed, without waiting on it.
fn refuse(tcp: tokio::net::TcpStream, peer: SocketAddr, why: caps::Refusal) {
    tracing::debug!(%peer, reason = why.as_str(), "connection refused");
    // The canned answer fits any socket buffer: one non-blocking write, then close.
    let _ = tcp.try_write(REFUSED);
    drop(tcp);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_refusal_is_a_well_formed_response_with_its_length() {
        let text = std::str::from_utf8(super::REFUSED).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let len: usize = head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).unwrap().parse().unwrap();
        assert_eq!(body.len(), len);
        assert!(serde_json::from_str::<serde_json::Value>(body).is_ok());
    }
}
