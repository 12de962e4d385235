//! The GitHub leg of a login: starting it after consent (transaction + redirect to GitHub) and
//! finishing it at the callback (code exchange, identity, allowlist, local authorization code).

use super::{Core, OAuthError, allowlist, redirect, vault::Dek};
use std::sync::Arc;

use crate::{
    config::Config,
    crypto::{Secret, TokenKind, hash_token, random_b64},
    github::GithubClient,
    metrics::Metrics,
    store::{
        StoreError,
        records::{AuthRequest, CodeRecord, GithubIdentity, Transaction, UpstreamToken},
    },
    upstream::{GithubOAuth, UpstreamError},
};

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

/// The GitHub leg of a login as a service, with only what it needs: the records, the keys that wrap a
/// grant's data key for its code, the clock, GitHub's OAuth endpoints and REST API, the settings
/// (allowlists, issuer) and the metrics it counts logins in.
pub struct Login {
    core: Core,
    upstream: Arc<GithubOAuth>,
    github: GithubClient,
    config: Arc<Config>,
    metrics: Arc<Metrics>,
    /// This server's issuer identifier, for `iss` on the redirect back (RFC 9207).
    issuer: String,
}

impl Login {
    pub fn new(
        core: Core,
        upstream: Arc<GithubOAuth>,
        github: GithubClient,
        config: Arc<Config>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let issuer = config.issuer();
        Self { core, upstream, github, config, metrics, issuer }
    }

    /// Stores the transaction and returns GitHub's authorize URL. `browser` is the binding cookie's value.
    pub async fn start(&self, request: AuthRequest, browser: &Secret) -> Result<url::Url, StoreError> {
        let upstream_state = random_b64(32);
        let (url, verifier) = self.upstream.authorize_url(&upstream_state);
        let tx = Transaction {
            browser: hash_token(browser.expose()),
            pkce_verifier: verifier,
            request,
            created_at: self.core.clock.now(),
        };
        self.core.records.put(&hash_token(&upstream_state), &tx).await?;
        Ok(url)
    }

    /// The transaction for `upstream_state`, if `browser` is the one that started it. Nothing is
    /// consumed: a request that fails here (no cookie, another browser's cookie) cannot end the real
    /// browser's sign-in. [`Login::take_transaction`] consumes it once the callback is known to be genuine.
    pub async fn bound_transaction(
        &self,
        upstream_state: &str,
        browser: Option<&Secret>,
    ) -> Result<Transaction, LoginError> {
        let tx: Transaction =
            self.core.records.get(&hash_token(upstream_state)).await?.ok_or(LoginError::UnknownState)?;
        let bound =
            browser.is_some_and(|b| crate::crypto::ct_eq(hash_token(b.expose()).as_bytes(), tx.browser.as_bytes()));
        if !bound {
            return Err(LoginError::WrongBrowser);
        }
        Ok(tx)
    }

    /// Consumes the transaction [`Login::bound_transaction`] returned (single use: of two concurrent
    /// callbacks, one gets it and the other `UnknownState`).
    pub async fn take_transaction(&self, upstream_state: &str) -> Result<Transaction, LoginError> {
        self.core.records.take(&hash_token(upstream_state)).await?.ok_or(LoginError::UnknownState)
    }

    /// Exchanges GitHub's code, identifies the user, applies the allowlist and mints the local code.
    /// Returns the redirect to the client (with `code`, `state`, `iss`) and the identity.
    pub async fn finish(&self, tx: Transaction, github_code: &str) -> Result<(String, GithubIdentity), LoginError> {
        let result = self.complete(tx, github_code).await;
        self.metrics.login(match &result {
            Ok(_) => "ok",
            Err(LoginError::NotAllowed(_)) => "not_allowed",
            Err(LoginError::Upstream(_)) => "github_denied",
            Err(_) => "failed",
        });
        result
    }

    async fn complete(&self, tx: Transaction, github_code: &str) -> Result<(String, GithubIdentity), LoginError> {
        let now = self.core.clock.now();
        let upstream: UpstreamToken =
            self.upstream.exchange(github_code, &tx.pkce_verifier, now).await.map_err(|e| match e {
                UpstreamError::Refused(reason) => LoginError::Upstream(reason),
                UpstreamError::Unavailable(e) => {
                    tracing::warn!(error = %e, "GitHub code exchange failed");
                    LoginError::GithubUnavailable
                }
            })?;
        let identity = self.github.current_user(&upstream.access_token).await.map_err(|e| {
            tracing::warn!(error = %e, "GET /user failed after login");
            LoginError::GithubUnavailable
        })?;
        let permitted =
            allowlist::permits(&self.config, &self.github, &identity, &upstream.access_token).await.map_err(|e| {
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
            wrapped_dek: dek.wrap_for(&self.core.keys, &code),
            expires_at: now + self.core.records.ttl::<CodeRecord>().as_secs(),
            used_by: None,
        };
        self.core.records.put(&hash_token(code.expose()), &record).await?;
        tracing::info!(login = %identity.login, client = %tx.request.client_id, "GitHub login completed");
        Ok((Self::success_redirect(&self.issuer, &tx.request, &code), identity))
    }

    fn success_redirect(issuer: &str, request: &AuthRequest, code: &Secret) -> String {
        let mut params = vec![("code", code.expose())];
        if let Some(s) = &request.state {
            params.push(("state", s));
        }
        params.push(("iss", issuer));
        redirect::with_params(&request.redirect_uri, &params)
    }
}

/// The error an upstream failure becomes for the client, when the browser can still be sent back.
pub fn client_error_for_github_error(error: &str) -> OAuthError {
    match error {
        "access_denied" => OAuthError::new(super::ErrorCode::AccessDenied, "the user denied access on GitHub"),
        _ => OAuthError::new(super::ErrorCode::ServerError, "GitHub reported an error during sign-in"),
    }
}
