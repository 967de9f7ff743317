//! The client's IP address behind the operator's reverse proxies.
//!
//! Sign-in throttling counts failures per address, and the audit trail and the change
//! notifications name it, so it must be the user's address, not the proxy's (behind a proxy
//! every user would otherwise share one address and one throttle). `X-Forwarded-For` is easy
//! to forge, so it is read only when the connection comes from a configured proxy, and only as
//! far back as the chain of configured proxies goes: the first address from the right that is
//! not a trusted proxy is the client.

use std::net::IpAddr;

use anyhow::{Context, bail};

/// An address or a CIDR range (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Parses `192.0.2.10`, `10.0.0.0/8` or `2001:db8::/32`; the bits after the prefix must be
    /// zero, so a typo like `10.1.0.0/8` is refused rather than silently widened.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .parse()
            .with_context(|| format!("`{text}` is not an IP address or CIDR range"))?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .with_context(|| format!("`{text}` has no valid prefix length (0 to {bits})"))?,
        };
        let range = Self { network, prefix };
        if mask(network, prefix) != bits_of(network) {
            bail!("`{text}` has bits set after its prefix length");
        }
        Ok(range)
    }

    /// Whether `address` is in the range (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        address.is_ipv4() == self.network.is_ipv4()
            && mask(address, self.prefix) == mask(self.network, self.prefix)
    }
}

fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

fn bits_of(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The address's bits with everything after `prefix` cleared.
fn mask(address: IpAddr, prefix: u8) -> u128 {
    let width = if address.is_ipv4() { 32 } else { 128 };
    let cleared = u32::from(width - prefix.min(width));
    if cleared >= 128 {
        0
    } else {
        (bits_of(address) >> cleared) << cleared
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpRange>);

impl TrustedProxies {
    /// Parses a list of addresses and ranges; `setting` names it in errors.
    pub fn parse(entries: &[String], setting: &str) -> anyhow::Result<Self> {
        entries
            .iter()
            .filter(|entry| !entry.trim().is_empty())
            .map(|entry| IpRange::parse(entry).with_context(|| format!("{setting}: invalid entry")))
            .collect::<anyhow::Result<Vec<_>>>()
            .map(Self)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(address))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
    /// address in `forwarded_for` (the `X-Forwarded-For` values in order) that is not one.
    /// Stops at anything that is not an address, keeping the last hop known to be real.
    pub fn client_address<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    ) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        for hop in forwarded_for.rev().flat_map(|value| value.rsplit(',')) {
            let Some(address) = parse_hop(hop) else {
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, IPv6 possibly in brackets, or IPv4 with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(address) = hop.parse::<IpAddr>() {
        return Some(canonical(address));
    }
    if let Some(inner) = hop.strip_prefix('[') {
        let (address, _port) = inner.split_once(']')?;
        return address.parse().ok().map(canonical);
    }
    let (address, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    address.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn proxies(entries: &[&str]) -> TrustedProxies {
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        TrustedProxies::parse(&entries, "TEST").expect("valid")
    }

    #[test]
    fn ranges_hold_what_their_prefix_says() {
        let range = IpRange::parse("10.0.0.0/8").expect("valid");
        assert!(range.contains(ip("10.255.1.2")));
        assert!(!range.contains(ip("11.0.0.1")));
        assert!(range.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped");
        let single = IpRange::parse("192.0.2.10").expect("valid");
        assert!(single.contains(ip("192.0.2.10")));
        assert!(!single.contains(ip("192.0.2.11")));
        let v6 = IpRange::parse("2001:db8::/32").expect("valid");
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::5")));
        assert!(
            IpRange::parse("0.0.0.0/0")
                .expect("valid")
                .contains(ip("8.8.8.8"))
        );
        assert!(
            !IpRange::parse("0.0.0.0/0")
                .expect("valid")
                .contains(ip("::1"))
        );
    }

    #[test]
    fn malformed_or_widened_ranges_are_refused() {
        for bad in [
            "",
            "10.0.0",
            "10.0.0.0/33",
            "10.1.0.0/8",
            "::1/129",
            "proxy.local",
            "10.0.0.0/x",
        ] {
            assert!(IpRange::parse(bad).is_err(), "{bad}");
        }
        let error = TrustedProxies::parse(
            &["10.0.0.0/8".into(), "nope".into()],
            "SECURITY_INFO_TRUSTED_PROXIES",
        )
        .expect_err("invalid");
        assert!(
            format!("{error:#}").contains("SECURITY_INFO_TRUSTED_PROXIES"),
            "{error:#}"
        );
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_address(ip("198.51.100.4"), ["203.0.113.9"].into_iter()),
            ip("198.51.100.4")
        );
    }

    #[test]
    fn a_request_not_from_a_proxy_cannot_claim_another_address() {
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            trusted.client_address(ip("198.51.100.4"), ["203.0.113.9"].into_iter()),
            ip("198.51.100.4")
        );
    }

    #[test]
    fn behind_proxies_the_nearest_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        // The client forged the first entry; the proxies appended the rest.
        let header = ["1.2.3.4, 203.0.113.9", "10.0.0.7"];
        assert_eq!(
            trusted.client_address(ip("127.0.0.1"), header.into_iter()),
            ip("203.0.113.9")
        );
        assert_eq!(
            trusted.client_address(
                ip("10.0.0.2"),
                ["[2001:db8::7]:4711", "203.0.113.9:5000"].into_iter()
            ),
            ip("203.0.113.9")
        );
        assert_eq!(
            trusted.client_address(ip("10.0.0.2"), ["[2001:db8::7]:4711"].into_iter()),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn garbage_in_the_header_stops_at_the_last_real_hop() {
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            trusted.client_address(
                ip("10.0.0.2"),
                ["203.0.113.9, unknown, 10.0.0.5"].into_iter()
            ),
            ip("10.0.0.5")
        );
        assert_eq!(
            trusted.client_address(ip("10.0.0.2"), std::iter::empty()),
            ip("10.0.0.2")
        );
        assert_eq!(
            trusted.client_address(ip("10.0.0.2"), ["10.0.0.3"].into_iter()),
            ip("10.0.0.3")
        );
    }
}
