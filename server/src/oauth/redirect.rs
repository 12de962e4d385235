//! Redirect URI rules: what may be registered (HTTPS, or http on a loopback host; RFC 8252 §7.3) and
//! how a requested URI matches a registered one (exact, except that a loopback port may vary).

use std::collections::BTreeSet;

use url::{Host, Url};

/// Why a redirect URI was refused (the text becomes `error_description`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    #[error("redirect URI is empty or longer than 2000 characters")]
    Length,
    #[error("redirect URI contains whitespace or control characters")]
    ControlCharacters,
    #[error("redirect URI is not an absolute URL")]
    NotAbsolute,
    #[error("redirect URI must be written in normalized form (lower-case scheme and host, no dot segments)")]
    NotNormalized,
    #[error("redirect URI must use https, or http on a loopback host (localhost, 127.0.0.1, [::1])")]
    Scheme,
    #[error("redirect URI must not contain a fragment")]
    Fragment,
    #[error("redirect URI must not contain user info")]
    UserInfo,
    #[error("redirect URI has no host or a wildcard host")]
    Host,
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d == "localhost",
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Schemes that may never be registered, even when an operator allows private-use schemes.
const NEVER: &[&str] = &[
    "http",
    "https",
    "javascript",
    "data",
    "file",
    "vbscript",
    "about",
    "blob",
    "filesystem",
    "ws",
    "wss",
    "ftp",
    "mailto",
];

/// Checks a redirect URI for registration: HTTPS or loopback http, or — when the operator lists its
/// scheme in `ALLOWED_REDIRECT_SCHEMES` — a native app's private-use scheme (RFC 8252 §7.1), e.g.
/// `cursor://anysphere.cursor-mcp/oauth/callback`. Private-use URIs are matched exactly.
pub fn validate_for_registration(raw: &str, private_schemes: &BTreeSet<String>) -> Result<Url, RedirectError> {
    check(raw, private_schemes)
}

/// Checks a redirect URI (HTTPS or loopback http only) and returns the parsed URL.
pub fn validate(raw: &str) -> Result<Url, RedirectError> {
    check(raw, &BTreeSet::new())
}

fn check(raw: &str, private_schemes: &BTreeSet<String>) -> Result<Url, RedirectError> {
    if raw.is_empty() || raw.len() > 2000 {
        return Err(RedirectError::Length);
    }
    if raw.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
        return Err(RedirectError::ControlCharacters);
    }
    let url = Url::parse(raw).map_err(|_| RedirectError::NotAbsolute)?;
    if url.cannot_be_a_base() {
        // `javascript:`, `data:`, `mailto:` and friends.
        return Err(RedirectError::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(RedirectError::UserInfo);
    }
    if url.fragment().is_some() || raw.contains('#') {
        return Err(RedirectError::Fragment);
    }
    let private_use = match url.scheme() {
        "https" => false,
        "http" if is_loopback(&url) => false,
        s if private_schemes.contains(s) && !NEVER.contains(&s) => true,
        _ => return Err(RedirectError::Scheme),
    };
    // The host rules are those of web URIs; a private-use URI names its app by its scheme.
    if !private_use {
        match url.host_str() {
            None | Some("") => return Err(RedirectError::Host),
            Some(h) if h.contains('*') || h.contains('%') => return Err(RedirectError::Host),
            _ => {}
        }
    }
    // The registered string is compared byte for byte later, so it must already be what the parser
    // produces: this refuses `HTTPS://Example.com`, `/a/../b`, percent-encoding games and the like.
    let normalized = url.as_str();
    if normalized != raw && normalized != format!("{raw}/") {
        return Err(RedirectError::NotNormalized);
    }
    Ok(url)
}

/// Does `requested` match `registered`? Exact string equality, or — for http loopback URIs — equality
/// of everything but the port (native apps listen on an ephemeral port, RFC 8252 §7.3).
pub fn matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(reg), Ok(req)) = (validate(registered), validate(requested)) else { return false };
    reg.scheme() == "http"
        && req.scheme() == "http"
        && is_loopback(&reg)
        && reg.host() == req.host()
        && reg.path() == req.path()
        && reg.query() == req.query()
}

/// The key a remembered consent is stored under: the URI with a loopback port removed (it varies).
pub fn consent_key(uri: &str) -> String {
    match Url::parse(uri) {
        Ok(mut u) if u.scheme() == "http" && is_loopback(&u) => {
            let _ = u.set_port(None);
            u.to_string()
        }
        _ => uri.to_owned(),
    }
}

