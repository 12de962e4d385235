//! `GET /authorize` (validate, then consent page or straight to GitHub when consent is remembered) and
//! `POST /authorize` (the consent form: CSRF check, approve → GitHub, deny → `access_denied`).
//!
//! The consent form carries the validated request as a signed, expiring ticket and a CSRF token bound
//! to this browser's cookie and that ticket; rendering the page twice yields two valid forms.
//!
//! For a client identified by a metadata document URL, the page shows the host of that URL (the one
//! thing the gateway verified: it fetched the document there), and warns when every redirect URI the
//! document lists is on the user's computer, where any program could claim to be that client.

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;

use super::{cookies, form};
use crate::{
    crypto::Secret,
    oauth::{
        ErrorCode, OAuthError,
        authorize::{self, AuthorizeError},
        cimd,
        client::FindError,
        redirect,
    },
    state::AppState,
    store::{records::AuthRequest, records::ClientRecord},
};

const TICKET_TTL_SECS: u64 = 600;

fn unavailable(state: &AppState) -> Response {
    state.templates.error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "The server cannot reach its storage right now. Try again in a moment.",
    )
}

pub async fn get(State(state): State<AppState>, jar: CookieJar, RawQuery(query): RawQuery) -> Response {
    let (request, client) = match authorize::validate(&state.config, &state.clients, query.as_deref().unwrap_or(""))
        .await
    {
        Ok(ok) => ok,
        Err(AuthorizeError::Page(message)) => {
            return state.templates.error_page(StatusCode::BAD_REQUEST, "This sign-in request is not valid", &message);
        }
        Err(AuthorizeError::Store(e)) => {
            tracing::error!(error = %e, "storage failure at /authorize");
            return unavailable(&state);
        }
    };
    let (jar, browser) = cookies::ensure_browser_id(&state, jar);
    if !always_ask(&client)
        && cookies::has_consent(&state, &jar, &browser, &request.client_id, &request.redirect_uri, request.scopes)
    {
        return to_github(&state, jar, request, &browser).await;
    }
    let last_login = cookies::last_login(&state, &jar);
    (jar, consent_page(&state, last_login, &client, &request, &browser)).into_response()
}

/// A metadata-document client whose every redirect URI is on the user's device can be presented by
/// any program there (its document is public), so its consent page, with that warning, is shown every
/// time rather than remembered.
fn always_ask(client: &ClientRecord) -> bool {
    cimd::is_url_client_id(&client.client_id) && client.redirect_uris.iter().all(|r| !r.starts_with("https://"))
}

fn consent_page(
    state: &AppState,
    last_login: Option<String>,
    client: &ClientRecord,
    request: &AuthRequest,
    browser: &Secret,
) -> Response {
    let ticket = state.signer.sign("consent-ticket", request, state.now() + TICKET_TTL_SECS);
    let csrf_token = state.signer.tag("consent-csrf", &[browser.expose(), &ticket]);
    let redirect_url = url::Url::parse(&request.redirect_uri).ok();
    let redirect_host = redirect_url
        .as_ref()
        .map(|u| match u.scheme() {
            "http" | "https" => host_port(u),
            scheme => format!("{scheme}://{}", u.host_str().unwrap_or("")),
        })
        .unwrap_or_default();
    // Loopback http and private-use schemes both deliver the code to an app on this device.
    let loopback = redirect_url.as_ref().is_some_and(|u| u.scheme() != "https");
    // A metadata document client: its URL's host is verified; its name is only what the document says.
    let client_host = cimd::is_url_client_id(&client.client_id).then(|| cimd::shown_host(&client.client_id)).flatten();
    let local_only = client_host.is_some() && always_ask(client);
    let scopes: Vec<minijinja::Value> = request
        .scopes
        .iter()
        .map(|s| minijinja::Value::from_serialize(serde_json::json!({"name": s.as_str(), "description": s.describe()})))
        .collect();
    state.templates.render(
        "consent.html",
        context! {
            client_name => client.client_name.clone().unwrap_or_else(|| "An unnamed application".into()),
            client_id => &client.client_id,
            redirect_host,
            loopback,
            client_host,
            local_only,
            github_host => host_port(&state.config.github_base_url),
            last_login,
            scopes,
            action => state.config.url("/authorize"),
            ticket,
            csrf_token,
        },
    )
}

/// `host` or `host:port` of a URL, as shown to the user.
fn host_port(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

async fn to_github(state: &AppState, jar: CookieJar, request: AuthRequest, browser: &Secret) -> Response {
    match state.login.start(request, browser).await {
        Ok(url) => (jar, Redirect::to(url.as_str())).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "storage failure starting the GitHub leg");
            unavailable(state)
        }
    }
}

/// `POST /authorize`: the consent decision.
pub async fn post(State(state): State<AppState>, jar: CookieJar, headers: HeaderMap, body: Bytes) -> Response {
    let bad =
        |message: &str| state.templates.error_page(StatusCode::BAD_REQUEST, "This consent form is not valid", message);
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && origin != "null"
        && url::Url::parse(origin).map(|u| u.origin().ascii_serialization()).ok()
            != Some(state.config.public_url.origin().ascii_serialization())
    {
        return state.templates.error_page(
            StatusCode::FORBIDDEN,
            "Cross-site request refused",
            "The consent form was submitted from another site.",
        );
    }
    let form = match form::parse(&headers, &body) {
        Ok(f) => f,
        Err(e) => return bad(&e.description),
    };
    let Some(browser) = cookies::browser_id(&state, &jar) else {
        return bad("Your browser did not send the cookie this form belongs to. Enable cookies and start again.");
    };
    let (Some(ticket), Some(csrf)) = (form.get("request"), form.get("csrf_token")) else {
        return bad("The form is incomplete (missing request or CSRF token). Start again from your application.");
    };
    if !state.signer.verify_tag("consent-csrf", &[browser.expose(), ticket], csrf) {
        return bad("The form's CSRF token is not valid for this browser. Start again from your application.");
    }
    let Some(request) = state.signer.verify::<AuthRequest>("consent-ticket", ticket, state.now()) else {
        return bad("This consent form has expired. Start again from your application.");
    };
    // The client may have been deleted, or its redirect URIs changed, since the page was rendered.
    let client: Option<ClientRecord> = match state.clients.find(&request.client_id).await {
        Ok(c) => c,
        Err(FindError::Store(_)) => return unavailable(&state),
        Err(FindError::Metadata(e)) => return bad(&format!("This application could not be identified: {e}.")),
    };
    let Some(client) = client.filter(|c| c.redirect_uris.iter().any(|r| redirect::matches(r, &request.redirect_uri)))
    else {
        return bad("This application is no longer registered. Start again from your application.");
    };
    match form.get("decision").map(String::as_str) {
        Some("approve") => {
            let jar = if always_ask(&client) {
                jar
            } else {
                cookies::remember_consent(
                    &state,
                    jar,
                    &browser,
                    &request.client_id,
                    &request.redirect_uri,
                    request.scopes,
                )
            };
            state.metrics.consent("approved");
            to_github(&state, jar, request, &browser).await
        }
        Some("deny") => {
            state.metrics.consent("denied");
            let error = OAuthError::new(ErrorCode::AccessDenied, "the user denied the request");
            let to = authorize::error_redirect(&state.config, &request.redirect_uri, request.state.as_deref(), &error);
            super::callback::error_to_client(&state, &to, &error)
        }
        _ => bad("Choose Approve or Deny."),
    }
}
