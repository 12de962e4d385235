//! Issue comments (the conversation of issues and pull requests):
//! `GET /repos/{o}/{r}/issues/{n}/comments` and `POST` to the same path
//! (`body` required → 422 `missing_field`; needs write scope only).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;

use super::access::{Need, View};
use super::auth::Authed;
use super::errors::{ApiError, created};
use super::input::{Body, PathArgs, path};
use super::model;
use super::pagination::list_response;
use super::repo_call::RepoCall;
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
async fn create(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name, number) = path(args)?;
    let text = body.str("body")?.filter(|b| !b.trim().is_empty());
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Contribute)?;
    repo.issue(number).ok_or_else(ApiError::not_found)?;
    let text = text.ok_or_else(|| ApiError::validation("IssueComment", "body", "missing_field"))?;
    let at = (repo.owner.clone(), repo.name.clone());
    let id = world.next_id();
    let now = time::now();
    let repo = world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    repo.comments.push(Comment {
        reactions: Vec::new(),
        id,
        issue_number: number,
        user: caller.login.clone(),
        body: text,
        created_at: now,
        updated_at: now,
    });
    if let Some(issue) = repo.issue_mut(number) {
        issue.updated_at = now;
    }
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.repo(&at.0, &at.1)?;
    let comment = repo.comments.iter().find(|c| c.id == id).ok_or_else(ApiError::not_found)?;
    Ok(created(&model::issue::comment(&view, repo, comment)))
}
