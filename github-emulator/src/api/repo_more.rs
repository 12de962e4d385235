//! More of a repository: `GET .../releases/latest` (the newest published
//! release that is neither a draft nor a prerelease), `GET
//! .../releases/tags/{tag}`; labels one by one (`GET|PATCH|DELETE
//! .../labels/{name}`, `POST .../labels` with `{name, color?, description?}`;
//! 422 `already_exists` for a taken name); `GET .../collaborators` (needs push
//! access: 403 otherwise, in GitHub's words) and `GET
//! .../collaborators/{user}/permission`; `DELETE .../contents/{path}`
//! (`{message, sha, branch?}`: 404 for a missing file, 409 for a stale sha);
//! `GET .../git/trees/{ref_or_sha}` (`?recursive=1` for every path); and `GET
//! .../git/ref/heads/{branch}` or `.../git/ref/tags/{tag}` (tags here are
//! lightweight unless annotated: then the object is the tag object, read at
//! `GET .../git/tags/{sha}`).

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::access::{Need, View, not_found_because};
use super::errors::{ApiError, json_response};
use super::input::{Body, Query};
use super::model;
use super::pagination::list_response;
use super::repo_call::{RepoCall, repo_mut};
use crate::state::Shared;
use crate::world::{Label, Repo, Tree, dir_sha};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/releases/latest", get(latest_release))
        .route("/repos/{owner}/{repo}/releases/tags/{*tag}", get(release_by_tag))
        .route("/repos/{owner}/{repo}/labels/{*name}", get(label).patch(update_label).delete(delete_label))
        .route("/repos/{owner}/{repo}/collaborators", get(collaborators))
        .route("/repos/{owner}/{repo}/collaborators/{user}/permission", get(permission))
        .route("/repos/{owner}/{repo}/git/trees/{*sha}", get(tree))
        .route("/repos/{owner}/{repo}/git/ref/{*name}", get(git_ref))
        .route("/repos/{owner}/{repo}/git/tags/{sha}", get(git_tag))
}

/// `POST .../labels`, merged into the issues area's route for the same path.
pub(crate) async fn create_label(call: RepoCall<()>, body: Body) -> Result<Response, ApiError> {
    let label_name = body.str("name")?.filter(|n| !n.trim().is_empty());
    let color = checked_color(body.str("color")?)?.unwrap_or_else(|| "ededed".into());
    let description = body.str("description")?;
    call.write(
        Need::Push,
        |_, repo| {
            let label_name = label_name.ok_or_else(|| ApiError::validation("Label", "name", "missing_field"))?;
            if repo.labels.iter().any(|l| l.name.eq_ignore_ascii_case(&label_name)) {
                return Err(ApiError::validation("Label", "name", "already_exists"));
            }
            Ok(label_name)
        },
        |world, at, name| {
            let id = world.next_id();
            repo_mut(world, at)?.labels.push(Label { id, name, color, description, default: false });
            Ok(())
        },
        |view, repo, ()| {
            let label = repo.labels.last().ok_or_else(ApiError::not_found)?;
            Ok(json_response(StatusCode::CREATED, &model::issue::label(view, repo, label)))
        },
    )
}

/// Six hex digits, a leading `#` tolerated as GitHub does; 422 otherwise.
fn checked_color(color: Option<String>) -> Result<Option<String>, ApiError> {
    match color {
        None => Ok(None),
        Some(c) => {
            let c = c.trim_start_matches('#').to_ascii_lowercase();
            if c.len() == 6 && c.chars().all(|x| x.is_ascii_hexdigit()) {
                Ok(Some(c))
            } else {
                Err(ApiError::validation("Label", "color", "invalid"))
            }
        }
    }
}

async fn latest_release(call: RepoCall<()>) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let published = repo.releases.iter().filter(|r| !r.draft && !r.prerelease);
        let release = published.max_by_key(|r| (r.published_at, r.created_at)).ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &model::git::release(view, repo, release)))
    })
}

async fn release_by_tag(call: RepoCall<String>) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        // Drafts have no tag yet as far as others are concerned.
        let found = repo.releases.iter().find(|r| r.tag_name == call.rest && (!r.draft || view.is_member(repo)));
        let release = found.ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &model::git::release(view, repo, release)))
    })
}

fn find_label<'a>(repo: &'a Repo, name: &str) -> Result<&'a Label, ApiError> {
    repo.labels.iter().find(|l| l.name.eq_ignore_ascii_case(name)).ok_or_else(ApiError::not_found)
}

async fn label(call: RepoCall<String>) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        Ok(json_response(StatusCode::OK, &model::issue::label(view, repo, find_label(repo, &call.rest)?)))
    })
}

