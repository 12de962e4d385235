//! Clients this project did not write, unmodified and pinned (`clients/`), sign in through the
//! gateway and use it: the Python `mcp` SDK, the TypeScript SDK and `mcp-remote` (the stdio bridge
//! Claude Desktop uses for remote servers, signing in via $BROWSER) each complete login, tools/list,
//! tools/call and a token refresh of their own.
//! Each runs against the real binary (default embedded storage) and the GitHub emulator.
//! `.ci/run` installs them; elsewhere the tests are skipped unless they are installed.

mod common;

use std::{
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

use common::{Running, clients_dir, free_port, spawn_gateway_with, temp_dir};
use github_emulator::Emulator;

/// The real binary against a fresh emulator; returns the process, its MCP URL and the emulator.
async fn gateway(name: &str) -> (Running, String, Emulator) {
    gateway_in(name, Mode::Native).await
}

/// Native tools, or upstream mode relaying to the emulator's stand-in for GitHub's MCP server.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Native,
    Upstream,
}

async fn gateway_in(name: &str, mode: Mode) -> (Running, String, Emulator) {
    let emulator = github_emulator::start(Default::default()).await.expect("emulator");
    let port = free_port();
    let upstream = emulator.mcp_url();
    let env: Vec<(&str, &str)> = if mode == Mode::Upstream { vec![("UPSTREAM_MCP_URL", &upstream)] } else { vec![] };
    let running = spawn_gateway_with(&temp_dir(name), port, &emulator, "info", &env).await;
    (running, format!("http://127.0.0.1:{port}/mcp"), emulator)
}

/// In upstream mode every request reached GitHub's MCP server with a GitHub token it issued.
fn assert_only_github_tokens_reached_github(emulator: &Emulator) {
    let seen = emulator.mcp_requests();
    assert!(!seen.is_empty(), "nothing reached GitHub's MCP server");
    assert!(seen.iter().all(|r| r.token_known), "a token GitHub never issued reached it");
    assert_eq!(emulator.foreign_tokens_seen(), 0);
}
use tokio::io::{AsyncBufReadExt, BufReader};

/// `path` if installed; in CI a missing client fails the test.
fn installed(path: PathBuf, what: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    assert!(std::env::var_os("CI").is_none(), "{what} is not installed at {} (.ci/run installs it)", path.display());
    eprintln!("skipped: {what} is not installed ({})", path.display());
    None
}

/// The Python SDK in `mode` signs in, lists tools, calls `get_me` and refreshes; returns what it saw.
async fn python_sdk(mode: &str) -> Option<serde_json::Value> {
    python_sdk_in(mode, Mode::Native).await
}

