//! Toolset `issues`: listing, searching and reading issues and their comments and labels, and
//! creating, updating and commenting on issues.

use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    define::{Def, Route, route},
    search::{Search, sort},
    shape,
    support::{Github, Paging, RepoRef, ToolFailure, ToolResult, opt, structured},
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListIssues {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Which (default `open`).
    #[schemars(with = "Option<super::support::choice::ListState>")]
    pub state: Option<String>,
    /// Comma-separated label names; only issues with all of them.
    pub labels: Option<String>,
    /// `created` (default), `updated` or `comments`.
    pub sort: Option<String>,
    /// Order (default `desc`).
    #[schemars(with = "Option<super::support::choice::Direction>")]
    pub direction: Option<String>,
    /// ISO 8601 timestamp: only issues updated after it.
    pub since: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct IssueRef {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Issue number.
    pub issue_number: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListIssueComments {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Issue (or pull request) number.
    pub issue_number: u64,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateIssue {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Title (plain text).
    pub title: String,
    /// Markdown body.
    pub body: Option<String>,
    /// Label names (created on the repository if they do not exist).
    pub labels: Option<Vec<String>>,
    /// Logins to assign.
    pub assignees: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateIssue {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Issue (or pull request) number.
    pub issue_number: u64,
    /// Title (plain text).
    pub title: Option<String>,
    /// New Markdown body (replaces the old one).
    pub body: Option<String>,
    /// Close or reopen.
    #[schemars(with = "Option<super::support::choice::State>")]
    pub state: Option<String>,
    /// Why: `completed` or `not_planned` when closing, `reopened` when reopening.
    #[schemars(with = "Option<super::support::choice::StateReason>")]
    pub state_reason: Option<String>,
    /// The complete new set of label names (replaces the old set).
    pub labels: Option<Vec<String>>,
    /// The complete new set of assignee logins (replaces the old set).
    pub assignees: Option<Vec<String>>,
    /// Milestone number (from list_milestones); 0 removes the milestone.
    pub milestone: Option<u64>,
    /// Issue type name (from list_issue_types, organizations only); empty removes it.
    #[serde(rename = "type")]
    pub issue_type: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddIssueComment {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Issue or pull request number.
    pub issue_number: u64,
    /// Markdown comment.
    pub body: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListLabels {
    #[serde(flatten)]
    pub at: RepoRef,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct LabelRef {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Label name (case does not matter).
    pub name: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateLabel {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Label name.
    pub name: String,
    /// Six hex digits, e.g. `d73a4a` (default: grey).
    pub color: Option<String>,
    /// Short description.
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateLabel {
    #[serde(flatten)]
    pub at: RepoRef,
    /// The label's current name.
    pub name: String,
    /// A new name (every issue with the label keeps it under the new name).
    pub new_name: Option<String>,
    /// Six hex digits, e.g. `d73a4a`.
    pub color: Option<String>,
    /// Short description.
    pub description: Option<String>,
}

impl LabelRef {
    fn path(&self) -> Result<String, ToolFailure> {
        Ok(format!("{}/labels/{}", self.at.path()?, super::support::seg("name", &self.name)?))
    }
}

/// The fields that are set, as a JSON object (unset fields are left unchanged by GitHub).
pub(super) fn set_fields(fields: &[(&str, Option<Value>)]) -> Value {
    Value::Object(fields.iter().filter_map(|(k, v)| v.clone().map(|v| ((*k).to_owned(), v))).collect::<Map<_, _>>())
}

const LIST_ISSUES: Def = Def::read("list_issues", "List issues").about(
    "Lists a repository's issues without bodies, filtered by state and labels; GitHub includes pull \
     requests (`is_pull_request` tells them apart).",
);

async fn list_issues(gh: Github, p: ListIssues) -> ToolResult {
    let mut q = Vec::new();
    opt(&mut q, "state", &p.state);
    opt(&mut q, "labels", &p.labels);
    opt(&mut q, "sort", &p.sort);
    opt(&mut q, "direction", &p.direction);
    opt(&mut q, "since", &p.since);
    gh.page(&format!("{}/issues", p.at.path()?), &q, &p.paging, None, "issues", shape::issue_summary).await
}

const GET_ISSUE: Def = Def::read("get_issue", "Get an issue").about(
    "Gets one issue with its Markdown body, labels, assignees, state, milestone and comment count; its \
     comments come from list_issue_comments.",
);

async fn get_issue(gh: Github, p: IssueRef) -> ToolResult {
    let v = gh.get(&format!("{}/issues/{}", p.at.path()?, p.issue_number), &[]).await?;
    structured(shape::issue(&v))
}

const LIST_ISSUE_COMMENTS: Def = Def::read("list_issue_comments", "List issue comments").about(
    "Lists the comments on an issue or pull request conversation, oldest first: author, date and \
     Markdown body. Use it to read a discussion before replying with add_issue_comment.",
);

async fn list_issue_comments(gh: Github, p: ListIssueComments) -> ToolResult {
    let path = format!("{}/issues/{}/comments", p.at.path()?, p.issue_number);
    gh.page(&path, &[], &p.paging, None, "comments", shape::comment).await
}

const SEARCH_ISSUES: Def = Def::read("search_issues", "Search issues and pull requests").about(
    "Searches issues and pull requests across GitHub with GitHub's search syntax; the query must \
     include `is:issue` or `is:pr`, e.g. `repo:octocat/hello-world is:issue is:open label:bug crash`. \
     Returns number, title, state, repository.",
);

async fn search_issues(gh: Github, p: Search<sort::Issues>) -> ToolResult {
    search(gh, p).await
}

/// One page of `/search/issues`, each hit with its repository.
pub(super) async fn search(gh: Github, p: Search<sort::Issues>) -> ToolResult {
    let (items, page) = gh.list("/search/issues", &p.query(), &p.paging, Some("items")).await?;
    let items: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut s = shape::issue_summary(i);
            // Search results name their repository only through the API URL.
            let repo = i["repository_url"].as_str().and_then(|u| u.split("/repos/").nth(1)).map(str::to_owned);
            if let (Some(o), Some(r)) = (s.as_object_mut(), repo) {
                o.insert("repository".into(), json!(r));
            }
            s
        })
        .collect();
    structured(json!({"issues": items, "page": page}))
}

const CREATE_ISSUE: Def = Def::create("create_issue", "Create an issue").about(
    "Opens an issue with a title and optional Markdown body, labels and assignees, and returns its \
     number and URL. Use list_labels first to use existing label names.",
);

async fn create_issue(gh: Github, p: CreateIssue) -> ToolResult {
    if p.title.trim().is_empty() {
        return Err(ToolFailure::message("`title` must not be empty"));
    }
    let body = set_fields(&[
        ("title", Some(json!(p.title))),
        ("body", p.body.map(Value::from)),
        ("labels", p.labels.map(Value::from)),
        ("assignees", p.assignees.map(Value::from)),
    ]);
    let v = gh.send(Method::POST, &format!("{}/issues", p.at.path()?), Some(&body)).await?;
    structured(shape::issue(&v))
}

const UPDATE_ISSUE: Def = Def::update("update_issue", "Update an issue").about(
    "Changes an issue's title, body, state (closing with `state_reason`), labels, assignees or milestone; \
     labels and assignees replace the current sets.",
);

async fn update_issue(gh: Github, p: UpdateIssue) -> ToolResult {
    let body = set_fields(&[
        ("title", p.title.map(Value::from)),
        ("body", p.body.map(Value::from)),
        ("state", p.state.map(Value::from)),
        ("state_reason", p.state_reason.map(Value::from)),
        ("labels", p.labels.map(Value::from)),
        ("assignees", p.assignees.map(Value::from)),
        ("milestone", p.milestone.map(|n| if n == 0 { Value::Null } else { json!(n) })),
        ("type", p.issue_type.map(|t| if t.is_empty() { Value::Null } else { json!(t) })),
    ]);
    if body.as_object().is_some_and(Map::is_empty) {
        return Err(ToolFailure::message(
            "Nothing to change: pass at least one of title, body, state, labels, assignees, milestone, type.",
        ));
    }
    let path = format!("{}/issues/{}", p.at.path()?, p.issue_number);
    let v = gh.send(Method::PATCH, &path, Some(&body)).await?;
    structured(shape::issue(&v))
}

const ADD_ISSUE_COMMENT: Def = Def::create("add_issue_comment", "Comment on an issue or pull request").about(
    "Adds a Markdown comment to an issue or pull request conversation and returns its id and URL. Line \
     comments go through the review tools.",
);

async fn add_issue_comment(gh: Github, p: AddIssueComment) -> ToolResult {
    if p.body.trim().is_empty() {
        return Err(ToolFailure::message("`body` must not be empty"));
    }
    let path = format!("{}/issues/{}/comments", p.at.path()?, p.issue_number);
    let v = gh.send(Method::POST, &path, Some(&json!({"body": p.body}))).await?;
    structured(shape::comment(&v))
}

const LIST_LABELS: Def = Def::read("list_labels", "List labels").about(
    "Lists the labels defined on a repository: name, color and description. Use it to pick existing \
     label names before create_issue or update_issue.",
);

async fn list_labels(gh: Github, p: ListLabels) -> ToolResult {
    gh.page(&format!("{}/labels", p.at.path()?), &[], &p.paging, None, "labels", shape::label).await
}

const GET_LABEL: Def = Def::read("get_label", "Get a label").about(
    "Gets one label of a repository by name (case does not matter): name, color and description. Use it to \
     check that a label exists before using it.",
);

async fn get_label(gh: Github, p: LabelRef) -> ToolResult {
    structured(shape::label(&gh.get(&p.path()?, &[]).await?))
}

const CREATE_LABEL: Def = Def::create("create_label", "Create a label").about(
    "Creates a label on a repository with a name, color and description, and returns it. Needs push access; \
     a name already taken is refused.",
);

async fn create_label(gh: Github, p: CreateLabel) -> ToolResult {
    let body = set_fields(&[
        ("name", Some(json!(p.name))),
        ("color", p.color.map(|c| json!(c.trim_start_matches('#')))),
        ("description", p.description.map(Value::from)),
    ]);
    let v = gh.send(Method::POST, &format!("{}/labels", p.at.path()?), Some(&body)).await?;
    structured(shape::label(&v))
}

const UPDATE_LABEL: Def = Def::update("update_label", "Update a label").about(
    "Renames a label or changes its color or description, and returns it; issues and pull requests keep the \
     label under its new name.",
);

async fn update_label(gh: Github, p: UpdateLabel) -> ToolResult {
    let body = set_fields(&[
        ("new_name", p.new_name.map(Value::from)),
        ("color", p.color.map(|c| json!(c.trim_start_matches('#')))),
        ("description", p.description.map(Value::from)),
    ]);
    if body.as_object().is_some_and(Map::is_empty) {
        return Err(ToolFailure::message("Nothing to change: pass new_name, color or description."));
    }
    let label = LabelRef { at: p.at, name: p.name };
    structured(shape::label(&gh.send(Method::PATCH, &label.path()?, Some(&body)).await?))
}

const DELETE_LABEL: Def = Def::update("delete_label", "Delete a label").about(
    "Deletes a label from a repository and from every issue and pull request that has it. To keep it on \
     them under another name, use update_label.",
);

async fn delete_label(gh: Github, p: LabelRef) -> ToolResult {
    gh.send(Method::DELETE, &p.path()?, None).await?;
    structured(json!({"name": p.name, "deleted": true}))
}

pub fn issues_tools() -> Vec<Route> {
    vec![
        route(LIST_ISSUES, list_issues),
        route(GET_ISSUE, get_issue),
        route(LIST_ISSUE_COMMENTS, list_issue_comments),
        route(SEARCH_ISSUES, search_issues),
        route(CREATE_ISSUE, create_issue),
        route(UPDATE_ISSUE, update_issue),
        route(ADD_ISSUE_COMMENT, add_issue_comment),
        route(LIST_LABELS, list_labels),
        route(GET_LABEL, get_label),
        route(CREATE_LABEL, create_label),
        route(UPDATE_LABEL, update_label),
        route(DELETE_LABEL, delete_label),
    ]
}
