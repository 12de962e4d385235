//! Upstream mode (`UPSTREAM_MCP_URL`): `/mcp` relayed to GitHub's own MCP server, after every check
//! of ours, with the user's GitHub token in place of the client's.
//!
//! Before anything is forwarded, the guard in [`super::routes`] has checked the bearer token and
//! read the body once; here the `Host` and `Origin` are checked, an upstream session id is bound to
//! our user exactly like a native one (another user presenting it gets 404), and a `tools/call` of a
//! tool GitHub's server has described as a write is refused, for a token without `github:write`,
//! with the native step-up 403.
//!
//! What is forwarded is an allowlist ([`FORWARDED`]): the body, the MCP transport headers and the
//! toolset controls GitHub's server understands. Never the client's token, cookies or any other
//! header; response headers are filtered the same way ([`RETURNED`]). Our policy is added on top:
//! `X-MCP-Readonly: true` for a read-only server or a token without `github:write`,
//! `X-MCP-Lockdown: true` for `LOCKDOWN=on` (GitHub's server then does its own lockdown), and
//! `TOOLSETS` as `X-MCP-Toolsets`.
//!
//! GitHub's answers become actionable: a 401 refreshes the GitHub token once (GitHub App) and
//! retries, or revokes the grant when it cannot be refreshed, exactly as for REST calls; a 403 scope
//! challenge names the GitHub scopes to add to `GITHUB_SCOPES`; a 5xx, a timeout or an unreachable
//! server is a JSON-RPC error saying GitHub's MCP server is unavailable. Responses, SSE streams
//! included, are relayed as they arrive, bounded in size and in silence between chunks.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use dashmap::DashMap;
use futures_util::StreamExt;
use serde_json::Value;

use super::{MCP_BODY_LIMIT, message::Inspected, scopes, sessions};
use crate::{
    crypto::Secret,
    oauth::{
        bearer::{BearerError, Principal},
        scope::{Scope, Scopes},
    },
    state::AppState,
    store::records::SessionOwner,
};

/// Request headers passed to GitHub's server (besides `Mcp-Param-*`, matched by prefix).
pub const FORWARDED: &[&str] = &[
    "content-type",
    "accept",
    "mcp-protocol-version",
    "mcp-method",
    "mcp-name",
    "mcp-session-id",
    "last-event-id",
    "x-mcp-toolsets",
    "x-mcp-tools",
    "x-mcp-exclude-tools",
    "x-mcp-readonly",
    "x-mcp-lockdown",
    "x-mcp-insiders",
];

/// Response headers passed back to the client.
pub const RETURNED: &[&str] = &["content-type", "cache-control", "mcp-session-id", "mcp-protocol-version"];

/// How long GitHub's server may take to start answering.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest silence inside a relayed response body (an SSE stream may idle between events).
const CHUNK_TIMEOUT: Duration = Duration::from_secs(300);
/// The most bytes one relayed response may carry.
const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;
/// The most of a `tools/list` response read to learn which tools write.
const MAX_LEARNED_BYTES: usize = 2 * 1024 * 1024;

/// The relay: GitHub's MCP endpoint, the HTTP client, and what it has learned of GitHub's tools.
pub struct Relay {
    state: AppState,
    url: url::Url,
    toolsets: Option<String>,
    /// `TOOLS` and `EXCLUDE_TOOLS` as GitHub's server reads them (`X-MCP-Tools`, `X-MCP-Exclude-Tools`).
    tools: Option<String>,
    exclude_tools: Option<String>,
    /// `LOCKDOWN=on`: every relayed request asks GitHub's server for lockdown mode.
    lockdown: bool,
    http: reqwest::Client,
    /// Tool name → whether GitHub's server describes it as read-only (`readOnlyHint`), learned from
    /// the `tools/list` answers relayed.
    read_only_tools: DashMap<String, bool>,
}

impl Relay {
    pub fn new(state: AppState, upstream: &crate::config::UpstreamMcp) -> Result<Arc<Self>, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mcp-github-gateway/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let listed = |names: &std::collections::BTreeSet<String>| {
            (!names.is_empty()).then(|| names.iter().map(String::as_str).collect::<Vec<_>>().join(","))
        };
        Ok(Arc::new(Self {
            url: upstream.url.clone(),
            toolsets: upstream.toolsets.clone(),
            tools: listed(&state.config.tools),
            exclude_tools: listed(&state.config.exclude_tools),
            lockdown: state.config.lockdown,
            state,
            http,
            read_only_tools: DashMap::new(),
        }))
    }
}

