//! Shared helpers for the end-to-end tests: the gateway and the GitHub emulator on 127.0.0.1:0, a
//! scripted browser (cookie jar, manual redirects, consent form), PKCE, and MCP requests.
#![allow(dead_code)]

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use github_emulator::{Emulator, EmulatorConfig};
use mcp_github_gateway::{AppState, Config, clock::ManualClock, config::RawConfig};
use reqwest::{StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const REDIRECT: &str = "http://127.0.0.1:7777/callback";
pub const PROTOCOL: &str = "2025-06-18";

/// A client of a running gateway (in-process or the real binary): plain HTTP, no cookies, no redirects.
/// POST `token_url` refreshing `refresh` for `client_id`: an owned future, for running many at once.
pub async fn refresh_at(
    http: reqwest::Client,
    token_url: String,
    refresh: String,
    client_id: String,
) -> (StatusCode, Value) {
    let form = [("grant_type", "refresh_token"), ("refresh_token", &refresh), ("client_id", &client_id)];
    let resp = http.post(token_url).form(&form).send().await.expect("token endpoint");
    (resp.status(), resp.json().await.unwrap_or(Value::Null))
}

pub struct Gateway {
    pub base: String,
    pub http: reqwest::Client,
}

/// The gateway and the GitHub emulator running in this process, with a manual clock.
pub struct Harness {
    pub gw: Gateway,
    pub emulator: Emulator,
    pub clock: ManualClock,
    pub state: AppState,
    server: tokio::task::JoinHandle<()>,
}

impl std::ops::Deref for Harness {
    type Target = Gateway;
    fn deref(&self) -> &Gateway {
        &self.gw
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn raw_config(base: &str, emulator: &Emulator) -> RawConfig {
    RawConfig {
        public_url: Some(base.to_owned()),
        github_client_id: Some(emulator.client_id()),
        github_client_secret: Some(emulator.client_secret()),
        github_base_url: Some(emulator.base_url()),
        github_api_url: Some(emulator.api_url()),
        storage_url: Some("memory://".into()),
        ..Default::default()
    }
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(EmulatorConfig::default(), |_| {}).await
    }

    pub async fn start_with(emulator: EmulatorConfig, tweak: impl FnOnce(&mut RawConfig)) -> Self {
        let emulator = github_emulator::start(emulator).await.expect("emulator starts");
        Self::start_instance(emulator, ManualClock::default(), None, tweak).await
    }

    /// Another gateway instance behind the same public URL, on the same emulator, clock and storage
    /// settings (`tweak` must name a shared storage, such as Redis, for the two to share state).
    pub async fn twin(&self, tweak: impl FnOnce(&mut RawConfig)) -> Self {
        let prefix = self.state.config.storage_prefix.clone();
        Self::start_instance_configured(
            self.emulator.clone(),
            self.clock.clone(),
            Some(self.state.config.issuer()),
            tweak,
            |c| c.storage_prefix = prefix,
        )
        .await
    }

    /// [`Harness::start_with`], then `configure` adjusts the checked `Config` before the gateway
    /// starts: for settings that exist only for tests, never in the environment.
    pub async fn start_configured(
        emulator: EmulatorConfig,
        tweak: impl FnOnce(&mut RawConfig),
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let emulator = github_emulator::start(emulator).await.expect("emulator starts");
        Self::start_instance_configured(emulator, ManualClock::default(), None, tweak, configure).await
    }

    /// A gateway on 127.0.0.1:0 whose PUBLIC_URL is its own address, or `public_url` when given.
    pub async fn start_instance(
        emulator: Emulator,
        clock: ManualClock,
        public_url: Option<String>,
        tweak: impl FnOnce(&mut RawConfig),
    ) -> Self {
        Self::start_instance_configured(emulator, clock, public_url, tweak, |_| {}).await
    }

    async fn start_instance_configured(
        emulator: Emulator,
        clock: ManualClock,
        public_url: Option<String>,
        tweak: impl FnOnce(&mut RawConfig),
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("debug,hyper=info,h2=info,rustls=info")
                .with_test_writer()
                .try_init();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let mut raw = raw_config(public_url.as_deref().unwrap_or(&base), &emulator);
        tweak(&mut raw);
        let mut config = Config::from_raw(raw).expect("valid config");
        // As the binary does at start-up.
        mcp_github_gateway::mcp::tools::Registry::shared().settle(&mut config).expect("known tools");
        configure(&mut config);
        // Tests share one Redis: each harness (and its twins) keeps its keys apart.
        if config.storage_prefix.is_empty() {
            config.storage_prefix = format!("test-{}-{}", rand_suffix(), rand::random::<u32>());
        }
        let state = AppState::with_clock(config, Arc::new(clock.clone())).await.expect("state");
        let app_state = state.clone();
        let server = tokio::spawn(async move {
            let _ = mcp_github_gateway::serve(listener, app_state, std::future::pending()).await;
        });
        let gw = Gateway::new(&base);
        Harness { gw, emulator, clock, state, server }
    }
}

impl Gateway {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Gateway { base: base.to_owned(), http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The MCP URL requests go to (this instance's own address).
    pub fn mcp_url(&self) -> String {
        self.url("/mcp")
    }

    /// Registers a public client for `REDIRECT`; returns the client_id.
    pub async fn register_public(&self) -> String {
        let body = self
            .register(json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
            "client_name": "Test Client", "grant_types": ["authorization_code", "refresh_token"]}))
            .await;
        body["client_id"].as_str().expect("client_id").to_owned()
    }

    pub async fn register(&self, metadata: Value) -> Value {
        let resp = self.http.post(self.url("/register")).json(&metadata).send().await.expect("register");
        assert_eq!(resp.status(), StatusCode::CREATED, "registration failed");
        resp.json().await.expect("json")
    }

    /// POST /token with a form; returns status and JSON body.
    pub async fn token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let resp = self.http.post(self.url("/token")).form(form).send().await.expect("token");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// POST /token redeeming `code` and its PKCE `verifier` for `client_id`, with the test redirect
    /// URI and this server's MCP resource; a field in `extra` (a client secret, another redirect URI,
    /// no `resource` when its value is empty) replaces or adds to these.
    pub async fn redeem(
        &self,
        client_id: &str,
        code: &str,
        verifier: &str,
        extra: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let resource = self.mcp_url();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("client_id", client_id),
            ("resource", resource.as_str()),
        ];
        for (key, value) in extra {
            form.retain(|(k, _)| k != key);
            if !value.is_empty() {
                form.push((key, value));
            }
        }
        self.token(&form).await
    }

    /// The whole browser part of a login for `client_id`: returns the final redirect to the client.
    pub async fn authorize(&self, browser: &Browser, client_id: &str, pkce: &Pkce, extra: &[(&str, &str)]) -> String {
        let url = self.authorize_url(client_id, pkce, extra);
        browser.run_to_client(&url, REDIRECT).await
    }

    pub fn authorize_url(&self, client_id: &str, pkce: &Pkce, extra: &[(&str, &str)]) -> String {
        let mut url = url::Url::parse(&self.url("/authorize")).expect("url");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", client_id)
                .append_pair("redirect_uri", REDIRECT)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256")
                .append_pair("state", "client-state-123")
                .append_pair("resource", &self.mcp_url());
            for (k, v) in extra {
                q.append_pair(k, v);
            }
        }
        url.to_string()
    }

    /// Registration, login and code exchange: a ready-to-use token pair.
    pub async fn login(&self) -> Tokens {
        let client_id = self.register_public().await;
        self.login_with(&client_id).await
    }

    pub async fn login_with(&self, client_id: &str) -> Tokens {
        self.login_extra(client_id, &[]).await
    }

    /// A login whose authorization request adds `extra` parameters (e.g. a scope).
    pub async fn login_extra(&self, client_id: &str, extra: &[(&str, &str)]) -> Tokens {
        let pkce = Pkce::new();
        let browser = Browser::new();
        let back = self.authorize(&browser, client_id, &pkce, extra).await;
        let code = query_param(&back, "code").expect("code in redirect");
        let (status, body) = self.redeem(client_id, &code, &pkce.verifier, &[]).await;
        assert_eq!(status, StatusCode::OK, "token exchange failed: {body}");
        Tokens {
            client_id: client_id.to_owned(),
            access: body["access_token"].as_str().expect("access").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh").to_owned(),
            body,
        }
    }

    /// POST a JSON-RPC message to /mcp; returns status, headers and the JSON-RPC reply (if any).
    pub async fn mcp(&self, token: Option<&str>, session: Option<&str>, msg: Value) -> McpReply {
        self.mcp_with(token, session, msg, &[]).await
    }

    pub async fn mcp_with(
        &self,
        token: Option<&str>,
        session: Option<&str>,
        msg: Value,
        headers: &[(&str, &str)],
    ) -> McpReply {
        let mut req = self
            .http
            .post(self.mcp_url())
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(msg.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(s) = session {
            req = req.header("mcp-session-id", s);
            if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("mcp-protocol-version")) {
                req = req.header("mcp-protocol-version", PROTOCOL);
            }
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("mcp request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = tokio::time::timeout(Duration::from_secs(10), resp.text())
            .await
            .expect("reply in time")
            .unwrap_or_default();
        McpReply { status, headers, body: parse_sse_or_json(&text), text }
    }

    /// initialize + notifications/initialized; returns the session id.
    pub async fn mcp_session(&self, token: &str) -> String {
        let reply = self
            .mcp(
                Some(token),
                None,
                json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "initialize failed: {}", reply.text);
        let session = reply.headers.get("mcp-session-id").expect("session id").to_str().expect("ascii").to_owned();
        let ack = self
            .mcp(Some(token), Some(&session), json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        assert_eq!(ack.status, StatusCode::ACCEPTED, "{}", ack.text);
        session
    }

    pub async fn call_tool(&self, token: &str, session: &str, name: &str, args: Value) -> McpReply {
        self.call_tool_with(token, session, name, args, &[]).await
    }

    /// [`Harness::call_tool`] with extra request headers.
    pub async fn call_tool_with(
        &self,
        token: &str,
        session: &str,
        name: &str,
        args: Value,
        headers: &[(&str, &str)],
    ) -> McpReply {
        use std::sync::atomic::{AtomicU64, Ordering};
        static ID: AtomicU64 = AtomicU64::new(100);
        let id = ID.fetch_add(1, Ordering::Relaxed);
        let msg =
            json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}});
        self.mcp_with(Some(token), Some(session), msg, headers).await
    }
}

