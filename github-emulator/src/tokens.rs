//! Authorization codes, access tokens and refresh tokens: minting them in
//! GitHub's formats, checking them, rotating, revoking and expiring them,
//! and verifying PKCE.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use rand::distr::Alphanumeric;
use sha2::{Digest as _, Sha256};

/// How long an authorization code stays redeemable.
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(600);
/// GitHub's refresh token lifetime (about six months), in seconds.
pub(crate) const REFRESH_LIFETIME_SECS: u64 = 15_897_600;

/// A code handed out by the authorize endpoint, waiting for exchange.
#[derive(Debug, Clone)]
pub(crate) struct PendingCode {
    pub client_id: String,
    pub redirect_uri: Option<String>,
    pub scope: String,
    /// `(challenge, method)` when PKCE was requested.
    pub challenge: Option<(String, String)>,
    pub login: String,
    pub expires: Instant,
}

#[derive(Debug, Clone)]
struct AccessToken {
    login: String,
    scope: String,
    expires: Option<Instant>,
    revoked: bool,
}

#[derive(Debug, Clone)]
struct RefreshToken {
    login: String,
    scope: String,
    client_id: String,
    expires: Instant,
}

/// A freshly minted token set, as the token endpoint reports it.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub access_token: String,
    pub scope: String,
    pub expires_in: Option<u64>,
    pub refresh_token: Option<String>,
}

/// What a presented access token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    /// Never issued by this emulator.
    Unknown,
    /// Issued, but revoked or expired.
    Dead,
    /// Usable: the owner's login and the granted scope.
    Valid { login: String, scope: String },
}

/// Token mode and lifetime, copied from the configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenPolicy {
    pub expiring: bool,
    pub lifetime: Duration,
}

/// Every code and token the emulator has handed out.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    codes: HashMap<String, PendingCode>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, RefreshToken>,
    issued: Vec<String>,
}

impl TokenStore {
    /// Stores a new authorization code and returns it (20 hex characters).
    pub fn add_code(&mut self, code: PendingCode) -> String {
        let value = random_hex(20);
        self.codes.insert(value.clone(), code);
        value
    }

    /// Removes and returns a code if it exists and has not expired: a code
    /// is consumed by the first exchange that presents it.
    pub fn take_code(&mut self, code: &str) -> Option<PendingCode> {
        let pending = self.codes.remove(code)?;
        (pending.expires > Instant::now()).then_some(pending)
    }

    /// Mints an access token (and a refresh token in expiring mode).
    pub fn issue(&mut self, policy: TokenPolicy, login: &str, scope: &str, client_id: &str) -> Issued {
        let now = Instant::now();
        let (prefix, expires) = if policy.expiring { ("ghu_", Some(now + policy.lifetime)) } else { ("gho_", None) };
        let access_token = format!("{prefix}{}", random_alnum(36));
        self.access.insert(
            access_token.clone(),
            AccessToken { login: login.to_owned(), scope: scope.to_owned(), expires, revoked: false },
        );
        self.issued.push(access_token.clone());
        let refresh_token = policy.expiring.then(|| {
            let value = format!("ghr_{}", random_alnum(76));
            self.refresh.insert(
                value.clone(),
                RefreshToken {
                    login: login.to_owned(),
                    scope: scope.to_owned(),
                    client_id: client_id.to_owned(),
                    expires: now + Duration::from_secs(REFRESH_LIFETIME_SECS),
                },
            );
            value
        });
        Issued {
            access_token,
            scope: scope.to_owned(),
            expires_in: policy.expiring.then_some(policy.lifetime.as_secs()),
            refresh_token,
        }
    }

    /// Redeems a refresh token: the old one is invalidated and a new token
    /// pair is minted. `None` for unknown, expired or foreign-client tokens.
    pub fn refresh(&mut self, policy: TokenPolicy, token: &str, client_id: &str) -> Option<Issued> {
        let old = self.refresh.get(token)?;
        if old.client_id != client_id {
            return None;
        }
        let old = self.refresh.remove(token)?;
        if old.expires <= Instant::now() {
            return None;
        }
        Some(self.issue(policy, &old.login, &old.scope, client_id))
    }

    /// Looks up a presented access token.
    pub fn check(&self, token: &str) -> TokenCheck {
        match self.access.get(token) {
            None => TokenCheck::Unknown,
            Some(t) if t.revoked || t.expires.is_some_and(|e| e <= Instant::now()) => TokenCheck::Dead,
            Some(t) => TokenCheck::Valid { login: t.login.clone(), scope: t.scope.clone() },
        }
    }

    /// Revokes every access and refresh token of a user (like the user
    /// revoking the app's authorization). Returns how many access tokens
    /// were live.
    pub fn revoke_user(&mut self, login: &str) -> usize {
        let mut count = 0;
        for token in self.access.values_mut() {
            if token.login.eq_ignore_ascii_case(login) && !token.revoked {
                token.revoked = true;
                count += 1;
            }
        }
        self.refresh.retain(|_, r| !r.login.eq_ignore_ascii_case(login));
        count
    }

    /// Makes every access token issued so far expired. Refresh tokens stay.
    pub fn expire_all(&mut self) {
        let now = Instant::now();
        for token in self.access.values_mut() {
            token.expires = Some(now);
        }
    }

    /// All access tokens ever issued, in order.
    pub fn issued(&self) -> Vec<String> {
        self.issued.clone()
    }
}

/// Checks a PKCE verifier against a challenge (`S256` or `plain`).
pub(crate) fn pkce_matches(challenge: &str, method: &str, verifier: &str) -> bool {
    if method.eq_ignore_ascii_case("S256") {
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
    } else {
        verifier == challenge
    }
}

/// `len` random ASCII letters and digits.
pub(crate) fn random_alnum(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// `len` random lowercase hex digits.
pub(crate) fn random_hex(len: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(HEX[rng.random_range(0..16)])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: TokenPolicy = TokenPolicy { expiring: true, lifetime: Duration::from_secs(60) };

    #[test]
    fn pkce_s256_matches_rfc7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(challenge, "S256", verifier));
        assert!(!pkce_matches(challenge, "S256", "wrong"));
        assert!(pkce_matches("abc", "plain", "abc"));
    }

    #[test]
    fn token_formats() {
        let mut store = TokenStore::default();
        let issued = store.issue(POLICY, "octocat", "repo", "c");
        assert!(issued.access_token.starts_with("ghu_"));
        assert_eq!(issued.access_token.len(), 40);
        assert!(issued.refresh_token.is_some_and(|r| r.starts_with("ghr_")));
        let plain = TokenPolicy { expiring: false, ..POLICY };
        let issued = store.issue(plain, "octocat", "repo", "c");
        assert!(issued.access_token.starts_with("gho_"));
        assert!(issued.refresh_token.is_none() && issued.expires_in.is_none());
        assert_eq!(random_hex(20).len(), 20);
    }

    #[test]
    fn refresh_rotates_and_revoke_kills() {
        let mut store = TokenStore::default();
        let first = store.issue(POLICY, "octocat", "", "c");
        let old = first.refresh_token.unwrap_or_default();
        assert!(store.refresh(POLICY, &old, "other").is_none());
        let second = store.refresh(POLICY, &old, "c");
        assert!(second.is_some());
        assert!(store.refresh(POLICY, &old, "c").is_none());
        assert_eq!(store.revoke_user("OCTOCAT"), 2);
        assert_eq!(store.check(&first.access_token), TokenCheck::Dead);
        assert_eq!(store.check("nope"), TokenCheck::Unknown);
    }
}
