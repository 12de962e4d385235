//! Issue fields: typed metadata an organization defines once for every issue of its repositories
//! (`GET /orgs/{org}/issue-fields`, `read:org`; members see every field, others the public
//! ones), and an issue's values of them (`GET|POST|PUT .../issues/{n}/issue-field-values`,
//! `DELETE .../issue-field-values/{field_id}`).
//!
//! As GitHub does: writing needs push access (403 for a repository the caller only reads); a
//! value must fit its field (a string for text, a number for number, `YYYY-MM-DD` for date, an
//! option's name for single select), 422 otherwise; at most 25 values per request; POST sets the
//! fields it names and keeps the others (an empty list clears them all), PUT replaces them all;
//! both answer 200 with the issue's values as they now are.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde_json::Value;

use super::access::{Need, View};
use super::auth::Authed;
use super::errors::{ApiError, json_response};
use super::input::{Body, PathArgs, path};
use super::model;
use super::pagination::list_response;
use super::repo_call::{RepoCall, repo_mut};
use crate::state::Shared;
use crate::world::{FieldKind, FieldValue, IssueField, Repo, time};

/// Most values one request may set.
const MAX_VALUES: usize = 25;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/orgs/{org}/issue-fields", get(org_fields))
        .route("/repos/{owner}/{repo}/issues/{number}/issue-field-values", get(values).post(add_values).put(set_values))
        .route("/repos/{owner}/{repo}/issues/{number}/issue-field-values/{field_id}", delete(remove_value))
}

async fn org_fields(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<String>,
) -> Result<Response, ApiError> {
    let org = path(args)?;
    if !["read:org", "write:org", "admin:org"].iter().any(|s| caller.has_scope(s)) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "Resource not accessible by integration"));
    }
    let inner = shared.lock();
    if !inner.world.is_org(&org) {
        return Err(ApiError::not_found());
    }
    let view = View::new(&shared, &inner.world, Some(&caller));
    let fields: Vec<Value> = inner
        .world
        .issue_fields
        .iter()
        .filter(|f| f.org.eq_ignore_ascii_case(&org) && view.sees_field(f))
        .map(model::issue::issue_field)
        .collect();
    Ok(json_response(StatusCode::OK, &Value::Array(fields)))
}

async fn values(call: RepoCall<u64>, uri: Uri) -> Result<Response, ApiError> {
    let number = call.rest;
    call.read(|view, repo| {
        let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
        Ok(list_response(&model::issue::field_values(view, issue), &uri, &call.shared.api_url, Value::clone))
    })
}

async fn add_values(call: RepoCall<u64>, body: Body) -> Result<Response, ApiError> {
    write_values(&call, &body, false)
}

async fn set_values(call: RepoCall<u64>, body: Body) -> Result<Response, ApiError> {
    write_values(&call, &body, true)
}

/// Sets the values `body` lists on the issue; `replace` drops the ones it does not name.
fn write_values(call: &RepoCall<u64>, body: &Body, replace: bool) -> Result<Response, ApiError> {
    let number = call.rest;
    pushable(call)?;
    call.write(
        Need::Push,
        |view, repo| {
            let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
            let wanted = parse_values(view, repo, body)?;
            let mut fields = if replace || wanted.is_empty() { Vec::new() } else { issue.fields.clone() };
            for (id, value) in wanted {
                match fields.iter_mut().find(|(f, _)| *f == id) {
                    Some(slot) => slot.1 = value,
                    None => fields.push((id, value)),
                }
            }
            Ok(fields)
        },
        |world, at, fields| {
            let issue = repo_mut(world, at)?.issue_mut(number).ok_or_else(ApiError::not_found)?;
            issue.fields = fields;
            issue.updated_at = time::now();
            Ok(())
        },
        |view, repo, ()| {
            let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
            Ok(json_response(StatusCode::OK, &Value::Array(model::issue::field_values(view, issue))))
        },
    )
}

