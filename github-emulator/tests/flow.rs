//! The OAuth web flow: authorize, code exchange with PKCE, GitHub's reply
//! formats and 200-status errors, single-use codes and refresh rotation.

mod common;

use common::{CHALLENGE, REDIRECT, TestResult, VERIFIER, authorize, client, code_with_pkce, token};
use github_emulator::{EmulatorConfig, start};

#[tokio::test]
async fn pkce_code_flow_with_form_reply() -> TestResult {
    let emu = start(EmulatorConfig::default()).await?;
    let (id, secret) = (emu.client_id(), emu.client_secret());
    let params = authorize(
        &emu,
        &[
            ("scope", "repo read:org"),
            ("state", "s1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    )
    .await?;
    assert_eq!(params.get("state").map(String::as_str), Some("s1"));
    let code = params.get("code").ok_or("no code")?;
    assert_eq!(code.len(), 20);
    assert!(code.chars().all(|c| c.is_ascii_hexdigit()));

    let reply = token(
        &emu,
        &[
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
        false,
    )
    .await?;
    let access = reply.get("access_token").ok_or("no token")?;
    assert!(access.starts_with("gho_") && access.len() == 40, "{access}");
    assert_eq!(reply.get("scope").map(String::as_str), Some("repo,read:org"));
    assert_eq!(reply.get("token_type").map(String::as_str), Some("bearer"));
    assert!(!reply.contains_key("refresh_token") && !reply.contains_key("expires_in"));
    assert_eq!(emu.issued_access_tokens(), vec![access.clone()]);

    let auth = &emu.authorize_requests()[0];
    assert_eq!(auth.code_challenge.as_deref(), Some(CHALLENGE));
    assert_eq!(auth.code_challenge_method.as_deref(), Some("S256"));
    assert_eq!(auth.scope.as_deref(), Some("repo read:org"));
    let rec = &emu.token_requests()[0];
    assert_eq!(rec.grant_type, "authorization_code");
    assert!(rec.had_code_verifier && !rec.accept_json && !rec.used_basic_auth);
    assert_eq!(rec.pkce_ok, Some(true));
    assert_eq!(rec.outcome, "ok");

    // Single use: the same code again is refused, with HTTP 200.
    let again = token(
        &emu,
        &[("client_id", &id), ("client_secret", &secret), ("code", code), ("code_verifier", VERIFIER)],
        false,
    )
    .await?;
    assert_eq!(again.get("error").map(String::as_str), Some("bad_verification_code"));
    assert!(again.contains_key("error_description") && again.contains_key("error_uri"));
    emu.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn wrong_or_missing_verifier_is_bad_verification_code() -> TestResult {
    let emu = start(EmulatorConfig::default()).await?;
    let (id, secret) = (emu.client_id(), emu.client_secret());
    let code = code_with_pkce(&emu, "").await?;
    let reply = token(
        &emu,
        &[("client_id", &id), ("client_secret", &secret), ("code", &code), ("code_verifier", "not-the-verifier")],
        true,
    )
    .await?;
    assert_eq!(reply.get("error").map(String::as_str), Some("bad_verification_code"));

    let code = code_with_pkce(&emu, "").await?;
    let reply = token(&emu, &[("client_id", &id), ("client_secret", &secret), ("code", &code)], true).await?;
    assert_eq!(reply.get("error").map(String::as_str), Some("bad_verification_code"));

    let recs = emu.token_requests();
    assert_eq!((recs[0].had_code_verifier, recs[0].pkce_ok), (true, Some(false)));
    assert_eq!((recs[1].had_code_verifier, recs[1].pkce_ok), (false, Some(false)));
    assert!(recs.iter().all(|r| r.accept_json && r.outcome == "bad_verification_code"));
    assert!(emu.issued_access_tokens().is_empty());
    Ok(())
}

#[tokio::test]
async fn json_reply_basic_auth_and_no_pkce() -> TestResult {
    let emu = start(EmulatorConfig::default()).await?;
    let params = authorize(&emu, &[("scope", "user:email")]).await?;
    assert!(!params.contains_key("state"), "state is omitted when not sent");
    let code = params.get("code").ok_or("no code")?;
    let resp = client()
        .post(format!("{}/login/oauth/access_token", emu.base_url()))
        .basic_auth(emu.client_id(), Some(emu.client_secret()))
        .header("accept", "application/json")
        .form(&[("code", code.as_str()), ("redirect_uri", REDIRECT)])
        .send()
        .await?;
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await?;
    assert!(body["access_token"].as_str().is_some_and(|t| t.starts_with("gho_")));
    assert_eq!(body["scope"], "user:email");
    let rec = &emu.token_requests()[0];
    assert!(rec.used_basic_auth && rec.accept_json && rec.pkce_ok.is_none());
    Ok(())
}

#[tokio::test]
async fn token_errors_are_http_200() -> TestResult {
    let emu = start(EmulatorConfig::default()).await?;
    let (id, secret) = (emu.client_id(), emu.client_secret());
    let code = authorize(&emu, &[]).await?.remove("code").ok_or("no code")?;

    let reply = token(&emu, &[("client_id", &id), ("client_secret", "wrong"), ("code", &code)], true).await?;
    assert_eq!(reply.get("error").map(String::as_str), Some("incorrect_client_credentials"));

    let reply = token(
        &emu,
        &[
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/other"),
        ],
        false,
    )
    .await?;
    assert_eq!(reply.get("error").map(String::as_str), Some("redirect_uri_mismatch"));

    let reply =
        token(&emu, &[("client_id", &id), ("client_secret", &secret), ("code", "0123456789abcdef0123")], false).await?;
    assert_eq!(reply.get("error").map(String::as_str), Some("bad_verification_code"));

    let reply =
        token(&emu, &[("client_id", &id), ("client_secret", &secret), ("grant_type", "password")], true).await?;
    assert_eq!(reply.get("error").map(String::as_str), Some("unsupported_grant_type"));

    let reply = token(
        &emu,
        &[("client_id", &id), ("client_secret", &secret), ("grant_type", "refresh_token"), ("refresh_token", "ghr_x")],
        true,
    )
    .await?;
    assert_eq!(reply.get("error").map(String::as_str), Some("bad_refresh_token"));
    let outcomes: Vec<String> = emu.token_requests().into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            "incorrect_client_credentials",
            "redirect_uri_mismatch",
            "bad_verification_code",
            "unsupported_grant_type",
            "bad_refresh_token"
        ]
    );
    Ok(())
}

#[tokio::test]
async fn authorize_rejections_and_denial() -> TestResult {
    let emu = start(EmulatorConfig::default()).await?;
    let resp = client()
        .get(format!("{}/login/oauth/authorize", emu.base_url()))
        .query(&[("client_id", "nope"), ("redirect_uri", REDIRECT)])
        .send()
        .await?;
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await?.contains("<html>"));

    emu.set_authorize_denied(true);
    let params = authorize(&emu, &[("state", "st")]).await?;
    assert_eq!(params.get("error").map(String::as_str), Some("access_denied"));
    assert_eq!(params.get("state").map(String::as_str), Some("st"));
    assert!(params.contains_key("error_description") && !params.contains_key("code"));
    assert_eq!(emu.authorize_requests().len(), 2);
    Ok(())
}

#[tokio::test]
async fn login_user_is_switchable() -> TestResult {
    let emu = start(EmulatorConfig::default()).await?;
    assert!(emu.set_login_user("hubot"));
    assert!(!emu.set_login_user("nobody"));
    let (id, secret) = (emu.client_id(), emu.client_secret());
    let code = authorize(&emu, &[]).await?.remove("code").ok_or("no code")?;
    let reply = token(&emu, &[("client_id", &id), ("client_secret", &secret), ("code", &code)], true).await?;
    let access = reply.get("access_token").ok_or("no token")?;
    let user: serde_json::Value =
        client().get(format!("{}/user", emu.api_url())).bearer_auth(access).send().await?.json().await?;
    assert_eq!(user["login"], "hubot");
    assert_eq!(user["id"], 480938);
    Ok(())
}
