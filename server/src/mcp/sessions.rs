//! Binds MCP sessions to users. rmcp keys transports by `Mcp-Session-Id` but does not know who owns
//! them: this middleware records the user who initialized a session and answers 404 (as for an
//! unknown session) when another user's token presents that id. The id is never authentication.

use std::time::Duration;

use axum::{
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
/// How long an ownership record outlives the last request that used it.
const OWNER_TTL: Duration = Duration::from_secs(24 * 3600);

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not Found: Session not found").into_response()
}

pub async fn bind_to_user(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(user_id) = req.extensions().get::<Principal>().map(|p| p.user.id) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let session = req.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let is_delete = req.method() == Method::DELETE;
    if let Some(id) = &session {
        match state.records.get::<SessionOwner>(Namespace::McpSession, id).await {
            Ok(Some(owner)) if owner.user_id == user_id => {}
            Ok(_) => return not_found(),
            Err(e) => {
                tracing::error!(error = %e, "storage failure reading a session owner");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
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
            state.records.put(Namespace::McpSession, created, &SessionOwner { user_id }, Some(OWNER_TTL)).await
        }
        (Some(id), _) if is_delete && resp.status().is_success() => {
            state.records.delete(Namespace::McpSession, id).await.map(|_| ())
        }
        (Some(id), _) if resp.status().is_success() => {
            state.records.put(Namespace::McpSession, id, &SessionOwner { user_id }, Some(OWNER_TTL)).await
        }
        _ => Ok(()),
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "storage failure recording a session owner");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    resp
}
