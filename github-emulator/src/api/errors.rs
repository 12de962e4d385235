//! GitHub-style API errors (`{"message":..,"documentation_url":..}`, with
//! an `errors` list for validation failures) and the JSON response helper
//! every API handler uses.

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
    /// The `errors` list of a 422, if any.
    pub errors: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), documentation_url: REST_DOCS.into(), errors: None }
    }

    /// 422 `Validation Failed` with one `{resource, field, code}` error, e.g.
    /// code `missing_field` or `invalid`.
    pub fn validation(resource: &str, field: &str, code: &str) -> Self {
        Self::validation_errors(serde_json::json!([{"resource": resource, "field": field, "code": code}]))
    }

    /// 422 `Validation Failed` for a `value` GitHub refuses in `field`.
    pub fn invalid_value(resource: &str, field: &str, value: &str) -> Self {
        Self::validation_errors(
            serde_json::json!([{"value": value, "resource": resource, "field": field, "code": "invalid"}]),
        )
    }

    /// 422 `Validation Failed` with one `custom` error carrying `message`.
    pub fn custom(resource: &str, message: &str) -> Self {
        Self::validation_errors(serde_json::json!([{"resource": resource, "code": "custom", "message": message}]))
    }

    /// 422 `Validation Failed` with these `errors`.
    pub fn validation_errors(errors: serde_json::Value) -> Self {
        Self { errors: Some(errors), ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Validation Failed") }
    }

    /// 422 with only a message (e.g. `Reference already exists`).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 400 for a body that is not a JSON object.
    pub fn bad_json() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Problems parsing JSON")
    }

    /// Replaces the message (keeping status and errors).
    pub fn with_message(self, message: impl Into<String>) -> Self {
        Self { message: message.into(), ..self }
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
        let mut body = serde_json::json!({
            "message": self.message,
            "documentation_url": self.documentation_url,
        });
        if let (Some(errors), Some(map)) = (self.errors, body.as_object_mut()) {
            map.insert("errors".into(), errors);
        }
        json_response(self.status, &body)
    }
}

/// A JSON response with GitHub's content type.
pub(crate) fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], body.to_string()).into_response()
}

/// A 201 with `body`, and a `Location` header naming its `url`, as GitHub
/// answers a created resource.
pub(crate) fn created(body: &serde_json::Value) -> Response {
    let mut response = json_response(StatusCode::CREATED, body);
    if let Some(Ok(location)) = body["url"].as_str().map(axum::http::HeaderValue::from_str) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}
