//! What operators and first-time visitors meet: the landing page, health and readiness, request ids.

mod common;

use common::Harness;
use reqwest::StatusCode;

#[tokio::test]
async fn the_landing_page_says_how_to_connect() {
    let h = Harness::start().await;
    let resp = h.http.get(h.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
    let html = resp.text().await.unwrap().replace("&#x2f;", "/");
    assert!(html.contains(&h.mcp_url()), "the MCP URL is shown");
    assert!(html.contains("claude mcp add --transport http github"));
    assert!(html.contains("127.0.0.1"), "the GitHub host it federates to");
}

#[tokio::test]
async fn health_and_readiness() {
    let h = Harness::start().await;
    let health = h.http.get(h.url("/healthz")).send().await.unwrap();
    assert_eq!((health.status(), health.text().await.unwrap().as_str()), (StatusCode::OK, "ok"));
    let ready = h.http.get(h.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["status"], "ready");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_a_given_one() {
    let h = Harness::start().await;
    let resp = h.http.get(h.url("/healthz")).send().await.unwrap();
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let resp = h
        .http
        .get(h.url("/.well-known/oauth-authorization-server"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "trace-me-123");
}

/// The value of the sample `series` (name and labels exactly as exposed) in an OpenMetrics text.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_count_the_flow_tools_github_and_failures() {
    let h = Harness::start().await;
    let tokens = h.login().await;
    let session = h.mcp_session(&tokens.access).await;
    let me = h.call_tool(&tokens.access, &session, "get_me", serde_json::json!({})).await;
    assert_eq!(me.status, StatusCode::OK);
    let missing = h
        .call_tool(&tokens.access, &session, "get_issue", common::hello_world(serde_json::json!({"issue_number": 999})))
        .await;
    assert_eq!(missing.body.unwrap()["result"]["isError"], true);
    let (status, _) = h
        .token(&[("grant_type", "refresh_token"), ("refresh_token", "mgw_rt_nope"), ("client_id", &tokens.client_id)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = h
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &tokens.refresh), ("client_id", &tokens.client_id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h.mcp(Some("mgw_at_forged"), None, serde_json::json!({})).await.status, StatusCode::UNAUTHORIZED);
    h.http.get(h.url("/no-such-page")).send().await.unwrap();

    let resp = h.http.get(h.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = resp.text().await.unwrap();
    let expect = |series: &str, at_least: f64| {
        let v = sample(&text, series).unwrap_or_else(|| panic!("no `{series}` in\n{text}"));
        assert!(v >= at_least, "{series} = {v}, expected at least {at_least}");
    };
    expect("mcp_gateway_client_registrations_total", 1.0);
    expect("mcp_gateway_consents_total{outcome=\"approved\"}", 1.0);
    expect("mcp_gateway_logins_total{outcome=\"ok\"}", 1.0);
    expect("mcp_gateway_tokens_total{outcome=\"issued\"}", 1.0);
    expect("mcp_gateway_tokens_total{outcome=\"refreshed\"}", 1.0);
    expect("mcp_gateway_failures_total{route=\"/token\",reason=\"invalid_grant\"}", 1.0);
    expect("mcp_gateway_failures_total{route=\"/mcp\",reason=\"invalid_token\"}", 1.0);
    expect("mcp_gateway_http_requests_total{route=\"/token\",method=\"POST\",status=\"200\"}", 2.0);
    expect("mcp_gateway_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}", 1.0);
    expect("mcp_gateway_tool_calls_total{tool=\"get_me\",outcome=\"ok\"}", 1.0);
    expect("mcp_gateway_tool_calls_total{tool=\"get_issue\",outcome=\"error\"}", 1.0);
    expect("mcp_gateway_tool_call_duration_seconds_count{tool=\"get_me\"}", 1.0);
    // The sign-in's GET /user is a full read; get_me's, of the same unchanged user, a conditional 304.
    expect("mcp_gateway_github_requests_total{status=\"200\"}", 1.0);
    expect("mcp_gateway_github_requests_total{status=\"304\"}", 1.0);
    expect("mcp_gateway_github_requests_total{status=\"404\"}", 1.0);
    expect("mcp_gateway_github_request_duration_seconds_count", 3.0);
    expect("mcp_gateway_mcp_sessions", 1.0);
    assert!(!text.contains("no-such-page"), "unmatched paths never become labels");
    for secret in [&tokens.access, &tokens.refresh] {
        assert!(!text.contains(secret.as_str()));
    }
}

#[tokio::test]
async fn metrics_token_protects_the_metrics() {
    let h = Harness::start_with(Default::default(), |raw| raw.metrics_token = Some("scrape-secret".into())).await;
    let anonymous = h.http.get(h.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(!anonymous.text().await.unwrap().contains("mcp_gateway_"));
    let wrong = h.http.get(h.url("/metrics")).bearer_auth("scrape-secreT").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = h.http.get(h.url("/metrics")).bearer_auth("scrape-secret").send().await.unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert!(right.text().await.unwrap().contains("mcp_gateway_http_requests_total"));
}

#[tokio::test]
async fn unknown_paths_are_404_not_an_auth_challenge() {
    let h = Harness::start().await;
    let resp = h.http.get(h.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(resp.headers().get("www-authenticate").is_none(), "only /mcp asks for a token");
}
