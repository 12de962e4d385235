//! RFC 7591 registration over HTTP: public and confidential clients, RFC error codes, size cap.

mod common;

use common::Harness;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn register_raw(h: &Harness, content_type: &str, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
    let resp = h.http.post(h.url("/register")).header("content-type", content_type).body(body).send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn public_and_confidential_clients_register() {
    let h = Harness::start().await;
    let public = h
        .register(json!({"redirect_uris": ["http://localhost:3334/oauth/callback"], "token_endpoint_auth_method": "none", "client_name": "mcp-remote"}))
        .await;
    assert!(public.get("client_secret").is_none());
    assert_eq!(public["token_endpoint_auth_method"], "none");
    assert_eq!(public["redirect_uris"], json!(["http://localhost:3334/oauth/callback"]));

    let confidential = h
        .register(json!({"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"], "token_endpoint_auth_method": "client_secret_post"}))
        .await;
    let secret = confidential["client_secret"].as_str().unwrap();
    assert!(secret.starts_with("mgw_cs_"));
    assert_eq!(confidential["client_secret_expires_at"], 0);
    // The secret is stored only as a hash.
    let stored = h.state.records.store().list(mcp_github_gateway::store::Namespace::Client).await.unwrap();
    assert!(stored.iter().all(|(_, bytes)| !String::from_utf8_lossy(bytes).contains(secret)));
}

#[tokio::test]
async fn bad_registrations_get_rfc_7591_errors() {
    let h = Harness::start().await;
    let cases = [
        (json!({"redirect_uris": ["javascript:alert(1)"]}), "invalid_redirect_uri"),
        (json!({"redirect_uris": ["http://evil.example/cb"]}), "invalid_redirect_uri"),
        (json!({"redirect_uris": ["http://localhost@evil.example/cb"]}), "invalid_redirect_uri"),
        (json!({"redirect_uris": ["https://a.example/cb#x"]}), "invalid_redirect_uri"),
        (json!({"redirect_uris": ["HTTPS://a.example/cb"]}), "invalid_redirect_uri"),
        (json!({"redirect_uris": ["https://a.example/cb\t"]}), "invalid_redirect_uri"),
        (json!({"redirect_uris": ["data:text/html,x"]}), "invalid_redirect_uri"),
        (json!({"client_name": "no uris"}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["client_credentials"]}),
            "invalid_client_metadata",
        ),
        (json!({"redirect_uris": ["https://a.example/cb"], "scope": "repo\\"}), "invalid_client_metadata"),
    ];
    for (body, error) in cases {
        let (status, json) = register_raw(&h, "application/json", body.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(json["error"], error, "{body}: {json}");
        assert!(json["error_description"].is_string());
    }
    let (status, json) = register_raw(&h, "application/json", "{not json").await;
    assert_eq!((status, json["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_client_metadata")));
    let (status, json) =
        register_raw(&h, "text/plain", json!({"redirect_uris": ["https://a.example/cb"]}).to_string()).await;
    assert_eq!((status, json["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_client_metadata")));
}

