//! `OAuthError`: exactly the error codes of RFC 6749 §4.1.2.1/§5.2, RFC 7591 §3.2.2, RFC 7009 §2.2.1 and
//! RFC 8707 §2, with one `IntoResponse` that renders the RFC JSON body with the right status.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Missing, repeated or malformed parameter.
    InvalidRequest,
    /// Client authentication failed (unknown client, wrong secret, wrong method).
    InvalidClient,
    /// Code, refresh token or PKCE verifier invalid, expired, revoked, or issued to another client.
    InvalidGrant,
    /// The client may not use this grant type or operation.
    UnauthorizedClient,
    UnsupportedGrantType,
    /// Requested scope unknown or wider than granted.
    InvalidScope,
    /// The user or the server refused the request.
    AccessDenied,
    UnsupportedResponseType,
    ServerError,
    TemporarilyUnavailable,
    /// RFC 8707: the `resource` is not this server's MCP endpoint.
    InvalidTarget,
    /// RFC 7591: a redirect URI is not acceptable.
    InvalidRedirectUri,
    /// RFC 7591: some other metadata value is not acceptable.
    InvalidClientMetadata,
    /// RFC 7009: revocation of this token type is not supported.
    UnsupportedTokenType,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::InvalidTarget => "invalid_target",
            ErrorCode::InvalidRedirectUri => "invalid_redirect_uri",
            ErrorCode::InvalidClientMetadata => "invalid_client_metadata",
            ErrorCode::UnsupportedTokenType => "unsupported_token_type",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
            ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// An OAuth error with a human-readable `error_description` (never containing secrets).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", code.as_str(), description)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: ErrorCode,
    error_description: &'a str,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self { code, description: description.into() }
    }
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, d)
    }
    pub fn invalid_client(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClient, d)
    }
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, d)
    }
    pub fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidScope, d)
    }
    pub fn invalid_target(d: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidTarget, d)
    }
    pub fn server_error() -> Self {
        Self::new(ErrorCode::ServerError, "the server could not complete the request")
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failure");
        match e {
            StoreError::Unavailable(_) => {
                Self::new(ErrorCode::TemporarilyUnavailable, "storage is unavailable; retry shortly")
            }
            StoreError::Corrupt(_) => Self::server_error(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let mut resp = (status, Json(Body { error: self.code, error_description: &self.description })).into_response();
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.code == ErrorCode::InvalidClient {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"mcp-github-gateway\""));
        }
        resp.extensions_mut().insert(crate::metrics::FailureReason(self.code.as_str()));
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(e: OAuthError) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let r = e.into_response();
        let (parts, body) = r.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 16).await.unwrap();
        (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn renders_exact_rfc_6749_body() {
        let (status, headers, json) = body(OAuthError::invalid_grant("code expired")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(json, serde_json::json!({"error": "invalid_grant", "error_description": "code expired"}));
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        let (status, headers, json) = body(OAuthError::invalid_client("unknown client")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(headers.contains_key(header::WWW_AUTHENTICATE));
        assert_eq!(json["error"], "invalid_client");
        let (status, _, json) = body(StoreError::Unavailable("down".into()).into()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(json["error"], "temporarily_unavailable");
    }
}
