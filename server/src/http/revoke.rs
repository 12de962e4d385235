//! `POST /revoke`: RFC 7009 token revocation.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::{form, token::presented};
use crate::{
    oauth::{OAuthError, revoke},
    state::AppState,
};

pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, OAuthError> {
    let form = form::parse(&headers, &body)?;
    let client = state.clients.authenticate(&presented(&headers, &form)?).await?;
    let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    revoke::revoke(&state.records, &client, get("token"), get("token_type_hint")).await?;
    state.metrics.token("revoked");
    let mut resp = StatusCode::OK.into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
