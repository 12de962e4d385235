//! Toolset `projects` (off by default): GitHub Projects of an organization or a user, through
//! GitHub's Projects REST API: list and read projects with their fields, list items with their
//! field values, and add, update and remove items. Whether the owner is an organization or a
//! user is asked of GitHub when the model does not say.

use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    define::{Def, Route, route},
    fields::FieldInput,
    shape,
    support::{CursorPaging, Github, ToolFailure, ToolResult, opt, seg, structured},
};

/// Characters of an item's title shown.
const TITLE_CHARS: usize = 300;

mod choice {
    use rmcp::schemars::{self, JsonSchema};

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum OwnerType {
        Org,
        User,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum ItemType {
        Issue,
        PullRequest,
    }
}

/// The owner of a project and, optionally, what kind of account it is.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ProjectOwner {
    /// Organization or user login.
    pub owner: String,
    /// Saves a lookup when known.
    #[schemars(with = "Option<choice::OwnerType>")]
    pub owner_type: Option<String>,
}

impl ProjectOwner {
    /// `/orgs/{owner}/projectsV2` or `/users/{owner}/projectsV2`.
    async fn base(&self, gh: &Github) -> Result<String, ToolFailure> {
        let owner = seg("owner", &self.owner)?;
        let kind = match self.owner_type.as_deref() {
            Some("org") => "orgs",
            Some("user") => "users",
            Some(other) => {
                return Err(ToolFailure::message(format!("`owner_type` is `org` or `user`, not `{other}`.")));
            }
            None => match gh.get(&format!("/users/{owner}"), &[]).await?["type"].as_str() {
                Some("Organization") => "orgs",
                _ => "users",
            },
        };
        Ok(format!("/{kind}/{owner}/projectsV2"))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListProjects {
    #[serde(flatten)]
    pub owner: ProjectOwner,
    /// Words of the title, `is:open` or `is:closed`.
    pub query: Option<String>,
    #[serde(flatten)]
    pub paging: CursorPaging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ProjectRef {
    #[serde(flatten)]
    pub owner: ProjectOwner,
    /// Project number.
    pub project_number: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListItems {
    #[serde(flatten)]
    pub project: ProjectRef,
    /// GitHub's item filter, e.g. `is:issue is:open status:Todo` or words of the title.
    pub query: Option<String>,
    /// Field ids whose values to show (default: every field).
    #[schemars(length(max = 50))]
    pub fields: Option<Vec<u64>>,
    #[serde(flatten)]
    pub paging: CursorPaging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddItem {
    #[serde(flatten)]
    pub project: ProjectRef,
    /// Owner of the issue's or pull request's repository.
    pub item_owner: String,
    /// Its repository.
    pub item_repo: String,
    /// Issue or pull request number.
    pub number: u64,
    #[schemars(with = "choice::ItemType")]
    /// Which it is.
    pub item_type: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateItem {
    #[serde(flatten)]
    pub project: ProjectRef,
    /// Item id, from list_project_items.
    pub item_id: u64,
    /// Values to set; fields not named keep theirs.
    #[serde(default)]
    #[schemars(length(max = 25))]
    pub set: Vec<FieldChange>,
    /// Ids of fields whose values to remove.
    #[serde(default)]
    #[schemars(length(max = 25))]
    pub clear: Vec<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct FieldChange {
    /// Field id, from get_project.
    pub id: u64,
    /// Text, a number, a date `YYYY-MM-DD`, or a single select option's name or id.
    pub value: FieldInput,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ItemRef {
    #[serde(flatten)]
    pub project: ProjectRef,
    /// Item id, from list_project_items.
    pub item_id: u64,
}

impl ProjectRef {
    async fn path(&self, gh: &Github) -> Result<String, ToolFailure> {
        Ok(format!("{}/{}", self.owner.base(gh).await?, self.project_number))
    }
}

/// The fields of the project at `path`, all on one page (a project has at most 50).
async fn fields_of(gh: &Github, path: &str) -> Result<Value, ToolFailure> {
    gh.get(&format!("{path}/fields"), &[("per_page", "100".into())]).await
}

fn project(v: &Value) -> Value {
    let mut m = shape::pick(v, &["number", "title", "short_description", "public", "state", "updated_at"]);
    m.insert("owner".into(), shape::login(&v["owner"]));
    m.into()
}

fn field(v: &Value) -> Value {
    let mut m = shape::pick(v, &["id", "name", "data_type"]);
    if let Some(options) = v["options"].as_array() {
        let options: Vec<Value> = options.iter().map(|o| json!({"id": o["id"], "name": o["name"]["raw"]})).collect();
        m.insert("options".into(), Value::Array(options));
    }
    m.into()
}

/// A field value as a model reads it: text for titles and options, the value itself otherwise.
fn field_value(v: &Value) -> Value {
    match v.get("raw").or_else(|| v.get("name").and_then(|n| n.get("raw"))) {
        Some(text) => shape::text(&json!({"t": text}), "t", TITLE_CHARS),
        None => v.clone(),
    }
}

fn item(v: &Value) -> Value {
    let content = &v["content"];
    let mut m = Map::new();
    m.insert("id".into(), v["id"].clone());
    m.insert("type".into(), v["content_type"].clone());
    if content.is_object() {
        m.extend(shape::pick(content, &["number", "state", "html_url"]));
        m.insert("title".into(), shape::text(content, "title", TITLE_CHARS));
        if let Some(repo) = content["repository_url"].as_str().and_then(|u| u.split("/repos/").nth(1)) {
            m.insert("repository".into(), json!(repo));
        }
    } else if v["content_type"] != "DraftIssue" {
        m.insert("content".into(), json!("(in a repository this account cannot see)"));
    }
    let values: Map<String, Value> = v["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["data_type"] != "title")
        .filter_map(|f| Some((f["name"].as_str()?.to_owned(), field_value(&f["value"]))))
        .collect();
    if !values.is_empty() {
        m.insert("fields".into(), values.into());
    }
    m.into()
}

const LIST_PROJECTS: Def = Def::read("list_projects", "List projects").about(
    "Lists an organization's or a user's GitHub Projects (the boards that track issues and pull \
     requests across repositories): number, title, description, open or closed.",
);

async fn list_projects(gh: Github, p: ListProjects) -> ToolResult {
    let mut query = Vec::new();
    opt(&mut query, "q", &p.query);
    gh.cursor_page(&p.owner.base(&gh).await?, &query, &p.paging, "projects", project).await
}

const GET_PROJECT: Def = Def::read("get_project", "Get a project").about(
    "Gets one GitHub Project by number with its fields: each field's id, name and type, and a \
     single select field's options. The ids are what list_project_items and update_project_item take.",
);

async fn get_project(gh: Github, p: ProjectRef) -> ToolResult {
    let path = p.path(&gh).await?;
    let found = gh.get(&path, &[]).await?;
    let fields = fields_of(&gh, &path).await?;
    let mut out = project(&found);
    out["fields"] = fields.as_array().map_or_else(Vec::new, |f| f.iter().map(field).collect()).into();
    structured(out)
}

const LIST_PROJECT_ITEMS: Def = Def::read("list_project_items", "List project items").about(
    "Lists a GitHub Project's items (issues, pull requests, drafts) with their field values, e.g. \
     Status or Estimate, filtered with GitHub's item filter. Item ids are what the item tools take.",
);

async fn list_project_items(gh: Github, p: ListItems) -> ToolResult {
    let path = p.project.path(&gh).await?;
    let ids: Vec<u64> = match p.fields {
        Some(ids) => ids,
        None => {
            let fields = fields_of(&gh, &path).await?;
            fields.as_array().into_iter().flatten().filter_map(|f| f["id"].as_u64()).collect()
        }
    };
    let mut query = Vec::new();
    opt(&mut query, "q", &p.query);
    if !ids.is_empty() {
        query.push(("fields", ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")));
    }
    gh.cursor_page(&format!("{path}/items"), &query, &p.paging, "items", item).await
}

const ADD_PROJECT_ITEM: Def = Def::ensure("add_project_item", "Add to a project").about(
    "Adds an issue or pull request (of any repository) to a GitHub Project and returns the item \
     id; adding one already there returns its item. Set its fields with update_project_item.",
);

async fn add_project_item(gh: Github, p: AddItem) -> ToolResult {
    let kind = match p.item_type.as_str() {
        "issue" => "Issue",
        "pull_request" => "PullRequest",
        other => return Err(ToolFailure::message(format!("`item_type` is `issue` or `pull_request`, not `{other}`."))),
    };
    let body = json!({"type": kind, "owner": p.item_owner, "repo": p.item_repo, "number": p.number});
    let added = gh.send(Method::POST, &format!("{}/items", p.project.path(&gh).await?), Some(&body)).await?;
    structured(item(&added))
}

const UPDATE_PROJECT_ITEM: Def = Def::apply("update_project_item", "Update a project item").about(
    "Sets or clears field values of one GitHub Project item (field ids and options from \
     get_project; a single select takes the option's name or id). Returns the item's values.",
);

async fn update_project_item(gh: Github, p: UpdateItem) -> ToolResult {
    if p.set.is_empty() && p.clear.is_empty() {
        return Err(ToolFailure::message("Name the fields to change in `set` or `clear`."));
    }
    let path = p.project.path(&gh).await?;
    // Single select options are sent as ids: a name is looked up among the project's options.
    let names = p.set.iter().any(|f| matches!(f.value, FieldInput::Text(_)));
    let fields = if names { fields_of(&gh, &path).await? } else { Value::Null };
    let mut changes: Vec<Value> = p
        .set
        .iter()
        .map(|change| {
            let value = match &change.value {
                FieldInput::Text(text) => {
                    let options = fields.as_array().into_iter().flatten().find(|f| f["id"] == change.id);
                    let option = options.and_then(|f| f["options"].as_array()).and_then(|o| {
                        o.iter().find(|o| o["name"]["raw"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(text)))
                    });
                    option.map_or_else(|| json!(text), |o| o["id"].clone())
                }
                FieldInput::Number(n) => json!(n),
            };
            json!({"id": change.id, "value": value})
        })
        .collect();
    changes.extend(p.clear.iter().map(|id| json!({"id": id, "value": null})));
    let updated =
        gh.send(Method::PATCH, &format!("{path}/items/{}", p.item_id), Some(&json!({"fields": changes}))).await?;
    structured(item(&updated))
}

const DELETE_PROJECT_ITEM: Def = Def::update("delete_project_item", "Remove from a project").about(
    "Removes an item from a GitHub Project (the issue or pull request itself stays; a draft is \
     gone). Returns the removed item's id. list_project_items gives the ids.",
);

async fn delete_project_item(gh: Github, p: ItemRef) -> ToolResult {
    let path = format!("{}/items/{}", p.project.path(&gh).await?, p.item_id);
    gh.send(Method::DELETE, &path, None).await?;
    structured(json!({"item_id": p.item_id, "removed": true}))
}

pub fn projects_tools() -> Vec<Route> {
    vec![
        route(LIST_PROJECTS, list_projects),
        route(GET_PROJECT, get_project),
        route(LIST_PROJECT_ITEMS, list_project_items),
        route(ADD_PROJECT_ITEM, add_project_item),
        route(UPDATE_PROJECT_ITEM, update_project_item),
        route(DELETE_PROJECT_ITEM, delete_project_item),
    ]
}
