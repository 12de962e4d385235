//! /oauth/callback: state and browser binding, GitHub's errors, the allowlist.

mod common;

use common::{Browser, ConsentForm, Harness, Pkce, REDIRECT, query_param};
use github_emulator::EmulatorConfig;
use reqwest::StatusCode;

/// Approves consent in `browser` and returns GitHub's redirect back to the gateway's callback.
async fn github_callback_url(h: &Harness, browser: &Browser, client_id: &str) -> String {
    let resp = browser.get(&h.authorize_url(client_id, &Pkce::new(), &[])).await;
    let form = ConsentForm::parse(&resp.text().await.unwrap()).unwrap();
    let to_github = browser.submit(&form, "approve").await.headers()["location"].to_str().unwrap().to_owned();
    let from_github = browser.get(&to_github).await;
    from_github.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn callback_without_or_with_forged_state_is_refused() {
    let h = Harness::start().await;
    let browser = Browser::new();
    for url in [h.url("/oauth/callback?code=abc"), h.url("/oauth/callback?code=abc&state=forged")] {
        let resp = browser.get(&url).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{url}");
        assert!(resp.headers().get("location").is_none());
    }
}

#[tokio::test]
async fn replayed_callback_is_refused() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let browser = Browser::new();
    let callback = github_callback_url(&h, &browser, &client_id).await;
    let first = browser.get(&callback).await;
    assert!(first.headers()["location"].to_str().unwrap().starts_with(REDIRECT));
    let again = browser.get(&callback).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.unwrap().contains("expired or was already used"));
}

#[tokio::test]
async fn github_link_sent_to_a_victim_does_not_log_the_victim_in() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    // The attacker consents in their own browser, then sends the GitHub link to the victim.
    let attacker = Browser::new();
    let resp = attacker.get(&h.authorize_url(&client_id, &Pkce::new(), &[])).await;
    let form = ConsentForm::parse(&resp.text().await.unwrap()).unwrap();
    let github_link = attacker.submit(&form, "approve").await.headers()["location"].to_str().unwrap().to_owned();
    let victim = Browser::new();
    let at_callback = victim.until_page(&github_link).await;
    assert_eq!(at_callback.status(), StatusCode::BAD_REQUEST);
    assert!(at_callback.text().await.unwrap().contains("another browser"));
    // And no code was minted for anyone: GitHub's code was never exchanged.
    assert!(h.emulator.token_requests().is_empty());
}

/// Attack: a request with no cookies to `/oauth/callback?state=S&code=junk` consumed the victim's
/// sign-in transaction, so the victim's own callback then failed.
#[tokio::test]
async fn a_callback_from_another_browser_does_not_end_the_victim_s_sign_in() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let victim = Browser::new();
    let callback = github_callback_url(&h, &victim, &client_id).await;
    let state = query_param(&callback, "state").unwrap_or_default();
    let forged = h.url(&format!("/oauth/callback?state={state}&code=junk"));
    for with_cookie in [true, false] {
        let attacker = Browser::new();
        if with_cookie {
            let _ = attacker.get(&h.authorize_url(&client_id, &Pkce::new(), &[])).await; // a binding of its own
        }
        let refused = attacker.get(&forged).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert!(refused.text().await.unwrap_or_default().contains("another browser"));
    }
    let resp = reqwest::Client::new().get(&forged).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let finished = victim.get(&callback).await;
    let to = finished.headers()["location"].to_str().unwrap_or_default().to_owned();
    assert!(to.starts_with(REDIRECT) && query_param(&to, "code").is_some(), "{to}");
}

#[tokio::test]
async fn github_access_denied_goes_back_to_the_client() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    h.emulator.set_authorize_denied(true);
    let browser = Browser::new();
    let back = h.authorize(&browser, &client_id, &Pkce::new(), &[]).await;
    assert_eq!(query_param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&back, "state").as_deref(), Some("client-state-123"));
    assert_eq!(query_param(&back, "iss").as_deref(), Some(h.base.as_str()));
    assert!(query_param(&back, "code").is_none());
}

#[tokio::test]
async fn users_outside_the_allowlist_get_a_friendly_page() {
    let h = Harness::start_with(EmulatorConfig::default(), |c| c.allowed_github_users = Some("hubot".into())).await;
    let client_id = h.register_public().await;
    let browser = Browser::new();
    let callback = github_callback_url(&h, &browser, &client_id).await;
    let resp = browser.get(&callback).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let html = resp.text().await.unwrap();
    assert!(html.contains("@octocat is not allowed"));
    // The page offers the way back, which tells the waiting client access_denied.
    let start = html.find("href=\"").unwrap() + 6;
    let back = html[start..start + html[start..].find('"').unwrap()].replace("&amp;", "&").replace("&#x2f;", "/");
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(query_param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&back, "state").as_deref(), Some("client-state-123"));
    // hubot is allowed.
    h.emulator.set_login_user("hubot");
    let back = h.authorize(&Browser::new(), &client_id, &Pkce::new(), &[]).await;
    assert!(query_param(&back, "code").is_some());
}

