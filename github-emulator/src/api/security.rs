//! Security: code scanning, secret scanning and Dependabot alerts, code quality findings,
//! repository and organization security advisories (`/repos/{owner}/{repo}/…`,
//! `/orgs/{org}/security-advisories`) and the global advisory database (`/advisories`).
//!
//! As GitHub does for OAuth tokens: alerts and findings need the `security_events` or `repo`
//! scope (`public_repo` for a public repository), else 403 `Resource not accessible by
//! integration`; they are for people with push access (others get the same 403, as GitHub answers
//! an account without access to security alerts); a repository where the features are off answers
//! its own 403 (404 for secret scanning). Repository advisories: published ones are public, drafts
//! and triage only for people with push access. Organization advisories need membership (the
//! emulator's members are the organization's security managers). Global advisories need no token;
//! `type` defaults to `reviewed`, and lists page by cursor (`after`/`before`) where GitHub does.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;

use super::access::{Need, View};
use super::auth::{Authed, MaybeAuthed};
use super::errors::{ApiError, json_response};
use super::input::{PathArgs, Query, path};
use super::model::security as shape;
use super::pagination::{cursor_response, list_response};
use super::repo_call::RepoCall;
use crate::state::Shared;
use crate::world::time::{is_date, iso};
use crate::world::{Advisory, Findings, Repo, RepoAdvisory};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/code-scanning/alerts", get(code_alerts))
        .route("/repos/{owner}/{repo}/code-scanning/alerts/{number}", get(code_alert))
        .route("/repos/{owner}/{repo}/secret-scanning/alerts", get(secret_alerts))
        .route("/repos/{owner}/{repo}/secret-scanning/alerts/{number}", get(secret_alert))
        .route("/repos/{owner}/{repo}/dependabot/alerts", get(dependabot_alerts))
        .route("/repos/{owner}/{repo}/dependabot/alerts/{number}", get(dependabot_alert))
        .route("/repos/{owner}/{repo}/code-quality/findings/{number}", get(quality_finding))
        .route("/repos/{owner}/{repo}/security-advisories", get(repo_advisories))
        .route("/orgs/{org}/security-advisories", get(org_advisories))
        .route("/advisories", get(global_advisories))
        .route("/advisories/{ghsa_id}", get(global_advisory))
}

fn forbidden() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "Resource not accessible by integration")
}

/// Which security product a request is about: each is switched on per repository and says so
/// in its own words when it is off.
#[derive(Clone, Copy)]
enum Product {
    CodeScanning,
    SecretScanning,
    Dependabot,
    CodeQuality,
}

impl Product {
    fn disabled(self) -> ApiError {
        match self {
            Product::CodeScanning => ApiError::new(
                StatusCode::FORBIDDEN,
                "Advanced Security must be enabled for this repository to use code scanning.",
            ),
            Product::SecretScanning => {
                ApiError::new(StatusCode::NOT_FOUND, "Secret scanning is disabled on this repository.")
            }
            Product::Dependabot => {
                ApiError::new(StatusCode::FORBIDDEN, "Dependabot alerts are disabled for this repository.")
            }
            Product::CodeQuality => {
                ApiError::new(StatusCode::FORBIDDEN, "Code quality is not enabled for this repository.")
            }
        }
    }
}

/// Runs `f` on a repository's findings when the caller may read them (see the module doc).
fn findings<R>(
    call: &RepoCall<impl Sized>,
    product: Product,
    f: impl FnOnce(&View, &Repo, &Findings) -> Result<R, ApiError>,
) -> Result<R, ApiError> {
    call.authed()?;
    call.read(|view, repo| {
        let scoped = ["security_events", "repo"].iter().any(|s| call.caller.as_ref().is_some_and(|c| c.has_scope(s)))
            || (!repo.private && call.caller.as_ref().is_some_and(|c| c.has_scope("public_repo")));
        if !scoped || !view.can(repo, Need::Push) {
            return Err(forbidden());
        }
        if !repo.findings.enabled {
            return Err(product.disabled());
        }
        f(view, repo, &repo.findings)
    })
}

/// Whether `value` is one of the comma-separated `wanted` (no filter: everything is).
fn one_of(wanted: Option<&str>, value: &str) -> bool {
    wanted.is_none_or(|w| w.split(',').any(|v| v.trim().eq_ignore_ascii_case(value)))
}

