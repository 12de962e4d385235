//! The `pull_requests` toolset against the emulator's seeded world (`github-emulator/src/world/seed.rs`):
//! each tool's projected happy path and its main error path, and a whole open → review → merge flow.

mod common;

use common::ToolSession as Session;
use common::hello_world as hello;
use common::{assert_no_noise, error_text as text};
use serde_json::{Value, json};

const C3: &str = "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d";
const F1: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const NOT_FOUND: &str = "Not found on GitHub, or private and not visible to this account.";
/// Keys of GitHub's JSON the projections must drop, at any depth.
const NOISE: &[&str] =
    &["url", "node_id", "_links", "avatar_url", "diff_url", "patch_url", "issue_url", "statuses_url", "commits_url"];

/// The values of `keys` in `v`, as an array (for compact multi-field assertions).
fn fields(v: &Value, keys: &[&str]) -> Value {
    keys.iter().map(|k| v[*k].clone()).collect()
}

/// Calls a tool that must succeed; returns its structured result.
async fn ok(s: &Session, name: &str, args: Value) -> Value {
    let (err, out) = s.call(name, args).await;
    assert!(!err, "{name} failed: {out}");
    out
}

/// Calls a tool that must answer GitHub's 404 sentence.
async fn assert_not_found(s: &Session, name: &str, args: Value) {
    let (err, out) = s.call(name, args).await;
    assert!(err && text(&out).starts_with(NOT_FOUND), "{name}: {out}");
}

/// How many API requests with `method` went to exactly `path` so far.
fn requests(s: &Session, method: &str, path: &str) -> usize {
    s.h.emulator.api_requests().iter().filter(|r| r.method == method && r.path == path).count()
}

#[tokio::test]
async fn list_pull_requests_shows_the_open_pr_without_body_and_filters_by_state_head_and_base() {
    let s = Session::start().await;
    let out = ok(&s, "list_pull_requests", hello(json!({}))).await;
    assert_eq!(out["page"], json!({"page": 1, "per_page": 30, "has_next_page": false}));
    assert_eq!(out["pull_requests"].as_array().unwrap().len(), 1, "{out}");
    let pr = &out["pull_requests"][0];
    assert_eq!(
        fields(pr, &["number", "state", "draft", "title", "user"]),
        json!([3, "open", false, "Greet by name", "octocat"])
    );
    assert_eq!(
        pr["head"],
        json!({"ref": "feature", "sha": F1, "label": "octocat:feature", "repo": "octocat/hello-world"})
    );
    assert_eq!(pr["base"], json!({"ref": "main", "sha": C3, "label": "octocat:main", "repo": "octocat/hello-world"}));
    assert!(pr.get("body").is_none(), "lists leave bodies out: {pr}");
    assert!(pr["html_url"].as_str().unwrap().ends_with("/octocat/hello-world/pull/3"));
    assert_no_noise(&out, NOISE);

    let numbers = |out: Value| -> Vec<u64> {
        out["pull_requests"].as_array().unwrap().iter().map(|p| p["number"].as_u64().unwrap()).collect()
    };
    assert_eq!(numbers(ok(&s, "list_pull_requests", hello(json!({"state": "closed"}))).await), Vec::<u64>::new());
    let by_head = ok(&s, "list_pull_requests", hello(json!({"head": "octocat:feature", "state": "all"}))).await;
    assert_eq!(numbers(by_head), vec![3]);
    assert_eq!(numbers(ok(&s, "list_pull_requests", hello(json!({"base": "feature"}))).await), Vec::<u64>::new());
    let query = s.h.emulator.api_requests().pop().unwrap().query.unwrap_or_default();
    assert!(query.contains("base=feature"), "the base filter is sent to GitHub: {query}");

    assert_not_found(&s, "list_pull_requests", hello(json!({"repo": "no-such-repo"}))).await;
}

