//! The server's keys, derived with HKDF from `SECRET_KEY` (or from random bytes when it is unset).
//!
//! Each purpose gets its own key so a signature for one thing is never valid for another.

use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

#[derive(Clone)]
pub struct Keys {
    /// HMAC key for cookies, consent tickets and CSRF tokens.
    pub signing: [u8; 32],
    /// Salt mixed into every key derived from a client credential (see `oauth::vault`).
    pub seal_salt: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys([redacted])")
    }
}

impl Keys {
    pub fn derive(master: &[u8]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(b"mcp-github-gateway keys v1"), master);
        let mut signing = [0u8; 32];
        let mut seal_salt = [0u8; 32];
        // 32-byte outputs are far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
        let _ = hk.expand(b"signing", &mut signing);
        let _ = hk.expand(b"seal-salt", &mut seal_salt);
        Self { signing, seal_salt }
    }

    pub fn random() -> Self {
        let mut master = [0u8; 32];
        rand::rng().fill_bytes(&mut master);
        Self::derive(&master)
    }
}
