//! mcp-github-gateway: an OAuth 2.1 authorization server for MCP clients that federates sign-in to
//! GitHub, and the MCP endpoint whose tools call GitHub as the signed-in user.
//!
//! Module map (data flows down this list, never up):
//! - [`edge`]: the connection layer under the router: accept loop, connection caps, header,
//!   body and keep-alive timeouts.
//! - [`http`]: the HTTP edge — thin axum handlers for discovery, registration, authorize/consent,
//!   the GitHub callback, token and revocation.
//! - [`mcp`]: `/mcp` — bearer middleware, session-to-user binding, rmcp service, tools.
//! - [`oauth`]: protocol rules (no HTTP types): clients, redirect URIs, PKCE, scopes, grants, tokens,
//!   the GitHub login leg, and the vault that keeps GitHub tokens encrypted.
//! - [`upstream`]: the GitHub OAuth client (oauth2 crate); [`github`]: the GitHub REST client.
//! - [`store`]: the `Store` trait, its backends and typed records.
//! - [`crypto`], [`clock`], [`config`], [`state`], [`web`], [`single_flight`], [`scope`]: keys and
//!   secrets, time, settings, shared state, page templates, per-key locks, the scope vocabulary.
//! - [`metrics`]: the Prometheus registry every layer records into; [`admin`]: operator commands over
//!   the store; [`demo`]: the gateway wired to the in-repo GitHub emulator.

pub mod admin;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod edge;
pub mod github;
pub mod http;
pub mod mcp;
pub mod metrics;
pub mod oauth;
#[cfg(test)]
mod proptests;
pub mod scope;
pub mod single_flight;
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
pub use edge::serve;
pub use state::AppState;

/// The whole application router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(http::oauth_routes(&state))
        .merge(mcp::routes(&state))
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::http::track))
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
