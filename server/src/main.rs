//! The `mcp-github-gateway` binary: with no subcommand it serves; `demo` serves against the in-repo
//! GitHub emulator; `clients …` and `grants …` are operator commands on the configured storage.

use std::{net::SocketAddr, process::ExitCode};

use clap::{Parser, Subcommand};
use mcp_github_gateway::{AppState, Config, admin, demo, serve, shutdown_signal};
use tracing_subscriber::EnvFilter;

/// jemalloc gives freed memory back to the system: a long-running server's RSS then follows what
/// it holds (sessions come and go) instead of keeping its peak, as glibc's malloc does.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings: a background thread hands freed pages back to the system after a second
/// (`dirty_decay_ms`), at once for pages already advised free (`muzzy_decay_ms:0`).
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &[u8; 60] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

/// OAuth 2.1 authorization server and MCP endpoint (PUBLIC_URL/mcp) that signs users in with GitHub.
///
/// Configuration comes from the environment and ./.env; see .env.example.
#[derive(Parser)]
#[command(name = "mcp-github-gateway", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve (the default).
    Serve,
    /// Try it without a GitHub app: the gateway plus a local GitHub emulator, on loopback only.
    Demo {
        /// Loopback address to serve on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
    },
    /// Registered OAuth clients.
    Clients {
        #[command(subcommand)]
        action: ClientsAction,
    },
    /// Sign-ins (grants): who uses which client.
    Grants {
        #[command(subcommand)]
        action: GrantsAction,
    },
}

#[derive(Subcommand)]
enum ClientsAction {
    /// List registered clients.
    List,
    /// Delete a client and revoke every grant it holds.
    Delete {
        /// The client id (see `clients list`). Ids are base64url and may start with `-`.
        #[arg(allow_hyphen_values = true)]
        client_id: String,
    },
}

#[derive(Subcommand)]
enum GrantsAction {
    /// List live grants, newest first.
    List {
        /// Only this GitHub login (or id:NUMBER).
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke one grant, or every grant of a user; their tokens stop working at once.
    Revoke {
        /// The grant id (see `grants list`). Ids are base64url and may start with `-`.
        #[arg(required_unless_present = "user", conflicts_with = "user", allow_hyphen_values = true)]
        grant_id: Option<String>,
        /// Revoke all grants of this GitHub login (or id:NUMBER).
        #[arg(long)]
        user: Option<String>,
    },
}

/// rmcp logs every client's whole `initialize` params (`peer_info`, up to the body limit) and every
/// notification at INFO; the gateway logs the client's name, shortened, at debug instead.
const QUIET_RMCP: &str = "rmcp::service=warn,rmcp::handler::server=warn";

fn init_logs(config: &Config, default: &str) {
    // An operator's RUST_LOG is taken as written.
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(format!("{default},{QUIET_RMCP}")));
    let logs = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter);
    if config.log_json {
        logs.json().with_current_span(true).init();
    } else {
        logs.init();
    }
}

fn load_config() -> Result<Config, ExitCode> {
    let mut config = Config::from_env().map_err(|e| {
        eprintln!("configuration error: {e}");
        ExitCode::from(2)
    })?;
    mcp_github_gateway::mcp::tools::Registry::shared().settle(&mut config).map_err(|e| {
        eprintln!("configuration error: {e}");
        ExitCode::from(2)
    })?;
    Ok(config)
}

async fn open_state(config: Config) -> Result<AppState, ExitCode> {
    AppState::new(config).await.map_err(|e| {
        eprintln!("start-up error: {e}");
        ExitCode::from(2)
    })
}

async fn run_server(config: Config, banner: Option<String>) -> ExitCode {
    let bind = config.bind_addr;
    let mcp_url = config.mcp_url();
    let state = match open_state(config).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let listener = match tokio::net::TcpListener::bind(bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("BIND_ADDR: cannot listen on {bind}: {e}");
            return ExitCode::from(2);
        }
    };
    let open_files = mcp_github_gateway::edge::caps::raise_fd_limit();
    tracing::info!(%bind, mcp = %mcp_url, open_file_limit = ?open_files, "mcp-github-gateway listening");
    if let Some(banner) = banner {
        println!("{banner}");
    }
    match serve(listener, state, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_admin(command: Command) -> ExitCode {
    let config = match load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    init_logs(&config, "warn");
    // Opening a missing SQLite file would create an empty one and report "0 grants".
    if let mcp_github_gateway::config::StorageUrl::Sqlite(path) = &config.storage
        && !path.exists()
    {
        eprintln!("STORAGE_URL: {} does not exist; run this where the server runs, or set STORAGE_URL", path.display());
        return ExitCode::from(2);
    }
    // The commands read and revoke records: only the storage is opened.
    let records = match mcp_github_gateway::state::open_records(&config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("start-up error: {e}");
            return ExitCode::from(2);
        }
    };
    let state = &records;
    let result = match command {
        Command::Clients { action: ClientsAction::List } => admin::clients::list(state).await,
        Command::Clients { action: ClientsAction::Delete { client_id } } => {
            admin::clients::delete(state, &client_id).await
        }
        Command::Grants { action: GrantsAction::List { user } } => admin::grants::list(state, user.as_deref()).await,
        Command::Grants { action: GrantsAction::Revoke { user: Some(user), .. } } => {
            admin::grants::revoke_user(state, &user).await
        }
        Command::Grants { action: GrantsAction::Revoke { grant_id: Some(id), .. } } => {
            admin::grants::revoke(state, &id).await
        }
        _ => return ExitCode::from(2),
    };
    match result {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        None | Some(Command::Serve) => {
            let config = match load_config() {
                Ok(c) => c,
                Err(code) => return code,
            };
            init_logs(&config, "info");
            run_server(config, None).await
        }
        Some(Command::Demo { bind }) => {
            let emulator = match demo::start(bind).await {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("demo: {e}");
                    return ExitCode::from(2);
                }
            };
            init_logs(&emulator.config, "info");
            let banner = emulator.banner();
            let code = run_server(emulator.config.clone(), Some(banner)).await;
            emulator.stop().await;
            code
        }
        Some(command) => run_admin(command).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Client and grant ids are base64url: one in 32 starts with `-`, which must not read as a flag.
    #[test]
    fn ids_that_start_with_a_dash_are_ids_not_flags() {
        let cli = Cli::try_parse_from(["mcp-github-gateway", "clients", "delete", "-Vx3"]).expect("parses");
        assert!(matches!(
            cli.command,
            Some(Command::Clients { action: ClientsAction::Delete { client_id } }) if client_id == "-Vx3"
        ));
        let cli = Cli::try_parse_from(["mcp-github-gateway", "grants", "revoke", "-abc"]).expect("parses");
        assert!(matches!(
            cli.command,
            Some(Command::Grants { action: GrantsAction::Revoke { grant_id: Some(id), user: None } }) if id == "-abc"
        ));
    }
}
