//! Client ID Metadata Documents (MCP 2025-11-25; draft-ietf-oauth-client-id-metadata-document):
//! clients that never register. A `client_id` that is an `https://` URL names a JSON document the
//! client publishes; this module owns turning such a URL into a [`ClientRecord`]:
//! - the URL rules ([`parse_client_id`]);
//! - the SSRF-guarded fetch ([`fetch`], with the address rules in [`addr`]);
//! - the document rules ([`document`]);
//! - the cache ([`cache`]), and one fetch at a time per URL.
//!
//! Registered clients have random base64url ids, which never contain `:`; a client_id that starts
//! with `https://` or `http://` is therefore always treated as a metadata URL (and `http://` is
//! refused with a clear reason).

pub mod addr;
pub mod cache;
pub mod document;
pub mod fetch;

use std::{collections::BTreeSet, net::IpAddr, sync::Arc};

use url::Url;

use crate::{clock::Clock, config::Config, store::records::ClientRecord};

/// The longest client_id URL accepted.
const MAX_URL_LEN: usize = 1000;
/// Most document fetches in flight at once, across all URLs.
const MAX_CONCURRENT_FETCHES: usize = 16;

/// Why a metadata URL did not yield a client. The text is the `error_description` at /token and
/// the message of the error page at /authorize; it names the URL, never a secret.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CimdError {
    #[error(
        "this server does not accept URLs as client_id (client metadata documents are disabled); the application \
         must register"
    )]
    Disabled,
    #[error("the client_id URL is not acceptable: {0}")]
    BadUrl(String),
    #[error("the client metadata document at {url} could not be fetched: its host {host} does not resolve")]
    Unresolvable { url: String, host: String },
    #[error(
        "the client metadata document at {url} is on a non-public address ({addr}); this server fetches documents \
         from public addresses only"
    )]
    NonPublic { url: String, addr: IpAddr },
    /// As [`CimdError::NonPublic`], for a host name: the address it resolved to is logged, never
    /// shown, so the gateway does not tell anyone what its internal names resolve to.
    #[error(
        "the client metadata document at {url} is on a non-public address ({host} resolves to one); this server \
         fetches documents from public addresses only"
    )]
    NonPublicName { url: String, host: String },
    #[error("the client metadata document at {url} did not arrive within {secs} seconds")]
    Timeout { url: String, secs: f32 },
    #[error("the client metadata document at {url} could not be fetched ({reason})")]
    Unreachable { url: String, reason: String },
    #[error(
        "the client metadata document at {url} answered with a redirect (HTTP {status}); redirects are not followed"
    )]
    Redirect { url: String, status: u16 },
    #[error("the client metadata document at {url} answered HTTP {status}; it must answer 200")]
    Status { url: String, status: u16 },
    #[error("the client metadata document at {url} is {}; the limit is 5 KB", size_text(*.size))]
    TooLarge { url: String, size: Option<u64> },
    #[error("the client metadata document at {url} has Content-Type {content_type}; it must be application/json")]
    ContentType { url: String, content_type: String },
    #[error("the client metadata document at {url} is not valid: {reason}")]
    Invalid { url: String, reason: String },
    #[error("too many client metadata documents are being fetched right now; try again shortly")]
    Busy,
}

impl CimdError {
    /// A failure that says nothing about the client, only that its document could not be read just
    /// now (a timeout, a network error, a 5xx or 429, or this server being busy): worth a retry, and
    /// no reason for the client to drop its credentials.
    pub fn is_transient(&self) -> bool {
        match self {
            CimdError::Timeout { .. } | CimdError::Unreachable { .. } | CimdError::Busy => true,
            CimdError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

fn size_text(size: Option<u64>) -> String {
    match size {
        Some(bytes) => format!("{} KB", bytes.div_ceil(1024)),
        None => "larger than 5 KB".to_owned(),
    }
}

/// Does this client_id name a metadata document (rather than a registered client)?
pub fn is_url_client_id(client_id: &str) -> bool {
    let head = client_id.get(..8).unwrap_or(client_id).to_ascii_lowercase();
    head.starts_with("https://") || head.starts_with("http://")
}

/// The client_id URL rules (draft §3): `https`, a host, a path other than `/`, no `.` or `..`
/// segments, no fragment, no user name or password; written in normalized form, because the
/// document's `client_id` is compared with it byte for byte. A query and a port are allowed.
pub fn parse_client_id(raw: &str) -> Result<Url, CimdError> {
    let bad = |why: &str| CimdError::BadUrl(why.to_owned());
    if raw.len() > MAX_URL_LEN {
        return Err(bad("it is longer than 1000 characters"));
    }
    if raw.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
        return Err(bad("it contains whitespace or control characters"));
    }
    let url = Url::parse(raw).map_err(|e| CimdError::BadUrl(format!("it is not a URL ({e})")))?;
    if url.scheme() != "https" {
        return Err(bad("it must use https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not contain a user name or password"));
    }
    if raw.contains('#') {
        return Err(bad("it must not contain a fragment"));
    }
    if url.host().is_none() {
        return Err(bad("it has no host"));
    }
    let normalized = || bad("it must be written in normalized form (lower-case scheme and host, no default port)");
    let after_scheme = raw.split_once("://").map(|(_, rest)| rest).ok_or_else(normalized)?;
    let path = after_scheme.find(['/', '?']).map_or("", |i| &after_scheme[i..]);
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() || path == "/" {
        return Err(bad("it must contain a path, such as https://app.example/client.json"));
    }
    if path
        .split('/')
        .any(|seg| matches!(seg.to_ascii_lowercase().as_str(), "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."))
    {
        return Err(bad("it must not contain . or .. path segments"));
    }
    if url.as_str() != raw {
        return Err(normalized());
    }
    Ok(url)
}

/// The host (and port, when not 443) of a client_id URL, as shown to the user on the consent page.
pub fn shown_host(client_id: &str) -> Option<String> {
    let url = Url::parse(client_id).ok()?;
    let host = url.host_str()?;
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    })
}

