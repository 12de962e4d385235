//! GitHub's remote MCP server (`https://api.githubcopilot.com/mcp/`, from `github/github-mcp-server`),
//! as far as the gateway's upstream mode needs it, at `/mcp` on the web root.
//!
//! - Only GitHub tokens this emulator issued are accepted (401 with a `WWW-Authenticate` challenge
//!   otherwise); every request is recorded ([`crate::McpRecord`]), so tests can prove which bearer
//!   and which headers reached "GitHub".
//! - Both protocol eras: `initialize` opens a session (`Mcp-Session-Id`, owned by the token's user;
//!   `DELETE` ends it), and 2026-07-28 requests (`MCP-Protocol-Version: 2026-07-28`) are stateless,
//!   with `server/discover`.
//! - Tools: `get_me` (the token's user), `get_issue` (reads the world) and `create_issue` (a write:
//!   it opens an issue in the world). `X-MCP-Readonly` hides and refuses the write, `X-MCP-Toolsets`
//!   narrows by toolset (`context`, `issues`) as GitHub's server does.
//! - On request ([`crate::Emulator`]): faults injected for the path prefix `/mcp` (a 5xx, or a 403
//!   scope challenge with its `WWW-Authenticate` header) and a delay inside a `tools/call` SSE stream.
//!
//! A `tools/call` whose request accepts `text/event-stream` is answered as one SSE stream (a progress
//! notification, then the result); everything else as JSON.

use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

use crate::{
    api::{add_fault_headers, fault_response, take_fault},
    records::McpRecord,
    state::Shared,
    tokens::{TokenCheck, random_hex},
    world::{Issue, time},
};

const SESSION: &str = "mcp-session-id";
const STATELESS_FROM: &str = "2026-07-28";
const VERSIONS: [&str; 4] = ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"];

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/mcp", get(endpoint).post(endpoint).delete(endpoint))
        .route("/mcp/", get(endpoint).post(endpoint).delete(endpoint))
}

/// One tool: name, toolset, whether it only reads, its description and input schema.
struct Tool {
    name: &'static str,
    toolset: &'static str,
    read_only: bool,
    description: &'static str,
    schema: fn() -> Value,
}

const TOOLS: [Tool; 3] = [
    Tool {
        name: "get_me",
        toolset: "context",
        read_only: true,
        description: "Get details of the authenticated GitHub user.",
        schema: || json!({"type": "object", "properties": {}}),
    },
    Tool {
        name: "get_issue",
        toolset: "issues",
        read_only: true,
        description: "Get details of a specific issue in a GitHub repository.",
        schema: || {
            json!({"type": "object", "required": ["owner", "repo", "issue_number"], "properties": {
                "owner": {"type": "string"}, "repo": {"type": "string"}, "issue_number": {"type": "number"}}})
        },
    },
    Tool {
        name: "create_issue",
        toolset: "issues",
        read_only: false,
        description: "Create a new issue in a GitHub repository.",
        schema: || {
            json!({"type": "object", "required": ["owner", "repo", "title"], "properties": {
                "owner": {"type": "string"}, "repo": {"type": "string"},
                "title": {"type": "string"}, "body": {"type": "string"}}})
        },
    },
];

/// What the request's `X-MCP-*` headers let it see.
struct View {
    read_only: bool,
    toolsets: Option<Vec<String>>,
    tools: Option<Vec<String>>,
    exclude: Vec<String>,
}

impl View {
    fn of(headers: &HeaderMap) -> Self {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let read_only = get("x-mcp-readonly").is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
        let list = |name: &str| -> Option<Vec<String>> {
            get(name).map(|v| v.split(',').map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()).collect())
        };
        Self {
            read_only,
            toolsets: list("x-mcp-toolsets"),
            tools: list("x-mcp-tools"),
            exclude: list("x-mcp-exclude-tools").unwrap_or_default(),
        }
    }

    /// As GitHub's server: `X-MCP-Tools` alone shows only those tools, with `X-MCP-Toolsets` it
    /// adds to them, and `X-MCP-Exclude-Tools` wins.
    fn shows(&self, tool: &Tool) -> bool {
        let in_toolsets = |t: &Vec<String>| t.iter().any(|t| t == "all" || t == tool.toolset);
        let chosen = match (&self.toolsets, &self.tools) {
            (None, None) => true,
            (Some(sets), None) => in_toolsets(sets),
            (None, Some(tools)) => tools.iter().any(|t| t == tool.name),
            (Some(sets), Some(tools)) => in_toolsets(sets) || tools.iter().any(|t| t == tool.name),
        };
        (tool.read_only || !self.read_only) && chosen && !self.exclude.iter().any(|t| t == tool.name)
    }
}

