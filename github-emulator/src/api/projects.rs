//! Projects (v2) through REST, for an organization (`/orgs/{org}/projectsV2…`) or a user
//! (`/users/{login}/projectsV2…`): list and get projects, list fields, list, get, add, update and
//! delete items.
//!
//! As GitHub does for OAuth tokens: reading needs the `read:project` or `project` scope, writing
//! `project` (else 403 `Resource not accessible by integration`). A public project is seen by
//! anyone, a private one by the organization's members or the user; others get 404. Changing
//! items needs membership (or being the user), else 403. Lists page by cursor. `q` filters
//! projects by words of the title and `is:open` / `is:closed`, and items by words of the title,
//! `is:issue`, `is:pr`, `is:draft`, `is:open`, `is:closed` and `FIELD:VALUE` (a single select's
//! option or a text value; quoted when it has spaces, `status:"In progress"`). Items list the title only unless `fields` names the field ids to add.
//! An item's content from a repository the caller cannot see is `null`.

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::access::View;
use super::auth::Caller;
use super::errors::{ApiError, json_response};
use super::input::{Body, Params, Query};
use super::model::project as shape;
use super::pagination::cursor_response;
use crate::state::Shared;
use crate::world::{ItemContent, ItemValue, Project, ProjectFieldKind, ProjectItem, World, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/orgs/{org}/projectsV2", get(list_projects))
        .route("/orgs/{org}/projectsV2/{number}", get(get_project))
        .route("/orgs/{org}/projectsV2/{number}/fields", get(list_fields))
        .route("/orgs/{org}/projectsV2/{number}/items", get(list_items).post(add_item))
        .route("/orgs/{org}/projectsV2/{number}/items/{item_id}", get(get_item).patch(update_item).delete(delete_item))
        .route("/users/{login}/projectsV2", get(list_projects))
        .route("/users/{login}/projectsV2/{number}", get(get_project))
        .route("/users/{login}/projectsV2/{number}/fields", get(list_fields))
        .route("/users/{login}/projectsV2/{number}/items", get(list_items).post(add_item))
        .route(
            "/users/{login}/projectsV2/{number}/items/{item_id}",
            get(get_item).patch(update_item).delete(delete_item),
        )
}

/// A request about an owner's projects: who asks, the owner (and whether the path said it is an
/// organization), and the project and item numbers the path names.
struct ProjectCall {
    shared: Arc<Shared>,
    caller: Caller,
    owner: String,
    org_path: bool,
    number: Option<u64>,
    item: Option<u64>,
}

impl FromRequestParts<Arc<Shared>> for ProjectCall {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, ApiError> {
        let params = Params::of(parts, shared).await?;
        let value = |key: &str| params.get(key);
        let number = |key: &str| -> Result<Option<u64>, ApiError> {
            value(key).map(|v| v.parse().map_err(|_| ApiError::not_found())).transpose()
        };
        let caller = parts.extensions.get::<Caller>().cloned().ok_or_else(ApiError::requires_authentication)?;
        let (owner, org_path) = match (value("org"), value("login")) {
            (Some(org), _) => (org, true),
            (None, Some(login)) => (login, false),
            (None, None) => return Err(ApiError::not_found()),
        };
        Ok(Self {
            shared: Arc::clone(shared),
            caller,
            owner,
            org_path,
            number: number("number")?,
            item: number("item_id")?,
        })
    }
}

fn forbidden() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "Resource not accessible by integration")
}

impl ProjectCall {
    fn scoped(&self, write: bool) -> Result<(), ApiError> {
        let ok = self.caller.has_scope("project") || (!write && self.caller.has_scope("read:project"));
        if ok { Ok(()) } else { Err(forbidden()) }
    }

    /// Whether the owner is what the path says (an organization under `/orgs`, a user under
    /// `/users`), as the caller may see it.
    fn owner_ok(&self, view: &View) -> bool {
        if self.org_path { view.world.is_org(&self.owner) } else { view.shared.user(&self.owner).is_some() }
    }

    /// Whether the caller belongs to the owner (a member, or the user).
    fn insider(&self, view: &View) -> bool {
        if self.org_path {
            view.is_org_member(&self.owner, &self.caller.login)
        } else {
            self.owner.eq_ignore_ascii_case(&self.caller.login)
        }
    }

