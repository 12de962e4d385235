//! /authorize and the consent form: what is shown as a page (never redirected), what goes back to
//! the client, CSRF, browser binding, deny, double rendering, anti-framing headers.

mod common;

use common::{Browser, ConsentForm, Harness, Pkce, REDIRECT, query_param};
use reqwest::StatusCode;

async fn consent_form(h: &Harness, browser: &Browser, client_id: &str) -> ConsentForm {
    let resp = browser.get(&h.authorize_url(client_id, &Pkce::new(), &[])).await;
    assert_eq!(resp.status(), StatusCode::OK);
    ConsentForm::parse(&resp.text().await.unwrap()).expect("consent form")
}

#[tokio::test]
async fn untrusted_client_or_redirect_shows_a_page_and_never_redirects() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let pkce = Pkce::new();
    let cases = [
        h.authorize_url("unknown-client", &pkce, &[]),
        h.authorize_url(&client_id, &pkce, &[]).replace("client_id=", "client_idx="),
        h.authorize_url(&client_id, &pkce, &[]).replace("7777%2Fcallback", "7777%2Fother"),
        h.authorize_url(&client_id, &pkce, &[]).replace("127.0.0.1%3A7777", "evil.example"),
        h.authorize_url(&client_id, &pkce, &[]).replace("127.0.0.1%3A7777", "localhost%3A7777"),
    ];
    for url in cases {
        let resp = h.http.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{url}");
        assert!(resp.headers().get("location").is_none(), "must not redirect: {url}");
        assert_eq!(resp.headers()["x-frame-options"], "DENY");
    }
    // The loopback port may vary (RFC 8252 §7.3).
    let resp = h.http.get(h.authorize_url(&client_id, &pkce, &[]).replace("7777", "50123")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

/// Attack (RFC 9700 §4.11.2): register `https://phish.example/login`, then send
/// `/authorize?client_id=ID&redirect_uri=https://phish.example/login` with a bad parameter: the
/// gateway answered `303 Location: https://phish.example/login?error=…` with no user interaction.
/// Every client here is unvetted (self-registered or a metadata document), so each error found before
/// the user acts is a page, never a redirect.
#[tokio::test]
async fn a_bad_request_from_an_unvetted_client_is_a_page_never_an_open_redirect() {
    let h = Harness::start().await;
    let phish = "https://phish.example/login";
    let reg =
        h.register(serde_json::json!({"redirect_uris": [phish, REDIRECT], "token_endpoint_auth_method": "none"})).await;
    let client_id = reg["client_id"].as_str().unwrap_or_default().to_owned();
    let pkce = Pkce::new();
    let base = h.authorize_url(&client_id, &pkce, &[]);
    let cases = [
        (base.replace("response_type=code", "response_type=token"), "unsupported_response_type"),
        (base.replace("response_type=code&", ""), "invalid_request"),
        (base.replace("code_challenge=", "code_challengex="), "invalid_request"),
        (base.replace("code_challenge_method=S256", "code_challenge_method=plain"), "invalid_request"),
        (base.replace("&code_challenge_method=S256", ""), "invalid_request"),
        (base.replace(&pkce.challenge, "short"), "invalid_request"),
        (h.authorize_url(&client_id, &pkce, &[("scope", "github:read bad\"scope")]), "invalid_scope"),
        (base.replace("resource=http", "resource=https%3A%2F%2Fevil.example%2Fmcp&x=http"), "invalid_target"),
        (format!("{base}&state=again"), "invalid_request"),
    ];
    let to_phish = url::form_urlencoded::byte_serialize(phish.as_bytes()).collect::<String>();
    let encoded_redirect = url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>();
    for (url, error) in cases {
        for url in [url.clone(), url.replace(&encoded_redirect, &to_phish)] {
            let resp = h.http.get(&url).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{url}");
            assert!(resp.headers().get("location").is_none(), "redirected: {url}");
            let page = resp.text().await.unwrap_or_default();
            assert!(page.contains(error), "the page names {error}: {url}");
            assert!(!page.contains("phish.example"), "the page links nowhere: {url}");
        }
    }
    // After the user acts (here: denies consent) the error goes back to the client, as RFC 6749 says.
    let browser = Browser::new();
    let form = ConsentForm::parse(&browser.get(&base).await.text().await.unwrap_or_default()).expect("consent page");
    let denied = browser.submit(&form, "deny").await;
    let location = denied.headers()["location"].to_str().unwrap_or_default().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(query_param(&location, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&location, "iss").as_deref(), Some(h.base.as_str()));
    assert_eq!(query_param(&location, "state").as_deref(), Some("client-state-123"));
}

#[tokio::test]
async fn consent_page_is_unframeable_and_names_client_redirect_and_scopes() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let resp = Browser::new().get(&h.authorize_url(&client_id, &Pkce::new(), &[("scope", "github:read")])).await;
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
    assert!(resp.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(resp.headers()["set-cookie"].to_str().unwrap().contains("HttpOnly"));
    let html = resp.text().await.unwrap();
    assert!(html.contains("Test Client") && html.contains("127.0.0.1:7777"));
    assert!(html.contains("github:read") && !html.contains("github:write"));
    assert!(html.contains("method=\"post\"") && html.contains("csrf_token"));
}

#[tokio::test]
async fn deny_returns_access_denied_to_the_client() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let browser = Browser::new();
    let form = consent_form(&h, &browser, &client_id).await;
    let resp = browser.submit(&form, "deny").await;
    let location = resp.headers()["location"].to_str().unwrap();
    assert_eq!(query_param(location, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(location, "state").as_deref(), Some("client-state-123"));
    assert!(h.emulator.authorize_requests().is_empty(), "GitHub was never asked");
}

#[tokio::test]
async fn rendering_the_consent_page_twice_keeps_the_first_form_valid() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let browser = Browser::new();
    let first = consent_form(&h, &browser, &client_id).await;
    let _second = consent_form(&h, &browser, &client_id).await;
    let resp = browser.submit(&first, "approve").await;
    assert!(resp.status().is_redirection());
    assert!(resp.headers()["location"].to_str().unwrap().starts_with(&h.emulator.base_url()));
}