pub use crate::config::CimdSettings;

/// Resolves client_id URLs to clients: cache first, then one guarded fetch per URL at a time.
pub struct Cimd {
    enabled: bool,
    fetcher: fetch::Fetcher,
    cache: cache::Cache,
    clock: Arc<dyn Clock>,
    private_schemes: BTreeSet<String>,
    /// This server's own origin: a document there would be fetched from ourselves, and a client_id
    /// naming `/authorize?client_id=…` would nest one fetch inside another.
    own_origin: url::Origin,
    /// One lock per URL being fetched, so concurrent sign-ins of one client cause one fetch.
    in_flight: crate::single_flight::SingleFlight,
    permits: tokio::sync::Semaphore,
}

impl Cimd {
    /// Builds the resolver; fails only if an extra root certificate is not valid PEM.
    pub fn new(config: &Config, clock: Arc<dyn Clock>) -> Result<Self, reqwest::Error> {
        let s = &config.cimd;
        let extra_roots =
            s.extra_root_certs_pem.iter().map(|pem| reqwest::Certificate::from_pem(pem)).collect::<Result<_, _>>()?;
        Ok(Self {
            enabled: s.enabled,
            fetcher: fetch::Fetcher { extra_roots, allow_loopback: s.allow_loopback, timeout: s.fetch_timeout },
            cache: cache::Cache::new(cache::MAX_ENTRIES, cache::MAX_BYTES),
            clock,
            private_schemes: config.allowed_redirect_schemes.clone(),
            own_origin: config.public_url.origin(),
            in_flight: Default::default(),
            permits: tokio::sync::Semaphore::new(MAX_CONCURRENT_FETCHES),
        })
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The client a metadata URL describes: from the cache while fresh, else fetched and checked.
    pub async fn resolve(&self, client_id: &str) -> Result<ClientRecord, CimdError> {
        if !self.enabled {
            return Err(CimdError::Disabled);
        }
        let url = parse_client_id(client_id)?;
        if url.origin() == self.own_origin {
            return Err(CimdError::BadUrl("it points at this server itself".into()));
        }
        if let Some(outcome) = self.cache.get(client_id, self.clock.now()) {
            return outcome;
        }
        let slot = self.in_flight.join(client_id);
        let _one_fetch = slot.lock().await;
        // Another request may have fetched it while this one waited.
        if let Some(outcome) = self.cache.get(client_id, self.clock.now()) {
            return outcome;
        }
        let (outcome, ttl) = self.fetch_and_check(&url).await;
        if let Err(e) = &outcome {
            tracing::info!(reason = %e, "client metadata document refused");
        }
        // A momentary overload says nothing about the document: not remembered.
        if !matches!(outcome, Err(CimdError::Busy)) {
            self.cache.put(client_id, outcome.clone(), ttl, self.clock.now());
        }
        outcome
    }

    async fn fetch_and_check(&self, url: &Url) -> (Result<ClientRecord, CimdError>, u64) {
        let Ok(Ok(_permit)) = tokio::time::timeout(self.fetcher.timeout, self.permits.acquire()).await else {
            return (Err(CimdError::Busy), 0);
        };
        let fetched = match self.fetcher.fetch(url).await {
            Ok(f) => f,
            Err(e) => return (Err(e), 0),
        };
        let ttl = cache::ttl(fetched.cache_control.as_deref());
        let record = document::validate(url.as_str(), &fetched.body, &self.private_schemes, self.clock.now())
            .map_err(|reason| CimdError::Invalid { url: url.to_string(), reason });
        (record, ttl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn url_client_ids_are_told_apart_from_registered_ones() {
        for id in ["https://a.example/c.json", "HTTPS://a.example/c", "http://a.example/c", "https://"] {
            assert!(is_url_client_id(id), "{id}");
        }
        for id in ["Xy3_-abcdefghijklmnopqrs", "", "https", "urn:x", "httpsx://a"] {
            assert!(!is_url_client_id(id), "{id}");
        }
    }

    #[test]
    fn client_id_urls_follow_the_draft_rules() {
        for ok in [
            "https://app.example/client.json",
            "https://app.example:8443/oauth/client-metadata.json",
            "https://app.example/c?tenant=1",
            "https://203.0.113.9/c.json",
            "https://[2001:db8::1]/c.json",
        ] {
            assert_eq!(parse_client_id(ok).map(|u| u.to_string()).as_deref(), Ok(ok), "{ok}");
        }
        let cases = [
            ("http://app.example/client.json", "https"),
            ("ftp://app.example/client.json", "https"),
            ("https://app.example", "path"),
            ("https://app.example/", "path"),
            ("https://app.example?x=1", "path"),
            ("https://user@app.example/c.json", "user name"),
            ("https://user:pw@app.example/c.json", "user name"),
            ("https://app.example/c.json#frag", "fragment"),
            ("https://app.example/c.json#", "fragment"),
            ("https://app.example/a/../c.json", ". or .."),
            ("https://app.example/./c.json", ". or .."),
            ("https://app.example/a/%2E%2E/c.json", ". or .."),
            ("https://App.Example/c.json", "normalized"),
            ("HTTPS://app.example/c.json", "normalized"),
            ("https://app.example:443/c.json", "normalized"),
            ("https://app.example/c json", "whitespace"),
            ("https://app.example/c.json\n", "whitespace"),
            ("https:///c.json", "normalized"),
            ("https://", "not a URL"),
        ];
        for (raw, why) in cases {
            let e = parse_client_id(raw).unwrap_err().to_string();
            assert!(e.contains(why), "{raw}: {e}");
        }
        assert!(parse_client_id(&format!("https://a.example/{}", "x".repeat(1000))).is_err());
    }

    #[test]
    fn the_consent_page_shows_host_and_port() {
        assert_eq!(shown_host("https://claude.ai/oauth/client.json").as_deref(), Some("claude.ai"));
        assert_eq!(shown_host("https://127.0.0.1:8443/c.json").as_deref(), Some("127.0.0.1:8443"));
        assert_eq!(shown_host("not a url"), None);
    }

    fn resolver(allow_loopback: bool) -> Cimd {
        let mut config = Config::from_raw(crate::config::RawConfig {
            public_url: Some("https://mcp.example.com".into()),
            github_client_id: Some("i".into()),
            github_client_secret: Some("s".into()),
            ..Default::default()
        })
        .unwrap();
        config.cimd.allow_loopback = allow_loopback;
        Cimd::new(&config, Arc::new(crate::clock::SystemClock)).unwrap()
    }

    #[tokio::test]
    async fn a_resolution_abandoned_mid_fetch_leaves_no_lock_behind() {
        // A server that accepts and never answers: the fetch hangs in the TLS handshake.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((conn, _)) = listener.accept().await {
                held.push(conn);
            }
        });
        let cimd = resolver(true);
        for i in 0..3 {
            let url = format!("https://127.0.0.1:{port}/c{i}.json");
            // A request and one waiting behind it are dropped mid-fetch (their clients went away).
            let waiter = cimd.resolve(&url);
            let first = cimd.resolve(&url);
            let both = async { tokio::join!(first, waiter) };
            assert!(tokio::time::timeout(Duration::from_millis(300), both).await.is_err());
        }
        assert!(cimd.in_flight.is_empty(), "{} fetch locks left behind", cimd.in_flight.len());
        server.abort();
    }

