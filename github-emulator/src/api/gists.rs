//! Gists: `GET /gists` (the caller's), `GET /users/{user}/gists` (public
//! ones), `GET /gists/{id}` (a secret gist too: anyone with the id may read
//! it, as on GitHub), `POST /gists` (`{files: {name: {content}}, description?,
//! public?}`; 422 without files) and `PATCH /gists/{id}` (`{description?,
//! files?}`: a file set to null is deleted; the owner only, 404 otherwise).
//! Writes need the `gist` scope (404 without it).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::auth::{Authed, Caller};
use super::errors::{ApiError, json_response};
use super::input::{Body, PathArgs, path};
use super::model;
use super::pagination::list_response;
use crate::state::Shared;
use crate::world::{Gist, World, time};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/gists", get(mine).post(create))
        .route("/gists/{id}", get(one).patch(update))
        .route("/users/{user}/gists", get(of_user))
}

fn gist_json(shared: &Shared, world: &World, g: &Gist, with_content: bool) -> Value {
    let url = format!("{}/gists/{}", shared.api_url, g.id);
    let files: serde_json::Map<String, Value> = g
        .files
        .iter()
        .map(|(name, content)| {
            let mut file = json!({
                "filename": name,
                "type": "text/plain",
                "language": language(name),
                "raw_url": format!("{}/gist/{}/raw/{name}", shared.base_url, g.id),
                "size": content.len(),
            });
            if with_content {
                file["content"] = json!(content);
                file["truncated"] = json!(false);
            }
            (name.clone(), file)
        })
        .collect();
    let owner = model::account(shared, world, &g.owner);
    json!({
        "id": g.id,
        "node_id": model::node_id("Gist", u64::from_str_radix(&g.id[..12], 16).unwrap_or(0)),
        "url": url,
        "forks_url": format!("{url}/forks"),
        "commits_url": format!("{url}/commits"),
        "git_pull_url": format!("{}/{}.git", shared.base_url, g.id),
        "git_push_url": format!("{}/{}.git", shared.base_url, g.id),
        "html_url": format!("{}/{}/{}", shared.base_url, g.owner, g.id),
        "comments_url": format!("{url}/comments"),
        "public": g.public,
        "description": g.description,
        "comments": 0,
        "user": Value::Null,
        "owner": owner,
        "files": files,
        "created_at": time::iso(g.created_at),
        "updated_at": time::iso(g.updated_at),
        "truncated": false,
    })
}

/// The language GitHub's linguist would name for a file, by extension.
fn language(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).as_deref() {
        Some("md") => "Markdown",
        Some("sh") => "Shell",
        Some("rs") => "Rust",
        Some("py") => "Python",
        Some("js") => "JavaScript",
        Some("json") => "JSON",
        _ => "Text",
    }
}

fn require_gist_scope(caller: &Caller) -> Result<(), ApiError> {
    if caller.has_scope("gist") { Ok(()) } else { Err(ApiError::not_found()) }
}

async fn mine(State(shared): State<Arc<Shared>>, Authed(caller): Authed, uri: Uri) -> Result<Response, ApiError> {
    let inner = shared.lock();
    let mut list: Vec<&Gist> =
        inner.world.gists.iter().filter(|g| g.owner.eq_ignore_ascii_case(&caller.login)).collect();
    list.sort_by_key(|g| std::cmp::Reverse(g.updated_at));
    Ok(list_response(&list, &uri, &shared.api_url, |g| gist_json(&shared, &inner.world, g, false)))
}

async fn of_user(State(shared): State<Arc<Shared>>, args: PathArgs<String>, uri: Uri) -> Result<Response, ApiError> {
    let user = path(args)?;
    if shared.user(&user).is_none() {
        return Err(ApiError::not_found());
    }
    let inner = shared.lock();
    let mut list: Vec<&Gist> =
        inner.world.gists.iter().filter(|g| g.public && g.owner.eq_ignore_ascii_case(&user)).collect();
    list.sort_by_key(|g| std::cmp::Reverse(g.updated_at));
    Ok(list_response(&list, &uri, &shared.api_url, |g| gist_json(&shared, &inner.world, g, false)))
}

async fn one(State(shared): State<Arc<Shared>>, args: PathArgs<String>) -> Result<Response, ApiError> {
    let id = path(args)?;
    let inner = shared.lock();
    let gist = inner.world.gists.iter().find(|g| g.id == id).ok_or_else(ApiError::not_found)?;
    Ok(json_response(StatusCode::OK, &gist_json(&shared, &inner.world, gist, true)))
}

/// `files` as GitHub takes it: name → `{content}` (or null, to delete, on update).
fn files_of(body: &Body) -> Result<Option<BTreeMap<String, Option<String>>>, ApiError> {
    let Some(files) = body.0.get("files") else { return Ok(None) };
    let files = files.as_object().ok_or_else(|| ApiError::validation("Gist", "files", "invalid"))?;
    files
        .iter()
        .map(|(name, f)| match f {
            Value::Null => Ok((name.clone(), None)),
            f => f["content"]
                .as_str()
                .map(|c| (name.clone(), Some(c.to_owned())))
                .ok_or_else(|| ApiError::validation("Gist", "files", "missing_field")),
        })
        .collect::<Result<BTreeMap<_, _>, _>>()
        .map(Some)
}

async fn create(State(shared): State<Arc<Shared>>, Authed(caller): Authed, body: Body) -> Result<Response, ApiError> {
    require_gist_scope(&caller)?;
    let files: BTreeMap<String, String> =
        files_of(&body)?.unwrap_or_default().into_iter().filter_map(|(n, c)| c.map(|c| (n, c))).collect();
    if files.is_empty() {
        return Err(ApiError::validation("Gist", "files", "missing_field"));
    }
    let description = body.str("description")?;
    let public = body.bool("public")?.unwrap_or(false);
    let mut inner = shared.lock();
    let n = inner.world.next_id();
    let now = time::now();
    let gist = Gist {
        id: format!("{n:032x}"),
        owner: caller.login.clone(),
        description,
        public,
        files,
        created_at: now,
        updated_at: now,
    };
    inner.world.gists.push(gist.clone());
    Ok(json_response(StatusCode::CREATED, &gist_json(&shared, &inner.world, &gist, true)))
}

async fn update(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<String>,
    body: Body,
) -> Result<Response, ApiError> {
    require_gist_scope(&caller)?;
    let id = path(args)?;
    let changes = files_of(&body)?;
    let description = body.str("description")?;
    let mut inner = shared.lock();
    let gist = inner.world.gists.iter_mut().find(|g| g.id == id && g.owner.eq_ignore_ascii_case(&caller.login));
    let gist = gist.ok_or_else(ApiError::not_found)?;
    for (name, content) in changes.unwrap_or_default() {
        match content {
            Some(c) => {
                gist.files.insert(name, c);
            }
            None => {
                gist.files.remove(&name);
            }
        }
    }
    if description.is_some() {
        gist.description = description;
    }
    gist.updated_at = time::now();
    let gist = gist.clone();
    Ok(json_response(StatusCode::OK, &gist_json(&shared, &inner.world, &gist, true)))
}
