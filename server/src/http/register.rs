//! `POST /register`: RFC 7591 dynamic client registration.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{
    oauth::{ErrorCode, OAuthError, client},
    state::AppState,
    store::Namespace,
};

pub async fn register(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, OAuthError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !is_json {
        return Err(OAuthError::new(ErrorCode::InvalidClientMetadata, "send the metadata as application/json"));
    }
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| OAuthError::new(ErrorCode::InvalidClientMetadata, "the body is not valid JSON"))?;
    let (record, response) = client::register(&value, state.now(), &state.config.allowed_redirect_schemes)?;
    // A hard bound on stored registrations (unused ones also expire, and /register is rate limited).
    if state.records.store().count(Namespace::Client).await? >= state.config.max_clients {
        tracing::warn!(max = state.config.max_clients, "client registration refused: MAX_CLIENTS reached");
        return Err(OAuthError::new(
            ErrorCode::TemporarilyUnavailable,
            "this server has reached its limit of registered clients; try again later",
        ));
    }
    // Clients that never obtain tokens are forgotten after CLIENT_TTL_SECS; using one renews it.
    state.records.put(&record.client_id, &record).await?;
    state.metrics.registrations.inc();
    tracing::info!(client = %record.client_id, name = record.client_name.as_deref().unwrap_or("-"), "client registered");
    let mut resp = (StatusCode::CREATED, Json(response)).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(resp)
}
