//! `grant_type=refresh_token` (RFC 6749 §6) with rotation and reuse detection.
//!
//! The first use rotates the token: a new pair is stored, then the old record is swapped to `rotated`
//! with the new response sealed under a key derived from the old token. Presenting the old token again
//! within `REFRESH_GRACE_SECS` returns that same response (clients refresh from several workers); after
//! the window it is treated as theft and revokes the whole grant.

use super::super::{
    ErrorCode, OAuthError, allowlist,
    bearer::BearerError,
    scope,
    tokens::{TokenResponse, may_refresh, revoke_grant},
    vault::{self, Dek},
};
use crate::{
    crypto::{Secret, hash_token},
    github::GithubError,
    store::records::{ClientRecord, Grant, RefreshTokenRecord, Rotation, ttl_until},
};

const INVALID: &str = "the refresh token is invalid, expired or revoked";

impl super::Grants {
    pub async fn exchange_refresh(
        &self,
        client: &ClientRecord,
        refresh_token: Option<&str>,
        requested_scope: Option<&str>,
        resource: Option<&str>,
    ) -> Result<TokenResponse, OAuthError> {
        if !may_refresh(client) {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "this client did not register the refresh_token grant (grant_types)",
            ));
        }
        let token =
            Secret::new(refresh_token.ok_or_else(|| OAuthError::invalid_request("`refresh_token` is required"))?);
        let key = hash_token(token.expose());
        // Two attempts: the second follows a lost compare-and-swap race into the `rotated` branch.
        for _ in 0..2 {
            let Some((record, raw)) = self.core.records.get_raw::<RefreshTokenRecord>(&key).await? else {
                return Err(OAuthError::invalid_grant(INVALID));
            };
            let now = self.core.clock.now();
            if record.client_id != client.client_id {
                return Err(OAuthError::invalid_grant("the refresh token was issued to another client"));
            }
            if record.expires_at <= now {
                return Err(OAuthError::invalid_grant(INVALID));
            }
            if let Some(r) = resource
                && r != record.resource
            {
                return Err(OAuthError::invalid_target("`resource` differs from the grant's resource"));
            }
            if let Some(rotation) = &record.rotated {
                return self.replay(&record, rotation, &token).await;
            }
            let Some(grant) = self.core.records.get::<Grant>(&record.grant_id).await? else {
                return Err(OAuthError::invalid_grant(INVALID));
            };
            let scopes = scope::narrow(record.scopes, requested_scope)?;
            let dek = Dek::unwrap_with(&self.core.keys, &token, &record.wrapped_dek).map_err(|_| {
                tracing::error!("refresh token data key could not be unwrapped");
                OAuthError::server_error()
            })?;
            if allowlist::active(&self.config) && now.saturating_sub(grant.allowed_at) >= allowlist::RECHECK_SECS {
                self.recheck_allowlist(&grant, &dek, now).await?;
            }
            let pair = self.tokens.mint_pair(&grant, &dek, scopes, true);
            self.tokens.store(&pair).await?;
            let sealed = serde_json::to_vec(&pair.response).map_err(|_| OAuthError::server_error())?;
            let rotated = RefreshTokenRecord {
                rotated: Some(Rotation {
                    at: now,
                    at_ms: self.core.clock.now_ms(),
                    successor: vault::seal_successor(&self.core.keys, &token, &sealed),
                }),
                ..record.clone()
            };
            let ttl = Some(ttl_until(record.expires_at, now));
            if self.core.records.swap_for(&key, &raw, &rotated, ttl).await? {
                // The grant lives as long as its newest refresh token (unless it was revoked meanwhile).
                if !self.tokens.extend_grant(&grant.id).await? {
                    return Err(OAuthError::invalid_grant(INVALID));
                }
                return Ok(pair.response);
            }
            // Lost the race: withdraw our pair and answer like the winner did.
            self.core.records.delete::<crate::store::records::AccessTokenRecord>(&pair.access_hash).await?;
            if let Some((hash, _)) = &pair.refresh {
                self.core.records.delete::<crate::store::records::RefreshTokenRecord>(hash).await?;
            }
        }
        Err(OAuthError::invalid_grant(INVALID))
    }

    /// Asks GitHub again whether the user is still allowed. A definite "no" (or a dead GitHub token)
    /// revokes the grant; when GitHub cannot answer, the refresh proceeds and the check is retried next time.
    async fn recheck_allowlist(&self, grant: &Grant, dek: &Dek, now: u64) -> Result<(), OAuthError> {
        let upstream = match self.bearer.usable_upstream(grant, dek).await {
            Ok(u) => u,
            Err(BearerError::Store(e)) => return Err(e.into()),
            Err(BearerError::UpstreamUnavailable) => return Ok(()),
            Err(BearerError::Invalid | BearerError::UpstreamRevoked) => return Err(OAuthError::invalid_grant(INVALID)),
        };
        let identity = match self.github.current_user(&upstream.access_token).await {
            Ok(u) if u.id == grant.user.id => u,
            Ok(_) | Err(GithubError::BadCredentials) => {
                revoke_grant(&self.core.records, &grant.id, "GitHub no longer accepts the grant's token").await?;
                return Err(OAuthError::invalid_grant(INVALID));
            }
            Err(e) => {
                tracing::warn!(error = %e, "allowlist re-check skipped: GitHub unavailable");
                return Ok(());
            }
        };
        match allowlist::permits(&self.config, &self.github, &identity, &upstream.access_token).await {
            Ok(true) => {
                // Record the decision without recreating a grant revoked meanwhile.
                if let Some((mut current, raw)) = self.core.records.get_raw::<Grant>(&grant.id).await? {
                    current.allowed_at = now;
                    current.user = identity;
                    self.core.records.swap(&grant.id, &raw, &current).await?;
                }
                Ok(())
            }
            Ok(false) => {
                revoke_grant(&self.core.records, &grant.id, "user is no longer on the allowlist").await?;
                Err(OAuthError::invalid_grant("this GitHub account is no longer allowed to use this server"))
            }
            Err(e) => {
                tracing::warn!(error = %e, "allowlist re-check skipped: GitHub unavailable");
                Ok(())
            }
        }
    }

    async fn replay(
        &self,
        record: &RefreshTokenRecord,
        rotation: &Rotation,
        token: &Secret,
    ) -> Result<TokenResponse, OAuthError> {
        let rotated_ms = if rotation.at_ms > 0 { rotation.at_ms } else { rotation.at.saturating_mul(1000) };
        let grace_ms = u64::try_from(self.config.refresh_grace.as_millis()).unwrap_or(u64::MAX);
        // Measured in milliseconds, so the window is exactly as long as configured; 0 is no window.
        let within_grace = grace_ms > 0 && self.core.clock.now_ms().saturating_sub(rotated_ms) <= grace_ms;
        let grant_alive = self.core.records.get::<Grant>(&record.grant_id).await?.is_some();
        if within_grace && grant_alive {
            let json = vault::open_successor(&self.core.keys, token, &rotation.successor)
                .map_err(|_| OAuthError::server_error())?;
            return serde_json::from_slice(&json).map_err(|_| OAuthError::server_error());
        }
        revoke_grant(&self.core.records, &record.grant_id, "rotated refresh token reused after the grace window")
            .await?;
        Err(OAuthError::invalid_grant(INVALID))
    }
}
