//! The `issues`, `users` and `search` tools against the emulator's seeded world.

mod common;

use common::ToolSession as Session;
use common::hello_world as hello;
use serde_json::{Value, json};

fn numbers(list: &Value) -> Vec<u64> {
    list.as_array().unwrap().iter().map(|i| i["number"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn list_issues_filters_and_leaves_bodies_out() {
    let s = Session::start().await;
    let (err, open) = s.call("list_issues", hello(json!({}))).await;
    assert!(!err, "{open}");
    let open_numbers = numbers(&open["issues"]);
    assert!(open_numbers.contains(&1) && open_numbers.contains(&3) && !open_numbers.contains(&2), "{open_numbers:?}");
    let pr = open["issues"].as_array().unwrap().iter().find(|i| i["number"] == 3).unwrap();
    assert_eq!(pr["is_pull_request"], true, "GitHub lists PRs as issues; the flag tells them apart");
    assert!(open["issues"][0].get("body").is_none());
    let (_, all) = s.call("list_issues", hello(json!({"state": "all"}))).await;
    assert!(numbers(&all["issues"]).contains(&2));
    let (_, bugs) = s.call("list_issues", hello(json!({"labels": "bug"}))).await;
    assert_eq!(numbers(&bugs["issues"]), vec![1]);
}

#[tokio::test]
async fn get_issue_and_its_comments_with_hidden_characters_removed() {
    let s = Session::start().await;
    let (err, issue) = s.call("get_issue", hello(json!({"issue_number": 1}))).await;
    assert!(!err, "{issue}");
    assert_eq!(
        (issue["state"].as_str(), issue["labels"].clone(), issue["assignees"].clone()),
        (Some("open"), json!(["bug"]), json!(["octocat"]))
    );
    assert_eq!(issue["comments"], 2);
    assert!(issue["body"].is_string() && issue["user"] == "octocat");
    let (err, text) = s.call("get_issue", hello(json!({"issue_number": 999}))).await;
    assert!(err && text.as_str().unwrap().contains("Not found"), "{text}");

    let (_, comments) = s.call("list_issue_comments", hello(json!({"issue_number": 1}))).await;
    let list = comments["comments"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let seeded = list.iter().find(|c| c["id"] == 1002).expect("comment 1002");
    let body = seeded["body"].as_str().unwrap();
    assert!(!body.contains('\u{200B}') && !body.contains('\u{202E}'), "invisible characters reach the model: {body:?}");
    assert!(body.chars().filter(|c| c.is_alphabetic()).count() > 5, "the visible text stays: {body:?}");
}

#[tokio::test]
async fn search_issues_names_the_repository() {
    let s = Session::start().await;
    let (err, found) = s.call("search_issues", json!({"query": "repo:octocat/hello-world is:issue is:open"})).await;
    assert!(!err, "{found}");
    assert_eq!(numbers(&found["issues"]), vec![1]);
    assert_eq!(found["issues"][0]["repository"], "octocat/hello-world");
    let (_, prs) = s.call("search_issues", json!({"query": "repo:octocat/hello-world is:pr"})).await;
    assert_eq!(numbers(&prs["issues"]), vec![3]);
}

#[tokio::test]
async fn create_update_and_comment_on_issues() {
    let s = Session::start().await;
    let (err, created) =
        s.call("create_issue", hello(json!({"title": "Crash on start", "body": "Steps…", "labels": ["bug"]}))).await;
    assert!(!err, "{created}");
    assert_eq!((created["number"].as_u64(), created["labels"].clone()), (Some(4), json!(["bug"])));
    assert_eq!(created["user"], "octocat");

    let calls = s.h.emulator.api_requests().len();
    let (err, text) = s.call("create_issue", hello(json!({"title": "  "}))).await;
    assert!(err && text.as_str().unwrap().contains("title"), "{text}");
    assert_eq!(s.h.emulator.api_requests().len(), calls, "refused before calling GitHub");
    let (err, text) = s.call("create_issue", hello(json!({"title": "x", "assignees": ["nobody-here"]}))).await;
    assert!(err && text.as_str().unwrap().contains("assignees (invalid)"), "validation flattened: {text}");

    let (err, closed) = s
        .call("update_issue", hello(json!({"issue_number": 4, "state": "closed", "state_reason": "not_planned"})))
        .await;
    assert!(!err, "{closed}");
    assert_eq!((closed["state"].as_str(), closed["state_reason"].as_str()), (Some("closed"), Some("not_planned")));
    let (err, text) = s.call("update_issue", hello(json!({"issue_number": 4}))).await;
    assert!(err && text.as_str().unwrap().contains("Nothing to change"), "{text}");

    let (err, comment) = s.call("add_issue_comment", hello(json!({"issue_number": 4, "body": "Fixed in #5"}))).await;
    assert!(!err, "{comment}");
    assert_eq!((comment["user"].as_str(), comment["body"].as_str()), (Some("octocat"), Some("Fixed in #5")));
    let (_, issue) = s.call("get_issue", hello(json!({"issue_number": 4}))).await;
    assert_eq!(issue["comments"], 1);
    let (err, _) = s.call("add_issue_comment", hello(json!({"issue_number": 4, "body": ""}))).await;
    assert!(err);
}

#[tokio::test]
async fn list_labels_projects_name_color_description() {
    let s = Session::start().await;
    let (_, labels) = s.call("list_labels", hello(json!({}))).await;
    let names: Vec<&str> = labels["labels"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["bug", "enhancement"]);
    assert!(labels["labels"][0]["color"].is_string() && labels["labels"][0].get("url").is_none());
}

#[tokio::test]
async fn users_and_code_search() {
    let s = Session::start().await;
    let (err, hubot) = s.call("get_user", json!({"username": "hubot"})).await;
    assert!(!err, "{hubot}");
    assert_eq!((hubot["login"].as_str(), hubot["id"].as_u64()), (Some("hubot"), Some(480938)));
    assert!(hubot.get("avatar_url").is_none() && hubot.get("followers_url").is_none());
    let (err, text) = s.call("get_user", json!({"username": "no-such-user-here"})).await;
    assert!(err && text.as_str().unwrap().contains("Not found"));

    let (_, users) = s.call("search_users", json!({"query": "octo"})).await;
    assert_eq!(users["users"][0]["login"], "octocat");

    let (err, code) = s.call("search_code", json!({"query": "fn main repo:octocat/hello-world"})).await;
    assert!(!err, "{code}");
    let hit = &code["files"][0];
    assert_eq!((hit["path"].as_str(), hit["repository"].as_str()), (Some("src/main.rs"), Some("octocat/hello-world")));
}

/// Issue #18: a repeated read costs GitHub no rate limit while nothing changed (a conditional GET
/// answered 304 serves the body kept from last time), a change is seen at once, and nothing is ever
/// served from another user's reads.
#[tokio::test]
async fn repeated_reads_are_conditional_and_cost_no_rate_limit_while_unchanged() {
    let s = Session::start().await;
    let issue_path = "/repos/octocat/hello-world/issues/1";
    let statuses = |s: &Session| -> Vec<u16> {
        s.h.emulator.api_requests().iter().filter(|r| r.path == issue_path).map(|r| r.status).collect()
    };
    let (err, first) = s.call("get_issue", hello(json!({"issue_number": 1}))).await;
    assert!(!err, "{first}");
    for _ in 0..3 {
        let (err, again) = s.call("get_issue", hello(json!({"issue_number": 1}))).await;
        assert!(!err);
        assert_eq!(again, first, "the kept body, as GitHub sent it");
    }
    assert_eq!(statuses(&s), vec![200, 304, 304, 304]);
    let metrics = s.h.http.get(s.h.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("mcp_gateway_github_requests_total{status=\"304\"} 3"), "{metrics}");
    // Each 304 left GitHub's count of used requests where it was.
    let remaining = metrics
        .lines()
        .find_map(|l| l.strip_prefix("mcp_gateway_github_rate_limit_remaining{resource=\"core\"} "))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap();
    let counted = s.h.emulator.api_requests().iter().filter(|r| r.status != 304).count() as u64;
    assert_eq!(remaining, 5000 - counted, "the sign-in's GET /user and the first read counted, no 304 did");

    // A change is a new body at once.
    let (err, _) = s.call("update_issue", hello(json!({"issue_number": 1, "title": "Renamed"}))).await;
    assert!(!err);
    let (_, changed) = s.call("get_issue", hello(json!({"issue_number": 1}))).await;
    assert_eq!(changed["title"], "Renamed");
    assert_eq!(statuses(&s).last(), Some(&200));

    // Another user reading the same URL starts with a full read of their own.
    s.h.emulator.set_login_user("hubot");
    let other = s.h.login().await;
    let session = s.h.mcp_session(&other.access).await;
    let before = statuses(&s).len();
    let r = s.h.call_tool(&other.access, &session, "get_issue", hello(json!({"issue_number": 1}))).await;
    assert!(r.body.is_some(), "{}", r.text);
    assert_eq!(statuses(&s)[before..], [200], "no validator from octocat's reads was sent");
}
