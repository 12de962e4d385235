//! GitHub Actions and notifications JSON: workflow runs, jobs (with
//! steps) and notification threads.

use serde_json::{Value, json};

use super::repo::{minimal, repo_api, repo_html};
use super::{account, node_id};
use crate::api::access::View;
use crate::world::time::iso;
use crate::world::{Job, Repo, Run, Thread};

pub(crate) fn run(view: &View, repo: &Repo, run: &Run) -> Value {
    let api = repo_api(view, repo);
    let url = format!("{api}/actions/runs/{}", run.id);
    let commit = view.world.git.commit(&run.head_sha);
    let message = commit.map(|c| c.message.clone()).unwrap_or_default();
    let title = message.lines().next().unwrap_or_default().to_owned();
    let head_commit = commit.map_or(Value::Null, |c| {
        let who = view.shared.user(&c.author);
        let person = json!({
            "name": who.and_then(|u| u.name.clone()).unwrap_or_else(|| c.author.clone()),
            "email": who.and_then(|u| u.email.clone()).unwrap_or_else(|| format!("{}@users.noreply.github.com", c.author)),
        });
        json!({
            "id": c.sha,
            "tree_id": crate::world::dir_sha(&c.tree, ""),
            "message": c.message,
            "timestamp": iso(c.date),
            "author": person,
            "committer": person,
        })
    });
    let check_suite_id = run.id + 1_000_000;
    json!({
        "id": run.id,
        "name": run.name,
        "node_id": node_id("WorkflowRun", run.id),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "display_title": title,
        "run_number": run.run_number,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "check_suite_id": check_suite_id,
        "check_suite_node_id": node_id("CheckSuite", check_suite_id),
        "url": url,
        "html_url": format!("{}/actions/runs/{}", repo_html(view, repo), run.id),
        "pull_requests": [],
        "created_at": iso(run.created_at),
        "updated_at": iso(run.updated_at),
        "actor": account(view.shared, view.world, &run.actor),
        "run_attempt": run.run_attempt,
        "referenced_workflows": [],
        "run_started_at": iso(run.created_at),
        "triggering_actor": account(view.shared, view.world, &run.actor),
        "jobs_url": format!("{url}/jobs"),
        "logs_url": format!("{url}/logs"),
        "check_suite_url": format!("{api}/check-suites/{check_suite_id}"),
        "artifacts_url": format!("{url}/artifacts"),
        "cancel_url": format!("{url}/cancel"),
        "rerun_url": format!("{url}/rerun"),
        "previous_attempt_url": (run.run_attempt > 1).then(|| format!("{url}/attempts/{}", run.run_attempt - 1)),
        "workflow_url": format!("{api}/actions/workflows/{}", run.workflow_id),
        "head_commit": head_commit,
        "repository": minimal(view, repo),
        "head_repository": minimal(view, repo),
    })
}

pub(crate) fn job(view: &View, repo: &Repo, job: &Job) -> Value {
    let api = repo_api(view, repo);
    let run = repo.runs.iter().find(|r| r.id == job.run_id);
    let steps: Vec<Value> = job
        .steps
        .iter()
        .enumerate()
        .map(|(i, (name, conclusion))| {
            json!({
                "name": name,
                "status": "completed",
                "conclusion": conclusion,
                "number": i + 1,
                "started_at": iso(job.started_at + i as u64 * 10),
                "completed_at": iso(job.started_at + i as u64 * 10 + 9),
            })
        })
        .collect();
    json!({
        "id": job.id,
        "run_id": job.run_id,
        "workflow_name": run.map(|r| r.name.clone()),
        "head_branch": run.map(|r| r.head_branch.clone()),
        "run_url": format!("{api}/actions/runs/{}", job.run_id),
        "run_attempt": run.map_or(1, |r| r.run_attempt),
        "node_id": node_id("CheckRun", job.id),
        "head_sha": run.map(|r| r.head_sha.clone()),
        "url": format!("{api}/actions/jobs/{}", job.id),
        "html_url": format!("{}/actions/runs/{}/job/{}", repo_html(view, repo), job.run_id, job.id),
        "status": job.status,
        "conclusion": job.conclusion,
        "created_at": iso(job.started_at),
        "started_at": iso(job.started_at),
        "completed_at": job.completed_at.map(iso),
        "name": job.name,
        "steps": steps,
        "check_run_url": format!("{api}/check-runs/{}", job.id),
        "labels": ["ubuntu-latest"],
        "runner_id": 1,
        "runner_name": "GitHub Actions 1",
        "runner_group_id": 2,
        "runner_group_name": "GitHub Actions",
    })
}

pub(crate) fn thread(view: &View, repo: &Repo, t: &Thread) -> Value {
    let url = format!("{}/notifications/threads/{}", view.shared.api_url, t.id);
    let kind = if t.subject_type == "PullRequest" { "pulls" } else { "issues" };
    let subject_url = format!("{}/{kind}/{}", repo_api(view, repo), t.number);
    let latest = repo
        .comments
        .iter()
        .filter(|c| c.issue_number == t.number)
        .max_by_key(|c| c.created_at)
        .map_or_else(|| subject_url.clone(), |c| format!("{}/issues/comments/{}", repo_api(view, repo), c.id));
    json!({
        "id": t.id.to_string(),
        "repository": minimal(view, repo),
        "subject": {"title": t.title, "url": subject_url, "latest_comment_url": latest, "type": t.subject_type},
        "reason": t.reason,
        "unread": t.unread,
        "updated_at": iso(t.updated_at),
        "last_read_at": t.last_read_at.map(iso),
        "url": url,
        "subscription_url": format!("{url}/subscription"),
    })
}
