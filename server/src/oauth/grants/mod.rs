//! The token endpoint's grant types, one file each, as the [`Grants`] service: what redeeming a code
//! and refreshing a token need (the records, the keys, the clock, the settings, GitHub's REST API for
//! the allowlist re-check, [`Tokens`] to mint and [`Bearer`] to keep a GitHub token usable).

pub mod authorization_code;
pub mod refresh_token;

use std::sync::Arc;

use super::{Core, bearer::Bearer, tokens::Tokens};
use crate::{config::Config, github::GithubClient};

pub struct Grants {
    core: Core,
    config: Arc<Config>,
    github: GithubClient,
    tokens: Tokens,
    bearer: Arc<Bearer>,
}

impl Grants {
    pub fn new(core: Core, config: Arc<Config>, github: GithubClient, tokens: Tokens, bearer: Arc<Bearer>) -> Self {
        Self { core, config, github, tokens, bearer }
    }
}
