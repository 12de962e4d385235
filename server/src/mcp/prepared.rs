//! Replies prepared once: `tools/list`, `server/discover` and legacy `ping` answer the same bytes to
//! every request with the same configuration, visible tools and protocol era, so their results are
//! serialized once and each request gets them with its own id, without a trip through rmcp (its
//! second parse of the body, a handler, a peer, a spawned task and a 60 KB serialization).
//!
//! Only a request that rmcp would answer with exactly that result is answered here: a plain
//! request (an integer or string id, no params but `_meta`, no cursor) whose every header and
//! `_meta` entry passes the checks rmcp makes, checked the same way (its own types decode `_meta`).
//! Anything else (an `Origin`, a cursor, a batch, an unknown protocol version, a quoted `Accept`, a
//! `_meta` with other entries, …) goes on to rmcp, which answers or refuses it as before. The tests
//! compare every answer given here with rmcp's own for the same request, byte for byte.
//!
//! Results are kept per visible-tool set and era, at most [`MAX_VARIANTS`] of them (the operator's
//! selection narrowed by the request's `X-MCP-*` headers: a handful in practice); past that, a
//! variant is serialized for its request and not kept.

use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::{HeaderMap, Method, StatusCode, header},
    response::Response,
};
use dashmap::DashMap;
use rmcp::model::{ClientCapabilities, ProtocolVersion, ServerResult};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{
    message::{CLIENT_CAPABILITIES_META, Inspected, PROTOCOL_VERSION_META, STATELESS_FROM},
    scopes::RequestSelection,
    server::GatewayServer,
};
use crate::config::toolsets::Selection;

/// Most result variants kept (visible-tool sets × eras).
pub const MAX_VARIANTS: usize = 64;

const CLIENT_INFO_META: &str = "io.modelcontextprotocol/clientInfo";

/// The methods answered here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    ToolsList,
    Discover,
    Ping,
}

/// A request this module may answer: its method, era and id (as JSON text).
#[derive(Debug)]
struct Plain {
    method: Kind,
    stateless: bool,
    id: Vec<u8>,
}

pub struct Prepared {
    server: GatewayServer,
    /// The `Host` names (and ports, where one is given) `/mcp` accepts, as rmcp reads them.
    hosts: Vec<(String, Option<u16>)>,
    lists: DashMap<(Box<[u64]>, bool), Bytes>,
    discover: Bytes,
    ping: Bytes,
}

impl Prepared {
    /// Results for `server`, whose requests are accepted from `hosts` (rmcp's allowed hosts; with
    /// none, rmcp accepts any host, and nothing is answered here).
    pub fn new(server: GatewayServer, hosts: &[String]) -> Result<Self, serde_json::Error> {
        let discover = result_bytes(ServerResult::DiscoverResult(server.discover_result()), true)?;
        let ping = result_bytes(ServerResult::empty(()), false)?;
        let hosts = hosts
            .iter()
            .map(|h| h.trim())
            .filter(|h| !h.is_empty())
            .map(|h| match http::uri::Authority::try_from(h) {
                Ok(a) => (normalize_host(a.host()), a.port_u16()),
                Err(_) => (normalize_host(h), None),
            })
            .collect();
        Ok(Self { server, hosts, lists: DashMap::new(), discover, ping })
    }

    /// The reply to `req` when it is one answered here; `None` hands it on to rmcp unchanged. The
    /// body's verdict and the request's selection are the ones the guard attached to it.
    pub fn answer(&self, req: &Request) -> Option<Response> {
        if req.method() != Method::POST {
            return None;
        }
        // The body first: most requests (every tools/call) are told apart by their method alone.
        let inspected = req.extensions().get::<Inspected>()?;
        let plain = plain(inspected.message.as_ref()?, req.headers(), inspected.stateless)?;
        if !self.headers_allow(req.headers()) {
            return None;
        }
        let result = match plain.method {
            Kind::ToolsList => {
                let RequestSelection(selection) = req.extensions().get::<RequestSelection>()?;
                self.list(selection, plain.stateless)?
            }
            Kind::Discover => self.discover.clone(),
            Kind::Ping => self.ping.clone(),
        };
        Some(reply(&plain.id, &result))
    }

