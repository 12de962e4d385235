//! MCP 2026-07-28 on `/mcp`: stateless requests (per-request `_meta`, no session) next to the
//! session-keyed revisions, and the bounds on what a legacy session may keep.

mod common;

use common::Harness;
use reqwest::StatusCode;
use rmcp::{
    ClientLifecycleMode, ClientServiceExt,
    model::{CallToolRequestParams, ProtocolVersion},
    transport::{StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig},
};
use serde_json::{Value, json};

const MODERN: &str = "2026-07-28";

/// A 2026-07-28 request: `_meta` with the version and capabilities, and the standard headers.
fn modern(id: u64, method: &str, params: Value) -> Value {
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "stateless-test", "version": "1"},
    });
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

fn body(r: &common::McpReply) -> Value {
    r.body.clone().unwrap_or_default()
}

fn headers(method: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![("mcp-protocol-version", MODERN), ("mcp-method", method)]
}

#[tokio::test]
async fn rmcp_s_client_at_2026_07_28_lists_and_calls_tools_statelessly_with_server_info() {
    let h = Harness::start().await;
    let t = h.login().await;
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(h.mcp_url()).auth_header(t.access.clone()),
    );
    let client = ()
        .serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover { preferred_versions: vec![ProtocolVersion::V_2026_07_28] },
        )
        .await
        .expect("server/discover");
    let tools = client.list_all_tools().await.expect("tools/list");
    assert!(tools.iter().any(|t| t.name == "get_me"));
    let me = client.call_tool(CallToolRequestParams::new("get_me")).await.expect("get_me");
    assert_eq!(me.is_error, Some(false));
    assert_eq!(me.structured_content.as_ref().unwrap()["login"], "octocat");
    let info =
        me.meta.as_ref().and_then(|m| m.0.get("io.modelcontextprotocol/serverInfo")).expect("serverInfo in _meta");
    assert_eq!(info["name"], "mcp-github-gateway");
    // Stateless: nothing was kept as a session.
    assert_eq!(h.state.records.store().count(mcp_github_gateway::store::Namespace::McpSession).await.unwrap(), 0);
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn a_stateless_request_ignores_a_stale_session_header_instead_of_answering_404() {
    let h = Harness::start().await;
    let t = h.login().await;
    let mut hs = headers("tools/list");
    hs.push(("mcp-session-id", "stale-or-made-up"));
    hs.push(("last-event-id", "42"));
    let r = h.mcp_with(Some(&t.access), None, modern(1, "tools/list", json!({})), &hs).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(body(&r)["result"]["tools"].as_array().is_some_and(|a| !a.is_empty()), "{}", r.text);
    let info = &body(&r)["result"]["_meta"]["io.modelcontextprotocol/serverInfo"];
    assert_eq!(info["name"], "mcp-github-gateway", "{}", r.text);
}

#[tokio::test]
async fn methods_of_capabilities_the_server_did_not_declare_are_not_found() {
    let h = Harness::start().await;
    let t = h.login().await;
    for method in ["prompts/list", "resources/list", "resources/templates/list"] {
        let hs = [("mcp-protocol-version", MODERN), ("mcp-method", method)];
        let r = h.mcp_with(Some(&t.access), None, modern(1, method, json!({})), &hs).await;
        assert_eq!(body(&r)["error"]["code"], -32601, "{method}: {}", r.text);
        assert_eq!(body(&r)["id"], 1);
    }
    let complete = modern(
        2,
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "x"},
        "argument": {"name": "a", "value": "b"}}),
    );
    let r = h.mcp_with(Some(&t.access), None, complete, &headers("completion/complete")).await;
    assert_eq!(body(&r)["error"]["code"], -32601, "{}", r.text);
    // A legacy session gets the same answer.
    let session = h.mcp_session(&t.access).await;
    let r = h.mcp(Some(&t.access), Some(&session), json!({"jsonrpc": "2.0", "id": 3, "method": "prompts/list"})).await;
    assert_eq!(body(&r)["error"]["code"], -32601, "{}", r.text);
}

#[tokio::test]
async fn bad_params_and_bad_bodies_get_json_rpc_errors_with_the_right_codes() {
    let h = Harness::start().await;
    let t = h.login().await;
    // tools/call without a name: invalid params, not an unknown method.
    let r = h
        .mcp_with(Some(&t.access), None, modern(1, "tools/call", json!({"arguments": {}})), &headers("tools/call"))
        .await;
    assert_eq!(body(&r)["error"]["code"], -32602, "{}", r.text);
    // A cursor this server never issued.
    let r = h
        .mcp_with(Some(&t.access), None, modern(2, "tools/list", json!({"cursor": "bogus"})), &headers("tools/list"))
        .await;
    assert_eq!(body(&r)["error"]["code"], -32602, "{}", r.text);
    // Malformed JSON and JSON that is not JSON-RPC: 400 with a JSON-RPC error, never plain text.
    for (body, code) in [("{not json", -32700), (r#"{"id": 1, "hello": true}"#, -32600)] {
        let resp = h
            .http
            .post(h.mcp_url())
            .bearer_auth(&t.access)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", MODERN)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(resp.headers()["content-type"], "application/json");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{v}");
        assert_eq!(v["jsonrpc"], "2.0");
    }
}

