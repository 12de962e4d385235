//! Toolset `discussions` (off by default): a repository's GitHub Discussions, which GitHub offers
//! only through GraphQL: categories, discussions, one discussion, its comments and replies, and
//! adding, editing and deleting comments and choosing the answer. An organization's discussions
//! live in its `.github` repository.

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    define::{Def, Route, route},
    shape,
    support::{Github, RepoRef, ToolFailure, ToolResult, structured},
};

/// Characters of a discussion's or comment's body shown.
const BODY_CHARS: usize = 4000;
/// Replies shown per comment when asked for.
const REPLIES: u32 = 50;

mod choice {
    use rmcp::schemars::{self, JsonSchema};

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum Order {
        Created,
        Updated,
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListDiscussions {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Only this category (its id, from list_discussion_categories).
    pub category_id: Option<String>,
    /// Only answered (`true`) or unanswered (`false`) ones.
    pub answered: Option<bool>,
    /// Sort key (default `updated`).
    #[schemars(with = "Option<choice::Order>")]
    pub sort: Option<String>,
    /// Order (default `desc`).
    #[schemars(with = "Option<super::support::choice::Direction>")]
    pub direction: Option<String>,
    #[serde(flatten)]
    pub paging: GraphPaging,
}

/// `per_page` / `cursor` of the GraphQL lists.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct GraphPaging {
    /// Per page (default 30).
    #[schemars(range(min = 1, max = 100))]
    pub per_page: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl GraphPaging {
    fn variables(&self) -> (u32, Option<&str>) {
        (self.per_page.unwrap_or(30).clamp(1, 100), self.cursor.as_deref().filter(|c| !c.is_empty()))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DiscussionRef {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Discussion number.
    pub discussion_number: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListComments {
    #[serde(flatten)]
    pub discussion: DiscussionRef,
    /// Show each comment's replies too (up to 50 each).
    pub include_replies: Option<bool>,
    #[serde(flatten)]
    pub paging: GraphPaging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddComment {
    #[serde(flatten)]
    pub discussion: DiscussionRef,
    /// Markdown comment.
    pub body: String,
    /// Reply to this top-level comment (its comment_id) instead of adding a new one.
    pub reply_to: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct EditComment {
    /// Comment id (comment_id from get_discussion_comments).
    pub comment_id: String,
    /// New Markdown body (replaces the old one).
    pub body: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CommentRef {
    /// Comment id (comment_id from get_discussion_comments).
    pub comment_id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct MarkAnswer {
    /// Comment id (comment_id from get_discussion_comments) of a top-level comment.
    pub comment_id: String,
    /// False removes the mark (default true).
    pub answer: Option<bool>,
}

/// The fields of a comment every answer here shows.
const COMMENT: &str = "id author { login } authorAssociation body createdAt isAnswer";
/// The fields of a discussion in lists.
const SUMMARY: &str = "number title author { login } authorAssociation category { name } createdAt updatedAt closed isAnswered url comments(first: 0) { totalCount }";

fn page_of(connection: &Value) -> Value {
    let info = &connection["pageInfo"];
    let more = info["hasNextPage"].as_bool().unwrap_or(false);
    json!({"has_next_page": more, "next_cursor": if more { info["endCursor"].clone() } else { Value::Null },
           "total_count": connection["totalCount"]})
}

fn login(v: &Value) -> Value {
    shape::login(&v["author"])
}

fn comment(c: &Value) -> Value {
    let mut out = json!({
        "comment_id": c["id"], "user": login(c), "body": shape::text(c, "body", BODY_CHARS),
        "created_at": c["createdAt"], "is_answer": c["isAnswer"],
    });
    if c["replies"].is_object() {
        out["replies_total"] = c["replies"]["totalCount"].clone();
    }
    if let Some(replies) = c["replies"]["nodes"].as_array() {
        out["replies"] = replies.iter().map(comment).collect();
    }
    out
}

fn summary(d: &Value) -> Value {
    json!({
        "number": d["number"], "title": shape::text(d, "title", 300), "user": login(d),
        "category": d["category"]["name"], "created_at": d["createdAt"], "updated_at": d["updatedAt"],
        "closed": d["closed"], "answered": d["isAnswered"], "comments": d["comments"]["totalCount"],
        "url": d["url"],
    })
}

/// `repository { … }` of `at`, with `fields`, and the variables `extra` adds.
async fn in_repo(gh: &Github, at: &RepoRef, params: &str, fields: &str, extra: Value) -> Result<Value, ToolFailure> {
    at.path()?; // the same check of the names as every REST tool, though GraphQL takes them apart
    let query = format!(
        "query($owner: String!, $name: String!{params}) {{ repository(owner: $owner, name: $name) {{ {fields} }} }}"
    );
    let mut variables = json!({"owner": at.owner, "name": at.repo});
    for (k, v) in extra.as_object().into_iter().flatten() {
        variables[k] = v.clone();
    }
    let mut data = gh.graphql(&query, variables).await?;
    Ok(data["repository"].take())
}

const LIST_DISCUSSION_CATEGORIES: Def = Def::read("list_discussion_categories", "List discussion categories").about(
    "Lists a repository's discussion categories (an organization's are in its `.github` \
         repository): id, name, emoji, and whether comments can be marked as the answer (Q&A).",
);

async fn list_discussion_categories(gh: Github, p: RepoRef) -> ToolResult {
    let fields = "discussionCategories(first: 100) { totalCount nodes { id name emoji description isAnswerable } }";
    let repo = in_repo(&gh, &p, "", fields, json!({})).await?;
    let categories: Vec<Value> = repo["discussionCategories"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| json!({"id": c["id"], "name": c["name"], "emoji": c["emoji"], "description": shape::text(c, "description", 300), "answerable": c["isAnswerable"]}))
        .collect();
    structured(json!({"categories": categories}))
}

const LIST_DISCUSSIONS: Def = Def::read("list_discussions", "List discussions").about(
    "Lists a repository's discussions, most recently updated first: number, title, author, \
     category, answered or not, comment count. Filter by category or by answered.",
);

async fn list_discussions(gh: Github, p: ListDiscussions) -> ToolResult {
    let (first, after) = p.paging.variables();
    let field = if p.sort.as_deref() == Some("created") { "CREATED_AT" } else { "UPDATED_AT" };
    let direction = if p.direction.as_deref() == Some("asc") { "ASC" } else { "DESC" };
    let fields = format!(
        "discussions(first: $first, after: $after, categoryId: $category, answered: $answered, orderBy: {{field: {field}, direction: {direction}}}) {{ totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {SUMMARY} }} }}"
    );
    let params = ", $first: Int!, $after: String, $category: ID, $answered: Boolean";
    let extra = json!({"first": first, "after": after, "category": p.category_id, "answered": p.answered});
    let repo = in_repo(&gh, &p.at, params, &fields, extra).await?;
    let list = &repo["discussions"];
    let discussions: Vec<Value> = list["nodes"].as_array().into_iter().flatten().map(summary).collect();
    structured(json!({"discussions": discussions, "page": page_of(list)}))
}

const GET_DISCUSSION: Def = Def::read("get_discussion", "Get a discussion").about(
    "Gets one discussion by number: title, body, author, category, whether it is answered and \
     the answer, comment count. Read its comments with get_discussion_comments.",
);

async fn get_discussion(gh: Github, p: DiscussionRef) -> ToolResult {
    let fields = format!("discussion(number: $number) {{ {SUMMARY} body locked answer {{ {COMMENT} }} }}");
    let repo = in_repo(&gh, &p.at, ", $number: Int!", &fields, json!({"number": p.discussion_number})).await?;
    let d = &repo["discussion"];
    let mut out = summary(d);
    out["body"] = shape::text(d, "body", BODY_CHARS);
    out["locked"] = d["locked"].clone();
    if d["answer"].is_object() {
        out["answer"] = comment(&d["answer"]);
    }
    structured(out)
}

const GET_DISCUSSION_COMMENTS: Def = Def::read("get_discussion_comments", "Get discussion comments").about(
    "Lists a discussion's comments, oldest first, with their comment_id, author, body and whether \
     each is the answer; with include_replies, each comment's replies as well.",
);

async fn get_discussion_comments(gh: Github, p: ListComments) -> ToolResult {
    let (first, after) = p.paging.variables();
    let replies = if p.include_replies == Some(true) {
        format!("replies(first: {REPLIES}) {{ totalCount nodes {{ {COMMENT} }} }}")
    } else {
        "replies(first: 0) { totalCount }".to_owned()
    };
    let fields = format!(
        "discussion(number: $number) {{ comments(first: $first, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {COMMENT} {replies} }} }} }}"
    );
    let params = ", $number: Int!, $first: Int!, $after: String";
    let extra = json!({"number": p.discussion.discussion_number, "first": first, "after": after});
    let repo = in_repo(&gh, &p.discussion.at, params, &fields, extra).await?;
    let list = &repo["discussion"]["comments"];
    let comments: Vec<Value> = list["nodes"].as_array().into_iter().flatten().map(comment).collect();
    structured(
        json!({"discussion_number": p.discussion.discussion_number, "comments": comments, "page": page_of(list)}),
    )
}

const ADD_DISCUSSION_COMMENT: Def = Def::create("add_discussion_comment", "Comment on a discussion").about(
    "Adds a comment to a discussion, or, with reply_to, a reply to one of its top-level comments. \
     Returns the new comment's comment_id.",
);

async fn add_discussion_comment(gh: Github, p: AddComment) -> ToolResult {
    let found = in_repo(
        &gh,
        &p.discussion.at,
        ", $number: Int!",
        "discussion(number: $number) { id }",
        json!({"number": p.discussion.discussion_number}),
    )
    .await?;
    let mutation = "mutation($discussion: ID!, $body: String!, $reply: ID) {
      addDiscussionComment(input: {discussionId: $discussion, body: $body, replyToId: $reply}) { comment { id url } } }";
    let variables = json!({"discussion": found["discussion"]["id"], "body": p.body, "reply": p.reply_to});
    let added = gh.graphql(mutation, variables).await?;
    let c = &added["addDiscussionComment"]["comment"];
    structured(json!({"comment_id": c["id"], "url": c["url"]}))
}

const UPDATE_DISCUSSION_COMMENT: Def = Def::update("update_discussion_comment", "Edit a discussion comment").about(
    "Replaces the body of a discussion comment or reply (the signed-in user's own, or any with \
         push access). Returns the comment's comment_id and new body.",
);

async fn update_discussion_comment(gh: Github, p: EditComment) -> ToolResult {
    let mutation = "mutation($id: ID!, $body: String!) {
      updateDiscussionComment(input: {commentId: $id, body: $body}) { comment { id body } } }";
    let updated = gh.graphql(mutation, json!({"id": p.comment_id, "body": p.body})).await?;
    let c = &updated["updateDiscussionComment"]["comment"];
    structured(json!({"comment_id": c["id"], "body": shape::text(c, "body", BODY_CHARS)}))
}

const DELETE_DISCUSSION_COMMENT: Def = Def::update("delete_discussion_comment", "Delete a discussion comment").about(
    "Deletes a discussion comment (with its replies) or one reply: the signed-in user's own, or \
         any with push access. Returns the deleted comment's comment_id.",
);

async fn delete_discussion_comment(gh: Github, p: CommentRef) -> ToolResult {
    let mutation = "mutation($id: ID!) { deleteDiscussionComment(input: {id: $id}) { comment { id } } }";
    let deleted = gh.graphql(mutation, json!({"id": p.comment_id})).await?;
    structured(json!({"comment_id": deleted["deleteDiscussionComment"]["comment"]["id"], "deleted": true}))
}

const MARK_DISCUSSION_ANSWER: Def = Def::ensure("mark_discussion_answer", "Mark a discussion answer").about(
    "Marks a top-level comment as the answer of its discussion (Q&A categories), or with answer \
     false removes the mark; needs authorship of the discussion or push access.",
);

async fn mark_discussion_answer(gh: Github, p: MarkAnswer) -> ToolResult {
    let answer = p.answer.unwrap_or(true);
    let action = if answer { "markDiscussionCommentAsAnswer" } else { "unmarkDiscussionCommentAsAnswer" };
    let mutation =
        format!("mutation($id: ID!) {{ {action}(input: {{id: $id}}) {{ discussion {{ number isAnswered }} }} }}");
    let done = gh.graphql(&mutation, json!({"id": p.comment_id})).await?;
    let d = &done[action]["discussion"];
    structured(json!({"comment_id": p.comment_id, "discussion_number": d["number"], "answered": d["isAnswered"]}))
}

pub fn discussions_tools() -> Vec<Route> {
    vec![
        route(LIST_DISCUSSION_CATEGORIES, list_discussion_categories),
        route(LIST_DISCUSSIONS, list_discussions),
        route(GET_DISCUSSION, get_discussion),
        route(GET_DISCUSSION_COMMENTS, get_discussion_comments),
        route(ADD_DISCUSSION_COMMENT, add_discussion_comment),
        route(UPDATE_DISCUSSION_COMMENT, update_discussion_comment),
        route(DELETE_DISCUSSION_COMMENT, delete_discussion_comment),
        route(MARK_DISCUSSION_ANSWER, mark_discussion_answer),
    ]
}
