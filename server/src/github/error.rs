//! `GithubError`: what a GitHub API call can fail with, in terms a tool (and a model) can act on.

use reqwest::StatusCode;

#[derive(Debug, Clone, thiserror::Error)]
pub enum GithubError {
    /// 401: the stored GitHub token no longer works (revoked or expired); the grant must end.
    #[error("GitHub no longer accepts this sign-in (bad credentials); sign in again")]
    BadCredentials,
    /// 404 (GitHub also answers 404 for private resources the token cannot see).
    #[error("not found on GitHub (or private and not visible to this account)")]
    NotFound,
    /// Primary or secondary rate limit.
    #[error("GitHub rate limit reached; retry after {reset_hint}")]
    RateLimited { reset_hint: String },
    /// 403 for other reasons (missing scope, SSO enforcement, blocked).
    #[error("GitHub refused: {0}")]
    Forbidden(String),
    /// 422 with the field errors flattened as `field (code): message`.
    #[error("GitHub rejected the input: {0}")]
    Validation(String),
    #[error("GitHub answered {status}: {message}")]
    Status { status: u16, message: String },
    #[error("could not reach GitHub: {0}")]
    Network(String),
    #[error("GitHub's answer could not be read: {0}")]
    Decode(String),
}

#[derive(serde::Deserialize, Default)]
struct ErrorBody {
    message: Option<String>,
    #[serde(default)]
    errors: Vec<serde_json::Value>,
}

impl GithubError {
    pub async fn from_response(resp: reqwest::Response) -> Self {
        let status = resp.status();
        let headers = resp.headers().clone();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body: ErrorBody = resp.json().await.unwrap_or_default();
        let message: String = body.message.clone().unwrap_or_default().chars().take(300).collect();
        let rate_limited = header("x-ratelimit-remaining").as_deref() == Some("0") || header("retry-after").is_some();
        match status {
            StatusCode::UNAUTHORIZED => GithubError::BadCredentials,
            StatusCode::NOT_FOUND => GithubError::NotFound,
            StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS if rate_limited => {
                let reset_hint = match (header("retry-after"), header("x-ratelimit-reset")) {
                    (Some(secs), _) => format!("{secs} seconds"),
                    (None, Some(epoch)) => format!("unix time {epoch}"),
                    _ => "a minute".to_owned(),
                };
                GithubError::RateLimited { reset_hint }
            }
            StatusCode::FORBIDDEN => GithubError::Forbidden(message),
            StatusCode::UNPROCESSABLE_ENTITY => GithubError::Validation(flatten_validation(&message, &body.errors)),
            s => GithubError::Status { status: s.as_u16(), message },
        }
    }
}

/// `Validation Failed` + `[{resource, field, code, message}]` → `title (missing_field); base (custom): msg`.
fn flatten_validation(message: &str, errors: &[serde_json::Value]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| {
            let get = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("");
            let mut s = format!("{} ({})", get("field"), get("code"));
            if !get("message").is_empty() {
                s.push_str(": ");
                s.push_str(get("message"));
            }
            s
        })
        .collect();
    if parts.is_empty() { message.to_owned() } else { parts.join("; ") }
}

#[cfg(test)]
mod tests {
    use super::flatten_validation;

    #[test]
    fn validation_errors_are_flattened() {
        let errors = serde_json::json!([
            {"resource": "Issue", "field": "title", "code": "missing_field"},
            {"resource": "Issue", "field": "base", "code": "custom", "message": "no commits"}
        ]);
        assert_eq!(
            flatten_validation("Validation Failed", errors.as_array().unwrap()),
            "title (missing_field); base (custom): no commits"
        );
        assert_eq!(flatten_validation("Validation Failed", &[]), "Validation Failed");
    }
}