/// 422 for a filter value outside GitHub's closed set.
fn closed_set(query: &Query, key: &str, allowed: &[&str]) -> Result<(), ApiError> {
    match query.get(key) {
        Some(v) if v.split(',').any(|v| !allowed.contains(&v.trim())) => Err(ApiError::unprocessable(format!(
            "Invalid request.\n\n{v:?} is not a valid value for `{key}`; use one of {}.",
            allowed.join(", ")
        ))),
        _ => Ok(()),
    }
}

/// `items` in `?direction=` order (`desc`, newest first, unless `asc`).
fn ordered<T>(mut items: Vec<T>, query: &Query) -> Vec<T> {
    if query.get("direction") != Some("asc") {
        items.reverse();
    }
    items
}

async fn code_alerts(call: RepoCall<()>, query: Query, uri: Uri) -> Result<Response, ApiError> {
    closed_set(&query, "state", &["open", "closed", "dismissed", "fixed"])?;
    closed_set(&query, "severity", &["critical", "high", "medium", "low", "warning", "note", "error"])?;
    findings(&call, Product::CodeScanning, |view, repo, found| {
        let wanted_ref = query.get("ref").map_or_else(
            || format!("refs/heads/{}", repo.default_branch),
            |r| if r.starts_with("refs/") { r.to_owned() } else { format!("refs/heads/{r}") },
        );
        let alerts: Vec<_> = found
            .code_scanning
            .iter()
            .filter(|a| a.git_ref == wanted_ref)
            .filter(|a| query.get("tool_name").is_none_or(|t| t.eq_ignore_ascii_case(&a.tool)))
            .filter(|a| match query.get("state") {
                Some("closed") => a.state != "open",
                state => one_of(state, a.state),
            })
            .filter(|a| query.get("severity").is_none_or(|s| s == a.severity || Some(s) == a.security_severity))
            .collect();
        let alerts = ordered(alerts, &query);
        Ok(list_response(&alerts, &uri, &view.shared.api_url, |a| shape::code_alert(view, repo, a, false)))
    })
}

fn no_alert(number: u64) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("No alert found for alert number {number}"))
}

async fn code_alert(call: RepoCall<u64>) -> Result<Response, ApiError> {
    let number = call.rest;
    findings(&call, Product::CodeScanning, |view, repo, found| {
        let alert = found.code_scanning.iter().find(|a| a.number == number).ok_or_else(|| no_alert(number))?;
        Ok(json_response(StatusCode::OK, &shape::code_alert(view, repo, alert, true)))
    })
}

async fn secret_alerts(call: RepoCall<()>, query: Query, uri: Uri) -> Result<Response, ApiError> {
    closed_set(&query, "state", &["open", "resolved"])?;
    closed_set(
        &query,
        "resolution",
        &["false_positive", "wont_fix", "revoked", "used_in_tests", "pattern_edited", "pattern_deleted"],
    )?;
    let hide = query.get("hide_secret") == Some("true");
    findings(&call, Product::SecretScanning, |view, repo, found| {
        let alerts: Vec<_> = found
            .secret_scanning
            .iter()
            .filter(|a| one_of(query.get("state"), a.state))
            .filter(|a| one_of(query.get("secret_type"), &a.secret_type))
            .filter(|a| {
                query.get("resolution").is_none() || a.resolution.is_some_and(|r| one_of(query.get("resolution"), r))
            })
            .collect();
        let alerts = ordered(alerts, &query);
        Ok(list_response(&alerts, &uri, &view.shared.api_url, |a| shape::secret_alert(view, repo, a, hide)))
    })
}

async fn secret_alert(call: RepoCall<u64>, query: Query) -> Result<Response, ApiError> {
    let number = call.rest;
    let hide = query.get("hide_secret") == Some("true");
    findings(&call, Product::SecretScanning, |view, repo, found| {
        let alert = found.secret_scanning.iter().find(|a| a.number == number).ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &shape::secret_alert(view, repo, alert, hide)))
    })
}

/// The global advisory a Dependabot alert is about.
fn advisory_of<'a>(view: &View<'a>, ghsa_id: &str) -> Result<&'a Advisory, ApiError> {
    view.world.advisories.iter().find(|a| a.ghsa_id == ghsa_id).ok_or_else(ApiError::not_found)
}

