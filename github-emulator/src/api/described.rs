//! Requests checked against GitHub's own REST description (the vendored subset in
//! `openapi/api.github.com.json`, see `tests/openapi.rs`): every query parameter and every
//! top-level JSON body property of a documented operation must be one the description names for it. GitHub itself ignores what it does not know, so a tool
//! sending a misspelt or invented parameter would work against nothing; here it is answered 400
//! with what is wrong, and a tool and the emulator cannot share that misunderstanding unnoticed.
//! A missing required parameter is left to the handlers: GitHub answers it with its own 422
//! validation error, and so does the emulator.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, OnceLock},
};

use axum::{
    body::{Body, to_bytes},
    extract::{MatchedPath, Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::Value;

const SUBSET: &str = include_str!("../../openapi/api.github.com.json");

/// What a documented operation accepts.
#[derive(Debug, Default)]
struct Accepts {
    query: BTreeSet<String>,
    /// `None`: no JSON object body is described (any top-level property is unchecked).
    body: Option<BTreeSet<String>>,
}

/// A path with its parameter names blanked: `/repos/{owner}/{repo}` → `/repos/{}/{}`.
pub fn template(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/")) {
        Some(pointer) => spec.pointer(&format!("/{pointer}")).unwrap_or(&Value::Null),
        None => node,
    }
}

fn index() -> &'static HashMap<String, Accepts> {
    static INDEX: OnceLock<HashMap<String, Accepts>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let spec: Value = serde_json::from_str(SUBSET).unwrap_or_default();
        let mut index = HashMap::new();
        for (path, methods) in spec["paths"].as_object().into_iter().flatten() {
            for (method, op) in methods.as_object().into_iter().flatten() {
                let mut accepts = Accepts::default();
                for p in op["parameters"].as_array().into_iter().flatten().map(|p| resolve(&spec, p)) {
                    if p["in"] == "query"
                        && let Some(name) = p["name"].as_str()
                    {
                        accepts.query.insert(name.to_owned());
                    }
                }
                let schema = resolve(&spec, &op["requestBody"]);
                let schema = resolve(&spec, &schema["content"]["application/json"]["schema"]);
                if let Some(props) = schema["properties"].as_object()
                    && schema["additionalProperties"] != true
                {
                    accepts.body = Some(props.keys().cloned().collect());
                }
                index.insert(format!("{} {}", method.to_ascii_uppercase(), template(path)), accepts);
            }
        }
        index
    })
}

/// What is wrong with a request for `key` (`METHOD /blanked/template`), if anything.
fn problems(key: &str, query: Option<&str>, body: &[u8]) -> Vec<String> {
    // Which routes are documented operations is checked statically (tests/openapi.rs); what is not
    // one here (a listed exception, a method the route does not serve) is the router's to answer.
    let Some(accepts) = index().get(key) else { return Vec::new() };
    let mut out = Vec::new();
    let sent: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    for (name, _) in &sent {
        if !accepts.query.contains(name) {
            out.push(format!("query parameter `{name}` is not documented for {key}"));
        }
    }
    if let (Some(props), Ok(Value::Object(sent))) = (&accepts.body, serde_json::from_slice::<Value>(body)) {
        for name in sent.keys() {
            if !props.contains(name) {
                out.push(format!("body property `{name}` is not documented for {key}"));
            }
        }
    }
    out
}

/// Route middleware: refuses (400) what GitHub's description does not document. The state is the
/// API prefix that matched paths carry (`/api/v3` for Enterprise Server), or empty.
pub(crate) async fn check(State(prefix): State<Arc<str>>, req: Request, next: Next) -> Response {
    let Some(path) = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()) else {
        return next.run(req).await;
    };
    let route = path.strip_prefix(&*prefix).unwrap_or(&path);
    let key = format!("{} {}", req.method(), template(route));
    let query = req.uri().query().map(str::to_owned);
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, 8 * 1024 * 1024).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let found = problems(&key, query.as_deref(), &bytes);
    if !found.is_empty() {
        tracing::warn!(problems = ?found, "request not in GitHub's REST description");
        let body = serde_json::json!({
            "message": format!("github-emulator: not as GitHub's REST description documents it: {}", found.join("; ")),
            "documentation_url": "https://docs.github.com/rest",
        });
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_s_rules_are_applied() {
        assert!(problems("GET /repos/{}/{}/issues", Some("state=open&per_page=5"), b"").is_empty());
        assert_eq!(problems("GET /repos/{}/{}/issues", Some("colour=red"), b"").len(), 1);
        assert!(problems("POST /repos/{}/{}/issues", None, br#"{"title":"t","body":"b"}"#).is_empty());
        // A missing required property is GitHub's own 422, answered by the handler.
        assert!(problems("POST /repos/{}/{}/issues", None, br#"{"body":"b"}"#).is_empty());
        let unknown = problems("POST /repos/{}/{}/issues", None, br#"{"title":"t","priority":1}"#);
        assert!(unknown.iter().any(|p| p.contains("`priority`")), "{unknown:?}");
        assert!(problems("DELETE /repos/{}/{}/issues", None, b"").is_empty(), "the router's 404, not ours");
    }
}
