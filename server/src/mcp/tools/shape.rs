//! Compact projections of GitHub's JSON: the fields a model needs, without `_links`, avatar or API
//! URL noise. GitHub-authored text is cleaned of invisible characters and capped visibly.

use serde_json::{Map, Value, json};

use crate::github::sanitize::{clean, clean_capped};

/// Longest body (issue, PR, comment, release) shown, in characters.
pub const BODY_CHARS: usize = 4000;
/// Longest patch of one file shown, in characters.
pub const PATCH_CHARS: usize = 3000;
/// Longest title or short text shown, in characters.
const SHORT_CHARS: usize = 300;

/// The listed keys of `v` that are present and not null. Strings (also inside arrays) are cleaned of
/// invisible characters: names, branches, paths and labels can all be chosen by outsiders.
pub fn pick(v: &Value, keys: &[&str]) -> Map<String, Value> {
    keys.iter().filter_map(|k| v.get(*k).filter(|x| !x.is_null()).map(|x| (k.to_string(), cleaned(x)))).collect()
}

fn cleaned(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(clean(s)),
        Value::Array(items) => Value::Array(items.iter().map(cleaned).collect()),
        other => other.clone(),
    }
}

/// A text field of GitHub-authored content, cleaned and capped (null stays null).
pub fn text(v: &Value, key: &str, max: usize) -> Value {
    v.get(key).and_then(Value::as_str).map_or(Value::Null, |s| Value::String(clean_capped(s, max)))
}

fn with(mut m: Map<String, Value>, extra: &[(&str, Value)]) -> Value {
    for (k, v) in extra {
        if !v.is_null() {
            m.insert((*k).to_owned(), v.clone());
        }
    }
    Value::Object(m)
}

pub fn login(v: &Value) -> Value {
    v.get("login").map(cleaned).unwrap_or(Value::Null)
}

fn logins(v: &Value, key: &str) -> Value {
    Value::Array(v.get(key).and_then(Value::as_array).map(|a| a.iter().map(login).collect()).unwrap_or_default())
}

fn label_names(v: &Value) -> Value {
    let names = v.get("labels").and_then(Value::as_array).map(|a| {
        a.iter().filter_map(|l| l.get("name").or(Some(l)).and_then(Value::as_str)).map(|n| json!(clean(n))).collect()
    });
    Value::Array(names.unwrap_or_default())
}

pub fn user(v: &Value) -> Value {
    with(
        pick(
            v,
            &[
                "login",
                "id",
                "type",
                "company",
                "blog",
                "location",
                "public_repos",
                "followers",
                "following",
                "html_url",
                "created_at",
            ],
        ),
        &[("name", text(v, "name", SHORT_CHARS)), ("bio", text(v, "bio", SHORT_CHARS))],
    )
}

pub fn org(v: &Value) -> Value {
    with(pick(v, &["login", "id"]), &[("description", text(v, "description", SHORT_CHARS))])
}

pub fn repo(v: &Value) -> Value {
    with(
        pick(
            v,
            &[
                "full_name",
                "private",
                "fork",
                "archived",
                "visibility",
                "default_branch",
                "language",
                "topics",
                "stargazers_count",
                "forks_count",
                "open_issues_count",
                "html_url",
                "created_at",
                "updated_at",
                "pushed_at",
            ],
        ),
        &[
            ("description", text(v, "description", SHORT_CHARS)),
            ("owner", login(v.get("owner").unwrap_or(&Value::Null))),
        ],
    )
}

pub fn issue(v: &Value) -> Value {
    with(
        pick(v, &["number", "state", "state_reason", "comments", "created_at", "updated_at", "closed_at", "html_url"]),
        &[
            ("title", text(v, "title", SHORT_CHARS)),
            ("user", login(v.get("user").unwrap_or(&Value::Null))),
            ("labels", label_names(v)),
            ("assignees", logins(v, "assignees")),
            ("is_pull_request", Value::Bool(v.get("pull_request").is_some())),
            (
                "milestone",
                v.get("milestone")
                    .filter(|m| m.is_object())
                    .map_or(Value::Null, |m| pick(m, &["number", "title"]).into()),
            ),
            ("type", v["type"]["name"].clone()),
            (
                "sub_issues",
                v.get("sub_issues_summary")
                    .filter(|s| s["total"].as_u64().unwrap_or(0) > 0)
                    .map_or(Value::Null, |s| pick(s, &["total", "completed"]).into()),
            ),
            ("reactions", v["reactions"]["total_count"].as_u64().filter(|n| *n > 0).map_or(Value::Null, Value::from)),
            (
                "fields",
                v["issue_field_values"]
                    .as_array()
                    .filter(|f| !f.is_empty())
                    .map_or(Value::Null, |f| f.iter().map(super::fields::value).collect()),
            ),
            ("body", text(v, "body", BODY_CHARS)),
        ],
    )
}

