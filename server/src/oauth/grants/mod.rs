//! The token endpoint's grant types, one file each, as the [`Grants`] service: what redeeming a code
//! and refreshing a token need (the records, the keys, the clock, the settings, GitHub's REST API for
//! the allowlist re-check, [`Tokens`] to mint and [`Bearer`] to keep a GitHub token usable).

pub mod authorization_code;
pub mod refresh_token;

use std::sync::Arc;

use super::{bearer::Bearer, tokens::Tokens};
use crate::{clock::Clock, config::Config, crypto::Keys, github::GithubClient, store::Records};

pub struct Grants {
    records: Records,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
    config: Arc<Config>,
    github: GithubClient,
    tokens: Tokens,
    bearer: Arc<Bearer>,
}

impl Grants {
    pub fn new(
        records: Records,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
        config: Arc<Config>,
        github: GithubClient,
        tokens: Tokens,
        bearer: Arc<Bearer>,
    ) -> Self {
        Self { records, keys, clock, config, github, tokens, bearer }
    }
}
