//! What GitHub's security products found: a repository's code scanning alerts, secret scanning
//! alerts, Dependabot alerts, code quality findings and repository security advisories, and the
//! global advisory database Dependabot alerts point into. States and severities are GitHub's own
//! words (`open`, `dismissed`, `critical`, …), as its API filters and answers them.

/// A repository's findings, each list in number order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Findings {
    /// Whether the repository has the security products switched on (GitHub answers 403 or 404
    /// for each product that is off).
    pub enabled: bool,
    pub code_scanning: Vec<CodeAlert>,
    pub secret_scanning: Vec<SecretAlert>,
    pub dependabot: Vec<DependabotAlert>,
    pub code_quality: Vec<QualityFinding>,
    pub advisories: Vec<RepoAdvisory>,
}

/// Where in a file something was found.
#[derive(Debug, Clone)]
pub(crate) struct Spot {
    pub path: String,
    pub start_line: u64,
    pub end_line: u64,
}

/// A code scanning alert (one rule at one place, as its most recent analysis saw it).
#[derive(Debug, Clone)]
pub(crate) struct CodeAlert {
    pub number: u64,
    /// `open`, `dismissed` or `fixed`.
    pub state: &'static str,
    pub rule_id: String,
    pub rule_name: String,
    pub rule_description: String,
    /// `error`, `warning` or `note`.
    pub severity: &'static str,
    /// `critical`, `high`, `medium` or `low` for security rules.
    pub security_severity: Option<&'static str>,
    pub tool: String,
    pub git_ref: String,
    pub commit_sha: String,
    pub spot: Spot,
    pub message: String,
    pub created_at: u64,
}

/// A secret found in a repository's history.
#[derive(Debug, Clone)]
pub(crate) struct SecretAlert {
    pub number: u64,
    /// `open` or `resolved`.
    pub state: &'static str,
    /// For a resolved alert: `false_positive`, `wont_fix`, `revoked`, `used_in_tests`, ….
    pub resolution: Option<&'static str>,
    pub secret_type: String,
    pub display_name: String,
    pub provider: String,
    /// The secret itself, which GitHub returns unless asked to hide it.
    pub secret: String,
    /// `active`, `inactive` or `unknown`.
    pub validity: &'static str,
    pub spot: Spot,
    pub commit_sha: String,
    pub created_at: u64,
}

/// A Dependabot alert: a manifest depends on a version an advisory says is vulnerable.
#[derive(Debug, Clone)]
pub(crate) struct DependabotAlert {
    pub number: u64,
    /// `open`, `dismissed`, `fixed` or `auto_dismissed`.
    pub state: &'static str,
    /// The global advisory ([`Advisory::ghsa_id`]).
    pub ghsa_id: String,
    pub manifest_path: String,
    /// `runtime` or `development`.
    pub scope: &'static str,
    pub created_at: u64,
}

/// A code quality finding (maintainability or reliability).
#[derive(Debug, Clone)]
pub(crate) struct QualityFinding {
    pub number: u64,
    /// `open` or `dismissed`.
    pub state: &'static str,
    pub rule_id: String,
    pub title: String,
    pub description: String,
    /// `error`, `warning` or `note`.
    pub severity: &'static str,
    /// `maintainability` or `reliability`.
    pub category: &'static str,
    pub spot: Spot,
    pub message: String,
    pub created_at: u64,
}

/// The affected package of an advisory.
#[derive(Debug, Clone)]
pub(crate) struct Affected {
    pub ecosystem: &'static str,
    pub package: String,
    pub vulnerable_range: String,
    pub patched: Option<String>,
}

/// An advisory in GitHub's global database.
#[derive(Debug, Clone)]
pub(crate) struct Advisory {
    pub ghsa_id: String,
    pub cve_id: Option<String>,
    pub summary: String,
    pub description: String,
    /// `reviewed`, `unreviewed` or `malware`.
    pub kind: &'static str,
    /// `critical`, `high`, `medium`, `low` or `unknown`.
    pub severity: &'static str,
    pub affected: Affected,
    /// CWE id (`CWE-79`) and name.
    pub cwes: Vec<(String, String)>,
    pub cvss: Option<(String, f64)>,
    pub published_at: u64,
    pub updated_at: u64,
    pub withdrawn_at: Option<u64>,
}

/// A security advisory a repository's maintainers draft and publish.
#[derive(Debug, Clone)]
pub(crate) struct RepoAdvisory {
    pub ghsa_id: String,
    pub cve_id: Option<String>,
    pub summary: String,
    pub description: String,
    /// `critical`, `high`, `medium` or `low`.
    pub severity: &'static str,
    /// `triage`, `draft`, `published` or `closed`.
    pub state: &'static str,
    pub author: String,
    pub affected: Affected,
    pub created_at: u64,
    pub updated_at: u64,
    pub published_at: Option<u64>,
}
