//! Reading `application/x-www-form-urlencoded` bodies strictly: right content type, UTF-8, no
//! repeated parameters; failures become RFC 6749 `invalid_request` instead of framework errors.

use std::collections::HashMap;

use axum::http::{HeaderMap, header};

use crate::oauth::{OAuthError, authorize::single_params};

pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let is_form = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
        ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
    });
    if !is_form {
        return Err(OAuthError::invalid_request("the body must be application/x-www-form-urlencoded"));
    }
    let text = std::str::from_utf8(body).map_err(|_| OAuthError::invalid_request("the body is not UTF-8"))?;
    single_params(text).map_err(OAuthError::invalid_request)
}
