//! The one `Config` struct: read from the environment (and `.env`) with envy, validated once at start.
//!
//! Every value is parsed here so that a bad setting stops start-up with one line naming the variable;
//! the rest of the server only sees typed, checked values. The types settings are made of live here
//! too ([`toolsets`], [`cimd`]), so `config` depends on no other module of the server.

use std::{collections::BTreeSet, net::SocketAddr, time::Duration};

use serde::{Deserialize, Serialize};
use url::Url;

pub mod cimd;
pub mod toolsets;

pub use cimd::CimdSettings;
use toolsets::{Selection, Toolset};

/// Private-use redirect schemes accepted when `ALLOWED_REDIRECT_SCHEMES` is unset: Cursor's.
pub const DEFAULT_REDIRECT_SCHEMES: &str = "cursor";

/// A setting that could not be used; the message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

fn err(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError { var, reason: reason.into() }
}

/// Where state lives (`STORAGE_URL`).
#[derive(Clone, PartialEq, Eq)]
pub enum StorageUrl {
    /// `memory://`: in the process; lost on restart (tests, throwaway runs).
    Memory,
    /// `sqlite://PATH` (default `sqlite://./data/gateway.db`): embedded, durable, one instance.
    Sqlite(std::path::PathBuf),
    /// `redis://…` or `rediss://…`: shared by many instances. May contain a password.
    Redis(String),
}

impl std::fmt::Debug for StorageUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageUrl::Memory => f.write_str("memory://"),
            StorageUrl::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            StorageUrl::Redis(url) => f.write_str(&redact_url(url)),
        }
    }
}

/// The embedded default: a SQLite file under `./data/` (on Fly, the mounted volume).
pub const DEFAULT_SQLITE_PATH: &str = "./data/gateway.db";

/// `TRUST_PROXY_HEADERS`: where the client address comes from when the gateway sits behind a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyHeaders {
    /// The connection's peer address (no proxy, or one that hides nothing worth keying on).
    None,
    /// `Fly-Client-IP`, which Fly's proxy sets and overwrites.
    Fly,
    /// The last `X-Forwarded-For` entry: the address the trusted proxy itself saw. Earlier entries
    /// are whatever the client sent.
    XForwardedFor,
}

fn proxy_headers(v: Option<String>) -> Result<ProxyHeaders, ConfigError> {
    match non_empty(v).map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("false" | "none") => Ok(ProxyHeaders::None),
        Some("fly") => Ok(ProxyHeaders::Fly),
        Some("x-forwarded-for") => Ok(ProxyHeaders::XForwardedFor),
        Some("true") => Err(err(
            "TRUST_PROXY_HEADERS",
            "say which header to trust: `fly` (Fly-Client-IP) or `x-forwarded-for` (the entry your proxy appends)",
        )),
        Some(other) => Err(err("TRUST_PROXY_HEADERS", format!("`{other}` is not false, fly or x-forwarded-for"))),
    }
}

/// Default for `SHUTDOWN_GRACE_SECS`: how long a stopping process lets requests finish.
pub const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 10;

/// The HTTP edge's timeouts and connection caps (see `edge`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeSettings {
    /// `HEADER_READ_TIMEOUT_SECS`: a new connection must send a whole request head within this, and
    /// so must a request whose first bytes have arrived on a kept-alive connection.
    pub header_read_timeout: Duration,
    /// `REQUEST_BODY_TIMEOUT_SECS`: a request body must arrive within this after its head (408 else).
    pub body_timeout: Duration,
    /// `KEEP_ALIVE_IDLE_SECS`: a connection with no request in progress is closed after this.
    pub keep_alive_idle: Duration,
    /// `MAX_CONNECTIONS`: open connections this process serves at once; more are refused (503).
    pub max_connections: usize,
    /// `MAX_CONNECTIONS_PER_IP`: open connections one peer address may hold; 0 = no per-address cap.
    pub max_connections_per_ip: usize,
}

