//! The `redis://` / `rediss://` backend: every record is one Redis string at
//! `[{prefix}:]mgw:{namespace}:{key}`, with TTLs kept by Redis itself (`PX`), so several gateway
//! instances can share one store. This module owns the key layout, the connection (a
//! [`ConnectionManager`] that reconnects by itself, with bounded connect and response timeouts),
//! and the mapping of every Redis failure to [`StoreError::Unavailable`] with credentials redacted.
//!
//! Atomicity comes from Redis running each command alone: `put_new` is `SET NX`, `take` is
//! `GETDEL`, `delete` is `DEL`, and `compare_and_swap` is one Lua script (GET, compare, SET), which
//! Redis executes without interleaving any other client's command.

use std::{collections::HashSet, future::Future, sync::Arc, time::Duration};

use ::redis::{
    Client, RedisError, Script, Value,
    aio::{ConnectionManager, ConnectionManagerConfig},
    cmd,
};
use async_trait::async_trait;

use super::{Namespace, Store, StoreError, Swap, Ttl};

/// One attempt to open a TCP (and TLS) connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// One command's round trip.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Hard bound on a whole operation, reconnection attempts included.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
const SCAN_COUNT: usize = 500;
const MGET_CHUNK: usize = 500;

/// GET, compare bytes, SET (with `PX` when ARGV[3] is not empty); 1 when swapped, 0 otherwise.
const COMPARE_AND_SWAP: &str = r"
local current = redis.call('GET', KEYS[1])
if current == false or current ~= ARGV[1] then
  return 0
end
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1
";

pub struct RedisStore {
    conn: ConnectionManager,
    /// `{prefix}:mgw:` or `mgw:`; a namespace and a key follow.
    key_prefix: String,
    cas: Script,
    /// The URL and password, removed from every error message.
    secrets: Vec<String>,
}

impl RedisStore {
    /// Connects to `url` (`redis://[:password@]host:port[/db]` or `rediss://…` for TLS).
    pub async fn connect(url: &str) -> Result<Arc<Self>, StoreError> {
        Self::connect_with_prefix(url, "").await
    }

    /// Like [`connect`](Self::connect), with every key under `{prefix}:` so that several
    /// deployments or test runs can share one Redis. An empty prefix adds nothing.
    pub async fn connect_with_prefix(url: &str, prefix: &str) -> Result<Arc<Self>, StoreError> {
        let secrets = secrets_of(url);
        let unavailable = |e: RedisError| unavailable(&e, &secrets);
        let client = Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_secs(1));
        let conn =
            match tokio::time::timeout(OPERATION_TIMEOUT, ConnectionManager::new_with_config(client, config)).await {
                Ok(conn) => conn.map_err(unavailable)?,
                Err(_) => return Err(timed_out()),
            };
        let key_prefix = if prefix.is_empty() { "mgw:".to_owned() } else { format!("{prefix}:mgw:") };
        let store = Arc::new(Self { conn, key_prefix, cas: Script::new(COMPARE_AND_SWAP), secrets });
        store.check_server().await?;
        Ok(store)
    }

    /// Refuses a Redis too old for GETDEL (6.2), and warns when a Redis restart or memory pressure
    /// would lose sign-ins: persistence off, or an eviction policy that may drop any key.
    async fn check_server(&self) -> Result<(), StoreError> {
        let info: String = self.run(|mut c| async move { redis::cmd("INFO").query_async(&mut c).await }).await?;
        let field = |name: &str| {
            info.lines().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':'))).map(str::trim)
        };
        if let Some(version) = field("redis_version") {
            let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
            let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
            if (major, minor) < (6, 2) {
                return Err(StoreError::Unavailable(format!(
                    "Redis {version} is too old; 6.2 or newer is needed (GETDEL)"
                )));
            }
        }
        if field("aof_enabled") == Some("0") {
            tracing::warn!("Redis persistence (AOF) is off: if Redis restarts, every user must sign in again");
        }
        if field("maxmemory_policy").is_some_and(|p| p.starts_with("allkeys-")) {
            tracing::warn!(
                "Redis may evict any key under memory pressure (maxmemory-policy allkeys-*): use noeviction"
            );
        }
        Ok(())
    }

    fn ns_prefix(&self, ns: Namespace) -> String {
        format!("{}{}:", self.key_prefix, ns.as_str())
    }

    fn key(&self, ns: Namespace, key: &str) -> String {
        format!("{}{key}", self.ns_prefix(ns))
    }

    /// Runs one Redis operation on a clone of the shared connection, bounded by
    /// [`OPERATION_TIMEOUT`], with its error mapped and redacted.
    async fn run<T, F, Fut>(&self, op: F) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = Result<T, RedisError>>,
    {
        match tokio::time::timeout(OPERATION_TIMEOUT, op(self.conn.clone())).await {
            Ok(result) => result.map_err(|e| unavailable(&e, &self.secrets)),
            Err(_) => Err(timed_out()),
        }
    }
}

