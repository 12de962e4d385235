//! Keys and cryptography: secret newtypes, hashing, constant-time checks, AEAD sealing and signing.
//!
//! Nothing here knows about HTTP or OAuth; the protocol layer composes these pieces.

mod keys;
mod seal;
mod secret;
mod sign;

pub use keys::Keys;
pub use seal::{SealError, open_with, seal_with};
pub use secret::{Secret, TokenKind, b64url, ct_eq, hash_token, random_b64};
pub use sign::Signer;