    /// The serialized `tools/list` result for `selection` in this era, kept once made.
    fn list(&self, selection: &Selection, stateless: bool) -> Option<Bytes> {
        let key = (self.server.tools().visible_set(selection), stateless);
        if let Some(bytes) = self.lists.get(&key) {
            return Some(bytes.clone());
        }
        let result = self.server.list_result(selection, stateless);
        let bytes = result_bytes(ServerResult::ListToolsResult(result), stateless).ok()?;
        if self.lists.len() < MAX_VARIANTS {
            self.lists.insert(key, bytes.clone());
        }
        Some(bytes)
    }

    /// The headers rmcp checks for every method, accepted only in their plainest form: an allowed
    /// `Host`, no `Origin`, and an `Accept` naming both media types bare. (The content type was
    /// checked when the body was parsed: [`Inspected::message`] is `Some` only for JSON.)
    fn headers_allow(&self, headers: &HeaderMap) -> bool {
        let host_allowed = single(headers, header::HOST.as_str())
            .flatten()
            .and_then(|h| http::uri::Authority::try_from(h).ok())
            .is_some_and(|a| {
                let host = normalize_host(a.host());
                self.hosts.iter().any(|(h, port)| *h == host && port.is_none_or(|p| a.port_u16() == Some(p)))
            });
        host_allowed && !headers.contains_key(header::ORIGIN) && accepts_both(headers)
    }
}

/// rmcp's normalization of a host name.
fn normalize_host(host: &str) -> String {
    host.trim_matches('[').trim_matches(']').to_ascii_lowercase()
}

/// `Accept` lists `application/json` and `text/event-stream` as bare entries (no parameters, no
/// quoting anywhere, where rmcp's own parse of quoted strings could read the list differently).
fn accepts_both(headers: &HeaderMap) -> bool {
    let (mut json, mut sse) = (false, false);
    for value in headers.get_all(header::ACCEPT) {
        let Ok(text) = value.to_str() else { return false };
        if text.contains('"') {
            return false;
        }
        for entry in text.split(',').map(str::trim) {
            json |= entry.eq_ignore_ascii_case("application/json");
            sse |= entry.eq_ignore_ascii_case("text/event-stream");
        }
    }
    json && sse
}

/// The one value of header `name`, when it is sent once and is text.
fn single<'a>(headers: &'a HeaderMap, name: &str) -> Option<Option<&'a str>> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Some(None),
        (Some(v), None) => v.to_str().ok().map(Some),
        _ => None,
    }
}

/// `message` as a [`Plain`] request, when it is one (see the module comment).
fn plain(message: &Value, headers: &HeaderMap, stateless: bool) -> Option<Plain> {
    let m = message.as_object()?;
    if !m.keys().all(|k| matches!(k.as_str(), "jsonrpc" | "id" | "method" | "params")) {
        return None;
    }
    let name = m.get("method")?.as_str()?;
    let method = match name {
        "tools/list" => Kind::ToolsList,
        "server/discover" => Kind::Discover,
        "ping" => Kind::Ping,
        _ => return None,
    };
    let id = match m.get("id")? {
        id @ Value::Number(n) if n.is_i64() => serde_json::to_vec(id).ok()?,
        id @ Value::String(_) => serde_json::to_vec(id).ok()?,
        _ => return None,
    };
    let meta = match m.get("params") {
        None => None,
        Some(Value::Object(p)) => match (p.len(), p.get("_meta")) {
            (0, None) => None,
            (1, Some(Value::Object(meta))) => Some(meta),
            _ => return None,
        },
        Some(_) => return None,
    };
    let version = single(headers, "mcp-protocol-version")?;
    if stateless {
        // 2026-07-28: the version and capabilities in `_meta`, the same version in the header, and
        // the method named by `Mcp-Method` (SEP-2243). `ping` is not a method of this revision.
        let latest = ProtocolVersion::V_2026_07_28;
        let meta = meta?;
        if method == Kind::Ping
            || version != Some(latest.as_str())
            || single(headers, "mcp-method")? != Some(name)
            || !modern_meta(meta, &latest)
        {
            return None;
        }
    } else {
        // 2025 revisions: no `_meta`, and a header version, if any, that rmcp knows. Discover has
        // no legacy form.
        let known = version.is_none_or(|v| ProtocolVersion::KNOWN_VERSIONS.iter().any(|k| k.as_str() == v));
        if meta.is_some() || method == Kind::Discover || !known || version.is_some_and(|v| v >= STATELESS_FROM) {
            return None;
        }
    }
    Some(Plain { method, stateless, id })
}

