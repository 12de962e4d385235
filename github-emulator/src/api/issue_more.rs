//! More of issues: sub-issues (`GET|POST .../issues/{n}/sub_issues`, `GET
//! .../issues/{n}/parent`, `DELETE
//! .../issues/{n}/sub_issue`, `PATCH .../issues/{n}/sub_issues/priority`,
//! each taking the sub-issue's *id*, as GitHub does; an issue has at most
//! one parent, 422 otherwise unless `replace_parent`); dependencies (`GET|POST
//! .../dependencies/blocked_by`, `DELETE .../blocked_by/{id}`, `GET
//! .../dependencies/blocking`; by issue id, same repository, no cycles);
//! reactions (`POST
//! .../issues/{n}/reactions` and `.../issues/comments/{id}/reactions`,
//! `{content}`: 201 new, 200 when the user already reacted so); milestones
//! (`GET .../milestones`, `?state=open|closed|all`); issue types (`GET
//! .../issue-types`: the owner organization's); and teams (`GET
//! /user/teams`, `GET /orgs/{org}/teams/{slug}/members`, members only).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{delete, get, patch, post};

use super::access::{Need, View};
use super::auth::Authed;
use super::errors::{ApiError, json_response};
use super::input::{Body, PathArgs, Query, path};
use super::model;
use super::pagination::list_response;
use super::repo_call::{RepoCall, repo_mut};
use crate::state::Shared;
use crate::world::{Issue, REACTIONS, Reaction, Repo, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/issues/{number}/sub_issues", get(sub_issues).post(add_sub_issue))
        .route("/repos/{owner}/{repo}/issues/{number}/sub_issue", delete(remove_sub_issue))
        .route("/repos/{owner}/{repo}/issues/{number}/parent", get(parent_issue))
        .route("/repos/{owner}/{repo}/issues/{number}/dependencies/blocked_by", get(blocked_by).post(add_blocker))
        .route("/repos/{owner}/{repo}/issues/{number}/dependencies/blocked_by/{id}", delete(remove_blocker))
        .route("/repos/{owner}/{repo}/issues/{number}/dependencies/blocking", get(blocking))
        .route("/repos/{owner}/{repo}/issues/{number}/sub_issues/priority", patch(reprioritize))
        .route("/repos/{owner}/{repo}/issues/{number}/reactions", post(react_to_issue))
        .route("/repos/{owner}/{repo}/issues/comments/{id}/reactions", post(react_to_comment))
        .route("/repos/{owner}/{repo}/milestones", get(milestones))
        .route("/repos/{owner}/{repo}/issue-types", get(issue_types))
        .route("/user/teams", get(my_teams))
        .route("/orgs/{org}/teams/{slug}/members", get(team_members))
}

fn issue_json(view: &View, repo: &Repo, number: u64) -> Result<serde_json::Value, ApiError> {
    let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
    Ok(model::issue::issue(view, repo, issue, false))
}

async fn sub_issues(call: RepoCall<u64>, uri: Uri) -> Result<Response, ApiError> {
    let number = call.rest;
    call.read(|view, repo| {
        let parent = repo.issue(number).ok_or_else(ApiError::not_found)?;
        let children: Vec<&Issue> =
            parent.sub_issues.iter().filter_map(|id| repo.issues.iter().find(|i| i.id == *id)).collect();
        Ok(list_response(&children, &uri, &call.shared.api_url, |i| model::issue::issue(view, repo, i, false)))
    })
}

/// A change to the sub-issues of issue `number` (the parent): push access, the parent, and the
/// sub-issue the body names (`sub_issue_id`, an issue of this repository) are checked first, as
/// GitHub checks them; `change` gets the repository and that id; the parent answers, with
/// `status`.
fn change_sub_issues(
    call: &RepoCall<u64>,
    body: &Body,
    status: StatusCode,
    change: impl FnOnce(&mut Repo, u64) -> Result<(), ApiError>,
) -> Result<Response, ApiError> {
    let number = call.rest;
    call.write(
        Need::Push,
        |_, repo| {
            repo.issue(number).ok_or_else(ApiError::not_found)?;
            let id = body
                .u64("sub_issue_id")?
                .ok_or_else(|| ApiError::validation("Issue", "sub_issue_id", "missing_field"))?;
            if !repo.issues.iter().any(|i| i.id == id && i.pull.is_none()) {
                return Err(ApiError::validation("Issue", "sub_issue_id", "invalid"));
            }
            Ok(id)
        },
        |world, at, id| change(repo_mut(world, at)?, id),
        |view, repo, ()| Ok(json_response(status, &issue_json(view, repo, number)?)),
    )
}

