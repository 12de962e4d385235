//! What a benchmark runs against: the GitHub emulator and the gateway (in this process, on their own
//! runtime, on loopback), configured for one storage backend with the product limits raised out of
//! the way, and the "ceiling": a bare axum handler returning fixed bytes.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use axum::{Router, http::header, response::IntoResponse, routing::post};
use bytes::Bytes;
use github_emulator::{Emulator, EmulatorConfig, User};
use mcp_github_gateway::{AppState, Config, config::RawConfig};

/// Users the emulator knows, so that many sessions spread under the per-user cap.
pub const USERS: usize = 12;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    Memory,
    Sqlite,
    Redis(String),
}

impl Storage {
    pub fn name(&self) -> &'static str {
        match self {
            Storage::Memory => "memory",
            Storage::Sqlite => "sqlite",
            Storage::Redis(_) => "redis",
        }
    }
}

pub struct Stack {
    pub emulator: Emulator,
    pub base: String,
    pub addr: SocketAddr,
    _dir: Option<TempDir>,
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn login_of(i: usize) -> String {
    if i == 0 { "octocat".into() } else { format!("bench-user-{i}") }
}

/// Starts the emulator (with `github_latency` on every API response) and a gateway on `storage`.
/// Must run inside the server runtime: the servers' tasks stay on it.
pub async fn start(storage: &Storage, github_latency: Duration, session_memory: Duration) -> Result<Stack, String> {
    let mut config = EmulatorConfig { latency: github_latency, check_responses: false, ..Default::default() };
    for i in 1..USERS {
        config.users.push(User::new(1_000_000 + i as u64, login_of(i)));
    }
    let emulator = github_emulator::start(config).await.map_err(|e| format!("emulator: {e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let base = format!("http://{addr}");
    let (storage_url, dir) = match storage {
        Storage::Memory => ("memory://".to_owned(), None),
        Storage::Sqlite => {
            let dir = std::env::temp_dir().join(format!("gateway-bench-{}-{}", std::process::id(), addr.port()));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            (format!("sqlite://{}", dir.join("gateway.db").display()), Some(TempDir(dir)))
        }
        Storage::Redis(url) => (url.clone(), None),
    };
    let raw = RawConfig {
        public_url: Some(base.clone()),
        github_client_id: Some(emulator.client_id()),
        github_client_secret: Some(emulator.client_secret()),
        github_base_url: Some(emulator.base_url()),
        github_api_url: Some(emulator.api_url()),
        storage_url: Some(storage_url),
        toolsets: Some("all".into()),
        // Product limits, raised so that they do not shape the measurement.
        rate_limit_per_minute: Some("100000".into()),
        max_sessions: Some("1000000".into()),
        max_sessions_per_user: Some("10000".into()),
        max_clients: Some("10000000".into()),
        // Every load connection comes from 127.0.0.1.
        max_connections: Some("100000".into()),
        max_connections_per_ip: Some("0".into()),
        session_memory_secs: Some(session_memory.as_secs().max(1).to_string()),
        ..Default::default()
    };
    let config = Config::from_raw(raw).map_err(|e| e.to_string())?;
    let state = AppState::new(config).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = mcp_github_gateway::serve(listener, state, std::future::pending()).await;
    });
    Ok(Stack { emulator, base, addr, _dir: dir })
}

/// A bare axum server answering `POST /mcp` with `body` as `content_type`: the most any HTTP
/// service on this machine and stack can do for the same bytes.
pub async fn ceiling(body: Bytes, content_type: String, token: String) -> Result<SocketAddr, String> {
    // The least an authorized reply can do: find the bearer token in a map, then write the bytes.
    let tokens: Arc<std::collections::HashSet<String>> = Arc::new([format!("Bearer {token}")].into_iter().collect());
    let app = Router::new().route(
        "/mcp",
        post(move |headers: axum::http::HeaderMap| {
            let (body, ct, tokens) = (body.clone(), content_type.clone(), tokens.clone());
            async move {
                let known = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| tokens.contains(v));
                if !known {
                    return axum::http::StatusCode::UNAUTHORIZED.into_response();
                }
                ([(header::CONTENT_TYPE, ct)], body).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}
