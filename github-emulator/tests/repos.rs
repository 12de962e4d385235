//! Stage 1, repositories (read): the repository object, visibility of the
//! private repository, contents (files, directories, big and binary
//! files, raw downloads), branches, commits, tags, releases, the caller's
//! repositories and repository search.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::TestResult;
use common::world::{C2, C3, F1, World};

fn decode(content: &serde_json::Value) -> Vec<u8> {
    let flat: String = content.as_str().unwrap_or_default().split('\n').collect();
    STANDARD.decode(flat).unwrap_or_default()
}

#[tokio::test]
async fn repository_shape_and_visibility() -> TestResult {
    let w = World::start().await?;
    let reply = w.get("/repos/octocat/hello-world", None).await?;
    assert_eq!(reply.status, 200);
    let repo = reply.json();
    assert_eq!(repo["id"], 1296269);
    assert_eq!(repo["node_id"], "MDEwOlJlcG9zaXRvcnkxMjk2MjY5");
    assert_eq!(repo["full_name"], "octocat/hello-world");
    assert_eq!(repo["private"], false);
    assert_eq!(repo["owner"]["login"], "octocat");
    assert_eq!(repo["default_branch"], "main");
    assert_eq!(repo["language"], "Rust");
    assert_eq!(repo["stargazers_count"], 80);
    assert_eq!(repo["open_issues_count"], 2);
    assert_eq!(repo["topics"][0], "hello-world");
    assert_eq!(repo["visibility"], "public");
    assert_eq!(repo["url"], format!("{}/repos/octocat/hello-world", w.api));
    assert_eq!(repo["issues_url"], format!("{}/repos/octocat/hello-world/issues{{/number}}", w.api));
    assert!(repo["created_at"].as_str().is_some_and(|s| s.ends_with('Z')));
    assert!(repo.get("permissions").is_none(), "anonymous callers get no permissions");

    let repo = w.get("/repos/Octocat/Hello-World", Some(&w.hubot)).await?.json();
    assert_eq!(repo["permissions"]["push"], true, "hubot is a collaborator");
    assert_eq!(repo["permissions"]["admin"], false);

    let docs = w.get("/repos/github/docs", None).await?.json();
    assert_eq!(docs["owner"]["type"], "Organization");
    assert_eq!(docs["organization"]["login"], "github");

    // The private repository: only octocat, and only with the repo scope.
    for token in [None, Some(w.hubot.as_str()), Some(w.octo_bare.as_str())] {
        let reply = w.get("/repos/octocat/secret-plans", token).await?;
        assert_eq!(reply.status, 404);
        assert_eq!(reply.json()["message"], "Not Found");
    }
    let reply = w.get("/repos/octocat/secret-plans", Some(&w.octo)).await?;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["private"], true);
    assert_eq!(reply.header("x-ratelimit-limit"), "5000", "served through the gate");
    Ok(())
}

