//! Seeded security findings, all on `github/docs` (public; octocat, an organization member, has
//! push access; hubot does not, so GitHub refuses him its alerts), and the global advisory
//! database. `octocat/hello-world` has the products on and has no findings; on
//! `octocat/secret-plans` they are off.
//!
//! - Code scanning: #1 `js/xss` open (error, security high) in `content/index.md`; #2
//!   `js/unused-local-variable` open (note); #3 `js/sql-injection` fixed (critical).
//! - Secret scanning: #1 an open `github_personal_access_token` (active); #2 a resolved
//!   (`revoked`) `aws_access_key_id`.
//! - Dependabot: #1 open, npm `lodash` ([`GHSA_LODASH`], high); #2 dismissed, npm `minimist`
//!   ([`GHSA_MINIMIST`], critical).
//! - Code quality: #1 open (maintainability); #2 dismissed (reliability).
//! - Repository advisories: one published (high), one draft (medium).
//! - Global advisories: [`GHSA_LODASH`] and [`GHSA_MINIMIST`] (npm, reviewed), one pip advisory
//!   (medium) and one withdrawn rubygems advisory.

use super::World;
use super::security::{
    Advisory, Affected, CodeAlert, DependabotAlert, Findings, QualityFinding, RepoAdvisory, SecretAlert, Spot,
};
use super::seed::DOCS_C1;
use super::time::utc;

pub(crate) const GHSA_LODASH: &str = "GHSA-35jh-r3h4-6jhm";
pub(crate) const GHSA_MINIMIST: &str = "GHSA-xvch-5gv4-984h";

fn spot(path: &str, start_line: u64, end_line: u64) -> Spot {
    Spot { path: path.into(), start_line, end_line }
}

fn affected(ecosystem: &'static str, package: &str, vulnerable_range: &str, patched: Option<&str>) -> Affected {
    Affected {
        ecosystem,
        package: package.into(),
        vulnerable_range: vulnerable_range.into(),
        patched: patched.map(Into::into),
    }
}

pub(super) fn add(world: &mut World) {
    world.advisories = advisories();
    if let Some(hello) = world.repo_mut("octocat", "hello-world") {
        hello.findings.enabled = true;
    }
    let Some(repo) = world.repo_mut("github", "docs") else {
        return;
    };
    repo.findings = Findings {
        enabled: true,
        code_scanning: code_alerts(),
        secret_scanning: secret_alerts(),
        dependabot: vec![
            DependabotAlert {
                number: 1,
                state: "open",
                ghsa_id: GHSA_LODASH.into(),
                manifest_path: "package-lock.json".into(),
                scope: "runtime",
                created_at: utc(2024, 2, 1, 9, 0),
            },
            DependabotAlert {
                number: 2,
                state: "dismissed",
                ghsa_id: GHSA_MINIMIST.into(),
                manifest_path: "package-lock.json".into(),
                scope: "development",
                created_at: utc(2024, 2, 1, 9, 5),
            },
        ],
        code_quality: vec![
            QualityFinding {
                number: 1,
                state: "open",
                rule_id: "js/duplicate-code".into(),
                title: "Duplicated code block".into(),
                description:
                    "The same block of statements appears twice; a change to one is easily missed in the other.".into(),
                severity: "warning",
                category: "maintainability",
                spot: spot("src/render.js", 10, 24),
                message: "This block duplicates lines 40-54.".into(),
                created_at: utc(2024, 3, 1, 10, 0),
            },
            QualityFinding {
                number: 2,
                state: "dismissed",
                rule_id: "js/unchecked-return".into(),
                title: "Unchecked return value".into(),
                description: "A function's error result is ignored.".into(),
                severity: "note",
                category: "reliability",
                spot: spot("src/build.js", 5, 5),
                message: "The result of fs.write is not checked.".into(),
                created_at: utc(2024, 3, 1, 10, 5),
            },
        ],
        advisories: vec![
            RepoAdvisory {
                ghsa_id: "GHSA-h5c3-5r3r-rr8q".into(),
                cve_id: Some("CVE-2024-10001".into()),
                summary: "Stored XSS in rendered front matter".into(),
                description: "Front matter titles were rendered without escaping.".into(),
                severity: "high",
                state: "published",
                author: "octocat".into(),
                affected: affected("npm", "docs-renderer", "< 2.1.0", Some("2.1.0")),
                created_at: utc(2024, 4, 1, 9, 0),
                updated_at: utc(2024, 4, 3, 9, 0),
                published_at: Some(utc(2024, 4, 3, 9, 0)),
            },
            RepoAdvisory {
                ghsa_id: "GHSA-q8v2-9x7f-wm4j".into(),
                cve_id: None,
                summary: "Path traversal in the preview server".into(),
                description: "The preview server followed `..` in requested paths.".into(),
                severity: "medium",
                state: "draft",
                author: "octocat".into(),
                affected: affected("npm", "docs-preview", "<= 1.4.2", None),
                created_at: utc(2024, 5, 1, 9, 0),
                updated_at: utc(2024, 5, 1, 9, 0),
                published_at: None,
            },
        ],
    };
}

