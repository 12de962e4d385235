//! MCP sessions that survive restarts and move between instances: rmcp's `SessionStore` backed by
//! the gateway's [`Store`](crate::store::Store). rmcp saves the client's `initialize` parameters
//! here; an instance that does not know a session id replays `initialize` from them and serves it.
//! Who may use a session is still checked by [`super::sessions`] (the id is never authentication).

use std::time::Duration;

use async_trait::async_trait;
use rmcp::transport::streamable_http_server::session::store::{SessionState, SessionStore, SessionStoreError};

use crate::store::{Records, StoreError};

/// The stored `initialize` params of a session. They expire with the session's owner record (its
/// idle expiry) and are renewed with it (`sessions::bind_to_user`).
pub struct SharedSessions {
    pub records: Records,
    /// The session records' TTL (`sessions::session_ttl`).
    pub ttl: Duration,
}

/// Renews a session's stored state for another `ttl`, if it is still stored.
pub async fn renew(records: &Records, session_id: &str, ttl: Option<Duration>) -> Result<(), StoreError> {
    if let Some(state) = records.get::<SessionState>(session_id).await? {
        records.put(session_id, &state, ttl).await?;
    }
    Ok(())
}

#[async_trait]
impl SessionStore for SharedSessions {
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        Ok(self.records.get(session_id).await?)
    }

    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        Ok(self.records.put(session_id, state, Some(self.ttl)).await?)
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        self.records
            .delete::<rmcp::transport::streamable_http_server::session::store::SessionState>(session_id)
            .await?;
        Ok(())
    }
}
