//! Issue JSON: issues (pull requests show up as issues with a
//! `pull_request` key, as GitHub does), issue comments, labels, reactions
//! and `author_association`.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use super::{account, maybe_account, merge, node_id};
use crate::api::access::View;
use crate::api::model::repo::{repo_api, repo_html};
use crate::world::time::iso;
use crate::world::{
    Comment, FieldKind, FieldOption, FieldValue, Issue, IssueField, IssueType, Label, Milestone, REACTIONS, Reaction,
    Repo, Team,
};

/// An issue as lists and search results show it; `full` adds `closed_by`
/// as `GET .../issues/{n}` does.
pub(crate) fn issue(view: &View, repo: &Repo, issue: &Issue, full: bool) -> Value {
    let api = repo_api(view, repo);
    let url = format!("{api}/issues/{}", issue.number);
    let kind = if issue.pull.is_some() { "pull" } else { "issues" };
    let html = format!("{}/{kind}/{}", repo_html(view, repo), issue.number);
    let labels: Vec<Value> =
        issue.labels.iter().filter_map(|name| repo.label(name)).map(|l| label(view, repo, l)).collect();
    let assignees: Vec<Value> = issue.assignees.iter().map(|a| account(view.shared, view.world, a)).collect();
    let comments = repo.comments.iter().filter(|c| c.issue_number == issue.number).count();
    let mut value = json!({
        "url": url,
        "repository_url": api,
        "labels_url": format!("{url}/labels{{/name}}"),
        "comments_url": format!("{url}/comments"),
        "events_url": format!("{url}/events"),
        "html_url": html,
        "id": issue.id,
        "node_id": node_id("Issue", issue.id),
        "number": issue.number,
        "title": issue.title,
        "user": account(view.shared, view.world, &issue.user),
        "labels": labels,
        "state": issue.state,
        "locked": issue.locked,
        "assignee": assignees.first().cloned().unwrap_or(Value::Null),
        "assignees": assignees,
        "milestone": issue.milestone.and_then(|n| repo.milestones.iter().find(|m| m.number == n)).map(|m| milestone(view, repo, m)),
        "comments": comments,
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "closed_at": issue.closed_at.map(iso),
        "author_association": association(view, repo, &issue.user),
        "type": issue.issue_type.as_deref().and_then(|t| view.world.issue_types.iter().find(|k| k.org.eq_ignore_ascii_case(&repo.owner) && k.name == t)).map(issue_type),
        "active_lock_reason": null,
        "sub_issues_summary": sub_issues_summary(repo, issue),
        "body": issue.body,
        "reactions": reactions(&url, &issue.reactions),
        "timeline_url": format!("{url}/timeline"),
        "performed_via_github_app": null,
        "state_reason": issue.state_reason,
        "issue_field_values": field_values(view, issue),
    });
    if let Some(pull) = &issue.pull {
        let pull_html = format!("{}/pull/{}", repo_html(view, repo), issue.number);
        merge(
            &mut value,
            json!({
                "draft": pull.draft,
                "pull_request": {
                    "url": format!("{api}/pulls/{}", issue.number),
                    "html_url": pull_html,
                    "diff_url": format!("{pull_html}.diff"),
                    "patch_url": format!("{pull_html}.patch"),
                    "merged_at": pull.merged.as_ref().map(|m| iso(m.at)),
                },
            }),
        );
    }
    if full {
        merge(&mut value, json!({"closed_by": maybe_account(view.shared, view.world, issue.closed_by.as_deref())}));
    }
    value
}

pub(crate) fn comment(view: &View, repo: &Repo, c: &Comment) -> Value {
    let api = repo_api(view, repo);
    let url = format!("{api}/issues/comments/{}", c.id);
    let kind = if repo.issue(c.issue_number).is_some_and(|i| i.pull.is_some()) { "pull" } else { "issues" };
    json!({
        "url": url,
        "html_url": format!("{}/{kind}/{}#issuecomment-{}", repo_html(view, repo), c.issue_number, c.id),
        "issue_url": format!("{api}/issues/{}", c.issue_number),
        "id": c.id,
        "node_id": node_id("IssueComment", c.id),
        "user": account(view.shared, view.world, &c.user),
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
        "author_association": association(view, repo, &c.user),
        "body": c.body,
        "reactions": reactions(&url, &c.reactions),
        "performed_via_github_app": null,
    })
}

pub(crate) fn label(view: &View, repo: &Repo, l: &Label) -> Value {
    let name = utf8_percent_encode(&l.name, NON_ALPHANUMERIC);
    json!({
        "id": l.id,
        "node_id": node_id("Label", l.id),
        "url": format!("{}/labels/{name}", repo_api(view, repo)),
        "name": l.name,
        "color": l.color,
        "default": l.default,
        "description": l.description,
    })
}

/// `OWNER`, `MEMBER` (of the owning organization), `COLLABORATOR` or `NONE`.
pub(crate) fn association(view: &View, repo: &Repo, login: &str) -> &'static str {
    if repo.owner.eq_ignore_ascii_case(login) {
        "OWNER"
    } else if view.world.is_org(&repo.owner) && view.is_org_member(&repo.owner, login) {
        "MEMBER"
    } else if repo.collaborators.iter().any(|c| c.eq_ignore_ascii_case(login)) {
        "COLLABORATOR"
    } else {
        "NONE"
    }
}

/// The reaction counts every issue and comment carries.
pub(crate) fn reactions(url: &str, given: &[Reaction]) -> Value {
    let mut counts = json!({"url": format!("{url}/reactions"), "total_count": given.len()});
    for kind in REACTIONS {
        counts[kind] = json!(given.iter().filter(|r| r.content == kind).count());
    }
    counts
}

