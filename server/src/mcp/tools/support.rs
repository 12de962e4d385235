//! What every tool shares: the GitHub handle acting for the request's user, the failure type that
//! separates actionable tool errors from bugs, paging arguments, and structured results.

use reqwest::Method;
use rmcp::{
    ErrorData, RoleServer,
    handler::server::tool::IntoCallToolResult,
    model::{CallToolResponse, CallToolResult, ContentBlock},
    schemars::{self, JsonSchema},
    service::RequestContext,
};
use serde::Deserialize;
use serde_json::Value;

use super::lockdown;
use crate::{
    crypto::Secret,
    github::{GithubError, page},
    mcp::server::{GatewayServer, principal},
    oauth::bearer::{BearerError, Principal},
    state::AppState,
};

/// Why a tool did not produce its result: something the model can act on (a tool result with
/// `isError: true`), or a bug (a JSON-RPC error).
#[derive(Debug)]
pub enum ToolFailure {
    Tool(CallToolResult),
    Bug(ErrorData),
}

impl ToolFailure {
    pub fn message(text: impl Into<String>) -> Self {
        ToolFailure::Tool(CallToolResult::error(vec![ContentBlock::text(text.into())]))
    }
}

impl From<ErrorData> for ToolFailure {
    fn from(e: ErrorData) -> Self {
        ToolFailure::Bug(e)
    }
}

impl IntoCallToolResult for ToolFailure {
    fn into_call_tool_result(self) -> Result<CallToolResponse, ErrorData> {
        match self {
            ToolFailure::Tool(result) => Ok(result.into()),
            ToolFailure::Bug(e) => Err(e),
        }
    }
}

pub type ToolResult = Result<CallToolResult, ToolFailure>;

/// A structured result (also rendered as JSON text for clients without structured content).
pub fn structured(value: Value) -> ToolResult {
    Ok(CallToolResult::structured(value))
}

/// `page` / `per_page` of list tools.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct Paging {
    #[schemars(range(min = 1))]
    pub page: Option<u32>,
    /// Per page (default 30).
    #[schemars(range(min = 1, max = 100))]
    pub per_page: Option<u32>,
}

/// `cursor` / `per_page` of the list tools whose GitHub list pages by cursor.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct CursorPaging {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Per page (default 30).
    #[schemars(range(min = 1, max = 100))]
    pub per_page: Option<u32>,
}

