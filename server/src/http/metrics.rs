//! `GET /metrics`: the Prometheus (OpenMetrics text) exposition, behind `METRICS_TOKEN` when it is set.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{crypto::ct_eq, metrics::CONTENT_TYPE, oauth::bearer, state::AppState};

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.config.metrics_token {
        let presented = headers.get(header::AUTHORIZATION).and_then(bearer::credentials);
        if !presented.is_some_and(|t| ct_eq(t.as_bytes(), expected.as_bytes())) {
            let mut resp =
                (StatusCode::UNAUTHORIZED, "metrics require the METRICS_TOKEN bearer token\n").into_response();
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"metrics\""));
            return crate::metrics::tag(resp, "invalid_token");
        }
    }
    let mut resp = state.metrics.render().await.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
