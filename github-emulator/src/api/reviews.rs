//! What is inside a pull request: `GET .../pulls/{n}/files`,
//! `GET .../pulls/{n}/commits`, and reviews: `GET` and `POST
//! .../pulls/{n}/reviews` (`event` `APPROVE`, `REQUEST_CHANGES` or
//! `COMMENT`, or none for a pending review; a body is required for
//! `REQUEST_CHANGES` and `COMMENT`; authors cannot approve or request
//! changes on their own pull request — all 422 as on GitHub; created
//! reviews answer 200, as GitHub does).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

use super::access::{Need, View};
use super::auth::Authed;
use super::errors::{ApiError, json_response};
use super::input::{Body, PathArgs, path};
use super::model;
use super::pagination::list_response;
use super::pulls::find;
use super::repo_call::RepoCall;
use crate::state::Shared;
use crate::world::{Review, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/pulls/{number}/files", get(files))
        .route("/repos/{owner}/{repo}/pulls/{number}/commits", get(commits))
        .route("/repos/{owner}/{repo}/pulls/{number}/reviews", get(reviews).post(create_review))
}

async fn files(call: RepoCall<u64>, uri: Uri) -> Result<Response, ApiError> {
    let number = call.rest;
    call.read(|view, repo| {
        let (_, pull) = find(repo, number)?;
        let head = view.world.pull_head(pull);
        let changes = view.world.pull_changes(repo, pull);
        Ok(list_response(&changes, &uri, &call.shared.api_url, |c| model::git::file(view, repo, &head, c)))
    })
}

async fn commits(call: RepoCall<u64>, uri: Uri) -> Result<Response, ApiError> {
    let number = call.rest;
    call.read(|view, repo| {
        let (_, pull) = find(repo, number)?;
        let commits = view.world.pull_commits(repo, pull);
        Ok(list_response(&commits, &uri, &call.shared.api_url, |c| model::git::commit(view, repo, c)))
    })
}

async fn reviews(call: RepoCall<u64>, uri: Uri) -> Result<Response, ApiError> {
    let number = call.rest;
    call.read(|view, repo| {
        let (_, pull) = find(repo, number)?;
        // Pending reviews are visible to their author only.
        let list: Vec<&Review> =
            pull.reviews.iter().filter(|r| r.submitted_at.is_some() || view.login() == Some(r.user.as_str())).collect();
        Ok(list_response(&list, &uri, &call.shared.api_url, |r| model::pull::review(view, repo, number, r)))
    })
}

/// 422 `Unprocessable Entity` with plain-string `errors`, as the reviews
/// endpoint answers.
fn refused(message: &str) -> ApiError {
    ApiError { errors: Some(json!([message])), ..ApiError::unprocessable("Unprocessable Entity") }
}

/// `{event?, body?, commit_id?, comments?: [{path, line, side?, start_line?, body}]}`.
async fn create_review(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name, number) = path(args)?;
    let event = body.str("event")?;
    let text = body.str("body")?.unwrap_or_default();
    let commit_id = body.str("commit_id")?;
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Contribute)?;
    let (issue, pull) = find(repo, number)?;
    let state = match event.as_deref() {
        None => "PENDING",
        Some("APPROVE") => "APPROVED",
        Some("REQUEST_CHANGES") => "CHANGES_REQUESTED",
        Some("COMMENT") => "COMMENTED",
        // The reviews endpoint reports every refusal as plain-string `errors` (validation_failed_simple).
        Some(other) => {
            return Err(refused(&format!(
                "Variable $event of type PullRequestReviewEvent was provided invalid value: {other}"
            )));
        }
    };
    let own = issue.user.eq_ignore_ascii_case(&caller.login);
    if own && state == "APPROVED" {
        return Err(refused("Can not approve your own pull request"));
    }
    if own && state == "CHANGES_REQUESTED" {
        return Err(refused("Can not request changes on your own pull request"));
    }
    // `comments[]`: line comments filed with the review (pending until it is submitted).
    let mut line_comments = Vec::new();
    if let Some(list) = body.0.get("comments") {
        let list = list.as_array().ok_or_else(|| ApiError::validation("PullRequestReview", "comments", "invalid"))?;
        for item in list {
            let fields = item
                .as_object()
                .cloned()
                .ok_or_else(|| ApiError::validation("PullRequestReview", "comments", "invalid"))?;
            let new = super::review_comments::NewComment::read(&Body(fields))?;
            new.check(&view, repo, number)?;
            line_comments.push(new);
        }
    }
    // A review of line comments needs no body of its own.
    if matches!(state, "CHANGES_REQUESTED" | "COMMENTED") && text.trim().is_empty() && line_comments.is_empty() {
        return Err(refused("Review body is required when using REQUEST_CHANGES or COMMENT events"));
    }
    let head = view.world.pull_head(pull);
    let commit_id = match commit_id {
        Some(sha) => {
            view.world.git.find_commit(&sha).map(|c| c.sha.clone()).ok_or_else(|| refused("Commit not found"))?
        }
        None => head,
    };
    let at = (repo.owner.clone(), repo.name.clone());
    let id = world.next_id();
    let now = time::now();
    let review = Review {
        id,
        user: caller.login.clone(),
        body: text,
        state: state.into(),
        commit_id,
        submitted_at: (state != "PENDING").then_some(now),
    };
    let ids: Vec<u64> = line_comments.iter().map(|_| world.next_id()).collect();
    let repo = world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    if let Some(issue) = repo.issue_mut(number) {
        issue.updated_at = now;
        if let Some(pull) = issue.pull.as_mut() {
            pull.reviews.push(review.clone());
            if review.submitted_at.is_some() {
                pull.requested_reviewers.retain(|r| !r.eq_ignore_ascii_case(&caller.login));
            }
        }
    }
    for (new, id) in line_comments.into_iter().zip(ids) {
        repo.review_comments.push(new.filed(id, number, &review, now));
    }
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.repo(&at.0, &at.1)?;
    Ok(json_response(StatusCode::OK, &model::pull::review(&view, repo, number, &review)))
}
