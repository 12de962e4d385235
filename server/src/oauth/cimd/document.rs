//! What a fetched client metadata document must say before its client may sign in, and the
//! [`ClientRecord`] it becomes (the same record a registered client has, so the rest of the flow is
//! unchanged).
//!
//! Rules (draft-ietf-oauth-client-id-metadata-document §4.1, MCP 2025-11-25):
//! - a JSON object whose `client_id` is byte for byte the URL it was fetched from;
//! - no shared secret: `token_endpoint_auth_method` is `none` (or absent, which can only mean
//!   `none` here), never a `client_secret_*` method, and neither `client_secret` nor
//!   `client_secret_expires_at` appears. `private_key_jwt` is refused too: this server does not
//!   support it;
//! - `redirect_uris` is a non-empty list of strings. Each is checked like a registered one
//!   (`redirect::validate_for_registration`); entries this server does not accept (for example a
//!   private-use scheme the operator did not allow) can never be used, but do not spoil the others.
//!   At least one must be usable;
//! - `grant_types`, `response_types`, `client_name`, `client_uri`, `software_id` and
//!   `software_version` follow the registration rules, checked by the same code
//!   (`client::described`).
//!
//! The document's `scope` is ignored: a document is written for every server, not for this one.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::{
    clock::UnixSecs,
    oauth::{client, redirect},
    store::records::{AuthMethod, ClientRecord},
};

