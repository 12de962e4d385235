//! Scope step-up (MCP 2025-11-25, RFC 6750 §3.1): a `tools/call` for a tool that needs a scope the
//! token lacks is answered HTTP 403 with `WWW-Authenticate: Bearer error="insufficient_scope"`, naming
//! the scopes to ask for, so the client can re-authorize with more. The tool handler checks again.
//! The request's selection (the operator's, narrowed by its `X-MCP-*` headers), worked out here once,
//! goes on in the request's extensions as a [`RequestSelection`].

use std::sync::Arc;

use axum::{
    extract::Request,
    http::{Method, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::{
    message::Inspected,
    tools::{Registry, is_write, missing_scope},
};
use crate::{
    config::toolsets::Selection,
    oauth::{bearer::Principal, scope::Scopes},
    state::AppState,
};

/// The selection of the request it is attached to, for what serves it after the step-up.
#[derive(Clone, Debug)]
pub struct RequestSelection(pub Arc<Selection>);

#[derive(Clone)]
pub struct StepUp {
    pub state: AppState,
    pub tools: Arc<Registry>,
    /// The operator's selection, which most requests use as it is.
    pub selection: Arc<Selection>,
}

/// The names of the tools a JSON-RPC message (or batch) calls (also the relay's, in upstream mode).
pub fn called_tools(message: &Value) -> Vec<&str> {
    match message {
        Value::Array(batch) => batch.iter().filter_map(called_tool).collect(),
        m => called_tool(m).into_iter().collect(),
    }
}

fn called_tool(m: &Value) -> Option<&str> {
    if m.get("method")?.as_str()? != "tools/call" {
        return None;
    }
    m.get("params")?.get("name")?.as_str()
}

/// The refusal of `req`, if any: 400 for an `X-MCP-*` header naming no tool of this server, 403
/// (step-up) for a `tools/call` the token's scopes do not cover. Otherwise `req` gets its
/// [`RequestSelection`].
pub fn refusal(step: &StepUp, req: &mut Request) -> Option<Response> {
    if req.method() != Method::POST {
        return None;
    }
    let Some(granted) = req.extensions().get::<Principal>().map(|p| p.scopes) else {
        return Some(StatusCode::UNAUTHORIZED.into_response());
    };
    let selection = Selection::narrowed_shared(&step.selection, req.headers());
    if let Some((header, name)) = step.tools.unknown(&selection) {
        return Some(
            super::error::McpError::InvalidRequest {
                status: StatusCode::BAD_REQUEST,
                description: format!("{header}: `{name}` is not a tool of this server"),
                reason: "unknown_tool",
            }
            .into_response(),
        );
    }
    // The body was read and parsed once, by `message::read`.
    if let Some(message) = req.extensions().get::<Inspected>().and_then(|i| i.message.as_ref()) {
        let missing: Scopes = called_tools(message)
            .into_iter()
            .filter_map(|name| step.tools.enabled(name, &selection))
            .filter_map(|tool| missing_scope(granted, is_write(tool)))
            .collect();
        if !missing.is_empty() {
            return Some(insufficient_scope(&step.state, granted, missing));
        }
    }
    req.extensions_mut().insert(RequestSelection(selection));
    None
}

pub fn insufficient_scope(state: &AppState, granted: Scopes, missing: Scopes) -> Response {
    // Ask for what the token has plus what the call needs.
    let wanted = granted.union(missing);
    let description = format!("this call needs the {} scope", missing.names().join(" and "));
    let challenge = super::auth::challenge(&state.config, wanted, Some(("insufficient_scope", &description)));
    super::error::McpError::Challenge {
        status: StatusCode::FORBIDDEN,
        challenge,
        error: "insufficient_scope",
        description,
        scope: Some(wanted.to_string()),
        reason: "insufficient_scope",
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::called_tools;
    use serde_json::json;

    #[test]
    fn finds_tool_calls_in_messages_and_batches() {
        let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_me"}});
        assert_eq!(called_tools(&call), vec!["get_me"]);
        assert!(called_tools(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})).is_empty());
        let batch = json!([call, {"method": "tools/call", "params": {"name": "create_issue"}}, {"method": "ping"}]);
        assert_eq!(called_tools(&batch), vec!["get_me", "create_issue"]);
        assert!(called_tools(&json!({"method": "tools/call", "params": {"name": 5}})).is_empty());
    }
}