#[tokio::test]
async fn consent_post_without_or_with_forged_csrf_token_is_refused() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let browser = Browser::new();
    let form = consent_form(&h, &browser, &client_id).await;
    let refuse = |resp: reqwest::Response| {
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert!(resp.headers().get("location").is_none());
    };
    refuse(
        browser
            .client
            .post(&form.action)
            .form(&[("request", form.request.as_str()), ("decision", "approve")])
            .send()
            .await
            .unwrap(),
    );
    let forged = ConsentForm { csrf_token: "AAAA".repeat(11), ..form.clone() };
    refuse(browser.submit(&forged, "approve").await);
    // A form rendered for another browser (the attacker's) does not work in this one.
    let attacker = Browser::new();
    let attacker_form = consent_form(&h, &attacker, &client_id).await;
    refuse(browser.submit(&attacker_form, "approve").await);
    // Nor does a tampered ticket.
    let tampered = ConsentForm { request: form.request.replace('.', "x."), ..form.clone() };
    refuse(browser.submit(&tampered, "approve").await);
    // Nor a cross-site POST.
    let resp = browser
        .client
        .post(&form.action)
        .header("origin", "https://evil.example")
        .form(&[("request", form.request.as_str()), ("csrf_token", form.csrf_token.as_str()), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Without cookies at all.
    let resp = h
        .http
        .post(&form.action)
        .form(&[("request", form.request.as_str()), ("csrf_token", form.csrf_token.as_str()), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    refuse(resp);
    assert!(h.emulator.authorize_requests().is_empty());
    // The untouched form still works.
    assert!(browser.submit(&form, "approve").await.status().is_redirection());
}

#[tokio::test]
async fn expired_consent_form_is_refused() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let browser = Browser::new();
    let form = consent_form(&h, &browser, &client_id).await;
    h.clock.advance(601);
    assert_eq!(browser.submit(&form, "approve").await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_clients_registered_scope_bounds_what_it_may_request() {
    let h = Harness::start().await;
    let reg = h
        .register(serde_json::json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none", "scope": "github:read",
            "grant_types": ["authorization_code", "refresh_token"]}))
        .await;
    let client_id = reg["client_id"].as_str().unwrap();
    let resp = h
        .http
        .get(h.authorize_url(client_id, &Pkce::new(), &[("scope", "github:read github:write")]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.text().await.unwrap_or_default().contains("exceeds the client&#x27;s registered scope"));
    let t = h.login_with(client_id).await;
    assert_eq!(t.body["scope"], "github:read", "the registered scope is the default");
}

/// Regression: a remembered-consent cookie was valid in any browser, so one planted from another
/// browser (e.g. by another app on localhost, where cookies are shared across ports) skipped consent.
#[tokio::test]
async fn a_consent_cookie_from_another_browser_does_not_skip_consent() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let attacker = Browser::new();
    h.authorize(&attacker, &client_id, &Pkce::new(), &[]).await;
    let cookies = attacker.cookies_for(&h.base);
    let consent = cookies.split("; ").find(|c| c.starts_with("mgw_consent=")).expect("consent cookie").to_owned();
    let victim = Browser::new();
    victim.jar.add_cookie_str(&format!("{consent}; Path=/"), &h.base.parse().unwrap());
    let resp = victim.get(&h.authorize_url(&client_id, &Pkce::new(), &[])).await;
    assert_eq!(resp.status(), StatusCode::OK, "the consent page is shown");
    assert!(ConsentForm::parse(&resp.text().await.unwrap()).is_some());
}
