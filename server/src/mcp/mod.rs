//! The protected MCP endpoint: rmcp's Streamable HTTP service, serving every request on its own
//! (stateless, whatever the revision), behind CORS and one guard layer that runs, in order, the
//! bearer check ([`auth`]), the one body read ([`message`]), the 2025 revisions' sessions
//! ([`sessions`]: kept in storage, bound to their user) and the scope step-up ([`scopes`]). In
//! upstream mode (`UPSTREAM_MCP_URL`) the same CORS, bearer check and body read guard [`relay`]
//! instead, which binds sessions and checks writes itself and forwards to GitHub's MCP server.
//! Every refusal these checks answer is an [`error::McpError`]. The plainest `tools/list`,
//! `server/discover` and `ping` requests are answered from bytes serialized once ([`prepared`]),
//! the rest by rmcp.

pub mod auth;
pub mod error;
pub mod message;
pub mod prepared;
pub mod relay;
pub mod scopes;
pub mod server;
pub mod sessions;
pub mod tools;

use std::sync::Arc;

use axum::{
    Router,
    extract::{Request, State},
    http::{HeaderName, HeaderValue, Method, header},
    middleware::{self, Next},
    response::Response,
};
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::never::NeverSessionManager,
};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::state::AppState;

/// Largest accepted JSON-RPC body on `/mcp`.
pub const MCP_BODY_LIMIT: usize = 4 * 1024 * 1024;

pub fn routes(state: &AppState) -> Router<AppState> {
    let mut origins: Vec<String> = vec![state.config.public_url.origin().ascii_serialization()];
    origins.extend(state.config.allowed_origins.iter().cloned());
    if let Some(upstream) = &state.config.upstream_mcp {
        match relay::Relay::new(state.clone(), upstream) {
            Ok(relay) => {
                return Router::new()
                    .route("/mcp", axum::routing::any(relay::handle))
                    .with_state(relay)
                    .route_layer(middleware::from_fn_with_state(state.clone(), relay_guard))
                    .route_layer(cors(&origins));
            }
            // Building a reqwest client fails only without a usable TLS backend: then /mcp says so,
            // rather than silently serving the native tools instead.
            Err(e) => {
                tracing::error!(error = %e, "upstream mode: cannot build the HTTP client");
                let down = || async { sessions::temporarily_unavailable("the upstream MCP client could not start") };
                return Router::new().route("/mcp", axum::routing::any(down));
            }
        }
    }
    let sessions = sessions::SessionGuard::new(state.clone());
    let live: Arc<dyn crate::metrics::LiveSessions> = sessions.clone();
    state.metrics.watch_sessions(Arc::downgrade(&live));
    let cors = cors(&origins);
    let registry = tools::Registry::shared();
    let selection = Arc::new(state.config.selection());
    let step_up = scopes::StepUp { state: state.clone(), tools: registry.clone(), selection };
    let guard = Arc::new(Guard { state: state.clone(), sessions, step_up });
    let service = Shared::new(state, registry, origins, true);
    Router::new()
        .nest_service("/mcp", service)
        // Route layers: they guard /mcp only, so an unknown path is a plain 404, not a 401 challenge.
        .route_layer(middleware::from_fn_with_state(guard, guard_native))
        // Outermost, so a browser's preflight is answered without a token.
        .route_layer(cors)
}

/// What [`guard_native`] needs.
struct Guard {
    state: AppState,
    sessions: Arc<sessions::SessionGuard>,
    step_up: scopes::StepUp,
}

/// The checks in front of the native tools, in order, as one layer (each layer of its own would
/// be one more clone of the service below it and one more boxed future, per request): the bearer
/// check ([`auth`]) and the one body read ([`message`]), the session binding ([`sessions`], around
/// the rest) and the scope step-up ([`scopes`]).
async fn guard_native(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let req = match admit(&guard.state, req).await {
        Ok(req) => req,
        Err(refusal) => return refusal,
    };
    sessions::bind(&guard.sessions, req, |mut req| async {
        match scopes::refusal(&guard.step_up, &mut req) {
            Some(refusal) => refusal,
            None => next.run(req).await,
        }
    })
    .await
}

