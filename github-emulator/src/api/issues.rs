//! The issues area: `GET /repos/{o}/{r}/issues` (`?state=open|closed|all`,
//! `?labels=a,b`, `?assignee=`, `?creator=`, `?sort=`, `?direction=`; pull
//! requests included with a `pull_request` key, as GitHub does),
//! `GET .../issues/{n}`, `POST .../issues`, `PATCH .../issues/{n}` (also
//! `milestone`: a number, or null) and `GET /repos/{o}/{r}/labels`.
//!
//! Writes follow `api::access`: opening an issue needs only write scope;
//! editing needs push access, or being the issue's author (who may change
//! title, body and state; labels and assignees are then silently ignored,
//! as GitHub does for users without push access). Unknown labels are
//! created; assignees must be users with push access (else 422 `invalid`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;

use super::access::{Need, View};
use super::auth::Authed;
use super::errors::{ApiError, created, json_response};
use super::input::{Body, PathArgs, Query, path};
use super::model;
use super::pagination::list_response;
use super::repo_call::RepoCall;
use crate::state::Shared;
use crate::world::{Issue, Label, Repo, World, time};

const STATE_REASONS: [&str; 4] = ["completed", "not_planned", "reopened", "duplicate"];

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/issues", get(list).post(create))
        .route("/repos/{owner}/{repo}/issues/{number}", get(one).patch(update))
        .route("/repos/{owner}/{repo}/labels", get(labels).post(super::repo_more::create_label))
}

async fn list(call: RepoCall<()>, query: Query, uri: Uri) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let state = query.get("state").unwrap_or("open");
        let labels: Vec<&str> = query
            .get("labels")
            .map(|l| l.split(',').map(str::trim).filter(|l| !l.is_empty()).collect())
            .unwrap_or_default();
        let has = |list: &[String], who: &str| list.iter().any(|x| x.eq_ignore_ascii_case(who));
        let mut issues: Vec<&Issue> = repo
            .issues
            .iter()
            .filter(|i| state == "all" || i.state == state)
            .filter(|i| labels.iter().all(|l| has(&i.labels, l)))
            .filter(|i| match query.get("assignee") {
                None => true,
                Some("*") => !i.assignees.is_empty(),
                Some("none") => i.assignees.is_empty(),
                Some(who) => has(&i.assignees, who),
            })
            .filter(|i| query.get("creator").is_none_or(|who| i.user.eq_ignore_ascii_case(who)))
            .collect();
        let comments = |i: &Issue| repo.comments.iter().filter(|c| c.issue_number == i.number).count();
        match query.get("sort").unwrap_or("created") {
            "updated" => issues.sort_by_key(|i| std::cmp::Reverse(i.updated_at)),
            "comments" => issues.sort_by_key(|i| std::cmp::Reverse(comments(i))),
            _ => issues.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.number))),
        }
        if query.get("direction") == Some("asc") {
            issues.reverse();
        }
        Ok(list_response(&issues, &uri, &call.shared.api_url, |i| model::issue::issue(view, repo, i, false)))
    })
}

async fn one(call: RepoCall<u64>) -> Result<Response, ApiError> {
    let number = call.rest;
    call.read(|view, repo| {
        let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &model::issue::issue(view, repo, issue, true)))
    })
}

/// `{title, body?, labels?, assignees?, assignee?}`.
async fn create(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name) = path(args)?;
    let title = body.str("title")?.filter(|t| !t.trim().is_empty());
    let text = body.str("body")?;
    let labels = body.strings("labels")?.unwrap_or_default();
    let mut assignees = body.strings("assignees")?.unwrap_or_default();
    assignees.extend(body.str("assignee")?);
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Contribute)?;
    let title = title.ok_or_else(|| ApiError::validation("Issue", "title", "missing_field"))?;
    let push = view.is_member(repo);
    let assignees = if push { check_assignees(&view, repo, &assignees)? } else { Vec::new() };
    let at = (repo.owner.clone(), repo.name.clone());
    let labels = if push { ensure_labels(world, &at, &labels) } else { Vec::new() };
    let id = world.next_id();
    let now = time::now();
    let repo = world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    let number = repo.next_number();
    repo.issues.push(Issue { labels, assignees, ..Issue::opened(id, number, title, text, &caller.login, now) });
    repo.updated_at = now;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.repo(&at.0, &at.1)?;
    let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
    Ok(created(&model::issue::issue(&view, repo, issue, true)))
}

