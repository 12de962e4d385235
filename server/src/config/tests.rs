//! `Config` parsing: defaults, every setting's validation, and what `Debug` shows.

use super::*;

fn raw() -> RawConfig {
    RawConfig {
        public_url: Some("https://mcp.example.com/".into()),
        github_client_id: Some("id".into()),
        github_client_secret: Some("secret".into()),
        ..Default::default()
    }
}

#[test]
fn debug_output_of_the_settings_shows_no_secret() {
    let mut r = raw();
    r.github_client_secret = Some("gh-client-secret-value".into());
    r.secret_key = Some("c2VjcmV0LWtleS1zZWNyZXQta2V5LXNlY3JldC1rZXktc2VjcmV0IQ==".into());
    r.metrics_token = Some("metrics-token-value".into());
    let raw_debug = format!("{r:?}");
    let config = Config::from_raw(r).expect("valid");
    let config_debug = format!("{config:?}");
    for secret in ["gh-client-secret-value", "c2VjcmV0LWtleS1zZWNyZXQta2V5", "metrics-token-value"] {
        assert!(
            !raw_debug.contains(secret) && !config_debug.contains(secret),
            "{secret} in {raw_debug} / {config_debug}"
        );
    }
    assert!(raw_debug.contains("public_url") && raw_debug.contains("[redacted]"), "{raw_debug}");
}

#[test]
fn defaults_and_derived_urls() {
    let c = Config::from_raw(raw()).unwrap();
    assert_eq!(c.issuer(), "https://mcp.example.com");
    assert_eq!(c.mcp_url(), "https://mcp.example.com/mcp");
    assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8080");
    assert_eq!(c.github_api("/user"), "https://api.github.com/user");
    assert_eq!(c.storage, StorageUrl::Sqlite(DEFAULT_SQLITE_PATH.into()));
    assert_eq!(c.auth_code_ttl, Duration::from_secs(300));
    assert!(c.secure_cookies());
    assert_eq!(c.toolsets.len(), 6);
    assert!(!c.read_only);
    assert!(!c.lockdown && c.lockdown_trusted_bots == ["github-actions[bot]"]);
    assert!(c.cimd.enabled && !c.cimd.allow_loopback && c.cimd.extra_root_certs_pem.is_empty());
    assert_eq!(c.github_scopes, vec!["read:org", "repo"], "what the default toolsets need");
}

#[test]
fn lockdown_and_its_trusted_bots() {
    let mut r = raw();
    r.lockdown = Some("ON".into());
    r.lockdown_trusted_bots = Some("Renovate[bot], dependabot[bot]".into());
    let c = Config::from_raw(r).unwrap();
    assert!(c.lockdown && c.selection().lockdown);
    assert_eq!(c.lockdown_trusted_bots, ["renovate[bot]", "dependabot[bot]"]);
}

#[test]
fn toolsets_read_only_and_the_scopes_they_need() {
    let mut r = raw();
    r.toolsets = Some("all".into());
    r.read_only = Some("TRUE".into());
    let c = Config::from_raw(r).unwrap();
    assert_eq!(c.toolsets.len(), 17);
    assert!(c.read_only);
    assert_eq!(
        c.github_scopes,
        vec!["gist", "notifications", "project", "read:org", "repo"],
        "repo includes stargazers' public_repo and the security toolsets' security_events"
    );
    let mut r = raw();
    r.toolsets = Some("stargazers".into());
    assert_eq!(Config::from_raw(r).unwrap().github_scopes, vec!["public_repo"]);
    let mut r = raw();
    r.toolsets = Some("dependabot,code_security".into());
    assert_eq!(Config::from_raw(r).unwrap().github_scopes, vec!["security_events"], "alerts without code access");
    let mut r = raw();
    r.toolsets = Some("users".into());
    r.github_scopes = Some("read:user".into());
    assert_eq!(Config::from_raw(r).unwrap().github_scopes, vec!["read:user"], "an explicit value wins");
}

