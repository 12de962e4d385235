//! The 2025 revisions' MCP sessions, kept here rather than in rmcp. rmcp serves every request on
//! its own (stateless); a session is its owner record in storage, so between requests it holds no
//! worker, channel or buffer in any instance's memory, and any instance sharing the storage serves
//! it. This check (run around the rest of the request, in `super::guard_native`):
//! - opens a session on a successful `initialize`: it mints the `Mcp-Session-Id` and records the
//!   user who opened it;
//! - answers 404 (as for an unknown session) when another user's token presents that id: the id is
//!   never authentication;
//! - refuses a request other than `initialize` without a session id (400), as the 2025 revisions
//!   allow a server that issues sessions to;
//! - ends a session on `DELETE`, and answers `GET` (the optional server-to-client stream) with 405:
//!   this server sends nothing unprompted, so it offers no such stream.
//!
//! The owner record's TTL is the session's idle expiry everywhere: `SESSION_IDLE_SECS` plus an eighth,
//! renewed by a request once an eighth has passed since the last renewal, so a busy session costs one
//! store write per few minutes rather than one per request, and no session ends before it has been
//! idle for `SESSION_IDLE_SECS`. New sessions are refused past `MAX_SESSIONS` active on this
//! instance (503; active: used within `SESSION_MEMORY_SECS`, an id and a time in memory) and past
//! `MAX_SESSIONS_PER_USER` counted in storage (429), so the per-user cap holds across instances.
//!
//! 2026-07-28 requests are stateless (`super::message` classified them): they pass straight through.

use std::sync::Arc;

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use dashmap::DashMap;

use super::{error::McpError, message::Inspected};
use crate::{
    oauth::bearer::Principal,
    state::AppState,
    store::{
        StoreError,
        records::{SessionOwner, UserSessions, renewal_slack},
    },
};

pub const SESSION_HEADER: &str = "mcp-session-id";

/// Compare-and-swap rounds for adding a session to a user's index before giving up (503).
const ADMIT_ATTEMPTS: usize = 64;

/// Largest `initialize` reply read to see whether it succeeded (rmcp's are a few hundred bytes).
const INITIALIZE_REPLY_LIMIT: usize = 256 * 1024;

/// The sessions used on this instance within `SESSION_MEMORY_SECS`, by id, with the time (ms) of
/// their last request: what `mcp_gateway_mcp_sessions` counts and `MAX_SESSIONS` caps.
struct Active {
    seen: DashMap<Arc<str>, u64>,
    window_ms: u64,
    cap: usize,
}

impl Active {
    fn touch(&self, id: &str, now_ms: u64) {
        match self.seen.get_mut(id) {
            Some(mut at) => *at = now_ms,
            None => {
                self.seen.insert(Arc::from(id), now_ms);
            }
        }
    }

    fn is_active(&self, id: &str, now_ms: u64) -> bool {
        self.seen.get(id).is_some_and(|at| now_ms.saturating_sub(*at) < self.window_ms)
    }

    /// Drops the sessions idle for the window, and counts the rest.
    fn count(&self, now_ms: u64) -> usize {
        self.seen.retain(|_, at| now_ms.saturating_sub(*at) < self.window_ms);
        self.seen.len()
    }

    /// Whether one more session may become active here (sweeping only when the cap is near).
    fn has_room(&self, now_ms: u64) -> bool {
        self.seen.len() < self.cap || self.count(now_ms) < self.cap
    }
}

/// The sessions of this instance: the caps on new ones, and their bookkeeping in storage.
pub struct SessionGuard {
    pub state: AppState,
    active: Active,
}

#[async_trait::async_trait]
impl crate::metrics::LiveSessions for SessionGuard {
    async fn live(&self) -> usize {
        self.active.count(self.state.now_ms())
    }
}

