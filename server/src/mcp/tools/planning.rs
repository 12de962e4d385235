//! Toolset `issues`, the planning side: sub-issues (list, add, remove, reorder), dependencies
//! (what blocks what), milestones, issue types, and reactions on issues and comments.

use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    define::{Def, Route, route},
    shape,
    support::{Github, Paging, RepoRef, ToolFailure, ToolResult, structured},
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct IssueAt {
    #[serde(flatten)]
    pub at: RepoRef,
    /// The parent issue's number.
    pub issue_number: u64,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SubIssue {
    #[serde(flatten)]
    pub at: RepoRef,
    /// The parent issue's number.
    pub issue_number: u64,
    /// The number of the issue to add, remove or move (same repository).
    pub sub_issue_number: u64,
    /// When adding: move it from the parent it has now (default false: refused if it has one).
    pub replace_parent: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Reprioritize {
    #[serde(flatten)]
    pub at: RepoRef,
    /// The parent issue's number.
    pub issue_number: u64,
    /// The number of the sub-issue to move.
    pub sub_issue_number: u64,
    /// Put it right after this sub-issue (its number).
    pub after_number: Option<u64>,
    /// Or right before this one.
    pub before_number: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Dependency {
    #[serde(flatten)]
    pub at: RepoRef,
    /// The blocked issue's number.
    pub issue_number: u64,
    /// The number of the issue that blocks it (same repository).
    pub blocked_by_number: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneState {
    Open,
    Closed,
    All,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListMilestones {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Which milestones (default `open`).
    pub state: Option<MilestoneState>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Reaction {
    #[serde(rename = "+1")]
    ThumbsUp,
    #[serde(rename = "-1")]
    ThumbsDown,
    #[serde(rename = "laugh")]
    Laugh,
    #[serde(rename = "confused")]
    Confused,
    #[serde(rename = "heart")]
    Heart,
    #[serde(rename = "hooray")]
    Hooray,
    #[serde(rename = "rocket")]
    Rocket,
    #[serde(rename = "eyes")]
    Eyes,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct IssueReaction {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Issue or pull request number.
    pub issue_number: u64,
    /// The reaction.
    pub content: Reaction,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CommentReaction {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Comment id (from list_issue_comments).
    pub comment_id: u64,
    /// The reaction.
    pub content: Reaction,
}

/// GitHub names sub-issues by issue *id*; tools take the number a model sees.
async fn issue_id(gh: &Github, repo: &str, number: u64) -> Result<u64, ToolFailure> {
    let issue = gh.get(&format!("{repo}/issues/{number}"), &[]).await?;
    issue["id"]
        .as_u64()
        .ok_or_else(|| ToolFailure::message(format!("GitHub named no id for issue #{number}; try again")))
}

fn parent(v: &Value) -> Value {
    json!({"number": v["number"], "sub_issues": v["sub_issues_summary"]})
}

const LIST_SUB_ISSUES: Def = Def::read("list_sub_issues", "List sub-issues").about(
    "Lists the sub-issues of an issue in priority order: number, title, state, labels and \
     assignees. Use it to see how a larger piece of work is broken down.",
);

async fn list_sub_issues(gh: Github, p: IssueAt) -> ToolResult {
    let path = format!("{}/issues/{}/sub_issues", p.at.path()?, p.issue_number);
    gh.page(&path, &[], &p.paging, None, "sub_issues", shape::issue_summary).await
}

const GET_PARENT_ISSUE: Def = Def::read("get_parent_issue", "Get an issue's parent").about(
    "Gets the issue that an issue is a sub-issue of: number, title, state and sub-issue counts. \
     GitHub answers not found when it has no parent.",
);

async fn get_parent_issue(gh: Github, p: super::issues::IssueRef) -> ToolResult {
    let v = gh.get(&format!("{}/issues/{}/parent", p.at.path()?, p.issue_number), &[]).await?;
    structured(shape::issue_summary(&v))
}

const ADD_SUB_ISSUE: Def = Def::ensure("add_sub_issue", "Add a sub-issue").about(
    "Makes an issue a sub-issue of another (same repository) and returns the parent's sub-issue \
     counts. An issue has one parent: pass replace_parent to move it from its current one.",
);

async fn add_sub_issue(gh: Github, p: SubIssue) -> ToolResult {
    let repo = p.at.path()?;
    let id = issue_id(&gh, &repo, p.sub_issue_number).await?;
    let mut body = json!({"sub_issue_id": id});
    if let Some(replace) = p.replace_parent {
        body["replace_parent"] = json!(replace);
    }
    let v = gh.send(Method::POST, &format!("{repo}/issues/{}/sub_issues", p.issue_number), Some(&body)).await?;
    structured(parent(&v))
}

const REMOVE_SUB_ISSUE: Def = Def::update("remove_sub_issue", "Remove a sub-issue").about(
    "Detaches a sub-issue from its parent issue (the issue itself stays open or closed as it was) \
     and returns the parent's sub-issue counts.",
);

async fn remove_sub_issue(gh: Github, p: SubIssue) -> ToolResult {
    let repo = p.at.path()?;
    let id = issue_id(&gh, &repo, p.sub_issue_number).await?;
    let path = format!("{repo}/issues/{}/sub_issue", p.issue_number);
    structured(parent(&gh.send(Method::DELETE, &path, Some(&json!({"sub_issue_id": id}))).await?))
}

const REPRIORITIZE_SUB_ISSUE: Def = Def::update("reprioritize_sub_issue", "Reorder a sub-issue").about(
    "Moves a sub-issue right after (or before) another sub-issue of the same parent, changing the \
     priority order list_sub_issues shows.",
);

async fn reprioritize_sub_issue(gh: Github, p: Reprioritize) -> ToolResult {
    let repo = p.at.path()?;
    let (key, anchor) = match (p.after_number, p.before_number) {
        (Some(after), None) => ("after_id", after),
        (None, Some(before)) => ("before_id", before),
        _ => return Err(ToolFailure::message("Pass exactly one of after_number or before_number.")),
    };
    let id = issue_id(&gh, &repo, p.sub_issue_number).await?;
    let anchor = issue_id(&gh, &repo, anchor).await?;
    let body = json!({"sub_issue_id": id, key: anchor});
    let path = format!("{repo}/issues/{}/sub_issues/priority", p.issue_number);
    structured(parent(&gh.send(Method::PATCH, &path, Some(&body)).await?))
}

const LIST_ISSUE_DEPENDENCIES: Def = Def::read("list_issue_dependencies", "List what blocks an issue").about(
    "Lists an issue's dependencies both ways: the issues that block it (`blocked_by`) and the ones \
     it blocks (`blocking`), each with number, title and state.",
);

async fn list_issue_dependencies(gh: Github, p: super::issues::IssueRef) -> ToolResult {
    let base = format!("{}/issues/{}/dependencies", p.at.path()?, p.issue_number);
    let paging = Paging { page: None, per_page: Some(100) };
    let (blocked_by, _) = gh.list(&format!("{base}/blocked_by"), &[], &paging, None).await?;
    let (blocking, _) = gh.list(&format!("{base}/blocking"), &[], &paging, None).await?;
    let shaped = |list: &[Value]| list.iter().map(shape::issue_summary).collect::<Vec<_>>();
    structured(
        json!({"issue_number": p.issue_number, "blocked_by": shaped(&blocked_by), "blocking": shaped(&blocking)}),
    )
}

const ADD_ISSUE_DEPENDENCY: Def = Def::ensure("add_issue_dependency", "Mark an issue blocked").about(
    "Records that one issue is blocked by another of the same repository. GitHub refuses an issue \
     blocking itself, or a dependency the other way round already exists.",
);

async fn add_issue_dependency(gh: Github, p: Dependency) -> ToolResult {
    let repo = p.at.path()?;
    let blocker = issue_id(&gh, &repo, p.blocked_by_number).await?;
    let path = format!("{repo}/issues/{}/dependencies/blocked_by", p.issue_number);
    gh.send(Method::POST, &path, Some(&json!({"issue_id": blocker}))).await?;
    structured(json!({"issue_number": p.issue_number, "blocked_by": p.blocked_by_number}))
}

const REMOVE_ISSUE_DEPENDENCY: Def = Def::update("remove_issue_dependency", "Unblock an issue").about(
    "Removes the record that one issue is blocked by another; both issues stay as they are. Use \
     list_issue_dependencies to see what is recorded.",
);

async fn remove_issue_dependency(gh: Github, p: Dependency) -> ToolResult {
    let repo = p.at.path()?;
    let blocker = issue_id(&gh, &repo, p.blocked_by_number).await?;
    let path = format!("{repo}/issues/{}/dependencies/blocked_by/{blocker}", p.issue_number);
    gh.send(Method::DELETE, &path, None).await?;
    structured(json!({"issue_number": p.issue_number, "no_longer_blocked_by": p.blocked_by_number}))
}

const LIST_MILESTONES: Def = Def::read("list_milestones", "List milestones").about(
    "Lists a repository's milestones: number, title, state, due date and open/closed issue counts. \
     Use a number with update_issue's `milestone` to file an issue under it.",
);

async fn list_milestones(gh: Github, p: ListMilestones) -> ToolResult {
    let state = p.state.unwrap_or(MilestoneState::Open);
    let q = vec![(
        "state",
        serde_json::to_value(state).ok().and_then(|s| s.as_str().map(str::to_owned)).unwrap_or_default(),
    )];
    let (items, page) = gh.list(&format!("{}/milestones", p.at.path()?), &q, &p.paging, None).await?;
    let milestones: Vec<Value> = items
        .iter()
        .map(|m| {
            let mut out = shape::pick(m, &["number", "state", "due_on", "open_issues", "closed_issues"]);
            out.insert("title".into(), shape::text(m, "title", 200));
            out.insert("description".into(), shape::text(m, "description", 500));
            Value::Object(out)
        })
        .collect();
    structured(json!({"milestones": milestones, "page": page}))
}

const ADD_ISSUE_REACTION: Def = Def::ensure("add_issue_reaction", "React to an issue").about(
    "Adds an emoji reaction (+1, -1, laugh, confused, heart, hooray, rocket, eyes) to an issue or \
     pull request as the user; reacting the same way twice keeps one.",
);

async fn add_issue_reaction(gh: Github, p: IssueReaction) -> ToolResult {
    let path = format!("{}/issues/{}/reactions", p.at.path()?, p.issue_number);
    let v = gh.send(Method::POST, &path, Some(&json!({"content": p.content}))).await?;
    structured(json!({"issue_number": p.issue_number, "reaction": v["content"], "id": v["id"]}))
}

const ADD_ISSUE_COMMENT_REACTION: Def = Def::ensure("add_issue_comment_reaction", "React to a comment").about(
    "Adds an emoji reaction (+1, -1, laugh, confused, heart, hooray, rocket, eyes) to an issue or \
     pull request comment as the user; reacting the same way twice keeps one.",
);

async fn add_issue_comment_reaction(gh: Github, p: CommentReaction) -> ToolResult {
    let path = format!("{}/issues/comments/{}/reactions", p.at.path()?, p.comment_id);
    let v = gh.send(Method::POST, &path, Some(&json!({"content": p.content}))).await?;
    structured(json!({"comment_id": p.comment_id, "reaction": v["content"], "id": v["id"]}))
}

const LIST_ISSUE_TYPES: Def = Def::read("list_issue_types", "List issue types").about(
    "Lists the issue types an organization's repository offers (Task, Bug, Feature, ...): name, \
     description and color. Set one with update_issue's `type`; users' repositories have none.",
);

async fn list_issue_types(gh: Github, p: RepoRef) -> ToolResult {
    let types = gh.get(&format!("{}/issue-types", p.path()?), &[]).await?;
    let list: Vec<Value> = types
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|t| shape::pick(t, &["name", "description", "color"]).into())
        .collect();
    structured(json!({"issue_types": list}))
}

pub fn planning_tools() -> Vec<Route> {
    vec![
        route(LIST_SUB_ISSUES, list_sub_issues),
        route(GET_PARENT_ISSUE, get_parent_issue),
        route(ADD_SUB_ISSUE, add_sub_issue),
        route(REMOVE_SUB_ISSUE, remove_sub_issue),
        route(REPRIORITIZE_SUB_ISSUE, reprioritize_sub_issue),
        route(LIST_ISSUE_DEPENDENCIES, list_issue_dependencies),
        route(ADD_ISSUE_DEPENDENCY, add_issue_dependency),
        route(REMOVE_ISSUE_DEPENDENCY, remove_issue_dependency),
        route(LIST_MILESTONES, list_milestones),
        route(LIST_ISSUE_TYPES, list_issue_types),
        route(ADD_ISSUE_REACTION, add_issue_reaction),
        route(ADD_ISSUE_COMMENT_REACTION, add_issue_comment_reaction),
    ]
}
