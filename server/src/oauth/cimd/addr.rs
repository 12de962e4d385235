//! Which IP addresses a client metadata document may be fetched from: public unicast only.
//!
//! Everything else is refused before a connection is made: loopback, private (RFC 1918), carrier-grade
//! NAT, link-local (and so the cloud metadata service at 169.254.169.254), "this network", multicast,
//! broadcast and reserved space, documentation and benchmarking ranges; for IPv6 everything outside
//! global unicast (`2000::/3`: so `::1`, `fc00::/7`, `fe80::/10`, `ff00::/8`…), the documentation and
//! IETF-protocol blocks inside it, and IPv4 addresses embedded in IPv6 (`::ffff:0:0/96`,
//! `64:ff9b::/96`, 6to4 `2002::/16`) are judged by their IPv4 address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// May the gateway connect to `ip` to fetch a document? `allow_loopback` (tests only) admits
/// 127.0.0.0/8 and `::1`, and nothing else that is not public.
pub fn fetchable(ip: IpAddr, allow_loopback: bool) -> bool {
    is_public(ip) || (allow_loopback && is_loopback(ip))
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// Is `ip` a public unicast address?
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// Non-public IPv4 blocks (IANA special-purpose registry, plus multicast and reserved space).
const V4_BLOCKED: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // carrier-grade NAT
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local, cloud metadata services
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
    ([192, 88, 99, 0], 24),  // 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, and 255.255.255.255 broadcast
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let n = u32::from(ip);
    !V4_BLOCKED.iter().any(|(net, len)| {
        let mask = u32::MAX << (32 - u32::from(*len));
        n & mask == u32::from_be_bytes(*net) & mask
    })
}

/// Non-public blocks inside global unicast `2000::/3`.
const V6_BLOCKED: &[([u16; 2], u8)] = &[
    ([0x2001, 0x0000], 23), // IETF protocol assignments (Teredo, ORCHID, …)
    ([0x2001, 0x0db8], 32), // documentation
    ([0x3fff, 0x0000], 20), // documentation (RFC 9637)
];

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let o = ip.octets();
    // NAT64 (RFC 6052): the IPv4 address is the last 32 bits.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    // 6to4: the IPv4 address follows the 2002::/16 prefix.
    if s[0] == 0x2002 {
        return is_public_v4(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    if s[0] & 0xe000 != 0x2000 {
        return false; // outside global unicast: ::, ::1, fc00::/7, fe80::/10, ff00::/8, 100::/64, …
    }
    let top = (u32::from(s[0]) << 16) | u32::from(s[1]);
    !V6_BLOCKED.iter().any(|(net, len)| {
        let mask = u32::MAX << (32 - u32::from(*len));
        top & mask == ((u32::from(net[0]) << 16) | u32::from(net[1])) & mask
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn refuses_every_non_public_ipv4_range() {
        for s in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "169.254.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!is_public(ip(s)), "{s} must be refused");
            assert!(!fetchable(ip(s), false), "{s}");
        }
    }

    #[test]
    fn accepts_public_ipv4_next_to_the_blocked_ranges() {
        for s in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "169.253.255.255",
            "192.167.255.255",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "140.82.112.3",
        ] {
            assert!(is_public(ip(s)), "{s} is public");
        }
    }

    #[test]
    fn refuses_non_public_ipv6_and_embedded_private_ipv4() {
        for s in [
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:192.168.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:a00:1::1",
            "2002:7f00:1::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "100::1",
            "2001:db8::1",
            "2001::1",
            "2001:10::1",
            "3fff::1",
            "fd00:ec2::254",
        ] {
            assert!(!is_public(ip(s)), "{s} must be refused");
        }
    }

    #[test]
    fn accepts_public_ipv6_and_embedded_public_ipv4() {
        for s in
            ["2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]
        {
            assert!(is_public(ip(s)), "{s} is public");
        }
    }

    #[test]
    fn the_test_allowance_admits_loopback_only() {
        for s in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            assert!(fetchable(ip(s), true), "{s}");
            assert!(!fetchable(ip(s), false), "{s}");
        }
        for s in ["10.0.0.1", "169.254.169.254", "192.168.0.1", "fc00::1", "fe80::1", "0.0.0.0", "::"] {
            assert!(!fetchable(ip(s), true), "{s} stays refused with the allowance");
        }
    }
}
