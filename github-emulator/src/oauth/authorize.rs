//! `GET /login/oauth/authorize`: records the request and, as if the login
//! user clicked "Authorize", redirects back with a fresh code (or with
//! `error=access_denied` when denial is switched on).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::{html_page, normalize_scope, parse_pairs};
use crate::records::AuthorizeRecord;
use crate::state::Shared;
use crate::tokens::{CODE_LIFETIME, PendingCode};

const DENIED_DESCRIPTION: &str = "The user has denied your application access.";
const DENIED_URI: &str =
    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied";
const PKCE_URI: &str = "https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps";

pub(super) async fn authorize(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let params = parse_pairs(query.unwrap_or_default().as_bytes());
    let get = |k: &str| params.get(k).cloned();
    let record = AuthorizeRecord {
        client_id: get("client_id"),
        redirect_uri: get("redirect_uri"),
        scope: get("scope"),
        state: get("state"),
        code_challenge: get("code_challenge"),
        code_challenge_method: get("code_challenge_method"),
        login: get("login"),
    };
    let response = decide(&shared, &params);
    shared.lock().records.push_authorize(record);
    response
}

fn decide(shared: &Shared, params: &HashMap<String, String>) -> Response {
    let get = |k: &str| params.get(k).map(String::as_str);
    if get("client_id") != Some(shared.client_id.as_str()) {
        return html_page(StatusCode::NOT_FOUND, "Page not found");
    }
    // GitHub falls back to the app's registered callback URL; the emulator
    // has none, so the client must always send one.
    let Some(mut redirect) = get("redirect_uri").and_then(|r| Url::parse(r).ok()) else {
        return html_page(StatusCode::BAD_REQUEST, "The redirect_uri is not associated with this application.");
    };
    let state = get("state");
    let challenge = get("code_challenge").filter(|c| !c.is_empty());
    let method = get("code_challenge_method").unwrap_or("plain");
    if challenge.is_some() && method != "S256" && method != "plain" {
        let description = "Unsupported code_challenge_method; use S256 or plain.";
        add_error(&mut redirect, "invalid_request", description, PKCE_URI, state);
        return found(&redirect);
    }
    let (denied, login) = {
        let inner = shared.lock();
        (inner.authorize_denied, inner.login_user.clone())
    };
    if denied {
        add_error(&mut redirect, "access_denied", DENIED_DESCRIPTION, DENIED_URI, state);
        return found(&redirect);
    }
    let Some(user) = login.as_deref().and_then(|l| shared.user(l)) else {
        return html_page(StatusCode::INTERNAL_SERVER_ERROR, "The emulator has no users");
    };
    let pending = PendingCode {
        client_id: shared.client_id.clone(),
        redirect_uri: get("redirect_uri").map(str::to_owned),
        scope: normalize_scope(get("scope").unwrap_or_default()),
        challenge: challenge.map(|c| (c.to_owned(), method.to_owned())),
        login: user.login.clone(),
        expires: Instant::now() + CODE_LIFETIME,
    };
    let code = shared.lock().tokens.add_code(pending);
    {
        let mut pairs = redirect.query_pairs_mut();
        pairs.append_pair("code", &code);
        if let Some(state) = state {
            pairs.append_pair("state", state);
        }
    }
    found(&redirect)
}

fn add_error(url: &mut Url, error: &str, description: &str, uri: &str, state: Option<&str>) {
    let mut pairs = url.query_pairs_mut();
    pairs.append_pair("error", error).append_pair("error_description", description).append_pair("error_uri", uri);
    if let Some(state) = state {
        pairs.append_pair("state", state);
    }
}

/// A `302 Found` to `url`, as GitHub answers.
fn found(url: &Url) -> Response {
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => html_page(StatusCode::BAD_REQUEST, "Invalid redirect_uri"),
    }
}
