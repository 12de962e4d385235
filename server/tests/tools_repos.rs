//! The `repos` tools against the emulator's seeded world: projected fields and main error paths.

mod common;

use common::ToolSession as Session;
use common::error_text;
use common::hello_world as hello;
use github_emulator::Fault;
use serde_json::json;

const C1: &str = "553c2077f0edc3d5dc5d17262f6aa498e69d6f8e";
const C2: &str = "762941318ee16e59dabbacb1b4049eec22f0d303";
const C3: &str = "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d";
const F1: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

#[tokio::test]
async fn get_repository_projects_the_useful_fields() {
    let s = Session::start().await;
    let (err, repo) = s.call("get_repository", hello(json!({}))).await;
    assert!(!err, "{repo}");
    assert_eq!(repo["full_name"], "octocat/hello-world");
    assert_eq!((repo["default_branch"].as_str(), repo["language"].as_str()), (Some("main"), Some("Rust")));
    assert_eq!((repo["stargazers_count"].as_u64(), repo["private"].as_bool()), (Some(80), Some(false)));
    assert_eq!(repo["owner"], "octocat");
    for noise in ["url", "node_id", "hooks_url", "id"] {
        assert!(repo.get(noise).is_none(), "{noise} leaked: {repo}");
    }
    // Private and visible to its owner.
    let (err, secret) = s.call("get_repository", json!({"owner": "octocat", "repo": "secret-plans"})).await;
    assert!(!err && secret["private"] == true, "{secret}");
}

#[tokio::test]
async fn unknown_or_malformed_repositories_are_actionable_errors() {
    let s = Session::start().await;
    let (err, text) = s.call("get_repository", json!({"owner": "octocat", "repo": "nope"})).await;
    assert!(err && error_text(&text).contains("Not found"), "{text}");
    let calls = s.h.emulator.api_requests().len();
    let (err, text) = s.call("get_repository", json!({"owner": "octo/cat", "repo": "x"})).await;
    assert!(err && error_text(&text).contains("not a repository name"), "{text}");
    assert_eq!(s.h.emulator.api_requests().len(), calls, "refused before calling GitHub");
}

#[tokio::test]
async fn search_repositories_finds_and_pages() {
    let s = Session::start().await;
    let (err, out) = s.call("search_repositories", json!({"query": "hello"})).await;
    assert!(!err, "{out}");
    let names: Vec<&str> =
        out["repositories"].as_array().unwrap().iter().filter_map(|r| r["full_name"].as_str()).collect();
    assert!(names.contains(&"octocat/hello-world"), "{names:?}");
    assert!(out["page"]["total_count"].as_u64().is_some_and(|n| n >= 1));
    s.h.emulator.inject_fault(Fault::new("/search/repositories", 503).times(3));
    let (err, text) = s.call("search_repositories", json!({"query": "hello"})).await;
    assert!(err && error_text(&text).contains("503") && error_text(&text).contains("try again"), "{text}");
}

