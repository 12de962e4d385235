//! `/` (what this server is and how to connect), `/healthz` (the process answers) and `/readyz`
//! (its storage answers too).

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use minijinja::context;

use crate::state::AppState;

pub async fn landing(State(state): State<AppState>) -> Response {
    let c = &state.config;
    let toolsets: Vec<&str> = c.toolsets.iter().map(|t| t.name()).collect();
    let github = c.github_base_url.host_str().unwrap_or("github.com").to_owned();
    state.templates.render(
        "landing.html",
        context! { mcp_url => c.mcp_url(), github_host => github, toolsets => toolsets.join(", "), read_only => c.read_only },
    )
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.records.store().ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ready"}))).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: storage unreachable");
            let body = serde_json::json!({"status": "unavailable", "error": "storage is unreachable"});
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
