//! Bearer token validation for the protected resource (RFC 6750): from an access token to the
//! [`Principal`] a tool acts for, including the decrypted (and, for expiring GitHub App tokens,
//! transparently refreshed) GitHub token; and the refresh after GitHub answers 401 for it.

use super::{
    scope::Scopes,
    tokens::{revoke_grant, short},
    vault::Dek,
};
use std::sync::Arc;

use crate::{
    clock::Clock,
    crypto::{Keys, Secret, TokenKind, hash_token},
    single_flight::SingleFlight,
    store::{
        Records, StoreError,
        records::{AccessTokenRecord, GithubIdentity, Grant, UpstreamToken},
    },
    upstream::{GithubOAuth, UpstreamError},
};

/// Refresh a GitHub token this long before it expires.
const UPSTREAM_REFRESH_MARGIN_SECS: u64 = 120;

/// Who a request acts for. Put into the request extensions for tools; `Debug` hides the token.
#[derive(Clone, Debug)]
pub struct Principal {
    pub grant_id: String,
    pub client_id: String,
    pub user: GithubIdentity,
    pub scopes: Scopes,
    pub github_token: Secret,
    /// The grant's data key (from the access token), to reseal a refreshed GitHub token.
    pub dek: Dek,
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

/// How long a verified token stays in [`Verified`] after its records were read.
const VERIFIED_SECS: u64 = 60;
/// Access tokens [`Verified`] holds at most.
const VERIFIED_ENTRIES: usize = 10_000;

/// The principals of the access tokens verified a moment ago, by the token's hash, each with the
/// [bearer epoch](crate::store::Records::bearer_epoch) read before its records. A request reads the
/// epoch first; a hit is used only while the epoch is still that one, so a revoked, rotated or
/// resealed grant or token anywhere (any instance, the admin commands) is refused from the next
/// request on, on every instance sharing the storage, while an unchanged one costs that one read
/// instead of two records, their JSON, the key derivation and two AEAD opens. A hit is also used
/// only while the token is unexpired, its GitHub token is not due for refresh, and for a minute at
/// most. Off (`None`) when access tokens may outlive their grant (`ACCESS_TOKEN_TTL_SECS` within a
/// minute of `REFRESH_TOKEN_TTL_SECS`), whose expiry only its record's read would show.
pub struct Verified {
    cache: quick_cache::sync::Cache<String, Arc<Hit>>,
}

struct Hit {
    epoch: Option<Vec<u8>>,
    principal: Principal,
    /// The access token's expiry.
    expires_at: u64,
    /// When the GitHub token expires, if it does.
    upstream_expires_at: Option<u64>,
    at: u64,
}

impl Default for Verified {
    fn default() -> Self {
        Self { cache: quick_cache::sync::Cache::new(VERIFIED_ENTRIES) }
    }
}

impl Verified {
    fn get(&self, key: &str, epoch: &Option<Vec<u8>>, now: u64) -> Option<Principal> {
        let hit = self.cache.get(key)?;
        let fresh = now < hit.at + VERIFIED_SECS && now < hit.expires_at;
        (hit.epoch == *epoch && fresh && !due_for_refresh(hit.upstream_expires_at, now)).then(|| hit.principal.clone())
    }

    fn put(
        &self,
        key: String,
        epoch: Option<Vec<u8>>,
        principal: &Principal,
        expires_at: u64,
        upstream: &UpstreamToken,
        now: u64,
    ) {
        let hit =
            Hit { epoch, principal: principal.clone(), expires_at, upstream_expires_at: upstream.expires_at, at: now };
        self.cache.insert(key, Arc::new(hit));
    }
}

/// Bearer tokens as a service: what checking an access token and keeping its GitHub token usable
/// need (the records, the keys, the clock, this resource's URL, GitHub's OAuth endpoints, one
/// refresh at a time per grant, the tokens unsealed a moment ago), and nothing else.
pub struct Bearer {
    records: Records,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
    /// This server's MCP URL: the only `resource` its tokens are for (RFC 8707).
    resource: String,
    upstream: Arc<GithubOAuth>,
    locks: SingleFlight,
    verified: Option<Verified>,
}

impl Bearer {
    pub fn new(
        records: Records,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
        resource: String,
        upstream: Arc<GithubOAuth>,
    ) -> Self {
        let grant_outlives_tokens = records.ttl::<AccessTokenRecord>() + std::time::Duration::from_secs(VERIFIED_SECS)
            <= records.ttl::<Grant>();
        let verified = grant_outlives_tokens.then(Verified::default);
        Self { records, keys, clock, resource, upstream, locks: SingleFlight::default(), verified }
    }

