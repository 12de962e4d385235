//! The one error type of `/mcp`'s own layers (bearer check, body read, sessions, step-up, relay),
//! and the only place their bodies are written: OAuth-style `{error, error_description}` for the
//! authorization and transport refusals (RFC 6750 §3), JSON-RPC errors for what concerns a message.
//! Each response is tagged with its metrics reason.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

#[derive(Debug)]
pub enum McpError {
    /// 401 or 403 with a `WWW-Authenticate` challenge (built by `auth::challenge`).
    Challenge {
        status: StatusCode,
        challenge: String,
        error: &'static str,
        description: String,
        /// The scopes to ask for, in a step-up's body.
        scope: Option<String>,
        reason: &'static str,
    },
    /// 400 (or 413) `invalid_request`.
    InvalidRequest { status: StatusCode, description: String, reason: &'static str },
    /// 503 `temporarily_unavailable`, `Retry-After: 5`.
    Unavailable(String),
    /// 429 or 503 `too_many_sessions`, `Retry-After: 60`.
    TooManySessions { status: StatusCode, description: &'static str },
    /// 404 for an unknown, ended or foreign session, as a JSON-RPC error (a plain-text 404 makes
    /// dual-era clients take the server for the old HTTP+SSE transport).
    SessionNotFound,
    /// 400 for a 2025-revision request other than `initialize` without an `Mcp-Session-Id`.
    SessionRequired,
    /// 405 for `GET` (the optional server-to-client stream): this server sends nothing unprompted.
    NoServerStream,
    /// A JSON-RPC error response to the message with `id`.
    JsonRpc { status: StatusCode, id: Value, code: i64, message: String, reason: &'static str },
}

fn retry_after(mut resp: Response, secs: &'static str) -> Response {
    resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(secs));
    resp
}

impl IntoResponse for McpError {
    fn into_response(self) -> Response {
        let (resp, reason) = match self {
            McpError::Challenge { status, challenge, error, description, scope, reason } => {
                let mut body = json!({"error": error, "error_description": description});
                if let Some(scope) = scope {
                    body["scope"] = json!(scope);
                }
                let mut resp = (status, Json(body)).into_response();
                if let Ok(v) = HeaderValue::from_str(&challenge) {
                    resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                (resp, reason)
            }
            McpError::InvalidRequest { status, description, reason } => {
                let body = json!({"error": "invalid_request", "error_description": description});
                ((status, Json(body)).into_response(), reason)
            }
            McpError::Unavailable(description) => {
                let body = json!({"error": "temporarily_unavailable", "error_description": description});
                (
                    retry_after((StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response(), "5"),
                    "temporarily_unavailable",
                )
            }
            McpError::TooManySessions { status, description } => {
                let body = json!({"error": "too_many_sessions", "error_description": description});
                (retry_after((status, Json(body)).into_response(), "60"), "too_many_sessions")
            }
            McpError::SessionNotFound => {
                let body = json!({"jsonrpc": "2.0", "id": null,
                    "error": {"code": -32001, "message": "Session not found: initialize a new session"}});
                ((StatusCode::NOT_FOUND, Json(body)).into_response(), "unknown_session")
            }
            McpError::SessionRequired => {
                let body = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600,
                    "message": "Bad Request: Mcp-Session-Id is required; initialize a session first"}});
                ((StatusCode::BAD_REQUEST, Json(body)).into_response(), "session_required")
            }
            McpError::NoServerStream => {
                let mut resp = (
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Method Not Allowed: this server sends no messages outside replies to requests",
                )
                    .into_response();
                resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST, DELETE"));
                (resp, "no_server_stream")
            }
            McpError::JsonRpc { status, id, code, message, reason } => {
                let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
                ((status, Json(body)).into_response(), reason)
            }
        };
        crate::metrics::tag(resp, reason)
    }
}
