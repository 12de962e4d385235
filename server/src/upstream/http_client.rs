//! The HTTP client `oauth2` uses to reach GitHub's token endpoint: reqwest without redirects, with a
//! timeout, and with GitHub's "error with HTTP 200" quirk turned into a real error status.

use std::{future::Future, pin::Pin, time::Duration};

use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("request to GitHub failed: {0}")]
    Reqwest(#[from] reqwest::Error),
    #[error("invalid HTTP message: {0}")]
    Http(#[from] http::Error),
}

#[derive(Clone)]
pub struct UpstreamHttp(reqwest::Client);

impl UpstreamHttp {
    pub fn new() -> reqwest::Result<Self> {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("mcp-github-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map(Self)
    }
}

/// GitHub reports token errors as `200 OK` with `{"error": ...}`; give them a 400 so they parse as errors.
fn fix_status(status: u16, body: &[u8]) -> u16 {
    if status == 200
        && serde_json::from_slice::<serde_json::Value>(body)
            .is_ok_and(|v| v.get("error").is_some_and(|e| e.is_string()))
    {
        400
    } else {
        status
    }
}

impl<'c> AsyncHttpClient<'c> for UpstreamHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let resp =
                self.0.request(parts.method, parts.uri.to_string()).headers(parts.headers).body(body).send().await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let bytes = resp.bytes().await?.to_vec();
            let mut builder = http::Response::builder().status(fix_status(status, &bytes));
            for (k, v) in &headers {
                builder = builder.header(k, v);
            }
            Ok(builder.body(bytes)?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::fix_status;

    #[test]
    fn github_200_errors_become_400() {
        assert_eq!(fix_status(200, br#"{"error":"bad_verification_code","error_description":"x"}"#), 400);
        assert_eq!(fix_status(200, br#"{"access_token":"gho_x","token_type":"bearer"}"#), 200);
        assert_eq!(fix_status(200, b"access_token=x"), 200);
        assert_eq!(fix_status(502, b""), 502);
    }
}
