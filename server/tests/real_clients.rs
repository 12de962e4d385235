//! Clients this project did not write, unmodified and pinned (`clients/`), sign in through the
//! gateway and use it: the Python `mcp` SDK and the TypeScript SDK (login, tools/list, get_me, their
//! own token refresh) and `mcp-remote`, which Claude Desktop uses for remote servers (login via
//! $BROWSER, tools/list).
//! Each runs against the real binary (default embedded storage) and the GitHub emulator.
//! `.ci/run` installs them; elsewhere the tests are skipped unless they are installed.

mod common;

use std::{
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

use common::{Running, free_port, spawn_gateway, temp_dir};
use github_emulator::Emulator;

/// The real binary against a fresh emulator; returns the process, its MCP URL and the emulator.
async fn gateway(name: &str) -> (Running, String, Emulator) {
    let emulator = github_emulator::start(Default::default()).await.expect("emulator");
    let port = free_port();
    let running = spawn_gateway(&temp_dir(name), port, &emulator, "info").await;
    (running, format!("http://127.0.0.1:{port}/mcp"), emulator)
}
use tokio::io::{AsyncBufReadExt, BufReader};

fn clients_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../clients")
}

/// `path` if installed; in CI a missing client fails the test.
fn installed(path: PathBuf, what: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    assert!(std::env::var_os("CI").is_none(), "{what} is not installed at {} (.ci/run installs it)", path.display());
    eprintln!("skipped: {what} is not installed ({})", path.display());
    None
}

#[tokio::test]
async fn the_python_mcp_sdk_signs_in_calls_a_tool_and_refreshes() {
    let Some(python) = installed(clients_dir().join("python/.venv/bin/python"), "the Python client venv") else {
        return;
    };
    let (_gateway, mcp_url, emulator) = gateway("python-sdk").await;
    let out = tokio::time::timeout(
        Duration::from_secs(90),
        tokio::process::Command::new(python)
            .arg(clients_dir().join("python/login_and_call.py"))
            .arg(&mcp_url)
            .current_dir(clients_dir().join("python"))
            .output(),
    )
    .await
    .expect("the Python client finished in time")
    .expect("the Python client ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let seen: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("a JSON line");
    assert!(seen["tools"].as_array().unwrap().iter().any(|t| t == "get_me"), "{seen}");
    assert_eq!(seen["me"]["login"], "octocat");
    assert_eq!(seen["is_error"], false);
    assert_eq!(seen["refreshed"], true, "the SDK refreshed its token through /token");
    assert_eq!(seen["me_after_refresh"]["login"], "octocat");
    assert_eq!(emulator.foreign_tokens_seen(), 0);
}

#[tokio::test]
async fn mcp_remote_signs_in_through_the_browser_and_lists_tools() {
    let Some(client) = installed(
        clients_dir().join("node/node_modules/.bin/mcp-remote-client"),
        "mcp-remote (npm ci in clients/node)",
    ) else {
        return;
    };
    let (_gateway, mcp_url, emulator) = gateway("mcp-remote").await;
    let home = std::env::temp_dir().join(format!("mgw-mcp-remote-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let mut child = tokio::process::Command::new(client)
        .arg(&mcp_url)
        .arg("--allow-http")
        .env("BROWSER", clients_dir().join("python/browser.py"))
        .env("HOME", &home)
        .stdin(Stdio::piped()) // kept open: mcp-remote-client exits when stdin ends
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("mcp-remote-client starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut out_lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = String::new();
    while Instant::now() < deadline && !(seen.contains("Tools:") && seen.contains("\"get_me\"")) {
        tokio::select! {
            Ok(Some(l)) = lines.next_line() => { seen.push_str(&l); seen.push('\n'); }
            Ok(Some(l)) = out_lines.next_line() => { seen.push_str(&l); seen.push('\n'); }
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&home);
    assert!(seen.contains("Connected successfully"), "{seen}");
    assert!(seen.contains("Tools:") && seen.contains("\"get_me\""), "{seen}");
    assert_eq!(emulator.foreign_tokens_seen(), 0);
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
