//! Requests and responses checked against GitHub's own REST description (the vendored subset in
//! `openapi/api.github.com.json`, see `tests/openapi.rs`).
//!
//! - **Requests.** Every query parameter and every top-level JSON body property of a documented
//!   operation must be one the description names for it: GitHub ignores what it does not know, so
//!   a tool sending a misspelt or invented parameter would work against nothing; here it is
//!   answered 400 with what is wrong. A required one that is missing is the handler's to refuse
//!   with GitHub's own 422; a handler that accepts it anyway is answered 500, so a tool that omits
//!   it and an emulator that does not mind are both caught.
//! - **Responses.** Every JSON body the emulator answers for a documented operation must validate
//!   against the schema the description gives for its status (OpenAPI 3.0's `nullable` turned into
//!   JSON Schema); an error status the operation does not list must still be GitHub's
//!   `basic-error`. A body that does not is replaced by a 500 naming what is wrong, so every test
//!   that reaches it fails, and a tool and the emulator cannot share a misunderstanding of GitHub
//!   unnoticed.
//!
//! Where GitHub's real behaviour differs from its description the emulator keeps the real
//! behaviour, and the check allows it (each is exercised, with its reason, by
//! `tests/openapi.rs`'s `github_s_real_behaviour_is_kept_where_its_description_differs`):
//! - an error status an operation lists without a body (the description's `422: Unprocessable
//!   Entity if user is not a collaborator`) is `basic-error` too, as GitHub sends it;
//! - an error status an operation does not list is still `basic-error` (GitHub answers 404 for
//!   what the caller may not see on every operation);
//! - a query parameter GitHub's REST docs document but the description lacks is accepted where
//!   `UNDESCRIBED_QUERY` lists it;
//! - `oneOf` is read as `anyOf`: the description's alternatives overlap (`basic-error` and
//!   `repository-rule-violation-error` both match a 409).
//!
//! Not checked: response headers (`Link` pagination, rate-limit headers), which the description
//! only names; routes outside the description (the OAuth web flow, downloads), listed in
//! `tests/openapi.rs`.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex, OnceLock},
};

use axum::{
    body::{Body, to_bytes},
    extract::{MatchedPath, Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::errors::REST_DOCS;

const SUBSET: &str = include_str!("../../openapi/api.github.com.json");

/// Query parameters GitHub accepts and documents on docs.github.com that the OpenAPI description
/// leaves out, by operation, with the reason they are allowed anyway.
const UNDESCRIBED_QUERY: &[(&str, &str, &str)] = &[(
    "GET /repos/{}/{}/code-scanning/alerts",
    "severity",
    "docs.github.com's \"List code scanning alerts for a repository\" filters by it; the description omits it",
)];

/// What a documented operation accepts and answers.
#[derive(Debug, Default)]
struct Operation {
    query: BTreeSet<String>,
    required_query: BTreeSet<String>,
    /// `None`: no JSON object body is described (any top-level property is unchecked).
    body: Option<BTreeSet<String>>,
    required_body: BTreeSet<String>,
    /// Status (`"200"`, `"default"`) → the JSON body schema, `None` when the response has no body.
    responses: HashMap<String, Option<Value>>,
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

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::from_str(SUBSET).unwrap_or_default())
}

fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/")) {
        Some(pointer) => spec.pointer(&format!("/{pointer}")).unwrap_or(&Value::Null),
        None => node,
    }
}

