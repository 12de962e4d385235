//! The GitHub REST client: one pooled reqwest client, the API base URL (which may carry a path such as
//! `/api/v3`), GitHub's GraphQL endpoint beside it ([`graphql`]), GitHub's required headers, bounded
//! retries of idempotent reads, conditional reads ([`conditional`]: a `304` costs no rate limit), and
//! error mapping.

pub mod conditional;
mod error;
mod graphql;
pub mod page;
pub mod sanitize;

use std::{sync::Arc, time::Duration};

use reqwest::{Method, header};
use serde::{Deserialize, de::DeserializeOwned};

pub use error::GithubError;

use crate::{config::Config, crypto::Secret, metrics::Metrics, store::records::GithubIdentity};

const API_VERSION: &str = "2022-11-28";
const RETRIES: u32 = 2;

#[derive(Clone)]
pub struct GithubClient {
    http: reqwest::Client,
    /// The same, but never following a redirect: for the links GitHub redirects downloads to.
    direct: reqwest::Client,
    api_base: String,
    metrics: Arc<Metrics>,
    validated: Arc<conditional::Conditional>,
}

/// Which end of a long text body to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Head,
    Tail,
}

#[derive(Debug, Clone, Deserialize)]
struct Org {
    login: String,
}

impl GithubClient {
    pub fn new(config: &Config, metrics: Arc<Metrics>) -> reqwest::Result<Self> {
        let mut headers = header::HeaderMap::new();
        headers.insert(header::ACCEPT, header::HeaderValue::from_static("application/vnd.github+json"));
        headers.insert("x-github-api-version", header::HeaderValue::from_static(API_VERSION));
        let client = |redirects| {
            reqwest::Client::builder()
                .default_headers(headers.clone())
                .user_agent(concat!("mcp-github-gateway/", env!("CARGO_PKG_VERSION")))
                .redirect(redirects)
                .timeout(Duration::from_secs(30))
                .connect_timeout(Duration::from_secs(5))
                .pool_idle_timeout(Duration::from_secs(90))
                .build()
        };
        let http = client(reqwest::redirect::Policy::limited(3))?;
        let direct = client(reqwest::redirect::Policy::none())?;
        let api_base = config.github_api_url.as_str().trim_end_matches('/').to_owned();
        Ok(Self { http, direct, api_base, metrics, validated: Arc::default() })
    }

