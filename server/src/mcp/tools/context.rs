//! Toolset `context`: who the signed-in GitHub user is and which organisations they belong to.

use rmcp::{
    RoleServer,
    handler::server::wrapper::Parameters,
    schemars::{self, JsonSchema},
    service::RequestContext,
    tool, tool_router,
};
use serde::Deserialize;
use serde_json::json;

use super::{
    shape,
    support::{Paging, ToolResult, structured},
};
use crate::mcp::server::GatewayServer;

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListMyOrgs {
    #[serde(flatten)]
    pub paging: Paging,
}

#[tool_router(router = context_tools, vis = "pub(crate)")]
impl GatewayServer {
    #[tool(
        name = "get_me",
        title = "Who am I on GitHub",
        description = "Returns the GitHub account these tools act as: login, numeric id and display name. \
                       Use it first when a task depends on the user's identity (e.g. 'my repositories').",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_me(&self, ctx: RequestContext<RoleServer>) -> ToolResult {
        let gh = self.github(&ctx)?;
        let me = gh.get("/user", &[]).await?;
        structured(json!({"login": me["login"], "id": me["id"], "name": shape::text(&me, "name", 300)}))
    }

    #[tool(
        name = "list_my_orgs",
        title = "List my organizations",
        description = "Lists the GitHub organizations the signed-in user belongs to (login and description). \
                       Use it to find an organization's login before searching or listing its repositories.",
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn list_my_orgs(&self, Parameters(p): Parameters<ListMyOrgs>, ctx: RequestContext<RoleServer>) -> ToolResult {
        let gh = self.github(&ctx)?;
        let (orgs, page) = gh.list("/user/orgs", &[], &p.paging, None).await?;
        structured(json!({"organizations": orgs.iter().map(shape::org).collect::<Vec<_>>(), "page": page}))
    }
}
