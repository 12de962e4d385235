//! AEAD sealing (XChaCha20-Poly1305) under keys derived with HKDF from a secret and a purpose.

use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("sealed data is malformed or was sealed under another key")]
    Open,
}

fn derive_key(salt: &[u8], ikm: &[u8], purpose: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(purpose.as_bytes(), &mut key);
    key
}

/// Seals `plaintext` under a key derived from (`salt`, `ikm`, `purpose`); `purpose` is also the AAD.
/// Output: 24-byte nonce ‖ ciphertext ‖ tag.
pub fn seal_with(salt: &[u8], ikm: &[u8], purpose: &str, plaintext: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(&derive_key(salt, ikm, purpose).into());
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let payload = Payload { msg: plaintext, aad: purpose.as_bytes() };
    // Encryption with a 32-byte key and 24-byte nonce cannot fail for in-memory sizes.
    let ct = cipher.encrypt(XNonce::from_slice(&nonce), payload).unwrap_or_default();
    let mut out = nonce.to_vec();
    out.extend(ct);
    out
}

pub fn open_with(salt: &[u8], ikm: &[u8], purpose: &str, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    if sealed.len() < 24 + 16 {
        return Err(SealError::Open);
    }
    let (nonce, ct) = sealed.split_at(24);
    let cipher = XChaCha20Poly1305::new(&derive_key(salt, ikm, purpose).into());
    cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: purpose.as_bytes() }).map_err(|_| SealError::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let sealed = seal_with(b"salt", b"token", "dek", b"hello");
        assert_eq!(open_with(b"salt", b"token", "dek", &sealed).unwrap(), b"hello");
        assert!(open_with(b"salt", b"other", "dek", &sealed).is_err());
        assert!(open_with(b"salt", b"token", "other-purpose", &sealed).is_err());
        assert!(open_with(b"pepper", b"token", "dek", &sealed).is_err());
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(open_with(b"salt", b"token", "dek", &bad).is_err());
        assert!(open_with(b"salt", b"token", "dek", &sealed[..10]).is_err());
    }
}