fn code_alerts() -> Vec<CodeAlert> {
    let alert = |number: u64, state, rule: (&str, &str, &str), severity, security, at: Spot, message: &str| CodeAlert {
        number,
        state,
        rule_id: rule.0.into(),
        rule_name: rule.1.into(),
        rule_description: rule.2.into(),
        severity,
        security_severity: security,
        tool: "CodeQL".into(),
        git_ref: "refs/heads/main".into(),
        commit_sha: DOCS_C1.into(),
        spot: at,
        message: message.into(),
        created_at: utc(2024, 1, 10, 8, 0) + number * 60,
    };
    vec![
        alert(
            1,
            "open",
            ("js/xss", "XssThroughDom", "Cross-site scripting through the DOM"),
            "error",
            Some("high"),
            spot("content/index.md", 3, 3),
            "DOM text is reinterpreted as HTML without escaping meta-characters.",
        ),
        alert(
            2,
            "open",
            ("js/unused-local-variable", "UnusedVariable", "Unused variable, import, function or class"),
            "note",
            None,
            spot("src/render.js", 7, 7),
            "Unused variable title.",
        ),
        alert(
            3,
            "fixed",
            ("js/sql-injection", "SqlInjection", "Database query built from user-controlled sources"),
            "error",
            Some("critical"),
            spot("src/search.js", 21, 22),
            "This query string depends on a user-provided value.",
        ),
    ]
}

fn secret_alerts() -> Vec<SecretAlert> {
    vec![
        SecretAlert {
            number: 1,
            state: "open",
            resolution: None,
            secret_type: "github_personal_access_token".into(),
            display_name: "GitHub Personal Access Token".into(),
            provider: "GitHub".into(),
            secret: "ghp_EmulatorLeakedToken0123456789abcdefAB".into(),
            validity: "active",
            spot: spot("scripts/deploy.sh", 4, 4),
            commit_sha: DOCS_C1.into(),
            created_at: utc(2024, 1, 20, 8, 0),
        },
        SecretAlert {
            number: 2,
            state: "resolved",
            resolution: Some("revoked"),
            secret_type: "aws_access_key_id".into(),
            display_name: "Amazon AWS Access Key ID".into(),
            provider: "Amazon AWS".into(),
            secret: "AKIAEMULATOR0EXAMPLE".into(),
            validity: "inactive",
            spot: spot("config/old.env", 1, 1),
            commit_sha: DOCS_C1.into(),
            created_at: utc(2024, 1, 21, 8, 0),
        },
    ]
}

fn advisories() -> Vec<Advisory> {
    let cwe = |id: &str, name: &str| (id.to_owned(), name.to_owned());
    vec![
        Advisory {
            ghsa_id: GHSA_LODASH.into(),
            cve_id: Some("CVE-2021-23337".into()),
            summary: "Command Injection in lodash".into(),
            description:
                "`lodash` versions prior to 4.17.21 are vulnerable to Command Injection via the template function."
                    .into(),
            kind: "reviewed",
            severity: "high",
            affected: affected("npm", "lodash", "< 4.17.21", Some("4.17.21")),
            cwes: vec![cwe("CWE-77", "Improper Neutralization of Special Elements used in a Command")],
            cvss: Some(("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H".into(), 7.2)),
            published_at: utc(2021, 5, 6, 16, 5),
            updated_at: utc(2024, 3, 1, 0, 0),
            withdrawn_at: None,
        },
        Advisory {
            ghsa_id: GHSA_MINIMIST.into(),
            cve_id: Some("CVE-2021-44906".into()),
            summary: "Prototype Pollution in minimist".into(),
            description: "Minimist before 1.2.6 is vulnerable to Prototype Pollution via setKey().".into(),
            kind: "reviewed",
            severity: "critical",
            affected: affected("npm", "minimist", "< 1.2.6", Some("1.2.6")),
            cwes: vec![cwe("CWE-1321", "Improperly Controlled Modification of Object Prototype Attributes")],
            cvss: Some(("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(), 9.8)),
            published_at: utc(2022, 3, 18, 0, 1),
            updated_at: utc(2024, 2, 1, 0, 0),
            withdrawn_at: None,
        },
        Advisory {
            ghsa_id: "GHSA-j8r2-6x86-q33q".into(),
            cve_id: Some("CVE-2023-32681".into()),
            summary: "Unintended leak of Proxy-Authorization header in requests".into(),
            description: "Requests leaks Proxy-Authorization headers to destination servers on HTTPS redirects.".into(),
            kind: "reviewed",
            severity: "medium",
            affected: affected("pip", "requests", ">= 2.3.0, < 2.31.0", Some("2.31.0")),
            cwes: vec![cwe("CWE-200", "Exposure of Sensitive Information to an Unauthorized Actor")],
            cvss: Some(("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N".into(), 6.1)),
            published_at: utc(2023, 5, 22, 20, 36),
            updated_at: utc(2023, 11, 1, 0, 0),
            withdrawn_at: None,
        },
        Advisory {
            ghsa_id: "GHSA-2p68-f74v-9wc6".into(),
            cve_id: None,
            summary: "Withdrawn: duplicate of an earlier rack advisory".into(),
            description: "This advisory was withdrawn as a duplicate.".into(),
            kind: "reviewed",
            severity: "low",
            affected: affected("rubygems", "rack", "< 2.2.3", Some("2.2.3")),
            cwes: Vec::new(),
            cvss: None,
            published_at: utc(2022, 1, 10, 0, 0),
            updated_at: utc(2022, 2, 1, 0, 0),
            withdrawn_at: Some(utc(2022, 2, 1, 0, 0)),
        },
    ]
}