/// The schemas of arguments with a closed set of values. Each is taken as text (and checked by
/// GitHub, whose refusal names the field), so a model writing `Open` is still understood; the
/// schema lists the values.
pub mod choice {
    use rmcp::schemars::{self, JsonSchema};

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum ListState {
        Open,
        Closed,
        All,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum State {
        Open,
        Closed,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum Direction {
        Desc,
        Asc,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum StateReason {
        Completed,
        NotPlanned,
        Reopened,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum MergeMethod {
        Merge,
        Squash,
        Rebase,
    }
}

/// GitHub, as the user behind one tool call.
pub struct Github {
    state: AppState,
    principal: Principal,
    /// The GitHub token in use: the principal's, or the one a refresh after a 401 replaced it with.
    token: std::sync::Mutex<Secret>,
    /// In lockdown mode (answers are screened, see [`super::lockdown`]), the verdicts to use.
    lockdown: Option<std::sync::Arc<lockdown::Access>>,
}

impl GatewayServer {
    pub fn github(&self, ctx: &RequestContext<RoleServer>) -> Result<Github, ErrorData> {
        let principal = principal(ctx)?;
        let token = std::sync::Mutex::new(principal.github_token.clone());
        let lockdown = self.selection(ctx).lockdown.then(|| self.lockdown.clone());
        Ok(Github { state: self.state.clone(), principal, token, lockdown })
    }
}

impl Github {
    pub fn login(&self) -> &str {
        &self.principal.user.login
    }

    fn token(&self) -> Secret {
        self.token.lock().map(|t| t.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Runs one GitHub call with the current token. On a 401 the grant's GitHub token is refreshed
    /// (once, however many calls hit it; see [`Bearer::refresh_rejected`](crate::oauth::bearer::Bearer::refresh_rejected)) and the call retried once
    /// with the new one. A token that cannot be refreshed revokes the grant there, so the client's
    /// next request gets 401 and the user signs in again.
    async fn call<T, F, Fut>(&self, call: F) -> Result<T, ToolFailure>
    where
        F: Fn(Secret) -> Fut,
        Fut: Future<Output = Result<T, GithubError>>,
    {
        let token = self.token();
        match call(token.clone()).await {
            Err(GithubError::BadCredentials) => {}
            other => return other.map_err(|e| ToolFailure::message(e.to_string())),
        }
        match self.state.bearer.refresh_rejected(&self.principal, &token).await {
            Ok(fresh) => {
                if let Ok(mut current) = self.token.lock() {
                    *current = fresh.access_token.clone();
                }
                call(fresh.access_token).await.map_err(|e| ToolFailure::message(e.to_string()))
            }
            Err(BearerError::Store(e)) => {
                tracing::error!(error = %e, "storage failure refreshing a GitHub token after a 401");
                Err(ToolFailure::message(GithubError::BadCredentials.to_string()))
            }
            Err(e) => Err(ToolFailure::message(e.to_string())),
        }
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ToolFailure> {
        let github = &self.state.github;
        let mut value = self.call(|t| async move { github.get_json(&t, path, query).await }).await?;
        self.screen(&mut value, lockdown::repo_of(path).as_deref()).await;
        Ok(value)
    }

    /// In lockdown mode, withholds what untrusted authors wrote in `value` (see [`lockdown`]);
    /// `repo` is the repository the answer is about, where its objects do not say.
    async fn screen(&self, value: &mut Value, repo: Option<&str>) {
        let Some(access) = self.lockdown.as_deref() else { return };
        let authors = lockdown::authors(value, repo);
        if authors.is_empty() {
            return;
        }
        let viewer = self.login().to_ascii_lowercase();
        let mut verdicts = std::collections::BTreeMap::new();
        for author in authors {
            let trusted = if let Some(settled) = access.settled(&viewer, &author) {
                settled
            } else if self.is_private(access, &author.repo).await {
                true
            } else {
                let answer = self.permission(&author).await;
                access.record(&viewer, &author, answer)
            };
            verdicts.insert(author, trusted);
        }
        lockdown::withhold(value, repo, &verdicts);
    }

    /// Whether `repo` (`owner/name`) is private; one that cannot be read counts as public.
    async fn is_private(&self, access: &lockdown::Access, repo: &str) -> bool {
        if let Some(private) = access.cached_private(repo) {
            return private;
        }
        let answer: Result<Value, _> = self.state.github.get_json(&self.token(), &format!("/repos/{repo}"), &[]).await;
        match answer {
            Ok(found) => {
                let private = found["private"].as_bool().unwrap_or(false);
                access.remember_private(repo, private);
                private
            }
            Err(_) => false,
        }
    }

    /// What GitHub's collaborator permission API says about `author` in their repository.
    async fn permission(&self, author: &lockdown::Author) -> lockdown::Permission {
        let Some(Ok(login)) = author.login.as_deref().map(|l| seg("author", l)) else {
            return lockdown::Permission::Failed;
        };
        let path = format!("/repos/{}/collaborators/{login}/permission", author.repo);
        let answer: Result<Value, GithubError> = self.state.github.get_json(&self.token(), &path, &[]).await;
        match answer {
            Ok(found) => {
                lockdown::Permission::Push(matches!(found["permission"].as_str(), Some("admin" | "maintain" | "write")))
            }
            Err(GithubError::Forbidden(_) | GithubError::NotFound) => lockdown::Permission::NotAskable,
            Err(_) => lockdown::Permission::Failed,
        }
    }

    /// A list page: the items (an array, or `items_key` of an object as search answers) and paging.
    pub async fn list(
        &self,
        path: &str,
        query: &[(&str, String)],
        paging: &Paging,
        items_key: Option<&str>,
    ) -> Result<(Vec<Value>, Value), ToolFailure> {
        let (body, mut paging) = self.paged(path, query, paging).await?;
        let items = match items_key {
            None => body,
            Some(key) => {
                if let (Some(total), Some(obj)) = (body.get("total_count"), paging.as_object_mut()) {
                    obj.insert("total_count".into(), total.clone());
                }
                body.get(key).cloned().unwrap_or(Value::Null)
            }
        };
        match items {
            Value::Array(items) => Ok((items, paging)),
            _ => Err(ToolFailure::message("GitHub answered something other than a list; try again")),
        }
    }

    /// The branch `given` names, or the repository's default branch when it names none.
    pub async fn branch_or_default(&self, repo: &str, given: Option<String>) -> Result<String, ToolFailure> {
        match given.filter(|b| !b.is_empty()) {
            Some(b) => Ok(b),
            None => Ok(self.get(repo, &[]).await?["default_branch"].as_str().unwrap_or("main").to_owned()),
        }
    }

    /// One page of what `path` answers (a list, or an object with a paged list inside, as a
    /// commit's files), and the paging GitHub's `Link` header describes.
    pub async fn paged(
        &self,
        path: &str,
        query: &[(&str, String)],
        paging: &Paging,
    ) -> Result<(Value, Value), ToolFailure> {
        let (page, per_page) = page::clamp(paging.page, paging.per_page);
        let github = &self.state.github;
        let (mut body, info) =
            self.call(|t| async move { github.get_page(&t, path, query, page, per_page).await }).await?;
        self.screen(&mut body, lockdown::repo_of(path).as_deref()).await;
        let info = serde_json::to_value(&info).map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        Ok((body, info))
    }

    /// One page of the list at `path` (see [`Github::list`]), each item through `shape`,
    /// answered as `{key: [...], "page": ...}`: what every list tool returns.
    pub async fn page(
        &self,
        path: &str,
        query: &[(&str, String)],
        paging: &Paging,
        items_key: Option<&str>,
        key: &str,
        shape: fn(&Value) -> Value,
    ) -> ToolResult {
        let (items, page) = self.list(path, query, paging, items_key).await?;
        structured(serde_json::json!({key: items.iter().map(shape).collect::<Vec<_>>(), "page": page}))
    }

    /// One page of a list GitHub pages by cursor, each item through `shape`, answered as
    /// `{key: [...], "page": {per_page, has_next_page, next_cursor}}`.
    pub async fn cursor_page(
        &self,
        path: &str,
        query: &[(&str, String)],
        paging: &CursorPaging,
        key: &str,
        shape: impl Fn(&Value) -> Value,
    ) -> ToolResult {
        let (_, per_page) = page::clamp(None, paging.per_page);
        let after = paging.cursor.as_deref().filter(|c| !c.is_empty());
        let github = &self.state.github;
        let (mut body, info) =
            self.call(|t| async move { github.get_cursor_page(&t, path, query, after, per_page).await }).await?;
        self.screen(&mut body, lockdown::repo_of(path).as_deref()).await;
        let Value::Array(items) = body else {
            return Err(ToolFailure::message("GitHub answered something other than a list; try again"));
        };
        structured(serde_json::json!({key: items.iter().map(shape).collect::<Vec<_>>(), "page": info}))
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, ToolFailure> {
        let github = &self.state.github;
        let resp = self
            .call(|t| {
                let method = method.clone();
                async move { github.send(&t, method, path, &[], body, None).await }
            })
            .await?;
        let bytes =
            resp.bytes().await.map_err(|e| ToolFailure::message(format!("GitHub's answer was cut off: {e}")))?;
        let mut value =
            if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        self.screen(&mut value, lockdown::repo_of(path).as_deref()).await;
        Ok(value)
    }

    /// The `data` of a GraphQL `query` (or mutation) with `variables`.
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Value, ToolFailure> {
        let github = &self.state.github;
        let repo = match (variables["owner"].as_str(), variables["name"].as_str().or(variables["repo"].as_str())) {
            (Some(owner), Some(name)) => Some(format!("{owner}/{name}").to_ascii_lowercase()),
            _ => None,
        };
        let mut data = self
            .call(|t| {
                let variables = variables.clone();
                async move { github.graphql(&t, query, variables).await }
            })
            .await?;
        self.screen(&mut data, repo.as_deref()).await;
        Ok(data)
    }

    /// The short-lived link GitHub hands out for the download at `path`.
    pub async fn download_link(&self, path: &str) -> Result<String, ToolFailure> {
        let github = &self.state.github;
        self.call(|t| async move { github.download_link(&t, path).await }).await
    }

    pub async fn text(
        &self,
        path: &str,
        accept: &str,
        max_bytes: usize,
        keep: crate::github::Keep,
    ) -> Result<(String, bool), ToolFailure> {
        let github = &self.state.github;
        self.call(|t| async move { github.get_text(&t, path, accept, max_bytes, keep).await }).await
    }
}

/// Adds `key=value` to a query when the optional value is set and not empty.
pub fn opt(query: &mut Vec<(&'static str, String)>, key: &'static str, value: &Option<String>) {
    if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
        query.push((key, v.clone()));
    }
}

/// The argument `arg`'s value as one URL path segment, percent-encoded (so `/`, `?` or `#` cannot
/// change the route). Empty and dot-only values are refused before anything is sent: the URL parser
/// resolves `.` and `..`, raw or percent-encoded as `%2E`, as dot segments that climb out of the
/// route (`/commits/..` would reach the repository itself). A `%` the caller sent is encoded as `%25`,
/// so an encoded dot in the input stays a literal.
pub fn seg(arg: &str, value: &str) -> Result<String, ToolFailure> {
    if value.is_empty() || value.chars().all(|c| c == '.') {
        return Err(ToolFailure::message(format!("`{arg}` must name something: it cannot be empty, `.` or `..`")));
    }
    Ok(percent_encoding::utf8_percent_encode(value, SEGMENT).to_string())
}

/// A file path: each `/`-separated segment encoded; empty, `.` and `..` segments refused.
pub fn file_path(path: &str) -> Result<String, ToolFailure> {
    let trimmed = path.trim_matches('/');
    if trimmed.split('/').any(|p| p.is_empty() || p == "." || p == "..") && !trimmed.is_empty() {
        return Err(ToolFailure::message(format!("`{path}` is not a valid path inside a repository")));
    }
    Ok(trimmed
        .split('/')
        .map(|p| percent_encoding::utf8_percent_encode(p, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/"))
}

/// Which repository a tool acts on; flattened into each tool's arguments. Its two fields carry no
/// description: their names say all "Owner." and "Repository." said, in 50 bytes a tool.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RepoRef {
    pub owner: String,
    pub repo: String,
}

/// A list tool's arguments when it takes nothing but the repository and paging.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListInRepo {
    #[serde(flatten)]
    pub at: RepoRef,
    #[serde(flatten)]
    pub paging: Paging,
}

impl RepoRef {
    /// `/repos/{owner}/{repo}`, refusing names that could change the route.
    pub fn path(&self) -> Result<String, ToolFailure> {
        repo_path(&self.owner, &self.repo)
    }
}

/// `/repos/{owner}/{repo}` for checked owner and repository names.
pub fn repo_path(owner: &str, repo: &str) -> Result<String, ToolFailure> {
    let ok = |s: &str| {
        !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let dots = |s: &str| s.chars().all(|c| c == '.');
    if !ok(owner) || !ok(repo) || dots(owner) || dots(repo) {
        return Err(ToolFailure::message(format!(
            "`{owner}/{repo}` is not a repository name; use the owner login and repository name, e.g. octocat/hello-world"
        )));
    }
    Ok(format!("/repos/{owner}/{repo}"))
}

const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_input_cannot_change_the_route() {
        assert_eq!(seg("x", "a/b?c#d e").ok().as_deref(), Some("a%2Fb%3Fc%23d%20e"));
        assert_eq!(seg("x", "%2E%2E").ok().as_deref(), Some("%252E%252E"), "an encoded dot stays literal");
        for dots in ["", ".", "..", "..."] {
            assert!(seg("sha", dots).is_err(), "{dots:?}");
        }
        assert_eq!(file_path("docs/guide.md").unwrap(), "docs/guide.md");
        assert_eq!(file_path("/").unwrap(), "");
        assert!(file_path("docs/../secrets").is_err());
        assert!(file_path("a//b").is_err());
        assert_eq!(repo_path("octocat", "hello-world").unwrap(), "/repos/octocat/hello-world");
        assert!(repo_path("octo/cat", "x").is_err());
        assert!(repo_path("octocat", "..").is_err());
        assert!(repo_path("..", "user").is_err() && repo_path(".", "octocat").is_err());
        assert!(repo_path("", "x").is_err());
    }
}