    /// Records one response (or its absence) and GitHub's rate-limit headers in the metrics.
    fn observe(&self, result: &reqwest::Result<reqwest::Response>, elapsed: Duration) {
        let Ok(resp) = result else {
            self.metrics.github_response(None, elapsed, None);
            return;
        };
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok());
        let remaining = header("x-ratelimit-remaining").and_then(|v| v.parse::<i64>().ok());
        let rate = remaining.map(|r| (header("x-ratelimit-resource").unwrap_or("core"), r));
        self.metrics.github_response(Some(resp.status().as_u16()), elapsed, rate);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base)
    }

    /// Sends a request, asking for the media type `accept` if given (else JSON); idempotent methods
    /// are retried on 5xx and connection failures.
    pub async fn send(
        &self,
        token: &Secret,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
        accept: Option<&str>,
    ) -> Result<reqwest::Response, GithubError> {
        let idempotent = matches!(method, Method::GET | Method::HEAD);
        // JSON reads are conditional: the body GitHub validated last time, if it still matches.
        let url = self.url(path);
        let key = (method == Method::GET && body.is_none() && accept.is_none())
            .then(|| conditional::Conditional::key(token, &url, query));
        let cached = key.as_deref().and_then(|k| self.validated.get(k));
        let mut attempt = 0;
        loop {
            let mut req = self.http.request(method.clone(), &url).bearer_auth(token.expose()).query(query);
            if let Some(b) = body {
                req = req.json(b);
            }
            if let Some(a) = accept {
                req = req.header(header::ACCEPT, a);
            }
            if let Some((name, value)) = cached.as_ref().and_then(conditional::Cached::condition) {
                req = req.header(name, value.clone());
            }
            let started = std::time::Instant::now();
            let result = req.send().await;
            self.observe(&result, started.elapsed());
            let retryable = match &result {
                Ok(r) => r.status().is_server_error(),
                Err(e) => e.is_connect() || e.is_timeout(),
            };
            if idempotent && retryable && attempt < RETRIES {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                continue;
            }
            let resp = result.map_err(|e| GithubError::Network(e.without_url().to_string()))?;
            if resp.status() == reqwest::StatusCode::NOT_MODIFIED
                && let Some(c) = &cached
            {
                // Counted as a 304 in `github_requests`: the conditional hits.
                return Ok(c.response());
            }
            if resp.status().is_success() {
                return match key {
                    Some(key) => self.keep_validated(key, resp).await,
                    None => Ok(resp),
                };
            }
            // A 401 from another host (a log download after a redirect) says nothing about our token.
            if resp.status() == reqwest::StatusCode::UNAUTHORIZED && !resp.url().as_str().starts_with(&self.api_base) {
                return Err(GithubError::Status { status: 401, message: "the download link was refused".into() });
            }
            return Err(GithubError::from_response(resp).await);
        }
    }

    /// Where GitHub redirects the download at `path` (an artifact, a run's logs): the `Location`
    /// of its `302`, a signed link that works for about a minute without a token. Not followed.
    pub async fn download_link(&self, token: &Secret, path: &str) -> Result<String, GithubError> {
        let started = std::time::Instant::now();
        let result = self.direct.get(self.url(path)).bearer_auth(token.expose()).send().await;
        self.observe(&result, started.elapsed());
        let resp = result.map_err(|e| GithubError::Network(e.without_url().to_string()))?;
        if !resp.status().is_redirection() {
            return Err(match resp.status().is_success() {
                true => GithubError::Decode("GitHub answered without a download link".into()),
                false => GithubError::from_response(resp).await,
            });
        }
        let location = resp.headers().get(header::LOCATION).and_then(|v| v.to_str().ok());
        location.map(str::to_owned).ok_or_else(|| GithubError::Decode("a redirect without a Location".into()))
    }

    /// A successful JSON read: kept with its validators when GitHub gave any (and the body is small
    /// enough), and handed on as read.
    async fn keep_validated(&self, key: String, resp: reqwest::Response) -> Result<reqwest::Response, GithubError> {
        if !conditional::Cached::keeps(resp.headers(), resp.content_length()) {
            return Ok(resp);
        }
        let mut headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(|e| GithubError::Network(e.without_url().to_string()))?;
        headers.remove(header::CONTENT_LENGTH);
        headers.remove(header::TRANSFER_ENCODING);
        let cached = conditional::Cached { headers, body };
        let out = cached.response();
        self.validated.put(key, cached);
        Ok(out)
    }

    /// A page of a list endpoint: the items and what the `Link` header says about the next page.
    pub async fn get_page(
        &self,
        token: &Secret,
        path: &str,
        query: &[(&str, String)],
        page: u32,
        per_page: u32,
    ) -> Result<(serde_json::Value, page::PageInfo), GithubError> {
        let mut q = query.to_vec();
        q.push(("page", page.to_string()));
        q.push(("per_page", per_page.to_string()));
        let (body, link) = self.get_linked(token, path, &q).await?;
        Ok((body, page::from_link(link.as_deref(), page, per_page)))
    }

    /// A page of a list GitHub pages by cursor: the items after the cursor `after` (the first page
    /// without one) and the next page's cursor from the `Link` header.
    pub async fn get_cursor_page(
        &self,
        token: &Secret,
        path: &str,
        query: &[(&str, String)],
        after: Option<&str>,
        per_page: u32,
    ) -> Result<(serde_json::Value, page::CursorInfo), GithubError> {
        let mut q = query.to_vec();
        if let Some(after) = after {
            q.push(("after", after.to_owned()));
        }
        q.push(("per_page", per_page.to_string()));
        let (body, link) = self.get_linked(token, path, &q).await?;
        Ok((body, page::cursor_from_link(link.as_deref(), per_page)))
    }

    async fn get_linked(
        &self,
        token: &Secret,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(serde_json::Value, Option<String>), GithubError> {
        let resp = self.send(token, Method::GET, path, query, None, None).await?;
        let link = resp.headers().get(header::LINK).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = resp.json().await.map_err(|e| GithubError::Decode(e.without_url().to_string()))?;
        Ok((body, link))
    }

    /// A body read as text (diffs, logs) with `accept` as the media type, streamed so that at most
    /// `max_bytes` are held: the first bytes ([`Keep::Head`]) or the last ones ([`Keep::Tail`]).
    /// Returns the text and whether anything was left out.
    pub async fn get_text(
        &self,
        token: &Secret,
        path: &str,
        accept: &str,
        max_bytes: usize,
        keep: Keep,
    ) -> Result<(String, bool), GithubError> {
        let mut resp = self.send(token, Method::GET, path, &[], None, Some(accept)).await?;
        let mut buf: Vec<u8> = Vec::new();
        let mut cut = false;
        while let Some(chunk) = resp.chunk().await.map_err(|e| GithubError::Network(e.without_url().to_string()))? {
            buf.extend_from_slice(&chunk);
            if buf.len() > max_bytes {
                cut = true;
                match keep {
                    Keep::Head => {
                        buf.truncate(max_bytes);
                        break;
                    }
                    Keep::Tail => {
                        let excess = buf.len() - max_bytes;
                        buf.drain(..excess);
                    }
                }
            }
        }
        Ok((String::from_utf8_lossy(&buf).into_owned(), cut))
    }

    pub async fn get_json<T: DeserializeOwned>(
        &self,
        token: &Secret,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, GithubError> {
        let resp = self.send(token, Method::GET, path, query, None, None).await?;
        resp.json::<T>().await.map_err(|e| GithubError::Decode(e.without_url().to_string()))
    }

    /// `GET /user`: who the token belongs to (the fields of it a grant keeps).
    pub async fn current_user(&self, token: &Secret) -> Result<GithubIdentity, GithubError> {
        self.get_json(token, "/user", &[]).await
    }

    /// Whether the token's user belongs to any of `orgs` (lower-case logins), reading up to 10 pages.
    pub async fn member_of_any(
        &self,
        token: &Secret,
        orgs: &std::collections::BTreeSet<String>,
    ) -> Result<bool, GithubError> {
        for page in 1..=10u32 {
            let list: Vec<Org> =
                self.get_json(token, "/user/orgs", &[("per_page", "100".into()), ("page", page.to_string())]).await?;
            if list.iter().any(|o| orgs.contains(&o.login.to_ascii_lowercase())) {
                return Ok(true);
            }
            if list.len() < 100 {
                break;
            }
        }
        Ok(false)
    }
}
