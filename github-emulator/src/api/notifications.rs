//! The caller's notifications: `GET /notifications` (unread only unless
//! `?all=true`; `?participating=true` keeps mentions, authored and review
//! requests), `GET /notifications/threads/{id}`, `PATCH
//! /notifications/threads/{id}` (mark read: 205, no body), `DELETE
//! /notifications/threads/{id}` (mark done: 204; out of the inbox), `PUT
//! /notifications` (mark all read: 205, `last_read_at` optional), and the
//! subscriptions: `GET|PUT|DELETE /notifications/threads/{id}/subscription`
//! (`{ignored}`) and `GET|PUT|DELETE /repos/{o}/{r}/subscription`
//! (`{subscribed, ignored}`; GET is 404 while the caller has none).
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
use super::input::{Body, PathArgs, Query, path};
use super::model;
use super::pagination::list_response;
use super::repo_call::RepoCall;
use crate::state::Shared;
use crate::world::{RepoSubscription, Thread, World, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/notifications", get(list).put(mark_all))
        .route("/notifications/threads/{id}", get(one).patch(mark_read).delete(mark_done))
        .route(
            "/notifications/threads/{id}/subscription",
            get(thread_subscription).put(subscribe_thread).delete(unsubscribe_thread),
        )
        .route(
            "/repos/{owner}/{repo}/subscription",
            get(repo_subscription).put(subscribe_repo).delete(unsubscribe_repo),
        )
}

fn require_scope(caller: &Caller) -> Result<(), ApiError> {
    if caller.has_scope("notifications") || caller.has_scope("repo") { Ok(()) } else { Err(ApiError::not_found()) }
}

/// The caller's threads whose repository they can see.
fn threads<'a>(view: &View<'a>, login: &str) -> Vec<&'a Thread> {
    view.world
        .threads
        .iter()
        .filter(|t| t.login.eq_ignore_ascii_case(login) && !t.done)
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
    on_thread(&shared, &caller, args, |thread| {
        thread.unread = false;
        thread.last_read_at = Some(time::now());
    })?;
    Ok(StatusCode::RESET_CONTENT.into_response())
}

/// `{last_read_at?}`: threads updated after it stay unread.
async fn mark_all(State(shared): State<Arc<Shared>>, Authed(caller): Authed, body: Body) -> Result<Response, ApiError> {
    require_scope(&caller)?;
    let until = match body.str("last_read_at")? {
        Some(at) => time::parse(&at).ok_or_else(|| ApiError::validation("Notification", "last_read_at", "invalid"))?,
        None => time::now(),
    };
    let mut inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let ids: Vec<u64> = threads(&view, &caller.login).iter().map(|t| t.id).collect();
    let now = time::now();
    for thread in inner.world.threads.iter_mut().filter(|t| ids.contains(&t.id) && t.unread && t.updated_at <= until) {
        thread.unread = false;
        thread.last_read_at = Some(now);
    }
    Ok(StatusCode::RESET_CONTENT.into_response())
}

/// Runs `f` on the caller's thread `id`: the scope is checked first, and a thread that is not in
/// their inbox is 404.
fn on_thread<R>(
    shared: &Shared,
    caller: &Caller,
    args: PathArgs<u64>,
    f: impl FnOnce(&mut Thread) -> R,
) -> Result<R, ApiError> {
    require_scope(caller)?;
    let id = path(args)?;
    let mut inner = shared.lock();
    let view = View::new(shared, &inner.world, Some(caller));
    threads(&view, &caller.login).into_iter().find(|t| t.id == id).ok_or_else(ApiError::not_found)?;
    inner.world.threads.iter_mut().find(|t| t.id == id).map(f).ok_or_else(ApiError::not_found)
}

async fn mark_done(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<u64>,
) -> Result<Response, ApiError> {
    on_thread(&shared, &caller, args, |thread| {
        thread.done = true;
        thread.unread = false;
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn thread_subscription_body(shared: &Shared, thread: &Thread) -> serde_json::Value {
    let url = format!("{}/notifications/threads/{}", shared.api_url, thread.id);
    let (ignored, at) = thread.subscription.unwrap_or((false, thread.updated_at));
    serde_json::json!({
        "subscribed": !ignored,
        "ignored": ignored,
        "reason": thread.subscription.is_none().then_some(thread.reason.as_str()),
        "created_at": time::iso(at),
        "url": format!("{url}/subscription"),
        "thread_url": url,
    })
}

async fn thread_subscription(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<u64>,
) -> Result<Response, ApiError> {
    let body = on_thread(&shared, &caller, args, |thread| thread_subscription_body(&shared, thread))?;
    Ok(json_response(StatusCode::OK, &body))
}

/// `{ignored?}` (default false): watch the thread, or mute it.
async fn subscribe_thread(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<u64>,
    body: Body,
) -> Result<Response, ApiError> {
    // Read after the scope check, as before: a token without it gets 404 whatever it sent.
    let ignored = body.bool("ignored");
    let body = on_thread(&shared, &caller, args, |thread| {
        let ignored = ignored?.unwrap_or(false);
        thread.subscription = Some((ignored, time::now()));
        Ok::<_, ApiError>(thread_subscription_body(&shared, thread))
    })??;
    Ok(json_response(StatusCode::OK, &body))
}

async fn unsubscribe_thread(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<u64>,
) -> Result<Response, ApiError> {
    on_thread(&shared, &caller, args, |thread| thread.subscription = None)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn repo_subscription_body(shared: &Shared, s: &RepoSubscription) -> serde_json::Value {
    let repo_url = format!("{}/repos/{}/{}", shared.api_url, s.repo.0, s.repo.1);
    serde_json::json!({
        "subscribed": s.subscribed,
        "ignored": s.ignored,
        "reason": null,
        "created_at": time::iso(s.created_at),
        "url": format!("{repo_url}/subscription"),
        "repository_url": repo_url,
    })
}

/// The caller's subscription to the repository `at`, if they have one.
fn subscription_of<'a>(world: &'a World, at: &(String, String), login: &str) -> Option<&'a RepoSubscription> {
    world.repo_subscriptions.iter().find(|s| s.login.eq_ignore_ascii_case(login) && s.repo == *at)
}

async fn repo_subscription(call: RepoCall<()>) -> Result<Response, ApiError> {
    call.as_viewer(|world, at, caller| {
        let s = subscription_of(world, at, &caller.login).ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &repo_subscription_body(&call.shared, s)))
    })
}

/// `{subscribed?, ignored?}`: watch the repository (`subscribed`), or mute it (`ignored`).
async fn subscribe_repo(call: RepoCall<()>, body: Body) -> Result<Response, ApiError> {
    let subscribed = body.bool("subscribed")?.unwrap_or(false);
    let ignored = body.bool("ignored")?.unwrap_or(false);
    call.as_viewer(|world, at, caller| {
        world.repo_subscriptions.retain(|s| !(s.login.eq_ignore_ascii_case(&caller.login) && s.repo == *at));
        let login = caller.login.clone();
        world.repo_subscriptions.push(RepoSubscription {
            login,
            repo: at.clone(),
            subscribed,
            ignored,
            created_at: time::now(),
        });
        let s = subscription_of(world, at, &caller.login).ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &repo_subscription_body(&call.shared, s)))
    })
}

async fn unsubscribe_repo(call: RepoCall<()>) -> Result<Response, ApiError> {
    call.as_viewer(|world, at, caller| {
        world.repo_subscriptions.retain(|s| !(s.login.eq_ignore_ascii_case(&caller.login) && s.repo == *at));
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}
