//! Encryption of the user's GitHub token at rest.
//!
//! Each grant has a random 256-bit data key (DEK). The GitHub token is sealed under the DEK, and the DEK
//! is stored only wrapped under keys derived (HKDF, salted with the server key) from the local
//! credentials that are currently valid: the authorization code, then each access and refresh token.
//! The store holds those credentials only as hashes, so a copy of the store — even with the server
//! key — cannot decrypt a GitHub token: only a request that presents a live local token can.

use rand::RngCore;

use crate::{
    crypto::{Keys, SealError, Secret, open_with, seal_with},
    store::records::UpstreamToken,
};

const WRAP: &str = "mgw/v1/dek-wrap";
const UPSTREAM: &str = "mgw/v1/upstream-token";
const SUCCESSOR: &str = "mgw/v1/refresh-successor";

/// A grant's data key. Never stored in the clear; `Debug` is redacted.
#[derive(Clone)]
pub struct Dek([u8; 32]);

impl std::fmt::Debug for Dek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dek([redacted])")
    }
}

impl Dek {
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::rng().fill_bytes(&mut k);
        Self(k)
    }

    /// The DEK sealed under a key only the holder of `credential` can derive.
    pub fn wrap_for(&self, keys: &Keys, credential: &Secret) -> Vec<u8> {
        seal_with(&keys.seal_salt, credential.expose().as_bytes(), WRAP, &self.0)
    }

    pub fn unwrap_with(keys: &Keys, credential: &Secret, wrapped: &[u8]) -> Result<Self, SealError> {
        let bytes = open_with(&keys.seal_salt, credential.expose().as_bytes(), WRAP, wrapped)?;
        <[u8; 32]>::try_from(bytes.as_slice()).map(Self).map_err(|_| SealError::Open)
    }

    pub fn seal_upstream(&self, token: &UpstreamToken) -> Vec<u8> {
        let json = serde_json::to_vec(token).unwrap_or_default();
        seal_with(&[], &self.0, UPSTREAM, &json)
    }

    pub fn open_upstream(&self, sealed: &[u8]) -> Result<UpstreamToken, SealError> {
        let json = open_with(&[], &self.0, UPSTREAM, sealed)?;
        serde_json::from_slice(&json).map_err(|_| SealError::Open)
    }
}

/// Seals a refresh response for whoever presents the rotated refresh token within the grace window.
pub fn seal_successor(keys: &Keys, old_refresh: &Secret, response: &[u8]) -> Vec<u8> {
    seal_with(&keys.seal_salt, old_refresh.expose().as_bytes(), SUCCESSOR, response)
}

pub fn open_successor(keys: &Keys, old_refresh: &Secret, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    open_with(&keys.seal_salt, old_refresh.expose().as_bytes(), SUCCESSOR, sealed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::TokenKind;

    #[test]
    fn only_the_credential_holder_can_open_the_upstream_token() {
        let keys = Keys::random();
        let dek = Dek::generate();
        let token = UpstreamToken { access_token: Secret::new("gho_secret"), refresh_token: None, expires_at: None };
        let sealed = dek.seal_upstream(&token);
        assert!(!String::from_utf8_lossy(&sealed).contains("gho_secret"));
        let at = TokenKind::AccessToken.mint();
        let wrapped = dek.wrap_for(&keys, &at);
        let opened = Dek::unwrap_with(&keys, &at, &wrapped).unwrap().open_upstream(&sealed).unwrap();
        assert_eq!(opened.access_token.expose(), "gho_secret");
        assert!(Dek::unwrap_with(&keys, &TokenKind::AccessToken.mint(), &wrapped).is_err());
        assert!(Dek::unwrap_with(&Keys::random(), &at, &wrapped).is_err(), "server key is part of the wrap");
        assert!(Dek::generate().open_upstream(&sealed).is_err());
    }
}