    pub async fn authenticate(&self, token: &str) -> Result<Principal, BearerError> {
        // A refresh token or code never has this prefix, and lives in another namespace anyway.
        if !token.starts_with(TokenKind::AccessToken.prefix()) {
            return Err(BearerError::Invalid);
        }
        let token = Secret::new(token);
        let key = hash_token(token.expose());
        // Read before the records: a change after this read moves it, so a principal put away under
        // it is never used again.
        let verified = match &self.verified {
            Some(verified) => {
                let epoch = self.records.bearer_epoch().await?;
                if let Some(principal) = verified.get(&key, &epoch, self.clock.now()) {
                    return Ok(principal);
                }
                Some((verified, epoch))
            }
            None => None,
        };
        let Some(record) = self.records.get::<AccessTokenRecord>(&key).await? else {
            return Err(BearerError::Invalid);
        };
        let now = self.clock.now();
        if record.expires_at <= now || record.resource != self.resource {
            return Err(BearerError::Invalid);
        }
        let Some(grant) = self.records.get::<Grant>(&record.grant_id).await? else {
            return Err(BearerError::Invalid);
        };
        let dek = Dek::unwrap_with(&self.keys, &token, &record.wrapped_dek).map_err(|_| BearerError::Invalid)?;
        let upstream = self.usable_upstream(&grant, &dek).await?;
        let principal = Principal {
            grant_id: grant.id,
            client_id: record.client_id,
            user: grant.user,
            scopes: record.scopes,
            github_token: upstream.access_token.clone(),
            dek,
        };
        if let Some((verified, epoch)) = verified {
            // A refresh just now moved the epoch: the next request reads the records once more.
            verified.put(key, epoch, &principal, record.expires_at, &upstream, now);
        }
        Ok(principal)
    }

    /// The grant's GitHub token, refreshed first when it is about to expire.
    pub async fn usable_upstream(&self, grant: &Grant, dek: &Dek) -> Result<UpstreamToken, BearerError> {
        let upstream = dek.open_upstream(&grant.sealed_upstream).map_err(|_| BearerError::Invalid)?;
        if due_for_refresh(upstream.expires_at, self.clock.now()) {
            self.refresh_upstream(&grant.id, dek, None).await
        } else {
            Ok(upstream)
        }
    }

    /// Refreshes the grant's GitHub token once even when many requests need it at the same moment:
    /// when it is about to expire, or when it is still `rejected`.
    async fn refresh_upstream(
        &self,
        grant_id: &str,
        dek: &Dek,
        rejected: Option<&Secret>,
    ) -> Result<UpstreamToken, BearerError> {
        let slot = self.locks.join(grant_id);
        let _turn = slot.lock().await;
        self.refresh_locked(grant_id, dek, rejected).await
    }

    /// GitHub answered 401 for `rejected`, the principal's GitHub token, although the clock says it is
    /// still valid (clock skew, a token GitHub expired or rotated early). Refreshes it once for all the
    /// requests that hit the same 401 (those waiting find the new token already saved), and revokes the
    /// grant only when it cannot be refreshed: no refresh token (an OAuth App token), or GitHub refuses.
    pub async fn refresh_rejected(
        &self,
        principal: &Principal,
        rejected: &Secret,
    ) -> Result<UpstreamToken, BearerError> {
        self.refresh_upstream(&principal.grant_id, &principal.dek, Some(rejected)).await
    }

    /// [`refresh_upstream`]'s work, under the grant's lock.
    async fn refresh_locked(
        &self,
        grant_id: &str,
        dek: &Dek,
        rejected: Option<&Secret>,
    ) -> Result<UpstreamToken, BearerError> {
        // Another request (or instance) may have refreshed while we waited.
        let Some((grant, raw)) = self.records.get_raw::<Grant>(grant_id).await? else {
            return Err(BearerError::Invalid);
        };
        let current = dek.open_upstream(&grant.sealed_upstream).map_err(|_| BearerError::Invalid)?;
        let now = self.clock.now();
        let still_rejected = rejected
            .is_some_and(|r| crate::crypto::ct_eq(r.expose().as_bytes(), current.access_token.expose().as_bytes()));
        if !still_rejected && !due_for_refresh(current.expires_at, now) {
            return Ok(current);
        }
        let Some(refresh) = &current.refresh_token else {
            let why = if still_rejected {
                "GitHub answered 401 for the stored token, which cannot be refreshed"
            } else {
                "GitHub token expired and cannot be refreshed"
            };
            revoke_grant(&self.records, grant_id, why).await?;
            return Err(BearerError::UpstreamRevoked);
        };
        // One refresh across instances too: the first to create the lease refreshes; the others wait
        // for the grant it saves. A lease whose holder died runs out, and then the waiter refreshes.
        let lease = crate::store::records::RefreshLease { since: now };
        let leased = self.records.put_new(grant_id, &lease).await?;
        if !leased
            && let Some(token) =
                self.changed_within(grant_id, dek, &raw, crate::store::records::REFRESH_LEASE_TTL).await?
        {
            return Ok(token);
        }
        let result = self.refresh_and_save(grant_id, dek, grant, &raw, refresh, now).await;
        if leased && let Err(e) = self.records.delete::<crate::store::records::RefreshLease>(grant_id).await {
            tracing::warn!(error = %e, "could not release a refresh lease; it runs out by itself");
        }
        result
    }

