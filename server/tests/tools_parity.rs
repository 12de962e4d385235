//! The tools added for parity with GitHub's own MCP server (#16), against the emulator's seeded
//! world: each one's success, its not-found and validation answers, and for writes that GitHub's
//! state changed as asked (read back through GitHub's API, as a user would see it).

mod common;

use common::ToolSession as Session;
use common::github_docs as docs;
use common::hello_world as hello;
use common::{assert_no_noise, error_text as text};
use serde_json::{Value, json};

const NOT_FOUND: &str = "Not found on GitHub";
const RUN_OK: u64 = 30_433_642;
const RUN_FAILED: u64 = 30_433_643;

fn names(out: &Value, key: &str, field: &str) -> Vec<String> {
    let items = out[key].as_array().unwrap_or_else(|| panic!("no {key} in {out}"));
    items.iter().filter_map(|x| x[field].as_str().map(str::to_owned)).collect()
}

/// Calls a tool as another GitHub user, signed in afresh.
async fn as_user(s: &Session, login: &str, name: &str, args: Value) -> (bool, Value) {
    s.call_as(&s.sign_in_as(login).await, name, args).await
}

// ---- repos ----

#[tokio::test]
async fn releases_are_read_latest_or_by_tag() {
    let s = Session::start().await;
    let (err, latest) = s.call("get_latest_release", hello(json!({}))).await;
    assert!(!err, "{latest}");
    assert_eq!((latest["tag_name"].as_str(), latest["name"].as_str()), (Some("v1.0.0"), Some("v1.0.0")));
    assert!(latest["body"].as_str().unwrap().contains("first release"), "{latest}");
    assert_no_noise(&latest, &["url", "node_id", "assets_url"]);
    let (err, tagged) = s.call("get_release_by_tag", hello(json!({"tag": "v1.0.0"}))).await;
    assert!(!err && tagged["id"] == latest["id"], "{tagged}");
    let (err, none) = s.call("get_release_by_tag", hello(json!({"tag": "v9"}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
    let (err, none) = s.call("get_latest_release", json!({"owner": "octocat", "repo": "nope"})).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
}

#[tokio::test]
async fn the_repository_tree_lists_every_path_or_one_directory() {
    let s = Session::start().await;
    let (err, tree) = s.call("get_repository_tree", hello(json!({}))).await;
    assert!(!err, "{tree}");
    let paths = names(&tree, "entries", "path");
    for expected in ["README.md", "src", "src/main.rs", "docs/guide.md", "big.txt"] {
        assert!(paths.iter().any(|p| p == expected), "{expected} missing: {paths:?}");
    }
    assert_eq!(tree["ref"], "main");
    let main_rs = tree["entries"].as_array().unwrap().iter().find(|e| e["path"] == "src/main.rs").unwrap();
    assert_eq!(main_rs["type"], "blob");
    assert!(main_rs["size"].as_u64().is_some_and(|n| n > 0) && main_rs["sha"].as_str().map(str::len) == Some(40));
    let (_, src) = s.call("get_repository_tree", hello(json!({"path_filter": "src/"}))).await;
    assert_eq!(names(&src, "entries", "path"), ["src/main.rs"]);
    let (_, top) = s.call("get_repository_tree", hello(json!({"recursive": false, "ref": "feature"}))).await;
    let top = names(&top, "entries", "path");
    assert!(top.contains(&"src".to_owned()) && !top.iter().any(|p| p.contains('/')), "{top:?}");
    let (err, none) = s.call("get_repository_tree", hello(json!({"ref": "no-such-branch"}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
}

#[tokio::test]
async fn delete_file_commits_the_removal_and_refuses_a_stale_sha() {
    let s = Session::start().await;
    let (_, readme) = s.call("get_file_contents", hello(json!({"path": "docs/guide.md"}))).await;
    let sha = readme["sha"].as_str().unwrap().to_owned();
    let stale = "0".repeat(40);
    let (err, refused) =
        s.call("delete_file", hello(json!({"path": "docs/guide.md", "message": "rm", "sha": stale}))).await;
    assert!(err && text(&refused).contains("409"), "{refused}");
    let (err, done) =
        s.call("delete_file", hello(json!({"path": "docs/guide.md", "message": "Remove the guide", "sha": sha}))).await;
    assert!(!err && done["deleted"] == true && done["commit"]["sha"].as_str().map(str::len) == Some(40), "{done}");
    let (err, gone) = s.call("get_file_contents", hello(json!({"path": "docs/guide.md"}))).await;
    assert!(err && text(&gone).contains(NOT_FOUND), "the file is gone from main: {gone}");
    let (_, commits) = s.call("list_commits", hello(json!({"per_page": 1}))).await;
    assert!(commits.to_string().contains("Remove the guide"), "{commits}");
    let (err, missing) =
        s.call("delete_file", hello(json!({"path": "docs/guide.md", "message": "again", "sha": sha}))).await;
    assert!(err && text(&missing).contains(NOT_FOUND), "{missing}");
}

#[tokio::test]
async fn collaborators_are_listed_with_their_role_for_those_with_push_access() {
    let s = Session::start().await;
    let (err, out) = s.call("list_repository_collaborators", hello(json!({}))).await;
    assert!(!err, "{out}");
    let people: Vec<(String, String)> = out["collaborators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["login"].as_str().unwrap().to_owned(), c["role"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(people, [("octocat".to_owned(), "admin".to_owned()), ("hubot".to_owned(), "write".to_owned())]);
    // Without push access GitHub refuses with 403 and says why: hubot is no member of github.
    let (err, refused) =
        as_user(&s, "hubot", "list_repository_collaborators", json!({"owner": "github", "repo": "docs"})).await;
    assert!(err && text(&refused).contains("push access"), "{refused}");
}

// ---- issues: labels ----

#[tokio::test]
async fn labels_are_created_read_renamed_and_deleted() {
    let s = Session::start().await;
    let (err, bug) = s.call("get_label", hello(json!({"name": "BUG"}))).await;
    assert!(!err && bug["name"] == "bug" && bug["color"] == "d73a4a", "{bug}");
    let (err, none) = s.call("get_label", hello(json!({"name": "nope"}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
    let create = hello(json!({"name": "triage", "color": "#00ff00", "description": "Needs a look"}));
    let (err, made) = s.call("create_label", create.clone()).await;
    assert!(!err && made["color"] == "00ff00", "{made}");
    let (err, taken) = s.call("create_label", create).await;
    assert!(err && text(&taken).contains("already_exists"), "{taken}");
    let (err, bad) = s.call("create_label", hello(json!({"name": "x", "color": "green"}))).await;
    assert!(err && text(&bad).contains("color"), "{bad}");
    // Renaming keeps the label on its issues.
    let (err, renamed) = s.call("update_label", hello(json!({"name": "bug", "new_name": "defect"}))).await;
    assert!(!err && renamed["name"] == "defect", "{renamed}");
    let (_, issue) = s.call("get_issue", hello(json!({"issue_number": 1}))).await;
    assert_eq!(issue["labels"], json!(["defect"]), "{issue}");
    let (err, nothing) = s.call("update_label", hello(json!({"name": "defect"}))).await;
    assert!(err && text(&nothing).contains("Nothing to change"), "{nothing}");
    let (err, deleted) = s.call("delete_label", hello(json!({"name": "defect"}))).await;
    assert!(!err && deleted["deleted"] == true, "{deleted}");
    let (_, issue) = s.call("get_issue", hello(json!({"issue_number": 1}))).await;
    assert_eq!(issue["labels"], json!([]), "deleted from the issue too: {issue}");
    let (_, labels) = s.call("list_labels", hello(json!({}))).await;
    assert_eq!(names(&labels, "labels", "name"), ["enhancement", "triage"]);
}

// ---- pull requests ----

#[tokio::test]
async fn reviewers_are_requested_from_people_with_push_access_only() {
    let s = Session::start().await;
    let (err, out) =
        s.call("request_pull_request_reviewers", hello(json!({"pull_number": 3, "reviewers": ["hubot"]}))).await;
    assert!(!err && out["requested_reviewers"] == json!(["hubot"]), "{out}");
    let (_, pull) = s.call("get_pull_request", hello(json!({"pull_number": 3}))).await;
    assert!(pull.to_string().contains("hubot"), "{pull}");
    let (err, author) =
        s.call("request_pull_request_reviewers", hello(json!({"pull_number": 3, "reviewers": ["octocat"]}))).await;
    assert!(err && text(&author).contains("author"), "{author}");
    let (err, none) = s.call("request_pull_request_reviewers", hello(json!({"pull_number": 3, "reviewers": []}))).await;
    assert!(err && text(&none).contains("at least one"), "{none}");
    let (err, missing) =
        s.call("request_pull_request_reviewers", hello(json!({"pull_number": 99, "reviewers": ["hubot"]}))).await;
    assert!(err && text(&missing).contains(NOT_FOUND), "{missing}");
}

#[tokio::test]
async fn a_pull_request_branch_is_updated_from_its_base_when_the_base_moved() {
    let s = Session::start().await;
    let (err, current) = s.call("update_pull_request_branch", hello(json!({"pull_number": 3}))).await;
    assert!(err && text(&current).contains("no new commits"), "{current}");
    let (_, before) = s.call("get_pull_request", hello(json!({"pull_number": 3}))).await;
    let file = hello(json!({"path": "NOTES.md", "content": "notes\n", "message": "Add notes", "branch": "main"}));
    let (err, _) = s.call("create_or_update_file", file).await;
    assert!(!err);
    let (err, stale) = s
        .call("update_pull_request_branch", hello(json!({"pull_number": 3, "expected_head_sha": "0".repeat(40)})))
        .await;
    assert!(err && text(&stale).contains("expected_head_sha"), "{stale}");
    let (err, updated) = s.call("update_pull_request_branch", hello(json!({"pull_number": 3}))).await;
    assert!(!err && updated["updating"] == true, "{updated}");
    let (_, after) = s.call("get_pull_request", hello(json!({"pull_number": 3}))).await;
    assert_ne!(after["head"]["sha"], before["head"]["sha"], "the head moved: {after}");
    let (_, files) = s.call("get_file_contents", hello(json!({"path": "NOTES.md", "ref": "feature"}))).await;
    assert_eq!(files["content"], "notes\n", "the base's change reached the head branch");
}

#[tokio::test]
async fn search_pull_requests_finds_only_pull_requests() {
    let s = Session::start().await;
    let (err, out) = s.call("search_pull_requests", json!({"query": "repo:octocat/hello-world"})).await;
    assert!(!err, "{out}");
    let hits = out["issues"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|i| i["is_pull_request"] == true), "{out}");
    let (err, all) = s.call("search_issues", json!({"query": "repo:octocat/hello-world"})).await;
    assert!(!err && all["issues"].as_array().unwrap().len() > hits.len(), "issues too without is:pr: {all}");
}

// ---- actions ----

#[tokio::test]
async fn failed_jobs_are_rerun_and_runs_cancelled() {
    let s = Session::start().await;
    let (err, nothing_failed) = s.call("rerun_failed_jobs", hello(json!({"run_id": RUN_OK}))).await;
    assert!(err && text(&nothing_failed).contains("no failed jobs"), "{nothing_failed}");
    let (err, done) = s.call("cancel_workflow_run", hello(json!({"run_id": RUN_FAILED}))).await;
    assert!(err && text(&done).contains("completed"), "a completed run cannot be cancelled: {done}");
    let (err, rerun) = s.call("rerun_failed_jobs", hello(json!({"run_id": RUN_FAILED}))).await;
    assert!(!err && rerun["rerun_requested"] == true, "{rerun}");
    let (_, run) = s.call("get_workflow_run", hello(json!({"run_id": RUN_FAILED}))).await;
    assert_eq!(run["status"], "queued", "{run}");
    let (err, cancelled) = s.call("cancel_workflow_run", hello(json!({"run_id": RUN_FAILED}))).await;
    assert!(!err && cancelled["cancel_requested"] == true, "{cancelled}");
    let (_, run) = s.call("get_workflow_run", hello(json!({"run_id": RUN_FAILED}))).await;
    assert_eq!((run["status"].as_str(), run["conclusion"].as_str()), (Some("completed"), Some("cancelled")));
    let (err, missing) = s.call("cancel_workflow_run", hello(json!({"run_id": 1}))).await;
    assert!(err && text(&missing).contains(NOT_FOUND), "{missing}");
}

#[tokio::test]
async fn the_logs_of_every_failed_job_of_a_run_come_in_one_call() {
    let s = Session::start().await;
    let (err, out) = s.call("get_job_logs", hello(json!({"run_id": RUN_FAILED, "tail_lines": 50}))).await;
    assert!(!err, "{out}");
    assert_eq!(out["failed_jobs"], 1, "{out}");
    let logs = out["logs"].as_array().unwrap();
    assert_eq!((logs[0]["name"].as_str(), logs[0]["job_id"].as_u64()), (Some("test"), Some(399_444_498)));
    assert!(logs[0]["log"].as_str().unwrap().to_lowercase().contains("fail"), "{out}");
    let (_, ok) = s.call("get_job_logs", hello(json!({"run_id": RUN_OK}))).await;
    assert_eq!((ok["failed_jobs"].as_u64(), ok["logs"].as_array().map(Vec::len)), (Some(0), Some(0)));
    let (err, neither) = s.call("get_job_logs", hello(json!({}))).await;
    assert!(err && text(&neither).contains("either"), "{neither}");
}

// ---- users ----

#[tokio::test]
async fn search_orgs_finds_organizations_only() {
    let s = Session::start().await;
    let (err, out) = s.call("search_orgs", json!({"query": "github"})).await;
    assert!(!err, "{out}");
    let orgs = out["organizations"].as_array().unwrap();
    assert!(!orgs.is_empty() && orgs.iter().all(|o| o["type"] == "Organization"), "{out}");
}

// ---- notifications ----

#[tokio::test]
async fn a_notification_is_read_in_detail_dismissed_and_its_subscription_managed() {
    let s = Session::start().await;
    let (_, inbox) = s.call("list_notifications", json!({})).await;
    let first = inbox["notifications"][0]["id"].as_str().unwrap().to_owned();
    let count = inbox["notifications"].as_array().unwrap().len();
    let (err, detail) = s.call("get_notification_details", json!({"thread_id": first})).await;
    assert!(!err && detail["id"] == first.as_str() && detail["title"].is_string(), "{detail}");
    let (err, bad) = s.call("get_notification_details", json!({"thread_id": "1/../x"})).await;
    assert!(err && text(&bad).contains("numeric"), "{bad}");
    let (err, none) = s.call("get_notification_details", json!({"thread_id": "999"})).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
    for action in ["ignore", "watch", "delete"] {
        let (err, out) =
            s.call("manage_notification_subscription", json!({"thread_id": first, "action": action})).await;
        assert!(!err && out["action"] == action, "{out}");
        assert_eq!(out["subscription"]["ignored"], action == "ignore", "{out}");
    }
    let (err, bad) = s.call("manage_notification_subscription", json!({"thread_id": first, "action": "mute"})).await;
    assert!(err && text(&bad).contains("mute") && text(&bad).contains("watch"), "the choices are named: {bad}");
    let (err, done) = s.call("dismiss_notification", json!({"thread_id": first})).await;
    assert!(!err && done["done"] == true, "{done}");
    let (_, all) = s.call("list_notifications", json!({"all": true})).await;
    let ids: Vec<&str> = all["notifications"].as_array().unwrap().iter().filter_map(|n| n["id"].as_str()).collect();
    assert!(!ids.contains(&first.as_str()), "done leaves the inbox: {ids:?}");
    let (err, marked) = s.call("mark_all_notifications_read", json!({})).await;
    assert!(!err && marked["read"] == true, "{marked}");
    let (_, unread) = s.call("list_notifications", json!({})).await;
    assert_eq!(unread["notifications"].as_array().map(Vec::len), Some(0), "{unread} (was {count})");
    let (err, bad) = s.call("mark_all_notifications_read", json!({"last_read_at": "yesterday"})).await;
    assert!(err && text(&bad).contains("last_read_at"), "{bad}");
}

#[tokio::test]
async fn a_repository_is_watched_muted_and_unwatched() {
    let s = Session::start().await;
    for (action, subscribed, ignored) in [("watch", true, false), ("ignore", false, true), ("delete", false, false)] {
        let (err, out) = s.call("manage_repository_notification_subscription", hello(json!({"action": action}))).await;
        assert!(!err, "{out}");
        assert_eq!(
            (out["subscription"]["subscribed"].as_bool(), out["subscription"]["ignored"].as_bool()),
            (Some(subscribed), Some(ignored)),
            "{out}"
        );
    }
    let (err, none) = s
        .call(
            "manage_repository_notification_subscription",
            json!({"owner": "octocat", "repo": "nope", "action": "watch"}),
        )
        .await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
}

// ---- issues: sub-issues, milestones, reactions ----

#[tokio::test]
async fn sub_issues_are_added_listed_reordered_and_removed() {
    let s = Session::start().await;
    let (_, second) = s.call("create_issue", hello(json!({"title": "Part two"}))).await;
    let two = second["number"].as_u64().unwrap();
    for (number, expected) in [(2, 1), (two, 2)] {
        let (err, out) = s.call("add_sub_issue", hello(json!({"issue_number": 1, "sub_issue_number": number}))).await;
        assert!(!err && out["sub_issues"]["total"] == expected, "{out}");
    }
    let order = |out: &Value| -> Vec<u64> {
        out["sub_issues"].as_array().unwrap().iter().filter_map(|i| i["number"].as_u64()).collect()
    };
    let (_, listed) = s.call("list_sub_issues", hello(json!({"issue_number": 1}))).await;
    assert_eq!(order(&listed), [2, two]);
    let (_, parent) = s.call("get_issue", hello(json!({"issue_number": 1}))).await;
    assert_eq!(parent["sub_issues"], json!({"total": 2, "completed": 1}), "issue #2 is closed: {parent}");
    let (err, up) = s.call("get_parent_issue", hello(json!({"issue_number": two}))).await;
    assert!(!err && up["number"] == 1, "{up}");
    let (err, top) = s.call("get_parent_issue", hello(json!({"issue_number": 1}))).await;
    assert!(err && text(&top).contains(NOT_FOUND), "issue #1 has no parent: {top}");
    let moved = hello(json!({"issue_number": 1, "sub_issue_number": two, "before_number": 2}));
    let (err, out) = s.call("reprioritize_sub_issue", moved).await;
    assert!(!err, "{out}");
    let (_, listed) = s.call("list_sub_issues", hello(json!({"issue_number": 1}))).await;
    assert_eq!(order(&listed), [two, 2]);
    let (err, both) =
        s.call("reprioritize_sub_issue", hello(json!({"issue_number": 1, "sub_issue_number": two}))).await;
    assert!(err && text(&both).contains("exactly one"), "{both}");
    // One parent only, unless replace_parent moves it.
    let (err, taken) = s.call("add_sub_issue", hello(json!({"issue_number": two, "sub_issue_number": 2}))).await;
    assert!(err && text(&taken).contains("already has a parent"), "{taken}");
    let (err, _) = s
        .call("add_sub_issue", hello(json!({"issue_number": two, "sub_issue_number": 2, "replace_parent": true})))
        .await;
    assert!(!err);
    let (err, out) = s.call("remove_sub_issue", hello(json!({"issue_number": 1, "sub_issue_number": two}))).await;
    assert!(!err && out["sub_issues"]["total"] == 0, "{out}");
    let (err, missing) = s.call("add_sub_issue", hello(json!({"issue_number": 1, "sub_issue_number": 999}))).await;
    assert!(err && text(&missing).contains(NOT_FOUND), "{missing}");
}

#[tokio::test]
async fn milestones_are_listed_and_set_on_issues() {
    let s = Session::start().await;
    let (err, out) = s.call("list_milestones", hello(json!({}))).await;
    assert!(!err, "{out}");
    assert_eq!(out["milestones"][0]["title"], "v1.1");
    assert_eq!(out["milestones"][0]["open_issues"], 0);
    let (_, closed) = s.call("list_milestones", hello(json!({"state": "closed"}))).await;
    assert_eq!(closed["milestones"], json!([]));
    let (err, bad) = s.call("list_milestones", hello(json!({"state": "done"}))).await;
    assert!(err && text(&bad).contains("done"), "{bad}");
    let (err, issue) = s.call("update_issue", hello(json!({"issue_number": 1, "milestone": 1}))).await;
    assert!(!err && issue["milestone"] == json!({"number": 1, "title": "v1.1"}), "{issue}");
    let (_, out) = s.call("list_milestones", hello(json!({}))).await;
    assert_eq!(out["milestones"][0]["open_issues"], 1, "{out}");
    let (err, unknown) = s.call("update_issue", hello(json!({"issue_number": 1, "milestone": 7}))).await;
    assert!(err && text(&unknown).contains("milestone"), "{unknown}");
    let (err, cleared) = s.call("update_issue", hello(json!({"issue_number": 1, "milestone": 0}))).await;
    assert!(!err && cleared.get("milestone").is_none(), "{cleared}");
}

#[tokio::test]
async fn reactions_are_added_once_per_kind() {
    let s = Session::start().await;
    for _ in 0..2 {
        let (err, out) = s.call("add_issue_reaction", hello(json!({"issue_number": 1, "content": "+1"}))).await;
        assert!(!err && out["reaction"] == "+1", "{out}");
    }
    let (_, issue) = s.call("get_issue", hello(json!({"issue_number": 1}))).await;
    assert_eq!(issue["reactions"], 1, "the same reaction twice is one: {issue}");
    let (err, bad) = s.call("add_issue_reaction", hello(json!({"issue_number": 1, "content": "thumbsup"}))).await;
    assert!(err && text(&bad).contains("thumbsup"), "{bad}");
    let (_, comments) = s.call("list_issue_comments", hello(json!({"issue_number": 1}))).await;
    let comment = comments["comments"][0]["id"].as_u64().unwrap();
    let (err, out) =
        s.call("add_issue_comment_reaction", hello(json!({"comment_id": comment, "content": "heart"}))).await;
    assert!(!err && out["reaction"] == "heart", "{out}");
    let (err, none) = s.call("add_issue_comment_reaction", hello(json!({"comment_id": 1, "content": "heart"}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
}

// ---- context: teams ----

#[tokio::test]
async fn teams_and_their_members_are_listed_for_organization_members() {
    let s = Session::start().await;
    let (err, out) = s.call("get_teams", json!({})).await;
    assert!(!err, "{out}");
    assert_eq!(
        out["teams"],
        json!([{"org": "github", "slug": "docs-writers", "name": "Docs writers",
        "description": "Keep the docs true", "members": 1}])
    );
    let (err, members) = s.call("get_team_members", json!({"org": "github", "team_slug": "docs-writers"})).await;
    assert!(!err && members["members"] == json!(["octocat"]), "{members}");
    let (err, none) = s.call("get_team_members", json!({"org": "github", "team_slug": "nope"})).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
    let (err, hidden) =
        as_user(&s, "hubot", "get_team_members", json!({"org": "github", "team_slug": "docs-writers"})).await;
    assert!(err && text(&hidden).contains(NOT_FOUND), "not a member of github: {hidden}");
}

// ---- pull requests: line-level review ----

#[tokio::test]
async fn a_pending_review_with_line_comments_is_submitted_and_its_thread_answered() {
    let s = Session::start().await;
    let pending = hello(json!({"pull_number": 3, "comments": [
        {"path": "src/main.rs", "line": 2, "body": "Why this name?"},
        {"path": "docs/guide.md", "start_line": 1, "line": 2, "side": "RIGHT", "body": "Reword these two lines."},
    ]}));
    let (err, review) = as_user(&s, "hubot", "create_pull_request_review", pending).await;
    assert!(!err && review["state"] == "PENDING" && review["line_comments"] == 2, "{review}");
    // Nobody else sees a pending review's comments.
    let (_, listed) = s.call("list_pull_request_review_comments", hello(json!({"pull_number": 3}))).await;
    assert_eq!(listed["comments"], json!([]), "{listed}");
    let submit = hello(json!({"pull_number": 3, "event": "request_changes", "body": "A few things."}));
    let (err, submitted) = as_user(&s, "hubot", "submit_pending_pull_request_review", submit.clone()).await;
    assert!(!err && submitted["state"] == "CHANGES_REQUESTED", "{submitted}");
    let (err, again) = as_user(&s, "hubot", "submit_pending_pull_request_review", submit).await;
    assert!(err && text(&again).contains("no pending review"), "{again}");
    let (_, listed) = s.call("list_pull_request_review_comments", hello(json!({"pull_number": 3}))).await;
    let comments = listed["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 2, "{listed}");
    let range = comments.iter().find(|c| c["path"] == "docs/guide.md").unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(
        (range["start_line"].as_u64(), range["line"].as_u64(), range["user"].as_str()),
        (Some(1), Some(2), Some("hubot"))
    );
    let first = comments[0]["id"].as_u64().unwrap();
    let (err, reply) = s
        .call(
            "add_reply_to_pull_request_comment",
            hello(json!({"pull_number": 3, "comment_id": first, "body": "Fixed."})),
        )
        .await;
    assert!(!err && reply["in_reply_to_id"] == first && reply["user"] == "octocat", "{reply}");
    let (err, none) = s
        .call("add_reply_to_pull_request_comment", hello(json!({"pull_number": 3, "comment_id": 1, "body": "?"})))
        .await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
}

#[tokio::test]
async fn a_pending_review_can_be_discarded_and_line_comments_must_hit_the_diff() {
    let s = Session::start().await;
    let (err, _) = s.call("create_pull_request_review", hello(json!({"pull_number": 3, "body": "draft"}))).await;
    assert!(!err);
    let (err, gone) = s.call("delete_pending_pull_request_review", hello(json!({"pull_number": 3}))).await;
    assert!(!err && gone["deleted"] == true, "{gone}");
    let (err, none) = s.call("delete_pending_pull_request_review", hello(json!({"pull_number": 3}))).await;
    assert!(err && text(&none).contains("no pending review"), "{none}");
    let on = |path: &str, line: u64| hello(json!({"pull_number": 3, "path": path, "line": line, "body": "Look."}));
    let (err, out) = s.call("add_pull_request_review_comment", on("src/main.rs", 1)).await;
    assert!(!err && out["path"] == "src/main.rs" && out["line"] == 1, "{out}");
    let (err, out) = s.call("add_pull_request_review_comment", on("README.md", 1)).await;
    assert!(err && text(&out).contains("Path could not be resolved"), "an unchanged file: {out}");
    let (err, out) = s.call("add_pull_request_review_comment", on("src/main.rs", 9999)).await;
    assert!(err && text(&out).contains("Line could not be resolved"), "{out}");
    let (err, out) = s
        .call(
            "create_pull_request_review",
            hello(json!({"pull_number": 3, "event": "COMMENT",
        "comments": [{"path": "nope.rs", "line": 1, "body": "x"}]})),
        )
        .await;
    assert!(err && text(&out).contains("Path could not be resolved"), "{out}");
}

#[tokio::test]
async fn repositories_are_created_private_by_default_and_in_an_organization_for_its_members() {
    let s = Session::start().await;
    let (err, mine) = s.call("create_repository", json!({"name": "notes"})).await;
    assert!(!err && mine["private"] == true && mine["full_name"] == "octocat/notes", "{mine}");
    let (err, public) = s.call("create_repository", json!({"name": "open", "private": false})).await;
    assert!(!err && public["private"] == false, "{public}");
    let (err, org) = s.call("create_repository", json!({"name": "handbook", "organization": "github"})).await;
    assert!(!err && org["full_name"] == "github/handbook", "{org}");
    let (err, refused) =
        as_user(&s, "hubot", "create_repository", json!({"name": "x", "organization": "github"})).await;
    assert!(err && text(&refused).contains("admin access to the organization"), "{refused}");
    let (err, none) = s.call("create_repository", json!({"name": "x", "organization": "no-such-org"})).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
}

#[tokio::test]
async fn a_pull_request_is_opened_with_reviewers_requested() {
    let s = Session::start().await;
    let file = hello(json!({"path": "x.md", "content": "x\n", "message": "x", "branch": "feature"}));
    assert!(!s.call("create_or_update_file", file).await.0);
    let (err, _) = s.call("create_branch", hello(json!({"branch": "topic"}))).await;
    assert!(!err);
    let file = hello(json!({"path": "topic.md", "content": "t\n", "message": "topic", "branch": "topic"}));
    assert!(!s.call("create_or_update_file", file).await.0);
    let open = hello(json!({"title": "Topic", "head": "topic", "base": "main", "reviewers": ["hubot"],
        "maintainer_can_modify": false}));
    let (err, pull) = s.call("create_pull_request", open).await;
    assert!(!err && pull["requested_reviewers"] == json!(["hubot"]), "{pull}");
    let (_, again) = s.call("create_branch", hello(json!({"branch": "topic2"}))).await;
    assert!(again.is_object());
    let file = hello(json!({"path": "t2.md", "content": "t\n", "message": "t2", "branch": "topic2"}));
    assert!(!s.call("create_or_update_file", file).await.0);
    let open = hello(json!({"title": "Topic 2", "head": "topic2", "base": "main", "reviewers": ["octocat"]}));
    let (err, pull) = s.call("create_pull_request", open).await;
    assert!(!err && pull["number"].is_u64(), "opened even so: {pull}");
    assert!(pull["reviewers_not_requested"].as_str().is_some_and(|w| w.contains("author")), "{pull}");
}

#[tokio::test]
async fn a_commit_s_changed_files_come_a_page_at_a_time() {
    let s = Session::start().await;
    const F1: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
    let (err, all) = s.call("get_commit", hello(json!({"sha": F1}))).await;
    assert!(!err, "{all}");
    let files = all["files"].as_array().unwrap().len();
    assert!(files >= 2 && all["files_page"]["has_next_page"] == false, "{all}");
    let (_, first) = s.call("get_commit", hello(json!({"sha": F1, "per_page": 1}))).await;
    assert_eq!(first["files"].as_array().map(Vec::len), Some(1));
    assert_eq!(first["files_page"]["has_next_page"], true, "{first}");
    let (_, second) = s.call("get_commit", hello(json!({"sha": F1, "per_page": 1, "page": 2}))).await;
    assert_ne!(second["files"][0]["filename"], first["files"][0]["filename"], "{second}");
}

#[tokio::test]
async fn search_commits_finds_messages_newest_first() {
    let s = Session::start().await;
    let (err, out) = s.call("search_commits", json!({"query": "repo:octocat/hello-world add"})).await;
    assert!(!err, "{out}");
    let hits = out["commits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|c| c["repository"] == "octocat/hello-world"), "{out}");
    assert!(hits.iter().all(|c| c.to_string().to_lowercase().contains("add")), "{out}");
    let (_, none) = s.call("search_commits", json!({"query": "repo:octocat/hello-world author:hubot"})).await;
    assert_eq!(none["commits"], json!([]), "{none}");
    let (err, bad) = s.call("search_commits", json!({"query": ""})).await;
    assert!(err, "an empty query is GitHub's 422: {bad}");
}

#[tokio::test]
async fn a_tag_is_read_with_its_commit_and_for_an_annotated_one_its_message() {
    let s = Session::start().await;
    const C2: &str = "762941318ee16e59dabbacb1b4049eec22f0d303";
    let (err, tag) = s.call("get_tag", hello(json!({"tag": "v1.0.0"}))).await;
    assert!(!err, "{tag}");
    assert_eq!(
        (tag["sha"].as_str(), tag["annotated"].as_bool()),
        (Some(C2), Some(true)),
        "the commit, not the tag object"
    );
    assert_eq!((tag["message"].as_str(), tag["tagger"].as_str()), (Some("The first release"), Some("octocat")));
    // A lightweight tag (made through GitHub's API): the ref is the commit.
    const C3: &str = "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d";
    let token = s.h.emulator.mint_access_token("octocat", "repo").unwrap();
    let made = reqwest::Client::new()
        .post(format!("{}/repos/octocat/hello-world/git/refs", s.h.emulator.api_url()))
        .bearer_auth(token)
        .header("user-agent", "test")
        .json(&json!({"ref": "refs/tags/v1.1", "sha": C3}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let (err, light) = s.call("get_tag", hello(json!({"tag": "v1.1"}))).await;
    assert!(!err && light == json!({"tag": "v1.1", "sha": C3, "annotated": false}), "{light}");
    let (err, none) = s.call("get_tag", hello(json!({"tag": "v9"}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
}

#[tokio::test]
async fn workflows_are_listed_dispatched_and_their_artifacts_shown() {
    let s = Session::start().await;
    let (err, out) = s.call("list_workflows", hello(json!({}))).await;
    assert!(!err, "{out}");
    assert_eq!(
        out["workflows"],
        json!([{"id": 159_038, "name": "CI", "path": ".github/workflows/ci.yml", "state": "active"}])
    );
    let (err, run) = s
        .call("run_workflow", hello(json!({"workflow": "ci.yml", "ref": "feature", "inputs": {"level": "full"}})))
        .await;
    assert!(!err && run["dispatched"] == true, "{run}");
    let (_, runs) = s.call("list_workflow_runs", hello(json!({"event": "workflow_dispatch"}))).await;
    let started = &runs["workflow_runs"][0];
    assert_eq!(
        (started["head_branch"].as_str(), started["status"].as_str()),
        (Some("feature"), Some("queued")),
        "{runs}"
    );
    let (err, bad) = s.call("run_workflow", hello(json!({"workflow": "ci.yml", "ref": "nope"}))).await;
    assert!(err && text(&bad).contains("No ref found for: nope"), "{bad}");
    let (err, none) = s.call("run_workflow", hello(json!({"workflow": "deploy.yml", "ref": "main"}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
    let (err, art) = s.call("list_workflow_run_artifacts", hello(json!({"run_id": RUN_FAILED}))).await;
    assert!(
        !err && art["artifacts"][0]["name"] == "test-results" && art["artifacts"][0]["size_in_bytes"] == 5120,
        "{art}"
    );
    let (_, empty) = s.call("list_workflow_run_artifacts", hello(json!({"run_id": RUN_OK}))).await;
    assert_eq!(empty["artifacts"], json!([]));
}

#[tokio::test]
async fn push_files_commits_several_changes_at_once_through_the_git_data_api() {
    let s = Session::start().await;
    let (_, before) = s.call("list_commits", hello(json!({"sha": "feature", "per_page": 1}))).await;
    let push = hello(json!({"branch": "feature", "message": "Docs and code together",
        "files": [{"path": "docs/new.md", "content": "# New\n"}, {"path": "src/main.rs", "content": "fn main() {}\n"}],
        "delete": ["logo.png"]}));
    let (err, out) = s.call("push_files", push).await;
    assert!(!err, "{out}");
    assert_eq!(out["written"], json!(["docs/new.md", "src/main.rs"]));
    let (_, after) = s.call("list_commits", hello(json!({"sha": "feature", "per_page": 2}))).await;
    assert_eq!(after["commits"][0]["sha"], out["commit"]["sha"], "one new commit on the branch: {after}");
    assert_eq!(after["commits"][1]["sha"], before["commits"][0]["sha"], "on top of the old head");
    let (_, new) = s.call("get_file_contents", hello(json!({"path": "docs/new.md", "ref": "feature"}))).await;
    assert_eq!(new["content"], "# New\n");
    let (err, gone) = s.call("get_file_contents", hello(json!({"path": "logo.png", "ref": "feature"}))).await;
    assert!(err && text(&gone).contains(NOT_FOUND), "{gone}");
    let (_, untouched) = s.call("get_file_contents", hello(json!({"path": "README.md", "ref": "feature"}))).await;
    assert!(untouched["content"].as_str().unwrap().starts_with("# Hello World"), "the rest of the tree stays");
    let (err, nothing) = s.call("push_files", hello(json!({"branch": "feature", "message": "x"}))).await;
    assert!(err && text(&nothing).contains("Nothing to commit"), "{nothing}");
    let (err, none) = s.call("push_files", hello(json!({"branch": "nope", "message": "x", "delete": ["a"]}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
    let (err, bad) =
        s.call("push_files", hello(json!({"branch": "feature", "message": "x", "delete": ["../x"]}))).await;
    assert!(err && text(&bad).contains("not a valid path"), "{bad}");
}

#[tokio::test]
async fn an_organization_s_issue_types_are_listed_and_set() {
    let s = Session::start().await;
    let (err, out) = s.call("list_issue_types", docs(json!({}))).await;
    assert!(!err, "{out}");
    let names: Vec<&str> = out["issue_types"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["Task", "Bug", "Feature"]);
    let (_, mine) = s.call("list_issue_types", hello(json!({}))).await;
    assert_eq!(mine["issue_types"], json!([]), "a user's repository has none");
    let (err, issue) = s.call("create_issue", docs(json!({"title": "Broken link"}))).await;
    assert!(!err, "{issue}");
    let number = issue["number"].as_u64().unwrap();
    let (err, typed) = s.call("update_issue", docs(json!({"issue_number": number, "type": "Bug"}))).await;
    assert!(!err && typed["type"] == "Bug", "{typed}");
    let (err, bad) = s.call("update_issue", docs(json!({"issue_number": number, "type": "Epic"}))).await;
    assert!(err && text(&bad).contains("type"), "{bad}");
    let (err, cleared) = s.call("update_issue", docs(json!({"issue_number": number, "type": ""}))).await;
    assert!(!err && cleared.get("type").is_none(), "{cleared}");
}

#[tokio::test]
async fn an_organization_s_issue_fields_are_listed_set_and_cleared() {
    let s = Session::start().await;
    let (err, out) = s.call("list_issue_fields", json!({"org": "github"})).await;
    assert!(!err, "{out}");
    assert_eq!(names(&out, "issue_fields", "name"), ["Priority", "Effort", "Start date", "Target date", "Customer"]);
    let priority = &out["issue_fields"][0];
    assert_eq!((priority["id"].as_u64(), priority["data_type"].as_str()), (Some(301), Some("single_select")));
    assert_eq!(priority["options"], json!(["Urgent", "High", "Medium", "Low"]));
    assert_no_noise(&out, &["node_id", "created_at", "color"]);
    let (err, outsider) = as_user(&s, "hubot", "list_issue_fields", json!({"org": "github"})).await;
    assert!(!err, "{outsider}");
    assert!(!names(&outsider, "issue_fields", "name").contains(&"Customer".to_owned()), "members only: {outsider}");
    let (err, none) = s.call("list_issue_fields", json!({"org": "no-such-org"})).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");

    let (_, issue) = s.call("create_issue", docs(json!({"title": "Search is slow"}))).await;
    let number = issue["number"].as_u64().unwrap();
    let set = json!([{"field_id": 301, "value": "high"}, {"field_id": 302, "value": 3}, {"field_id": 304, "value": "2026-12-24"},
                     {"field_id": 305, "value": "ACME"}]);
    let (err, out) = s.call("set_issue_fields", docs(json!({"issue_number": number, "set": set}))).await;
    assert!(!err, "{out}");
    let values: Vec<(u64, Value)> = out["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field_id"].as_u64().unwrap(), f["value"].clone()))
        .collect();
    assert_eq!(values, [(301, json!("High")), (302, json!(3.0)), (304, json!("2026-12-24")), (305, json!("ACME"))]);
    let (_, read) = s.call("get_issue", docs(json!({"issue_number": number}))).await;
    assert_eq!(read["fields"], out["fields"], "get_issue shows them: {read}");
    let (_, seen) = as_user(&s, "hubot", "get_issue", docs(json!({"issue_number": number}))).await;
    assert_eq!(seen["fields"].as_array().map(Vec::len), Some(3), "the members-only value is not shown: {seen}");

    let (err, out) = s
        .call(
            "set_issue_fields",
            docs(json!({"issue_number": number, "set": [{"field_id": 302, "value": 5}], "clear": [304, 303]})),
        )
        .await;
    assert!(!err, "{out}");
    let ids: Vec<u64> = out["fields"].as_array().unwrap().iter().filter_map(|f| f["field_id"].as_u64()).collect();
    assert_eq!(ids, [301, 302, 305], "Effort changed, Target date cleared, Start date had none: {out}");
    assert_eq!(out["fields"][1]["value"], json!(5.0));
    let (err, out) = s.call("set_issue_fields", docs(json!({"issue_number": number, "clear": [301, 302, 305]}))).await;
    assert!(!err && out["fields"] == json!([]), "{out}");
    let (_, read) = s.call("get_issue", docs(json!({"issue_number": number}))).await;
    assert!(read.get("fields").is_none(), "{read}");

    for (value, why) in [
        (json!({"field_id": 304, "value": "2026-02-30"}), "no such date"),
        (json!({"field_id": 301, "value": "Whenever"}), "no such option"),
        (json!({"field_id": 302, "value": "three"}), "a number field"),
        (json!({"field_id": 999, "value": "x"}), "no such field"),
    ] {
        let (err, bad) = s.call("set_issue_fields", docs(json!({"issue_number": number, "set": [value]}))).await;
        assert!(err && text(&bad).contains("invalid"), "{why}: {bad}");
    }
    let (err, bad) = s.call("set_issue_fields", docs(json!({"issue_number": number}))).await;
    assert!(err && text(&bad).contains("`set` or `clear`"), "{bad}");
    let (err, none) = s.call("set_issue_fields", docs(json!({"issue_number": 999, "clear": [301]}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
    let (err, user_repo) =
        s.call("set_issue_fields", hello(json!({"issue_number": 1, "set": [{"field_id": 301, "value": "Low"}]}))).await;
    assert!(err && text(&user_repo).contains("organization"), "{user_repo}");
    let (err, refused) = as_user(
        &s,
        "hubot",
        "set_issue_fields",
        docs(json!({"issue_number": number, "set": [{"field_id": 301, "value": "Low"}]})),
    )
    .await;
    assert!(err && text(&refused).contains("push access"), "403 for a reader: {refused}");
}

#[tokio::test]
async fn a_pull_request_s_commits_are_listed_oldest_first() {
    let s = Session::start().await;
    const F1: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
    let (err, out) = s.call("list_pull_request_commits", hello(json!({"pull_number": 3}))).await;
    assert!(!err, "{out}");
    let shas: Vec<&str> = out["commits"].as_array().unwrap().iter().filter_map(|c| c["sha"].as_str()).collect();
    assert_eq!(shas, [F1], "the one commit feature adds to main");
    let (err, none) = s.call("list_pull_request_commits", hello(json!({"pull_number": 1}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "issue #1 is no pull request: {none}");
}

#[tokio::test]
async fn issue_dependencies_are_recorded_both_ways_and_removed() {
    let s = Session::start().await;
    let (_, made) = s.call("create_issue", hello(json!({"title": "Ship it"}))).await;
    let ship = made["number"].as_u64().unwrap();
    let (err, out) = s.call("add_issue_dependency", hello(json!({"issue_number": ship, "blocked_by_number": 1}))).await;
    assert!(!err, "{out}");
    let (_, deps) = s.call("list_issue_dependencies", hello(json!({"issue_number": ship}))).await;
    assert_eq!(deps["blocked_by"][0]["number"], 1, "{deps}");
    let (_, other_way) = s.call("list_issue_dependencies", hello(json!({"issue_number": 1}))).await;
    assert_eq!(other_way["blocking"][0]["number"], ship, "{other_way}");
    let (err, cycle) =
        s.call("add_issue_dependency", hello(json!({"issue_number": 1, "blocked_by_number": ship}))).await;
    assert!(err && text(&cycle).contains("issue_id"), "no cycle: {cycle}");
    let (err, itself) = s.call("add_issue_dependency", hello(json!({"issue_number": 1, "blocked_by_number": 1}))).await;
    assert!(err, "{itself}");
    let (err, out) =
        s.call("remove_issue_dependency", hello(json!({"issue_number": ship, "blocked_by_number": 1}))).await;
    assert!(!err, "{out}");
    let (_, deps) = s.call("list_issue_dependencies", hello(json!({"issue_number": ship}))).await;
    assert_eq!((deps["blocked_by"].clone(), deps["blocking"].clone()), (json!([]), json!([])));
    let (err, none) =
        s.call("remove_issue_dependency", hello(json!({"issue_number": ship, "blocked_by_number": 1}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
}

// ---- stargazers (#17) ----

#[tokio::test]
async fn repositories_are_starred_listed_and_unstarred() {
    let s = Session::start().await;
    let (_, empty) = s.call("list_starred_repositories", json!({})).await;
    assert_eq!(empty["repositories"], json!([]), "{empty}");
    for _ in 0..2 {
        let (err, out) = s.call("star_repository", hello(json!({}))).await;
        assert!(!err && out["starred"] == true, "{out}");
    }
    let (_, repo) = s.call("get_repository", hello(json!({}))).await;
    assert_eq!(repo["stargazers_count"], 81, "starring twice counts once: {repo}");
    let (err, out) = s.call("star_repository", json!({"owner": "github", "repo": "docs"})).await;
    assert!(!err, "{out}");
    let (_, list) = s.call("list_starred_repositories", json!({})).await;
    let names: Vec<&str> =
        list["repositories"].as_array().unwrap().iter().filter_map(|r| r["full_name"].as_str()).collect();
    assert_eq!(names.len(), 2, "{list}");
    assert!(names.contains(&"octocat/hello-world") && names.contains(&"github/docs"), "{names:?}");
    let (err, out) = s.call("unstar_repository", hello(json!({}))).await;
    assert!(!err && out["starred"] == false, "{out}");
    let (_, repo) = s.call("get_repository", hello(json!({}))).await;
    assert_eq!(repo["stargazers_count"], 80);
    let (err, none) = s.call("star_repository", json!({"owner": "octocat", "repo": "nope"})).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
}

// ---- gists (#17) ----

#[tokio::test]
async fn gists_are_created_secret_read_changed_and_listed() {
    let s = Session::start().await;
    let make = json!({"files": {"notes.md": "# Notes\n", "run.sh": "echo hi\n"}, "description": "Scratch"});
    let (err, gist) = s.call("create_gist", make).await;
    assert!(!err && gist["public"] == false, "secret by default: {gist}");
    let id = gist["id"].as_str().unwrap().to_owned();
    let (err, read) = s.call("get_gist", json!({"gist_id": id})).await;
    assert!(!err && read["files"]["notes.md"] == "# Notes\n" && read["owner"] == "octocat", "{read}");
    let change =
        json!({"gist_id": id, "files": {"notes.md": "# Notes v2\n"}, "delete": ["run.sh"], "description": "Kept"});
    let (err, changed) = s.call("update_gist", change).await;
    assert!(!err, "{changed}");
    assert_eq!(changed["files"], json!({"notes.md": "# Notes v2\n"}), "{changed}");
    assert_eq!(changed["description"], "Kept");
    let (_, mine) = s.call("list_gists", json!({})).await;
    assert_eq!(mine["gists"][0]["id"], id.as_str(), "{mine}");
    let (_, theirs) = s.call("list_gists", json!({"username": "octocat"})).await;
    assert_eq!(theirs["gists"], json!([]), "a secret gist is not listed publicly: {theirs}");
    let (err, empty) = s.call("create_gist", json!({"files": {}})).await;
    assert!(err && text(&empty).contains("at least one file"), "{empty}");
    let (err, none) = s.call("get_gist", json!({"gist_id": "ffff"})).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
    let (err, bad) = s.call("get_gist", json!({"gist_id": "../user"})).await;
    assert!(err && text(&bad).contains("letters and digits"), "{bad}");
    let (err, foreign) = as_user(&s, "hubot", "update_gist", json!({"gist_id": id, "description": "mine now"})).await;
    assert!(err && text(&foreign).contains(NOT_FOUND), "only its owner changes a gist: {foreign}");
}