async fn endpoint(State(shared): State<Arc<Shared>>, method: Method, headers: HeaderMap, body: Bytes) -> Response {
    let message: Option<Value> = serde_json::from_slice(&body).ok();
    let rpc_method = message.as_ref().and_then(|m| m["method"].as_str()).map(str::to_owned);
    let token = crate::api::presented_token(&headers);
    let (check, fault, delay) = {
        let mut inner = shared.lock();
        let check = token.as_deref().map(|t| inner.tokens.check(t));
        (check, take_fault(&mut inner, "/mcp"), inner.mcp_stream_delay)
    };
    let login = match &check {
        Some(TokenCheck::Valid { login, .. }) => Some(login.clone()),
        _ => None,
    };
    let response = match (&fault, &login) {
        (Some(fault), _) => {
            let mut resp = fault_response(fault);
            add_fault_headers(resp.headers_mut(), fault);
            resp
        }
        (None, None) => unauthorized(&shared),
        (None, Some(login)) => answer(&shared, login, &method, &headers, message, delay),
    };
    shared.lock().records.push_mcp(McpRecord {
        http_method: method.to_string(),
        method: rpc_method,
        token,
        token_known: matches!(check, Some(TokenCheck::Valid { .. } | TokenCheck::Dead)),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        status: response.status().as_u16(),
    });
    response
}

