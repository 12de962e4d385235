//! Starting an emulator: binding a loopback listener, assembling the web and
//! API routers, and running axum in a background task until shut down.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::config::{EmulatorConfig, normalize_prefix};
use crate::handle::{Emulator, ServerTask};
use crate::state::Shared;
use crate::{api, mcp, oauth};

/// Starts an emulator on `127.0.0.1` with a free port.
pub async fn start(config: EmulatorConfig) -> io::Result<Emulator> {
    start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config).await
}

/// Starts an emulator on `addr`, which must be a loopback address (port 0
/// picks a free one). Fails with `InvalidInput` for any other address or a
/// malformed `api_prefix`.
pub async fn start_on(addr: SocketAddr, config: EmulatorConfig) -> io::Result<Emulator> {
    if !addr.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the GitHub emulator only binds to loopback addresses, not {addr}"),
        ));
    }
    let prefix = normalize_prefix(&config.api_prefix)?;
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let shared = Arc::new(Shared::new(config, format!("http://{local}"), &prefix));
    let app = app(Arc::clone(&shared), &prefix);

    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                // Fires on an explicit stop or when the last handle drops.
                let _ = stop_rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "github emulator stopped with an error");
        }
    });
    tracing::debug!(base_url = %shared.base_url, api_url = %shared.api_url, "github emulator started");
    Ok(Emulator::new(shared, ServerTask::new(local, stop_tx, task)))
}

fn app(shared: Arc<Shared>, prefix: &str) -> Router {
    let web = oauth::routes()
        .merge(api::web_routes())
        .merge(mcp::routes())
        .merge(api::graphql_router(Arc::clone(&shared), prefix));
    let api = api::router(Arc::clone(&shared), prefix);
    let router = if prefix.is_empty() {
        // Like api.github.com: the API owns every path but the web routes.
        web.merge(api)
    } else {
        web.nest(prefix, api).fallback(oauth::not_found_page)
    };
    router.with_state(shared)
}