impl RedisStore {
    /// Every key of a namespace, each once (SCAN may return a key more than once).
    async fn scan_keys(&self, ns: Namespace) -> Result<HashSet<Vec<u8>>, StoreError> {
        let pattern = format!("{}*", glob_escape(&self.ns_prefix(ns)));
        let mut keys = HashSet::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, batch): (u64, Vec<Vec<u8>>) = self
                .run(|mut c| {
                    let scan = cmd("SCAN").arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(SCAN_COUNT).clone();
                    async move { scan.query_async(&mut c).await }
                })
                .await?;
            keys.extend(batch);
            if next == 0 {
                return Ok(keys);
            }
            cursor = next;
        }
    }
}

/// Every Redis error becomes `Unavailable`, without the URL or password.
fn unavailable(e: &RedisError, secrets: &[String]) -> StoreError {
    StoreError::Unavailable(format!("Redis: {}", redact(&e.to_string(), secrets)))
}

fn timed_out() -> StoreError {
    StoreError::Unavailable(format!("Redis did not answer within {}s", OPERATION_TIMEOUT.as_secs()))
}

/// The URL and its password (raw and percent-decoded), which must never reach a log line.
fn secrets_of(url: &str) -> Vec<String> {
    let mut secrets = vec![url.to_owned()];
    if let Ok(parsed) = url::Url::parse(url)
        && let Some(password) = parsed.password()
    {
        secrets.push(password.to_owned());
        secrets.push(percent_encoding::percent_decode_str(password).decode_utf8_lossy().into_owned());
    }
    secrets.retain(|s| !s.is_empty());
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    secrets
}

fn redact(message: &str, secrets: &[String]) -> String {
    secrets.iter().fold(message.to_owned(), |m, secret| m.replace(secret.as_str(), "***"))
}

/// Milliseconds for `PX`: at least 1, and small enough for Redis to add to its clock.
fn ttl_millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).clamp(1, (i64::MAX / 4) as u64)
}

