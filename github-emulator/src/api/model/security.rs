//! Security JSON: code scanning, secret scanning and Dependabot alerts, code quality findings,
//! and global and repository security advisories, as GitHub's REST API shapes them.

use serde_json::{Value, json};

use super::account;
use crate::api::access::View;
use crate::api::model::repo::{repo_api, repo_html};
use crate::world::time::iso;
use crate::world::{Advisory, Affected, CodeAlert, DependabotAlert, QualityFinding, Repo, RepoAdvisory, SecretAlert};

/// The version the seeded CodeQL analyses ran.
const CODEQL_VERSION: &str = "2.19.3";

fn iso_or_null(at: Option<u64>) -> Value {
    at.map_or(Value::Null, |t| Value::String(iso(t)))
}

/// A code scanning alert; `full` gives the rule's help as `GET .../alerts/{n}` does.
pub(crate) fn code_alert(view: &View, repo: &Repo, a: &CodeAlert, full: bool) -> Value {
    let url = format!("{}/code-scanning/alerts/{}", repo_api(view, repo), a.number);
    let mut rule = json!({
        "id": a.rule_id,
        "name": a.rule_name,
        "severity": a.severity,
        "security_severity_level": a.security_severity,
        "description": a.rule_description,
        "tags": if a.security_severity.is_some() { vec!["security"] } else { vec!["maintainability"] },
    });
    if full {
        rule["full_description"] = json!(a.rule_description);
        rule["help"] = json!(format!("# {}\n\n{}", a.rule_name, a.rule_description));
        rule["help_uri"] = Value::Null;
    }
    let fixed = (a.state == "fixed").then_some(a.created_at + 86_400);
    json!({
        "number": a.number,
        "created_at": iso(a.created_at),
        "updated_at": iso(fixed.unwrap_or(a.created_at)),
        "url": url,
        "html_url": format!("{}/security/code-scanning/{}", repo_html(view, repo), a.number),
        "instances_url": format!("{url}/instances"),
        "state": a.state,
        "fixed_at": iso_or_null(fixed),
        "dismissed_by": null,
        "dismissed_at": null,
        "dismissed_reason": null,
        "dismissed_comment": null,
        "rule": rule,
        "tool": {"name": a.tool, "guid": null, "version": CODEQL_VERSION},
        "most_recent_instance": {
            "ref": a.git_ref,
            "analysis_key": ".github/workflows/codeql.yml:analyze",
            "environment": "{\"language\":\"javascript\"}",
            "category": ".github/workflows/codeql.yml:analyze/language:javascript",
            "state": a.state,
            "commit_sha": a.commit_sha,
            "message": {"text": a.message},
            "location": {
                "path": a.spot.path,
                "start_line": a.spot.start_line,
                "end_line": a.spot.end_line,
                "start_column": 1,
                "end_column": 80,
            },
            "classifications": [],
        },
        "assignees": [],
    })
}

/// A secret scanning alert; `hide_secret` leaves the secret out, as GitHub does when asked.
pub(crate) fn secret_alert(view: &View, repo: &Repo, a: &SecretAlert, hide_secret: bool) -> Value {
    let api = repo_api(view, repo);
    let url = format!("{api}/secret-scanning/alerts/{}", a.number);
    let resolved_at = a.resolution.map(|_| a.created_at + 3_600);
    let mut value = json!({
        "number": a.number,
        "created_at": iso(a.created_at),
        "updated_at": iso(resolved_at.unwrap_or(a.created_at)),
        "url": url,
        "html_url": format!("{}/security/secret-scanning/{}", repo_html(view, repo), a.number),
        "locations_url": format!("{url}/locations"),
        "state": a.state,
        "resolution": a.resolution,
        "resolved_at": iso_or_null(resolved_at),
        "resolved_by": if a.resolution.is_some() { account(view.shared, view.world, &repo.owner) } else { Value::Null },
        "resolution_comment": null,
        "secret_type": a.secret_type,
        "secret_type_display_name": a.display_name,
        "provider": a.provider,
        "provider_slug": a.provider.to_ascii_lowercase().replace(' ', "_"),
        "push_protection_bypassed": false,
        "push_protection_bypassed_by": null,
        "push_protection_bypassed_at": null,
        "validity": a.validity,
        "publicly_leaked": !repo.private,
        "multi_repo": false,
        "is_base64_encoded": false,
        "first_location_detected": {
            "path": a.spot.path,
            "start_line": a.spot.start_line,
            "end_line": a.spot.end_line,
            "start_column": 1,
            "end_column": 41,
            "blob_sha": a.commit_sha,
            "blob_url": format!("{api}/git/blobs/{}", a.commit_sha),
            "commit_sha": a.commit_sha,
            "commit_url": format!("{api}/git/commits/{}", a.commit_sha),
        },
        "has_more_locations": false,
        "assigned_to": null,
    });
    if !hide_secret {
        value["secret"] = json!(a.secret);
    }
    value
}

