//! Local tokens: the [`Tokens`] service (minting an access/refresh pair for a grant, storing it,
//! renewing the grant), revoking a grant, and the token response (RFC 6749 §5.1).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{OAuthError, scope::Scopes, vault::Dek};
use crate::{
    clock::Clock,
    crypto::{Keys, Secret, TokenKind, hash_token},
    store::{
        Records, StoreError,
        records::{AccessTokenRecord, Grant, RefreshTokenRecord},
    },
};

/// The successful token response. Also what a rotated refresh token's successor seals. The tokens
/// are [`Secret`]s: on the wire they are plain strings, in `Debug` they are redacted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: Secret,
    pub token_type: String,
    pub expires_in: u64,
    /// Only for a client that registered the `refresh_token` grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    pub scope: String,
}

/// A freshly minted pair and the records to store for it (not yet stored).
pub struct MintedPair {
    pub response: TokenResponse,
    pub access_hash: String,
    pub access: AccessTokenRecord,
    /// `None` for a client that did not register the `refresh_token` grant.
    pub refresh: Option<(String, RefreshTokenRecord)>,
}

/// Whether `client` registered the `refresh_token` grant: only then is it issued refresh tokens
/// and may it use them (RFC 7591 §2 `grant_types`).
pub fn may_refresh(client: &crate::store::records::ClientRecord) -> bool {
    client.grant_types.iter().any(|g| g == "refresh_token")
}

/// Local tokens as a service: what minting, storing and revoking them needs (the records, which know
/// each token's lifetime, the keys that wrap a grant's data key for each token, and the clock), and
/// nothing else.
#[derive(Clone)]
pub struct Tokens {
    records: Records,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
}

impl Tokens {
    pub fn new(records: Records, keys: Arc<Keys>, clock: Arc<dyn Clock>) -> Self {
        Self { records, keys, clock }
    }

    /// An access token for `grant`, and a refresh token with it when `with_refresh`.
    pub fn mint_pair(&self, grant: &Grant, dek: &Dek, scopes: Scopes, with_refresh: bool) -> MintedPair {
        let now = self.clock.now();
        let access_ttl = self.records.ttl::<AccessTokenRecord>();
        let refresh_ttl = self.records.ttl::<RefreshTokenRecord>();
        let at = TokenKind::AccessToken.mint();
        let rt = with_refresh.then(|| TokenKind::RefreshToken.mint());
        MintedPair {
            access_hash: hash_token(at.expose()),
            access: AccessTokenRecord {
                grant_id: grant.id.clone(),
                client_id: grant.client_id.clone(),
                scopes,
                resource: grant.resource.clone(),
                expires_at: now + access_ttl.as_secs(),
                wrapped_dek: dek.wrap_for(&self.keys, &at),
            },
            refresh: rt.as_ref().map(|rt| {
                let record = RefreshTokenRecord {
                    grant_id: grant.id.clone(),
                    client_id: grant.client_id.clone(),
                    scopes,
                    resource: grant.resource.clone(),
                    expires_at: now + refresh_ttl.as_secs(),
                    wrapped_dek: dek.wrap_for(&self.keys, rt),
                    rotated: None,
                };
                (hash_token(rt.expose()), record)
            }),
            response: TokenResponse {
                access_token: at.clone(),
                token_type: "Bearer".into(),
                expires_in: access_ttl.as_secs(),
                refresh_token: rt.clone(),
                scope: scopes.to_string(),
            },
        }
    }

    /// Stores both tokens of `pair`, each for its lifetime. The access token is created, never
    /// overwritten (`put_new`): a new token is no change to any verified one (`Records::bearer_epoch`).
    pub async fn store(&self, pair: &MintedPair) -> Result<(), OAuthError> {
        if !self.records.put_new(&pair.access_hash, &pair.access).await? {
            // 256 random bits met a live token: not a case to answer with a token.
            tracing::error!("a freshly minted access token already exists");
            return Err(OAuthError::server_error());
        }
        if let Some((hash, record)) = &pair.refresh {
            self.records.put(hash, record).await?;
        }
        Ok(())
    }

    /// A grant lives as long as its newest refresh token: renewed when one is issued. `false` when
    /// the grant was revoked meanwhile.
    pub async fn extend_grant(&self, grant_id: &str) -> Result<bool, StoreError> {
        self.records.extend::<Grant>(grant_id).await
    }
}

/// Revokes a grant: every token hanging from it stops working at once (they all check the grant).
pub async fn revoke_grant(records: &Records, grant_id: &str, why: &str) -> Result<(), StoreError> {
    if records.delete::<Grant>(grant_id).await? {
        tracing::warn!(grant = %short(grant_id), reason = why, "grant revoked");
    }
    Ok(())
}

/// A short prefix of an identifier for logs (never used for credentials themselves).
pub fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_response_shows_its_tokens_on_the_wire_and_never_in_debug() {
        let response = TokenResponse {
            access_token: Secret::new("mgw_at_visible-only-on-the-wire"),
            token_type: "Bearer".into(),
            expires_in: 3600,
            refresh_token: Some(Secret::new("mgw_rt_visible-only-on-the-wire")),
            scope: "github:read".into(),
        };
        let debug = format!("{response:?}");
        assert!(!debug.contains("visible-only"), "{debug}");
        let wire = serde_json::to_value(&response).unwrap_or_default();
        assert_eq!(wire["access_token"], "mgw_at_visible-only-on-the-wire");
        assert_eq!(wire["refresh_token"], "mgw_rt_visible-only-on-the-wire");
        let back: TokenResponse = serde_json::from_value(wire).unwrap_or_else(|_| response.clone());
        assert_eq!(back.access_token.expose(), "mgw_at_visible-only-on-the-wire");
    }
}
