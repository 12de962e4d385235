//! Git history: `GET /repos/{o}/{r}/branches`, `/branches/{branch}` (404
//! `Branch not found`), `/commits` (`?sha=`,
//! `?path=`, `?author=`), `/commits/{ref}` (with `stats` and `files`),
//! `/tags`, `/releases`, and `POST /repos/{o}/{r}/git/refs` (422
//! `Reference already exists`, 422 `Object does not exist` for an unknown
//! sha).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};

use super::access::{Need, View, not_found_because};
use super::auth::Authed;
use super::errors::{ApiError, json_response};
use super::input::{Body, PathArgs, Query, path};
use super::model;
use super::pagination::{list_response, paginate};
use super::repo_call::RepoCall;
use crate::state::Shared;
use crate::world::Commit;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/branches", get(branches))
        .route("/repos/{owner}/{repo}/branches/{*branch}", get(one_branch))
        .route("/repos/{owner}/{repo}/commits", get(commits))
        .route("/repos/{owner}/{repo}/commits/{sha}", get(one_commit))
        .route("/repos/{owner}/{repo}/tags", get(tags))
        .route("/repos/{owner}/{repo}/releases", get(releases))
        .route("/repos/{owner}/{repo}/git/refs", post(create_ref))
}

async fn branches(call: RepoCall<()>, uri: Uri) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let list: Vec<(&String, &String)> = repo.branches.iter().collect();
        Ok(list_response(&list, &uri, &call.shared.api_url, |(b, sha)| model::git::branch(view, repo, b, sha)))
    })
}

async fn one_branch(call: RepoCall<String>) -> Result<Response, ApiError> {
    let branch = &call.rest;
    call.read(|view, repo| {
        let branch = branch.trim_matches('/');
        let commit = repo
            .branches
            .get(branch)
            .and_then(|sha| view.world.git.commit(sha))
            .ok_or_else(|| not_found_because("Branch not found"))?;
        Ok(json_response(StatusCode::OK, &model::git::branch_full(view, repo, branch, commit)))
    })
}

async fn commits(call: RepoCall<()>, query: Query, uri: Uri) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        if repo.branches.is_empty() {
            return Err(ApiError::new(StatusCode::CONFLICT, "Git Repository is empty."));
        }
        let start = query.get("sha").unwrap_or(&repo.default_branch);
        let tip = repo.resolve(&view.world.git, start).ok_or_else(ApiError::not_found)?;
        let git = &view.world.git;
        let mut history: Vec<&Commit> = git.history(&tip);
        if let Some(file) = query.get("path").map(|p| p.trim_matches('/')) {
            let prefix = format!("{file}/");
            let touched = |tree: &crate::world::Tree| -> Vec<(String, String)> {
                tree.iter()
                    .filter(|(p, _)| *p == file || p.starts_with(&prefix))
                    .map(|(p, s)| (p.clone(), s.clone()))
                    .collect()
            };
            history.retain(|c| {
                let before = c.parents.first().map(|p| touched(&git.tree(p))).unwrap_or_default();
                before != touched(&c.tree)
            });
        }
        if let Some(author) = query.get("author") {
            history.retain(|c| c.author.eq_ignore_ascii_case(author));
        }
        Ok(list_response(&history, &uri, &call.shared.api_url, |c| model::git::commit(view, repo, c)))
    })
}

/// One commit with its changed files, a page of them at a time (`?page=`, `?per_page=`, with a
/// `Link` header), as GitHub pages a large commit's files.
async fn one_commit(call: RepoCall<String>, uri: Uri) -> Result<Response, ApiError> {
    let wanted = &call.rest;
    call.read(|view, repo| {
        let commit = repo
            .resolve(&view.world.git, wanted)
            .and_then(|sha| view.world.git.commit(&sha))
            .ok_or_else(|| ApiError::unprocessable(format!("No commit found for SHA: {wanted}")))?;
        let mut body = model::git::commit_full(view, repo, commit);
        let files = body["files"].as_array().cloned().unwrap_or_default();
        let page = paginate(&files, &uri, &call.shared.api_url);
        body["files"] = serde_json::Value::Array(page.items.to_vec());
        let mut response = json_response(StatusCode::OK, &body);
        if let Some(link) = page.link {
            response.headers_mut().insert(axum::http::header::LINK, link);
        }
        Ok(response)
    })
}

async fn tags(call: RepoCall<()>, uri: Uri) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let list: Vec<(&String, &String)> = repo.tags.iter().rev().collect();
        Ok(list_response(&list, &uri, &call.shared.api_url, |(t, sha)| model::git::tag(view, repo, t, sha)))
    })
}

async fn releases(call: RepoCall<()>, uri: Uri) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let mut list: Vec<_> = repo.releases.iter().collect();
        list.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        Ok(list_response(&list, &uri, &call.shared.api_url, |r| model::git::release(view, repo, r)))
    })
}

/// `{ref: "refs/heads/x" | "refs/tags/x", sha}`; needs push access.
async fn create_ref(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name) = path(args)?;
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Push)?;
    let full_ref =
        body.str("ref")?.ok_or_else(|| ApiError::unprocessable("Invalid request.\n\n\"ref\" wasn't supplied."))?;
    let sha =
        body.str("sha")?.ok_or_else(|| ApiError::unprocessable("Invalid request.\n\n\"sha\" wasn't supplied."))?;
    let valid = full_ref.starts_with("refs/") && full_ref.matches('/').count() >= 2 && !full_ref.ends_with('/');
    if !valid || full_ref.contains("..") || full_ref.contains(char::is_whitespace) {
        return Err(ApiError::unprocessable("Reference name must start with 'refs/' and have at least two slashes."));
    }
    let Some(commit) = view.world.git.commit(&sha.to_ascii_lowercase()) else {
        return Err(ApiError::unprocessable("Object does not exist"));
    };
    let sha = commit.sha.clone();
    let (owner, name) = (repo.owner.clone(), repo.name.clone());
    let exists = repo.resolve_exact(&full_ref).is_some();
    if exists {
        return Err(ApiError::unprocessable("Reference already exists"));
    }
    let Some(repo) = world.repo_mut(&owner, &name) else {
        return Err(ApiError::not_found());
    };
    if let Some(branch) = full_ref.strip_prefix("refs/heads/") {
        repo.branches.insert(branch.to_owned(), sha.clone());
    } else if let Some(tag) = full_ref.strip_prefix("refs/tags/") {
        repo.tags.insert(tag.to_owned(), sha.clone());
    } else {
        return Err(ApiError::unprocessable("Reference name must start with 'refs/heads/' or 'refs/tags/'."));
    }
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.repo(&owner, &name)?;
    Ok(json_response(StatusCode::CREATED, &model::git::git_ref(&view, repo, &full_ref, &sha)))
}
