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
use super::auth::Authed;
use super::errors::ApiError;
use super::model;
use super::pagination::list_response;
use super::repo_call::{RepoCall, repo_mut};
use crate::state::Shared;
use crate::world::{Repo, World, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/user/starred", get(starred))
        .route("/user/starred/{owner}/{repo}", get(is_starred).put(star).delete(unstar))
}

/// Whether `login` starred the repository `at`.
fn starred_by(world: &World, at: &(String, String), login: &str) -> bool {
    world.stars.iter().any(|(who, key, _)| who.eq_ignore_ascii_case(login) && key == at)
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

async fn is_starred(call: RepoCall<()>) -> Result<Response, ApiError> {
    call.as_viewer(|world, at, caller| {
        if starred_by(world, at, &caller.login) {
            Ok(StatusCode::NO_CONTENT.into_response())
        } else {
            Err(ApiError::not_found())
        }
    })
}

/// Stars or unstars the repository for the caller: idempotent both ways.
fn set_star(call: &RepoCall<()>, on: bool) -> Result<Response, ApiError> {
    if call.caller.as_ref().is_some_and(|c| !c.has_scope("public_repo") && !c.has_scope("repo")) {
        return Err(ApiError::not_found());
    }
    call.as_viewer(|world, at, caller| {
        let already = starred_by(world, at, &caller.login);
        if on && !already {
            world.stars.push((caller.login.clone(), at.clone(), time::now()));
        } else if !on && already {
            world.stars.retain(|(who, key, _)| !(who.eq_ignore_ascii_case(&caller.login) && key == at));
        }
        if on != already {
            let repo = repo_mut(world, at)?;
            repo.stars = if on { repo.stars + 1 } else { repo.stars.saturating_sub(1) };
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

async fn star(call: RepoCall<()>) -> Result<Response, ApiError> {
    set_star(&call, true)
}

async fn unstar(call: RepoCall<()>) -> Result<Response, ApiError> {
    set_star(&call, false)
}
