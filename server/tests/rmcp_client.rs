//! A client this project did not write — rmcp's OAuth client (`auth` feature) — signs in through
//! the gateway (discovery, dynamic registration, PKCE, consent, GitHub emulator, `iss` check, token),
//! lists tools, calls `get_me`, refreshes, and is refused after revocation.

mod common;

use common::{Browser, Harness};
use reqwest::StatusCode;
use rmcp::{
    ServiceExt,
    model::CallToolRequestParams,
    transport::{
        StreamableHttpClientTransport,
        auth::{AuthClient, AuthorizationManager, AuthorizationRequest, AuthorizationSession},
        streamable_http_client::StreamableHttpClientTransportConfig,
    },
};

const CLIENT_REDIRECT: &str = "http://127.0.0.1:7777/callback";

#[tokio::test]
async fn rmcp_oauth_client_completes_the_flow_and_calls_get_me() {
    let h = Harness::start().await;
    let mcp = h.mcp_url();

    let mut manager = AuthorizationManager::new(mcp.as_str()).await.expect("manager");
    let metadata = manager.resolve_metadata().await.expect("discovery");
    assert_eq!(metadata.metadata.issuer.as_deref(), Some(h.base.as_str()));
    manager.set_metadata(metadata.metadata);
    let session = AuthorizationSession::new(
        manager,
        AuthorizationRequest::new(CLIENT_REDIRECT).with_client_name("rmcp e2e").with_scopes(["github:read"]),
    )
    .await
    .map_err(|(_, e)| e)
    .expect("registration and authorization URL");
    let authorization_url = session.get_authorization_url().to_owned();
    assert!(authorization_url.contains("code_challenge_method=S256"));
    assert!(authorization_url.contains("resource="));

    let callback = Browser::new().run_to_client(&authorization_url, CLIENT_REDIRECT).await;
    // rmcp checks `iss` (RFC 9207) against the metadata's issuer here.
    session.handle_callback_url(&callback).await.expect("code exchange");

    let client_id = session.auth_manager.get_credentials().await.map(|(id, _)| id).expect("registered client id");
    let auth_client = AuthClient::new(reqwest::Client::new(), session.auth_manager);
    let transport = StreamableHttpClientTransport::with_client(
        auth_client.clone(),
        StreamableHttpClientTransportConfig::with_uri(mcp.as_str()),
    );
    let client = ().serve(transport).await.expect("initialize");
    let tools = client.list_all_tools().await.expect("tools/list");
    assert!(tools.iter().any(|t| t.name == "get_me"));
    let me = client.call_tool(CallToolRequestParams::new("get_me")).await.expect("get_me");
    assert_eq!(me.is_error, Some(false));
    assert_eq!(me.structured_content.as_ref().unwrap()["login"], "octocat");

    // A refresh through rmcp's own refresh logic, then the refreshed token works.
    let refreshed = auth_client.auth_manager.lock().await.refresh_token().await.expect("refresh");
    use oauth2::TokenResponse;
    let new_access = refreshed.access_token().secret().clone();
    let me = client.call_tool(CallToolRequestParams::new("get_me")).await.expect("get_me after refresh");
    assert_eq!(me.is_error, Some(false));

    // The scope the client asked for is what it got.
    assert_eq!(
        refreshed.scopes().map(|s| s.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        Some(vec!["github:read".to_owned()])
    );

    client.cancel().await.expect("close");
    // Closing the MCP session does not end the grant: the refreshed token opens a new session.
    h.mcp_session(&new_access).await;
    // Revocation does.
    let revoked = h
        .http
        .post(h.url("/revoke"))
        .form(&[("token", new_access.as_str()), ("client_id", client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let r = h.mcp(Some(&new_access), None, serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(h.emulator.foreign_tokens_seen(), 0);
}
