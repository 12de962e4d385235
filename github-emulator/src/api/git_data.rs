//! The git data API, as a client commits several files at once: `GET
//! .../git/commits/{sha}`, `POST .../git/trees` (`{base_tree?, tree: [{path,
//! mode, type, content | sha}]}`; a `sha` of null deletes the path), `POST
//! .../git/commits` (`{message, tree, parents}`; 422 for a tree or parent
//! that does not exist) and `PATCH .../git/refs/heads/{branch}` (`{sha,
//! force?}`; 422 `Update is not a fast forward` unless forced). Writes need
//! push access.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, patch, post};
use serde_json::{Value, json};

use super::access::Need;
use super::errors::{ApiError, json_response};
use super::input::Body;
use super::model;
use super::repo_call::{RepoCall, repo_mut};
use super::repo_more::tree_json;
use crate::state::Shared;
use crate::world::{Tree, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/git/commits/{sha}", get(commit))
        .route("/repos/{owner}/{repo}/git/trees", post(create_tree))
        .route("/repos/{owner}/{repo}/git/commits", post(create_commit))
        .route("/repos/{owner}/{repo}/git/refs/{*name}", patch(update_ref))
}

async fn commit(call: RepoCall<String>) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let c = view.world.git.commit(&call.rest).ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &model::git::git_commit(view, repo, c)))
    })
}

/// What one entry of `tree` puts at its path.
enum Entry {
    Content(String),
    Blob(String),
    Delete,
}

/// The entries of `tree`, each with its path.
fn entries(body: &Body) -> Result<Vec<(String, Entry)>, ApiError> {
    let list = body
        .0
        .get("tree")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::validation("Tree", "tree", "missing_field"))?;
    list.iter()
        .map(|e| {
            let path = e["path"].as_str().map(|p| p.trim_matches('/').to_owned()).filter(|p| !p.is_empty());
            let path = path.ok_or_else(|| ApiError::validation("Tree", "path", "missing_field"))?;
            if e.get("type").and_then(Value::as_str).is_some_and(|t| t != "blob") {
                return Err(ApiError::unprocessable("only blob entries are supported here"));
            }
            let blob = match (e.get("content").and_then(Value::as_str), e.get("sha")) {
                (Some(content), _) => Entry::Content(content.to_owned()),
                (None, Some(Value::Null)) => Entry::Delete,
                (None, Some(Value::String(sha))) => Entry::Blob(sha.clone()),
                _ => return Err(ApiError::unprocessable("Must supply either tree.sha or tree.content")),
            };
            Ok((path, blob))
        })
        .collect()
}

async fn create_tree(call: RepoCall<()>, body: Body) -> Result<Response, ApiError> {
    let base = body.str("base_tree")?;
    let entries = entries(&body)?;
    call.write(
        Need::Push,
        |view, _| match &base {
            Some(sha) => view
                .world
                .git
                .tree_by_sha(sha)
                .map(|t| (*t).clone())
                .ok_or_else(|| ApiError::unprocessable("base_tree is not a valid tree oid")),
            None => Ok(Tree::new()),
        },
        |world, _, mut tree| {
            for (path, blob) in entries {
                match blob {
                    Entry::Delete => {
                        tree.remove(&path);
                    }
                    Entry::Content(content) => {
                        tree.insert(path, world.git.put_blob(Arc::from(content.into_bytes())));
                    }
                    Entry::Blob(sha) if world.git.blob(&sha).is_some() => {
                        tree.insert(path, sha);
                    }
                    Entry::Blob(_) => return Err(ApiError::unprocessable("tree.sha is not a valid blob")),
                }
            }
            world.git.put_tree(tree.clone());
            Ok(tree)
        },
        |view, repo, tree| Ok(json_response(StatusCode::CREATED, &tree_json(view, repo, &tree, false))),
    )
}

async fn create_commit(call: RepoCall<()>, body: Body) -> Result<Response, ApiError> {
    let author = call.authed()?.login.clone();
    let message = body.str("message")?;
    let tree = body.str("tree")?;
    let parents = body.strings("parents")?.unwrap_or_default();
    call.write(
        Need::Push,
        |view, _| {
            // Required fields are checked once access is: GitHub answers 404 to who may not push.
            let message = message.ok_or_else(|| ApiError::validation("Commit", "message", "missing_field"))?;
            let tree = tree.ok_or_else(|| ApiError::validation("Commit", "tree", "missing_field"))?;
            let files =
                view.world.git.tree_by_sha(&tree).ok_or_else(|| ApiError::unprocessable("Tree SHA does not exist"))?;
            if parents.iter().any(|p| view.world.git.commit(p).is_none()) {
                return Err(ApiError::unprocessable("Parent SHA does not exist or is not a commit object"));
            }
            Ok(((*files).clone(), message))
        },
        |world, _, (files, message)| Ok(world.git.commit_tree(parents.clone(), files, &message, &author, time::now())),
        |view, repo, sha| {
            let c = view.world.git.commit(&sha).ok_or_else(ApiError::not_found)?;
            Ok(json_response(StatusCode::CREATED, &model::git::git_commit(view, repo, c)))
        },
    )
}

async fn update_ref(call: RepoCall<String>, body: Body) -> Result<Response, ApiError> {
    let sha = body.str("sha")?.ok_or_else(|| ApiError::validation("Reference", "sha", "missing_field"))?;
    let force = body.bool("force")?.unwrap_or(false);
    let branch = call.rest.trim_matches('/').strip_prefix("heads/").map(str::to_owned);
    call.write(
        Need::Push,
        |view, repo| {
            let branch = branch.clone().ok_or_else(|| ApiError::unprocessable("Reference does not exist"))?;
            let tip = repo.branches.get(&branch).ok_or_else(|| ApiError::unprocessable("Reference does not exist"))?;
            view.world.git.commit(&sha).ok_or_else(|| ApiError::unprocessable("Object does not exist"))?;
            if !force && !view.world.git.ancestors(&sha).contains(tip) {
                return Err(ApiError::unprocessable("Update is not a fast forward"));
            }
            Ok(branch)
        },
        |world, at, branch| {
            let repo = repo_mut(world, at)?;
            repo.branches.insert(branch.clone(), sha.clone());
            repo.pushed_at = time::now();
            Ok(branch)
        },
        |view, repo, branch| {
            let api = model::repo::repo_api(view, repo);
            let full = format!("refs/heads/{branch}");
            let body = json!({"ref": full, "node_id": model::node_id("Ref", 1), "url": format!("{api}/git/{full}"),
                "object": {"type": "commit", "sha": sha, "url": format!("{api}/git/commits/{sha}")}});
            Ok(json_response(StatusCode::OK, &body))
        },
    )
}
