//! Toolset `stargazers` (off by default): the repositories the user starred, starring and
//! unstarring.

use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::json;

use super::{
    define::{Def, Route, route},
    shape,
    support::{Github, Paging, RepoRef, ToolResult, structured},
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListStarred {
    #[serde(flatten)]
    pub paging: Paging,
}

const LIST_STARRED_REPOSITORIES: Def = Def::read("list_starred_repositories", "List starred repositories").about(
    "Lists the repositories the signed-in user starred, most recently starred first: name, \
     description, stars and URL. Use it to find a repository the user bookmarked.",
);

async fn list_starred_repositories(gh: Github, p: ListStarred) -> ToolResult {
    gh.page("/user/starred", &[], &p.paging, None, "repositories", shape::repo).await
}

const STAR_REPOSITORY: Def = Def::ensure("star_repository", "Star a repository").about(
    "Stars a repository as the signed-in user, to bookmark it or show appreciation; starring it \
     again changes nothing. list_starred_repositories shows the stars.",
);

async fn star_repository(gh: Github, p: RepoRef) -> ToolResult {
    let path = format!("/user/starred/{}", p.path()?.trim_start_matches("/repos/"));
    gh.send(Method::PUT, &path, None).await?;
    structured(json!({"repository": format!("{}/{}", p.owner, p.repo), "starred": true}))
}

const UNSTAR_REPOSITORY: Def = Def::ensure("unstar_repository", "Unstar a repository").about(
    "Removes the signed-in user's star from a repository; unstarring one that is not starred \
     changes nothing. list_starred_repositories shows what is starred.",
);

async fn unstar_repository(gh: Github, p: RepoRef) -> ToolResult {
    let path = format!("/user/starred/{}", p.path()?.trim_start_matches("/repos/"));
    gh.send(Method::DELETE, &path, None).await?;
    structured(json!({"repository": format!("{}/{}", p.owner, p.repo), "starred": false}))
}

pub fn stars_tools() -> Vec<Route> {
    vec![
        route(LIST_STARRED_REPOSITORIES, list_starred_repositories),
        route(STAR_REPOSITORY, star_repository),
        route(UNSTAR_REPOSITORY, unstar_repository),
    ]
}
