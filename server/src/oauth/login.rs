//! The GitHub leg of a login: starting it after consent (transaction + redirect to GitHub) and
//! finishing it at the callback (code exchange, identity, allowlist, local authorization code).

use super::{OAuthError, allowlist, redirect, vault::Dek};
use crate::{
    crypto::{Secret, TokenKind, hash_token, random_b64},
    state::AppState,
    store::{
        StoreError,
        records::{AuthRequest, CodeRecord, GithubIdentity, Transaction, UpstreamToken},
    },
    upstream::UpstreamError,
};

/// Stores the transaction and returns GitHub's authorize URL. `browser` is the binding cookie's value.
pub async fn start(state: &AppState, request: AuthRequest, browser: &Secret) -> Result<url::Url, StoreError> {
    let upstream_state = random_b64(32);
    let (url, verifier) = state.upstream.authorize_url(&upstream_state);
    let tx = Transaction {
        browser: hash_token(browser.expose()),
        pkce_verifier: verifier,
        request,
        created_at: state.now(),
    };
    state.records.put(&hash_token(&upstream_state), &tx).await?;
    Ok(url)
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("This sign-in link has expired or was already used. Start again from your application.")]
    UnknownState,
    #[error("This sign-in was started in another browser. Start again from your application in this browser.")]
    WrongBrowser,
    #[error("GitHub did not accept the sign-in: {0}")]
    Upstream(String),
    #[error("GitHub could not be reached; try again in a moment.")]
    GithubUnavailable,
    #[error("The GitHub account @{0} is not allowed to use this server. Ask its operator to add you.")]
    NotAllowed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The transaction for `upstream_state`, if `browser` is the one that started it. Nothing is
/// consumed: a request that fails here (no cookie, another browser's cookie) cannot end the real
/// browser's sign-in. [`take_transaction`] consumes it once the callback is known to be genuine.
pub async fn bound_transaction(
    state: &AppState,
    upstream_state: &str,
    browser: Option<&Secret>,
) -> Result<Transaction, LoginError> {
    let tx: Transaction = state.records.get(&hash_token(upstream_state)).await?.ok_or(LoginError::UnknownState)?;
    let bound = browser.is_some_and(|b| crate::crypto::ct_eq(hash_token(b.expose()).as_bytes(), tx.browser.as_bytes()));
    if !bound {
        return Err(LoginError::WrongBrowser);
    }
    Ok(tx)
}

/// Consumes the transaction [`bound_transaction`] returned (single use: of two concurrent
/// callbacks, one gets it and the other `UnknownState`).
pub async fn take_transaction(state: &AppState, upstream_state: &str) -> Result<Transaction, LoginError> {
    state.records.take(&hash_token(upstream_state)).await?.ok_or(LoginError::UnknownState)
}

/// Exchanges GitHub's code, identifies the user, applies the allowlist and mints the local code.
/// Returns the redirect to the client (with `code`, `state`, `iss`) and the identity.
pub async fn finish(
    state: &AppState,
    tx: Transaction,
    github_code: &str,
) -> Result<(String, GithubIdentity), LoginError> {
    let result = complete(state, tx, github_code).await;
    state.metrics.login(match &result {
        Ok(_) => "ok",
        Err(LoginError::NotAllowed(_)) => "not_allowed",
        Err(LoginError::Upstream(_)) => "github_denied",
        Err(_) => "failed",
    });
    result
}

async fn complete(
    state: &AppState,
    tx: Transaction,
    github_code: &str,
) -> Result<(String, GithubIdentity), LoginError> {
    let now = state.now();
    let upstream: UpstreamToken =
        state.upstream.exchange(github_code, &tx.pkce_verifier, now).await.map_err(|e| match e {
            UpstreamError::Refused(reason) => LoginError::Upstream(reason),
            UpstreamError::Unavailable(e) => {
                tracing::warn!(error = %e, "GitHub code exchange failed");
                LoginError::GithubUnavailable
            }
        })?;
    let identity = state.github.current_user(&upstream.access_token).await.map_err(|e| {
        tracing::warn!(error = %e, "GET /user failed after login");
        LoginError::GithubUnavailable
    })?;
    let permitted =
        allowlist::permits(&state.config, &state.github, &identity, &upstream.access_token).await.map_err(|e| {
            tracing::warn!(error = %e, "could not read the user's organisations");
            LoginError::GithubUnavailable
        })?;
    if !permitted {
        tracing::warn!(login = %identity.login, "login refused by the allowlist");
        return Err(LoginError::NotAllowed(identity.login));
    }

    let dek = Dek::generate();
    let code = TokenKind::AuthorizationCode.mint();
    let record = CodeRecord {
        request: tx.request.clone(),
        user: identity.clone(),
        sealed_upstream: dek.seal_upstream(&upstream),
        wrapped_dek: dek.wrap_for(&state.keys, &code),
        expires_at: now + state.config.auth_code_ttl.as_secs(),
        used_by: None,
    };
    state.records.put(&hash_token(code.expose()), &record).await?;
    tracing::info!(login = %identity.login, client = %tx.request.client_id, "GitHub login completed");
    Ok((success_redirect(state, &tx.request, &code), identity))
}

fn success_redirect(state: &AppState, request: &AuthRequest, code: &Secret) -> String {
    let issuer = state.config.issuer();
    let mut params = vec![("code", code.expose())];
    if let Some(s) = &request.state {
        params.push(("state", s));
    }
    params.push(("iss", &issuer));
    redirect::with_params(&request.redirect_uri, &params)
}

/// The error an upstream failure becomes for the client, when the browser can still be sent back.
pub fn client_error_for_github_error(error: &str) -> OAuthError {
    match error {
        "access_denied" => OAuthError::new(super::ErrorCode::AccessDenied, "the user denied access on GitHub"),
        _ => OAuthError::new(super::ErrorCode::ServerError, "GitHub reported an error during sign-in"),
    }
}