async fn add_sub_issue(call: RepoCall<u64>, body: Body) -> Result<Response, ApiError> {
    call.authed()?;
    let number = call.rest;
    let replace = body.bool("replace_parent")?.unwrap_or(false);
    change_sub_issues(&call, &body, StatusCode::CREATED, |repo, id| {
        let parent_id = repo.issue(number).map(|i| i.id).unwrap_or_default();
        if id == parent_id {
            return Err(ApiError::custom("Issue", "An issue cannot be a sub-issue of itself."));
        }
        let has_parent = repo.issues.iter().any(|i| i.sub_issues.contains(&id));
        if has_parent && !replace {
            return Err(ApiError::custom("Issue", "The issue already has a parent issue."));
        }
        for issue in &mut repo.issues {
            issue.sub_issues.retain(|s| *s != id);
        }
        let parent = repo.issue_mut(number).ok_or_else(ApiError::not_found)?;
        parent.sub_issues.push(id);
        parent.updated_at = time::now();
        Ok(())
    })
}

async fn remove_sub_issue(call: RepoCall<u64>, body: Body) -> Result<Response, ApiError> {
    call.authed()?;
    let number = call.rest;
    change_sub_issues(&call, &body, StatusCode::OK, |repo, id| {
        let parent = repo.issue_mut(number).ok_or_else(ApiError::not_found)?;
        if !parent.sub_issues.contains(&id) {
            return Err(ApiError::not_found());
        }
        parent.sub_issues.retain(|s| *s != id);
        Ok(())
    })
}

/// `{sub_issue_id, after_id? | before_id?}`: moves a sub-issue next to another.
async fn reprioritize(call: RepoCall<u64>, body: Body) -> Result<Response, ApiError> {
    call.authed()?;
    let number = call.rest;
    let (after, before) = (body.u64("after_id")?, body.u64("before_id")?);
    change_sub_issues(&call, &body, StatusCode::OK, |repo, id| {
        let parent = repo.issue_mut(number).ok_or_else(ApiError::not_found)?;
        let anchor = after.or(before).ok_or_else(|| ApiError::custom("Issue", "Pass after_id or before_id."))?;
        if !parent.sub_issues.contains(&id) || !parent.sub_issues.contains(&anchor) || anchor == id {
            return Err(ApiError::validation("Issue", "sub_issue_id", "invalid"));
        }
        parent.sub_issues.retain(|s| *s != id);
        let at_anchor = parent.sub_issues.iter().position(|s| *s == anchor).unwrap_or(0);
        parent.sub_issues.insert(if after.is_some() { at_anchor + 1 } else { at_anchor }, id);
        Ok(())
    })
}

/// Adds `caller`'s reaction to `list` (unless they gave the same one already: then 200 with it).
fn react(list: &mut Vec<Reaction>, id: u64, user: &str, content: String) -> (StatusCode, Reaction) {
    if let Some(same) = list.iter().find(|r| r.user.eq_ignore_ascii_case(user) && r.content == content) {
        return (StatusCode::OK, same.clone());
    }
    let reaction = Reaction { id, user: user.to_owned(), content, created_at: time::now() };
    list.push(reaction.clone());
    (StatusCode::CREATED, reaction)
}

fn reaction_content(body: &Body) -> Result<String, ApiError> {
    let content = body.str("content")?.ok_or_else(|| ApiError::validation("Reaction", "content", "missing_field"))?;
    if REACTIONS.contains(&content.as_str()) {
        Ok(content)
    } else {
        Err(ApiError::validation("Reaction", "content", "invalid"))
    }
}

/// Adds the caller's reaction (`{content}`) to the reactions `find` picks out of the repository for
/// the path's number: 404 when there is no such issue or comment, then 422 for a content GitHub
/// does not know.
fn add_reaction(
    call: &RepoCall<u64>,
    body: &Body,
    find: fn(&mut Repo, u64) -> Option<&mut Vec<Reaction>>,
) -> Result<Response, ApiError> {
    let login = call.authed()?.login.clone();
    let target = call.rest;
    call.write(
        Need::Contribute,
        |_, _| Ok(()),
        |world, at, ()| {
            let id = world.next_id();
            let list = find(repo_mut(world, at)?, target).ok_or_else(ApiError::not_found)?;
            Ok(react(list, id, &login, reaction_content(body)?))
        },
        |view, _, (status, reaction)| Ok(json_response(status, &model::issue::reaction(view, &reaction))),
    )
}

async fn react_to_issue(call: RepoCall<u64>, body: Body) -> Result<Response, ApiError> {
    add_reaction(&call, &body, |repo, number| repo.issue_mut(number).map(|i| &mut i.reactions))
}

async fn react_to_comment(call: RepoCall<u64>, body: Body) -> Result<Response, ApiError> {
    add_reaction(&call, &body, |repo, id| repo.comments.iter_mut().find(|c| c.id == id).map(|c| &mut c.reactions))
}

async fn milestones(call: RepoCall<()>, query: Query, uri: Uri) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let state = query.get("state").unwrap_or("open");
        let list: Vec<_> = repo.milestones.iter().filter(|m| state == "all" || m.state == state).collect();
        Ok(list_response(&list, &uri, &call.shared.api_url, |m| model::issue::milestone(view, repo, m)))
    })
}