impl Default for EdgeSettings {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            keep_alive_idle: Duration::from_secs(75),
            max_connections: 8192,
            max_connections_per_ip: 256,
        }
    }
}

/// Upstream mode's settings.
#[derive(Debug, Clone)]
pub struct UpstreamMcp {
    /// GitHub's MCP endpoint, exactly as configured (`https://api.githubcopilot.com/mcp/`).
    pub url: Url,
    /// `TOOLSETS` as written, passed as `X-MCP-Toolsets` (GitHub's server knows more toolsets than
    /// the native tools); `None` when unset, so GitHub's defaults apply.
    pub toolsets: Option<String>,
}

/// Checked configuration of one gateway process.
#[derive(Clone)]
pub struct Config {
    /// External base URL without a trailing slash; the issuer. `https`, or `http` on a loopback host only.
    pub public_url: Url,
    pub bind_addr: SocketAddr,
    pub github_client_id: String,
    /// The OAuth App's secret; only ever sent to `GITHUB_BASE_URL`'s token endpoint.
    pub github_client_secret: String,
    pub github_base_url: Url,
    /// API root, possibly with a path (`https://HOST/api/v3` on GitHub Enterprise Server). No trailing slash.
    pub github_api_url: Url,
    /// Scopes the gateway asks GitHub for (space separated on the wire). Defaults to what the
    /// enabled toolsets need.
    pub github_scopes: Vec<String>,
    /// Toolsets offered (`TOOLSETS`; default context, repos, issues, pull_requests, users, search,
    /// or none when only `TOOLS` is set).
    pub toolsets: BTreeSet<Toolset>,
    /// Tools offered by name besides the toolsets (`TOOLS`; alone, only these). Whether each names
    /// a tool is checked at start-up by the tool registry.
    pub tools: BTreeSet<String>,
    /// Tools never offered (`EXCLUDE_TOOLS`); wins over `TOOLSETS` and `TOOLS`.
    pub exclude_tools: BTreeSet<String>,
    /// Whether `GITHUB_SCOPES` was set; if not, the registry adds what tools named in `TOOLS` need.
    pub github_scopes_explicit: bool,
    /// `READ_ONLY=true`: write tools are neither listed nor callable and `github:write` is not offered.
    pub read_only: bool,
    /// `LOCKDOWN=on`: in public repositories, what accounts without push access wrote is withheld
    /// from tool results (see `mcp::tools::lockdown`). A request can turn it on with
    /// `X-MCP-Lockdown: true`, never off.
    pub lockdown: bool,
    /// Lower-cased logins whose writing lockdown never withholds (`LOCKDOWN_TRUSTED_BOTS`).
    pub lockdown_trusted_bots: Vec<String>,
    /// Upstream mode (`UPSTREAM_MCP_URL`): `/mcp` is relayed to GitHub's own MCP server instead of
    /// served by the native tools.
    pub upstream_mcp: Option<UpstreamMcp>,
    pub storage: StorageUrl,
    /// Lower-cased GitHub logins, or `id:NUMBER` (stable across renames), allowed to sign in; empty with
    /// `allowed_orgs` empty = anyone. Checked at login and again on refresh (see `oauth::allowlist`).
    pub allowed_users: BTreeSet<String>,
    /// Lower-cased GitHub organisations whose members may sign in.
    pub allowed_orgs: BTreeSet<String>,
    /// Private-use redirect URI schemes native apps may register (e.g. `cursor`); empty = HTTPS and
    /// loopback http only. Such apps can be impersonated by any app claiming the scheme on the device.
    pub allowed_redirect_schemes: BTreeSet<String>,
    /// Extra `Origin`s allowed to call `/mcp` besides `PUBLIC_URL`'s own (browser-based MCP clients).
    pub allowed_origins: BTreeSet<String>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Authorization codes live at most 5 minutes (OAuth 2.1 §4.1.2 asks for short-lived codes).
    pub auth_code_ttl: Duration,
    /// How long a just-rotated refresh token still yields the same successor (parallel refreshes).
    pub refresh_grace: Duration,
    /// How long a remembered consent lets a returning browser skip the consent page.
    pub consent_ttl: Duration,
    /// Requests per minute one client IP may make to each of /register, /authorize, /token, /revoke.
    pub rate_limit_per_minute: u32,
    /// Which proxy header, if any, names the client address for the rate limits.
    pub trust_proxy_headers: ProxyHeaders,
    /// Most registered clients kept at once; registration answers 503 past it.
    pub max_clients: usize,
    /// Registered clients unused this long are forgotten (renewed whenever they obtain tokens).
    pub client_ttl: Duration,
    /// `human` (default) or `json` log lines.
    pub log_json: bool,
    /// Idle time after which an MCP session ends (everywhere: its owner record expires).
    pub session_idle: Duration,
    /// How long after its last request a session counts as active on this instance (the
    /// `mcp_gateway_mcp_sessions` gauge and `max_sessions`).
    pub session_memory: Duration,
    /// Most MCP sessions active on one instance; new ones get 503 past it.
    pub max_sessions: usize,
    /// Most live MCP sessions one user may hold on one instance; new ones get 429 past it.
    pub max_sessions_per_user: usize,
    /// 32+ bytes of key material for cookie signing and token sealing; random per process when unset.
    pub secret_key: Option<Vec<u8>>,
    /// On SIGTERM/SIGINT, how long in-flight requests may finish before open streams are cut and the
    /// process exits. Platform kill timeouts (Fly's `kill_timeout`) must exceed it.
    pub shutdown_grace: Duration,
    /// Bearer token `/metrics` requires; `None` = the metrics are public.
    pub metrics_token: Option<String>,
    /// `mcp-github-gateway demo`: GitHub is the local emulator, and every page says so.
    pub demo: bool,
    /// Client ID Metadata Documents (`CIMD_ENABLED`, default on). Its test-only fields (extra trusted
    /// roots, loopback allowance) are never read from the environment.
    pub cimd: CimdSettings,
    /// Timeouts and connection caps at the HTTP edge.
    pub edge: EdgeSettings,
    /// A prefix for every Redis key, never read from the environment: tests that share one Redis
    /// keep their records apart with it (a user's session index is keyed by the GitHub user id, the
    /// same in every test). Empty in production.
    pub storage_prefix: String,
}

