//! `AppState`: everything a request needs — config, store, keys, clock, GitHub clients, templates —
//! built once at start and shared by all handlers.

use std::sync::Arc;

use crate::{
    clock::{Clock, SystemClock},
    config::{Config, StorageUrl},
    crypto::{Keys, Signer},
    github::GithubClient,
    metrics::Metrics,
    store::{Namespace, Records, Store, memory::MemoryStore, redis::RedisStore, sqlite::SqliteStore},
    upstream::{GithubOAuth, UpstreamHttp},
    web::Templates,
};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("STORAGE_URL: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("could not build an HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("GITHUB_BASE_URL or PUBLIC_URL do not form valid OAuth URLs: {0}")]
    Url(#[from] url::ParseError),
    #[error("templates: {0}")]
    Templates(#[from] minijinja::Error),
}

/// What every layer shares, behind one `Arc`: middleware and rmcp's per-request handler clone the
/// state on every request, so a clone is one reference count, not one per service.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services [`AppState`] composes.
pub struct Services {
    pub config: Arc<Config>,
    pub records: Records,
    pub keys: Arc<Keys>,
    pub signer: Signer,
    pub clock: Arc<dyn Clock>,
    pub upstream: Arc<GithubOAuth>,
    pub github: GithubClient,
    pub templates: Arc<Templates>,
    /// This process's Prometheus registry (`GET /metrics`).
    pub metrics: Arc<Metrics>,
    /// Clients identified by a metadata document URL: the guarded fetcher and its cache.
    pub cimd: Arc<crate::oauth::cimd::Cimd>,
    /// Minting and storing local tokens (`oauth::tokens`).
    pub tokens: crate::oauth::tokens::Tokens,
    /// The GitHub leg of a login (`oauth::login`).
    pub login: crate::oauth::login::Login,
    /// Registered and metadata-document clients (`oauth::client`).
    pub clients: crate::oauth::client::Clients,
    /// Access tokens checked, and their GitHub tokens kept usable (`oauth::bearer`).
    pub bearer: Arc<crate::oauth::bearer::Bearer>,
    /// Redeeming codes and refreshing tokens (`oauth::grants`).
    pub grants: crate::oauth::grants::Grants,
}

async fn open_store(config: &Config, clock: Arc<dyn Clock>) -> Result<Arc<dyn Store>, StartError> {
    let sweep_every = std::time::Duration::from_secs(60);
    Ok(match &config.storage {
        StorageUrl::Memory => {
            let mem = MemoryStore::new(clock);
            mem.spawn_sweeper(sweep_every);
            mem
        }
        StorageUrl::Sqlite(path) => {
            let db = SqliteStore::open(path, clock)?;
            db.spawn_sweeper(sweep_every);
            db
        }
        // Redis expires keys itself.
        StorageUrl::Redis(url) => RedisStore::connect_with_prefix(url, &config.storage_prefix).await?,
    })
}

/// Without `SECRET_KEY`, the key is generated once and kept in the store, so every restart and
/// every instance on the same storage uses the same one (`put_new`: the first instance wins).
async fn stored_master_key(records: &Records) -> Result<Vec<u8>, StartError> {
    let store = records.store();
    let mut fresh = vec![0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut fresh);
    if store.put_new(Namespace::Meta, "master-key", fresh, None).await? {
        tracing::info!("generated the server key and stored it (set SECRET_KEY to manage it yourself)");
    }
    match store.get(Namespace::Meta, "master-key").await? {
        Some(key) if key.len() >= 32 => Ok(key),
        _ => Err(StartError::Store(crate::store::StoreError::Corrupt("stored master key is missing or short".into()))),
    }
}

/// Only the records of the configured storage, for operator commands that read and revoke and
/// need nothing else of the server (no keys, templates, rate limiter or metadata-document fetcher).
pub async fn open_records(config: &Config) -> Result<Records, StartError> {
    Ok(Records::new(open_store(config, Arc::new(SystemClock)).await?, crate::store::records::Lifetimes::of(config)))
}

impl AppState {
    /// Builds the state for `config` with the wall clock, connecting the configured storage.
    pub async fn new(config: Config) -> Result<Self, StartError> {
        Self::with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let store = open_store(&config, clock.clone()).await?;
        let records = Records::new(store, crate::store::records::Lifetimes::of(&config));
        let keys = match &config.secret_key {
            Some(master) => Keys::derive(master),
            None => Keys::derive(&stored_master_key(&records).await?),
        };
        let metrics = Metrics::new();
        let keys = Arc::new(keys);
        let upstream = Arc::new(GithubOAuth::new(&config, UpstreamHttp::new()?)?);
        let cimd = Arc::new(crate::oauth::cimd::Cimd::new(&config, clock.clone())?);
        let bearer = Arc::new(crate::oauth::bearer::Bearer::new(
            records.clone(),
            keys.clone(),
            clock.clone(),
            config.mcp_url(),
            upstream.clone(),
        ));
        let tokens = crate::oauth::tokens::Tokens::new(records.clone(), keys.clone(), clock.clone());
        let config = Arc::new(config);
        let github = GithubClient::new(&config, metrics.clone())?;
        let core = crate::oauth::Core { records: records.clone(), keys: keys.clone(), clock: clock.clone() };
        let login = crate::oauth::login::Login::new(
            core.clone(),
            upstream.clone(),
            github.clone(),
            config.clone(),
            metrics.clone(),
        );
        let grants =
            crate::oauth::grants::Grants::new(core, config.clone(), github.clone(), tokens.clone(), bearer.clone());
        Ok(Self(Arc::new(Services {
            clients: crate::oauth::client::Clients::new(records.clone(), cimd.clone()),
            cimd,
            upstream,
            github,
            metrics,
            templates: Arc::new(Templates::new()?.with_demo(config.demo)),
            signer: Signer::new(keys.signing),
            keys,
            records,
            clock,
            config,
            bearer,
            grants,
            login,
            tokens,
        })))
    }

    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }
}