    async fn refresh_and_save(
        &self,
        grant_id: &str,
        dek: &Dek,
        mut grant: Grant,
        raw: &[u8],
        refresh: &Secret,
        now: u64,
    ) -> Result<UpstreamToken, BearerError> {
        match self.upstream.refresh(refresh, now).await {
            Ok(fresh) => {
                grant.sealed_upstream = dek.seal_upstream(&fresh);
                // Compare-and-swap, never put: if the grant was revoked while GitHub answered, it stays
                // revoked (a put would bring it and every token hanging from it back).
                if !self.records.swap(grant_id, raw, &grant).await? {
                    tracing::warn!(grant = %short(grant_id), "grant changed during the GitHub refresh; not saving it");
                    return match self.records.get::<Grant>(grant_id).await? {
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
                if let Some(token) = self.changed_within(grant_id, dek, raw, std::time::Duration::from_secs(1)).await? {
                    return Ok(token);
                }
                tracing::warn!(grant = %short(grant_id), %reason, "GitHub refused the refresh");
                revoke_grant(&self.records, grant_id, "GitHub refused to refresh its token").await?;
                Err(BearerError::UpstreamRevoked)
            }
            Err(UpstreamError::Unavailable(e)) => {
                tracing::warn!(grant = %short(grant_id), error = %e, "GitHub token refresh failed");
                Err(BearerError::UpstreamUnavailable)
            }
        }
    }

    /// The grant's GitHub token once the grant differs from `raw` (another instance saved a refresh),
    /// polling for up to `wait`; `None` if it did not change.
    async fn changed_within(
        &self,
        grant_id: &str,
        dek: &Dek,
        raw: &[u8],
        wait: std::time::Duration,
    ) -> Result<Option<UpstreamToken>, BearerError> {
        const POLL: std::time::Duration = std::time::Duration::from_millis(100);
        for _ in 0..wait.as_millis().div_ceil(POLL.as_millis()) {
            match self.records.get_raw::<Grant>(grant_id).await? {
                None => return Err(BearerError::Invalid),
                Some((latest, latest_raw)) if latest_raw != raw => {
                    return dek.open_upstream(&latest.sealed_upstream).map(Some).map_err(|_| BearerError::Invalid);
                }
                Some(_) => tokio::time::sleep(POLL).await,
            }
        }
        Ok(None)
    }
}

/// Whether a GitHub token expiring at `expires_at` (if ever) is refreshed before use at `now`.
fn due_for_refresh(expires_at: Option<u64>, now: u64) -> bool {
    expires_at.is_some_and(|e| e <= now + UPSTREAM_REFRESH_MARGIN_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn principal() -> Principal {
        Principal {
            grant_id: "g".into(),
            client_id: "c".into(),
            user: GithubIdentity { id: 1, login: "octocat".into(), name: None },
            scopes: Scopes::NONE,
            github_token: Secret::new("gho_x"),
            dek: Dek::generate(),
        }
    }

    #[test]
    fn a_verified_token_is_reused_only_under_the_same_epoch_and_while_its_times_hold() {
        let verified = Verified::default();
        let upstream = UpstreamToken { access_token: Secret::new("gho_x"), refresh_token: None, expires_at: None };
        let epoch = Some(b"e1".to_vec());
        verified.put("k".into(), epoch.clone(), &principal(), 1_000, &upstream, 100);
        assert_eq!(verified.get("k", &epoch, 100).map(|p| p.user.login), Some("octocat".into()));
        assert!(verified.get("other", &epoch, 100).is_none());
        assert!(verified.get("k", &Some(b"e2".to_vec()), 100).is_none(), "a grant or token changed since");
        assert!(verified.get("k", &None, 100).is_none());
        assert!(verified.get("k", &epoch, 100 + VERIFIED_SECS).is_none(), "kept a minute at most");
        verified.put("k".into(), epoch.clone(), &principal(), 130, &upstream, 100);
        assert!(verified.get("k", &epoch, 129).is_some());
        assert!(verified.get("k", &epoch, 130).is_none(), "the access token expired");
        let expiring = UpstreamToken { expires_at: Some(200 + UPSTREAM_REFRESH_MARGIN_SECS), ..upstream.clone() };
        verified.put("k".into(), epoch.clone(), &principal(), 1_000, &expiring, 190);
        assert!(verified.get("k", &epoch, 199).is_some());
        assert!(verified.get("k", &epoch, 200).is_none(), "due for refresh: the slow path refreshes it");
        // Never an epoch read after the records: `None` (no change yet) is an epoch like any other.
        verified.put("n".into(), None, &principal(), 1_000, &upstream, 100);
        assert!(verified.get("n", &None, 100).is_some());
        assert!(verified.get("n", &epoch, 100).is_none());
    }

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
