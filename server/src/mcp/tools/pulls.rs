//! Toolset `pull_requests`: reading pull requests (details, diff, files, CI status, reviews) and
//! creating, updating, merging and reviewing them.

use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    define::{Def, Route, route},
    search::{Search, sort},
    shape,
    support::{Github, Paging, RepoRef, ToolFailure, ToolResult, opt, seg, structured},
};
use crate::github::{Keep, sanitize::clean_capped};

/// Longest diff returned, in bytes read from GitHub and characters shown.
const DIFF_BYTES: usize = 200_000;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListPulls {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Which (default `open`).
    #[schemars(with = "Option<super::support::choice::ListState>")]
    pub state: Option<String>,
    /// Only PRs from this head, as `user:branch`.
    pub head: Option<String>,
    /// Only PRs into this base branch.
    pub base: Option<String>,
    /// `created` (default), `updated`, `popularity` or `long-running`.
    pub sort: Option<String>,
    /// Order.
    #[schemars(with = "Option<super::support::choice::Direction>")]
    pub direction: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct PullRef {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct RequestReviewers {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    /// Logins to ask for a review (people with push access, not the author).
    pub reviewers: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateBranch {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    /// The head SHA you expect; GitHub refuses if the branch has moved since.
    pub expected_head_sha: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct PullList {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreatePull {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Title (plain text).
    pub title: String,
    /// Branch with the changes (`branch`, or `user:branch` for a fork).
    pub head: String,
    /// Branch to merge into.
    pub base: String,
    /// Markdown description.
    pub body: Option<String>,
    /// Open as a draft (default false).
    #[serde(default)]
    pub draft: bool,
    /// Let maintainers of the base repository push to the head branch (default true on GitHub).
    pub maintainer_can_modify: Option<bool>,
    /// Logins to ask for a review once it is open.
    pub reviewers: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdatePull {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    /// Title (plain text).
    pub title: Option<String>,
    /// Markdown text.
    pub body: Option<String>,
    /// Close or reopen.
    #[schemars(with = "Option<super::support::choice::State>")]
    pub state: Option<String>,
    /// New base branch.
    pub base: Option<String>,
    /// True makes it a draft, false marks it ready for review.
    pub draft: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct MergePull {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    /// How (default `merge`).
    #[schemars(with = "Option<super::support::choice::MergeMethod>")]
    pub merge_method: Option<String>,
    /// Title of the merge commit.
    pub commit_title: Option<String>,
    /// Message of the merge commit.
    pub commit_message: Option<String>,
    /// Head SHA the PR must still have (protects against merging unseen changes).
    pub sha: Option<String>,
}

fn fields(pairs: &[(&str, Option<String>)]) -> Value {
    Value::Object(
        pairs.iter().filter_map(|(k, v)| v.clone().map(|v| ((*k).to_owned(), json!(v)))).collect::<Map<_, _>>(),
    )
}

const LIST_PULL_REQUESTS: Def = Def::read("list_pull_requests", "List pull requests").about(
    "Lists a repository's pull requests without bodies (number, title, state, author, head and base), \
     filtered by state, head or base branch.",
);

async fn list_pull_requests(gh: Github, p: ListPulls) -> ToolResult {
    let mut q = Vec::new();
    opt(&mut q, "state", &p.state);
    opt(&mut q, "head", &p.head);
    opt(&mut q, "base", &p.base);
    opt(&mut q, "sort", &p.sort);
    opt(&mut q, "direction", &p.direction);
    gh.page(&format!("{}/pulls", p.at.path()?), &q, &p.paging, None, "pull_requests", shape::pull_summary).await
}

const GET_PULL_REQUEST: Def = Def::read("get_pull_request", "Get a pull request").about(
    "Gets one pull request: description, head and base, draft/merged/mergeable state, size and reviewers. \
     Its changes come from get_pull_request_files.",
);

async fn get_pull_request(gh: Github, p: PullRef) -> ToolResult {
    let v = gh.get(&format!("{}/pulls/{}", p.at.path()?, p.pull_number), &[]).await?;
    structured(shape::pull(&v))
}

const GET_PULL_REQUEST_DIFF: Def = Def::read("get_pull_request_diff", "Get a pull request's diff").about(
    "Returns a pull request's unified diff (up to 200,000 characters, marked when cut). For large ones \
     use get_pull_request_files.",
);

async fn get_pull_request_diff(gh: Github, p: PullRef) -> ToolResult {
    let path = format!("{}/pulls/{}", p.at.path()?, p.pull_number);
    let (diff, cut) = gh.text(&path, "application/vnd.github.diff", DIFF_BYTES, Keep::Head).await?;
    let shown = clean_capped(&diff, DIFF_BYTES);
    let note = cut.then_some("The diff is larger than 200,000 bytes and was cut; use get_pull_request_files.");
    structured(json!({"diff": shown, "truncated": cut, "note": note}))
}

const GET_PULL_REQUEST_FILES: Def = Def::read("get_pull_request_files", "List a pull request's changed files").about(
    "Lists the files a pull request changes with status, line counts and each file's patch (capped \
     at 3,000 characters per file). Use it to review the changes file by file.",
);

async fn get_pull_request_files(gh: Github, p: PullList) -> ToolResult {
    let path = format!("{}/pulls/{}/files", p.at.path()?, p.pull_number);
    gh.page(&path, &[], &p.paging, None, "files", shape::file_change).await
}

const GET_PULL_REQUEST_STATUS: Def = Def::read("get_pull_request_status", "Get a pull request's CI status").about(
    "Summarizes CI on a pull request's head commit: the combined status with each context, and the check \
     runs with their conclusions.",
);

async fn get_pull_request_status(gh: Github, p: PullRef) -> ToolResult {
    let repo = p.at.path()?;
    let pr = gh.get(&format!("{repo}/pulls/{}", p.pull_number), &[]).await?;
    let sha = pr["head"]["sha"].as_str().unwrap_or_default().to_owned();
    if sha.is_empty() {
        return Err(ToolFailure::message("GitHub did not say which commit the pull request is at; try again"));
    }
    let status = gh.get(&format!("{repo}/commits/{}/status", seg("sha", &sha)?), &[]).await?;
    let checks =
        gh.get(&format!("{repo}/commits/{}/check-runs", seg("sha", &sha)?), &[("per_page", "100".into())]).await?;
    let statuses: Vec<Value> = status["statuses"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| Value::Object(shape::pick(s, &["context", "state", "description", "target_url"])))
                .collect()
        })
        .unwrap_or_default();
    let runs: Vec<Value> = checks["check_runs"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| Value::Object(shape::pick(c, &["name", "status", "conclusion", "html_url", "completed_at"])))
                .collect()
        })
        .unwrap_or_default();
    structured(json!({"sha": sha, "state": status["state"], "statuses": statuses, "check_runs": runs}))
}

const LIST_PULL_REQUEST_REVIEWS: Def = Def::read("list_pull_request_reviews", "List pull request reviews").about(
    "Lists a pull request's reviews: reviewer, state (APPROVED, CHANGES_REQUESTED, COMMENTED), text and \
     date, to see whether it is approved.",
);

async fn list_pull_request_reviews(gh: Github, p: PullList) -> ToolResult {
    let path = format!("{}/pulls/{}/reviews", p.at.path()?, p.pull_number);
    gh.page(&path, &[], &p.paging, None, "reviews", shape::review).await
}

const CREATE_PULL_REQUEST: Def = Def::create("create_pull_request", "Open a pull request").about(
    "Opens a pull request from a head branch into a base branch, optionally a draft and with reviewers, \
     and returns its number and URL.",
);

async fn create_pull_request(gh: Github, p: CreatePull) -> ToolResult {
    let mut body = json!({"title": p.title, "head": p.head, "base": p.base, "draft": p.draft});
    if let Some(text) = p.body {
        body["body"] = json!(text); // GitHub refuses "body": null
    }
    if let Some(modify) = p.maintainer_can_modify {
        body["maintainer_can_modify"] = json!(modify);
    }
    let repo = p.at.path()?;
    let mut v = gh.send(Method::POST, &format!("{repo}/pulls"), Some(&body)).await?;
    if let Some(reviewers) = p.reviewers.filter(|r| !r.is_empty()) {
        // A second call, as on GitHub; the pull request exists either way, so say what failed.
        let path = format!("{repo}/pulls/{}/requested_reviewers", v["number"]);
        match gh.send(Method::POST, &path, Some(&json!({"reviewers": reviewers}))).await {
            Ok(with_reviewers) => v = with_reviewers,
            Err(ToolFailure::Tool(e)) => {
                let why = e.content.first().and_then(|c| c.as_text()).map(|t| t.text.clone()).unwrap_or_default();
                v["reviewers_not_requested"] = json!(why);
            }
            Err(bug) => return Err(bug),
        }
    }
    let mut out = shape::pull(&v);
    if let Some(why) = v.get("reviewers_not_requested") {
        out["reviewers_not_requested"] = why.clone();
    }
    structured(out)
}

const UPDATE_PULL_REQUEST: Def = Def::update("update_pull_request", "Update a pull request").about(
    "Changes a pull request's title, description, state (close or reopen), base branch or draft \
     state, and returns the updated pull request. To merge it use merge_pull_request.",
);

async fn update_pull_request(gh: Github, p: UpdatePull) -> ToolResult {
    let body = fields(&[("title", p.title), ("body", p.body), ("state", p.state), ("base", p.base)]);
    let path = format!("{}/pulls/{}", p.at.path()?, p.pull_number);
    let mut v = match (body.as_object().is_some_and(Map::is_empty), p.draft) {
        (true, None) => {
            return Err(ToolFailure::message(
                "Nothing to change: pass at least one of title, body, state, base, draft.",
            ));
        }
        (true, Some(_)) => gh.get(&path, &[]).await?,
        (false, _) => gh.send(Method::PATCH, &path, Some(&body)).await?,
    };
    // GitHub changes the draft state only through GraphQL, by the pull request's node id.
    if let Some(draft) = p.draft.filter(|d| v["draft"].as_bool() != Some(*d)) {
        let field = if draft { "convertPullRequestToDraft" } else { "markPullRequestReadyForReview" };
        let mutation =
            format!("mutation($id: ID!) {{ {field}(input: {{pullRequestId: $id}}) {{ pullRequest {{ isDraft }} }} }}");
        let data = gh.graphql(&mutation, json!({"id": v["node_id"]})).await?;
        v["draft"] = data[field]["pullRequest"]["isDraft"].clone();
    }
    structured(shape::pull(&v))
}

const MERGE_PULL_REQUEST: Def = Def::apply("merge_pull_request", "Merge a pull request").about(
    "Merges a pull request (merge, squash or rebase) and returns the merge commit SHA. Pass `sha` to \
     merge only if the head is still the one you reviewed.",
);

async fn merge_pull_request(gh: Github, p: MergePull) -> ToolResult {
    let body = fields(&[
        ("merge_method", p.merge_method),
        ("commit_title", p.commit_title),
        ("commit_message", p.commit_message),
        ("sha", p.sha),
    ]);
    let path = format!("{}/pulls/{}/merge", p.at.path()?, p.pull_number);
    let v = gh.send(Method::PUT, &path, Some(&body)).await?;
    structured(json!({"merged": v["merged"], "sha": v["sha"], "message": v["message"]}))
}

const SEARCH_PULL_REQUESTS: Def = Def::read("search_pull_requests", "Search pull requests").about(
    "Searches pull requests with GitHub's search syntax (`repo:`, `is:open`, `author:`, \
     `review-requested:@me`, words; `is:pr` is added): number, title, state, repository.",
);

async fn search_pull_requests(gh: Github, p: Search<sort::Issues>) -> ToolResult {
    super::issues::search(gh, p.scoped("is:pr", &["is:pr", "type:pr"])).await
}

const REQUEST_PULL_REQUEST_REVIEWERS: Def = Def::ensure("request_pull_request_reviewers", "Request reviewers").about(
    "Asks people with push access to review a pull request and returns everyone now requested. The \
     author cannot be asked; list_repository_collaborators names who can.",
);

async fn request_pull_request_reviewers(gh: Github, p: RequestReviewers) -> ToolResult {
    if p.reviewers.is_empty() {
        return Err(ToolFailure::message("Name at least one reviewer in `reviewers`."));
    }
    let path = format!("{}/pulls/{}/requested_reviewers", p.at.path()?, p.pull_number);
    let v = gh.send(Method::POST, &path, Some(&json!({"reviewers": p.reviewers}))).await?;
    let requested: Vec<Value> =
        v["requested_reviewers"].as_array().map(Vec::as_slice).unwrap_or_default().iter().map(shape::login).collect();
    structured(json!({"pull_number": p.pull_number, "requested_reviewers": requested}))
}

const UPDATE_PULL_REQUEST_BRANCH: Def = Def::apply("update_pull_request_branch", "Update a pull request's branch")
    .about(
        "Merges the latest base branch into a pull request's head branch (GitHub's \"Update branch\"). \
     GitHub refuses when there is nothing new on the base or the two conflict.",
    );

async fn update_pull_request_branch(gh: Github, p: UpdateBranch) -> ToolResult {
    let path = format!("{}/pulls/{}/update-branch", p.at.path()?, p.pull_number);
    let body = p.expected_head_sha.map(|sha| json!({"expected_head_sha": sha})).unwrap_or_else(|| json!({}));
    let v = gh.send(Method::PUT, &path, Some(&body)).await?;
    structured(json!({"pull_number": p.pull_number, "updating": true, "message": v["message"]}))
}

const LIST_PULL_REQUEST_COMMITS: Def = Def::read("list_pull_request_commits", "List a pull request's commits").about(
    "Lists the commits of a pull request, oldest first: SHA, message, author and date. Use get_commit \
     to read one commit's changes.",
);

async fn list_pull_request_commits(gh: Github, p: PullList) -> ToolResult {
    let path = format!("{}/pulls/{}/commits", p.at.path()?, p.pull_number);
    gh.page(&path, &[], &p.paging, None, "commits", shape::commit).await
}

pub fn pulls_tools() -> Vec<Route> {
    vec![
        route(LIST_PULL_REQUEST_COMMITS, list_pull_request_commits),
        route(SEARCH_PULL_REQUESTS, search_pull_requests),
        route(REQUEST_PULL_REQUEST_REVIEWERS, request_pull_request_reviewers),
        route(UPDATE_PULL_REQUEST_BRANCH, update_pull_request_branch),
        route(LIST_PULL_REQUESTS, list_pull_requests),
        route(GET_PULL_REQUEST, get_pull_request),
        route(GET_PULL_REQUEST_DIFF, get_pull_request_diff),
        route(GET_PULL_REQUEST_FILES, get_pull_request_files),
        route(GET_PULL_REQUEST_STATUS, get_pull_request_status),
        route(LIST_PULL_REQUEST_REVIEWS, list_pull_request_reviews),
        route(CREATE_PULL_REQUEST, create_pull_request),
        route(UPDATE_PULL_REQUEST, update_pull_request),
        route(MERGE_PULL_REQUEST, merge_pull_request),
    ]
}
