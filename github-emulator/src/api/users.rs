//! The users area: `GET /user`, `GET /user/orgs`, `GET /users/{login}` and
//! `GET /users/{login}/orgs`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::auth::Authed;
use super::errors::{ApiError, json_response};
use super::model;
use super::pagination::paginate;
use crate::config::User;
use crate::state::Shared;

const ACCEPTED_SCOPES: HeaderName = HeaderName::from_static("x-accepted-oauth-scopes");
const ORG_SCOPES: &str = "admin:org, read:org, repo, user, write:org";

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/user", get(authenticated_user))
        .route("/user/orgs", get(authenticated_orgs))
        .route("/users/{login}", get(public_user))
        .route("/users/{login}/orgs", get(public_orgs))
}

async fn authenticated_user(State(shared): State<Arc<Shared>>, Authed(caller): Authed) -> Result<Response, ApiError> {
    let user = shared.user(&caller.login).ok_or_else(ApiError::not_found)?;
    let mut response = json_response(StatusCode::OK, &model::user(&shared, user, true));
    response.headers_mut().insert(ACCEPTED_SCOPES, HeaderValue::from_static(""));
    Ok(response)
}

async fn authenticated_orgs(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    uri: Uri,
) -> Result<Response, ApiError> {
    let user = shared.user(&caller.login).ok_or_else(ApiError::not_found)?;
    Ok(org_list(&shared, user, &uri))
}

/// `GET /users/{login}`: a user's public profile, or an organization's, which GitHub answers
/// here too (as `type: Organization`).
async fn public_user(
    State(shared): State<Arc<Shared>>,
    login: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Response, ApiError> {
    let Path(name) = login.map_err(|_| ApiError::not_found())?;
    if let Some(user) = shared.user(&name) {
        return Ok(json_response(StatusCode::OK, &model::user(&shared, user, false)));
    }
    let org = shared.lock().world.orgs.iter().find(|o| o.eq_ignore_ascii_case(&name)).cloned();
    let org = org.ok_or_else(ApiError::not_found)?;
    let id = model::org_id(&org);
    let mut value = model::user(&shared, &User::new(id, org), false);
    model::merge(
        &mut value,
        serde_json::json!({"type": "Organization", "node_id": model::node_id("Organization", id)}),
    );
    Ok(json_response(StatusCode::OK, &value))
}

async fn public_orgs(
    State(shared): State<Arc<Shared>>,
    login: Result<Path<String>, axum::extract::rejection::PathRejection>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let user = find(&shared, login)?;
    Ok(org_list(&shared, user, &uri))
}

fn find(
    shared: &Shared,
    login: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<&User, ApiError> {
    let Path(login) = login.map_err(|_| ApiError::not_found())?;
    shared.user(&login).ok_or_else(ApiError::not_found)
}

fn org_list(shared: &Shared, user: &User, uri: &Uri) -> Response {
    let page = paginate(&user.orgs, uri, &shared.api_url);
    let body: Vec<_> = page.items.iter().map(|o| model::org(shared, o)).collect();
    let mut response = json_response(StatusCode::OK, &serde_json::Value::Array(body));
    let headers = response.headers_mut();
    headers.insert(ACCEPTED_SCOPES, HeaderValue::from_static(ORG_SCOPES));
    if let Some(link) = page.link {
        headers.insert(header::LINK, link);
    }
    response.into_response()
}
