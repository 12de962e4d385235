//! The middleware in front of every API route: added latency, injected
//! faults, token checks (401s), rate limiting and its headers, request ids,
//! `x-oauth-scopes`, conditional requests (an `ETag` on every JSON `GET`, and
//! `304 Not Modified` for a matching `If-None-Match`, which, as on GitHub,
//! costs no rate limit), and the [`crate::ApiRecord`] of each request.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::{Caller, presented_token};
use super::errors::{ApiError, JSON_CONTENT_TYPE, REST_DOCS};
use crate::config::Fault;
use crate::records::ApiRecord;
use crate::state::{Inner, RateWindow, Shared};
use crate::tokens::{TokenCheck, random_hex};

const RATE_LIMIT: u32 = 5000;
const RATE_WINDOW_SECS: u64 = 3600;

pub(crate) async fn gate(State(shared): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let latency = shared.lock().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let token = presented_token(req.headers());
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);

    let (check, fault, rate_key, mut rate) = {
        let mut inner = shared.lock();
        let check = token.as_deref().map(|t| inner.tokens.check(t));
        let fault = take_fault(&mut inner, &path);
        let key = match &check {
            Some(TokenCheck::Valid { .. }) => token.clone().unwrap_or_default(),
            _ => String::new(),
        };
        let rate = count_request(&mut inner, &key);
        (check, fault, key, rate)
    };
    let token_known = matches!(check, Some(TokenCheck::Valid { .. } | TokenCheck::Dead));

    let caller = match &check {
        Some(TokenCheck::Valid { login, scope }) => Some(Caller { login: login.clone(), scope: scope.clone() }),
        _ => None,
    };
    let mut response = if let Some(fault) = &fault {
        fault_response(fault)
    } else if matches!(check, Some(TokenCheck::Unknown | TokenCheck::Dead)) {
        ApiError::bad_credentials().into_response()
    } else if rate.used > RATE_LIMIT {
        let who = match &caller {
            Some(c) => shared.user(&c.login).map_or_else(|| c.login.clone(), |u| format!("user ID {}", u.id)),
            None => "127.0.0.1".into(),
        };
        ApiError::rate_limited(&who).into_response()
    } else {
        if let Some(caller) = &caller {
            req.extensions_mut().insert(caller.clone());
        }
        let response = next.run(req).await;
        // The router's own 405 (no body, no content type) is a 404 on
        // GitHub; a handler's JSON 405 (e.g. an unmergeable pull) stays.
        if response.status() == StatusCode::METHOD_NOT_ALLOWED && !response.headers().contains_key(header::CONTENT_TYPE)
        {
            ApiError::not_found().into_response()
        } else {
            response
        }
    };

    if method == "GET" && response.status() == StatusCode::OK {
        let (validated, not_modified) = conditional(response, if_none_match.as_deref()).await;
        response = validated;
        if not_modified {
            rate = uncount_request(&mut shared.lock(), &rate_key);
        }
    }
    let headers = response.headers_mut();
    add_common_headers(headers, rate);
    if let Some(caller) = &caller {
        let scopes = caller.scope.split(',').collect::<Vec<_>>().join(", ");
        if let Ok(value) = HeaderValue::from_str(&scopes) {
            headers.insert(HeaderName::from_static("x-oauth-scopes"), value);
        }
    }
    if let Some(fault) = &fault {
        add_fault_headers(headers, fault);
    }

    shared.lock().records.push_api(ApiRecord {
        method,
        path,
        query,
        token,
        token_known,
        status: response.status().as_u16(),
    });
    response
}

/// Takes one use of the first fault matching `path`.
pub(crate) fn take_fault(inner: &mut Inner, path: &str) -> Option<Fault> {
    let index = inner.faults.iter().position(|f| f.times > 0 && path.starts_with(&f.path_prefix))?;
    let fault = &mut inner.faults[index];
    fault.times -= 1;
    let taken = fault.clone();
    if fault.times == 0 {
        inner.faults.remove(index);
    }
    Some(taken)
}

/// A fault's own headers, over whatever the response already has.
pub(crate) fn add_fault_headers(headers: &mut HeaderMap, fault: &Fault) {
    for (name, value) in &fault.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            headers.insert(name, value);
        }
    }
}

