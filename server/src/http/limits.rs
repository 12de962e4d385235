//! Abuse limits on the OAuth endpoints: a per-client-IP rate limit (GCRA, `governor`) for
//! `/register`, `/authorize`, `/token` and `/revoke`, answered with 429 and `Retry-After`.
//!
//! The client IP is the connection's peer address, or — only with `TRUST_PROXY_HEADERS=true`, behind
//! a proxy that sets them (Fly) — `Fly-Client-IP`, else the first `X-Forwarded-For` entry. Trusting
//! them without such a proxy would let anyone pick their own IP.

use std::{
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    sync::Arc,
    time::Duration,
};

use axum::{
    Json,
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};

use crate::state::AppState;

/// One limiter per endpoint group, keyed by client IP.
pub struct Limits {
    limiter: DefaultKeyedRateLimiter<(&'static str, IpAddr)>,
    trust_proxy_headers: bool,
}

impl Limits {
    pub fn new(per_minute: u32, trust_proxy_headers: bool) -> Arc<Self> {
        let per_minute = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let limiter = RateLimiter::keyed(Quota::per_minute(per_minute));
        let limits = Arc::new(Self { limiter, trust_proxy_headers });
        // Forget idle keys so the table does not grow with every address ever seen.
        let weak = Arc::downgrade(&limits);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(l) = weak.upgrade() else { break };
                l.limiter.retain_recent();
                l.limiter.shrink_to_fit();
            }
        });
        limits
    }

    /// The address a request is accounted to.
    pub fn client_ip(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        if self.trust_proxy_headers {
            let from = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let forwarded = from("fly-client-ip")
                .or_else(|| from("x-forwarded-for").map(|v| v.split(',').next().unwrap_or("").to_owned()));
            if let Some(ip) = forwarded.and_then(|v| v.trim().parse().ok()) {
                return Some(ip);
            }
        }
        peer.map(|p| p.ip())
    }
}

fn group(path: &str) -> Option<&'static str> {
    match path {
        "/register" => Some("register"),
        "/authorize" => Some("authorize"),
        "/token" => Some("token"),
        "/revoke" => Some("revoke"),
        _ => None,
    }
}

pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(group) = group(req.uri().path()) else { return next.run(req).await };
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let Some(ip) = state.limits.client_ip(req.headers(), peer) else { return next.run(req).await };
    match state.limits.limiter.check_key(&(group, ip)) {
        Ok(()) => next.run(req).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            let secs = wait.as_secs().max(1);
            tracing::warn!(%ip, endpoint = group, "rate limit reached");
            let body = serde_json::json!({
                "error": "too_many_requests",
                "error_description": format!("too many requests to /{group} from this address; retry in {secs} seconds"),
            });
            let mut resp = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            crate::metrics::tag(resp, "rate_limited")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn proxy_headers_count_only_when_trusted() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.7, 10.0.0.1".parse().unwrap());
        let peer: Option<SocketAddr> = Some("127.0.0.1:5000".parse().unwrap());
        assert_eq!(Limits::new(5, false).client_ip(&h, peer), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(Limits::new(5, true).client_ip(&h, peer), Some("203.0.113.7".parse().unwrap()));
        h.insert("fly-client-ip", "198.51.100.9".parse().unwrap());
        assert_eq!(Limits::new(5, true).client_ip(&h, peer), Some("198.51.100.9".parse().unwrap()));
        h.insert("fly-client-ip", "garbage".parse().unwrap());
        h.remove("x-forwarded-for");
        assert_eq!(
            Limits::new(5, true).client_ip(&h, peer),
            Some("127.0.0.1".parse().unwrap()),
            "unparsable falls back"
        );
    }
}