fn names(items: impl Iterator<Item = Value>) -> BTreeSet<String> {
    items.filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

fn index() -> &'static HashMap<String, Operation> {
    static INDEX: OnceLock<HashMap<String, Operation>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let spec = spec();
        let mut index = HashMap::new();
        for (path, methods) in spec["paths"].as_object().into_iter().flatten() {
            for (method, op) in methods.as_object().into_iter().flatten() {
                let mut described = Operation::default();
                for p in op["parameters"].as_array().into_iter().flatten().map(|p| resolve(spec, p)) {
                    if p["in"] == "query"
                        && let Some(name) = p["name"].as_str()
                    {
                        described.query.insert(name.to_owned());
                        if p["required"] == true {
                            described.required_query.insert(name.to_owned());
                        }
                    }
                }
                let schema = resolve(spec, &op["requestBody"]);
                let schema = resolve(spec, &schema["content"]["application/json"]["schema"]);
                if let Some(props) = schema["properties"].as_object()
                    && schema["additionalProperties"] != true
                {
                    described.body = Some(props.keys().cloned().collect());
                    described.required_body = names(schema["required"].as_array().into_iter().flatten().cloned());
                }
                for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    let response = resolve(spec, response);
                    let body = response["content"]["application/json"]["schema"].clone();
                    described.responses.insert(status.clone(), (!body.is_null()).then_some(body));
                }
                let key = format!("{} {}", method.to_ascii_uppercase(), template(path));
                for (_, name, _) in UNDESCRIBED_QUERY.iter().filter(|(op, _, _)| *op == key) {
                    described.query.insert((*name).to_owned());
                }
                index.insert(key, described);
            }
        }
        index
    })
}

/// An OpenAPI 3.0 schema as JSON Schema (draft 4): `nullable: true` becomes "or null".
fn json_schema(node: &Value) -> Value {
    match node {
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> =
                map.iter().filter(|(k, _)| *k != "nullable").map(|(k, v)| (k.clone(), json_schema(v))).collect();
            // oneOf is read as anyOf (module doc).
            if let Some(branches) = out.remove("oneOf") {
                out.insert("anyOf".into(), branches);
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                json!({"anyOf": [{"type": "null"}, Value::Object(out)]})
            } else {
                Value::Object(out)
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(json_schema).collect()),
        other => other.clone(),
    }
}

/// The compiled validator for `schema`, cached under `key` (which names where the schema came
/// from), resolving `#/components/...` against the description.
fn validator(key: String, schema: &Value) -> Result<Arc<jsonschema::Validator>, String> {
    static COMPONENTS: OnceLock<Value> = OnceLock::new();
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(found);
    }
    let components = COMPONENTS.get_or_init(|| json_schema(&spec()["components"]));
    let root = json!({"allOf": [json_schema(schema)], "components": components});
    let compiled = Arc::new(jsonschema::draft4::new(&root).map_err(|e| format!("schema does not compile: {e}"))?);
    if let Ok(mut c) = cache.lock() {
        c.insert(key, compiled.clone());
    }
    Ok(compiled)
}

/// What is wrong with a request for `key` (`METHOD /blanked/template`): the query parameters and
/// body properties the description does not document, and the required ones that are missing.
/// A missing one is the handler's to refuse with GitHub's own 422; one it accepts is a fault.
fn request_problems(key: &str, query: Option<&str>, body: &[u8]) -> (Vec<String>, Vec<String>) {
    // Which routes are documented operations is checked statically (tests/openapi.rs); what is not
    // one here (a listed exception, a method the route does not serve) is the router's to answer.
    let Some(described) = index().get(key) else { return Default::default() };
    let sent: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    let mut unknown: Vec<String> = sent
        .iter()
        .filter(|(name, _)| !described.query.contains(name))
        .map(|(name, _)| format!("query parameter `{name}` is not documented for {key}"))
        .collect();
    let mut missing: Vec<String> =
        described.required_query.iter().filter(|name| !sent.iter().any(|(n, _)| n == *name)).cloned().collect();
    if let (Some(props), Ok(Value::Object(sent))) = (&described.body, serde_json::from_slice::<Value>(body)) {
        unknown.extend(
            sent.keys()
                .filter(|name| !props.contains(*name))
                .map(|name| format!("body property `{name}` is not documented for {key}")),
        );
        missing.extend(described.required_body.iter().filter(|name| !sent.contains_key(*name)).cloned());
    }
    (unknown, missing)
}

