//! Stage 4, writes on repositories: git refs, committing files through the
//! contents API (and the conflicts that makes), forks and new repositories.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::TestResult;
use common::world::{C3, F1, World};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn git_refs() -> TestResult {
    let w = World::start().await?;
    let refs = "/repos/octocat/hello-world/git/refs";
    let reply = w.send(Method::POST, refs, &w.hubot, json!({"ref": "refs/heads/fix", "sha": C3})).await?;
    assert_eq!(reply.status, 201);
    let created = reply.json();
    assert_eq!(created["ref"], "refs/heads/fix");
    assert_eq!(
        created["object"],
        json!({"sha": C3, "type": "commit", "url": format!("{}/repos/octocat/hello-world/git/commits/{C3}", w.api)})
    );
    let branches = w.get("/repos/octocat/hello-world/branches", None).await?.json();
    assert_eq!(branches.as_array().map(Vec::len), Some(3));

    let again = w.send(Method::POST, refs, &w.octo, json!({"ref": "refs/heads/fix", "sha": F1})).await?;
    assert_eq!((again.status, again.json()["message"].as_str()), (422, Some("Reference already exists")));
    let unknown = w.send(Method::POST, refs, &w.octo, json!({"ref": "refs/heads/x", "sha": "0".repeat(40)})).await?;
    assert_eq!((unknown.status, unknown.json()["message"].as_str()), (422, Some("Object does not exist")));
    let bad = w.send(Method::POST, refs, &w.octo, json!({"ref": "heads/x", "sha": C3})).await?;
    assert_eq!(bad.status, 422);
    let tag = w.send(Method::POST, refs, &w.octo, json!({"ref": "refs/tags/v2.0.0", "sha": F1})).await?;
    assert_eq!(tag.status, 201);
    assert_eq!(w.get("/repos/octocat/hello-world/tags", None).await?.json()[0]["name"], "v2.0.0");

    // No push access (hubot on the github org's repo), no scope, no token.
    let body = json!({"ref": "refs/heads/y", "sha": "e5bd3914e2e596debea16f433f57875b5b90bcd6"});
    assert_eq!(w.send(Method::POST, "/repos/github/docs/git/refs", &w.hubot, body.clone()).await?.status, 404);
    assert_eq!(w.send(Method::POST, "/repos/github/docs/git/refs", &w.octo_bare, body.clone()).await?.status, 404);
    assert_eq!(w.call(Method::POST, "/repos/github/docs/git/refs", None, Some(body.clone()), &[]).await?.status, 401);
    assert_eq!(w.send(Method::POST, "/repos/github/docs/git/refs", &w.octo, body).await?.status, 201, "org member");
    Ok(())
}