fn unauthorized(shared: &Shared) -> Response {
    let challenge = format!(
        "Bearer error=\"invalid_token\", resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
        shared.base_url
    );
    let mut resp = (StatusCode::UNAUTHORIZED, "bad request: unauthorized\n").into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

fn jsonrpc_error(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn answer(
    shared: &Shared,
    login: &str,
    method: &Method,
    headers: &HeaderMap,
    message: Option<Value>,
    delay: Duration,
) -> Response {
    let session = headers.get(SESSION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let version = headers.get("mcp-protocol-version").and_then(|v| v.to_str().ok()).unwrap_or("2025-03-26");
    let stateless = version >= STATELESS_FROM;
    match *method {
        Method::DELETE => {
            let ended = session.is_some_and(|id| shared.lock().mcp_sessions.remove(&id).is_some());
            return if ended { StatusCode::OK } else { StatusCode::NOT_FOUND }.into_response();
        }
        Method::POST => {}
        _ => return StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
    let Some(message) = message.filter(Value::is_object) else {
        return (StatusCode::BAD_REQUEST, axum::Json(jsonrpc_error(&Value::Null, -32700, "Parse error")))
            .into_response();
    };
    let id = message.get("id").cloned();
    let rpc = message["method"].as_str().unwrap_or_default();
    if rpc == "initialize" {
        let asked = message["params"]["protocolVersion"].as_str().unwrap_or("2025-03-26");
        let agreed = VERSIONS.iter().rev().find(|v| **v <= asked && **v < STATELESS_FROM).unwrap_or(&VERSIONS[0]);
        let new_session = random_hex(16);
        shared.lock().mcp_sessions.insert(new_session.clone(), login.to_owned());
        let result = json!({"protocolVersion": agreed, "capabilities": {"tools": {}},
            "serverInfo": {"name": "github-mcp-server", "version": "emulated"}});
        let mut resp = axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": result})).into_response();
        if let Ok(v) = HeaderValue::from_str(&new_session) {
            resp.headers_mut().insert(SESSION, v);
        }
        return resp;
    }
    if !stateless {
        match session.as_ref().map(|s| shared.lock().mcp_sessions.get(s).cloned()) {
            None => {
                return (StatusCode::BAD_REQUEST, "Bad Request: Mcp-Session-Id header is required\n").into_response();
            }
            Some(Some(owner)) if owner.eq_ignore_ascii_case(login) => {}
            Some(_) => return (StatusCode::NOT_FOUND, "session not found\n").into_response(),
        }
    }
    let Some(id) = id else {
        return StatusCode::ACCEPTED.into_response(); // a notification
    };
    let view = View::of(headers);
    let mut result = match rpc {
        "server/discover" => json!({"supportedVersions": VERSIONS, "capabilities": {"tools": {}}, "ttlMs": 0,
            "cacheScope": "private"}),
        "ping" => json!({}),
        "tools/list" => {
            let tools: Vec<Value> = TOOLS
                .iter()
                .filter(|t| view.shows(t))
                .map(|t| {
                    json!({"name": t.name, "description": t.description, "inputSchema": (t.schema)(),
                        "annotations": {"readOnlyHint": t.read_only}})
                })
                .collect();
            // 2026-07-28 list results say how long they may be cached, and for whom.
            if stateless {
                json!({"tools": tools, "ttlMs": 0, "cacheScope": "private"})
            } else {
                json!({"tools": tools})
            }
        }
        "tools/call" => {
            let name = message["params"]["name"].as_str().unwrap_or_default();
            let args = &message["params"]["arguments"];
            match TOOLS.iter().find(|t| t.name == name).filter(|t| view.shows(t)) {
                Some(tool) => call(shared, login, tool, args),
                None => {
                    return axum::Json(jsonrpc_error(&id, -32602, &format!("unknown tool: {name}"))).into_response();
                }
            }
        }
        other => return axum::Json(jsonrpc_error(&id, -32601, &format!("Method not found: {other}"))).into_response(),
    };
    if stateless && let Some(obj) = result.as_object_mut() {
        obj.insert("resultType".into(), json!("complete"));
        obj.insert(
            "_meta".into(),
            json!({"io.modelcontextprotocol/serverInfo": {"name": "github-mcp-server", "version": "emulated"}}),
        );
    }
    let reply = json!({"jsonrpc": "2.0", "id": id, "result": result});
    let wants_stream =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/event-stream"));
    if rpc == "tools/call" && wants_stream { stream(id, reply, delay) } else { axum::Json(reply).into_response() }
}

/// The tool's result, or a tool error.
fn call(shared: &Shared, login: &str, tool: &Tool, args: &Value) -> Value {
    let text = |v: &Value| json!({"content": [{"type": "text", "text": v.to_string()}], "structuredContent": v, "isError": false});
    let failed = |m: &str| json!({"content": [{"type": "text", "text": m}], "isError": true});
    match tool.name {
        "get_me" => match shared.user(login) {
            Some(u) => text(&json!({"login": u.login, "id": u.id, "name": u.name})),
            None => failed("user not found"),
        },
        "get_issue" | "create_issue" => {
            let (Some(owner), Some(repo)) = (args["owner"].as_str(), args["repo"].as_str()) else {
                return failed("missing required parameter: owner, repo");
            };
            let mut inner = shared.lock();
            let world = &mut inner.world;
            // What GitHub would show this user: public repositories, and private ones they own.
            let visible = world.repo(owner, repo).is_some_and(|r| !r.private || r.owner.eq_ignore_ascii_case(login));
            if !visible {
                return failed("404 Not Found");
            }
            let id = world.next_id();
            let Some(found) = world.repo_mut(owner, repo) else { return failed("404 Not Found") };
            if tool.name == "get_issue" {
                let number = args["issue_number"].as_u64().unwrap_or_default();
                return match found.issues.iter().find(|i| i.number == number) {
                    Some(i) => text(&json!({"number": i.number, "title": i.title, "state": i.state})),
                    None => failed("404 Not Found"),
                };
            }
            let Some(title) = args["title"].as_str().filter(|t| !t.trim().is_empty()) else {
                return failed("missing required parameter: title");
            };
            let now = time::now();
            let number = found.next_number();
            let body = args["body"].as_str().map(str::to_owned);
            found.issues.push(Issue::opened(id, number, title.to_owned(), body, login, now));
            found.updated_at = now;
            text(&json!({"number": number, "title": title, "state": "open"}))
        }
        _ => failed("unknown tool"),
    }
}

/// A `tools/call` answered as an SSE stream: a progress notification, `delay`, then the result.
fn stream(id: Value, reply: Value, delay: Duration) -> Response {
    let progress = json!({"jsonrpc": "2.0", "method": "notifications/progress",
        "params": {"progressToken": id, "progress": 0, "message": "working"}});
    let events = async_stream_events(progress, reply, delay);
    let mut resp = Response::new(Body::from_stream(events));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

fn async_stream_events(
    first: Value,
    last: Value,
    delay: Duration,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    let event = |v: &Value| Bytes::from(format!("event: message\ndata: {v}\n\n"));
    let (first, last) = (event(&first), event(&last));
    futures_util::stream::unfold(0u8, move |step| {
        let (first, last) = (first.clone(), last.clone());
        async move {
            match step {
                0 => Some((Ok(first), 1)),
                1 => {
                    tokio::time::sleep(delay).await;
                    Some((Ok(last), 2))
                }
                _ => None,
            }
        }
    })
}