#[tokio::test]
async fn get_pull_request_projects_the_seeded_pr_and_reports_unknown_numbers() {
    let s = Session::start().await;
    let pr = ok(&s, "get_pull_request", hello(json!({"pull_number": 3}))).await;
    assert_eq!(
        fields(&pr, &["number", "title", "body", "user", "state", "draft", "merged", "mergeable", "mergeable_state"]),
        json!([3, "Greet by name", "Adds an optional name argument.", "octocat", "open", false, false, true, "clean"])
    );
    assert_eq!(fields(&pr, &["commits", "changed_files", "additions", "deletions"]), json!([1, 2, 3, 2]));
    assert_eq!(fields(&pr["head"], &["ref", "sha"]), json!(["feature", F1]));
    assert_eq!(fields(&pr["base"], &["ref", "sha"]), json!(["main", C3]));
    assert_eq!(fields(&pr, &["created_at", "labels", "requested_reviewers"]), json!(["2024-04-02T08:30:00Z", [], []]));
    assert!(pr.get("merged_at").is_none() && pr.get("closed_at").is_none(), "nulls are dropped: {pr}");
    assert!(pr.get("id").is_none() && pr.get("maintainer_can_modify").is_none(), "{pr}");
    assert_no_noise(&pr, NOISE);

    assert_not_found(&s, "get_pull_request", hello(json!({"pull_number": 99}))).await;
    // Issue #1 is not a pull request.
    assert_not_found(&s, "get_pull_request", hello(json!({"pull_number": 1}))).await;
}

#[tokio::test]
async fn get_pull_request_diff_returns_the_whole_unified_diff() {
    let s = Session::start().await;
    let out = ok(&s, "get_pull_request_diff", hello(json!({"pull_number": 3}))).await;
    assert_eq!(out["truncated"], false);
    assert!(out["note"].is_null(), "{out}");
    let diff = out["diff"].as_str().unwrap();
    assert!(diff.starts_with("diff --git a/docs/guide.md b/docs/guide.md\n"), "{diff}");
    assert!(diff.contains("\ndiff --git a/src/main.rs b/src/main.rs\n"), "{diff}");
    assert!(diff.contains("\n-There are none yet.\n+Pass a name to greet someone else: `cargo run -- Mona`.\n"));
    assert!(diff.contains("\n-    println!(\"Hello, world!\");\n"));
    assert!(diff.contains("\n+    println!(\"Hello, {name}!\");\n"));
    assert_eq!(diff.matches("diff --git ").count(), 2);

    assert_not_found(&s, "get_pull_request_diff", hello(json!({"pull_number": 42}))).await;
}

#[tokio::test]
async fn get_pull_request_files_lists_both_changed_files_with_patches() {
    let s = Session::start().await;
    let out = ok(&s, "get_pull_request_files", hello(json!({"pull_number": 3}))).await;
    let files = out["files"].as_array().unwrap();
    let keys = ["filename", "status", "additions", "deletions", "changes"];
    let summary: Vec<Value> = files.iter().map(|f| fields(f, &keys)).collect();
    assert_eq!(
        summary,
        vec![json!(["docs/guide.md", "modified", 1, 1, 2]), json!(["src/main.rs", "modified", 2, 1, 3])]
    );
    assert!(files[0]["patch"].as_str().unwrap().starts_with("@@ -4,4 +4,4 @@\n"), "{}", files[0]);
    assert!(files[1]["patch"].as_str().unwrap().contains("+    let name = std::env::args()"));
    for f in files {
        let noise = ["sha", "blob_url", "raw_url", "contents_url"];
        assert!(noise.iter().all(|k| f.get(*k).is_none()), "{f}");
    }
    assert_eq!(out["page"]["has_next_page"], false);

    assert_not_found(&s, "get_pull_request_files", hello(json!({"pull_number": 77}))).await;
}

#[tokio::test]
async fn get_pull_request_status_summarizes_statuses_and_check_runs_of_the_head() {
    let s = Session::start().await;
    let out = ok(&s, "get_pull_request_status", hello(json!({"pull_number": 3}))).await;
    assert_eq!(fields(&out, &["sha", "state"]), json!([F1, "success"]));
    assert_eq!(
        out["statuses"],
        json!([{"context": "ci/emulator", "state": "success", "description": "The build succeeded"}])
    );
    assert_eq!(out["check_runs"].as_array().unwrap().len(), 1, "{out}");
    let run = &out["check_runs"][0];
    assert_eq!(
        fields(run, &["name", "status", "conclusion", "completed_at"]),
        json!(["build", "completed", "success", "2024-04-02T08:21:35Z"])
    );
    assert!(run.get("output").is_none() && run.get("app").is_none(), "{run}");
    assert_no_noise(&out, NOISE);
    assert_eq!(requests(&s, "GET", &format!("/repos/octocat/hello-world/commits/{F1}/status")), 1);

    s.h.emulator.clear_records();
    assert_not_found(&s, "get_pull_request_status", hello(json!({"pull_number": 99}))).await;
    let asked: Vec<String> = s.h.emulator.api_requests().into_iter().map(|r| r.path).collect();
    assert_eq!(asked, vec!["/repos/octocat/hello-world/pulls/99".to_owned()], "no status lookups without a PR");
}

