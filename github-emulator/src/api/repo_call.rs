//! One extractor for the requests about a repository (`/repos/{owner}/{repo}/…`): who asks, which
//! repository, and the path's other segments; and the two ways a handler then goes: reading the
//! repository as the caller may see it ([`RepoCall::read`]), or writing to it
//! ([`RepoCall::write`]: checked as GitHub checks, then changed, then answered from the world as
//! changed), or changing only the caller's own relation to it ([`RepoCall::as_viewer`]: a star,
//! a watch). A handler is left with what is its own.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;

use super::access::{Need, View};
use super::auth::Caller;
use super::errors::ApiError;
use super::input::Params;
use crate::state::Shared;
use crate::world::{Repo, World};

/// The path's segments after `{owner}/{repo}`, parsed (a segment that does not parse is a 404,
/// as GitHub answers `/issues/abc`).
pub(crate) trait Segments: Sized {
    fn parse(rest: &[String]) -> Option<Self>;
}

impl Segments for () {
    fn parse(rest: &[String]) -> Option<Self> {
        rest.is_empty().then_some(())
    }
}

impl Segments for u64 {
    fn parse(rest: &[String]) -> Option<Self> {
        match rest {
            [n] => n.parse().ok(),
            _ => None,
        }
    }
}

impl Segments for String {
    fn parse(rest: &[String]) -> Option<Self> {
        match rest {
            [s] => Some(s.clone()),
            _ => None,
        }
    }
}

impl Segments for (u64, u64) {
    fn parse(rest: &[String]) -> Option<Self> {
        match rest {
            [a, b] => Some((a.parse().ok()?, b.parse().ok()?)),
            _ => None,
        }
    }
}

impl Segments for (u64, String) {
    fn parse(rest: &[String]) -> Option<Self> {
        match rest {
            [a, b] => Some((a.parse().ok()?, b.clone())),
            _ => None,
        }
    }
}

/// A request about one repository.
pub(crate) struct RepoCall<T> {
    pub shared: Arc<Shared>,
    pub caller: Option<Caller>,
    pub owner: String,
    pub name: String,
    /// The path's other segments.
    pub rest: T,
}

impl<T: Segments> FromRequestParts<Arc<Shared>> for RepoCall<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, ApiError> {
        let params = Params::of(parts, shared).await?;
        let (Some(owner), Some(name)) = (params.get("owner"), params.get("repo")) else {
            return Err(ApiError::not_found());
        };
        let others: Vec<String> =
            params.0.iter().filter(|(k, _)| k != "owner" && k != "repo").map(|(_, v)| v.clone()).collect();
        let rest = T::parse(&others).ok_or_else(ApiError::not_found)?;
        let caller = parts.extensions.get::<Caller>().cloned();
        Ok(Self { shared: Arc::clone(shared), caller, owner, name, rest })
    }
}

impl<T> RepoCall<T> {
    /// The caller, for an endpoint that needs a token (401 without one, as GitHub answers).
    pub fn authed(&self) -> Result<&Caller, ApiError> {
        self.caller.as_ref().ok_or_else(ApiError::requires_authentication)
    }

    /// Runs `f` on the repository as the caller sees it (404 when they cannot).
    pub fn read<R>(&self, f: impl FnOnce(&View, &Repo) -> Result<R, ApiError>) -> Result<R, ApiError> {
        let inner = self.shared.lock();
        let view = View::new(&self.shared, &inner.world, self.caller.as_ref());
        let repo = view.repo(&self.owner, &self.name)?;
        f(&view, repo)
    }

    /// A write needing `need`: `check` sees the world as it is and refuses what GitHub refuses,
    /// returning what the change needs; `change` gets the world and the repository's key (its
    /// owner and name as stored); `answer` renders from the world as changed.
    pub fn write<C, R>(
        &self,
        need: Need,
        check: impl FnOnce(&View, &Repo) -> Result<C, ApiError>,
        change: impl FnOnce(&mut World, &(String, String), C) -> Result<R, ApiError>,
        answer: impl FnOnce(&View, &Repo, R) -> Result<Response, ApiError>,
    ) -> Result<Response, ApiError> {
        let mut inner = self.shared.lock();
        let view = View::new(&self.shared, &inner.world, self.caller.as_ref());
        let repo = view.writable(&self.owner, &self.name, need)?;
        let needed = check(&view, repo)?;
        let at = (repo.owner.clone(), repo.name.clone());
        let made = change(&mut inner.world, &at, needed)?;
        let view = View::new(&self.shared, &inner.world, self.caller.as_ref());
        let repo = view.repo(&at.0, &at.1)?;
        answer(&view, repo, made)
    }
}

impl<T> RepoCall<T> {
    /// A change to the caller's own relation to a repository they can see (a star, a watch):
    /// it needs a token (401) and the repository visible (404), not push access. `f` gets the
    /// world, the repository's key and the caller.
    pub fn as_viewer<R>(
        &self,
        f: impl FnOnce(&mut World, &(String, String), &Caller) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let caller = self.authed()?;
        let mut inner = self.shared.lock();
        let view = View::new(&self.shared, &inner.world, Some(caller));
        let repo = view.repo(&self.owner, &self.name)?;
        let at = (repo.owner.clone(), repo.name.clone());
        f(&mut inner.world, &at, caller)
    }
}

/// The repository `at` (its stored owner and name) to change.
pub(crate) fn repo_mut<'a>(world: &'a mut World, at: &(String, String)) -> Result<&'a mut Repo, ApiError> {
    world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)
}