impl RawConfig {
    /// The settings whose values are secrets.
    pub const SECRETS: [&'static str; 3] = ["github_client_secret", "secret_key", "metrics_token"];
}

impl std::fmt::Debug for RawConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut fields = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return f.write_str("RawConfig { .. }"),
        };
        for name in Self::SECRETS {
            if let Some(v) = fields.get_mut(name).filter(|v| !v.is_null()) {
                *v = serde_json::Value::from("[redacted]");
            }
        }
        let mut out = f.debug_struct("RawConfig");
        for (name, value) in fields.iter().filter(|(_, v)| !v.is_null()) {
            out.field(name, value);
        }
        out.finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("public_url", &self.public_url.as_str())
            .field("bind_addr", &self.bind_addr)
            .field("github_client_id", &self.github_client_id)
            .field("github_client_secret", &"[redacted]")
            .field("github_base_url", &self.github_base_url.as_str())
            .field("github_api_url", &self.github_api_url.as_str())
            .field("upstream_mcp_url", &self.upstream_mcp.as_ref().map(|u| u.url.as_str()))
            .field("storage", &self.storage)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

/// The environment as envy reads it: every field a string, parsed and checked in [`Config::from_raw`].
/// Its `Debug` redacts the secrets ([`RawConfig::SECRETS`]).
#[derive(Default, Deserialize, Serialize)]
pub struct RawConfig {
    pub public_url: Option<String>,
    pub bind_addr: Option<String>,
    pub github_client_id: Option<String>,
    pub github_client_secret: Option<String>,
    pub github_base_url: Option<String>,
    pub github_api_url: Option<String>,
    pub github_scopes: Option<String>,
    pub toolsets: Option<String>,
    pub tools: Option<String>,
    pub exclude_tools: Option<String>,
    pub read_only: Option<String>,
    pub lockdown: Option<String>,
    pub lockdown_trusted_bots: Option<String>,
    pub upstream_mcp_url: Option<String>,
    pub storage_url: Option<String>,
    pub allowed_github_users: Option<String>,
    pub allowed_github_orgs: Option<String>,
    pub allowed_origins: Option<String>,
    pub allowed_redirect_schemes: Option<String>,
    pub access_token_ttl_secs: Option<String>,
    pub refresh_token_ttl_secs: Option<String>,
    pub auth_code_ttl_secs: Option<String>,
    pub refresh_grace_secs: Option<String>,
    pub consent_ttl_secs: Option<String>,
    pub session_idle_secs: Option<String>,
    pub session_memory_secs: Option<String>,
    pub rate_limit_per_minute: Option<String>,
    pub trust_proxy_headers: Option<String>,
    pub client_ttl_secs: Option<String>,
    pub max_clients: Option<String>,
    pub log_format: Option<String>,
    pub max_sessions: Option<String>,
    pub max_sessions_per_user: Option<String>,
    pub secret_key: Option<String>,
    pub shutdown_grace_secs: Option<String>,
    pub metrics_token: Option<String>,
    pub cimd_enabled: Option<String>,
    pub header_read_timeout_secs: Option<String>,
    pub request_body_timeout_secs: Option<String>,
    pub keep_alive_idle_secs: Option<String>,
    pub max_connections: Option<String>,
    pub max_connections_per_ip: Option<String>,
}

