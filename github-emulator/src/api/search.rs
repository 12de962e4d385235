//! The search area over what the caller can see:
//!
//! - `GET /search/repositories`: free text in name, description and topics;
//!   `user:`, `org:`, `repo:`, `language:`, `topic:`, `is:public|private`,
//!   `fork:true|only` (forks are left out otherwise).
//! - `GET /search/issues`: free text in title and body; `repo:`, `user:`,
//!   `org:`, `is:issue|pr|open|closed|merged|unmerged`, `type:issue|pr`,
//!   `state:`, `label:` (comma = any of), `author:`, `assignee:`,
//!   `no:label|assignee`. Newest first.
//!
//! `q` is required (422 with a `missing` error on `q`, as GitHub). Terms are
//! case-insensitive substrings and all must match; results come sorted by
//! stars, each with `score: 1.0`, under `total_count`/`incomplete_results`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;

use super::access::View;
use super::auth::MaybeAuthed;
use super::errors::ApiError;
use super::input::Query;
use super::model;
use super::pagination::search_response;
use crate::state::Shared;
use crate::world::{Issue, Repo};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/search/repositories", get(repositories)).route("/search/issues", get(issues))
}

/// A parsed `q`: free-text terms and `key:value` qualifiers.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct SearchQuery {
    pub terms: Vec<String>,
    pub qualifiers: Vec<(String, String)>,
}