#[tokio::test]
async fn commit_files_through_contents() -> TestResult {
    let w = World::start().await?;
    let path = "/repos/octocat/hello-world/contents/notes/todo.md";
    let encoded = STANDARD.encode("- write tests\n");
    let reply = w.send(Method::PUT, path, &w.hubot, json!({"message": "Add notes", "content": encoded})).await?;
    assert_eq!(reply.status, 201);
    let put = reply.json();
    assert_eq!(put["content"]["path"], "notes/todo.md");
    assert_eq!(put["content"]["size"], 14);
    assert_eq!(put["commit"]["message"], "Add notes");
    assert_eq!(put["commit"]["parents"][0]["sha"], C3);
    assert_eq!(put["commit"]["author"]["name"], "Hubot");
    let blob = put["content"]["sha"].as_str().ok_or("sha")?.to_owned();
    let main = w.get("/repos/octocat/hello-world/branches", None).await?.json();
    assert_eq!(main[1]["commit"]["sha"], put["commit"]["sha"]);
    let read = w.get(path, None).await?.json();
    assert_eq!(read["sha"], blob.as_str());

    let update = json!({"message": "More notes", "content": STANDARD.encode("- write more tests\n")});
    let reply = w.send(Method::PUT, path, &w.hubot, update.clone()).await?;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["message"], "Invalid request.\n\n\"sha\" wasn't supplied.");
    let mut stale = update.clone();
    stale["sha"] = json!(C3);
    let reply = w.send(Method::PUT, path, &w.hubot, stale).await?;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.json()["message"], format!("notes/todo.md does not match {C3}"));
    let mut fresh = update;
    fresh["sha"] = json!(blob);
    assert_eq!(w.send(Method::PUT, path, &w.hubot, fresh).await?.status, 200);

    let reply = w.send(Method::PUT, path, &w.octo, json!({"content": "eA=="})).await?;
    assert_eq!(reply.json()["message"], "Invalid request.\n\n\"message\" wasn't supplied.");
    let reply = w.send(Method::PUT, path, &w.octo, json!({"message": "m", "content": "%%%"})).await?;
    assert_eq!((reply.status, reply.json()["message"].as_str()), (422, Some("content is not valid Base64")));
    let reply =
        w.send(Method::PUT, path, &w.octo, json!({"message": "m", "content": "eA==", "branch": "nope"})).await?;
    assert_eq!((reply.status, reply.json()["message"].as_str()), (404, Some("Branch nope not found")));
    let body = json!({"message": "m", "content": "eA=="});
    assert_eq!(w.send(Method::PUT, "/repos/github/docs/contents/x.md", &w.hubot, body.clone()).await?.status, 404);
    let created = w.send(Method::PUT, "/repos/octocat/secret-plans/contents/x.md", &w.octo, body).await?;
    assert_eq!(created.status, 201);
    // A private file's download URL is signed for that file alone, as raw.githubusercontent.com's are.
    let download = created.json()["content"]["download_url"].as_str().ok_or("no download_url")?.to_owned();
    assert!(download.contains("?token="), "{download}");
    assert_eq!(common::client().get(&download).send().await?.text().await?, "x");
    let unsigned = download.split('?').next().unwrap_or_default();
    assert_eq!(common::client().get(unsigned).send().await?.status(), 404);
    let other = download.replace("/x.md?", "/README.md?");
    assert_eq!(common::client().get(&other).send().await?.status(), 404);
    Ok(())
}

#[tokio::test]
async fn conflicting_pull_is_not_mergeable() -> TestResult {
    let w = World::start().await?;
    // Change src/main.rs on main too: pull request #3 now conflicts.
    let current = w.get("/repos/octocat/hello-world/contents/src/main.rs", None).await?.json();
    let body = json!({"message": "Shout", "content": STANDARD.encode("fn main() { println!(\"HELLO\"); }\n"), "sha": current["sha"]});
    assert_eq!(
        w.send(Method::PUT, "/repos/octocat/hello-world/contents/src/main.rs", &w.octo, body).await?.status,
        200
    );
    let pr = w.get("/repos/octocat/hello-world/pulls/3", None).await?.json();
    assert_eq!((pr["mergeable"].as_bool(), pr["mergeable_state"].as_str()), (Some(false), Some("dirty")));
    assert_eq!(pr["changed_files"], 2, "still the three-dot diff");
    let reply = w.send(Method::PUT, "/repos/octocat/hello-world/pulls/3/merge", &w.octo, json!({})).await?;
    assert_eq!((reply.status, reply.json()["message"].as_str()), (405, Some("Pull Request is not mergeable")));
    Ok(())
}

