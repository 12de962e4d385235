//! /token and /revoke: every check of the authorization_code and refresh_token grants, client
//! authentication, and RFC 6749 §5.2 error shapes.

mod common;

use common::{Browser, Harness, Pkce, REDIRECT, query_param};
use github_emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::json;

/// A fresh code for `client_id`, with the PKCE pair that goes with it.
async fn code_for(h: &Harness, client_id: &str) -> (String, Pkce) {
    let pkce = Pkce::new();
    let back = h.authorize(&Browser::new(), client_id, &pkce, &[]).await;
    (query_param(&back, "code").unwrap(), pkce)
}

fn code_form<'a>(client_id: &'a str, code: &'a str, verifier: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
        ("client_id", client_id),
    ]
}

fn with<'a>(mut form: Vec<(&'a str, &'a str)>, key: &'a str, value: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    form.retain(|(k, _)| *k != key);
    if let Some(v) = value {
        form.push((key, v));
    }
    form
}

#[tokio::test]
async fn each_code_check_fails_without_consuming_the_code() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let other_client = h.register_public().await;
    let (code, pkce) = code_for(&h, &client_id).await;
    let good = code_form(&client_id, &code, &pkce.verifier);
    let wrong_verifier = Pkce::new().verifier;
    let cases = [
        (with(good.clone(), "code_verifier", None), StatusCode::BAD_REQUEST, "invalid_request"),
        (with(good.clone(), "code_verifier", Some(&wrong_verifier)), StatusCode::BAD_REQUEST, "invalid_grant"),
        (with(good.clone(), "code_verifier", Some(&pkce.challenge)), StatusCode::BAD_REQUEST, "invalid_grant"),
        (
            with(good.clone(), "redirect_uri", Some("http://127.0.0.1:7777/other")),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
        (with(good.clone(), "redirect_uri", None), StatusCode::BAD_REQUEST, "invalid_request"),
        (with(good.clone(), "resource", Some("https://evil.example/mcp")), StatusCode::BAD_REQUEST, "invalid_target"),
        (with(good.clone(), "client_id", Some(&other_client)), StatusCode::BAD_REQUEST, "invalid_grant"),
        (with(good.clone(), "client_id", Some("unknown")), StatusCode::UNAUTHORIZED, "invalid_client"),
        (with(good.clone(), "client_id", None), StatusCode::UNAUTHORIZED, "invalid_client"),
        (with(good.clone(), "code", Some("mgw_ac_forged")), StatusCode::BAD_REQUEST, "invalid_grant"),
        (with(good.clone(), "grant_type", Some("password")), StatusCode::BAD_REQUEST, "unsupported_grant_type"),
        (with(good.clone(), "grant_type", None), StatusCode::BAD_REQUEST, "invalid_request"),
    ];
    for (form, status, error) in cases {
        let (got, body) = h.token(&form).await;
        assert_eq!((got, body["error"].as_str()), (status, Some(error)), "{form:?} → {body}");
    }
    // After all that, the legitimate redemption still works.
    let (status, body) = h.token(&good).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn code_replay_revokes_the_grant() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let (code, pkce) = code_for(&h, &client_id).await;
    let form = code_form(&client_id, &code, &pkce.verifier);
    let (status, tokens) = h.token(&form).await;
    assert_eq!(status, StatusCode::OK);
    let session = h.mcp_session(tokens["access_token"].as_str().unwrap()).await;
    let (status, body) = h.token(&form).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    // Everything the code issued is dead.
    let r = h.call_tool(tokens["access_token"].as_str().unwrap(), &session, "get_me", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let (status, _) = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &client_id),
        ])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn parallel_redemptions_of_one_code_yield_one_token() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let (code, pkce) = code_for(&h, &client_id).await;
    let form: Vec<(String, String)> =
        code_form(&client_id, &code, &pkce.verifier).into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (http, url, form) = (h.http.clone(), h.url("/token"), form.clone());
        tasks.push(tokio::spawn(async move { http.post(url).form(&form).send().await.unwrap().status() }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.unwrap() == StatusCode::OK);
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn expired_code_and_expired_access_token_are_refused() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let (code, pkce) = code_for(&h, &client_id).await;
    h.clock.advance(301);
    let (status, body) = h.token(&code_form(&client_id, &code, &pkce.verifier)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));

    let tokens = h.login_with(&client_id).await;
    let session = h.mcp_session(&tokens.access).await;
    h.clock.advance(3600);
    let r = h.call_tool(&tokens.access, &session, "get_me", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers["www-authenticate"].to_str().unwrap().contains("invalid_token"));
    // The refresh token still works and gives a working access token.
    let (status, body) = h
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &tokens.refresh), ("client_id", &client_id)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn refresh_rotation_grace_window_and_reuse_detection() {
    let h = Harness::start().await;
    let t = h.login().await;
    let refresh = |rt: String| {
        let form = vec![
            ("grant_type".to_owned(), "refresh_token".to_owned()),
            ("refresh_token".to_owned(), rt),
            ("client_id".to_owned(), t.client_id.clone()),
        ];
        let (http, url) = (h.http.clone(), h.url("/token"));
        async move {
            let resp = http.post(url).form(&form).send().await.unwrap();
            (resp.status(), resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    // Parallel refreshes with the same token all succeed, with the same successor.
    let results = futures::future::join_all((0..8).map(|_| refresh(t.refresh.clone()))).await;
    assert!(results.iter().all(|(s, _)| *s == StatusCode::OK), "{results:?}");
    let successor = results[0].1["refresh_token"].as_str().unwrap().to_owned();
    assert!(results.iter().all(|(_, b)| b["refresh_token"] == successor.as_str()));
    // Within the grace window a late worker still gets the same answer.
    h.clock.advance(30);
    let (status, body) = refresh(t.refresh.clone()).await;
    assert_eq!((status, body["refresh_token"].as_str()), (StatusCode::OK, Some(successor.as_str())));
    // After it, reuse of the rotated token is theft: the whole grant is revoked.
    h.clock.advance(1);
    let (status, body) = refresh(t.refresh.clone()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let (status, _) = refresh(successor).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the successor died with the grant");
}

#[tokio::test]
async fn refresh_may_narrow_but_not_widen_scope_and_is_bound_to_its_client() {
    let h = Harness::start().await;
    let t = h.login().await;
    let other = h.register_public().await;
    let (status, body) =
        h.token(&[("grant_type", "refresh_token"), ("refresh_token", &t.refresh), ("client_id", &other)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let (status, body) = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &t.refresh),
            ("client_id", &t.client_id),
            ("scope", "github:read"),
        ])
        .await;
    assert_eq!((status, body["scope"].as_str()), (StatusCode::OK, Some("github:read")), "{body}");
    let narrowed = body["refresh_token"].as_str().unwrap();
    let (status, body) = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", narrowed),
            ("client_id", &t.client_id),
            ("scope", "github:write"),
        ])
        .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_scope")));
}

#[tokio::test]
async fn a_refresh_token_is_never_a_bearer_token() {
    let h = Harness::start().await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let r = h.call_tool(&t.refresh, &session, "get_me", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Nor is an authorization code, or the GitHub token itself.
    let github_token = h.emulator.issued_access_tokens().pop().unwrap();
    let r = h.call_tool(&github_token, &session, "get_me", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn confidential_clients_must_authenticate_as_registered() {
    let h = Harness::start().await;
    let reg =
        h.register(json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "client_secret_basic"})).await;
    let (id, secret) = (reg["client_id"].as_str().unwrap(), reg["client_secret"].as_str().unwrap());
    let (code, pkce) = code_for(&h, id).await;
    let form = code_form(id, &code, &pkce.verifier);
    // No secret, wrong secret, secret in the body instead of Basic: invalid_client, 401.
    for req in [
        h.http.post(h.url("/token")).form(&form),
        h.http.post(h.url("/token")).basic_auth(id, Some("wrong")).form(&form),
        h.http.post(h.url("/token")).form(&with(form.clone(), "client_secret", Some(secret))),
    ] {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert!(resp.headers().contains_key("www-authenticate"));
        assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["error"], "invalid_client");
    }
    let resp = h.http.post(h.url("/token")).basic_auth(id, Some(secret)).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn malformed_token_requests_get_400_not_500() {
    let h = Harness::start().await;
    for (ct, body) in [
        ("application/json", r#"{"grant_type":"authorization_code"}"#.to_owned()),
        ("application/x-www-form-urlencoded", "grant_type=refresh_token&grant_type=authorization_code".to_owned()),
        ("application/x-www-form-urlencoded", "%%%".to_owned()),
        ("application/x-www-form-urlencoded", String::new()),
    ] {
        let resp = h.http.post(h.url("/token")).header("content-type", ct).body(body.clone()).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{ct} {body}");
        assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["error"], "invalid_request");
    }
    let resp = h
        .http
        .post(h.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=".repeat(20_000))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn revocation_of_access_tokens_and_of_other_clients_tokens() {
    let h = Harness::start().await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;
    let other = h.register_public().await;
    let resp = h
        .http
        .post(h.url("/revoke"))
        .form(&[("token", t.access.as_str()), ("client_id", &other)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "another client cannot revoke it");
    assert_eq!(h.call_tool(&t.access, &session, "get_me", json!({})).await.status, StatusCode::OK);
    // Unknown tokens are fine (RFC 7009 §2.2).
    let resp =
        h.http.post(h.url("/revoke")).form(&[("token", "nonsense"), ("client_id", &t.client_id)]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = h
        .http
        .post(h.url("/revoke"))
        .form(&[("token", t.access.as_str()), ("token_type_hint", "access_token"), ("client_id", &t.client_id)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(h.call_tool(&t.access, &session, "get_me", json!({})).await.status, StatusCode::UNAUTHORIZED);
    // The refresh token still works: revoking an access token does not end the grant.
    let (status, _) =
        h.token(&[("grant_type", "refresh_token"), ("refresh_token", &t.refresh), ("client_id", &t.client_id)]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn redirect_uri_may_be_omitted_at_token_only_if_omitted_at_authorize() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let pkce = Pkce::new();
    let url =
        h.authorize_url(&client_id, &pkce, &[]).replace("&redirect_uri=http%3A%2F%2F127.0.0.1%3A7777%2Fcallback", "");
    assert!(!url.contains("redirect_uri"));
    let back = Browser::new().run_to_client(&url, REDIRECT).await;
    let code = query_param(&back, "code").unwrap();
    let form = with(code_form(&client_id, &code, &pkce.verifier), "redirect_uri", None);
    let (status, body) = h.token(&form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Attack: `REFRESH_GRACE_SECS=0` still answered a rotated token's replay 114 ms later with the same
/// new pair, as the window was compared in whole seconds.
#[tokio::test]
async fn refresh_grace_window_is_exact_to_the_millisecond_and_zero_means_none() {
    for (grace, wait_ms, replay_allowed) in
        [("0", 0, false), ("0", 114, false), ("2", 2_000, true), ("2", 2_001, false)]
    {
        let h = Harness::start_with(EmulatorConfig::default(), |raw| raw.refresh_grace_secs = Some(grace.into())).await;
        let t = h.login().await;
        let form =
            [("grant_type", "refresh_token"), ("refresh_token", t.refresh.as_str()), ("client_id", &t.client_id)];
        let (status, first) = h.token(&form).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        h.clock.advance_ms(wait_ms);
        let (status, again) = h.token(&form).await;
        if replay_allowed {
            assert_eq!((status, &again["refresh_token"]), (StatusCode::OK, &first["refresh_token"]), "grace {grace}");
        } else {
            assert_eq!(again["error"], "invalid_grant", "grace {grace}s, replay after {wait_ms} ms: {again}");
            let successor = first["refresh_token"].as_str().unwrap_or_default();
            let (_, after) = h
                .token(&[("grant_type", "refresh_token"), ("refresh_token", successor), ("client_id", &t.client_id)])
                .await;
            assert_eq!(after["error"], "invalid_grant", "the reuse revoked the grant");
        }
    }
}

/// Attack: a client registered with `grant_types: ["authorization_code"]` still received refresh
/// tokens and could use them.
#[tokio::test]
async fn a_client_without_the_refresh_token_grant_gets_no_refresh_token_and_cannot_refresh() {
    let h = Harness::start().await;
    let registered = h
        .register(json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code"]}))
        .await;
    assert_eq!(registered["grant_types"], json!(["authorization_code"]));
    let client_id = registered["client_id"].as_str().unwrap_or_default().to_owned();
    let (code, pkce) = code_for(&h, &client_id).await;
    let (status, body) = h.token(&code_form(&client_id, &code, &pkce.verifier)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string());
    assert!(body.get("refresh_token").is_none(), "{body}");
    let (status, body) =
        h.token(&[("grant_type", "refresh_token"), ("refresh_token", "mgr_guess"), ("client_id", &client_id)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unauthorized_client")), "{body}");
    // One that registered it gets and uses them.
    let t = h.login().await;
    let (status, _) =
        h.token(&[("grant_type", "refresh_token"), ("refresh_token", &t.refresh), ("client_id", &t.client_id)]).await;
    assert_eq!(status, StatusCode::OK);
}
