//! The typed records kept in the [`Store`](super::Store) and a small façade that (de)serializes them.
//! Each record type names its one namespace ([`Record`]), so the façade can only read and write it
//! there (the key is the only thing a caller passes).
//!
//! Credentials appear here only as hashes (the keys) or sealed bytes; see `oauth::vault`.

use std::{sync::Arc, time::Duration};

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::{Namespace, Store, StoreError, Swap};
use crate::{clock::UnixSecs, crypto::Secret, scope::Scopes};

/// Serializes `Vec<u8>` as base64url text instead of a JSON array of numbers.
mod b64 {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&URL_SAFE_NO_PAD.encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        URL_SAFE_NO_PAD.decode(s).map_err(serde::de::Error::custom)
    }
}

/// How a client proves who it is at /token and /revoke (RFC 7591 `token_endpoint_auth_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    None,
    ClientSecretBasic,
    ClientSecretPost,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::None => "none",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
        }
    }
}

/// A dynamically registered client (RFC 7591).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientRecord {
    pub client_id: String,
    /// SHA-256 of the client secret (confidential clients only).
    pub client_secret_hash: Option<String>,
    pub token_endpoint_auth_method: AuthMethod,
    pub redirect_uris: Vec<String>,
    pub client_name: Option<String>,
    pub client_uri: Option<String>,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
    pub scope: Option<String>,
    pub software_id: Option<String>,
    pub software_version: Option<String>,
    pub created_at: UnixSecs,
}

/// A checked authorization request, carried through consent and the GitHub leg to the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// Whether the request named `redirect_uri` (then /token must repeat it, RFC 6749 §4.1.3).
    #[serde(default = "yes")]
    pub redirect_uri_explicit: bool,
    pub state: Option<String>,
    pub code_challenge: String,
    pub scopes: Scopes,
    pub resource: String,
}

fn yes() -> bool {
    true
}

/// The GitHub account behind a grant; keyed on the numeric id (logins can be renamed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubIdentity {
    pub id: u64,
    pub login: String,
    pub name: Option<String>,
}

/// The user's GitHub credentials. Only ever stored sealed (see `oauth::vault`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpstreamToken {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// GitHub App user tokens expire (8 h); OAuth App tokens do not.
    pub expires_at: Option<UnixSecs>,
}

/// A login in progress at GitHub, keyed by the hash of the upstream `state`. Single use, 10 minutes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Transaction {
    /// Hash of the browser-binding cookie of the browser that consented.
    pub browser: String,
    /// The gateway's own PKCE verifier for the GitHub leg.
    pub pkce_verifier: Secret,
    pub request: AuthRequest,
    pub created_at: UnixSecs,
}

/// A local authorization code, keyed by its hash. `used_by` turns it into a replay detector.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeRecord {
    pub request: AuthRequest,
    pub user: GithubIdentity,
    #[serde(with = "b64")]
    pub sealed_upstream: Vec<u8>,
    #[serde(with = "b64")]
    pub wrapped_dek: Vec<u8>,
    pub expires_at: UnixSecs,
    /// Set when redeemed: the grant it created (revoked if the code is presented again).
    pub used_by: Option<String>,
}

/// What a user allowed one client: the root every token hangs from. Deleting it revokes them all.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    pub client_id: String,
    pub user: GithubIdentity,
    pub scopes: Scopes,
    pub resource: String,
    /// The [`UpstreamToken`] sealed under the grant's data key.
    #[serde(with = "b64")]
    pub sealed_upstream: Vec<u8>,
    pub created_at: UnixSecs,
    /// When the allowlist last admitted this user (re-checked on refresh, see `oauth::allowlist`).
    #[serde(default)]
    pub allowed_at: UnixSecs,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessTokenRecord {
    pub grant_id: String,
    pub client_id: String,
    pub scopes: Scopes,
    pub resource: String,
    pub expires_at: UnixSecs,
    /// The grant's data key, sealed under a key derived from this token.
    #[serde(with = "b64")]
    pub wrapped_dek: Vec<u8>,
}

