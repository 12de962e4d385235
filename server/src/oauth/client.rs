//! Clients: RFC 7591 registration metadata validation, and the [`Clients`] service: finding a
//! client by id (registered, or a metadata document URL resolved by `cimd`), and client
//! authentication at /token and /revoke (`none`, `client_secret_basic`, `client_secret_post`).

use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use std::sync::Arc;

use super::{
    ErrorCode, OAuthError,
    cimd::{self, Cimd, CimdError},
    redirect, scope,
};
use crate::{
    clock::UnixSecs,
    crypto::{Secret, TokenKind, ct_eq, hash_token, random_b64},
    store::{
        Records, StoreError,
        records::{AuthMethod, ClientRecord},
    },
};

pub const MAX_REDIRECT_URIS: usize = 10;
const MAX_TEXT: usize = 200;

fn metadata_error(d: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClientMetadata, d)
}

/// The registration response (RFC 7591 §3.2.1): the stored metadata plus the issued credentials.
#[derive(Debug, Serialize)]
pub struct Registered {
    pub client_id: String,
    pub client_id_issued_at: UnixSecs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<u64>,
    pub redirect_uris: Vec<String>,
    pub token_endpoint_auth_method: &'static str,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
}

/// Control and invisible formatting characters (bidi overrides, zero-width, soft hyphen, BOM) that
/// could disguise a client's name on the consent page.
fn is_hidden_or_control(c: char) -> bool {
    c.is_control() || crate::github::sanitize::is_invisible(c)
}

pub(crate) fn opt_text(obj: &serde_json::Map<String, Value>, field: &str) -> Result<Option<String>, OAuthError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= MAX_TEXT && !s.chars().any(is_hidden_or_control) => {
            Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty()))
        }
        Some(_) => Err(metadata_error(format!("`{field}` must be a string of at most {MAX_TEXT} characters"))),
    }
}

pub(crate) fn string_list(
    obj: &serde_json::Map<String, Value>,
    field: &str,
) -> Result<Option<Vec<String>>, OAuthError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| metadata_error(format!("`{field}` must be an array of strings"))),
        Some(_) => Err(metadata_error(format!("`{field}` must be an array of strings"))),
    }
}

/// The metadata every unvetted client describes itself with, whether it registers (RFC 7591 §2) or
/// publishes a metadata document: checked by one set of rules for both.
pub(crate) struct Described {
    pub client_name: Option<String>,
    pub client_uri: Option<String>,
    pub software_id: Option<String>,
    pub software_version: Option<String>,
    /// `authorization_code`, and `refresh_token` when asked for; other grant types are dropped.
    pub grant_types: Vec<String>,
    /// `code`, the only response type.
    pub response_types: Vec<String>,
}

/// Checks the fields registrations and metadata documents share:
/// - `grant_types` (default `authorization_code`) must include `authorization_code`; of the rest only
///   `refresh_token` is kept (RFC 7591 §2 lets the server replace what it does not support);
/// - `response_types` (default `code`) must include `code`, which is all that is kept;
/// - `client_name`, `software_id`, `software_version`: short text without hidden characters;
///   `client_uri`: an http(s) URL.
pub(crate) fn described(obj: &serde_json::Map<String, Value>) -> Result<Described, OAuthError> {
    let grant_types = string_list(obj, "grant_types")?.unwrap_or_else(|| vec!["authorization_code".into()]);
    if !grant_types.iter().any(|g| g == "authorization_code") {
        return Err(metadata_error("`grant_types` must include authorization_code"));
    }
    let response_types = string_list(obj, "response_types")?.unwrap_or_else(|| vec!["code".into()]);
    if !response_types.iter().any(|r| r == "code") {
        return Err(metadata_error("`response_types` must include code"));
    }
    let client_uri = opt_text(obj, "client_uri")?;
    if let Some(u) = &client_uri
        && !url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
    {
        return Err(metadata_error("`client_uri` must be an http(s) URL"));
    }
    let mut kept = vec!["authorization_code".to_owned()];
    if grant_types.iter().any(|g| g == "refresh_token") {
        kept.push("refresh_token".into());
    }
    Ok(Described {
        client_name: opt_text(obj, "client_name")?,
        client_uri,
        software_id: opt_text(obj, "software_id")?,
        software_version: opt_text(obj, "software_version")?,
        grant_types: kept,
        response_types: vec!["code".into()],
    })
}

