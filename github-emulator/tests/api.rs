//! The REST API: authentication and 401s, GitHub's headers, users and orgs,
//! Link pagination, fault injection, latency, the API prefix and shutdown.

mod common;

use std::time::{Duration, Instant};

use common::{TestResult, client};
use github_emulator::{EmulatorConfig, Fault, User, start, start_on};

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn missing_unknown_revoked_tokens_get_401() -> TestResult {
    let emu = start(EmulatorConfig::default()).await?;
    let api = emu.api_url();
    let resp = client().get(format!("{api}/user")).send().await?;
    assert_eq!(resp.status(), 401);
    assert_eq!(header(&resp, "x-ratelimit-limit"), "5000");
    let body: serde_json::Value = resp.json().await?;
    assert_eq!(body["message"], "Requires authentication");
    assert_eq!(body["documentation_url"], "https://docs.github.com/rest");

    let resp = client().get(format!("{api}/user")).bearer_auth("gho_notfromhere").send().await?;
    assert_eq!(resp.status(), 401);
    let body: serde_json::Value = resp.json().await?;
    assert_eq!(body["message"], "Bad credentials");
    assert_eq!(emu.foreign_tokens_seen(), 1);

    let token = emu.mint_access_token("octocat", "repo").ok_or("no user")?;
    let resp = client().get(format!("{api}/user")).header("authorization", format!("token {token}")).send().await?;
    assert_eq!(resp.status(), 200);
    assert_eq!(emu.revoke_tokens_of("octocat"), 1);
    let resp = client().get(format!("{api}/user")).bearer_auth(&token).send().await?;
    assert_eq!(resp.status(), 401);

    let records = emu.api_requests();
    assert_eq!(records.len(), 4);
    assert_eq!(records[0].token, None);
    assert!(!records[1].token_known && records[2].token_known && records[3].token_known);
    assert_eq!(records.iter().map(|r| r.status).collect::<Vec<_>>(), [401, 401, 200, 401]);
    assert!(records.iter().all(|r| r.path == "/user" && r.method == "GET"));
    assert_eq!(emu.foreign_tokens_seen(), 1);
    emu.clear_records();
    assert!(emu.api_requests().is_empty());
    assert_eq!(emu.foreign_tokens_seen(), 0);
    Ok(())
}

#[tokio::test]
async fn user_endpoint_shape_and_headers() -> TestResult {
    let emu = start(EmulatorConfig::default()).await?;
    let api = emu.api_url();
    assert_eq!(api, format!("{}/api/v3", emu.base_url()));
    let token = emu.mint_access_token("octocat", "repo read:org").ok_or("no user")?;
    let resp = client().get(format!("{api}/user")).bearer_auth(&token).send().await?;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-type"), "application/json; charset=utf-8");
    assert_eq!(header(&resp, "x-oauth-scopes"), "repo, read:org");
    assert!(resp.headers().contains_key("x-accepted-oauth-scopes"));
    assert!(!header(&resp, "x-github-request-id").is_empty());
    assert_eq!(header(&resp, "x-ratelimit-remaining"), "4999");
    assert_eq!(header(&resp, "x-ratelimit-used"), "1");
    assert!(header(&resp, "x-ratelimit-reset").parse::<u64>()? > 1_700_000_000);
    let user: serde_json::Value = resp.json().await?;
    assert_eq!(user["login"], "octocat");
    assert_eq!(user["id"], 583231);
    assert_eq!(user["node_id"], "MDQ6VXNlcjU4MzIzMQ==");
    assert_eq!(user["name"], "The Octocat");
    assert_eq!(user["email"], "octocat@github.com");
    assert_eq!(user["type"], "User");
    assert_eq!(user["url"], format!("{api}/users/octocat"));
    assert_eq!(user["html_url"], format!("{}/octocat", emu.base_url()));
    assert!(user["company"].is_null() && user["bio"].is_null() && user["blog"] == "");
    assert!(user["followers_url"].is_string() && user["gravatar_id"] == "");

    let resp = client().get(format!("{api}/user")).bearer_auth(&token).send().await?;
    assert_eq!(header(&resp, "x-ratelimit-remaining"), "4998");

    // The avatar URL is served locally.
    let avatar = user["avatar_url"].as_str().ok_or("no avatar")?;
    assert!(avatar.starts_with(&emu.base_url()));
    assert_eq!(client().get(avatar).send().await?.status(), 200);
    Ok(())
}