fn package(affected: &Affected) -> Value {
    json!({"ecosystem": affected.ecosystem, "name": affected.package})
}

fn cvss(advisory: &Advisory) -> Value {
    advisory.cvss.as_ref().map_or(Value::Null, |(vector, score)| json!({"vector_string": vector, "score": score}))
}

fn cwes(advisory: &Advisory) -> Value {
    advisory.cwes.iter().map(|(id, name)| json!({"cwe_id": id, "name": name})).collect()
}

fn identifiers(ghsa_id: &str, cve_id: Option<&String>) -> Value {
    let mut ids = vec![json!({"type": "GHSA", "value": ghsa_id})];
    if let Some(cve) = cve_id {
        ids.push(json!({"type": "CVE", "value": cve}));
    }
    Value::Array(ids)
}

/// A Dependabot alert, with the advisory it is about (`None` would be a broken seed).
pub(crate) fn dependabot_alert(view: &View, repo: &Repo, a: &DependabotAlert, advisory: &Advisory) -> Value {
    let vulnerability = json!({
        "package": package(&advisory.affected),
        "severity": advisory.severity,
        "vulnerable_version_range": advisory.affected.vulnerable_range,
        "first_patched_version": advisory.affected.patched.as_ref().map(|p| json!({"identifier": p})),
    });
    let dismissed = a.state == "dismissed";
    let fixed = a.state == "fixed";
    let changed_at = a.created_at + 86_400;
    json!({
        "number": a.number,
        "state": a.state,
        "dependency": {
            "package": package(&advisory.affected),
            "manifest_path": a.manifest_path,
            "scope": a.scope,
            "relationship": "transitive",
        },
        "security_advisory": {
            "ghsa_id": advisory.ghsa_id,
            "cve_id": advisory.cve_id,
            "summary": advisory.summary,
            "description": advisory.description,
            "vulnerabilities": [vulnerability.clone()],
            "severity": advisory.severity,
            "cvss": advisory.cvss.as_ref().map_or(json!({"score": 0.0, "vector_string": null}), |(v, s)| json!({"score": s, "vector_string": v})),
            "cwes": cwes(advisory),
            "identifiers": identifiers(&advisory.ghsa_id, advisory.cve_id.as_ref()),
            "references": [{"url": format!("https://github.com/advisories/{}", advisory.ghsa_id)}],
            "published_at": iso(advisory.published_at),
            "updated_at": iso(advisory.updated_at),
            "withdrawn_at": iso_or_null(advisory.withdrawn_at),
        },
        "security_vulnerability": vulnerability,
        "url": format!("{}/dependabot/alerts/{}", repo_api(view, repo), a.number),
        "html_url": format!("{}/security/dependabot/{}", repo_html(view, repo), a.number),
        "created_at": iso(a.created_at),
        "updated_at": iso(if dismissed || fixed { changed_at } else { a.created_at }),
        "dismissed_at": iso_or_null(dismissed.then_some(changed_at)),
        "dismissed_by": if dismissed { account(view.shared, view.world, &repo.owner) } else { Value::Null },
        "dismissed_reason": if dismissed { json!("tolerable_risk") } else { Value::Null },
        "dismissed_comment": if dismissed { json!("Development only; never shipped.") } else { Value::Null },
        "fixed_at": iso_or_null(fixed.then_some(changed_at)),
        "auto_dismissed_at": null,
        "assignees": [],
    })
}