pub(crate) fn fault_response(fault: &Fault) -> Response {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = fault.body.clone().unwrap_or_else(|| {
        serde_json::json!({
            "message": status.canonical_reason().unwrap_or("Error"),
            "documentation_url": REST_DOCS,
        })
        .to_string()
    });
    (status, [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], body).into_response()
}

/// Counts a request in its caller's window (`key` is the token, or `""`
/// for anonymous and bad-token callers).
fn count_request(inner: &mut Inner, key: &str) -> RateWindow {
    let window = rate_window(inner, key);
    window.used = window.used.saturating_add(1);
    *window
}

/// A 304 costs nothing: takes back the use [`count_request`] counted.
fn uncount_request(inner: &mut Inner, key: &str) -> RateWindow {
    let window = rate_window(inner, key);
    window.used = window.used.saturating_sub(1);
    *window
}

/// The caller's current window, started afresh once the last one has run out.
fn rate_window<'a>(inner: &'a mut Inner, key: &str) -> &'a mut RateWindow {
    let now = unix_now();
    let window = inner.rate.entry(key.to_owned()).or_insert(RateWindow { used: 0, reset: now + RATE_WINDOW_SECS });
    if window.reset <= now {
        *window = RateWindow { used: 0, reset: now + RATE_WINDOW_SECS };
    }
    window
}

/// Largest JSON body given an `ETag` (GitHub's bodies are at most a few MB).
const ETAG_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// GitHub's weak validator of a body: `W/"<sha256 hex>"`.
fn etag_of(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body);
    format!("W/\"{}\"", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// Whether an `If-None-Match` list names `etag` (weak comparison, RFC 9110 §13.1.2), or is `*`.
fn matches_etag(if_none_match: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.split(',').any(|t| t.trim() == "*" || opaque(t) == opaque(etag))
}

/// Gives a JSON 200 its `ETag` and GitHub's caching headers; answers `304 Not Modified` (no body,
/// the same validators) when the request's `If-None-Match` names it. `true` when it did.
async fn conditional(response: Response, if_none_match: Option<&str>) -> (Response, bool) {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return (response, false);
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ETAG_BODY_LIMIT).await else {
        return (
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the response body could not be read").into_response(),
            false,
        );
    };
    let etag = etag_of(&bytes);
    let not_modified = if_none_match.is_some_and(|v| matches_etag(v, &etag));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, value);
    }
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=60, s-maxage=60"));
    parts.headers.insert(header::VARY, HeaderValue::from_static("Accept, Authorization, Cookie, X-GitHub-OTP"));
    if not_modified {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return (Response::from_parts(parts, axum::body::Body::empty()), true);
    }
    (Response::from_parts(parts, axum::body::Body::from(bytes)), false)
}

fn add_common_headers(headers: &mut HeaderMap, rate: RateWindow) {
    let used = rate.used.min(RATE_LIMIT);
    let pairs = [
        ("x-ratelimit-limit", RATE_LIMIT.to_string()),
        ("x-ratelimit-remaining", (RATE_LIMIT - used).to_string()),
        ("x-ratelimit-reset", rate.reset.to_string()),
        ("x-ratelimit-used", used.to_string()),
        ("x-ratelimit-resource", "core".to_owned()),
        ("x-github-request-id", request_id()),
    ];
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    let media = HeaderName::from_static("x-github-media-type");
    if !headers.contains_key(&media) {
        headers.insert(media, HeaderValue::from_static("github.v3; format=json"));
    }
    if !headers.contains_key(header::CONTENT_TYPE) && !headers.contains_key(header::ETAG) {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    }
}

/// Looks like GitHub's `C0DE:1A2B3:4C5D6E:7F80912:65A1B2C3`.
fn request_id() -> String {
    [4, 5, 6, 7, 8].map(random_hex).join(":").to_ascii_uppercase()
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let etag = etag_of(b"{}");
        assert!(etag.starts_with("W/\"") && etag.len() == 64 + 4);
        assert!(matches_etag(&etag, &etag));
        assert!(matches_etag(etag.trim_start_matches("W/"), &etag), "weak comparison");
        assert!(matches_etag(&format!("\"other\", {etag}"), &etag));
        assert!(matches_etag("*", &etag));
        assert!(!matches_etag("\"other\"", &etag));
        assert_ne!(etag_of(b"{}"), etag_of(b"[]"));
    }
}
