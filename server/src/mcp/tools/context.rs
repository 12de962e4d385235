//! Toolset `context`: who the signed-in GitHub user is, which organisations and teams they belong
//! to, and who else is on a team.

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::json;

use super::{
    define::{Def, NoArgs, Route, route},
    shape,
    support::{Github, Paging, ToolResult, seg, structured},
};

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListMyOrgs {
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct TeamRef {
    /// Organization login.
    pub org: String,
    /// Team slug (from get_teams), e.g. `docs-writers`.
    pub team_slug: String,
    #[serde(flatten)]
    pub paging: Paging,
}

const GET_ME: Def = Def::read("get_me", "Who am I on GitHub").about(
    "Returns the GitHub account these tools act as: login, numeric id and display name. \
     Use it first when a task depends on the user's identity (e.g. 'my repositories').",
);

async fn get_me(gh: Github, _: NoArgs) -> ToolResult {
    let me = gh.get("/user", &[]).await?;
    structured(json!({"login": me["login"], "id": me["id"], "name": shape::text(&me, "name", 300)}))
}

const LIST_MY_ORGS: Def = Def::read("list_my_orgs", "List my organizations").about(
    "Lists the GitHub organizations the signed-in user belongs to (login and description). \
     Use it to find an organization's login before searching or listing its repositories.",
);

async fn list_my_orgs(gh: Github, p: ListMyOrgs) -> ToolResult {
    let (orgs, page) = gh.list("/user/orgs", &[], &p.paging, None).await?;
    structured(json!({"organizations": orgs.iter().map(shape::org).collect::<Vec<_>>(), "page": page}))
}

const GET_TEAMS: Def = Def::read("get_teams", "List my teams").about(
    "Lists the teams the signed-in user belongs to, across organizations: organization, slug, name, \
     description and member count. Use get_team_members for who else is on one.",
);

async fn get_teams(gh: Github, p: ListMyOrgs) -> ToolResult {
    let (items, page) = gh.list("/user/teams", &[], &p.paging, None).await?;
    let teams: Vec<_> = items
        .iter()
        .map(|t| {
            json!({"org": t["organization"]["login"], "slug": t["slug"], "name": shape::text(t, "name", 200),
                   "description": shape::text(t, "description", 300), "members": t["members_count"]})
        })
        .collect();
    structured(json!({"teams": teams, "page": page}))
}

const GET_TEAM_MEMBERS: Def = Def::read("get_team_members", "List a team's members").about(
    "Lists the logins of a team's members. Visible to members of the team's organization; use it \
     to find reviewers or assignees for a team's area.",
);

async fn get_team_members(gh: Github, p: TeamRef) -> ToolResult {
    let path = format!("/orgs/{}/teams/{}/members", seg("org", &p.org)?, seg("team_slug", &p.team_slug)?);
    gh.page(&path, &[], &p.paging, None, "members", shape::login).await
}

pub fn context_tools() -> Vec<Route> {
    vec![
        route(GET_ME, get_me),
        route(LIST_MY_ORGS, list_my_orgs),
        route(GET_TEAMS, get_teams),
        route(GET_TEAM_MEMBERS, get_team_members),
    ]
}
