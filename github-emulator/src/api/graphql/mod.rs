//! `POST /graphql`: the part of GitHub's GraphQL API (its schema's names, nullability and
//! conventions) that the gateway's tools call, executed by `async-graphql` over the same world
//! and access rules as the REST side.
//!
//! GitHub's conventions kept here:
//! - a token is required: 401 with GitHub's JSON message otherwise (the gate has already refused
//!   a bad one);
//! - errors are answered with HTTP 200, `data` as far as it resolved, and each error's `type`
//!   (`NOT_FOUND`, `FORBIDDEN`, `UNPROCESSABLE`, `INSUFFICIENT_SCOPES`,
//!   `MISSING_PAGINATION_BOUNDARIES`, `EXCESSIVE_PAGINATION`) at the top level of the error, next
//!   to its `message`, `path` and `locations`;
//! - objects are named by GitHub's global node ids (the REST answers' `node_id`), and connections
//!   need `first` (at most 100), paged by opaque `after` cursors.
//!
//! [`pulls`] holds the `repository` root, pull requests, their review threads and the mutations on
//! them; [`discussions`] a repository's discussions, their comments and the mutations on those.

mod discussions;
mod pulls;

use std::sync::{Arc, OnceLock};

use async_graphql::{EmptySubscription, Error, ErrorExtensions, MergedObject, OutputType, Schema, SimpleObject};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::access::View;
use super::auth::Caller;
use super::errors::{ApiError, json_response};
use super::pagination::{cursor, position};
use crate::state::Shared;

type GithubSchema = Schema<Query, Mutation, EmptySubscription>;

#[derive(MergedObject, Default)]
pub(crate) struct Query(pulls::PullQuery);

#[derive(MergedObject, Default)]
pub(crate) struct Mutation(pulls::PullMutation, discussions::DiscussionMutation);

/// The endpoint at `path`.
pub(crate) fn routes(path: &str) -> Router<Arc<Shared>> {
    Router::new().route(path, post(execute))
}

fn schema() -> &'static GithubSchema {
    static SCHEMA: OnceLock<GithubSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::build(Query::default(), Mutation::default(), EmptySubscription).finish())
}

/// Who asks, for the resolvers.
pub(crate) struct Asker {
    pub shared: Arc<Shared>,
    pub caller: Caller,
}

impl Asker {
    /// Runs `f` on the world as the caller sees it.
    pub fn view<R>(&self, f: impl FnOnce(&View) -> R) -> R {
        let inner = self.shared.lock();
        f(&View::new(&self.shared, &inner.world, Some(&self.caller)))
    }
}

async fn execute(
    State(shared): State<Arc<Shared>>,
    caller: Option<axum::Extension<Caller>>,
    body: axum::body::Bytes,
) -> Response {
    let Some(axum::Extension(caller)) = caller else {
        let mut e = ApiError::new(StatusCode::UNAUTHORIZED, "This endpoint requires you to be authenticated.");
        e.documentation_url =
            "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql".into();
        return e.into_response();
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => return json_response(StatusCode::BAD_REQUEST, &json!({"message": "Problems parsing JSON"})),
    };
    shared.lock().records.push_graphql(request.query.clone());
    let answer = schema().execute(request.data(Asker { shared, caller })).await;
    let mut value = serde_json::to_value(&answer).unwrap_or(Value::Null);
    github_errors(&mut value);
    json_response(StatusCode::OK, &value)
}

/// GitHub puts an error's `type` beside its message, not under `extensions`.
fn github_errors(answer: &mut Value) {
    let Some(errors) = answer.get_mut("errors").and_then(Value::as_array_mut) else { return };
    for error in errors.iter_mut().filter_map(Value::as_object_mut) {
        let kind = error.get_mut("extensions").and_then(Value::as_object_mut).and_then(|x| x.remove("type"));
        if error.get("extensions").and_then(Value::as_object).is_some_and(serde_json::Map::is_empty) {
            error.remove("extensions");
        }
        if let Some(kind) = kind {
            error.insert("type".into(), kind);
        }
    }
}

/// An error of GitHub's `kind` (`NOT_FOUND`, `FORBIDDEN`, ...).
pub(crate) fn error(kind: &'static str, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, e| e.set("type", kind))
}

