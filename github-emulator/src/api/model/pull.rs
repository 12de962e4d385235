//! Pull request JSON: the list shape and the full object (with `merged`,
//! `mergeable`, counts), reviews, commit statuses (and the combined
//! status) and check runs.

use serde_json::{Value, json};

use super::issue::{association, label};
use super::repo::{minimal, repo_api, repo_html, summary};
use super::{account, maybe_account, merge, node_id, org_id};
use crate::api::access::View;
use crate::world::time::iso;
use crate::world::{CheckRun, CommitStatus, Issue, Pull, Repo, Review};

/// A pull request as `GET .../pulls` lists it.
pub(crate) fn pull(view: &View, repo: &Repo, issue: &Issue, pull: &Pull) -> Value {
    let api = repo_api(view, repo);
    let n = issue.number;
    let url = format!("{api}/pulls/{n}");
    let html = format!("{}/pull/{n}", repo_html(view, repo));
    let issue_url = format!("{api}/issues/{n}");
    let head_sha = view.world.pull_head(pull);
    let statuses = format!("{api}/statuses/{head_sha}");
    let labels: Vec<Value> = issue.labels.iter().filter_map(|l| repo.label(l)).map(|l| label(view, repo, l)).collect();
    let assignees: Vec<Value> = issue.assignees.iter().map(|a| account(view.shared, view.world, a)).collect();
    let merged = pull.merged.as_ref();
    let (head_owner, head_name) = &pull.head_repo;
    let head_repo = view.world.repo(head_owner, head_name);
    let head = json!({
        "label": format!("{head_owner}:{}", pull.head_ref),
        "ref": pull.head_ref,
        "sha": head_sha,
        "user": account(view.shared, view.world, head_owner),
        "repo": head_repo.map_or(Value::Null, |r| summary(view, r)),
    });
    let base = json!({
        "label": format!("{}:{}", repo.owner, pull.base_ref),
        "ref": pull.base_ref,
        "sha": view.world.pull_base(repo, pull),
        "user": account(view.shared, view.world, &repo.owner),
        "repo": summary(view, repo),
    });
    let links = json!({
        "self": {"href": url},
        "html": {"href": html},
        "issue": {"href": issue_url},
        "comments": {"href": format!("{issue_url}/comments")},
        "review_comments": {"href": format!("{url}/comments")},
        "review_comment": {"href": format!("{api}/pulls/comments{{/number}}")},
        "commits": {"href": format!("{url}/commits")},
        "statuses": {"href": statuses},
    });
    json!({
        "url": url,
        "id": pull.id,
        "node_id": node_id("PullRequest", pull.id),
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "issue_url": issue_url,
        "number": n,
        "state": issue.state,
        "locked": issue.locked,
        "title": issue.title,
        "user": account(view.shared, view.world, &issue.user),
        "body": issue.body,
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "closed_at": issue.closed_at.map(iso),
        "merged_at": merged.map(|m| iso(m.at)),
        "merge_commit_sha": merged.map(|m| m.sha.clone()),
        "assignee": assignees.first().cloned().unwrap_or(Value::Null),
        "assignees": assignees,
        "requested_reviewers": pull.requested_reviewers.iter().map(|r| account(view.shared, view.world, r)).collect::<Vec<_>>(),
        "requested_teams": [],
        "labels": labels,
        "milestone": null,
        "draft": pull.draft,
        "commits_url": format!("{url}/commits"),
        "review_comments_url": format!("{url}/comments"),
        "review_comment_url": format!("{api}/pulls/comments{{/number}}"),
        "comments_url": format!("{issue_url}/comments"),
        "statuses_url": statuses,
        "head": head,
        "base": base,
        "_links": links,
        "author_association": association(view, repo, &issue.user),
        "auto_merge": null,
        "active_lock_reason": null,
    })
}

/// `GET .../pulls/{n}`: the list shape plus merge state and counts.
pub(crate) fn pull_full(view: &View, repo: &Repo, issue: &Issue, p: &Pull) -> Value {
    let mut value = pull(view, repo, issue, p);
    let head_sha = view.world.pull_head(p);
    let changes = view.world.pull_changes(repo, p);
    let files: Vec<Value> = changes.iter().map(|c| super::git::file(view, repo, &head_sha, c)).collect();
    let sum = |key: &str| files.iter().filter_map(|f| f[key].as_u64()).sum::<u64>();
    let mergeable = view.world.pull_mergeable(repo, issue);
    let mergeable_state = match mergeable {
        _ if p.draft && issue.is_open() => "draft",
        Some(false) => "dirty",
        Some(true) if combined_state(repo, &head_sha) == "failure" => "unstable",
        Some(true) => "clean",
        None => "unknown",
    };
    let comments = repo.comments.iter().filter(|c| c.issue_number == issue.number).count();
    merge(
        &mut value,
        json!({
            "merged": p.merged.is_some(),
            "mergeable": mergeable,
            "rebaseable": mergeable,
            "mergeable_state": mergeable_state,
            "merged_by": maybe_account(view.shared, view.world, p.merged.as_ref().map(|m| m.by.as_str())),
            "comments": comments,
            "review_comments": 0,
            "maintainer_can_modify": p.maintainer_can_modify,
            "commits": view.world.pull_commits(repo, p).len(),
            "additions": sum("additions"),
            "deletions": sum("deletions"),
            "changed_files": files.len(),
        }),
    );
    value
}

