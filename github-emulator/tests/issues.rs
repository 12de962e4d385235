//! Stage 2, issues: lists with filters (pull requests included), single
//! issues, comments (one with invisible characters), labels, issue search,
//! and creating, editing and commenting with GitHub's validation errors.

mod common;

use common::TestResult;
use common::world::World;
use reqwest::Method;
use serde_json::{Value, json};

fn numbers(list: &Value) -> Vec<u64> {
    list.as_array().map(|a| a.iter().filter_map(|i| i["number"].as_u64()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn lists_and_single_issues() -> TestResult {
    let w = World::start().await?;
    let open = w.get("/repos/octocat/hello-world/issues", None).await?.json();
    assert_eq!(numbers(&open), [3, 1], "open by default, newest first, pull requests included");
    assert!(open[0]["pull_request"]["url"].as_str().is_some_and(|u| u.ends_with("/pulls/3")));
    assert!(open[1].get("pull_request").is_none());
    assert_eq!(numbers(&w.get("/repos/octocat/hello-world/issues?state=closed", None).await?.json()), [2]);
    assert_eq!(numbers(&w.get("/repos/octocat/hello-world/issues?state=all", None).await?.json()), [3, 2, 1]);
    assert_eq!(numbers(&w.get("/repos/octocat/hello-world/issues?state=all&labels=bug", None).await?.json()), [1]);
    let paged = w.get("/repos/octocat/hello-world/issues?per_page=1", None).await?;
    assert!(paged.header("link").contains("rel=\"last\""));

    let one = w.get("/repos/octocat/hello-world/issues/1", None).await?.json();
    assert_eq!(one["id"], 1347);
    assert_eq!(one["title"], "Found a bug");
    assert_eq!(one["state"], "open");
    assert_eq!(one["labels"][0]["name"], "bug");
    assert_eq!(one["labels"][0]["color"], "d73a4a");
    assert_eq!(one["assignee"]["login"], "octocat");
    assert_eq!(one["comments"], 2);
    assert_eq!(one["user"]["login"], "octocat");
    assert_eq!(one["author_association"], "OWNER");
    assert_eq!(one["html_url"], format!("{}/octocat/hello-world/issues/1", w.emu.base_url()));
    assert!(one["closed_by"].is_null() && one["reactions"]["total_count"] == 0);
    let two = w.get("/repos/octocat/hello-world/issues/2", None).await?.json();
    assert_eq!((two["state"].as_str(), two["state_reason"].as_str()), (Some("closed"), Some("completed")));
    assert_eq!(two["closed_by"]["login"], "hubot");

    assert_eq!(w.get("/repos/octocat/hello-world/issues/99", None).await?.status, 404);
    assert_eq!(w.get("/repos/octocat/hello-world/issues/abc", None).await?.status, 404);
    assert_eq!(w.get("/repos/octocat/secret-plans/issues/1", None).await?.status, 404);
    assert_eq!(w.get("/repos/octocat/secret-plans/issues/1", Some(&w.octo)).await?.status, 200);
    Ok(())
}

#[tokio::test]
async fn comments_and_labels() -> TestResult {
    let w = World::start().await?;
    let comments = w.get("/repos/octocat/hello-world/issues/1/comments", None).await?.json();
    assert_eq!(comments.as_array().map(Vec::len), Some(2));
    assert_eq!(comments[0]["user"]["login"], "hubot");
    assert_eq!(comments[0]["author_association"], "COLLABORATOR");
    let tricky = comments[1]["body"].as_str().unwrap_or_default();
    assert!(tricky.contains('\u{200B}') && tricky.contains('\u{202E}'));
    assert!(comments[1]["html_url"].as_str().is_some_and(|u| u.contains("/issues/1#issuecomment-")));
    assert_eq!(w.get("/repos/octocat/hello-world/issues/9/comments", None).await?.status, 404);

    let labels = w.get("/repos/octocat/hello-world/labels", None).await?.json();
    let names: Vec<&str> = labels.as_array().ok_or("list")?.iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(names, ["bug", "enhancement"]);
    assert_eq!(labels[0]["default"], true);
    Ok(())
}

#[tokio::test]
async fn issue_search() -> TestResult {
    let w = World::start().await?;
    let search = |q: &'static str, token: Option<String>| {
        let w = &w;
        async move {
            let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
            w.get(&format!("/search/issues?q={q}"), token.as_deref()).await
        }
    };
    let issues = search("repo:octocat/hello-world is:issue", None).await?.json();
    assert_eq!(issues["total_count"], 2);
    assert_eq!(numbers(&issues["items"]), [2, 1]);
    let prs = search("repo:octocat/hello-world is:pr", None).await?.json();
    assert_eq!(numbers(&prs["items"]), [3]);
    assert!(prs["items"][0]["pull_request"].is_object());
    assert_eq!(numbers(&search("is:issue is:open repo:octocat/hello-world", None).await?.json()["items"]), [1]);
    assert_eq!(numbers(&search("dark mode", None).await?.json()["items"]), [2]);
    assert_eq!(numbers(&search("label:bug", None).await?.json()["items"]), [1]);
    assert_eq!(search("secret launch", None).await?.json()["total_count"], 0);
    assert_eq!(search("secret launch", Some(w.octo.clone())).await?.json()["total_count"], 1);
    assert_eq!(w.get("/search/issues?q=", None).await?.status, 422);
    Ok(())
}

#[tokio::test]
async fn create_issues_with_validation() -> TestResult {
    let w = World::start().await?;
    let body =
        json!({"title": "Crash on start", "body": "Stack trace", "labels": ["bug", "crash"], "assignees": ["octocat"]});
    let reply = w.send(Method::POST, "/repos/octocat/hello-world/issues", &w.hubot, body.clone()).await?;
    assert_eq!(reply.status, 201);
    let issue = reply.json();
    assert_eq!(issue["number"], 4);
    assert_eq!(issue["state"], "open");
    assert_eq!(issue["user"]["login"], "hubot");
    assert_eq!(reply.header("location"), format!("{}/repos/octocat/hello-world/issues/4", w.api));
    let labels: Vec<&str> =
        issue["labels"].as_array().ok_or("labels")?.iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(labels, ["bug", "crash"], "unknown labels are created");
    assert_eq!(issue["assignees"][0]["login"], "octocat");
    assert_eq!(w.get("/repos/octocat/hello-world/labels", None).await?.json().as_array().map(Vec::len), Some(3));
    assert_eq!(w.get("/repos/octocat/hello-world", None).await?.json()["open_issues_count"], 3);

    let reply = w.send(Method::POST, "/repos/octocat/hello-world/issues", &w.octo, json!({"body": "no title"})).await?;
    assert_eq!(reply.status, 422);
    let error = reply.json();
    assert_eq!(error["message"], "Validation Failed");
    assert_eq!(error["errors"], json!([{"resource": "Issue", "field": "title", "code": "missing_field"}]));
    assert!(error["documentation_url"].is_string());

    let reply = w.send(Method::POST, "/repos/octocat/hello-world/issues", &w.octo, json!({"title": 5})).await?;
    assert_eq!(reply.status, 422);
    assert!(reply.json()["message"].as_str().is_some_and(|m| m.contains("is not a string")));
    let reply = w.call(Method::POST, "/repos/octocat/hello-world/issues", Some(&w.octo), None, &[]).await?;
    assert_eq!(reply.status, 422, "an empty body has no title");
    let bad_json = common::client()
        .post(format!("{}/repos/octocat/hello-world/issues", w.api))
        .bearer_auth(&w.octo)
        .body("{not json")
        .send()
        .await?;
    assert_eq!(bad_json.status(), 400);

    assert_eq!(
        w.call(Method::POST, "/repos/octocat/hello-world/issues", None, Some(body.clone()), &[]).await?.status,
        401
    );
    let no_scope = w.send(Method::POST, "/repos/octocat/hello-world/issues", &w.octo_bare, body.clone()).await?;
    assert_eq!(no_scope.status, 404, "no repo scope: 404 as GitHub answers OAuth tokens");
    assert_eq!(w.send(Method::POST, "/repos/octocat/secret-plans/issues", &w.hubot, body).await?.status, 404);

    // Without push access labels and assignees are silently dropped.
    let reply = w
        .send(Method::POST, "/repos/github/docs/issues", &w.hubot, json!({"title": "Typo", "labels": ["bug"]}))
        .await?;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["labels"], json!([]));
    assert_eq!(reply.json()["author_association"], "NONE");
    Ok(())
}

#[tokio::test]
async fn edit_issues_and_comment() -> TestResult {
    let w = World::start().await?;
    let path = "/repos/octocat/hello-world/issues/1";
    let reply = w.send(Method::PATCH, path, &w.octo, json!({"state": "closed", "state_reason": "not_planned"})).await?;
    assert_eq!(reply.status, 200);
    let issue = reply.json();
    assert_eq!((issue["state"].as_str(), issue["state_reason"].as_str()), (Some("closed"), Some("not_planned")));
    assert_eq!(issue["closed_by"]["login"], "octocat");
    assert!(issue["closed_at"].is_string());
    let reopened =
        w.send(Method::PATCH, path, &w.hubot, json!({"state": "open", "title": "Found a bug (again)"})).await?.json();
    assert_eq!((reopened["state"].as_str(), reopened["state_reason"].as_str()), (Some("open"), Some("reopened")));
    assert_eq!(reopened["title"], "Found a bug (again)");

    let labeled = w
        .send(Method::PATCH, path, &w.octo, json!({"labels": ["enhancement", "wontfix"], "assignees": ["hubot"]}))
        .await?
        .json();
    let labels: Vec<&str> =
        labeled["labels"].as_array().ok_or("labels")?.iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(labels, ["enhancement", "wontfix"]);
    assert_eq!(labeled["assignees"][0]["login"], "hubot");

    let reply = w.send(Method::PATCH, path, &w.octo, json!({"assignees": ["nobody"]})).await?;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["errors"][0]["code"], "invalid");
    assert_eq!(reply.json()["errors"][0]["field"], "assignees");
    assert_eq!(reply.json()["errors"][0]["value"], "nobody");
    assert_eq!(w.send(Method::PATCH, path, &w.octo, json!({"state": "done"})).await?.status, 422);
    assert_eq!(w.send(Method::PATCH, path, &w.octo, json!({"title": ""})).await?.status, 422);
    assert_eq!(w.send(Method::PATCH, "/repos/octocat/hello-world/issues/99", &w.octo, json!({})).await?.status, 404);
    assert_eq!(w.send(Method::PATCH, path, &w.octo_bare, json!({"title": "x"})).await?.status, 404);

    let comments = "/repos/octocat/hello-world/issues/1/comments";
    let reply = w.send(Method::POST, comments, &w.hubot, json!({"body": "Still happening."})).await?;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["body"], "Still happening.");
    assert_eq!(reply.json()["user"]["login"], "hubot");
    assert!(reply.header("location").contains("/issues/comments/"));
    let reply = w.send(Method::POST, comments, &w.hubot, json!({})).await?;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["errors"][0]["field"], "body");
    assert_eq!(w.get(path, None).await?.json()["comments"], 3);
    assert_eq!(
        w.send(Method::POST, "/repos/octocat/hello-world/issues/99/comments", &w.hubot, json!({"body": "x"}))
            .await?
            .status,
        404
    );
    Ok(())
}
