//! GitHub Actions: `GET /repos/{o}/{r}/actions/runs` (`?status=` — a status
//! or a conclusion —, `?branch=`, `?event=`, `?actor=`, `?head_sha=`),
//! `GET .../actions/runs/{id}`, `GET .../actions/runs/{id}/jobs`,
//! `GET .../actions/jobs/{id}`, `GET .../actions/jobs/{id}/logs`,
//! `POST .../actions/runs/{id}/rerun`, `.../rerun-failed-jobs` (403 when no
//! job failed) and `.../cancel` (202; 409 once completed, in GitHub's words).
//!
//! Logs need a token (401 otherwise). As on GitHub they are not served
//! here: the answer is a 302 to a one-time-token URL on the emulator's web
//! side (`/_logs/{job_id}?token=..`, see `downloads`) serving `text/plain`.
//! Re-running needs push access, answers 201 `{}`, and leaves the run
//! `queued` with `run_attempt` + 1; a run that is not completed cannot be
//! re-run (403).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::access::{Need, View};
use super::auth::Authed;
use super::errors::{ApiError, json_response};
use super::input::{PathArgs, Query, path};
use super::model;
use super::pagination::paginate;
use super::repo_call::RepoCall;
use crate::state::Shared;
use crate::tokens::random_hex;
use crate::world::{Job, Run, time};

/// Log URLs handed out before the oldest are forgotten (long benchmarks).
const MAX_LOG_TOKENS: usize = 10_000;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/actions/runs", get(runs))
        .route("/repos/{owner}/{repo}/actions/runs/{id}", get(one_run))
        .route("/repos/{owner}/{repo}/actions/runs/{id}/jobs", get(run_jobs))
        .route("/repos/{owner}/{repo}/actions/runs/{id}/rerun", post(rerun))
        .route("/repos/{owner}/{repo}/actions/runs/{id}/rerun-failed-jobs", post(rerun_failed))
        .route("/repos/{owner}/{repo}/actions/runs/{id}/cancel", post(cancel))
        .route("/repos/{owner}/{repo}/actions/jobs/{id}", get(one_job))
        .route("/repos/{owner}/{repo}/actions/jobs/{id}/logs", get(job_logs))
}

/// `{total_count, <key>: [one page]}` with the `Link` header.
fn wrapped<T>(items: &[T], key: &str, uri: &Uri, api_url: &str, render: impl Fn(&T) -> Value) -> Response {
    let page = paginate(items, uri, api_url);
    let rendered: Vec<Value> = page.items.iter().map(render).collect();
    let mut response = json_response(StatusCode::OK, &json!({"total_count": items.len(), key: rendered}));
    if let Some(link) = page.link {
        response.headers_mut().insert(header::LINK, link);
    }
    response
}

async fn runs(call: RepoCall<()>, query: Query, uri: Uri) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let mut list: Vec<&Run> = repo
            .runs
            .iter()
            .filter(|r| query.get("status").is_none_or(|s| r.status == s || r.conclusion.as_deref() == Some(s)))
            .filter(|r| query.get("branch").is_none_or(|b| r.head_branch == b))
            .filter(|r| query.get("event").is_none_or(|e| r.event == e))
            .filter(|r| query.get("actor").is_none_or(|a| r.actor.eq_ignore_ascii_case(a)))
            .filter(|r| query.get("head_sha").is_none_or(|s| r.head_sha == s))
            .collect();
        list.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
        Ok(wrapped(&list, "workflow_runs", &uri, &call.shared.api_url, |r| model::actions::run(view, repo, r)))
    })
}

async fn one_run(call: RepoCall<u64>) -> Result<Response, ApiError> {
    let id = call.rest;
    call.read(|view, repo| {
        let run = repo.runs.iter().find(|r| r.id == id).ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &model::actions::run(view, repo, run)))
    })
}

