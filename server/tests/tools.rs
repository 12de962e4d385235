//! The GitHub tools against the emulator: each tool's projected happy path and its main error path.

mod common;

use common::ToolSession as Session;
use github_emulator::Fault;
use serde_json::json;

#[tokio::test]
async fn list_my_orgs_pages_and_reports_outages() {
    let s = Session::start().await;
    let (err, out) = s.call("list_my_orgs", json!({})).await;
    assert!(!err, "{out}");
    assert_eq!(
        out["organizations"],
        json!([{"login": "github", "id": 9919, "description": "How people build software."}])
    );
    assert_eq!(out["page"]["has_next_page"], false);
    s.h.emulator.inject_fault(Fault::new("/user/orgs", 503).times(3));
    let (err, out) = s.call("list_my_orgs", json!({"per_page": 5})).await;
    assert!(err);
    assert!(out.as_str().unwrap().contains("503"), "{out}");
}

/// What models see, checked in: `tests/snapshots/tools_list.json`. A change to any tool's name, title,
/// description, annotations or schema fails here until the snapshot is regenerated and reviewed
/// (`UPDATE_SNAPSHOTS=1 cargo test --test tools tools_list`).
#[tokio::test]
async fn tools_list_matches_the_reviewed_snapshot() {
    let s = Session::start().await;
    let r = s.h.mcp(Some(&s.token), Some(&s.session), json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})).await;
    let tools = r.body.unwrap()["result"]["tools"].as_array().unwrap().clone();
    assert!(tools.len() >= 35, "{} tools", tools.len());
    for t in &tools {
        let name = t["name"].as_str().unwrap();
        // Each description says what the tool returns and when to use it (one was 38 characters).
        let description = t["description"].as_str().unwrap_or_default();
        assert!(t["title"].is_string() && description.len() >= 120, "{name}: {description}");
        assert!(t["annotations"]["readOnlyHint"].is_boolean(), "{name}: readOnlyHint must be set");
        assert_eq!(t["inputSchema"]["type"], "object", "{name}");
        // Only the parameters whose names say everything go without a description.
        let plain = ["owner", "repo", "page"];
        for (param, schema) in t["inputSchema"]["properties"].as_object().into_iter().flatten() {
            if plain.contains(&param.as_str()) {
                continue;
            }
            let described = schema.get("description").is_some_and(|d| d.as_str().is_some_and(|d| !d.is_empty()));
            assert!(described, "{name}.{param} needs a description");
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/tools_list.json");
    let current = serde_json::to_string_pretty(&tools).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &current).unwrap();
    }
    let reviewed = std::fs::read_to_string(&path).expect("snapshot exists (UPDATE_SNAPSHOTS=1 to create it)");
    assert!(reviewed == current, "tools/list changed; review and regenerate the snapshot with UPDATE_SNAPSHOTS=1");
}

#[tokio::test]
async fn rate_limits_say_when_to_retry_and_validation_names_fields() {
    let s = Session::start().await;
    let reset = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 600;
    s.h.emulator.inject_fault(
        Fault::new("/user", 403)
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", reset.to_string())
            .body(r#"{"message":"API rate limit exceeded for user ID 583231."}"#),
    );
    let (err, text) = s.call("get_me", json!({})).await;
    let text = text.as_str().unwrap();
    assert!(err && text.contains("rate limit") && text.contains("UTC (in "), "{text}");
    s.h.emulator.inject_fault(Fault::new("/user", 429).header("retry-after", "30"));
    let (_, text) = s.call("get_me", json!({})).await;
    assert!(text.as_str().unwrap().contains("in 30 seconds"), "{text}");
    // Still signed in: neither is treated as a dead token.
    let (err, me) = s.call("get_me", json!({})).await;
    assert!(!err && me["login"] == "octocat");
}

/// Every tool that names a repository reports an unknown (or invisible) one as an actionable error.
#[tokio::test]
async fn every_repository_tool_reports_an_unknown_repository() {
    let s = Session::start().await;
    let repo = json!({"owner": "octocat", "repo": "does-not-exist"});
    let with = |extra: serde_json::Value| {
        let mut args = repo.clone();
        args.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        args
    };
    let cases = [
        ("get_repository", with(json!({}))),
        ("get_file_contents", with(json!({"path": "README.md"}))),
        ("list_branches", with(json!({}))),
        ("list_commits", with(json!({}))),
        ("get_commit", with(json!({"sha": "main"}))),
        ("list_tags", with(json!({}))),
        ("list_releases", with(json!({}))),
        ("create_branch", with(json!({"branch": "x"}))),
        ("create_or_update_file", with(json!({"path": "a.md", "content": "a", "message": "m"}))),
        ("fork_repository", with(json!({}))),
        ("list_issues", with(json!({}))),
        ("get_issue", with(json!({"issue_number": 1}))),
        ("list_issue_comments", with(json!({"issue_number": 1}))),
        ("create_issue", with(json!({"title": "t"}))),
        ("update_issue", with(json!({"issue_number": 1, "state": "closed"}))),
        ("add_issue_comment", with(json!({"issue_number": 1, "body": "b"}))),
        ("list_labels", with(json!({}))),
        ("list_pull_requests", with(json!({}))),
        ("get_pull_request", with(json!({"pull_number": 1}))),
        ("get_pull_request_diff", with(json!({"pull_number": 1}))),
        ("get_pull_request_files", with(json!({"pull_number": 1}))),
        ("get_pull_request_status", with(json!({"pull_number": 1}))),
        ("list_pull_request_reviews", with(json!({"pull_number": 1}))),
        ("create_pull_request", with(json!({"title": "t", "head": "a", "base": "b"}))),
        ("update_pull_request", with(json!({"pull_number": 1, "title": "t"}))),
        ("merge_pull_request", with(json!({"pull_number": 1}))),
        ("create_pull_request_review", with(json!({"pull_number": 1, "event": "APPROVE"}))),
        ("list_workflow_runs", with(json!({}))),
        ("get_workflow_run", with(json!({"run_id": 1}))),
        ("get_job_logs", with(json!({"job_id": 1}))),
        ("rerun_workflow_run", with(json!({"run_id": 1}))),
    ];
    for (tool, args) in cases {
        let (err, text) = s.call(tool, args).await;
        assert!(err, "{tool} succeeded: {text}");
        assert!(text.as_str().is_some_and(|t| t.contains("Not found")), "{tool}: {text}");
    }
}

/// Search and list tools without a repository report a GitHub outage (after retries) as retryable.
#[tokio::test]
async fn search_and_account_tools_report_outages() {
    let s = Session::start().await;
    let cases = [
        ("search_repositories", "/search/repositories", json!({"query": "x"})),
        ("search_issues", "/search/issues", json!({"query": "x"})),
        ("search_users", "/search/users", json!({"query": "x"})),
        ("search_code", "/search/code", json!({"query": "x repo:octocat/hello-world"})),
        ("get_user", "/users/", json!({"username": "hubot"})),
        ("create_repository", "/user/repos", json!({"name": "r"})),
        ("list_notifications", "/notifications", json!({})),
        ("mark_notification_read", "/notifications/threads/", json!({"thread_id": "1"})),
    ];
    for (tool, path, args) in cases {
        s.h.emulator.inject_fault(Fault::new(path, 502).times(3));
        let (err, text) = s.call(tool, args).await;
        assert!(err, "{tool} succeeded: {text}");
        assert!(text.as_str().is_some_and(|t| t.contains("502") && t.contains("try again")), "{tool}: {text}");
        s.h.emulator.clear_faults();
    }
}
