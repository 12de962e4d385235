//! Local tokens: minting an access/refresh pair for a grant, and the token response (RFC 6749 §5.1).

use serde::{Deserialize, Serialize};

use super::{OAuthError, scope, vault::Dek};
use crate::{
    crypto::{TokenKind, hash_token},
    state::AppState,
    store::{
        Namespace, StoreError,
        records::{AccessTokenRecord, Grant, RefreshTokenRecord},
    },
};

/// The successful token response. Also what a rotated refresh token's successor seals.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub scope: String,
}

/// A freshly minted pair and the records to store for it (not yet stored).
pub struct MintedPair {
    pub response: TokenResponse,
    pub access_hash: String,
    pub access: AccessTokenRecord,
    pub refresh_hash: String,
    pub refresh: RefreshTokenRecord,
}

pub fn mint_pair(state: &AppState, grant: &Grant, dek: &Dek, scopes: &[String]) -> MintedPair {
    let now = state.now();
    let cfg = &state.config;
    let at = TokenKind::AccessToken.mint();
    let rt = TokenKind::RefreshToken.mint();
    MintedPair {
        access_hash: hash_token(at.expose()),
        access: AccessTokenRecord {
            grant_id: grant.id.clone(),
            client_id: grant.client_id.clone(),
            scopes: scopes.to_vec(),
            resource: grant.resource.clone(),
            expires_at: now + cfg.access_token_ttl.as_secs(),
            wrapped_dek: dek.wrap_for(&state.keys, &at),
        },
        refresh_hash: hash_token(rt.expose()),
        refresh: RefreshTokenRecord {
            grant_id: grant.id.clone(),
            client_id: grant.client_id.clone(),
            scopes: scopes.to_vec(),
            resource: grant.resource.clone(),
            expires_at: now + cfg.refresh_token_ttl.as_secs(),
            wrapped_dek: dek.wrap_for(&state.keys, &rt),
            rotated: None,
        },
        response: TokenResponse {
            access_token: at.expose().to_owned(),
            token_type: "Bearer".into(),
            expires_in: cfg.access_token_ttl.as_secs(),
            refresh_token: rt.expose().to_owned(),
            scope: scope::join(scopes),
        },
    }
}

impl MintedPair {
    /// Stores both tokens with their TTLs.
    pub async fn store(&self, state: &AppState) -> Result<(), OAuthError> {
        let cfg = &state.config;
        let r = &state.records;
        r.put(Namespace::AccessToken, &self.access_hash, &self.access, Some(cfg.access_token_ttl)).await?;
        r.put(Namespace::RefreshToken, &self.refresh_hash, &self.refresh, Some(cfg.refresh_token_ttl)).await?;
        Ok(())
    }
}

/// Revokes a grant: every token hanging from it stops working at once (they all check the grant).
pub async fn revoke_grant(state: &AppState, grant_id: &str, why: &str) -> Result<(), StoreError> {
    if state.records.delete(Namespace::Grant, grant_id).await? {
        tracing::warn!(grant = %short(grant_id), reason = why, "grant revoked");
    }
    Ok(())
}

/// Extends a record's life to `ttl` without ever recreating it: one deleted (revoked) meanwhile
/// stays deleted, and a concurrent update is never overwritten with older data. `false` when the
/// record no longer exists.
pub async fn extend(state: &AppState, ns: Namespace, key: &str, ttl: std::time::Duration) -> Result<bool, StoreError> {
    let store = state.records.store();
    for _ in 0..3 {
        let Some(raw) = store.get(ns, key).await? else { return Ok(false) };
        if store.compare_and_swap(ns, key, &raw, raw.clone(), Some(ttl)).await? {
            return Ok(true);
        }
    }
    // Three concurrent updates in a row: the record exists and another writer just set its TTL.
    Ok(true)
}

/// A grant lives as long as its newest refresh token.
pub async fn extend_grant(state: &AppState, grant_id: &str, ttl: std::time::Duration) -> Result<bool, StoreError> {
    extend(state, Namespace::Grant, grant_id, ttl).await
}

/// A short prefix of an identifier for logs (never used for credentials themselves).
pub fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}
