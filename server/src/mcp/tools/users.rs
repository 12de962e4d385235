//! Toolsets `users` and `search`: public profiles, user search, and code search.

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::json;

use super::{
    define::{Def, Effect, Route, route},
    shape,
    support::{Github, Paging, ToolResult, opt, seg, structured},
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetUser {
    /// GitHub login of the user or organization.
    pub username: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchUsers {
    /// GitHub user search query, e.g. `location:berlin language:rust followers:>50`, `type:org github`
    /// or a name or login.
    pub query: String,
    /// `followers`, `repositories` or `joined` (default: best match).
    pub sort: Option<String>,
    /// Order (default `desc`).
    #[schemars(with = "Option<super::support::choice::Direction>")]
    pub order: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchCode {
    /// GitHub code search query, e.g. `repo:octocat/hello-world fn main` or
    /// `org:github extension:md install`; add a qualifier such as `repo:`, `org:` or `user:` for
    /// reliable results.
    pub query: String,
    /// `indexed` (when GitHub last indexed the file; default: best match).
    pub sort: Option<String>,
    /// Order (default `desc`).
    #[schemars(with = "Option<super::support::choice::Direction>")]
    pub order: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

const GET_USER: Def = Def {
    name: "get_user",
    title: "Get a user's profile",
    description: "Gets a user's or organization's public profile: name, company, location, bio, repository and follower counts. For the signed-in user use get_me.",
    effect: Effect::Read,
};

async fn get_user(gh: Github, p: GetUser) -> ToolResult {
    let v = gh.get(&format!("/users/{}", seg("username", &p.username)?), &[]).await?;
    structured(shape::user(&v))
}

const SEARCH_USERS: Def = Def {
    name: "search_users",
    title: "Search users",
    description: "Searches users and organizations with GitHub's search syntax (e.g. `location:berlin language:rust`): logins, types and profile URLs.",
    effect: Effect::Read,
};

async fn search_users(gh: Github, p: SearchUsers) -> ToolResult {
    search_accounts(gh, p, "users").await
}

const SEARCH_ORGS: Def = Def {
    name: "search_orgs",
    title: "Search organizations",
    description: "Searches GitHub organizations by name, location or other profile details with GitHub's search \
                  syntax; returns logins and profile URLs. `type:org` is added to the query.",
    effect: Effect::Read,
};

async fn search_orgs(gh: Github, p: SearchUsers) -> ToolResult {
    let query = super::support::scoped(p.query, "type:org", &["type:org"]);
    search_accounts(gh, SearchUsers { query, ..p }, "organizations").await
}

/// One page of `/search/users`, under `key`.
async fn search_accounts(gh: Github, p: SearchUsers, key: &str) -> ToolResult {
    let mut q = vec![("q", p.query)];
    opt(&mut q, "sort", &p.sort);
    opt(&mut q, "order", &p.order);
    let (items, page) = gh.list("/search/users", &q, &p.paging, Some("items")).await?;
    let users: Vec<_> = items
        .iter()
        .map(|u| json!({"login": u["login"], "id": u["id"], "type": u["type"], "html_url": u["html_url"]}))
        .collect();
    structured(json!({key: users, "page": page}))
}

pub fn users_tools() -> Vec<Route> {
    vec![route(GET_USER, get_user), route(SEARCH_USERS, search_users), route(SEARCH_ORGS, search_orgs)]
}

const SEARCH_CODE: Def = Def {
    name: "search_code",
    title: "Search code",
    description: "Searches code in the repositories the user can see (e.g. `repo:octocat/hello-world fn main`): repository, path and URL of each matching file.",
    effect: Effect::Read,
};

async fn search_code(gh: Github, p: SearchCode) -> ToolResult {
    let mut q = vec![("q", p.query)];
    opt(&mut q, "sort", &p.sort);
    opt(&mut q, "order", &p.order);
    gh.page("/search/code", &q, &p.paging, Some("items"), "files", shape::code_hit).await
}

pub fn search_tools() -> Vec<Route> {
    vec![route(SEARCH_CODE, search_code)]
}
