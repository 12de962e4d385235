//! The `memory://` backend: a dashmap per namespace, expiry checked on read and swept in the background.
//! Everything is lost when the process exits; for tests and throwaway runs.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use dashmap::{DashMap, mapref::entry::Entry};

use super::{Namespace, Store, StoreError, Swap, Ttl};
use crate::clock::{Clock, UnixSecs};

struct Item {
    value: Vec<u8>,
    expires_at: Option<UnixSecs>,
}

impl Item {
    fn live(&self, now: UnixSecs) -> bool {
        self.expires_at.is_none_or(|e| e > now)
    }
}

pub struct MemoryStore {
    map: DashMap<(Namespace, String), Item>,
    clock: Arc<dyn Clock>,
}

impl MemoryStore {
    pub fn new(clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self { map: DashMap::new(), clock })
    }

    /// The clock counts whole seconds; one more second guarantees at least `ttl` of life.
    fn expiry(&self, ttl: Ttl) -> Option<UnixSecs> {
        ttl.map(|t| self.clock.now().saturating_add(t.as_secs().max(1)).saturating_add(1))
    }

    /// Drops expired entries; returns how many.
    pub fn sweep(&self) -> usize {
        let now = self.clock.now();
        let before = self.map.len();
        self.map.retain(|_, item| item.live(now));
        before.saturating_sub(self.map.len())
    }

    /// Sweeps every `every` until the store is dropped.
    pub fn spawn_sweeper(self: &Arc<Self>, every: Duration) {
        super::spawn_sweeper(self, every, |store| async move { Ok(store.sweep()) });
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn get(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = self.clock.now();
        Ok(self.map.get(&(ns, key.to_owned())).filter(|i| i.live(now)).map(|i| i.value.clone()))
    }

    async fn put(&self, ns: Namespace, key: &str, value: Vec<u8>, ttl: Ttl) -> Result<(), StoreError> {
        self.map.insert((ns, key.to_owned()), Item { value, expires_at: self.expiry(ttl) });
        Ok(())
    }

    async fn put_new(&self, ns: Namespace, key: &str, value: Vec<u8>, ttl: Ttl) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let item = Item { value, expires_at: self.expiry(ttl) };
        match self.map.entry((ns, key.to_owned())) {
            Entry::Occupied(mut e) if !e.get().live(now) => {
                e.insert(item);
                Ok(true)
            }
            Entry::Occupied(_) => Ok(false),
            Entry::Vacant(e) => {
                e.insert(item);
                Ok(true)
            }
        }
    }

    async fn take(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = self.clock.now();
        Ok(self.map.remove(&(ns, key.to_owned())).map(|(_, i)| i).filter(|i| i.live(now)).map(|i| i.value))
    }

    async fn compare_and_swap(&self, ns: Namespace, key: &str, swap: Swap<'_>) -> Result<bool, StoreError> {
        let Swap { expected, new, ttl } = swap;
        let now = self.clock.now();
        match self.map.entry((ns, key.to_owned())) {
            Entry::Occupied(mut e) if e.get().live(now) && e.get().value == expected => {
                e.insert(Item { value: new, expires_at: self.expiry(ttl) });
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete(&self, ns: Namespace, key: &str) -> Result<bool, StoreError> {
        let now = self.clock.now();
        Ok(self.map.remove(&(ns, key.to_owned())).is_some_and(|(_, i)| i.live(now)))
    }

    async fn list(&self, ns: Namespace) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let now = self.clock.now();
        Ok(self
            .map
            .iter()
            .filter(|e| e.key().0 == ns && e.value().live(now))
            .map(|e| (e.key().1.clone(), e.value().value.clone()))
            .collect())
    }

    async fn count(&self, ns: Namespace) -> Result<usize, StoreError> {
        let now = self.clock.now();
        Ok(self.map.iter().filter(|e| e.key().0 == ns && e.value().live(now)).count())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn store() -> (Arc<MemoryStore>, ManualClock) {
        let clock = ManualClock::default();
        (MemoryStore::new(Arc::new(clock.clone())), clock)
    }

    const NS: Namespace = Namespace::Code;

    #[tokio::test]
    async fn values_expire_and_are_swept() {
        let (s, clock) = store();
        s.put(NS, "k", b"v".to_vec(), Some(Duration::from_secs(10))).await.unwrap();
        s.put(NS, "forever", b"v".to_vec(), None).await.unwrap();
        clock.advance(10);
        assert_eq!(s.get(NS, "k").await.unwrap().as_deref(), Some(&b"v"[..]), "lives at least its TTL");
        assert!(s.get(Namespace::Grant, "k").await.unwrap().is_none(), "namespaces are separate");
        clock.advance(1);
        assert!(s.get(NS, "k").await.unwrap().is_none());
        assert!(!s.delete(NS, "k").await.unwrap());
        s.put(NS, "k2", b"v".to_vec(), Some(Duration::from_secs(1))).await.unwrap();
        clock.advance(2);
        assert_eq!(s.sweep(), 1);
        assert_eq!(s.len(), 1);
        assert_eq!(s.list(NS).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn take_is_single_use_and_put_new_does_not_overwrite() {
        let (s, clock) = store();
        assert!(s.put_new(NS, "k", b"1".to_vec(), Some(Duration::from_secs(5))).await.unwrap());
        assert!(!s.put_new(NS, "k", b"2".to_vec(), None).await.unwrap());
        clock.advance(6);
        assert!(s.put_new(NS, "k", b"3".to_vec(), None).await.unwrap(), "expired values can be replaced");
        assert_eq!(s.take(NS, "k").await.unwrap().as_deref(), Some(&b"3"[..]));
        assert!(s.take(NS, "k").await.unwrap().is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn meets_the_store_contract() {
        super::super::contract::run(MemoryStore::new(Arc::new(crate::clock::SystemClock)), "mem").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_compare_and_swap_has_one_winner() {
        let (s, _) = store();
        s.put(NS, "k", b"unused".to_vec(), None).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..32 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.compare_and_swap(
                    NS,
                    "k",
                    Swap { expected: b"unused", new: format!("used-{i}").into_bytes(), ttl: None },
                )
                .await
                .unwrap()
            }));
        }
        let mut wins = 0;
        for t in tasks {
            wins += usize::from(t.await.unwrap());
        }
        assert_eq!(wins, 1);
        assert!(
            !s.compare_and_swap(NS, "missing", Swap { expected: b"x", new: b"y".to_vec(), ttl: None }).await.unwrap()
        );
    }
}
