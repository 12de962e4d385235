//! The GitHub OAuth leg, built on the `oauth2` crate: the authorize URL (with the gateway's own PKCE),
//! the code exchange and the refresh of expiring GitHub App user tokens.
//!
//! GitHub's quirks are isolated here: its token endpoint answers errors with HTTP 200 and an `error`
//! field (rewritten to 400 so `oauth2` parses them as errors), and returns comma-separated scopes.

mod http_client;

use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl, basic::BasicClient,
};

use crate::{clock::UnixSecs, config::Config, crypto::Secret, store::records::UpstreamToken};
pub use http_client::UpstreamHttp;

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// GitHub refused the code or refresh token (`bad_verification_code`, `bad_refresh_token`, ...).
    #[error("GitHub refused the grant: {0}")]
    Refused(String),
    /// GitHub could not be reached or answered something unusable.
    #[error("GitHub's token endpoint failed: {0}")]
    Unavailable(String),
}

pub struct GithubOAuth {
    client: Client,
    http: UpstreamHttp,
    scopes: Vec<String>,
}

impl GithubOAuth {
    pub fn new(config: &Config, http: UpstreamHttp) -> Result<Self, url::ParseError> {
        let base = config.github_base_url.as_str().trim_end_matches('/');
        let client = BasicClient::new(ClientId::new(config.github_client_id.clone()))
            .set_client_secret(ClientSecret::new(config.github_client_secret.clone()))
            .set_auth_uri(AuthUrl::new(format!("{base}/login/oauth/authorize"))?)
            .set_token_uri(TokenUrl::new(format!("{base}/login/oauth/access_token"))?)
            .set_redirect_uri(RedirectUrl::new(config.url("/oauth/callback"))?)
            .set_auth_type(oauth2::AuthType::RequestBody);
        Ok(Self { client, http, scopes: config.github_scopes.clone() })
    }

    /// The URL to send the browser to, and the PKCE verifier to keep for the exchange.
    pub fn authorize_url(&self, state: &str) -> (url::Url, Secret) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = state.to_owned();
        let (url, _) = self
            .client
            .authorize_url(move || CsrfToken::new(state))
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .url();
        (url, Secret::new(verifier.secret().clone()))
    }

    pub async fn exchange(&self, code: &str, verifier: &Secret, now: UnixSecs) -> Result<UpstreamToken, UpstreamError> {
        let result = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_owned()))
            .request_async(&self.http)
            .await;
        to_upstream(result, None, now)
    }

    pub async fn refresh(&self, refresh_token: &Secret, now: UnixSecs) -> Result<UpstreamToken, UpstreamError> {
        let result = self
            .client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.expose().to_owned()))
            .request_async(&self.http)
            .await;
        to_upstream(result, Some(refresh_token), now)
    }
}

type TokenResult = Result<
    oauth2::basic::BasicTokenResponse,
    RequestTokenError<http_client::HttpError, oauth2::basic::BasicErrorResponse>,
>;

fn to_upstream(
    result: TokenResult,
    previous_refresh: Option<&Secret>,
    now: UnixSecs,
) -> Result<UpstreamToken, UpstreamError> {
    match result {
        Ok(t) => Ok(UpstreamToken {
            access_token: Secret::new(t.access_token().secret().clone()),
            // GitHub rotates refresh tokens; keep the old one if a reply ever omits it.
            refresh_token: t
                .refresh_token()
                .map(|r| Secret::new(r.secret().clone()))
                .or_else(|| previous_refresh.cloned()),
            expires_at: t.expires_in().map(|d| now.saturating_add(d.as_secs())),
        }),
        Err(RequestTokenError::ServerResponse(e)) => {
            Err(UpstreamError::Refused(e.error().as_ref().chars().take(80).collect()))
        }
        Err(RequestTokenError::Request(e)) => Err(UpstreamError::Unavailable(e.to_string())),
        Err(RequestTokenError::Parse(e, _)) => Err(UpstreamError::Unavailable(format!("unreadable reply: {e}"))),
        Err(RequestTokenError::Other(e)) => Err(UpstreamError::Unavailable(e)),
    }
}
