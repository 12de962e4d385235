//! Stage 3, pull requests: lists, the full object, the diff media type,
//! files, reviews, combined status and check runs; opening, editing,
//! reviewing and merging with GitHub's errors.

mod common;

use common::TestResult;
use common::world::{C3, F1, World};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn pull_request_reads() -> TestResult {
    let w = World::start().await?;
    let list = w.get("/repos/octocat/hello-world/pulls", None).await?.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let pr = &list[0];
    assert_eq!(pr["number"], 3);
    assert_eq!(pr["state"], "open");
    assert_eq!(pr["title"], "Greet by name");
    assert_eq!(pr["user"]["login"], "octocat");
    assert_eq!((pr["head"]["ref"].as_str(), pr["head"]["sha"].as_str()), (Some("feature"), Some(F1)));
    assert_eq!((pr["base"]["ref"].as_str(), pr["base"]["sha"].as_str()), (Some("main"), Some(C3)));
    assert_eq!(pr["head"]["label"], "octocat:feature");
    assert_eq!(pr["base"]["repo"]["full_name"], "octocat/hello-world");
    assert!(pr["_links"]["statuses"]["href"].as_str().is_some_and(|h| h.ends_with(F1)));
    assert_eq!(w.get("/repos/octocat/hello-world/pulls?state=closed", None).await?.json(), json!([]));

    let full = w.get("/repos/octocat/hello-world/pulls/3", None).await?.json();
    assert_eq!(full["merged"], false);
    assert_eq!(full["mergeable"], true);
    assert_eq!(full["mergeable_state"], "clean");
    assert_eq!(full["commits"], 1);
    assert_eq!(full["changed_files"], 2);
    assert!(full["additions"].as_u64().is_some_and(|a| a > 0));
    assert!(full["merged_by"].is_null());
    assert_eq!(w.get("/repos/octocat/hello-world/pulls/1", None).await?.status, 404, "an issue is not a pull");
    assert_eq!(w.get("/repos/octocat/hello-world/pulls/99", None).await?.status, 404);

    let diff = w
        .call(
            Method::GET,
            "/repos/octocat/hello-world/pulls/3",
            None,
            None,
            &[("accept", "application/vnd.github.diff")],
        )
        .await?;
    assert_eq!(diff.status, 200);
    assert!(diff.header("content-type").starts_with("application/vnd.github.diff"));
    assert!(diff.text.starts_with("diff --git a/docs/guide.md b/docs/guide.md\n"), "{}", diff.text);
    assert!(diff.text.contains("--- a/src/main.rs\n+++ b/src/main.rs\n@@ "));
    assert!(diff.text.contains("\n+    println!(\"Hello, {name}!\");\n"));

    let files = w.get("/repos/octocat/hello-world/pulls/3/files", None).await?.json();
    let names: Vec<&str> = files.as_array().ok_or("list")?.iter().filter_map(|f| f["filename"].as_str()).collect();
    assert_eq!(names, ["docs/guide.md", "src/main.rs"]);
    assert!(files[1]["patch"].as_str().is_some_and(|p| p.starts_with("@@")));
    let commits = w.get("/repos/octocat/hello-world/pulls/3/commits", None).await?.json();
    assert_eq!(commits[0]["sha"], F1);
    let reviews = w.get("/repos/octocat/hello-world/pulls/3/reviews", None).await?.json();
    assert_eq!(reviews.as_array().map(Vec::len), Some(1));
    assert_eq!((reviews[0]["state"].as_str(), reviews[0]["user"]["login"].as_str()), (Some("APPROVED"), Some("hubot")));
    assert_eq!(reviews[0]["commit_id"], F1);
    Ok(())
}

#[tokio::test]
async fn statuses_and_check_runs() -> TestResult {
    let w = World::start().await?;
    let status = w.get("/repos/octocat/hello-world/commits/feature/status", None).await?.json();
    assert_eq!(status["state"], "success");
    assert_eq!(status["sha"], F1);
    assert_eq!(status["total_count"], 1);
    assert_eq!(status["statuses"][0]["context"], "ci/emulator");
    assert_eq!(status["repository"]["full_name"], "octocat/hello-world");
    let none = w.get(&format!("/repos/octocat/hello-world/commits/{C3}/status"), None).await?.json();
    assert_eq!((none["state"].as_str(), none["total_count"].as_u64()), (Some("pending"), Some(0)));

    let checks = w.get(&format!("/repos/octocat/hello-world/commits/{F1}/check-runs"), None).await?.json();
    assert_eq!(checks["total_count"], 1);
    let run = &checks["check_runs"][0];
    assert_eq!(
        (run["name"].as_str(), run["status"].as_str(), run["conclusion"].as_str()),
        (Some("build"), Some("completed"), Some("success"))
    );
    assert_eq!(run["app"]["slug"], "github-actions");
    assert_eq!(run["pull_requests"][0]["number"], 3);
    let bad = w.get("/repos/octocat/hello-world/commits/nope/check-runs", None).await?;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["message"], "No commit found for SHA: nope");
    Ok(())
}