/// `{new_name?, color?, description?}`; renaming relabels every issue.
async fn update_label(call: RepoCall<String>, body: Body) -> Result<Response, ApiError> {
    let new_name = body.str("new_name")?.filter(|n| !n.trim().is_empty());
    let color = checked_color(body.str("color")?)?;
    let description = body.str("description")?;
    call.write(
        Need::Push,
        |_, repo| {
            let old = find_label(repo, &call.rest)?.name.clone();
            let taken = |new: &String| {
                !new.eq_ignore_ascii_case(&old) && repo.labels.iter().any(|l| l.name.eq_ignore_ascii_case(new))
            };
            if new_name.as_ref().is_some_and(taken) {
                return Err(ApiError::validation("Label", "name", "already_exists"));
            }
            Ok(old)
        },
        |world, at, old| Ok(relabel(repo_mut(world, at)?, &old, new_name.clone(), color, description)),
        |view, repo, now| Ok(json_response(StatusCode::OK, &model::issue::label(view, repo, find_label(repo, &now)?))),
    )
}

/// Changes label `old` of `repo` (and its issues, when renamed); returns its name now.
fn relabel(
    repo: &mut Repo,
    old: &str,
    new_name: Option<String>,
    color: Option<String>,
    description: Option<String>,
) -> String {
    if let Some(l) = repo.labels.iter_mut().find(|l| l.name == old) {
        if let Some(new) = &new_name {
            l.name.clone_from(new);
        }
        if let Some(c) = color {
            l.color = c;
        }
        if description.is_some() {
            l.description = description;
        }
    }
    if let Some(new) = &new_name {
        for l in repo.issues.iter_mut().flat_map(|i| i.labels.iter_mut()).filter(|l| *l == old) {
            l.clone_from(new);
        }
    }
    new_name.unwrap_or_else(|| old.to_owned())
}

/// Removes the label from the repository and from every issue.
async fn delete_label(call: RepoCall<String>) -> Result<Response, ApiError> {
    call.write(
        Need::Push,
        |_, repo| Ok(find_label(repo, &call.rest)?.name.clone()),
        |world, at, old| {
            let repo = repo_mut(world, at)?;
            repo.labels.retain(|l| l.name != old);
            repo.issues.iter_mut().for_each(|i| i.labels.retain(|l| *l != old));
            Ok(())
        },
        |_, _, ()| Ok(StatusCode::NO_CONTENT.into_response()),
    )
}

/// Everyone with push access, with GitHub's permission flags: the owner is admin, the rest write.
fn people(view: &View, repo: &Repo) -> Vec<(String, &'static str)> {
    let mut people = vec![(repo.owner.clone(), "admin")];
    people.extend(repo.collaborators.iter().map(|c| (c.clone(), "write")));
    if view.world.is_org(&repo.owner) {
        people.retain(|(login, _)| !login.eq_ignore_ascii_case(&repo.owner));
        let members = view.shared.users().filter(|u| view.is_org_member(&repo.owner, &u.login));
        people.extend(members.map(|u| (u.login.clone(), "write")));
    }
    people.dedup_by(|a, b| a.0.eq_ignore_ascii_case(&b.0));
    people
}

fn collaborator(view: &View, login: &str, permission: &str) -> Value {
    let mut value = model::account(view.shared, view.world, login);
    let admin = permission == "admin";
    model::merge(
        &mut value,
        json!({
            "permissions": {"admin": admin, "maintain": admin, "push": true, "triage": true, "pull": true},
            "role_name": permission,
        }),
    );
    value
}

fn require_push(view: &View, repo: &Repo) -> Result<(), ApiError> {
    if view.is_member(repo) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "Must have push access to view repository collaborators."))
    }
}

async fn collaborators(call: RepoCall<()>, uri: Uri) -> Result<Response, ApiError> {
    call.authed()?;
    call.read(|view, repo| {
        require_push(view, repo)?;
        let people = people(view, repo);
        Ok(list_response(&people, &uri, &call.shared.api_url, |(login, p)| collaborator(view, login, p)))
    })
}

/// `{permission: admin|write|read|none, role_name, user}`, as lockdown-style checks read it.
async fn permission(call: RepoCall<String>) -> Result<Response, ApiError> {
    call.authed()?;
    call.read(|view, repo| {
        require_push(view, repo)?;
        let login = &call.rest;
        let people = people(view, repo);
        let found = people.iter().find(|(l, _)| l.eq_ignore_ascii_case(login));
        if found.is_none() && view.shared.user(login).is_none() && !view.world.is_org(login) {
            return Err(not_found_because(format!("{login} is not a user")));
        }
        let (permission, user) = match found {
            Some((l, p)) => (*p, collaborator(view, l, p)),
            None => {
                let permission = if repo.private { "none" } else { "read" };
                let mut user = model::account(view.shared, view.world, login);
                let pull = permission == "read";
                model::merge(
                    &mut user,
                    json!({
                        "permissions": {"admin": false, "maintain": false, "push": false, "triage": false, "pull": pull},
                        "role_name": permission,
                    }),
                );
                (permission, user)
            }
        };
        Ok(json_response(StatusCode::OK, &json!({"permission": permission, "role_name": permission, "user": user})))
    })
}

