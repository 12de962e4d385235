//! The bearer check of `/mcp` (RFC 6750 + RFC 9728 §5.1): every request, including `initialize`,
//! must carry a valid access token; failures get 401 with a `WWW-Authenticate` challenge pointing at
//! the protected-resource metadata. On success the [`Principal`] goes into the request extensions.

use axum::{
    extract::Request,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use super::error::McpError;
use crate::{
    oauth::{
        bearer::{self, BearerError},
        scope::{self, Scopes},
    },
    state::AppState,
};

/// The one `WWW-Authenticate` builder for `/mcp` (RFC 6750 §3, RFC 9728 §5.1): the resource
/// metadata, the `scopes` to ask for, and an `error` with its description when there is one
/// (`invalid_token` only when a token was presented; `insufficient_scope` for a step-up).
pub fn challenge(config: &crate::config::Config, scopes: Scopes, error: Option<(&str, &str)>) -> String {
    let metadata = format!(
        "resource_metadata=\"{}\", scope=\"{}\"",
        config.url("/.well-known/oauth-protected-resource/mcp"),
        scopes
    );
    match error {
        // A step-up names its error first, as clients that look for it at the start expect.
        Some((code @ "insufficient_scope", description)) => {
            format!("Bearer error=\"{code}\", {metadata}, error_description=\"{}\"", quoted(description))
        }
        Some((code, description)) => {
            format!("Bearer {metadata}, error=\"{code}\", error_description=\"{}\"", quoted(description))
        }
        None => format!("Bearer {metadata}"),
    }
}

/// Text made safe inside a quoted-string: quotes and backslashes cannot break out.
fn quoted(text: &str) -> String {
    text.replace(['"', '\\'], "'")
}

pub fn unauthorized(state: &AppState, error: Option<(&'static str, &str)>) -> Response {
    let challenge = challenge(&state.config, scope::offered(state.config.read_only), error);
    let (code, description) = error.unwrap_or(("invalid_token", "authorization required"));
    McpError::Challenge {
        status: StatusCode::UNAUTHORIZED,
        challenge,
        error: code,
        description: description.to_owned(),
        scope: None,
        reason: if error.is_some() { "invalid_token" } else { "missing_token" },
    }
    .into_response()
}

/// The request with its [`Principal`](crate::oauth::bearer::Principal) in its extensions, or the
/// refusal: 400 for two `Authorization` headers, 401 with a challenge for no or a bad token, 503
/// when storage or GitHub cannot answer.
pub async fn authenticate(state: &AppState, mut req: Request) -> Result<Request, Response> {
    let mut values = req.headers().get_all(header::AUTHORIZATION).iter();
    let (first, second) = (values.next(), values.next());
    if second.is_some() {
        let description = "send one Authorization header".to_owned();
        return Err(McpError::InvalidRequest {
            status: StatusCode::BAD_REQUEST,
            description,
            reason: "invalid_request",
        }
        .into_response());
    }
    let Some(value) = first else { return Err(unauthorized(state, None)) };
    // Another scheme (e.g. Basic) is "no Bearer credentials": a plain challenge (RFC 6750 §3.1).
    let Some(token) = bearer::credentials(value) else { return Err(unauthorized(state, None)) };
    match state.bearer.authenticate(token).await {
        Ok(principal) => {
            req.extensions_mut().insert(principal);
            Ok(req)
        }
        Err(e @ (BearerError::Invalid | BearerError::UpstreamRevoked)) => {
            Err(unauthorized(state, Some(("invalid_token", &e.to_string()))))
        }
        Err(e @ BearerError::Store(_)) => {
            tracing::error!(error = %e, "cannot authenticate /mcp request");
            Err(super::sessions::unavailable())
        }
        Err(e @ BearerError::UpstreamUnavailable) => {
            tracing::warn!(error = %e, "cannot authenticate /mcp request");
            Err(super::sessions::temporarily_unavailable(&e.to_string()))
        }
    }
}
