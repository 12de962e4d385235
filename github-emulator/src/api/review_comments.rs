//! Line-level review: `GET|POST .../pulls/{n}/comments` (a comment on
//! `line` (and from `start_line`) of `path` on `side` of the diff at
//! `commit_id` (required); `path` must be a file the pull request changes,
//! 422 otherwise; or a reply with
//! `in_reply_to`), `POST .../pulls/{n}/comments/{id}/replies`, and pending
//! reviews: `POST .../reviews/{id}/events` (submit with an `event`) and
//! `DELETE .../reviews/{id}` (pending only: 422 otherwise). Comments of a
//! pending review are listed to nobody until it is submitted.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::access::{Need, View};
use super::auth::Authed;
use super::errors::{ApiError, json_response};
use super::input::{Body, PathArgs, path};
use super::model;
use super::model::issue::association;
use super::model::repo::{repo_api, repo_html};
use super::pagination::list_response;
use super::pulls::find;
use super::repo_call::RepoCall;
use crate::state::Shared;
use crate::world::time::iso;
use crate::world::{Repo, Review, ReviewComment, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/pulls/{number}/comments", get(list).post(create))
        .route("/repos/{owner}/{repo}/pulls/{number}/comments/{id}/replies", post(reply))
        .route("/repos/{owner}/{repo}/pulls/{number}/reviews/{id}", axum::routing::delete(delete_pending))
        .route("/repos/{owner}/{repo}/pulls/{number}/reviews/{id}/events", post(submit))
}

pub(crate) fn comment_json(view: &View, repo: &Repo, c: &ReviewComment) -> Value {
    let api = repo_api(view, repo);
    let url = format!("{api}/pulls/comments/{}", c.id);
    let html = format!("{}/pull/{}#discussion_r{}", repo_html(view, repo), c.pull_number, c.id);
    let pull_url = format!("{api}/pulls/{}", c.pull_number);
    let mut value = json!({
        "url": url,
        "pull_request_review_id": c.review_id,
        "id": c.id,
        "node_id": model::node_id("PullRequestReviewComment", c.id),
        "diff_hunk": format!("@@ -{0},1 +{0},1 @@", c.line),
        "path": c.path,
        "commit_id": c.commit_id,
        "original_commit_id": c.commit_id,
        "user": model::account(view.shared, view.world, &c.user),
        "body": c.body,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.created_at),
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": association(view, repo, &c.user),
        "_links": {"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": pull_url}},
        "start_line": c.start_line,
        "original_start_line": c.start_line,
        "start_side": c.start_line.map(|_| c.side.clone()),
        "line": c.line,
        "original_line": c.line,
        "side": c.side,
        "subject_type": "line",
        "reactions": model::issue::reactions(&url, &[]),
    });
    if let Some(parent) = c.in_reply_to {
        value["in_reply_to_id"] = json!(parent);
    }
    value
}

/// The review a comment belongs to is submitted (or it is the caller's own pending one).
pub(crate) fn shown(view: &View, repo: &Repo, c: &ReviewComment) -> bool {
    let review = repo
        .issue(c.pull_number)
        .and_then(|i| i.pull.as_ref())
        .and_then(|p| p.reviews.iter().find(|r| r.id == c.review_id));
    review.is_some_and(|r| r.submitted_at.is_some() || view.login() == Some(r.user.as_str()))
}

async fn list(call: RepoCall<u64>, uri: Uri) -> Result<Response, ApiError> {
    let number = call.rest;
    call.read(|view, repo| {
        find(repo, number)?;
        let list: Vec<&ReviewComment> =
            repo.review_comments.iter().filter(|c| c.pull_number == number && shown(view, repo, c)).collect();
        Ok(list_response(&list, &uri, &call.shared.api_url, |c| comment_json(view, repo, c)))
    })
}

/// A new line comment of `review_id` (or a reply to `in_reply_to`, on its line), checked against
/// the pull request's changed files, as GitHub checks it.
pub(crate) struct NewComment {
    pub body: String,
    pub path: String,
    pub line: u64,
    pub start_line: Option<u64>,
    pub side: String,
}

