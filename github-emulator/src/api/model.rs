//! GitHub-shaped JSON for accounts: full and public users, the "simple user"
//! embedded in other objects, and organizations. URLs are built on the
//! emulator's own addresses so nothing points at the internet. The
//! submodules shape the world's objects (repositories, git data, issues,
//! pull requests, CI and notifications) the same way.

pub(crate) mod actions;
pub(crate) mod git;
pub(crate) mod issue;
pub(crate) mod project;
pub(crate) mod pull;
pub(crate) mod repo;
pub(crate) mod security;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::config::User;
use crate::state::Shared;
use crate::world::World;

const CREATED_AT: &str = "2011-01-25T18:44:36Z";
const UPDATED_AT: &str = "2024-06-01T12:00:00Z";

/// GitHub's legacy global node id, e.g. `MDQ6VXNlcjU4MzIzMQ==` for user 583231.
pub(crate) fn node_id(kind: &str, id: u64) -> String {
    STANDARD.encode(format!("0{}:{kind}{id}", kind.len()))
}

/// The kind and database id a [`node_id`] names, if it is one.
pub(crate) fn node_of(id: &str) -> Option<(String, u64)> {
    let raw = String::from_utf8(STANDARD.decode(id).ok()?).ok()?;
    let (len, rest) = raw.strip_prefix('0')?.split_once(':')?;
    let len: usize = len.parse().ok()?;
    let (kind, number) = (rest.get(..len)?, rest.get(len..)?);
    Some((kind.to_owned(), number.parse().ok()?))
}

/// A stable id for an organization known only by its login.
pub(crate) fn org_id(login: &str) -> u64 {
    if login.eq_ignore_ascii_case("github") {
        return 9919;
    }
    let hash = login
        .to_ascii_lowercase()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    10_000_000 + hash % 90_000_000
}

/// The "simple user" GitHub embeds as `owner`, `user`, `assignee`... A GitHub App's bot account
/// (`name[bot]`) is a `Bot` whose page is the app's, and whose API URL escapes the brackets, as
/// GitHub writes them.
pub(crate) fn simple_user(shared: &Shared, user: &User) -> Value {
    let app = user.login.strip_suffix("[bot]");
    let api = format!("{}/users/{}", shared.api_url, user.login.replace('[', "%5B").replace(']', "%5D"));
    let html_url = match app {
        Some(app) => format!("{}/apps/{app}", shared.base_url),
        None => format!("{}/{}", shared.base_url, user.login),
    };
    json!({
        "login": user.login,
        "id": user.id,
        "node_id": node_id("User", user.id),
        "avatar_url": format!("{}/avatars/u/{}?v=4", shared.base_url, user.id),
        "gravatar_id": "",
        "url": api,
        "html_url": html_url,
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": if app.is_some() { "Bot" } else { "User" },
        "user_view_type": "public",
        "site_admin": false,
    })
}

/// The simple-user JSON of any login in the world: a configured user, an
/// organization, or (for a login the config lacks) a stand-in user.
pub(crate) fn account(shared: &Shared, world: &World, login: &str) -> Value {
    if let Some(user) = shared.user(login) {
        return simple_user(shared, user);
    }
    if world.is_org(login) {
        let mut value = simple_user(shared, &User::new(org_id(login), login));
        merge(&mut value, json!({"node_id": node_id("Organization", org_id(login)), "type": "Organization"}));
        return value;
    }
    simple_user(shared, &User::new(org_id(login), login))
}

/// `account` for an optional login (`null` when absent).
pub(crate) fn maybe_account(shared: &Shared, world: &World, login: Option<&str>) -> Value {
    login.map_or(Value::Null, |l| account(shared, world, l))
}

/// `GET /users/{login}`; with `private` the extra fields of `GET /user`.
pub(crate) fn user(shared: &Shared, user: &User, private: bool) -> Value {
    let mut value = simple_user(shared, user);
    let extra = json!({
        "name": user.name,
        "company": null,
        "blog": "",
        "location": null,
        "email": user.email,
        "hireable": null,
        "bio": null,
        "twitter_username": null,
        "public_repos": 8,
        "public_gists": 8,
        "followers": user.id % 10_000,
        "following": 9,
        "created_at": CREATED_AT,
        "updated_at": UPDATED_AT,
    });
    merge(&mut value, extra);
    if private {
        let extra = json!({
            "private_gists": 0,
            "total_private_repos": 0,
            "owned_private_repos": 0,
            "disk_usage": 10000,
            "collaborators": 0,
            "two_factor_authentication": true,
            "plan": {
                "name": "free",
                "space": 976_562_499,
                "collaborators": 0,
                "private_repos": 10000,
            },
        });
        merge(&mut value, extra);
    }
    value
}

/// An organization as listed by `GET /user/orgs`.
pub(crate) fn org(shared: &Shared, login: &str) -> Value {
    let id = org_id(login);
    let api = format!("{}/orgs/{login}", shared.api_url);
    let description = login.eq_ignore_ascii_case("github").then_some("How people build software.");
    json!({
        "login": login,
        "id": id,
        "node_id": node_id("Organization", id),
        "url": api,
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events"),
        "hooks_url": format!("{api}/hooks"),
        "issues_url": format!("{api}/issues"),
        "members_url": format!("{api}/members{{/member}}"),
        "public_members_url": format!("{api}/public_members{{/member}}"),
        "avatar_url": format!("{}/avatars/u/{id}?v=4", shared.base_url),
        "description": description,
    })
}

/// Adds `from`'s fields to `into` (both objects).
pub(crate) fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(into), Value::Object(from)) = (into, from) {
        into.extend(from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_match_github() {
        assert_eq!(node_id("User", 583231), "MDQ6VXNlcjU4MzIzMQ==");
        assert_eq!(node_id("Organization", 9919), "MDEyOk9yZ2FuaXphdGlvbjk5MTk=");
        assert_eq!(node_of("MDQ6VXNlcjU4MzIzMQ=="), Some(("User".to_owned(), 583231)));
        assert_eq!(node_of(&node_id("PullRequestReviewThread", 7)), Some(("PullRequestReviewThread".to_owned(), 7)));
        assert_eq!(node_of("not an id"), None);
    }

    #[test]
    fn org_ids_are_stable() {
        assert_eq!(org_id("github"), 9919);
        assert_eq!(org_id("acme"), org_id("ACME"));
        assert!(org_id("acme") >= 10_000_000);
    }
}
