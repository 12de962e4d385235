//! The pull requests area: `GET /repos/{o}/{r}/pulls` (`?state=`, `?head=`,
//! `?base=`, `?sort=`, `?direction=`), `GET .../pulls/{n}` (JSON, or the
//! unified diff with `Accept: application/vnd.github.diff`, answered as
//! `application/vnd.github.diff; charset=utf-8` like GitHub),
//! `POST .../pulls`, `PATCH .../pulls/{n}` and `PUT .../pulls/{n}/merge`.
//!
//! Opening needs write scope only; editing needs push access or being the
//! author; merging needs push access. Errors as GitHub: 422 `invalid` on
//! `head`/`base` for a missing branch, 422 `No commits between main and x`,
//! 422 `A pull request already exists for o:x.`; merging answers 405 `Pull
//! Request is not mergeable` (closed, merged, draft or conflicting) and 409
//! `Head branch was modified...` when `sha` is not the head.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde_json::json;

use super::access::{Need, View};
use super::auth::Authed;
use super::errors::{ApiError, created, json_response};
use super::input::{Body, PathArgs, Query, accepts, path};
use super::model;
use super::pagination::list_response;
use super::repo_call::RepoCall;
use crate::state::Shared;
use crate::world::{Issue, MergeOptions, MergeRefusal, Pull, Repo, time, unified};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/pulls", get(list).post(create))
        .route("/repos/{owner}/{repo}/pulls/{number}", get(one).patch(update))
        .route("/repos/{owner}/{repo}/pulls/{number}/merge", put(merge))
}

/// The pull request `number` of `repo`, or 404 (also for plain issues).
pub(crate) fn find(repo: &Repo, number: u64) -> Result<(&Issue, &Pull), ApiError> {
    let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
    issue.pull.as_ref().map(|p| (issue, p)).ok_or_else(ApiError::not_found)
}

async fn list(call: RepoCall<()>, query: Query, uri: Uri) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let state = query.get("state").unwrap_or("open");
        let mut pulls: Vec<(&Issue, &Pull)> = repo
            .issues
            .iter()
            .filter_map(|i| i.pull.as_ref().map(|p| (i, p)))
            .filter(|(i, _)| state == "all" || i.state == state)
            .filter(|(_, p)| query.get("base").is_none_or(|b| p.base_ref == b))
            .filter(|(_, p)| {
                query.get("head").is_none_or(|h| {
                    let (o, b) = h.split_once(':').unwrap_or((&p.head_repo.0, h));
                    p.head_repo.0.eq_ignore_ascii_case(o) && p.head_ref == b
                })
            })
            .collect();
        match query.get("sort").unwrap_or("created") {
            "updated" => pulls.sort_by_key(|(i, _)| std::cmp::Reverse(i.updated_at)),
            _ => pulls.sort_by_key(|(i, _)| std::cmp::Reverse((i.created_at, i.number))),
        }
        if query.get("direction") == Some("asc") {
            pulls.reverse();
        }
        Ok(list_response(&pulls, &uri, &call.shared.api_url, |(i, p)| model::pull::pull(view, repo, i, p)))
    })
}

async fn one(call: RepoCall<u64>, headers: HeaderMap) -> Result<Response, ApiError> {
    let number = call.rest;
    call.read(|view, repo| {
        let (issue, pull) = find(repo, number)?;
        if accepts(&headers, "diff") {
            let text = unified(&view.world.git, &view.world.pull_changes(repo, pull));
            let mut response = (StatusCode::OK, text).into_response();
            let h = response.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.github.diff; charset=utf-8"));
            h.insert(HeaderName::from_static("x-github-media-type"), HeaderValue::from_static("github.v3; param=diff"));
            return Ok(response);
        }
        Ok(json_response(StatusCode::OK, &model::pull::pull_full(view, repo, issue, pull)))
    })
}