#[tokio::test]
async fn list_pull_request_reviews_shows_hubots_approval() {
    let s = Session::start().await;
    let out = ok(&s, "list_pull_request_reviews", hello(json!({"pull_number": 3}))).await;
    assert_eq!(out["reviews"].as_array().unwrap().len(), 1, "{out}");
    let r = &out["reviews"][0];
    assert_eq!(
        fields(r, &["id", "state", "user", "body", "commit_id", "submitted_at"]),
        json!([80, "APPROVED", "hubot", "Looks good to me.", F1, "2024-04-03T09:00:00Z"])
    );
    assert!(r.get("author_association").is_none() && r.get("pull_request_url").is_none(), "{r}");
    assert_no_noise(&out, NOISE);

    assert_not_found(&s, "list_pull_request_reviews", hello(json!({"pull_number": 99}))).await;
}

#[tokio::test]
async fn create_pull_request_relays_githubs_validation_errors() {
    let s = Session::start().await;
    let open = |head: &str, base: &str| hello(json!({"title": "T", "head": head, "base": base}));
    let (err, out) = s.call("create_pull_request", open("main", "main")).await;
    let msg = text(&out);
    assert!(err && msg.starts_with("GitHub rejected the input:"), "{msg}");
    assert!(msg.contains("No commits between main and main"), "{msg}");
    let (err, out) = s.call("create_pull_request", open("nope", "main")).await;
    assert!(err && text(&out).contains("head (invalid)"), "{out}");
    let (err, out) = s.call("create_pull_request", open("feature", "nope")).await;
    assert!(err && text(&out).contains("base (invalid)"), "{out}");
    let (err, out) = s.call("create_pull_request", open("feature", "main")).await;
    assert!(err && text(&out).contains("A pull request already exists for octocat:feature."), "{out}");

    let all = ok(&s, "list_pull_requests", hello(json!({"state": "all"}))).await;
    assert_eq!(all["pull_requests"].as_array().unwrap().len(), 1, "nothing was opened: {all}");
}

#[tokio::test]
async fn update_pull_request_edits_closes_and_reopens_and_refuses_an_empty_change() {
    let s = Session::start().await;
    let edit = hello(json!({"pull_number": 3, "title": "Greet anyone", "body": "New text."}));
    let pr = ok(&s, "update_pull_request", edit).await;
    assert_eq!(fields(&pr, &["title", "body", "state"]), json!(["Greet anyone", "New text.", "open"]));
    assert_no_noise(&pr, NOISE);
    let pr = ok(&s, "update_pull_request", hello(json!({"pull_number": 3, "state": "closed"}))).await;
    assert_eq!(fields(&pr, &["state", "merged"]), json!(["closed", false]));
    assert!(pr["closed_at"].is_string(), "{pr}");
    let pr = ok(&s, "update_pull_request", hello(json!({"pull_number": 3, "state": "open"}))).await;
    assert_eq!(pr["state"], "open");

    let (err, out) = s.call("update_pull_request", hello(json!({"pull_number": 3}))).await;
    assert!(err);
    assert_eq!(text(&out), "Nothing to change: pass at least one of title, body, state, base, draft.");
    assert_eq!(requests(&s, "PATCH", "/repos/octocat/hello-world/pulls/3"), 3, "the empty change never reached GitHub");

    let (err, out) = s.call("update_pull_request", hello(json!({"pull_number": 3, "state": "merged"}))).await;
    assert!(err && text(&out).contains("state (invalid)"), "{out}");
    assert_not_found(&s, "update_pull_request", hello(json!({"pull_number": 99, "title": "x"}))).await;
}

