//! GitHub Actions: `GET /repos/{o}/{r}/actions/runs` (`?status=` — a status
//! or a conclusion —, `?branch=`, `?event=`, `?actor=`, `?head_sha=`),
//! `GET .../actions/runs/{id}`, `GET .../actions/runs/{id}/jobs`,
//! `GET .../actions/jobs/{id}`, `GET .../actions/jobs/{id}/logs`,
//! `POST .../actions/runs/{id}/rerun`, `.../rerun-failed-jobs` (403 when no
//! job failed) and `.../cancel` (202; 409 once completed, in GitHub's words).
//!
//! Also `GET .../actions/runs/{id}/logs` (a zip of every job's log) and its
//! `DELETE` (push access; 403 while the run is in progress; 404 for every
//! log of the run after), `GET .../actions/runs/{id}/timing` (billable time)
//! and `GET .../actions/artifacts/{id}/zip`.
//!
//! Downloads need a token (401 otherwise). As on GitHub they are not served
//! here: the answer is a 302 to a one-time link on the emulator's web side
//! (`/_downloads/{token}`, see `downloads`).
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
use super::repo_call::{RepoCall, repo_mut};
use crate::state::Shared;
use crate::tokens::random_hex;
use crate::world::{Download, Job, Repo, Run, World, time};

/// Download links handed out before all are forgotten (long benchmarks).
const MAX_DOWNLOADS: usize = 10_000;

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
        .route("/repos/{owner}/{repo}/actions/runs/{id}/logs", get(run_logs).delete(delete_run_logs))
        .route("/repos/{owner}/{repo}/actions/runs/{id}/timing", get(run_timing))
        .route("/repos/{owner}/{repo}/actions/artifacts/{id}/{format}", get(artifact_download))
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

async fn job_logs(call: RepoCall<u64>) -> Result<Response, ApiError> {
    let id = call.rest;
    call.as_viewer(|world, at, _| {
        let repo = world.repo(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
        let job = repo.jobs.iter().find(|j| j.id == id).ok_or_else(ApiError::not_found)?;
        logs_of(repo, job.run_id)?;
        redirect_to(&call.shared, world, Download::JobLog(at.clone(), id))
    })
}

/// A run's logs, all its jobs in one zip.
async fn run_logs(call: RepoCall<u64>) -> Result<Response, ApiError> {
    let id = call.rest;
    call.as_viewer(|world, at, _| {
        logs_of(world.repo(&at.0, &at.1).ok_or_else(ApiError::not_found)?, id)?;
        redirect_to(&call.shared, world, Download::RunLogs(at.clone(), id))
    })
}

/// Deletes a completed run's logs (push access): 204, and every log of the run is gone after.
async fn delete_run_logs(call: RepoCall<u64>) -> Result<Response, ApiError> {
    call.authed()?;
    let id = call.rest;
    call.write(
        Need::Push,
        |_, repo| match repo.runs.iter().find(|r| r.id == id) {
            None => Err(ApiError::not_found()),
            Some(run) if run.status != "completed" => {
                Err(ApiError::new(StatusCode::FORBIDDEN, "Cannot delete logs of a workflow run that is in progress."))
            }
            Some(_) => Ok(()),
        },
        |world, at, ()| {
            if let Some(run) = repo_mut(world, at)?.runs.iter_mut().find(|r| r.id == id) {
                run.logs_deleted = true;
            }
            Ok(())
        },
        |_, _, ()| Ok(StatusCode::NO_CONTENT.into_response()),
    )
}

/// The run's billable time per runner OS (every job here runs on `ubuntu-latest`), each job
/// rounded up to the minute as GitHub bills, and how long the run took.
async fn run_timing(call: RepoCall<u64>) -> Result<Response, ApiError> {
    let id = call.rest;
    call.read(|_, repo| {
        let run = repo.runs.iter().find(|r| r.id == id).ok_or_else(ApiError::not_found)?;
        let jobs: Vec<&Job> = repo.jobs.iter().filter(|j| j.run_id == id).collect();
        let ms = |j: &Job| j.completed_at.unwrap_or(j.started_at).saturating_sub(j.started_at) * 1000;
        let billed: u64 = jobs.iter().map(|j| ms(j).div_ceil(60_000) * 60_000).sum();
        let job_runs: Vec<Value> = jobs.iter().map(|j| json!({"job_id": j.id, "duration_ms": ms(j)})).collect();
        let usage = json!({
            "billable": {"UBUNTU": {"total_ms": billed, "jobs": jobs.len(), "job_runs": job_runs}},
            "run_duration_ms": run.updated_at.saturating_sub(run.created_at) * 1000,
        });
        Ok(json_response(StatusCode::OK, &usage))
    })
}

/// An artifact as a zip (`{archive_format}` must be `zip`, as on GitHub).
async fn artifact_download(call: RepoCall<(u64, String)>) -> Result<Response, ApiError> {
    let (id, ref format) = call.rest;
    if format != "zip" {
        return Err(ApiError::not_found());
    }
    call.as_viewer(|world, at, _| {
        let repo = world.repo(&at.0, &at.1).ok_or_else(ApiError::not_found)?;
        repo.artifacts.iter().find(|a| a.id == id).ok_or_else(ApiError::not_found)?;
        redirect_to(&call.shared, world, Download::Artifact(at.clone(), id))
    })
}

/// The run `id`, while its logs exist (404 once deleted, as GitHub answers).
fn logs_of(repo: &Repo, id: u64) -> Result<&Run, ApiError> {
    repo.runs.iter().find(|r| r.id == id && !r.logs_deleted).ok_or_else(ApiError::not_found)
}

/// A 302 to a one-time link on the web side that downloads `what`, as GitHub redirects to its
/// storage with a signed URL.
fn redirect_to(shared: &Shared, world: &mut World, what: Download) -> Result<Response, ApiError> {
    let token = random_hex(32);
    let location =
        HeaderValue::from_str(&format!("{}/_downloads/{token}", shared.base_url)).map_err(|_| ApiError::not_found())?;
    if world.downloads.len() >= MAX_DOWNLOADS {
        world.downloads.clear();
    }
    world.downloads.insert(token, what);
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
