//! `GatewayServer`: the rmcp `ServerHandler` of one MCP session. It lists and dispatches the tools of
//! the registry, acting for the [`Principal`] that the bearer check attached to the request.

use std::sync::Arc;

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    handler::server::tool::ToolCallContext,
    model::ErrorCode,
    model::{
        CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, CustomRequest, CustomResult,
        DiscoverResult, Implementation, ListToolsResult, MetaObject, PaginatedRequestParams, ProtocolVersion,
        ServerCapabilities, ServerConfig,
    },
    service::RequestContext,
};

use super::{scopes::RequestSelection, tools::Registry};
use crate::config::toolsets::Selection;
use crate::{oauth::bearer::Principal, state::AppState};

#[derive(Clone)]
pub struct GatewayServer {
    pub(crate) state: AppState,
    tools: Arc<Registry>,
    /// Lockdown mode's verdicts, shared by every request of the router.
    pub(crate) lockdown: Arc<super::tools::lockdown::Access>,
}

impl GatewayServer {
    /// The operator's selection narrowed by this request's `X-MCP-*` headers: as the step-up
    /// check found it ([`RequestSelection`]), or worked out again without it.
    pub(crate) fn selection(&self, ctx: &RequestContext<RoleServer>) -> Arc<Selection> {
        let parts = ctx.extensions.get::<http::request::Parts>();
        if let Some(RequestSelection(found)) = parts.and_then(|p| p.extensions.get::<RequestSelection>()) {
            return found.clone();
        }
        let operator = self.state.config.selection();
        Arc::new(match parts {
            Some(parts) => operator.narrowed(&parts.headers),
            None => operator,
        })
    }

    pub(crate) fn tools(&self) -> &Registry {
        &self.tools
    }

    /// The `tools/list` result for `selection`, in the 2026-07-28 form when `stateless`.
    pub(crate) fn list_result(&self, selection: &Selection, stateless: bool) -> ListToolsResult {
        let mut result = ListToolsResult::with_all_items(self.tools.visible(selection));
        if stateless {
            result.ttl_ms = Some(LIST_TTL_MS);
            result.cache_scope = Some(CacheScope::Private);
        }
        self.stamp(&mut result.meta, stateless);
        result
    }

    /// The `server/discover` result (the same for every request).
    pub(crate) fn discover_result(&self) -> DiscoverResult {
        DiscoverResult::from_server_info(self.supported_protocol_versions().into_owned(), self.get_info())
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Private)
    }

    pub fn new(state: AppState, tools: Arc<Registry>, lockdown: Arc<super::tools::lockdown::Access>) -> Self {
        Self { state, tools, lockdown }
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

/// The `_meta` key under which 2026-07-28 results name the server (SHOULD on every result).
const SERVER_INFO_META: &str = "io.modelcontextprotocol/serverInfo";

/// How long a 2026-07-28 client may reuse a `tools/list` or `server/discover` result (`ttlMs`,
/// SEP-2549): both change only with the operator's configuration (a redeploy) and the request's own
/// headers, so a client re-fetches them every ten minutes, not before every call. `private`: the
/// list may differ per authorization (toolset and read-only headers), so it is never shared.
pub const LIST_TTL_MS: u64 = 10 * 60 * 1000;

/// Methods this server answers: a request for one of them that rmcp could not decode (so it arrived
/// as a custom request) has invalid params, not an unknown method. (`initialize` is not one: on the
/// 2026-07-28 wire it is a removed method, -32601.)
const KNOWN_METHODS: &[&str] = &["tools/call", "tools/list", "server/discover"];

fn is_stateless(ctx: &RequestContext<RoleServer>) -> bool {
    ctx.protocol_version().is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
}

impl GatewayServer {
    /// `serverInfo` in a 2026-07-28 result's `_meta`.
    fn stamp(&self, meta: &mut Option<MetaObject>, stateless: bool) {
        if !stateless {
            return;
        }
        if let Ok(info) = serde_json::to_value(&self.get_info().server_info) {
            meta.get_or_insert_with(|| MetaObject(Default::default())).0.insert(SERVER_INFO_META.to_owned(), info);
        }
    }
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
        request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        // The whole list fits one page, so no cursor was ever issued: any cursor is invalid.
        if request.as_ref().and_then(|r| r.cursor.as_ref()).is_some() {
            return Err(ErrorData::invalid_params("invalid cursor: tools/list has a single page", None));
        }
        Ok(self.list_result(&self.selection(&ctx), is_stateless(&ctx)))
    }

    async fn discover(&self, _ctx: RequestContext<RoleServer>) -> Result<DiscoverResult, ErrorData> {
        Ok(self.discover_result())
    }

    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        if KNOWN_METHODS.contains(&request.method.as_str()) {
            return Err(ErrorData::invalid_params(format!("invalid params for {}", request.method), None));
        }
        Err(ErrorData::new(ErrorCode::METHOD_NOT_FOUND, request.method, None))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let tool = self
            .tools
            .enabled(&request.name, &self.selection(&ctx))
            .ok_or_else(|| ErrorData::invalid_params("tool not found (or not enabled on this server)", None))?;
        let started = std::time::Instant::now();
        let name = request.name.to_string();
        if let Some(needed) = super::tools::missing_scope(principal(&ctx)?.scopes, super::tools::is_write(tool)) {
            let text = format!(
                "`{}` needs the `{needed}` permission, which this sign-in did not grant. Sign in again and approve it.",
                request.name
            );
            self.state.metrics.tool_call(&name, "refused", started.elapsed());
            let mut refused = CallToolResult::error(vec![ContentBlock::text(text)]);
            self.stamp(&mut refused.meta, is_stateless(&ctx));
            return Ok(refused.into());
        }
        let mut result = self.tools.router().call(ToolCallContext::new(self, request, ctx.clone())).await;
        if let Ok(CallToolResponse::Complete(r)) = &mut result {
            self.stamp(&mut r.meta, is_stateless(&ctx));
        }
        let outcome = match &result {
            Ok(CallToolResponse::Complete(r)) if r.is_error == Some(true) => "error",
            Ok(_) => "ok",
            Err(_) => "failed",
        };
        self.state.metrics.tool_call(&name, outcome, started.elapsed());
        result
    }
}
