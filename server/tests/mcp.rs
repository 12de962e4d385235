//! The protected MCP endpoint: challenges, session ownership, Origin/Host/protocol checks, and what
//! happens when GitHub stops accepting (or needs to refresh) the stored token.

mod common;

use std::time::Duration;

use common::{Browser, Harness};
use github_emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::json;

fn initialize() -> serde_json::Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": common::PROTOCOL, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
}

#[tokio::test]
async fn invalid_tokens_get_a_challenge_with_error_and_scope() {
    let h = Harness::start().await;
    for token in ["mgw_at_nonsense", "garbage", "mgw_rt_x"] {
        let r = h.mcp(Some(token), None, initialize()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let c = r.headers["www-authenticate"].to_str().unwrap();
        assert!(c.contains("error=\"invalid_token\"") && c.contains("scope=\"github:read github:write\""), "{c}");
        assert!(c.contains("resource_metadata=\""));
    }
    // Another scheme means "no Bearer credentials": a plain challenge without an error code.
    let resp = h.http.get(h.mcp_url()).header("authorization", "Basic abc").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(!resp.headers()["www-authenticate"].to_str().unwrap().contains("error="));
}

#[tokio::test]
async fn a_session_belongs_to_the_user_who_created_it() {
    let h = Harness::start().await;
    let octocat = h.login().await;
    let session = h.mcp_session(&octocat.access).await;
    h.emulator.set_login_user("hubot");
    let hubot = h.login().await;
    // Hubot cannot use, or end, octocat's session.
    let r = h.call_tool(&hubot.access, &session, "get_me", json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let del =
        h.http.delete(h.mcp_url()).bearer_auth(&hubot.access).header("mcp-session-id", &session).send().await.unwrap();
    assert_eq!(del.status(), StatusCode::NOT_FOUND);
    // Octocat still can; a second login of the same user (another grant) can too.
    let r = h.call_tool(&octocat.access, &session, "get_me", json!({})).await;
    assert_eq!(r.body.unwrap()["result"]["structuredContent"]["login"], "octocat");
    h.emulator.set_login_user("octocat");
    let octocat2 = h.login_with(&octocat.client_id).await;
    assert_eq!(h.call_tool(&octocat2.access, &session, "get_me", json!({})).await.status, StatusCode::OK);
    // DELETE ends it.
    let del = h
        .http
        .delete(h.mcp_url())
        .bearer_auth(&octocat.access)
        .header("mcp-session-id", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), StatusCode::OK, "the SDKs expect 200 (or 204) for DELETE");
    assert_eq!(h.call_tool(&octocat.access, &session, "get_me", json!({})).await.status, StatusCode::NOT_FOUND);
    // Unknown session ids are 404 too.
    assert_eq!(
        h.call_tool(&octocat.access, "no-such-session", "get_me", json!({})).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn foreign_origin_disallowed_host_and_unknown_protocol_version_are_refused() {
    let h = Harness::start().await;
    let t = h.login().await;
    let r = h.mcp_with(Some(&t.access), None, initialize(), &[("origin", "https://evil.example")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let own_origin = h.base.clone();
    let r = h.mcp_with(Some(&t.access), None, initialize(), &[("origin", &own_origin)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = h.mcp_with(Some(&t.access), None, initialize(), &[("host", "evil.example")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let session = h.mcp_session(&t.access).await;
    let r = h
        .mcp_with(
            Some(&t.access),
            Some(&session),
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}),
            &[("mcp-protocol-version", "1999-01-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn github_rejecting_the_stored_token_revokes_the_grant() {
    let h = Harness::start().await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    assert_eq!(h.emulator.revoke_tokens_of("octocat"), 1);
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    let result = &r.body.unwrap()["result"];
    assert_eq!(result["isError"], true);
    assert!(result["content"][0]["text"].as_str().unwrap().contains("sign in again"));
    // The client is now asked to log in again.
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let (status, _) =
        h.token(&[("grant_type", "refresh_token"), ("refresh_token", &t.refresh), ("client_id", &t.client_id)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// GitHub App mode (8-hour GitHub tokens), local access tokens living a day, one user signed in
/// with an MCP session.
async fn expiring_github_tokens() -> (Harness, common::Tokens, String) {
    let emulator =
        EmulatorConfig { expiring_tokens: true, token_lifetime: Duration::from_secs(8 * 3600), ..Default::default() };
    // Sessions and local tokens outlive the 8 hours these tests move the clock.
    let h = Harness::start_with(emulator, |c| {
        c.access_token_ttl_secs = Some("86400".into());
        c.session_idle_secs = Some("86400".into());
    })
    .await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    (h, t, session)
}

#[tokio::test]
async fn expiring_github_tokens_are_refreshed_transparently() {
    let (h, t, session) = expiring_github_tokens().await;
    // Eight hours later the GitHub token has expired; the next request refreshes it first.
    h.clock.advance(8 * 3600);
    h.emulator.expire_all_access_tokens();
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(r.body.unwrap()["result"]["isError"], false);
    let refreshes = h.emulator.token_requests().into_iter().filter(|r| r.grant_type == "refresh_token").count();
    assert_eq!(refreshes, 1);
    // Concurrent requests right after do not refresh again.
    let calls = (0..5).map(|_| h.call_tool(&t.access, &session, "get_me", json!({})));
    for r in futures::future::join_all(calls).await {
        assert_eq!(r.status, StatusCode::OK);
    }
    assert_eq!(h.emulator.token_requests().into_iter().filter(|r| r.grant_type == "refresh_token").count(), 1);
}

#[tokio::test]
async fn concurrent_requests_needing_a_refresh_refresh_once() {
    let (h, t, session) = expiring_github_tokens().await;
    h.clock.advance(8 * 3600);
    let calls = (0..6).map(|_| h.call_tool(&t.access, &session, "get_me", json!({})));
    for r in futures::future::join_all(calls).await {
        assert_eq!(r.body.unwrap()["result"]["isError"], false);
    }
    assert_eq!(h.emulator.token_requests().into_iter().filter(|r| r.grant_type == "refresh_token").count(), 1);
}

fn refreshes(h: &Harness) -> usize {
    h.emulator.token_requests().into_iter().filter(|r| r.grant_type == "refresh_token").count()
}

/// GitHub expired the token before the gateway's clock said so (clock skew, early rotation): the
/// first 401 refreshes it once, for every tool call that hit it at the same time, and each call is
/// retried with the new token instead of the grant being revoked.
#[tokio::test]
async fn a_github_401_for_a_refreshable_token_refreshes_once_and_every_call_succeeds() {
    let (h, t, session) = expiring_github_tokens().await;
    h.emulator.expire_all_access_tokens(); // the gateway's clock has not moved
    let calls = (0..12).map(|_| h.call_tool(&t.access, &session, "get_me", json!({})));
    for r in futures::future::join_all(calls).await {
        let body = r.body.unwrap_or_default();
        assert_eq!(body["result"]["isError"], false, "{body}");
    }
    assert_eq!(refreshes(&h), 1);
    // The new token was saved: later calls use it without refreshing again.
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(r.body.unwrap_or_default()["result"]["isError"], false);
    assert_eq!(refreshes(&h), 1);
}

/// A 401 for a token that cannot be refreshed (an OAuth App token; or GitHub refuses the refresh)
/// ends the grant: the client's next request gets 401 and its user signs in again.
#[tokio::test]
async fn a_github_401_revokes_only_when_the_token_cannot_be_refreshed() {
    let (h, t, session) = expiring_github_tokens().await;
    h.emulator.set_refresh_refused(true);
    h.emulator.expire_all_access_tokens();
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(r.body.unwrap_or_default()["result"]["isError"], true);
    assert_eq!(h.mcp(Some(&t.access), None, initialize()).await.status, StatusCode::UNAUTHORIZED);

    let h = Harness::start().await; // OAuth App mode: no refresh token
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    h.emulator.revoke_tokens_of("octocat");
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(r.body.unwrap_or_default()["result"]["isError"], true);
    assert_eq!(refreshes(&h), 0);
    assert_eq!(h.mcp(Some(&t.access), None, initialize()).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn github_refusing_the_refresh_sends_the_client_back_to_login() {
    let (h, t, session) = expiring_github_tokens().await;
    h.emulator.set_refresh_refused(true);
    h.clock.advance(8 * 3600);
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // The grant is gone, so logging in again is the way back.
    h.emulator.set_refresh_refused(false);
    let back = h.authorize(&Browser::new(), &t.client_id, &common::Pkce::new(), &[]).await;
    assert!(common::query_param(&back, "code").is_some());
}

#[tokio::test]
async fn github_outage_is_a_tool_error_after_bounded_retries() {
    let h = Harness::start().await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    h.emulator.inject_fault(github_emulator::Fault::new("/user", 502).times(3));
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    let result = &r.body.unwrap()["result"];
    assert_eq!(result["isError"], true);
    assert!(result["content"][0]["text"].as_str().unwrap().contains("502"));
    // The grant survives an outage.
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(r.body.unwrap()["result"]["isError"], false);
}

#[tokio::test]
async fn a_token_minted_for_another_resource_is_refused() {
    use mcp_github_gateway::{crypto::hash_token, store::records::AccessTokenRecord};
    let h = Harness::start().await;
    let t = h.login().await;
    let key = hash_token(&t.access);
    let mut record: AccessTokenRecord = h.state.records.get(&key).await.unwrap().unwrap();
    assert_eq!(h.mcp(Some(&t.access), None, initialize()).await.status, StatusCode::OK);
    record.resource = "https://other.example/mcp".into();
    h.state.records.put_for(&key, &record, None).await.unwrap();
    let r = h.mcp(Some(&t.access), None, initialize()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn browser_preflight_is_answered_for_allowed_origins_only() {
    let h =
        Harness::start_with(EmulatorConfig::default(), |c| c.allowed_origins = Some("http://localhost:6274".into()))
            .await;
    let preflight = |origin: &'static str| {
        h.http
            .request(reqwest::Method::OPTIONS, h.mcp_url())
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type, mcp-session-id")
            .send()
    };
    let ok = preflight("http://localhost:6274").await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(ok.headers()["access-control-allow-origin"], "http://localhost:6274");
    let foreign = preflight("https://evil.example").await.unwrap();
    assert!(foreign.headers().get("access-control-allow-origin").is_none());
    // The allowed origin may then call /mcp and read the session id.
    let t = h.login().await;
    let r = h.mcp_with(Some(&t.access), None, initialize(), &[("origin", "http://localhost:6274")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["access-control-expose-headers"].to_str().unwrap().contains("mcp-session-id"));
}

/// Regression: an upstream refresh in flight while the grant is revoked must not write the grant
/// back (it did: the refreshed grant was `put`, reviving every token of the revoked grant).
#[tokio::test]
async fn revocation_during_a_slow_upstream_refresh_sticks() {
    let (h, t, session) = expiring_github_tokens().await;
    h.clock.advance(8 * 3600);
    h.emulator.set_token_latency(Duration::from_millis(600));
    let in_flight = {
        let (http, url, token, session) = (h.http.clone(), h.mcp_url(), t.access.clone(), session.clone());
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(token)
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json")
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", common::PROTOCOL)
                .body(json!({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": {"name": "get_me", "arguments": {}}}).to_string())
                .send()
                .await
                .map(|r| r.status())
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let revoked = h
        .http
        .post(h.url("/revoke"))
        .form(&[("token", t.refresh.as_str()), ("client_id", t.client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let status = in_flight.await.unwrap().unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the in-flight request learns the grant is gone");
    h.emulator.set_token_latency(Duration::ZERO);
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the revoked grant must stay revoked");
}

/// Regression: rmcp's default SSE "priming" event (id + retry, empty data) broke clients that parse
/// every `data:` line as JSON. A reply that is one response is now plain JSON, so it has no events at
/// all; a streamed one would still carry no priming event.
#[tokio::test]
async fn sse_streams_carry_no_empty_priming_events() {
    let h = Harness::start().await;
    let t = h.login().await;
    let init = h.mcp(Some(&t.access), None, initialize()).await;
    let session = init.headers["mcp-session-id"].to_str().unwrap().to_owned();
    let list = h.mcp(Some(&t.access), Some(&session), json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})).await;
    for reply in [&init, &list] {
        assert_eq!(reply.headers["content-type"], "application/json", "{}", reply.text);
        assert!(serde_json::from_str::<serde_json::Value>(&reply.text).is_ok_and(|v| v.get("result").is_some()));
        assert!(!reply.text.contains("retry:") && !reply.text.starts_with("id:"), "{}", reply.text);
    }
}

#[tokio::test]
async fn tools_need_the_scope_that_matches_their_kind() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let write_only = h.login_extra(&client_id, &[("scope", "github:write")]).await;
    assert_eq!(write_only.body["scope"], "github:write");
    let session = h.mcp_session(&write_only.access).await;
    let github_calls = h.emulator.api_requests().len();
    let r = h.call_tool(&write_only.access, &session, "get_me", json!({})).await;
    // Step-up (MCP 2025-11-25): 403 naming the scopes to ask for, so the client can re-authorize.
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let challenge = r.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer error=\"insufficient_scope\""), "{challenge}");
    assert!(challenge.contains("scope=\"github:read github:write\""), "{challenge}");
    assert!(challenge.contains(&format!("resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"", h.base)));
    assert_eq!(h.emulator.api_requests().len(), github_calls, "GitHub was not called");
    // Other methods are not affected by the missing scope.
    let list = h
        .mcp(Some(&write_only.access), Some(&session), json!({"jsonrpc": "2.0", "id": 5, "method": "tools/list"}))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let read_only = h.login_extra(&client_id, &[("scope", "github:read")]).await;
    let session = h.mcp_session(&read_only.access).await;
    let r = h.call_tool(&read_only.access, &session, "get_me", json!({})).await;
    assert_eq!(r.body.unwrap()["result"]["isError"], false);
}

async fn tool_names(h: &Harness, token: &str, headers: &[(&str, &str)]) -> Vec<String> {
    let session = h.mcp_session(token).await;
    let r = h
        .mcp_with(Some(token), Some(&session), json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list"}), headers)
        .await;
    let tools = r.body.unwrap()["result"]["tools"].as_array().unwrap().clone();
    tools.iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn toolsets_can_be_narrowed_per_request_but_never_widened() {
    let h = Harness::start_with(EmulatorConfig::default(), |c| c.toolsets = Some("context".into())).await;
    let t = h.login().await;
    assert!(tool_names(&h, &t.access, &[]).await.contains(&"get_me".to_owned()));
    assert!(tool_names(&h, &t.access, &[("x-mcp-toolsets", "repos")]).await.is_empty(), "narrowed to nothing");
    assert!(tool_names(&h, &t.access, &[("x-mcp-toolsets", "all")]).await.contains(&"get_me".to_owned()));
    // A tool outside the request's selection cannot be called either.
    let session = h.mcp_session(&t.access).await;
    let r = h
        .mcp_with(
            Some(&t.access),
            Some(&session),
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "get_me", "arguments": {}}}),
            &[("x-mcp-toolsets", "repos")],
        )
        .await;
    assert!(r.body.unwrap()["error"]["message"].as_str().unwrap().contains("not found"));
}

#[tokio::test]
async fn read_only_offers_only_the_read_scope() {
    let h = Harness::start_with(EmulatorConfig::default(), |c| c.read_only = Some("true".into())).await;
    let prm: serde_json::Value =
        h.http.get(h.url("/.well-known/oauth-protected-resource")).send().await.unwrap().json().await.unwrap();
    assert_eq!(prm["scopes_supported"], json!(["github:read"]));
    let r = h.mcp(None, None, initialize()).await;
    assert!(r.headers["www-authenticate"].to_str().unwrap().contains("scope=\"github:read\""));
    let client_id = h.register_public().await;
    let denied = h
        .http
        .get(h.authorize_url(&client_id, &common::Pkce::new(), &[("scope", "github:write")]))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::BAD_REQUEST, "a page naming invalid_scope, never a redirect");
    assert!(denied.text().await.unwrap_or_default().contains("invalid_scope"));
    let t = h.login_with(&client_id).await;
    assert_eq!(t.body["scope"], "github:read", "asking for nothing gets what is offered");
    assert!(tool_names(&h, &t.access, &[]).await.contains(&"get_me".to_owned()), "read tools stay");
}

async fn call_with(h: &Harness, token: &str, name: &str, headers: &[(&str, &str)]) -> common::McpReply {
    let session = h.mcp_session(token).await;
    let args = json!({"owner": "octocat", "repo": "hello-world", "title": "x"});
    h.mcp_with(
        Some(token),
        Some(&session),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": name, "arguments": args}}),
        headers,
    )
    .await
}

#[tokio::test]
async fn read_only_hides_and_refuses_write_tools() {
    let h = Harness::start_with(EmulatorConfig::default(), |c| {
        c.read_only = Some("true".into());
        c.toolsets = Some("all".into());
    })
    .await;
    let t = h.login().await;
    let names = tool_names(&h, &t.access, &[]).await;
    assert!(names.contains(&"get_issue".to_owned()) && !names.contains(&"create_issue".to_owned()), "{names:?}");
    // The same for the toolsets that are off by default.
    for read in ["list_projects", "list_discussions", "list_dependabot_alerts", "get_global_security_advisory"] {
        assert!(names.contains(&read.to_owned()), "{read}: {names:?}");
    }
    for write in ["add_project_item", "update_project_item", "add_discussion_comment", "mark_discussion_answer"] {
        assert!(!names.contains(&write.to_owned()), "{write}: {names:?}");
    }
    let github_calls = h.emulator.api_requests().len();
    let r = call_with(&h, &t.access, "create_issue", &[]).await;
    assert!(r.body.unwrap()["error"]["message"].as_str().unwrap().contains("not found"));
    assert_eq!(h.emulator.api_requests().len(), github_calls, "GitHub was not called");
}

#[tokio::test]
async fn a_request_may_ask_for_read_only_itself() {
    let h = Harness::start().await;
    let t = h.login().await;
    let all = tool_names(&h, &t.access, &[]).await;
    let read_only = tool_names(&h, &t.access, &[("x-mcp-readonly", "true")]).await;
    assert!(all.contains(&"create_issue".to_owned()));
    assert!(!read_only.contains(&"create_issue".to_owned()) && read_only.contains(&"get_issue".to_owned()));
    let r = call_with(&h, &t.access, "create_issue", &[("x-mcp-readonly", "true")]).await;
    assert!(r.body.unwrap()["error"]["message"].as_str().unwrap().contains("not found"));
}

#[tokio::test]
async fn a_read_only_token_calling_a_write_tool_is_asked_to_step_up() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let reader = h.login_extra(&client_id, &[("scope", "github:read")]).await;
    let r = call_with(&h, &reader.access, "create_issue", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let challenge = r.headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\"") && challenge.contains("scope=\"github:read github:write\""),
        "{challenge}"
    );
    // After stepping up (a new authorization with both scopes), the call goes through to GitHub.
    let writer = h.login_extra(&client_id, &[("scope", "github:read github:write")]).await;
    let r = call_with(&h, &writer.access, "create_issue", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn sessions_per_user_and_per_instance_are_capped_with_clear_errors() {
    let h = Harness::start_with(EmulatorConfig::default(), |c| {
        c.max_sessions_per_user = Some("2".into());
        c.max_sessions = Some("3".into());
    })
    .await;
    let octocat = h.login().await;
    let first = h.mcp_session(&octocat.access).await;
    h.mcp_session(&octocat.access).await;
    let third = h.mcp(Some(&octocat.access), None, initialize()).await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS, "{}", third.text);
    assert_eq!(third.body.unwrap()["error"], "too_many_sessions");
    assert!(third.headers.contains_key("retry-after"));
    // Closing one frees a place.
    let del =
        h.http.delete(h.mcp_url()).bearer_auth(&octocat.access).header("mcp-session-id", &first).send().await.unwrap();
    assert_eq!(del.status(), StatusCode::OK);
    h.mcp_session(&octocat.access).await;
    // The instance cap counts everyone.
    h.emulator.set_login_user("hubot");
    let hubot = h.login().await;
    h.mcp_session(&hubot.access).await;
    let over = h.mcp(Some(&hubot.access), None, initialize()).await;
    assert_eq!(over.status, StatusCode::SERVICE_UNAVAILABLE, "{}", over.text);
    assert_eq!(over.body.unwrap()["error"], "too_many_sessions");
}

#[tokio::test]
async fn idle_sessions_end() {
    let h = Harness::start_with(EmulatorConfig::default(), |c| c.session_idle_secs = Some("600".into())).await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    h.clock.advance(500);
    assert_eq!(h.call_tool(&t.access, &session, "get_me", json!({})).await.status, StatusCode::OK, "use renews it");
    h.clock.advance(500);
    assert_eq!(h.call_tool(&t.access, &session, "get_me", json!({})).await.status, StatusCode::OK);
    // Within SESSION_IDLE_SECS of the last use it lives; past it plus the renewal slack (an eighth)
    // it has ended.
    h.clock.advance(599);
    assert_eq!(h.call_tool(&t.access, &session, "get_me", json!({})).await.status, StatusCode::OK);
    h.clock.advance(600 + 75 + 1);
    assert_eq!(
        h.call_tool(&t.access, &session, "get_me", json!({})).await.status,
        StatusCode::NOT_FOUND,
        "idle too long"
    );
}

#[tokio::test]
async fn an_idle_session_stops_counting_as_active_and_its_next_request_is_served_from_storage() {
    let h = Harness::start_with(EmulatorConfig::default(), |c| c.session_memory_secs = Some("1".into())).await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let live = || async {
        let text = h.http.get(h.url("/metrics")).send().await.unwrap().text().await.unwrap();
        text.lines().find_map(|l| l.strip_prefix("mcp_gateway_mcp_sessions ")).unwrap_or("?").to_owned()
    };
    assert_eq!(live().await, "1");
    h.clock.advance(2);
    assert_eq!(live().await, "0", "idle for SESSION_MEMORY_SECS: no longer active here");
    let me = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(me.status, StatusCode::OK, "served from its record in storage: {}", me.text);
    assert_eq!(me.body.unwrap()["result"]["structuredContent"]["login"], "octocat");
    assert_eq!(live().await, "1");
}

#[tokio::test]
async fn a_session_has_no_server_stream_and_a_request_without_one_is_refused() {
    let h = Harness::start().await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let get = |session: Option<String>| {
        let mut req = h.http.get(h.mcp_url()).bearer_auth(&t.access).header("accept", "text/event-stream");
        if let Some(s) = session {
            req = req.header("mcp-session-id", s).header("mcp-protocol-version", common::PROTOCOL);
        }
        req.send()
    };
    let stream = get(Some(session.clone())).await.unwrap();
    assert_eq!(stream.status(), StatusCode::METHOD_NOT_ALLOWED, "nothing is ever sent unprompted");
    assert_eq!(stream.headers()["allow"], "POST, DELETE");
    let foreign = get(Some("not-a-session".into())).await.unwrap();
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND, "an unknown id is a 404 first");
    // A 2025-revision request other than initialize needs the session it opened.
    let r = h
        .mcp_with(
            Some(&t.access),
            None,
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}),
            &[("mcp-protocol-version", common::PROTOCOL)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.body.unwrap()["error"]["code"], -32600);
}

#[tokio::test]
async fn a_busy_session_renews_its_idle_timer_once_per_eighth_not_per_request() {
    use mcp_github_gateway::store::records::SessionOwner;
    let h = Harness::start_with(EmulatorConfig::default(), |c| c.session_idle_secs = Some("800".into())).await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let owner = || async { h.state.records.get_raw::<SessionOwner>(&session).await.unwrap().unwrap().1 };
    let created = owner().await;
    h.clock.advance(99);
    for _ in 0..3 {
        assert_eq!(h.call_tool(&t.access, &session, "get_me", json!({})).await.status, StatusCode::OK);
    }
    assert_eq!(owner().await, created, "no store write within an eighth of the idle time");
    h.clock.advance(1);
    assert_eq!(h.call_tool(&t.access, &session, "get_me", json!({})).await.status, StatusCode::OK);
    assert_ne!(owner().await, created, "renewed once an eighth has passed");
}

#[tokio::test]
async fn oversized_mcp_bodies_are_refused_with_413() {
    let h = Harness::start().await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let huge = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "get_me", "arguments": {"pad": "x".repeat(5 * 1024 * 1024)}}});
    let r = h.mcp(Some(&t.access), Some(&session), huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn concurrent_requests_on_one_session_all_complete() {
    let h = Harness::start().await;
    let tokens = h.login().await;
    let session = h.mcp_session(&tokens.access).await;
    let calls = (0..32).map(|i| {
        h.mcp(Some(&tokens.access), Some(&session), json!({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/list"}))
    });
    let replies = tokio::time::timeout(std::time::Duration::from_secs(20), futures::future::join_all(calls))
        .await
        .expect("every concurrent request on the session completes");
    for r in replies {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.body.unwrap()["result"]["tools"].as_array().is_some_and(|t| !t.is_empty()));
    }
}

/// Issue #18: a token verified a moment ago is served without unsealing it again, but revoking it,
/// or its grant, is felt by the very next request.
#[tokio::test]
async fn a_token_verified_a_moment_ago_is_still_refused_at_once_when_revoked() {
    let h = Harness::start().await;
    let a = h.login().await;
    let b = h.login().await;
    for t in [&a, &b] {
        let session = h.mcp_session(&t.access).await;
        for _ in 0..2 {
            assert_eq!(h.call_tool(&t.access, &session, "get_me", json!({})).await.status, StatusCode::OK);
        }
    }
    // The access token itself.
    let revoked =
        h.http.post(h.url("/revoke")).form(&[("token", a.access.as_str()), ("client_id", a.client_id.as_str())]);
    assert_eq!(revoked.send().await.unwrap().status(), StatusCode::OK);
    let r = h.mcp(Some(&a.access), None, json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    // The grant behind a token (revoking its refresh token ends the grant).
    let revoked =
        h.http.post(h.url("/revoke")).form(&[("token", b.refresh.as_str()), ("client_id", b.client_id.as_str())]);
    assert_eq!(revoked.send().await.unwrap().status(), StatusCode::OK);
    let r = h.mcp(Some(&b.access), None, json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
}

#[tokio::test]
async fn tools_alone_offer_only_the_tools_named_and_exclude_tools_wins() {
    let h = Harness::start_with(EmulatorConfig::default(), |c| {
        c.tools = Some("get_me, get_issue,create_issue".into());
        c.exclude_tools = Some("create_issue".into());
    })
    .await;
    let t = h.login().await;
    assert_eq!(tool_names(&h, &t.access, &[]).await, ["get_issue", "get_me"]);
    let r = call_with(&h, &t.access, "create_issue", &[]).await;
    assert!(r.body.unwrap()["error"]["message"].as_str().unwrap().contains("not found"), "excluded is not callable");
    // With TOOLSETS, TOOLS adds to the toolsets.
    let h = Harness::start_with(EmulatorConfig::default(), |c| {
        c.toolsets = Some("context".into());
        c.tools = Some("get_issue".into());
        c.exclude_tools = Some("list_my_orgs".into());
    })
    .await;
    let t = h.login().await;
    let names = tool_names(&h, &t.access, &[]).await;
    assert!(names.contains(&"get_issue".to_owned()) && names.contains(&"get_me".to_owned()), "{names:?}");
    assert!(!names.contains(&"list_my_orgs".to_owned()) && !names.contains(&"list_issues".to_owned()), "{names:?}");
}

#[tokio::test]
async fn request_headers_choose_tools_within_the_operator_s_and_unknown_names_are_refused() {
    let h = Harness::start().await;
    let t = h.login().await;
    let only = tool_names(&h, &t.access, &[("x-mcp-tools", "get_me,get_issue")]).await;
    assert_eq!(only, ["get_issue", "get_me"], "X-MCP-Tools alone: only those");
    let with_set = tool_names(&h, &t.access, &[("x-mcp-tools", "get_issue"), ("x-mcp-toolsets", "context")]).await;
    let context = tool_names(&h, &t.access, &[("x-mcp-toolsets", "context")]).await;
    let mut expected = [context, vec!["get_issue".to_owned()]].concat();
    expected.sort();
    assert_eq!(with_set, expected, "with X-MCP-Toolsets: added to them");
    let excluded = tool_names(&h, &t.access, &[("x-mcp-exclude-tools", "get_me")]).await;
    assert!(!excluded.contains(&"get_me".to_owned()) && excluded.contains(&"get_issue".to_owned()));
    // A tool that exists but the operator does not offer stays hidden: headers never widen.
    assert!(tool_names(&h, &t.access, &[("x-mcp-tools", "list_workflow_runs")]).await.is_empty());
    let session = h.mcp_session(&t.access).await;
    for (header, value) in [("x-mcp-tools", "get_me,get_mee"), ("x-mcp-exclude-tools", "nonsense")] {
        let r = h
            .mcp_with(
                Some(&t.access),
                Some(&session),
                json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list"}),
                &[(header, value)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{header}");
        let body = r.body.unwrap();
        let description = body["error_description"].as_str().unwrap_or_default();
        assert!(description.contains("is not a tool") && description.to_lowercase().starts_with(header), "{body}");
    }
}