/// Why GitHub's server gave no answer.
#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error("no answer within {}s", RESPONSE_TIMEOUT.as_secs())]
    Timeout,
    #[error(transparent)]
    Http(reqwest::Error),
}

/// Why a request was not relayed, as the client sees it.
fn refused(status: StatusCode, id: Option<&Value>, code: i64, message: &str) -> Response {
    let id = id.cloned().unwrap_or(Value::Null);
    super::error::McpError::JsonRpc { status, id, code, message: message.to_owned(), reason: "upstream_mcp" }
        .into_response()
}

/// A failure of GitHub's server as a JSON-RPC error: in a 200 when the request had an id (clients
/// show the message), else with `status`.
fn upstream_error(status: StatusCode, id: Option<&Value>, message: &str) -> Response {
    match id {
        Some(id) => refused(StatusCode::OK, Some(id), -32603, message),
        None => refused(status, None, -32603, message),
    }
}

fn host_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else { return false };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host
            .rsplit_once(':')
            .map_or(host, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { host }),
    };
    state.config.allowed_hosts().iter().any(|h| h.eq_ignore_ascii_case(name))
}

fn origin_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    origin == state.config.public_url.origin().ascii_serialization() || state.config.allowed_origins.contains(origin)
}

/// The JSON-RPC id of a message.
fn id_of(message: Option<&Value>) -> Option<&Value> {
    message.and_then(|m| m.get("id")).filter(|id| !id.is_null())
}

fn is_method(message: Option<&Value>, method: &str) -> bool {
    message.and_then(|m| m.get("method")).and_then(Value::as_str) == Some(method)
}

