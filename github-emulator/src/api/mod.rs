//! The api.github.com side, served under the configured prefix. Each area
//! of the REST API is one module with a `routes()` function merged here;
//! `gate` handles what every request shares (latency, faults, auth, rate
//! limits, records), `auth`, `errors`, `pagination` and `model` are helpers
//! for the areas.
//!
//! To add an area (repos, issues, pulls, actions, notifications): write
//! `src/api/<area>.rs` with `pub(crate) fn routes() -> Router<Arc<Shared>>`
//! and merge it in [`router`].

mod auth;
mod errors;
mod gate;
mod model;
mod pagination;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};

use crate::state::Shared;
use errors::ApiError;

/// All API routes with their fallback, behind the gate. Paths are relative
/// to the API prefix.
pub(crate) fn router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new().merge(users::routes()).fallback(not_found).layer(from_fn_with_state(shared, gate::gate))
}

async fn not_found() -> Response {
    ApiError::not_found().into_response()
}
