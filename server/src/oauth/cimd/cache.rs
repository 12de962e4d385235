//! The in-memory cache of resolved client metadata documents, keyed by client_id URL.
//!
//! Policy (draft-ietf-oauth-client-id-metadata-document §4.4 lets the server bound what HTTP caching
//! asks for):
//! - `Cache-Control: max-age=N` is honoured within [`MIN_TTL`]..=[`MAX_TTL`] (1 minute to 1 day);
//! - without `max-age`, a document is kept [`DEFAULT_TTL`] (5 minutes);
//! - `no-store` and `no-cache` still keep it the minimum, [`MIN_TTL`]: one sign-in reads the document
//!   three times (authorize, consent, token), and refetching each time would let anyone turn the
//!   gateway into a request amplifier;
//! - a failure (unreachable, refused, invalid) is remembered for [`FAILURE_TTL`] (10 seconds) and
//!   answered again without a fetch, so a client retrying in a loop costs one fetch per 10 seconds.
//!   No failed or invalid document is ever used as a client;
//! - at most [`MAX_ENTRIES`] URLs and about [`MAX_BYTES`] of memory: when full, expired entries go
//!   first, then the ones expiring soonest. The byte bound matters because an entry can weigh several
//!   times its 5 KB document (hundreds of short `redirect_uris`, each its own allocation), and anyone
//!   can publish thousands of distinct valid documents (one host, many paths or queries).
//!
//! The cache lives in each process rather than in the `Store`: documents are public and cheap to
//! fetch again, a memory hit costs no storage round trip on every /authorize and /token, and an
//! instance that restarts simply fetches again. Time comes from the injected clock.

use std::sync::atomic::{AtomicUsize, Ordering};

use dashmap::DashMap;

use super::CimdError;
use crate::{clock::UnixSecs, store::records::ClientRecord};

pub const MIN_TTL: u64 = 60;
pub const MAX_TTL: u64 = 86_400;
pub const DEFAULT_TTL: u64 = 300;
pub const FAILURE_TTL: u64 = 10;
pub const MAX_ENTRIES: usize = 10_000;
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// How long a document served with this `Cache-Control` header is kept, in seconds.
pub fn ttl(cache_control: Option<&str>) -> u64 {
    let Some(header) = cache_control else { return DEFAULT_TTL };
    let mut max_age = None;
    for directive in header.split(',') {
        let directive = directive.trim().to_ascii_lowercase();
        let (name, value) = match directive.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (directive.as_str(), None),
        };
        match (name, value) {
            ("no-store" | "no-cache", _) => return MIN_TTL,
            ("max-age", Some(v)) => max_age = v.parse::<u64>().ok().or(max_age),
            _ => {}
        }
    }
    max_age.map_or(DEFAULT_TTL, |secs| secs.clamp(MIN_TTL, MAX_TTL))
}

type Outcome = Result<ClientRecord, CimdError>;

struct Entry {
    outcome: Outcome,
    expires_at: UnixSecs,
    /// [`weight`] of this entry, counted in [`Cache::bytes`] while it is in the map.
    weight: usize,
}

/// Roughly the memory an entry holds: the entry and its key, and every string of the record, each
/// with its header and allocation overhead.
fn weight(url: &str, outcome: &Outcome) -> usize {
    const STRING: usize = 48;
    let strings = match outcome {
        Ok(c) => [&c.client_id]
            .into_iter()
            .chain(&c.redirect_uris)
            .chain(&c.grant_types)
            .chain(&c.response_types)
            .chain(
                [&c.client_secret_hash, &c.client_name, &c.client_uri, &c.scope, &c.software_id, &c.software_version]
                    .into_iter()
                    .flatten(),
            )
            .map(|s| s.len() + STRING)
            .sum(),
        Err(e) => e.to_string().len() + STRING,
    };
    std::mem::size_of::<(String, Entry)>() + url.len() + strings
}

pub struct Cache {
    entries: DashMap<String, Entry>,
    max_entries: usize,
    max_bytes: usize,
    /// The sum of the entries' weights.
    bytes: AtomicUsize,
}

