//! The embedded durable backend (`sqlite://PATH`, the default `sqlite://./data/gateway.db`): one
//! SQLite file in WAL mode with `synchronous=FULL`, so a write has reached the disk before the
//! response that depends on it (a code, a token) is sent, and everything survives a crash or restart.
//!
//! Atomicity: every operation is one SQL statement (or one transaction) on a single connection, and
//! `take` / `compare_and_swap` / `put_new` are conditional statements (`DELETE … RETURNING`,
//! `UPDATE … WHERE value = ?`, `INSERT OR IGNORE`). Expired rows are invisible at once and deleted by
//! a background sweep.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Namespace, Store, StoreError, Swap, Ttl};
use crate::clock::{Clock, UnixSecs};

pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    clock: Arc<dyn Clock>,
    path: PathBuf,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("sqlite: {e}"))
}

impl SqliteStore {
    /// Opens (creating the file and its folder if needed) the database at `path`.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Arc<Self>, StoreError> {
        if path.as_os_str() == ":memory:" || path.to_string_lossy().starts_with("file::memory:") {
            return Err(unavailable("an in-memory SQLite database is not durable; use memory:// or a file path"));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| unavailable(format!("cannot create {}: {e}", dir.display())))?;
            restrict(dir, 0o700);
        }
        let conn = Connection::open(path).map_err(|e| unavailable(format!("cannot open {}: {e}", path.display())))?;
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true) {
            return Err(unavailable(format!("{} is read-only; the gateway must be able to write it", path.display())));
        }
        conn.busy_timeout(Duration::from_secs(5)).map_err(unavailable)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS kv (
                 ns TEXT NOT NULL,
                 key TEXT NOT NULL,
                 value BLOB NOT NULL,
                 expires_at INTEGER,
                 PRIMARY KEY (ns, key)
             ) WITHOUT ROWID;
             CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;",
        )
        .map_err(|e| unavailable(format!("cannot initialize {}: {e}", path.display())))?;
        // The file holds the stored server key: readable by this user only.
        for suffix in ["", "-wal", "-shm"] {
            restrict(Path::new(&format!("{}{suffix}", path.display())), 0o600);
        }
        Ok(Arc::new(Self { conn: Arc::new(Mutex::new(conn)), clock, path: path.to_owned() }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the connection in the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection, UnixSecs) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        let now = self.clock.now();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| unavailable("connection lock poisoned"))?;
            f(&mut guard, now).map_err(unavailable)
        })
        .await
        .map_err(unavailable)?
    }

    /// Same rounding as the memory backend: at least `ttl` of life on a whole-second clock.
    fn expiry(now: UnixSecs, ttl: Ttl) -> Option<i64> {
        ttl.map(|t| i64::try_from(now.saturating_add(t.as_secs().max(1)).saturating_add(1)).unwrap_or(i64::MAX))
    }

    /// Deletes expired rows in batches, releasing the connection between them so requests are
    /// never queued behind a long sweep; returns how many.
    pub async fn sweep(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let n = self
                .with(|c, now| {
                    c.execute(
                        "DELETE FROM kv WHERE (ns, key) IN (SELECT ns, key FROM kv WHERE expires_at <= ?1 LIMIT 500)",
                        params![now as i64],
                    )
                })
                .await?;
            total += n;
            if n < 500 {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }

    /// Sweeps every `every` until the store is dropped.
    pub fn spawn_sweeper(self: &Arc<Self>, every: Duration) {
        super::spawn_sweeper(self, every, |store| async move { store.sweep().await });
    }
}

