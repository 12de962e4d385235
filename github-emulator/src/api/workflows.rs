//! Workflows and what runs leave behind: `GET .../actions/workflows` (each
//! workflow the repository's runs name, active), `POST
//! .../actions/workflows/{id or file name}/dispatches` (`{ref, inputs?}`,
//! push access: a queued `workflow_dispatch` run on the ref's branch, 204;
//! 422 `No ref found for: x`; 404 for an unknown workflow), and `GET
//! .../actions/runs/{id}/artifacts`.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::access::{Need, View};
use super::errors::{ApiError, json_response};
use super::input::Body;
use super::model;
use super::model::repo::repo_api;
use super::repo_call::{RepoCall, repo_mut};
use crate::state::Shared;
use crate::world::{Repo, Run, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/actions/workflows", get(workflows))
        .route("/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches", post(dispatch))
        .route("/repos/{owner}/{repo}/actions/runs/{id}/artifacts", get(artifacts))
}

/// The repository's workflows: (id, name, path), from its runs.
fn known(repo: &Repo) -> Vec<(u64, String, String)> {
    let mut found: Vec<(u64, String, String)> =
        repo.runs.iter().map(|r| (r.workflow_id, r.name.clone(), r.path.clone())).collect();
    found.sort();
    found.dedup();
    found
}

fn workflow(view: &View, repo: &Repo, (id, name, path): &(u64, String, String)) -> Value {
    let api = repo_api(view, repo);
    let html = format!("{}/{}/{}/blob/{}/{path}", view.shared.base_url, repo.owner, repo.name, repo.default_branch);
    json!({
        "id": id,
        "node_id": model::node_id("Workflow", *id),
        "name": name,
        "path": path,
        "state": "active",
        "created_at": time::iso(repo.created_at),
        "updated_at": time::iso(repo.created_at),
        "url": format!("{api}/actions/workflows/{id}"),
        "html_url": html,
        "badge_url": format!("{}/{}/{}/workflows/{}/badge.svg", view.shared.base_url, repo.owner, repo.name, path.rsplit('/').next().unwrap_or_default()),
    })
}

async fn workflows(call: RepoCall<()>) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let list: Vec<Value> = known(repo).iter().map(|w| workflow(view, repo, w)).collect();
        Ok(json_response(StatusCode::OK, &json!({"total_count": list.len(), "workflows": list})))
    })
}

/// `{ref, inputs?}`: a new queued run of the workflow on the branch `ref` names.
async fn dispatch(call: RepoCall<String>, body: Body) -> Result<Response, ApiError> {
    let actor = call.authed()?.login.clone();
    let wanted = body.str("ref")?;
    call.write(
        Need::Push,
        |_, repo| {
            // `ref` is checked once access is: GitHub answers 404 to who may not push.
            let wanted = wanted.clone().ok_or_else(|| ApiError::validation("Workflow", "ref", "missing_field"))?;
            let by = |(id, _, path): &(u64, String, String)| {
                id.to_string() == call.rest || path.rsplit('/').next() == Some(call.rest.as_str())
            };
            let (workflow_id, name, path) = known(repo).into_iter().find(by).ok_or_else(ApiError::not_found)?;
            let branch = wanted.strip_prefix("refs/heads/").unwrap_or(&wanted).to_owned();
            let sha = repo
                .branches
                .get(&branch)
                .cloned()
                .ok_or_else(|| ApiError::unprocessable(format!("No ref found for: {wanted}")))?;
            Ok((workflow_id, name, path, branch, sha))
        },
        |world, at, (workflow_id, name, path, head_branch, head_sha)| {
            let id = world.next_id();
            let now = time::now();
            let repo = repo_mut(world, at)?;
            let run_number = repo.runs.iter().map(|r| r.run_number).max().unwrap_or(0) + 1;
            repo.runs.push(Run {
                id,
                name,
                workflow_id,
                path,
                head_branch,
                head_sha,
                event: "workflow_dispatch".into(),
                status: "queued".into(),
                conclusion: None,
                run_number,
                run_attempt: 1,
                actor,
                created_at: now,
                updated_at: now,
                logs_deleted: false,
            });
            Ok(())
        },
        |_, _, ()| Ok(StatusCode::NO_CONTENT.into_response()),
    )
}

async fn artifacts(call: RepoCall<u64>) -> Result<Response, ApiError> {
    let run_id = call.rest;
    call.read(|view, repo| {
        let run = repo.runs.iter().find(|r| r.id == run_id).ok_or_else(ApiError::not_found)?;
        let api = repo_api(view, repo);
        let list: Vec<Value> = repo
            .artifacts
            .iter()
            .filter(|a| a.run_id == run_id)
            .map(|a| {
                json!({
                    "id": a.id,
                    "node_id": model::node_id("Artifact", a.id),
                    "name": a.name,
                    "size_in_bytes": a.size,
                    "url": format!("{api}/actions/artifacts/{}", a.id),
                    "archive_download_url": format!("{api}/actions/artifacts/{}/zip", a.id),
                    "expired": false,
                    "created_at": time::iso(a.created_at),
                    "updated_at": time::iso(a.created_at),
                    "expires_at": time::iso(a.created_at + 90 * 86_400),
                    "workflow_run": {"id": run.id, "repository_id": repo.id, "head_repository_id": repo.id,
                        "head_branch": run.head_branch, "head_sha": run.head_sha},
                })
            })
            .collect();
        Ok(json_response(StatusCode::OK, &json!({"total_count": list.len(), "artifacts": list})))
    })
}
