//! Single-flight locks keyed by a string (one GitHub token refresh per grant, one metadata fetch
//! per client URL): whoever comes second waits for the first and then sees its result.
//!
//! Each key's lock leaves the map when its last holder is gone, however that happens. A request
//! whose client disconnects is dropped mid-await, and a lock removed only after the await would be
//! left behind for every such key, so the map could grow without bound; [`Slot`] removes it in
//! `Drop` instead.

use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::{Mutex, MutexGuard};

/// The locks, one per key in use.
#[derive(Debug, Default)]
pub struct SingleFlight {
    map: DashMap<String, Arc<Mutex<()>>>,
}

/// One caller's share of a key's lock; [`Slot::lock`] waits for its turn.
pub struct Slot<'a> {
    map: &'a DashMap<String, Arc<Mutex<()>>>,
    key: String,
    lock: Option<Arc<Mutex<()>>>,
}

impl SingleFlight {
    pub fn join(&self, key: &str) -> Slot<'_> {
        let lock = self.map.entry(key.to_owned()).or_default().value().clone();
        Slot { map: &self.map, key: key.to_owned(), lock: Some(lock) }
    }

    /// Keys with a holder or a waiter.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl Slot<'_> {
    /// Waits until no other holder of this key is inside, then holds it until the guard drops.
    pub async fn lock(&self) -> MutexGuard<'_, ()> {
        match &self.lock {
            Some(lock) => lock.lock().await,
            // `lock` is only taken in `drop`, after which `self` cannot be borrowed.
            None => unreachable!("a slot's lock is held until it drops"),
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.lock = None;
        // Only the map's own reference left: nobody holds or waits. (A newcomer clones the lock
        // under the shard lock `remove_if` takes, so it is never removed under one.)
        self.map.remove_if(&self.key, |_, lock| Arc::strong_count(lock) == 1);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn callers_take_turns_and_a_cancelled_one_leaves_no_lock_behind() {
        let flights = SingleFlight::default();
        let first = flights.join("grant");
        let held = first.lock().await;
        // A second caller waits behind the first, and is cancelled (its client went away).
        let waiter = async {
            let slot = flights.join("grant");
            let _turn = slot.lock().await;
        };
        assert!(tokio::time::timeout(Duration::from_millis(50), waiter).await.is_err());
        assert_eq!(flights.len(), 1);
        drop(held);
        drop(first);
        assert!(flights.is_empty(), "a lock was left behind");
        // A holder cancelled while inside leaves nothing either.
        let inside = async {
            let slot = flights.join("other");
            let _turn = slot.lock().await;
            std::future::pending::<()>().await;
        };
        assert!(tokio::time::timeout(Duration::from_millis(20), inside).await.is_err());
        assert!(flights.is_empty());
    }
}
