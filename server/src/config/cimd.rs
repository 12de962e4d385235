//! How metadata-document clients (`client_id` URLs) are resolved: the settings `oauth::cimd` reads.

use std::time::Duration;

/// Settings for resolving metadata documents; see `Config::cimd`.
#[derive(Clone)]
pub struct CimdSettings {
    /// `CIMD_ENABLED` (default true): accept HTTPS URLs as client_id, and advertise
    /// `client_id_metadata_document_supported`.
    pub enabled: bool,
    /// Tests and development only; never read from the environment: extra root certificates (PEM)
    /// trusted for document fetches, on top of the platform's.
    pub extra_root_certs_pem: Vec<Vec<u8>>,
    /// Tests and development only; never read from the environment: documents may be fetched from
    /// loopback addresses (127.0.0.0/8, ::1). Private, link-local and other ranges stay refused.
    pub allow_loopback: bool,
    /// Deadline for one document fetch, resolution to last byte (default 5 s).
    pub fetch_timeout: Duration,
}

impl Default for CimdSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            extra_root_certs_pem: Vec::new(),
            allow_loopback: false,
            fetch_timeout: Duration::from_secs(5),
        }
    }
}

impl std::fmt::Debug for CimdSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CimdSettings")
            .field("enabled", &self.enabled)
            .field("extra_root_certs", &self.extra_root_certs_pem.len())
            .field("allow_loopback", &self.allow_loopback)
            .field("fetch_timeout", &self.fetch_timeout)
            .finish()
    }
}