pub struct McpReply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Option<Value>,
    pub text: String,
}

/// The first JSON-RPC message with an `id` in an SSE stream, or the JSON body.
fn parse_sse_or_json(text: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Some(v);
    }
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|v| v.get("id").is_some())
}

pub struct Tokens {
    pub client_id: String,
    pub access: String,
    pub refresh: String,
    pub body: Value,
}

pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Self {
        let verifier = format!("{}-verifier-{}", "v".repeat(30), rand_suffix());
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce { verifier, challenge }
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url).ok()?.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// A scripted browser: keeps cookies, follows redirects by hand, submits the consent form.
pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
}

/// A rendered consent form's fields.
#[derive(Debug, Clone)]
pub struct ConsentForm {
    pub action: String,
    pub request: String,
    pub csrf_token: String,
}

impl ConsentForm {
    pub fn parse(html: &str) -> Option<Self> {
        let field = |name: &str| {
            let marker = format!("name=\"{name}\" value=\"");
            let start = html.find(&marker)? + marker.len();
            let end = html[start..].find('"')? + start;
            Some(html[start..end].replace("&#x2f;", "/").replace("&amp;", "&"))
        };
        let action = {
            let marker = "action=\"";
            let start = html.find(marker)? + marker.len();
            let end = html[start..].find('"')? + start;
            html[start..end].replace("&#x2f;", "/")
        };
        Some(ConsentForm { action, request: field("request")?, csrf_token: field("csrf_token")? })
    }
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("browser");
        Browser { client, jar }
    }

    /// The `Cookie` header this browser would send to `url`.
    pub fn cookies_for(&self, url: &str) -> String {
        use reqwest::cookie::CookieStore;
        self.jar.cookies(&url.parse().expect("url")).map(|v| v.to_str().unwrap_or("").to_owned()).unwrap_or_default()
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.client.get(url).send().await.expect("GET")
    }

    pub async fn submit(&self, form: &ConsentForm, decision: &str) -> reqwest::Response {
        self.client
            .post(&form.action)
            .form(&[
                ("request", form.request.as_str()),
                ("csrf_token", form.csrf_token.as_str()),
                ("decision", decision),
            ])
            .send()
            .await
            .expect("POST consent")
    }

    /// Follows redirects from `url`, approving any consent page, until a redirect to `client_prefix`;
    /// returns that URL. Panics on any other dead end.
    pub async fn run_to_client(&self, url: &str, client_prefix: &str) -> String {
        let mut next = url.to_owned();
        let mut resp = self.get(&next).await;
        for _ in 0..10 {
            if resp.status().is_redirection() {
                let location = resp.headers()["location"].to_str().expect("location").to_owned();
                next = url::Url::parse(&next).expect("url").join(&location).expect("join").to_string();
                if next.starts_with(client_prefix) {
                    return next;
                }
                resp = self.get(&next).await;
                continue;
            }
            let status = resp.status();
            let html = resp.text().await.unwrap_or_default();
            let form = ConsentForm::parse(&html).unwrap_or_else(|| panic!("stuck at {next} ({status}): {html}"));
            resp = self.submit(&form, "approve").await;
        }
        panic!("too many redirects from {url}");
    }

    /// Follows redirects until a page (non-redirect) is reached; returns the response.
    pub async fn until_page(&self, url: &str) -> reqwest::Response {
        let mut next = url.to_owned();
        for _ in 0..10 {
            let resp = self.get(&next).await;
            if !resp.status().is_redirection() {
                return resp;
            }
            let location = resp.headers()["location"].to_str().expect("location").to_owned();
            next = url::Url::parse(&next).expect("url").join(&location).expect("join").to_string();
        }
        panic!("too many redirects");
    }
}

