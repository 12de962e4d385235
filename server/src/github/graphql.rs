//! GitHub's GraphQL API, for the operations REST does not offer (resolving review threads, draft
//! and ready, adding a comment to a pending review): its endpoint beside the REST base, and its
//! errors (answered with HTTP 200 and a `type`) as [`GithubError`]s.

use reqwest::header;
use serde_json::{Value, json};

use super::{GithubClient, GithubError};
use crate::crypto::Secret;

impl GithubClient {
    /// GitHub's GraphQL endpoint for this REST base: `/graphql` beside `api.github.com`, and
    /// `/api/graphql` beside an Enterprise Server's `/api/v3`.
    pub fn graphql_url(&self) -> String {
        match self.api_base.strip_suffix("/v3") {
            Some(api) => format!("{api}/graphql"),
            None => format!("{}/graphql", self.api_base),
        }
    }

    /// Runs `query` with `variables` and returns its `data`. A mutation is not retried: it may
    /// have happened.
    pub async fn graphql(&self, token: &Secret, query: &str, variables: Value) -> Result<Value, GithubError> {
        let started = std::time::Instant::now();
        let result = self
            .http
            .post(self.graphql_url())
            .bearer_auth(token.expose())
            .header(header::ACCEPT, "application/json")
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await;
        self.observe(&result, started.elapsed());
        let resp = result.map_err(|e| GithubError::Network(e.without_url().to_string()))?;
        if !resp.status().is_success() {
            return Err(GithubError::from_response(resp).await);
        }
        let mut answer: Value = resp.json().await.map_err(|e| GithubError::Decode(e.without_url().to_string()))?;
        match answer.get("errors").and_then(Value::as_array).and_then(|e| e.first()) {
            Some(first) => Err(refusal(first)),
            None => Ok(answer.get_mut("data").map(Value::take).unwrap_or(Value::Null)),
        }
    }
}

/// A GraphQL error as the REST side's error of the same meaning.
fn refusal(error: &Value) -> GithubError {
    let message: String =
        super::sanitize::clean(error["message"].as_str().unwrap_or("GitHub refused")).chars().take(300).collect();
    match error["type"].as_str() {
        Some("NOT_FOUND") => GithubError::NotFound,
        Some("FORBIDDEN" | "INSUFFICIENT_SCOPES") => GithubError::Forbidden(message.trim_end_matches('.').to_owned()),
        Some("RATE_LIMITED") => GithubError::RateLimited { reset_hint: "in a minute".into() },
        Some("UNPROCESSABLE") => GithubError::Validation(message),
        _ => GithubError::Status { status: 200, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_errors_read_as_their_rest_meaning() {
        assert!(matches!(
            refusal(&json!({"type": "NOT_FOUND", "message": "Could not resolve"})),
            GithubError::NotFound
        ));
        let forbidden =
            refusal(&json!({"type": "FORBIDDEN", "message": "mallory does not have the correct permissions."}));
        assert!(
            matches!(&forbidden, GithubError::Forbidden(m) if m == "mallory does not have the correct permissions")
        );
        assert!(matches!(refusal(&json!({"type": "UNPROCESSABLE", "message": "x"})), GithubError::Validation(_)));
        assert!(matches!(refusal(&json!({"message": "Parse error"})), GithubError::Status { .. }));
    }
}
