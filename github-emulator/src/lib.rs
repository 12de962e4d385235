//! A loopback stand-in for github.com (the OAuth web flow) and
//! api.github.com (REST), for end-to-end tests, benchmarks and demo mode.
//!
//! It binds to loopback addresses only and never makes outgoing requests.
//! It mimics GitHub's quirks: token endpoint errors are HTTP 200 with an
//! `error` field, replies are form-encoded unless JSON is asked for, scopes
//! are comma-separated, and the API sits under `/api/v3` by default as on
//! GitHub Enterprise Server.
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
mod oauth;
mod records;
mod server;
mod state;
mod tokens;

pub use config::{EmulatorConfig, Fault, User};
pub use handle::Emulator;
pub use records::{ApiRecord, AuthorizeRecord, TokenRecord};
pub use server::{start, start_on};
