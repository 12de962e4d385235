//! The GitHub tools against the emulator: each tool's projected happy path and its main error path.

mod common;

use common::Harness;
use github_emulator::Fault;
use serde_json::{Value, json};

/// A signed-in user with an MCP session.
struct Session {
    h: Harness,
    token: String,
    session: String,
}

impl Session {
    async fn start() -> Self {
        Self::with(|_| {}).await
    }

    async fn with(tweak: impl FnOnce(&mut mcp_github_gateway::config::RawConfig)) -> Self {
        let h = Harness::start_with(github_emulator::EmulatorConfig::default(), |c| {
            c.toolsets = Some("all".into());
            tweak(c);
        })
        .await;
        let t = h.login().await;
        let session = h.mcp_session(&t.access).await;
        Session { h, token: t.access, session }
    }

    /// Calls a tool; returns (isError, structuredContent or the text content).
    async fn call(&self, name: &str, args: Value) -> (bool, Value) {
        let r = self.h.call_tool(&self.token, &self.session, name, args).await;
        let body = r.body.unwrap_or_else(|| panic!("no JSON-RPC reply ({}): {}", r.status, r.text));
        let result = body.get("result").unwrap_or_else(|| panic!("JSON-RPC error: {body}"));
        let is_error = result["isError"].as_bool().unwrap_or(false);
        let content = match result.get("structuredContent") {
            Some(v) => v.clone(),
            None => json!(result["content"][0]["text"]),
        };
        (is_error, content)
    }
}

#[tokio::test]
async fn list_my_orgs_pages_and_reports_outages() {
    let s = Session::start().await;
    let (err, out) = s.call("list_my_orgs", json!({})).await;
    assert!(!err, "{out}");
    assert_eq!(
        out["organizations"],
        json!([{"login": "github", "id": 9919, "description": "How people build software."}])
    );
    assert_eq!(out["page"]["has_next_page"], false);
    s.h.emulator.inject_fault(Fault::new("/user/orgs", 503).times(3));
    let (err, out) = s.call("list_my_orgs", json!({"per_page": 5})).await;
    assert!(err);
    assert!(out.as_str().unwrap().contains("503"), "{out}");
}
