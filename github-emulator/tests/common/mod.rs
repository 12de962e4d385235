//! Helpers shared by the integration tests: an HTTP client that does not
//! follow redirects, and the authorize step of the web flow.

#![allow(dead_code)]

use std::collections::HashMap;

use github_emulator::Emulator;

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
/// RFC 7636 appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default()
}

/// Calls authorize with `extra` query parameters (client_id and
/// redirect_uri are added) and returns the redirect's query parameters.
pub async fn authorize(
    emu: &Emulator,
    extra: &[(&str, &str)],
) -> Result<HashMap<String, String>, Box<dyn std::error::Error>> {
    let client_id = emu.client_id();
    let mut query = vec![("client_id", client_id.as_str()), ("redirect_uri", REDIRECT)];
    query.extend_from_slice(extra);
    let resp = client().get(format!("{}/login/oauth/authorize", emu.base_url())).query(&query).send().await?;
    assert_eq!(resp.status(), 302);
    let location = resp.headers().get("location").ok_or("no location")?.to_str()?;
    assert!(location.starts_with(REDIRECT), "{location}");
    let url = url::Url::parse(location)?;
    Ok(url.query_pairs().into_owned().collect())
}

/// Authorize with an S256 challenge and return the code.
pub async fn code_with_pkce(emu: &Emulator, scope: &str) -> Result<String, Box<dyn std::error::Error>> {
    let params = authorize(
        emu,
        &[("scope", scope), ("state", "xyz"), ("code_challenge", CHALLENGE), ("code_challenge_method", "S256")],
    )
    .await?;
    Ok(params.get("code").cloned().ok_or("no code")?)
}

/// POSTs a form to the token endpoint; returns the body parsed as a form or
/// as JSON (flattened to strings), depending on `json`.
pub async fn token(
    emu: &Emulator,
    form: &[(&str, &str)],
    json: bool,
) -> Result<HashMap<String, String>, Box<dyn std::error::Error>> {
    let mut req = client().post(format!("{}/login/oauth/access_token", emu.base_url())).form(form);
    if json {
        req = req.header("accept", "application/json");
    }
    let resp = req.send().await?;
    assert_eq!(resp.status(), 200, "GitHub answers token errors with 200 too");
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = resp.text().await?;
    if json {
        assert!(content_type.starts_with("application/json"), "{content_type}");
        let value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&body)?;
        Ok(value.into_iter().map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned))).collect())
    } else {
        assert!(content_type.starts_with("application/x-www-form-urlencoded"), "{content_type}");
        Ok(url::form_urlencoded::parse(body.as_bytes()).into_owned().collect())
    }
}

pub mod world;