/// Checks the document fetched from `url` and builds its client record, or says what is wrong.
pub fn validate(
    url: &str,
    body: &[u8],
    private_schemes: &BTreeSet<String>,
    now: UnixSecs,
) -> Result<ClientRecord, String> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| format!("it is not JSON ({e})"))?;
    let obj = doc.as_object().ok_or("it is not a JSON object")?;
    match obj.get("client_id") {
        None => return Err("it has no `client_id`".into()),
        Some(Value::String(id)) if id == url => {}
        Some(Value::String(_)) => {
            return Err("its `client_id` differs from the URL it was fetched from (they must be identical)".into());
        }
        Some(_) => return Err("its `client_id` is not a string".into()),
    }
    for secret in ["client_secret", "client_secret_expires_at"] {
        if obj.contains_key(secret) {
            return Err(format!("it carries `{secret}`; a client metadata document must not contain secrets"));
        }
    }
    match obj.get("token_endpoint_auth_method") {
        None | Some(Value::Null) => {}
        Some(Value::String(m)) if m == "none" => {}
        Some(Value::String(m)) if m == "private_key_jwt" => {
            return Err("`token_endpoint_auth_method` private_key_jwt is not supported by this server; use none".into());
        }
        Some(Value::String(_)) => {
            return Err("`token_endpoint_auth_method` must be none: a metadata document cannot establish a shared \
                        secret"
                .into());
        }
        Some(_) => return Err("`token_endpoint_auth_method` must be a string".into()),
    }

    let listed = client::string_list(obj, "redirect_uris").map_err(|e| e.description)?.unwrap_or_default();
    if listed.is_empty() {
        return Err("it lists no `redirect_uris`".into());
    }
    let mut usable = Vec::new();
    let mut first_problem = None;
    for uri in listed {
        match redirect::validate_for_registration(&uri, private_schemes) {
            Ok(_) => usable.push(uri),
            Err(e) => {
                first_problem.get_or_insert(e);
            }
        }
    }
    if usable.is_empty() {
        let why = first_problem.map(|e| format!(" ({e})")).unwrap_or_default();
        return Err(format!("none of its `redirect_uris` is acceptable to this server{why}"));
    }

    let described = client::described(obj).map_err(|e| e.description)?;
    Ok(ClientRecord {
        client_id: url.to_owned(),
        client_secret_hash: None,
        token_endpoint_auth_method: AuthMethod::None,
        redirect_uris: usable,
        client_name: described.client_name,
        client_uri: described.client_uri,
        grant_types: described.grant_types,
        response_types: described.response_types,
        scope: None,
        software_id: described.software_id,
        software_version: described.software_version,
        created_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const URL: &str = "https://app.example/oauth/client.json";

    fn check(doc: Value) -> Result<ClientRecord, String> {
        validate(URL, doc.to_string().as_bytes(), &BTreeSet::new(), 7)
    }

    fn base() -> Value {
        json!({"client_id": URL, "client_name": "Example", "redirect_uris": ["http://127.0.0.1/callback"],
               "token_endpoint_auth_method": "none", "grant_types": ["authorization_code", "refresh_token"],
               "response_types": ["code"], "scope": "openid profile", "logo_uri": "https://app.example/l.png"})
    }

    fn with(field: &str, value: Value) -> Value {
        let mut doc = base();
        doc[field] = value;
        doc
    }

    #[test]
    fn a_valid_document_becomes_a_public_client() {
        let rec = check(base()).unwrap();
        assert_eq!(rec.client_id, URL);
        assert_eq!(rec.token_endpoint_auth_method, AuthMethod::None);
        assert!(rec.client_secret_hash.is_none());
        assert_eq!(rec.redirect_uris, vec!["http://127.0.0.1/callback"]);
        assert_eq!(rec.client_name.as_deref(), Some("Example"));
        assert_eq!(rec.scope, None, "the document's scope is not this server's");
        assert_eq!(rec.created_at, 7);
        let mut minimal = json!({"client_id": URL, "redirect_uris": ["https://app.example/cb"]});
        assert!(check(minimal.clone()).is_ok(), "auth method, grant and response types may be omitted");
        minimal["token_endpoint_auth_method"] = Value::Null;
        assert!(check(minimal).is_ok());
    }

    #[test]
    fn client_id_must_equal_the_url_exactly() {
        for id in [
            json!("https://app.example/oauth/client.json/"),
            json!("https://APP.example/oauth/client.json"),
            json!("https://other.example/oauth/client.json"),
            json!("https://app.example/oauth/client.json?x"),
        ] {
            let e = check(with("client_id", id.clone())).unwrap_err();
            assert!(e.contains("differs from the URL"), "{id}: {e}");
        }
        assert!(check(with("client_id", json!(5))).unwrap_err().contains("not a string"));
        let mut doc = base();
        doc.as_object_mut().unwrap().remove("client_id");
        assert!(check(doc).unwrap_err().contains("no `client_id`"));
    }

    #[test]
    fn secrets_and_secret_based_authentication_are_refused() {
        for method in ["client_secret_basic", "client_secret_post", "client_secret_jwt", "tls_client_auth"] {
            let e = check(with("token_endpoint_auth_method", json!(method))).unwrap_err();
            assert!(e.contains("must be none"), "{method}: {e}");
        }
        let e = check(with("token_endpoint_auth_method", json!("private_key_jwt"))).unwrap_err();
        assert!(e.contains("private_key_jwt is not supported"), "{e}");
        assert!(check(with("token_endpoint_auth_method", json!(["none"]))).is_err());
        for field in ["client_secret", "client_secret_expires_at"] {
            let e = check(with(field, json!("s3cr3t"))).unwrap_err();
            assert!(e.contains(field) && e.contains("must not contain secrets"), "{e}");
            assert!(!e.contains("s3cr3t"), "the secret is never echoed");
        }
    }

    #[test]
    fn redirect_uris_are_required_and_checked_like_registered_ones() {
        let mut doc = base();
        doc.as_object_mut().unwrap().remove("redirect_uris");
        assert!(check(doc).unwrap_err().contains("no `redirect_uris`"));
        assert!(check(with("redirect_uris", json!([]))).unwrap_err().contains("no `redirect_uris`"));
        assert!(check(with("redirect_uris", json!("https://app.example/cb"))).is_err());
        assert!(check(with("redirect_uris", json!([1]))).is_err());
        let e = check(with("redirect_uris", json!(["http://evil.example/cb", "javascript:alert(1)"]))).unwrap_err();
        assert!(e.contains("none of its `redirect_uris`") && e.contains("https"), "{e}");
        let rec = check(with(
            "redirect_uris",
            json!(["cursor://app/cb", "https://app.example/cb#f", "https://app.example/cb"]),
        ))
        .unwrap();
        assert_eq!(rec.redirect_uris, vec!["https://app.example/cb"], "unusable entries are dropped");
        let allowed: BTreeSet<String> = ["cursor".to_owned()].into();
        let doc = with("redirect_uris", json!(["cursor://app/cb"]));
        assert!(validate(URL, doc.to_string().as_bytes(), &allowed, 0).is_ok(), "allowed private-use schemes");
    }

    #[test]
    fn other_fields_follow_the_registration_rules() {
        assert!(check(with("grant_types", json!(["refresh_token"]))).is_err());
        assert!(check(with("response_types", json!(["token"]))).is_err());
        assert!(check(with("client_name", json!("Cl\u{202E}aude"))).is_err());
        assert!(check(with("client_name", json!("x".repeat(201)))).is_err());
        assert!(check(with("client_uri", json!("javascript:alert(1)"))).is_err());
        let rec = check(with("grant_types", json!(["authorization_code", "urn:other"]))).unwrap();
        assert_eq!(rec.grant_types, vec!["authorization_code"]);
        for bad in [&b"not json"[..], b"[1,2]", b"\"text\""] {
            assert!(validate(URL, bad, &BTreeSet::new(), 0).is_err());
        }
    }
}
