//! Who is calling: reading the token from `Authorization`, and the
//! extractors handlers use to require (or just see) an authenticated caller.
//! The gate in `api::gate` has already refused bad tokens by then.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use super::errors::ApiError;

/// The owner of a valid token, put in request extensions by the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub login: String,
    /// Granted scopes, comma-separated as stored.
    pub scope: String,
}

/// Extractor for endpoints that need a token: answers 401
/// "Requires authentication" when none was sent.
#[derive(Debug, Clone)]
pub(crate) struct Authed(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().map(Authed).ok_or_else(ApiError::requires_authentication)
    }
}

/// Extractor for endpoints open to anonymous callers too.
#[derive(Debug, Clone)]
pub(crate) struct MaybeAuthed(pub Option<Caller>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuthed {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<Caller>().cloned()))
    }
}

impl Caller {
    /// Whether the token was granted `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split(',').any(|s| s.trim() == scope)
    }
}

/// The token in `Authorization: Bearer X` or `Authorization: token X`.
/// Other schemes count as no token.
pub(crate) fn presented_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    let known_scheme = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
    (known_scheme && !token.is_empty()).then(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn bearer_and_token_schemes() {
        assert_eq!(presented_token(&with("Bearer abc")).as_deref(), Some("abc"));
        assert_eq!(presented_token(&with("token abc")).as_deref(), Some("abc"));
        assert_eq!(presented_token(&with("Basic abc")), None);
        assert_eq!(presented_token(&with("Bearer ")), None);
        assert_eq!(presented_token(&HeaderMap::new()), None);
    }
}