#[tokio::test]
async fn forks_and_new_repositories() -> TestResult {
    let w = World::start().await?;
    let reply = w.call(Method::POST, "/repos/octocat/hello-world/forks", Some(&w.hubot), None, &[]).await?;
    assert_eq!(reply.status, 202);
    let fork = reply.json();
    assert_eq!(fork["full_name"], "hubot/hello-world");
    assert_eq!(fork["fork"], true);
    assert_eq!(fork["parent"]["full_name"], "octocat/hello-world");
    assert_eq!(fork["source"]["full_name"], "octocat/hello-world");
    assert_eq!(fork["owner"]["login"], "hubot");
    let again = w.call(Method::POST, "/repos/octocat/hello-world/forks", Some(&w.hubot), None, &[]).await?;
    assert_eq!((again.status, again.json()["id"].clone()), (202, fork["id"].clone()), "the existing fork");
    assert_eq!(w.get("/repos/octocat/hello-world", None).await?.json()["forks_count"], 1);
    let readme = w.get("/repos/hubot/hello-world/contents/README.md", None).await?;
    assert_eq!(readme.status, 200, "the fork has the history");
    assert_eq!(w.call(Method::POST, "/repos/octocat/hello-world/forks", Some(&w.octo), None, &[]).await?.status, 422);
    assert_eq!(w.call(Method::POST, "/repos/octocat/secret-plans/forks", Some(&w.hubot), None, &[]).await?.status, 404);

    // A pull request from the fork.
    let body = json!({"message": "Fork change", "content": STANDARD.encode("forked\n")});
    assert_eq!(w.send(Method::PUT, "/repos/hubot/hello-world/contents/FORK.md", &w.hubot, body).await?.status, 201);
    let open = json!({"title": "From a fork", "head": "hubot:main", "base": "main"});
    let reply = w.send(Method::POST, "/repos/octocat/hello-world/pulls", &w.hubot, open).await?;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["head"]["repo"]["full_name"], "hubot/hello-world");
    assert_eq!(reply.json()["changed_files"], 1);

    let reply = w
        .send(
            Method::POST,
            "/user/repos",
            &w.octo,
            json!({"name": "new-thing", "description": "Fresh", "auto_init": true}),
        )
        .await?;
    assert_eq!(reply.status, 201);
    let repo = reply.json();
    assert_eq!((repo["full_name"].as_str(), repo["private"].as_bool()), (Some("octocat/new-thing"), Some(false)));
    assert_eq!(w.get("/repos/octocat/new-thing/contents/README.md", None).await?.status, 200);
    let labels = w.get("/repos/octocat/new-thing/labels", None).await?.json();
    assert_eq!(labels.as_array().map(Vec::len), Some(9), "GitHub's default labels");
    let reply = w.send(Method::POST, "/user/repos", &w.octo, json!({"name": "new-thing"})).await?;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["errors"][0]["message"], "name already exists on this account");
    let reply = w.send(Method::POST, "/user/repos", &w.octo, json!({"private": true})).await?;
    assert_eq!(reply.json()["errors"][0], json!({"resource": "Repository", "field": "name", "code": "missing_field"}));

    let reply = w.send(Method::POST, "/user/repos", &w.hubot, json!({"name": "empty", "private": true})).await?;
    assert_eq!(reply.status, 201);
    let empty = w.get("/repos/hubot/empty/contents/README.md", Some(&w.hubot)).await?;
    assert_eq!((empty.status, empty.json()["message"].as_str()), (404, Some("This repository is empty.")));
    assert_eq!(w.get("/repos/hubot/empty", Some(&w.octo)).await?.status, 404, "private to hubot");
    Ok(())
}

#[tokio::test]
async fn a_branch_moves_by_the_git_data_api_only_forward_unless_forced() -> TestResult {
    let w = World::start().await?;
    let refs = "/repos/octocat/hello-world/git/refs/heads/feature";
    // feature is at F1, a child of C3: moving it back to C3 is not a fast forward.
    let back = w.send(Method::PATCH, refs, &w.octo, json!({"sha": C3})).await?;
    assert_eq!((back.status, back.json()["message"].as_str()), (422, Some("Update is not a fast forward")));
    let forced = w.send(Method::PATCH, refs, &w.octo, json!({"sha": C3, "force": true})).await?;
    assert_eq!((forced.status, forced.json()["object"]["sha"].as_str()), (200, Some(C3)));
    let tree = w
        .send(
            Method::POST,
            "/repos/octocat/hello-world/git/trees",
            &w.octo,
            json!({"tree": [{"path": "a.txt", "mode": "100644", "type": "blob", "content": "a"}]}),
        )
        .await?;
    assert_eq!(tree.status, 201, "{}", tree.text);
    let bad_parent = json!({"message": "m", "tree": tree.json()["sha"], "parents": ["0".repeat(40)]});
    let refused = w.send(Method::POST, "/repos/octocat/hello-world/git/commits", &w.octo, bad_parent).await?;
    assert_eq!(refused.status, 422, "{}", refused.text);
    let missing =
        w.send(Method::PATCH, "/repos/octocat/hello-world/git/refs/heads/nope", &w.octo, json!({"sha": C3})).await?;
    assert_eq!((missing.status, missing.json()["message"].as_str()), (422, Some("Reference does not exist")));
    Ok(())
}
