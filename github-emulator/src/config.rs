//! Configuration of an emulator instance: the users it knows, the OAuth app
//! credentials it accepts, and the shape of its API (prefix, token mode,
//! latency). Also the fault-injection description used by the handle.

use std::time::Duration;

/// A GitHub account known to the emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Numeric account id (`id` in the REST API).
    pub id: u64,
    /// Login name; matched case-insensitively as GitHub does.
    pub login: String,
    /// Display name.
    pub name: Option<String>,
    /// Public email address.
    pub email: Option<String>,
    /// Logins of the organizations the user belongs to.
    pub orgs: Vec<String>,
}

impl User {
    /// A user with only an id and a login.
    pub fn new(id: u64, login: impl Into<String>) -> Self {
        Self { id, login: login.into(), name: None, email: None, orgs: Vec::new() }
    }
}

/// How an emulator behaves. Use `..Default::default()` to override parts.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Known accounts; the first one is the default login user.
    pub users: Vec<User>,
    /// Path under which the REST API is served, `"/api/v3"` by default as
    /// GitHub Enterprise Server does. `""` serves it at the root like
    /// api.github.com.
    pub api_prefix: String,
    /// The only OAuth client id the emulator accepts.
    pub client_id: String,
    /// The secret of that client.
    pub client_secret: String,
    /// GitHub App mode: `ghu_` access tokens that expire, with rotating
    /// `ghr_` refresh tokens. Otherwise OAuth-app mode: `gho_` tokens that
    /// never expire and no refresh token.
    pub expiring_tokens: bool,
    /// Lifetime of access tokens in expiring mode (default 8 hours).
    pub token_lifetime: Duration,
    /// Delay added to every API response (default none).
    pub latency: Duration,
    /// Check every JSON response of a documented operation against GitHub's REST description and
    /// answer 500 for one that does not match (default on; benchmarks turn it off, as it costs the
    /// emulator CPU the gateway under measurement shares). Requests are always checked.
    pub check_responses: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            users: vec![
                User {
                    id: 583231,
                    login: "octocat".into(),
                    name: Some("The Octocat".into()),
                    email: Some("octocat@github.com".into()),
                    orgs: vec!["github".into()],
                },
                User { id: 480938, login: "hubot".into(), name: Some("Hubot".into()), email: None, orgs: Vec::new() },
            ],
            api_prefix: "/api/v3".into(),
            client_id: "emulator-client-id".into(),
            client_secret: "emulator-client-secret".into(),
            expiring_tokens: false,
            token_lifetime: Duration::from_secs(8 * 3600),
            latency: Duration::ZERO,
            check_responses: true,
        }
    }
}

/// A canned failure for the next `times` API requests whose path (after the
/// API prefix) starts with `path_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Matches request paths after the API prefix, e.g. `"/user"`; `""`
    /// matches every API request.
    pub path_prefix: String,
    /// HTTP status to answer with (an invalid one becomes 500).
    pub status: u16,
    /// Response body; `None` gives GitHub-style
    /// `{"message":..,"documentation_url":..}`.
    pub body: Option<String>,
    /// How many requests the fault applies to.
    pub times: u32,
    /// Extra response headers, set after the usual ones (so they can
    /// override e.g. `x-ratelimit-remaining`).
    pub headers: Vec<(String, String)>,
}

impl Fault {
    /// A fault for the next single request under `path_prefix`.
    pub fn new(path_prefix: impl Into<String>, status: u16) -> Self {
        Self { path_prefix: path_prefix.into(), status, body: None, times: 1, headers: Vec::new() }
    }

    /// Applies to the next `times` requests instead of one.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Answers with this body instead of the GitHub-style default.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Adds a response header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Normalizes an API prefix to `""` or `/segment[/segment...]` and refuses
/// ones the router cannot serve.
pub(crate) fn normalize_prefix(prefix: &str) -> std::io::Result<String> {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let invalid = |why: &str| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("invalid api_prefix {prefix:?}: {why}"))
    };
    if !trimmed.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.')) {
        return Err(invalid("only letters, digits, '/', '-', '_' and '.'"));
    }
    if trimmed.split('/').any(str::is_empty) {
        return Err(invalid("empty path segment"));
    }
    let first = trimmed.split('/').next().unwrap_or_default();
    if matches!(first, "login" | "avatars") {
        return Err(invalid("clashes with the web routes"));
    }
    Ok(format!("/{trimmed}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_normalized() {
        assert_eq!(normalize_prefix("/api/v3").ok(), Some("/api/v3".into()));
        assert_eq!(normalize_prefix("api/v3/").ok(), Some("/api/v3".into()));
        assert_eq!(normalize_prefix("/").ok(), Some(String::new()));
        assert_eq!(normalize_prefix("").ok(), Some(String::new()));
        assert!(normalize_prefix("/api/{x}").is_err());
        assert!(normalize_prefix("/login/x").is_err());
        assert!(normalize_prefix("/a//b").is_err());
    }

    #[test]
    fn default_has_octocat_and_hubot() {
        let c = EmulatorConfig::default();
        assert_eq!(c.users[0].login, "octocat");
        assert_eq!(c.users[0].id, 583231);
        assert_eq!(c.users[1].login, "hubot");
        assert_eq!(c.users[1].id, 480938);
    }
}