/// Escapes glob metacharacters for `SCAN MATCH`.
fn glob_escape(s: &str) -> String {
    s.chars().fold(String::with_capacity(s.len()), |mut out, c| {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

fn set_cmd(key: &str, value: &[u8], ttl: Ttl, only_new: bool) -> ::redis::Cmd {
    let mut c = cmd("SET");
    c.arg(key).arg(value);
    if only_new {
        c.arg("NX");
    }
    if let Some(ttl) = ttl {
        c.arg("PX").arg(ttl_millis(ttl));
    }
    c
}

#[async_trait]
impl Store for RedisStore {
    async fn get(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = self.key(ns, key);
        self.run(|mut c| async move { cmd("GET").arg(&key).query_async(&mut c).await }).await
    }

    async fn put(&self, ns: Namespace, key: &str, value: Vec<u8>, ttl: Ttl) -> Result<(), StoreError> {
        let set = set_cmd(&self.key(ns, key), &value, ttl, false);
        self.run(|mut c| async move { set.query_async::<()>(&mut c).await }).await
    }

    async fn put_new(&self, ns: Namespace, key: &str, value: Vec<u8>, ttl: Ttl) -> Result<bool, StoreError> {
        let set = set_cmd(&self.key(ns, key), &value, ttl, true);
        let reply: Value = self.run(|mut c| async move { set.query_async(&mut c).await }).await?;
        Ok(!matches!(reply, Value::Nil))
    }

    async fn take(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = self.key(ns, key);
        self.run(|mut c| async move { cmd("GETDEL").arg(&key).query_async(&mut c).await }).await
    }

    async fn compare_and_swap(&self, ns: Namespace, key: &str, swap: Swap<'_>) -> Result<bool, StoreError> {
        let Swap { expected, new, ttl } = swap;
        let mut invocation = self.cas.key(self.key(ns, key));
        invocation.arg(expected).arg(new).arg(ttl.map(|t| ttl_millis(t).to_string()).unwrap_or_default());
        let swapped: i64 = self.run(|mut c| async move { invocation.invoke_async(&mut c).await }).await?;
        Ok(swapped == 1)
    }

    async fn delete(&self, ns: Namespace, key: &str) -> Result<bool, StoreError> {
        let key = self.key(ns, key);
        let removed: i64 = self.run(|mut c| async move { cmd("DEL").arg(&key).query_async(&mut c).await }).await?;
        Ok(removed > 0)
    }

    async fn count(&self, ns: Namespace) -> Result<usize, StoreError> {
        Ok(self.scan_keys(ns).await?.len())
    }

    async fn list(&self, ns: Namespace) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let prefix = self.ns_prefix(ns);
        let keys = self.scan_keys(ns).await?.into_iter().filter_map(|k| String::from_utf8(k).ok());
        let keys: Vec<String> = keys.collect();
        let mut entries = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MGET_CHUNK) {
            let values: Vec<Option<Vec<u8>>> =
                self.run(|mut c| async move { cmd("MGET").arg(chunk).query_async(&mut c).await }).await?;
            // A key that expired or was deleted since the scan comes back as nil: skip it.
            for (full, value) in chunk.iter().zip(values) {
                if let (Some(value), Some(key)) = (value, full.strip_prefix(&prefix)) {
                    entries.push((key.to_owned(), value));
                }
            }
        }
        Ok(entries)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.run(|mut c| async move { cmd("PING").query_async::<()>(&mut c).await }).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deletes every key under this store's prefix (KEYS is fine on a test Redis).
    async fn purge(store: &RedisStore) {
        let mut conn = store.conn.clone();
        let pattern = format!("{}*", glob_escape(&store.key_prefix));
        let keys: Vec<Vec<u8>> = cmd("KEYS").arg(&pattern).query_async(&mut conn).await.unwrap();
        if !keys.is_empty() {
            cmd("DEL").arg(&keys).query_async::<()>(&mut conn).await.unwrap();
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn meets_the_store_contract() {
        let Ok(url) = std::env::var("REDIS_URL") else {
            assert!(std::env::var_os("CI").is_none(), "REDIS_URL must be set in CI to test the Redis store");
            println!("skipped: set REDIS_URL (e.g. redis://127.0.0.1:6379) to test the Redis store");
            return;
        };
        let prefix = format!("mgw-test-{}-{:016x}", std::process::id(), rand::random::<u64>());
        let store = RedisStore::connect_with_prefix(&url, &prefix).await.unwrap();
        // Keys of another prefix, and odd characters in keys, stay out of `list`.
        let other = RedisStore::connect_with_prefix(&url, &format!("{prefix}-other")).await.unwrap();
        other.put(Namespace::Client, "foreign", b"x".to_vec(), None).await.unwrap();
        store.put(Namespace::Client, "we*ird?[k]", b"w".to_vec(), None).await.unwrap();
        super::super::contract::run(store.clone(), "contract").await;
        let listed = store.list(Namespace::Client).await.unwrap();
        assert!(listed.contains(&("we*ird?[k]".to_owned(), b"w".to_vec())), "{listed:?}");
        assert!(listed.iter().all(|(k, _)| k != "foreign"), "{listed:?}");
        purge(&store).await;
        purge(&other).await;
        assert!(store.list(Namespace::Client).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_dead_redis_is_unavailable_quickly_and_the_password_stays_secret() {
        let started = std::time::Instant::now();
        let outcome = tokio::time::timeout(Duration::from_secs(10), async {
            let store = RedisStore::connect("redis://:hunter2@127.0.0.1:1").await?;
            store.ping().await
        })
        .await
        .expect("no answer within 10s");
        let Err(StoreError::Unavailable(message)) = outcome else { panic!("expected Unavailable, got {outcome:?}") };
        assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn secrets_are_redacted_and_globs_escaped() {
        let secrets = secrets_of("rediss://user:p%40ss@example.com:6380/0");
        let message = redact("auth failed for rediss://user:p%40ss@example.com:6380/0 with p@ss", &secrets);
        assert!(!message.contains("p@ss") && !message.contains("p%40ss"), "{message}");
        assert_eq!(glob_escape(r"a*b?c[d]\e"), r"a\*b\?c\[d\]\\e");
        assert_eq!(ttl_millis(Duration::from_micros(10)), 1);
        assert_eq!(ttl_millis(Duration::from_secs(2)), 2000);
    }
}