/// `{title, head, base, body?, draft?, maintainer_can_modify?}`; `head` is
/// `branch` or `owner:branch` (a fork's branch).
async fn create(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name) = path(args)?;
    let title = body.str("title")?.filter(|t| !t.trim().is_empty());
    let head = body.str("head")?;
    let base = body.str("base")?;
    let text = body.str("body")?;
    let draft = body.bool("draft")?.unwrap_or(false);
    let maintainer_can_modify = body.bool("maintainer_can_modify")?.unwrap_or(true);
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Contribute)?;
    let missing = |field: &str| ApiError::validation("PullRequest", field, "missing_field");
    let title = title.ok_or_else(|| missing("title"))?;
    let head = head.ok_or_else(|| missing("head"))?;
    let base = base.ok_or_else(|| missing("base"))?;
    let base_sha = repo.branches.get(&base).ok_or_else(|| ApiError::validation("PullRequest", "base", "invalid"))?;
    let (head_owner, head_ref) = head.split_once(':').unwrap_or((&repo.owner, &head));
    let head_repo = if head_owner.eq_ignore_ascii_case(&repo.owner) {
        Some(repo)
    } else {
        view.world.repos.iter().find(|r| {
            r.owner.eq_ignore_ascii_case(head_owner)
                && r.parent.as_ref().is_some_and(|(o, n)| repo.is(o, n))
                && view.visible(r)
        })
    };
    let head_repo = head_repo.ok_or_else(|| ApiError::validation("PullRequest", "head", "invalid"))?;
    let head_sha =
        head_repo.branches.get(head_ref).ok_or_else(|| ApiError::validation("PullRequest", "head", "invalid"))?;
    if view.world.git.commits_between(base_sha, head_sha).is_empty() {
        return Err(ApiError::custom("PullRequest", &format!("No commits between {base} and {head}")));
    }
    let head_key = (head_repo.owner.clone(), head_repo.name.clone());
    let duplicate = repo.issues.iter().filter(|i| i.is_open()).filter_map(|i| i.pull.as_ref()).any(|p| {
        p.head_repo.0.eq_ignore_ascii_case(&head_key.0)
            && p.head_repo.1.eq_ignore_ascii_case(&head_key.1)
            && p.head_ref == head_ref
            && p.base_ref == base
    });
    if duplicate {
        return Err(ApiError::custom(
            "PullRequest",
            &format!("A pull request already exists for {}:{head_ref}.", head_key.0),
        ));
    }
    let pull = Pull {
        id: 0,
        head_repo: head_key,
        head_ref: head_ref.to_owned(),
        head_sha: head_sha.clone(),
        base_ref: base,
        draft,
        maintainer_can_modify,
        merged: None,
        reviews: Vec::new(),
        requested_reviewers: Vec::new(),
    };
    let at = (repo.owner.clone(), repo.name.clone());
    let (issue_id, pull_id) = (world.next_id(), world.next_id());
    let now = time::now();
    let repo = world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    let number = repo.next_number();
    repo.issues.push(Issue {
        pull: Some(Pull { id: pull_id, ..pull }),
        ..Issue::opened(issue_id, number, title, text, &caller.login, now)
    });
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.repo(&at.0, &at.1)?;
    let (issue, pull) = find(repo, number)?;
    Ok(created(&model::pull::pull_full(&view, repo, issue, pull)))
}

/// `{title?, body?, state?, base?, maintainer_can_modify?}`.
async fn update(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name, number) = path(args)?;
    let title = body.str("title")?;
    let text = body.0.contains_key("body").then(|| body.str("body")).transpose()?;
    let state = body.str("state")?;
    let base = body.str("base")?;
    let maintainer_can_modify = body.bool("maintainer_can_modify")?;
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Contribute)?;
    let (issue, pull) = find(repo, number)?;
    if !view.is_member(repo) && !issue.user.eq_ignore_ascii_case(&caller.login) {
        return Err(ApiError::not_found());
    }
    if title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(ApiError::validation("PullRequest", "title", "missing_field"));
    }
    if let Some(s) = state.as_deref().filter(|s| !matches!(*s, "open" | "closed")) {
        return Err(ApiError::invalid_value("PullRequest", "state", s));
    }
    if pull.merged.is_some() && (state.is_some() || base.is_some()) {
        return Err(ApiError::custom("PullRequest", "Cannot change the state or base of a merged pull request."));
    }
    if base.as_ref().is_some_and(|b| !repo.branches.contains_key(b)) {
        return Err(ApiError::validation("PullRequest", "base", "invalid"));
    }
    let at = (repo.owner.clone(), repo.name.clone());
    let now = time::now();
    let repo = world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    let issue = repo.issue_mut(number).ok_or_else(ApiError::not_found)?;
    if let Some(title) = title {
        issue.title = title;
    }
    if let Some(text) = text {
        issue.body = text;
    }
    if let Some(state) = state {
        issue.set_state(state == "open", &caller.login, None, now);
    }
    if let Some(pull) = issue.pull.as_mut() {
        if let Some(base) = base {
            pull.base_ref = base;
        }
        if let Some(flag) = maintainer_can_modify {
            pull.maintainer_can_modify = flag;
        }
    }
    issue.updated_at = now;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.repo(&at.0, &at.1)?;
    let (issue, pull) = find(repo, number)?;
    Ok(json_response(StatusCode::OK, &model::pull::pull_full(&view, repo, issue, pull)))
}

/// `{merge_method?: merge|squash|rebase, sha?, commit_title?, commit_message?}`.
async fn merge(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name, number) = path(args)?;
    let method = body.str("merge_method")?.unwrap_or_else(|| "merge".into());
    let sha = body.str("sha")?;
    let title = body.str("commit_title")?;
    let message = body.str("commit_message")?;
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Push)?;
    find(repo, number)?;
    if !matches!(method.as_str(), "merge" | "squash" | "rebase") {
        return Err(ApiError::invalid_value("PullRequest", "merge_method", &method));
    }
    let at = (repo.owner.clone(), repo.name.clone());
    let options = MergeOptions {
        method: &method,
        sha: sha.as_deref(),
        title: title.as_deref(),
        message: message.as_deref(),
        by: &caller.login,
    };
    match world.merge_pull((&at.0, &at.1), number, options) {
        Ok(sha) => Ok(json_response(
            StatusCode::OK,
            &json!({"sha": sha, "merged": true, "message": "Pull Request successfully merged"}),
        )),
        Err(MergeRefusal::NotMergeable) => {
            Err(ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Pull Request is not mergeable"))
        }
        Err(MergeRefusal::HeadMoved) => {
            Err(ApiError::new(StatusCode::CONFLICT, "Head branch was modified. Review and try the merge again."))
        }
    }
}
