//! Upstream mode (`UPSTREAM_MCP_URL`): `/mcp` relayed to GitHub's own MCP server, played by the
//! emulator's MCP endpoint, after every check of ours and with the user's GitHub token in place of
//! the client's. (Real clients in upstream mode: `real_clients.rs`.)

mod common;

use std::time::{Duration, Instant};

use common::{Harness, McpReply};
use github_emulator::{EmulatorConfig, Fault};
use mcp_github_gateway::clock::ManualClock;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn upstream_with(
    emulator: EmulatorConfig,
    tweak: impl FnOnce(&mut mcp_github_gateway::config::RawConfig),
) -> Harness {
    let emulator = github_emulator::start(emulator).await.expect("emulator");
    let url = emulator.mcp_url();
    Harness::start_instance(emulator, ManualClock::default(), None, move |c| {
        c.upstream_mcp_url = Some(url);
        tweak(c);
    })
    .await
}

async fn upstream() -> Harness {
    upstream_with(EmulatorConfig::default(), |_| {}).await
}

fn result(r: &McpReply) -> Value {
    r.body.clone().unwrap_or_default()["result"].clone()
}

fn tool_names(r: &McpReply) -> Vec<String> {
    result(r)["tools"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str().map(str::to_owned)).collect()
}

fn list() -> Value {
    json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
}

#[tokio::test]
async fn a_legacy_session_reaches_github_s_server_with_the_github_token_and_never_the_client_s() {
    let h = upstream().await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let tools = h.mcp(Some(&t.access), Some(&session), list()).await;
    assert_eq!(tool_names(&tools), ["get_me", "get_issue", "create_issue"], "{}", tools.text);
    let me = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(result(&me)["structuredContent"]["login"], "octocat", "{}", me.text);
    // A write goes through for a token with github:write, and changes GitHub.
    let created = h
        .call_tool(
            &t.access,
            &session,
            "create_issue",
            json!({"owner": "octocat", "repo": "hello-world", "title": "via upstream"}),
        )
        .await;
    assert_eq!(result(&created)["structuredContent"]["title"], "via upstream", "{}", created.text);

    // What reached GitHub: only GitHub tokens it issued, only allowlisted headers.
    let seen = h.emulator.mcp_requests();
    assert!(seen.len() >= 4, "{seen:?}");
    for r in &seen {
        assert!(r.token_known, "a token GitHub never issued reached it: {r:?}");
        assert_ne!(r.token.as_deref(), Some(t.access.as_str()));
        for (name, value) in &r.headers {
            assert!(!value.contains(&t.access), "the client's token in {name}");
            assert!(
                !matches!(name.as_str(), "cookie" | "x-forwarded-for" | "forwarded" | "origin"),
                "{name} forwarded"
            );
        }
    }
    assert_eq!(h.emulator.foreign_tokens_seen(), 0);
    // And the GitHub token never reaches the client.
    let github_tokens = h.emulator.issued_access_tokens();
    for reply in [&tools, &me, &created] {
        for token in &github_tokens {
            assert!(!reply.text.contains(token.as_str()), "a GitHub token in a reply");
            assert!(reply.headers.values().all(|v| !v.to_str().unwrap_or_default().contains(token.as_str())));
        }
        assert!(reply.headers.get("authorization").is_none() && reply.headers.get("set-cookie").is_none());
    }
    // Ending the session ends it at GitHub too.
    let ended =
        h.http.delete(h.mcp_url()).bearer_auth(&t.access).header("mcp-session-id", &session).send().await.unwrap();
    assert!(ended.status().is_success(), "{}", ended.status());
    assert_eq!(h.mcp(Some(&t.access), Some(&session), list()).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_2026_07_28_request_is_relayed_statelessly() {
    let h = upstream().await;
    let t = h.login().await;
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}, "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"}});
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "get_me", "arguments": {}, "_meta": meta}});
    let headers = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "tools/call"), ("mcp-name", "get_me")];
    let r = h.mcp_with(Some(&t.access), None, call, &headers).await;
    assert_eq!(result(&r)["structuredContent"]["login"], "octocat", "{}", r.text);
    let seen = h.emulator.mcp_requests();
    let last = seen.last().expect("relayed");
    for (name, value) in headers {
        assert!(last.headers.iter().any(|(n, v)| n == name && v == value), "{name} forwarded");
    }
    assert!(last.headers.iter().all(|(n, _)| n != "mcp-session-id"));
}

#[tokio::test]
async fn an_upstream_session_belongs_to_the_user_who_opened_it() {
    let h = upstream().await;
    let octocat = h.login().await;
    let session = h.mcp_session(&octocat.access).await;
    h.emulator.set_login_user("hubot");
    let hubot = h.login().await;
    let before = h.emulator.mcp_requests().len();
    let stolen = h.mcp(Some(&hubot.access), Some(&session), list()).await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    assert_eq!(h.emulator.mcp_requests().len(), before, "refused before GitHub saw it");
    let unknown = h.mcp(Some(&hubot.access), Some("not-a-session"), list()).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_token_without_github_write_gets_github_s_read_only_tools_and_the_step_up_for_a_write() {
    let h = upstream().await;
    let writer = h.login().await;
    let session = h.mcp_session(&writer.access).await;
    assert!(tool_names(&h.mcp(Some(&writer.access), Some(&session), list()).await).contains(&"create_issue".into()));
    let client_id = h.register_public().await;
    let reader = h.login_extra(&client_id, &[("scope", "github:read")]).await;
    let session = h.mcp_session(&reader.access).await;
    let tools = h.mcp(Some(&reader.access), Some(&session), list()).await;
    assert_eq!(tool_names(&tools), ["get_me", "get_issue"], "X-MCP-Readonly reached GitHub: {}", tools.text);
    let before = h.emulator.mcp_requests().len();
    let write = h
        .call_tool(
            &reader.access,
            &session,
            "create_issue",
            json!({"owner": "octocat", "repo": "hello-world", "title": "x"}),
        )
        .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "{}", write.text);
    let challenge = write.headers["www-authenticate"].to_str().unwrap_or_default();
    assert!(challenge.contains("insufficient_scope") && challenge.contains("github:write"), "{challenge}");
    assert_eq!(h.emulator.mcp_requests().len(), before, "refused before GitHub saw it");
}

