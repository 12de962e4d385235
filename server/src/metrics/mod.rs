//! Prometheus metrics: one registry per process (`AppState::metrics`), the typed families every layer
//! records into, the HTTP middleware that counts requests by route and status, and the OpenMetrics
//! text that `GET /metrics` serves. Label values are always from closed sets (route templates, error
//! codes, tool names), never from user input, so the number of series stays bounded.

pub mod http;

use std::{
    sync::{Arc, OnceLock, Weak},
    time::Duration,
};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// The content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    pub route: String,
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ToolLabels {
    pub tool: String,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ToolNameLabels {
    pub tool: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GithubLabels {
    /// The HTTP status GitHub answered, or `network_error`.
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RateLimitLabels {
    /// GitHub's `X-RateLimit-Resource` (`core`, `search`, …).
    pub resource: String,
}

/// Why a response is an error, in a word from a closed set (an RFC 6749 error code, `invalid_token`, …).
/// Error responses carry it as an extension; the HTTP middleware counts it.
#[derive(Clone, Copy, Debug)]
pub struct FailureReason(pub &'static str);

/// Marks `resp` as a failure for `reason` (counted by the HTTP middleware).
pub fn tag(mut resp: axum::response::Response, reason: &'static str) -> axum::response::Response {
    resp.extensions_mut().insert(FailureReason(reason));
    resp
}

/// What `/metrics` asks for the number of live MCP sessions on this instance (`mcp::sessions`).
#[async_trait::async_trait]
pub trait LiveSessions: Send + Sync {
    async fn live(&self) -> usize;
}

/// Latency buckets from 5 ms to about 20 s.
/// One response of a GitHub service by status (`None`: no response, `network_error`) and its latency.
fn count_response(
    requests: &Family<GithubLabels, Counter>,
    latency: &Histogram,
    status: Option<u16>,
    elapsed: Duration,
) {
    let status = status.map_or_else(|| "network_error".to_owned(), |s| s.to_string());
    requests.get_or_create(&GithubLabels { status }).inc();
    latency.observe(elapsed.as_secs_f64());
}

fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pub failures: Family<FailureLabels, Counter>,
    pub registrations: Counter,
    pub consents: Family<OutcomeLabels, Counter>,
    pub logins: Family<OutcomeLabels, Counter>,
    pub tokens: Family<OutcomeLabels, Counter>,
    pub tool_calls: Family<ToolLabels, Counter>,
    pub tool_duration: Family<ToolNameLabels, Histogram, fn() -> Histogram>,
    pub github_requests: Family<GithubLabels, Counter>,
    pub github_duration: Histogram,
    pub upstream_mcp_requests: Family<GithubLabels, Counter>,
    pub upstream_mcp_duration: Histogram,
    pub github_rate_limit_remaining: Family<RateLimitLabels, Gauge>,
    /// Connections the edge closed or refused, by reason (`edge`).
    pub connections_closed: Family<OutcomeLabels, Counter>,
    /// Client connections open now.
    pub connections_open: Gauge,
    sessions_live: Gauge,
    sessions: OnceLock<Weak<dyn LiveSessions>>,
    resident_memory: Gauge,
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        // The process series carry their conventional unprefixed names; everything else is
        // `mcp_gateway_…`.
        let mut registry = Registry::default();
        let m = Self {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency),
            failures: Family::default(),
            registrations: Counter::default(),
            consents: Family::default(),
            logins: Family::default(),
            tokens: Family::default(),
            tool_calls: Family::default(),
            tool_duration: Family::new_with_constructor(latency),
            github_requests: Family::default(),
            github_duration: latency(),
            upstream_mcp_requests: Family::default(),
            upstream_mcp_duration: latency(),
            github_rate_limit_remaining: Family::default(),
            connections_closed: Family::default(),
            connections_open: Gauge::default(),
            sessions_live: Gauge::default(),
            sessions: OnceLock::new(),
            resident_memory: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register(
            "process_resident_memory_bytes",
            "Resident memory of this process (VmRSS), read at scrape time",
            m.resident_memory.clone(),
        );
        let r = registry.sub_registry_with_prefix("mcp_gateway");
        r.register("http_requests", "HTTP requests by route template, method and status", m.http_requests.clone());
        r.register(
            "http_request_duration_seconds",
            "Time to response headers by route template",
            m.http_duration.clone(),
        );
        r.register(
            "failures",
            "Error responses by route and reason (OAuth error code, invalid_token, insufficient_scope, ...)",
            m.failures.clone(),
        );
        r.register("client_registrations", "Clients registered (RFC 7591)", m.registrations.clone());
        r.register("consents", "Consent decisions (approved or denied)", m.consents.clone());
        r.register("logins", "GitHub sign-ins by outcome (ok, not_allowed, github_denied, failed)", m.logins.clone());
        r.register("tokens", "Token events (issued, refreshed, revoked)", m.tokens.clone());
        r.register("tool_calls", "MCP tool calls by tool and outcome (ok, error, refused)", m.tool_calls.clone());
        r.register("tool_call_duration_seconds", "MCP tool call latency by tool", m.tool_duration.clone());
        r.register("github_requests", "GitHub REST API responses by status", m.github_requests.clone());
        r.register("github_request_duration_seconds", "GitHub REST API latency", m.github_duration.clone());
        r.register(
            "github_rate_limit_remaining",
            "GitHub's X-RateLimit-Remaining in its latest response, by resource",
            m.github_rate_limit_remaining.clone(),
        );
        r.register(
            "upstream_mcp_requests",
            "Requests relayed to GitHub's MCP server (upstream mode) by status, or network_error",
            m.upstream_mcp_requests.clone(),
        );
        r.register(
            "upstream_mcp_request_duration_seconds",
            "Time to GitHub's MCP server's response headers (upstream mode)",
            m.upstream_mcp_duration.clone(),
        );
        r.register(
            "mcp_sessions",
            "MCP sessions active on this instance (a request within SESSION_MEMORY_SECS)",
            m.sessions_live.clone(),
        );
        r.register(
            "connections_closed",
            "Connections the server closed or refused (header_timeout, idle, connection_cap, address_connection_cap)",
            m.connections_closed.clone(),
        );
        r.register("connections_open", "Client connections open now", m.connections_open.clone());
        Arc::new(Self { registry, ..m })
    }

    /// Where the live session count comes from (set once, by `mcp::routes`).
    pub fn watch_sessions(&self, source: Weak<dyn LiveSessions>) {
        let _ = self.sessions.set(source);
    }

    pub fn failure(&self, route: &str, reason: &'static str) {
        self.failures.get_or_create(&FailureLabels { route: route.to_owned(), reason }).inc();
    }

    pub fn consent(&self, outcome: &'static str) {
        self.consents.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    pub fn login(&self, outcome: &'static str) {
        self.logins.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    pub fn token(&self, event: &'static str) {
        self.tokens.get_or_create(&OutcomeLabels { outcome: event }).inc();
    }

    pub fn connection_closed(&self, reason: &'static str) {
        self.connections_closed.get_or_create(&OutcomeLabels { outcome: reason }).inc();
    }

    pub fn tool_call(&self, tool: &str, outcome: &'static str, elapsed: Duration) {
        self.tool_calls.get_or_create(&ToolLabels { tool: tool.to_owned(), outcome }).inc();
        self.tool_duration.get_or_create(&ToolNameLabels { tool: tool.to_owned() }).observe(elapsed.as_secs_f64());
    }

    /// One GitHub API response (`status` None: no response), and its rate-limit headers.
    pub fn github_response(&self, status: Option<u16>, elapsed: Duration, rate: Option<(&str, i64)>) {
        count_response(&self.github_requests, &self.github_duration, status, elapsed);
        if let Some((resource, remaining)) = rate {
            self.github_rate_limit_remaining
                .get_or_create(&RateLimitLabels { resource: resource.to_owned() })
                .set(remaining);
        }
    }

    /// One response of GitHub's MCP server in upstream mode (`status` None: none came).
    pub fn upstream_mcp_response(&self, status: Option<u16>, elapsed: Duration) {
        count_response(&self.upstream_mcp_requests, &self.upstream_mcp_duration, status, elapsed);
    }

    /// The OpenMetrics text exposition of every metric.
    pub async fn render(&self) -> String {
        if let Some(source) = self.sessions.get().and_then(Weak::upgrade) {
            self.sessions_live.set(i64::try_from(source.live().await).unwrap_or(i64::MAX));
        }
        if let Some(rss) = resident_bytes() {
            self.resident_memory.set(i64::try_from(rss).unwrap_or(i64::MAX));
        }
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            tracing::error!("metrics could not be encoded");
        }
        out
    }
}

/// This process's resident set (`VmRSS` in `/proc/self/status`), where the platform has one.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches("kB").trim();
    kb.parse::<u64>().ok().map(|kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn families_render_with_the_prefix_and_their_labels() {
        let m = Metrics::new();
        m.failure("/token", "invalid_grant");
        m.token("issued");
        m.tool_call("get_me", "ok", Duration::from_millis(12));
        m.github_response(Some(200), Duration::from_millis(30), Some(("core", 4999)));
        m.github_response(None, Duration::from_millis(30), None);
        let text = m.render().await;
        for line in [
            "mcp_gateway_failures_total{route=\"/token\",reason=\"invalid_grant\"} 1",
            "mcp_gateway_tokens_total{outcome=\"issued\"} 1",
            "mcp_gateway_tool_calls_total{tool=\"get_me\",outcome=\"ok\"} 1",
            "mcp_gateway_tool_call_duration_seconds_count{tool=\"get_me\"} 1",
            "mcp_gateway_github_requests_total{status=\"200\"} 1",
            "mcp_gateway_github_requests_total{status=\"network_error\"} 1",
            "mcp_gateway_github_rate_limit_remaining{resource=\"core\"} 4999",
            "mcp_gateway_mcp_sessions 0",
        ] {
            assert!(text.lines().any(|l| l == line), "missing `{line}` in\n{text}");
        }
        // The process series keep their conventional names, and read a real figure.
        let rss = text.lines().find_map(|l| l.strip_prefix("process_resident_memory_bytes ")).expect("RSS series");
        assert!(rss.parse::<u64>().is_ok_and(|b| b > 1_000_000), "{rss}");
        assert!(text.ends_with("# EOF\n"));
    }

    struct Fixed(usize);
    #[async_trait::async_trait]
    impl LiveSessions for Fixed {
        async fn live(&self) -> usize {
            self.0
        }
    }

    #[tokio::test]
    async fn the_session_gauge_reads_its_source_at_scrape_time() {
        let m = Metrics::new();
        let source: Arc<dyn LiveSessions> = Arc::new(Fixed(3));
        m.watch_sessions(Arc::downgrade(&source));
        assert!(m.render().await.contains("mcp_gateway_mcp_sessions 3\n"));
        drop(source);
        // A dropped source leaves the last value rather than failing the scrape.
        assert!(m.render().await.contains("mcp_gateway_mcp_sessions 3\n"));
    }
}
