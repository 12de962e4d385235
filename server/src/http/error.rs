//! How an [`OAuthError`] is answered: the RFC 6749 §5.2 JSON body with its status, never cached,
//! with a `WWW-Authenticate` challenge for `invalid_client` (§5.2), tagged with its metrics reason.

use axum::{
    Json,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::oauth::{ErrorCode, OAuthError};

#[derive(Serialize)]
struct Body<'a> {
    error: ErrorCode,
    error_description: &'a str,
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
    use crate::store::StoreError;
    use axum::http::StatusCode;

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