#[tokio::test]
async fn oversized_registration_is_refused_with_413() {
    let h = Harness::start().await;
    let body = json!({"redirect_uris": ["https://a.example/cb"], "client_name": "x".repeat(40_000)}).to_string();
    let (status, _) = register_raw(&h, "application/json", body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// Cursor registers `cursor://anysphere.cursor-mcp/oauth/callback` (older builds
/// `cursor://anysphere.cursor-retrieval/…`) and was refused unless the operator set
/// `ALLOWED_REDIRECT_SCHEMES`, although the landing page tells people to connect Cursor.
#[tokio::test]
async fn cursor_signs_in_with_the_default_configuration_and_other_private_schemes_need_the_operator() {
    let cursor = json!({"redirect_uris": ["cursor://anysphere.cursor-mcp/oauth/callback", "http://127.0.0.1:7777/callback"],
        "token_endpoint_auth_method": "none", "client_name": "Cursor"});
    let older = json!({"redirect_uris": ["cursor://anysphere.cursor-retrieval/oauth/user-github/callback"],
        "token_endpoint_auth_method": "none"});
    let other = json!({"redirect_uris": ["myapp://callback"], "token_endpoint_auth_method": "none"});
    let h = Harness::start().await;
    let (status, _) = register_raw(&h, "application/json", older.to_string()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = register_raw(&h, "application/json", other.to_string()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_redirect_uri")));
    // An operator who sets the variable decides exactly: here, no private-use scheme at all.
    let strict = Harness::start_with(github_emulator::EmulatorConfig::default(), |c| {
        c.allowed_redirect_schemes = Some("".into())
    })
    .await;
    let (status, _) = register_raw(&strict, "application/json", cursor.to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let reg = h.register(cursor).await;
    let client_id = reg["client_id"].as_str().unwrap();
    let pkce = common::Pkce::new();
    let url = h
        .authorize_url(client_id, &pkce, &[])
        .replace("http%3A%2F%2F127.0.0.1%3A7777%2Fcallback", "cursor%3A%2F%2Fanysphere.cursor-mcp%2Foauth%2Fcallback");
    let browser = common::Browser::new();
    let page = browser.get(&url).await.text().await.unwrap().replace("&#x2f;", "/");
    assert!(page.contains("cursor://anysphere.cursor-mcp"), "the consent page shows the scheme");
    assert!(page.contains("on this computer"), "and warns that an app on this device receives the result");
    // The app is reached through a page (a bare redirect to an app leaves the tab stuck).
    let form = common::ConsentForm::parse(&page).unwrap();
    let to_github = browser.submit(&form, "approve").await.headers()["location"].to_str().unwrap().to_owned();
    let back = browser.until_page(&to_github).await.text().await.unwrap().replace("&#x2f;", "/");
    assert!(back.contains("href=\"cursor://anysphere.cursor-mcp/oauth/callback?code="), "{back}");
}

#[tokio::test]
async fn oauth_endpoints_are_rate_limited_per_address() {
    let h =
        Harness::start_with(github_emulator::EmulatorConfig::default(), |c| c.rate_limit_per_minute = Some("3".into()))
            .await;
    let body = json!({"redirect_uris": ["https://a.example/cb"]}).to_string();
    for _ in 0..3 {
        assert_eq!(register_raw(&h, "application/json", body.clone()).await.0, StatusCode::CREATED);
    }
    let resp = h
        .http
        .post(h.url("/register"))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "too_many_requests");
    // Other endpoints have their own budget.
    let (status, _) = h.token(&[("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", "y")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "not rate limited");
    // Without TRUST_PROXY_HEADERS a forwarded address is ignored: still the same client.
    let resp = h
        .http
        .post(h.url("/register"))
        .header("content-type", "application/json")
        .header("x-forwarded-for", "203.0.113.9")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_address_has_its_own_budget() {
    let h = Harness::start_with(github_emulator::EmulatorConfig::default(), |c| {
        c.rate_limit_per_minute = Some("1".into());
        c.trust_proxy_headers = Some("fly".into());
    })
    .await;
    let body = json!({"redirect_uris": ["https://a.example/cb"]}).to_string();
    let send = |ip: &'static str| {
        h.http
            .post(h.url("/register"))
            .header("content-type", "application/json")
            .header("fly-client-ip", ip)
            .body(body.clone())
            .send()
    };
    assert_eq!(send("198.51.100.1").await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(send("198.51.100.1").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(send("198.51.100.2").await.unwrap().status(), StatusCode::CREATED);
}

#[tokio::test]
async fn clients_that_are_never_used_expire_and_used_ones_are_kept() {
    let h =
        Harness::start_with(github_emulator::EmulatorConfig::default(), |c| c.client_ttl_secs = Some("3600".into()))
            .await;
    let unused = h.register_public().await;
    let used = h.register_public().await;
    h.clock.advance(3000);
    h.login_with(&used).await; // obtaining tokens renews the registration
    h.clock.advance(1000);
    let pkce = common::Pkce::new();
    let gone = h.http.get(h.authorize_url(&unused, &pkce, &[])).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::BAD_REQUEST);
    assert!(gone.text().await.unwrap().contains("not registered"));
    let kept = h.http.get(h.authorize_url(&used, &pkce, &[])).send().await.unwrap();
    assert_eq!(kept.status(), StatusCode::OK, "the used client is still registered");
}

#[tokio::test]
async fn registrations_stop_at_max_clients() {
    let h = Harness::start_with(github_emulator::EmulatorConfig::default(), |c| c.max_clients = Some("2".into())).await;
    let body = json!({"redirect_uris": ["https://a.example/cb"]}).to_string();
    assert_eq!(register_raw(&h, "application/json", body.clone()).await.0, StatusCode::CREATED);
    assert_eq!(register_raw(&h, "application/json", body.clone()).await.0, StatusCode::CREATED);
    let (status, json) = register_raw(&h, "application/json", body).await;
    assert_eq!((status, json["error"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("temporarily_unavailable")));
    assert!(json["error_description"].as_str().unwrap().contains("limit of registered clients"));
}

#[tokio::test]
async fn behind_a_generic_proxy_a_client_cannot_choose_its_address() {
    let h = Harness::start_with(github_emulator::EmulatorConfig::default(), |c| {
        c.rate_limit_per_minute = Some("1".into());
        c.trust_proxy_headers = Some("x-forwarded-for".into());
    })
    .await;
    let body = json!({"redirect_uris": ["https://a.example/cb"]}).to_string();
    // The client invents the first entry and a Fly-Client-IP; the proxy appends what it saw.
    let send = |invented: &'static str, seen: &'static str| {
        h.http
            .post(h.url("/register"))
            .header("content-type", "application/json")
            .header("x-forwarded-for", format!("{invented}, {seen}"))
            .header("fly-client-ip", invented)
            .body(body.clone())
            .send()
    };
    assert_eq!(send("192.0.2.1", "198.51.100.1").await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(send("192.0.2.2", "198.51.100.1").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(send("192.0.2.2", "198.51.100.2").await.unwrap().status(), StatusCode::CREATED);
}

/// Clients that cannot discover scopes register with `openid`, `offline_access` or `profile`, and
/// were refused `invalid_client_metadata`. They are registered with the scopes this server defines
/// (RFC 7591 §2 lets the server replace metadata), and sign in asking for them too.
#[tokio::test]
async fn scopes_this_server_does_not_define_are_replaced_at_registration_and_ignored_at_authorize() {
    let h = Harness::start().await;
    let reg = h
        .register(json!({"redirect_uris": [common::REDIRECT], "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"], "scope": "openid offline_access profile"}))
        .await;
    assert!(reg.get("scope").is_none(), "registered with every offered scope: {reg}");
    let client_id = reg["client_id"].as_str().unwrap_or_default().to_owned();
    let t = h.login_extra(&client_id, &[("scope", "openid github:read offline_access")]).await;
    assert_eq!(t.body["scope"], "github:read", "the known scope granted, the others ignored");
    let t = h.login_extra(&client_id, &[("scope", "openid offline_access")]).await;
    assert_eq!(t.body["scope"], "github:read github:write", "none known: every offered scope");
    let reg = h
        .register(json!({"redirect_uris": [common::REDIRECT], "token_endpoint_auth_method": "none", "scope": "openid github:read"}))
        .await;
    assert_eq!(reg["scope"], "github:read");
}
