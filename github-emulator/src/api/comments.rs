//! Issue comments (the conversation of issues and pull requests):
//! `GET /repos/{o}/{r}/issues/{n}/comments` and `POST` to the same path
//! (`body` required → 422 `missing_field`; needs write scope only).

use std::sync::Arc;

use axum::Router;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;

use super::access::Need;
use super::errors::{ApiError, created};
use super::input::Body;
use super::model;
use super::pagination::list_response;
use super::repo_call::{RepoCall, repo_mut};
use crate::state::Shared;
use crate::world::{Comment, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/repos/{owner}/{repo}/issues/{number}/comments", get(list).post(create))
}

async fn list(call: RepoCall<u64>, uri: Uri) -> Result<Response, ApiError> {
    let number = call.rest;
    call.read(|view, repo| {
        repo.issue(number).ok_or_else(ApiError::not_found)?;
        let comments: Vec<&Comment> = repo.comments.iter().filter(|c| c.issue_number == number).collect();
        Ok(list_response(&comments, &uri, &call.shared.api_url, |c| model::issue::comment(view, repo, c)))
    })
}

/// `{body}`.
async fn create(call: RepoCall<u64>, body: Body) -> Result<Response, ApiError> {
    let user = call.authed()?.login.clone();
    let number = call.rest;
    let text = body.str("body")?.filter(|b| !b.trim().is_empty());
    call.write(
        Need::Contribute,
        |_, repo| {
            repo.issue(number).ok_or_else(ApiError::not_found)?;
            text.ok_or_else(|| ApiError::validation("IssueComment", "body", "missing_field"))
        },
        |world, at, body| {
            let (id, now) = (world.next_id(), time::now());
            let repo = repo_mut(world, at)?;
            let comment = Comment {
                reactions: Vec::new(),
                id,
                issue_number: number,
                user,
                body,
                created_at: now,
                updated_at: now,
            };
            repo.comments.push(comment);
            if let Some(issue) = repo.issue_mut(number) {
                issue.updated_at = now;
            }
            Ok(id)
        },
        |view, repo, id| {
            let comment = repo.comments.iter().find(|c| c.id == id).ok_or_else(ApiError::not_found)?;
            Ok(created(&model::issue::comment(view, repo, comment)))
        },
    )
}