#[tokio::test]
async fn get_file_contents_reads_text_lists_dirs_and_describes_the_rest() {
    let s = Session::start().await;
    let (err, readme) = s.call("get_file_contents", hello(json!({"path": "README.md"}))).await;
    assert!(!err, "{readme}");
    assert_eq!((readme["type"].as_str(), readme["truncated"].as_bool()), (Some("file"), Some(false)));
    assert!(readme["content"].as_str().unwrap().starts_with("# Hello World"), "{readme}");
    assert_eq!(readme["sha"].as_str().map(str::len), Some(40));

    let (_, root) = s.call("get_file_contents", hello(json!({}))).await;
    assert_eq!(root["type"], "dir");
    let entries: Vec<(&str, &str)> = root["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["type"].as_str().unwrap()))
        .collect();
    assert!(entries.contains(&("README.md", "file")) && entries.contains(&("src", "dir")), "{entries:?}");

    let (_, logo) = s.call("get_file_contents", hello(json!({"path": "logo.png"}))).await;
    assert!(logo["content"].is_null() && logo["note"].as_str().unwrap().contains("Binary"), "{logo}");
    let (_, big) = s.call("get_file_contents", hello(json!({"path": "big.txt"}))).await;
    assert!(big["content"].is_null() && big["note"].as_str().unwrap().contains("too large"), "{big}");
    // At another ref: docs/guide.md as changed on `feature`.
    let (err, guide) = s.call("get_file_contents", hello(json!({"path": "docs/guide.md", "ref": "feature"}))).await;
    assert!(!err, "{guide}");
    let (_, main_guide) = s.call("get_file_contents", hello(json!({"path": "docs/guide.md"}))).await;
    assert_ne!(guide["content"], main_guide["content"], "feature changed the guide");

    let calls = s.h.emulator.api_requests().len();
    let (err, text) = s.call("get_file_contents", hello(json!({"path": "docs/../../secret-plans"}))).await;
    assert!(err && error_text(&text).contains("not a valid path"), "{text}");
    assert_eq!(s.h.emulator.api_requests().len(), calls);
    let (err, text) = s.call("get_file_contents", hello(json!({"path": "missing.md"}))).await;
    assert!(err && error_text(&text).contains("Not found"), "{text}");
}

#[tokio::test]
async fn branches_commits_tags_and_releases() {
    let s = Session::start().await;
    let (_, branches) = s.call("list_branches", hello(json!({}))).await;
    let b: Vec<(&str, &str)> = branches["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["name"].as_str().unwrap(), b["sha"].as_str().unwrap()))
        .collect();
    assert!(b.contains(&("main", C3)) && b.contains(&("feature", F1)), "{b:?}");

    let (_, commits) = s.call("list_commits", hello(json!({}))).await;
    let shas: Vec<&str> = commits["commits"].as_array().unwrap().iter().map(|c| c["sha"].as_str().unwrap()).collect();
    assert_eq!(shas, vec![C3, C2, C1], "newest first");
    assert!(commits["commits"][0]["message"].is_string() && commits["commits"][0]["author"].is_string());
    let (_, page) = s.call("list_commits", hello(json!({"per_page": 1}))).await;
    assert_eq!((page["commits"].as_array().unwrap().len(), page["page"]["has_next_page"].as_bool()), (1, Some(true)));
    let (_, feature) = s.call("list_commits", hello(json!({"sha": "feature"}))).await;
    assert_eq!(feature["commits"][0]["sha"], F1);

    let (err, commit) = s.call("get_commit", hello(json!({"sha": F1}))).await;
    assert!(!err, "{commit}");
    let files: Vec<&str> =
        commit["files"].as_array().unwrap().iter().map(|f| f["filename"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 2);
    assert!(files.contains(&"src/main.rs") && files.contains(&"docs/guide.md"), "{files:?}");
    assert!(commit["files"][0]["patch"].as_str().is_some_and(|p| p.contains("@@")));
    let (err, text) = s.call("get_commit", hello(json!({"sha": "0000000000000000000000000000000000000000"}))).await;
    assert!(err, "{text}");

    let (_, tags) = s.call("list_tags", hello(json!({}))).await;
    assert_eq!(tags["tags"], json!([{"name": "v1.0.0", "sha": C2}]));
    let (_, releases) = s.call("list_releases", hello(json!({}))).await;
    assert_eq!(releases["releases"][0]["tag_name"], "v1.0.0");
    assert!(releases["releases"][0].get("assets_url").is_none());
}

#[tokio::test]
async fn branch_file_fork_and_repository_writes() {
    let s = Session::start().await;
    let (err, branch) = s.call("create_branch", hello(json!({"branch": "topic"}))).await;
    assert!(!err, "{branch}");
    assert_eq!((branch["from"].as_str(), branch["sha"].as_str()), (Some("main"), Some(C3)));
    let (err, text) = s.call("create_branch", hello(json!({"branch": "topic"}))).await;
    assert!(err && error_text(&text).contains("already exists"), "{text}");

    let (err, created) = s
        .call(
            "create_or_update_file",
            hello(json!({"path": "docs/new.md", "content": "# New\n", "message": "add", "branch": "topic"})),
        )
        .await;
    assert!(!err, "{created}");
    assert_eq!(created["path"], "docs/new.md");
    let (_, read) = s.call("get_file_contents", hello(json!({"path": "docs/new.md", "ref": "topic"}))).await;
    assert_eq!(read["content"], "# New\n");
    // Replacing an existing file needs its sha; with it, the update lands.
    let (err, text) = s
        .call(
            "create_or_update_file",
            hello(json!({"path": "docs/new.md", "content": "x", "message": "m", "branch": "topic"})),
        )
        .await;
    assert!(err && error_text(&text).contains("sha"), "{text}");
    let args = hello(
        json!({"path": "docs/new.md", "content": "# Newer\n", "message": "m", "branch": "topic", "sha": read["sha"]}),
    );
    let (err, updated) = s.call("create_or_update_file", args).await;
    assert!(!err, "{updated}");
    assert_ne!(updated["sha"], read["sha"]);

    let (err, fork) = s.call("fork_repository", json!({"owner": "github", "repo": "docs"})).await;
    assert!(!err, "{fork}");
    assert_eq!(fork["full_name"], "octocat/docs");

    let (err, repo) = s.call("create_repository", json!({"name": "new-repo", "private": true})).await;
    assert!(!err, "{repo}");
    assert_eq!((repo["full_name"].as_str(), repo["private"].as_bool()), (Some("octocat/new-repo"), Some(true)));
    let (err, text) = s.call("create_repository", json!({"name": "new-repo"})).await;
    assert!(err && error_text(&text).contains("name"), "{text}");
}

/// Attack: `get_commit {"sha": ".."}` reached `GET /repos/octocat/hello-world/` (the repository,
/// shaped as a commit), and `create_branch` with `from_branch: ".."` did the same.
#[tokio::test]
async fn dot_segments_in_tool_arguments_are_refused_before_github_sees_them() {
    let s = Session::start().await;
    let before = s.h.emulator.api_requests().len();
    for (tool, args, arg) in [
        ("get_commit", json!({"sha": ".."}), "sha"),
        ("get_commit", json!({"sha": "."}), "sha"),
        ("create_branch", json!({"branch": "x", "from_branch": ".."}), "from_branch"),
        ("get_user", json!({"username": ".."}), "username"),
    ] {
        let (err, text) = s.call(tool, if tool == "get_user" { args } else { hello(args) }).await;
        assert!(err && error_text(&text).contains(&format!("`{arg}`")), "{tool}: {text}");
    }
    assert_eq!(s.h.emulator.api_requests().len(), before, "GitHub saw a request");
    // Percent-encoded dots are sent as the literal text they are, never resolved as `..`.
    let (err, text) = s.call("get_commit", hello(json!({"sha": "%2E%2E"}))).await;
    let seen = s.h.emulator.api_requests();
    let last = seen.last().map(|r| r.path.clone()).unwrap_or_default();
    assert!(err && last.ends_with("/commits/%252E%252E"), "{last}: {text}");
}
