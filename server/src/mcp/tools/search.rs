//! What every search tool shares: its arguments ([`Search`], with the closed set of what that kind
//! of search sorts by), the query string GitHub's `/search/*` endpoints take, and scoping a query
//! to one kind of result.

use std::marker::PhantomData;

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;

use super::support::{Paging, choice::Direction, opt};

/// A search tool's arguments. `S` lists what this kind of search can sort by (its schema only:
/// the value is passed on as text and checked by GitHub, like every closed set here).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Search<S: JsonSchema> {
    /// GitHub search query: words and qualifiers, as in the tool's description.
    pub query: String,
    /// Sort by (default: best match).
    #[schemars(with = "Option<S>")]
    pub sort: Option<String>,
    /// Order (default `desc`).
    #[schemars(with = "Option<Direction>")]
    pub order: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
    #[serde(skip)]
    #[schemars(skip)]
    kind: PhantomData<S>,
}

impl<S: JsonSchema> Search<S> {
    /// `q`, `sort` and `order`, as `/search/*` takes them (paging comes from [`Search::paging`]).
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![("q", self.query.clone())];
        opt(&mut q, "sort", &self.sort);
        opt(&mut q, "order", &self.order);
        q
    }

    /// The same search scoped with `qualifier`, unless its query already names one of `scoping`
    /// (any case): `is:pr` for a pull request search, `type:org` for organizations.
    pub fn scoped<T: JsonSchema>(self, qualifier: &str, scoping: &[&str]) -> Search<T> {
        let query = scoped(self.query, qualifier, scoping);
        Search { query, sort: self.sort, order: self.order, paging: self.paging, kind: PhantomData }
    }
}

/// A search query scoped with `qualifier`, unless it already names one of `scoping` (any case).
fn scoped(query: String, qualifier: &str, scoping: &[&str]) -> String {
    if query.split_whitespace().any(|t| scoping.iter().any(|q| t.eq_ignore_ascii_case(q))) {
        query
    } else {
        format!("{query} {qualifier}")
    }
}

/// What each kind of search sorts by: the schemas of [`Search::sort`].
pub mod sort {
    use rmcp::schemars::{self, JsonSchema};

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    #[allow(dead_code)]
    pub enum Repositories {
        Stars,
        Forks,
        HelpWantedIssues,
        Updated,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    #[allow(dead_code)]
    pub enum Issues {
        Comments,
        Reactions,
        Interactions,
        Created,
        Updated,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    #[allow(dead_code)]
    pub enum Users {
        Followers,
        Repositories,
        Joined,
    }

    /// When GitHub last indexed the file.
    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    #[allow(dead_code)]
    pub enum Code {
        Indexed,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    #[allow(dead_code)]
    pub enum Commits {
        AuthorDate,
        CommitterDate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_scoped_once() {
        assert_eq!(scoped("repo:o/r fix".into(), "is:pr", &["is:pr", "type:pr"]), "repo:o/r fix is:pr");
        assert_eq!(scoped("type:pr fix".into(), "is:pr", &["is:pr", "type:pr"]), "type:pr fix");
        assert_eq!(scoped("github TYPE:ORG".into(), "type:org", &["type:org"]), "github TYPE:ORG");
    }

    #[test]
    fn a_search_sends_only_what_was_set() {
        let s: Search<sort::Issues> =
            serde_json::from_value(serde_json::json!({"query": "is:pr fix", "sort": "", "order": "asc"}))
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.query(), vec![("q", "is:pr fix".to_owned()), ("order", "asc".to_owned())]);
    }
}
