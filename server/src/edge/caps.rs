//! Connection caps: how many connections the process, and each peer address, may hold open, and the
//! open-file limit those numbers must stay under.

use std::{
    net::IpAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use dashmap::DashMap;

/// File descriptors kept for everything that is not a client connection: storage, the GitHub
/// client's connections, logs, the listener.
const RESERVED_FDS: u64 = 256;

/// Raises the open-file soft limit to the hard limit (where the platform allows it) and returns the
/// soft limit now in force, `None` where it cannot be read.
pub fn raise_fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let (soft, hard) = rlimit::Resource::NOFILE.get().ok()?;
        if soft < hard {
            match rlimit::Resource::NOFILE.set(hard, hard) {
                Ok(()) => return Some(hard),
                Err(e) => tracing::warn!(error = %e, soft, hard, "could not raise the open-file limit"),
            }
        }
        Some(soft)
    }
    #[cfg(not(unix))]
    None
}

/// The connection cap in force: `configured`, lowered to what the open-file limit leaves room for.
pub fn effective_max(configured: usize) -> usize {
    #[cfg(unix)]
    if let Ok((soft, _)) = rlimit::Resource::NOFILE.get() {
        let room = usize::try_from(soft.saturating_sub(RESERVED_FDS).max(16)).unwrap_or(usize::MAX);
        if room < configured {
            tracing::warn!(
                configured,
                open_file_limit = soft,
                using = room,
                "MAX_CONNECTIONS lowered to what the open-file limit allows"
            );
            return room;
        }
    }
    configured
}

/// Counts open connections, in all and per peer address.
pub struct Caps {
    max: usize,
    per_ip: usize,
    open: AtomicUsize,
    by_ip: DashMap<IpAddr, usize>,
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Total,
    PerAddress,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Total => "connection_cap",
            Refusal::PerAddress => "address_connection_cap",
        }
    }
}

/// One admitted connection; dropping it gives its place back.
pub struct Permit {
    caps: Arc<Caps>,
    ip: IpAddr,
}

impl Caps {
    /// `per_ip == 0`: no per-address cap.
    pub fn new(max: usize, per_ip: usize) -> Arc<Self> {
        Arc::new(Self { max, per_ip, open: AtomicUsize::new(0), by_ip: DashMap::new() })
    }

    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Permit, Refusal> {
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.max {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::Total);
        }
        if self.per_ip > 0 {
            let mut held = self.by_ip.entry(ip).or_insert(0);
            if *held >= self.per_ip {
                drop(held);
                self.open.fetch_sub(1, Ordering::AcqRel);
                return Err(Refusal::PerAddress);
            }
            *held += 1;
        }
        Ok(Permit { caps: self.clone(), ip })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.caps.per_ip > 0 {
            self.caps.by_ip.remove_if_mut(&self.ip, |_, held| {
                *held = held.saturating_sub(1);
                *held == 0
            });
        }
        self.caps.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_count_in_all_and_per_address_and_give_places_back() {
        let caps = Caps::new(3, 2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let a1 = caps.admit(a).unwrap();
        let _a2 = caps.admit(a).unwrap();
        assert_eq!(caps.admit(a).err(), Some(Refusal::PerAddress));
        let _b1 = caps.admit(b).unwrap();
        assert_eq!(caps.admit(b).err(), Some(Refusal::Total));
        assert_eq!(caps.open(), 3);
        drop(a1);
        assert_eq!(caps.open(), 2);
        let _a3 = caps.admit(a).unwrap();
        drop(_a3);
        drop(_a2);
        assert!(caps.by_ip.get(&a).is_none(), "an address with no connections is forgotten");
        let unlimited = Caps::new(2, 0);
        let _x = unlimited.admit(a).unwrap();
        let _y = unlimited.admit(a).unwrap();
        assert_eq!(unlimited.admit(a).err(), Some(Refusal::Total));
    }
}
