//! What a pull request asks of people and branches: `POST
//! /repos/{o}/{r}/pulls/{n}/requested_reviewers` (`{reviewers}`; 201 with
//! the pull request; 422 for the author or a user without push access, in
//! GitHub's words) and `PUT .../pulls/{n}/update-branch`
//! (`{expected_head_sha?}`; 202 with a message once the base is merged into
//! the head; 422 when there is nothing new, the head moved, or they conflict).
//! Both need push access.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{post, put};
use serde_json::json;

use super::access::Need;
use super::errors::{ApiError, json_response};
use super::input::Body;
use super::model;
use super::model::repo::repo_html;
use super::pulls::find;
use super::repo_call::{RepoCall, repo_mut};
use crate::state::Shared;
use crate::world::{UpdateRefusal, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/pulls/{number}/requested_reviewers", post(request_reviewers))
        .route("/repos/{owner}/{repo}/pulls/{number}/update-branch", put(update_branch))
}

async fn request_reviewers(call: RepoCall<u64>, body: Body) -> Result<Response, ApiError> {
    call.authed()?;
    let number = call.rest;
    let reviewers = body.strings("reviewers")?.unwrap_or_default();
    call.write(
        Need::Push,
        |view, repo| {
            let (issue, _) = find(repo, number)?;
            if reviewers.iter().any(|r| r.eq_ignore_ascii_case(&issue.user)) {
                return Err(ApiError::unprocessable("Review cannot be requested from pull request author."));
            }
            if reviewers.iter().any(|r| !view.has_push(repo, r)) {
                return Err(ApiError::unprocessable(format!(
                    "Reviews may only be requested from collaborators. One or more of the users or teams you \
                     specified is not a collaborator of the {} repository.",
                    repo.full_name()
                )));
            }
            Ok(())
        },
        |world, at, ()| {
            let issue = repo_mut(world, at)?.issue_mut(number).ok_or_else(ApiError::not_found)?;
            if let Some(pull) = issue.pull.as_mut() {
                for reviewer in &reviewers {
                    if !pull.requested_reviewers.iter().any(|r| r.eq_ignore_ascii_case(reviewer)) {
                        pull.requested_reviewers.push(reviewer.clone());
                    }
                }
            }
            issue.updated_at = time::now();
            Ok(())
        },
        |view, repo, ()| {
            let (issue, pull) = find(repo, number)?;
            Ok(json_response(StatusCode::CREATED, &model::pull::pull(view, repo, issue, pull)))
        },
    )
}

async fn update_branch(call: RepoCall<u64>, body: Body) -> Result<Response, ApiError> {
    let login = call.authed()?.login.clone();
    let number = call.rest;
    let expected = body.str("expected_head_sha")?;
    call.write(
        Need::Push,
        |_, repo| {
            let (issue, _) = find(repo, number)?;
            if issue.is_open() { Ok(()) } else { Err(ApiError::unprocessable("Cannot update a closed pull request.")) }
        },
        |world, at, ()| match world.update_pull_branch((&at.0, &at.1), number, expected.as_deref(), &login) {
            Ok(_) => Ok(()),
            Err(UpdateRefusal::UpToDate) => {
                Err(ApiError::unprocessable("There are no new commits on the base branch."))
            }
            Err(UpdateRefusal::HeadMoved) => {
                Err(ApiError::unprocessable("expected_head_sha does not match the pull request's head sha"))
            }
            Err(UpdateRefusal::Conflict) => Err(ApiError::unprocessable("merge conflict between base and head")),
        },
        |view, repo, ()| {
            let url = format!("{}/pull/{number}", repo_html(view, repo));
            Ok(json_response(StatusCode::ACCEPTED, &json!({"message": "Updating pull request branch.", "url": url})))
        },
    )
}