/// A 2026-07-28 `_meta` rmcp accepts: the protocol version `latest`, client capabilities that
/// decode as rmcp's, and optionally the client's identity, nothing else.
fn modern_meta(meta: &Map<String, Value>, latest: &ProtocolVersion) -> bool {
    let known = |k: &str| matches!(k, PROTOCOL_VERSION_META | CLIENT_CAPABILITIES_META | CLIENT_INFO_META);
    meta.keys().all(|k| known(k))
        && meta.get(PROTOCOL_VERSION_META).and_then(Value::as_str) == Some(latest.as_str())
        && meta.get(CLIENT_CAPABILITIES_META).is_some_and(|c| ClientCapabilities::deserialize(c).is_ok())
        && meta.get(CLIENT_INFO_META).is_none_or(|i| rmcp::model::Implementation::deserialize(i).is_ok())
}

/// A result as rmcp's handler finishes it for the request's era (as `rmcp::handler::server` does
/// after every handler: 2026-07-28 results get their missing cache hints, older peers lose the
/// `resultType` and any non-object tool output they do not know) and writes it in a response.
fn result_bytes(mut result: ServerResult, stateless: bool) -> Result<Bytes, serde_json::Error> {
    if stateless {
        result.fill_missing_cache_hints();
    } else {
        result.strip_result_type_for_legacy_peer();
        result.strip_non_object_output_for_legacy_peer();
    }
    serde_json::to_vec(&result).map(Bytes::from)
}

/// The response rmcp writes for a result: `{"jsonrpc":"2.0","id":…,"result":…}` as
/// `application/json`. The result's shared bytes are sent as they are, never copied.
fn reply(id: &[u8], result: &Bytes) -> Response {
    const HEAD: &[u8] = br#"{"jsonrpc":"2.0","id":"#;
    const MIDDLE: &[u8] = br#","result":"#;
    let mut head = Vec::with_capacity(HEAD.len() + id.len() + MIDDLE.len());
    head.extend_from_slice(HEAD);
    head.extend_from_slice(id);
    head.extend_from_slice(MIDDLE);
    let body = Chunks([Bytes::from(head), result.clone(), Bytes::from_static(b"}")].into());
    let mut response = Response::new(Body::new(body));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    response
}

