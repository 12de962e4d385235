//! Toolsets `actions` and `notifications`: workflow runs, job logs and re-runs; the user's
//! notification inbox.

use reqwest::Method;
use rmcp::{
    RoleServer,
    handler::server::wrapper::Parameters,
    schemars::{self, JsonSchema},
    service::RequestContext,
    tool, tool_router,
};
use serde::Deserialize;
use serde_json::json;

use super::{
    shape,
    support::{Paging, ToolResult, opt, repo_path, seg, structured},
};
use crate::{github::sanitize::clean, mcp::server::GatewayServer};

/// Most of a log read from GitHub, in bytes (the tail is what matters).
const LOG_BYTES: usize = 5 * 1024 * 1024;
const DEFAULT_TAIL: usize = 200;
const MAX_TAIL: usize = 2000;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListRuns {
    /// Repository owner: a user or organization login.
    pub owner: String,
    /// Repository name (without the owner).
    pub repo: String,
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
    /// Repository owner: a user or organization login.
    pub owner: String,
    /// Repository name (without the owner).
    pub repo: String,
    /// Workflow run id.
    pub run_id: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct JobLogs {
    /// Repository owner: a user or organization login.
    pub owner: String,
    /// Repository name (without the owner).
    pub repo: String,
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
    /// Notification thread id (from list_notifications).
    pub thread_id: String,
}

#[tool_router(router = actions_tools, vis = "pub(crate)")]
impl GatewayServer {
    #[tool(
        name = "list_workflow_runs",
        title = "List workflow runs",
        description = "Lists GitHub Actions workflow runs of a repository, newest first, filtered by branch, status or event.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn list_workflow_runs(
        &self,
        Parameters(p): Parameters<ListRuns>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let gh = self.github(&ctx)?;
        let mut q = Vec::new();
        opt(&mut q, "branch", &p.branch);
        opt(&mut q, "status", &p.status);
        opt(&mut q, "event", &p.event);
        let path = format!("{}/actions/runs", repo_path(&p.owner, &p.repo)?);
        let (items, page) = gh.list(&path, &q, &p.paging, Some("workflow_runs")).await?;
        structured(json!({"workflow_runs": items.iter().map(shape::workflow_run).collect::<Vec<_>>(), "page": page}))
    }

    #[tool(
        name = "get_workflow_run",
        title = "Get a workflow run and its jobs",
        description = "Gets one workflow run with its jobs and their steps (status and conclusion), to find which \
                       job failed before reading its log with get_job_logs.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_workflow_run(&self, Parameters(p): Parameters<RunRef>, ctx: RequestContext<RoleServer>) -> ToolResult {
        let gh = self.github(&ctx)?;
        let repo = repo_path(&p.owner, &p.repo)?;
        let run = gh.get(&format!("{repo}/actions/runs/{}", p.run_id), &[]).await?;
        let jobs = gh.get(&format!("{repo}/actions/runs/{}/jobs", p.run_id), &[("per_page", "100".into())]).await?;
        let jobs: Vec<_> = jobs["jobs"].as_array().map(|a| a.iter().map(shape::job).collect()).unwrap_or_default();
        let mut out = shape::workflow_run(&run);
        out["jobs"] = json!(jobs);
        structured(out)
    }

    #[tool(
        name = "get_job_logs",
        title = "Read a job's log",
        description = "Returns the last lines of a workflow job's log (default 200, at most 2000), where failures \
                       usually are.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_job_logs(&self, Parameters(p): Parameters<JobLogs>, ctx: RequestContext<RoleServer>) -> ToolResult {
        let gh = self.github(&ctx)?;
        let path = format!("{}/actions/jobs/{}/logs", repo_path(&p.owner, &p.repo)?, p.job_id);
        let (log, cut) = gh.text(&path, "application/vnd.github+json", LOG_BYTES).await?;
        let tail = p.tail_lines.unwrap_or(DEFAULT_TAIL).clamp(1, MAX_TAIL);
        let lines: Vec<&str> = log.lines().collect();
        let start = lines.len().saturating_sub(tail);
        structured(json!({
            "job_id": p.job_id,
            "total_lines": if cut { None } else { Some(lines.len()) },
            "lines_shown": lines.len() - start,
            "log": clean(&lines[start..].join("\n")),
            "note": (start > 0 || cut).then_some("Earlier lines are left out; ask for more with tail_lines."),
        }))
    }

    #[tool(
        name = "rerun_workflow_run",
        title = "Re-run a workflow run",
        description = "Re-runs all jobs of a workflow run (for example after a flaky failure).",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    async fn rerun_workflow_run(
        &self,
        Parameters(p): Parameters<RunRef>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let gh = self.github(&ctx)?;
        let path = format!("{}/actions/runs/{}/rerun", repo_path(&p.owner, &p.repo)?, p.run_id);
        gh.send(Method::POST, &path, Some(&json!({}))).await?;
        structured(json!({"run_id": p.run_id, "rerun_requested": true}))
    }
}

#[tool_router(router = notifications_tools, vis = "pub(crate)")]
impl GatewayServer {
    #[tool(
        name = "list_notifications",
        title = "List notifications",
        description = "Lists the signed-in user's GitHub notifications (unread by default): reason, subject title \
                       and type, repository.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn list_notifications(
        &self,
        Parameters(p): Parameters<ListNotifications>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let gh = self.github(&ctx)?;
        let q = vec![("all", p.all.to_string()), ("participating", p.participating.to_string())];
        let (items, page) = gh.list("/notifications", &q, &p.paging, None).await?;
        structured(json!({"notifications": items.iter().map(shape::notification).collect::<Vec<_>>(), "page": page}))
    }

    #[tool(
        name = "mark_notification_read",
        title = "Mark a notification read",
        description = "Marks one notification thread as read.",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn mark_notification_read(
        &self,
        Parameters(p): Parameters<ThreadRef>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let gh = self.github(&ctx)?;
        gh.send(Method::PATCH, &format!("/notifications/threads/{}", seg(&p.thread_id)), None).await?;
        structured(json!({"thread_id": p.thread_id, "read": true}))
    }
}
