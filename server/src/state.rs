//! `AppState`: everything a request needs — config, store, keys, clock, GitHub clients, templates —
//! built once at start and shared by all handlers.

use std::sync::Arc;

use dashmap::DashMap;

use crate::{
    clock::{Clock, SystemClock},
    config::{Config, StorageUrl},
    crypto::{Keys, Signer},
    github::GithubClient,
    store::{Records, Store, memory::MemoryStore},
    upstream::{GithubOAuth, UpstreamHttp},
    web::Templates,
};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not build an HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("GITHUB_BASE_URL or PUBLIC_URL do not form valid OAuth URLs: {0}")]
    Url(#[from] url::ParseError),
    #[error("templates: {0}")]
    Templates(#[from] minijinja::Error),
}

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub records: Records,
    pub keys: Arc<Keys>,
    pub signer: Signer,
    pub clock: Arc<dyn Clock>,
    pub upstream: Arc<GithubOAuth>,
    pub github: GithubClient,
    pub templates: Arc<Templates>,
    /// One lock per grant so concurrent requests refresh an expiring GitHub token once.
    pub upstream_refresh_locks: Arc<DashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl AppState {
    /// Builds the state for `config` with the wall clock and the configured storage.
    pub fn new(config: Config) -> Result<Self, StartError> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    pub fn with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let store: Arc<dyn Store> = match config.storage {
            StorageUrl::Memory => {
                let mem = MemoryStore::new(clock.clone());
                mem.spawn_sweeper(std::time::Duration::from_secs(60));
                mem
            }
        };
        let keys = match &config.secret_key {
            Some(master) => Keys::derive(master),
            None => Keys::random(),
        };
        Ok(Self {
            upstream: Arc::new(GithubOAuth::new(&config, UpstreamHttp::new()?)?),
            github: GithubClient::new(&config)?,
            templates: Arc::new(Templates::new()?),
            signer: Signer::new(keys.signing),
            keys: Arc::new(keys),
            records: Records::new(store),
            clock,
            config: Arc::new(config),
            upstream_refresh_locks: Arc::new(DashMap::new()),
        })
    }

    pub fn now(&self) -> u64 {
        self.clock.now()
    }
}
