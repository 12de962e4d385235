//! Abuse limits on the OAuth endpoints: a per-client-IP rate limit (GCRA, `governor`) for
//! `/register`, `/authorize`, `/token` and `/revoke`, answered with 429 and `Retry-After`.
//!
//! The client IP is the connection's peer address, or, behind a proxy the operator names in
//! `TRUST_PROXY_HEADERS`, `Fly-Client-IP` (`fly`) or the last `X-Forwarded-For` entry
//! (`x-forwarded-for`, the one the proxy appended). Only that one header is read: trusting a header
//! the proxy does not control would let anyone pick their own IP.

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

use crate::config::ProxyHeaders;

/// One limiter per endpoint group, keyed by client IP.
pub struct Limits {
    limiter: DefaultKeyedRateLimiter<(&'static str, IpAddr)>,
    trust_proxy_headers: ProxyHeaders,
}

impl Limits {
    pub fn new(per_minute: u32, trust_proxy_headers: ProxyHeaders) -> Arc<Self> {
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
        let forwarded = match self.trust_proxy_headers {
            ProxyHeaders::None => None,
            ProxyHeaders::Fly => headers.get("fly-client-ip").and_then(|v| v.to_str().ok()),
            // Several X-Forwarded-For headers form one list; the proxy's entry is the last.
            ProxyHeaders::XForwardedFor => headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next()),
        };
        forwarded.and_then(|v| v.trim().parse().ok()).or(peer.map(|p| p.ip()))
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

pub async fn rate_limit(State(limits): State<Arc<Limits>>, req: Request, next: Next) -> Response {
    let Some(group) = group(req.uri().path()) else { return next.run(req).await };
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let Some(ip) = limits.client_ip(req.headers(), peer) else { return next.run(req).await };
    match limits.limiter.check_key(&(group, ip)) {
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
    async fn only_the_named_proxy_header_counts_and_only_the_proxy_s_own_entry() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let peer: Option<SocketAddr> = Some("127.0.0.1:5000".parse().unwrap());
        let mut h = HeaderMap::new();
        // The client wrote 203.0.113.7 itself; the proxy appended the address it saw.
        h.insert("x-forwarded-for", "203.0.113.7, 198.51.100.20".parse().unwrap());
        h.insert("fly-client-ip", "198.51.100.9".parse().unwrap());
        assert_eq!(Limits::new(5, ProxyHeaders::None).client_ip(&h, peer), ip("127.0.0.1"));
        assert_eq!(Limits::new(5, ProxyHeaders::XForwardedFor).client_ip(&h, peer), ip("198.51.100.20"));
        assert_eq!(Limits::new(5, ProxyHeaders::Fly).client_ip(&h, peer), ip("198.51.100.9"));
        // Behind a non-Fly proxy, a Fly-Client-IP sent by the client is never read.
        h.insert("fly-client-ip", "192.0.2.66".parse().unwrap());
        assert_eq!(Limits::new(5, ProxyHeaders::XForwardedFor).client_ip(&h, peer), ip("198.51.100.20"));
        // A second X-Forwarded-For header (the proxy's) continues the list.
        h.append("x-forwarded-for", "198.51.100.21".parse().unwrap());
        assert_eq!(Limits::new(5, ProxyHeaders::XForwardedFor).client_ip(&h, peer), ip("198.51.100.21"));
        // Unparsable or missing: the peer address.
        h.insert("fly-client-ip", "garbage".parse().unwrap());
        assert_eq!(Limits::new(5, ProxyHeaders::Fly).client_ip(&h, peer), ip("127.0.0.1"));
        h.remove("fly-client-ip");
        assert_eq!(Limits::new(5, ProxyHeaders::Fly).client_ip(&h, peer), ip("127.0.0.1"));
    }
}
