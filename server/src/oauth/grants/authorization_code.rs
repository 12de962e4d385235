//! `grant_type=authorization_code` (RFC 6749 §4.1.3, PKCE RFC 7636 §4.6, resource RFC 8707).
//!
//! Every check runs before the code is consumed, so a wrong verifier cannot burn a victim's code; the
//! code is then consumed with a compare-and-swap that records the grant it created, so a second
//! presentation is recognized as a replay and revokes that grant (RFC 6749 §10.5).

use super::super::{
    OAuthError, pkce,
    tokens::{TokenResponse, may_refresh, revoke_grant},
    vault::Dek,
};
use crate::{
    crypto::{Secret, hash_token, random_b64},
    store::records::{ClientRecord, CodeRecord, Grant},
};

pub struct CodeRequest<'a> {
    pub code: Option<&'a str>,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
    pub resource: Option<&'a str>,
}

const INVALID: &str = "the authorization code is invalid, expired or already used";

impl super::Grants {
    pub async fn exchange_code(
        &self,
        client: &ClientRecord,
        req: CodeRequest<'_>,
    ) -> Result<TokenResponse, OAuthError> {
        let code = req.code.ok_or_else(|| OAuthError::invalid_request("`code` is required"))?;
        let verifier =
            req.code_verifier.ok_or_else(|| OAuthError::invalid_request("`code_verifier` is required (PKCE)"))?;
        let key = hash_token(code);
        let Some((record, raw)) = self.core.records.get_raw::<CodeRecord>(&key).await? else {
            return Err(OAuthError::invalid_grant(INVALID));
        };
        if let Some(grant_id) = &record.used_by {
            revoke_grant(&self.core.records, grant_id, "authorization code replayed").await?;
            return Err(OAuthError::invalid_grant(INVALID));
        }
        let now = self.core.clock.now();
        if record.expires_at <= now {
            return Err(OAuthError::invalid_grant(INVALID));
        }
        let request = &record.request;
        if request.client_id != client.client_id {
            return Err(OAuthError::invalid_grant("the authorization code was issued to another client"));
        }
        match req.redirect_uri {
            None if request.redirect_uri_explicit => {
                return Err(OAuthError::invalid_request("`redirect_uri` is required"));
            }
            Some(uri) if uri != request.redirect_uri => {
                return Err(OAuthError::invalid_grant("`redirect_uri` differs from the authorization request"));
            }
            _ => {}
        }
        if let Some(resource) = req.resource
            && resource != request.resource
        {
            return Err(OAuthError::invalid_target("`resource` differs from the authorization request"));
        }
        if !pkce::verify(verifier, &request.code_challenge) {
            return Err(OAuthError::invalid_grant("PKCE verification failed"));
        }

        let dek = Dek::unwrap_with(&self.core.keys, &Secret::new(code), &record.wrapped_dek).map_err(|_| {
            tracing::error!("authorization code data key could not be unwrapped");
            OAuthError::server_error()
        })?;
        let grant = Grant {
            id: random_b64(16),
            client_id: client.client_id.clone(),
            user: record.user.clone(),
            scopes: request.scopes,
            resource: request.resource.clone(),
            sealed_upstream: record.sealed_upstream.clone(),
            created_at: now,
            allowed_at: now,
        };
        // The grant exists before the code names it, so a replay that sees `used_by` can always revoke it.
        self.core.records.put_new(&grant.id, &grant).await?;
        let used = CodeRecord { used_by: Some(grant.id.clone()), ..record.clone() };
        let ttl = Some(crate::store::records::ttl_until(record.expires_at, now));
        if !self.core.records.swap_for(&key, &raw, &used, ttl).await? {
            self.core.records.delete::<crate::store::records::Grant>(&grant.id).await?;
            // Someone redeemed it between our read and our write: treat this one as the replay.
            if let Some(current) = self.core.records.get::<CodeRecord>(&key).await?
                && let Some(winner) = current.used_by
            {
                revoke_grant(&self.core.records, &winner, "authorization code redeemed twice concurrently").await?;
            }
            return Err(OAuthError::invalid_grant(INVALID));
        }

        let pair = self.tokens.mint_pair(&grant, &dek, grant.scopes, may_refresh(client));
        self.tokens.store(&pair).await?;
        tracing::info!(client = %client.client_id, user = %grant.user.login, "tokens issued");
        Ok(pair.response)
    }
}