/// A signed-in user (octocat) with an MCP session, every toolset enabled.
pub struct ToolSession {
    pub h: Harness,
    pub token: String,
    pub session: String,
}

impl ToolSession {
    pub async fn start() -> Self {
        Self::with(|_| {}).await
    }

    pub async fn with(tweak: impl FnOnce(&mut mcp_github_gateway::config::RawConfig)) -> Self {
        Self::with_emulator(github_emulator::EmulatorConfig::default(), tweak).await
    }

    /// [`ToolSession::with`] against an emulator configured as `emulator` says.
    pub async fn with_emulator(
        emulator: github_emulator::EmulatorConfig,
        tweak: impl FnOnce(&mut mcp_github_gateway::config::RawConfig),
    ) -> Self {
        let h = Harness::start_with(emulator, |c| {
            c.toolsets = Some("all".into());
            tweak(c);
        })
        .await;
        let t = h.login().await;
        let session = h.mcp_session(&t.access).await;
        ToolSession { h, token: t.access, session }
    }

    /// Calls a tool; returns (isError, structuredContent or the text content).
    pub async fn call(&self, name: &str, args: Value) -> (bool, Value) {
        self.call_as(&(self.token.clone(), self.session.clone()), name, args).await
    }

    /// Signs `login` in afresh, as a second user beside the session's own (who stays the
    /// emulator's login user afterwards); returns their access token and MCP session.
    pub async fn sign_in_as(&self, login: &str) -> (String, String) {
        assert!(self.h.emulator.set_login_user(login));
        let t = self.h.login().await;
        let session = self.h.mcp_session(&t.access).await;
        assert!(self.h.emulator.set_login_user("octocat"));
        (t.access, session)
    }

