//! The pull request tools GitHub serves only through GraphQL (#16): review threads listed,
//! resolved and reopened; a line comment added to a pending review; draft and ready through
//! update_pull_request. Against the emulator's GraphQL endpoint, beside its REST API as on an
//! Enterprise Server (`/api/graphql` next to `/api/v3`).

mod common;

use common::ToolSession as Session;
use common::error_text as text;
use common::hello_world as hello;
use serde_json::{Value, json};

/// A file pull request #3 changes.
async fn changed_file(s: &Session) -> String {
    let (err, files) = s.call("get_pull_request_files", hello(json!({"pull_number": 3}))).await;
    assert!(!err, "{files}");
    files["files"][0]["filename"].as_str().unwrap_or_else(|| panic!("no file in {files}")).to_owned()
}

async fn threads(s: &Session) -> Value {
    let (err, out) = s.call("list_review_threads", hello(json!({"pull_number": 3}))).await;
    assert!(!err, "{out}");
    out
}

#[tokio::test]
async fn review_threads_are_listed_resolved_and_reopened() {
    let s = Session::start().await;
    assert_eq!(threads(&s).await["threads"], json!([]), "no thread yet");
    let path = changed_file(&s).await;
    let (err, comment) = s
        .call(
            "add_pull_request_review_comment",
            hello(json!({"pull_number": 3, "path": path, "line": 1, "body": "Why?"})),
        )
        .await;
    assert!(!err, "{comment}");
    let reply = hello(json!({"pull_number": 3, "comment_id": comment["id"], "body": "To greet by name."}));
    assert!(!s.call("add_reply_to_pull_request_comment", reply).await.0);

    let out = threads(&s).await;
    assert_eq!((out["page"]["total_count"].as_u64(), out["page"]["has_more"].as_bool()), (Some(1), Some(false)));
    let thread = &out["threads"][0];
    assert_eq!((thread["path"].as_str(), thread["line"].as_u64()), (Some(path.as_str()), Some(1)), "{out}");
    assert_eq!((thread["resolved"].as_bool(), thread["comments_total"].as_u64()), (Some(false), Some(2)));
    assert_eq!(thread["comments"][0]["id"], comment["id"], "comment ids are the REST ones, for replies");
    assert_eq!(thread["comments"][1]["body"], "To greet by name.");
    let id = thread["thread_id"].clone();

    let (err, out) = s.call("resolve_review_thread", json!({"thread_id": id})).await;
    assert!(!err, "{out}");
    assert_eq!((out["resolved"].as_bool(), out["resolved_by"].as_str()), (Some(true), Some("octocat")));
    assert_eq!(threads(&s).await["threads"][0]["resolved"], true, "GitHub's state changed");
    let (err, out) = s.call("resolve_review_thread", json!({"thread_id": id, "resolved": false})).await;
    assert!(!err && out["resolved"] == false && out["resolved_by"].is_null(), "{out}");

    let (err, out) = s.call("resolve_review_thread", json!({"thread_id": "MDQ6VXNlcjU4MzIzMQ=="})).await;
    assert!(err && text(&out).starts_with("Not found on GitHub"), "a user's id is no thread: {out}");
    let (err, out) = s.call("list_review_threads", hello(json!({"pull_number": 99}))).await;
    assert!(err && text(&out).starts_with("Not found on GitHub"), "{out}");
}

#[tokio::test]
async fn review_threads_page_by_cursor() {
    let s = Session::start().await;
    let path = changed_file(&s).await;
    for line in 1..=3 {
        let args = hello(json!({"pull_number": 3, "path": path, "line": line, "body": format!("On line {line}")}));
        assert!(!s.call("add_pull_request_review_comment", args).await.0);
    }
    let (_, first) = s.call("list_review_threads", hello(json!({"pull_number": 3, "per_page": 2}))).await;
    assert_eq!((first["threads"].as_array().map(Vec::len), first["page"]["has_more"].as_bool()), (Some(2), Some(true)));
    let cursor = first["page"]["next_cursor"].clone();
    let (_, rest) =
        s.call("list_review_threads", hello(json!({"pull_number": 3, "per_page": 2, "cursor": cursor}))).await;
    assert_eq!(rest["threads"][0]["comments"][0]["body"], "On line 3", "{rest}");
    assert!(rest["page"]["next_cursor"].is_null() && rest["page"]["has_more"] == false, "{rest}");
}

