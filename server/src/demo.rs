//! `mcp-github-gateway demo`: the gateway and the in-repo GitHub emulator in one process, on loopback
//! only, with in-memory storage. Every sign-in is approved as the emulator's `octocat`, every tool
//! works on the emulator's seeded repositories, and nothing reaches github.com. Pages and the start-up
//! banner say it is a demo.

use std::net::SocketAddr;

use github_emulator::{Emulator, EmulatorConfig};

use crate::config::{Config, ConfigError, RawConfig};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("refusing to serve the demo on {0}: it binds loopback addresses only (e.g. --bind 127.0.0.1:8080)")]
    NotLoopback(SocketAddr),
    #[error("--bind needs a fixed port: the MCP URL is built from it")]
    NoPort,
    #[error("the GitHub emulator could not start: {0}")]
    Emulator(std::io::Error),
    #[error("{0}")]
    Config(#[from] ConfigError),
}

/// A running emulator and the gateway configuration that points at it.
pub struct Demo {
    pub config: Config,
    emulator: Emulator,
}

/// Browser origins of the MCP Inspector, which may call `/mcp` directly from the page.
const INSPECTOR_ORIGINS: &str = "http://localhost:6274,http://127.0.0.1:6274";

/// Starts the emulator on a free loopback port and builds the configuration for a gateway on `bind`.
pub async fn start(bind: SocketAddr) -> Result<Demo, DemoError> {
    if !bind.ip().is_loopback() {
        return Err(DemoError::NotLoopback(bind));
    }
    if bind.port() == 0 {
        return Err(DemoError::NoPort);
    }
    let emulator = github_emulator::start_on(SocketAddr::new(bind.ip(), 0), EmulatorConfig::default())
        .await
        .map_err(DemoError::Emulator)?;
    let raw = RawConfig {
        public_url: Some(format!("http://{bind}")),
        bind_addr: Some(bind.to_string()),
        github_client_id: Some(emulator.client_id()),
        github_client_secret: Some(emulator.client_secret()),
        github_base_url: Some(emulator.base_url()),
        github_api_url: Some(emulator.api_url()),
        toolsets: Some("all".into()),
        storage_url: Some("memory://".into()),
        allowed_origins: Some(INSPECTOR_ORIGINS.into()),
        log_format: std::env::var("LOG_FORMAT").ok(),
        ..Default::default()
    };
    let mut config = Config::from_raw(raw)?;
    config.demo = true;
    Ok(Demo { config, emulator })
}

impl Demo {
    /// What the demo prints on start: that it is a demo, the MCP URL, and how to connect.
    pub fn banner(&self) -> String {
        let mcp = self.config.mcp_url();
        let site = self.config.issuer();
        format!(
            "\
=== mcp-github-gateway DEMO ===
Sign-in goes to a local GitHub emulator (it approves everyone as `octocat`); nothing reaches github.com.
State is kept in memory: stopping the demo signs everyone out.

  MCP URL      {mcp}
  Start page   {site}/
  Claude Code  claude mcp add --transport http github-demo {mcp}
  Inspector    npx @modelcontextprotocol/inspector  (Transport: Streamable HTTP, URL above)
  GitHub       {github} (emulator)

Press Ctrl-C to stop.",
            github = self.emulator.base_url(),
        )
    }

    pub async fn stop(&self) {
        self.emulator.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_loopback_with_a_port() {
        let public: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert!(matches!(start(public).await, Err(DemoError::NotLoopback(_))));
        let lan: SocketAddr = "192.168.1.5:8080".parse().unwrap();
        assert!(matches!(start(lan).await, Err(DemoError::NotLoopback(_))));
        let any_port: SocketAddr = "127.0.0.1:0".parse().unwrap();
        assert!(matches!(start(any_port).await, Err(DemoError::NoPort)));
    }

    #[tokio::test]
    async fn the_config_points_at_the_emulator_and_is_marked_demo() {
        let demo = start("127.0.0.1:18080".parse().unwrap()).await.unwrap();
        assert!(demo.config.demo);
        assert_eq!(demo.config.mcp_url(), "http://127.0.0.1:18080/mcp");
        assert!(demo.config.github_base_url.host_str() == Some("127.0.0.1"));
        assert!(matches!(demo.config.storage, crate::config::StorageUrl::Memory));
        assert!(demo.banner().contains("DEMO") && demo.banner().contains("http://127.0.0.1:18080/mcp"));
        demo.stop().await;
    }
}