    /// [`ToolSession::call`] as the user of `who` (from [`ToolSession::sign_in_as`]).
    pub async fn call_as(&self, who: &(String, String), name: &str, args: Value) -> (bool, Value) {
        self.call_with(who, name, args, &[]).await
    }

    /// [`ToolSession::call_as`] with extra request headers.
    pub async fn call_with(
        &self,
        who: &(String, String),
        name: &str,
        args: Value,
        headers: &[(&str, &str)],
    ) -> (bool, Value) {
        let r = self.h.call_tool_with(&who.0, &who.1, name, args, headers).await;
        let body = r.body.unwrap_or_else(|| panic!("no JSON-RPC reply ({}): {}", r.status, r.text));
        let result = body.get("result").unwrap_or_else(|| panic!("JSON-RPC error: {body}"));
        let is_error = result["isError"].as_bool().unwrap_or(false);
        let content = match result.get("structuredContent") {
            Some(v) => v.clone(),
            None => json!(result["content"][0]["text"]),
        };
        (is_error, content)
    }
}

/// The Redis the storage tests use: `REDIS_URL`, or `None` (skip) outside CI. In CI a missing
/// `REDIS_URL` fails the test, so the Redis paths are always exercised there.
pub fn redis_url() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!("REDIS_URL must be set in CI (.ci/run starts a redis-server)"),
        _ => {
            eprintln!("skipped: set REDIS_URL to run the Redis tests");
            None
        }
    }
}

// ---- the real binary ----

pub const BIN: &str = env!("CARGO_BIN_EXE_mcp-github-gateway");

/// A command with a clean environment, run in an empty directory (so no `.env` is picked up).
pub fn command(dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(BIN);
    cmd.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default()).current_dir(dir);
    cmd
}

pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mgw-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

