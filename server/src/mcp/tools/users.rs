//! Toolsets `users` and `search`: public profiles, user search, and code search.

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::json;

use super::{
    define::{Def, Route, route},
    search::{Search, sort},
    shape,
    support::{Github, ToolResult, seg, structured},
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetUser {
    /// GitHub login of the user or organization.
    pub username: String,
}

const GET_USER: Def = Def::read("get_user", "Get a user's profile").about(
    "Gets a user's or organization's public profile: name, company, location, bio, repository and \
     follower counts. For the signed-in user use get_me.",
);

async fn get_user(gh: Github, p: GetUser) -> ToolResult {
    let v = gh.get(&format!("/users/{}", seg("username", &p.username)?), &[]).await?;
    structured(shape::user(&v))
}

const SEARCH_USERS: Def = Def::read("search_users", "Search users").about(
    "Searches users and organizations with GitHub's search syntax (e.g. `location:berlin language:rust`): \
     logins, types and profile URLs.",
);

async fn search_users(gh: Github, p: Search<sort::Users>) -> ToolResult {
    search_accounts(gh, p, "users").await
}

const SEARCH_ORGS: Def = Def::read("search_orgs", "Search organizations").about(
    "Searches GitHub organizations by name, location or other profile details with GitHub's search \
     syntax; returns logins and profile URLs. `type:org` is added to the query.",
);

async fn search_orgs(gh: Github, p: Search<sort::Users>) -> ToolResult {
    search_accounts(gh, p.scoped("type:org", &["type:org"]), "organizations").await
}

/// One page of `/search/users`, under `key`.
async fn search_accounts(gh: Github, p: Search<sort::Users>, key: &str) -> ToolResult {
    let (items, page) = gh.list("/search/users", &p.query(), &p.paging, Some("items")).await?;
    let users: Vec<_> = items
        .iter()
        .map(|u| json!({"login": u["login"], "id": u["id"], "type": u["type"], "html_url": u["html_url"]}))
        .collect();
    structured(json!({key: users, "page": page}))
}

pub fn users_tools() -> Vec<Route> {
    vec![route(GET_USER, get_user), route(SEARCH_USERS, search_users), route(SEARCH_ORGS, search_orgs)]
}

const SEARCH_CODE: Def = Def::read("search_code", "Search code").about(
    "Searches code in the repositories the user can see (e.g. `repo:octocat/hello-world fn main`; a \
     `repo:`, `org:` or `user:` qualifier makes it reliable): repository, path and URL of each file.",
);

async fn search_code(gh: Github, p: Search<sort::Code>) -> ToolResult {
    gh.page("/search/code", &p.query(), &p.paging, Some("items"), "files", shape::code_hit).await
}

pub fn search_tools() -> Vec<Route> {
    vec![route(SEARCH_CODE, search_code)]
}
