//! Binds MCP sessions to users and bounds them. rmcp keys transports by `Mcp-Session-Id` but does not
//! know who owns them: this middleware records the user who initialized a session and answers 404 (as
//! for an unknown session) when another user's token presents that id. The id is never authentication.
//!
//! The owner record's TTL is the session's idle expiry everywhere: `SESSION_IDLE_SECS` plus an eighth,
//! renewed by a request once an eighth has passed since the last renewal, so a busy session costs one
//! store write per few minutes rather than one per request, and no session ends before it has been
//! idle for `SESSION_IDLE_SECS`; new sessions are refused past `MAX_SESSIONS` on this instance (503) and
//! `MAX_SESSIONS_PER_USER` on this instance (429).

use std::{collections::HashSet, sync::Arc};

use dashmap::DashMap;
use rmcp::transport::streamable_http_server::session::{SessionManager, local::LocalSessionManager};

use axum::{
    Json,
    extract::{Request, State},
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    oauth::bearer::Principal,
    state::AppState,
    store::{Namespace, records::SessionOwner},
};

pub const SESSION_HEADER: &str = "mcp-session-id";

/// The live sessions of this instance: rmcp's transport map, and which of them each user opened.
pub struct SessionGuard {
    pub state: AppState,
    pub manager: Arc<LocalSessionManager>,
    by_user: DashMap<u64, HashSet<String>>,
}

#[async_trait::async_trait]
impl crate::metrics::LiveSessions for SessionGuard {
    async fn live(&self) -> usize {
        self.manager.sessions.read().await.len()
    }
}

impl SessionGuard {
    pub fn new(state: AppState, manager: Arc<LocalSessionManager>) -> Arc<Self> {
        Arc::new(Self { state, manager, by_user: DashMap::new() })
    }

    /// Why a new session for `user_id` cannot be opened now, if it cannot.
    async fn refuse_new(&self, user_id: u64) -> Option<Response> {
        let live = self.manager.sessions.read().await;
        let cfg = &self.state.config;
        if live.len() >= cfg.max_sessions {
            tracing::warn!(live = live.len(), "session cap of this instance reached");
            return Some(limit(
                StatusCode::SERVICE_UNAVAILABLE,
                "this server has too many open MCP sessions; retry in a minute",
            ));
        }
        let mut mine = self.by_user.entry(user_id).or_default();
        // Forget sessions rmcp has already closed (idle expiry, DELETE, shutdown).
        mine.retain(|id| live.contains_key(id.as_str()));
        (mine.len() >= cfg.max_sessions_per_user).then(|| {
            limit(
                StatusCode::TOO_MANY_REQUESTS,
                "this account has too many open MCP sessions; close unused ones (DELETE) or wait for them to expire",
            )
        })
    }
}

/// Storage trouble: the same JSON error as the rest of the server, without backend details.
pub fn unavailable() -> Response {
    temporarily_unavailable("storage is unavailable; retry shortly")
}

/// 503 `temporarily_unavailable` with `description` and `Retry-After: 5`.
pub fn temporarily_unavailable(description: &str) -> Response {
    let body = serde_json::json!({"error": "temporarily_unavailable", "error_description": description});
    let mut resp = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    resp.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
    crate::metrics::tag(resp, "temporarily_unavailable")
}

fn limit(status: StatusCode, message: &str) -> Response {
    let mut resp =
        (status, Json(serde_json::json!({"error": "too_many_sessions", "error_description": message}))).into_response();
    resp.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("60"));
    crate::metrics::tag(resp, "too_many_sessions")
}

fn not_found() -> Response {
    crate::metrics::tag((StatusCode::NOT_FOUND, "Not Found: Session not found").into_response(), "unknown_session")
}

/// How long after a renewal the idle timer is renewed again (and added to its TTL).
fn renewal_slack(idle: std::time::Duration) -> u64 {
    idle.as_secs() / 8
}

pub async fn bind_to_user(State(guard): State<Arc<SessionGuard>>, req: Request, next: Next) -> Response {
    let state = &guard.state;
    let slack = renewal_slack(state.config.session_idle);
    let idle = Some(state.config.session_idle + std::time::Duration::from_secs(slack));
    let now = state.now();
    let Some(user_id) = req.extensions().get::<Principal>().map(|p| p.user.id) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let session = req.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let is_delete = req.method() == Method::DELETE;
    if session.is_none()
        && req.method() == Method::POST
        && let Some(refusal) = guard.refuse_new(user_id).await
    {
        return refusal;
    }
    // The owner record as read, so renewing it can never recreate one deleted meanwhile.
    let mut owner_raw = None;
    if let Some(id) = &session {
        match state.records.get_raw::<SessionOwner>(Namespace::McpSession, id).await {
            Ok(Some((owner, raw))) if owner.user_id == user_id => {
                // Renewed recently: no write this time.
                if now >= owner.renewed_at.saturating_add(slack) {
                    owner_raw = Some(raw);
                }
            }
            Ok(Some(_)) => return not_found(),
            Ok(None) => {
                // Ended elsewhere (DELETE on another instance) or idle too long: end it here too.
                let sid: rmcp::transport::common::server_side_http::SessionId = Arc::from(id.as_str());
                if guard.manager.has_session(&sid).await.unwrap_or(false) {
                    let _ = guard.manager.close_session(&sid).await;
                }
                if let Some(mut mine) = guard.by_user.get_mut(&user_id) {
                    mine.remove(id);
                }
                return not_found();
            }
            Err(e) => {
                tracing::error!(error = %e, "storage failure reading a session owner");
                return unavailable();
            }
        }
        // A session this instance does not hold will be restored here: it counts against the caps.
        if !guard.manager.sessions.read().await.contains_key(id.as_str()) {
            if let Some(refusal) = guard.refuse_new(user_id).await {
                return refusal;
            }
            guard.by_user.entry(user_id).or_default().insert(id.clone());
        }
    }
    let mut resp = next.run(req).await;
    // rmcp answers a successful DELETE with 202; the Python and TypeScript SDKs expect 200 (or 204)
    // and log a failed termination otherwise.
    if is_delete && resp.status() == StatusCode::ACCEPTED {
        *resp.status_mut() = StatusCode::OK;
    }
    let result = match (&session, resp.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok())) {
        // A new session was created by this request: it belongs to this user.
        (None, Some(created)) => {
            guard.by_user.entry(user_id).or_default().insert(created.to_owned());
            state.records.put(Namespace::McpSession, created, &SessionOwner { user_id, renewed_at: now }, idle).await
        }
        (Some(id), _) if is_delete && resp.status().is_success() => {
            if let Some(mut mine) = guard.by_user.get_mut(&user_id) {
                mine.remove(id);
            }
            state.records.delete(Namespace::McpSession, id).await.map(|_| ())
        }
        (Some(id), _) if resp.status().is_success() => match &owner_raw {
            // Renew the idle timer only if the record is still the one we read.
            Some(raw) => {
                let renewed = SessionOwner { user_id, renewed_at: now };
                state.records.swap(Namespace::McpSession, id, raw, &renewed, idle).await.map(|_| ())
            }
            None => Ok(()),
        },
        _ => Ok(()),
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "storage failure recording a session owner");
        return unavailable();
    }
    resp
}