/// An issue or PR in a list: without the body.
pub fn issue_summary(v: &Value) -> Value {
    let mut i = issue(v);
    if let Some(o) = i.as_object_mut() {
        o.remove("body");
    }
    i
}

pub fn comment(v: &Value) -> Value {
    with(
        pick(v, &["id", "created_at", "updated_at", "html_url"]),
        &[("user", login(v.get("user").unwrap_or(&Value::Null))), ("body", text(v, "body", BODY_CHARS))],
    )
}

pub fn label(v: &Value) -> Value {
    with(pick(v, &["name", "color"]), &[("description", text(v, "description", SHORT_CHARS))])
}

fn branch_ref(v: Option<&Value>) -> Value {
    let v = v.unwrap_or(&Value::Null);
    with(
        pick(v, &["ref", "sha", "label"]),
        &[("repo", v.get("repo").and_then(|r| r.get("full_name")).cloned().unwrap_or(Value::Null))],
    )
}

pub fn pull(v: &Value) -> Value {
    with(
        pick(
            v,
            &[
                "number",
                "state",
                "draft",
                "merged",
                "mergeable",
                "mergeable_state",
                "comments",
                "review_comments",
                "commits",
                "additions",
                "deletions",
                "changed_files",
                "created_at",
                "updated_at",
                "closed_at",
                "merged_at",
                "html_url",
            ],
        ),
        &[
            ("title", text(v, "title", SHORT_CHARS)),
            ("user", login(v.get("user").unwrap_or(&Value::Null))),
            ("head", branch_ref(v.get("head"))),
            ("base", branch_ref(v.get("base"))),
            ("labels", label_names(v)),
            ("requested_reviewers", logins(v, "requested_reviewers")),
            ("body", text(v, "body", BODY_CHARS)),
        ],
    )
}

pub fn pull_summary(v: &Value) -> Value {
    let mut p = pull(v);
    if let Some(o) = p.as_object_mut() {
        o.remove("body");
    }
    p
}

pub fn file_change(v: &Value) -> Value {
    with(
        pick(v, &["filename", "status", "additions", "deletions", "changes", "previous_filename"]),
        &[("patch", text(v, "patch", PATCH_CHARS))],
    )
}

pub fn review(v: &Value) -> Value {
    with(
        pick(v, &["id", "state", "submitted_at", "commit_id", "html_url"]),
        &[("user", login(v.get("user").unwrap_or(&Value::Null))), ("body", text(v, "body", BODY_CHARS))],
    )
}

pub fn commit(v: &Value) -> Value {
    let c = v.get("commit").unwrap_or(&Value::Null);
    let author = c.get("author").unwrap_or(&Value::Null);
    with(
        pick(v, &["sha", "html_url"]),
        &[
            ("message", text(c, "message", 1000)),
            ("author", text(author, "name", SHORT_CHARS)),
            ("author_login", login(v.get("author").unwrap_or(&Value::Null))),
            ("date", author.get("date").cloned().unwrap_or(Value::Null)),
        ],
    )
}

/// A single commit with its stats and changed files.
pub fn commit_detail(v: &Value) -> Value {
    let mut c = commit(v);
    if let Some(o) = c.as_object_mut() {
        if let Some(stats) = v.get("stats") {
            o.insert("stats".into(), stats.clone());
        }
        let files: Vec<Value> =
            v.get("files").and_then(Value::as_array).map(|f| f.iter().map(file_change).collect()).unwrap_or_default();
        o.insert("files".into(), Value::Array(files));
    }
    c
}

