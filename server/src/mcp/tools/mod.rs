//! The tool registry: each toolset is one file with its own `#[tool_router]`, merged here. Shared
//! helpers turn GitHub failures into tool errors a model can act on.

pub mod context;

use rmcp::{handler::server::router::tool::ToolRouter, model::CallToolResult};

use super::server::GatewayServer;
use crate::{github::GithubError, oauth::bearer::Principal, oauth::tokens::revoke_grant};

/// Every tool the gateway offers.
pub fn registry() -> ToolRouter<GatewayServer> {
    GatewayServer::context_tools()
}

/// A GitHub failure as a tool result. A 401 means the stored GitHub token is dead: the grant is
/// revoked so the client's next request gets 401 and the user signs in again.
pub async fn github_failure(server: &GatewayServer, principal: &Principal, error: GithubError) -> CallToolResult {
    if matches!(error, GithubError::BadCredentials)
        && let Err(e) =
            revoke_grant(&server.state, &principal.grant_id, "GitHub answered 401 for the stored token").await
    {
        tracing::error!(error = %e, "could not revoke a grant after GitHub's 401");
    }
    CallToolResult::error(vec![rmcp::model::ContentBlock::text(error.to_string())])
}