impl NewComment {
    /// `{path, line, side?, start_line?, body}` (GitHub's `comments[]` and single-comment fields).
    pub fn read(body: &Body) -> Result<Self, ApiError> {
        let text = body.str("body")?.filter(|b| !b.trim().is_empty());
        let text = text.ok_or_else(|| ApiError::validation("PullRequestReviewComment", "body", "missing_field"))?;
        let path = body
            .str("path")?
            .ok_or_else(|| ApiError::validation("PullRequestReviewComment", "path", "missing_field"))?;
        let line = body
            .u64("line")?
            .ok_or_else(|| ApiError::validation("PullRequestReviewComment", "line", "missing_field"))?;
        let side = body.str("side")?.unwrap_or_else(|| "RIGHT".into());
        if side != "RIGHT" && side != "LEFT" {
            return Err(ApiError::validation("PullRequestReviewComment", "side", "invalid"));
        }
        let start_line = body.u64("start_line")?;
        if start_line.is_some_and(|s| s >= line) {
            return Err(ApiError::unprocessable("start_line must precede line"));
        }
        Ok(Self { body: text, path, line, start_line, side })
    }

    /// The comment, filed as `id` on pull request `number` at `at` (Unix seconds) in `review`,
    /// whose author and commit it takes: the first comment of a new thread.
    pub fn filed(self, id: u64, number: u64, review: &Review, at: u64) -> ReviewComment {
        let NewComment { body, path, line, start_line, side } = self;
        ReviewComment {
            id,
            pull_number: number,
            review_id: review.id,
            user: review.user.clone(),
            body,
            path,
            line,
            start_line,
            side,
            commit_id: review.commit_id.clone(),
            in_reply_to: None,
            created_at: at,
            resolved_by: None,
        }
    }

    /// 422 unless `path` is a file the pull request changes and `line` is inside it.
    pub fn check(&self, view: &View, repo: &Repo, number: u64) -> Result<(), ApiError> {
        let (_, pull) = find(repo, number)?;
        let changed = view.world.pull_changes(repo, pull);
        let change = changed
            .iter()
            .find(|c| c.path == self.path)
            .ok_or_else(|| ApiError::custom("PullRequestReviewComment", "Path could not be resolved"))?;
        let sha = if self.side == "LEFT" { change.old.as_deref() } else { change.new.as_deref() };
        let lines =
            sha.and_then(|s| view.world.git.blob(s)).map_or(0, |b| String::from_utf8_lossy(b).lines().count() as u64);
        if self.line == 0 || self.line > lines.max(1) {
            return Err(ApiError::custom("PullRequestReviewComment", "Line could not be resolved"));
        }
        Ok(())
    }
}

/// `{body, path, line, side?, start_line?, commit_id?}`, or `{body, in_reply_to}`: one comment in
/// a review of its own (`COMMENTED`), as GitHub files a single comment.
async fn create(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name, number) = path(args)?;
    if let Some(parent) = body.u64("in_reply_to")? {
        let text = body.str("body")?.unwrap_or_default();
        return add_reply(&shared, &caller, (owner, name, number, parent), text);
    }
    let new = NewComment::read(&body)?;
    let mut inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Contribute)?;
    new.check(&view, repo, number)?;
    let commit_id = body
        .str("commit_id")?
        .ok_or_else(|| ApiError::validation("PullRequestReviewComment", "commit_id", "missing_field"))?;
    let at = (repo.owner.clone(), repo.name.clone());
    let (review_id, id) = (inner.world.next_id(), inner.world.next_id());
    let now = time::now();
    let repo = inner.world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    let review = Review {
        id: review_id,
        user: caller.login.clone(),
        body: String::new(),
        state: "COMMENTED".into(),
        commit_id,
        submitted_at: Some(now),
    };
    let comment = new.filed(id, number, &review, now);
    if let Some(pull) = repo.issue_mut(number).and_then(|i| i.pull.as_mut()) {
        pull.reviews.push(review);
    }
    repo.review_comments.push(comment.clone());
    let view = View::new(&shared, &inner.world, Some(&caller));
    Ok(json_response(StatusCode::CREATED, &comment_json(&view, view.repo(&at.0, &at.1)?, &comment)))
}

async fn reply(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64, u64)>,
    body: Body,
) -> Result<Response, ApiError> {
    let at = path(args)?;
    let text = body.str("body")?.unwrap_or_default();
    add_reply(&shared, &caller, at, text)
}

fn add_reply(
    shared: &Arc<Shared>,
    caller: &super::auth::Caller,
    (owner, name, number, parent): (String, String, u64, u64),
    text: String,
) -> Result<Response, ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::validation("PullRequestReviewComment", "body", "missing_field"));
    }
    let mut inner = shared.lock();
    let view = View::new(shared, &inner.world, Some(caller));
    let repo = view.writable(&owner, &name, Need::Contribute)?;
    let original = repo
        .review_comments
        .iter()
        .find(|c| c.id == parent && c.pull_number == number && shown(&view, repo, c))
        .ok_or_else(ApiError::not_found)?;
    // Replies go to the top of the thread, as GitHub threads them.
    let root = original.in_reply_to.unwrap_or(original.id);
    let template = original.clone();
    let at = (repo.owner.clone(), repo.name.clone());
    let id = inner.world.next_id();
    let repo = inner.world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    let comment = ReviewComment {
        id,
        user: caller.login.clone(),
        body: text,
        in_reply_to: Some(root),
        created_at: time::now(),
        resolved_by: None,
        ..template
    };
    repo.review_comments.push(comment.clone());
    let view = View::new(shared, &inner.world, Some(caller));
    Ok(json_response(StatusCode::CREATED, &comment_json(&view, view.repo(&at.0, &at.1)?, &comment)))
}

