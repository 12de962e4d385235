//! Toolset `repos`: finding and reading repositories (files, branches, commits, tags, releases) and
//! the writes that create branches, files, forks and repositories.

use base64::{Engine, engine::general_purpose::STANDARD};
use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    define::{Def, Route, route},
    search::{Search, sort},
    shape,
    support::{Github, ListInRepo, Paging, RepoRef, ToolFailure, ToolResult, file_path, opt, seg, structured},
};
use crate::github::sanitize::clean_capped;

/// Longest file content returned as text, in characters.
const FILE_CHARS: usize = 100_000;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetFileContents {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Path of a file or directory; empty or `/` for the repository root.
    #[serde(default)]
    pub path: String,
    /// Branch, tag or commit SHA (default: the default branch).
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListCommits {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Branch, tag or SHA to start from (default: the default branch).
    pub sha: Option<String>,
    /// Only commits touching this path.
    pub path: Option<String>,
    /// Only commits by this GitHub login or email.
    pub author: Option<String>,
    /// ISO 8601 timestamp: only commits after it.
    pub since: Option<String>,
    /// ISO 8601 timestamp: only commits before it.
    pub until: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetCommit {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Commit SHA, branch or tag.
    pub sha: String,
    /// Pages through the commit's changed files (GitHub pages them too).
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateBranch {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Name of the new branch.
    pub branch: String,
    /// Branch to start from (default: the repository's default branch).
    pub from_branch: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateOrUpdateFile {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Path of the file to create or replace.
    pub path: String,
    /// The complete new content of the file, as text.
    pub content: String,
    /// Commit message.
    pub message: String,
    /// Branch to commit to (default: the default branch).
    pub branch: Option<String>,
    /// Blob SHA of the file being replaced (required when the file exists; get it from get_file_contents).
    pub sha: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ForkRepository {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Organization to fork into (default: the signed-in user's account).
    pub organization: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateRepository {
    /// Repository name.
    pub name: String,
    /// Short description of the repository.
    pub description: Option<String>,
    /// Create it in this organization (default: the user's own account).
    pub organization: Option<String>,
    /// Private (default true); false makes it public.
    pub private: Option<bool>,
    /// Create an initial commit with a README (default false).
    #[serde(default)]
    pub auto_init: bool,
}

/// A file from the contents API as text, or why it cannot be shown as text.
fn file_content(v: &Value) -> Value {
    let meta =
        json!({"type": "file", "path": v["path"], "sha": v["sha"], "size": v["size"], "html_url": v["html_url"]});
    let mut out = meta.as_object().cloned().unwrap_or_default();
    let encoded = v["content"].as_str().unwrap_or("");
    if v["encoding"] != "base64" || (encoded.is_empty() && v["size"].as_u64().unwrap_or(0) > 0) {
        out.insert(
            "note".into(),
            json!("The file is too large for the contents API; read it in parts by cloning instead."),
        );
        return Value::Object(out);
    }
    let Ok(bytes) = STANDARD.decode(encoded.replace(['\n', '\r'], "")) else {
        out.insert("note".into(), json!("GitHub sent content that could not be decoded; read the file again."));
        return Value::Object(out);
    };
    match String::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => {
            // Truncation is by length, not by the invisible characters cleaning removes.
            out.insert("truncated".into(), json!(text.chars().count() > FILE_CHARS));
            out.insert("content".into(), json!(clean_capped(&text, FILE_CHARS)));
        }
        _ => {
            out.insert("note".into(), json!("Binary file: its content is not shown as text."));
        }
    }
    Value::Object(out)
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReleaseByTag {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Tag name, e.g. `v1.0.0`.
    pub tag: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetRepositoryTree {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Branch, tag or commit SHA (default: the default branch).
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// Only paths under this directory, e.g. `src/`.
    pub path_filter: Option<String>,
    /// Every path below (default true); false: only the top level.
    pub recursive: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteFile {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Path of the file to delete.
    pub path: String,
    /// Commit message.
    pub message: String,
    /// The file's current blob `sha` (from get_file_contents).
    pub sha: String,
    /// Branch to commit to (default: the default branch).
    pub branch: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct FileChange {
    /// Path of the file.
    pub path: String,
    /// Its complete new text.
    pub content: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct PushFiles {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Branch to commit to (it must exist).
    pub branch: String,
    /// Commit message.
    pub message: String,
    /// Files to create or replace.
    #[serde(default)]
    pub files: Vec<FileChange>,
    /// Paths to delete in the same commit.
    #[serde(default)]
    pub delete: Vec<String>,
}

const SEARCH_REPOSITORIES: Def = Def::read("search_repositories", "Search repositories").about(
    "Searches repositories with GitHub's search syntax (e.g. `topic:mcp language:go`, `org:github`): \
     names, descriptions, stars and URLs.",
);

async fn search_repositories(gh: Github, p: Search<sort::Repositories>) -> ToolResult {
    gh.page("/search/repositories", &p.query(), &p.paging, Some("items"), "repositories", shape::repo).await
}

const GET_REPOSITORY: Def = Def::read("get_repository", "Get a repository").about(
    "Gets one repository: description, visibility, default branch, language, topics, stars, forks and \
     open issue count. Use it first.",
);

async fn get_repository(gh: Github, p: RepoRef) -> ToolResult {
    let repo = gh.get(&p.path()?, &[]).await?;
    structured(shape::repo(&repo))
}

const GET_FILE_CONTENTS: Def = Def::read("get_file_contents", "Read a file or list a directory").about(
    "Reads a file's text (up to 100,000 characters) or lists a directory, at a branch, tag or commit. \
     Returns the blob `sha` an update needs; binary files are described.",
);

async fn get_file_contents(gh: Github, p: GetFileContents) -> ToolResult {
    let path = format!("{}/contents/{}", p.at.path()?, file_path(&p.path)?);
    let mut q = Vec::new();
    opt(&mut q, "ref", &p.git_ref);
    let v = gh.get(&path, &q).await?;
    match &v {
        Value::Array(entries) => {
            let entries: Vec<Value> = entries
                .iter()
                .map(|e| Value::Object(shape::pick(e, &["name", "path", "type", "size", "sha"])))
                .collect();
            structured(json!({"type": "dir", "path": p.path, "entries": entries}))
        }
        _ if v["type"] == "file" => structured(file_content(&v)),
        _ => structured(
            json!({"type": v["type"], "path": v["path"], "note": "Not a regular file (symlink or submodule)."}),
        ),
    }
}

const LIST_BRANCHES: Def = Def::read("list_branches", "List branches").about(
    "Lists a repository's branches with their head commit SHA and protection flag. Use it to find a \
     branch to read from, base a pull request on, or start create_branch from.",
);

async fn list_branches(gh: Github, p: ListInRepo) -> ToolResult {
    gh.page(&format!("{}/branches", p.at.path()?), &[], &p.paging, None, "branches", shape::branch).await
}

const LIST_COMMITS: Def = Def::read("list_commits", "List commits").about(
    "Lists commits newest first from a branch, tag or SHA, optionally touching a path, by an author or in \
     a time range: SHA, message, author, date.",
);

async fn list_commits(gh: Github, p: ListCommits) -> ToolResult {
    let mut q = Vec::new();
    opt(&mut q, "sha", &p.sha);
    opt(&mut q, "path", &p.path);
    opt(&mut q, "author", &p.author);
    opt(&mut q, "since", &p.since);
    opt(&mut q, "until", &p.until);
    gh.page(&format!("{}/commits", p.at.path()?), &q, &p.paging, None, "commits", shape::commit).await
}

const GET_COMMIT: Def = Def::read("get_commit", "Get a commit").about(
    "Gets one commit: message, author, date, stats and its changed files (a page at a time) with their \
     patches, each capped at 3,000 characters.",
);

async fn get_commit(gh: Github, p: GetCommit) -> ToolResult {
    let path = format!("{}/commits/{}", p.at.path()?, seg("sha", &p.sha)?);
    let (v, page) = gh.paged(&path, &[], &p.paging).await?;
    let mut out = shape::commit_detail(&v);
    out["files_page"] = page;
    structured(out)
}

const LIST_TAGS: Def = Def::read("list_tags", "List tags").about(
    "Lists a repository's tags, each with the commit SHA it points to. Use it to find a version to \
     read files or commits at, or to compare releases.",
);

async fn list_tags(gh: Github, p: ListInRepo) -> ToolResult {
    gh.page(&format!("{}/tags", p.at.path()?), &[], &p.paging, None, "tags", shape::tag).await
}

const LIST_RELEASES: Def = Def::read("list_releases", "List releases").about(
    "Lists a repository's releases, newest first: tag, name, draft/prerelease flags, date and notes. \
     Use it to see what shipped in a version, or the latest release.",
);

async fn list_releases(gh: Github, p: ListInRepo) -> ToolResult {
    gh.page(&format!("{}/releases", p.at.path()?), &[], &p.paging, None, "releases", shape::release).await
}

const CREATE_BRANCH: Def = Def::create("create_branch", "Create a branch").about(
    "Creates a branch from another (default: the default branch) and returns its name and starting SHA, \
     ready for create_or_update_file.",
);

async fn create_branch(gh: Github, p: CreateBranch) -> ToolResult {
    let repo = p.at.path()?;
    let from = gh.branch_or_default(&repo, p.from_branch).await?;
    let base = gh.get(&format!("{repo}/branches/{}", seg("from_branch", &from)?), &[]).await?;
    let sha = base["commit"]["sha"].clone();
    let body = json!({"ref": format!("refs/heads/{}", p.branch), "sha": sha});
    gh.send(Method::POST, &format!("{repo}/git/refs"), Some(&body)).await?;
    structured(json!({"branch": p.branch, "from": from, "sha": sha}))
}

const CREATE_OR_UPDATE_FILE: Def = Def::apply("create_or_update_file", "Create or update a file").about(
    "Commits a file's complete new text to a branch; returns its blob `sha` and the commit. To replace a \
     file, pass its current `sha` (from get_file_contents).",
);

async fn create_or_update_file(gh: Github, p: CreateOrUpdateFile) -> ToolResult {
    let path = format!("{}/contents/{}", p.at.path()?, file_path(&p.path)?);
    let mut body = json!({"message": p.message, "content": STANDARD.encode(p.content.as_bytes())});
    if let Some(b) = p.branch.filter(|b| !b.is_empty()) {
        body["branch"] = json!(b);
    }
    if let Some(s) = p.sha.filter(|s| !s.is_empty()) {
        body["sha"] = json!(s);
    }
    let v = gh.send(Method::PUT, &path, Some(&body)).await?;
    structured(json!({
        "path": v["content"]["path"], "sha": v["content"]["sha"],
        "commit": {"sha": v["commit"]["sha"], "html_url": v["commit"]["html_url"]},
    }))
}

const FORK_REPOSITORY: Def = Def::ensure("fork_repository", "Fork a repository").about(
    "Forks a repository into the user's account or an organization and returns the fork's name and URL. \
     GitHub makes forks asynchronously: reading it may take seconds.",
);

async fn fork_repository(gh: Github, p: ForkRepository) -> ToolResult {
    let body = match p.organization.filter(|o| !o.is_empty()) {
        Some(org) => json!({"organization": org}),
        None => json!({}),
    };
    let v = gh.send(Method::POST, &format!("{}/forks", p.at.path()?), Some(&body)).await?;
    structured(shape::repo(&v))
}

const CREATE_REPOSITORY: Def = Def::create("create_repository", "Create a repository").about(
    "Creates a repository, private unless asked otherwise, in the user's account or an \
     organization, optionally with an initial README; returns its full name and URL. To copy one use \
     fork_repository.",
);

async fn create_repository(gh: Github, p: CreateRepository) -> ToolResult {
    if p.name.trim().is_empty() {
        return Err(ToolFailure::message("`name` must not be empty"));
    }
    // Private unless asked otherwise, as GitHub's own server creates them: public is the step to take on purpose.
    let mut body = json!({"name": p.name, "private": p.private.unwrap_or(true), "auto_init": p.auto_init});
    if let Some(d) = p.description {
        body["description"] = json!(d); // GitHub refuses null for string fields
    }
    let path = match p.organization.filter(|o| !o.is_empty()) {
        Some(org) => format!("/orgs/{}/repos", seg("organization", &org)?),
        None => "/user/repos".to_owned(),
    };
    let v = gh.send(Method::POST, &path, Some(&body)).await?;
    structured(shape::repo(&v))
}

const GET_LATEST_RELEASE: Def = Def::read("get_latest_release", "Get the latest release").about(
    "Gets the newest published release that is not a prerelease: tag, name, date and notes. Use it \
     to find the current version; get_release_by_tag reads any other.",
);

async fn get_latest_release(gh: Github, p: RepoRef) -> ToolResult {
    structured(shape::release(&gh.get(&format!("{}/releases/latest", p.path()?), &[]).await?))
}

const GET_RELEASE_BY_TAG: Def = Def::read("get_release_by_tag", "Get a release by tag").about(
    "Gets the release of one tag: name, draft/prerelease flags, date and notes. Use it to read what shipped \
     in a version named by list_tags or list_releases.",
);

async fn get_release_by_tag(gh: Github, p: ReleaseByTag) -> ToolResult {
    let path = format!("{}/releases/tags/{}", p.at.path()?, seg("tag", &p.tag)?);
    structured(shape::release(&gh.get(&path, &[]).await?))
}

/// Most tree entries returned; GitHub's own limit is 100,000 (then `truncated`).
const TREE_ENTRIES: usize = 1_000;

const GET_REPOSITORY_TREE: Def = Def::read("get_repository_tree", "Get the repository tree").about(
    "Lists a repository's files and directories at a ref, recursively by default or under one path: path, \
     type (`blob` or `tree`), size and SHA.",
);

async fn get_repository_tree(gh: Github, p: GetRepositoryTree) -> ToolResult {
    let repo = p.at.path()?;
    let at = gh.branch_or_default(&repo, p.git_ref).await?;
    let recursive = p.recursive.unwrap_or(true);
    let query: Vec<(&str, String)> = if recursive { vec![("recursive", "1".into())] } else { Vec::new() };
    let v = gh.get(&format!("{repo}/git/trees/{}", seg("ref", &at)?), &query).await?;
    let prefix = p.path_filter.as_deref().map(|f| f.trim_start_matches('/')).unwrap_or("");
    let entries: Vec<Value> = v["tree"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|e| e["path"].as_str().is_some_and(|path| path.starts_with(prefix)))
        .map(|e| shape::pick(e, &["path", "type", "size", "sha"]).into())
        .collect();
    let total = entries.len();
    let capped = total > TREE_ENTRIES;
    structured(json!({
        "ref": at,
        "entries": entries.into_iter().take(TREE_ENTRIES).collect::<Vec<_>>(),
        "total": total,
        "truncated": capped || v["truncated"] == true,
    }))
}

const DELETE_FILE: Def = Def::update("delete_file", "Delete a file").about(
    "Deletes one file from a branch in a commit and returns the commit. Pass the file's current blob \
     `sha` (from get_file_contents); GitHub refuses a stale one.",
);

async fn delete_file(gh: Github, p: DeleteFile) -> ToolResult {
    let path = format!("{}/contents/{}", p.at.path()?, file_path(&p.path)?);
    let mut body = json!({"message": p.message, "sha": p.sha});
    if let Some(b) = p.branch.filter(|b| !b.is_empty()) {
        body["branch"] = json!(b);
    }
    let v = gh.send(Method::DELETE, &path, Some(&body)).await?;
    structured(
        json!({"path": p.path, "deleted": true, "commit": {"sha": v["commit"]["sha"], "html_url": v["commit"]["html_url"]}}),
    )
}

const LIST_REPOSITORY_COLLABORATORS: Def = Def::read("list_repository_collaborators", "List collaborators").about(
    "Lists who has push access to a repository (GitHub shows this only to people with push access): \
     login and role (`admin`, `write`). Use it to pick reviewers or assignees.",
);

async fn list_repository_collaborators(gh: Github, p: ListInRepo) -> ToolResult {
    let (items, page) = gh.list(&format!("{}/collaborators", p.at.path()?), &[], &p.paging, None).await?;
    let people: Vec<Value> = items.iter().map(|c| json!({"login": c["login"], "role": c["role_name"]})).collect();
    structured(json!({"collaborators": people, "page": page}))
}

const SEARCH_COMMITS: Def = Def::read("search_commits", "Search commits").about(
    "Searches commit messages across GitHub with GitHub's commit search syntax (`repo:`, `org:`, \
     `author:`, words): SHA, message, author, date and repository, newest first.",
);

async fn search_commits(gh: Github, p: Search<sort::Commits>) -> ToolResult {
    let mut q = p.query();
    if p.sort.as_deref().is_none_or(str::is_empty) {
        q.push(("sort", "author-date".into()));
    }
    gh.page("/search/commits", &q, &p.paging, Some("items"), "commits", shape::commit_hit).await
}

const GET_TAG: Def = Def::read("get_tag", "Get a tag").about(
    "Gets one tag: the commit it points to and, for an annotated tag, its message and tagger. Use \
     list_tags to find tag names, get_commit to read the commit.",
);

async fn get_tag(gh: Github, p: ReleaseByTag) -> ToolResult {
    let repo = p.at.path()?;
    let found = gh.get(&format!("{repo}/git/ref/tags/{}", seg("tag", &p.tag)?), &[]).await?;
    let object = &found["object"];
    if object["type"] != "tag" {
        return structured(json!({"tag": p.tag, "sha": object["sha"], "annotated": false}));
    }
    // An annotated tag is an object of its own that names the commit.
    let sha = object["sha"].as_str().unwrap_or_default();
    let tag = gh.get(&format!("{repo}/git/tags/{}", seg("sha", sha)?), &[]).await?;
    structured(json!({
        "tag": p.tag,
        "sha": tag["object"]["sha"],
        "annotated": true,
        "message": shape::text(&tag, "message", 2000),
        "tagger": tag["tagger"]["name"],
        "date": tag["tagger"]["date"],
    }))
}

const PUSH_FILES: Def = Def::apply("push_files", "Commit several files").about(
    "Commits several files at once to a branch, creating, replacing or deleting them, in one commit; \
     returns its SHA. Refused if the branch moved meanwhile.",
);

async fn push_files(gh: Github, p: PushFiles) -> ToolResult {
    if p.files.is_empty() && p.delete.is_empty() {
        return Err(ToolFailure::message("Nothing to commit: pass `files` and/or `delete`."));
    }
    let repo = p.at.path()?;
    // The git data API: the branch's commit and tree, a new tree on top, a commit of it, and the
    // branch moved to it (a fast-forward only, so a concurrent push is not lost).
    let head = gh.get(&format!("{repo}/git/ref/heads/{}", seg("branch", &p.branch)?), &[]).await?;
    let parent = head["object"]["sha"].as_str().unwrap_or_default().to_owned();
    let base = gh.get(&format!("{repo}/git/commits/{}", seg("sha", &parent)?), &[]).await?;
    let mut entries: Vec<Value> = Vec::new();
    for f in &p.files {
        file_path(&f.path)?;
        entries.push(json!({"path": f.path, "mode": "100644", "type": "blob", "content": f.content}));
    }
    for path in &p.delete {
        file_path(path)?;
        entries.push(json!({"path": path, "mode": "100644", "type": "blob", "sha": null}));
    }
    let body = json!({"base_tree": base["tree"]["sha"], "tree": entries});
    let tree = gh.send(Method::POST, &format!("{repo}/git/trees"), Some(&body)).await?;
    let commit = json!({"message": p.message, "tree": tree["sha"], "parents": [parent]});
    let commit = gh.send(Method::POST, &format!("{repo}/git/commits"), Some(&commit)).await?;
    let moved = json!({"sha": commit["sha"], "force": false});
    gh.send(Method::PATCH, &format!("{repo}/git/refs/heads/{}", seg("branch", &p.branch)?), Some(&moved)).await?;
    structured(json!({
        "branch": p.branch,
        "commit": {"sha": commit["sha"], "html_url": commit["html_url"]},
        "written": p.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
        "deleted": p.delete,
    }))
}

pub fn repos_tools() -> Vec<Route> {
    vec![
        route(SEARCH_REPOSITORIES, search_repositories),
        route(SEARCH_COMMITS, search_commits),
        route(GET_REPOSITORY, get_repository),
        route(GET_FILE_CONTENTS, get_file_contents),
        route(LIST_BRANCHES, list_branches),
        route(LIST_COMMITS, list_commits),
        route(GET_COMMIT, get_commit),
        route(LIST_TAGS, list_tags),
        route(GET_TAG, get_tag),
        route(LIST_RELEASES, list_releases),
        route(GET_LATEST_RELEASE, get_latest_release),
        route(GET_RELEASE_BY_TAG, get_release_by_tag),
        route(GET_REPOSITORY_TREE, get_repository_tree),
        route(LIST_REPOSITORY_COLLABORATORS, list_repository_collaborators),
        route(CREATE_BRANCH, create_branch),
        route(CREATE_OR_UPDATE_FILE, create_or_update_file),
        route(DELETE_FILE, delete_file),
        route(PUSH_FILES, push_files),
        route(FORK_REPOSITORY, fork_repository),
        route(CREATE_REPOSITORY, create_repository),
    ]
}
