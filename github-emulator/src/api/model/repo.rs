//! Repository JSON: the full object of `GET /repos/{o}/{r}`, the list and
//! search shape, and the "minimal repository" embedded in notifications,
//! code search results and pull request heads — all `*_url` fields included.

use serde_json::{Map, Value, json};

use super::{account, merge, node_id};
use crate::api::access::View;
use crate::world::Repo;
use crate::world::time::iso;

/// `GET /repos/{owner}/{repo}`: the list shape plus the network fields and,
/// for a fork, `parent` and `source`.
pub(crate) fn full(view: &View, repo: &Repo) -> Value {
    let mut value = summary(view, repo);
    let forks = view.world.forks_of(repo);
    merge(&mut value, json!({"network_count": forks, "subscribers_count": repo.stars / 10 + 1}));
    if view.world.is_org(&repo.owner) {
        merge(&mut value, json!({"organization": account(view.shared, view.world, &repo.owner)}));
    }
    if let Some((owner, name)) = &repo.parent
        && let Some(parent) = view.world.repo(owner, name)
    {
        let mut source = parent;
        while let Some((o, n)) = &source.parent {
            match view.world.repo(o, n) {
                Some(up) => source = up,
                None => break,
            }
        }
        merge(&mut value, json!({"parent": summary(view, parent), "source": summary(view, source)}));
    }
    value
}

/// A repository as lists and search results show it.
pub(crate) fn summary(view: &View, repo: &Repo) -> Value {
    let mut value = minimal(view, repo);
    let base = &view.shared.base_url;
    let full_name = repo.full_name();
    let host = base.trim_start_matches("http://").trim_start_matches("https://");
    let forks = view.world.forks_of(repo);
    let open = repo.open_issues_count();
    let visibility = if repo.private { "private" } else { "public" };
    merge(
        &mut value,
        json!({
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.updated_at),
            "pushed_at": iso(repo.pushed_at),
            "git_url": format!("git://{host}/{full_name}.git"),
            "ssh_url": format!("git@{host}:{full_name}.git"),
            "clone_url": format!("{base}/{full_name}.git"),
            "svn_url": format!("{base}/{full_name}"),
            "homepage": repo.homepage,
            "size": 108,
            "stargazers_count": repo.stars,
            "watchers_count": repo.stars,
            "language": repo.language,
            "has_issues": true,
            "has_projects": true,
            "has_downloads": true,
            "has_wiki": true,
            "has_pages": false,
            "has_discussions": false,
            "forks_count": forks,
            "mirror_url": null,
            "archived": false,
            "disabled": false,
            "open_issues_count": open,
            "license": null,
            "allow_forking": true,
            "is_template": false,
            "web_commit_signoff_required": false,
            "topics": repo.topics,
            "visibility": visibility,
            "forks": forks,
            "open_issues": open,
            "watchers": repo.stars,
            "default_branch": repo.default_branch,
        }),
    );
    if view.caller.is_some() {
        let (admin, push) = (view.is_admin(repo), view.is_member(repo));
        merge(
            &mut value,
            json!({"permissions": {"admin": admin, "maintain": admin, "push": push, "triage": push, "pull": true}}),
        );
    }
    value
}

/// The "minimal repository": identity, owner and every `*_url`.
pub(crate) fn minimal(view: &View, repo: &Repo) -> Value {
    let api = repo_api(view, repo);
    let mut value = json!({
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name(),
        "private": repo.private,
        "owner": account(view.shared, view.world, &repo.owner),
        "html_url": format!("{}/{}", view.shared.base_url, repo.full_name()),
        "description": repo.description,
        "fork": repo.parent.is_some(),
        "url": api,
    });
    let mut urls = Map::new();
    for (key, suffix) in URL_FIELDS {
        urls.insert(key.to_owned(), Value::String(format!("{api}/{suffix}")));
    }
    merge(&mut value, Value::Object(urls));
    value
}

/// `{api}/repos/{owner}/{name}`.
pub(crate) fn repo_api(view: &View, repo: &Repo) -> String {
    format!("{}/repos/{}", view.shared.api_url, repo.full_name())
}

/// `{base}/{owner}/{name}`.
pub(crate) fn repo_html(view: &View, repo: &Repo) -> String {
    format!("{}/{}", view.shared.base_url, repo.full_name())
}

const URL_FIELDS: [(&str, &str); 36] = [
    ("forks_url", "forks"),
    ("keys_url", "keys{/key_id}"),
    ("collaborators_url", "collaborators{/collaborator}"),
    ("teams_url", "teams"),
    ("hooks_url", "hooks"),
    ("issue_events_url", "issues/events{/number}"),
    ("events_url", "events"),
    ("assignees_url", "assignees{/user}"),
    ("branches_url", "branches{/branch}"),
    ("tags_url", "tags"),
    ("blobs_url", "git/blobs{/sha}"),
    ("git_tags_url", "git/tags{/sha}"),
    ("git_refs_url", "git/refs{/sha}"),
    ("trees_url", "git/trees{/sha}"),
    ("statuses_url", "statuses/{sha}"),
    ("languages_url", "languages"),
    ("stargazers_url", "stargazers"),
    ("contributors_url", "contributors"),
    ("subscribers_url", "subscribers"),
    ("subscription_url", "subscription"),
    ("commits_url", "commits{/sha}"),
    ("git_commits_url", "git/commits{/sha}"),
    ("comments_url", "comments{/number}"),
    ("issue_comment_url", "issues/comments{/number}"),
    ("contents_url", "contents/{+path}"),
    ("compare_url", "compare/{base}...{head}"),
    ("merges_url", "merges"),
    ("archive_url", "{archive_format}{/ref}"),
    ("downloads_url", "downloads"),
    ("issues_url", "issues{/number}"),
    ("pulls_url", "pulls{/number}"),
    ("milestones_url", "milestones{/number}"),
    ("notifications_url", "notifications{?since,all,participating}"),
    ("labels_url", "labels{/name}"),
    ("releases_url", "releases{/id}"),
    ("deployments_url", "deployments"),
];
