//! The operator commands on the real binary and the server's own storage: `clients list|delete`,
//! `grants list [--user]`, `grants revoke ID|--user`, and `demo`.

mod common;

use std::{
    io::{BufRead, BufReader},
    process::{Output, Stdio},
    time::{Duration, Instant},
};

use common::{Gateway, command, free_port, raw_config, spawn_gateway, temp_dir};
use github_emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::json;

/// Runs the binary in `dir` with the same settings `spawn_gateway` gives the server.
fn admin(dir: &std::path::Path, port: u16, emulator: &github_emulator::Emulator, args: &[&str]) -> Output {
    let raw = raw_config(&format!("http://127.0.0.1:{port}"), emulator);
    command(dir)
        .env("PUBLIC_URL", raw.public_url.unwrap())
        .env("GITHUB_CLIENT_ID", raw.github_client_id.unwrap())
        .env("GITHUB_CLIENT_SECRET", raw.github_client_secret.unwrap())
        .env("GITHUB_BASE_URL", raw.github_base_url.unwrap())
        .env("GITHUB_API_URL", raw.github_api_url.unwrap())
        .args(args)
        .output()
        .expect("run the binary")
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn an_operator_lists_clients_and_grants_and_revokes_a_user() {
    let emulator = github_emulator::start(EmulatorConfig::default()).await.unwrap();
    let port = free_port();
    let dir = temp_dir("admin");
    let _server = spawn_gateway(&dir, port, &emulator, "info").await;
    let gw = Gateway::new(&format!("http://127.0.0.1:{port}"));
    let reg = gw.register(json!({"redirect_uris": [common::REDIRECT], "token_endpoint_auth_method": "none", "client_name": "Team Editor",
        "grant_types": ["authorization_code", "refresh_token"]})).await;
    let client_id = reg["client_id"].as_str().unwrap().to_owned();
    let octocat = gw.login_with(&client_id).await;
    let octocat_again = gw.login_with(&client_id).await;
    emulator.set_login_user("hubot");
    let hubot = gw.login_with(&client_id).await;

    let clients = stdout(&admin(&dir, port, &emulator, &["clients", "list"]));
    assert!(clients.contains(&client_id) && clients.contains("CLIENT ID"), "{clients}");
    assert!(clients.contains("Team Editor") && clients.contains("public"), "{clients}");
    assert!(clients.contains("1 client(s)"));
    let grants = stdout(&admin(&dir, port, &emulator, &["grants", "list"]));
    assert!(
        grants.contains("octocat") && grants.contains("hubot (id 480938)") && grants.contains("3 grant(s)"),
        "{grants}"
    );
    let only = stdout(&admin(&dir, port, &emulator, &["grants", "list", "--user", "OctoCat"]));
    assert!(only.contains("2 grant(s)") && !only.contains("hubot"), "{only}");

    // Revoking a user ends both of their sign-ins at once, and nobody else's, although the server
    // verified their tokens a moment ago (another process changed its storage).
    for t in [&octocat, &octocat_again] {
        let session = gw.mcp_session(&t.access).await;
        assert_eq!(gw.call_tool(&t.access, &session, "get_me", json!({})).await.status, StatusCode::OK);
    }
    let revoked = stdout(&admin(&dir, port, &emulator, &["grants", "revoke", "--user", "octocat"]));
    assert!(revoked.contains("revoked 2 grant(s)"), "{revoked}");
    for t in [&octocat, &octocat_again] {
        assert_eq!(gw.mcp(Some(&t.access), None, json!({})).await.status, StatusCode::UNAUTHORIZED);
        let (status, body) = gw
            .token(&[("grant_type", "refresh_token"), ("refresh_token", &t.refresh), ("client_id", &client_id)])
            .await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    }
    let session = gw.mcp_session(&hubot.access).await;
    assert_eq!(gw.call_tool(&hubot.access, &session, "get_me", json!({})).await.status, StatusCode::OK);

    // One grant by id.
    let listed = stdout(&admin(&dir, port, &emulator, &["grants", "list", "--user", "id:480938"]));
    let grant_id = listed.lines().find(|l| l.contains("hubot")).and_then(|l| l.split_whitespace().next()).unwrap();
    let out = stdout(&admin(&dir, port, &emulator, &["grants", "revoke", grant_id]));
    assert!(out.contains("revoked grant"), "{out}");
    assert_eq!(gw.mcp(Some(&hubot.access), Some(&session), json!({})).await.status, StatusCode::UNAUTHORIZED);

    // Unknown ids fail with a message and a non-zero status.
    let missing = admin(&dir, port, &emulator, &["grants", "revoke", "no-such-grant"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no grant `no-such-grant`"));

    // Deleting a client revokes what it still holds.
    let fresh = gw.login_with(&client_id).await;
    let out = stdout(&admin(&dir, port, &emulator, &["clients", "delete", &client_id]));
    assert!(out.contains("revoked 1 grant(s)"), "{out}");
    assert_eq!(gw.mcp(Some(&fresh.access), None, json!({})).await.status, StatusCode::UNAUTHORIZED);
    assert!(stdout(&admin(&dir, port, &emulator, &["clients", "list"])).contains("0 client(s)"));
    let usage = admin(&dir, port, &emulator, &["grants", "revoke"]);
    assert_eq!(usage.status.code(), Some(2), "ID or --user is required");
    // Run in the wrong directory, the commands say so instead of creating an empty database.
    let elsewhere = temp_dir("admin-elsewhere");
    let lost = admin(&elsewhere, port, &emulator, &["grants", "list"]);
    assert_eq!(lost.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&lost.stderr).contains("does not exist"));
    assert!(!elsewhere.join("data").exists());
}

#[tokio::test]
async fn demo_serves_a_whole_sign_in_against_the_emulator_on_loopback_only() {
    let dir = temp_dir("demo");
    let refused = command(&dir).args(["demo", "--bind", "0.0.0.0:8080"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("loopback addresses only"));

    let port = free_port();
    let mut child = command(&dir)
        .args(["demo", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let _running = common::Running { child, log: dir.join("unused.log") }; // killed when the test ends
    let mcp_url = format!("http://127.0.0.1:{port}/mcp");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut banner = String::new();
    while !banner.contains("Ctrl-C") {
        assert!(Instant::now() < deadline, "no banner: {banner}");
        match lines.next() {
            Some(Ok(line)) => banner.push_str(&format!("{line}\n")),
            _ => panic!("the demo exited: {banner}"),
        }
    }
    assert!(banner.contains("DEMO") && banner.contains(&mcp_url), "{banner}");
    let gw = Gateway::new(&format!("http://127.0.0.1:{port}"));
    let tokens = gw.login().await;
    let session = gw.mcp_session(&tokens.access).await;
    let me = gw.call_tool(&tokens.access, &session, "get_me", json!({})).await;
    assert_eq!(me.body.unwrap()["result"]["structuredContent"]["login"], "octocat");
    let landing = gw.http.get(gw.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(landing.contains("Demo mode"), "pages say it is a demo");
}