/// The caller's pending review `id` of pull request `number`, for a change.
fn pending_review<'a>(repo: &'a mut Repo, number: u64, id: u64, login: &str) -> Result<&'a mut Review, ApiError> {
    let pull = repo.issue_mut(number).and_then(|i| i.pull.as_mut()).ok_or_else(ApiError::not_found)?;
    let review = pull.reviews.iter_mut().find(|r| r.id == id).ok_or_else(ApiError::not_found)?;
    if !review.user.eq_ignore_ascii_case(login) {
        return Err(ApiError::not_found());
    }
    Ok(review)
}

fn simple_refusal(message: &str) -> ApiError {
    ApiError { errors: Some(json!([message])), ..ApiError::unprocessable("Unprocessable Entity") }
}

/// `{event, body?}`: submits a pending review.
async fn submit(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64, u64)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name, number, id) = path(args)?;
    let event = body.str("event")?;
    let text = body.str("body")?;
    let mut inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Contribute)?;
    let (issue, _) = find(repo, number)?;
    let own = issue.user.eq_ignore_ascii_case(&caller.login);
    let state = match event.as_deref() {
        Some("APPROVE") if own => return Err(simple_refusal("Can not approve your own pull request")),
        Some("REQUEST_CHANGES") if own => {
            return Err(simple_refusal("Can not request changes on your own pull request"));
        }
        Some("APPROVE") => "APPROVED",
        Some("REQUEST_CHANGES") => "CHANGES_REQUESTED",
        Some("COMMENT") => "COMMENTED",
        _ => return Err(simple_refusal("Invalid event: use APPROVE, REQUEST_CHANGES or COMMENT")),
    };
    let at = (repo.owner.clone(), repo.name.clone());
    let repo = inner.world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    let review = pending_review(repo, number, id, &caller.login)?;
    if review.submitted_at.is_some() {
        return Err(simple_refusal("Can not submit a non-pending review"));
    }
    if let Some(text) = text {
        review.body = text;
    }
    if state != "APPROVED" && review.body.trim().is_empty() && !repo_has_comments(&inner.world, &at, id) {
        return Err(simple_refusal("Review body is required when using REQUEST_CHANGES or COMMENT events"));
    }
    let repo = inner.world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    let review = pending_review(repo, number, id, &caller.login)?;
    review.state = state.into();
    review.submitted_at = Some(time::now());
    if let Some(pull) = repo.issue_mut(number).and_then(|i| i.pull.as_mut()) {
        pull.requested_reviewers.retain(|r| !r.eq_ignore_ascii_case(&caller.login));
    }
    let review = repo
        .issue(number)
        .and_then(|i| i.pull.as_ref())
        .and_then(|p| p.reviews.iter().find(|r| r.id == id))
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let view = View::new(&shared, &inner.world, Some(&caller));
    Ok(json_response(StatusCode::OK, &model::pull::review(&view, view.repo(&at.0, &at.1)?, number, &review)))
}

fn repo_has_comments(world: &crate::world::World, at: &(String, String), review: u64) -> bool {
    world.repo(&at.0, &at.1).is_some_and(|r| r.review_comments.iter().any(|c| c.review_id == review))
}

/// Deletes the caller's pending review and its comments.
async fn delete_pending(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64, u64)>,
) -> Result<Response, ApiError> {
    let (owner, name, number, id) = path(args)?;
    let mut inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Contribute)?;
    let at = (repo.owner.clone(), repo.name.clone());
    let repo = inner.world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    let review = pending_review(repo, number, id, &caller.login)?.clone();
    if review.submitted_at.is_some() {
        return Err(simple_refusal("Can not delete a non-pending pull request review"));
    }
    if let Some(pull) = repo.issue_mut(number).and_then(|i| i.pull.as_mut()) {
        pull.reviews.retain(|r| r.id != id);
    }
    repo.review_comments.retain(|c| c.review_id != id);
    let view = View::new(&shared, &inner.world, Some(&caller));
    Ok(json_response(StatusCode::OK, &model::pull::review(&view, view.repo(&at.0, &at.1)?, number, &review)))
}
