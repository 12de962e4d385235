//! Binds MCP sessions to users and bounds them. rmcp keys transports by `Mcp-Session-Id` but does not
//! know who owns them: this middleware records the user who initialized a session and answers 404 (as
//! for an unknown session) when another user's token presents that id. The id is never authentication.
//!
//! The owner record's TTL is the session's idle expiry everywhere: `SESSION_IDLE_SECS` plus an eighth,
//! renewed by a request once an eighth has passed since the last renewal, so a busy session costs one
//! store write per few minutes rather than one per request, and no session ends before it has been
//! idle for `SESSION_IDLE_SECS`. The session's stored `initialize` params expire with it and are
//! renewed with it. New sessions are refused past `MAX_SESSIONS` in this instance's memory (503) and
//! past `MAX_SESSIONS_PER_USER` counted in storage (429), so the per-user cap holds across memory,
//! storage and instances.
//!
//! 2026-07-28 requests are stateless (`super::message` classified them): they pass straight through.

use std::{sync::Arc, time::Duration};

use rmcp::transport::streamable_http_server::session::{SessionManager, local::LocalSessionManager};

use axum::{
    extract::{Request, State},
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{error::McpError, message::Inspected};
use crate::{
    oauth::bearer::Principal,
    state::AppState,
    store::{
        StoreError,
        records::{SessionOwner, UserSessions},
    },
};

pub const SESSION_HEADER: &str = "mcp-session-id";

/// How long a user's session index outlives its last change; stale ids in it are pruned when full.
const USER_SESSIONS_TTL: Duration = Duration::from_secs(8 * 86_400);

/// Compare-and-swap rounds for adding a session to a user's index before giving up (503).
const ADMIT_ATTEMPTS: usize = 64;

/// The live sessions of this instance (rmcp's transport map), and the caps on new ones.
pub struct SessionGuard {
    pub state: AppState,
    pub manager: Arc<LocalSessionManager>,
}

#[async_trait::async_trait]
impl crate::metrics::LiveSessions for SessionGuard {
    async fn live(&self) -> usize {
        self.manager.sessions.read().await.len()
    }
}

impl SessionGuard {
    pub fn new(state: AppState, manager: Arc<LocalSessionManager>) -> Arc<Self> {
        Arc::new(Self { state, manager })
    }

    /// 503 when this instance holds `MAX_SESSIONS` in memory already.
    async fn refuse_in_memory(&self) -> Option<Response> {
        let live = self.manager.sessions.read().await.len();
        (live >= self.state.config.max_sessions).then(|| {
            tracing::warn!(live, "session cap of this instance reached");
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
                Some(raw) => records.swap(&key, raw, &index, Some(USER_SESSIONS_TTL)).await?,
                None => records.put_new(&key, &index, Some(USER_SESSIONS_TTL)).await?,
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
    async fn claim(
        &self,
        user_id: u64,
        id: &str,
        owner: &SessionOwner,
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        self.state.records.put(id, owner, ttl).await?;
        if self.admit(user_id, id).await? {
            return Ok(true);
        }
        if let Err(e) = self.end(id).await {
            tracing::error!(error = %e, "storage failure ending a refused session");
        }
        Ok(false)
    }

    /// Ends a session everywhere: rmcp's transport here, its owner record and its stored state.
    async fn end(&self, id: &str) -> Result<(), StoreError> {
        let sid: rmcp::transport::common::server_side_http::SessionId = Arc::from(id);
        if self.manager.has_session(&sid).await.unwrap_or(false) {
            let _ = self.manager.close_session(&sid).await;
        }
        self.state.records.delete::<crate::store::records::SessionOwner>(id).await?;
        self.state.records.delete::<rmcp::transport::streamable_http_server::session::store::SessionState>(id).await?;
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

/// How long after a renewal the idle timer is renewed again (and added to its TTL).
fn renewal_slack(idle: Duration) -> u64 {
    idle.as_secs() / 8
}

/// The TTL of a session's records: the idle time plus the renewal slack.
pub fn session_ttl(idle: Duration) -> Duration {
    idle + Duration::from_secs(renewal_slack(idle))
}

/// The client's name and version from an `initialize`, shortened, for a debug line.
fn client_of(inspected: Option<&Inspected>) -> String {
    let info = inspected.and_then(|i| i.message.as_ref()).and_then(|m| m.pointer("/params/clientInfo"));
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

/// What [`bind_to_user`] learned before the request ran, for its bookkeeping after.
struct Bound {
    user_id: u64,
    session: Option<String>,
    /// The owner record as read, when it is due for renewal: renewing with a compare-and-swap on it
    /// can never recreate a record deleted meanwhile.
    owner_raw: Option<Vec<u8>>,
    now: u64,
}

impl SessionGuard {
    /// A request without a session may open one: within the in-memory and per-user caps.
    async fn admit_new(&self, user_id: u64) -> Result<(), Response> {
        if let Some(refusal) = self.refuse_in_memory().await {
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
    /// A session ended elsewhere (or idle too long) ends here too; one this instance does not hold
    /// must fit in memory to be restored.
    async fn check_owner(&self, id: &str, user_id: u64, now: u64) -> Result<Option<Vec<u8>>, Response> {
        let slack = renewal_slack(self.state.config.session_idle);
        let owner_raw = match self.state.records.get_raw::<SessionOwner>(id).await {
            Ok(Some((owner, raw))) if owner.user_id == user_id => {
                // Renewed recently: no write this time.
                (now >= owner.renewed_at.saturating_add(slack)).then_some(raw)
            }
            Ok(Some(_)) => return Err(not_found()),
            Ok(None) => {
                if let Err(e) = self.end(id).await {
                    tracing::error!(error = %e, "storage failure ending a session");
                }
                return Err(not_found());
            }
            Err(e) => {
                tracing::error!(error = %e, "storage failure reading a session owner");
                return Err(unavailable());
            }
        };
        if !self.manager.sessions.read().await.contains_key(id)
            && let Some(refusal) = self.refuse_in_memory().await
        {
            return Err(refusal);
        }
        Ok(owner_raw)
    }

    /// After the request: a session it opened belongs to its user (within the cap), a session it
    /// ended is forgotten, and one it used has its idle timer renewed.
    /// (`status` and `created`: the response's status and the session id it carries, if any.)
    async fn record(
        &self,
        bound: &Bound,
        is_delete: bool,
        status: StatusCode,
        created: Option<&str>,
        client: &str,
    ) -> Result<(), Response> {
        let state = &self.state;
        let idle = Some(session_ttl(state.config.session_idle));
        let Bound { user_id, session, owner_raw, now } = bound;
        let owner = SessionOwner { user_id: *user_id, renewed_at: *now };
        let result = match (session, created) {
            (None, Some(created)) => {
                tracing::debug!(client = %client, "MCP session opened");
                match self.claim(*user_id, created, &owner, idle).await {
                    Ok(true) => Ok(()),
                    Ok(false) => return Err(too_many_for_user()),
                    Err(e) => Err(e),
                }
            }
            (Some(id), _) if is_delete && status.is_success() => {
                state.records.delete::<SessionOwner>(id).await.map(|_| ())
            }
            (Some(id), _) if status.is_success() => match owner_raw {
                // Renew only if the record is still the one read, and the stored state with it.
                Some(raw) => match state.records.swap(id, raw, &owner, idle).await {
                    Ok(true) => super::session_store::renew(&state.records, id, idle).await,
                    Ok(false) => Ok(()),
                    Err(e) => Err(e),
                },
                None => Ok(()),
            },
            _ => Ok(()),
        };
        result.map_err(|e| {
            tracing::error!(error = %e, "storage failure recording a session owner");
            unavailable()
        })
    }
}

pub async fn bind_to_user(State(guard): State<Arc<SessionGuard>>, req: Request, next: Next) -> Response {
    let Some(user_id) = req.extensions().get::<Principal>().map(|p| p.user.id) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let inspected = req.extensions().get::<Inspected>().cloned();
    if inspected.as_ref().is_some_and(|i| i.stateless) {
        // 2026-07-28: no session to bind, count or renew.
        return next.run(req).await;
    }
    let now = guard.state.now();
    let session = req.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let is_delete = req.method() == Method::DELETE;
    let checked = match &session {
        None if req.method() == Method::POST => guard.admit_new(user_id).await.map(|()| None),
        None => Ok(None),
        Some(id) => guard.check_owner(id, user_id, now).await,
    };
    let owner_raw = match checked {
        Ok(raw) => raw,
        Err(refusal) => return refusal,
    };
    let bound = Bound { user_id, session, owner_raw, now };
    let mut resp = next.run(req).await;
    // rmcp answers a successful DELETE with 202; the Python and TypeScript SDKs expect 200 (or 204)
    // and log a failed termination otherwise.
    if is_delete && resp.status() == StatusCode::ACCEPTED {
        *resp.status_mut() = StatusCode::OK;
    }
    let created = resp.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let client = client_of(inspected.as_ref());
    match guard.record(&bound, is_delete, resp.status(), created.as_deref(), &client).await {
        Ok(()) => resp,
        Err(refusal) => refusal,
    }
}
