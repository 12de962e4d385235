//! Repository contents: `GET /repos/{o}/{r}/contents/{path}?ref=` (a file
//! as base64 JSON, or raw bytes with `Accept: application/vnd.github.raw`;
//! a directory as an array of entries; files over 1 MB with `content: ""`
//! and `encoding: "none"`) and `PUT /repos/{o}/{r}/contents/{path}`
//! (create or update one file with a commit; updating needs the current
//! blob `sha`: missing → 422 `"sha" wasn't supplied.`, stale → 409).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::access::{Need, View, not_found_because};
use super::auth::MaybeAuthed;
use super::errors::{ApiError, json_response};
use super::input::{Body, PathArgs, Query, accepts, path};
use super::model;
use super::repo_call::RepoCall;
use crate::state::Shared;
use crate::world::{Repo, dir_sha};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/contents", get(get_root))
        .route("/repos/{owner}/{repo}/contents/", get(get_root))
        .route("/repos/{owner}/{repo}/contents/{*path}", get(get_path).put(put_file).delete(delete_file))
}

async fn get_root(
    State(shared): State<Arc<Shared>>,
    caller: MaybeAuthed,
    args: PathArgs<(String, String)>,
    query: Query,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (owner, name) = path(args)?;
    get_contents(&shared, caller, (owner, name, String::new()), &query, &headers)
}

async fn get_path(
    State(shared): State<Arc<Shared>>,
    caller: MaybeAuthed,
    args: PathArgs<(String, String, String)>,
    query: Query,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    get_contents(&shared, caller, path(args)?, &query, &headers)
}

fn get_contents(
    shared: &Shared,
    MaybeAuthed(caller): MaybeAuthed,
    (owner, name, file_path): (String, String, String),
    query: &Query,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let inner = shared.lock();
    let view = View::new(shared, &inner.world, caller.as_ref());
    let repo = view.repo(&owner, &name)?;
    let (at, sha) = resolve(&view, repo, query.get("ref"))?;
    let tree = view.world.git.tree(&sha);
    let file_path = file_path.trim_matches('/');

    if let Some(blob_sha) = tree.get(file_path) {
        let bytes = view.world.git.blob(blob_sha).ok_or_else(ApiError::not_found)?;
        if accepts(headers, "raw") {
            return Ok(raw(bytes));
        }
        let body = model::git::content_file(&view, repo, &at, file_path, blob_sha, bytes);
        return Ok(json_response(StatusCode::OK, &body));
    }

    let prefix = if file_path.is_empty() { String::new() } else { format!("{file_path}/") };
    // Child name → (full path, Some(blob sha) for a file / None for a dir).
    let mut children: BTreeMap<&str, (String, Option<&String>)> = BTreeMap::new();
    for (full, blob) in tree.range(prefix.clone()..).take_while(|(p, _)| p.starts_with(&prefix)) {
        let rest = &full[prefix.len()..];
        match rest.split_once('/') {
            Some((dir, _)) => children.entry(dir).or_insert_with(|| (format!("{prefix}{dir}"), None)),
            None => children.entry(rest).or_insert_with(|| (full.clone(), Some(blob))),
        };
    }
    if children.is_empty() {
        return Err(ApiError::not_found());
    }
    let entries: Vec<Value> = children
        .values()
        .map(|(child, blob)| match blob {
            Some(blob) => {
                let size = view.world.git.blob(blob).map_or(0, |b| b.len());
                model::git::content_entry(&view, repo, &at, child, blob, Some(size))
            }
            None => model::git::content_entry(&view, repo, &at, child, &dir_sha(&tree, child), None),
        })
        .collect();
    Ok(json_response(StatusCode::OK, &Value::Array(entries)))
}

/// The ref to show (as named in URLs) and its commit: `?ref=` or the
/// default branch. 404 `This repository is empty.` / `No commit found for
/// the ref X` as GitHub answers.
pub(crate) fn resolve(view: &View, repo: &Repo, wanted: Option<&str>) -> Result<(String, String), ApiError> {
    if repo.branches.is_empty() {
        return Err(not_found_because("This repository is empty."));
    }
    let at = wanted.unwrap_or(&repo.default_branch);
    let sha = repo
        .resolve(&view.world.git, at)
        .ok_or_else(|| not_found_because(format!("No commit found for the ref {at}")))?;
    Ok((at.to_owned(), sha))
}

/// The bytes themselves, for the raw media type.
fn raw(bytes: &Arc<[u8]>) -> Response {
    let content_type = if std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0) {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], bytes.to_vec()).into_response()
}

/// GitHub's 422 for a required field the request left out.
fn not_supplied(field: &str) -> ApiError {
    ApiError::unprocessable(format!("Invalid request.\n\n\"{field}\" wasn't supplied."))
}

