//! The real binary: configuration errors stop start-up with one line naming the variable; a whole
//! login runs against it with debug logging, and no credential of that flow appears in its logs;
//! SIGTERM shuts it down gracefully.

mod common;

use std::{
    process::Command,
    time::{Duration, Instant},
};

use common::{Browser, Gateway, Pkce, command, free_port, query_param, spawn_gateway, spawn_gateway_with, temp_dir};
use github_emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn missing_or_invalid_settings_stop_startup_with_one_line() {
    let dir = temp_dir("config");
    let valid = [("PUBLIC_URL", "http://127.0.0.1:1"), ("GITHUB_CLIENT_ID", "x"), ("GITHUB_CLIENT_SECRET", "y")];
    let cases: [(&[(&str, &str)], &str); 7] = [
        (&[valid[0], valid[1], valid[2], ("TOOLS", "get_me,get_mee")], "TOOLS"),
        (&[valid[0], valid[1], valid[2], ("EXCLUDE_TOOLS", "create_isue")], "EXCLUDE_TOOLS"),
        (&[valid[0], valid[1], valid[2], ("TOOLS", "get_me;drop")], "TOOLS"),
        (&[], "PUBLIC_URL"),
        (&[("PUBLIC_URL", "http://127.0.0.1:1")], "GITHUB_CLIENT_ID"),
        (
            &[("PUBLIC_URL", "http://example.com"), ("GITHUB_CLIENT_ID", "x"), ("GITHUB_CLIENT_SECRET", "y")],
            "PUBLIC_URL",
        ),
        (
            &[
                ("PUBLIC_URL", "http://127.0.0.1:1"),
                ("GITHUB_CLIENT_ID", "x"),
                ("GITHUB_CLIENT_SECRET", "y"),
                ("BIND_ADDR", "nope"),
            ],
            "BIND_ADDR",
        ),
    ];
    for (env, var) in cases {
        let out = command(&dir).envs(env.iter().copied()).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {stderr}");
        assert!(lines[0].starts_with(&format!("configuration error: {var}:")), "{stderr}");
    }
    // A .env file in the working directory is read.
    std::fs::write(dir.join(".env"), "PUBLIC_URL=http://127.0.0.1:1\nGITHUB_CLIENT_ID=x\n").unwrap();
    let out = command(&dir).output().expect("run");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("GITHUB_CLIENT_SECRET"),
        "PUBLIC_URL and the id came from .env"
    );
}

