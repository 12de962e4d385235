//! CI results of a commit: `GET /repos/{o}/{r}/commits/{ref}/status` (the
//! combined status: `failure` if any context failed, `pending` if any is
//! pending or none exist, else `success`) and
//! `GET /repos/{o}/{r}/commits/{ref}/check-runs` (`?status=`,
//! `?check_name=`). An unknown ref is 422 `No commit found for SHA: x`.

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::errors::{ApiError, json_response};
use super::input::Query;
use super::model;
use super::pagination::paginate;
use super::repo_call::RepoCall;
use crate::state::Shared;
use crate::world::CheckRun;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/commits/{sha}/status", get(status))
        .route("/repos/{owner}/{repo}/commits/{sha}/check-runs", get(check_runs))
}

async fn status(call: RepoCall<String>) -> Result<Response, ApiError> {
    let wanted = &call.rest;
    call.read(|view, repo| {
        let sha = repo
            .resolve(&view.world.git, wanted)
            .ok_or_else(|| ApiError::unprocessable(format!("No commit found for SHA: {wanted}")))?;
        Ok(json_response(StatusCode::OK, &model::pull::combined_status(view, repo, &sha)))
    })
}

async fn check_runs(call: RepoCall<String>, query: Query, uri: Uri) -> Result<Response, ApiError> {
    let wanted = &call.rest;
    call.read(|view, repo| {
        let sha = repo
            .resolve(&view.world.git, wanted)
            .ok_or_else(|| ApiError::unprocessable(format!("No commit found for SHA: {wanted}")))?;
        let runs: Vec<&CheckRun> = repo
            .check_runs
            .iter()
            .filter(|r| r.head_sha == sha)
            .filter(|r| query.get("status").is_none_or(|s| r.status == s))
            .filter(|r| query.get("check_name").is_none_or(|n| r.name == n))
            .collect();
        let page = paginate(&runs, &uri, &call.shared.api_url);
        let items: Vec<Value> = page.items.iter().map(|r| model::pull::check_run(view, repo, r)).collect();
        let mut response = json_response(StatusCode::OK, &json!({"total_count": runs.len(), "check_runs": items}));
        if let Some(link) = page.link {
            response.headers_mut().insert(axum::http::header::LINK, link);
        }
        Ok(response)
    })
}
