//! `GithubError`: what a GitHub API call can fail with, in terms a tool (and a model) can act on.

use reqwest::StatusCode;

#[derive(Debug, Clone, thiserror::Error)]
pub enum GithubError {
    /// 401: the stored GitHub token no longer works (revoked or expired); the grant must end.
    #[error("GitHub no longer accepts this sign-in (bad credentials); sign in again")]
    BadCredentials,
    /// 404 (GitHub also answers 404 for private resources the token cannot see).
    #[error(
        "Not found on GitHub, or private and not visible to this account. Check the owner, repository, \
         number or path (a search or list tool can find the right one)."
    )]
    NotFound,
    /// Primary or secondary rate limit.
    #[error("GitHub's rate limit for this account is used up; retry {reset_hint}.")]
    RateLimited { reset_hint: String },
    /// 403 for other reasons (missing scope, SSO enforcement, blocked).
    #[error(
        "GitHub refused: {0}. The account may lack permission here, or the organization may restrict this \
         app; the user can check on GitHub."
    )]
    Forbidden(String),
    /// 422 with the field errors flattened as `field (code): message`.
    #[error("GitHub rejected the input: {0}. Correct these fields and try again.")]
    Validation(String),
    /// 409 and other 4xx GitHub explains in its message.
    #[error("GitHub answered {status}: {message}")]
    Status { status: u16, message: String },
    #[error("Could not reach GitHub ({0}); try again in a minute.")]
    Network(String),
    #[error("GitHub's answer could not be read ({0}); try again.")]
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
        let message: String =
            crate::github::sanitize::clean(&body.message.clone().unwrap_or_default()).chars().take(300).collect();
        // Secondary rate limits may come without either header; GitHub's message says so then.
        let rate_limited = header("x-ratelimit-remaining").as_deref() == Some("0")
            || header("retry-after").is_some()
            || message.to_ascii_lowercase().contains("rate limit");
        match status {
            StatusCode::UNAUTHORIZED => GithubError::BadCredentials,
            StatusCode::NOT_FOUND => GithubError::NotFound,
            StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS if rate_limited => {
                let reset_hint = match (header("retry-after"), header("x-ratelimit-reset")) {
                    (Some(secs), _) => format!("in {secs} seconds"),
                    (None, Some(epoch)) => epoch.parse::<u64>().map_or_else(|_| "in a minute".to_owned(), reset_in),
                    _ => "in a minute".to_owned(),
                };
                GithubError::RateLimited { reset_hint }
            }
            StatusCode::FORBIDDEN => GithubError::Forbidden(message),
            StatusCode::UNPROCESSABLE_ENTITY => GithubError::Validation(flatten_validation(&message, &body.errors)),
            s if s.is_server_error() => GithubError::Status {
                status: s.as_u16(),
                message: format!("{message} (GitHub is having trouble; try again in a minute)"),
            },
            s => GithubError::Status { status: s.as_u16(), message },
        }
    }
}

/// "at 14:05:00 UTC (in 312 seconds)" for a reset at unix time `epoch`.
fn reset_in(epoch: u64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (h, m, sec) = ((epoch / 3600) % 24, (epoch / 60) % 60, epoch % 60);
    format!("at {h:02}:{m:02}:{sec:02} UTC (in {} seconds)", epoch.saturating_sub(now))
}

/// `Validation Failed` + `[{resource, field, code, message}]` → `title (missing_field); base (custom): msg`.
fn flatten_validation(message: &str, errors: &[serde_json::Value]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| {
            // Some endpoints (reviews) give plain strings instead of objects.
            if let Some(text) = e.as_str() {
                return text.to_owned();
            }
            let get = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("");
            let (field, code, msg) = (get("field"), get("code"), get("message"));
            match (field.is_empty(), msg.is_empty()) {
                (false, true) => format!("{field} ({code})"),
                (false, false) => format!("{field} ({code}): {msg}"),
                (true, false) => msg.to_owned(),
                (true, true) => code.to_owned(),
            }
        })
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() { message.to_owned() } else { parts.join("; ") }
}

#[cfg(test)]
mod tests {
    use super::{flatten_validation, reset_in};

    #[test]
    fn reset_time_is_readable() {
        let far = 4_102_444_800 + 3723; // 2100-01-01 01:02:03 UTC
        assert!(reset_in(far).starts_with("at 01:02:03 UTC (in "), "{}", reset_in(far));
    }

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
        // Plain-string errors (the reviews endpoint) and field-less custom errors keep GitHub's words.
        let mixed = serde_json::json!(["Can not approve your own pull request", {"resource": "PullRequest", "code": "custom", "message": "No commits between main and main"}]);
        assert_eq!(
            flatten_validation("Unprocessable Entity", mixed.as_array().unwrap()),
            "Can not approve your own pull request; No commits between main and main"
        );
    }
}
