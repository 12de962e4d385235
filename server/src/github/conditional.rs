//! Conditional requests: GitHub answers a `GET` carrying a validator it still matches with
//! `304 Not Modified`, which costs no primary rate limit. This cache keeps, per GitHub token (so
//! never across users), the validators (`ETag`, `Last-Modified`) and the body of each JSON read,
//! and serves that body again when GitHub says it has not changed. It is bounded by bytes (the
//! least recently used entries go first) and holds nothing GitHub did not give a validator.

use axum::body::Bytes;
use quick_cache::{Weighter, sync::Cache};
use reqwest::header::{self, HeaderMap, HeaderValue};

use crate::crypto::{Secret, hash_token};

/// Bytes of bodies the cache holds at most, across all users.
pub const CAPACITY_BYTES: u64 = 32 * 1024 * 1024;
/// Largest body kept: a bigger one is read as usual, never cached.
pub const MAX_BODY_BYTES: u64 = 1024 * 1024;
/// Entries the cache is sized for (its bookkeeping; the byte bound is what holds).
const ESTIMATED_ENTRIES: usize = 8_192;

/// A JSON body GitHub gave a validator, with the response headers (the validator among them).
#[derive(Clone)]
pub struct Cached {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Cached {
    /// Whether a response may be kept: it carries a validator, and a body of known, bounded length.
    pub fn keeps(headers: &HeaderMap, content_length: Option<u64>) -> bool {
        let validated = headers.contains_key(header::ETAG) || headers.contains_key(header::LAST_MODIFIED);
        validated && content_length.is_some_and(|n| n <= MAX_BODY_BYTES)
    }

    /// The header that asks GitHub whether the body is still current: `If-None-Match` with the
    /// `ETag`, else `If-Modified-Since` with the `Last-Modified`.
    pub fn condition(&self) -> Option<(header::HeaderName, &HeaderValue)> {
        match self.headers.get(header::ETAG) {
            Some(etag) => Some((header::IF_NONE_MATCH, etag)),
            None => self.headers.get(header::LAST_MODIFIED).map(|at| (header::IF_MODIFIED_SINCE, at)),
        }
    }

    /// The response to hand a caller in place of GitHub's (a 200 with the cached body).
    pub fn response(&self) -> reqwest::Response {
        let mut resp = http::Response::new(self.body.clone());
        *resp.headers_mut() = self.headers.clone();
        reqwest::Response::from(resp)
    }
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, Cached> for ByBytes {
    fn weight(&self, key: &String, value: &Cached) -> u64 {
        (key.len() + value.body.len() + 256) as u64
    }
}

/// The per-token cache of validated bodies.
pub struct Conditional {
    cache: Cache<String, Cached, ByBytes>,
}

impl Default for Conditional {
    fn default() -> Self {
        Self { cache: Cache::with_weighter(ESTIMATED_ENTRIES, CAPACITY_BYTES, ByBytes) }
    }
}

impl Conditional {
    /// The key of a read: the token's hash (never the token), then the URL with its query.
    pub fn key(token: &Secret, url: &str, query: &[(&str, String)]) -> String {
        let mut key = format!("{} {url}", hash_token(token.expose()));
        for (k, v) in query {
            key.push_str(&format!("&{k}={v}"));
        }
        key
    }

    pub fn get(&self, key: &str) -> Option<Cached> {
        self.cache.get(key)
    }

    pub fn put(&self, key: String, value: Cached) {
        self.cache.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &'static [u8]) -> Cached {
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, HeaderValue::from_static("W/\"x\""));
        Cached { headers, body: Bytes::from_static(body) }
    }

    #[test]
    fn entries_are_per_token_and_never_hold_the_token() {
        let (a, b) = (Secret::new("gho_alice"), Secret::new("gho_bob"));
        let (ka, kb) = (Conditional::key(&a, "https://api/x", &[]), Conditional::key(&b, "https://api/x", &[]));
        assert_ne!(ka, kb);
        assert!(!ka.contains("gho_alice"));
        let c = Conditional::default();
        c.put(ka.clone(), entry(b"{}"));
        assert!(c.get(&ka).is_some() && c.get(&kb).is_none());
        assert_ne!(Conditional::key(&a, "https://api/x", &[("page", "2".into())]), ka);
    }

    #[test]
    fn only_bounded_bodies_with_a_validator_are_kept() {
        let mut h = HeaderMap::new();
        assert!(!Cached::keeps(&h, Some(10)), "no validator");
        h.insert(header::LAST_MODIFIED, HeaderValue::from_static("Tue, 01 Dec 2026 10:00:00 GMT"));
        assert!(Cached::keeps(&h, Some(10)));
        let dated = Cached { headers: h.clone(), body: Bytes::new() };
        assert_eq!(dated.condition().map(|(name, _)| name), Some(header::IF_MODIFIED_SINCE));
        h.insert(header::ETAG, HeaderValue::from_static("W/\"x\""));
        assert!(!Cached::keeps(&h, None), "unknown length");
        assert!(!Cached::keeps(&h, Some(MAX_BODY_BYTES + 1)), "too large");
        let tagged = Cached { headers: h, body: Bytes::new() };
        assert_eq!(tagged.condition().map(|(name, _)| name), Some(header::IF_NONE_MATCH), "the ETag first");
    }

    #[test]
    fn the_cache_is_bounded_by_bytes() {
        let c = Conditional { cache: Cache::with_weighter(16, 4_096, ByBytes) };
        let body: &'static [u8] = &[b' '; 1_000];
        for i in 0..20 {
            c.put(format!("k{i}"), entry(body));
        }
        assert!(c.cache.weight() <= 4_096, "{}", c.cache.weight());
    }
}
