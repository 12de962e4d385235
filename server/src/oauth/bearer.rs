//! Bearer token validation for the protected resource (RFC 6750): from an access token to the
//! [`Principal`] a tool acts for, including the decrypted (and, for expiring GitHub App tokens,
//! transparently refreshed) GitHub token.

use std::sync::Arc;

use super::{
    tokens::{revoke_grant, short},
    vault::Dek,
};
use crate::{
    crypto::{Secret, TokenKind, hash_token},
    state::AppState,
    store::{
        Namespace, StoreError,
        records::{AccessTokenRecord, GithubIdentity, Grant, UpstreamToken},
    },
    upstream::UpstreamError,
};

/// Refresh a GitHub token this long before it expires.
const UPSTREAM_REFRESH_MARGIN_SECS: u64 = 120;

/// Who a request acts for. Put into the request extensions for tools; `Debug` hides the token.
#[derive(Clone, Debug)]
pub struct Principal {
    pub grant_id: String,
    pub client_id: String,
    pub user: GithubIdentity,
    pub scopes: Vec<String>,
    pub github_token: Secret,
}

#[derive(Debug, thiserror::Error)]
pub enum BearerError {
    #[error("the access token is invalid, expired or revoked")]
    Invalid,
    #[error("the GitHub sign-in behind this token ended; sign in again")]
    UpstreamRevoked,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("GitHub could not refresh the sign-in right now")]
    UpstreamUnavailable,
}

/// The token of an `Authorization: Bearer TOKEN` header value (RFC 6750 §2.1; the scheme is
/// case-insensitive). `None` for another scheme, an empty token or a value that is not text.
pub fn credentials(value: &http::HeaderValue) -> Option<&str> {
    let (scheme, rest) = value.to_str().ok()?.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim()).filter(|t| !t.is_empty())
}

pub async fn authenticate(state: &AppState, token: &str) -> Result<Principal, BearerError> {
    // A refresh token or code never has this prefix, and lives in another namespace anyway.
    if !token.starts_with(TokenKind::AccessToken.prefix()) {
        return Err(BearerError::Invalid);
    }
    let token = Secret::new(token);
    let Some(record) =
        state.records.get::<AccessTokenRecord>(Namespace::AccessToken, &hash_token(token.expose())).await?
    else {
        return Err(BearerError::Invalid);
    };
    if record.expires_at <= state.now() || record.resource != state.config.mcp_url() {
        return Err(BearerError::Invalid);
    }
    let Some(grant) = state.records.get::<Grant>(Namespace::Grant, &record.grant_id).await? else {
        return Err(BearerError::Invalid);
    };
    let dek = Dek::unwrap_with(&state.keys, &token, &record.wrapped_dek).map_err(|_| BearerError::Invalid)?;
    let upstream = usable_upstream(state, &grant, &dek).await?;
    Ok(Principal {
        grant_id: grant.id,
        client_id: record.client_id,
        user: grant.user,
        scopes: record.scopes,
        github_token: upstream.access_token,
    })
}

/// The grant's GitHub token, refreshed first when it is about to expire.
pub async fn usable_upstream(state: &AppState, grant: &Grant, dek: &Dek) -> Result<UpstreamToken, BearerError> {
    let upstream = dek.open_upstream(&grant.sealed_upstream).map_err(|_| BearerError::Invalid)?;
    if needs_refresh(&upstream, state.now()) { refresh_upstream(state, &grant.id, dek).await } else { Ok(upstream) }
}

fn needs_refresh(t: &UpstreamToken, now: u64) -> bool {
    t.expires_at.is_some_and(|e| e <= now + UPSTREAM_REFRESH_MARGIN_SECS)
}

/// Refreshes the grant's GitHub token once even when many requests need it at the same moment.
async fn refresh_upstream(state: &AppState, grant_id: &str, dek: &Dek) -> Result<UpstreamToken, BearerError> {
    let lock = state.upstream_refresh_locks.entry(grant_id.to_owned()).or_default().clone();
    let result = refresh_locked(state, grant_id, dek, &lock).await;
    drop(lock);
    state.upstream_refresh_locks.remove_if(grant_id, |_, l| Arc::strong_count(l) == 1);
    result
}

async fn refresh_locked(
    state: &AppState,
    grant_id: &str,
    dek: &Dek,
    lock: &tokio::sync::Mutex<()>,
) -> Result<UpstreamToken, BearerError> {
    let _guard = lock.lock().await;
    // Another request (or instance) may have refreshed while we waited.
    let Some((mut grant, raw)) = state.records.get_raw::<Grant>(Namespace::Grant, grant_id).await? else {
        return Err(BearerError::Invalid);
    };
    let current = dek.open_upstream(&grant.sealed_upstream).map_err(|_| BearerError::Invalid)?;
    let now = state.now();
    if !needs_refresh(&current, now) {
        return Ok(current);
    }
    let Some(refresh) = &current.refresh_token else {
        revoke_grant(state, grant_id, "GitHub token expired and cannot be refreshed").await?;
        return Err(BearerError::UpstreamRevoked);
    };
    match state.upstream.refresh(refresh, now).await {
        Ok(fresh) => {
            grant.sealed_upstream = dek.seal_upstream(&fresh);
            // Compare-and-swap, never put: if the grant was revoked while GitHub answered, it stays
            // revoked (a put would bring it and every token hanging from it back).
            if !state
                .records
                .swap(Namespace::Grant, grant_id, &raw, &grant, Some(state.config.refresh_token_ttl))
                .await?
            {
                tracing::warn!(grant = %short(grant_id), "grant changed during the GitHub refresh; not saving it");
                return match state.records.get::<Grant>(Namespace::Grant, grant_id).await? {
                    None => Err(BearerError::Invalid),
                    Some(g) => dek.open_upstream(&g.sealed_upstream).map_err(|_| BearerError::Invalid),
                };
            }
            tracing::info!(grant = %short(grant_id), "GitHub token refreshed");
            Ok(fresh)
        }
        Err(UpstreamError::Refused(reason)) => {
            // Another instance may have used the (single-use) GitHub refresh token a moment ago: if
            // the grant changes within a short wait, its new GitHub token is the answer, not a revocation.
            for _ in 0..10 {
                match state.records.get_raw::<Grant>(Namespace::Grant, grant_id).await? {
                    None => return Err(BearerError::Invalid),
                    Some((latest, latest_raw)) if latest_raw != raw => {
                        return dek.open_upstream(&latest.sealed_upstream).map_err(|_| BearerError::Invalid);
                    }
                    Some(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
                }
            }
            tracing::warn!(grant = %short(grant_id), %reason, "GitHub refused the refresh");
            revoke_grant(state, grant_id, "GitHub refused to refresh its token").await?;
            Err(BearerError::UpstreamRevoked)
        }
        Err(UpstreamError::Unavailable(e)) => {
            tracing::warn!(grant = %short(grant_id), error = %e, "GitHub token refresh failed");
            Err(BearerError::UpstreamUnavailable)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::credentials;
    use http::HeaderValue;

    #[test]
    fn bearer_credentials_are_the_token_of_the_bearer_scheme_only() {
        let v = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(credentials(&v("Bearer mgw_at_x")), Some("mgw_at_x"));
        assert_eq!(credentials(&v("bearer  mgw_at_x ")), Some("mgw_at_x"));
        for none in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer  ", "mgw_at_x", ""] {
            assert_eq!(credentials(&v(none)), None, "{none}");
        }
    }
}
