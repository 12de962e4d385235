//! The `mcp-github-gateway` binary: with no subcommand it serves.

use std::process::ExitCode;

use mcp_github_gateway::{AppState, Config, serve, shutdown_signal};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: mcp-github-gateway [serve]

Serves the OAuth authorization server and the MCP endpoint (PUBLIC_URL/mcp).
Configuration comes from the environment and ./.env; see .env.example.";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => {}
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some("-V" | "--version") => {
            println!("mcp-github-gateway {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("unknown command `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    if config.log_json {
        tracing_subscriber::fmt().json().with_current_span(true).with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let bind = config.bind_addr;
    let mcp_url = config.mcp_url();
    let state = match AppState::new(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("start-up error: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("BIND_ADDR: cannot listen on {bind}: {e}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(%bind, mcp = %mcp_url, "mcp-github-gateway listening");
    match serve(listener, state, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}
