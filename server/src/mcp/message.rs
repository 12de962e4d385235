//! The one read of a `/mcp` request body: buffered once, parsed once, and classified by protocol era
//! before session binding and the scope check look at it.
//!
//! - Malformed JSON is answered HTTP 400 with a JSON-RPC `-32700` error, JSON that is not a JSON-RPC
//!   message with `-32600` (rmcp would answer 415 in plain text, which clients misread).
//! - An `initialize` larger than [`MAX_INITIALIZE_BYTES`] is refused (`-32602`): no real client
//!   sends one, and its params are parsed on every handshake.
//! - A 2026-07-28 request is stateless: its `Mcp-Session-Id` and `Last-Event-ID` headers are ignored
//!   (removed here, so a stale id is never a 404), and it never counts as a session. The era rule is
//!   rmcp's own: `initialize` is legacy; a request whose `_meta` carries the protocol version and the
//!   client capabilities is modern; otherwise the version in `_meta`, the `MCP-Protocol-Version`
//!   header, or 2025-03-26 decides.

use axum::{
    body::{Body, Bytes, to_bytes},
    extract::Request,
    http::{HeaderMap, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::MCP_BODY_LIMIT;

/// Largest `initialize` message accepted.
pub const MAX_INITIALIZE_BYTES: usize = 16 * 1024;

pub(crate) const PROTOCOL_VERSION_META: &str = "io.modelcontextprotocol/protocolVersion";
pub(crate) const CLIENT_CAPABILITIES_META: &str = "io.modelcontextprotocol/clientCapabilities";
/// The first stateless revision.
pub(crate) const STATELESS_FROM: &str = "2026-07-28";

/// What the body read found, for the checks after it.
#[derive(Clone, Debug, Default)]
pub struct Inspected {
    /// The parsed JSON-RPC message (or batch), when the body was JSON.
    pub message: Option<Value>,
    /// A 2026-07-28 (stateless) request.
    pub stateless: bool,
    /// An `initialize` request as rmcp decodes one (it opens a 2025-revision session).
    pub initialize: bool,
}

fn header_version(headers: &HeaderMap) -> Option<&str> {
    headers.get("mcp-protocol-version").and_then(|v| v.to_str().ok())
}

/// What rmcp decodes as an `initialize` request (its required params are present); anything else
/// named `initialize` is an unknown method to it, classified like any other request.
fn is_initialize_request(params: Option<&Value>) -> bool {
    params.is_some_and(|p| {
        p.get("protocolVersion").is_some_and(Value::is_string)
            && p.get("capabilities").is_some_and(Value::is_object)
            && p.get("clientInfo").is_some_and(Value::is_object)
    })
}

/// An `initialize` request rmcp decodes as one (it opens a 2025-revision session).
fn is_initialize(message: Option<&Value>) -> bool {
    message.is_some_and(|m| {
        m.get("method").and_then(Value::as_str) == Some("initialize") && is_initialize_request(m.get("params"))
    })
}

/// rmcp's rule for which era a message belongs to (see the module comment).
fn is_stateless(message: Option<&Value>, headers: &HeaderMap) -> bool {
    let header = header_version(headers);
    if is_initialize(message) {
        return false;
    }
    let Some(Value::Object(m)) = message else { return header.is_some_and(|v| v >= STATELESS_FROM) };
    let method = m.get("method").and_then(Value::as_str);
    if method.is_some() && m.contains_key("id") {
        let meta = m.get("params").and_then(|p| p.get("_meta"));
        let version = meta.and_then(|x| x.get(PROTOCOL_VERSION_META)).and_then(Value::as_str);
        let capabilities = meta.and_then(|x| x.get(CLIENT_CAPABILITIES_META)).is_some_and(Value::is_object);
        if version.is_some() && capabilities {
            return true;
        }
        return version.or(header).is_some_and(|v| v >= STATELESS_FROM);
    }
    header.is_some_and(|v| v >= STATELESS_FROM)
}

/// A body refused with a JSON-RPC error (HTTP 400).
#[derive(Debug)]
struct Refused {
    id: Value,
    code: i64,
    message: String,
    /// The metrics reason.
    reason: &'static str,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let Refused { id, code, message, reason } = self;
        super::error::McpError::JsonRpc { status: StatusCode::BAD_REQUEST, id, code, message, reason }.into_response()
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// A JSON-RPC message has `"jsonrpc": "2.0"` and a method, a result or an error.
fn is_jsonrpc(v: &Value) -> bool {
    match v {
        Value::Array(batch) => !batch.is_empty() && batch.iter().all(is_jsonrpc),
        Value::Object(m) => {
            m.get("jsonrpc").and_then(Value::as_str) == Some("2.0")
                && (m.get("method").is_some_and(Value::is_string)
                    || m.contains_key("result")
                    || m.contains_key("error"))
        }
        _ => false,
    }
}

/// What a body says, or why it is refused.
fn parse(bytes: &Bytes) -> Result<Value, Refused> {
    let message: Value = serde_json::from_slice(bytes).map_err(|_| Refused {
        id: Value::Null,
        code: -32700,
        message: "Parse error: the body is not valid JSON".into(),
        reason: "parse_error",
    })?;
    let id = || message.get("id").cloned().unwrap_or(Value::Null);
    if !is_jsonrpc(&message) {
        return Err(Refused {
            id: id(),
            code: -32600,
            message: "Invalid Request: not a JSON-RPC 2.0 message".into(),
            reason: "invalid_request",
        });
    }
    if message.get("method").and_then(Value::as_str) == Some("initialize") && bytes.len() > MAX_INITIALIZE_BYTES {
        return Err(Refused {
            id: id(),
            code: -32602,
            message: format!("initialize params are larger than {} KiB", MAX_INITIALIZE_BYTES / 1024),
            reason: "initialize_too_large",
        });
    }
    Ok(message)
}

/// What a POST body sent with `headers` says: parsed when it is JSON (other media types are
/// rmcp's to refuse, 415), and classified; or the refusal of a body that is no JSON-RPC.
fn inspect_body(headers: &HeaderMap, bytes: &Bytes) -> Result<Inspected, Refused> {
    let message = if is_json(headers) { Some(parse(bytes)?) } else { None };
    Ok(classify(message, headers))
}

fn classify(message: Option<Value>, headers: &HeaderMap) -> Inspected {
    let stateless = is_stateless(message.as_ref(), headers);
    let initialize = is_initialize(message.as_ref());
    Inspected { message, stateless, initialize }
}

/// The request with what its body says in its extensions ([`Inspected`]; the body buffered, for
/// rmcp to read again), or the refusal of a body too large or no JSON-RPC.
pub async fn read(req: Request) -> Result<Request, Response> {
    let (mut parts, body) = req.into_parts();
    let inspected;
    let body = if parts.method == Method::POST {
        let bytes = match to_bytes(body, MCP_BODY_LIMIT).await {
            Ok(b) => b,
            Err(_) => {
                let description = format!("request body larger than {} MiB", MCP_BODY_LIMIT / (1024 * 1024));
                let status = StatusCode::PAYLOAD_TOO_LARGE;
                return Err(super::error::McpError::InvalidRequest { status, description, reason: "body_too_large" }
                    .into_response());
            }
        };
        match inspect_body(&parts.headers, &bytes) {
            Ok(found) => inspected = found,
            Err(refused) => return Err(refused.into_response()),
        }
        Body::from(bytes)
    } else {
        inspected = classify(None, &parts.headers);
        body
    };
    if inspected.stateless {
        parts.headers.remove(super::sessions::SESSION_HEADER);
        parts.headers.remove("last-event-id");
    }
    parts.extensions.insert(inspected);
    Ok(Request::from_parts(parts, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn headers(version: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = version {
            h.insert("mcp-protocol-version", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_era_follows_rmcp_s_rule() {
        let modern_meta = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
            PROTOCOL_VERSION_META: "2026-07-28", CLIENT_CAPABILITIES_META: {}}}});
        assert!(is_stateless(Some(&modern_meta), &headers(None)));
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}}});
        assert!(!is_stateless(Some(&init), &headers(Some("2026-07-28"))));
        // Not decodable as initialize: a removed method on the stateless wire.
        let mut removed = modern_meta.clone();
        removed["method"] = json!("initialize");
        assert!(is_stateless(Some(&removed), &headers(None)));
        let plain = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
        assert!(!is_stateless(Some(&plain), &headers(Some("2025-06-18"))));
        assert!(is_stateless(Some(&plain), &headers(Some("2026-07-28"))));
        assert!(!is_stateless(Some(&plain), &headers(None)));
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        assert!(!is_stateless(Some(&note), &headers(Some("2025-11-25"))));
        assert!(is_stateless(None, &headers(Some("2026-07-28"))));
    }

    async fn code(body: &str) -> Option<i64> {
        let resp = parse(&Bytes::from(body.to_owned())).err()?.into_response();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let bytes = to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["jsonrpc"], "2.0");
        v["error"]["code"].as_i64()
    }

    #[tokio::test]
    async fn bodies_that_are_not_json_rpc_get_json_rpc_errors() {
        assert_eq!(code("{not json").await, Some(-32700));
        assert_eq!(code(r#"{"id": 1}"#).await, Some(-32600));
        assert_eq!(code("[]").await, Some(-32600));
        assert_eq!(code(r#""text""#).await, Some(-32600));
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).await, None);
        let big = json!({"jsonrpc": "2.0", "id": 7, "method": "initialize",
            "params": {"clientInfo": {"name": "x".repeat(MAX_INITIALIZE_BYTES)}}});
        assert_eq!(code(&big.to_string()).await, Some(-32602));
    }
}
