//! Toolset `pull_requests`, the review side: whole reviews (submitted at once, or pending with
//! line comments until submitted or deleted), single line comments, replies, and reading the
//! line comments of a pull request.

use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    define::{Def, Route, route},
    shape,
    support::{Github, Paging, RepoRef, ToolFailure, ToolResult, structured},
};

/// The schema of a review's `event`; models often write it in lower case, so it is read as text.
#[derive(JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(dead_code)]
pub enum ReviewEvent {
    Approve,
    RequestChanges,
    Comment,
}

/// `event` in upper case, if it is one.
fn event(given: &str) -> Result<String, ToolFailure> {
    let event = given.to_ascii_uppercase();
    if matches!(event.as_str(), "APPROVE" | "REQUEST_CHANGES" | "COMMENT") {
        Ok(event)
    } else {
        Err(ToolFailure::message("`event` must be APPROVE, REQUEST_CHANGES or COMMENT"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Side {
    Left,
    Right,
}

/// A comment on a line, or on the lines `start_line`..=`line`, of a changed file.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct LineComment {
    /// Path of a file the pull request changes.
    pub path: String,
    /// The (last) line commented on, in the file as `side` shows it.
    pub line: u64,
    /// For a range: its first line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_line: Option<u64>,
    /// `RIGHT` (the new version, default) or `LEFT` (the old).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// Markdown comment.
    pub body: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateReview {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    /// Submit now as APPROVE, REQUEST_CHANGES or COMMENT; leave out to start a pending review.
    #[schemars(with = "Option<ReviewEvent>")]
    pub event: Option<String>,
    /// Review text (required for REQUEST_CHANGES and COMMENT without line comments).
    pub body: Option<String>,
    /// Line comments filed with the review.
    pub comments: Option<Vec<LineComment>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SubmitPending {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    /// APPROVE, REQUEST_CHANGES or COMMENT.
    #[schemars(with = "ReviewEvent")]
    pub event: String,
    /// Review text.
    pub body: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddLineComment {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    #[serde(flatten)]
    pub comment: LineComment,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Reply {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    /// The review comment answered (from list_pull_request_review_comments).
    pub comment_id: u64,
    /// Markdown reply.
    pub body: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListLineComments {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
    #[serde(flatten)]
    pub paging: Paging,
}

fn line_comment(v: &Value) -> Value {
    let mut out =
        shape::pick(v, &["id", "path", "line", "start_line", "side", "in_reply_to_id", "created_at", "html_url"]);
    out.insert("user".into(), shape::login(&v["user"]));
    out.insert("body".into(), shape::text(v, "body", 4000));
    Value::Object(out)
}

/// The signed-in user's pending review of the pull request at `reviews` (its `/reviews` path):
/// its id and its GraphQL node id.
pub(super) async fn my_pending_review(gh: &Github, reviews: &str) -> Result<(u64, String), ToolFailure> {
    let list = gh.get(reviews, &[("per_page", "100".into())]).await?;
    let me = gh.login().to_owned();
    list.as_array()
        .and_then(|l| l.iter().find(|r| r["state"] == "PENDING" && r["user"]["login"].as_str().is_some_and(|u| u.eq_ignore_ascii_case(&me))))
        .and_then(|r| Some((r["id"].as_u64()?, r["node_id"].as_str()?.to_owned())))
        .ok_or_else(|| ToolFailure::message("You have no pending review on this pull request; start one with create_pull_request_review without an event."))
}

const CREATE_PULL_REQUEST_REVIEW: Def = Def::create("create_pull_request_review", "Review a pull request").about(
    "Reviews a pull request, optionally with line comments: submitted now (APPROVE, REQUEST_CHANGES, \
     COMMENT) or, without an event, pending until submitted.",
);

async fn create_pull_request_review(gh: Github, p: CreateReview) -> ToolResult {
    let mut body = json!({});
    if let Some(given) = &p.event {
        body["event"] = json!(event(given)?);
    }
    if let Some(text) = p.body {
        body["body"] = json!(text);
    }
    if let Some(comments) = &p.comments {
        body["comments"] = json!(comments);
    }
    let path = format!("{}/pulls/{}/reviews", p.at.path()?, p.pull_number);
    let v = gh.send(Method::POST, &path, Some(&body)).await?;
    let mut out = shape::review(&v);
    out["line_comments"] = json!(p.comments.map_or(0, |c| c.len()));
    structured(out)
}

const SUBMIT_PENDING_PULL_REQUEST_REVIEW: Def =
    Def::apply("submit_pending_pull_request_review", "Submit a pending review").about(
        "Submits the signed-in user's pending review of a pull request, with its line comments, as \
     APPROVE, REQUEST_CHANGES or COMMENT, and returns its id and state.",
    );

async fn submit_pending_pull_request_review(gh: Github, p: SubmitPending) -> ToolResult {
    let reviews = format!("{}/pulls/{}/reviews", p.at.path()?, p.pull_number);
    let event = event(&p.event)?;
    let (id, _) = my_pending_review(&gh, &reviews).await?;
    let mut body = json!({"event": event});
    if let Some(text) = p.body {
        body["body"] = json!(text);
    }
    structured(shape::review(&gh.send(Method::POST, &format!("{reviews}/{id}/events"), Some(&body)).await?))
}

const DELETE_PENDING_PULL_REQUEST_REVIEW: Def =
    Def::update("delete_pending_pull_request_review", "Discard a pending review").about(
        "Deletes the signed-in user's pending review of a pull request and its line comments, before \
     anyone saw them. A submitted review cannot be deleted.",
    );

async fn delete_pending_pull_request_review(gh: Github, p: super::pulls::PullRef) -> ToolResult {
    let reviews = format!("{}/pulls/{}/reviews", p.at.path()?, p.pull_number);
    let (id, _) = my_pending_review(&gh, &reviews).await?;
    gh.send(Method::DELETE, &format!("{reviews}/{id}"), None).await?;
    structured(json!({"review_id": id, "deleted": true}))
}

const ADD_PULL_REQUEST_REVIEW_COMMENT: Def = Def::create("add_pull_request_review_comment", "Comment on a line").about(
    "Comments on a line, or a range of lines, of a file a pull request changes, visible at once. Returns \
     the comment's id, for replies.",
);

async fn add_pull_request_review_comment(gh: Github, p: AddLineComment) -> ToolResult {
    let pull = format!("{}/pulls/{}", p.at.path()?, p.pull_number);
    // GitHub needs the commit the line is read at: the head, as a reviewer sees it now.
    let head = gh.get(&pull, &[]).await?["head"]["sha"].clone();
    let mut body = json!(p.comment);
    body["commit_id"] = head;
    structured(line_comment(&gh.send(Method::POST, &format!("{pull}/comments"), Some(&body)).await?))
}

const ADD_REPLY_TO_PULL_REQUEST_COMMENT: Def =
    Def::create("add_reply_to_pull_request_comment", "Reply to a review comment").about(
        "Replies to a line comment of a pull request review, in its thread, and returns the reply. Use \
     list_pull_request_review_comments to find the comment id.",
    );

async fn add_reply_to_pull_request_comment(gh: Github, p: Reply) -> ToolResult {
    let path = format!("{}/pulls/{}/comments/{}/replies", p.at.path()?, p.pull_number, p.comment_id);
    structured(line_comment(&gh.send(Method::POST, &path, Some(&json!({"body": p.body}))).await?))
}

const LIST_PULL_REQUEST_REVIEW_COMMENTS: Def = Def::read("list_pull_request_review_comments", "List line comments")
    .about(
        "Lists the line comments of a pull request's reviews, oldest first: file, line or range, side, \
     author, text and what each replies to.",
    );

async fn list_pull_request_review_comments(gh: Github, p: ListLineComments) -> ToolResult {
    let path = format!("{}/pulls/{}/comments", p.at.path()?, p.pull_number);
    let (items, page) = gh.list(&path, &[], &p.paging, None).await?;
    structured(json!({"comments": items.iter().map(line_comment).collect::<Vec<_>>(), "page": page}))
}

pub fn reviews_tools() -> Vec<Route> {
    vec![
        route(CREATE_PULL_REQUEST_REVIEW, create_pull_request_review),
        route(SUBMIT_PENDING_PULL_REQUEST_REVIEW, submit_pending_pull_request_review),
        route(DELETE_PENDING_PULL_REQUEST_REVIEW, delete_pending_pull_request_review),
        route(ADD_PULL_REQUEST_REVIEW_COMMENT, add_pull_request_review_comment),
        route(ADD_REPLY_TO_PULL_REQUEST_COMMENT, add_reply_to_pull_request_comment),
        route(LIST_PULL_REQUEST_REVIEW_COMMENTS, list_pull_request_review_comments),
    ]
}
