//! Toolsets `actions` and `notifications`: workflow runs, job logs and re-runs; the user's
//! notification inbox.

use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::json;

use super::{
    define::{Def, Effect, Route, route},
    shape,
    support::{Github, Paging, RepoRef, ToolFailure, ToolResult, opt, structured},
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
    pub job_id: u64,
    /// How many lines from the end of the log to return (default 200, at most 2000).
    pub tail_lines: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListNotifications {
    /// Include notifications already read (default false).
    #[serde(default)]
    pub all: bool,
    /// Only notifications in which the user is directly participating or mentioned.
    #[serde(default)]
    pub participating: bool,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ThreadRef {
    /// Notification thread id (from list_notifications), a string of digits.
    pub thread_id: String,
}

const LIST_WORKFLOW_RUNS: Def = Def {
    name: "list_workflow_runs",
    title: "List workflow runs",
    description: "Lists GitHub Actions workflow runs of a repository, newest first (id, workflow, branch, status, \
                       conclusion), filtered by branch, status or event. Use get_workflow_run on a failed run to find \
                       its failing job.",
    effect: Effect::Read,
};

async fn list_workflow_runs(gh: Github, p: ListRuns) -> ToolResult {
    let mut q = Vec::new();
    opt(&mut q, "branch", &p.branch);
    opt(&mut q, "status", &p.status);
    opt(&mut q, "event", &p.event);
    let path = format!("{}/actions/runs", p.at.path()?);
    let (items, page) = gh.list(&path, &q, &p.paging, Some("workflow_runs")).await?;
    structured(json!({"workflow_runs": items.iter().map(shape::workflow_run).collect::<Vec<_>>(), "page": page}))
}

const GET_WORKFLOW_RUN: Def = Def {
    name: "get_workflow_run",
    title: "Get a workflow run and its jobs",
    description: "Gets one workflow run with its jobs and their steps (status and conclusion), to find which \
                       job failed before reading its log with get_job_logs.",
    effect: Effect::Read,
};

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

const GET_JOB_LOGS: Def = Def {
    name: "get_job_logs",
    title: "Read a job's log",
    description: "Returns the last lines of a workflow job's log (default 200, at most 2000), where failures \
                       usually are. Use it with a job id from get_workflow_run to see why a job failed.",
    effect: Effect::Read,
};

async fn get_job_logs(gh: Github, p: JobLogs) -> ToolResult {
    let path = format!("{}/actions/jobs/{}/logs", p.at.path()?, p.job_id);
    let (log, cut) = gh.text(&path, "application/vnd.github+json", LOG_BYTES, Keep::Tail).await?;
    let tail = p.tail_lines.unwrap_or(DEFAULT_TAIL).clamp(1, MAX_TAIL);
    let mut lines: Vec<&str> = log.lines().collect();
    if cut && !lines.is_empty() {
        lines.remove(0); // the first line of a cut buffer is partial
    }
    let start = lines.len().saturating_sub(tail);
    let text = clean(&lines[start..].join("\n"));
    // Very long lines (minified output) are cut from the front, keeping the end of the log.
    let chars = text.chars().count();
    let text = if chars > LOG_CHARS { text.chars().skip(chars - LOG_CHARS).collect() } else { text };
    structured(json!({
        "job_id": p.job_id,
        "total_lines": if cut { None } else { Some(lines.len()) },
        "lines_shown": lines.len() - start,
        "log": text,
        "note": (start > 0 || cut || chars > LOG_CHARS).then_some("Earlier output is left out; ask for more with tail_lines."),
    }))
}

const RERUN_WORKFLOW_RUN: Def = Def {
    name: "rerun_workflow_run",
    title: "Re-run a workflow run",
    description: "Re-runs all jobs of a workflow run, for example after a flaky failure, and returns the run id. \
                       Check the new attempt with get_workflow_run.",
    effect: Effect::Create,
};

async fn rerun_workflow_run(gh: Github, p: RunRef) -> ToolResult {
    let path = format!("{}/actions/runs/{}/rerun", p.at.path()?, p.run_id);
    gh.send(Method::POST, &path, Some(&json!({}))).await?;
    structured(json!({"run_id": p.run_id, "rerun_requested": true}))
}

pub fn actions_tools() -> Vec<Route> {
    vec![
        route(LIST_WORKFLOW_RUNS, list_workflow_runs),
        route(GET_WORKFLOW_RUN, get_workflow_run),
        route(GET_JOB_LOGS, get_job_logs),
        route(RERUN_WORKFLOW_RUN, rerun_workflow_run),
    ]
}

const LIST_NOTIFICATIONS: Def = Def {
    name: "list_notifications",
    title: "List notifications",
    description: "Lists the signed-in user's GitHub notifications (unread by default): thread id, reason, subject \
                       title and type, repository. Use it to see what needs attention; mark one done with \
                       mark_notification_read.",
    effect: Effect::Read,
};

async fn list_notifications(gh: Github, p: ListNotifications) -> ToolResult {
    let q = vec![("all", p.all.to_string()), ("participating", p.participating.to_string())];
    let (items, page) = gh.list("/notifications", &q, &p.paging, None).await?;
    structured(json!({"notifications": items.iter().map(shape::notification).collect::<Vec<_>>(), "page": page}))
}

const MARK_NOTIFICATION_READ: Def = Def {
    name: "mark_notification_read",
    title: "Mark a notification read",
    description: "Marks one notification thread as read and returns its id with `read: true`. Use it after acting \
                       on a notification from list_notifications, so it stops showing as unread.",
    effect: Effect::Ensure,
};

async fn mark_notification_read(gh: Github, p: ThreadRef) -> ToolResult {
    if p.thread_id.is_empty() || !p.thread_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(ToolFailure::message("`thread_id` is the numeric id from list_notifications, e.g. \"1\""));
    }
    gh.send(Method::PATCH, &format!("/notifications/threads/{}", p.thread_id), None).await?;
    structured(json!({"thread_id": p.thread_id, "read": true}))
}

pub fn notifications_tools() -> Vec<Route> {
    vec![route(LIST_NOTIFICATIONS, list_notifications), route(MARK_NOTIFICATION_READ, mark_notification_read)]
}
