//! `/` (what this server is and how to connect), `/healthz` (the process answers) and `/readyz`
//! (its storage answers too).

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use minijinja::context;

use crate::{config::Config, state::AppState};

pub async fn landing(State(state): State<AppState>) -> Response {
    state.templates.render("landing.html", landing_context(&state.config))
}

/// What `landing.html` shows: the MCP URL, ready-to-paste client settings and the GitHub host.
pub fn landing_context(c: &Config) -> minijinja::Value {
    let mcp_url = c.mcp_url();
    let toolsets: Vec<&str> = c.toolsets.iter().map(|t| t.name()).collect();
    let github = &c.github_base_url;
    let github_host = match (github.host_str(), github.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => github.as_str().to_owned(),
    };
    // Snippets are built as JSON here (so the URL is JSON-escaped) and HTML-escaped by the template.
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default();
    context! {
        claude_code => format!("claude mcp add --transport http github {mcp_url}"),
        vscode_json => pretty(serde_json::json!({"servers": {"github": {"type": "http", "url": mcp_url}}})),
        cursor_json => pretty(serde_json::json!({"mcpServers": {"github": {"url": mcp_url}}})),
        mcp_remote_json => pretty(serde_json::json!(
            {"mcpServers": {"github": {"command": "npx", "args": ["-y", "mcp-remote", mcp_url]}}}
        )),
        mcp_url,
        github_host,
        github_url => github.as_str().trim_end_matches('/'),
        toolsets => toolsets.join(", "),
        read_only => c.read_only,
    }
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
