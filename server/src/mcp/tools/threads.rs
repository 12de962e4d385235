//! Toolset `pull_requests`, what GitHub offers only through GraphQL: review threads (a line
//! comment and its replies) with whether they are resolved, resolving and reopening them, and
//! adding a line comment to the signed-in user's pending review.

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    define::{Def, Route, route},
    reviews::{LineComment, Side, my_pending_review},
    support::{Github, RepoRef, ToolFailure, ToolResult, structured},
};
use crate::github::sanitize::clean_capped;

/// Comments shown per thread, and characters per comment.
const THREAD_COMMENTS: u32 = 20;
const COMMENT_CHARS: usize = 2000;

/// The fields of a thread every answer here shows.
const THREAD: &str = "id isResolved isOutdated path line startLine diffSide resolvedBy { login }
  comments(first: $comments) { totalCount nodes { databaseId author { login } authorAssociation body createdAt } }";

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListThreads {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    /// Threads per page (default 30).
    #[schemars(range(min = 1, max = 100))]
    pub per_page: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ResolveThread {
    /// Thread id (`thread_id` from list_review_threads).
    pub thread_id: String,
    /// False reopens a resolved thread (default true).
    pub resolved: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct PendingComment {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    #[serde(flatten)]
    pub comment: LineComment,
}

/// A thread as GraphQL answers it, for a model: ids, place, state and its first comments.
fn thread(t: &Value) -> Value {
    let comments: Vec<Value> = t["comments"]["nodes"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            json!({
                "id": c["databaseId"],
                "user": c["author"]["login"],
                "body": clean_capped(c["body"].as_str().unwrap_or_default(), COMMENT_CHARS),
                "created_at": c["createdAt"],
            })
        })
        .collect();
    json!({
        "thread_id": t["id"],
        "resolved": t["isResolved"],
        "outdated": t["isOutdated"],
        "path": t["path"],
        "line": t["line"],
        "start_line": t["startLine"],
        "side": t["diffSide"],
        "resolved_by": t["resolvedBy"]["login"],
        "comments_total": t["comments"]["totalCount"],
        "comments": comments,
    })
}

const LIST_REVIEW_THREADS: Def = Def::read("list_review_threads", "List review threads").about(
    "Lists a pull request's review threads (a line comment and its replies): file, line, whether \
     resolved or outdated, and the comments. Its thread_id resolves it.",
);

async fn list_review_threads(gh: Github, p: ListThreads) -> ToolResult {
    let query = format!(
        "query($owner: String!, $name: String!, $number: Int!, $first: Int!, $after: String, $comments: Int!) {{
          repository(owner: $owner, name: $name) {{ pullRequest(number: $number) {{
            reviewThreads(first: $first, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }}
              nodes {{ {THREAD} }} }} }} }} }}"
    );
    p.at.path()?; // the same check of the names as every REST tool, though GraphQL takes them apart
    let variables = json!({
        "owner": p.at.owner, "name": p.at.repo, "number": p.pull_number,
        "first": p.per_page.unwrap_or(30).clamp(1, 100), "after": p.cursor.filter(|c| !c.is_empty()),
        "comments": THREAD_COMMENTS,
    });
    let data = gh.graphql(&query, variables).await?;
    let threads = &data["repository"]["pullRequest"]["reviewThreads"];
    let nodes: Vec<Value> = threads["nodes"].as_array().map(|n| n.iter().map(thread).collect()).unwrap_or_default();
    let more = threads["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false);
    structured(json!({
        "threads": nodes,
        "page": {"total_count": threads["totalCount"], "has_more": more,
                 "next_cursor": if more { threads["pageInfo"]["endCursor"].clone() } else { Value::Null }},
    }))
}

const RESOLVE_REVIEW_THREAD: Def = Def::update("resolve_review_thread", "Resolve a review thread").about(
    "Marks a pull request review thread resolved, once its point is addressed, or reopens it with \
     `resolved: false`. Needs push access or authorship of the pull request.",
);

async fn resolve_review_thread(gh: Github, p: ResolveThread) -> ToolResult {
    if p.thread_id.trim().is_empty() {
        return Err(ToolFailure::message("`thread_id` must name a thread (from list_review_threads)."));
    }
    let field = if p.resolved.unwrap_or(true) { "resolveReviewThread" } else { "unresolveReviewThread" };
    let mutation = format!(
        "mutation($id: ID!, $comments: Int!) {{ {field}(input: {{threadId: $id}}) {{ thread {{ {THREAD} }} }} }}"
    );
    let data = gh.graphql(&mutation, json!({"id": p.thread_id, "comments": THREAD_COMMENTS})).await?;
    structured(thread(&data[field]["thread"]))
}

const ADD_COMMENT_TO_PENDING_REVIEW: Def =
    Def::create("add_comment_to_pending_review", "Add a line comment to your pending review").about(
        "Adds a comment on a line or range of a changed file to the signed-in user's pending review, \
         unseen by others until submit_pending_pull_request_review.",
    );

async fn add_comment_to_pending_review(gh: Github, p: PendingComment) -> ToolResult {
    let reviews = format!("{}/pulls/{}/reviews", p.at.path()?, p.pull_number);
    let (_, review) = my_pending_review(&gh, &reviews).await?;
    let c = p.comment;
    let side = c.side.unwrap_or(Side::Right);
    let mutation = format!(
        "mutation($review: ID!, $path: String!, $body: String!, $line: Int!, $side: DiffSide,
                  $startLine: Int, $startSide: DiffSide, $comments: Int!) {{
          addPullRequestReviewThread(input: {{pullRequestReviewId: $review, path: $path, body: $body, line: $line,
            side: $side, startLine: $startLine, startSide: $startSide}}) {{ thread {{ {THREAD} }} }} }}"
    );
    let variables = json!({
        "review": review, "path": c.path, "body": c.body, "line": c.line, "side": side,
        "startLine": c.start_line, "startSide": c.start_line.map(|_| side), "comments": THREAD_COMMENTS,
    });
    let data = gh.graphql(&mutation, variables).await?;
    structured(thread(&data["addPullRequestReviewThread"]["thread"]))
}

pub fn threads_tools() -> Vec<Route> {
    vec![
        route(LIST_REVIEW_THREADS, list_review_threads),
        route(RESOLVE_REVIEW_THREAD, resolve_review_thread),
        route(ADD_COMMENT_TO_PENDING_REVIEW, add_comment_to_pending_review),
    ]
}