/// Validates a registration request body and creates the client record. The secret (for
/// confidential clients) is returned once in [`Registered`] and stored only as a hash.
pub fn register(
    body: &Value,
    now: UnixSecs,
    private_schemes: &std::collections::BTreeSet<String>,
) -> Result<(ClientRecord, Registered), OAuthError> {
    let obj = body.as_object().ok_or_else(|| metadata_error("the request body must be a JSON object"))?;

    let redirect_uris = string_list(obj, "redirect_uris")?.unwrap_or_default();
    if redirect_uris.is_empty() {
        return Err(OAuthError::new(ErrorCode::InvalidRedirectUri, "`redirect_uris` is required"));
    }
    if redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(OAuthError::new(
            ErrorCode::InvalidRedirectUri,
            format!("at most {MAX_REDIRECT_URIS} redirect URIs may be registered"),
        ));
    }
    for uri in &redirect_uris {
        redirect::validate_for_registration(uri, private_schemes)
            .map_err(|e| OAuthError::new(ErrorCode::InvalidRedirectUri, e.to_string()))?;
    }

    let method = match obj.get("token_endpoint_auth_method").and_then(Value::as_str) {
        None => AuthMethod::ClientSecretBasic, // RFC 7591 §2 default
        Some("none") => AuthMethod::None,
        Some("client_secret_basic") => AuthMethod::ClientSecretBasic,
        Some("client_secret_post") => AuthMethod::ClientSecretPost,
        Some(_) => {
            return Err(metadata_error(
                "`token_endpoint_auth_method` must be none, client_secret_basic or client_secret_post",
            ));
        }
    };
    if obj.get("token_endpoint_auth_method").is_some_and(|v| !v.is_string()) {
        return Err(metadata_error("`token_endpoint_auth_method` must be a string"));
    }

    let described = described(obj)?;
    // RFC 7591 §2: the server may replace requested metadata. A `scope` naming scopes this server
    // does not define (`openid`, `profile`, `offline_access`, …) is registered as the ones it does
    // name, or none (every offered scope), and the response says so.
    let scope = match opt_text(obj, "scope")? {
        Some(s) => {
            scope::requested(Some(&s)).map_err(|e| metadata_error(e.description))?.map(|known| known.to_string())
        }
        None => None,
    };

    let client_secret = (method != AuthMethod::None).then(|| TokenKind::ClientSecret.mint());
    let record = ClientRecord {
        client_id: random_b64(18),
        client_secret_hash: client_secret.as_ref().map(|s| hash_token(s.expose())),
        token_endpoint_auth_method: method,
        redirect_uris,
        client_name: described.client_name,
        client_uri: described.client_uri,
        grant_types: described.grant_types,
        response_types: described.response_types,
        scope,
        software_id: described.software_id,
        software_version: described.software_version,
        created_at: now,
    };
    let response = Registered {
        client_id: record.client_id.clone(),
        client_id_issued_at: now,
        client_secret_expires_at: client_secret.as_ref().map(|_| 0),
        client_secret,
        redirect_uris: record.redirect_uris.clone(),
        token_endpoint_auth_method: method.as_str(),
        grant_types: record.grant_types.clone(),
        response_types: record.response_types.clone(),
        client_name: record.client_name.clone(),
        client_uri: record.client_uri.clone(),
        scope: record.scope.clone(),
        software_id: record.software_id.clone(),
        software_version: record.software_version.clone(),
    };
    Ok((record, response))
}

/// The client credentials a token or revocation request presented.
#[derive(Debug, Default, Deserialize)]
pub struct Presented {
    /// From `Authorization: Basic`.
    pub basic: Option<(String, Secret)>,
    /// `client_id` form field.
    pub client_id: Option<String>,
    /// `client_secret` form field.
    pub client_secret: Option<Secret>,
}

impl Presented {
    /// Reads `Authorization: Basic` (RFC 6749 §2.3.1: id and secret are form-urlencoded first).
    pub fn parse_basic(header: Option<&str>) -> Result<Option<(String, Secret)>, OAuthError> {
        let Some(h) = header else { return Ok(None) };
        let Some(b64) = h.strip_prefix("Basic ").or_else(|| h.strip_prefix("basic ")) else {
            return Err(OAuthError::invalid_client("only Basic client authentication is supported"));
        };
        let bad = || OAuthError::invalid_client("malformed Basic credentials");
        let decoded = STANDARD.decode(b64.trim()).map_err(|_| bad())?;
        let text = String::from_utf8(decoded).map_err(|_| bad())?;
        let (id, secret) = text.split_once(':').ok_or_else(bad)?;
        let unescape =
            |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
        Ok(Some((unescape(id).ok_or_else(bad)?, Secret::new(unescape(secret).ok_or_else(bad)?))))
    }
}

