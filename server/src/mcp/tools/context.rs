//! Toolset `context`: who the signed-in GitHub user is.

use rmcp::{ErrorData, RoleServer, model::CallToolResult, service::RequestContext, tool, tool_router};
use serde::Serialize;

use super::github_failure;
use crate::mcp::server::{GatewayServer, principal};

#[derive(Serialize)]
struct Me {
    login: String,
    id: u64,
    name: Option<String>,
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
    async fn get_me(&self, ctx: RequestContext<RoleServer>) -> Result<CallToolResult, ErrorData> {
        let principal = principal(&ctx)?;
        match self.state.github.current_user(&principal.github_token).await {
            Ok(u) => {
                let me = Me { login: u.login, id: u.id, name: u.name };
                let value = serde_json::to_value(&me).map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
                Ok(CallToolResult::structured(value))
            }
            Err(e) => Ok(github_failure(self, &principal, e).await),
        }
    }
}