#[tokio::test]
async fn file_and_directory_contents() -> TestResult {
    let w = World::start().await?;
    let reply = w.get("/repos/octocat/hello-world/contents/README.md", None).await?;
    assert_eq!(reply.status, 200);
    let file = reply.json();
    assert_eq!(file["type"], "file");
    assert_eq!(file["encoding"], "base64");
    assert_eq!(file["name"], "README.md");
    assert_eq!(file["path"], "README.md");
    assert!(file["sha"].as_str().is_some_and(|s| s.len() == 40));
    let text = String::from_utf8(decode(&file["content"]))?;
    assert!(text.starts_with("# Hello World") && text.contains("docs/guide.md"));
    assert_eq!(file["size"], text.len());
    assert_eq!(file["html_url"], format!("{}/octocat/hello-world/blob/main/README.md", w.emu.base_url()));
    let download = file["download_url"].as_str().ok_or("no download_url")?;
    assert_eq!(common::client().get(download).send().await?.text().await?, text);

    // At a tag, the older README; the raw media type gives the bytes.
    let old = w.get("/repos/octocat/hello-world/contents/README.md?ref=v1.0.0", None).await?.json();
    assert!(!String::from_utf8(decode(&old["content"]))?.contains("docs/guide.md"));
    let raw = w
        .call(
            reqwest::Method::GET,
            "/repos/octocat/hello-world/contents/src/main.rs",
            None,
            None,
            &[("accept", "application/vnd.github.raw")],
        )
        .await?;
    assert!(raw.text.starts_with("fn main()") && raw.header("content-type").starts_with("text/plain"));

    let logo = w.get("/repos/octocat/hello-world/contents/logo.png", None).await?.json();
    assert!(decode(&logo["content"]).starts_with(b"\x89PNG"));

    let big = w.get("/repos/octocat/hello-world/contents/big.txt", None).await?.json();
    assert_eq!(big["encoding"], "none");
    assert_eq!(big["content"], "");
    assert_eq!(big["size"], 2 * 1024 * 1024);

    let root = w.get("/repos/octocat/hello-world/contents", None).await?.json();
    let names: Vec<(&str, &str)> = root
        .as_array()
        .ok_or("not a list")?
        .iter()
        .map(|e| (e["name"].as_str().unwrap_or_default(), e["type"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(
        names,
        [("README.md", "file"), ("big.txt", "file"), ("docs", "dir"), ("logo.png", "file"), ("src", "dir")]
    );
    let docs = w.get("/repos/octocat/hello-world/contents/docs?ref=feature", None).await?.json();
    assert_eq!(docs[0]["path"], "docs/guide.md");

    let missing = w.get("/repos/octocat/hello-world/contents/nope.md", None).await?;
    assert_eq!((missing.status, missing.json()["message"].as_str()), (404, Some("Not Found")));
    let bad_ref = w.get("/repos/octocat/hello-world/contents/README.md?ref=nope", None).await?;
    assert_eq!(bad_ref.status, 404);
    assert_eq!(bad_ref.json()["message"], "No commit found for the ref nope");
    assert_eq!(w.get("/repos/octocat/secret-plans/contents/README.md", None).await?.status, 404);
    Ok(())
}

#[tokio::test]
async fn branches_commits_tags_releases() -> TestResult {
    let w = World::start().await?;
    let branches = w.get("/repos/octocat/hello-world/branches", None).await?.json();
    assert_eq!(branches[0]["name"], "feature");
    assert_eq!(branches[0]["commit"]["sha"], F1);
    assert_eq!(branches[1]["name"], "main");
    assert_eq!(branches[1]["commit"]["sha"], C3);

    let one = w.get("/repos/octocat/hello-world/branches/feature", None).await?.json();
    assert_eq!((one["name"].as_str(), one["commit"]["sha"].as_str()), (Some("feature"), Some(F1)));
    assert_eq!(one["commit"]["commit"]["message"], "Greet by name");
    assert_eq!(one["protected"], false);
    let missing = w.get("/repos/octocat/hello-world/branches/nope", None).await?;
    assert_eq!((missing.status, missing.json()["message"].as_str()), (404, Some("Branch not found")));

    let main = w.get("/repos/octocat/hello-world/commits", None).await?.json();
    assert_eq!(main.as_array().map(Vec::len), Some(3));
    assert_eq!(main[0]["sha"], C3);
    assert_eq!(main[0]["commit"]["author"]["name"], "The Octocat");
    assert_eq!(main[0]["author"]["login"], "octocat");
    assert_eq!(main[0]["parents"][0]["sha"], C2);
    let feature = w.get("/repos/octocat/hello-world/commits?sha=feature", None).await?.json();
    assert_eq!(feature.as_array().map(Vec::len), Some(4));
    let by_path = w.get("/repos/octocat/hello-world/commits?sha=feature&path=src/main.rs", None).await?.json();
    let shas: Vec<&str> = by_path.as_array().ok_or("list")?.iter().filter_map(|c| c["sha"].as_str()).collect();
    assert_eq!(shas, [F1, C2]);

    let paged = w.get("/repos/octocat/hello-world/commits?per_page=1&page=2", None).await?;
    assert_eq!(paged.json()[0]["sha"], C2);
    assert!(paged.header("link").contains("rel=\"next\"") && paged.header("link").contains("rel=\"prev\""));

    let one = w.get(&format!("/repos/octocat/hello-world/commits/{F1}"), None).await?.json();
    assert_eq!(one["files"].as_array().map(Vec::len), Some(2));
    assert_eq!(one["files"][0]["filename"], "docs/guide.md");
    assert_eq!(one["files"][1]["status"], "modified");
    assert!(one["files"][1]["patch"].as_str().is_some_and(|p| p.starts_with("@@ ")));
    assert!(one["stats"]["total"].as_u64().is_some_and(|t| t > 0));
    let short = w.get(&format!("/repos/octocat/hello-world/commits/{}", &F1[..7]), None).await?.json();
    assert_eq!(short["sha"], F1);
    let bad = w.get("/repos/octocat/hello-world/commits/nope", None).await?;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["message"], "No commit found for SHA: nope");

    let tags = w.get("/repos/octocat/hello-world/tags", None).await?.json();
    assert_eq!(tags[0]["name"], "v1.0.0");
    assert_eq!(tags[0]["commit"]["sha"], C2);
    let releases = w.get("/repos/octocat/hello-world/releases", None).await?.json();
    assert_eq!(releases.as_array().map(Vec::len), Some(1));
    assert_eq!(releases[0]["tag_name"], "v1.0.0");
    assert_eq!(releases[0]["author"]["login"], "octocat");
    assert_eq!(w.get("/repos/octocat/nope/branches", None).await?.status, 404);
    Ok(())
}

#[tokio::test]
async fn user_repos_and_search() -> TestResult {
    let w = World::start().await?;
    let names = |v: serde_json::Value, key: &str| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|r| r[key].as_str().map(str::to_owned)).collect()).unwrap_or_default()
    };
    let mine = w.get("/user/repos", Some(&w.octo)).await?.json();
    assert_eq!(names(mine, "full_name"), ["github/docs", "octocat/hello-world", "octocat/secret-plans"]);
    let owned_public = w.get("/user/repos?type=owner&visibility=public", Some(&w.octo)).await?.json();
    assert_eq!(names(owned_public, "full_name"), ["octocat/hello-world"]);
    let hubots = w.get("/user/repos", Some(&w.hubot)).await?.json();
    assert_eq!(names(hubots, "full_name"), ["octocat/hello-world"]);
    let bare = w.get("/user/repos", Some(&w.octo_bare)).await?.json();
    assert_eq!(names(bare, "full_name"), ["github/docs", "octocat/hello-world"], "no repo scope, no private repos");
    assert_eq!(w.get("/user/repos", None).await?.status, 401);

    let found = w.get("/search/repositories?q=hello", None).await?.json();
    assert_eq!(found["total_count"], 1);
    assert_eq!(found["incomplete_results"], false);
    assert_eq!(found["items"][0]["full_name"], "octocat/hello-world");
    assert_eq!(found["items"][0]["score"], 1.0);
    let by_description = w.get("/search/repositories?q=domination", Some(&w.octo)).await?.json();
    assert_eq!(by_description["total_count"], 1);
    let hidden = w.get("/search/repositories?q=domination", None).await?.json();
    assert_eq!(hidden["total_count"], 0);
    let org = w.get("/search/repositories?q=org:github", None).await?.json();
    assert_eq!(names(org["items"].clone(), "full_name"), ["github/docs"]);
    let missing = w.get("/search/repositories", None).await?;
    assert_eq!(missing.status, 422);
    let body = missing.json();
    assert_eq!(body["message"], "Validation Failed");
    assert_eq!(body["errors"][0]["field"], "q");
    assert_eq!(body["errors"][0]["code"], "missing");
    Ok(())
}

#[tokio::test]
async fn the_permission_api_answers_for_collaborators_and_outside_accounts() -> TestResult {
    let w = World::start().await?;
    let hubot = w.get("/repos/octocat/hello-world/collaborators/hubot/permission", Some(&w.octo)).await?;
    assert_eq!((hubot.status, hubot.json()["permission"].as_str()), (200, Some("write")), "{}", hubot.text);
    let outsider = w.get("/repos/github/docs/collaborators/hubot/permission", Some(&w.octo)).await?;
    assert_eq!(outsider.status, 200, "{}", outsider.text);
    assert_eq!(outsider.json()["permission"], "read", "anyone reads a public repository");
    assert_eq!(outsider.json()["user"]["permissions"]["push"], false);
    let refused = w.get("/repos/github/docs/collaborators/octocat/permission", Some(&w.hubot)).await?;
    assert_eq!(refused.status, 403, "asking needs push access");
    Ok(())
}
