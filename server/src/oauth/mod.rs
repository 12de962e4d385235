//! OAuth 2.1 protocol rules, free of HTTP framework types: client registration and authentication,
//! clients identified by metadata document URLs (`cimd`), redirect URI rules, PKCE, scopes, the
//! authorization request, the GitHub login leg, the grants, token minting, bearer validation,
//! revocation, and the vault that keeps GitHub tokens encrypted.

pub mod allowlist;
pub mod authorize;
pub mod bearer;
pub mod cimd;
pub mod client;
mod error;
pub mod grants;
pub mod login;
pub mod pkce;
pub mod redirect;
pub mod revoke;
pub mod scope;
pub mod tokens;
pub mod vault;

pub use error::{ErrorCode, OAuthError};

use std::sync::Arc;

use crate::{clock::Clock, crypto::Keys, store::Records};

/// What the services that write grants and codes share: the records, the keys that seal and wrap,
/// and the clock.
#[derive(Clone)]
pub struct Core {
    pub records: Records,
    pub keys: Arc<Keys>,
    pub clock: Arc<dyn Clock>,
}
