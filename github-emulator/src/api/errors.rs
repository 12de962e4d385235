//! GitHub-style API errors (`{"message":..,"documentation_url":..}`) and the
//! JSON response helper every API handler uses.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The generic documentation link GitHub puts in error bodies.
pub(crate) const REST_DOCS: &str = "https://docs.github.com/rest";
const RATE_LIMIT_DOCS: &str = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";

/// The content type of every API response.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// An error answered by the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub documentation_url: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), documentation_url: REST_DOCS.into() }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found")
    }

    pub fn requires_authentication() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Requires authentication")
    }

    pub fn bad_credentials() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Bad credentials")
    }

    pub fn rate_limited(who: &str) -> Self {
        Self {
            documentation_url: RATE_LIMIT_DOCS.into(),
            ..Self::new(StatusCode::FORBIDDEN, format!("API rate limit exceeded for {who}."))
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "message": self.message,
            "documentation_url": self.documentation_url,
        });
        json_response(self.status, &body)
    }
}

/// A JSON response with GitHub's content type.
pub(crate) fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], body.to_string()).into_response()
}
