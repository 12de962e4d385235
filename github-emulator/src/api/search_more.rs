//! The rest of the search area: `GET /search/users` (free text in login
//! and name; `type:user|org`) and `GET /search/code` (needs a token, as
//! GitHub's code search does: free text in the contents or path of the
//! default branch's text files up to 384 KB, in repositories the caller can
//! see, forks left out; `repo:`, `user:`, `org:`, `path:`, `filename:`,
//! `extension:`, `language:`) and `GET /search/commits` (free text in the
//! message of the commits on the default branch of repositories the caller
//! can see, newest first; `repo:`, `user:`, `org:`, `author:`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

use super::access::View;
use super::auth::{Authed, MaybeAuthed};
use super::errors::ApiError;
use super::input::Query;
use super::model;
use super::model::git::encode_path;
use super::model::repo::{minimal, repo_api, repo_html};
use super::pagination::search_response;
use super::search::SearchQuery;
use crate::state::Shared;
use crate::world::Repo;

/// GitHub does not index files above this size.
const MAX_INDEXED_BYTES: usize = 384 * 1024;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/search/users", get(users))
        .route("/search/code", get(code))
        .route("/search/commits", get(commits))
}

async fn users(
    State(shared): State<Arc<Shared>>,
    MaybeAuthed(caller): MaybeAuthed,
    query: Query,
    uri: Uri,
) -> Result<Response, ApiError> {
    let q = SearchQuery::parse(&query)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, caller.as_ref());
    let people = shared.users.iter().map(|u| (u.login.clone(), u.name.clone().unwrap_or_default(), false));
    let orgs = view.world.orgs.iter().map(|o| (o.clone(), String::new(), true));
    let mut found: Vec<String> = people
        .chain(orgs)
        .filter(|(_, _, org)| {
            q.values("type").all(|t| match t.to_ascii_lowercase().as_str() {
                "org" => *org,
                "user" => !*org,
                _ => true,
            })
        })
        .filter(|(login, name, _)| q.text_matches(&[login, name]))
        .map(|(login, _, _)| login)
        .collect();
    found.sort_by_key(|l| l.to_lowercase());
    found.dedup_by_key(|l| l.to_lowercase());
    Ok(search_response(&found, &uri, &shared.api_url, None, |login| model::account(&shared, view.world, login)))
}

/// One hit: the repository, the commit searched, the path and blob sha.
struct Hit<'a> {
    repo: &'a Repo,
    commit: String,
    path: String,
    blob: String,
}

fn language_of(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    Some(match ext.as_str() {
        "rs" => "rust",
        "md" => "markdown",
        "txt" => "text",
        "js" => "javascript",
        "py" => "python",
        "yml" | "yaml" => "yaml",
        _ => return None,
    })
}

fn file_matches(q: &SearchQuery, repo: &Repo, path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    q.qualifiers.iter().all(|(key, value)| match key.as_str() {
        "repo" => repo.full_name().eq_ignore_ascii_case(value),
        "user" | "org" => repo.owner.eq_ignore_ascii_case(value),
        "path" => path.to_lowercase().starts_with(&value.trim_start_matches('/').to_lowercase()),
        "filename" => name.eq_ignore_ascii_case(value),
        "extension" => name.rsplit_once('.').is_some_and(|(_, e)| e.eq_ignore_ascii_case(value)),
        "language" => language_of(path).is_some_and(|l| l.eq_ignore_ascii_case(value)),
        _ => true,
    })
}

async fn code(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    query: Query,
    uri: Uri,
) -> Result<Response, ApiError> {
    let q = SearchQuery::parse(&query)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let git = &view.world.git;
    let mut hits: Vec<Hit> = Vec::new();
    for repo in view.visible_repos().into_iter().filter(|r| r.parent.is_none()) {
        let Some(tip) = repo.branches.get(&repo.default_branch) else {
            continue;
        };
        for (path, blob) in git.tree(tip).iter().filter(|(p, _)| file_matches(&q, repo, p)) {
            let Some(bytes) = git.blob(blob).filter(|b| b.len() <= MAX_INDEXED_BYTES && !b.contains(&0)) else {
                continue;
            };
            let Ok(text) = std::str::from_utf8(bytes) else {
                continue;
            };
            if q.text_matches(&[text, path]) {
                hits.push(Hit { repo, commit: tip.clone(), path: path.clone(), blob: blob.clone() });
            }
        }
    }
    Ok(search_response(&hits, &uri, &shared.api_url, None, |h| {
        let encoded = encode_path(&h.path);
        json!({
            "name": h.path.rsplit('/').next().unwrap_or(&h.path),
            "path": h.path,
            "sha": h.blob,
            "url": format!("{}/contents/{encoded}?ref={}", repo_api(&view, h.repo), h.commit),
            "git_url": format!("{}/git/blobs/{}", repo_api(&view, h.repo), h.blob),
            "html_url": format!("{}/blob/{}/{encoded}", repo_html(&view, h.repo), h.commit),
            "repository": minimal(&view, h.repo),
        })
    }))
}

async fn commits(
    State(shared): State<Arc<Shared>>,
    MaybeAuthed(caller): MaybeAuthed,
    query: Query,
    uri: Uri,
) -> Result<Response, ApiError> {
    let q = SearchQuery::parse(&query)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, caller.as_ref());
    let in_scope = |repo: &Repo| {
        q.values("repo").all(|r| r.eq_ignore_ascii_case(&repo.full_name()))
            && q.values("user").chain(q.values("org")).all(|o| o.eq_ignore_ascii_case(&repo.owner))
    };
    let mut found: Vec<(&Repo, &crate::world::Commit)> = Vec::new();
    for repo in view.visible_repos().into_iter().filter(|r| r.parent.is_none() && in_scope(r)) {
        let Some(tip) = repo.branches.get(&repo.default_branch) else { continue };
        for commit in view.world.git.history(tip) {
            let by = q.values("author").all(|a| a.eq_ignore_ascii_case(&commit.author));
            if by && q.text_matches(&[&commit.message]) {
                found.push((repo, commit));
            }
        }
    }
    found.sort_by_key(|(_, c)| std::cmp::Reverse(c.date));
    Ok(search_response(&found, &uri, &shared.api_url, None, |(repo, c)| {
        let mut item = model::git::commit(&view, repo, c);
        item["repository"] = minimal(&view, repo);
        item
    }))
}