/// Why a client could not be looked up.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The client_id is a metadata document URL that did not yield a client.
    #[error(transparent)]
    Metadata(#[from] CimdError),
}

/// Clients as a service: finding one by id and authenticating it need the registered clients and the
/// metadata-document resolver, and nothing else.
#[derive(Clone)]
pub struct Clients {
    records: Records,
    cimd: Arc<Cimd>,
}

impl Clients {
    pub fn new(records: Records, cimd: Arc<Cimd>) -> Self {
        Self { records, cimd }
    }

    /// The client a `client_id` names: a registered client from the store, or — for an `https://` URL —
    /// the client its metadata document describes (fetched, checked and cached by `cimd`).
    pub async fn find(&self, client_id: &str) -> Result<Option<ClientRecord>, FindError> {
        if cimd::is_url_client_id(client_id) {
            return Ok(Some(self.cimd.resolve(client_id).await?));
        }
        Ok(self.records.get(client_id).await?)
    }

    /// Authenticates the client as it registered (RFC 6749 §2.3, §3.2.1). Unknown clients and wrong or
    /// missing credentials are `invalid_client` (401), which makes clients register again. A metadata
    /// document client is always public (`none`); a document that cannot be used is `invalid_client`
    /// with the reason, but one that cannot be read just now is 503 `temporarily_unavailable`: a client
    /// told `invalid_client` drops its tokens, and its user would have to sign in again.
    pub async fn authenticate(&self, p: &Presented) -> Result<ClientRecord, OAuthError> {
        let (client_id, secret, via_basic) = match (&p.basic, &p.client_secret) {
            (Some(_), Some(_)) => {
                return Err(OAuthError::invalid_request("use one client authentication method, not two"));
            }
            (Some((id, secret)), None) => {
                if p.client_id.as_deref().is_some_and(|body_id| body_id != id) {
                    return Err(OAuthError::invalid_client("client_id does not match the Basic credentials"));
                }
                (id.clone(), Some(secret), true)
            }
            (None, secret) => {
                let id = p.client_id.clone().ok_or_else(|| OAuthError::invalid_client("client_id is required"))?;
                (id, secret.as_ref(), false)
            }
        };
        let client = match self.find(&client_id).await {
            Ok(Some(client)) => client,
            Ok(None) => return Err(OAuthError::invalid_client("unknown client; register again")),
            Err(FindError::Store(e)) => return Err(e.into()),
            Err(FindError::Metadata(e)) if e.is_transient() => {
                return Err(OAuthError::new(ErrorCode::TemporarilyUnavailable, e.to_string()));
            }
            Err(FindError::Metadata(e)) => return Err(OAuthError::invalid_client(e.to_string())),
        };
        let expected_method = match (secret.is_some(), via_basic) {
            (false, _) => AuthMethod::None,
            (true, true) => AuthMethod::ClientSecretBasic,
            (true, false) => AuthMethod::ClientSecretPost,
        };
        if expected_method != client.token_endpoint_auth_method {
            return Err(OAuthError::invalid_client(format!(
                "this client must authenticate with {}",
                client.token_endpoint_auth_method.as_str()
            )));
        }
        if let (Some(secret), Some(hash)) = (secret, &client.client_secret_hash)
            && !ct_eq(hash_token(secret.expose()).as_bytes(), hash.as_bytes())
        {
            return Err(OAuthError::invalid_client("client authentication failed"));
        }
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registers_public_and_confidential_clients() {
        let (rec, resp) = register(
            &json!({"redirect_uris": ["http://127.0.0.1:3000/cb"], "token_endpoint_auth_method": "none",
                    "client_name": "Claude", "grant_types": ["authorization_code", "refresh_token"]}),
            10,
            &Default::default(),
        )
        .unwrap();
        assert_eq!(rec.token_endpoint_auth_method, AuthMethod::None);
        assert!(resp.client_secret.is_none() && rec.client_secret_hash.is_none());
        let (rec, resp) =
            register(&json!({"redirect_uris": ["https://a.example/cb"]}), 10, &Default::default()).unwrap();
        assert_eq!(rec.token_endpoint_auth_method, AuthMethod::ClientSecretBasic);
        let secret = resp.client_secret.clone().unwrap();
        assert_eq!(rec.client_secret_hash.unwrap(), hash_token(secret.expose()));
        assert!(!format!("{resp:?}").contains(secret.expose()), "Debug of a registration shows no secret");
        assert_eq!(resp.client_secret_expires_at, Some(0));
    }

    #[test]
    fn refuses_bad_metadata_with_rfc_7591_codes() {
        let cases = [
            (json!([]), ErrorCode::InvalidClientMetadata),
            (json!({}), ErrorCode::InvalidRedirectUri),
            (json!({"redirect_uris": "https://a/cb"}), ErrorCode::InvalidClientMetadata),
            (json!({"redirect_uris": ["javascript:alert(1)"]}), ErrorCode::InvalidRedirectUri),
            (json!({"redirect_uris": ["http://evil.com/cb"]}), ErrorCode::InvalidRedirectUri),
            (
                json!({"redirect_uris": ["https://a.b/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
                ErrorCode::InvalidClientMetadata,
            ),
            (
                json!({"redirect_uris": ["https://a.b/cb"], "grant_types": ["implicit"]}),
                ErrorCode::InvalidClientMetadata,
            ),
            (
                json!({"redirect_uris": ["https://a.b/cb"], "response_types": ["token"]}),
                ErrorCode::InvalidClientMetadata,
            ),
            (json!({"redirect_uris": ["https://a.b/cb"], "scope": "a\\b"}), ErrorCode::InvalidClientMetadata),
            (
                json!({"redirect_uris": ["https://a.b/cb"], "client_name": "x".repeat(201)}),
                ErrorCode::InvalidClientMetadata,
            ),
            (json!({"redirect_uris": ["https://a.b/cb"], "client_name": 5}), ErrorCode::InvalidClientMetadata),
            (
                json!({"redirect_uris": ["https://a.b/cb"], "client_name": "Claude\u{202E}edoC"}),
                ErrorCode::InvalidClientMetadata,
            ),
            (
                json!({"redirect_uris": ["https://a.b/cb"], "client_name": "Cl\u{200B}aude"}),
                ErrorCode::InvalidClientMetadata,
            ),
            (
                json!({"redirect_uris": ["https://a.b/cb"], "client_uri": "javascript:x"}),
                ErrorCode::InvalidClientMetadata,
            ),
        ];
        for (body, code) in cases {
            assert_eq!(register(&body, 0, &Default::default()).unwrap_err().code, code, "{body}");
        }
        let many: Vec<String> = (0..11).map(|i| format!("https://a.b/{i}")).collect();
        assert_eq!(
            register(&json!({"redirect_uris": many}), 0, &Default::default()).unwrap_err().code,
            ErrorCode::InvalidRedirectUri
        );
    }

    /// Registration and metadata documents share one rule (`described`): unsupported grant and
    /// response types are dropped, never a reason to refuse, as long as the required ones are there.
    #[test]
    fn registrations_keep_the_supported_grant_and_response_types_like_metadata_documents() {
        let (rec, resp) = register(
            &json!({"redirect_uris": ["https://a.b/cb"], "grant_types": ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
                    "response_types": ["code", "token"]}),
            0,
            &Default::default(),
        )
        .unwrap();
        assert_eq!(rec.grant_types, ["authorization_code", "refresh_token"]);
        assert_eq!((resp.grant_types, resp.response_types), (rec.grant_types, vec!["code".to_owned()]));
    }

    #[test]
    fn a_registered_scope_keeps_only_what_this_server_defines() {
        let reg = |scope: &str| {
            register(&json!({"redirect_uris": ["https://a.b/cb"], "scope": scope}), 0, &Default::default())
        };
        let (rec, resp) = reg("openid offline_access profile").unwrap();
        assert_eq!((rec.scope, resp.scope), (None, None));
        let (rec, resp) = reg("openid github:read").unwrap();
        assert_eq!((rec.scope.as_deref(), resp.scope.as_deref()), (Some("github:read"), Some("github:read")));
    }

    #[test]
    fn basic_header_is_form_decoded() {
        let h = format!("Basic {}", STANDARD.encode("my%20id:s%3Ac"));
        let (id, secret) = Presented::parse_basic(Some(&h)).unwrap().unwrap();
        assert_eq!((id.as_str(), secret.expose()), ("my id", "s:c"));
        assert!(Presented::parse_basic(Some("Bearer x")).is_err());
        assert!(Presented::parse_basic(Some("Basic !!!")).is_err());
    }
}