/// One reaction, as `POST .../reactions` answers.
pub(crate) fn reaction(view: &View, r: &Reaction) -> Value {
    json!({
        "id": r.id,
        "node_id": node_id("Reaction", r.id),
        "user": account(view.shared, view.world, &r.user),
        "content": r.content,
        "created_at": iso(r.created_at),
    })
}

/// How many sub-issues an issue has and how many of them are closed.
fn sub_issues_summary(repo: &Repo, issue: &Issue) -> Value {
    let total = issue.sub_issues.len();
    let completed =
        issue.sub_issues.iter().filter(|id| repo.issues.iter().any(|i| i.id == **id && !i.is_open())).count();
    let percent = (completed * 100).checked_div(total).unwrap_or(0);
    json!({"total": total, "completed": completed, "percent_completed": percent})
}

pub(crate) fn milestone(view: &View, repo: &Repo, m: &Milestone) -> Value {
    let url = format!("{}/milestones/{}", repo_api(view, repo), m.number);
    let of = |open: bool| repo.issues.iter().filter(|i| i.milestone == Some(m.number) && i.is_open() == open).count();
    json!({
        "url": url,
        "html_url": format!("{}/milestone/{}", repo_html(view, repo), m.number),
        "labels_url": format!("{url}/labels"),
        "id": m.id,
        "node_id": node_id("Milestone", m.id),
        "number": m.number,
        "state": m.state,
        "title": m.title,
        "description": m.description,
        "creator": account(view.shared, view.world, &m.creator),
        "open_issues": of(true),
        "closed_issues": of(false),
        "created_at": iso(m.created_at),
        "updated_at": iso(m.created_at),
        "closed_at": null,
        "due_on": m.due_on.map(iso),
    })
}

pub(crate) fn issue_type(t: &IssueType) -> Value {
    json!({"id": t.id, "node_id": node_id("IssueType", t.id), "name": t.name, "description": t.description,
        "color": t.color, "is_enabled": true, "created_at": iso(0), "updated_at": iso(0)})
}

/// An organization's issue field (`GET /orgs/{org}/issue-fields`).
pub(crate) fn issue_field(f: &IssueField) -> Value {
    let at = iso(f.created_at);
    let mut value = json!({
        "id": f.id,
        "node_id": node_id("IssueField", f.id),
        "name": f.name,
        "description": f.description,
        "data_type": f.kind.name(),
        "visibility": if f.public { "all" } else { "organization_members_only" },
        "created_at": at,
        "updated_at": at,
    });
    if f.kind == FieldKind::SingleSelect {
        let options: Vec<Value> = f
            .options
            .iter()
            .zip(1..)
            .map(|(o, priority): (&FieldOption, u32)| {
                json!({"id": o.id, "name": o.name, "description": o.description, "color": o.color,
                       "priority": priority, "created_at": at, "updated_at": at})
            })
            .collect();
        merge(&mut value, json!({ "options": options }));
    }
    value
}

/// The values an issue holds of the fields the caller may see, as `issue_field_values` lists them.
pub(crate) fn field_values(view: &View, issue: &Issue) -> Vec<Value> {
    issue
        .fields
        .iter()
        .filter_map(|(id, value)| {
            let field = view.world.issue_fields.iter().find(|f| f.id == *id).filter(|f| view.sees_field(f))?;
            Some(field_value(field, value))
        })
        .collect()
}

fn field_value(field: &IssueField, value: &FieldValue) -> Value {
    let (shown, option) = match value {
        FieldValue::Text(s) | FieldValue::Date(s) => (json!(s), Value::Null),
        FieldValue::Number(n) => (json!(n), Value::Null),
        FieldValue::Choice(id) => match field.options.iter().find(|o| o.id == *id) {
            Some(o) => (json!(o.name), json!({"id": o.id, "name": o.name, "color": o.color})),
            None => (Value::Null, Value::Null),
        },
    };
    let mut v = json!({
        "issue_field_id": field.id,
        "issue_field_name": field.name,
        "node_id": node_id("IssueFieldValue", field.id),
        "data_type": field.kind.name(),
        "value": shown,
    });
    if field.kind == FieldKind::SingleSelect {
        merge(&mut v, json!({ "single_select_option": option }));
    }
    v
}

pub(crate) fn team(view: &View, t: &Team) -> Value {
    let api = format!("{}/orgs/{}/teams/{}", view.shared.api_url, t.org, t.slug);
    json!({
        "id": t.id,
        "node_id": node_id("Team", t.id),
        "url": api,
        "html_url": format!("{}/orgs/{}/teams/{}", view.shared.base_url, t.org, t.slug),
        "name": t.name,
        "slug": t.slug,
        "description": t.description,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": format!("{api}/members{{/member}}"),
        "repositories_url": format!("{api}/repos"),
        "type": "organization",
        "parent": null,
        "members_count": t.members.len(),
        "repos_count": 0,
        "created_at": iso(0),
        "updated_at": iso(0),
        "organization": team_organization(view, &t.org),
    })
}

/// The organization as a team names it (GitHub's `team-organization`: the full profile).
fn team_organization(view: &View, login: &str) -> Value {
    let mut org = super::org(view.shared, login);
    let public_repos = view.world.repos.iter().filter(|r| r.owner.eq_ignore_ascii_case(login) && !r.private).count();
    merge(
        &mut org,
        json!({
            "html_url": format!("{}/{login}", view.shared.base_url),
            "has_organization_projects": true,
            "has_repository_projects": true,
            "public_repos": public_repos,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "type": "Organization",
            "created_at": iso(0),
            "updated_at": iso(0),
            "archived_at": null,
        }),
    );
    org
}