/// A code quality finding.
pub(crate) fn quality_finding(view: &View, repo: &Repo, f: &QualityFinding) -> Value {
    json!({
        "number": f.number,
        "state": f.state,
        "url": format!("{}/code-quality/findings/{}", repo_api(view, repo), f.number),
        "rule": {
            "id": f.rule_id,
            "title": f.title,
            "description": f.description,
            "severity": f.severity,
            "category": f.category,
        },
        "location": {"path": f.spot.path, "start_line": f.spot.start_line, "end_line": f.spot.end_line},
        "message": {"text": f.message, "markdown": f.message},
        "created_at": iso(f.created_at),
    })
}

/// An advisory of the global database.
pub(crate) fn advisory(view: &View, a: &Advisory) -> Value {
    json!({
        "ghsa_id": a.ghsa_id,
        "cve_id": a.cve_id,
        "url": format!("{}/advisories/{}", view.shared.api_url, a.ghsa_id),
        "html_url": format!("{}/advisories/{}", view.shared.base_url, a.ghsa_id),
        "repository_advisory_url": null,
        "summary": a.summary,
        "description": a.description,
        "type": a.kind,
        "severity": a.severity,
        "source_code_location": null,
        "identifiers": identifiers(&a.ghsa_id, a.cve_id.as_ref()),
        "references": [format!("https://nvd.nist.gov/vuln/detail/{}", a.cve_id.as_deref().unwrap_or(&a.ghsa_id))],
        "published_at": iso(a.published_at),
        "updated_at": iso(a.updated_at),
        "github_reviewed_at": iso(a.published_at),
        "nvd_published_at": null,
        "withdrawn_at": iso_or_null(a.withdrawn_at),
        "vulnerabilities": [{
            "package": package(&a.affected),
            "vulnerable_version_range": a.affected.vulnerable_range,
            "first_patched_version": a.affected.patched,
            "vulnerable_functions": [],
        }],
        "cvss": cvss(a),
        "cwes": cwes(a),
        "credits": [],
    })
}

/// A repository security advisory.
pub(crate) fn repo_advisory(view: &View, repo: &Repo, a: &RepoAdvisory) -> Value {
    let author = account(view.shared, view.world, &a.author);
    let published = a.published_at.is_some();
    json!({
        "ghsa_id": a.ghsa_id,
        "cve_id": a.cve_id,
        "url": format!("{}/security-advisories/{}", repo_api(view, repo), a.ghsa_id),
        "html_url": format!("{}/security/advisories/{}", repo_html(view, repo), a.ghsa_id),
        "summary": a.summary,
        "description": a.description,
        "severity": a.severity,
        "author": author,
        "publisher": if published { author.clone() } else { Value::Null },
        "identifiers": identifiers(&a.ghsa_id, a.cve_id.as_ref()),
        "state": a.state,
        "created_at": iso(a.created_at),
        "updated_at": iso(a.updated_at),
        "published_at": iso_or_null(a.published_at),
        "closed_at": null,
        "withdrawn_at": null,
        "submission": null,
        "vulnerabilities": [{
            "package": package(&a.affected),
            "vulnerable_version_range": a.affected.vulnerable_range,
            "patched_versions": a.affected.patched,
            "vulnerable_functions": [],
        }],
        "cvss": null,
        "cwes": [],
        "cwe_ids": [],
        "credits": [],
        "credits_detailed": [],
        "collaborating_users": [],
        "collaborating_teams": [],
        "private_fork": null,
    })
}