/// What is wrong with a response body for `key`, if anything (empty: it is as described).
fn response_problems(key: &str, status: StatusCode, body: &[u8]) -> Vec<String> {
    let Some(described) = index().get(key) else { return Vec::new() };
    static BASIC_ERROR: OnceLock<Value> = OnceLock::new();
    let documented = [status.as_str(), "default"]
        .into_iter()
        .find_map(|listed| described.responses.get(listed).map(|schema| (listed, schema)));
    let (cache_key, schema) = match documented {
        Some((listed, Some(schema))) => (format!("{key} {listed}"), schema),
        Some((_, None)) if body.is_empty() => return Vec::new(),
        // An error status documented without a body (`422: Unprocessable Entity if user is not a
        // collaborator`) still gets GitHub's basic-error JSON, as every error answer does.
        // An error status the operation does not list is still GitHub's basic-error (module doc).
        Some((_, None)) | None if status.is_client_error() || status.is_server_error() => {
            ("basic-error".to_owned(), BASIC_ERROR.get_or_init(|| json!({"$ref": "#/components/schemas/basic-error"})))
        }
        Some((_, None)) => return vec![format!("{status} is documented without a body for {key}, but one was sent")],
        None => return vec![format!("status {status} is not documented for {key}")],
    };
    let instance: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return vec![format!("{status} body for {key} is not JSON: {e}")],
    };
    match validator(cache_key, schema) {
        Ok(v) => v
            .iter_errors(&instance)
            .take(5)
            .map(|e| format!("{status} body for {key} at `{}`: {e}", e.instance_path()))
            .collect(),
        Err(e) => vec![format!("{key}: {e}")],
    }
}

fn refusal(status: StatusCode, message: String) -> Response {
    (status, axum::Json(json!({"message": message, "documentation_url": REST_DOCS}))).into_response()
}

/// What [`check`] needs: the API prefix matched paths carry (`/api/v3` for Enterprise Server, or
/// empty), and whether responses are checked too.
#[derive(Debug, Clone)]
pub(crate) struct Checks {
    prefix: Arc<str>,
    responses: bool,
}

impl Checks {
    pub fn new(prefix: &str, responses: bool) -> Self {
        Self { prefix: prefix.into(), responses }
    }
}

