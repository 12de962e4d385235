//! GitHub App mode: expiring `ghu_` tokens, rotating `ghr_` refresh
//! tokens, refused refreshes and expired access tokens.

mod common;

use common::{TestResult, VERIFIER, client, code_with_pkce, token};
use github_emulator::{EmulatorConfig, start};

#[tokio::test]
async fn expiring_mode_rotates_refresh_tokens() -> TestResult {
    let emu = start(EmulatorConfig { expiring_tokens: true, ..Default::default() }).await?;
    let (id, secret) = (emu.client_id(), emu.client_secret());
    let code = code_with_pkce(&emu, "").await?;
    let first = token(
        &emu,
        &[("client_id", &id), ("client_secret", &secret), ("code", &code), ("code_verifier", VERIFIER)],
        true,
    )
    .await?;
    let access = first.get("access_token").ok_or("no token")?;
    assert!(access.starts_with("ghu_"));
    assert_eq!(first.get("expires_in").map(String::as_str), Some("28800"));
    assert_eq!(first.get("refresh_token_expires_in").map(String::as_str), Some("15897600"));
    let refresh = first.get("refresh_token").ok_or("no refresh")?;
    assert!(refresh.starts_with("ghr_"));

    // Form reply carries the same fields.
    let form = [
        ("client_id", id.as_str()),
        ("client_secret", &secret),
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
    ];
    let second = token(&emu, &form, false).await?;
    let new_refresh = second.get("refresh_token").ok_or("no refresh")?;
    assert_ne!(new_refresh, refresh);
    assert!(second.get("access_token").is_some_and(|t| t.starts_with("ghu_") && t != access));
    assert_eq!(second.get("expires_in").map(String::as_str), Some("28800"));

    let reuse = token(&emu, &form, true).await?;
    assert_eq!(reuse.get("error").map(String::as_str), Some("bad_refresh_token"));

    emu.set_refresh_refused(true);
    let form = [
        ("client_id", id.as_str()),
        ("client_secret", &secret),
        ("grant_type", "refresh_token"),
        ("refresh_token", new_refresh),
    ];
    let refused = token(&emu, &form, true).await?;
    assert_eq!(refused.get("error").map(String::as_str), Some("bad_refresh_token"));
    emu.set_refresh_refused(false);
    let third = token(&emu, &form, true).await?;
    assert!(third.contains_key("access_token"));
    assert_eq!(emu.issued_access_tokens().len(), 3);

    // Expired access tokens are refused by the API; refreshing still works.
    emu.expire_all_access_tokens();
    let resp = client().get(format!("{}/user", emu.api_url())).bearer_auth(access).send().await?;
    assert_eq!(resp.status(), 401);
    let grants: Vec<String> = emu.token_requests().into_iter().map(|r| r.grant_type).collect();
    assert_eq!(grants[0], "authorization_code");
    assert_eq!(grants[1], "refresh_token");
    Ok(())
}
