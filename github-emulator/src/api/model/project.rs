//! Projects (v2) JSON: a project, its fields, and its items with their content and field values.

use serde_json::{Value, json};

use super::{account, node_id};
use crate::api::access::View;
use crate::api::model::issue::issue;
use crate::api::model::pull::pull;
use crate::world::time::iso;
use crate::world::{ItemContent, ItemValue, Project, ProjectField, ProjectFieldKind, ProjectItem};

/// `{api}/orgs/{org}/projectsV2/{n}` or `{api}/users/{login}/projectsV2/{n}`.
pub(crate) fn project_url(view: &View, p: &Project) -> String {
    let kind = if view.world.is_org(&p.owner) { "orgs" } else { "users" };
    format!("{}/{kind}/{}/projectsV2/{}", view.shared.api_url, p.owner, p.number)
}

pub(crate) fn project(view: &View, p: &Project) -> Value {
    json!({
        "id": p.id,
        "node_id": node_id("ProjectV2", p.id),
        "owner": account(view.shared, view.world, &p.owner),
        "creator": account(view.shared, view.world, &p.creator),
        "title": p.title,
        "description": p.short_description,
        "public": p.public,
        "closed_at": if p.closed { json!(iso(p.updated_at)) } else { Value::Null },
        "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at),
        "number": p.number,
        "short_description": p.short_description,
        "deleted_at": null,
        "deleted_by": null,
        "state": if p.closed { "closed" } else { "open" },
        "latest_status_update": null,
        "is_template": false,
    })
}

fn text(s: &str) -> Value {
    json!({"raw": s, "html": s})
}

pub(crate) fn field(view: &View, p: &Project, f: &ProjectField) -> Value {
    let mut value = json!({
        "id": f.id,
        "node_id": node_id("ProjectV2Field", f.id),
        "project_url": project_url(view, p),
        "name": f.name,
        "data_type": f.kind.name(),
        "created_at": iso(f.created_at),
        "updated_at": iso(f.created_at),
    });
    if f.kind == ProjectFieldKind::SingleSelect {
        value["options"] = f
            .options
            .iter()
            .map(|(id, name, color)| json!({"id": id, "name": text(name), "description": text(""), "color": color}))
            .collect();
    }
    value
}

/// The item's content as the caller may see it (`None`: a repository they cannot see, or gone).
fn content(view: &View, item: &ProjectItem) -> (&'static str, Option<Value>, Option<String>) {
    match &item.content {
        ItemContent::Draft { title, body } => (
            "DraftIssue",
            Some(json!({"id": item.id, "node_id": node_id("DraftIssue", item.id), "title": title, "body": body,
                        "user": account(view.shared, view.world, &item.creator),
                        "created_at": iso(item.created_at), "updated_at": iso(item.updated_at)})),
            Some(title.clone()),
        ),
        ItemContent::Issue { owner, repo, number } => {
            let found = view.repo(owner, repo).ok().and_then(|r| r.issue(*number).map(|i| (r, i)));
            let kind = match found.map(|(_, i)| i.pull.is_some()) {
                Some(true) => "PullRequest",
                _ => "Issue",
            };
            (kind, found.map(|(r, i)| issue(view, r, i, false)), found.map(|(_, i)| i.title.clone()))
        }
    }
}

/// The value of `f` on `item` (`None` when it has none).
fn value(p: &Project, f: &ProjectField, item: &ProjectItem, title: Option<&str>) -> Option<Value> {
    if f.kind == ProjectFieldKind::Title {
        return title.map(text);
    }
    let (_, v) = item.values.iter().find(|(id, _)| *id == f.id)?;
    Some(match v {
        ItemValue::Text(s) | ItemValue::Date(s) => json!(s),
        ItemValue::Number(n) => json!(n),
        ItemValue::Option(id) => {
            let (_, name, color) = p.field(f.id)?.options.iter().find(|(o, _, _)| o == id)?;
            json!({"id": id, "name": text(name), "color": color})
        }
    })
}

/// An item with its content and the values of the fields `wanted` names (the title alone when
/// none), as `GET .../items` answers.
pub(crate) fn item(view: &View, p: &Project, it: &ProjectItem, wanted: &[u64]) -> Value {
    let (kind, content, title) = content(view, it);
    let fields: Vec<Value> = p
        .fields
        .iter()
        .filter(|f| f.kind == ProjectFieldKind::Title || wanted.contains(&f.id))
        .filter_map(|f| {
            value(p, f, it, title.as_deref())
                .map(|v| json!({"id": f.id, "name": f.name, "data_type": f.kind.name(), "value": v}))
        })
        .collect();
    json!({
        "id": it.id,
        "node_id": node_id("ProjectV2Item", it.id),
        "project_url": project_url(view, p),
        "content_type": kind,
        "content": content,
        "creator": account(view.shared, view.world, &it.creator),
        "created_at": iso(it.created_at),
        "updated_at": iso(it.updated_at),
        "archived_at": null,
        "item_url": format!("{}/items/{}", project_url(view, p), it.id),
        "fields": fields,
    })
}

/// An item as `POST .../items` answers it: its content is the issue or pull request itself.
pub(crate) fn item_simple(view: &View, p: &Project, it: &ProjectItem) -> Value {
    let mut value = item(view, p, it, &[]);
    if let ItemContent::Issue { owner, repo, number } = &it.content
        && let Some((r, i)) = view.repo(owner, repo).ok().and_then(|r| r.issue(*number).map(|i| (r, i)))
        && let Some(pr) = &i.pull
    {
        value["content"] = pull(view, r, i, pr);
    }
    if let Some(map) = value.as_object_mut() {
        map.remove("fields");
    }
    value
}