/// The state of a refresh token after it was used once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rotation {
    pub at: UnixSecs,
    /// When, in milliseconds (0 in records written before it existed: then `at` × 1000).
    #[serde(default)]
    pub at_ms: u64,
    /// The token response it produced, sealed under a key derived from the old token, so parallel
    /// refreshes inside the grace window get the same answer without the server keeping it readable.
    #[serde(with = "b64")]
    pub successor: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshTokenRecord {
    pub grant_id: String,
    pub client_id: String,
    pub scopes: Scopes,
    pub resource: String,
    pub expires_at: UnixSecs,
    #[serde(with = "b64")]
    pub wrapped_dek: Vec<u8>,
    pub rotated: Option<Rotation>,
}

/// Who initialized an MCP session: only that user may use it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionOwner {
    pub user_id: u64,
    /// When the idle timer was last renewed (older records: 0, renewed at their next use).
    #[serde(default)]
    pub renewed_at: UnixSecs,
}

/// The MCP sessions a user opened, so `MAX_SESSIONS_PER_USER` holds across instances. Ids whose
/// owner record is gone (ended, expired) are pruned whenever a session is added.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserSessions {
    pub ids: Vec<String>,
}

/// Typed access to the store. Cheap to clone.
#[derive(Clone)]
pub struct Records {
    store: Arc<dyn Store>,
    lifetimes: Lifetimes,
}

/// The lifetimes the operator configures, which [`Lifetime::Setting`] reads (from `Config`, once).
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub access_token: Duration,
    pub refresh_token: Duration,
    pub auth_code: Duration,
    pub client: Duration,
    /// A session's idle expiry: `SESSION_IDLE_SECS` plus the renewal slack (`mcp::sessions`).
    pub session: Duration,
}

impl Lifetimes {
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            access_token: config.access_token_ttl,
            refresh_token: config.refresh_token_ttl,
            auth_code: config.auth_code_ttl,
            client: config.client_ttl,
            session: session_ttl(config.session_idle),
        }
    }
}

/// How long after a renewal a session's idle timer is renewed again (seconds): an eighth of `idle`.
pub fn renewal_slack(idle: Duration) -> u64 {
    idle.as_secs() / 8
}

/// The TTL of a session's records: the idle time plus the renewal slack, so a session renewed once
/// per eighth never ends before it has been idle for `idle`.
pub fn session_ttl(idle: Duration) -> Duration {
    idle + Duration::from_secs(renewal_slack(idle))
}

/// How long a record lives from its write: a fixed time, or a configured one.
#[derive(Clone, Copy)]
pub enum Lifetime {
    Fixed(Duration),
    Setting(fn(&Lifetimes) -> Duration),
}

/// A login transaction at GitHub: 10 minutes to come back from GitHub's pages.
pub const TRANSACTION_TTL: Duration = Duration::from_secs(600);
/// A refresh lease: the longest one instance may hold a grant's GitHub refresh.
pub const REFRESH_LEASE_TTL: Duration = Duration::from_secs(10);
/// A user's session index outlives its last change by this; stale ids in it are pruned when full.
pub const USER_SESSIONS_TTL: Duration = Duration::from_secs(8 * 86_400);

fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode<T: DeserializeOwned>(ns: Namespace, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("{}: {e}", ns.as_str())))
}

/// A record type, the one namespace it lives in, and how long it lives: [`Records`] reads and writes
/// each type only there, so no call can put a `Grant` among the codes or read a session as a client,
/// and a write gets the type's TTL unless it names another ([`Records::put_for`], [`Records::swap_for`]).
pub trait Record: Serialize + DeserializeOwned {
    const NAMESPACE: Namespace;
    const LIFETIME: Lifetime;
    /// Whether a change to a record of this type moves the [bearer epoch](Records::bearer_epoch):
    /// the grants and access tokens, what a verified bearer token stands on.
    const IN_BEARER_EPOCH: bool = matches!(Self::NAMESPACE, Namespace::Grant | Namespace::AccessToken);
}

