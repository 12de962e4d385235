//! Security: code scanning, secret scanning and Dependabot alerts, code quality findings, and
//! repository, organization and global security advisories, with GitHub's access rules.

mod common;

use common::TestResult;
use common::world::World;
use serde_json::Value;

fn numbers(list: &Value) -> Vec<u64> {
    list.as_array().map(|a| a.iter().filter_map(|i| i["number"].as_u64()).collect()).unwrap_or_default()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| a.iter().filter_map(|i| i["ghsa_id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn alerts_are_for_people_with_push_access_and_filter_like_github() -> TestResult {
    let w = World::start().await?;
    let docs = "/repos/github/docs";
    let code = w.get(&format!("{docs}/code-scanning/alerts"), Some(&w.octo)).await?;
    assert_eq!(code.status, 200, "{}", code.text);
    assert_eq!(numbers(&code.json()), [3, 2, 1], "newest first");
    let open = w.get(&format!("{docs}/code-scanning/alerts?state=open&direction=asc"), Some(&w.octo)).await?;
    assert_eq!(numbers(&open.json()), [1, 2]);
    let high = w.get(&format!("{docs}/code-scanning/alerts?severity=high"), Some(&w.octo)).await?;
    assert_eq!(numbers(&high.json()), [1], "security severity counts as severity");
    let notes = w.get(&format!("{docs}/code-scanning/alerts?severity=note&tool_name=CodeQL"), Some(&w.octo)).await?;
    assert_eq!(numbers(&notes.json()), [2]);
    let other_ref = w.get(&format!("{docs}/code-scanning/alerts?ref=feature"), Some(&w.octo)).await?;
    assert_eq!(numbers(&other_ref.json()), Vec::<u64>::new());
    assert_eq!(w.get(&format!("{docs}/code-scanning/alerts?state=bogus"), Some(&w.octo)).await?.status, 422);
    let one = w.get(&format!("{docs}/code-scanning/alerts/1"), Some(&w.octo)).await?.json();
    assert_eq!(one["rule"]["id"], "js/xss");
    assert!(one["rule"]["help"].as_str().is_some(), "one alert has the rule's help");
    assert_eq!(one["most_recent_instance"]["location"]["path"], "content/index.md");
    assert_eq!(w.get(&format!("{docs}/code-scanning/alerts/99"), Some(&w.octo)).await?.status, 404);

    // hubot can read github/docs but cannot push to it: GitHub refuses him its alerts.
    for path in ["code-scanning/alerts", "secret-scanning/alerts", "dependabot/alerts", "code-quality/findings/1"] {
        let refused = w.get(&format!("{docs}/{path}"), Some(&w.hubot)).await?;
        assert_eq!(refused.status, 403, "{path}");
        assert_eq!(refused.json()["message"], "Resource not accessible by integration");
        let bare = w.get(&format!("{docs}/{path}"), Some(&w.octo_bare)).await?;
        assert_eq!(bare.status, 403, "{path} without a scope");
        assert_eq!(w.get(&format!("{docs}/{path}"), None).await?.status, 401, "{path} needs a token");
    }

    let secrets = w.get(&format!("{docs}/secret-scanning/alerts?state=open"), Some(&w.octo)).await?.json();
    assert_eq!(numbers(&secrets), [1]);
    assert!(secrets[0]["secret"].as_str().is_some_and(|s| s.starts_with("ghp_")), "GitHub returns the secret");
    let hidden = w.get(&format!("{docs}/secret-scanning/alerts/1?hide_secret=true"), Some(&w.octo)).await?.json();
    assert!(hidden.get("secret").is_none(), "unless asked to hide it");
    let revoked = w.get(&format!("{docs}/secret-scanning/alerts?resolution=revoked"), Some(&w.octo)).await?.json();
    assert_eq!(numbers(&revoked), [2]);

    let dependabot = w.get(&format!("{docs}/dependabot/alerts?state=open"), Some(&w.octo)).await?.json();
    assert_eq!(numbers(&dependabot), [1]);
    assert_eq!(dependabot[0]["security_advisory"]["ghsa_id"], "GHSA-35jh-r3h4-6jhm");
    assert_eq!(dependabot[0]["dependency"]["package"]["name"], "lodash");
    let critical = w.get(&format!("{docs}/dependabot/alerts?severity=critical"), Some(&w.octo)).await?.json();
    assert_eq!(numbers(&critical), [2]);
    assert_eq!(critical[0]["dismissed_reason"], "tolerable_risk");
    let paged = w.get(&format!("{docs}/dependabot/alerts?per_page=1"), Some(&w.octo)).await?;
    assert_eq!(numbers(&paged.json()), [2]);
    let next = paged.header("link");
    let next = next.split('<').nth(1).and_then(|l| l.split('>').next()).ok_or("a next link")?;
    let rest = next.split("/api/v3").nth(1).ok_or("an API link")?;
    assert_eq!(numbers(&w.get(rest, Some(&w.octo)).await?.json()), [1], "the cursor goes on");

    let finding = w.get(&format!("{docs}/code-quality/findings/1"), Some(&w.octo)).await?.json();
    assert_eq!(
        (finding["rule"]["category"].as_str(), finding["state"].as_str()),
        (Some("maintainability"), Some("open"))
    );

    // The empty case, and products that are off.
    let hello = "/repos/octocat/hello-world";
    for path in ["code-scanning/alerts", "secret-scanning/alerts", "dependabot/alerts"] {
        let none = w.get(&format!("{hello}/{path}"), Some(&w.octo)).await?;
        assert_eq!((none.status, none.text.as_str()), (200, "[]"), "{path}");
    }
    let off = w.get("/repos/octocat/secret-plans/dependabot/alerts", Some(&w.octo)).await?;
    assert_eq!(
        (off.status, off.json()["message"].as_str()),
        (403, Some("Dependabot alerts are disabled for this repository."))
    );
    let off = w.get("/repos/octocat/secret-plans/secret-scanning/alerts", Some(&w.octo)).await?;
    assert_eq!(off.status, 404);
    Ok(())
}

#[tokio::test]
async fn advisories_global_repository_and_organization() -> TestResult {
    let w = World::start().await?;
    let all = w.get("/advisories", None).await?;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(ids(&all.json()).len(), 4, "reviewed ones, no token needed");
    let npm = w.get("/advisories?ecosystem=npm&severity=critical", None).await?.json();
    assert_eq!(ids(&npm), ["GHSA-xvch-5gv4-984h"]);
    let by_cve = w.get("/advisories?cve_id=CVE-2021-23337", None).await?.json();
    assert_eq!(ids(&by_cve), ["GHSA-35jh-r3h4-6jhm"]);
    let by_cwe = w.get("/advisories?cwes=200", None).await?.json();
    assert_eq!(ids(&by_cwe), ["GHSA-j8r2-6x86-q33q"]);
    let withdrawn = w.get("/advisories?is_withdrawn=true", None).await?.json();
    assert_eq!(ids(&withdrawn), ["GHSA-2p68-f74v-9wc6"]);
    let recent = w.get("/advisories?published=>=2023-01-01", None).await?.json();
    assert_eq!(ids(&recent), ["GHSA-j8r2-6x86-q33q"]);
    let affects = w.get("/advisories?affects=lodash@4.17.20", None).await?.json();
    assert_eq!(ids(&affects), ["GHSA-35jh-r3h4-6jhm"]);
    assert_eq!(ids(&w.get("/advisories?type=malware", None).await?.json()).len(), 0);
    assert_eq!(w.get("/advisories?published=soon", None).await?.status, 422);
    assert_eq!(w.get("/advisories?ecosystem=cobol", None).await?.status, 422);
    assert_eq!(w.get("/advisories?after=bm9wZQ", None).await?.status, 400);
    let one = w.get("/advisories/GHSA-35jh-r3h4-6jhm", None).await?.json();
    assert_eq!(one["vulnerabilities"][0]["first_patched_version"], "4.17.21");
    assert_eq!(w.get("/advisories/GHSA-0000-0000-0000", None).await?.status, 404);

    let mine = w.get("/repos/github/docs/security-advisories", Some(&w.octo)).await?.json();
    assert_eq!(ids(&mine).len(), 2, "people with push access see drafts");
    let public = w.get("/repos/github/docs/security-advisories", Some(&w.hubot)).await?.json();
    assert_eq!(ids(&public), ["GHSA-h5c3-5r3r-rr8q"], "others see published ones");
    let drafts = w.get("/repos/github/docs/security-advisories?state=draft", Some(&w.octo)).await?.json();
    assert_eq!(ids(&drafts), ["GHSA-q8v2-9x7f-wm4j"]);
    let org = w.get("/orgs/github/security-advisories", Some(&w.octo)).await?.json();
    assert_eq!(ids(&org).len(), 2);
    assert_eq!(w.get("/orgs/github/security-advisories", Some(&w.hubot)).await?.status, 403);
    assert_eq!(w.get("/orgs/nope/security-advisories", Some(&w.octo)).await?.status, 404);
    Ok(())
}