/// `{message, content (base64), sha? (required to update), branch?}`.
async fn put_file(call: RepoCall<String>, body: Body) -> Result<Response, ApiError> {
    let author = call.authed()?.login.clone();
    let file_path = call.rest.trim_matches('/').to_owned();
    let message = body.str("message")?;
    let content = body.str("content")?;
    let sha = body.str("sha")?;
    let branch = body.str("branch")?;
    call.write(
        Need::Push,
        |view, repo| {
            let message = message.ok_or_else(|| not_supplied("message"))?;
            let content = content.ok_or_else(|| not_supplied("content"))?;
            let compact: String = content.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = STANDARD.decode(compact).map_err(|_| ApiError::unprocessable("content is not valid Base64"))?;
            let branch = branch.unwrap_or_else(|| repo.default_branch.clone());
            let tip = repo.branches.get(&branch);
            if tip.is_none() && !repo.branches.is_empty() {
                return Err(not_found_because(format!("Branch {branch} not found")));
            }
            let tree = tip.map(|t| (*view.world.git.tree(t)).clone()).unwrap_or_default();
            if file_path.is_empty() || tree.keys().any(|p| p.starts_with(&format!("{file_path}/"))) {
                return Err(ApiError::unprocessable(format!("Invalid request.\n\n\"{file_path}\" is a directory.")));
            }
            let existing = tree.get(&file_path).cloned();
            match (&existing, &sha) {
                (Some(_), None) => return Err(not_supplied("sha")),
                (Some(current), Some(given)) if !current.eq_ignore_ascii_case(given) => {
                    return Err(ApiError::new(StatusCode::CONFLICT, format!("{file_path} does not match {given}")));
                }
                _ => {}
            }
            Ok((message, bytes, branch, tree, existing.is_some()))
        },
        |world, at, (message, bytes, branch, mut tree, replaced)| {
            let blob = world.git.put_blob(Arc::from(bytes));
            tree.insert(file_path.clone(), blob.clone());
            let commit = world
                .commit_to_branch((&at.0, &at.1), &branch, tree, &message, &author)
                .ok_or_else(|| not_found_because(format!("Branch {branch} not found")))?;
            Ok((blob, branch, commit, replaced))
        },
        |view, repo, (blob, branch, commit, replaced)| {
            let size = view.world.git.blob(&blob).map_or(0, |b| b.len());
            let commit = view.world.git.commit(&commit).ok_or_else(ApiError::not_found)?;
            let body = json!({
                "content": model::git::content_entry(view, repo, &branch, &file_path, &blob, Some(size)),
                "commit": model::git::git_commit(view, repo, commit),
            });
            Ok(json_response(if replaced { StatusCode::OK } else { StatusCode::CREATED }, &body))
        },
    )
}

/// `{message, sha, branch?}`: commits the file's removal. 404 for a missing file or branch, 422
/// without `message` or `sha`, 409 when `sha` is not the file's.
async fn delete_file(call: RepoCall<String>, body: Body) -> Result<Response, ApiError> {
    let author = call.authed()?.login.clone();
    let file_path = call.rest.trim_matches('/').to_owned();
    let message = body.str("message")?;
    let sha = body.str("sha")?;
    let branch = body.str("branch")?;
    call.write(
        Need::Push,
        |view, repo| {
            let message = message.ok_or_else(|| not_supplied("message"))?;
            let sha = sha.ok_or_else(|| not_supplied("sha"))?;
            let branch = branch.unwrap_or_else(|| repo.default_branch.clone());
            let tip =
                repo.branches.get(&branch).ok_or_else(|| not_found_because(format!("Branch {branch} not found")))?;
            let tree = (*view.world.git.tree(tip)).clone();
            let current = tree.get(&file_path).ok_or_else(|| not_found_because("Not Found"))?;
            if !current.eq_ignore_ascii_case(&sha) {
                return Err(ApiError::new(StatusCode::CONFLICT, format!("{file_path} does not match {sha}")));
            }
            Ok((message, branch, tree))
        },
        |world, at, (message, branch, mut tree)| {
            tree.remove(&file_path);
            world
                .commit_to_branch((&at.0, &at.1), &branch, tree, &message, &author)
                .ok_or_else(|| not_found_because(format!("Branch {branch} not found")))
        },
        |view, repo, commit| {
            let commit = view.world.git.commit(&commit).ok_or_else(ApiError::not_found)?;
            let body = json!({"content": null, "commit": model::git::git_commit(view, repo, commit)});
            Ok(json_response(StatusCode::OK, &body))
        },
    )
}
