//! Secret values (tokens, codes, verifiers): random generation, redacted `Debug`, hashing for storage
//! and constant-time comparison.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A secret string. `Debug` never prints it and there is no `Display`: reading it is explicit.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The kinds of credential this server mints; the prefix tells them apart (and helps secret scanners).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    AccessToken,
    RefreshToken,
    AuthorizationCode,
    ClientSecret,
}

impl TokenKind {
    pub fn prefix(self) -> &'static str {
        match self {
            TokenKind::AccessToken => "mgw_at_",
            TokenKind::RefreshToken => "mgw_rt_",
            TokenKind::AuthorizationCode => "mgw_ac_",
            TokenKind::ClientSecret => "mgw_cs_",
        }
    }

    /// A fresh credential: prefix + 256 random bits, base64url.
    pub fn mint(self) -> Secret {
        Secret(format!("{}{}", self.prefix(), random_b64(32)))
    }
}

/// `n` random bytes from the thread's CSPRNG, base64url without padding.
pub fn random_b64(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The storage key of a credential: SHA-256, base64url. Credentials are 256-bit random, so a plain
/// hash is not guessable; the store never holds the credential itself.
pub fn hash_token(token: &str) -> String {
    b64url(&Sha256::digest(token.as_bytes()))
}

/// Constant-time equality of two byte strings (length may leak, content does not).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_are_prefixed_random_and_redacted() {
        let a = TokenKind::AccessToken.mint();
        let b = TokenKind::AccessToken.mint();
        assert!(a.expose().starts_with("mgw_at_"));
        assert_eq!(a.expose().len(), 7 + 43);
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), "Secret([redacted])");
        assert_ne!(hash_token(a.expose()), hash_token(b.expose()));
        assert!(ct_eq(b"abc", b"abc") && !ct_eq(b"abc", b"abd") && !ct_eq(b"abc", b"ab"));
    }
}