/// The bearer check, then the one body read: an unauthenticated body is never read.
async fn admit(state: &AppState, req: Request) -> Result<Request, Response> {
    message::read(auth::authenticate(state, req).await?).await
}

/// The checks in front of the relay: the bearer check, then the one body read (the relay binds
/// sessions and checks writes itself).
async fn relay_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match admit(&state, req).await {
        Ok(req) => next.run(req).await,
        Err(refusal) => refusal,
    }
}

/// rmcp's service behind one `Arc`, after the replies prepared once. axum clones a route's service
/// for every request, and each middleware layer clones the one inside it; rmcp's own clone copies
/// its whole configuration (the host and origin lists), several times per request. This one is two
/// reference counts.
#[derive(Clone)]
struct Shared {
    rmcp: Arc<StreamableHttpService<server::GatewayServer, NeverSessionManager>>,
    prepared: Option<Arc<prepared::Prepared>>,
}

impl Shared {
    /// rmcp's service for `state`'s tools, accepting requests from `origins`, with the prepared
    /// replies in front of it when `prepare` (always, but in the tests that compare the two).
    fn new(state: &AppState, registry: Arc<tools::Registry>, origins: Vec<String>, prepare: bool) -> Self {
        let config = StreamableHttpServerConfig::default()
            .with_allowed_hosts(state.config.allowed_hosts())
            .with_allowed_origins(origins)
            .with_max_request_body_bytes(MCP_BODY_LIMIT)
            // Every request is served on its own by rmcp (stateless), whatever its revision; the
            // 2025 revisions' sessions are kept by `sessions`, in storage, so a session holds no
            // worker, channel or buffer in memory between its requests.
            .with_legacy_session_mode(false)
            // A reply that is one JSON-RPC response is sent as `application/json`; rmcp falls back
            // to SSE when a handler emits anything before it.
            .with_json_response(true)
            // No SSE "priming" events (an id and retry with empty data): 2025-06-18 era clients
            // (older TypeScript and Python SDKs, mcp-remote builds, the Go SDK) try to JSON-parse
            // the empty data.
            .with_sse_retry(None);
        // One set of lockdown verdicts for every request this router serves.
        let lockdown = Arc::new(tools::lockdown::Access::new(state.config.lockdown_trusted_bots.clone()));
        let server = server::GatewayServer::new(state.clone(), registry, lockdown);
        let prepared = match prepare.then(|| prepared::Prepared::new(server.clone(), &config.allowed_hosts)) {
            Some(Ok(p)) => Some(Arc::new(p)),
            // Serializing the server's own results does not fail; if it did, rmcp answers them all.
            Some(Err(e)) => {
                tracing::error!(error = %e, "cannot prepare the constant replies; rmcp answers them");
                None
            }
            None => None,
        };
        let rmcp =
            StreamableHttpService::new(move || Ok(server.clone()), Arc::new(NeverSessionManager::default()), config);
        Self { rmcp: Arc::new(rmcp), prepared }
    }
}

impl tower::Service<axum::extract::Request> for Shared {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = futures_util::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::extract::Request) -> Self::Future {
        if let Some(reply) = self.prepared.as_ref().and_then(|prepared| prepared.answer(&req)) {
            return Box::pin(std::future::ready(Ok(reply)));
        }
        let service = self.rmcp.clone();
        Box::pin(async move { Ok(service.handle(req).await.map(axum::body::Body::new)) })
    }
}

/// CORS for browser-based MCP clients: only the allowed origins, with the MCP headers exposed.
fn cors(origins: &[String]) -> CorsLayer {
    // A predicate over a shared set, not `AllowOrigin::list`: the layer is cloned for every request,
    // and a list would be copied with it.
    let origins: std::collections::HashSet<HeaderValue> =
        origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| origins.contains(origin)))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        // The 2026-07-28 transport requires `Mcp-Method`, `Mcp-Name` and any number of
        // `Mcp-Param-*` headers, which no fixed list can name: a preflight from an allowed origin
        // gets the headers it asks for. Origins stay a fixed list, and the server checks every
        // header it reads.
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            header::WWW_AUTHENTICATE,
            HeaderName::from_static(sessions::SESSION_HEADER),
            HeaderName::from_static("mcp-protocol-version"),
        ])
}