#[tokio::test]
async fn public_users_and_not_found() -> TestResult {
    let emu = start(EmulatorConfig::default()).await?;
    let api = emu.api_url();
    let resp = client().get(format!("{api}/users/HUBOT")).send().await?;
    assert_eq!(resp.status(), 200);
    let user: serde_json::Value = resp.json().await?;
    assert_eq!(user["login"], "hubot");
    assert!(user.get("plan").is_none(), "public users carry no private fields");

    for path in ["/users/nobody", "/repos/x/y", ""] {
        let resp = client().get(format!("{api}{path}")).send().await?;
        assert_eq!(resp.status(), 404, "{path}");
        assert_eq!(header(&resp, "x-ratelimit-limit"), "5000");
        let body: serde_json::Value = resp.json().await?;
        assert_eq!(body["message"], "Not Found");
        assert_eq!(body["documentation_url"], "https://docs.github.com/rest");
    }
    let resp = client().post(format!("{api}/user")).send().await?;
    assert_eq!(resp.status(), 404, "wrong method is a JSON 404 as on GitHub");

    // Outside the prefix is the web side: an HTML 404.
    let resp = client().get(format!("{}/user", emu.base_url())).send().await?;
    assert_eq!(resp.status(), 404);
    assert!(header(&resp, "content-type").starts_with("text/html"));
    Ok(())
}

#[tokio::test]
async fn orgs_paginate_with_link_header() -> TestResult {
    let mut mona = User::new(1, "mona");
    mona.orgs = (1..=5).map(|i| format!("org{i}")).collect();
    let emu = start(EmulatorConfig { users: vec![mona], ..Default::default() }).await?;
    let api = emu.api_url();
    let token = emu.mint_access_token("mona", "read:org").ok_or("no user")?;

    let resp = client().get(format!("{api}/user/orgs?per_page=2")).bearer_auth(&token).send().await?;
    let link = header(&resp, "link");
    assert_eq!(
        link,
        format!("<{api}/user/orgs?per_page=2&page=2>; rel=\"next\", <{api}/user/orgs?per_page=2&page=3>; rel=\"last\"")
    );
    let orgs: Vec<serde_json::Value> = resp.json().await?;
    assert_eq!(orgs.len(), 2);
    assert_eq!(orgs[0]["login"], "org1");
    assert_eq!(orgs[0]["url"], format!("{api}/orgs/org1"));
    assert!(orgs[0]["id"].is_u64() && orgs[0].get("description").is_some());

    let resp = client().get(format!("{api}/user/orgs?per_page=2&page=3")).bearer_auth(&token).send().await?;
    let link = header(&resp, "link");
    assert!(link.contains("rel=\"prev\"") && link.contains("rel=\"first\"") && !link.contains("rel=\"next\""));
    let orgs: Vec<serde_json::Value> = resp.json().await?;
    assert_eq!(orgs.len(), 1);

    let resp = client().get(format!("{api}/user/orgs")).bearer_auth(&token).send().await?;
    assert!(resp.headers().get("link").is_none());
    assert_eq!(resp.json::<Vec<serde_json::Value>>().await?.len(), 5);

    let resp = client().get(format!("{api}/user/orgs")).send().await?;
    assert_eq!(resp.status(), 401);
    Ok(())
}