    #[tokio::test]
    async fn documents_are_never_fetched_from_this_server_itself() {
        let cimd = resolver(false);
        for id in [
            "https://mcp.example.com/authorize?client_id=https://mcp.example.com/authorize?client_id=x",
            "https://mcp.example.com/c.json",
        ] {
            let e = cimd.resolve(id).await.unwrap_err();
            assert!(matches!(&e, CimdError::BadUrl(why) if why.contains("this server itself")), "{id}: {e}");
        }
    }

    #[tokio::test]
    async fn a_finished_resolution_leaves_no_lock_behind() {
        let cimd = resolver(false);
        let refused = cimd.resolve("https://127.0.0.1/c.json").await.unwrap_err();
        assert!(matches!(refused, CimdError::NonPublic { .. }), "{refused}");
        assert!(cimd.in_flight.is_empty());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let url = "https://app.example/c.json".to_owned();
        assert_eq!(
            CimdError::TooLarge { url: url.clone(), size: Some(7 * 1024) }.to_string(),
            "the client metadata document at https://app.example/c.json is 7 KB; the limit is 5 KB"
        );
        assert!(CimdError::TooLarge { url: url.clone(), size: None }.to_string().contains("larger than 5 KB"));
        assert!(CimdError::Timeout { url, secs: 5.0 }.to_string().ends_with("within 5 seconds"));
    }
}
