//! The repositories area: `GET /repos/{o}/{r}`, `GET /user/repos`,
//! `POST /user/repos` (name required; 422 when it exists), `POST
//! /orgs/{org}/repos` (the same, for a member of the organization: 403
//! otherwise) and
//! `POST /repos/{o}/{r}/forks` (202 with the fork; asking again answers
//! the existing fork, as GitHub does).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};

use super::access::View;
use super::auth::{Authed, MaybeAuthed};
use super::errors::{ApiError, json_response};
use super::input::{Body, PathArgs, Query, path};
use super::model;
use super::pagination::list_response;
use crate::state::Shared;
use crate::world::{Repo, Tree};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}", get(get_repo))
        .route("/user/repos", get(user_repos).post(create_repo))
        .route("/orgs/{org}/repos", post(create_org_repo))
        .route("/repos/{owner}/{repo}/forks", post(fork))
}

async fn get_repo(
    State(shared): State<Arc<Shared>>,
    MaybeAuthed(caller): MaybeAuthed,
    args: PathArgs<(String, String)>,
) -> Result<Response, ApiError> {
    let (owner, name) = path(args)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, caller.as_ref());
    let repo = view.repo(&owner, &name)?;
    Ok(json_response(StatusCode::OK, &model::repo::full(&view, repo)))
}

/// `?visibility=all|public|private`, `?affiliation=owner,collaborator,organization_member`,
/// `?type=all|owner|public|private|member`, `?sort=full_name|created|updated|pushed`,
/// `?direction=asc|desc`.
async fn user_repos(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    query: Query,
    uri: Uri,
) -> Result<Response, ApiError> {
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, Some(&caller));
    let affiliation = query.get("affiliation").unwrap_or("owner,collaborator,organization_member");
    let visibility = query.get("visibility").unwrap_or("all");
    let kind = query.get("type").unwrap_or("all");
    let login = caller.login.as_str();
    let mut repos: Vec<&Repo> = view
        .visible_repos()
        .into_iter()
        .filter(|r| {
            let owner = r.owner.eq_ignore_ascii_case(login);
            let collaborator = r.collaborators.iter().any(|c| c.eq_ignore_ascii_case(login));
            let member = !owner && !collaborator && view.is_member(r);
            (owner && affiliation.contains("owner"))
                || (collaborator && affiliation.contains("collaborator"))
                || (member && affiliation.contains("organization_member"))
        })
        .filter(|r| match visibility {
            "public" => !r.private,
            "private" => r.private,
            _ => true,
        })
        .filter(|r| match kind {
            "owner" => r.owner.eq_ignore_ascii_case(login),
            "member" => !r.owner.eq_ignore_ascii_case(login),
            "public" => !r.private,
            "private" => r.private,
            _ => true,
        })
        .collect();
    let sort = query.get("sort").unwrap_or("full_name");
    match sort {
        "created" => repos.sort_by_key(|r| std::cmp::Reverse(r.created_at)),
        "updated" => repos.sort_by_key(|r| std::cmp::Reverse(r.updated_at)),
        "pushed" => repos.sort_by_key(|r| std::cmp::Reverse(r.pushed_at)),
        _ => {}
    }
    let default_desc = sort != "full_name";
    if query.get("direction").map_or(default_desc, |d| d == "desc") != default_desc {
        repos.reverse();
    }
    Ok(list_response(&repos, &uri, &shared.api_url, |r| model::repo::summary(&view, r)))
}

/// `{name, description?, homepage?, private?, auto_init?}`, in the caller's account.
async fn create_repo(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    body: Body,
) -> Result<Response, ApiError> {
    create_in(&shared, &caller, None, &body)
}

/// The same in an organization: 404 for one that does not exist, 403 for a caller who is not its
/// member, in GitHub's words.
async fn create_org_repo(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let org = path(args)?;
    let found = shared.lock().world.orgs.iter().find(|o| o.eq_ignore_ascii_case(&org)).cloned();
    let org = found.ok_or_else(ApiError::not_found)?;
    let member = shared.user(&caller.login).is_some_and(|u| u.orgs.iter().any(|o| o.eq_ignore_ascii_case(&org)));
    if !member {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "You need admin access to the organization before adding a repository to it.",
        ));
    }
    create_in(&shared, &caller, Some(org), &body)
}