async fn python_sdk_in(mode: &str, gateway_mode: Mode) -> Option<serde_json::Value> {
    let python = installed(clients_dir().join("python/.venv/bin/python"), "the Python client venv")?;
    let (_gateway, mcp_url, emulator) = gateway_in(&format!("python-sdk-{mode}"), gateway_mode).await;
    let out = tokio::time::timeout(
        Duration::from_secs(90),
        tokio::process::Command::new(python)
            .arg(clients_dir().join("python/login_and_call.py"))
            .arg(&mcp_url)
            .arg(mode)
            .current_dir(clients_dir().join("python"))
            .output(),
    )
    .await
    .expect("the Python client finished in time")
    .expect("the Python client ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{mode}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let seen: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("a JSON line");
    assert!(seen["tools"].as_array().unwrap().iter().any(|t| t == "get_me"), "{seen}");
    assert_eq!(seen["me"]["login"], "octocat");
    assert_eq!(seen["is_error"], false);
    assert_eq!(seen["refreshed"], true, "the SDK refreshed its token through /token");
    assert_eq!(seen["me_after_refresh"]["login"], "octocat");
    assert_eq!(emulator.foreign_tokens_seen(), 0);
    if gateway_mode == Mode::Upstream {
        assert_only_github_tokens_reached_github(&emulator);
    }
    Some(seen)
}

#[tokio::test]
async fn the_python_mcp_sdk_signs_in_calls_a_tool_and_refreshes() {
    // Its default: it probes server/discover and settles on the stateless revision.
    if let Some(seen) = python_sdk("auto").await {
        assert_eq!(seen["protocol"], "2026-07-28", "{seen}");
    }
}

#[tokio::test]
async fn the_python_mcp_sdk_pinned_to_2026_07_28_works_statelessly() {
    if let Some(seen) = python_sdk("2026-07-28").await {
        assert_eq!(seen["protocol"], "2026-07-28", "{seen}");
    }
}

#[tokio::test]
async fn the_python_mcp_sdk_reaches_github_s_mcp_server_in_upstream_mode() {
    if let Some(seen) = python_sdk_in("auto", Mode::Upstream).await {
        assert_eq!(seen["protocol"], "2026-07-28", "{seen}");
    }
}

#[tokio::test]
async fn the_python_mcp_sdk_in_legacy_mode_keeps_an_upstream_session() {
    if let Some(seen) = python_sdk_in("legacy", Mode::Upstream).await {
        assert!(seen["protocol"].as_str().is_some_and(|p| p < "2026-07-28"), "{seen}");
    }
}

#[tokio::test]
async fn the_python_mcp_sdk_forced_to_the_legacy_handshake_keeps_a_session() {
    if let Some(seen) = python_sdk("legacy").await {
        assert_eq!(seen["protocol"], "2025-11-25", "{seen}");
    }
}

/// A loopback port for a client's sign-in callback that no other test can be handed meanwhile: below
/// the kernel's ephemeral range (where every `bind(0)` and outgoing connection of the tests running
/// alongside lands), distinct per call, and free on both loopback addresses when chosen.
fn callback_port() -> u16 {
    static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    let base = 20_000 + (std::process::id() % 5_000) as u16;
    loop {
        let port = base + NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 2_000;
        let v4 = std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
        let v6 = std::net::TcpListener::bind(("::1", port)).is_ok() || std::net::TcpListener::bind(("::1", 0)).is_err();
        if v4 && v6 {
            return port;
        }
    }
}

/// `mcp-remote` as Claude Desktop runs it: a stdio MCP server that proxies to the gateway.
struct McpRemote {
    child: tokio::process::Child,
    /// Its stderr, quoted when it fails to answer.
    log: std::path::PathBuf,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl McpRemote {
    /// `callback_port` is where it listens for the sign-in's redirect: given, because the port it
    /// derives from the URL's hash can land on a socket of a test running alongside, and then it
    /// re-registers and its callbacks reach that socket instead of it.
    fn spawn(mcp_url: &str, callback_port: u16, home: &std::path::Path) -> Self {
        let bin = clients_dir().join("node/node_modules/.bin/mcp-remote");
        let runs = std::fs::read_dir(home).map(|d| d.count()).unwrap_or(0);
        let log = home.join(format!("mcp-remote-{runs}.log"));
        let stderr = std::fs::File::create(&log).expect("mcp-remote log");
        let mut child = tokio::process::Command::new(bin)
            .arg(mcp_url)
            .arg(callback_port.to_string())
            .arg("--allow-http")
            .arg("--debug")
            .env("BROWSER", clients_dir().join("python/browser.py"))
            .env("HOME", home)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .expect("mcp-remote starts");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        McpRemote { child, log, stdin, lines }
    }

    async fn send(&mut self, msg: serde_json::Value) {
        use tokio::io::AsyncWriteExt;
        self.stdin.write_all(format!("{msg}\n").as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// Sends a request and waits for the reply with its id.
    async fn request(&mut self, id: u64, method: &str, params: serde_json::Value) -> serde_json::Value {
        self.send(serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let line = tokio::time::timeout(Duration::from_secs(60), self.lines.next_line()).await;
            let Ok(Ok(Some(line))) = line else { break };
            if let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line)
                && msg["id"] == id
            {
                return msg;
            }
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = log.char_indices().map(|(i, _)| i).find(|&i| i + 8000 >= log.len()).unwrap_or(0);
        let tail = &log[start..];
        panic!("mcp-remote did not answer {method}; the end of its stderr:\n{tail}");
    }

    /// initialize, tools/list and get_me; returns the tool names and get_me's result.
    async fn session(&mut self) -> (Vec<String>, serde_json::Value) {
        self.session_with("mcp-github-gateway").await
    }

    /// [`McpRemote::session`] with a server that names itself `server`.
    async fn session_with(&mut self, server: &str) -> (Vec<String>, serde_json::Value) {
        let init = self
            .request(
                1,
                "initialize",
                serde_json::json!({"protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "e2e", "version": "1"}}),
            )
            .await;
        assert_eq!(init["result"]["serverInfo"]["name"], server, "{init}");
        self.send(serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        let tools = self.request(2, "tools/list", serde_json::json!({})).await;
        let names = tools["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        let me = self.request(3, "tools/call", serde_json::json!({"name": "get_me", "arguments": {}})).await;
        (names, me["result"].clone())
    }
}

#[tokio::test]
async fn mcp_remote_signs_in_uses_tools_and_refreshes_a_dead_token() {
    if installed(clients_dir().join("node/node_modules/.bin/mcp-remote"), "mcp-remote (npm ci in clients/node)")
        .is_none()
    {
        return;
    }
    let (_gateway, mcp_url, emulator) = gateway("mcp-remote").await;
    let home = temp_dir("mcp-remote-home");
    // First run: signs in through $BROWSER (consent and GitHub), lists tools and calls get_me.
    let port = callback_port();
    let mut remote = McpRemote::spawn(&mcp_url, port, &home);
    let (tools, me) = remote.session().await;
    assert!(tools.iter().any(|t| t == "get_me"), "{tools:?}");
    assert_eq!(me["structuredContent"]["login"], "octocat", "{me}");
    let _ = remote.child.kill().await;
    // Break the access token mcp-remote stored: the next run must refresh it without a new login.
    let stored = walk(&home.join(".mcp-auth"))
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("_tokens.json"))
        .expect("stored tokens");
    let mut tokens: serde_json::Value = serde_json::from_slice(&std::fs::read(&stored).unwrap()).unwrap();
    tokens["access_token"] = serde_json::json!("mgw_at_dead");
    std::fs::write(&stored, tokens.to_string()).unwrap();
    let mut remote = McpRemote::spawn(&mcp_url, port, &home);
    let (_, me) = remote.session().await;
    assert_eq!(me["structuredContent"]["login"], "octocat", "{me}");
    let refreshed: serde_json::Value = serde_json::from_slice(&std::fs::read(&stored).unwrap()).unwrap();
    assert_ne!(refreshed["access_token"], "mgw_at_dead", "mcp-remote stored a refreshed token");
    assert_eq!(emulator.authorize_requests().len(), 1, "no second sign-in at GitHub: the refresh token did it");
    assert_eq!(emulator.foreign_tokens_seen(), 0);
}

#[tokio::test]
async fn mcp_remote_reaches_github_s_mcp_server_in_upstream_mode() {
    if installed(clients_dir().join("node/node_modules/.bin/mcp-remote"), "mcp-remote (npm ci in clients/node)")
        .is_none()
    {
        return;
    }
    let (gateway, mcp_url, emulator) = gateway_in("mcp-remote-upstream", Mode::Upstream).await;
    let home = temp_dir("mcp-remote-upstream-home");
    let mut remote = McpRemote::spawn(&mcp_url, callback_port(), &home);
    let (tools, me) = remote.session_with("github-mcp-server").await;
    assert!(tools.iter().any(|t| t == "create_issue"), "GitHub's tools: {tools:?}");
    assert_eq!(me["structuredContent"]["login"], "octocat", "{me}");
    let _ = remote.child.kill().await;
    assert_only_github_tokens_reached_github(&emulator);
    // The relay logs no token of either side.
    let log = std::fs::read_to_string(&gateway.log).unwrap_or_default();
    for token in emulator.issued_access_tokens() {
        assert!(!log.contains(token.as_str()), "a GitHub token in the log");
    }
    assert!(!log.contains("mgw_at_") && !log.contains("mgw_rt_"), "a gateway token in the log");
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[tokio::test]
async fn the_typescript_mcp_sdk_signs_in_calls_a_tool_and_refreshes_after_a_401() {
    let Some(modules) = installed(
        clients_dir().join("node/node_modules/@modelcontextprotocol/sdk"),
        "the TypeScript SDK (npm ci in clients/node)",
    ) else {
        return;
    };
    assert!(modules.exists());
    let (_gateway, mcp_url, emulator) = gateway("typescript-sdk").await;
    let out = tokio::time::timeout(
        Duration::from_secs(90),
        tokio::process::Command::new("node")
            .arg(clients_dir().join("node/login_and_call.mjs"))
            .arg(&mcp_url)
            .current_dir(clients_dir().join("node"))
            .output(),
    )
    .await
    .expect("the TypeScript client finished in time")
    .expect("node ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let seen: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("a JSON line");
    assert!(seen["tools"].as_array().unwrap().iter().any(|t| t == "get_me"), "{seen}");
    assert_eq!(seen["me"]["login"], "octocat");
    assert_eq!(seen["iss"], mcp_url.trim_end_matches("/mcp"), "RFC 9207 iss on the redirect");
    assert_eq!(seen["refreshed"], true, "the SDK refreshed through /token after the 401");
    assert_eq!(seen["me_after_refresh"]["login"], "octocat");
    assert_eq!(emulator.foreign_tokens_seen(), 0);
}
