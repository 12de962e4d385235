//! Who may use the server: `ALLOWED_GITHUB_USERS` (logins, or `id:NUMBER`, which survives renames)
//! and `ALLOWED_GITHUB_ORGS`. Checked when a user signs in, and again on refresh at most every
//! [`RECHECK_SECS`], so someone removed from the list or the organisation loses access within the hour.

use crate::{
    config::Config,
    crypto::Secret,
    github::{GithubClient, GithubError},
    store::records::GithubIdentity,
};

/// How long an allowlist decision stands before a refresh checks it again.
pub const RECHECK_SECS: u64 = 3600;

/// Is an allowlist configured at all?
pub fn active(cfg: &Config) -> bool {
    !cfg.allowed_users.is_empty() || !cfg.allowed_orgs.is_empty()
}

/// Whether `user` may sign in. `token` is the user's GitHub token (for organisation membership).
/// A GitHub failure other than 401 is an error, so the caller can choose not to decide on it.
pub async fn permits(
    cfg: &Config,
    github: &GithubClient,
    user: &GithubIdentity,
    token: &Secret,
) -> Result<bool, GithubError> {
    if !active(cfg) {
        return Ok(true);
    }
    if cfg.allowed_users.contains(&user.login.to_ascii_lowercase())
        || cfg.allowed_users.contains(&format!("id:{}", user.id))
    {
        return Ok(true);
    }
    if cfg.allowed_orgs.is_empty() {
        return Ok(false);
    }
    match github.member_of_any(token, &cfg.allowed_orgs).await {
        Ok(member) => Ok(member),
        Err(GithubError::BadCredentials) => Ok(false),
        Err(e) => Err(e),
    }
}