pub async fn handle(State(relay): State<Arc<Relay>>, req: Request) -> Response {
    let state = &relay.state;
    let (parts, body) = req.into_parts();
    let Some(principal) = parts.extensions.get::<Principal>().cloned() else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let inspected = parts.extensions.get::<Inspected>().cloned().unwrap_or_default();
    let message = inspected.message.as_ref();
    if !host_allowed(state, &parts.headers) {
        return (StatusCode::FORBIDDEN, "Forbidden: Host header is not allowed").into_response();
    }
    if !origin_allowed(state, &parts.headers) {
        return (StatusCode::FORBIDDEN, "Forbidden: Origin is not allowed").into_response();
    }
    if !matches!(parts.method, Method::POST | Method::GET | Method::DELETE) {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    // The one body read already happened (`message::inspect`); this only collects its bytes.
    let Ok(body) = to_bytes(body, MCP_BODY_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };

    // Sessions: an upstream session id belongs to the user whose request opened it.
    let session = if inspected.stateless {
        None
    } else {
        parts.headers.get(sessions::SESSION_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned)
    };
    if let Some(id) = &session {
        match state.records.get::<SessionOwner>(&relay_key(id)).await {
            Ok(Some(owner)) if owner.user_id == principal.user.id => {}
            Ok(_) => return sessions::not_found(),
            Err(e) => {
                tracing::error!(error = %e, "storage failure reading an upstream session owner");
                return sessions::unavailable();
            }
        }
    }

    // Writes: refused here for a token (or server) that may not write, when GitHub's server has
    // told us the tool writes; `X-MCP-Readonly` makes GitHub's server refuse the rest.
    let may_write = !state.config.read_only && super::tools::missing_scope(principal.scopes, true).is_none();
    if !may_write {
        let writes: Vec<&str> = message
            .map(scopes::called_tools)
            .unwrap_or_default()
            .into_iter()
            .filter(|t| relay.read_only_tools.get(*t).is_some_and(|ro| !*ro))
            .collect();
        if !writes.is_empty() {
            if state.config.read_only {
                return refused(
                    StatusCode::OK,
                    id_of(message),
                    -32602,
                    &format!("`{}` changes things on GitHub, and this server is read-only", writes.join("`, `")),
                );
            }
            return scopes::insufficient_scope(state, principal.scopes, Scopes::of(Scope::Write));
        }
    }

    let learn = is_method(message, "tools/list");
    let started = Instant::now();
    let mut token = principal.github_token.clone();
    let mut refreshed = false;
    let response = loop {
        let sent = relay.send(&parts.method, &parts.headers, &body, &token, may_write).await;
        state.metrics.upstream_mcp_response(sent.as_ref().ok().map(|r| r.status().as_u16()), started.elapsed());
        match sent {
            Ok(r) if r.status() == StatusCode::UNAUTHORIZED && !refreshed => {
                // As for REST calls: refresh once and retry, or revoke when it cannot be refreshed.
                match state.bearer.refresh_rejected(&principal, &token).await {
                    Ok(fresh) => {
                        token = fresh.access_token;
                        refreshed = true;
                    }
                    Err(BearerError::UpstreamUnavailable) => {
                        return sessions::temporarily_unavailable("GitHub could not refresh the sign-in right now");
                    }
                    Err(BearerError::Store(e)) => {
                        tracing::error!(error = %e, "storage failure refreshing a GitHub token for the upstream");
                        return sessions::unavailable();
                    }
                    Err(e @ (BearerError::Invalid | BearerError::UpstreamRevoked)) => {
                        return super::auth::unauthorized(state, Some(("invalid_token", &e.to_string())));
                    }
                }
            }
            Ok(r) if r.status() == StatusCode::UNAUTHORIZED => {
                return super::auth::unauthorized(
                    state,
                    Some(("invalid_token", "GitHub's MCP server does not accept this sign-in; sign in again")),
                );
            }
            Ok(r) => break r,
            Err(e) => {
                tracing::warn!(error = %e, "GitHub's MCP server could not be reached");
                return upstream_error(
                    StatusCode::BAD_GATEWAY,
                    id_of(message),
                    "GitHub's MCP server is unavailable (no answer); try again in a moment",
                );
            }
        }
    };
    let status = response.status();
    if status == StatusCode::FORBIDDEN
        && let Some(challenge) = response.headers().get(header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok())
        && challenge.contains("insufficient_scope")
    {
        let wanted = challenge_scope(challenge).unwrap_or_else(|| "more".into());
        tracing::warn!(scopes = %wanted, "GitHub's MCP server asked for GitHub scopes the sign-in lacks");
        return upstream_error(
            StatusCode::FORBIDDEN,
            id_of(message),
            &format!(
                "GitHub's MCP server needs the GitHub scopes `{wanted}` for this. The operator must add them to \
                 GITHUB_SCOPES (for a GitHub App: grant the matching permissions), then users sign in again."
            ),
        );
    }
    if status.is_server_error() {
        return upstream_error(
            StatusCode::BAD_GATEWAY,
            id_of(message),
            &format!("GitHub's MCP server is unavailable (HTTP {}); try again in a moment", status.as_u16()),
        );
    }
    let opened = response
        .headers()
        .get(sessions::SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|_| session.is_none() && status.is_success())
        .map(str::to_owned);
    if let Some(id) = &opened {
        let owner = SessionOwner { user_id: principal.user.id, renewed_at: state.now() };
        if let Err(e) = state.records.put(&relay_key(id), &owner).await {
            tracing::error!(error = %e, "storage failure recording an upstream session");
            return sessions::unavailable();
        }
    }
    if parts.method == Method::DELETE
        && status.is_success()
        && let Some(id) = &session
        && let Err(e) = state.records.delete::<crate::store::records::SessionOwner>(&relay_key(id)).await
    {
        tracing::warn!(error = %e, "could not delete an ended upstream session");
    }
    relay.relay_response(response, learn)
}

/// Upstream session ids live in the session namespace under their own prefix, apart from native ones.
fn relay_key(id: &str) -> String {
    format!("upstream:{id}")
}

/// The `scope="…"` of a `WWW-Authenticate` challenge.
fn challenge_scope(challenge: &str) -> Option<String> {
    let (_, rest) = challenge.split_once("scope=\"")?;
    rest.split('"').next().map(str::to_owned).filter(|s| !s.is_empty())
}

impl Relay {
    async fn send(
        &self,
        method: &Method,
        incoming: &HeaderMap,
        body: &Bytes,
        token: &Secret,
        may_write: bool,
    ) -> Result<reqwest::Response, RelayError> {
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in incoming {
            let n = name.as_str();
            if FORWARDED.contains(&n) || n.starts_with("mcp-param-") {
                headers.append(name.clone(), value.clone());
            }
        }
        if !may_write {
            headers.insert(HeaderName::from_static("x-mcp-readonly"), HeaderValue::from_static("true"));
        }
        if self.lockdown {
            headers.insert(HeaderName::from_static("x-mcp-lockdown"), HeaderValue::from_static("true"));
        }
        if let Some(toolsets) = self.toolsets.as_deref().and_then(|t| HeaderValue::from_str(t).ok()) {
            headers.insert(HeaderName::from_static("x-mcp-toolsets"), toolsets);
        }
        if let Some(tools) = self.tools.as_deref().and_then(|t| HeaderValue::from_str(t).ok()) {
            headers.insert(HeaderName::from_static("x-mcp-tools"), tools);
        }
        // The client's exclusions and the operator's: excluding only narrows.
        if let Some(ours) = &self.exclude_tools {
            let theirs =
                incoming.get("x-mcp-exclude-tools").and_then(|v| v.to_str().ok()).filter(|v| !v.trim().is_empty());
            let both = theirs.map_or_else(|| ours.clone(), |t| format!("{t},{ours}"));
            if let Ok(v) = HeaderValue::from_str(&both) {
                headers.insert(HeaderName::from_static("x-mcp-exclude-tools"), v);
            }
        }
        if let Ok(mut bearer) = HeaderValue::from_str(&format!("Bearer {}", token.expose())) {
            bearer.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, bearer);
        }
        let request = self.http.request(method.clone(), self.url.clone()).headers(headers).body(body.clone());
        match tokio::time::timeout(RESPONSE_TIMEOUT, request.send()).await {
            Ok(result) => result.map_err(RelayError::Http),
            Err(_) => Err(RelayError::Timeout),
        }
    }

    /// GitHub's answer to the client: status, the [`RETURNED`] headers, and the body as it arrives,
    /// bounded; a `tools/list` answer also teaches which tools write.
    fn relay_response(self: &Arc<Self>, response: reqwest::Response, learn: bool) -> Response {
        let status = response.status();
        let mut headers = HeaderMap::new();
        for name in RETURNED {
            for value in response.headers().get_all(*name) {
                headers.append(HeaderName::from_static(name), value.clone());
            }
        }
        let relay = self.clone();
        let mut upstream = response.bytes_stream();
        let stream = async_stream(move |tx| async move {
            let mut total = 0usize;
            let mut seen = learn.then(Vec::new);
            loop {
                let chunk = match tokio::time::timeout(CHUNK_TIMEOUT, upstream.next()).await {
                    Ok(Some(Ok(chunk))) => chunk,
                    Ok(None) => break,
                    Ok(Some(Err(e))) => {
                        tracing::warn!(error = %e, "GitHub's MCP server's answer broke off");
                        break;
                    }
                    Err(_) => {
                        tracing::warn!("GitHub's MCP server's answer went silent; closing it");
                        break;
                    }
                };
                total += chunk.len();
                if total > MAX_RESPONSE_BYTES {
                    tracing::warn!("GitHub's MCP server's answer is over the size cap; closing it");
                    break;
                }
                if let Some(buf) = seen.as_mut() {
                    if buf.len() + chunk.len() <= MAX_LEARNED_BYTES {
                        buf.extend_from_slice(&chunk);
                    } else {
                        seen = None;
                    }
                }
                if tx.send(chunk).await.is_err() {
                    return; // the client went away
                }
            }
            if let Some(buf) = seen {
                relay.learn(&buf);
            }
        });
        let mut resp = Response::new(Body::from_stream(stream));
        *resp.status_mut() = status;
        *resp.headers_mut() = headers;
        resp
    }

    /// Records each tool's `readOnlyHint` from a `tools/list` answer, JSON or SSE.
    fn learn(&self, body: &[u8]) {
        let text = String::from_utf8_lossy(body);
        let messages: Vec<Value> = match serde_json::from_str::<Value>(&text) {
            Ok(v) => vec![v],
            Err(_) => text
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .filter_map(|d| serde_json::from_str(d.trim()).ok())
                .collect(),
        };
        for tool in messages.iter().flat_map(|m| m["result"]["tools"].as_array().into_iter().flatten()) {
            if let Some(name) = tool["name"].as_str() {
                let read_only = tool["annotations"]["readOnlyHint"].as_bool().unwrap_or(false);
                self.read_only_tools.insert(name.to_owned(), read_only);
            }
        }
    }
}

/// A body stream fed by a task through a small channel (so the relay's loop can own its state).
fn async_stream<F, Fut>(produce: F) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Bytes>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    tokio::spawn(produce(tx));
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (Ok(b), rx)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_challenges_are_read() {
        let c = "Bearer error=\"insufficient_scope\", scope=\"repo read:org\", resource_metadata=\"x\"";
        assert_eq!(challenge_scope(c).as_deref(), Some("repo read:org"));
        assert_eq!(challenge_scope("Bearer error=\"insufficient_scope\""), None);
    }
}