    fn visible<'a>(&self, view: &View, world: &'a World) -> Vec<&'a Project> {
        let insider = self.insider(view);
        world.projects.iter().filter(|p| p.owner.eq_ignore_ascii_case(&self.owner) && (p.public || insider)).collect()
    }

    /// The project the path names, as the caller may see it (404 otherwise).
    fn project<'a>(&self, view: &View, world: &'a World) -> Result<&'a Project, ApiError> {
        if !self.owner_ok(view) {
            return Err(ApiError::not_found());
        }
        self.visible(view, world).into_iter().find(|p| Some(p.number) == self.number).ok_or_else(ApiError::not_found)
    }

    /// Runs `f` on the project the path names, as the caller may see it.
    fn read<R>(&self, f: impl FnOnce(&View, &Project) -> Result<R, ApiError>) -> Result<R, ApiError> {
        self.scoped(false)?;
        let inner = self.shared.lock();
        let view = View::new(&self.shared, &inner.world, Some(&self.caller));
        f(&view, self.project(&view, &inner.world)?)
    }

    /// Changes the project the path names, under one lock: `check` sees it as it is (and
    /// refuses), `change` gets the world and the project's index in `world.projects` with what
    /// `check` returned, and the answer renders from the world as changed.
    fn write<C>(
        &self,
        check: impl FnOnce(&View, &Project) -> Result<C, ApiError>,
        change: impl FnOnce(&mut World, usize, C) -> Result<Option<u64>, ApiError>,
        answer: impl FnOnce(&View, &Project, Option<u64>) -> Response,
    ) -> Result<Response, ApiError> {
        self.scoped(false)?;
        let mut inner = self.shared.lock();
        let view = View::new(&self.shared, &inner.world, Some(&self.caller));
        let project = self.project(&view, &inner.world)?;
        if !self.insider(&view) {
            return Err(forbidden());
        }
        self.scoped(true)?;
        let needed = check(&view, project)?;
        let id = project.id;
        let index = inner.world.projects.iter().position(|p| p.id == id).ok_or_else(ApiError::not_found)?;
        let touched = change(&mut inner.world, index, needed)?;
        inner.world.projects[index].updated_at = time::now();
        let view = View::new(&self.shared, &inner.world, Some(&self.caller));
        Ok(answer(&view, &inner.world.projects[index], touched))
    }
}

