//! The middleware that counts every HTTP request by route template, method and status, times it to
//! the response headers, and counts error responses by the [`FailureReason`] they carry.

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};
use std::time::Instant;

use std::sync::Arc;

use super::{FailureReason, HttpLabels, Metrics, RouteLabels};

/// Requests that match no route share one label, so probing random paths cannot grow the series.
const UNMATCHED: &str = "unmatched";

pub async fn track(State(m): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or(UNMATCHED, MatchedPath::as_str).to_owned();
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let resp = next.run(req).await;
    m.http_duration.get_or_create(&RouteLabels { route: route.clone() }).observe(started.elapsed().as_secs_f64());
    if let Some(FailureReason(reason)) = resp.extensions().get::<FailureReason>() {
        m.failure(&route, reason);
    }
    m.http_requests
        .get_or_create(&HttpLabels { route, method: bounded_method(&method), status: resp.status().as_u16() })
        .inc();
    resp
}

/// Standard methods by name; anything else as `other`.
fn bounded_method(method: &str) -> String {
    match method {
        "GET" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PUT" | "PATCH" => method.to_owned(),
        _ => "other".to_owned(),
    }
}