#[test]
fn api_url_keeps_enterprise_path() {
    let mut r = raw();
    r.github_api_url = Some("https://ghe.example.com/api/v3/".into());
    let c = Config::from_raw(r).unwrap();
    assert_eq!(c.github_api("/user"), "https://ghe.example.com/api/v3/user");
}

#[test]
fn each_bad_value_names_its_variable() {
    type Mutation = Box<dyn Fn(&mut RawConfig)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("PUBLIC_URL", Box::new(|r| r.public_url = None)),
        ("PUBLIC_URL", Box::new(|r| r.public_url = Some("http://example.com".into()))),
        ("PUBLIC_URL", Box::new(|r| r.public_url = Some("not a url".into()))),
        ("PUBLIC_URL", Box::new(|r| r.public_url = Some("https://example.com/gateway".into()))),
        ("GITHUB_CLIENT_ID", Box::new(|r| r.github_client_id = Some("  ".into()))),
        ("GITHUB_CLIENT_SECRET", Box::new(|r| r.github_client_secret = None)),
        ("BIND_ADDR", Box::new(|r| r.bind_addr = Some("localhost".into()))),
        ("GITHUB_API_URL", Box::new(|r| r.github_api_url = Some("ftp://x".into()))),
        ("STORAGE_URL", Box::new(|r| r.storage_url = Some("postgres://u:pw@host/db".into()))),
        ("STORAGE_URL", Box::new(|r| r.storage_url = Some("sqlite://".into()))),
        ("STORAGE_URL", Box::new(|r| r.storage_url = Some("redis://:pw@".into()))),
        ("ACCESS_TOKEN_TTL_SECS", Box::new(|r| r.access_token_ttl_secs = Some("1h".into()))),
        ("AUTH_CODE_TTL_SECS", Box::new(|r| r.auth_code_ttl_secs = Some("900".into()))),
        ("SECRET_KEY", Box::new(|r| r.secret_key = Some("c2hvcnQ=".into()))),
        ("ALLOWED_ORIGINS", Box::new(|r| r.allowed_origins = Some("nope".into()))),
        ("TOOLSETS", Box::new(|r| r.toolsets = Some("repos,wiki".into()))),
        ("TRUST_PROXY_HEADERS", Box::new(|r| r.trust_proxy_headers = Some("sometimes".into()))),
        // `true` no longer says which header: refused rather than guessed.
        ("TRUST_PROXY_HEADERS", Box::new(|r| r.trust_proxy_headers = Some("true".into()))),
        ("RATE_LIMIT_PER_MINUTE", Box::new(|r| r.rate_limit_per_minute = Some("0".into()))),
        ("LOG_FORMAT", Box::new(|r| r.log_format = Some("xml".into()))),
        ("MAX_CLIENTS", Box::new(|r| r.max_clients = Some("-1".into()))),
        ("CLIENT_TTL_SECS", Box::new(|r| r.client_ttl_secs = Some("10".into()))),
        ("MAX_SESSIONS_PER_USER", Box::new(|r| r.max_sessions_per_user = Some("0".into()))),
        ("MAX_SESSIONS", Box::new(|r| r.max_sessions = Some("many".into()))),
        ("SESSION_IDLE_SECS", Box::new(|r| r.session_idle_secs = Some("0".into()))),
        ("TOOLSETS", Box::new(|r| r.toolsets = Some(" , ".into()))),
        ("READ_ONLY", Box::new(|r| r.read_only = Some("maybe".into()))),
        ("LOCKDOWN", Box::new(|r| r.lockdown = Some("partly".into()))),
        ("CIMD_ENABLED", Box::new(|r| r.cimd_enabled = Some("perhaps".into()))),
        ("ALLOWED_REDIRECT_SCHEMES", Box::new(|r| r.allowed_redirect_schemes = Some("cursor,javascript".into()))),
        ("ALLOWED_GITHUB_USERS", Box::new(|r| r.allowed_github_users = Some("octocat,id:12x".into()))),
        ("HEADER_READ_TIMEOUT_SECS", Box::new(|r| r.header_read_timeout_secs = Some("0".into()))),
        ("REQUEST_BODY_TIMEOUT_SECS", Box::new(|r| r.request_body_timeout_secs = Some("soon".into()))),
        ("KEEP_ALIVE_IDLE_SECS", Box::new(|r| r.keep_alive_idle_secs = Some("99999".into()))),
        ("MAX_CONNECTIONS", Box::new(|r| r.max_connections = Some("3".into()))),
        ("MAX_CONNECTIONS_PER_IP", Box::new(|r| r.max_connections_per_ip = Some("-5".into()))),
    ];
    for (var, mutate) in cases {
        let mut r = raw();
        mutate(&mut r);
        let e = Config::from_raw(r).expect_err(var);
        assert_eq!(e.var, var, "{e}");
        assert!(e.to_string().starts_with(var));
        assert!(!e.to_string().contains("pw@"), "password leaked: {e}");
    }
}