#[tokio::test]
async fn a_browser_preflight_may_send_the_2026_07_28_headers() {
    let h = Harness::start().await;
    let resp = h
        .http
        .request(reqwest::Method::OPTIONS, h.mcp_url())
        .header("origin", h.base.as_str())
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type, mcp-method, mcp-name, mcp-param-owner")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let allowed = resp.headers()["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    for h in ["mcp-method", "mcp-name", "mcp-param-owner", "authorization"] {
        assert!(allowed.contains(h), "{h} not allowed: {allowed}");
    }
    // A foreign origin still gets no CORS grant.
    let foreign = h
        .http
        .request(reqwest::Method::OPTIONS, h.mcp_url())
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "mcp-method")
        .send()
        .await
        .unwrap();
    assert!(foreign.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn an_oversized_initialize_is_refused_before_anything_is_stored() {
    let h = Harness::start().await;
    let t = h.login().await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {"experimental": {"blob": "x".repeat(64 * 1024)}},
        "clientInfo": {"name": "big", "version": "1"}}});
    let r = h.mcp(Some(&t.access), None, init).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(body(&r)["error"]["code"], -32602, "{}", r.text);
    assert!(r.headers.get("mcp-session-id").is_none());
    let store = h.state.records.store();
    assert_eq!(store.count(mcp_github_gateway::store::Namespace::McpSession).await.unwrap(), 0);
}

#[tokio::test]
async fn the_per_user_session_cap_counts_sessions_no_longer_active_here() {
    let h = Harness::start_with(Default::default(), |c| {
        c.max_sessions_per_user = Some("2".into());
        c.session_memory_secs = Some("1".into());
    })
    .await;
    let t = h.login().await;
    let first = h.mcp_session(&t.access).await;
    h.mcp_session(&t.access).await;
    // Both go idle and stop counting as active here; they are still live in storage.
    h.clock.advance(2);
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "third", "version": "1"}}});
    let r = h.mcp(Some(&t.access), None, init.clone()).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    // Ending one frees a place.
    let ended = h
        .http
        .delete(h.mcp_url())
        .bearer_auth(&t.access)
        .header("mcp-session-id", &first)
        .header("mcp-protocol-version", common::PROTOCOL)
        .send()
        .await
        .unwrap();
    assert!(ended.status().is_success(), "{}", ended.status());
    let r = h.mcp(Some(&t.access), None, init).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Stateless requests never count against the cap.
    let r = h.mcp_with(Some(&t.access), None, modern(9, "tools/list", json!({})), &headers("tools/list")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn a_session_s_record_expires_with_its_idle_expiry() {
    let h = Harness::start_with(Default::default(), |c| c.session_idle_secs = Some("80".into())).await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let store = h.state.records.store();
    use mcp_github_gateway::store::Namespace;
    assert!(store.get(Namespace::McpSession, &session).await.unwrap().is_some());
    // Idle 80 s plus the renewal slack (an eighth): the record is gone, not kept for days.
    h.clock.advance(80 + 10 + 2);
    assert!(store.get(Namespace::McpSession, &session).await.unwrap().is_none());
}

#[tokio::test]
async fn concurrent_new_sessions_of_one_user_stop_exactly_at_the_cap() {
    let h = Harness::start_with(Default::default(), |c| c.max_sessions_per_user = Some("5".into())).await;
    let t = h.login().await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "burst", "version": "1"}}});
    let attempts = (0..12).map(|_| h.mcp(Some(&t.access), None, init.clone()));
    let statuses: Vec<StatusCode> = futures::future::join_all(attempts).await.into_iter().map(|r| r.status).collect();
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((ok, refused), (5, 7), "{statuses:?}");
    let live = h.state.records.store().count(mcp_github_gateway::store::Namespace::McpSession).await.unwrap();
    assert_eq!(live, 5, "refused sessions leave nothing behind");
}

#[tokio::test]
async fn list_and_discover_results_may_be_reused_privately_for_ten_minutes() {
    let h = Harness::start().await;
    let t = h.login().await;
    for method in ["tools/list", "server/discover"] {
        let r = h.mcp_with(Some(&t.access), None, modern(5, method, json!({})), &headers(method)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.headers["content-type"], "application/json", "one response, plain JSON");
        assert_sized(&r);
        let result = &body(&r)["result"];
        assert_eq!(result["ttlMs"], 600_000, "{method}: {result}");
        assert_eq!(result["cacheScope"], "private", "{method}: {result}");
    }
    // A 2025 session's list carries neither field.
    let session = h.mcp_session(&t.access).await;
    let r = h.mcp(Some(&t.access), Some(&session), json!({"jsonrpc": "2.0", "id": 6, "method": "tools/list"})).await;
    let result = &body(&r)["result"];
    assert!(result.get("ttlMs").is_none() && result.get("cacheScope").is_none(), "{result}");
    assert!(result.get("resultType").is_none(), "2025 peers do not know resultType: {result}");
    assert_sized(&r);
}

/// A reply prepared once goes out as one sized body, as rmcp's do: a `Content-Length`, not chunks.
fn assert_sized(r: &common::McpReply) {
    assert_eq!(r.headers.get("content-length").and_then(|v| v.to_str().ok()), Some(r.text.len().to_string().as_str()));
    assert!(r.headers.get("transfer-encoding").is_none(), "{:?}", r.headers);
}
