//! The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in `clients/node`,
//! run with Node 22 from the `node` package) against the gateway's MCP endpoint.
//!
//! The suite's server runner cannot send a bearer token, so the test puts a tiny forwarding proxy in
//! front of `/mcp` that adds the token of a real login and passes everything else through unchanged
//! (Host and Origin included, so the DNS-rebinding scenario still reaches the gateway's own check).
//! Scenarios that need features this server does not have are listed, with reasons, in
//! `clients/node/conformance-expected-failures.yaml`; a new failure fails the test, and so does a listed
//! one that starts passing.

mod common;

use std::time::Duration;

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    response::Response,
};
use common::{Harness, clients_dir};

#[derive(Clone)]
struct Upstream {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// Forwards a request to the gateway with the bearer token added; streams the answer back.
async fn forward(State(up): State<Upstream>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, 8 * 1024 * 1024).await.unwrap_or_default();
    let url = format!("{}{}", up.base, parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let mut out = up.http.request(parts.method, url).body(bytes).bearer_auth(&up.token);
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "authorization" | "content-length" | "connection" | "transfer-encoding") {
            out = out.header(name, value);
        }
    }
    match out.send().await {
        Ok(resp) => {
            let mut builder = Response::builder().status(resp.status());
            for (name, value) in resp.headers() {
                if !matches!(name.as_str(), "content-length" | "transfer-encoding" | "connection") {
                    builder = builder.header(name, value);
                }
            }
            builder.body(Body::from_stream(resp.bytes_stream())).unwrap_or_default()
        }
        Err(e) => Response::builder().status(502).body(Body::from(e.to_string())).unwrap_or_default(),
    }
}

/// Runs the suite's server scenarios (`selection`: its own flags) against a logged-in gateway, with
/// `expected` as the baseline.
async fn run_suite(selection: &[&str], expected: &str) {
    // Per-check results land here, for reading a failure.
    let results = std::env::temp_dir().join(format!("conformance-{}", expected.trim_end_matches(".yaml")));
    let node = clients_dir().join("node/node_modules/node/bin/node");
    let suite = clients_dir().join("node/node_modules/@modelcontextprotocol/conformance/dist/index.js");
    if !node.exists() || !suite.exists() {
        assert!(std::env::var_os("CI").is_none(), "the conformance suite is not installed (npm ci in clients/node)");
        eprintln!("skipped: the conformance suite is not installed (npm ci in clients/node)");
        return;
    }
    let h = Harness::start().await;
    let t = h.login().await;
    let upstream = Upstream {
        base: h.gw.base.clone(),
        token: t.access.clone(),
        http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://localhost:{}/mcp", listener.local_addr().unwrap().port());
    let app = axum::Router::new().fallback(forward).with_state(upstream);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let out = tokio::time::timeout(
        Duration::from_secs(240),
        tokio::process::Command::new(&node)
            .arg(&suite)
            .args(["server", "--url", &proxy])
            .args(selection)
            .arg("-o")
            .arg(&results)
            .arg("--expected-failures")
            .arg(clients_dir().join("node").join(expected))
            .current_dir(clients_dir().join("node"))
            .output(),
    )
    .await
    .expect("the conformance suite finished in time")
    .expect("node ran");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "conformance failed (per-check results in {}):\n{stdout}\n{stderr}",
        results.display()
    );
}

/// The session-keyed revisions (the suite's active set, on the 2025-11-25 wire).
#[tokio::test]
async fn the_official_conformance_suite_passes_with_the_recorded_exceptions() {
    run_suite(&["--suite", "active"], "conformance-expected-failures.yaml").await;
}

/// Exactly what 2026-07-28 requires, frozen at its release, on the stateless wire.
#[tokio::test]
async fn the_official_conformance_suite_at_2026_07_28_passes_with_the_recorded_exceptions() {
    run_suite(&["--requirements", "2026-07-28"], "conformance-expected-failures-2026-07-28.yaml").await;
}
