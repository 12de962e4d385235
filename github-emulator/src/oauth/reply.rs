//! Token endpoint replies the way GitHub sends them: form-encoded unless the
//! client asked for JSON, and errors as HTTP 200 with an `error` field.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::tokens::{Issued, REFRESH_LIFETIME_SECS};

const ERRORS_DOC: &str =
    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors";
const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

/// The errors GitHub's token endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum OAuthError {
    #[error("The client_id and/or client_secret passed are incorrect.")]
    IncorrectClientCredentials,
    #[error("The redirect_uri MUST match the registered callback URL for this application.")]
    RedirectUriMismatch,
    #[error("The code passed is incorrect or expired.")]
    BadVerificationCode,
    #[error("The grant type passed is not supported.")]
    UnsupportedGrantType,
    #[error("The refresh token passed is incorrect or expired.")]
    BadRefreshToken,
}

impl OAuthError {
    pub(super) fn code(self) -> &'static str {
        match self {
            Self::IncorrectClientCredentials => "incorrect_client_credentials",
            Self::RedirectUriMismatch => "redirect_uri_mismatch",
            Self::BadVerificationCode => "bad_verification_code",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::BadRefreshToken => "bad_refresh_token",
        }
    }

    fn uri(self) -> String {
        let anchor = match self {
            Self::IncorrectClientCredentials => "incorrect-client-credentials",
            Self::RedirectUriMismatch => "redirect-uri-mismatch2",
            Self::BadVerificationCode => "bad-verification-code",
            Self::UnsupportedGrantType => "unsupported-grant-type",
            Self::BadRefreshToken => "bad-refresh-token",
        };
        format!("{ERRORS_DOC}/#{anchor}")
    }
}

/// A successful token response.
pub(super) fn success(issued: &Issued, json: bool) -> Response {
    if json {
        let mut body = serde_json::json!({
            "access_token": issued.access_token,
            "scope": issued.scope,
            "token_type": "bearer",
        });
        if let Some(expires_in) = issued.expires_in {
            body["expires_in"] = expires_in.into();
        }
        if let Some(refresh) = &issued.refresh_token {
            body["refresh_token"] = refresh.as_str().into();
            body["refresh_token_expires_in"] = REFRESH_LIFETIME_SECS.into();
        }
        return encode_json(&body);
    }
    let mut fields: Vec<(&str, String)> = vec![("access_token", issued.access_token.clone())];
    if let Some(expires_in) = issued.expires_in {
        fields.push(("expires_in", expires_in.to_string()));
    }
    if let Some(refresh) = &issued.refresh_token {
        fields.push(("refresh_token", refresh.clone()));
        fields.push(("refresh_token_expires_in", REFRESH_LIFETIME_SECS.to_string()));
    }
    fields.push(("scope", issued.scope.clone()));
    fields.push(("token_type", "bearer".into()));
    encode_form(&fields)
}

/// An error response: still HTTP 200, as GitHub does.
pub(super) fn error(err: OAuthError, json: bool) -> Response {
    let fields =
        vec![("error", err.code().to_owned()), ("error_description", err.to_string()), ("error_uri", err.uri())];
    if json {
        let map: serde_json::Map<String, serde_json::Value> =
            fields.into_iter().map(|(k, v)| (k.to_owned(), serde_json::Value::String(v))).collect();
        encode_json(&serde_json::Value::Object(map))
    } else {
        encode_form(&fields)
    }
}

fn encode_form(fields: &[(&str, String)]) -> Response {
    let body = serde_urlencoded::to_string(fields).unwrap_or_default();
    ([(header::CONTENT_TYPE, FORM)], body).into_response()
}

fn encode_json(value: &serde_json::Value) -> Response {
    ([(header::CONTENT_TYPE, JSON)], value.to_string()).into_response()
}
