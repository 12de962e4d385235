//! `POST /token`: client authentication, then the grant type's own module.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};

use super::form;
use crate::{
    crypto::Secret,
    oauth::{ErrorCode, OAuthError, client::Presented, grants::authorization_code},
    state::AppState,
};

/// Client credentials from the Authorization header and the form (shared with /revoke).
pub fn presented(
    headers: &HeaderMap,
    form: &std::collections::HashMap<String, String>,
) -> Result<Presented, OAuthError> {
    let auth = headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or("")).filter(|v| !v.is_empty());
    Ok(Presented {
        basic: Presented::parse_basic(auth)?,
        client_id: form.get("client_id").filter(|v| !v.is_empty()).cloned(),
        client_secret: form.get("client_secret").filter(|v| !v.is_empty()).map(Secret::new),
    })
}

pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, OAuthError> {
    let form = form::parse(&headers, &body)?;
    let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let grant_type = get("grant_type").ok_or_else(|| OAuthError::invalid_request("`grant_type` is required"))?;
    if !matches!(grant_type, "authorization_code" | "refresh_token") {
        return Err(OAuthError::new(ErrorCode::UnsupportedGrantType, "use authorization_code or refresh_token"));
    }
    let client = state.clients.authenticate(&presented(&headers, &form)?).await?;
    let response = match grant_type {
        "authorization_code" => {
            let req = authorization_code::CodeRequest {
                code: get("code"),
                redirect_uri: get("redirect_uri"),
                code_verifier: get("code_verifier"),
                resource: get("resource"),
            };
            state.grants.exchange_code(&client, req).await?
        }
        _ => state.grants.exchange_refresh(&client, get("refresh_token"), get("scope"), get("resource")).await?,
    };
    // A client in use is kept: its registration lives CLIENT_TTL_SECS from its last token.
    state.records.extend::<crate::store::records::ClientRecord>(&client.client_id).await?;
    state.metrics.token(if grant_type == "authorization_code" { "issued" } else { "refreshed" });
    let mut resp = Json(response).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(resp)
}