#[test]
fn the_per_address_connection_cap_is_off_behind_a_proxy_unless_set() {
    assert_eq!(Config::from_raw(raw()).unwrap().edge, EdgeSettings::default());
    let mut behind = raw();
    behind.trust_proxy_headers = Some("fly".into());
    assert_eq!(Config::from_raw(behind).unwrap().edge.max_connections_per_ip, 0);
    let mut set = raw();
    set.trust_proxy_headers = Some("x-forwarded-for".into());
    set.max_connections_per_ip = Some("64".into());
    assert_eq!(Config::from_raw(set).unwrap().edge.max_connections_per_ip, 64);
}

/// Every variable `RawConfig` reads is documented in `.env.example` and the README, and the
/// example's active lines form a valid configuration.
#[test]
fn env_example_and_readme_document_every_variable() {
    let example = include_str!("../../../.env.example");
    let readme = include_str!("../../../README.md");
    let fields = serde_json::to_value(RawConfig::default()).unwrap();
    let vars: Vec<String> = fields.as_object().unwrap().keys().map(|k| k.to_ascii_uppercase()).collect();
    assert!(vars.len() >= 17);
    for var in &vars {
        assert!(example.contains(&format!("{var}=")), "{var} missing from .env.example");
        assert!(readme.contains(&format!("`{var}`")), "{var} missing from the README's table");
    }
    let active = example
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && l.contains('='))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()));
    let raw: RawConfig = envy::from_iter(active).unwrap();
    Config::from_raw(raw).expect(".env.example is a valid configuration");
}

#[test]
fn storage_urls() {
    let parse = |v: &str| parse_storage(Some(v.into())).unwrap();
    assert_eq!(parse("memory://"), StorageUrl::Memory);
    assert_eq!(parse("sqlite:///var/lib/mgw/db.sqlite"), StorageUrl::Sqlite("/var/lib/mgw/db.sqlite".into()));
    assert_eq!(
        parse("rediss://:pw@redis.internal:6380/0"),
        StorageUrl::Redis("rediss://:pw@redis.internal:6380/0".into())
    );
    assert!(!format!("{:?}", parse("redis://:hunter2@h:6379")).contains("hunter2"), "Debug hides the password");
    assert_eq!(redact_url("redis://u:p@@h:1/0"), "redis://***@h:1/0");
    assert_eq!(redact_url("redis://h:1/0?x=a@b"), "redis://h:1/0?x=a@b");
}

#[test]
fn loopback_http_is_allowed_for_development() {
    let mut r = raw();
    r.public_url = Some("http://127.0.0.1:8080".into());
    r.allowed_github_users = Some("OctoCat, hubot".into());
    let c = Config::from_raw(r).unwrap();
    assert!(!c.secure_cookies());
    assert!(c.allowed_users.contains("octocat"));
    assert_eq!(c.allowed_users.len(), 2);
}