impl SearchQuery {
    /// Parses `q` (`"quoted phrases"` are one term); 422 when missing.
    pub fn parse(query: &Query) -> Result<Self, ApiError> {
        let q = query.get("q").map(str::trim).filter(|q| !q.is_empty());
        let q = q.ok_or_else(|| ApiError::validation("Search", "q", "missing"))?;
        let mut out = Self::default();
        let mut rest = q;
        while !rest.is_empty() {
            rest = rest.trim_start();
            let (token, tail) = if let Some(quoted) = rest.strip_prefix('"') {
                let end = quoted.find('"').unwrap_or(quoted.len());
                (&quoted[..end], quoted.get(end + 1..).unwrap_or_default())
            } else {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            };
            rest = tail;
            match token.split_once(':') {
                Some((key, value)) if !key.is_empty() && !value.is_empty() && !key.contains(' ') => {
                    out.qualifiers.push((key.to_ascii_lowercase(), value.trim_matches('"').to_owned()));
                }
                _ if !token.is_empty() => out.terms.push(token.to_lowercase()),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Values of qualifier `key`.
    pub fn values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.qualifiers.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Whether every term is a substring of one of `fields`.
    pub fn text_matches(&self, fields: &[&str]) -> bool {
        let fields: Vec<String> = fields.iter().map(|f| f.to_lowercase()).collect();
        self.terms.iter().all(|t| fields.iter().any(|f| f.contains(t.as_str())))
    }
}

/// Whether `repo` passes the repository qualifiers (`user:`, `org:`,
/// `repo:`, `is:`, ...); unknown qualifiers are ignored.
pub(crate) fn repo_matches(q: &SearchQuery, repo: &Repo) -> bool {
    q.qualifiers.iter().all(|(key, value)| match key.as_str() {
        "user" | "org" => repo.owner.eq_ignore_ascii_case(value),
        "repo" => repo.full_name().eq_ignore_ascii_case(value),
        "is" if value == "public" => !repo.private,
        "is" if value == "private" => repo.private,
        "language" => repo.language.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(value)),
        "topic" => repo.topics.iter().any(|t| t.eq_ignore_ascii_case(value)),
        "fork" => value == "true" || (value == "only") == repo.parent.is_some(),
        _ => true,
    }) && (q.values("fork").next().is_some() || repo.parent.is_none())
}

async fn repositories(
    State(shared): State<Arc<Shared>>,
    MaybeAuthed(caller): MaybeAuthed,
    query: Query,
    uri: Uri,
) -> Result<Response, ApiError> {
    let q = SearchQuery::parse(&query)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, caller.as_ref());
    let mut found: Vec<&Repo> = view
        .visible_repos()
        .into_iter()
        .filter(|r| repo_matches(&q, r))
        .filter(|r| {
            let topics = r.topics.join(" ");
            q.text_matches(&[&r.name, r.description.as_deref().unwrap_or_default(), &topics])
        })
        .collect();
    found.sort_by_key(|r| std::cmp::Reverse(r.stars));
    Ok(search_response(&found, &uri, &shared.api_url, None, |r| model::repo::summary(&view, r)))
}

/// Whether `issue` of `repo` passes the issue qualifiers.
fn issue_matches(q: &SearchQuery, repo: &Repo, issue: &Issue) -> bool {
    let merged = issue.pull.as_ref().is_some_and(|p| p.merged.is_some());
    let any = |list: &[String], value: &str| value.split(',').any(|v| list.iter().any(|x| x.eq_ignore_ascii_case(v)));
    q.qualifiers.iter().all(|(key, value)| match (key.as_str(), value.as_str()) {
        ("repo", v) => repo.full_name().eq_ignore_ascii_case(v),
        ("user" | "org" | "owner", v) => repo.owner.eq_ignore_ascii_case(v),
        ("is" | "type", "issue") => issue.pull.is_none(),
        ("is" | "type", "pr" | "pull-request") => issue.pull.is_some(),
        ("is" | "state", v @ ("open" | "closed")) => issue.state == v,
        ("is", "merged") => merged,
        ("is", "unmerged") => issue.pull.is_some() && !merged,
        ("is", "public") => !repo.private,
        ("is", "private") => repo.private,
        ("label", v) => any(&issue.labels, v),
        ("author", v) => issue.user.eq_ignore_ascii_case(v),
        ("assignee", v) => any(&issue.assignees, v),
        ("no", "label") => issue.labels.is_empty(),
        ("no", "assignee") => issue.assignees.is_empty(),
        _ => true,
    })
}

async fn issues(
    State(shared): State<Arc<Shared>>,
    MaybeAuthed(caller): MaybeAuthed,
    query: Query,
    uri: Uri,
) -> Result<Response, ApiError> {
    let q = SearchQuery::parse(&query)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, caller.as_ref());
    let mut found: Vec<(&Repo, &Issue)> = view
        .visible_repos()
        .into_iter()
        .flat_map(|r| r.issues.iter().map(move |i| (r, i)))
        .filter(|(r, i)| issue_matches(&q, r, i))
        .filter(|(_, i)| q.text_matches(&[&i.title, i.body.as_deref().unwrap_or_default()]))
        .collect();
    found.sort_by_key(|(_, i)| std::cmp::Reverse(i.created_at));
    // Issue search says which kind it ran; the emulator's is always plain text matching.
    let kind = Some("lexical");
    Ok(search_response(&found, &uri, &shared.api_url, kind, |(r, i)| model::issue::issue(&view, r, i, false)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::FromRequestParts;
    use axum::http::Request;

    async fn parse(q: &str) -> Result<SearchQuery, ApiError> {
        let uri = format!("/x?q={}", url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>());
        let (mut parts, ()) = Request::get(uri).body(()).map_err(|_| ApiError::bad_json())?.into_parts();
        let query = Query::from_request_parts(&mut parts, &()).await.unwrap_or_default();
        SearchQuery::parse(&query)
    }

    #[tokio::test]
    async fn qualifiers_terms_and_phrases() {
        let q = parse("Hello repo:octocat/hello-world \"big file\" is:open").await.unwrap_or_default();
        assert_eq!(q.terms, ["hello", "big file"]);
        assert_eq!(q.qualifiers, [("repo".to_owned(), "octocat/hello-world".to_owned()), ("is".into(), "open".into())]);
        assert!(q.text_matches(&["Hello", "a big file here"]));
        assert!(parse("  ").await.is_err());
    }
}
