//! mcp-github-gateway: an OAuth 2.1 authorization server for MCP clients that federates sign-in to
//! GitHub, and the MCP endpoint whose tools call GitHub as the signed-in user.
//!
//! Module map (data flows down this list, never up):
//! - [`http`]: the HTTP edge — thin axum handlers for discovery, registration, authorize/consent,
//!   the GitHub callback, token and revocation.
//! - [`mcp`]: `/mcp` — bearer middleware, session-to-user binding, rmcp service, tools.
//! - [`oauth`]: protocol rules (no HTTP types): clients, redirect URIs, PKCE, scopes, grants, tokens,
//!   the GitHub login leg, and the vault that keeps GitHub tokens encrypted.
//! - [`upstream`]: the GitHub OAuth client (oauth2 crate); [`github`]: the GitHub REST client.
//! - [`store`]: the `Store` trait, its backends and typed records.
//! - [`crypto`], [`clock`], [`config`], [`state`], [`web`]: keys and secrets, time, settings, shared
//!   state, page templates.
//! - [`metrics`]: the Prometheus registry every layer records into; [`admin`]: operator commands over
//!   the store; [`demo`]: the gateway wired to the in-repo GitHub emulator.

pub mod admin;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod github;
pub mod http;
pub mod mcp;
pub mod metrics;
pub mod oauth;
#[cfg(test)]
mod proptests;
pub mod state;
pub mod store;
pub mod upstream;
pub mod web;

use axum::{Router, extract::Request};
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

pub use config::Config;
pub use state::AppState;

/// The whole application router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(http::oauth_routes(&state))
        .merge(mcp::routes(&state))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::http::track))
        .layer(PropagateRequestIdLayer::x_request_id())
        // Spans name the path only: query strings carry codes and state, which must never be logged.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("http", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        // Outermost: every request gets an id (or keeps the one it brought), logged on every line.
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight requests finish for
/// `SHUTDOWN_GRACE_SECS` before cutting what is still open (long-lived SSE streams) and returning.
/// Session state is in the store, so a cut stream's client resumes on the next instance.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = state.config.shutdown_grace;
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = stopping_tx.send(());
    };
    // TCP_NODELAY: a streamed (SSE) response is written as headers, then events; with Nagle's
    // algorithm on, each later write waits for the client's delayed ACK, about 40 ms per request.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    // The peer address feeds the per-IP rate limits.
    let server = axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(signal)
        .into_future();
    let deadline = async move {
        match stopping_rx.await {
            Ok(()) => tokio::time::sleep(grace).await,
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!(grace_secs = grace.as_secs(), "shutdown grace elapsed; closing the connections still open");
            Ok(())
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received; draining requests");
}