#[tokio::test]
async fn faults_apply_to_matching_paths_a_set_number_of_times() -> TestResult {
    let emu = start(EmulatorConfig::default()).await?;
    let api = emu.api_url();
    let token = emu.mint_access_token("octocat", "").ok_or("no user")?;
    emu.inject_fault(Fault::new("/user/orgs", 502).times(2).header("retry-after", "1"));
    emu.inject_fault(Fault::new("/users/", 403).body("{\"message\":\"nope\"}").header("x-ratelimit-remaining", "0"));

    let get = |path: &str| client().get(format!("{api}{path}")).bearer_auth(&token).send();
    for _ in 0..2 {
        let resp = get("/user/orgs").await?;
        assert_eq!(resp.status(), 502);
        assert_eq!(header(&resp, "retry-after"), "1");
        let body: serde_json::Value = resp.json().await?;
        assert_eq!(body["message"], "Bad Gateway");
        assert!(body["documentation_url"].is_string());
    }
    assert_eq!(get("/user/orgs").await?.status(), 200);
    assert_eq!(get("/user").await?.status(), 200);

    let resp = get("/users/octocat").await?;
    assert_eq!(resp.status(), 403);
    assert_eq!(header(&resp, "x-ratelimit-remaining"), "0");
    assert_eq!(resp.text().await?, "{\"message\":\"nope\"}");
    assert_eq!(get("/users/octocat").await?.status(), 200);

    emu.inject_fault(Fault::new("", 500).times(10));
    assert_eq!(get("/anything").await?.status(), 500);
    emu.clear_faults();
    assert_eq!(get("/user").await?.status(), 200);
    let statuses: Vec<u16> = emu.api_requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [502, 502, 200, 200, 403, 200, 500, 200]);
    Ok(())
}

#[tokio::test]
async fn latency_is_added_to_api_responses() -> TestResult {
    let emu = start(EmulatorConfig { latency: Duration::from_millis(150), ..Default::default() }).await?;
    let started = Instant::now();
    client().get(format!("{}/users/octocat", emu.api_url())).send().await?;
    assert!(started.elapsed() >= Duration::from_millis(150));
    emu.set_latency(Duration::ZERO);
    let started = Instant::now();
    client().get(format!("{}/users/octocat", emu.api_url())).send().await?;
    assert!(started.elapsed() < Duration::from_millis(150));
    Ok(())
}

#[tokio::test]
async fn api_at_the_root_like_api_github_com() -> TestResult {
    let emu = start(EmulatorConfig { api_prefix: String::new(), ..Default::default() }).await?;
    assert_eq!(emu.api_url(), emu.base_url());
    let token = emu.mint_access_token("octocat", "").ok_or("no user")?;
    let resp = client().get(format!("{}/user", emu.api_url())).bearer_auth(&token).send().await?;
    assert_eq!(resp.status(), 200);
    let user: serde_json::Value = resp.json().await?;
    assert_eq!(user["url"], format!("{}/users/octocat", emu.base_url()));
    let resp = client().get(format!("{}/nope", emu.api_url())).send().await?;
    assert_eq!(resp.status(), 404);
    assert!(header(&resp, "content-type").starts_with("application/json"));

    let custom = start(EmulatorConfig { api_prefix: "ghe/api/".into(), ..Default::default() }).await?;
    assert_eq!(custom.api_url(), format!("{}/ghe/api", custom.base_url()));
    let resp = client().get(format!("{}/users/octocat", custom.api_url())).send().await?;
    assert_eq!(resp.status(), 200);
    assert_eq!(custom.api_requests()[0].path, "/users/octocat");
    Ok(())
}

#[tokio::test]
async fn refuses_non_loopback_and_bad_prefix() -> TestResult {
    let err = start_on("0.0.0.0:0".parse()?, EmulatorConfig::default()).await.err().ok_or("bound")?;
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let bad = EmulatorConfig { api_prefix: "/api/{x}".into(), ..Default::default() };
    assert!(start(bad).await.is_err());
    let v6 = start_on("[::1]:0".parse()?, EmulatorConfig::default()).await;
    if let Ok(v6) = v6 {
        assert!(v6.base_url().starts_with("http://[::1]:"));
    }
    Ok(())
}

#[tokio::test]
async fn shutdown_stops_serving() -> TestResult {
    let emu = start(EmulatorConfig::default()).await?;
    let url = format!("{}/users/octocat", emu.api_url());
    assert_eq!(client().get(&url).send().await?.status(), 200);
    emu.shutdown().await;
    assert!(reqwest::Client::new().get(&url).send().await.is_err());
    Ok(())
}
