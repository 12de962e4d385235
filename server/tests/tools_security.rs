//! The security toolsets (`code_security`, `code_quality`, `secret_protection`, `dependabot`,
//! `security_advisories`) against the emulator's seeded findings on `github/docs`
//! (`github-emulator/src/world/seed_security.rs`): success, not found, GitHub's refusal for an
//! account without push access (hubot), and the empty case (`octocat/hello-world`).

mod common;

use common::ToolSession as Session;
use common::github_docs as docs;
use common::{assert_no_noise, error_text as text};
use serde_json::{Value, json};

const NOT_FOUND: &str = "Not found on GitHub, or private and not visible to this account.";
const REFUSED: &str = "GitHub refused: Resource not accessible by integration";
/// The secret the emulator seeds in alert #1; no answer may contain it.
const SEEDED_SECRET: &str = "ghp_EmulatorLeakedToken0123456789abcdefAB";

fn numbers(out: &Value, key: &str) -> Vec<u64> {
    let items = out[key].as_array().unwrap_or_else(|| panic!("no {key} in {out}"));
    items.iter().filter_map(|x| x["number"].as_u64()).collect()
}

fn ghsa_ids(out: &Value) -> Vec<String> {
    let items = out["advisories"].as_array().unwrap_or_else(|| panic!("no advisories in {out}"));
    items.iter().filter_map(|x| x["ghsa_id"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn code_scanning_alerts_are_listed_filtered_and_read() {
    let s = Session::start().await;
    let (err, out) = s.call("list_code_scanning_alerts", docs(json!({}))).await;
    assert!(!err, "{out}");
    assert_eq!(numbers(&out, "alerts"), [3, 2, 1]);
    let (_, open) = s.call("list_code_scanning_alerts", docs(json!({"state": "open", "severity": "high"}))).await;
    assert_eq!(numbers(&open, "alerts"), [1]);
    let alert = &open["alerts"][0];
    assert_eq!(alert["rule"]["id"], "js/xss");
    assert_eq!(alert["location"]["path"], "content/index.md");
    assert_eq!(alert["tool"], "CodeQL");
    assert_no_noise(&open, &["url", "instances_url", "node_id", "analysis_key", "classifications"]);
    let (_, other) = s.call("list_code_scanning_alerts", docs(json!({"ref": "feature"}))).await;
    assert_eq!(numbers(&other, "alerts"), Vec::<u64>::new(), "another branch has none");

    let (err, one) = s.call("get_code_scanning_alert", docs(json!({"alert_number": 3}))).await;
    assert!(!err, "{one}");
    assert_eq!(
        (one["state"].as_str(), one["rule"]["security_severity_level"].as_str()),
        (Some("fixed"), Some("critical"))
    );
    assert!(one["rule"]["help"].as_str().is_some_and(|h| h.contains("SqlInjection")), "{one}");
    assert!(one["fixed_at"].is_string(), "{one}");
    let (err, none) = s.call("get_code_scanning_alert", docs(json!({"alert_number": 99}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");

    let hubot = s.sign_in_as("hubot").await;
    let (err, refused) = s.call_as(&hubot, "list_code_scanning_alerts", docs(json!({}))).await;
    assert!(err && text(&refused).contains(REFUSED), "{refused}");
    let (err, empty) = s.call("list_code_scanning_alerts", json!({"owner": "octocat", "repo": "hello-world"})).await;
    assert!(!err && numbers(&empty, "alerts").is_empty(), "{empty}");
    let (err, off) = s.call("list_code_scanning_alerts", json!({"owner": "octocat", "repo": "secret-plans"})).await;
    assert!(err && text(&off).contains("Advanced Security must be enabled"), "{off}");
}

#[tokio::test]
async fn secret_scanning_alerts_never_show_the_secret() {
    let s = Session::start().await;
    let (err, out) = s.call("list_secret_scanning_alerts", docs(json!({}))).await;
    assert!(!err, "{out}");
    assert_eq!(numbers(&out, "alerts"), [2, 1]);
    assert!(!out.to_string().contains(SEEDED_SECRET), "{out}");
    assert!(out["alerts"][1]["secret"].as_str().is_some_and(|s| s.contains("withheld")), "it says so: {out}");
    assert_eq!(out["alerts"][1]["first_location"]["path"], "scripts/deploy.sh");
    let (_, revoked) =
        s.call("list_secret_scanning_alerts", docs(json!({"state": "resolved", "resolution": "revoked"}))).await;
    assert_eq!(numbers(&revoked, "alerts"), [2]);
    assert_eq!(revoked["alerts"][0]["resolved_by"], "github");

    let (err, one) = s.call("get_secret_scanning_alert", docs(json!({"alert_number": 1}))).await;
    assert!(!err, "{one}");
    assert_eq!(
        (one["secret_type"].as_str(), one["validity"].as_str()),
        (Some("github_personal_access_token"), Some("active"))
    );
    assert!(!one.to_string().contains(SEEDED_SECRET), "{one}");
    let (err, none) = s.call("get_secret_scanning_alert", docs(json!({"alert_number": 7}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
    let hubot = s.sign_in_as("hubot").await;
    let (err, refused) = s.call_as(&hubot, "get_secret_scanning_alert", docs(json!({"alert_number": 1}))).await;
    assert!(err && text(&refused).contains(REFUSED), "{refused}");
    assert!(!refused.to_string().contains(SEEDED_SECRET));
    let (err, empty) = s.call("list_secret_scanning_alerts", json!({"owner": "octocat", "repo": "hello-world"})).await;
    assert!(!err && numbers(&empty, "alerts").is_empty(), "{empty}");
}

#[tokio::test]
async fn dependabot_alerts_page_by_cursor_and_show_the_fix() {
    let s = Session::start().await;
    let (err, first) = s.call("list_dependabot_alerts", docs(json!({"per_page": 1}))).await;
    assert!(!err, "{first}");
    assert_eq!(numbers(&first, "alerts"), [2]);
    assert_eq!(first["page"]["has_next_page"], true, "{first}");
    let cursor = first["page"]["next_cursor"].as_str().expect("a cursor").to_owned();
    let (_, second) = s.call("list_dependabot_alerts", docs(json!({"per_page": 1, "cursor": cursor}))).await;
    assert_eq!(numbers(&second, "alerts"), [1]);
    assert_eq!(second["page"]["has_next_page"], false, "{second}");
    let lodash = &second["alerts"][0];
    assert_eq!(lodash["package"], json!({"ecosystem": "npm", "name": "lodash"}));
    assert_eq!(lodash["vulnerability"]["first_patched_version"], "4.17.21");
    assert_eq!(lodash["advisory"]["ghsa_id"], "GHSA-35jh-r3h4-6jhm");
    let (_, open) = s.call("list_dependabot_alerts", docs(json!({"state": "open", "ecosystem": "npm"}))).await;
    assert_eq!(numbers(&open, "alerts"), [1]);
    let (_, pip) = s.call("list_dependabot_alerts", docs(json!({"ecosystem": "pip"}))).await;
    assert!(numbers(&pip, "alerts").is_empty(), "{pip}");

    let (err, one) = s.call("get_dependabot_alert", docs(json!({"alert_number": 2}))).await;
    assert!(!err, "{one}");
    assert_eq!((one["state"].as_str(), one["dismissed_reason"].as_str()), (Some("dismissed"), Some("tolerable_risk")));
    assert_eq!(one["advisory"]["cvss_score"], 9.8);
    assert_eq!(one["advisory"]["cwes"], json!(["CWE-1321"]));
    let (err, none) = s.call("get_dependabot_alert", docs(json!({"alert_number": 5}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
    let hubot = s.sign_in_as("hubot").await;
    let (err, refused) = s.call_as(&hubot, "list_dependabot_alerts", docs(json!({}))).await;
    assert!(err && text(&refused).contains(REFUSED), "{refused}");
    let (err, off) = s.call("list_dependabot_alerts", json!({"owner": "octocat", "repo": "secret-plans"})).await;
    assert!(err && text(&off).contains("Dependabot alerts are disabled for this repository"), "{off}");
}

#[tokio::test]
async fn a_code_quality_finding_is_read_by_number() {
    let s = Session::start().await;
    let (err, out) = s.call("get_code_quality_finding", docs(json!({"finding_number": 1}))).await;
    assert!(!err, "{out}");
    assert_eq!(out["rule"]["category"], "maintainability");
    assert_eq!(out["location"], json!({"path": "src/render.js", "start_line": 10, "end_line": 24}));
    assert!(out["message"].as_str().is_some_and(|m| m.contains("duplicates")), "{out}");
    let (err, none) = s.call("get_code_quality_finding", docs(json!({"finding_number": 9}))).await;
    assert!(err && text(&none).contains(NOT_FOUND), "{none}");
    let hubot = s.sign_in_as("hubot").await;
    let (err, refused) = s.call_as(&hubot, "get_code_quality_finding", docs(json!({"finding_number": 1}))).await;
    assert!(err && text(&refused).contains(REFUSED), "{refused}");
    let (err, none) = s
        .call("get_code_quality_finding", json!({"owner": "octocat", "repo": "hello-world", "finding_number": 1}))
        .await;
    assert!(err && text(&none).contains(NOT_FOUND), "a repository without findings: {none}");
}

#[tokio::test]
async fn advisories_are_searched_and_read_globally_per_repository_and_per_organization() {
    let s = Session::start().await;
    let (err, all) = s.call("list_global_security_advisories", json!({})).await;
    assert!(!err, "{all}");
    assert_eq!(ghsa_ids(&all).len(), 4);
    let (_, npm) = s.call("list_global_security_advisories", json!({"ecosystem": "npm", "severity": "critical"})).await;
    assert_eq!(ghsa_ids(&npm), ["GHSA-xvch-5gv4-984h"]);
    let (_, cwe) = s.call("list_global_security_advisories", json!({"cwes": ["200"], "is_withdrawn": false})).await;
    assert_eq!(ghsa_ids(&cwe), ["GHSA-j8r2-6x86-q33q"]);
    let (_, by_package) = s.call("list_global_security_advisories", json!({"affects": "lodash@4.17.20"})).await;
    assert_eq!(ghsa_ids(&by_package), ["GHSA-35jh-r3h4-6jhm"]);
    let (_, dated) = s.call("list_global_security_advisories", json!({"published": "2022-01-01..2022-12-31"})).await;
    assert_eq!(ghsa_ids(&dated), ["GHSA-xvch-5gv4-984h", "GHSA-2p68-f74v-9wc6"]);
    let (_, none) = s.call("list_global_security_advisories", json!({"type": "malware"})).await;
    assert!(ghsa_ids(&none).is_empty(), "{none}");
    let (err, bad) = s.call("list_global_security_advisories", json!({"published": "last week"})).await;
    assert!(err && text(&bad).contains("not a valid date"), "{bad}");
    let (_, paged) = s.call("list_global_security_advisories", json!({"per_page": 3})).await;
    let cursor = paged["page"]["next_cursor"].as_str().expect("a next cursor").to_owned();
    let (_, rest) = s.call("list_global_security_advisories", json!({"per_page": 3, "cursor": cursor})).await;
    assert_eq!(ghsa_ids(&rest).len(), 1);

    let (err, one) = s.call("get_global_security_advisory", json!({"ghsa_id": "GHSA-35jh-r3h4-6jhm"})).await;
    assert!(!err, "{one}");
    assert!(one["description"].as_str().is_some_and(|d| d.contains("template")), "{one}");
    assert_eq!(one["vulnerabilities"][0]["first_patched_version"], "4.17.21");
    assert_eq!(one["cve_id"], "CVE-2021-23337");
    let (err, missing) = s.call("get_global_security_advisory", json!({"ghsa_id": "GHSA-0000-0000-0000"})).await;
    assert!(err && text(&missing).contains(NOT_FOUND), "{missing}");

    let (err, mine) = s.call("list_repository_security_advisories", docs(json!({"direction": "asc"}))).await;
    assert!(!err, "{mine}");
    assert_eq!(ghsa_ids(&mine), ["GHSA-h5c3-5r3r-rr8q", "GHSA-q8v2-9x7f-wm4j"]);
    assert_eq!(mine["advisories"][0]["author"], "octocat");
    let hubot = s.sign_in_as("hubot").await;
    let (_, public) = s.call_as(&hubot, "list_repository_security_advisories", docs(json!({}))).await;
    assert_eq!(ghsa_ids(&public), ["GHSA-h5c3-5r3r-rr8q"], "drafts are for maintainers: {public}");
    let (_, empty) =
        s.call("list_repository_security_advisories", json!({"owner": "octocat", "repo": "hello-world"})).await;
    assert!(ghsa_ids(&empty).is_empty(), "{empty}");
    let (err, org) =
        s.call("list_org_repository_security_advisories", json!({"org": "github", "state": "draft"})).await;
    assert!(!err, "{org}");
    assert_eq!(ghsa_ids(&org), ["GHSA-q8v2-9x7f-wm4j"]);
    let (err, refused) = s.call_as(&hubot, "list_org_repository_security_advisories", json!({"org": "github"})).await;
    assert!(err && text(&refused).contains(REFUSED), "{refused}");
    let (err, nope) = s.call("list_org_repository_security_advisories", json!({"org": "no-such-org"})).await;
    assert!(err && text(&nope).contains(NOT_FOUND), "{nope}");
}
