//! The client side of the gateway's flows, scripted with reqwest: a complete login (register →
//! authorize → consent → GitHub emulator → callback → token) with a per-login cookie jar, and MCP
//! session set-up (initialize + initialized).

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{Client, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const PROTOCOL: &str = "2025-06-18";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// A reqwest client that never follows redirects and keeps no cookies (each login keeps its own).
pub fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(512)
        .build()
        .expect("a reqwest client with static settings builds")
}

pub struct Tokens {
    pub access: String,
}

/// One browser's cookies for the gateway (name → value).
#[derive(Default)]
struct Jar(HashMap<String, String>);

impl Jar {
    fn take(&mut self, resp: &reqwest::Response) {
        for v in resp.headers().get_all(header::SET_COOKIE) {
            if let Some((name, value)) =
                v.to_str().ok().and_then(|v| v.split(';').next()).and_then(|p| p.split_once('='))
            {
                self.0.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
}

fn location(resp: &reqwest::Response, base: &url::Url) -> Result<url::Url, String> {
    let loc = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("expected a redirect, got {}", resp.status()))?;
    base.join(loc).map_err(|e| e.to_string())
}

fn field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&#x2f;", "/").replace("&amp;", "&"))
}

/// A complete login by a new client with a new browser; returns the access token.
pub async fn login(http: &Client, base: &str) -> Result<Tokens, String> {
    let e = |e: reqwest::Error| e.without_url().to_string();
    let base_url = url::Url::parse(base).map_err(|e| e.to_string())?;
    let reg: Value = http
        .post(format!("{base}/register"))
        .json(&json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none", "client_name": "bench"}))
        .send()
        .await
        .map_err(e)?
        .json()
        .await
        .map_err(e)?;
    let client_id = reg["client_id"].as_str().ok_or_else(|| format!("registration failed: {reg}"))?.to_owned();
    let verifier = format!("{}{}", "v".repeat(43), rand::random::<u64>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut authorize = base_url.join("/authorize").map_err(|e| e.to_string())?;
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "bench")
        .append_pair("resource", &format!("{base}/mcp"));
    let mut jar = Jar::default();
    let page = http.get(authorize).send().await.map_err(e)?;
    jar.take(&page);
    let html = page.text().await.map_err(e)?;
    let (Some(ticket), Some(csrf)) = (field(&html, "request"), field(&html, "csrf_token")) else {
        return Err("no consent form".into());
    };
    let approved = http
        .post(format!("{base}/authorize"))
        .header(header::COOKIE, jar.header())
        .form(&[("request", ticket.as_str()), ("csrf_token", csrf.as_str()), ("decision", "approve")])
        .send()
        .await
        .map_err(e)?;
    jar.take(&approved);
    let github = location(&approved, &base_url)?;
    let back = http.get(github.clone()).send().await.map_err(e)?;
    let callback = location(&back, &github)?;
    let done = http.get(callback).header(header::COOKIE, jar.header()).send().await.map_err(e)?;
    let to_client = location(&done, &base_url)?;
    let code = to_client
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| format!("no code in {}", to_client.path()))?;
    let resp = http
        .post(format!("{base}/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", &client_id),
            ("resource", &format!("{base}/mcp")),
        ])
        .send()
        .await
        .map_err(e)?;
    if resp.status() != StatusCode::OK {
        return Err(format!("token exchange: {}", resp.status()));
    }
    let tokens: Value = resp.json().await.map_err(e)?;
    let access = tokens["access_token"].as_str().ok_or("no access token")?.to_owned();
    Ok(Tokens { access })
}

/// Initializes an MCP session for `access`; returns its id.
pub async fn session(http: &Client, base: &str, access: &str) -> Result<String, String> {
    let e = |e: reqwest::Error| e.without_url().to_string();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}});
    let resp = http
        .post(format!("{base}/mcp"))
        .bearer_auth(access)
        .header(header::ACCEPT, "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .map_err(e)?;
    if resp.status() != StatusCode::OK {
        return Err(format!("initialize: {}", resp.status()));
    }
    let id = resp.headers().get("mcp-session-id").and_then(|v| v.to_str().ok()).ok_or("no session id")?.to_owned();
    let _ = resp.bytes().await.map_err(e)?;
    let ack = http
        .post(format!("{base}/mcp"))
        .bearer_auth(access)
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header("mcp-session-id", &id)
        .header("mcp-protocol-version", PROTOCOL)
        .json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .send()
        .await
        .map_err(e)?;
    if ack.status() != StatusCode::ACCEPTED {
        return Err(format!("initialized: {}", ack.status()));
    }
    Ok(id)
}
