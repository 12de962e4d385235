//! [`Emulator`], the handle tests hold: addresses, switches that change how
//! GitHub behaves, fault injection, recorded requests, and shutdown.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::{Fault, User};
use crate::records::{ApiRecord, AuthorizeRecord, McpRecord, TokenRecord};
use crate::state::Shared;

/// A running emulator. Clones share the same server; it stops gracefully
/// when [`Emulator::shutdown`] is called or the last clone is dropped.
#[derive(Debug, Clone)]
pub struct Emulator {
    shared: Arc<Shared>,
    task: Arc<ServerTask>,
}

/// The background server task and the switch that stops it.
#[derive(Debug)]
pub(crate) struct ServerTask {
    addr: SocketAddr,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    join: Mutex<Option<JoinHandle<()>>>,
}

impl ServerTask {
    pub(crate) fn new(addr: SocketAddr, stop: oneshot::Sender<()>, join: JoinHandle<()>) -> Self {
        Self { addr, stop: Mutex::new(Some(stop)), join: Mutex::new(Some(join)) }
    }
}

impl Emulator {
    pub(crate) fn new(shared: Arc<Shared>, task: ServerTask) -> Self {
        Self { shared, task: Arc::new(task) }
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.task.addr
    }

    /// The web/OAuth root, like `https://github.com`: `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The REST API root: [`Self::base_url`] + the API prefix.
    pub fn api_url(&self) -> String {
        self.shared.api_url.clone()
    }

    /// The OAuth client id the emulator accepts.
    pub fn client_id(&self) -> String {
        self.shared.client_id.clone()
    }

    /// The OAuth client secret the emulator accepts.
    pub fn client_secret(&self) -> String {
        self.shared.client_secret.clone()
    }

    /// The configured users.
    pub fn users(&self) -> Vec<User> {
        self.shared.users.clone()
    }

    /// Chooses the user `/login/oauth/authorize` approves as. Returns
    /// `false` (and changes nothing) for an unknown login.
    pub fn set_login_user(&self, login: &str) -> bool {
        let Some(user) = self.shared.user(login) else {
            return false;
        };
        self.shared.lock().login_user = Some(user.login.clone());
        true
    }

    /// When on, authorize redirects back with `error=access_denied`.
    pub fn set_authorize_denied(&self, denied: bool) {
        self.shared.lock().authorize_denied = denied;
    }

    /// Revokes every access and refresh token of `login`; the API answers
    /// 401 "Bad credentials" to them from now on. Returns how many live
    /// access tokens were revoked.
    pub fn revoke_tokens_of(&self, login: &str) -> usize {
        self.shared.lock().tokens.revoke_user(login)
    }

    /// Expires every access token issued so far (refresh tokens still work).
    pub fn expire_all_access_tokens(&self) {
        self.shared.lock().tokens.expire_all();
    }

    /// When on, the refresh_token grant answers `bad_refresh_token`.
    pub fn set_refresh_refused(&self, refused: bool) {
        self.shared.lock().refresh_refused = refused;
    }

    /// Queues a fault; faults are matched in the order they were injected.
    pub fn inject_fault(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Drops every pending fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Delay added to every API response from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.lock().latency = latency;
    }

    /// Delay before `/login/oauth/access_token` answers, from now on.
    pub fn set_token_latency(&self, latency: Duration) {
        self.shared.lock().token_latency = latency;
    }

    /// Mints an access token for `login` without the web flow (for
    /// benchmarks and API-only tests). `scope` is comma-separated. `None`
    /// for an unknown login. The token counts as issued by the emulator.
    pub fn mint_access_token(&self, login: &str, scope: &str) -> Option<String> {
        let user = self.shared.user(login)?;
        let scope = crate::oauth::normalize_scope(scope);
        let issued = self.shared.lock().tokens.issue(self.shared.policy, &user.login, &scope, &self.shared.client_id);
        Some(issued.access_token)
    }

    /// Every authorize request so far (the latest 100 000 at most, as for
    /// the other record kinds).
    pub fn authorize_requests(&self) -> Vec<AuthorizeRecord> {
        self.shared.lock().records.authorize.iter().cloned().collect()
    }

    /// Every token request so far.
    pub fn token_requests(&self) -> Vec<TokenRecord> {
        self.shared.lock().records.token.iter().cloned().collect()
    }

    /// Every API request so far.
    /// Requests to the MCP endpoint (`/mcp`), in arrival order.
    pub fn mcp_requests(&self) -> Vec<McpRecord> {
        self.shared.lock().records.mcp.iter().cloned().collect()
    }

    /// The URL of the MCP endpoint, as GitHub's remote MCP server (`https://api.githubcopilot.com/mcp/`).
    pub fn mcp_url(&self) -> String {
        format!("{}/mcp/", self.base_url())
    }

    /// Delays the result inside each `tools/call` SSE stream of the MCP endpoint by `delay`.
    pub fn set_mcp_stream_delay(&self, delay: Duration) {
        self.shared.lock().mcp_stream_delay = delay;
    }

    /// The GraphQL documents received, in order (for checking them against GitHub's schema).
    pub fn graphql_documents(&self) -> Vec<String> {
        self.shared.lock().records.graphql.iter().cloned().collect()
    }

    pub fn api_requests(&self) -> Vec<ApiRecord> {
        self.shared.lock().records.api.iter().cloned().collect()
    }

    /// How many API requests carried a token the emulator never issued
    /// (counted even past the record cap).
    pub fn foreign_tokens_seen(&self) -> usize {
        self.shared.lock().records.foreign_tokens
    }

    /// Every access token issued so far, in order (refreshed ones included).
    pub fn issued_access_tokens(&self) -> Vec<String> {
        self.shared.lock().tokens.issued()
    }

    /// Forgets all recorded requests (tokens and switches stay).
    pub fn clear_records(&self) {
        self.shared.lock().records = Default::default();
    }

    /// Stops the server gracefully, waiting up to 5 seconds for open
    /// connections before aborting it. Other clones stop working too.
    pub async fn shutdown(&self) {
        let stop = self.task.stop.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        let join = self.task.join.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut join) = join
            && tokio::time::timeout(Duration::from_secs(5), &mut join).await.is_err()
        {
            join.abort();
        }
    }
}
