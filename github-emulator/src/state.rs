//! State shared by the HTTP handlers and the [`crate::Emulator`] handle:
//! fixed facts (URLs, users, client credentials) and the mutable part behind
//! one mutex (tokens, switches, faults, rate-limit windows, records, and the
//! [`World`] the REST API serves).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::config::{EmulatorConfig, Fault, User};
use crate::records::Records;
use crate::tokens::{TokenPolicy, TokenStore};
use crate::world::World;

/// Everything a request handler can reach.
#[derive(Debug)]
pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT`, the web/OAuth root.
    pub base_url: String,
    /// `base_url` + API prefix.
    pub api_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub users: Vec<User>,
    pub policy: TokenPolicy,
    /// See [`EmulatorConfig::check_responses`].
    pub check_responses: bool,
    /// Signs the `?token=` of private repositories' download URLs.
    download_secret: [u8; 32],
    inner: Mutex<Inner>,
}

/// The mutable part of the state.
#[derive(Debug)]
pub(crate) struct Inner {
    /// Open MCP sessions (`Mcp-Session-Id` → the login that opened it).
    pub mcp_sessions: std::collections::HashMap<String, String>,
    /// Delay inside a `tools/call` SSE stream of the MCP endpoint (a slow upstream stream).
    pub mcp_stream_delay: Duration,
    pub login_user: Option<String>,
    pub authorize_denied: bool,
    pub refresh_refused: bool,
    pub latency: Duration,
    /// Delay before the token endpoint answers (a slow GitHub token exchange or refresh).
    pub token_latency: Duration,
    pub tokens: TokenStore,
    pub faults: Vec<Fault>,
    pub rate: HashMap<String, RateWindow>,
    pub records: Records,
    /// Repositories, issues, pull requests... as seeded and since changed.
    pub world: World,
}

/// One hour of API use by one token (or by anonymous callers).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateWindow {
    pub used: u32,
    /// Unix seconds at which the window resets.
    pub reset: u64,
}

impl Shared {
    /// The `?token=` GitHub puts on a private repository's raw download URL: it grants exactly that
    /// file at that ref, to whoever holds the URL.
    pub fn download_token(&self, full_name: &str, at: &str, path: &str) -> String {
        use sha2::{Digest as _, Sha256};
        let mut hasher = Sha256::new();
        for part in [&self.download_secret[..], full_name.as_bytes(), at.as_bytes(), path.as_bytes()] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        hasher.finalize()[..20].iter().map(|b| format!("{b:02X}")).collect()
    }

    pub fn new(config: EmulatorConfig, base_url: String, api_prefix: &str) -> Self {
        let login_user = config.users.first().map(|u| u.login.clone());
        Self {
            api_url: format!("{base_url}{api_prefix}"),
            base_url,
            client_id: config.client_id,
            client_secret: config.client_secret,
            policy: TokenPolicy { expiring: config.expiring_tokens, lifetime: config.token_lifetime },
            users: config.users,
            check_responses: config.check_responses,
            download_secret: rand::random(),
            inner: Mutex::new(Inner {
                mcp_sessions: Default::default(),
                mcp_stream_delay: Duration::ZERO,
                login_user,
                authorize_denied: false,
                refresh_refused: false,
                latency: config.latency,
                token_latency: Duration::ZERO,
                tokens: TokenStore::default(),
                faults: Vec::new(),
                rate: HashMap::new(),
                records: Records::default(),
                world: World::seeded(),
            }),
        }
    }

    /// Locks the mutable state; a panic elsewhere never wedges the emulator.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The configured users.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.iter()
    }

    /// Finds a user by login, case-insensitively.
    pub fn user(&self, login: &str) -> Option<&User> {
        self.users.iter().find(|u| u.login.eq_ignore_ascii_case(login))
    }
}