async fn run_jobs(call: RepoCall<u64>, uri: Uri) -> Result<Response, ApiError> {
    let id = call.rest;
    call.read(|view, repo| {
        repo.runs.iter().find(|r| r.id == id).ok_or_else(ApiError::not_found)?;
        let jobs: Vec<&Job> = repo.jobs.iter().filter(|j| j.run_id == id).collect();
        Ok(wrapped(&jobs, "jobs", &uri, &call.shared.api_url, |j| model::actions::job(view, repo, j)))
    })
}

async fn one_job(call: RepoCall<u64>) -> Result<Response, ApiError> {
    let id = call.rest;
    call.read(|view, repo| {
        let job = repo.jobs.iter().find(|j| j.id == id).ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &model::actions::job(view, repo, job)))
    })
}

async fn job_logs(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64)>,
) -> Result<Response, ApiError> {
    let (owner, name, id) = path(args)?;
    let mut inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let repo = view.repo(&owner, &name)?;
    repo.jobs.iter().find(|j| j.id == id).ok_or_else(ApiError::not_found)?;
    let key = (repo.owner.clone(), repo.name.clone(), id);
    let token = random_hex(32);
    let location = format!("{}/_logs/{id}?token={token}", shared.base_url);
    let tokens = &mut inner.world.log_tokens;
    if tokens.len() >= MAX_LOG_TOKENS {
        tokens.clear();
    }
    tokens.insert(token, key);
    let location = HeaderValue::from_str(&location).map_err(|_| ApiError::not_found())?;
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

async fn rerun(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64)>,
) -> Result<Response, ApiError> {
    restart(&shared, &caller, args, false)
}

/// Re-runs only the failed (and cancelled) jobs of a completed run; 403 when none failed, in
/// GitHub's words.
async fn rerun_failed(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64)>,
) -> Result<Response, ApiError> {
    restart(&shared, &caller, args, true)
}

/// Cancels a queued or running run: 202; 409 once it has completed, in GitHub's words.
async fn cancel(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String, u64)>,
) -> Result<Response, ApiError> {
    let (owner, name, id) = path(args)?;
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.writable(&owner, &name, Need::Push)?;
    let run = repo.runs.iter().find(|r| r.id == id).ok_or_else(ApiError::not_found)?;
    if run.status == "completed" {
        return Err(ApiError::new(StatusCode::CONFLICT, "Cannot cancel a workflow run that is completed."));
    }
    let at = (repo.owner.clone(), repo.name.clone());
    let repo = world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    if let Some(run) = repo.runs.iter_mut().find(|r| r.id == id) {
        run.status = "completed".into();
        run.conclusion = Some("cancelled".into());
        run.updated_at = time::now();
    }
    Ok(json_response(StatusCode::ACCEPTED, &json!({})))
}

fn restart(
    shared: &Arc<Shared>,
    caller: &super::auth::Caller,
    args: PathArgs<(String, String, u64)>,
    only_failed: bool,
) -> Result<Response, ApiError> {
    let (owner, name, id) = path(args)?;
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let view = View::new(shared, world, Some(caller));
    let repo = view.writable(&owner, &name, Need::Push)?;
    let run = repo.runs.iter().find(|r| r.id == id).ok_or_else(ApiError::not_found)?;
    if run.status != "completed" {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "This workflow is already running"));
    }
    let failed = |c: &Option<String>| matches!(c.as_deref(), Some("failure" | "cancelled" | "timed_out"));
    if only_failed && !repo.jobs.iter().any(|j| j.run_id == id && failed(&j.conclusion)) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "This workflow run has no failed jobs to re-run."));
    }
    let at = (repo.owner.clone(), repo.name.clone());
    let repo = world.repo_mut(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
    if let Some(run) = repo.runs.iter_mut().find(|r| r.id == id) {
        run.status = "queued".into();
        run.conclusion = None;
        run.run_attempt += 1;
        run.actor.clone_from(&caller.login);
        run.updated_at = time::now();
    }
    Ok(json_response(StatusCode::CREATED, &json!({})))
}