impl Cache {
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self { entries: DashMap::new(), max_entries: max_entries.max(1), max_bytes, bytes: AtomicUsize::new(0) }
    }

    fn forget(&self, entry: &Entry) {
        self.bytes.fetch_sub(entry.weight, Ordering::Relaxed);
    }

    /// The remembered outcome for `url`, while it is fresh.
    pub fn get(&self, url: &str, now: UnixSecs) -> Option<Outcome> {
        let fresh = self.entries.get(url).and_then(|e| (now < e.expires_at).then(|| e.outcome.clone()));
        if fresh.is_none()
            && let Some((_, gone)) = self.entries.remove_if(url, |_, e| now >= e.expires_at)
        {
            self.forget(&gone);
        }
        fresh
    }

    /// Remembers `outcome` for `url` for `ttl` seconds (a failure for [`FAILURE_TTL`] whatever `ttl` is).
    pub fn put(&self, url: &str, outcome: Outcome, ttl: u64, now: UnixSecs) {
        let ttl = if outcome.is_ok() { ttl } else { FAILURE_TTL };
        let weight = weight(url, &outcome);
        // Counted before it is visible, so a concurrent removal never takes the total below zero.
        self.bytes.fetch_add(weight, Ordering::Relaxed);
        if let Some(old) =
            self.entries.insert(url.to_owned(), Entry { outcome, expires_at: now.saturating_add(ttl), weight })
        {
            self.forget(&old);
        }
        let full = || self.entries.len() > self.max_entries || self.bytes.load(Ordering::Relaxed) > self.max_bytes;
        if !full() {
            return;
        }
        self.entries.retain(|_, e| {
            let fresh = now < e.expires_at;
            if !fresh {
                self.forget(e);
            }
            fresh
        });
        while full() {
            let soonest =
                self.entries.iter().filter(|e| e.key() != url).min_by_key(|e| e.expires_at).map(|e| e.key().clone());
            match soonest.and_then(|key| self.entries.remove(&key)) {
                Some((_, gone)) => self.forget(&gone),
                None => break,
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::AuthMethod;

    fn record(id: &str) -> ClientRecord {
        ClientRecord {
            client_id: id.into(),
            client_secret_hash: None,
            token_endpoint_auth_method: AuthMethod::None,
            redirect_uris: vec!["https://a.example/cb".into()],
            client_name: None,
            client_uri: None,
            grant_types: vec![],
            response_types: vec![],
            scope: None,
            software_id: None,
            software_version: None,
            created_at: 0,
        }
    }

    #[test]
    fn cache_control_is_honoured_within_bounds() {
        assert_eq!(ttl(None), DEFAULT_TTL);
        assert_eq!(ttl(Some("public, max-age=600")), 600);
        assert_eq!(ttl(Some("MAX-AGE=\"900\"")), 900);
        assert_eq!(ttl(Some("max-age=5")), MIN_TTL, "raised to the minimum");
        assert_eq!(ttl(Some("max-age=0")), MIN_TTL);
        assert_eq!(ttl(Some("max-age=99999999")), MAX_TTL, "lowered to the maximum");
        assert_eq!(ttl(Some("no-store")), MIN_TTL);
        assert_eq!(ttl(Some("max-age=3600, no-cache")), MIN_TTL);
        assert_eq!(ttl(Some("max-age=soon")), DEFAULT_TTL, "a malformed value is ignored");
        assert_eq!(ttl(Some("private")), DEFAULT_TTL);
        assert_eq!(ttl(Some("")), DEFAULT_TTL);
    }

    #[test]
    fn entries_expire_and_failures_are_remembered_briefly() {
        let cache = Cache::new(10, MAX_BYTES);
        cache.put("https://a/x", Ok(record("https://a/x")), 300, 1000);
        assert!(cache.get("https://a/x", 1299).is_some_and(|o| o.is_ok()));
        assert!(cache.get("https://a/x", 1300).is_none(), "expired at now + ttl");
        assert!(cache.is_empty(), "expired entries are dropped when read");
        cache.put("https://a/y", Err(CimdError::Busy), 86_400, 1000);
        assert!(cache.get("https://a/y", 1000 + FAILURE_TTL - 1).is_some_and(|o| o.is_err()));
        assert!(cache.get("https://a/y", 1000 + FAILURE_TTL).is_none());
    }

    #[test]
    fn the_number_of_entries_is_bounded() {
        let cache = Cache::new(3, MAX_BYTES);
        for (i, ttl) in [(0, 500), (1, 100), (2, 900)] {
            cache.put(&format!("https://a/{i}"), Ok(record("x")), ttl, 0);
        }
        cache.put("https://a/3", Ok(record("x")), 300, 0);
        assert_eq!(cache.len(), 3);
        assert!(cache.get("https://a/1", 0).is_none(), "the entry expiring soonest made room");
        cache.put("https://a/4", Ok(record("x")), 300, 600);
        assert_eq!(cache.len(), 2, "expired entries are dropped first");
        assert!(cache.get("https://a/2", 600).is_some() && cache.get("https://a/4", 600).is_some());
    }

    /// The worst document within 5 KB: as many of the shortest usable redirect URIs as fit.
    fn heaviest(url: &str) -> ClientRecord {
        let uris = vec!["https://a".to_owned(); 5 * 1024 / "\"https://a\",".len()];
        ClientRecord { redirect_uris: uris, ..record(url) }
    }

    #[test]
    fn the_memory_the_entries_hold_is_bounded() {
        let one = weight("https://a/0", &Ok(heaviest("https://a/0")));
        assert!(one > 5 * 1024 * 4, "an entry weighs several times its document: {one}");
        let cache = Cache::new(MAX_ENTRIES, 50 * one);
        for i in 0..200 {
            let url = format!("https://a/{i}");
            cache.put(&url, Ok(heaviest(&url)), 300 + i, 0);
        }
        assert!(cache.bytes.load(Ordering::Relaxed) <= 50 * one, "within the byte budget");
        assert!(cache.len() >= 49 && cache.len() <= 50, "{}", cache.len());
        assert!(cache.get("https://a/199", 0).is_some(), "the newest is kept; the soonest-expiring made room");
        assert!(cache.get("https://a/0", 0).is_none());
        for i in 0..200 {
            cache.get(&format!("https://a/{i}"), 1_000);
        }
        assert!(cache.is_empty());
        assert_eq!(cache.bytes.load(Ordering::Relaxed), 0, "every entry that left was uncounted");
    }

    #[test]
    fn the_default_budget_holds_far_fewer_heavy_entries_than_the_entry_limit() {
        let one = weight("https://a/0", &Ok(heaviest("https://a/0")));
        assert!(MAX_BYTES / one < MAX_ENTRIES / 10, "{one} bytes an entry");
    }
}
