//! The authorization request (RFC 6749 §4.1.1 with PKCE, RFC 8707 `resource`): validation, and the
//! error redirect back to a client.
//!
//! Every error found here, before the user has interacted, is shown as a page and never redirected
//! (RFC 9700 §4.11.2). Every client of this server is one nobody vetted: it registered itself
//! (RFC 7591) or is described by a metadata document anyone can publish, so its redirect URI proves
//! nothing, and redirecting an invalid request to it would make this server an open redirector
//! (`/authorize?client_id=ID&redirect_uri=https://phish.example/login&response_type=bad`). Errors
//! after the user has acted (denied consent, GitHub's answer) go back to the client with `error`,
//! `state` and `iss` (RFC 9207), through [`error_redirect`].

use std::collections::HashMap;

use super::{
    ErrorCode, OAuthError, cimd,
    client::{Clients, FindError},
    pkce, redirect, scope,
};
use crate::{
    config::Config,
    store::{
        StoreError,
        records::{AuthRequest, ClientRecord},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    /// The request cannot be honoured: show this to the user, never redirect.
    #[error("{0}")]
    Page(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Query parameters, refusing repeated ones (RFC 6749 §3.1: parameters MUST NOT repeat).
pub fn single_params(query: &str) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if out.insert(k.clone().into_owned(), v.into_owned()).is_some() {
            return Err(format!("parameter `{}` appears more than once", k.chars().take(40).collect::<String>()));
        }
    }
    Ok(out)
}

/// An error found before the user acted: a page naming it, never a redirect (module doc).
fn refusal(code: ErrorCode, description: &str) -> AuthorizeError {
    AuthorizeError::Page(format!(
        "The application sent a sign-in request this server cannot accept: {description} ({}). Nothing was sent \
         back to the application; tell its developers, or try again from it.",
        code.as_str()
    ))
}

/// The client `client_id` names and the redirect URI to use: both must be trusted before anything
/// else is looked at.
async fn client_and_redirect(
    clients: &Clients,
    client_id: Option<&str>,
    redirect_uri: Option<&str>,
) -> Result<(ClientRecord, String), AuthorizeError> {
    let client_id =
        client_id.ok_or_else(|| AuthorizeError::Page("The request names no client (client_id is missing).".into()))?;
    let client: ClientRecord = match clients.find(client_id).await {
        Ok(Some(client)) => client,
        Ok(None) => {
            return Err(AuthorizeError::Page(
                "This application is not registered with this server (unknown client_id). It should register again."
                    .into(),
            ));
        }
        Err(FindError::Store(e)) => return Err(e.into()),
        Err(FindError::Metadata(e)) => {
            return Err(AuthorizeError::Page(format!("This application could not be identified: {e}.")));
        }
    };
    let redirect_uri = match redirect_uri {
        Some(uri) if client.redirect_uris.iter().any(|reg| redirect::matches(reg, uri)) => uri.to_owned(),
        Some(_) if cimd::is_url_client_id(&client.client_id) => {
            return Err(AuthorizeError::Page(format!(
                "The redirect address is not one of the addresses this application's metadata document ({}) lists.",
                client.client_id
            )));
        }
        Some(_) => {
            return Err(AuthorizeError::Page(
                "The redirect address does not match any address this application registered.".into(),
            ));
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => return Err(AuthorizeError::Page("The request names no redirect address (redirect_uri).".into())),
    };
    Ok((client, redirect_uri))
}

/// The PKCE challenge: present, S256, and shaped like a base64url SHA-256.
fn pkce_challenge(challenge: Option<&str>, method: Option<&str>) -> Result<String, AuthorizeError> {
    let challenge =
        challenge.ok_or_else(|| refusal(ErrorCode::InvalidRequest, "PKCE is required: send code_challenge"))?;
    if method != Some("S256") {
        return Err(refusal(ErrorCode::InvalidRequest, "code_challenge_method must be S256"));
    }
    if !pkce::valid_challenge(challenge) {
        return Err(refusal(ErrorCode::InvalidRequest, "code_challenge must be a base64url SHA-256 (43 characters)"));
    }
    Ok(challenge.to_owned())
}

pub async fn validate(
    config: &Config,
    clients: &Clients,
    query: &str,
) -> Result<(AuthRequest, ClientRecord), AuthorizeError> {
    let parsed = single_params(query);
    let params = match &parsed {
        Ok(p) => p.clone(),
        Err(_) => url::form_urlencoded::parse(query.as_bytes()).into_owned().collect(),
    };
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());

    // 1. Client and redirect URI first; 2. then the rest. Every failure is a page (module doc).
    let (client, redirect_uri) = client_and_redirect(clients, get("client_id"), get("redirect_uri")).await?;
    if let Err(e) = parsed {
        return Err(refusal(ErrorCode::InvalidRequest, &e));
    }
    match get("response_type") {
        Some("code") => {}
        None => return Err(refusal(ErrorCode::InvalidRequest, "`response_type` is required")),
        Some(_) => return Err(refusal(ErrorCode::UnsupportedResponseType, "only response_type=code is supported")),
    }
    let code_challenge = pkce_challenge(get("code_challenge"), get("code_challenge_method"))?;
    let registered = client.scope.as_deref();
    let scopes =
        scope::grant(config.read_only, get("scope"), registered).map_err(|e| refusal(e.code, &e.description))?;
    let mcp_url = config.mcp_url();
    let resource = match get("resource") {
        None => mcp_url,
        Some(r) if r == mcp_url => mcp_url,
        Some(_) => return Err(refusal(ErrorCode::InvalidTarget, "`resource` must be this server's MCP endpoint")),
    };
    let client_state = get("state").map(str::to_owned);
    if client_state.as_ref().is_some_and(|s| s.len() > 1024) {
        return Err(refusal(ErrorCode::InvalidRequest, "`state` is longer than 1024 characters"));
    }
    let request = AuthRequest {
        client_id: client.client_id.clone(),
        redirect_uri_explicit: get("redirect_uri").is_some(),
        redirect_uri,
        state: client_state,
        code_challenge,
        scopes,
        resource,
    };
    Ok((request, client))
}

/// The redirect back to the client for an error (RFC 6749 §4.1.2.1 + RFC 9207 `iss`).
pub fn error_redirect(config: &Config, redirect_uri: &str, client_state: Option<&str>, error: &OAuthError) -> String {
    let issuer = config.issuer();
    let mut params = vec![("error", error.code.as_str()), ("error_description", error.description.as_str())];
    if let Some(s) = client_state {
        params.push(("state", s));
    }
    params.push(("iss", &issuer));
    redirect::with_params(redirect_uri, &params)
}