pub fn branch(v: &Value) -> Value {
    with(
        pick(v, &["name", "protected"]),
        &[("sha", v.get("commit").and_then(|c| c.get("sha")).cloned().unwrap_or(Value::Null))],
    )
}

pub fn tag(v: &Value) -> Value {
    with(pick(v, &["name"]), &[("sha", v.get("commit").and_then(|c| c.get("sha")).cloned().unwrap_or(Value::Null))])
}

pub fn release(v: &Value) -> Value {
    with(
        pick(v, &["id", "tag_name", "draft", "prerelease", "created_at", "published_at", "html_url"]),
        &[
            ("name", text(v, "name", SHORT_CHARS)),
            ("author", login(v.get("author").unwrap_or(&Value::Null))),
            ("body", text(v, "body", BODY_CHARS)),
        ],
    )
}

pub fn workflow_run(v: &Value) -> Value {
    with(
        pick(
            v,
            &[
                "id",
                "name",
                "display_title",
                "run_number",
                "run_attempt",
                "event",
                "status",
                "conclusion",
                "head_branch",
                "head_sha",
                "created_at",
                "updated_at",
                "html_url",
            ],
        ),
        &[("actor", login(v.get("actor").unwrap_or(&Value::Null)))],
    )
}

pub fn job(v: &Value) -> Value {
    let steps: Vec<Value> = v
        .get("steps")
        .and_then(Value::as_array)
        .map(|s| s.iter().map(|st| Value::Object(pick(st, &["number", "name", "status", "conclusion"]))).collect())
        .unwrap_or_default();
    with(
        pick(v, &["id", "name", "status", "conclusion", "started_at", "completed_at", "html_url"]),
        &[("steps", Value::Array(steps))],
    )
}

pub fn notification(v: &Value) -> Value {
    let subject = v.get("subject").unwrap_or(&Value::Null);
    // The subject is named only by its API URL: …/issues/7 or …/pulls/7 gives the number to follow up.
    let number = subject["url"].as_str().and_then(|u| u.rsplit('/').next()).and_then(|n| n.parse::<u64>().ok());
    with(
        pick(v, &["id", "unread", "reason", "updated_at", "last_read_at"]),
        &[
            ("title", text(subject, "title", SHORT_CHARS)),
            ("type", subject.get("type").cloned().unwrap_or(Value::Null)),
            ("number", number.map_or(Value::Null, Value::from)),
            ("repository", v.get("repository").map(|r| cleaned(&r["full_name"])).unwrap_or(Value::Null)),
        ],
    )
}

/// A commit search result: the commit as `list_commits` shows it, with its repository.
pub fn commit_hit(v: &Value) -> Value {
    let mut c = commit(v);
    if let Some(o) = c.as_object_mut() {
        o.insert("repository".into(), v.get("repository").map(|r| cleaned(&r["full_name"])).unwrap_or(Value::Null));
    }
    c
}

pub fn code_hit(v: &Value) -> Value {
    with(
        pick(v, &["name", "path", "sha", "html_url"]),
        &[("repository", v.get("repository").and_then(|r| r.get("full_name")).cloned().unwrap_or(Value::Null))],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projections_drop_noise_and_clean_text() {
        let gh = json!({
            "number": 1, "title": "Bug\u{202E}", "state": "open", "user": {"login": "octocat", "avatar_url": "x", "url": "y"},
            "labels": [{"name": "bug", "url": "z", "color": "f00"}], "assignees": [], "body": "hi\u{200B}",
            "url": "https://api.github.com/repos/o/r/issues/1", "html_url": "https://github.com/o/r/issues/1",
            "node_id": "I_1", "comments_url": "noise", "reactions": {"+1": 1}
        });
        let out = issue(&gh);
        assert_eq!(
            out,
            json!({"number": 1, "title": "Bug", "state": "open", "html_url": "https://github.com/o/r/issues/1",
                   "user": "octocat", "labels": ["bug"], "assignees": [], "is_pull_request": false, "body": "hi"})
        );
        let long = json!({"body": "x".repeat(BODY_CHARS + 10), "id": 5});
        assert!(comment(&long)["body"].as_str().unwrap().contains("truncated"));
    }
}
