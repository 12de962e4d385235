//! Reading requests the way GitHub does: path parameters (a malformed one is
//! a 404), query strings (first occurrence wins), JSON bodies (400
//! `Problems parsing JSON` unless an object; 422 `Invalid request` for a
//! field of the wrong type) and `Accept` media types.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};

use super::errors::ApiError;

/// A path extractor that never rejects by itself; see [`path`].
pub(crate) type PathArgs<T> = Result<Path<T>, PathRejection>;

/// The path parameters, or 404 when they do not parse (e.g. `/issues/abc`).
pub(crate) fn path<T>(args: PathArgs<T>) -> Result<T, ApiError> {
    args.map(|Path(t)| t).map_err(|_| ApiError::not_found())
}

/// A route's named path parameters, for extractors that serve several routes.
pub(crate) struct Params(pub Vec<(String, String)>);

impl Params {
    pub async fn of<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(params) =
            Path::<Vec<(String, String)>>::from_request_parts(parts, state).await.map_err(|_| ApiError::not_found())?;
        Ok(Self(params))
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }
}

/// The query string as a map (first occurrence of a key wins).
#[derive(Debug, Clone, Default)]
pub(crate) struct Query(HashMap<String, String>);

impl Query {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(crate::oauth::parse_pairs(parts.uri.query().unwrap_or_default().as_bytes())))
    }
}

/// A JSON object body. An empty body counts as `{}` (GitHub accepts that
/// where every field is optional).
#[derive(Debug, Clone, Default)]
pub(crate) struct Body(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|_| ApiError::bad_json())?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            _ => Err(ApiError::bad_json()),
        }
    }
}

impl Body {
    /// A string field; absent and null are `None`.
    pub fn str(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(wrong_type(key, other, "string")),
        }
    }

    /// A whole number field.
    pub fn u64(&self, key: &str) -> Result<Option<u64>, ApiError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| wrong_type(key, v, "integer")),
        }
    }

    /// A boolean field.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong_type(key, other, "boolean")),
        }
    }

    /// An array of strings (objects with a `name`, as GitHub takes for
    /// labels, count too).
    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>, ApiError> {
        let items = match self.0.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(items)) => items,
            Some(other) => return Err(wrong_type(key, other, "array")),
        };
        items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                Value::Object(o) => o
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| wrong_type(key, item, "string")),
                other => Err(wrong_type(key, other, "string")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// GitHub's `Invalid request.\n\nFor 'properties/title', 123 is not a string.`
fn wrong_type(key: &str, value: &Value, expected: &str) -> ApiError {
    let an = if expected.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    ApiError::unprocessable(format!("Invalid request.\n\nFor 'properties/{key}', {value} is not {an} {expected}."))
}

/// Whether the `Accept` header asks for a media type like
/// `application/vnd.github.diff` (`.v3.diff` and `+json` count too); `kind`
/// is `diff`.
pub(crate) fn accepts(headers: &HeaderMap, kind: &str) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    accept.split(',').any(|part| {
        let media = part.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let media = media.strip_suffix("+json").unwrap_or(&media);
        media == format!("application/vnd.github.{kind}") || media == format!("application/vnd.github.v3.{kind}")
    })
}