/// `{title?, body?, state?, state_reason?, labels?, assignees?, assignee?}`.
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
    let reason = body.str("state_reason")?;
    let labels = body.strings("labels")?;
    let mut assignees = body.strings("assignees")?;
    if body.0.contains_key("assignee") {
        assignees = Some(body.str("assignee")?.into_iter().collect());
    }
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Contribute)?;
    let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
    let push = view.is_member(repo);
    if !push && !issue.user.eq_ignore_ascii_case(&caller.login) {
        return Err(ApiError::not_found());
    }
    if title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(ApiError::validation("Issue", "title", "missing_field"));
    }
    if let Some(s) = state.as_deref().filter(|s| !matches!(*s, "open" | "closed")) {
        return Err(ApiError::invalid_value("Issue", "state", s));
    }
    if let Some(r) = reason.as_deref().filter(|r| !STATE_REASONS.contains(r)) {
        return Err(ApiError::invalid_value("Issue", "state_reason", r));
    }
    if state.as_deref() == Some("open") && issue.pull.as_ref().is_some_and(|p| p.merged.is_some()) {
        return Err(ApiError::custom("PullRequest", "State cannot be changed. The pull request has been merged."));
    }
    let assignees = match assignees {
        Some(list) if push => Some(check_assignees(&view, repo, &list)?),
        _ => None,
    };
    // `milestone`: a milestone number, or null to clear it; ignored without push access.
    let milestone = match body.0.get("milestone") {
        Some(_) if !push => None,
        None => None,
        Some(serde_json::Value::Null) => Some(None),
        Some(v) => match v.as_u64().filter(|n| repo.milestones.iter().any(|m| m.number == *n)) {
            Some(n) => Some(Some(n)),
            None => return Err(ApiError::validation("Issue", "milestone", "invalid")),
        },
    };
    // `type`: the name of one of the owner organization's issue types, or null; dropped without push access.
    let issue_type = match body.0.get("type") {
        Some(_) if !push => None,
        None => None,
        Some(serde_json::Value::Null) => Some(None),
        Some(v) => {
            let name = v.as_str().unwrap_or_default();
            let known = view
                .world
                .issue_types
                .iter()
                .find(|t| t.org.eq_ignore_ascii_case(&repo.owner) && t.name.eq_ignore_ascii_case(name));
            match known {
                Some(t) => Some(Some(t.name.clone())),
                None => return Err(ApiError::validation("Issue", "type", "invalid")),
            }
        }
    };
    let at = (repo.owner.clone(), repo.name.clone());
    let labels = match labels {
        Some(list) if push => Some(ensure_labels(world, &at, &list)),
        _ => None,
    };
    let now = time::now();
    let repo = world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    let issue = repo.issue_mut(number).ok_or_else(ApiError::not_found)?;
    if let Some(title) = title {
        issue.title = title;
    }
    if let Some(text) = text {
        issue.body = text;
    }
    if let Some(labels) = labels {
        issue.labels = labels;
    }
    if let Some(assignees) = assignees {
        issue.assignees = assignees;
    }
    if let Some(milestone) = milestone {
        issue.milestone = milestone;
    }
    if let Some(issue_type) = issue_type {
        issue.issue_type = issue_type;
    }
    match state {
        Some(state) => issue.set_state(state == "open", &caller.login, reason, now),
        None if reason.is_some() => issue.state_reason = reason,
        None => {}
    }
    issue.updated_at = now;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.repo(&at.0, &at.1)?;
    let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
    Ok(json_response(StatusCode::OK, &model::issue::issue(&view, repo, issue, true)))
}

async fn labels(call: RepoCall<()>, uri: Uri) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let mut list: Vec<&Label> = repo.labels.iter().collect();
        list.sort_by_key(|l| l.name.to_lowercase());
        Ok(list_response(&list, &uri, &call.shared.api_url, |l| model::issue::label(view, repo, l)))
    })
}

/// The canonical logins of `wanted`, or 422 `invalid` for the first one
/// that is not a user with push access.
pub(crate) fn check_assignees(view: &View, repo: &Repo, wanted: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for login in wanted {
        let user = view.shared.user(login).filter(|u| view.has_push(repo, &u.login));
        let user = user.ok_or_else(|| ApiError::invalid_value("Issue", "assignees", login))?;
        if !out.contains(&user.login) {
            out.push(user.login.clone());
        }
    }
    Ok(out)
}

/// The canonical names of `wanted`, creating the labels the repository
/// lacks (grey, no description), as GitHub does.
pub(crate) fn ensure_labels(world: &mut World, at: &(String, String), wanted: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in wanted.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let existing = world.repo(&at.0, &at.1).and_then(|r| r.label(name)).map(|l| l.name.clone());
        let name = match existing {
            Some(existing) => existing,
            None => {
                let id = world.next_id();
                let label =
                    Label { id, name: name.to_owned(), color: "ededed".into(), description: None, default: false };
                if let Some(repo) = world.repo_mut(&at.0, &at.1) {
                    repo.labels.push(label);
                }
                name.to_owned()
            }
        };
        if !out.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
    }
    out
}