pub struct Running {
    pub child: std::process::Child,
    pub log: std::path::PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Starts the binary in `dir` (default storage: `dir/data/gateway.db`) against `emulator`, logging to
/// `dir/gateway.log`, and waits until it answers.
pub async fn spawn_gateway(
    dir: &std::path::Path,
    port: u16,
    emulator: &github_emulator::Emulator,
    log_filter: &str,
) -> Running {
    spawn_gateway_with(dir, port, emulator, log_filter, &[]).await
}

/// [`spawn_gateway`] with extra environment variables.
pub async fn spawn_gateway_with(
    dir: &std::path::Path,
    port: u16,
    emulator: &github_emulator::Emulator,
    log_filter: &str,
    env: &[(&str, &str)],
) -> Running {
    let base = format!("http://127.0.0.1:{port}");
    let log = dir.join("gateway.log");
    let file = std::fs::OpenOptions::new().create(true).append(true).open(&log).unwrap();
    let raw = raw_config(&base, emulator);
    let child = command(dir)
        .env("PUBLIC_URL", &base)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("GITHUB_CLIENT_ID", raw.github_client_id.unwrap())
        .env("GITHUB_CLIENT_SECRET", raw.github_client_secret.unwrap())
        .env("GITHUB_BASE_URL", raw.github_base_url.unwrap())
        .env("GITHUB_API_URL", raw.github_api_url.unwrap())
        .env("RUST_LOG", log_filter)
        .envs(env.iter().copied())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .expect("spawn");
    let running = Running { child, log };
    wait_ready(&base).await;
    running
}

pub async fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if reqwest::get(format!("{base}/.well-known/oauth-authorization-server"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the binary did not become ready");
}

/// Tool arguments naming the seeded `octocat/hello-world`, plus `extra` (an object).
pub fn hello_world(extra: Value) -> Value {
    in_repo("octocat", "hello-world", extra)
}

/// Tool arguments naming the seeded `github/docs` (an organization's repository), plus `extra`.
pub fn github_docs(extra: Value) -> Value {
    in_repo("github", "docs", extra)
}

fn in_repo(owner: &str, repo: &str, extra: Value) -> Value {
    let mut args = json!({"owner": owner, "repo": repo});
    for (k, v) in extra.as_object().expect("extra arguments are an object") {
        args[k] = v.clone();
    }
    args
}

/// The error text of a failed tool call (see [`ToolSession::call`]).
pub fn error_text(out: &Value) -> &str {
    out.as_str().unwrap_or_else(|| panic!("error text expected, got {out}"))
}

/// Fails if a projection still carries any of `noise` (keys) or an API/avatar URL anywhere inside.
pub fn assert_no_noise(v: &Value, noise: &[&str]) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                assert!(!noise.contains(&k.as_str()), "noise field `{k}` left in the projection");
                assert_no_noise(x, noise);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| assert_no_noise(x, noise)),
        Value::String(s) => assert!(!s.contains("/avatars/") && !s.contains("/api/v3/"), "API or avatar URL: {s}"),
        _ => {}
    }
}

/// `clients/`: the real MCP clients and GitHub's GraphQL schema the tests run, installed by `.ci/run`.
pub fn clients_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../clients")
}

fn node_clients() -> std::path::PathBuf {
    clients_dir().join("node")
}

/// Whether GitHub's published GraphQL schema (`@octokit/graphql-schema`, `npm ci` in
/// `clients/node`) is here to validate against; in CI it must be.
pub fn graphql_schema_installed() -> bool {
    let clients = node_clients();
    let there = clients.join("node_modules/node/bin/node").exists()
        && clients.join("node_modules/@octokit/graphql-schema").exists();
    if !there {
        assert!(std::env::var_os("CI").is_none(), "GitHub's GraphQL schema is not installed (npm ci in clients/node)");
        eprintln!("skipped: GitHub's GraphQL schema is not installed (npm ci in clients/node)");
    }
    there
}

/// Asserts that every one of `documents` is valid against GitHub's published schema.
pub async fn assert_valid_graphql(documents: &[String]) {
    let clients = node_clients();
    let mut child = tokio::process::Command::new(clients.join("node_modules/node/bin/node"))
        .arg("validate_graphql.mjs")
        .current_dir(&clients)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node runs");
    let mut stdin = child.stdin.take().expect("stdin");
    tokio::io::AsyncWriteExt::write_all(&mut stdin, &serde_json::to_vec(documents).expect("JSON"))
        .await
        .expect("write");
    drop(stdin);
    let out = child.wait_with_output().await.expect("node finishes");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "documents GitHub's schema refuses:\n{report}");
    let n = documents.len();
    assert!(report.contains(&format!("{n} of {n} documents valid")), "{report}");
}