/// The terms of a `q`, split at spaces outside double quotes (`status:"In progress"` is one).
fn tokens(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The words and `key:value` qualifiers of a `q`.
fn terms(q: Option<&str>) -> (Vec<String>, Vec<(String, String)>) {
    let mut words = Vec::new();
    let mut qualifiers = Vec::new();
    for term in tokens(q.unwrap_or_default()) {
        match term.split_once(':') {
            Some((k, v)) => qualifiers.push((k.to_ascii_lowercase(), v.to_ascii_lowercase())),
            None => words.push(term.to_ascii_lowercase()),
        }
    }
    (words, qualifiers)
}

async fn list_projects(call: ProjectCall, query: Query, uri: Uri) -> Result<Response, ApiError> {
    call.scoped(false)?;
    let inner = call.shared.lock();
    let view = View::new(&call.shared, &inner.world, Some(&call.caller));
    if !call.owner_ok(&view) {
        return Err(ApiError::not_found());
    }
    let (words, qualifiers) = terms(query.get("q"));
    let list: Vec<&Project> = call
        .visible(&view, &inner.world)
        .into_iter()
        .filter(|p| words.iter().all(|w| p.title.to_ascii_lowercase().contains(w.as_str())))
        .filter(|p| {
            qualifiers.iter().all(|(k, v)| match (k.as_str(), v.as_str()) {
                ("is", "open") => !p.closed,
                ("is", "closed") => p.closed,
                _ => true,
            })
        })
        .collect();
    cursor_response(&list, &uri, &call.shared.api_url, |p| shape::project(&view, p))
}

async fn get_project(call: ProjectCall) -> Result<Response, ApiError> {
    call.read(|view, p| Ok(json_response(StatusCode::OK, &shape::project(view, p))))
}

async fn list_fields(call: ProjectCall, uri: Uri) -> Result<Response, ApiError> {
    call.read(|view, p| {
        let fields: Vec<_> = p.fields.iter().collect();
        cursor_response(&fields, &uri, &view.shared.api_url, |f| shape::field(view, p, f))
    })
}

/// The field ids of `?fields=1,2`.
fn wanted(query: &Query) -> Vec<u64> {
    query.get("fields").map_or_else(Vec::new, |f| f.split(',').filter_map(|id| id.trim().parse().ok()).collect())
}

/// Whether `item` matches the filter `q`.
fn matches(view: &View, p: &Project, item: &ProjectItem, q: Option<&str>) -> bool {
    let (words, qualifiers) = terms(q);
    let found = match &item.content {
        ItemContent::Issue { owner, repo, number } => view.repo(owner, repo).ok().and_then(|r| r.issue(*number)),
        ItemContent::Draft { .. } => None,
    };
    let title = match &item.content {
        ItemContent::Draft { title, .. } => title.clone(),
        ItemContent::Issue { .. } => found.map(|i| i.title.clone()).unwrap_or_default(),
    };
    let value_of = |name: &str| -> Option<String> {
        let field = p.fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))?;
        let (_, v) = item.values.iter().find(|(id, _)| *id == field.id)?;
        Some(match v {
            ItemValue::Text(s) | ItemValue::Date(s) => s.to_ascii_lowercase(),
            ItemValue::Number(n) => n.to_string(),
            ItemValue::Option(id) => field.options.iter().find(|(o, _, _)| o == id)?.1.to_ascii_lowercase(),
        })
    };
    words.iter().all(|w| title.to_ascii_lowercase().contains(w.as_str()))
        && qualifiers.iter().all(|(k, v)| match (k.as_str(), v.as_str()) {
            ("is", "issue") => found.is_some_and(|i| i.pull.is_none()),
            ("is", "pr") => found.is_some_and(|i| i.pull.is_some()),
            ("is", "draft") => matches!(item.content, ItemContent::Draft { .. }),
            ("is", "open") => found.is_some_and(|i| i.state == "open"),
            ("is", "closed") => found.is_some_and(|i| i.state == "closed"),
            (field, value) => value_of(field).is_some_and(|have| have == value),
        })
}

async fn list_items(call: ProjectCall, query: Query, uri: Uri) -> Result<Response, ApiError> {
    let fields = wanted(&query);
    call.read(|view, p| {
        let items: Vec<&ProjectItem> = p.items.iter().filter(|i| matches(view, p, i, query.get("q"))).collect();
        cursor_response(&items, &uri, &view.shared.api_url, |i| shape::item(view, p, i, &fields))
    })
}

async fn get_item(call: ProjectCall, query: Query) -> Result<Response, ApiError> {
    let fields = wanted(&query);
    call.read(|view, p| {
        let item = p.items.iter().find(|i| Some(i.id) == call.item).ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &shape::item(view, p, item, &fields)))
    })
}

/// The issue or pull request `POST .../items` names: by `id`, or by `owner`, `repo` and `number`.
fn content_of(view: &View, body: &Body) -> Result<ItemContent, ApiError> {
    let kind = match body.0.get("type").and_then(Value::as_str) {
        Some(kind @ ("Issue" | "PullRequest")) => kind,
        Some(_) => return Err(ApiError::validation("ProjectV2Item", "type", "invalid")),
        None => return Err(ApiError::validation("ProjectV2Item", "type", "missing_field")),
    };
    let found = match (body.0.get("id").and_then(Value::as_u64), body.0.get("number").and_then(Value::as_u64)) {
        (Some(id), _) => {
            view.visible_repos().into_iter().find_map(|r| r.issues.iter().find(|i| i.id == id).map(|i| (r, i)))
        }
        (None, Some(number)) => {
            let owner = body.0.get("owner").and_then(Value::as_str).unwrap_or_default();
            let repo = body.0.get("repo").and_then(Value::as_str).unwrap_or_default();
            view.repo(owner, repo).ok().and_then(|r| r.issue(number).map(|i| (r, i)))
        }
        (None, None) => return Err(ApiError::validation("ProjectV2Item", "id", "missing_field")),
    };
    let (repo, issue) =
        found.ok_or_else(|| ApiError::custom("ProjectV2Item", "Could not resolve to an issue or pull request"))?;
    if (kind == "PullRequest") != issue.pull.is_some() {
        return Err(ApiError::custom("ProjectV2Item", &format!("The content is not a {kind}")));
    }
    Ok(ItemContent::Issue { owner: repo.owner.clone(), repo: repo.name.clone(), number: issue.number })
}

