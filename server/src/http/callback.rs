//! `GET /oauth/callback`: where GitHub sends the browser back. Checks the transaction and the
//! browser binding, then consumes the transaction (a refused request leaves it intact), finishes the
//! login and redirects to the client with a local code.
//!
//! A web or loopback redirect URI (http/https) gets a plain redirect (303): native clients' loopback
//! listeners and web clients expect exactly that. A private-use scheme (`cursor://…`) gets a page
//! instead, which navigates to the app by `<meta http-equiv="refresh">` and offers a link: after a
//! bare redirect to an app the browser tab would stay stuck on the previous page.

use std::collections::HashMap;

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;

use super::cookies;
use crate::{
    oauth::{
        ErrorCode, OAuthError, authorize,
        login::{self, LoginError},
    },
    state::AppState,
    store::records::ClientRecord,
};

/// Does the browser reach the client through the web (http/https), rather than by handing a
/// private-use scheme URL to an app?
pub fn is_web(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Sends an error response URL (`error`, `state`, `iss`) to the client: a redirect for web and
/// loopback clients, and for an app behind a private-use scheme a page that navigates to it and
/// explains, so the tab is not left on the previous page.
pub fn error_to_client(state: &AppState, to: &str, error: &OAuthError) -> Response {
    if is_web(to) {
        return Redirect::to(to).into_response();
    }
    state.templates.render(
        "error.html",
        minijinja::context! {
            title => "Sign-in did not complete",
            message => error.description,
            back_url => to,
            refresh_url => to,
        },
    )
}

/// The "signed in, you can close this tab" page for a client reached through a private-use scheme.
async fn signed_in_page(state: &AppState, client_id: &str, login: &str, to: &str) -> Response {
    let client: Option<ClientRecord> = state.clients.find(client_id).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "could not read the client's name for the signed-in page");
        None
    });
    let client_name = client.and_then(|c| c.client_name).filter(|n| !n.trim().is_empty());
    let app = url::Url::parse(to).map(|u| format!("{}:", u.scheme())).unwrap_or_default();
    state.templates.render(
        "signed_in.html",
        minijinja::context! {
            client_name => client_name.unwrap_or_else(|| "the application".into()),
            login,
            app,
            return_url => to,
            refresh_url => to,
        },
    )
}

pub async fn callback(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let page = |status: StatusCode, title: &str, message: &str| state.templates.error_page(status, title, message);
    let Some(upstream_state) = q.get("state").filter(|s| !s.is_empty()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "GitHub's answer carried no state. Start again from your application.",
        );
    };
    let browser = cookies::browser_id(&state, &jar);
    // Check first, consume last: a request that is refused must not end the real sign-in.
    let checked = match state.login.bound_transaction(upstream_state, browser.as_ref()).await {
        Ok(_) => state.login.take_transaction(upstream_state).await,
        Err(e) => Err(e),
    };
    let tx = match checked {
        Ok(tx) => tx,
        Err(LoginError::Store(e)) => {
            tracing::error!(error = %e, "storage failure at the callback");
            return page(StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable", "Try again in a moment.");
        }
        Err(e) => {
            tracing::warn!(reason = %e, "callback refused");
            return page(StatusCode::BAD_REQUEST, "Sign-in failed", &e.to_string());
        }
    };
    let back = |error: OAuthError| {
        let to =
            authorize::error_redirect(&state.config, &tx.request.redirect_uri, tx.request.state.as_deref(), &error);
        error_to_client(&state, &to, &error)
    };
    if let Some(error) = q.get("error") {
        state.metrics.login("github_denied");
        tracing::info!(error = %error.chars().take(40).collect::<String>(), "GitHub returned an error");
        return back(login::client_error_for_github_error(error));
    }
    let Some(code) = q.get("code").filter(|c| !c.is_empty()) else {
        return back(OAuthError::new(ErrorCode::ServerError, "GitHub returned neither a code nor an error"));
    };
    match state.login.finish(tx.clone(), code).await {
        Ok((to, identity)) => {
            let jar = cookies::remember_login(&state, jar, &identity.login);
            if is_web(&to) {
                (jar, Redirect::to(&to)).into_response()
            } else {
                (jar, signed_in_page(&state, &tx.request.client_id, &identity.login, &to).await).into_response()
            }
        }
        Err(e @ LoginError::NotAllowed(_)) => {
            // The page explains; its button tells the waiting client (access_denied) so it stops waiting.
            let error =
                OAuthError::new(ErrorCode::AccessDenied, "this GitHub account is not allowed to use this server");
            let back =
                authorize::error_redirect(&state.config, &tx.request.redirect_uri, tx.request.state.as_deref(), &error);
            let mut resp = state.templates.render(
                "error.html",
                minijinja::context! { title => "Access not allowed", message => e.to_string(), back_url => back },
            );
            *resp.status_mut() = StatusCode::FORBIDDEN;
            resp
        }
        Err(LoginError::GithubUnavailable) => {
            back(OAuthError::new(ErrorCode::TemporarilyUnavailable, "GitHub could not be reached; try again"))
        }
        Err(LoginError::Upstream(reason)) => {
            tracing::warn!(%reason, "GitHub refused the code exchange");
            back(OAuthError::new(ErrorCode::AccessDenied, "GitHub did not accept the sign-in"))
        }
        Err(e) => {
            tracing::error!(error = %e, "login could not be completed");
            back(OAuthError::new(ErrorCode::ServerError, "the sign-in could not be completed"))
        }
    }
}