impl SessionGuard {
    pub fn new(state: AppState) -> Arc<Self> {
        let window_ms = u64::try_from(state.config.session_memory.as_millis()).unwrap_or(u64::MAX);
        let active = Active { seen: DashMap::new(), window_ms, cap: state.config.max_sessions };
        Arc::new(Self { state, active })
    }

    /// 503 when `MAX_SESSIONS` are active on this instance already.
    fn refuse_over_cap(&self, now_ms: u64) -> Option<Response> {
        (!self.active.has_room(now_ms)).then(|| {
            tracing::warn!(cap = self.active.cap, "session cap of this instance reached");
            limit(StatusCode::SERVICE_UNAVAILABLE, "this server has too many open MCP sessions; retry in a minute")
        })
    }

    /// The user's session index as stored, and its ids. A full index is pruned of ended sessions
    /// (their owner records are gone) first, so a new session costs one read until the cap is near.
    async fn user_sessions(&self, user_id: u64) -> Result<(Option<Vec<u8>>, Vec<String>), StoreError> {
        let records = &self.state.records;
        let (index, raw) = match records.get_raw::<UserSessions>(&user_id.to_string()).await? {
            Some((index, raw)) => (index, Some(raw)),
            None => (UserSessions::default(), None),
        };
        if index.ids.len() < self.state.config.max_sessions_per_user {
            return Ok((raw, index.ids));
        }
        let mut live = Vec::with_capacity(index.ids.len());
        for id in index.ids {
            if records.get::<SessionOwner>(&id).await?.is_some() {
                live.push(id);
            }
        }
        Ok((raw, live))
    }

    /// Adds `id` to the user's index unless the user holds `MAX_SESSIONS_PER_USER` already;
    /// `false` when refused. A compare-and-swap, so instances racing for the last place agree.
    async fn admit(&self, user_id: u64, id: &str) -> Result<bool, StoreError> {
        let key = user_id.to_string();
        // Concurrent new sessions of one user retry; each round some writer wins.
        for _ in 0..ADMIT_ATTEMPTS {
            let (raw, mut ids) = self.user_sessions(user_id).await?;
            if ids.len() >= self.state.config.max_sessions_per_user {
                return Ok(false);
            }
            ids.push(id.to_owned());
            let index = UserSessions { ids };
            let records = &self.state.records;
            let written = match &raw {
                Some(raw) => records.swap(&key, raw, &index).await?,
                None => records.put_new(&key, &index).await?,
            };
            if written {
                return Ok(true);
            }
            tokio::task::yield_now().await;
        }
        Err(StoreError::Unavailable("the session index kept changing".into()))
    }

    /// Records a session this request created as the user's, within the per-user cap; `false`
    /// when another instance took the last place meanwhile (the session is then ended).
    async fn claim(&self, user_id: u64, id: &str, owner: &SessionOwner) -> Result<bool, StoreError> {
        self.state.records.put(id, owner).await?;
        if self.admit(user_id, id).await? {
            return Ok(true);
        }
        if let Err(e) = self.end(id).await {
            tracing::error!(error = %e, "storage failure ending a refused session");
        }
        Ok(false)
    }

    /// Ends a session everywhere: its owner record, and its place among this instance's active ones.
    async fn end(&self, id: &str) -> Result<(), StoreError> {
        self.active.seen.remove(id);
        self.state.records.delete::<SessionOwner>(id).await?;
        Ok(())
    }
}

fn too_many_for_user() -> Response {
    limit(
        StatusCode::TOO_MANY_REQUESTS,
        "this account has too many open MCP sessions; close unused ones (DELETE) or wait for them to expire",
    )
}

/// Storage trouble: the same JSON error as the rest of the server, without backend details.
pub fn unavailable() -> Response {
    temporarily_unavailable("storage is unavailable; retry shortly")
}

/// 503 `temporarily_unavailable` with `description` and `Retry-After: 5`.
pub fn temporarily_unavailable(description: &str) -> Response {
    McpError::Unavailable(description.to_owned()).into_response()
}

fn limit(status: StatusCode, description: &'static str) -> Response {
    McpError::TooManySessions { status, description }.into_response()
}