async fn add_item(call: ProjectCall, body: Body) -> Result<Response, ApiError> {
    let login = call.caller.login.clone();
    call.write(
        |view, _| content_of(view, &body),
        |world, index, content| {
            // Adding what is already there answers the item there, as GitHub does.
            if let Some(existing) = world.projects[index].items.iter().find(|i| i.content == content) {
                return Ok(Some(existing.id));
            }
            let next_id = world.next_id();
            let now = time::now();
            world.projects[index].items.push(ProjectItem {
                id: next_id,
                content,
                creator: login,
                values: Vec::new(),
                created_at: now,
                updated_at: now,
            });
            Ok(Some(next_id))
        },
        |view, project, id| {
            let item = project.items.iter().find(|i| Some(i.id) == id);
            match item {
                Some(item) => json_response(StatusCode::CREATED, &shape::item_simple(view, project, item)),
                None => ApiError::not_found().into_response(),
            }
        },
    )
}

/// The changes `PATCH .../items/{id}` asks for: (field id, new value or `None` to clear).
fn field_changes(project: &Project, body: &Body) -> Result<Vec<(u64, Option<ItemValue>)>, ApiError> {
    let Some(Value::Array(fields)) = body.0.get("fields") else {
        return Err(ApiError::validation("ProjectV2Item", "fields", "missing_field"));
    };
    fields
        .iter()
        .map(|change| {
            let id = change["id"]
                .as_u64()
                .ok_or_else(|| ApiError::validation("ProjectV2ItemFieldValue", "id", "missing_field"))?;
            let field = project.field(id).ok_or_else(|| {
                ApiError::custom("ProjectV2ItemFieldValue", &format!("Field {id} is not a field of this project"))
            })?;
            let raw = &change["value"];
            if raw.is_null() {
                return Ok((id, None));
            }
            let value = match (field.kind, raw) {
                (ProjectFieldKind::Text, Value::String(s)) => Some(ItemValue::Text(s.clone())),
                (ProjectFieldKind::Number, Value::Number(n)) => n.as_f64().map(ItemValue::Number),
                (ProjectFieldKind::Date, Value::String(s)) if time::is_date(s) => Some(ItemValue::Date(s.clone())),
                (ProjectFieldKind::SingleSelect, Value::String(s)) => {
                    field.options.iter().any(|(o, _, _)| o == s).then(|| ItemValue::Option(s.clone()))
                }
                _ => None,
            };
            let message = format!("{raw} is not a valid value for the {} field {}", field.kind.name(), field.name);
            value.map(|v| (id, Some(v))).ok_or_else(|| ApiError::custom("ProjectV2ItemFieldValue", &message))
        })
        .collect()
}

async fn update_item(call: ProjectCall, body: Body) -> Result<Response, ApiError> {
    let item_id = call.item;
    call.write(
        |_, project| {
            project.items.iter().find(|i| Some(i.id) == item_id).ok_or_else(ApiError::not_found)?;
            field_changes(project, &body)
        },
        |world, index, changes| {
            let item = world.projects[index]
                .items
                .iter_mut()
                .find(|i| Some(i.id) == item_id)
                .ok_or_else(ApiError::not_found)?;
            for (id, value) in changes {
                item.values.retain(|(f, _)| *f != id);
                if let Some(value) = value {
                    item.values.push((id, value));
                }
            }
            item.updated_at = time::now();
            Ok(item_id)
        },
        |view, project, id| {
            let all: Vec<u64> = project.fields.iter().map(|f| f.id).collect();
            match project.items.iter().find(|i| Some(i.id) == id) {
                Some(item) => json_response(StatusCode::OK, &shape::item(view, project, item, &all)),
                None => ApiError::not_found().into_response(),
            }
        },
    )
}

async fn delete_item(call: ProjectCall) -> Result<Response, ApiError> {
    let item_id = call.item;
    call.write(
        |_, project| project.items.iter().find(|i| Some(i.id) == item_id).map(|_| ()).ok_or_else(ApiError::not_found),
        |world, index, ()| {
            world.projects[index].items.retain(|i| Some(i.id) != item_id);
            Ok(None)
        },
        |_, _, _| StatusCode::NO_CONTENT.into_response(),
    )
}
