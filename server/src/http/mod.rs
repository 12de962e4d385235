//! The HTTP edge: thin axum handlers, one file per surface, and the router that assembles them with
//! body limits, CORS and tracing. Handlers parse and answer; the rules live in `oauth/`.

pub mod authorize;
pub mod callback;
pub mod cookies;
pub mod discovery;
mod error;
mod form;
pub mod health;
pub mod limits;
pub mod metrics;
pub mod register;
pub mod revoke;
pub mod token;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{Method, header},
    routing::{get, post},
};
use tower_http::cors::{Any, CorsLayer};

use crate::state::AppState;

/// Largest accepted body on the OAuth endpoints (registration metadata, token and consent forms).
pub const OAUTH_BODY_LIMIT: usize = 16 * 1024;

/// Discovery and the token-side endpoints are called cross-origin by browser-based clients: allow any
/// origin, without credentials (they authenticate with their own parameters, never cookies).
fn public_cors() -> CorsLayer {
    CorsLayer::new().allow_origin(Any).allow_methods([Method::GET, Method::POST, Method::OPTIONS]).allow_headers([
        header::CONTENT_TYPE,
        header::AUTHORIZATION,
        "mcp-protocol-version".parse().unwrap_or(header::ACCEPT),
    ])
}

pub fn oauth_routes(state: &AppState) -> Router<AppState> {
    let cross_origin = Router::new()
        .route("/.well-known/oauth-protected-resource", get(discovery::protected_resource))
        .route("/.well-known/oauth-protected-resource/mcp", get(discovery::protected_resource))
        .route("/.well-known/oauth-authorization-server", get(discovery::authorization_server))
        .route("/.well-known/openid-configuration", get(discovery::authorization_server))
        .route("/register", post(register::register))
        .route("/token", post(token::token))
        .route("/revoke", post(revoke::revoke))
        .layer(public_cors());
    Router::new()
        .merge(cross_origin)
        .route("/authorize", get(authorize::get).post(authorize::post))
        .route("/oauth/callback", get(callback::callback))
        .route("/", get(health::landing))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .layer(DefaultBodyLimit::max(OAUTH_BODY_LIMIT))
        // The per-IP limits are this router's own: nothing else reads them.
        .route_layer(axum::middleware::from_fn_with_state(
            limits::Limits::new(state.config.rate_limit_per_minute, state.config.trust_proxy_headers),
            limits::rate_limit,
        ))
}