impl Config {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal; a malformed one is an error worth stopping for.
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            return Err(err(".env", e.to_string()));
        }
        let raw: RawConfig = envy::from_env().map_err(|e| err("environment", e.to_string()))?;
        Self::from_raw(raw)
    }

    pub fn from_raw(mut raw: RawConfig) -> Result<Self, ConfigError> {
        let trust_proxy_headers = proxy_headers(raw.trust_proxy_headers.take())?;
        let edge = edge_settings(&mut raw, trust_proxy_headers)?;
        let public_url = parse_public_url(required("PUBLIC_URL", raw.public_url)?)?;
        let bind_addr = match non_empty(raw.bind_addr) {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(v) => v.parse().map_err(|_| err("BIND_ADDR", format!("`{v}` is not an address like 0.0.0.0:8080")))?,
        };
        let github_client_id = required("GITHUB_CLIENT_ID", raw.github_client_id)?;
        let github_client_secret = required("GITHUB_CLIENT_SECRET", raw.github_client_secret)?;
        let github_base_url = parse_base_url("GITHUB_BASE_URL", raw.github_base_url, "https://github.com")?;
        let github_api_url = parse_base_url("GITHUB_API_URL", raw.github_api_url, "https://api.github.com")?;
        let upstream_mcp = match non_empty(raw.upstream_mcp_url) {
            None => None,
            Some(v) => Some(UpstreamMcp {
                url: parse_upstream_url(&v)?,
                toolsets: match non_empty(raw.toolsets.clone()) {
                    Some(t) => Some(upstream_toolsets(&t)?),
                    None => None,
                },
            }),
        };
        let tool_list = |name: &'static str, v: Option<String>| {
            toolsets::parse_tools(non_empty(v).as_deref().unwrap_or(""))
                .map_err(|bad| err(name, format!("`{bad}` is not a tool name (tool names are like get_me)")))
        };
        let tools = tool_list("TOOLS", raw.tools)?;
        let exclude_tools = tool_list("EXCLUDE_TOOLS", raw.exclude_tools)?;
        let toolsets = match non_empty(raw.toolsets) {
            // `TOOLS` alone offers only the tools it names, as GitHub's server does.
            None if !tools.is_empty() => BTreeSet::new(),
            None => Toolset::DEFAULT.into_iter().collect(),
            // Upstream mode passes the names on; the native selection is what of them it knows.
            Some(v) if upstream_mcp.is_some() => {
                let known: BTreeSet<Toolset> = v.split(',').filter_map(Toolset::parse).collect();
                if known.is_empty() { Toolset::DEFAULT.into_iter().collect() } else { known }
            }
            Some(v) => {
                let set = toolsets::parse_list(&v).map_err(|bad| {
                    let known: Vec<&str> = Toolset::ALL.iter().map(|t| t.name()).collect();
                    err("TOOLSETS", format!("unknown toolset `{bad}`; known: {}, or all", known.join(", ")))
                })?;
                if set.is_empty() {
                    return Err(err("TOOLSETS", "names no toolset"));
                }
                set
            }
        };
        let read_only = flag("READ_ONLY", raw.read_only)?;
        let lockdown = match non_empty(raw.lockdown).map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("off" | "false") => false,
            Some("on" | "true") => true,
            Some(other) => return Err(err("LOCKDOWN", format!("`{other}` is not on or off"))),
        };
        let lockdown_trusted_bots = match non_empty(raw.lockdown_trusted_bots) {
            None => vec!["github-actions[bot]".to_owned()],
            Some(v) => parse_list(&v.to_ascii_lowercase()),
        };
        let github_scopes_explicit = non_empty(raw.github_scopes.clone()).is_some();
        let github_scopes = match non_empty(raw.github_scopes) {
            Some(v) => parse_list(&v),
            None => {
                let mut needed = Vec::new();
                for toolset in &toolsets {
                    toolsets::ask_github_for(&mut needed, toolset.github_scopes());
                }
                needed.sort();
                needed
            }
        };
        let storage = parse_storage(non_empty(raw.storage_url))?;
        let lower = |v: Option<String>| -> BTreeSet<String> {
            parse_list(v.as_deref().unwrap_or("")).into_iter().map(|s| s.to_ascii_lowercase()).collect()
        };
        let allowed_users = lower(raw.allowed_github_users);
        if let Some(bad) =
            allowed_users.iter().find(|u| u.strip_prefix("id:").is_some_and(|id| id.parse::<u64>().is_err()))
        {
            return Err(err("ALLOWED_GITHUB_USERS", format!("`{bad}` is not id:NUMBER")));
        }
        let allowed_orgs = lower(raw.allowed_github_orgs);
        let mut allowed_origins = BTreeSet::new();
        for o in parse_list(raw.allowed_origins.as_deref().unwrap_or("")) {
            let url = Url::parse(&o).map_err(|_| err("ALLOWED_ORIGINS", format!("`{o}` is not an origin")))?;
            allowed_origins.insert(url.origin().ascii_serialization());
        }
        // Unset: Cursor's `cursor://` callback, so the client the landing page names signs in with
        // the defaults. Set (even empty): exactly the schemes listed.
        let allowed_redirect_schemes =
            lower(raw.allowed_redirect_schemes.or_else(|| Some(DEFAULT_REDIRECT_SCHEMES.into())));
        if let Some(bad) = allowed_redirect_schemes.iter().find(|s| {
            matches!(s.as_str(), "http" | "https" | "javascript" | "data" | "file" | "vbscript" | "about" | "blob")
                || !s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                || !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }) {
            return Err(err("ALLOWED_REDIRECT_SCHEMES", format!("`{bad}` is not an allowed private-use scheme")));
        }
        let auth_code_ttl = secs("AUTH_CODE_TTL_SECS", raw.auth_code_ttl_secs, 300, 1..=300)?;
        Ok(Config {
            public_url,
            bind_addr,
            github_client_id,
            github_client_secret,
            github_base_url,
            github_api_url,
            github_scopes,
            toolsets,
            tools,
            exclude_tools,
            github_scopes_explicit,
            read_only,
            lockdown,
            lockdown_trusted_bots,
            upstream_mcp,
            storage,
            allowed_users,
            allowed_orgs,
            allowed_origins,
            allowed_redirect_schemes,
            access_token_ttl: secs("ACCESS_TOKEN_TTL_SECS", raw.access_token_ttl_secs, 3600, 60..=86_400)?,
            refresh_token_ttl: secs(
                "REFRESH_TOKEN_TTL_SECS",
                raw.refresh_token_ttl_secs,
                30 * 86_400,
                3600..=365 * 86_400,
            )?,
            auth_code_ttl,
            refresh_grace: secs("REFRESH_GRACE_SECS", raw.refresh_grace_secs, 30, 0..=300)?,
            consent_ttl: secs("CONSENT_TTL_SECS", raw.consent_ttl_secs, 30 * 86_400, 0..=365 * 86_400)?,
            rate_limit_per_minute: number("RATE_LIMIT_PER_MINUTE", raw.rate_limit_per_minute, 60, 1..=100_000, None)?,
            trust_proxy_headers,
            log_json: match non_empty(raw.log_format).map(|v| v.to_ascii_lowercase()).as_deref() {
                None | Some("human") => false,
                Some("json") => true,
                Some(other) => return Err(err("LOG_FORMAT", format!("`{other}` is not human or json"))),
            },
            max_clients: count("MAX_CLIENTS", raw.max_clients, 100_000, 1..=10_000_000)?,
            client_ttl: secs("CLIENT_TTL_SECS", raw.client_ttl_secs, 90 * 86_400, 3600..=3650 * 86_400)?,
            session_idle: secs("SESSION_IDLE_SECS", raw.session_idle_secs, 1800, 1..=7 * 86_400)?,
            session_memory: secs("SESSION_MEMORY_SECS", raw.session_memory_secs, 120, 1..=7 * 86_400)?,
            max_sessions: count("MAX_SESSIONS", raw.max_sessions, 10_000, 1..=1_000_000)?,
            max_sessions_per_user: count("MAX_SESSIONS_PER_USER", raw.max_sessions_per_user, 20, 1..=10_000)?,
            secret_key: parse_secret_key(raw.secret_key)?,
            shutdown_grace: secs("SHUTDOWN_GRACE_SECS", raw.shutdown_grace_secs, DEFAULT_SHUTDOWN_GRACE_SECS, 0..=300)?,
            metrics_token: non_empty(raw.metrics_token),
            demo: false,
            cimd: CimdSettings { enabled: flag_or("CIMD_ENABLED", raw.cimd_enabled, true)?, ..CimdSettings::default() },
            edge,
            storage_prefix: String::new(),
        })
    }

    /// The issuer: `PUBLIC_URL` without a trailing slash, byte for byte what metadata advertises.
    pub fn issuer(&self) -> String {
        self.public_url.as_str().trim_end_matches('/').to_owned()
    }

    /// The protected resource: `PUBLIC_URL/mcp`.
    pub fn mcp_url(&self) -> String {
        format!("{}/mcp", self.issuer())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer())
    }

    /// The GitHub API URL for `path` (which starts with `/`), keeping any prefix such as `/api/v3`.
    pub fn github_api(&self, path: &str) -> String {
        format!("{}{path}", self.github_api_url.as_str().trim_end_matches('/'))
    }

    /// Cookies get the `__Host-` prefix and `Secure` only when the public URL is HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// What the operator offers, before any request narrows it.
    pub fn selection(&self) -> Selection {
        Selection {
            toolsets: self.toolsets.clone(),
            tools: self.tools.clone(),
            exclude: self.exclude_tools.clone(),
            read_only: self.read_only,
            lockdown: self.lockdown,
            narrowing: None,
        }
    }

    /// The `Host` values `/mcp` accepts: the public host and loopback names.
    pub fn allowed_hosts(&self) -> Vec<String> {
        let mut hosts = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
        if let Some(h) = self.public_url.host_str() {
            hosts.push(h.to_owned());
        }
        hosts
    }
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn required(var: &'static str, v: Option<String>) -> Result<String, ConfigError> {
    non_empty(v).ok_or_else(|| err(var, "is required but not set (see .env.example)"))
}