/// A body of a few chunks of known total length, so hyper sends a `Content-Length` (as for one
/// buffer) and writes the chunks out without joining them.
struct Chunks(std::collections::VecDeque<Bytes>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.get_mut().0.pop_front().map(|chunk| Ok(http_body::Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.0.iter().map(|c| c.len() as u64).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{mcp::Shared, state::AppState};
    use axum::body::to_bytes;
    use serde_json::json;
    use tower::ServiceExt;

    const MODERN: &str = "2026-07-28";

    async fn state() -> AppState {
        AppState::new(crate::config::for_tests()).await.unwrap()
    }

    /// `body` with `headers` as it reaches the innermost service: inspected, with its selection.
    async fn request(state: &AppState, headers: &[(&str, &str)], body: &Value) -> Request {
        let mut req = Request::post("/mcp").body(Body::from(body.to_string())).unwrap();
        for (name, value) in headers {
            req.headers_mut().append(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                header::HeaderValue::from_str(value).unwrap(),
            );
        }
        let Ok(mut req) = super::super::message::read(req).await else { panic!("the body read refused {body}") };
        let selection = state.config.selection().narrowed(req.headers());
        req.extensions_mut().insert(super::super::scopes::RequestSelection(std::sync::Arc::new(selection)));
        req
    }

    async fn parts(resp: Response) -> (StatusCode, Vec<(String, Vec<u8>)>, Bytes) {
        let status = resp.status();
        let mut headers: Vec<_> =
            resp.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec())).collect();
        headers.sort();
        (status, headers, to_bytes(resp.into_body(), 1 << 24).await.unwrap())
    }

    fn legacy(version: Option<&str>) -> Vec<(&str, &str)> {
        let mut h = vec![
            ("host", "mcp.example.com"),
            ("accept", "application/json, text/event-stream"),
            ("content-type", "application/json"),
        ];
        if let Some(v) = version {
            h.push(("mcp-protocol-version", v));
        }
        h
    }

    fn modern(method: &'static str) -> Vec<(&'static str, &'static str)> {
        let mut h = legacy(Some(MODERN));
        h.push(("mcp-method", method));
        h
    }

    type Headers = Vec<(&'static str, &'static str)>;

    fn with(mut h: Headers, extra: &[(&'static str, &'static str)]) -> Headers {
        h.extend_from_slice(extra);
        h
    }

    fn without(h: Headers, name: &str) -> Headers {
        h.into_iter().filter(|(k, _)| *k != name).collect()
    }

    /// `h` with header `name` (every value of it) replaced by `value`.
    fn set(h: Headers, name: &'static str, value: &'static str) -> Headers {
        with(without(h, name), &[(name, value)])
    }

    fn meta() -> Value {
        json!({"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}})
    }

    fn msg(id: Value, method: &str, params: Option<Value>) -> Value {
        let mut m = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if let Some(p) = params {
            m["params"] = p;
        }
        m
    }

    #[tokio::test]
    async fn prepared_replies_are_byte_for_byte_what_rmcp_answers() {
        let state = state().await;
        let registry = crate::mcp::tools::Registry::shared();
        let origins = vec!["https://mcp.example.com".to_owned()];
        let fast = Shared::new(&state, registry.clone(), origins.clone(), true);
        let plain = Shared::new(&state, registry, origins, false);
        let prepared = fast.prepared.clone().unwrap();
        let cases: Vec<(Vec<(&str, &str)>, Value)> = vec![
            (legacy(Some("2025-06-18")), msg(json!(1), "tools/list", None)),
            (legacy(None), msg(json!("a \"quoted\" \u{2028} id"), "tools/list", Some(json!({})))),
            (legacy(Some("2025-03-26")), msg(json!(-5), "ping", None)),
            (legacy(Some("2025-11-25")), msg(json!(i64::MAX), "ping", Some(json!({})))),
            (modern("tools/list"), msg(json!(7), "tools/list", Some(json!({"_meta": meta()})))),
            (modern("server/discover"), msg(json!("d"), "server/discover", Some(json!({"_meta": meta()})))),
            (modern("tools/list"), {
                let mut m = meta();
                m["io.modelcontextprotocol/clientInfo"] = json!({"name": "c", "version": "1"});
                m["io.modelcontextprotocol/clientCapabilities"] = json!({"roots": {"listChanged": true}});
                msg(json!(8), "tools/list", Some(json!({"_meta": m})))
            }),
            // A narrowed selection, and the other allowed host forms.
            (
                with(legacy(Some("2025-06-18")), &[("x-mcp-toolsets", "issues,repos"), ("x-mcp-readonly", "1")]),
                msg(json!(2), "tools/list", None),
            ),
            (
                with(modern("tools/list"), &[("x-mcp-tools", "get_me,list_issues")]),
                msg(json!(3), "tools/list", Some(json!({"_meta": meta()}))),
            ),
            (
                vec![
                    ("host", "LOCALHOST:8080"),
                    ("accept", "text/event-stream,application/json;q=0.9, application/json"),
                    ("content-type", "application/json; charset=utf-8"),
                ],
                msg(json!(4), "tools/list", None),
            ),
            (set(legacy(None), "host", "[::1]:9"), msg(json!(5), "ping", None)),
        ];
        for (headers, body) in &cases {
            let fast_reply = prepared.answer(&request(&state, headers, body).await);
            let Some(fast_reply) = fast_reply else { panic!("not answered from prepared bytes: {headers:?} {body}") };
            let expected = plain.clone().oneshot(request(&state, headers, body).await).await.unwrap();
            let (want, got) = (parts(expected).await, parts(fast_reply).await);
            assert_eq!(got.0, want.0, "{body}");
            assert_eq!(got.1, want.1, "{body}");
            if got.2 != want.2 {
                let at =
                    got.2.iter().zip(want.2.iter()).position(|(a, b)| a != b).unwrap_or(got.2.len().min(want.2.len()));
                let window =
                    |b: &Bytes| String::from_utf8_lossy(&b[at.saturating_sub(80)..(at + 80).min(b.len())]).into_owned();
                panic!("{body}: differs at byte {at}:\nprepared …{}…\nrmcp     …{}…", window(&got.2), window(&want.2));
            }
            let reply: Value = serde_json::from_slice(&got.2).unwrap();
            assert_eq!(reply["id"], body["id"]);
            assert!(reply["result"].is_object(), "{reply}");
        }
        // The toolsets narrowed the list, and the same variant is kept once per era.
        let narrowed = parts(prepared.answer(&request(&state, &cases[7].0, &cases[7].1).await).unwrap()).await;
        let full = parts(prepared.answer(&request(&state, &cases[0].0, &cases[0].1).await).unwrap()).await;
        assert!(narrowed.2.len() < full.2.len());
        assert_eq!(prepared.lists.len(), 4, "variants: legacy full, modern full, narrowed ×2");
    }

    #[tokio::test]
    async fn anything_but_a_plain_request_is_left_to_rmcp() {
        let state = state().await;
        let registry = crate::mcp::tools::Registry::shared();
        let fast = Shared::new(&state, registry, vec!["https://mcp.example.com".to_owned()], true);
        let prepared = fast.prepared.clone().unwrap();
        let list = msg(json!(1), "tools/list", None);
        let modern_list = msg(json!(1), "tools/list", Some(json!({"_meta": meta()})));
        let mut bad_caps = meta();
        bad_caps["io.modelcontextprotocol/clientCapabilities"] = json!({"roots": 5});
        let mut extra_meta = meta();
        extra_meta["io.modelcontextprotocol/logLevel"] = json!("debug");
        let mut old_meta = meta();
        old_meta["io.modelcontextprotocol/protocolVersion"] = json!("2025-06-18");
        type Case = (&'static str, Vec<(&'static str, &'static str)>, Value);
        let cases: Vec<Case> = vec![
            ("an Origin", with(legacy(None), &[("origin", "https://mcp.example.com")]), list.clone()),
            ("another host", set(legacy(None), "host", "evil.example"), list.clone()),
            ("no host", without(legacy(None), "host"), list.clone()),
            ("two hosts", with(legacy(None), &[("host", "localhost")]), list.clone()),
            ("no event-stream", set(legacy(None), "accept", "application/json"), list.clone()),
            (
                "quoted accept",
                set(legacy(None), "accept", "text/x;a=\"b, application/json, c\", text/event-stream"),
                list.clone(),
            ),
            ("not JSON", set(legacy(None), "content-type", "text/plain"), list.clone()),
            ("an unknown version", legacy(Some("2099-01-01")), list.clone()),
            ("two versions", with(legacy(Some("2025-06-18")), &[("mcp-protocol-version", "2025-06-18")]), list.clone()),
            ("a cursor", legacy(None), msg(json!(1), "tools/list", Some(json!({"cursor": "x"})))),
            ("a null id", legacy(None), msg(Value::Null, "tools/list", None)),
            ("a fractional id", legacy(None), msg(json!(1.5), "tools/list", None)),
            ("a huge id", legacy(None), msg(json!(u64::MAX), "tools/list", None)),
            ("a boolean id", legacy(None), msg(json!(true), "tools/list", None)),
            ("a notification", legacy(None), json!({"jsonrpc": "2.0", "method": "ping"})),
            ("a batch", legacy(None), json!([list.clone()])),
            ("an extra member", legacy(None), {
                let mut m = list.clone();
                m["extra"] = json!(1);
                m
            }),
            ("null params", legacy(None), msg(json!(1), "tools/list", Some(Value::Null))),
            (
                "a legacy _meta",
                legacy(Some("2025-06-18")),
                msg(json!(1), "tools/list", Some(json!({"_meta": {"progressToken": 1}}))),
            ),
            ("another method", legacy(None), msg(json!(1), "tools/call", Some(json!({"name": "get_me"})))),
            ("a legacy discover", legacy(None), msg(json!(1), "server/discover", None)),
            ("a modern ping", modern("ping"), msg(json!(1), "ping", Some(json!({"_meta": meta()})))),
            ("no Mcp-Method", legacy(Some(MODERN)), modern_list.clone()),
            ("another Mcp-Method", modern("tools/call"), modern_list.clone()),
            ("two Mcp-Methods", with(modern("tools/list"), &[("mcp-method", "tools/list")]), modern_list.clone()),
            ("no header version", without(modern("tools/list"), "mcp-protocol-version"), modern_list.clone()),
            ("a modern header without _meta", modern("tools/list"), list.clone()),
            (
                "malformed capabilities",
                modern("tools/list"),
                msg(json!(1), "tools/list", Some(json!({"_meta": bad_caps}))),
            ),
            (
                "another _meta entry",
                modern("tools/list"),
                msg(json!(1), "tools/list", Some(json!({"_meta": extra_meta}))),
            ),
            (
                "an older _meta version",
                modern("tools/list"),
                msg(json!(1), "tools/list", Some(json!({"_meta": old_meta}))),
            ),
        ];
        for (what, headers, body) in &cases {
            let req = request(&state, headers, body).await;
            assert!(prepared.answer(&req).is_none(), "{what}: answered from prepared bytes");
            // rmcp answers it: a reply, whatever it is.
            let resp = fast.clone().oneshot(req).await.unwrap();
            assert!(resp.status().as_u16() >= 200, "{what}");
        }
    }

    #[tokio::test]
    async fn a_reply_is_the_json_rmcp_writes() {
        for id in [rmcp::model::NumberOrString::Number(-3), rmcp::model::NumberOrString::String("x\"y\u{7f}".into())] {
            let result = ServerResult::empty(());
            let message = rmcp::model::ServerJsonRpcMessage::response(result.clone(), id.clone());
            let id_bytes = serde_json::to_vec(&id).unwrap();
            let resp = reply(&id_bytes, &result_bytes(result, false).unwrap());
            assert_eq!(
                http_body::Body::size_hint(resp.body()).exact(),
                Some(serde_json::to_vec(&message).unwrap().len() as u64)
            );
            let body = to_bytes(resp.into_body(), 1 << 20).await.unwrap();
            assert_eq!(body, serde_json::to_vec(&message).unwrap());
        }
    }
}
