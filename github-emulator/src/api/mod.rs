//! The api.github.com side, served under the configured prefix. Each area
//! of the REST API is one module with a `routes()` function merged here;
//! `gate` handles what every request shares (latency, faults, auth, rate
//! limits, records), `auth`, `access`, `errors`, `input`, `pagination` and
//! `model` are helpers for the areas. `downloads` is served at the web root
//! instead (raw files, job logs), outside the gate like GitHub's other hosts.
//!
//! To add an area: write `src/api/<area>.rs` with
//! `pub(crate) fn routes() -> Router<Arc<Shared>>` and merge it in [`router`].

mod access;
mod actions;
mod auth;
mod checks;
mod comments;
mod commits;
mod contents;
mod described;
pub(crate) use auth::presented_token;
pub use described::template as path_template;
pub(crate) use gate::{add_fault_headers, fault_response, take_fault};
mod downloads;
mod errors;
mod gate;
mod gists;
mod git_data;
mod graphql;
mod input;
mod issue_fields;
mod issue_more;
mod issues;
mod model;
mod notifications;
mod pagination;
mod projects;
mod pull_branches;
mod pulls;
mod repo_call;
mod repo_more;
mod repos;
mod review_comments;
mod reviews;
mod search;
mod search_more;
mod security;
mod stars;
mod users;
mod workflows;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};

use crate::state::Shared;
use errors::ApiError;

/// All API routes with their fallback, behind the gate, each checked against GitHub's REST
/// description ([`described`]). Paths are relative to the API prefix.
pub(crate) fn router(shared: Arc<Shared>, prefix: &str) -> Router<Arc<Shared>> {
    Router::new()
        .merge(users::routes())
        .merge(repos::routes())
        .merge(contents::routes())
        .merge(commits::routes())
        .merge(issues::routes())
        .merge(issue_more::routes())
        .merge(issue_fields::routes())
        .merge(comments::routes())
        .merge(pulls::routes())
        .merge(pull_branches::routes())
        .merge(repo_more::routes())
        .merge(git_data::routes())
        .merge(reviews::routes())
        .merge(review_comments::routes())
        .merge(checks::routes())
        .merge(actions::routes())
        .merge(workflows::routes())
        .merge(notifications::routes())
        .merge(search::routes())
        .merge(search_more::routes())
        .merge(stars::routes())
        .merge(gists::routes())
        .merge(security::routes())
        .merge(projects::routes())
        .route_layer(from_fn_with_state(described::Checks::new(prefix, shared.check_responses), described::check))
        .fallback(not_found)
        .layer(from_fn_with_state(shared, gate::gate))
}

/// The GraphQL endpoint behind the same gate, at its own path: `/graphql` on api.github.com,
/// `/api/graphql` beside an Enterprise Server's `/api/v3` (GitHub's layout). It is described by
/// its own schema, not the REST description.
pub(crate) fn graphql_router(shared: Arc<Shared>, prefix: &str) -> Router<Arc<Shared>> {
    let path = match prefix.strip_suffix("/v3") {
        Some(api) => format!("{api}/graphql"),
        None => format!("{prefix}/graphql"),
    };
    graphql::routes(&path).layer(from_fn_with_state(shared, gate::gate))
}

/// Routes served at the web root, outside the API prefix and gate.
pub(crate) fn web_routes() -> Router<Arc<Shared>> {
    downloads::web_routes()
}

async fn not_found() -> Response {
    ApiError::not_found().into_response()
}
