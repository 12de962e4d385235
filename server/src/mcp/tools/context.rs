//! Toolset `context`: who the signed-in GitHub user is and which organisations they belong to.

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::json;

use super::{
    define::{Def, Effect, NoArgs, Route, route},
    shape,
    support::{Github, Paging, ToolResult, structured},
};

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListMyOrgs {
    #[serde(flatten)]
    pub paging: Paging,
}

const GET_ME: Def = Def {
    name: "get_me",
    title: "Who am I on GitHub",
    description: "Returns the GitHub account these tools act as: login, numeric id and display name. \
                       Use it first when a task depends on the user's identity (e.g. 'my repositories').",
    effect: Effect::Read,
};

async fn get_me(gh: Github, _: NoArgs) -> ToolResult {
    let me = gh.get("/user", &[]).await?;
    structured(json!({"login": me["login"], "id": me["id"], "name": shape::text(&me, "name", 300)}))
}

const LIST_MY_ORGS: Def = Def {
    name: "list_my_orgs",
    title: "List my organizations",
    description: "Lists the GitHub organizations the signed-in user belongs to (login and description). \
                       Use it to find an organization's login before searching or listing its repositories.",
    effect: Effect::Read,
};

async fn list_my_orgs(gh: Github, p: ListMyOrgs) -> ToolResult {
    let (orgs, page) = gh.list("/user/orgs", &[], &p.paging, None).await?;
    structured(json!({"organizations": orgs.iter().map(shape::org).collect::<Vec<_>>(), "page": page}))
}

pub fn context_tools() -> Vec<Route> {
    vec![route(GET_ME, get_me), route(LIST_MY_ORGS, list_my_orgs)]
}