pub(crate) fn review(view: &View, repo: &Repo, number: u64, r: &Review) -> Value {
    let html = format!("{}/pull/{number}#pullrequestreview-{}", repo_html(view, repo), r.id);
    let pull_url = format!("{}/pulls/{number}", repo_api(view, repo));
    let mut value = json!({
        "id": r.id,
        "node_id": node_id("PullRequestReview", r.id),
        "user": account(view.shared, view.world, &r.user),
        "body": r.body,
        "state": r.state,
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": association(view, repo, &r.user),
        "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
        "commit_id": r.commit_id,
    });
    if let Some(at) = r.submitted_at {
        merge(&mut value, json!({"submitted_at": iso(at)}));
    }
    value
}

/// `failure` if any latest status failed or errored, `pending` if any is
/// pending or there is none, else `success`.
pub(crate) fn combined_state(repo: &Repo, sha: &str) -> &'static str {
    let latest = latest_statuses(repo, sha);
    if latest.iter().any(|s| matches!(s.state.as_str(), "failure" | "error")) {
        "failure"
    } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
        "pending"
    } else {
        "success"
    }
}

/// The newest status of each context on `sha`, newest first.
fn latest_statuses<'r>(repo: &'r Repo, sha: &str) -> Vec<&'r CommitStatus> {
    let mut out: Vec<&CommitStatus> = Vec::new();
    let mut all: Vec<&CommitStatus> = repo.statuses.iter().filter(|s| s.sha == sha).collect();
    all.sort_by_key(|s| std::cmp::Reverse((s.created_at, s.id)));
    for status in all {
        if !out.iter().any(|s| s.context == status.context) {
            out.push(status);
        }
    }
    out
}

/// `GET .../commits/{ref}/status`.
pub(crate) fn combined_status(view: &View, repo: &Repo, sha: &str) -> Value {
    let api = repo_api(view, repo);
    let statuses: Vec<Value> = latest_statuses(repo, sha)
        .into_iter()
        .map(|s| {
            json!({
                "url": format!("{api}/statuses/{sha}"),
                "avatar_url": format!("{}/avatars/u/{}?v=4", view.shared.base_url, org_id(&s.creator)),
                "id": s.id,
                "node_id": node_id("StatusContext", s.id),
                "state": s.state,
                "description": s.description,
                "target_url": s.target_url,
                "context": s.context,
                "created_at": iso(s.created_at),
                "updated_at": iso(s.created_at),
            })
        })
        .collect();
    json!({
        "state": combined_state(repo, sha),
        "statuses": statuses,
        "sha": sha,
        "total_count": statuses.len(),
        "repository": minimal(view, repo),
        "commit_url": format!("{api}/commits/{sha}"),
        "url": format!("{api}/commits/{sha}/status"),
    })
}

pub(crate) fn check_run(view: &View, repo: &Repo, run: &CheckRun) -> Value {
    let url = format!("{}/check-runs/{}", repo_api(view, repo), run.id);
    let pulls: Vec<Value> = repo
        .issues
        .iter()
        .filter_map(|i| i.pull.as_ref().map(|p| (i, p)))
        .filter(|(i, p)| i.is_open() && view.world.pull_head(p) == run.head_sha)
        .map(|(i, p)| {
            json!({
                "url": format!("{}/pulls/{}", repo_api(view, repo), i.number),
                "id": p.id,
                "number": i.number,
                "head": {"ref": p.head_ref, "sha": run.head_sha, "repo": {"id": repo.id, "url": repo_api(view, repo), "name": repo.name}},
                "base": {"ref": p.base_ref, "sha": view.world.pull_base(repo, p), "repo": {"id": repo.id, "url": repo_api(view, repo), "name": repo.name}},
            })
        })
        .collect();
    json!({
        "id": run.id,
        "name": run.name,
        "node_id": node_id("CheckRun", run.id),
        "head_sha": run.head_sha,
        "external_id": "",
        "url": url,
        "html_url": format!("{}/runs/{}", repo_html(view, repo), run.id),
        "details_url": format!("{}/runs/{}", repo_html(view, repo), run.id),
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": iso(run.started_at),
        "completed_at": run.completed_at.map(iso),
        "output": {
            "title": run.title,
            "summary": run.summary,
            "text": null,
            "annotations_count": 0,
            "annotations_url": format!("{url}/annotations"),
        },
        "check_suite": {"id": run.id + 1_000_000},
        "app": {
            "id": 15368,
            "slug": "github-actions",
            "node_id": node_id("App", 15368),
            "owner": account(view.shared, view.world, "github"),
            "name": "GitHub Actions",
            "description": "Automate your workflow from idea to production",
            "external_url": "https://help.github.com/en/actions",
            "html_url": format!("{}/apps/github-actions", view.shared.base_url),
            "created_at": "2018-07-30T09:30:17Z",
            "updated_at": "2019-12-10T19:04:12Z",
            "permissions": {"actions": "write", "checks": "write", "contents": "write", "metadata": "read"},
            "events": ["check_run", "check_suite", "pull_request", "push"],
        },
        "pull_requests": pulls,
    })
}