#[tokio::test]
async fn full_flow_on_the_binary_logs_no_secret_and_sigterm_drains() {
    let emulator =
        github_emulator::start(EmulatorConfig { expiring_tokens: true, ..Default::default() }).await.unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let dir = temp_dir("flow");
    let mut running =
        spawn_gateway(&dir, port, &emulator, "trace,hyper=debug,h2=debug,rustls=debug,reqwest=debug").await;

    let gw = Gateway::new(&base);
    let reg = gw
        .register(json!({"redirect_uris": [common::REDIRECT], "token_endpoint_auth_method": "client_secret_post", "client_name": "Binary",
            "grant_types": ["authorization_code", "refresh_token"]}))
        .await;
    let (client_id, client_secret) = (reg["client_id"].as_str().unwrap(), reg["client_secret"].as_str().unwrap());
    let pkce = Pkce::new();
    let browser = Browser::new();
    let consent_html = browser.get(&gw.authorize_url(client_id, &pkce, &[])).await.text().await.unwrap();
    let form = common::ConsentForm::parse(&consent_html).unwrap();
    let back = gw.authorize(&browser, client_id, &pkce, &[]).await;
    let code = query_param(&back, "code").unwrap();
    let (status, tokens) = gw.redeem(client_id, &code, &pkce.verifier, &[("client_secret", client_secret)]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let session = gw.mcp_session(&access).await;
    let me = gw.call_tool(&access, &session, "get_me", json!({})).await;
    assert_eq!(me.body.unwrap()["result"]["structuredContent"]["login"], "octocat");
    // A failed attempt with a wrong secret first, so error paths are logged too.
    let wrong = [
        ("grant_type", "refresh_token"),
        ("refresh_token", &refresh),
        ("client_id", client_id),
        ("client_secret", "mgw_cs_wrong"),
    ];
    assert_eq!(gw.token(&wrong).await.0, StatusCode::UNAUTHORIZED);
    let right = [
        ("grant_type", "refresh_token"),
        ("refresh_token", &refresh),
        ("client_id", client_id),
        ("client_secret", client_secret),
    ];
    let (status, refreshed) = gw.token(&right).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");

    // Graceful shutdown on SIGTERM.
    let pid = running.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = running.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");

    // Nothing secret in the logs.
    let logs = std::fs::read_to_string(&running.log).unwrap();
    assert!(logs.contains("tokens issued") && logs.contains("GitHub login completed"), "logging was on");
    let mut secrets: Vec<(String, String)> = vec![
        ("access token".into(), access.clone()),
        ("refresh token".into(), refresh.clone()),
        ("rotated access token".into(), refreshed["access_token"].as_str().unwrap().into()),
        ("rotated refresh token".into(), refreshed["refresh_token"].as_str().unwrap().into()),
        ("authorization code".into(), code.clone()),
        ("client secret".into(), client_secret.into()),
        ("GitHub client secret".into(), emulator.client_secret()),
        ("PKCE verifier".into(), pkce.verifier.clone()),
        ("consent CSRF token".into(), form.csrf_token.clone()),
        ("consent ticket signature".into(), form.request.rsplit('.').next().unwrap().into()),
    ];
    for record in emulator.authorize_requests() {
        secrets.push(("GitHub state".into(), record.state.clone().expect("state sent to GitHub")));
    }
    for record in emulator.token_requests() {
        assert!(record.had_code_verifier || record.grant_type == "refresh_token");
    }
    for token in emulator.issued_access_tokens() {
        secrets.push(("GitHub token".into(), token));
    }
    for cookie in browser.cookies_for(&base).split("; ").filter(|c| !c.is_empty()) {
        let value = cookie.split_once('=').map(|(_, v)| v).unwrap_or(cookie);
        secrets.push(("cookie".into(), value.into()));
    }
    assert!(secrets.len() >= 12);
    for (what, secret) in secrets {
        assert!(secret.len() >= 8, "{what} too short to search for");
        assert!(!logs.contains(&secret), "{what} appears in the logs");
    }
}

/// Issue #4: with the default (embedded) storage, a gateway killed with SIGKILL comes back with
/// every registered client, token, refresh token and remembered consent still working.
#[tokio::test]
async fn a_sigkilled_gateway_restarts_with_everyone_still_signed_in() {
    let emulator = github_emulator::start(EmulatorConfig::default()).await.unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let dir = temp_dir("restart");
    let mut first = spawn_gateway(&dir, port, &emulator, "info").await;
    let gw = Gateway::new(&base);
    let client_id = gw.register_public().await;
    let browser = Browser::new();
    let pkce = Pkce::new();
    let back = gw.authorize(&browser, &client_id, &pkce, &[]).await;
    let code = query_param(&back, "code").unwrap();
    let (status, tokens) = gw.redeem(&client_id, &code, &pkce.verifier, &[]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let (access, refresh) = (tokens["access_token"].as_str().unwrap(), tokens["refresh_token"].as_str().unwrap());
    let old_session = gw.mcp_session(access).await;

    first.child.kill().unwrap(); // SIGKILL: no graceful shutdown, no flush
    first.child.wait().unwrap();
    let _second = spawn_gateway(&dir, port, &emulator, "info").await;
    assert!(dir.join("data/gateway.db").exists(), "the default storage is a file under ./data");

    // The access token and even the MCP session still work: the new process restores the session
    // from storage (rmcp replays the client's initialize).
    let me = gw.call_tool(access, &old_session, "get_me", json!({})).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body.unwrap()["result"]["structuredContent"]["login"], "octocat");
    // The refresh token still works.
    let (status, refreshed) =
        gw.token(&[("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", &client_id)]).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    // The client is still registered and the browser's consent is still remembered: straight to GitHub.
    let again = browser.get(&gw.authorize_url(&client_id, &Pkce::new(), &[])).await;
    assert!(again.status().is_redirection(), "{}", again.status());
    assert!(again.headers()["location"].to_str().unwrap().starts_with(&emulator.base_url()));
}

#[tokio::test]
async fn json_logs_carry_a_request_id_on_every_request_line() {
    let emulator = github_emulator::start(EmulatorConfig::default()).await.unwrap();
    let port = free_port();
    let dir = temp_dir("json-logs");
    let running =
        common::spawn_gateway_with(&dir, port, &emulator, "info,tower_http=debug", &[("LOG_FORMAT", "json")]).await;
    let resp = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.unwrap();
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let logs = std::fs::read_to_string(&running.log).unwrap();
    let lines: Vec<serde_json::Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(!lines.is_empty() && lines.len() == logs.lines().count(), "every line is JSON:\n{logs}");
    assert!(
        lines.iter().any(|l| l["span"]["request_id"] == id.as_str() && l["span"]["path"] == "/healthz"),
        "a line names the request id {id}:\n{logs}"
    );
}

#[tokio::test]
async fn sigterm_cuts_open_requests_after_the_grace_period_and_sessions_survive() {
    let emulator = github_emulator::start(EmulatorConfig::default()).await.unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let dir = temp_dir("grace");
    let mut running = spawn_gateway_with(&dir, port, &emulator, "info", &[("SHUTDOWN_GRACE_SECS", "1")]).await;
    let gw = Gateway::new(&base);
    let tokens = gw.login().await;
    let session = gw.mcp_session(&tokens.access).await;
    // A tool call GitHub takes a minute to answer stays open until the server ends it.
    emulator.set_latency(Duration::from_secs(60));
    let slow = {
        let (gw, access, session) = (Gateway::new(&base), tokens.access.clone(), session.clone());
        tokio::spawn(async move { gw.call_tool(&access, &session, "get_me", json!({})).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!slow.is_finished(), "the call is in flight");

    let pid = running.child.id().to_string();
    let sent = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = loop {
        if let Some(s) = running.child.try_wait().unwrap() {
            break s;
        }
        assert!(sent.elapsed() < Duration::from_secs(8), "an open request held the process past its grace period");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
    assert!(sent.elapsed() >= Duration::from_millis(900), "the request got its grace period");
    let logs = std::fs::read_to_string(&running.log).unwrap();
    assert!(logs.contains("shutdown grace elapsed"), "{logs}");
    drop(slow);
    emulator.set_latency(Duration::ZERO);

    // The next process picks the session up from storage.
    let _next = spawn_gateway(&dir, port, &emulator, "info").await;
    let me = gw.call_tool(&tokens.access, &session, "get_me", json!({})).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
}