#[tokio::test]
async fn merge_pull_request_checks_the_head_sha_and_refuses_a_second_merge() {
    let s = Session::start().await;
    let wrong = "0000000000000000000000000000000000000000";
    let (err, out) = s.call("merge_pull_request", hello(json!({"pull_number": 3, "sha": wrong}))).await;
    assert!(err);
    assert_eq!(text(&out), "GitHub answered 409: Head branch was modified. Review and try the merge again.");
    let pr = ok(&s, "get_pull_request", hello(json!({"pull_number": 3}))).await;
    assert_eq!(fields(&pr, &["merged", "state"]), json!([false, "open"]));

    let out = ok(&s, "merge_pull_request", hello(json!({"pull_number": 3, "sha": F1, "merge_method": "squash"}))).await;
    assert_eq!(fields(&out, &["merged", "message"]), json!([true, "Pull Request successfully merged"]));
    let merge_sha = out["sha"].as_str().unwrap().to_owned();
    assert_eq!(merge_sha.len(), 40);
    assert_eq!(out.as_object().unwrap().len(), 3, "only merged, sha, message: {out}");

    let (err, out) = s.call("merge_pull_request", hello(json!({"pull_number": 3}))).await;
    assert!(err);
    assert_eq!(text(&out), "GitHub answered 405: Pull Request is not mergeable");
    let pr = ok(&s, "get_pull_request", hello(json!({"pull_number": 3}))).await;
    assert_eq!(pr["base"]["sha"], merge_sha.as_str(), "main moved to the squash commit once");

    assert_not_found(&s, "merge_pull_request", hello(json!({"pull_number": 99}))).await;
}

#[tokio::test]
async fn create_pull_request_review_comments_and_refuses_bad_events_locally() {
    let s = Session::start().await;
    let r = ok(&s, "create_pull_request_review", hello(json!({"pull_number": 3, "event": "comment", "body": "Nice."})))
        .await;
    assert_eq!(fields(&r, &["state", "user", "body", "commit_id"]), json!(["COMMENTED", "octocat", "Nice.", F1]));
    assert!(r["id"].as_u64().is_some_and(|id| id >= 5_000_000) && r["submitted_at"].is_string(), "{r}");
    assert_no_noise(&r, NOISE);

    let (err, out) = s.call("create_pull_request_review", hello(json!({"pull_number": 3, "event": "LGTM"}))).await;
    assert!(err);
    assert_eq!(text(&out), "`event` must be APPROVE, REQUEST_CHANGES or COMMENT");
    assert_eq!(requests(&s, "POST", "/repos/octocat/hello-world/pulls/3/reviews"), 1, "LGTM never reached GitHub");

    let hubot = s.sign_in_as("hubot").await;
    let changes = hello(json!({"pull_number": 3, "event": "REQUEST_CHANGES"}));
    let (err, out) = s.call_as(&hubot, "create_pull_request_review", changes).await;
    assert!(err && text(&out).starts_with("GitHub rejected the input"), "{out}");
    let list = ok(&s, "list_pull_request_reviews", hello(json!({"pull_number": 3}))).await;
    let states: Vec<&str> = list["reviews"].as_array().unwrap().iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, vec!["APPROVED", "COMMENTED"], "the refused review was not recorded");
}

/// GitHub's reviews endpoint answers 422 with `errors` as plain strings; the reason must reach the model.
#[tokio::test]
async fn review_refusals_keep_githubs_reason() {
    let s = Session::start().await;
    let (err, out) = s.call("create_pull_request_review", hello(json!({"pull_number": 3, "event": "APPROVE"}))).await;
    assert!(err && text(&out).contains("Can not approve your own pull request"), "{out}");
    let hubot = s.sign_in_as("hubot").await;
    let changes = hello(json!({"pull_number": 3, "event": "REQUEST_CHANGES"}));
    let (err, out) = s.call_as(&hubot, "create_pull_request_review", changes).await;
    assert!(
        err && text(&out).contains("Review body is required when using REQUEST_CHANGES or COMMENT events"),
        "{out}"
    );
}