/// 404 for an unknown, ended or foreign session ([`McpError::SessionNotFound`]).
pub fn not_found() -> Response {
    McpError::SessionNotFound.into_response()
}

/// The client's name and version from an `initialize`, shortened, for a debug line.
fn client_of(inspected: &Inspected) -> String {
    let info = inspected.message.as_ref().and_then(|m| m.pointer("/params/clientInfo"));
    let name = info.and_then(|i| i.get("name")).and_then(|v| v.as_str()).unwrap_or("?");
    let version = info.and_then(|i| i.get("version")).and_then(|v| v.as_str()).unwrap_or("?");
    let mut text = format!("{name} {version}");
    if text.len() > 120 {
        let cut = (0..=120).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// Whether an `initialize` reply (JSON, or an SSE stream should a handler ever stream one) carries a
/// result rather than a JSON-RPC error.
fn initialized(bytes: &[u8]) -> bool {
    let has_result = |v: &serde_json::Value| v.get("result").is_some_and(serde_json::Value::is_object);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
        return has_result(&v);
    }
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d.trim()).ok())
        .any(|v| has_result(&v))
}

impl SessionGuard {
    /// A request without a session may open one: within this instance's and the user's caps.
    async fn admit_new(&self, user_id: u64, now_ms: u64) -> Result<(), Response> {
        if let Some(refusal) = self.refuse_over_cap(now_ms) {
            return Err(refusal);
        }
        match self.user_sessions(user_id).await {
            Ok((_, ids)) if ids.len() >= self.state.config.max_sessions_per_user => Err(too_many_for_user()),
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::error!(error = %e, "storage failure reading a user's sessions");
                Err(unavailable())
            }
        }
    }

    /// Session `id` must belong to `user_id`; returns its owner record when it is due for renewal.
    /// A session not active on this instance must fit under its cap to become so.
    async fn check_owner(&self, id: &str, user_id: u64, now: u64, now_ms: u64) -> Result<Option<Vec<u8>>, Response> {
        let slack = renewal_slack(self.state.config.session_idle);
        let owner_raw = match self.state.records.get_raw::<SessionOwner>(id).await {
            Ok(Some((owner, raw))) if owner.user_id == user_id => {
                // Renewed recently: no write this time.
                (now >= owner.renewed_at.saturating_add(slack)).then_some(raw)
            }
            Ok(Some(_)) => return Err(not_found()),
            Ok(None) => {
                // Ended elsewhere, or idle too long.
                self.active.seen.remove(id);
                return Err(not_found());
            }
            Err(e) => {
                tracing::error!(error = %e, "storage failure reading a session owner");
                return Err(unavailable());
            }
        };
        if !self.active.is_active(id, now_ms)
            && let Some(refusal) = self.refuse_over_cap(now_ms)
        {
            return Err(refusal);
        }
        Ok(owner_raw)
    }

    /// After an `initialize`: if it succeeded, a new session, with a fresh id, owned by its user
    /// within the per-user cap, and named in the reply's `Mcp-Session-Id`.
    async fn open(&self, user_id: u64, now: u64, now_ms: u64, resp: Response, client: &str) -> Response {
        if resp.status() != StatusCode::OK {
            return resp;
        }
        let (mut parts, body) = resp.into_parts();
        let Ok(bytes) = to_bytes(body, INITIALIZE_REPLY_LIMIT).await else {
            return temporarily_unavailable("the initialize reply could not be read");
        };
        if !initialized(&bytes) {
            return Response::from_parts(parts, Body::from(bytes));
        }
        let id = crate::crypto::random_b64(16);
        let owner = SessionOwner { user_id, renewed_at: now };
        match self.claim(user_id, &id, &owner).await {
            Ok(true) => {}
            Ok(false) => return too_many_for_user(),
            Err(e) => {
                tracing::error!(error = %e, "storage failure recording a session owner");
                return unavailable();
            }
        }
        self.active.touch(&id, now_ms);
        tracing::debug!(client = %client, "MCP session opened");
        // 22 base64url characters: always a valid header value.
        if let Ok(value) = HeaderValue::from_str(&id) {
            parts.headers.insert(SESSION_HEADER, value);
        }
        Response::from_parts(parts, Body::from(bytes))
    }

    /// After a successful request on session `id`: it is active here, and its idle timer is renewed
    /// when due, only if the owner record is still the one read (a compare-and-swap can never
    /// recreate a session ended meanwhile).
    async fn renew(&self, id: &str, owner_raw: Option<Vec<u8>>, user_id: u64, now: u64, now_ms: u64) {
        self.active.touch(id, now_ms);
        let Some(raw) = owner_raw else { return };
        let owner = SessionOwner { user_id, renewed_at: now };
        if let Err(e) = self.state.records.swap(id, &raw, &owner).await {
            // The request was served; the next one renews.
            tracing::error!(error = %e, "storage failure renewing a session");
        }
    }
}

