//! `POST /login/oauth/access_token`: code exchange (with PKCE) and the
//! refresh-token grant, with client authentication by body or HTTP Basic.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::parse_pairs;
use super::reply::{self, OAuthError};
use crate::records::TokenRecord;
use crate::state::Shared;
use crate::tokens::{Issued, pkce_matches};

pub(super) async fn access_token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let delay = shared.lock().token_latency;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut params = parse_body(&headers, &body);
    for (k, v) in parse_pairs(query.unwrap_or_default().as_bytes()) {
        params.entry(k).or_insert(v);
    }
    let accept_json = header_str(&headers, header::ACCEPT).contains("application/json");
    let basic = basic_credentials(&headers);
    let mut record = TokenRecord {
        grant_type: params.get("grant_type").cloned().unwrap_or_else(|| "authorization_code".into()),
        client_id: basic.as_ref().map(|(id, _)| id.clone()).or_else(|| params.get("client_id").cloned()),
        used_basic_auth: basic.is_some(),
        had_code_verifier: params.contains_key("code_verifier"),
        pkce_ok: None,
        accept_json,
        outcome: String::new(),
    };
    let result = exchange(&shared, &params, basic, &mut record);
    record.outcome = match &result {
        Ok(_) => "ok".into(),
        Err(e) => e.code().into(),
    };
    shared.lock().records.push_token(record);
    match result {
        Ok(issued) => reply::success(&issued, accept_json),
        Err(e) => reply::error(e, accept_json),
    }
}

fn exchange(
    shared: &Shared,
    params: &HashMap<String, String>,
    basic: Option<(String, String)>,
    record: &mut TokenRecord,
) -> Result<Issued, OAuthError> {
    let get = |k: &str| params.get(k).map(String::as_str);
    let (client_id, secret) = match &basic {
        Some((id, secret)) => (Some(id.as_str()), Some(secret.as_str())),
        None => (get("client_id"), get("client_secret")),
    };
    if client_id != Some(shared.client_id.as_str()) || secret != Some(shared.client_secret.as_str()) {
        return Err(OAuthError::IncorrectClientCredentials);
    }
    match record.grant_type.as_str() {
        "authorization_code" => redeem_code(shared, params, record),
        "refresh_token" => {
            let mut inner = shared.lock();
            if inner.refresh_refused {
                return Err(OAuthError::BadRefreshToken);
            }
            let token = get("refresh_token").ok_or(OAuthError::BadRefreshToken)?;
            inner.tokens.refresh(shared.policy, token, &shared.client_id).ok_or(OAuthError::BadRefreshToken)
        }
        _ => Err(OAuthError::UnsupportedGrantType),
    }
}

fn redeem_code(
    shared: &Shared,
    params: &HashMap<String, String>,
    record: &mut TokenRecord,
) -> Result<Issued, OAuthError> {
    let get = |k: &str| params.get(k).map(String::as_str);
    let code = get("code").ok_or(OAuthError::BadVerificationCode)?;
    let mut inner = shared.lock();
    let pending = inner.tokens.take_code(code).ok_or(OAuthError::BadVerificationCode)?;
    if pending.client_id != shared.client_id {
        return Err(OAuthError::BadVerificationCode);
    }
    if let Some(uri) = get("redirect_uri")
        && pending.redirect_uri.as_deref() != Some(uri)
    {
        return Err(OAuthError::RedirectUriMismatch);
    }
    if let Some((challenge, method)) = &pending.challenge {
        let ok = get("code_verifier").is_some_and(|v| pkce_matches(challenge, method, v));
        record.pkce_ok = Some(ok);
        if !ok {
            return Err(OAuthError::BadVerificationCode);
        }
    }
    Ok(inner.tokens.issue(shared.policy, &pending.login, &pending.scope, &shared.client_id))
}

/// Reads the body as JSON or as a form, whichever its content type says.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    if header_str(headers, header::CONTENT_TYPE).starts_with("application/json") {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
            return HashMap::new();
        };
        return map
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k, s)),
                serde_json::Value::Number(n) => Some((k, n.to_string())),
                _ => None,
            })
            .collect();
    }
    parse_pairs(body)
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))`, as RFC
/// 6749 §2.3.1 specifies (unencoded credentials decode the same).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = header_str(headers, header::AUTHORIZATION);
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

fn form_decode(s: &str) -> Option<String> {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced).decode_utf8().ok().map(|c| c.into_owned())
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}