/// The tree `name` names: a branch, tag or commit (its root tree), or the root tree sha of a
/// branch's tip.
fn resolve_tree(view: &View, repo: &Repo, name: &str) -> Option<Arc<Tree>> {
    if let Some(commit) = repo.resolve(&view.world.git, name) {
        return Some(view.world.git.tree(&commit));
    }
    view.world.git.tree_by_sha(&name.to_ascii_lowercase())
}

async fn tree(call: RepoCall<String>, query: Query) -> Result<Response, ApiError> {
    let recursive = query.get("recursive").is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    call.read(|view, repo| tree_of(view, repo, &call.rest, recursive))
}

fn tree_of(view: &View, repo: &Repo, sha: &str, recursive: bool) -> Result<Response, ApiError> {
    let files = resolve_tree(view, repo, sha).ok_or_else(|| not_found_because("Not Found"))?;
    Ok(json_response(StatusCode::OK, &tree_json(view, repo, &files, recursive)))
}

/// A tree as GitHub's `git-tree`: its directories and files, every path below or the top level.
pub(crate) fn tree_json(view: &View, repo: &Repo, files: &Tree, recursive: bool) -> Value {
    let api = model::repo::repo_api(view, repo);
    let mut dirs: std::collections::BTreeSet<String> = Default::default();
    for path in files.keys() {
        let mut at = 0;
        while let Some(i) = path[at..].find('/') {
            dirs.insert(path[..at + i].to_owned());
            at += i + 1;
        }
    }
    let shown = |p: &str| recursive || !p.contains('/');
    let mut entries: Vec<(String, Value)> = dirs
        .iter()
        .filter(|d| shown(d))
        .map(|d| {
            let sha = dir_sha(files, d);
            (d.clone(), json!({"path": d, "mode": "040000", "type": "tree", "sha": sha, "url": format!("{api}/git/trees/{sha}")}))
        })
        .collect();
    entries.extend(files.iter().filter(|(p, _)| shown(p)).map(|(p, blob)| {
        let size = view.world.git.blob(blob).map_or(0, |b| b.len());
        (p.clone(), json!({"path": p, "mode": "100644", "type": "blob", "sha": blob, "size": size, "url": format!("{api}/git/blobs/{blob}")}))
    }));
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let root = dir_sha(files, "");
    json!({
        "sha": root,
        "url": format!("{api}/git/trees/{root}"),
        "tree": entries.into_iter().map(|(_, e)| e).collect::<Vec<_>>(),
        "truncated": false,
    })
}

/// One fully named ref, `heads/x` or `tags/x`, as GitHub's `git-ref`.
async fn git_ref(call: RepoCall<String>) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let full = format!("refs/{}", call.rest.trim_matches('/'));
        let sha = repo.resolve_exact(&full).ok_or_else(|| not_found_because("Not Found"))?;
        let api = model::repo::repo_api(view, repo);
        let annotated = full.strip_prefix("refs/tags/").and_then(|t| repo.annotated_tags.get(t));
        let object = match annotated {
            Some(tag) => json!({"type": "tag", "sha": tag.sha, "url": format!("{api}/git/tags/{}", tag.sha)}),
            None => json!({"type": "commit", "sha": sha, "url": format!("{api}/git/commits/{sha}")}),
        };
        let body = json!({"ref": full, "node_id": model::node_id("Ref", hash_id(&full)), "url": format!("{api}/git/{full}"), "object": object});
        Ok(json_response(StatusCode::OK, &body))
    })
}

/// A number for a node id from a name.
fn hash_id(name: &str) -> u64 {
    name.bytes().fold(7u64, |n, b| n.wrapping_mul(31).wrapping_add(u64::from(b)))
}

/// An annotated tag object by its sha.
async fn git_tag(call: RepoCall<String>) -> Result<Response, ApiError> {
    call.read(|view, repo| {
        let (name, tag) = repo.annotated_tags.iter().find(|(_, t)| t.sha == call.rest).ok_or_else(ApiError::not_found)?;
        let commit = repo.tags.get(name).ok_or_else(ApiError::not_found)?;
        let api = model::repo::repo_api(view, repo);
        let email = view.shared.user(&tag.tagger).and_then(|u| u.email.clone()).unwrap_or_else(|| format!("{}@users.noreply.github.com", tag.tagger));
        let body = json!({
            "node_id": model::node_id("Tag", hash_id(&tag.sha)),
            "tag": name,
            "sha": tag.sha,
            "url": format!("{api}/git/tags/{}", tag.sha),
            "message": tag.message,
            "tagger": {"name": tag.tagger, "email": email, "date": crate::world::time::iso(tag.date)},
            "object": {"type": "commit", "sha": commit, "url": format!("{api}/git/commits/{commit}")},
            "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null},
        });
        Ok(json_response(StatusCode::OK, &body))
    })
}
