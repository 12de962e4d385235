//! Stars: `GET /user/starred` (the caller's, newest first, as GitHub's
//! `repository`), and `GET|PUT|DELETE /user/starred/{owner}/{repo}` (204;
//! GET is 404 when not starred; starring needs the `public_repo` or `repo`
//! scope and counts in `stargazers_count`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::access::View;
use super::auth::{Authed, Caller};
use super::errors::ApiError;
use super::input::{PathArgs, path};
use super::model;
use super::pagination::list_response;
use crate::state::Shared;
use crate::world::{Repo, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/user/starred", get(starred))
        .route("/user/starred/{owner}/{repo}", get(is_starred).put(star).delete(unstar))
}

fn starred_by<'a>(
    caller: &Caller,
    repo: &Repo,
    stars: &'a [(String, (String, String), u64)],
) -> Option<&'a (String, (String, String), u64)> {
    stars.iter().find(|(who, at, _)| who.eq_ignore_ascii_case(&caller.login) && repo.is(&at.0, &at.1))
}

async fn starred(State(shared): State<Arc<Shared>>, Authed(caller): Authed, uri: Uri) -> Result<Response, ApiError> {
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let mut mine: Vec<(&Repo, u64)> = inner
        .world
        .stars
        .iter()
        .filter(|(who, _, _)| who.eq_ignore_ascii_case(&caller.login))
        .filter_map(|(_, at, when)| view.repo(&at.0, &at.1).ok().map(|r| (r, *when)))
        .collect();
    mine.sort_by_key(|(_, when)| std::cmp::Reverse(*when));
    Ok(list_response(&mine, &uri, &shared.api_url, |(r, _)| model::repo::summary(&view, r)))
}

async fn is_starred(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String)>,
) -> Result<Response, ApiError> {
    let (owner, name) = path(args)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let repo = view.repo(&owner, &name)?;
    starred_by(&caller, repo, &inner.world.stars).ok_or_else(ApiError::not_found)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Stars or unstars `owner/name` for the caller: idempotent both ways.
fn set_star(shared: &Shared, caller: &Caller, owner: &str, name: &str, on: bool) -> Result<Response, ApiError> {
    if !caller.has_scope("public_repo") && !caller.has_scope("repo") {
        return Err(ApiError::not_found());
    }
    let mut inner = shared.lock();
    let view = View::new(shared, &inner.world, Some(caller));
    let repo = view.repo(owner, name)?;
    let already = starred_by(caller, repo, &inner.world.stars).is_some();
    let at = (repo.owner.clone(), repo.name.clone());
    let world = &mut inner.world;
    if on && !already {
        world.stars.push((caller.login.clone(), at.clone(), time::now()));
    } else if !on && already {
        world.stars.retain(|(who, key, _)| !(who.eq_ignore_ascii_case(&caller.login) && *key == at));
    }
    if on != already
        && let Some(repo) = world.repo_mut(&at.0, &at.1)
    {
        repo.stars = if on { repo.stars + 1 } else { repo.stars.saturating_sub(1) };
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn star(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String)>,
) -> Result<Response, ApiError> {
    let (owner, name) = path(args)?;
    set_star(&shared, &caller, &owner, &name, true)
}

async fn unstar(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String)>,
) -> Result<Response, ApiError> {
    let (owner, name) = path(args)?;
    set_star(&shared, &caller, &owner, &name, false)
}
