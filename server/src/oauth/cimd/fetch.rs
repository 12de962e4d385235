//! The one outbound request a metadata document needs, guarded against server-side request forgery:
//! 1. resolve the host first, and refuse unless every address it resolves to is public
//!    ([`super::addr`]);
//! 2. connect only to those vetted addresses: a client built for this one fetch pins the host to them
//!    (`resolve_to_addrs`), so a second DNS answer (rebinding) is never consulted;
//! 3. HTTPS only, no proxy, no redirects (a 3xx is reported, not followed), `200` only;
//! 4. `Content-Type` `application/json` or `application/…+json`, parameters ignored;
//! 5. at most [`MAX_BYTES`] (5 KB), counted while streaming, whatever `Content-Length` says;
//! 6. one deadline over all of it (resolution, connection, TLS, body), with a shorter connect limit.

use std::{net::SocketAddr, time::Duration};

use url::{Host, Url};

use super::{CimdError, addr};

/// The largest document accepted (the draft's recommended maximum, §6.6).
pub const MAX_BYTES: usize = 5 * 1024;
/// The connect limit, within the whole-fetch deadline.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A fetched document: its bytes and the `Cache-Control` it came with.
pub struct Fetched {
    pub body: Vec<u8>,
    pub cache_control: Option<String>,
}

pub struct Fetcher {
    /// Extra trusted roots (tests); the platform's roots are always trusted too.
    pub extra_roots: Vec<reqwest::Certificate>,
    /// Tests only: loopback addresses count as fetchable.
    pub allow_loopback: bool,
    /// The whole-fetch deadline.
    pub timeout: Duration,
}

impl Fetcher {
    pub async fn fetch(&self, url: &Url) -> Result<Fetched, CimdError> {
        match tokio::time::timeout(self.timeout, self.fetch_within_deadline(url)).await {
            Ok(result) => result,
            Err(_) => Err(self.timed_out(url)),
        }
    }

    fn timed_out(&self, url: &Url) -> CimdError {
        CimdError::Timeout { url: url.to_string(), secs: self.timeout.as_secs_f32() }
    }

    async fn fetch_within_deadline(&self, url: &Url) -> Result<Fetched, CimdError> {
        let shown = || url.to_string();
        let port = url.port_or_known_default().unwrap_or(443);
        let host = url.host().ok_or_else(|| CimdError::BadUrl("it has no host".into()))?;
        let addrs: Vec<SocketAddr> = match &host {
            Host::Ipv4(ip) => vec![SocketAddr::new((*ip).into(), port)],
            Host::Ipv6(ip) => vec![SocketAddr::new((*ip).into(), port)],
            Host::Domain(name) => tokio::net::lookup_host((*name, port))
                .await
                .map_err(|_| CimdError::Unresolvable { url: shown(), host: (*name).to_owned() })?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(CimdError::Unresolvable { url: shown(), host: host.to_string() });
        }
        if let Some(bad) = addrs.iter().find(|a| !addr::fetchable(a.ip(), self.allow_loopback)) {
            return Err(match &host {
                Host::Domain(name) => {
                    tracing::info!(url = %url, addr = %bad.ip(), "a client_id URL's host resolves to a non-public address");
                    CimdError::NonPublicName { url: shown(), host: (*name).to_owned() }
                }
                _ => CimdError::NonPublic { url: shown(), addr: bad.ip() },
            });
        }

        let mut builder = reqwest::Client::builder()
            .https_only(true)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT.min(self.timeout))
            .timeout(self.timeout)
            .user_agent(concat!("mcp-github-gateway/", env!("CARGO_PKG_VERSION")))
            .tls_certs_merge(self.extra_roots.iter().cloned());
        if let Host::Domain(name) = &host {
            builder = builder.resolve_to_addrs(name, &addrs);
        }
        let client = builder.build().map_err(|e| unreachable(url, &e))?;
        let mut resp = client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| if e.is_timeout() { self.timed_out(url) } else { unreachable(url, &e) })?;

        let status = resp.status();
        if status.is_redirection() {
            return Err(CimdError::Redirect { url: shown(), status: status.as_u16() });
        }
        if status != reqwest::StatusCode::OK {
            return Err(CimdError::Status { url: shown(), status: status.as_u16() });
        }
        let content_type = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        if !content_type.is_some_and(is_json) {
            let got = content_type.map(|c| c.chars().take(60).collect()).unwrap_or_else(|| "none".to_owned());
            return Err(CimdError::ContentType { url: shown(), content_type: got });
        }
        let cache_control = resp
            .headers()
            .get_all(reqwest::header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        if let Some(len) = resp.content_length()
            && len > MAX_BYTES as u64
        {
            return Err(CimdError::TooLarge { url: shown(), size: Some(len) });
        }
        let mut body = Vec::new();
        while let Some(chunk) =
            resp.chunk().await.map_err(|e| if e.is_timeout() { self.timed_out(url) } else { unreachable(url, &e) })?
        {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(CimdError::TooLarge { url: shown(), size: None });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { body, cache_control: Some(cache_control).filter(|c| !c.is_empty()) })
    }
}

/// `application/json`, or a more specific `application/…+json`; parameters (charset) are ignored.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json"
        || essence.strip_prefix("application/").is_some_and(|sub| sub.ends_with("+json") && sub.len() > 5)
}

/// A transport failure, described by its innermost cause (e.g. the TLS verifier's reason).
fn unreachable(url: &Url, e: &reqwest::Error) -> CimdError {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let reason = if e.is_connect() { format!("could not connect: {cause}") } else { cause.to_string() };
    CimdError::Unreachable { url: url.to_string(), reason: reason.chars().take(200).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn what_a_name_resolves_to_is_never_shown() {
        let fetcher = Fetcher { extra_roots: Vec::new(), allow_loopback: false, timeout: Duration::from_secs(5) };
        let url = Url::parse("https://localhost/c.json").unwrap();
        let Err(e) = fetcher.fetch(&url).await else { panic!("localhost was fetched") };
        assert!(matches!(e, CimdError::NonPublicName { .. }), "{e}");
        let text = e.to_string();
        assert!(text.contains("non-public address (localhost resolves to one)"), "{text}");
        assert!(!text.contains("127.0.0.1") && !text.contains("::1"), "{text}");
        let Err(literal) = fetcher.fetch(&Url::parse("https://10.1.2.3/c.json").unwrap()).await else {
            panic!("10.1.2.3 was fetched")
        };
        assert!(
            literal.to_string().contains("non-public address (10.1.2.3)"),
            "a literal is the caller's own: {literal}"
        );
    }

    #[test]
    fn content_type_must_be_json() {
        for ok in ["application/json", "Application/JSON; charset=utf-8", "application/ld+json", " application/json ;x"]
        {
            assert!(is_json(ok), "{ok}");
        }
        for bad in ["text/html", "text/json", "application/jsonp", "application/+json", "", "application/xml"] {
            assert!(!is_json(bad), "{bad}");
        }
    }
}
