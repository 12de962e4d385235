//! What a pull request asks of people and branches: `POST
//! /repos/{o}/{r}/pulls/{n}/requested_reviewers` (`{reviewers}`; 201 with
//! the pull request; 422 for the author or a user without push access, in
//! GitHub's words) and `PUT .../pulls/{n}/update-branch`
//! (`{expected_head_sha?}`; 202 with a message once the base is merged into
//! the head; 422 when there is nothing new, the head moved, or they conflict).
//! Both need push access.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{post, put};
use serde_json::json;

use super::access::{Need, View};
use super::auth::Authed;
use super::errors::{ApiError, json_response};
use super::input::{Body, PathArgs, path};
use super::model;
use super::pulls::find;
use crate::state::Shared;
use crate::world::{UpdateRefusal, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/pulls/{number}/requested_reviewers", post(request_reviewers))
        .route("/repos/{owner}/{repo}/pulls/{number}/update-branch", put(update_branch))
}

async fn request_reviewers(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name, number) = path(args)?;
    let reviewers = body.strings("reviewers")?.unwrap_or_default();
    let mut inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Push)?;
    let (issue, _) = find(repo, number)?;
    if reviewers.iter().any(|r| r.eq_ignore_ascii_case(&issue.user)) {
        return Err(ApiError::unprocessable("Review cannot be requested from pull request author."));
    }
    if reviewers.iter().any(|r| !view.has_push(repo, r)) {
        return Err(ApiError::unprocessable(format!(
            "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not \
             a collaborator of the {} repository.",
            repo.full_name()
        )));
    }
    let at = (repo.owner.clone(), repo.name.clone());
    let repo = inner.world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    let issue = repo.issue_mut(number).ok_or_else(ApiError::not_found)?;
    if let Some(pull) = issue.pull.as_mut() {
        for reviewer in reviewers {
            if !pull.requested_reviewers.iter().any(|r| r.eq_ignore_ascii_case(&reviewer)) {
                pull.requested_reviewers.push(reviewer);
            }
        }
    }
    issue.updated_at = time::now();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let repo = view.repo(&at.0, &at.1)?;
    let (issue, pull) = find(repo, number)?;
    Ok(json_response(StatusCode::CREATED, &model::pull::pull(&view, repo, issue, pull)))
}

async fn update_branch(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name, number) = path(args)?;
    let expected = body.str("expected_head_sha")?;
    let mut inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Push)?;
    let (issue, _) = find(repo, number)?;
    if !issue.is_open() {
        return Err(ApiError::unprocessable("Cannot update a closed pull request."));
    }
    let at = (repo.owner.clone(), repo.name.clone());
    match inner.world.update_pull_branch((&at.0, &at.1), number, expected.as_deref(), &caller.login) {
        Ok(_) => {
            let url = format!("https://github.com/{}/{}/pull/{number}", at.0, at.1);
            Ok(json_response(StatusCode::ACCEPTED, &json!({"message": "Updating pull request branch.", "url": url})))
        }
        Err(UpdateRefusal::UpToDate) => Err(ApiError::unprocessable("There are no new commits on the base branch.")),
        Err(UpdateRefusal::HeadMoved) => {
            Err(ApiError::unprocessable("expected_head_sha does not match the pull request's head sha"))
        }
        Err(UpdateRefusal::Conflict) => Err(ApiError::unprocessable("merge conflict between base and head")),
    }
}