/// GitHub's refusal of a mutation `action` by a token whose scopes may not write.
pub(crate) fn insufficient_scopes(action: &str) -> Error {
    error(
        "INSUFFICIENT_SCOPES",
        format!(
            "Your token has not been granted the required scopes to execute this query. The '{action}' field requires one of the following scopes: ['repo', 'public_repo']."
        ),
    )
}

/// GitHub's refusal of a mutation `action` to `login`, who lacks the permission it needs.
pub(crate) fn lacks_permission(login: &str, action: &str) -> Error {
    error("FORBIDDEN", format!("{login} does not have the correct permissions to execute `{action}`"))
}

/// A REST-side refusal as GitHub's GraphQL API words it (`what` names the object looked for).
pub(crate) fn refused(e: ApiError, what: &str) -> Error {
    match e.status {
        StatusCode::NOT_FOUND => error("NOT_FOUND", format!("Could not resolve to {what}.")),
        StatusCode::UNPROCESSABLE_ENTITY => {
            let detail = e.errors.as_ref().and_then(|list| list[0]["message"].as_str().map(str::to_owned));
            error("UNPROCESSABLE", detail.unwrap_or(e.message))
        }
        _ => error("FORBIDDEN", e.message),
    }
}

/// GitHub's `PageInfo`.
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct PageInfo {
    has_next_page: bool,
    has_previous_page: bool,
    start_cursor: Option<String>,
    end_cursor: Option<String>,
}

/// A page of a connection: its `nodes`, how many there are in all, and where the page ends.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(concrete(name = "PullRequestReviewThreadConnection", params(pulls::ReviewThread)))]
#[graphql(concrete(name = "PullRequestReviewCommentConnection", params(pulls::ReviewComment)))]
#[graphql(concrete(name = "DiscussionConnection", params(discussions::Discussion)))]
#[graphql(concrete(name = "DiscussionCommentConnection", params(discussions::DiscussionComment)))]
#[graphql(concrete(name = "DiscussionCategoryConnection", params(discussions::DiscussionCategory)))]
pub(crate) struct Connection<T: OutputType> {
    total_count: i32,
    page_info: PageInfo,
    nodes: Vec<T>,
}

/// The `first` items after the cursor `after` of `all`, as connection `field` pages them: `first`
/// is required and at most 100.
pub(crate) fn page<T: OutputType + Clone>(
    all: &[T],
    field: &str,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Connection<T>> {
    let first = first.ok_or_else(|| {
        error(
            "MISSING_PAGINATION_BOUNDARIES",
            format!("You must provide a `first` or `last` value to properly paginate the `{field}` connection."),
        )
    })?;
    if !(0..=100).contains(&first) {
        return Err(error(
            "EXCESSIVE_PAGINATION",
            format!("Requesting {first} records on the `{field}` connection exceeds the `first` limit of 100 records."),
        ));
    }
    let start = match after {
        Some(cursor) => {
            position(&cursor).ok_or_else(|| {
                error("INVALID_CURSOR_ARGUMENTS", format!("`{cursor}` does not appear to be a valid cursor."))
            })? + 1
        }
        None => 0,
    };
    let end = (start + first as usize).min(all.len());
    let nodes: Vec<T> = all.get(start..end).map(<[T]>::to_vec).unwrap_or_default();
    Ok(Connection {
        total_count: all.len() as i32,
        page_info: PageInfo {
            has_next_page: end < all.len(),
            has_previous_page: start > 0,
            start_cursor: (!nodes.is_empty()).then(|| cursor(start)),
            end_cursor: (!nodes.is_empty()).then(|| cursor(end - 1)),
        },
        nodes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_their_cursors_to_the_end() {
        let all: Vec<i32> = (0..5).collect();
        let one = page(&all, "things", Some(2), None).unwrap_or_else(|e| panic!("{}", e.message));
        assert_eq!((one.nodes.clone(), one.total_count, one.page_info.has_next_page), (vec![0, 1], 5, true));
        let two = page(&all, "things", Some(10), one.page_info.end_cursor).unwrap_or_else(|e| panic!("{}", e.message));
        assert_eq!((two.nodes, two.page_info.has_next_page), (vec![2, 3, 4], false));
        assert!(page(&all, "things", None, None).is_err());
        assert!(page(&all, "things", Some(101), None).is_err());
        assert!(page(&all, "things", Some(1), Some("bogus".into())).is_err());
    }
}
