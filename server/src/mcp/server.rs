//! `GatewayServer`: the rmcp `ServerHandler` of one MCP session. It lists and dispatches the tools of
//! the registry, acting for the [`Principal`] that the bearer middleware attached to the request.

use std::sync::Arc;

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    handler::server::{router::tool::ToolRouter, tool::ToolCallContext},
    model::{
        CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult, PaginatedRequestParams,
        ServerCapabilities, ServerConfig,
    },
    service::RequestContext,
};

use crate::{oauth::bearer::Principal, state::AppState};

#[derive(Clone)]
pub struct GatewayServer {
    pub(crate) state: AppState,
    tools: Arc<ToolRouter<GatewayServer>>,
}

impl GatewayServer {
    pub fn new(state: AppState, tools: Arc<ToolRouter<GatewayServer>>) -> Self {
        Self { state, tools }
    }
}

/// The principal of the HTTP request behind an MCP request.
pub fn principal(ctx: &RequestContext<RoleServer>) -> Result<Principal, ErrorData> {
    ctx.extensions
        .get::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<Principal>())
        .cloned()
        .ok_or_else(|| ErrorData::internal_error("request reached a tool without an authenticated user", None))
}

impl ServerHandler for GatewayServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("mcp-github-gateway", env!("CARGO_PKG_VERSION"))
                    .with_title("GitHub (via MCP GitHub Gateway)"),
            )
            .with_instructions("Tools that act on GitHub as the signed-in user. Start with get_me to see who that is.")
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.list_all()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.tools.call(ToolCallContext::new(self, request, ctx)).await
    }
}
