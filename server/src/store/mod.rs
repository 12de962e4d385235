//! The storage seam: a namespaced key-value [`Store`] with TTLs and the two atomic operations the
//! protocol needs (`take` for single-use values, `compare_and_swap` for code consumption and refresh
//! rotation). Backends implement only these primitives; [`records`] gives them typed meaning.
//!
//! Backends: [`sqlite`] (the embedded durable default), [`redis`] (shared by many instances) and
//! [`memory`] (tests and throwaway runs). All pass the same contract test suite (`contract.rs`).

#[cfg(test)]
pub mod contract;
pub mod memory;
pub mod records;
pub mod redis;
pub mod sqlite;

use std::time::Duration;

use async_trait::async_trait;

pub use records::Records;

/// What kind of record a key names. Each namespace is a separate key space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Namespace {
    Client,
    /// Upstream (GitHub) login transactions, keyed by the hash of their `state`.
    Transaction,
    /// Local authorization codes, keyed by hash.
    Code,
    Grant,
    AccessToken,
    RefreshToken,
    /// MCP session id → the user who initialized it (the session itself: nothing else is kept).
    McpSession,
    /// GitHub user id → the MCP sessions that user opened (the per-user cap).
    UserSessions,
    /// Grant id → the instance refreshing its GitHub token now (a short lease: one refresh at a time).
    RefreshLease,
    /// Server-wide values, such as the generated key when `SECRET_KEY` is unset.
    Meta,
}

impl Namespace {
    pub fn as_str(self) -> &'static str {
        match self {
            Namespace::Client => "client",
            Namespace::Transaction => "tx",
            Namespace::Code => "code",
            Namespace::Grant => "grant",
            Namespace::AccessToken => "at",
            Namespace::RefreshToken => "rt",
            Namespace::McpSession => "session",
            Namespace::UserSessions => "user-sessions",
            Namespace::RefreshLease => "refresh-lease",
            Namespace::Meta => "meta",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend cannot be reached or failed; the request may be retried later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A stored record could not be decoded (a bug or a schema change).
    #[error("stored record is corrupt: {0}")]
    Corrupt(String),
}

/// Runs `sweep` (which removes expired entries and says how many) every `every`, until the last
/// other handle on `store` is dropped. For the backends that do not expire entries by themselves.
fn spawn_sweeper<S, F, Fut>(store: &std::sync::Arc<S>, every: Duration, sweep: F)
where
    S: Send + Sync + 'static,
    F: Fn(std::sync::Arc<S>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<usize, StoreError>> + Send,
{
    let weak = std::sync::Arc::downgrade(store);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(store) = weak.upgrade() else { break };
            match sweep(store).await {
                Ok(0) => {}
                Ok(swept) => tracing::debug!(swept, "expired entries removed"),
                Err(e) => tracing::warn!(error = %e, "sweep failed"),
            }
        }
    });
}

/// What [`Store::compare_and_swap`] replaces: the value it expects, the new one and its TTL.
#[derive(Debug, Clone)]
pub struct Swap<'a> {
    pub expected: &'a [u8],
    pub new: Vec<u8>,
    pub ttl: Ttl,
}

/// How long a stored value lives: `None` keeps it until it is deleted.
pub type Ttl = Option<Duration>;

/// A key-value store with expiry.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn get(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    async fn put(&self, ns: Namespace, key: &str, value: Vec<u8>, ttl: Ttl) -> Result<(), StoreError>;
    /// Inserts only when no live value exists; `true` when inserted.
    async fn put_new(&self, ns: Namespace, key: &str, value: Vec<u8>, ttl: Ttl) -> Result<bool, StoreError>;
    /// Atomically reads and deletes: of two concurrent takers at most one gets the value.
    async fn take(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Atomically replaces the value when it is still byte-equal to `expected`; `true` when replaced.
    async fn compare_and_swap(&self, ns: Namespace, key: &str, swap: Swap<'_>) -> Result<bool, StoreError>;
    /// `true` when a live value was deleted.
    async fn delete(&self, ns: Namespace, key: &str) -> Result<bool, StoreError>;
    /// Every live entry of a namespace (administration; not for request paths).
    async fn list(&self, ns: Namespace) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    /// How many live entries a namespace holds (for caps; may count an entry expiring right now).
    async fn count(&self, ns: Namespace) -> Result<usize, StoreError>;
    /// Cheap reachability check for readiness probes.
    async fn ping(&self) -> Result<(), StoreError>;
}
