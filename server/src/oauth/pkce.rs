//! PKCE (RFC 7636), S256 only: challenge syntax and constant-time verification.

use sha2::{Digest, Sha256};

use crate::crypto::{b64url, ct_eq};

fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// An S256 challenge is base64url(SHA-256) = 43 characters of the base64url alphabet.
pub fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43 && challenge.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A verifier is 43–128 unreserved characters (RFC 7636 §4.1).
pub fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len()) && verifier.chars().all(is_unreserved)
}

pub fn challenge_of(verifier: &str) -> String {
    b64url(&Sha256::digest(verifier.as_bytes()))
}

/// `true` when `verifier` is well-formed and hashes to `challenge`.
pub fn verify(verifier: &str, challenge: &str) -> bool {
    valid_verifier(verifier) && ct_eq(challenge_of(verifier).as_bytes(), challenge.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7636_appendix_b_vector() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(challenge_of(verifier), challenge);
        assert!(verify(verifier, challenge));
        assert!(valid_challenge(challenge));
    }

    #[test]
    fn rejects_wrong_short_or_plain_verifiers() {
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(!verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj", challenge));
        assert!(!verify("short", &challenge_of("short")));
        // `plain`: the verifier equal to the challenge must not pass.
        assert!(!verify(challenge, challenge));
        assert!(!valid_challenge("too-short"));
        assert!(!valid_challenge(&format!("{}=", "a".repeat(42))));
    }
}