/// The key, in [`Namespace::Meta`], of the [bearer epoch](Records::bearer_epoch).
const BEARER_EPOCH: &str = "bearer-epoch";

macro_rules! records_in {
    ($($ty:ty => $ns:ident, $life:expr;)*) => {
        $(impl Record for $ty {
            const NAMESPACE: Namespace = Namespace::$ns;
            const LIFETIME: Lifetime = $life;
        })*
    };
}

records_in! {
    ClientRecord => Client, Lifetime::Setting(|l| l.client);
    Transaction => Transaction, Lifetime::Fixed(TRANSACTION_TTL);
    CodeRecord => Code, Lifetime::Setting(|l| l.auth_code);
    // A grant lives as long as its newest refresh token.
    Grant => Grant, Lifetime::Setting(|l| l.refresh_token);
    AccessTokenRecord => AccessToken, Lifetime::Setting(|l| l.access_token);
    RefreshTokenRecord => RefreshToken, Lifetime::Setting(|l| l.refresh_token);
    SessionOwner => McpSession, Lifetime::Setting(|l| l.session);
    UserSessions => UserSessions, Lifetime::Fixed(USER_SESSIONS_TTL);
    RefreshLease => RefreshLease, Lifetime::Fixed(REFRESH_LEASE_TTL);
}

/// Who is refreshing a grant's GitHub token right now (see `oauth::bearer`): when the lease began.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshLease {
    pub since: UnixSecs,
}

impl Records {
    pub fn new(store: Arc<dyn Store>, lifetimes: Lifetimes) -> Self {
        Self { store, lifetimes }
    }

