//! The browser cookies of the consent flow, all HttpOnly and SameSite=Lax, with the `__Host-` prefix and
//! `Secure` when `PUBLIC_URL` is HTTPS:
//! - `browser`: a random id binding consent forms (CSRF) and upstream transactions to this browser;
//! - `consent`: signed list of remembered approvals per (client_id, redirect URI);
//! - `login`: signed GitHub login of the last sign-in, shown on the consent page.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::{Deserialize, Serialize};

use crate::{
    crypto::{Secret, hash_token, random_b64},
    oauth::{redirect, scope::Scopes},
    state::AppState,
};

const MAX_CONSENTS: usize = 20;
const BROWSER_TTL_SECS: i64 = 400 * 86_400;

fn name(state: &AppState, base: &str) -> String {
    if state.config.secure_cookies() { format!("__Host-mgw_{base}") } else { format!("mgw_{base}") }
}

fn build(state: &AppState, base: &str, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((name(state, base), value))
        .path("/")
        .http_only(true)
        .secure(state.config.secure_cookies())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(max_age_secs))
        .build()
}

pub fn browser_id(state: &AppState, jar: &CookieJar) -> Option<Secret> {
    jar.get(&name(state, "browser")).map(|c| c.value()).filter(|v| v.len() >= 32 && v.len() <= 64).map(Secret::new)
}

/// The browser id, creating (and setting) one when the browser has none.
pub fn ensure_browser_id(state: &AppState, jar: CookieJar) -> (CookieJar, Secret) {
    if let Some(id) = browser_id(state, &jar) {
        return (jar, id);
    }
    let id = Secret::new(random_b64(32));
    let jar = jar.add(build(state, "browser", id.expose().to_owned(), BROWSER_TTL_SECS));
    (jar, id)
}

#[derive(Serialize, Deserialize, Clone)]
struct Remembered {
    /// Hash of the browser id + client_id + redirect URI (loopback port removed): a consent cookie
    /// planted from another browser does not match this one.
    k: String,
    /// Scopes approved.
    s: Scopes,
    exp: u64,
}

fn consent_key(browser: &Secret, client_id: &str, redirect_uri: &str) -> String {
    hash_token(&format!("{}\n{client_id}\n{}", browser.expose(), redirect::consent_key(redirect_uri)))
}

fn remembered(state: &AppState, jar: &CookieJar) -> Vec<Remembered> {
    let now = state.now();
    jar.get(&name(state, "consent"))
        .and_then(|c| state.signer.verify::<Vec<Remembered>>("consent-cookie", c.value(), now))
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.exp > now)
        .collect()
}

/// Did this browser approve these scopes for this client and redirect URI before?
pub fn has_consent(
    state: &AppState,
    jar: &CookieJar,
    browser: &Secret,
    client_id: &str,
    redirect_uri: &str,
    scopes: Scopes,
) -> bool {
    if state.config.consent_ttl.is_zero() {
        return false;
    }
    let key = consent_key(browser, client_id, redirect_uri);
    remembered(state, jar).iter().any(|r| r.k == key && scopes.within(r.s))
}

pub fn remember_consent(
    state: &AppState,
    jar: CookieJar,
    browser: &Secret,
    client_id: &str,
    redirect_uri: &str,
    scopes: Scopes,
) -> CookieJar {
    let ttl = state.config.consent_ttl.as_secs();
    if ttl == 0 {
        return jar;
    }
    let key = consent_key(browser, client_id, redirect_uri);
    let mut list: Vec<Remembered> = remembered(state, &jar).into_iter().filter(|r| r.k != key).collect();
    list.push(Remembered { k: key, s: scopes, exp: state.now() + ttl });
    let keep_from = list.len().saturating_sub(MAX_CONSENTS);
    let list = list.split_off(keep_from);
    let exp = list.iter().map(|r| r.exp).max().unwrap_or(0);
    let value = state.signer.sign("consent-cookie", &list, exp);
    jar.add(build(state, "consent", value, i64::try_from(ttl).unwrap_or(i64::MAX)))
}

pub fn last_login(state: &AppState, jar: &CookieJar) -> Option<String> {
    jar.get(&name(state, "login")).and_then(|c| state.signer.verify::<String>("login-cookie", c.value(), state.now()))
}

pub fn remember_login(state: &AppState, jar: CookieJar, login: &str) -> CookieJar {
    let ttl = 90 * 86_400;
    let value = state.signer.sign("login-cookie", &login, state.now() + ttl);
    jar.add(build(state, "login", value, i64::try_from(ttl).unwrap_or(i64::MAX)))
}
