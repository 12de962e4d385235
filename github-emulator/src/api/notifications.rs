//! The caller's notifications: `GET /notifications` (unread only unless
//! `?all=true`; `?participating=true` keeps mentions, authored and review
//! requests), `GET /notifications/threads/{id}`, `PATCH
//! /notifications/threads/{id}` (mark read: 205, no body) and `PUT
//! /notifications` (mark all read: 205).
//!
//! These need a token (401) with the `notifications` or `repo` scope
//! (404 otherwise, like the repository writes); threads of repositories
//! the caller cannot see are left out, and other users' threads are 404.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::access::View;
use super::auth::{Authed, Caller};
use super::errors::{ApiError, json_response};
use super::input::{PathArgs, Query, path};
use super::model;
use super::pagination::list_response;
use crate::state::Shared;
use crate::world::{Thread, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/notifications", get(list).put(mark_all))
        .route("/notifications/threads/{id}", get(one).patch(mark_read))
}

fn require_scope(caller: &Caller) -> Result<(), ApiError> {
    if caller.has_scope("notifications") || caller.has_scope("repo") { Ok(()) } else { Err(ApiError::not_found()) }
}

/// The caller's threads whose repository they can see.
fn threads<'a>(view: &View<'a>, login: &str) -> Vec<&'a Thread> {
    view.world
        .threads
        .iter()
        .filter(|t| t.login.eq_ignore_ascii_case(login))
        .filter(|t| view.repo(&t.repo.0, &t.repo.1).is_ok())
        .collect()
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    query: Query,
    uri: Uri,
) -> Result<Response, ApiError> {
    require_scope(&caller)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let all = query.get("all") == Some("true");
    let participating = query.get("participating") == Some("true");
    let mut list: Vec<&Thread> = threads(&view, &caller.login)
        .into_iter()
        .filter(|t| all || t.unread)
        .filter(|t| !participating || matches!(t.reason.as_str(), "mention" | "author" | "review_requested" | "assign"))
        .collect();
    list.sort_by_key(|t| std::cmp::Reverse((t.updated_at, t.id)));
    Ok(list_response(&list, &uri, &shared.api_url, |t| {
        view.repo(&t.repo.0, &t.repo.1).map(|r| model::actions::thread(&view, r, t)).unwrap_or_default()
    }))
}

async fn one(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<u64>,
) -> Result<Response, ApiError> {
    require_scope(&caller)?;
    let id = path(args)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let thread = threads(&view, &caller.login).into_iter().find(|t| t.id == id).ok_or_else(ApiError::not_found)?;
    let repo = view.repo(&thread.repo.0, &thread.repo.1)?;
    Ok(json_response(StatusCode::OK, &model::actions::thread(&view, repo, thread)))
}

async fn mark_read(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<u64>,
) -> Result<Response, ApiError> {
    require_scope(&caller)?;
    let id = path(args)?;
    let mut inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    threads(&view, &caller.login).into_iter().find(|t| t.id == id).ok_or_else(ApiError::not_found)?;
    if let Some(thread) = inner.world.threads.iter_mut().find(|t| t.id == id) {
        thread.unread = false;
        thread.last_read_at = Some(time::now());
    }
    Ok(StatusCode::RESET_CONTENT.into_response())
}

async fn mark_all(State(shared): State<Arc<Shared>>, Authed(caller): Authed) -> Result<Response, ApiError> {
    require_scope(&caller)?;
    let mut inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let ids: Vec<u64> = threads(&view, &caller.login).iter().map(|t| t.id).collect();
    let now = time::now();
    for thread in inner.world.threads.iter_mut().filter(|t| ids.contains(&t.id) && t.unread) {
        thread.unread = false;
        thread.last_read_at = Some(now);
    }
    Ok(StatusCode::RESET_CONTENT.into_response())
}
