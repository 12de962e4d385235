//! Several gateway instances on one Redis behave as one server (issue #4): any instance serves any
//! user, revocation is seen everywhere at once, single-use and rotation hold across instances, and a
//! Redis outage is a 503 that heals without a restart.

mod common;

use std::{
    process::{Child, Command},
    time::{Duration, Instant},
};

use common::{Harness, redis_url};
use github_emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::json;

async fn on_redis(url: &str) -> (Harness, Harness) {
    let storage = |c: &mut mcp_github_gateway::config::RawConfig| c.storage_url = Some(url.to_owned());
    let a = Harness::start_with(EmulatorConfig::default(), storage).await;
    let b = a.twin(storage).await;
    (a, b)
}

#[tokio::test]
async fn two_instances_on_one_redis_behave_as_one_server() {
    let Some(url) = redis_url() else { return };
    let (a, b) = on_redis(&url).await;
    let t = a.login().await;
    // An MCP session created on A is served by B (restored from Redis), for the same user.
    let session = a.mcp_session(&t.access).await;
    let me = b.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body.unwrap()["result"]["structuredContent"]["login"], "octocat");
    // A refresh on B; the new token works on A.
    let (status, refreshed) =
        b.token(&[("grant_type", "refresh_token"), ("refresh_token", &t.refresh), ("client_id", &t.client_id)]).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let access2 = refreshed["access_token"].as_str().unwrap();
    assert_eq!(a.call_tool(access2, &session, "get_me", json!({})).await.status, StatusCode::OK);
    // Another user's token cannot take over the session on either instance.
    a.emulator.set_login_user("hubot");
    let hubot = a.login().await;
    assert_eq!(b.call_tool(&hubot.access, &session, "get_me", json!({})).await.status, StatusCode::NOT_FOUND);
    // DELETE on B ends the session everywhere.
    let doomed = a.mcp_session(access2).await;
    assert_eq!(b.call_tool(access2, &doomed, "get_me", json!({})).await.status, StatusCode::OK);
    let del = b.http.delete(b.mcp_url()).bearer_auth(access2).header("mcp-session-id", &doomed).send().await.unwrap();
    assert_eq!(del.status(), StatusCode::OK);
    assert_eq!(a.call_tool(access2, &doomed, "get_me", json!({})).await.status, StatusCode::NOT_FOUND);
    // Revoking on B is refused on A at once.
    let revoked = b
        .http
        .post(b.url("/revoke"))
        .form(&[("token", refreshed["refresh_token"].as_str().unwrap()), ("client_id", t.client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(a.call_tool(access2, &session, "get_me", json!({})).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn single_use_and_rotation_hold_across_instances() {
    let Some(url) = redis_url() else { return };
    let (a, b) = on_redis(&url).await;
    let client_id = a.register_public().await;
    let pkce = common::Pkce::new();
    let back = a.authorize(&common::Browser::new(), &client_id, &pkce, &[]).await;
    let code = common::query_param(&back, "code").unwrap();
    let form = vec![
        ("grant_type".to_owned(), "authorization_code".to_owned()),
        ("code".to_owned(), code),
        ("redirect_uri".to_owned(), common::REDIRECT.to_owned()),
        ("code_verifier".to_owned(), pkce.verifier.clone()),
        ("client_id".to_owned(), client_id.clone()),
    ];
    let mut tasks = Vec::new();
    for i in 0..16 {
        let url = if i % 2 == 0 { a.url("/token") } else { b.url("/token") };
        let (http, form) = (a.http.clone(), form.clone());
        tasks.push(tokio::spawn(async move { http.post(url).form(&form).send().await.unwrap() }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        let resp = t.await.unwrap();
        if resp.status() == StatusCode::OK {
            winners.push(resp.json::<serde_json::Value>().await.unwrap());
        }
    }
    assert_eq!(winners.len(), 1, "exactly one redemption wins across both instances");
    // The other presentations were replays, so what the code issued is revoked (RFC 6749 §10.5).
    let (status, _) = b
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", winners[0]["refresh_token"].as_str().unwrap()),
            ("client_id", &client_id),
        ])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Parallel refreshes of one token on both instances all get the same successor.
    let t = a.login_with(&client_id).await;
    let rt = t.refresh.clone();
    let refresh =
        |base: String| common::refresh_at(a.http.clone(), format!("{base}/token"), rt.clone(), client_id.clone());
    let results = futures::future::join_all(
        (0..8).map(|i| refresh(if i % 2 == 0 { a.gw.base.clone() } else { b.gw.base.clone() })),
    )
    .await;
    assert!(results.iter().all(|(s, _)| *s == StatusCode::OK), "{results:?}");
    let first = &results[0].1["refresh_token"];
    assert!(results.iter().all(|(_, body)| &body["refresh_token"] == first), "one successor: {results:?}");
}

/// A Redis server of this test's own, so it can be stopped and started again.
struct OwnRedis {
    port: u16,
    dir: std::path::PathBuf,
    child: Option<Child>,
}

impl OwnRedis {
    fn start(port: u16, dir: std::path::PathBuf) -> Self {
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (apt-get install redis-server)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        OwnRedis { port, dir, child: Some(child) }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn a_redis_outage_is_a_503_and_heals_without_a_restart() {
    // Only where the shared Redis tests run (CI, or REDIS_URL set): this one starts its own server.
    if redis_url().is_none() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("mgw-redis-outage-{}", std::process::id()));
    let mut redis = OwnRedis::start(port, dir.clone());
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let h = Harness::start_with(EmulatorConfig::default(), |c| c.storage_url = Some(url.clone())).await;
    let t = h.login().await;
    let session = h.mcp_session(&t.access).await;

    redis.stop();
    let started = Instant::now();
    let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.body.unwrap()["error"], "temporarily_unavailable");
    let (status, body) =
        h.token(&[("grant_type", "refresh_token"), ("refresh_token", &t.refresh), ("client_id", &t.client_id)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("temporarily_unavailable")));
    assert!(started.elapsed() < Duration::from_secs(15), "failures are quick, not hangs");
    assert_eq!(h.http.get(h.url("/readyz")).send().await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(h.http.get(h.url("/healthz")).send().await.unwrap().status(), StatusCode::OK, "alive, just not ready");

    let _redis = OwnRedis::start(port, dir);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = h.call_tool(&t.access, &session, "get_me", json!({})).await;
        if r.status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "still failing after Redis came back: {} {}", r.status, r.text);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (status, _) =
        h.token(&[("grant_type", "refresh_token"), ("refresh_token", &t.refresh), ("client_id", &t.client_id)]).await;
    assert_eq!(status, StatusCode::OK, "data written before the outage is still there (AOF)");
    assert_eq!(h.http.get(h.url("/readyz")).send().await.unwrap().status(), StatusCode::OK);
}

/// Regression: two instances refreshing the same expiring GitHub token at once. GitHub accepts the
/// single-use refresh token once; the other instance's refusal revoked the grant and signed the user
/// out. Now it finds the token the winner stored.
#[tokio::test]
async fn concurrent_github_refreshes_on_two_instances_keep_the_user_signed_in() {
    let Some(url) = redis_url() else { return };
    let storage = |c: &mut mcp_github_gateway::config::RawConfig| {
        c.storage_url = Some(url.clone());
        c.access_token_ttl_secs = Some("86400".into());
        c.session_idle_secs = Some("86400".into());
    };
    let a = Harness::start_with(EmulatorConfig { expiring_tokens: true, ..Default::default() }, storage).await;
    let b = a.twin(storage).await;
    let t = a.login().await;
    let session = a.mcp_session(&t.access).await;
    a.clock.advance(8 * 3600);
    a.emulator.set_token_latency(Duration::from_millis(300));
    let (ra, rb) = tokio::join!(
        a.call_tool(&t.access, &session, "get_me", json!({})),
        b.call_tool(&t.access, &session, "get_me", json!({}))
    );
    assert_eq!((ra.status, rb.status), (StatusCode::OK, StatusCode::OK), "{} / {}", ra.text, rb.text);
    a.emulator.set_token_latency(Duration::ZERO);
    let again = b.call_tool(&t.access, &session, "get_me", json!({})).await;
    assert_eq!(again.body.unwrap()["result"]["isError"], false, "still signed in");
}

/// GitHub answers 401 on both instances at once for a token their clocks still think valid: one
/// refresh reaches GitHub (the other instance waits on the refresh lease and uses its result), and
/// every call on both succeeds.
#[tokio::test]
async fn a_github_401_on_two_instances_at_once_is_one_refresh() {
    let Some(url) = redis_url() else { return };
    let storage = |c: &mut mcp_github_gateway::config::RawConfig| c.storage_url = Some(url.clone());
    let a = Harness::start_with(EmulatorConfig { expiring_tokens: true, ..Default::default() }, storage).await;
    let b = a.twin(storage).await;
    let t = a.login().await;
    let session = a.mcp_session(&t.access).await;
    a.emulator.expire_all_access_tokens();
    a.emulator.set_token_latency(Duration::from_millis(300));
    let calls = (0..8).map(|i| {
        let (h, token, session) = (if i % 2 == 0 { &a } else { &b }, t.access.clone(), session.clone());
        async move { h.call_tool(&token, &session, "get_me", json!({})).await }
    });
    for r in futures::future::join_all(calls).await {
        assert_eq!(r.body.unwrap_or_default()["result"]["isError"], false, "{}", r.text);
    }
    let refreshes = a.emulator.token_requests().into_iter().filter(|r| r.grant_type == "refresh_token").count();
    assert_eq!(refreshes, 1);
}

/// Regressions: a session ended on another instance stayed open (and counted) on the one that held
/// it; a session restored from storage did not count against the caps.
#[tokio::test]
async fn sessions_ended_elsewhere_close_here_and_restored_ones_count() {
    let Some(url) = redis_url() else { return };
    let storage = |c: &mut mcp_github_gateway::config::RawConfig| {
        c.storage_url = Some(url.clone());
        c.max_sessions_per_user = Some("1".into());
    };
    let a = Harness::start_with(EmulatorConfig::default(), storage).await;
    let b = a.twin(storage).await;
    let t = a.login().await;
    let on_a = a.mcp_session(&t.access).await;
    // Restored on B, it takes the user's only place there.
    assert_eq!(b.call_tool(&t.access, &on_a, "get_me", json!({})).await.status, StatusCode::OK);
    let refused = b
        .mcp(
            Some(&t.access),
            None,
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": common::PROTOCOL, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.text);
    // Ended on B, it is closed on A at A's next sight of it, which frees A's place.
    let del = b.http.delete(b.mcp_url()).bearer_auth(&t.access).header("mcp-session-id", &on_a).send().await.unwrap();
    assert_eq!(del.status(), StatusCode::OK);
    assert_eq!(a.call_tool(&t.access, &on_a, "get_me", json!({})).await.status, StatusCode::NOT_FOUND);
    a.mcp_session(&t.access).await;
}

/// A's bearer check verified the tokens a moment ago (it keeps their principals); B revokes them.
/// A refuses each on its very next request, and a token B issues meanwhile works on A at once.
async fn revoked_on_b_is_refused_on_a_at_once(a: &Harness, b: &Harness) {
    let t = a.login().await;
    let session = a.mcp_session(&t.access).await;
    for _ in 0..2 {
        assert_eq!(a.call_tool(&t.access, &session, "get_me", json!({})).await.status, StatusCode::OK);
    }
    let revoke = |token: String| {
        let form = [("token", token), ("client_id", t.client_id.clone())];
        async move { b.http.post(b.url("/revoke")).form(&form).send().await.unwrap().status() }
    };
    // The access token alone.
    assert_eq!(revoke(t.access.clone()).await, StatusCode::OK);
    assert_eq!(a.call_tool(&t.access, &session, "get_me", json!({})).await.status, StatusCode::UNAUTHORIZED);
    // A new one from the same grant, refreshed on B while A holds the grant verified, works on A.
    let (status, refreshed) =
        b.token(&[("grant_type", "refresh_token"), ("refresh_token", &t.refresh), ("client_id", &t.client_id)]).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let access = refreshed["access_token"].as_str().unwrap().to_owned();
    let session = a.mcp_session(&access).await;
    for _ in 0..2 {
        assert_eq!(a.call_tool(&access, &session, "get_me", json!({})).await.status, StatusCode::OK);
    }
    // The whole grant, through its refresh token.
    assert_eq!(revoke(refreshed["refresh_token"].as_str().unwrap().to_owned()).await, StatusCode::OK);
    assert_eq!(a.call_tool(&access, &session, "get_me", json!({})).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_verified_a_moment_ago_is_refused_at_once_once_revoked_on_memory() {
    let a = Harness::start().await;
    revoked_on_b_is_refused_on_a_at_once(&a, &a).await;
}

#[tokio::test]
async fn a_token_verified_a_moment_ago_is_refused_at_once_once_revoked_on_another_instance_on_sqlite() {
    let dir = common::temp_dir("verified-sqlite");
    let url = format!("sqlite://{}", dir.join("gateway.db").display());
    let storage = |c: &mut mcp_github_gateway::config::RawConfig| c.storage_url = Some(url.clone());
    let a = Harness::start_with(EmulatorConfig::default(), storage).await;
    let b = a.twin(storage).await;
    revoked_on_b_is_refused_on_a_at_once(&a, &b).await;
}

#[tokio::test]
async fn a_token_verified_a_moment_ago_is_refused_at_once_once_revoked_on_another_instance_on_redis() {
    let Some(url) = redis_url() else { return };
    let (a, b) = on_redis(&url).await;
    revoked_on_b_is_refused_on_a_at_once(&a, &b).await;
}