/// A new branch with one commit, pushed through the repository tools; returns the head commit.
async fn branch_with_file(s: &Session, branch: &str, path: &str, content: &str) -> String {
    let out = ok(s, "create_branch", hello(json!({"branch": branch}))).await;
    assert_eq!(out["sha"], C3, "branched from main");
    let file = json!({"path": path, "content": content, "message": format!("Add {path}"), "branch": branch});
    let out = ok(s, "create_or_update_file", hello(file)).await;
    out["commit"]["sha"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_new_branch_becomes_a_pr_that_is_reviewed_merged_and_shown_merged() {
    let s = Session::start().await;
    let head_sha = branch_with_file(&s, "faq", "docs/faq.md", "# FAQ\n\nAsk away.\n").await;
    let open = hello(json!({"title": "Add a FAQ", "head": "faq", "base": "main", "body": "Answers."}));
    let pr = ok(&s, "create_pull_request", open).await;
    assert_eq!(
        fields(&pr, &["number", "state", "user", "title", "body", "draft", "merged", "mergeable"]),
        json!([4, "open", "octocat", "Add a FAQ", "Answers.", false, false, true])
    );
    assert_eq!(
        pr["head"],
        json!({"ref": "faq", "sha": head_sha, "label": "octocat:faq", "repo": "octocat/hello-world"})
    );
    assert_eq!(fields(&pr["base"], &["ref", "sha"]), json!(["main", C3]));
    assert_eq!(fields(&pr, &["commits", "changed_files", "additions", "deletions"]), json!([1, 1, 3, 0]));
    assert_no_noise(&pr, NOISE);
    let files = ok(&s, "get_pull_request_files", hello(json!({"pull_number": 4}))).await;
    assert_eq!(fields(&files["files"][0], &["filename", "status"]), json!(["docs/faq.md", "added"]));

    let hubot = s.sign_in_as("hubot").await;
    let approve = hello(json!({"pull_number": 4, "event": "APPROVE", "body": "Ship it."}));
    let (err, review) = s.call_as(&hubot, "create_pull_request_review", approve).await;
    assert!(!err, "{review}");
    assert_eq!(fields(&review, &["state", "user", "commit_id"]), json!(["APPROVED", "hubot", head_sha]));
    let reviews = ok(&s, "list_pull_request_reviews", hello(json!({"pull_number": 4}))).await;
    assert_eq!(reviews["reviews"].as_array().unwrap().len(), 1);
    assert_eq!(reviews["reviews"][0]["user"], "hubot");

    let merge = hello(json!({"pull_number": 4, "sha": head_sha, "commit_title": "FAQ"}));
    let merged = ok(&s, "merge_pull_request", merge).await;
    assert_eq!(merged["merged"], true);
    let pr = ok(&s, "get_pull_request", hello(json!({"pull_number": 4}))).await;
    assert_eq!(fields(&pr, &["merged", "state"]), json!([true, "closed"]));
    assert!(pr["merged_at"].is_string() && pr["closed_at"].is_string(), "{pr}");
    assert_eq!(pr["base"]["sha"], merged["sha"]);
    assert!(pr.get("mergeable").is_none(), "GitHub stops computing mergeability once closed: {pr}");
    let open = ok(&s, "list_pull_requests", hello(json!({}))).await;
    assert_eq!(open["pull_requests"].as_array().unwrap().len(), 1, "only #3 is still open: {open}");

    let (err, out) = s.call("update_pull_request", hello(json!({"pull_number": 4, "state": "open"}))).await;
    assert!(err && text(&out).contains("Cannot change the state or base of a merged pull request."), "{out}");
}

#[tokio::test]
async fn a_draft_pr_opens_as_draft_and_cannot_be_merged() {
    let s = Session::start().await;
    branch_with_file(&s, "wip", "notes.txt", "todo\n").await;
    let pr =
        ok(&s, "create_pull_request", hello(json!({"title": "WIP", "head": "wip", "base": "main", "draft": true})))
            .await;
    assert_eq!(fields(&pr, &["number", "draft", "mergeable_state"]), json!([4, true, "draft"]));
    assert!(pr.get("body").is_none(), "no body was given: {pr}");
    let (err, out) = s.call("merge_pull_request", hello(json!({"pull_number": 4}))).await;
    assert!(err);
    assert_eq!(text(&out), "GitHub answered 405: Pull Request is not mergeable");
}
