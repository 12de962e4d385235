//! Toolset `actions`: workflow runs, their jobs and logs, and re-runs.

use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    define::{Def, Route, route},
    shape,
    support::{Github, ListInRepo, Paging, RepoRef, ToolFailure, ToolResult, opt, seg, structured},
};
use crate::github::{Keep, sanitize::clean};

/// Most of a log read from GitHub, in bytes (the tail is what matters).
const LOG_BYTES: usize = 5 * 1024 * 1024;
const DEFAULT_TAIL: usize = 200;
/// Most log text returned, in characters (the end is kept).
const LOG_CHARS: usize = 100_000;
const MAX_TAIL: usize = 2000;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListRuns {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Only runs on this branch.
    pub branch: Option<String>,
    /// `queued`, `in_progress`, `completed`, `success`, `failure`, ...
    pub status: Option<String>,
    /// Only runs triggered by this event (`push`, `pull_request`, ...).
    pub event: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct RunRef {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Workflow run id.
    pub run_id: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct JobLogs {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Job id (from get_workflow_run's jobs).
    pub job_id: Option<u64>,
    /// Instead of `job_id`: a run id, to read the logs of all its failed jobs at once.
    pub run_id: Option<u64>,
    /// How many lines from the end of the log to return (default 200, at most 2000).
    pub tail_lines: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct JobRef {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Job id (from get_workflow_run's jobs).
    pub job_id: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DownloadOf {
    #[serde(flatten)]
    pub at: RepoRef,
    /// An artifact's id (from list_workflow_run_artifacts): its zip.
    pub artifact_id: Option<u64>,
    /// Instead: a run id, for a zip of all its jobs' logs.
    pub run_id: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct RunArtifacts {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Workflow run id.
    pub run_id: u64,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct RunWorkflow {
    #[serde(flatten)]
    pub at: RepoRef,
    /// The workflow: its file name (`ci.yml`) or id (from list_workflows).
    pub workflow: String,
    /// Branch to run it on.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// The workflow's `workflow_dispatch` inputs, by name.
    pub inputs: Option<serde_json::Map<String, Value>>,
}

const LIST_WORKFLOW_RUNS: Def = Def::read("list_workflow_runs", "List workflow runs").about(
    "Lists a repository's GitHub Actions runs newest first (id, workflow, branch, status, conclusion), \
     filtered by branch, status or event.",
);

async fn list_workflow_runs(gh: Github, p: ListRuns) -> ToolResult {
    let mut q = Vec::new();
    opt(&mut q, "branch", &p.branch);
    opt(&mut q, "status", &p.status);
    opt(&mut q, "event", &p.event);
    let path = format!("{}/actions/runs", p.at.path()?);
    gh.page(&path, &q, &p.paging, Some("workflow_runs"), "workflow_runs", shape::workflow_run).await
}

const GET_WORKFLOW_RUN: Def = Def::read("get_workflow_run", "Get a workflow run and its jobs").about(
    "Gets one workflow run with its jobs and their steps (status and conclusion), to find which \
     job failed before reading its log with get_job_logs.",
);

async fn get_workflow_run(gh: Github, p: RunRef) -> ToolResult {
    let repo = p.at.path()?;
    let run = gh.get(&format!("{repo}/actions/runs/{}", p.run_id), &[]).await?;
    let jobs = gh.get(&format!("{repo}/actions/runs/{}/jobs", p.run_id), &[("per_page", "100".into())]).await?;
    let total = jobs["total_count"].clone();
    let jobs: Vec<_> = jobs["jobs"].as_array().map(|a| a.iter().map(shape::job).collect()).unwrap_or_default();
    let mut out = shape::workflow_run(&run);
    out["jobs_total"] = total;
    out["jobs"] = json!(jobs);
    structured(out)
}

const GET_JOB_LOGS: Def = Def::read("get_job_logs", "Read a job's log").about(
    "Returns the last lines of a workflow job's log (default 200, at most 2000): of one job (`job_id`), \
     or of every failed job of a run (`run_id`).",
);

/// Most failed jobs of one run whose logs are read in one call.
const FAILED_JOBS: usize = 5;

async fn get_job_logs(gh: Github, p: JobLogs) -> ToolResult {
    let repo = p.at.path()?;
    let tail = p.tail_lines.unwrap_or(DEFAULT_TAIL).clamp(1, MAX_TAIL);
    match (p.job_id, p.run_id) {
        (Some(job), None) => structured(job_log(&gh, &repo, job, tail).await?),
        (None, Some(run)) => {
            let jobs = gh.get(&format!("{repo}/actions/runs/{run}/jobs"), &[("per_page", "100".into())]).await?;
            let failed: Vec<&Value> = jobs["jobs"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter(|j| matches!(j["conclusion"].as_str(), Some("failure" | "timed_out" | "cancelled")))
                .collect();
            // Each job's share of the tail, so the answer stays about one log's size.
            let share = (tail / failed.len().clamp(1, FAILED_JOBS)).max(20);
            let mut logs = Vec::new();
            for job in failed.iter().take(FAILED_JOBS) {
                let Some(id) = job["id"].as_u64() else { continue };
                let mut log = job_log(&gh, &repo, id, share).await?;
                log["name"] = job["name"].clone();
                logs.push(log);
            }
            structured(json!({
                "run_id": run,
                "failed_jobs": failed.len(),
                "logs": logs,
                "note": (failed.len() > FAILED_JOBS).then_some("Only the first five failed jobs; read the others by job_id."),
            }))
        }
        _ => Err(ToolFailure::message("Pass either `job_id` (one job) or `run_id` (all its failed jobs).")),
    }
}

/// The last `tail` lines of job `job`'s log.
async fn job_log(gh: &Github, repo: &str, job: u64, tail: usize) -> Result<Value, ToolFailure> {
    let path = format!("{repo}/actions/jobs/{job}/logs");
    let (log, cut) = gh.text(&path, "application/vnd.github+json", LOG_BYTES, Keep::Tail).await?;
    let mut lines: Vec<&str> = log.lines().collect();
    if cut && !lines.is_empty() {
        lines.remove(0); // the first line of a cut buffer is partial
    }
    let start = lines.len().saturating_sub(tail);
    let text = clean(&lines[start..].join("\n"));
    // Very long lines (minified output) are cut from the front, keeping the end of the log.
    let chars = text.chars().count();
    let text = if chars > LOG_CHARS { text.chars().skip(chars - LOG_CHARS).collect() } else { text };
    Ok(json!({
        "job_id": job,
        "total_lines": if cut { None } else { Some(lines.len()) },
        "lines_shown": lines.len() - start,
        "log": text,
        "note": (start > 0 || cut || chars > LOG_CHARS).then_some("Earlier output is left out; ask for more with tail_lines."),
    }))
}

const RERUN_WORKFLOW_RUN: Def = Def::create("rerun_workflow_run", "Re-run a workflow run").about(
    "Re-runs all jobs of a workflow run, for example after a flaky failure, and returns the run id. \
     Check the new attempt with get_workflow_run.",
);

async fn rerun_workflow_run(gh: Github, p: RunRef) -> ToolResult {
    on_run(&gh, &p, Method::POST, "rerun", &["rerun_requested"]).await
}

const RERUN_FAILED_JOBS: Def = Def::create("rerun_failed_jobs", "Re-run failed jobs").about(
    "Re-runs only the failed jobs of a completed workflow run (and what depends on them), which is \
     quicker than rerun_workflow_run.",
);

async fn rerun_failed_jobs(gh: Github, p: RunRef) -> ToolResult {
    on_run(&gh, &p, Method::POST, "rerun-failed-jobs", &["rerun_requested", "failed_jobs_only"]).await
}

const CANCEL_WORKFLOW_RUN: Def = Def::update("cancel_workflow_run", "Cancel a workflow run").about(
    "Cancels a queued or running workflow run and returns its id; GitHub refuses for a run that has completed. \
     Check the result with get_workflow_run.",
);

async fn cancel_workflow_run(gh: Github, p: RunRef) -> ToolResult {
    on_run(&gh, &p, Method::POST, "cancel", &["cancel_requested"]).await
}

const DELETE_WORKFLOW_RUN_LOGS: Def = Def::update("delete_workflow_run_logs", "Delete a run's logs").about(
    "Deletes the logs of every job of a completed workflow run, for example ones that printed a \
     secret. They cannot be restored; the run itself stays.",
);

async fn delete_workflow_run_logs(gh: Github, p: RunRef) -> ToolResult {
    on_run(&gh, &p, Method::DELETE, "logs", &["logs_deleted"]).await
}

/// `method` on the run's `action` endpoint (`rerun`, `cancel`, `logs`), answered with the run id
/// and each of `done` set to true.
async fn on_run(gh: &Github, p: &RunRef, method: Method, action: &str, done: &[&str]) -> ToolResult {
    let path = format!("{}/actions/runs/{}/{action}", p.at.path()?, p.run_id);
    let body = (method == Method::POST).then(|| json!({}));
    gh.send(method, &path, body.as_ref()).await?;
    let mut out = serde_json::Map::from_iter([("run_id".to_owned(), json!(p.run_id))]);
    out.extend(done.iter().map(|d| ((*d).to_owned(), json!(true))));
    structured(Value::Object(out))
}

const GET_WORKFLOW_JOB: Def = Def::read("get_workflow_job", "Get a workflow job").about(
    "Gets one job of a workflow run: its status, conclusion, timing and steps. get_job_logs reads \
     its log; get_workflow_run lists a run's jobs.",
);

async fn get_workflow_job(gh: Github, p: JobRef) -> ToolResult {
    let job = gh.get(&format!("{}/actions/jobs/{}", p.at.path()?, p.job_id), &[]).await?;
    let mut out = shape::job(&job);
    out["run_id"] = job["run_id"].clone();
    structured(out)
}

const GET_WORKFLOW_RUN_USAGE: Def = Def::read("get_workflow_run_usage", "Get a run's billable time").about(
    "Gets how long a workflow run took and its billable time per runner OS (Ubuntu, macOS, Windows) \
     with each job's duration, in milliseconds.",
);

async fn get_workflow_run_usage(gh: Github, p: RunRef) -> ToolResult {
    let usage = gh.get(&format!("{}/actions/runs/{}/timing", p.at.path()?, p.run_id), &[]).await?;
    structured(json!({"run_id": p.run_id, "billable": usage["billable"], "run_duration_ms": usage["run_duration_ms"]}))
}

const GET_ACTIONS_DOWNLOAD_URL: Def = Def::read("get_actions_download_url", "Get a download link").about(
    "Gets a link to download an artifact's zip (`artifact_id`) or all the logs of a run as a zip \
     (`run_id`). The link needs no sign-in and expires after about a minute.",
);

async fn get_actions_download_url(gh: Github, p: DownloadOf) -> ToolResult {
    let repo = p.at.path()?;
    let (path, key, id) = match (p.artifact_id, p.run_id) {
        (Some(id), None) => (format!("{repo}/actions/artifacts/{id}/zip"), "artifact_id", id),
        (None, Some(id)) => (format!("{repo}/actions/runs/{id}/logs"), "run_id", id),
        _ => return Err(ToolFailure::message("Pass either `artifact_id` (its zip) or `run_id` (its logs).")),
    };
    let url = gh.download_link(&path).await?;
    structured(json!({key: id, "url": url, "expires": "about a minute after this answer"}))
}

const LIST_WORKFLOWS: Def = Def::read("list_workflows", "List workflows").about(
    "Lists a repository's GitHub Actions workflows: id, name, file path and state. Use a file name \
     or id with run_workflow, or list_workflow_runs for what ran.",
);

async fn list_workflows(gh: Github, p: ListInRepo) -> ToolResult {
    let path = format!("{}/actions/workflows", p.at.path()?);
    gh.page(&path, &[], &p.paging, Some("workflows"), "workflows", |w| {
        shape::pick(w, &["id", "name", "path", "state"]).into()
    })
    .await
}

const RUN_WORKFLOW: Def = Def::create("run_workflow", "Run a workflow").about(
    "Starts a workflow that accepts `workflow_dispatch` on a branch, with its inputs. The run \
     appears in list_workflow_runs moments later (GitHub answers before it exists).",
);

async fn run_workflow(gh: Github, p: RunWorkflow) -> ToolResult {
    let path = format!("{}/actions/workflows/{}/dispatches", p.at.path()?, seg("workflow", &p.workflow)?);
    let mut body = json!({"ref": p.git_ref});
    if let Some(inputs) = p.inputs {
        body["inputs"] = Value::Object(inputs);
    }
    gh.send(Method::POST, &path, Some(&body)).await?;
    structured(json!({"workflow": p.workflow, "ref": p.git_ref, "dispatched": true}))
}

const LIST_WORKFLOW_RUN_ARTIFACTS: Def = Def::read("list_workflow_run_artifacts", "List a run's artifacts").about(
    "Lists the artifacts a workflow run uploaded: id, name, size, whether it expired, and when it \
     does. Use it to see what a run produced, such as test reports.",
);

async fn list_workflow_run_artifacts(gh: Github, p: RunArtifacts) -> ToolResult {
    let path = format!("{}/actions/runs/{}/artifacts", p.at.path()?, p.run_id);
    let artifact =
        |a: &Value| shape::pick(a, &["id", "name", "size_in_bytes", "expired", "created_at", "expires_at"]).into();
    gh.page(&path, &[], &p.paging, Some("artifacts"), "artifacts", artifact).await
}

pub fn actions_tools() -> Vec<Route> {
    vec![
        route(LIST_WORKFLOW_RUNS, list_workflow_runs),
        route(GET_WORKFLOW_RUN, get_workflow_run),
        route(GET_JOB_LOGS, get_job_logs),
        route(LIST_WORKFLOWS, list_workflows),
        route(RUN_WORKFLOW, run_workflow),
        route(LIST_WORKFLOW_RUN_ARTIFACTS, list_workflow_run_artifacts),
        route(RERUN_WORKFLOW_RUN, rerun_workflow_run),
        route(RERUN_FAILED_JOBS, rerun_failed_jobs),
        route(CANCEL_WORKFLOW_RUN, cancel_workflow_run),
        route(DELETE_WORKFLOW_RUN_LOGS, delete_workflow_run_logs),
        route(GET_WORKFLOW_JOB, get_workflow_job),
        route(GET_WORKFLOW_RUN_USAGE, get_workflow_run_usage),
        route(GET_ACTIONS_DOWNLOAD_URL, get_actions_download_url),
    ]
}