/// Route middleware: refuses what GitHub's description does not document, and checks what the
/// handler answers against it.
pub(crate) async fn check(State(checks): State<Checks>, req: Request, next: Next) -> Response {
    let prefix = &checks.prefix;
    let Some(path) = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()) else {
        return next.run(req).await;
    };
    let route = path.strip_prefix(&**prefix).unwrap_or(&path);
    let key = format!("{} {}", req.method(), template(route));
    let query = req.uri().query().map(str::to_owned);
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, 8 * 1024 * 1024).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let (unknown, missing) = request_problems(&key, query.as_deref(), &bytes);
    if !unknown.is_empty() {
        tracing::warn!(problems = ?unknown, "request not as GitHub's REST description documents it");
        let message = format!("github-emulator: not as GitHub's REST description documents it: {}", unknown.join("; "));
        return refusal(StatusCode::BAD_REQUEST, message);
    }
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !checks.responses || (!json && response.status() != StatusCode::NO_CONTENT) {
        return response; // raw media types (file contents, logs) are not JSON-described
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024 * 1024).await else {
        return refusal(StatusCode::INTERNAL_SERVER_ERROR, "github-emulator: response body unreadable".into());
    };
    let mut found = response_problems(&key, parts.status, &bytes);
    if parts.status.is_success() && !missing.is_empty() {
        // GitHub refuses these with its 422; a handler that accepted one is wrong, and so is the caller.
        found.extend(missing.iter().map(|name| format!("{key} accepted without required `{name}`")));
    }
    if !found.is_empty() {
        tracing::error!(problems = ?found, "emulator response not as GitHub's REST description documents it");
        let message =
            format!("github-emulator: response not as GitHub's REST description documents it: {}", found.join("; "));
        return refusal(StatusCode::INTERNAL_SERVER_ERROR, message);
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::errors::ApiError;

    #[test]
    fn requests_are_held_to_the_description() {
        let none = (Vec::<String>::new(), Vec::<String>::new());
        assert_eq!(request_problems("GET /repos/{}/{}/issues", Some("state=open&per_page=5"), b""), none);
        assert_eq!(request_problems("GET /repos/{}/{}/issues", Some("colour=red"), b"").0.len(), 1);
        assert_eq!(request_problems("POST /repos/{}/{}/issues", None, br#"{"title":"t","body":"b"}"#), none);
        assert_eq!(request_problems("POST /repos/{}/{}/issues", None, br#"{"body":"b"}"#).1, ["title"]);
        assert_eq!(request_problems("GET /search/issues", None, b"").1, ["q"]);
        let (unknown, _) = request_problems("POST /repos/{}/{}/issues", None, br#"{"title":"t","priority":1}"#);
        assert!(unknown.iter().any(|p| p.contains("`priority`")), "{unknown:?}");
        assert_eq!(request_problems("DELETE /repos/{}/{}/issues", None, b""), none, "the router's 404, not ours");
    }

    #[test]
    fn responses_are_held_to_the_description() {
        let label = json!({"id": 1, "node_id": "L", "url": "https://api.github.com/repos/o/r/labels/bug", "name": "bug", "description": null, "color": "d73a4a", "default": true});
        let list = serde_json::to_vec(&json!([label])).unwrap_or_default();
        assert_eq!(response_problems("GET /repos/{}/{}/labels", StatusCode::OK, &list), Vec::<String>::new());
        // `description` is nullable, `color` is not.
        let bad = serde_json::to_vec(&json!([{"id": 1, "node_id": "L", "url": "https://api.github.com/repos/o/r/labels/bug", "name": "bug", "description": null, "color": null, "default": true}])).unwrap_or_default();
        let found = response_problems("GET /repos/{}/{}/labels", StatusCode::OK, &bad);
        assert!(found.iter().any(|p| p.contains("/0/color")), "{found:?}");
        let missing = serde_json::to_vec(&json!([{"id": 1}])).unwrap_or_default();
        assert!(!response_problems("GET /repos/{}/{}/labels", StatusCode::OK, &missing).is_empty());
        assert!(
            !response_problems("GET /repos/{}/{}/labels", StatusCode::ACCEPTED, b"[]").is_empty(),
            "undocumented success"
        );
        assert!(response_problems("GET /user", StatusCode::NOT_MODIFIED, b"").is_empty(), "a documented 304");
    }

    /// The errors the gate answers before any route (bad credentials, rate limits, unknown paths)
    /// and the handlers' validation failures are GitHub's documented error shapes.
    #[test]
    fn the_emulator_s_error_bodies_are_github_s() {
        let body = |e: ApiError| {
            let response = e.into_response();
            let status = response.status();
            let bytes = block_on(to_bytes(response.into_body(), 1 << 20));
            (status, bytes)
        };
        for error in [
            ApiError::not_found(),
            ApiError::requires_authentication(),
            ApiError::bad_credentials(),
            ApiError::rate_limited("user"),
            ApiError::bad_json(),
        ] {
            let (status, bytes) = body(error);
            assert_eq!(response_problems("GET /user", status, &bytes), Vec::<String>::new(), "{status}");
        }
        let (status, bytes) = body(ApiError::validation("Issue", "title", "missing_field"));
        assert_eq!(response_problems("POST /repos/{}/{}/issues", status, &bytes), Vec::<String>::new());
        let (status, bytes) = body(ApiError::invalid_value("Label", "name", "x"));
        assert_eq!(response_problems("POST /repos/{}/{}/issues", status, &bytes), Vec::<String>::new());
    }

    fn block_on<F: std::future::Future<Output = Result<axum::body::Bytes, axum::Error>>>(f: F) -> Vec<u8> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .ok()
            .and_then(|rt| rt.block_on(f).ok())
            .map(|b| b.to_vec())
            .unwrap_or_default()
    }
}
