//! The injectable clock: protocol code asks it for "now" so tests can move time forward.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

/// Seconds since the Unix epoch.
pub type UnixSecs = u64;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> UnixSecs;
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixSecs {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
    }
}

/// A clock that starts at the real time and moves only when told to (tests).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl Default for ManualClock {
    fn default() -> Self {
        Self(Arc::new(AtomicU64::new(SystemClock.now())))
    }
}

impl ManualClock {
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UnixSecs {
        self.0.load(Ordering::SeqCst)
    }
}