async fn my_teams(State(shared): State<Arc<Shared>>, Authed(caller): Authed, uri: Uri) -> Result<Response, ApiError> {
    if !caller.has_scope("read:org") && !caller.has_scope("repo") && !caller.has_scope("user") {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "Resource not accessible by integration"));
    }
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let mine: Vec<_> =
        inner.world.teams.iter().filter(|t| t.members.iter().any(|m| m.eq_ignore_ascii_case(&caller.login))).collect();
    Ok(list_response(&mine, &uri, &shared.api_url, |t| model::issue::team(&view, t)))
}

/// A team's members, for a member of its organization (404 for anyone else, as GitHub hides teams).
async fn team_members(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String)>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (org, slug) = path(args)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    if !view.is_org_member(&org, &caller.login) {
        return Err(ApiError::not_found());
    }
    let team = inner
        .world
        .teams
        .iter()
        .find(|t| t.org.eq_ignore_ascii_case(&org) && t.slug == slug)
        .ok_or_else(ApiError::not_found)?;
    Ok(list_response(&team.members, &uri, &shared.api_url, |m| model::account(view.shared, view.world, m)))
}

/// The issue types of the organization that owns the repository (none for a user's).
async fn issue_types(call: RepoCall<()>) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let types: Vec<serde_json::Value> = view
            .world
            .issue_types
            .iter()
            .filter(|t| t.org.eq_ignore_ascii_case(&repo.owner))
            .map(model::issue::issue_type)
            .collect();
        Ok(json_response(StatusCode::OK, &serde_json::Value::Array(types)))
    })
}

/// The issue whose sub-issue this one is (404 when it has none).
async fn parent_issue(call: RepoCall<u64>) -> Result<Response, ApiError> {
    let number = call.rest;
    call.read(|view, repo| {
        let child = repo.issue(number).ok_or_else(ApiError::not_found)?;
        let parent = repo.issues.iter().find(|i| i.sub_issues.contains(&child.id)).ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &model::issue::issue(view, repo, parent, false)))
    })
}

/// The issues that block issue `number` (`blocking: false`) or that it blocks (`true`).
fn dependencies(call: &RepoCall<u64>, blocking: bool, uri: &Uri) -> Result<Response, ApiError> {
    let number = call.rest;
    call.read(|view, repo| {
        let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
        let related: Vec<&Issue> = if blocking {
            repo.issues.iter().filter(|i| i.blocked_by.contains(&issue.id)).collect()
        } else {
            issue.blocked_by.iter().filter_map(|id| repo.issues.iter().find(|i| i.id == *id)).collect()
        };
        Ok(list_response(&related, uri, &call.shared.api_url, |i| model::issue::issue(view, repo, i, false)))
    })
}

async fn blocked_by(call: RepoCall<u64>, uri: Uri) -> Result<Response, ApiError> {
    dependencies(&call, false, &uri)
}

async fn blocking(call: RepoCall<u64>, uri: Uri) -> Result<Response, ApiError> {
    dependencies(&call, true, &uri)
}

/// `{issue_id}`: that issue blocks this one. 422 for itself, one already blocking, or a cycle.
async fn add_blocker(call: RepoCall<u64>, body: Body) -> Result<Response, ApiError> {
    let number = call.rest;
    let blocker =
        body.u64("issue_id")?.ok_or_else(|| ApiError::validation("IssueDependency", "issue_id", "missing_field"))?;
    call.write(
        Need::Push,
        |_, repo| {
            let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
            let other = repo.issues.iter().find(|i| i.id == blocker).ok_or_else(ApiError::not_found)?;
            if other.id == issue.id || issue.blocked_by.contains(&blocker) || other.blocked_by.contains(&issue.id) {
                return Err(ApiError::validation("IssueDependency", "issue_id", "invalid"));
            }
            Ok(other.number)
        },
        |world, at, blocker_number| {
            let repo = repo_mut(world, at)?;
            repo.issue_mut(number).ok_or_else(ApiError::not_found)?.blocked_by.push(blocker);
            Ok(blocker_number)
        },
        |view, repo, blocker_number| Ok(json_response(StatusCode::CREATED, &issue_json(view, repo, blocker_number)?)),
    )
}

async fn remove_blocker(call: RepoCall<(u64, u64)>) -> Result<Response, ApiError> {
    let (number, blocker) = call.rest;
    call.write(
        Need::Push,
        |_, repo| {
            let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
            if !issue.blocked_by.contains(&blocker) {
                return Err(ApiError::not_found());
            }
            repo.issues.iter().find(|i| i.id == blocker).map(|i| i.number).ok_or_else(ApiError::not_found)
        },
        |world, at, blocker_number| {
            repo_mut(world, at)?
                .issue_mut(number)
                .ok_or_else(ApiError::not_found)?
                .blocked_by
                .retain(|b| *b != blocker);
            Ok(blocker_number)
        },
        |view, repo, blocker_number| Ok(json_response(StatusCode::OK, &issue_json(view, repo, blocker_number)?)),
    )
}
