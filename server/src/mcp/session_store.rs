//! MCP sessions that survive restarts and move between instances: rmcp's `SessionStore` backed by
//! the gateway's [`Store`](crate::store::Store). rmcp saves the client's `initialize` parameters
//! here; an instance that does not know a session id replays `initialize` from them and serves it.
//! Who may use a session is still checked by [`super::sessions`] (the id is never authentication).

use std::time::Duration;

use async_trait::async_trait;
use rmcp::transport::streamable_http_server::session::store::{SessionState, SessionStore, SessionStoreError};

use crate::store::{Namespace, Records};

/// How long session state is kept; a session ends earlier when its owner record expires (idle time).
pub const SESSION_STATE_TTL: Duration = Duration::from_secs(8 * 86_400);

pub struct SharedSessions {
    pub records: Records,
}

#[async_trait]
impl SessionStore for SharedSessions {
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        Ok(self.records.get(Namespace::McpSessionState, session_id).await?)
    }

    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        Ok(self.records.put(Namespace::McpSessionState, session_id, state, Some(SESSION_STATE_TTL)).await?)
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        self.records.delete(Namespace::McpSessionState, session_id).await?;
        Ok(())
    }
}