/// Binds `req` to its session (see the module comment) around `next`, which serves it.
pub async fn bind<F, Fut>(guard: &SessionGuard, req: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let Some(user_id) = req.extensions().get::<Principal>().map(|p| p.user.id) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    // What the body read found, without copying the parsed message (the client is named only for an
    // `initialize`'s debug line).
    let (stateless, initialize, is_json, client) = match req.extensions().get::<Inspected>() {
        Some(i) => (i.stateless, i.initialize, i.message.is_some(), i.initialize.then(|| client_of(i))),
        None => (false, false, false, None),
    };
    if stateless {
        // 2026-07-28: no session to bind, count or renew.
        return next(req).await;
    }
    let now_ms = guard.state.now_ms();
    let now = now_ms / 1000;
    let session = req.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Some(id) = session else {
        return match (req.method(), is_json) {
            // Not JSON: rmcp's to refuse (406, 415).
            (&Method::POST, false) => next(req).await,
            (&Method::POST, true) if initialize => {
                if let Err(refusal) = guard.admit_new(user_id, now_ms).await {
                    return refusal;
                }
                let resp = next(req).await;
                guard.open(user_id, now, now_ms, resp, client.as_deref().unwrap_or("?")).await
            }
            _ => McpError::SessionRequired.into_response(),
        };
    };
    let owner_raw = match guard.check_owner(&id, user_id, now, now_ms).await {
        Ok(raw) => raw,
        Err(refusal) => return refusal,
    };
    match *req.method() {
        Method::POST => {
            let resp = next(req).await;
            if resp.status().is_success() {
                guard.renew(&id, owner_raw, user_id, now, now_ms).await;
            }
            resp
        }
        // 200, not 202: the Python and TypeScript SDKs log a failed termination otherwise.
        Method::DELETE => match guard.end(&id).await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(e) => {
                tracing::error!(error = %e, "storage failure ending a session");
                unavailable()
            }
        },
        _ => McpError::NoServerStream.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_initialize_reply_with_a_result_opens_a_session() {
        assert!(initialized(br#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18"}}"#));
        assert!(!initialized(br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad"}}"#));
        assert!(initialized(b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"));
        assert!(!initialized(b"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{}}\n\n"));
        assert!(!initialized(b""));
    }

    #[test]
    fn a_session_stays_active_for_the_window_after_its_last_request() {
        let active = Active { seen: DashMap::new(), window_ms: 1_000, cap: 2 };
        active.touch("a", 0);
        active.touch("b", 500);
        assert!(active.is_active("a", 999) && !active.is_active("a", 1_000));
        assert!(!active.has_room(900), "two of two active");
        assert!(active.has_room(1_000), "a went idle");
        assert_eq!(active.count(1_000), 1);
        active.touch("b", 1_400);
        assert_eq!(active.count(2_000), 1, "b's last request renewed it");
        assert_eq!(active.count(2_400), 0);
    }
}
