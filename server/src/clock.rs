//! The injectable clock: protocol code asks it for "now" so tests can move time forward.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

/// Seconds since the Unix epoch.
pub type UnixSecs = u64;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> UnixSecs;
    /// Milliseconds since the Unix epoch, for windows shorter than a few seconds.
    fn now_ms(&self) -> u64;
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixSecs {
        self.now_ms() / 1000
    }

    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that starts at the real time and moves only when told to (tests). Keeps milliseconds.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl Default for ManualClock {
    fn default() -> Self {
        Self(Arc::new(AtomicU64::new(SystemClock.now_ms())))
    }
}

impl ManualClock {
    pub fn advance(&self, secs: u64) {
        self.advance_ms(secs.saturating_mul(1000));
    }

    pub fn advance_ms(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UnixSecs {
        self.now_ms() / 1000
    }

    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}
