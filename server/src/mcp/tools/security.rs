//! Toolsets `code_security`, `code_quality`, `secret_protection`, `dependabot` and
//! `security_advisories` (all off by default): what GitHub's security products found in a
//! repository (code scanning, code quality, secret scanning and Dependabot alerts), and security
//! advisories (GitHub's global database, a repository's and an organization's), read through
//! GitHub's REST API. Secret values are never shown: the gateway asks GitHub to leave them out
//! and drops any that come anyway.

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    define::{Def, Route, route},
    shape,
    support::{CursorPaging, Github, Paging, RepoRef, ToolResult, opt, seg, structured},
};

/// Characters of a description, help text or message shown.
const TEXT_CHARS: usize = 2000;
/// Characters of a summary or one-line message shown.
const LINE_CHARS: usize = 300;

/// The closed sets of values these tools' filters take (schemas only; GitHub checks them).
mod choice {
    use rmcp::schemars::{self, JsonSchema};

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum CodeState {
        Open,
        Closed,
        Dismissed,
        Fixed,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum CodeSeverity {
        Critical,
        High,
        Medium,
        Low,
        Error,
        Warning,
        Note,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum SecretState {
        Open,
        Resolved,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum Resolution {
        FalsePositive,
        WontFix,
        Revoked,
        UsedInTests,
        PatternEdited,
        PatternDeleted,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum DependabotState {
        Open,
        Fixed,
        Dismissed,
        AutoDismissed,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum Severity {
        Critical,
        High,
        Medium,
        Low,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum Ecosystem {
        Actions,
        Composer,
        Erlang,
        Go,
        Maven,
        Npm,
        Nuget,
        Other,
        Pip,
        Pub,
        Rubygems,
        Rust,
        Swift,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum AdvisoryType {
        Reviewed,
        Malware,
        Unreviewed,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum AdvisoryState {
        Triage,
        Draft,
        Published,
        Closed,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub enum AdvisorySort {
        Created,
        Updated,
        Published,
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListCodeAlerts {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Default `open`; `closed` is dismissed or fixed.
    #[schemars(with = "Option<choice::CodeState>")]
    pub state: Option<String>,
    /// A rule severity or a security severity.
    #[schemars(with = "Option<choice::CodeSeverity>")]
    pub severity: Option<String>,
    /// Scanning tool, e.g. `CodeQL`.
    pub tool_name: Option<String>,
    /// Branch or `refs/…` ref (default: the default branch).
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AlertRef {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Alert number.
    pub alert_number: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct FindingRef {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Finding number.
    pub finding_number: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListSecretAlerts {
    #[serde(flatten)]
    pub at: RepoRef,
    #[schemars(with = "Option<choice::SecretState>")]
    /// Which (default: all).
    pub state: Option<String>,
    /// Comma-separated secret types, e.g. `github_personal_access_token`.
    pub secret_type: Option<String>,
    /// How resolved ones were resolved.
    #[schemars(with = "Option<choice::Resolution>")]
    pub resolution: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListDependabotAlerts {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Which (default: all).
    #[schemars(with = "Option<choice::DependabotState>")]
    pub state: Option<String>,
    /// The advisory's severity.
    #[schemars(with = "Option<choice::Severity>")]
    pub severity: Option<String>,
    /// Package ecosystem.
    #[schemars(with = "Option<choice::Ecosystem>")]
    pub ecosystem: Option<String>,
    /// Package name.
    pub package: Option<String>,
    #[serde(flatten)]
    pub paging: CursorPaging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListGlobalAdvisories {
    /// A GHSA id, `GHSA-xxxx-xxxx-xxxx`.
    pub ghsa_id: Option<String>,
    /// A CVE id.
    pub cve_id: Option<String>,
    /// Package ecosystem.
    #[schemars(with = "Option<choice::Ecosystem>")]
    pub ecosystem: Option<String>,
    /// Severity.
    #[schemars(with = "Option<choice::Severity>")]
    pub severity: Option<String>,
    /// Default `reviewed`.
    #[serde(rename = "type")]
    #[schemars(with = "Option<choice::AdvisoryType>")]
    pub kind: Option<String>,
    /// CWE numbers, e.g. `["79", "22"]`.
    #[schemars(length(max = 20))]
    pub cwes: Option<Vec<String>>,
    /// Affected packages, `name` or `name@version`, comma-separated.
    pub affects: Option<String>,
    /// Published on a date or in a range: `2024-01-01`, `>=2024-01-01`, `2024-01-01..2024-06-30`.
    pub published: Option<String>,
    /// Updated on a date or in a range, written as for `published`.
    pub updated: Option<String>,
    /// Only withdrawn advisories (`true`) or only current ones (`false`).
    pub is_withdrawn: Option<bool>,
    #[serde(flatten)]
    pub paging: CursorPaging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AdvisoryRef {
    /// The advisory's GHSA id.
    pub ghsa_id: String,
}

/// The filters both repository-advisory lists take.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AdvisoryFilters {
    /// Which (default: all; drafts need push access).
    #[schemars(with = "Option<choice::AdvisoryState>")]
    pub state: Option<String>,
    /// Sort key (default `created`).
    #[schemars(with = "Option<choice::AdvisorySort>")]
    pub sort: Option<String>,
    /// Order (default `desc`).
    #[schemars(with = "Option<super::support::choice::Direction>")]
    pub direction: Option<String>,
    #[serde(flatten)]
    pub paging: CursorPaging,
}

impl AdvisoryFilters {
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        opt(&mut query, "state", &self.state);
        opt(&mut query, "sort", &self.sort);
        opt(&mut query, "direction", &self.direction);
        query
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct RepoAdvisories {
    #[serde(flatten)]
    pub at: RepoRef,
    #[serde(flatten)]
    pub filters: AdvisoryFilters,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct OrgAdvisories {
    /// Organization login.
    pub org: String,
    #[serde(flatten)]
    pub filters: AdvisoryFilters,
}

fn put(map: &mut Map<String, Value>, key: &str, value: Value) {
    if !value.is_null() {
        map.insert(key.to_owned(), value);
    }
}

/// A code scanning alert; `full` adds the rule's help and how it was closed.
fn code_alert(v: &Value, full: bool) -> Value {
    let instance = &v["most_recent_instance"];
    let rule = &v["rule"];
    let mut m = shape::pick(v, &["number", "state", "created_at", "html_url"]);
    let mut r = shape::pick(rule, &["id", "severity", "security_severity_level"]);
    put(&mut r, "description", shape::text(rule, "description", LINE_CHARS));
    if full {
        put(&mut r, "help", shape::text(rule, "help", TEXT_CHARS));
    }
    m.insert("rule".into(), r.into());
    put(&mut m, "tool", shape::text(&v["tool"], "name", 100));
    put(&mut m, "ref", shape::text(instance, "ref", 200));
    m.insert("location".into(), shape::pick(&instance["location"], &["path", "start_line", "end_line"]).into());
    put(&mut m, "message", shape::text(&instance["message"], "text", LINE_CHARS));
    if full {
        m.extend(shape::pick(v, &["fixed_at", "dismissed_at", "dismissed_reason"]));
        put(&mut m, "dismissed_comment", shape::text(v, "dismissed_comment", LINE_CHARS));
        put(&mut m, "dismissed_by", shape::login(&v["dismissed_by"]));
    }
    m.into()
}

/// A secret scanning alert, the secret itself withheld.
fn secret_alert(v: &Value) -> Value {
    let mut m = shape::pick(
        v,
        &[
            "number",
            "state",
            "resolution",
            "resolved_at",
            "secret_type",
            "secret_type_display_name",
            "validity",
            "publicly_leaked",
            "push_protection_bypassed",
            "created_at",
            "html_url",
        ],
    );
    put(&mut m, "resolved_by", shape::login(&v["resolved_by"]));
    put(&mut m, "resolution_comment", shape::text(v, "resolution_comment", LINE_CHARS));
    let place = &v["first_location_detected"];
    if place.is_object() {
        m.insert("first_location".into(), shape::pick(place, &["path", "start_line", "commit_sha"]).into());
    }
    m.insert("secret".into(), json!("(withheld by the gateway: secret values are never shown)"));
    m.into()
}

fn vulnerability(v: &Value) -> Value {
    let mut m = Map::new();
    put(&mut m, "package", shape::pick(&v["package"], &["ecosystem", "name"]).into());
    m.extend(shape::pick(v, &["vulnerable_version_range"]));
    let patched = &v["first_patched_version"];
    put(&mut m, "first_patched_version", patched.get("identifier").cloned().unwrap_or_else(|| patched.clone()));
    m.into()
}

fn cwe_ids(v: &Value) -> Value {
    v["cwes"].as_array().map_or(Value::Null, |c| c.iter().map(|c| c["cwe_id"].clone()).collect())
}

/// A Dependabot alert; `full` adds the advisory's description, score and weaknesses.
fn dependabot_alert(v: &Value, full: bool) -> Value {
    let advisory = &v["security_advisory"];
    let dependency = &v["dependency"];
    let mut m = shape::pick(v, &["number", "state", "created_at", "dismissed_reason", "fixed_at", "html_url"]);
    m.insert("package".into(), shape::pick(&dependency["package"], &["ecosystem", "name"]).into());
    m.extend(shape::pick(dependency, &["manifest_path", "scope"]));
    let mut a = shape::pick(advisory, &["ghsa_id", "cve_id", "severity"]);
    put(&mut a, "summary", shape::text(advisory, "summary", LINE_CHARS));
    if full {
        put(&mut a, "description", shape::text(advisory, "description", TEXT_CHARS));
        put(&mut a, "cvss_score", advisory["cvss"]["score"].clone());
        put(&mut a, "cwes", cwe_ids(advisory));
        put(&mut m, "dismissed_comment", shape::text(v, "dismissed_comment", LINE_CHARS));
    }
    m.insert("advisory".into(), a.into());
    m.insert("vulnerability".into(), vulnerability(&v["security_vulnerability"]));
    m.into()
}

fn vulnerabilities(v: &Value) -> Value {
    v["vulnerabilities"].as_array().map_or(Value::Null, |list| list.iter().map(vulnerability).collect())
}

/// A global advisory; `full` adds its description and references.
fn advisory(v: &Value, full: bool) -> Value {
    let mut m = shape::pick(
        v,
        &["ghsa_id", "cve_id", "type", "severity", "published_at", "updated_at", "withdrawn_at", "html_url"],
    );
    put(&mut m, "summary", shape::text(v, "summary", LINE_CHARS));
    put(&mut m, "cvss_score", v["cvss"]["score"].clone());
    put(&mut m, "cwes", cwe_ids(v));
    put(&mut m, "vulnerabilities", vulnerabilities(v));
    if full {
        put(&mut m, "description", shape::text(v, "description", TEXT_CHARS));
        m.extend(shape::pick(v, &["references", "source_code_location"]));
    }
    m.into()
}

/// A repository security advisory.
fn repo_advisory(v: &Value) -> Value {
    let mut m = shape::pick(v, &["ghsa_id", "cve_id", "state", "severity", "created_at", "published_at", "html_url"]);
    put(&mut m, "summary", shape::text(v, "summary", LINE_CHARS));
    put(&mut m, "author", shape::login(&v["author"]));
    put(&mut m, "vulnerabilities", vulnerabilities(v));
    m.into()
}

const LIST_CODE_SCANNING_ALERTS: Def = Def::read("list_code_scanning_alerts", "List code scanning alerts").about(
    "Lists a repository's code scanning alerts (CodeQL or other tools) on a branch, newest first: \
     number, state, rule and severity, file and line, message. Needs push access to the repository.",
);

async fn list_code_scanning_alerts(gh: Github, p: ListCodeAlerts) -> ToolResult {
    let mut query = Vec::new();
    opt(&mut query, "state", &p.state);
    opt(&mut query, "severity", &p.severity);
    opt(&mut query, "tool_name", &p.tool_name);
    opt(&mut query, "ref", &p.git_ref);
    let path = format!("{}/code-scanning/alerts", p.at.path()?);
    gh.page(&path, &query, &p.paging, None, "alerts", |a| code_alert(a, false)).await
}

const GET_CODE_SCANNING_ALERT: Def = Def::read("get_code_scanning_alert", "Get a code scanning alert").about(
    "Gets one code scanning alert by number: its rule with the rule's help text, location, message, \
     and when and why it was fixed or dismissed. Use it to explain or fix what an alert found.",
);

async fn get_code_scanning_alert(gh: Github, p: AlertRef) -> ToolResult {
    let alert = gh.get(&format!("{}/code-scanning/alerts/{}", p.at.path()?, p.alert_number), &[]).await?;
    structured(code_alert(&alert, true))
}

const GET_CODE_QUALITY_FINDING: Def = Def::read("get_code_quality_finding", "Get a code quality finding").about(
    "Gets one GitHub Code Quality finding by number: its rule (title, category such as \
     maintainability or reliability, severity), the file and lines, and the message explaining it.",
);

async fn get_code_quality_finding(gh: Github, p: FindingRef) -> ToolResult {
    let f = gh.get(&format!("{}/code-quality/findings/{}", p.at.path()?, p.finding_number), &[]).await?;
    let rule = &f["rule"];
    let mut m = shape::pick(&f, &["number", "state", "created_at"]);
    let mut r = shape::pick(rule, &["id", "title", "severity", "category"]);
    put(&mut r, "description", shape::text(rule, "description", TEXT_CHARS));
    m.insert("rule".into(), r.into());
    m.insert("location".into(), shape::pick(&f["location"], &["path", "start_line", "end_line"]).into());
    put(&mut m, "message", shape::text(&f["message"], "text", TEXT_CHARS));
    structured(m.into())
}

const LIST_SECRET_SCANNING_ALERTS: Def = Def::read("list_secret_scanning_alerts", "List secret scanning alerts").about(
    "Lists secrets GitHub found committed to a repository, newest first: number, state, secret \
         type, validity, where first found. The secret itself is never shown. Needs push access.",
);

/// `hide_secret=true` on every secret scanning request: GitHub leaves the value out.
const HIDE_SECRET: (&str, &str) = ("hide_secret", "true");

async fn list_secret_scanning_alerts(gh: Github, p: ListSecretAlerts) -> ToolResult {
    let mut query = vec![(HIDE_SECRET.0, HIDE_SECRET.1.to_owned())];
    opt(&mut query, "state", &p.state);
    opt(&mut query, "secret_type", &p.secret_type);
    opt(&mut query, "resolution", &p.resolution);
    let path = format!("{}/secret-scanning/alerts", p.at.path()?);
    gh.page(&path, &query, &p.paging, None, "alerts", secret_alert).await
}

const GET_SECRET_SCANNING_ALERT: Def = Def::read("get_secret_scanning_alert", "Get a secret scanning alert").about(
    "Gets one secret scanning alert by number: secret type, state and resolution, validity, whether \
     it leaked publicly, where it was first found. The secret itself is never shown.",
);

async fn get_secret_scanning_alert(gh: Github, p: AlertRef) -> ToolResult {
    let path = format!("{}/secret-scanning/alerts/{}", p.at.path()?, p.alert_number);
    let alert = gh.get(&path, &[(HIDE_SECRET.0, HIDE_SECRET.1.to_owned())]).await?;
    structured(secret_alert(&alert))
}

const LIST_DEPENDABOT_ALERTS: Def = Def::read("list_dependabot_alerts", "List Dependabot alerts").about(
    "Lists a repository's Dependabot alerts, newest first: the vulnerable package and manifest, the \
     advisory (GHSA, CVE, severity), the vulnerable range and first patched version.",
);

async fn list_dependabot_alerts(gh: Github, p: ListDependabotAlerts) -> ToolResult {
    let mut query = Vec::new();
    opt(&mut query, "state", &p.state);
    opt(&mut query, "severity", &p.severity);
    opt(&mut query, "ecosystem", &p.ecosystem);
    opt(&mut query, "package", &p.package);
    let path = format!("{}/dependabot/alerts", p.at.path()?);
    gh.cursor_page(&path, &query, &p.paging, "alerts", |a| dependabot_alert(a, false)).await
}

const GET_DEPENDABOT_ALERT: Def = Def::read("get_dependabot_alert", "Get a Dependabot alert").about(
    "Gets one Dependabot alert by number: package, manifest and scope, the advisory with its \
     description, CVSS score and CWEs, the vulnerable range and the version that fixes it.",
);

async fn get_dependabot_alert(gh: Github, p: AlertRef) -> ToolResult {
    let alert = gh.get(&format!("{}/dependabot/alerts/{}", p.at.path()?, p.alert_number), &[]).await?;
    structured(dependabot_alert(&alert, true))
}

const LIST_GLOBAL_SECURITY_ADVISORIES: Def =
    Def::read("list_global_security_advisories", "List global security advisories").about(
        "Searches GitHub's advisory database by GHSA or CVE id, ecosystem, severity, CWE, affected \
         package or date: id, severity, summary, affected packages and patched versions.",
    );

async fn list_global_security_advisories(gh: Github, p: ListGlobalAdvisories) -> ToolResult {
    let mut query = Vec::new();
    opt(&mut query, "ghsa_id", &p.ghsa_id);
    opt(&mut query, "cve_id", &p.cve_id);
    opt(&mut query, "ecosystem", &p.ecosystem);
    opt(&mut query, "severity", &p.severity);
    opt(&mut query, "type", &p.kind);
    opt(&mut query, "affects", &p.affects);
    opt(&mut query, "published", &p.published);
    opt(&mut query, "updated", &p.updated);
    if let Some(cwes) = p.cwes.as_ref().filter(|c| !c.is_empty()) {
        query.push(("cwes", cwes.join(",")));
    }
    if let Some(withdrawn) = p.is_withdrawn {
        query.push(("is_withdrawn", withdrawn.to_string()));
    }
    gh.cursor_page("/advisories", &query, &p.paging, "advisories", |a| advisory(a, false)).await
}

const GET_GLOBAL_SECURITY_ADVISORY: Def = Def::read("get_global_security_advisory", "Get a global security advisory")
    .about(
        "Gets one advisory of GitHub's advisory database by GHSA id: summary and description, \
         severity and CVSS score, CWEs, affected packages with vulnerable and patched versions.",
    );

async fn get_global_security_advisory(gh: Github, p: AdvisoryRef) -> ToolResult {
    let found = gh.get(&format!("/advisories/{}", seg("ghsa_id", &p.ghsa_id)?), &[]).await?;
    structured(advisory(&found, true))
}

const LIST_REPOSITORY_SECURITY_ADVISORIES: Def =
    Def::read("list_repository_security_advisories", "List repository security advisories").about(
        "Lists the security advisories a repository's maintainers wrote: published ones, and drafts \
         and triage for people with push access. GHSA id, state, severity, summary, packages.",
    );

async fn list_repository_security_advisories(gh: Github, p: RepoAdvisories) -> ToolResult {
    let path = format!("{}/security-advisories", p.at.path()?);
    gh.cursor_page(&path, &p.filters.query(), &p.filters.paging, "advisories", repo_advisory).await
}

const LIST_ORG_REPOSITORY_SECURITY_ADVISORIES: Def =
    Def::read("list_org_repository_security_advisories", "List an organization's security advisories").about(
        "Lists the repository security advisories of every repository in an organization, for its \
         owners and security managers: GHSA id, state, severity, summary, affected packages.",
    );

async fn list_org_repository_security_advisories(gh: Github, p: OrgAdvisories) -> ToolResult {
    let path = format!("/orgs/{}/security-advisories", seg("org", &p.org)?);
    gh.cursor_page(&path, &p.filters.query(), &p.filters.paging, "advisories", repo_advisory).await
}

pub fn code_security_tools() -> Vec<Route> {
    vec![
        route(LIST_CODE_SCANNING_ALERTS, list_code_scanning_alerts),
        route(GET_CODE_SCANNING_ALERT, get_code_scanning_alert),
    ]
}

pub fn code_quality_tools() -> Vec<Route> {
    vec![route(GET_CODE_QUALITY_FINDING, get_code_quality_finding)]
}

pub fn secret_protection_tools() -> Vec<Route> {
    vec![
        route(LIST_SECRET_SCANNING_ALERTS, list_secret_scanning_alerts),
        route(GET_SECRET_SCANNING_ALERT, get_secret_scanning_alert),
    ]
}

pub fn dependabot_tools() -> Vec<Route> {
    vec![route(LIST_DEPENDABOT_ALERTS, list_dependabot_alerts), route(GET_DEPENDABOT_ALERT, get_dependabot_alert)]
}

pub fn security_advisories_tools() -> Vec<Route> {
    vec![
        route(LIST_GLOBAL_SECURITY_ADVISORIES, list_global_security_advisories),
        route(GET_GLOBAL_SECURITY_ADVISORY, get_global_security_advisory),
        route(LIST_REPOSITORY_SECURITY_ADVISORIES, list_repository_security_advisories),
        route(LIST_ORG_REPOSITORY_SECURITY_ADVISORIES, list_org_repository_security_advisories),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_alert_never_carries_the_secret() {
        let alert = json!({"number": 1, "state": "open", "secret": "ghp_live", "secret_type": "github_pat"});
        let shown = secret_alert(&alert);
        assert!(!shown.to_string().contains("ghp_live"), "{shown}");
        assert_eq!(shown["number"], 1);
    }
}
