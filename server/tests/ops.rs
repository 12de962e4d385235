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