async fn dependabot_alerts(call: RepoCall<()>, query: Query, uri: Uri) -> Result<Response, ApiError> {
    closed_set(&query, "state", &["auto_dismissed", "dismissed", "fixed", "open"])?;
    closed_set(&query, "severity", &["low", "medium", "high", "critical"])?;
    closed_set(&query, "scope", &["development", "runtime"])?;
    findings(&call, Product::Dependabot, |view, repo, found| {
        let mut alerts = Vec::new();
        for alert in &found.dependabot {
            let advisory = advisory_of(view, &alert.ghsa_id)?;
            let keep = one_of(query.get("state"), alert.state)
                && one_of(query.get("severity"), advisory.severity)
                && one_of(query.get("ecosystem"), advisory.affected.ecosystem)
                && one_of(query.get("package"), &advisory.affected.package)
                && one_of(query.get("manifest"), &alert.manifest_path)
                && one_of(query.get("scope"), alert.scope);
            if keep {
                alerts.push((alert, advisory));
            }
        }
        let alerts = ordered(alerts, &query);
        cursor_response(&alerts, &uri, &view.shared.api_url, |(a, adv)| shape::dependabot_alert(view, repo, a, adv))
    })
}

async fn dependabot_alert(call: RepoCall<u64>) -> Result<Response, ApiError> {
    let number = call.rest;
    findings(&call, Product::Dependabot, |view, repo, found| {
        let alert = found.dependabot.iter().find(|a| a.number == number).ok_or_else(ApiError::not_found)?;
        let advisory = advisory_of(view, &alert.ghsa_id)?;
        Ok(json_response(StatusCode::OK, &shape::dependabot_alert(view, repo, alert, advisory)))
    })
}

async fn quality_finding(call: RepoCall<u64>) -> Result<Response, ApiError> {
    let number = call.rest;
    findings(&call, Product::CodeQuality, |view, repo, found| {
        let finding = found.code_quality.iter().find(|f| f.number == number).ok_or_else(ApiError::not_found)?;
        Ok(json_response(StatusCode::OK, &shape::quality_finding(view, repo, finding)))
    })
}

/// A repository's advisories as `view` may see them, filtered and sorted as `query` asks.
fn advisories_of<'a>(view: &View, repo: &'a Repo, query: &Query) -> Vec<&'a RepoAdvisory> {
    let private_ok = view.is_member(repo);
    let mut list: Vec<&RepoAdvisory> = repo
        .findings
        .advisories
        .iter()
        .filter(|a| private_ok || a.state == "published")
        .filter(|a| one_of(query.get("state"), a.state))
        .collect();
    let key = |a: &RepoAdvisory| match query.get("sort") {
        Some("updated") => a.updated_at,
        Some("published") => a.published_at.unwrap_or(0),
        _ => a.created_at,
    };
    list.sort_by_key(|a| key(a));
    list
}

fn advisory_filters(query: &Query) -> Result<(), ApiError> {
    closed_set(query, "state", &["triage", "draft", "published", "closed"])?;
    closed_set(query, "sort", &["created", "updated", "published"])?;
    closed_set(query, "direction", &["asc", "desc"])
}

async fn repo_advisories(call: RepoCall<()>, query: Query, uri: Uri) -> Result<Response, ApiError> {
    advisory_filters(&query)?;
    call.read(|view, repo| {
        let list = ordered(advisories_of(view, repo, &query), &query);
        cursor_response(&list, &uri, &view.shared.api_url, |a| shape::repo_advisory(view, repo, a))
    })
}

async fn org_advisories(
    State(shared): State<Arc<Shared>>,
    Authed(caller): Authed,
    args: PathArgs<String>,
    query: Query,
    uri: Uri,
) -> Result<Response, ApiError> {
    let org = path(args)?;
    advisory_filters(&query)?;
    let inner = shared.lock();
    if !inner.world.is_org(&org) {
        return Err(ApiError::not_found());
    }
    let view = View::new(&shared, &inner.world, Some(&caller));
    if !view.is_org_member(&org, &caller.login) || !caller.has_scope("repo") {
        return Err(forbidden());
    }
    let mut list: Vec<(&Repo, &RepoAdvisory)> = Vec::new();
    for repo in view.visible_repos().into_iter().filter(|r| r.owner.eq_ignore_ascii_case(&org)) {
        list.extend(advisories_of(&view, repo, &query).into_iter().map(|a| (repo, a)));
    }
    let list = ordered(list, &query);
    cursor_response(&list, &uri, &shared.api_url, |(repo, a)| shape::repo_advisory(&view, repo, a))
}

