//! Discovery documents: RFC 9728 protected-resource metadata and RFC 8414 authorization-server
//! metadata (also served as `openid-configuration`, which 2025-11-25 clients try too).

use axum::{Json, extract::State, response::IntoResponse};
use serde_json::{Value, json};

use crate::{oauth::scope, state::AppState};

pub fn protected_resource_document(state: &AppState) -> Value {
    let c = &state.config;
    json!({
        "resource": c.mcp_url(),
        "authorization_servers": [c.issuer()],
        "scopes_supported": scope::offered(c.read_only),
        "bearer_methods_supported": ["header"],
        "resource_name": "MCP GitHub Gateway",
    })
}

pub fn authorization_server_document(state: &AppState) -> Value {
    let c = &state.config;
    json!({
        "issuer": c.issuer(),
        "authorization_endpoint": c.url("/authorize"),
        "token_endpoint": c.url("/token"),
        "registration_endpoint": c.url("/register"),
        "revocation_endpoint": c.url("/revoke"),
        "scopes_supported": scope::offered(c.read_only),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "client_id_metadata_document_supported": state.cimd.enabled(),
    })
}

pub async fn protected_resource(State(state): State<AppState>) -> impl IntoResponse {
    Json(protected_resource_document(&state))
}

pub async fn authorization_server(State(state): State<AppState>) -> impl IntoResponse {
    Json(authorization_server_document(&state))
}
