//! The whole login and use, end to end over HTTP: discovery → register → authorize → consent →
//! GitHub emulator → callback → token → initialize → tools/list → get_me → refresh → revoke.

mod common;

use common::{Browser, Harness, Pkce, REDIRECT, query_param};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn complete_flow_from_discovery_to_revocation() {
    let h = Harness::start().await;

    // Discovery: the 401 challenge leads to the PRM, which leads to the AS metadata.
    let unauth = h.mcp(None, None, json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})).await;
    assert_eq!(unauth.status, StatusCode::UNAUTHORIZED);
    let challenge = unauth.headers["www-authenticate"].to_str().unwrap();
    let prm_url = format!("{}/.well-known/oauth-protected-resource/mcp", h.base);
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(challenge.contains(&format!("resource_metadata=\"{prm_url}\"")), "{challenge}");
    assert!(!challenge.contains("error="), "no error attribute without a token: {challenge}");
    let prm: Value = h.http.get(&prm_url).send().await.unwrap().json().await.unwrap();
    assert_eq!(prm["resource"], h.mcp_url());
    let issuer = prm["authorization_servers"][0].as_str().unwrap().to_owned();
    assert_eq!(issuer, h.base);
    let asm: Value = h
        .http
        .get(format!("{issuer}/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(asm["issuer"], issuer);
    assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(asm["client_id_metadata_document_supported"], json!(true), "CIMD (MCP 2025-11-25)");

    // Registration and the browser leg.
    let client_id = h.register_public().await;
    let pkce = Pkce::new();
    let browser = Browser::new();
    let back = h.authorize(&browser, &client_id, &pkce, &[]).await;
    assert!(back.starts_with(REDIRECT));
    assert_eq!(query_param(&back, "state").as_deref(), Some("client-state-123"));
    assert_eq!(query_param(&back, "iss").as_deref(), Some(issuer.as_str()));
    let code = query_param(&back, "code").unwrap();

    // The gateway ran its own PKCE against GitHub.
    let authorize = h.emulator.authorize_requests();
    assert_eq!(authorize.len(), 1);
    assert_eq!(authorize[0].code_challenge_method.as_deref(), Some("S256"));
    assert_ne!(authorize[0].code_challenge.as_deref(), Some(pkce.challenge.as_str()), "not the client's challenge");
    assert_eq!(authorize[0].redirect_uri.as_deref(), Some(format!("{}/oauth/callback", h.base).as_str()));
    let token_reqs = h.emulator.token_requests();
    assert_eq!(token_reqs.len(), 1);
    assert_eq!(token_reqs[0].pkce_ok, Some(true));
    assert!(token_reqs[0].accept_json);

    // Token.
    let (status, tokens) = h.redeem(&client_id, &code, &pkce.verifier, &[]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "github:read github:write");
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert!(access.len() >= 43 && refresh.len() >= 43);

    // MCP: initialize, tools/list, get_me.
    let session = h.mcp_session(access).await;
    let list = h.mcp(Some(access), Some(&session), json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})).await;
    assert_eq!(list.status, StatusCode::OK);
    let tools = list.body.unwrap()["result"]["tools"].clone();
    let get_me = tools.as_array().unwrap().iter().find(|t| t["name"] == "get_me").expect("get_me listed");
    assert_eq!(get_me["annotations"]["readOnlyHint"], true);
    let me = h.call_tool(access, &session, "get_me", json!({})).await;
    let result = &me.body.unwrap()["result"];
    assert_eq!(result["isError"], false, "{result}");
    assert_eq!(result["structuredContent"], json!({"login": "octocat", "id": 583231, "name": "The Octocat"}));

    // Refresh rotates; the new access token works, and the old one keeps working until it expires.
    let (status, refreshed) =
        h.token(&[("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", &client_id)]).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let access2 = refreshed["access_token"].as_str().unwrap();
    assert_ne!(access2, access);
    assert_ne!(refreshed["refresh_token"], tokens["refresh_token"]);
    let me2 = h.call_tool(access2, &session, "get_me", json!({})).await;
    assert_eq!(me2.body.unwrap()["result"]["isError"], false);

    // Revoking the refresh token ends the grant: every access token from it stops working.
    let resp = h
        .http
        .post(h.url("/revoke"))
        .form(&[("token", refreshed["refresh_token"].as_str().unwrap()), ("client_id", &client_id)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    for t in [access, access2] {
        let r = h.call_tool(t, &session, "get_me", json!({})).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.headers["www-authenticate"].to_str().unwrap().contains("error=\"invalid_token\""));
    }

    // GitHub only ever saw tokens it issued itself.
    assert_eq!(h.emulator.foreign_tokens_seen(), 0);
    assert!(h.emulator.api_requests().iter().all(|r| r.token_known));
}

#[tokio::test]
async fn remembered_consent_skips_the_page_and_a_new_client_still_asks() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let browser = Browser::new();
    h.authorize(&browser, &client_id, &Pkce::new(), &[]).await;

    // Same browser, same client and redirect URI: straight to GitHub, no consent page.
    let resp = browser.get(&h.authorize_url(&client_id, &Pkce::new(), &[])).await;
    assert!(resp.status().is_redirection());
    assert!(resp.headers()["location"].to_str().unwrap().starts_with(&h.emulator.base_url()));

    // Another client in the same browser is asked again.
    let other = h.register_public().await;
    let resp = browser.get(&h.authorize_url(&other, &Pkce::new(), &[])).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Authorize Test Client?"));
    assert!(html.contains("@octocat"), "the last GitHub login is shown");
}