/// Whether `at` (seconds) is in `range`: `YYYY-MM-DD`, `>=D`, `>D`, `<=D`, `<D` or `D..D`, as
/// GitHub's date filters read.
fn in_dates(range: &str, at: u64) -> Result<bool, ApiError> {
    let stamp = iso(at);
    let day = stamp.get(..10).unwrap_or_default().to_owned();
    let bad = || ApiError::unprocessable(format!("Invalid request.\n\n{range:?} is not a valid date or date range."));
    let date = |s: &str| -> Result<String, ApiError> {
        let s = s.trim();
        let d = s.get(..10).ok_or_else(bad)?;
        if is_date(d) { Ok(d.to_owned()) } else { Err(bad()) }
    };
    Ok(if let Some((from, to)) = range.split_once("..") {
        date(from)? <= day && day <= date(to)?
    } else if let Some(d) = range.strip_prefix(">=") {
        day >= date(d)?
    } else if let Some(d) = range.strip_prefix("<=") {
        day <= date(d)?
    } else if let Some(d) = range.strip_prefix('>') {
        day > date(d)?
    } else if let Some(d) = range.strip_prefix('<') {
        day < date(d)?
    } else {
        day == date(range)?
    })
}

async fn global_advisories(
    State(shared): State<Arc<Shared>>,
    MaybeAuthed(caller): MaybeAuthed,
    query: Query,
    uri: Uri,
) -> Result<Response, ApiError> {
    closed_set(&query, "type", &["reviewed", "malware", "unreviewed"])?;
    closed_set(&query, "severity", &["unknown", "low", "medium", "high", "critical"])?;
    closed_set(&query, "sort", &["updated", "published", "epss_percentage", "epss_percentile"])?;
    let ecosystems = [
        "rubygems", "npm", "pip", "maven", "nuget", "composer", "go", "rust", "erlang", "actions", "pub", "other",
        "swift",
    ];
    closed_set(&query, "ecosystem", &ecosystems)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, caller.as_ref());
    let withdrawn = query.get("is_withdrawn").map(|w| w == "true");
    let mut list = Vec::new();
    for a in &inner.world.advisories {
        let dated = |key: &str, at: u64| query.get(key).map_or(Ok(true), |r| in_dates(r, at));
        let keep = one_of(Some(query.get("type").unwrap_or("reviewed")), a.kind)
            && query.get("ghsa_id").is_none_or(|g| g.eq_ignore_ascii_case(&a.ghsa_id))
            && query.get("cve_id").is_none_or(|c| a.cve_id.as_deref().is_some_and(|id| id.eq_ignore_ascii_case(c)))
            && one_of(query.get("ecosystem"), a.affected.ecosystem)
            && one_of(query.get("severity"), a.severity)
            && query.get("cwes").is_none_or(|cwes| {
                cwes.split(',').any(|c| {
                    a.cwes.iter().any(|(id, _)| id.trim_start_matches("CWE-") == c.trim().trim_start_matches("CWE-"))
                })
            })
            && withdrawn.is_none_or(|w| w == a.withdrawn_at.is_some())
            && query.get("affects").is_none_or(|names| {
                names.split(',').any(|n| n.trim().split('@').next() == Some(a.affected.package.as_str()))
            })
            && dated("published", a.published_at)?
            && dated("updated", a.updated_at)?
            && dated("modified", a.updated_at.max(a.published_at))?;
        if keep {
            list.push(a);
        }
    }
    let key = |a: &Advisory| if query.get("sort") == Some("updated") { a.updated_at } else { a.published_at };
    list.sort_by_key(|a| key(a));
    let list = ordered(list, &query);
    cursor_response(&list, &uri, &shared.api_url, |a| shape::advisory(&view, a))
}

async fn global_advisory(State(shared): State<Arc<Shared>>, args: PathArgs<String>) -> Result<Response, ApiError> {
    let ghsa_id = path(args)?;
    let inner = shared.lock();
    let view = View::new(&shared, &inner.world, None);
    let advisory = inner
        .world
        .advisories
        .iter()
        .find(|a| a.ghsa_id.eq_ignore_ascii_case(&ghsa_id))
        .ok_or_else(ApiError::not_found)?;
    Ok(json_response(StatusCode::OK, &shape::advisory(&view, advisory)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::time::utc;

    #[test]
    fn date_filters_read_like_github_s() {
        let at = utc(2024, 5, 22, 20, 36);
        assert!(in_dates("2024-05-22", at).unwrap());
        assert!(in_dates(">=2024-05-01", at).unwrap());
        assert!(!in_dates("<2024-05-22", at).unwrap());
        assert!(in_dates("2024-01-01..2024-12-31", at).unwrap());
        assert!(in_dates("yesterday", at).is_err());
    }

    #[test]
    fn comma_lists_match_any() {
        assert!(one_of(Some("open,fixed"), "fixed"));
        assert!(!one_of(Some("open"), "dismissed"));
        assert!(one_of(None, "anything"));
    }
}