#[tokio::test]
async fn open_edit_and_review() -> TestResult {
    let w = World::start().await?;
    let pulls = "/repos/octocat/hello-world/pulls";
    let open = |head: &str, base: &str| json!({"title": "More", "head": head, "base": base, "body": "Please"});
    let reply = w.send(Method::POST, pulls, &w.octo, open("main", "main")).await?;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["errors"][0]["message"], "No commits between main and main");
    assert_eq!(reply.json()["errors"][0]["code"], "custom");
    let reply = w.send(Method::POST, pulls, &w.octo, open("nope", "main")).await?;
    assert_eq!(reply.json()["errors"], json!([{"resource": "PullRequest", "field": "head", "code": "invalid"}]));
    let reply = w.send(Method::POST, pulls, &w.octo, open("feature", "nope")).await?;
    assert_eq!(reply.json()["errors"][0]["field"], "base");
    let reply = w.send(Method::POST, pulls, &w.octo, open("feature", "main")).await?;
    assert_eq!(reply.json()["errors"][0]["message"], "A pull request already exists for octocat:feature.");
    let reply = w.send(Method::POST, pulls, &w.octo, json!({"head": "feature", "base": "main"})).await?;
    assert_eq!(reply.json()["errors"][0]["field"], "title");

    let branch = json!({"ref": "refs/heads/topic", "sha": F1});
    assert_eq!(w.send(Method::POST, "/repos/octocat/hello-world/git/refs", &w.octo, branch).await?.status, 201);
    let reply = w.send(Method::POST, pulls, &w.hubot, open("topic", "main")).await?;
    assert_eq!(reply.status, 201);
    let pr = reply.json();
    assert_eq!(pr["number"], 4);
    assert_eq!(pr["user"]["login"], "hubot");
    assert_eq!(pr["head"]["sha"], F1);
    assert_eq!(reply.header("location"), format!("{}/pulls/4", w.api.clone() + "/repos/octocat/hello-world"));
    assert_eq!(w.send(Method::POST, pulls, &w.octo_bare, open("topic", "feature")).await?.status, 404);

    let reply =
        w.send(Method::PATCH, &format!("{pulls}/4"), &w.hubot, json!({"title": "Renamed", "state": "closed"})).await?;
    assert_eq!(reply.status, 200);
    assert_eq!((reply.json()["title"].as_str(), reply.json()["state"].as_str()), (Some("Renamed"), Some("closed")));
    assert!(reply.json()["mergeable"].is_null());
    let reply = w.send(Method::PATCH, &format!("{pulls}/4"), &w.octo, json!({"base": "nope"})).await?;
    assert_eq!(reply.status, 422);

    let reviews = format!("{pulls}/3/reviews");
    let reply = w.send(Method::POST, &reviews, &w.hubot, json!({"event": "COMMENT"})).await?;
    assert_eq!(reply.status, 422);
    assert!(reply.json()["errors"][0].as_str().is_some_and(|e| e.contains("body is required")));
    let reply = w.send(Method::POST, &reviews, &w.octo, json!({"event": "APPROVE"})).await?;
    assert_eq!(reply.json()["errors"][0], "Can not approve your own pull request");
    let reply = w.send(Method::POST, &reviews, &w.hubot, json!({"event": "NOPE", "body": "x"})).await?;
    assert_eq!(reply.status, 422);
    let reply =
        w.send(Method::POST, &reviews, &w.hubot, json!({"event": "REQUEST_CHANGES", "body": "Add tests"})).await?;
    assert_eq!(reply.status, 200);
    assert_eq!(
        (reply.json()["state"].as_str(), reply.json()["commit_id"].as_str()),
        (Some("CHANGES_REQUESTED"), Some(F1))
    );
    assert_eq!(w.get(&reviews, None).await?.json().as_array().map(Vec::len), Some(2));
    Ok(())
}

#[tokio::test]
async fn merging() -> TestResult {
    let w = World::start().await?;
    let merge = "/repos/octocat/hello-world/pulls/3/merge";
    let reply = w.send(Method::PUT, merge, &w.hubot, json!({"sha": C3})).await?;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.json()["message"], "Head branch was modified. Review and try the merge again.");
    assert_eq!(w.send(Method::PUT, merge, &w.octo_bare, json!({})).await?.status, 404);
    assert_eq!(w.send(Method::PUT, merge, &w.hubot, json!({"merge_method": "octopus"})).await?.status, 422);
    let reply = w.send(Method::PUT, merge, &w.hubot, json!({"sha": F1, "merge_method": "squash"})).await?;
    assert_eq!(reply.status, 200);
    let merged = reply.json();
    assert_eq!(
        (merged["merged"].as_bool(), merged["message"].as_str()),
        (Some(true), Some("Pull Request successfully merged"))
    );
    let sha = merged["sha"].as_str().ok_or("sha")?.to_owned();

    let pr = w.get("/repos/octocat/hello-world/pulls/3", None).await?.json();
    assert_eq!((pr["state"].as_str(), pr["merged"].as_bool()), (Some("closed"), Some(true)));
    assert_eq!(pr["merged_by"]["login"], "hubot");
    assert_eq!(pr["merge_commit_sha"], sha.as_str());
    assert_eq!(pr["changed_files"], 2, "files stay listable after the merge");
    let main = w.get("/repos/octocat/hello-world/commits?per_page=1", None).await?.json();
    assert_eq!(main[0]["sha"], sha.as_str());
    assert!(main[0]["commit"]["message"].as_str().is_some_and(|m| m.starts_with("Greet by name (#3)")));
    let issue = w.get("/repos/octocat/hello-world/issues/3", None).await?.json();
    assert!(issue["pull_request"]["merged_at"].is_string());

    let again = w.send(Method::PUT, merge, &w.hubot, json!({})).await?;
    assert_eq!(again.status, 405);
    assert_eq!(again.json()["message"], "Pull Request is not mergeable");
    assert_eq!(w.send(Method::PUT, "/repos/octocat/hello-world/pulls/1/merge", &w.octo, json!({})).await?.status, 404);
    Ok(())
}
