//! The emulator against GitHub's own REST API description (a subset of `@octokit/openapi`, pinned in
//! `openapi/VERSION` and extracted by `openapi/extract.py`): every route it serves is a documented
//! operation or a listed exception, and the vendored subset holds exactly the operations in use, so
//! it can never go stale unnoticed. The runtime check of every request and response against it is
//! `src/api/described.rs`; the last test here shows the real behaviour it allows.

mod common;

use std::{collections::BTreeSet, path::Path};

use common::TestResult;
use common::world::World;
use reqwest::Method;
use serde_json::json;

/// Routes GitHub's REST description does not document, and why the emulator serves them.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("GET /login/oauth/authorize", "the OAuth web flow lives on github.com, outside the REST API"),
    ("POST /login/oauth/access_token", "the OAuth web flow; form-encoded, errors with HTTP 200"),
    ("GET /avatars/u/{id}", "avatars.githubusercontent.com, which avatar_url points at"),
    ("GET /_raw/{owner}/{repo}/{ref}/{*path}", "raw.githubusercontent.com, where download_url points"),
    ("GET /_downloads/{token}", "the storage host Actions downloads (logs, artifacts) redirect to"),
    ("GET /repos/{owner}/{repo}/contents", "the contents endpoint with an empty path (the root)"),
    ("GET /repos/{owner}/{repo}/contents/", "the same, as clients write it with a trailing slash"),
    ("GET /mcp", "GitHub's remote MCP server (api.githubcopilot.com/mcp/), not a REST operation"),
    ("POST /mcp", "the same: JSON-RPC requests"),
    ("DELETE /mcp", "the same: ending a session"),
    ("GET /mcp/", "the same, with the trailing slash GitHub's URL has"),
    ("POST /mcp/", "the same"),
    ("DELETE /mcp/", "the same"),
];

fn manifest(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Every `.route("PATH", get(..).post(..))` in the emulator's sources, as `METHOD PATH`.
fn declared_routes() -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).expect("read source"));
            }
        }
    }
    let mut sources = Vec::new();
    walk(&manifest("src"), &mut sources);
    let mut routes = BTreeSet::new();
    for source in sources {
        // `.route("PATH", handlers)` on one line, or as rustfmt breaks a long one: the path and
        // the handlers each on their own line.
        for piece in source.split(".route(").skip(1) {
            let Some(piece) = piece.trim_start().strip_prefix('"') else { continue };
            let Some((path, rest)) = piece.split_once('"') else { continue };
            let first = rest.lines().next().unwrap_or("");
            let handlers = if first.trim() == "," { rest.lines().nth(1).unwrap_or("") } else { first };
            for method in ["get", "post", "put", "patch", "delete"] {
                let called = handlers.match_indices(&format!("{method}(")).any(|(i, _)| {
                    i == 0 || !handlers.as_bytes()[i - 1].is_ascii_alphanumeric() && handlers.as_bytes()[i - 1] != b'_'
                });
                if called {
                    routes.insert(format!("{} {path}", method.to_ascii_uppercase()));
                }
            }
        }
    }
    routes
}

/// A path with its parameter names blanked, as `extract.py` and the emulator compare them.
fn template(path: &str) -> String {
    github_emulator::path_template(path)
}

fn subset() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(manifest("openapi/api.github.com.json")).expect("subset"))
        .expect("the subset is JSON")
}

/// `METHOD PATH` operations the subset documents, with parameter names blanked.
fn documented() -> BTreeSet<String> {
    let spec = subset();
    let mut ops = BTreeSet::new();
    for (path, methods) in spec["paths"].as_object().expect("paths") {
        for method in methods.as_object().expect("methods").keys() {
            ops.insert(format!("{} {}", method.to_ascii_uppercase(), template(path)));
        }
    }
    ops
}

fn blanked(route: &str) -> String {
    let (method, path) = route.split_once(' ').expect("METHOD PATH");
    format!("{method} {}", template(path))
}

#[test]
fn the_operations_list_names_every_route_the_emulator_serves() {
    let listed: BTreeSet<String> = std::fs::read_to_string(manifest("openapi/operations.txt"))
        .expect("operations.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let declared = declared_routes();
    assert!(declared.len() > 40, "the route scan found too little: {declared:?}");
    let missing: Vec<_> = declared.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&declared).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "openapi/operations.txt is stale (then run openapi/extract.py): missing {missing:?}, no longer served {extra:?}"
    );
}

#[test]
fn every_route_is_a_documented_operation_or_a_listed_exception() {
    let documented = documented();
    let exceptions: BTreeSet<&str> = EXCEPTIONS.iter().map(|(r, _)| *r).collect();
    for route in declared_routes() {
        let known = documented.contains(&blanked(&route));
        assert!(
            known != exceptions.contains(route.as_str()),
            "{route}: {}",
            if known { "documented by GitHub, so not an exception" } else { "not in GitHub's REST description" }
        );
    }
}

#[test]
fn the_vendored_subset_holds_exactly_the_documented_operations_in_use() {
    let in_use: BTreeSet<String> = declared_routes()
        .into_iter()
        .filter(|r| !EXCEPTIONS.iter().any(|(e, _)| e == r))
        .map(|r| blanked(&r))
        .collect();
    assert_eq!(documented(), in_use, "openapi/api.github.com.json is stale: run openapi/extract.py");
    let spec = subset();
    let version = std::fs::read_to_string(manifest("openapi/VERSION")).expect("VERSION");
    let source = spec["info"]["x-source"].as_str().expect("x-source");
    assert!(source.starts_with(&format!("@octokit/openapi@{} ", version.trim())), "{source}");
}

/// Where GitHub's real behaviour differs from its description, the emulator keeps the real one and
/// the response check lets it through (a mismatch would be a 500 naming the problem).
#[tokio::test]
async fn github_s_real_behaviour_is_kept_where_its_description_differs() -> TestResult {
    let w = World::start().await?;
    // GitHub hides a private repository behind 404 on every operation, even those not listing 404.
    let hidden = w.get("/repos/octocat/secret-plans/pulls", None).await?;
    assert_eq!((hidden.status, hidden.json()["message"].as_str()), (404, Some("Not Found")));
    // The description's 409 is oneOf two error shapes that overlap; read as anyOf.
    let stale = json!({"message": "m", "content": "eA==", "sha": "0000000000000000000000000000000000000000"});
    let conflict = w.send(Method::PUT, "/repos/octocat/hello-world/contents/README.md", &w.octo, stale).await?;
    assert_eq!(conflict.status, 409, "{}", conflict.text);
    // The description lists this 422 without a body; GitHub sends its error JSON, saying why.
    let author = json!({"reviewers": ["octocat"]});
    let refused =
        w.send(Method::POST, "/repos/octocat/hello-world/pulls/3/requested_reviewers", &w.octo, author).await?;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(refused.json()["message"].as_str().is_some_and(|m| m.contains("author")), "{}", refused.text);
    // GitHub filters code scanning alerts by `severity` (its REST docs say so); the description
    // omits the parameter, and an undocumented one is otherwise a 400.
    let severe = w.get("/repos/github/docs/code-scanning/alerts?severity=error", Some(&w.octo)).await?;
    assert_eq!(severe.status, 200, "{}", severe.text);
    let invented = w.get("/repos/github/docs/code-scanning/alerts?severities=error", Some(&w.octo)).await?;
    assert_eq!(invented.status, 400, "{}", invented.text);
    Ok(())
}