#[tokio::test]
async fn a_line_comment_joins_the_pending_review_unseen_until_it_is_submitted() {
    let s = Session::start().await;
    let path = changed_file(&s).await;
    let args = hello(json!({"pull_number": 3, "path": path, "line": 1, "body": "Typo."}));
    let (err, out) = s.call("add_comment_to_pending_review", args.clone()).await;
    assert!(err && text(&out).starts_with("You have no pending review"), "{out}");

    let (err, out) = s.call("create_pull_request_review", hello(json!({"pull_number": 3}))).await;
    assert!(!err, "{out}");
    let (err, out) = s.call("add_comment_to_pending_review", args).await;
    assert!(!err, "{out}");
    assert_eq!((out["path"].as_str(), out["comments"][0]["body"].as_str()), (Some(path.as_str()), Some("Typo.")));

    let hubot = s.sign_in_as("hubot").await;
    let (_, seen) = s.call_as(&hubot, "list_review_threads", hello(json!({"pull_number": 3}))).await;
    assert_eq!(seen["threads"], json!([]), "a pending review is the reviewer's own: {seen}");
    let submit = hello(json!({"pull_number": 3, "event": "COMMENT", "body": "See the line comment."}));
    assert!(!s.call("submit_pending_pull_request_review", submit).await.0);
    let (_, seen) = s.call_as(&hubot, "list_review_threads", hello(json!({"pull_number": 3}))).await;
    assert_eq!(seen["threads"][0]["comments"][0]["body"], "Typo.", "{seen}");

    let bad = hello(json!({"pull_number": 3, "path": "no/such/file.rs", "line": 1, "body": "x"}));
    assert!(!s.call("create_pull_request_review", hello(json!({"pull_number": 3}))).await.0);
    let (err, out) = s.call("add_comment_to_pending_review", bad).await;
    assert!(err && text(&out).contains("Path could not be resolved"), "{out}");
}

#[tokio::test]
async fn update_pull_request_turns_a_draft_and_back() {
    let s = Session::start().await;
    let (err, out) = s.call("update_pull_request", hello(json!({"pull_number": 3, "draft": true}))).await;
    assert!(!err, "{out}");
    assert_eq!(out["draft"], true);
    let (_, read) = s.call("get_pull_request", hello(json!({"pull_number": 3}))).await;
    assert_eq!(read["draft"], true, "GitHub's state changed: {read}");
    let (err, out) =
        s.call("update_pull_request", hello(json!({"pull_number": 3, "draft": false, "title": "Greet"}))).await;
    assert!(!err, "{out}");
    assert_eq!((out["draft"].as_bool(), out["title"].as_str()), (Some(false), Some("Greet")));
    let (err, out) = s.call("update_pull_request", hello(json!({"pull_number": 3}))).await;
    assert!(err && text(&out).starts_with("Nothing to change"), "{out}");
}

/// The emulator answers what its own schema knows; this checks the gateway asks only what GitHub's
/// published schema (`@octokit/graphql-schema`, pinned in `clients/node`) allows.
#[tokio::test]
async fn every_graphql_document_the_tools_send_is_valid_against_githubs_published_schema() {
    if !common::graphql_schema_installed() {
        return;
    }
    let s = Session::start().await;
    let path = changed_file(&s).await;
    let comment = hello(json!({"pull_number": 3, "path": path, "line": 2, "start_line": 1, "body": "Why?"}));
    assert!(!s.call("add_pull_request_review_comment", comment).await.0);
    let id = threads(&s).await["threads"][0]["thread_id"].clone();
    assert!(!s.call("resolve_review_thread", json!({"thread_id": id})).await.0);
    assert!(!s.call("resolve_review_thread", json!({"thread_id": id, "resolved": false})).await.0);
    assert!(!s.call("create_pull_request_review", hello(json!({"pull_number": 3}))).await.0);
    let pending =
        hello(json!({"pull_number": 3, "path": path, "line": 2, "start_line": 1, "side": "RIGHT", "body": "x"}));
    assert!(!s.call("add_comment_to_pending_review", pending).await.0);
    assert!(!s.call("update_pull_request", hello(json!({"pull_number": 3, "draft": true}))).await.0);
    assert!(!s.call("update_pull_request", hello(json!({"pull_number": 3, "draft": false}))).await.0);

    let documents = s.h.emulator.graphql_documents();
    assert_eq!(documents.len(), 6, "one document per GraphQL call");
    common::assert_valid_graphql(&documents).await;
}