    /// The TTL a `T` gets when written.
    pub fn ttl<T: Record>(&self) -> Duration {
        match T::LIFETIME {
            Lifetime::Fixed(d) => d,
            Lifetime::Setting(of) => of(&self.lifetimes),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub async fn get<T: Record>(&self, key: &str) -> Result<Option<T>, StoreError> {
        Ok(self.get_raw(key).await?.map(|(v, _)| v))
    }

    /// A value that changes, in the shared storage, whenever a grant or an access token may have
    /// changed or gone: every write of one through these records but the two that cannot change
    /// what a token was verified against (creating one, [`Records::put_new`]; lengthening its life,
    /// [`Records::extend`]). Expiry is not a change: whoever relies on the epoch checks the times it
    /// read. `None` until the first change. A reader that reads the epoch before the records, and
    /// finds it unchanged later, knows those records are as it read them then.
    pub async fn bearer_epoch(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.get(Namespace::Meta, BEARER_EPOCH).await
    }

    /// Moves the bearer epoch after a change to a `T` (a no-op for the other types). A fresh random
    /// value rather than a counter: writers never coordinate, and no value comes back.
    async fn changed<T: Record>(&self) -> Result<(), StoreError> {
        if !T::IN_BEARER_EPOCH {
            return Ok(());
        }
        let mut epoch = vec![0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut epoch);
        self.store.put(Namespace::Meta, BEARER_EPOCH, epoch, None).await
    }

    /// The record and its exact bytes, for a later [`Records::swap`].
    pub async fn get_raw<T: Record>(&self, key: &str) -> Result<Option<(T, Vec<u8>)>, StoreError> {
        match self.store.get(T::NAMESPACE, key).await? {
            Some(bytes) => Ok(Some((decode(T::NAMESPACE, &bytes)?, bytes))),
            None => Ok(None),
        }
    }

    /// Writes `value` for its type's lifetime.
    pub async fn put<T: Record>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        self.put_for(key, value, Some(self.ttl::<T>())).await
    }

    /// Writes `value` for `ttl` (`None`: until deleted), where a write must not get the full lifetime.
    pub async fn put_for<T: Record>(&self, key: &str, value: &T, ttl: Option<Duration>) -> Result<(), StoreError> {
        self.store.put(T::NAMESPACE, key, encode(value)?, ttl).await?;
        self.changed::<T>().await
    }

    /// Writes `value` for its type's lifetime unless `key` exists; `false` when it did. Creating a
    /// record leaves the bearer epoch alone: nothing was verified against it yet.
    pub async fn put_new<T: Record>(&self, key: &str, value: &T) -> Result<bool, StoreError> {
        self.store.put_new(T::NAMESPACE, key, encode(value)?, Some(self.ttl::<T>())).await
    }

    pub async fn take<T: Record>(&self, key: &str) -> Result<Option<T>, StoreError> {
        match self.store.take(T::NAMESPACE, key).await? {
            Some(bytes) => {
                self.changed::<T>().await?;
                Ok(Some(decode(T::NAMESPACE, &bytes)?))
            }
            None => Ok(None),
        }
    }

    /// Replaces the record, for its type's lifetime, only if it still has the bytes read by
    /// [`Records::get_raw`].
    pub async fn swap<T: Record>(&self, key: &str, expected: &[u8], new: &T) -> Result<bool, StoreError> {
        self.swap_for(key, expected, new, Some(self.ttl::<T>())).await
    }

    /// [`Records::swap`] for `ttl` (a record that keeps what is left of its life, for example).
    pub async fn swap_for<T: Record>(
        &self,
        key: &str,
        expected: &[u8],
        new: &T,
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        let swapped = self.store.compare_and_swap(T::NAMESPACE, key, Swap { expected, new: encode(new)?, ttl }).await?;
        if swapped {
            self.changed::<T>().await?;
        }
        Ok(swapped)
    }

    /// Gives the `T` under `key` its type's full lifetime again without ever recreating it: one
    /// deleted (revoked) meanwhile stays deleted, and a concurrent update is never overwritten with
    /// older data. `false` when the record no longer exists. The bearer epoch stays: the record's
    /// bytes do not change, and it only lives longer.
    pub async fn extend<T: Record>(&self, key: &str) -> Result<bool, StoreError> {
        let ttl = Some(self.ttl::<T>());
        for _ in 0..3 {
            let Some(raw) = self.store.get(T::NAMESPACE, key).await? else { return Ok(false) };
            if self.store.compare_and_swap(T::NAMESPACE, key, Swap { expected: &raw, new: raw.clone(), ttl }).await? {
                return Ok(true);
            }
        }
        // Three concurrent updates in a row: the record exists and another writer just set its TTL.
        Ok(true)
    }

    /// Deletes the `T` under `key`.
    pub async fn delete<T: Record>(&self, key: &str) -> Result<bool, StoreError> {
        let deleted = self.store.delete(T::NAMESPACE, key).await?;
        if deleted {
            self.changed::<T>().await?;
        }
        Ok(deleted)
    }

    pub async fn list<T: Record>(&self) -> Result<Vec<(String, T)>, StoreError> {
        let mut out = Vec::new();
        for (k, bytes) in self.store.list(T::NAMESPACE).await? {
            out.push((k, decode(T::NAMESPACE, &bytes)?));
        }
        Ok(out)
    }
}

/// Seconds left until `expires_at`, as a TTL (at least one second).
pub fn ttl_until(expires_at: UnixSecs, now: UnixSecs) -> Duration {
    Duration::from_secs(expires_at.saturating_sub(now).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_record_type_gets_its_own_lifetime() {
        let store: Arc<dyn Store> = crate::store::memory::MemoryStore::new(Arc::new(crate::clock::SystemClock));
        let m = |s| Duration::from_secs(s);
        let lifetimes = Lifetimes {
            access_token: m(3600),
            refresh_token: m(86_400),
            auth_code: m(300),
            client: m(7),
            session: m(9),
        };
        let records = Records::new(store, lifetimes);
        assert_eq!(records.ttl::<AccessTokenRecord>(), m(3600));
        assert_eq!(records.ttl::<RefreshTokenRecord>(), m(86_400));
        assert_eq!(records.ttl::<Grant>(), m(86_400), "a grant lives as long as its newest refresh token");
        assert_eq!(records.ttl::<CodeRecord>(), m(300));
        assert_eq!(records.ttl::<ClientRecord>(), m(7));
        assert_eq!(records.ttl::<SessionOwner>(), m(9));
        assert_eq!(records.ttl::<Transaction>(), TRANSACTION_TTL);
        assert_eq!(records.ttl::<RefreshLease>(), REFRESH_LEASE_TTL);
        assert_eq!(records.ttl::<UserSessions>(), USER_SESSIONS_TTL);
        assert_eq!(session_ttl(m(800)), m(900), "idle plus an eighth");
    }

    fn grant(id: &str) -> Grant {
        Grant {
            id: id.into(),
            client_id: "c".into(),
            user: GithubIdentity { id: 1, login: "octocat".into(), name: None },
            scopes: Scopes::NONE,
            resource: "r".into(),
            sealed_upstream: b"sealed".to_vec(),
            created_at: 0,
            allowed_at: 0,
        }
    }

    #[tokio::test]
    async fn the_bearer_epoch_moves_with_every_change_to_a_grant_or_access_token_and_nothing_else() {
        let store: Arc<dyn Store> = crate::store::memory::MemoryStore::new(Arc::new(crate::clock::SystemClock));
        let m = |s| Duration::from_secs(s);
        let lifetimes =
            Lifetimes { access_token: m(60), refresh_token: m(600), auth_code: m(60), client: m(60), session: m(60) };
        let records = Records::new(store, lifetimes);
        let epoch = || async { records.bearer_epoch().await.unwrap() };
        // Creating, lengthening a life and other record types leave it.
        assert!(records.put_new("g", &grant("g")).await.unwrap());
        assert!(records.extend::<Grant>("g").await.unwrap());
        records.put("s", &SessionOwner { user_id: 1, renewed_at: 0 }).await.unwrap();
        assert!(records.delete::<SessionOwner>("s").await.unwrap());
        assert_eq!(epoch().await, None);
        // Every change moves it, to a value never seen before.
        let mut seen = vec![None];
        let mut moved = |why: &str, now: Option<Vec<u8>>| {
            assert!(!seen.contains(&now), "{why}: the epoch did not move");
            seen.push(now);
        };
        let (_, raw) = records.get_raw::<Grant>("g").await.unwrap().unwrap();
        let resealed = Grant { sealed_upstream: b"resealed".to_vec(), ..grant("g") };
        assert!(records.swap("g", &raw, &resealed).await.unwrap());
        moved("a swap", epoch().await);
        records.put("g", &grant("g")).await.unwrap();
        moved("a put", epoch().await);
        assert!(records.delete::<Grant>("g").await.unwrap());
        moved("a delete", epoch().await);
        let token = AccessTokenRecord {
            grant_id: "g".into(),
            client_id: "c".into(),
            scopes: Scopes::NONE,
            resource: "r".into(),
            expires_at: u64::MAX,
            wrapped_dek: vec![1],
        };
        assert!(records.put_new("t", &token).await.unwrap());
        assert!(records.take::<AccessTokenRecord>("t").await.unwrap().is_some());
        moved("a take", epoch().await);
        // What changed nothing moves nothing: a failed swap, a delete or take of nothing.
        let still = epoch().await;
        assert!(!records.swap("g", &raw, &grant("g")).await.unwrap());
        assert!(!records.delete::<AccessTokenRecord>("t").await.unwrap());
        assert!(records.take::<AccessTokenRecord>("t").await.unwrap().is_none());
        assert_eq!(epoch().await, still);
    }
}