/// Sets Unix permissions where supported (best effort: the file may not exist yet).
fn restrict(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// The condition of a live row, with the time as `?3`: spelled out in each statement, so every
/// statement is one constant text, prepared once per connection (`prepare_cached`).
macro_rules! live {
    () => {
        "(expires_at IS NULL OR expires_at > ?3)"
    };
}

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = key.to_owned();
        self.with(move |c, now| {
            c.prepare_cached(concat!("SELECT value FROM kv WHERE ns = ?1 AND key = ?2 AND ", live!()))?
                .query_row(params![ns.as_str(), key, now as i64], |r| r.get(0))
                .optional()
        })
        .await
    }

    async fn put(&self, ns: Namespace, key: &str, value: Vec<u8>, ttl: Ttl) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.with(move |c, now| {
            c.prepare_cached("INSERT OR REPLACE INTO kv (ns, key, value, expires_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![ns.as_str(), key, value, Self::expiry(now, ttl)])
                .map(|_| ())
        })
        .await
    }

    async fn put_new(&self, ns: Namespace, key: &str, value: Vec<u8>, ttl: Ttl) -> Result<bool, StoreError> {
        let key = key.to_owned();
        self.with(move |c, now| {
            let tx = c.transaction()?;
            tx.prepare_cached("DELETE FROM kv WHERE ns = ?1 AND key = ?2 AND expires_at <= ?3")?.execute(params![
                ns.as_str(),
                key,
                now as i64
            ])?;
            let inserted = tx
                .prepare_cached("INSERT OR IGNORE INTO kv (ns, key, value, expires_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![ns.as_str(), key, value, Self::expiry(now, ttl)])?;
            tx.commit()?;
            Ok(inserted == 1)
        })
        .await
    }

    async fn take(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = key.to_owned();
        self.with(move |c, now| {
            let row: Option<(Vec<u8>, Option<i64>)> = c
                .prepare_cached("DELETE FROM kv WHERE ns = ?1 AND key = ?2 RETURNING value, expires_at")?
                .query_row(params![ns.as_str(), key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            Ok(row.filter(|(_, exp)| exp.is_none_or(|e| e > now as i64)).map(|(v, _)| v))
        })
        .await
    }

    async fn compare_and_swap(&self, ns: Namespace, key: &str, swap: Swap<'_>) -> Result<bool, StoreError> {
        let Swap { expected, new, ttl } = swap;
        let (key, expected) = (key.to_owned(), expected.to_vec());
        self.with(move |c, now| {
            let changed = c
                .prepare_cached(concat!(
                    "UPDATE kv SET value = ?4, expires_at = ?5 WHERE ns = ?1 AND key = ?2 AND ",
                    live!(),
                    " AND value = ?6"
                ))?
                .execute(params![ns.as_str(), key, now as i64, new, Self::expiry(now, ttl), expected])?;
            Ok(changed == 1)
        })
        .await
    }

    async fn delete(&self, ns: Namespace, key: &str) -> Result<bool, StoreError> {
        let key = key.to_owned();
        self.with(move |c, now| {
            let row: Option<Option<i64>> = c
                .prepare_cached("DELETE FROM kv WHERE ns = ?1 AND key = ?2 RETURNING expires_at")?
                .query_row(params![ns.as_str(), key], |r| r.get(0))
                .optional()?;
            Ok(row.is_some_and(|exp| exp.is_none_or(|e| e > now as i64)))
        })
        .await
    }

    async fn list(&self, ns: Namespace) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.with(move |c, now| {
            let mut stmt =
                c.prepare_cached(concat!("SELECT key, value FROM kv WHERE ns = ?1 AND ?2 = ?2 AND ", live!()))?;
            let rows = stmt.query_map(params![ns.as_str(), 0, now as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
        .await
    }

    async fn count(&self, ns: Namespace) -> Result<usize, StoreError> {
        self.with(move |c, now| {
            c.prepare_cached(concat!("SELECT COUNT(*) FROM kv WHERE ns = ?1 AND ?2 = ?2 AND ", live!()))?
                .query_row(params![ns.as_str(), 0, now as i64], |r| r.get::<_, i64>(0))
        })
        .await
        .map(|n| usize::try_from(n).unwrap_or(0))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.with(|c, _| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).map(|_| ())).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{ManualClock, SystemClock};

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "mgw-sqlite-{name}-{}-{}",
            std::process::id(),
            crate::crypto::random_b64(6)
        ));
        dir.join("nested").join("gateway.db")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn meets_the_store_contract() {
        let store = SqliteStore::open(&temp_path("contract"), Arc::new(SystemClock)).unwrap();
        super::super::contract::run(store, "sqlite").await;
    }

    #[tokio::test]
    async fn data_survives_reopening_and_expired_rows_are_swept() {
        let path = temp_path("reopen");
        let clock = ManualClock::default();
        {
            let store = SqliteStore::open(&path, Arc::new(clock.clone())).unwrap();
            store.put(Namespace::Client, "c", b"client".to_vec(), None).await.unwrap();
            store.put(Namespace::Code, "short", b"x".to_vec(), Some(Duration::from_secs(5))).await.unwrap();
        }
        let store = SqliteStore::open(&path, Arc::new(clock.clone())).unwrap();
        assert_eq!(store.get(Namespace::Client, "c").await.unwrap().as_deref(), Some(&b"client"[..]));
        clock.advance(10);
        assert_eq!(store.get(Namespace::Code, "short").await.unwrap(), None);
        assert_eq!(store.sweep().await.unwrap(), 1);
        let journal: String = store.with(|c, _| c.query_row("PRAGMA journal_mode", [], |r| r.get(0))).await.unwrap();
        assert_eq!(journal, "wal");
        let synchronous: i64 = store.with(|c, _| c.query_row("PRAGMA synchronous", [], |r| r.get(0))).await.unwrap();
        assert_eq!(synchronous, 2, "FULL: a commit is on disk before the response");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the database holds the server key");
        }
        // Sweeping many rows works in batches.
        for i in 0..1200 {
            store.put(Namespace::Code, &format!("k{i}"), b"x".to_vec(), Some(Duration::from_secs(1))).await.unwrap();
        }
        clock.advance(5);
        assert_eq!(store.sweep().await.unwrap(), 1200);
    }

    #[tokio::test]
    async fn an_unwritable_location_is_a_clear_error() {
        let e =
            SqliteStore::open(Path::new("/proc/mgw-cannot-exist/x/gateway.db"), Arc::new(SystemClock)).err().unwrap();
        assert!(e.to_string().contains("cannot create"), "{e}");
        let e = SqliteStore::open(Path::new(":memory:"), Arc::new(SystemClock)).err().unwrap();
        assert!(e.to_string().contains("not durable"), "{e}");
    }
}
