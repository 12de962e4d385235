//! Toolset `gists` (off by default): the user's gists and public ones of others; reading one in
//! full, creating and changing them.

use std::collections::BTreeMap;

use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    define::{Def, Route, route},
    shape,
    support::{Github, Paging, ToolFailure, ToolResult, seg, structured},
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListGists {
    /// Whose public gists (default: the signed-in user's own, secret ones too).
    pub username: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GistRef {
    /// Gist id (from list_gists).
    pub gist_id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateGist {
    /// File name → its text.
    pub files: BTreeMap<String, String>,
    /// What it is.
    pub description: Option<String>,
    /// Public (default false: secret, readable by anyone with its link).
    #[serde(default)]
    pub public: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateGist {
    /// Gist id (from list_gists).
    pub gist_id: String,
    /// Files to add or replace: name → its text.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Names of files to delete.
    #[serde(default)]
    pub delete: Vec<String>,
    /// A new description.
    pub description: Option<String>,
}

fn summary(v: &Value) -> Value {
    let mut out = shape::pick(v, &["id", "public", "html_url", "created_at", "updated_at"]);
    out.insert("description".into(), shape::text(v, "description", 300));
    let files: Vec<&String> = v["files"].as_object().map(|f| f.keys().collect()).unwrap_or_default();
    out.insert("files".into(), json!(files));
    Value::Object(out)
}

fn full(v: &Value) -> Value {
    let mut out = summary(v);
    let files: serde_json::Map<String, Value> = v["files"]
        .as_object()
        .map(|f| f.iter().map(|(name, file)| (name.clone(), shape::text(file, "content", 50_000))).collect())
        .unwrap_or_default();
    out["files"] = Value::Object(files);
    out["owner"] = shape::login(&v["owner"]);
    out
}

fn gist_path(id: &str) -> Result<String, ToolFailure> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ToolFailure::message("`gist_id` is the id from list_gists: letters and digits only"));
    }
    Ok(format!("/gists/{id}"))
}

const LIST_GISTS: Def = Def::read("list_gists", "List gists").about(
    "Lists gists newest first: the signed-in user's own (secret ones too), or another user's \
     public ones. Returns id, description, file names and visibility.",
);

async fn list_gists(gh: Github, p: ListGists) -> ToolResult {
    let path = match p.username.filter(|u| !u.is_empty()) {
        Some(user) => format!("/users/{}/gists", seg("username", &user)?),
        None => "/gists".to_owned(),
    };
    gh.page(&path, &[], &p.paging, None, "gists", summary).await
}

const GET_GIST: Def = Def::read("get_gist", "Get a gist").about(
    "Gets one gist with the text of its files (each up to 50,000 characters), its description, \
     owner and visibility. Use list_gists to find its id.",
);

async fn get_gist(gh: Github, p: GistRef) -> ToolResult {
    structured(full(&gh.get(&gist_path(&p.gist_id)?, &[]).await?))
}

const CREATE_GIST: Def = Def::create("create_gist", "Create a gist").about(
    "Creates a gist of one or more text files, secret unless asked otherwise, and returns its id \
     and URL. Use it to share a snippet or notes.",
);

async fn create_gist(gh: Github, p: CreateGist) -> ToolResult {
    if p.files.is_empty() {
        return Err(ToolFailure::message("A gist needs at least one file in `files`."));
    }
    let files: serde_json::Map<String, Value> =
        p.files.into_iter().map(|(name, content)| (name, json!({"content": content}))).collect();
    let mut body = json!({"files": files, "public": p.public});
    if let Some(d) = p.description {
        body["description"] = json!(d);
    }
    structured(full(&gh.send(Method::POST, "/gists", Some(&body)).await?))
}

const UPDATE_GIST: Def = Def::update("update_gist", "Update a gist").about(
    "Changes one of the user's gists: adds or replaces files, deletes files, or sets the \
     description; returns the gist as it now is.",
);

async fn update_gist(gh: Github, p: UpdateGist) -> ToolResult {
    let mut files: serde_json::Map<String, Value> =
        p.files.into_iter().map(|(name, content)| (name, json!({"content": content}))).collect();
    files.extend(p.delete.into_iter().map(|name| (name, Value::Null)));
    if files.is_empty() && p.description.is_none() {
        return Err(ToolFailure::message("Nothing to change: pass files, delete or description."));
    }
    let mut body = json!({"files": files});
    if let Some(d) = p.description {
        body["description"] = json!(d);
    }
    structured(full(&gh.send(Method::PATCH, &gist_path(&p.gist_id)?, Some(&body)).await?))
}

pub fn gists_tools() -> Vec<Route> {
    vec![
        route(LIST_GISTS, list_gists),
        route(GET_GIST, get_gist),
        route(CREATE_GIST, create_gist),
        route(UPDATE_GIST, update_gist),
    ]
}