#[tokio::test]
async fn org_allowlist_admits_members_only() {
    let h = Harness::start_with(EmulatorConfig::default(), |c| c.allowed_github_orgs = Some("GitHub".into())).await;
    let client_id = h.register_public().await;
    // octocat is a member of `github`.
    let back = h.authorize(&Browser::new(), &client_id, &Pkce::new(), &[]).await;
    assert!(query_param(&back, "code").is_some());
    // hubot is in no organisation.
    h.emulator.set_login_user("hubot");
    let browser = Browser::new();
    let callback = github_callback_url(&h, &browser, &client_id).await;
    assert_eq!(browser.get(&callback).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn github_refusing_the_code_is_reported_to_the_client() {
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let browser = Browser::new();
    let callback = github_callback_url(&h, &browser, &client_id).await;
    let tampered = callback.replace("code=", "code=x");
    // The tampered code is unknown to GitHub, which answers 200 + bad_verification_code.
    let resp = browser.get(&tampered).await;
    let location = resp.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(REDIRECT));
    assert_eq!(query_param(location, "error").as_deref(), Some("access_denied"));
    assert_eq!(h.emulator.token_requests()[0].outcome, "bad_verification_code");
}

/// Regression: the allowlist was checked only at login, so a user removed from the organisation kept
/// refreshing for ever. Now a refresh re-checks once the last decision is an hour old.
#[tokio::test]
async fn a_user_removed_from_the_org_loses_access_at_the_next_hourly_recheck() {
    let h = Harness::start_with(EmulatorConfig::default(), |c| c.allowed_github_orgs = Some("github".into())).await;
    let t = h.login().await;
    let refresh = |rt: String| common::refresh_at(h.http.clone(), h.url("/token"), rt, t.client_id.clone());
    // Within the hour, refreshing does not ask GitHub.
    let calls = h.emulator.api_requests().len();
    let (status, body) = refresh(t.refresh.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h.emulator.api_requests().len(), calls);
    // An hour later GitHub is asked; octocat is still a member.
    h.clock.advance(3600);
    let (status, body) = refresh(body["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(h.emulator.api_requests().iter().skip(calls).any(|r| r.path == "/user/orgs"));
    // Another hour, and octocat has left the organisation.
    h.clock.advance(3600);
    h.emulator.inject_fault(github_emulator::Fault::new("/user/orgs", 200).body("[]"));
    let access = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = refresh(body["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{body}");
    assert!(body["error_description"].as_str().unwrap().contains("no longer allowed"));
    let r = h.mcp(Some(&access), None, serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the grant was revoked");
}

#[tokio::test]
async fn the_user_allowlist_accepts_numeric_ids() {
    // 480938 is hubot's id: stable even if hubot renames the account.
    let h = Harness::start_with(EmulatorConfig::default(), |c| c.allowed_github_users = Some("id:480938".into())).await;
    let client_id = h.register_public().await;
    let browser = Browser::new();
    let callback = github_callback_url(&h, &browser, &client_id).await;
    assert_eq!(browser.get(&callback).await.status(), StatusCode::FORBIDDEN, "octocat is not on the list");
    h.emulator.set_login_user("hubot");
    let back = h.authorize(&Browser::new(), &client_id, &Pkce::new(), &[]).await;
    assert!(query_param(&back, "code").is_some());
}

const CURSOR: &str = "cursor://anysphere.cursor-mcp/oauth/callback";

/// A gateway that allows the `cursor` scheme, and a public client registered for `redirect_uri`.
async fn app_client(client_name: &str, redirect_uri: &str) -> (Harness, String) {
    let h =
        Harness::start_with(EmulatorConfig::default(), |c| c.allowed_redirect_schemes = Some("cursor".into())).await;
    let reg = h
        .register(serde_json::json!({"redirect_uris": [redirect_uri], "token_endpoint_auth_method": "none",
            "client_name": client_name}))
        .await;
    (h, reg["client_id"].as_str().unwrap().to_owned())
}

/// Consent approved and GitHub passed: the gateway's callback URL, for a client with `redirect_uri`.
async fn callback_for(h: &Harness, browser: &Browser, client_id: &str, redirect_uri: &str, pkce: &Pkce) -> String {
    let mut url = url::Url::parse(&h.authorize_url(client_id, pkce, &[])).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "redirect_uri" { redirect_uri.to_owned() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let resp = browser.get(url.as_str()).await;
    let form = ConsentForm::parse(&resp.text().await.unwrap()).expect("consent page");
    let to_github = browser.submit(&form, "approve").await.headers()["location"].to_str().unwrap().to_owned();
    browser.get(&to_github).await.headers()["location"].to_str().unwrap().to_owned()
}

/// The value of the first `attr="…"` after `marker`, with the template's HTML escaping undone.
fn attribute_after(html: &str, marker: &str, attr: &str) -> String {
    let from = html.find(marker).unwrap_or_else(|| panic!("no {marker} in {html}"));
    let start = from + html[from..].find(&format!("{attr}=\"")).unwrap() + attr.len() + 2;
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn a_private_use_redirect_gets_a_signed_in_page_that_returns_to_the_app() {
    let (h, client_id) = app_client("Cursor <b>&\"Co\"", CURSOR).await;
    let browser = Browser::new();
    let pkce = Pkce::new();
    let callback = callback_for(&h, &browser, &client_id, CURSOR, &pkce).await;
    let resp = browser.get(&callback).await;
    assert_eq!(resp.status(), StatusCode::OK, "a page, not a bare redirect");
    assert!(resp.headers().get("location").is_none());
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
    assert!(resp.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'sha256-"));
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Signed in to <strong>Cursor &lt;b&gt;&amp;&quot;Co&quot;</strong> as <strong>@octocat</strong>")
    );
    assert!(html.contains("You can close this tab"));
    assert!(!html.contains("<b>&"), "the client name is escaped");
    // The link and the automatic navigation both carry the full authorization response.
    let link = attribute_after(&html, "id=\"return\"", "href");
    let refresh = attribute_after(&html, "http-equiv=\"refresh\"", "content");
    assert_eq!(refresh, format!("0;url={link}"));
    assert!(link.starts_with(&format!("{CURSOR}?code=")), "{link}");
    assert_eq!(query_param(&link, "state").as_deref(), Some("client-state-123"));
    assert_eq!(query_param(&link, "iss").as_deref(), Some(h.base.as_str()));
    // And the code in it is the real one.
    let code = query_param(&link, "code").unwrap();
    let (status, body) = h.redeem(&client_id, &code, &pkce.verifier, &[("redirect_uri", CURSOR)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_private_use_redirect_gets_errors_through_a_page_too() {
    let (h, client_id) = app_client("Cursor", CURSOR).await;
    h.emulator.set_authorize_denied(true);
    let browser = Browser::new();
    let callback = callback_for(&h, &browser, &client_id, CURSOR, &Pkce::new()).await;
    let resp = browser.get(&callback).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Sign-in did not complete"));
    let link = attribute_after(&html, "id=\"return\"", "href");
    assert_eq!(attribute_after(&html, "http-equiv=\"refresh\"", "content"), format!("0;url={link}"));
    assert!(link.starts_with(&format!("{CURSOR}?error=access_denied")), "{link}");
    assert_eq!(query_param(&link, "state").as_deref(), Some("client-state-123"));
    assert!(query_param(&link, "code").is_none());
}

#[tokio::test]
async fn web_and_loopback_redirects_stay_a_plain_302() {
    for redirect in ["https://app.example/cb", REDIRECT] {
        let (h, client_id) = app_client("Web", redirect).await;
        let browser = Browser::new();
        let callback = callback_for(&h, &browser, &client_id, redirect, &Pkce::new()).await;
        let resp = browser.get(&callback).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{redirect}");
        let location = resp.headers()["location"].to_str().unwrap();
        assert!(location.starts_with(&format!("{redirect}?code=")), "{location}");
        assert_eq!(query_param(location, "iss").as_deref(), Some(h.base.as_str()));
        assert!(resp.text().await.unwrap().is_empty(), "no page");
    }
}

#[tokio::test]
async fn an_app_whose_user_denies_consent_gets_the_page_too() {
    let (h, client_id) = app_client("Cursor", CURSOR).await;
    let browser = Browser::new();
    let mut url = url::Url::parse(&h.authorize_url(&client_id, &Pkce::new(), &[])).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "redirect_uri" { CURSOR.to_owned() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs.clone());
    let form = ConsentForm::parse(&browser.get(url.as_str()).await.text().await.unwrap()).expect("consent page");
    let denied = browser.submit(&form, "deny").await;
    assert_eq!(denied.status(), StatusCode::OK, "a page, not a bare redirect to the app");
    let link = attribute_after(&denied.text().await.unwrap(), "id=\"return\"", "href");
    assert!(link.starts_with(&format!("{CURSOR}?error=access_denied")), "{link}");
    assert_eq!(query_param(&link, "state").as_deref(), Some("client-state-123"));

    // A bad request GET /authorize finds before the user acts is a page that does not lead to the app.
    let bad: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| if k == "code_challenge_method" { (k, "plain".to_owned()) } else { (k, v) })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(bad);
    let resp = browser.get(url.as_str()).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(!resp.text().await.unwrap().contains(CURSOR));
}
