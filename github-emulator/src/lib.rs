//! A loopback stand-in for github.com (the OAuth web flow) and
//! api.github.com (REST), for end-to-end tests, benchmarks and demo mode.
//!
//! It binds to loopback addresses only and never makes outgoing requests.
//! It mimics GitHub's quirks: token endpoint errors are HTTP 200 with an
//! `error` field, replies are form-encoded unless JSON is asked for, scopes
//! are comma-separated, and the API sits under `/api/v3` by default as on
//! GitHub Enterprise Server.
//!
//! The REST API serves an in-memory world seeded at start (repositories
//! `octocat/hello-world`, the private `octocat/secret-plans` and the
//! organization's `github/docs`, with history, issues, a pull request, CI
//! results and notifications; the facts are listed in `src/world/seed.rs`
//! and `src/world/seed_ci.rs`). Writes change it for the emulator's life.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let emulator = github_emulator::start(Default::default()).await?;
//! println!("authorize at {}/login/oauth/authorize", emulator.base_url());
//! println!("API at {}", emulator.api_url());
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod api;
mod config;
mod handle;
mod mcp;
mod oauth;
mod records;
mod server;
mod state;
mod tokens;
mod world;

/// A path with its parameter names blanked (`/repos/{owner}/{repo}` → `/repos/{}/{}`), as routes
/// are matched to GitHub's REST description.
pub use api::path_template;
pub use config::{EmulatorConfig, Fault, User};
pub use handle::Emulator;
pub use records::{ApiRecord, AuthorizeRecord, McpRecord, TokenRecord};
pub use server::{start, start_on};
