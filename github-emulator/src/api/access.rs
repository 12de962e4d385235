//! Who may see and change which repository, as GitHub decides for OAuth
//! tokens (classic scopes):
//!
//! - Public repositories can be read by anyone, even without a token.
//! - A private repository is visible only to its owner, its collaborators
//!   and (for an organization's repository) the organization's members, and
//!   only with a token that has the `repo` scope. Otherwise: 404.
//! - Writes need a token (else 401 `Requires authentication`) with `repo`,
//!   or `public_repo` for a public repository. Without it the answer is 404
//!   `Not Found`, as GitHub answers OAuth tokens, not 403.
//! - "Contribute" writes (open an issue or pull request, comment, review,
//!   fork) are open to anyone who can write by scope. "Push" writes (create
//!   refs, commit files, merge, edit someone else's issue, re-run
//!   workflows) also need push access: owner, collaborator or organization
//!   member. Without it, 404 as well.
//!
//! [`View`] bundles what the model needs to render for one caller.

use axum::http::StatusCode;

use super::auth::Caller;
use super::errors::ApiError;
use crate::state::Shared;
use crate::world::{IssueField, Repo, World};

/// What a write needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    Contribute,
    Push,
}

/// The world as one caller sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    pub shared: &'a Shared,
    pub world: &'a World,
    pub caller: Option<&'a Caller>,
}

impl<'a> View<'a> {
    pub fn new(shared: &'a Shared, world: &'a World, caller: Option<&'a Caller>) -> Self {
        Self { shared, world, caller }
    }

    pub fn login(&self) -> Option<&'a str> {
        self.caller.map(|c| c.login.as_str())
    }

    /// Whether the caller is the owner, a collaborator or a member of the
    /// owning organization (that is, has push access).
    pub fn is_member(&self, repo: &Repo) -> bool {
        self.login().is_some_and(|login| self.has_push(repo, login))
    }

    /// Whether `login` has push access to `repo` (and so can be assigned).
    pub fn has_push(&self, repo: &Repo, login: &str) -> bool {
        repo.owner.eq_ignore_ascii_case(login)
            || repo.collaborators.iter().any(|c| c.eq_ignore_ascii_case(login))
            || (self.world.is_org(&repo.owner) && self.is_org_member(&repo.owner, login))
    }

    /// Whether the configured user `login` belongs to organization `org`.
    pub fn is_org_member(&self, org: &str, login: &str) -> bool {
        self.shared.user(login).is_some_and(|u| u.orgs.iter().any(|o| o.eq_ignore_ascii_case(org)))
    }

    /// Whether the caller sees an issue field: public ones everyone, the others members of its
    /// organization.
    pub fn sees_field(&self, field: &IssueField) -> bool {
        field.public || self.login().is_some_and(|l| self.is_org_member(&field.org, l))
    }

    /// Whether the caller owns the repository (admin rights).
    pub fn is_admin(&self, repo: &Repo) -> bool {
        self.login().is_some_and(|l| repo.owner.eq_ignore_ascii_case(l))
    }

    fn has_scope(&self, scope: &str) -> bool {
        self.caller.is_some_and(|c| c.has_scope(scope))
    }

    pub fn visible(&self, repo: &Repo) -> bool {
        !repo.private || (self.has_scope("repo") && self.is_member(repo))
    }

    /// Whether the token's scopes allow writing to this repository.
    pub fn may_write(&self, repo: &Repo) -> bool {
        self.visible(repo) && (self.has_scope("repo") || (!repo.private && self.has_scope("public_repo")))
    }

    pub fn can(&self, repo: &Repo, need: Need) -> bool {
        self.may_write(repo) && (need == Need::Contribute || self.is_member(repo))
    }

    /// A repository the caller can see, or 404.
    pub fn repo(&self, owner: &str, name: &str) -> Result<&'a Repo, ApiError> {
        self.world.repo(owner, name).filter(|r| self.visible(r)).ok_or_else(ApiError::not_found)
    }

    /// A repository the caller may write to as `need` says, or the error
    /// GitHub answers (401 without a token, otherwise 404).
    pub fn writable(&self, owner: &str, name: &str, need: Need) -> Result<&'a Repo, ApiError> {
        if self.caller.is_none() {
            return Err(ApiError::requires_authentication());
        }
        let repo = self.repo(owner, name)?;
        if self.can(repo, need) { Ok(repo) } else { Err(ApiError::not_found()) }
    }

    /// Repositories the caller can see, in a stable order (by full name).
    pub fn visible_repos(&self) -> Vec<&'a Repo> {
        let mut repos: Vec<&Repo> = self.world.repos.iter().filter(|r| self.visible(r)).collect();
        repos.sort_by_key(|r| r.full_name().to_ascii_lowercase());
        repos
    }
}

/// 404 with a specific message, as GitHub answers e.g. a missing ref.
pub(crate) fn not_found_because(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, message)
}
