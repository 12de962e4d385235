//! Bearer middleware for `/mcp` (RFC 6750 + RFC 9728 §5.1): every request, including `initialize`,
//! must carry a valid access token; failures get 401 with a `WWW-Authenticate` challenge pointing at
//! the protected-resource metadata. On success the [`Principal`] goes into the request extensions.

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    oauth::{
        bearer::{self, BearerError},
        scope,
    },
    state::AppState,
};

/// The `WWW-Authenticate` value for a 401: `error="invalid_token"` only when a token was presented.
pub fn challenge(state: &AppState, error: Option<(&str, &str)>) -> String {
    let mut v = format!(
        "Bearer resource_metadata=\"{}\", scope=\"{}\"",
        state.config.url("/.well-known/oauth-protected-resource/mcp"),
        scope::offered(state.config.read_only).join(" ")
    );
    if let Some((code, description)) = error {
        v.push_str(&format!(", error=\"{code}\", error_description=\"{}\"", description.replace(['"', '\\'], "'")));
    }
    v
}

pub fn unauthorized(state: &AppState, error: Option<(&str, &str)>) -> Response {
    let body = match error {
        Some((code, d)) => serde_json::json!({"error": code, "error_description": d}),
        None => serde_json::json!({"error": "invalid_token", "error_description": "authorization required"}),
    };
    let mut resp = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge(state, error)) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    crate::metrics::tag(resp, if error.is_some() { "invalid_token" } else { "missing_token" })
}

pub async fn require_bearer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let mut values = req.headers().get_all(header::AUTHORIZATION).iter();
    let (first, second) = (values.next(), values.next());
    if second.is_some() {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_request", "error_description": "send one Authorization header"})),
        )
            .into_response();
    }
    let Some(value) = first else { return unauthorized(&state, None) };
    // Another scheme (e.g. Basic) is "no Bearer credentials": a plain challenge (RFC 6750 §3.1).
    let Some(token) = bearer::credentials(value) else { return unauthorized(&state, None) };
    match bearer::authenticate(&state, token).await {
        Ok(principal) => {
            req.extensions_mut().insert(principal);
            next.run(req).await
        }
        Err(e @ (BearerError::Invalid | BearerError::UpstreamRevoked)) => {
            unauthorized(&state, Some(("invalid_token", &e.to_string())))
        }
        Err(e @ BearerError::Store(_)) => {
            tracing::error!(error = %e, "cannot authenticate /mcp request");
            super::sessions::unavailable()
        }
        Err(e @ BearerError::UpstreamUnavailable) => {
            tracing::warn!(error = %e, "cannot authenticate /mcp request");
            super::sessions::temporarily_unavailable(&e.to_string())
        }
    }
}
