//! Downloads served at the web root, outside the API gate, standing in for
//! raw.githubusercontent.com and GitHub's log storage:
//!
//! - `GET /_raw/{owner}/{repo}/{ref}/{path}`: a file's bytes (the
//!   `download_url` of contents). A private repository's file only with
//!   the signed `?token=` its `download_url` carries, as GitHub does.
//! - `GET /_logs/{job_id}?token=..`: a job's plain-text log, where
//!   `GET .../actions/jobs/{id}/logs` redirects (the token comes from that
//!   redirect, as GitHub's log URLs are signed).
//!
//! Errors here are plain text, as those hosts answer.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::input::{PathArgs, Query};
use crate::state::Shared;

/// Routes served at the web root.
pub(crate) fn web_routes() -> Router<Arc<Shared>> {
    Router::new().route("/_raw/{owner}/{repo}/{ref}/{*path}", get(raw)).route("/_logs/{job_id}", get(logs))
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "404: Not Found").into_response()
}

async fn raw(
    State(shared): State<Arc<Shared>>,
    args: PathArgs<(String, String, String, String)>,
    query: Query,
) -> Response {
    let Ok(axum::extract::Path((owner, name, at, file))) = args else {
        return not_found();
    };
    let inner = shared.lock();
    let world = &inner.world;
    let signed = |full_name: &str| {
        query.get("token").is_some_and(|t| *t == shared.download_token(full_name, &at, file.trim_matches('/')))
    };
    let Some(repo) = world.repo(&owner, &name).filter(|r| !r.private || signed(&r.full_name())) else {
        return not_found();
    };
    let blob = repo
        .resolve(&world.git, &at)
        .and_then(|sha| world.git.tree(&sha).get(file.trim_matches('/')).cloned())
        .and_then(|blob| world.git.blob(&blob).cloned());
    match blob {
        Some(bytes) => {
            let content_type = if std::str::from_utf8(&bytes).is_ok() && !bytes.contains(&0) {
                "text/plain; charset=utf-8"
            } else {
                "application/octet-stream"
            };
            (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], bytes.to_vec()).into_response()
        }
        None => not_found(),
    }
}

async fn logs(State(shared): State<Arc<Shared>>, args: PathArgs<u64>, query: Query) -> Response {
    let Ok(axum::extract::Path(job_id)) = args else {
        return not_found();
    };
    let inner = shared.lock();
    let world = &inner.world;
    let granted = query.get("token").and_then(|t| world.log_tokens.get(t));
    let Some((owner, name, id)) = granted.filter(|(_, _, id)| *id == job_id) else {
        return not_found();
    };
    let log = world.repo(owner, name).and_then(|r| r.jobs.iter().find(|j| j.id == *id)).map(|j| j.log.to_string());
    match log {
        Some(text) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response(),
        None => not_found(),
    }
}