fn create_in(
    shared: &Shared,
    caller: &super::auth::Caller,
    org: Option<String>,
    body: &Body,
) -> Result<Response, ApiError> {
    let name = body.str("name")?.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let Some(name) = name else {
        return Err(ApiError::validation("Repository", "name", "missing_field"));
    };
    let name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).collect();
    let private = body.bool("private")?.unwrap_or(false);
    let (description, homepage) = (body.str("description")?, body.str("homepage")?);
    let auto_init = body.bool("auto_init")?.unwrap_or(false);
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let scoped = caller.has_scope("repo") || (caller.has_scope("public_repo") && !private);
    if !scoped {
        return Err(ApiError::not_found());
    }
    let login = match org {
        Some(org) => org,
        None => shared.user(&caller.login).map_or_else(|| caller.login.clone(), |u| u.login.clone()),
    };
    if world.repo(&login, &name).is_some() {
        return Err(ApiError::custom("Repository", "name already exists on this account")
            .with_message("Repository creation failed."));
    }
    let mut repo = Repo::new(world, &login, &name, private);
    repo.description = description;
    repo.homepage = homepage;
    world.repos.push(repo);
    if auto_init {
        let mut tree = Tree::new();
        let readme = format!("# {name}\n");
        tree.insert("README.md".into(), world.git.put_blob(Arc::from(readme.into_bytes())));
        world.commit_to_branch((&login, &name), "main", tree, "Initial commit", &login);
    }
    let view = View::new(shared, world, Some(caller));
    let repo = view.repo(&login, &name)?;
    Ok(json_response(StatusCode::CREATED, &model::repo::full(&view, repo)))
}

/// `{organization?, name?, default_branch_only?}`.
async fn fork(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (owner, name) = path(args)?;
    let organization = body.str("organization")?;
    let new_name = body.str("name")?;
    let default_only = body.bool("default_branch_only")?.unwrap_or(false);
    let mut inner = shared.lock();
    let world = &mut inner.world;
    let view = View::new(&shared, world, Some(&caller));
    let source = view.writable(&owner, &name, super::access::Need::Contribute)?.clone();
    let fork_owner = match organization {
        Some(org) => {
            let member =
                shared.user(&caller.login).is_some_and(|u| u.orgs.iter().any(|o| o.eq_ignore_ascii_case(&org)));
            if !member || !world.is_org(&org) {
                return Err(ApiError::invalid_value("Fork", "organization", &org));
            }
            world.orgs.iter().find(|o| o.eq_ignore_ascii_case(&org)).cloned().unwrap_or(org)
        }
        None => shared.user(&caller.login).map_or_else(|| caller.login.clone(), |u| u.login.clone()),
    };
    if source.owner.eq_ignore_ascii_case(&fork_owner) {
        return Err(ApiError::custom("Fork", "You cannot fork your own repository."));
    }
    let existing = world
        .repos
        .iter()
        .find(|r| r.owner.eq_ignore_ascii_case(&fork_owner) && r.parent.as_ref().is_some_and(|(o, n)| source.is(o, n)));
    let fork_name = match existing {
        Some(r) => r.name.clone(),
        None => {
            let wanted = new_name.unwrap_or_else(|| source.name.clone());
            let mut candidate = wanted.clone();
            let mut n = 0;
            while world.repo(&fork_owner, &candidate).is_some() {
                n += 1;
                candidate = format!("{wanted}-{n}");
            }
            let mut repo = Repo::new(world, &fork_owner, &candidate, source.private);
            repo.description = source.description.clone();
            repo.homepage = source.homepage.clone();
            repo.language = source.language.clone();
            repo.default_branch = source.default_branch.clone();
            repo.parent = Some((source.owner.clone(), source.name.clone()));
            repo.branches = source.branches.clone();
            if default_only {
                repo.branches.retain(|b, _| *b == source.default_branch);
            }
            repo.tags = source.tags.clone();
            repo.pushed_at = source.pushed_at;
            world.repos.push(repo);
            candidate
        }
    };
    let view = View::new(&shared, world, Some(&caller));
    let repo = view.repo(&fork_owner, &fork_name)?;
    Ok(json_response(StatusCode::ACCEPTED, &model::repo::full(&view, repo)))
}
