//! Stage 5: user and code search, GitHub Actions (runs, jobs, the log
//! redirect, re-runs) and notifications.

mod common;

use common::TestResult;
use common::world::{C3, F1, World};
use reqwest::Method;
use serde_json::{Value, json};

fn logins(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["login"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn user_and_code_search() -> TestResult {
    let w = World::start().await?;
    let found = w.get("/search/users?q=octo", None).await?.json();
    assert_eq!(found["total_count"], 1);
    assert_eq!(found["items"][0]["login"], "octocat");
    assert_eq!(found["items"][0]["type"], "User");
    assert_eq!(found["items"][0]["score"], 1.0);
    assert_eq!(logins(&w.get("/search/users?q=hubot", None).await?.json()["items"]), ["hubot"]);
    assert_eq!(logins(&w.get("/search/users?q=type:org", None).await?.json()["items"]), ["github"]);
    assert_eq!(w.get("/search/users", None).await?.status, 422);

    let path = "/search/code?q=println";
    assert_eq!(w.get(path, None).await?.status, 401, "code search needs a token");
    let hits = w.get(path, Some(&w.hubot)).await?.json();
    assert_eq!(hits["total_count"], 1);
    let hit = &hits["items"][0];
    assert_eq!((hit["name"].as_str(), hit["path"].as_str()), (Some("main.rs"), Some("src/main.rs")));
    assert_eq!(hit["repository"]["full_name"], "octocat/hello-world");
    assert!(hit["sha"].as_str().is_some_and(|s| s.len() == 40));
    assert!(hit["html_url"].as_str().is_some_and(|u| u.ends_with(&format!("/blob/{C3}/src/main.rs"))));
    let readmes = w.get("/search/code?q=repo:octocat/hello-world+filename:README.md", Some(&w.hubot)).await?.json();
    assert_eq!(readmes["total_count"], 1);
    let hidden = w.get("/search/code?q=octocat+plans", Some(&w.hubot)).await?.json();
    assert_eq!(hidden["total_count"], 0, "private repositories stay hidden");
    let mine = w.get("/search/code?q=octocat+path:plans.md", Some(&w.octo)).await?.json();
    assert_eq!(mine["items"][0]["repository"]["full_name"], "octocat/secret-plans");
    let big = w.get("/search/code?q=lazy+dog", Some(&w.octo)).await?.json();
    assert_eq!(big["total_count"], 0, "big.txt is too big to be indexed");
    Ok(())
}

#[tokio::test]
async fn workflow_runs_jobs_and_logs() -> TestResult {
    let w = World::start().await?;
    let runs = w.get("/repos/octocat/hello-world/actions/runs", None).await?.json();
    assert_eq!(runs["total_count"], 2);
    let first = &runs["workflow_runs"][0];
    assert_eq!((first["id"].as_u64(), first["conclusion"].as_str()), (Some(30433643), Some("failure")));
    assert_eq!((first["head_branch"].as_str(), first["head_sha"].as_str()), (Some("main"), Some(C3)));
    assert_eq!(first["status"], "completed");
    assert_eq!(first["name"], "CI");
    assert_eq!(first["repository"]["full_name"], "octocat/hello-world");
    assert_eq!(runs["workflow_runs"][1]["head_sha"], F1);
    let failed = w.get("/repos/octocat/hello-world/actions/runs?status=failure", None).await?.json();
    assert_eq!(failed["total_count"], 1);
    let feature = w.get("/repos/octocat/hello-world/actions/runs?branch=feature", None).await?.json();
    assert_eq!(feature["workflow_runs"][0]["conclusion"], "success");

    let run = w.get("/repos/octocat/hello-world/actions/runs/30433643", None).await?.json();
    assert_eq!(run["run_number"], 42);
    assert_eq!(w.get("/repos/octocat/hello-world/actions/runs/1", None).await?.status, 404);
    let jobs = w.get("/repos/octocat/hello-world/actions/runs/30433643/jobs", None).await?.json();
    assert_eq!(jobs["total_count"], 2);
    assert_eq!(
        (jobs["jobs"][1]["name"].as_str(), jobs["jobs"][1]["conclusion"].as_str()),
        (Some("test"), Some("failure"))
    );
    assert_eq!(jobs["jobs"][1]["steps"][2]["conclusion"], "failure");
    let job = w.get("/repos/octocat/hello-world/actions/jobs/399444498", None).await?.json();
    assert_eq!(job["run_id"], 30433643);

    let logs = "/repos/octocat/hello-world/actions/jobs/399444498/logs";
    assert_eq!(w.get(logs, None).await?.status, 401);
    let reply = w.get(logs, Some(&w.hubot)).await?;
    assert_eq!(reply.status, 302);
    let location = reply.header("location");
    assert!(location.starts_with(&format!("{}/_downloads/", w.emu.base_url())), "{location}");
    let log = common::client().get(&location).send().await?;
    assert_eq!(log.status(), 200);
    assert!(
        log.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|c| c.starts_with("text/plain"))
    );
    let text = log.text().await?;
    assert_eq!(text.lines().count(), 500);
    assert!(text.contains("##[error]Process completed with exit code 101."));
    let again = common::client().get(&location).send().await?;
    assert_eq!(again.status(), 404, "a download link works once");
    let forged = common::client().get(format!("{}/_downloads/nope", w.emu.base_url())).send().await?;
    assert_eq!(forged.status(), 404);
    assert_eq!(w.get("/repos/octocat/hello-world/actions/jobs/1/logs", Some(&w.hubot)).await?.status, 404);

    let usage = w.get("/repos/octocat/hello-world/actions/runs/30433643/timing", None).await?.json();
    let ubuntu = &usage["billable"]["UBUNTU"];
    assert_eq!((ubuntu["jobs"].as_u64(), ubuntu["job_runs"][1]["job_id"].as_u64()), (Some(2), Some(399444498)));
    assert_eq!(ubuntu["total_ms"].as_u64().map(|ms| ms % 60_000), Some(0), "billed by the minute: {usage}");

    // A run's logs and an artifact are zips behind one-time links.
    for (path, names) in [
        ("/repos/octocat/hello-world/actions/runs/30433643/logs", &["0_build.txt", "1_test.txt"][..]),
        ("/repos/octocat/hello-world/actions/artifacts/11223344/zip", &["test-results.txt"][..]),
    ] {
        assert_eq!(w.get(path, None).await?.status, 401);
        let reply = w.get(path, Some(&w.hubot)).await?;
        assert_eq!(reply.status, 302, "{path}");
        let zip = common::client().get(reply.header("location")).send().await?;
        assert_eq!(zip.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/zip"));
        let bytes = zip.bytes().await?;
        assert!(bytes.starts_with(b"PK\x03\x04"), "{path}");
        for name in names {
            assert!(bytes.windows(name.len()).any(|w| w == name.as_bytes()), "{path} holds {name}");
        }
    }
    let tar = "/repos/octocat/hello-world/actions/artifacts/11223344/tar";
    assert_eq!(w.get(tar, Some(&w.hubot)).await?.status, 404, "only zip archives exist");

    // Deleting a run's logs needs push access, and removes every log of the run.
    let run_logs = "/repos/octocat/hello-world/actions/runs/30433643/logs";
    assert_eq!(w.call(Method::DELETE, run_logs, Some(&w.octo_bare), None, &[]).await?.status, 404);
    assert_eq!(w.call(Method::DELETE, run_logs, Some(&w.hubot), None, &[]).await?.status, 204);
    assert_eq!(w.get(run_logs, Some(&w.hubot)).await?.status, 404);
    assert_eq!(w.get(logs, Some(&w.hubot)).await?.status, 404);

    let rerun = "/repos/octocat/hello-world/actions/runs/30433643/rerun";
    assert_eq!(w.call(Method::POST, rerun, Some(&w.octo_bare), None, &[]).await?.status, 404);
    let reply = w.call(Method::POST, rerun, Some(&w.hubot), None, &[]).await?;
    assert_eq!((reply.status, reply.json()), (201, json!({})));
    let run = w.get("/repos/octocat/hello-world/actions/runs/30433643", None).await?.json();
    assert_eq!((run["status"].as_str(), run["run_attempt"].as_u64()), (Some("queued"), Some(2)));
    assert!(run["conclusion"].is_null());
    assert_eq!(w.call(Method::POST, rerun, Some(&w.hubot), None, &[]).await?.status, 403);
    Ok(())
}

#[tokio::test]
async fn notifications() -> TestResult {
    let w = World::start().await?;
    assert_eq!(w.get("/notifications", None).await?.status, 401);
    assert_eq!(w.get("/notifications", Some(&w.octo_bare)).await?.status, 404, "needs notifications or repo");
    let list = w.get("/notifications", Some(&w.octo)).await?.json();
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let ids: Vec<&str> = list.as_array().ok_or("list")?.iter().filter_map(|t| t["id"].as_str()).collect();
    assert_eq!(ids, ["2", "1"]);
    assert_eq!(list[0]["subject"]["type"], "PullRequest");
    assert!(list[0]["subject"]["url"].as_str().is_some_and(|u| u.ends_with("/repos/octocat/hello-world/pulls/3")));
    assert_eq!((list[1]["reason"].as_str(), list[1]["unread"].as_bool()), (Some("mention"), Some(true)));
    assert_eq!(list[1]["repository"]["full_name"], "octocat/hello-world");
    assert_eq!(w.get("/notifications", Some(&w.hubot)).await?.json(), json!([]));

    let reply = w.call(Method::PATCH, "/notifications/threads/1", Some(&w.octo), None, &[]).await?;
    assert_eq!((reply.status, reply.text.as_str()), (205, ""));
    let unread = w.get("/notifications", Some(&w.octo)).await?.json();
    assert_eq!(unread.as_array().map(Vec::len), Some(1));
    let all = w.get("/notifications?all=true", Some(&w.octo)).await?.json();
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    let read = w.get("/notifications/threads/1", Some(&w.octo)).await?.json();
    assert_eq!(read["unread"], false);
    assert!(read["last_read_at"].is_string());
    assert_eq!(w.call(Method::PATCH, "/notifications/threads/2", Some(&w.hubot), None, &[]).await?.status, 404);
    assert_eq!(w.call(Method::PATCH, "/notifications/threads/99", Some(&w.octo), None, &[]).await?.status, 404);
    assert_eq!(w.call(Method::PUT, "/notifications", Some(&w.octo), None, &[]).await?.status, 205);
    assert_eq!(w.get("/notifications", Some(&w.octo)).await?.json(), json!([]));
    Ok(())
}