fn parse_list(v: &str) -> Vec<String> {
    toolsets::items(v).map(str::to_owned).collect()
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn parse_public_url(v: String) -> Result<Url, ConfigError> {
    const VAR: &str = "PUBLIC_URL";
    let url = Url::parse(&v).map_err(|e| err(VAR, format!("`{v}` is not a URL ({e})")))?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(err(VAR, "must not carry a query, fragment or user info"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => return Err(err(VAR, "must be https:// (plain http is allowed on loopback hosts only)")),
        s => return Err(err(VAR, format!("scheme `{s}` is not http(s)"))),
    }
    // Discovery documents live at the host root (RFC 8414 §3, RFC 9728 §3); a path would move them.
    if url.path() != "/" {
        return Err(err(VAR, "must be an origin without a path, e.g. https://mcp.example.com"));
    }
    let trimmed = v.trim_end_matches('/');
    Url::parse(trimmed).map_err(|e| err(VAR, e.to_string()))
}

/// `UPSTREAM_MCP_URL`: https (http on loopback only), kept exactly as written (GitHub's ends in `/`).
fn parse_upstream_url(v: &str) -> Result<Url, ConfigError> {
    const VAR: &str = "UPSTREAM_MCP_URL";
    let url = Url::parse(v.trim()).map_err(|e| err(VAR, format!("`{v}` is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || !url.username().is_empty() || url.fragment().is_some() {
        return Err(err(VAR, "must be an http(s) URL without user info or fragment"));
    }
    if url.scheme() == "http" && !is_loopback_host(&url) {
        return Err(err(VAR, "must be https:// (plain http is allowed on loopback hosts only)"));
    }
    Ok(url)
}

/// `TOOLSETS` in upstream mode: GitHub's toolset names, comma separated, or `all`.
fn upstream_toolsets(v: &str) -> Result<String, ConfigError> {
    let names: Vec<&str> = v.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
    if names.is_empty() {
        return Err(err("TOOLSETS", "names no toolset"));
    }
    if let Some(bad) = names.iter().find(|n| !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
        return Err(err("TOOLSETS", format!("`{bad}` is not a toolset name")));
    }
    Ok(names.join(","))
}

fn parse_base_url(var: &'static str, v: Option<String>, default: &str) -> Result<Url, ConfigError> {
    let v = non_empty(v).unwrap_or_else(|| default.to_owned());
    let url = Url::parse(&v).map_err(|e| err(var, format!("`{v}` is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.query().is_some() || !url.username().is_empty() {
        return Err(err(var, "must be an http(s) URL without query or user info"));
    }
    if url.scheme() == "http" && !is_loopback_host(&url) {
        return Err(err(var, "must be https:// (plain http is allowed on loopback hosts only)"));
    }
    Url::parse(v.trim_end_matches('/')).map_err(|e| err(var, e.to_string()))
}

/// A whole number within `range` (`default` when unset); `unit` names it in errors.
fn number<T>(
    var: &'static str,
    v: Option<String>,
    default: T,
    range: std::ops::RangeInclusive<T>,
    unit: Option<&str>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let (of_unit, in_unit) = unit.map_or((String::new(), String::new()), |u| (format!(" of {u}"), format!(" {u}")));
    let n = match non_empty(v) {
        None => default,
        Some(s) => s.parse::<T>().map_err(|_| err(var, format!("`{s}` is not a whole number{of_unit}")))?,
    };
    if !range.contains(&n) {
        return Err(err(var, format!("{n} is outside {}..={}{in_unit}", range.start(), range.end())));
    }
    Ok(n)
}

fn secs(
    var: &'static str,
    v: Option<String>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Duration, ConfigError> {
    number(var, v, default, range, Some("seconds")).map(Duration::from_secs)
}

/// A flag with a default for when it is unset.
fn flag_or(var: &'static str, v: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match non_empty(v) {
        None => Ok(default),
        v => flag(var, v),
    }
}

fn flag(var: &'static str, v: Option<String>) -> Result<bool, ConfigError> {
    match non_empty(v).map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("false" | "0" | "no") => Ok(false),
        Some("true" | "1" | "yes") => Ok(true),
        Some(other) => Err(err(var, format!("`{other}` is not true or false"))),
    }
}

fn count(
    var: &'static str,
    v: Option<String>,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ConfigError> {
    number(var, v, default, range, None)
}

/// Behind a proxy every connection comes from the proxy's address, so the per-address cap is off
/// unless the operator sets one.
fn edge_settings(raw: &mut RawConfig, proxy: ProxyHeaders) -> Result<EdgeSettings, ConfigError> {
    let d = EdgeSettings::default();
    let per_ip_default = if proxy == ProxyHeaders::None { d.max_connections_per_ip } else { 0 };
    Ok(EdgeSettings {
        header_read_timeout: secs(
            "HEADER_READ_TIMEOUT_SECS",
            raw.header_read_timeout_secs.take(),
            d.header_read_timeout.as_secs(),
            1..=300,
        )?,
        body_timeout: secs(
            "REQUEST_BODY_TIMEOUT_SECS",
            raw.request_body_timeout_secs.take(),
            d.body_timeout.as_secs(),
            1..=600,
        )?,
        keep_alive_idle: secs(
            "KEEP_ALIVE_IDLE_SECS",
            raw.keep_alive_idle_secs.take(),
            d.keep_alive_idle.as_secs(),
            1..=3600,
        )?,
        max_connections: count("MAX_CONNECTIONS", raw.max_connections.take(), d.max_connections, 16..=1_000_000)?,
        max_connections_per_ip: count(
            "MAX_CONNECTIONS_PER_IP",
            raw.max_connections_per_ip.take(),
            per_ip_default,
            0..=1_000_000,
        )?,
    })
}

fn parse_storage(v: Option<String>) -> Result<StorageUrl, ConfigError> {
    const VAR: &str = "STORAGE_URL";
    let Some(v) = v else { return Ok(StorageUrl::Sqlite(DEFAULT_SQLITE_PATH.into())) };
    if v == "memory://" {
        return Ok(StorageUrl::Memory);
    }
    if let Some(path) = v.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(err(VAR, "sqlite:// needs a file path, e.g. sqlite://./data/gateway.db"));
        }
        return Ok(StorageUrl::Sqlite(path.into()));
    }
    if v.starts_with("redis://") || v.starts_with("rediss://") {
        return match Url::parse(&v) {
            Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => Ok(StorageUrl::Redis(v)),
            _ => Err(err(VAR, format!("`{}` is not a valid Redis URL", redact_url(&v)))),
        };
    }
    Err(err(
        VAR,
        format!("`{}` is not supported; use sqlite://PATH, redis://HOST:PORT, rediss://… or memory://", redact_url(&v)),
    ))
}

fn parse_secret_key(v: Option<String>) -> Result<Option<Vec<u8>>, ConfigError> {
    use base64::Engine;
    let Some(s) = non_empty(v) else { return Ok(None) };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&s)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&s))
        .map_err(|_| err("SECRET_KEY", "must be base64 (generate with `openssl rand -base64 32`)"))?;
    if bytes.len() < 32 {
        return Err(err("SECRET_KEY", "must decode to at least 32 bytes"));
    }
    Ok(Some(bytes))
}

/// Hides the user info (and so any password) of a URL before it is printed, even when the URL
/// does not parse.
fn redact_url(v: &str) -> String {
    let Some((scheme, rest)) = v.split_once("://") else { return v.to_owned() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => v.to_owned(),
    }
}

/// A valid configuration for unit tests: `https://mcp.example.com`, memory storage.
#[cfg(test)]
pub(crate) fn for_tests() -> Config {
    Config::from_raw(RawConfig {
        public_url: Some("https://mcp.example.com".into()),
        github_client_id: Some("i".into()),
        github_client_secret: Some("s".into()),
        storage_url: Some("memory://".into()),
        ..Default::default()
    })
    .expect("a valid test configuration")
}

#[cfg(test)]
mod tests;