async fn remove_value(call: RepoCall<(u64, u64)>) -> Result<Response, ApiError> {
    let (number, field) = call.rest;
    pushable(&call)?;
    call.write(
        Need::Push,
        |view, repo| {
            let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
            let shown = view.world.issue_fields.iter().any(|f| f.id == field && view.sees_field(f));
            if !shown || !issue.fields.iter().any(|(f, _)| *f == field) {
                return Err(ApiError::not_found());
            }
            Ok(())
        },
        |world, at, ()| {
            let issue = repo_mut(world, at)?.issue_mut(number).ok_or_else(ApiError::not_found)?;
            issue.fields.retain(|(f, _)| *f != field);
            issue.updated_at = time::now();
            Ok(())
        },
        |_, _, ()| Ok(StatusCode::NO_CONTENT.into_response()),
    )
}

/// 403 for a repository the caller sees but cannot push to, as this API answers (other writes
/// answer 404); 401 and 404 are left to the write itself.
fn pushable<T>(call: &RepoCall<T>) -> Result<(), ApiError> {
    let Some(caller) = &call.caller else { return Ok(()) };
    let inner = call.shared.lock();
    let view = View::new(&call.shared, &inner.world, Some(caller));
    match view.repo(&call.owner, &call.name) {
        Ok(repo) if !view.can(repo, Need::Push) => {
            Err(ApiError::new(StatusCode::FORBIDDEN, "You must have push access to set issue field values."))
        }
        _ => Ok(()),
    }
}

/// The `issue_field_values` of a request, each checked against its field.
fn parse_values(view: &View, repo: &Repo, body: &Body) -> Result<Vec<(u64, FieldValue)>, ApiError> {
    let items = match body.0.get("issue_field_values") {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => {
            return Err(ApiError::validation("IssueFieldValue", "issue_field_values", "missing_field"));
        }
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "Invalid request.\n\nFor 'properties/issue_field_values', {other} is not an array."
            )));
        }
    };
    if items.len() > MAX_VALUES {
        return Err(ApiError::unprocessable(format!(
            "Invalid request.\n\nFor 'properties/issue_field_values', array has more than {MAX_VALUES} items."
        )));
    }
    if !items.is_empty() && !view.world.is_org(&repo.owner) {
        return Err(ApiError::custom(
            "IssueFieldValue",
            "Issue fields are only available to organization repositories",
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let id = item["field_id"].as_u64();
            let field = id.and_then(|id| {
                view.world
                    .issue_fields
                    .iter()
                    .find(|f| f.id == id && f.org.eq_ignore_ascii_case(&repo.owner) && view.sees_field(f))
            });
            let Some(field) = field else {
                return Err(invalid(
                    index,
                    "field_id",
                    &item["field_id"],
                    "No issue field with this id in the organization",
                ));
            };
            let value = fit(field, &item["value"]).ok_or_else(|| {
                invalid(
                    index,
                    "value",
                    &item["value"],
                    &format!("Not a valid value for the {} field {}", field.kind.name(), field.name),
                )
            })?;
            Ok((field.id, value))
        })
        .collect()
}

/// `raw` as a value of `field`, if it is one.
fn fit(field: &IssueField, raw: &Value) -> Option<FieldValue> {
    match (field.kind, raw) {
        (FieldKind::Text, Value::String(s)) if s.chars().count() <= 1024 => Some(FieldValue::Text(s.clone())),
        (FieldKind::Number, Value::Number(n)) => n.as_f64().map(FieldValue::Number),
        (FieldKind::Date, Value::String(s)) if time::is_date(s) => Some(FieldValue::Date(s.clone())),
        (FieldKind::SingleSelect, Value::String(s)) => {
            field.options.iter().find(|o| o.name.eq_ignore_ascii_case(s)).map(|o| FieldValue::Choice(o.id))
        }
        _ => None,
    }
}

fn invalid(index: usize, field: &str, value: &Value, message: &str) -> ApiError {
    let value = match value {
        Value::String(_) | Value::Null => value.clone(),
        other => Value::String(other.to_string()),
    };
    ApiError::validation_errors(serde_json::json!([{
        "resource": "IssueFieldValue", "field": field, "code": "invalid", "index": index, "value": value,
        "message": message,
    }]))
}