#[tokio::test]
async fn toolsets_and_read_only_are_passed_to_github_s_server() {
    let h = upstream_with(EmulatorConfig::default(), |c| {
        c.toolsets = Some("context,discussions".into());
        c.read_only = Some("true".into());
    })
    .await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let tools = h.mcp(Some(&t.access), Some(&session), list()).await;
    assert_eq!(tool_names(&tools), ["get_me"], "{}", tools.text);
    let last = h.emulator.mcp_requests().pop().expect("relayed");
    assert!(last.headers.iter().any(|(n, v)| n == "x-mcp-toolsets" && v == "context,discussions"), "{last:?}");
    assert!(last.headers.iter().any(|(n, v)| n == "x-mcp-readonly" && v == "true"));
}

#[tokio::test]
async fn lockdown_is_asked_of_github_s_server_and_a_client_cannot_turn_it_off() {
    let h = upstream_with(EmulatorConfig::default(), |c| c.lockdown = Some("on".into())).await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    h.mcp_with(Some(&t.access), Some(&session), list(), &[("x-mcp-lockdown", "false")]).await;
    let last = h.emulator.mcp_requests().pop().expect("relayed");
    let sent: Vec<&String> = last.headers.iter().filter(|(n, _)| n == "x-mcp-lockdown").map(|(_, v)| v).collect();
    assert_eq!(sent, ["true"], "{last:?}");
}

#[tokio::test]
async fn a_github_401_refreshes_the_github_token_once_and_retries() {
    let h = upstream_with(EmulatorConfig { expiring_tokens: true, ..Default::default() }, |_| {}).await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    h.emulator.expire_all_access_tokens();
    let me = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(result(&me)["structuredContent"]["login"], "octocat", "{}", me.text);
    assert_eq!(h.emulator.token_requests().iter().filter(|r| r.grant_type == "refresh_token").count(), 1);
    // An OAuth App token cannot be refreshed: the grant ends and the client is sent to sign in again.
    let h = upstream().await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    h.emulator.revoke_tokens_of("octocat");
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    assert!(r.headers["www-authenticate"].to_str().unwrap_or_default().contains("resource_metadata"));
}

#[tokio::test]
async fn github_s_failures_become_errors_that_say_what_to_do() {
    let h = upstream().await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let challenge = "Bearer error=\"insufficient_scope\", scope=\"repo read:org\", resource_metadata=\"https://x\"";
    h.emulator.inject_fault(Fault::new("/mcp", 403).header("www-authenticate", challenge));
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    let message = r.body.clone().unwrap_or_default()["error"]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("repo read:org") && message.contains("GITHUB_SCOPES"), "{}", r.text);
    h.emulator.inject_fault(Fault::new("/mcp", 502));
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    let message = r.body.clone().unwrap_or_default()["error"]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("unavailable (HTTP 502)"), "{}", r.text);
    // The grant survives both.
    let me = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(result(&me)["structuredContent"]["login"], "octocat");
    let metrics = h.http.get(h.url("/metrics")).send().await.unwrap().text().await.unwrap_or_default();
    assert!(metrics.contains("mcp_gateway_upstream_mcp_requests_total{status=\"502\"} 1"), "{metrics}");
}

#[tokio::test]
async fn a_slow_stream_is_relayed_as_it_arrives() {
    let h = upstream().await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    h.emulator.set_mcp_stream_delay(Duration::from_millis(1500));
    let started = Instant::now();
    let mut resp = h
        .http
        .post(h.mcp_url())
        .bearer_auth(&t.access)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-06-18")
        .body(
            json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "get_me", "arguments": {}}})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let first = resp.chunk().await.unwrap().unwrap_or_default();
    assert!(String::from_utf8_lossy(&first).contains("notifications/progress"));
    assert!(started.elapsed() < Duration::from_millis(1200), "the first event came before the slow part ended");
    let mut rest = Vec::new();
    while let Some(chunk) = resp.chunk().await.unwrap() {
        rest.extend_from_slice(&chunk);
    }
    assert!(String::from_utf8_lossy(&rest).contains("octocat"));
}

#[tokio::test]
async fn tools_and_exclude_tools_are_passed_to_github_s_server() {
    let h = upstream_with(EmulatorConfig::default(), |c| {
        c.tools = Some("get_me,get_issue".into());
        c.exclude_tools = Some("create_issue".into());
    })
    .await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let exclude = [("x-mcp-exclude-tools", "get_issue")];
    let tools = h.mcp_with(Some(&t.access), Some(&session), list(), &exclude).await;
    assert_eq!(tool_names(&tools), ["get_me"], "{}", tools.text);
    let last = h.emulator.mcp_requests().pop().expect("relayed");
    assert!(last.headers.iter().any(|(n, v)| n == "x-mcp-tools" && v == "get_issue,get_me"), "{last:?}");
    assert!(
        last.headers.iter().any(|(n, v)| n == "x-mcp-exclude-tools" && v == "get_issue,create_issue"),
        "the client's exclusions and the operator's: {last:?}"
    );
}