/// Appends query parameters to a redirect URI (keeping its own query).
pub fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    match Url::parse(uri) {
        Ok(mut u) => {
            u.query_pairs_mut().extend_pairs(params);
            u.to_string()
        }
        Err(_) => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback() {
        for ok in [
            "https://claude.ai/api/mcp/auth_callback",
            "http://localhost:3334/oauth/callback",
            "http://127.0.0.1:33418/",
            "http://127.0.0.1:33418",
            "http://[::1]:8080/cb",
            "https://app.example.com/cb?tenant=1",
        ] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_dangerous_forms() {
        let cases = [
            ("javascript:alert(1)", RedirectError::Scheme),
            ("data:text/html,hi", RedirectError::Scheme),
            ("http://example.com/cb", RedirectError::Scheme),
            ("http://localhost.evil.com/cb", RedirectError::Scheme),
            ("ftp://localhost/cb", RedirectError::Scheme),
            ("cursor://anysphere/cb", RedirectError::Scheme),
            ("http://localhost@evil.com/cb", RedirectError::UserInfo),
            ("https://user:pw@example.com/cb", RedirectError::UserInfo),
            ("https://example.com/cb#frag", RedirectError::Fragment),
            ("https://example.com/cb#", RedirectError::Fragment),
            ("HTTPS://example.com/cb", RedirectError::NotNormalized),
            ("https://Example.com/cb", RedirectError::NotNormalized),
            ("https://example.com/a/../cb", RedirectError::NotNormalized),
            (" https://example.com/cb", RedirectError::ControlCharacters),
            ("https://example.com/cb\n", RedirectError::ControlCharacters),
            ("https://example.com/c b", RedirectError::ControlCharacters),
            ("https://example.com\\@evil.com/", RedirectError::ControlCharacters),
            ("https://*.example.com/cb", RedirectError::Host),
            ("/relative/cb", RedirectError::NotAbsolute),
            ("", RedirectError::Length),
        ];
        for (uri, want) in cases {
            assert_eq!(validate(uri).err(), Some(want), "{uri:?}");
        }
        assert_eq!(validate(&format!("https://e.com/{}", "a".repeat(2000))).err(), Some(RedirectError::Length));
    }

    #[test]
    fn private_use_schemes_only_when_allowed() {
        let cursor = "cursor://anysphere.cursor-mcp/oauth/callback";
        let none = BTreeSet::new();
        let allowed: BTreeSet<String> = ["cursor".to_owned()].into();
        assert_eq!(validate_for_registration(cursor, &none).err(), Some(RedirectError::Scheme));
        assert!(validate_for_registration(cursor, &allowed).is_ok());
        assert!(validate_for_registration("https://a.example/cb", &none).is_ok());
        let js: BTreeSet<String> = ["javascript".to_owned(), "data".to_owned()].into();
        assert_eq!(validate_for_registration("javascript:alert(1)", &js).err(), Some(RedirectError::Scheme));
        assert_eq!(validate_for_registration("data:text/html,x", &js).err(), Some(RedirectError::Scheme));
        assert_eq!(validate_for_registration("cursor://u@x/cb", &allowed).err(), Some(RedirectError::UserInfo));
        assert_eq!(validate_for_registration("cursor://x/cb#f", &allowed).err(), Some(RedirectError::Fragment));
        assert_eq!(validate_for_registration("cursor://x/a/../cb", &allowed).err(), Some(RedirectError::NotNormalized));
        assert_eq!(
            validate_for_registration("cursor://x/cb\n", &allowed).err(),
            Some(RedirectError::ControlCharacters)
        );
        assert!(matches(cursor, cursor) && !matches(cursor, "cursor://anysphere.cursor-mcp/oauth/other"));
    }

    #[test]
    fn matching_is_exact_except_loopback_port() {
        let reg = "http://127.0.0.1:3000/callback";
        assert!(matches(reg, reg));
        assert!(matches(reg, "http://127.0.0.1:49152/callback"));
        assert!(matches("http://localhost/cb", "http://localhost:5555/cb"));
        assert!(!matches(reg, "http://127.0.0.1:3000/callback/"));
        assert!(!matches(reg, "http://localhost:3000/callback"));
        assert!(!matches(reg, "http://127.0.0.1:3000/callback?x=1"));
        let https = "https://claude.ai/api/mcp/auth_callback";
        assert!(!matches(https, "https://claude.ai:8443/api/mcp/auth_callback"));
        assert!(!matches(https, "https://claude.ai/api/mcp/auth_callback/../x"));
        assert!(!matches(https, "https://CLAUDE.ai/api/mcp/auth_callback"));
    }

    #[test]
    fn consent_key_ignores_loopback_port_only() {
        assert_eq!(consent_key("http://127.0.0.1:5000/cb"), consent_key("http://127.0.0.1:6000/cb"));
        assert_ne!(consent_key("https://a.com:1/cb"), consent_key("https://a.com:2/cb"));
        assert_eq!(
            with_params("https://a.com/cb?x=1", &[("code", "c d"), ("state", "s")]),
            "https://a.com/cb?x=1&code=c+d&state=s"
        );
    }
}
