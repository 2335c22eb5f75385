//! Who a request's client is, as the limit counts it.
//!
//! - **The address.** The TCP peer's, unless the peer is a trusted reverse proxy
//!   ([`ClientAddress::new`], the services' `--trusted-proxy`): then the forwarded
//!   address the proxy appended to the header it is configured to write
//!   ([`ForwardedHeader`]), read from the right, the first that is not itself a trusted
//!   proxy. Those headers from anyone else are ignored: a client cannot name itself.
//! - **The key.** An IPv4 address is one client; an IPv6 address counts by its /64 (one
//!   subscriber's prefix — they hold 2⁶⁴ addresses of it); an IPv4-mapped IPv6 address
//!   (`::ffff:a.b.c.d`, a dual-stack socket's view of an IPv4 peer) is its IPv4 address
//!   ([`key`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use ipnet::IpNet;

/// `ip` with an IPv4-mapped IPv6 address as the IPv4 address it maps.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The key a client's bucket is kept under: an IPv4 address itself, an IPv6 address its
/// /64 (the low 64 bits zero), an IPv4-mapped one its IPv4 address.
pub fn key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        v4 => v4,
    }
}

/// The header a trusted proxy writes the client's address into (each proxy on the way
/// appends the address it received the request from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx's `$proxy_add_x_forwarded_for`,
    /// HAProxy's `option forwardfor`, Caddy, Traefik).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for="[2001:db8::1]:4711"`.
    Forwarded,
}

impl ForwardedHeader {
    /// The header's name.
    pub fn name(self) -> &'static str {
        match self {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        }
    }

    /// The addresses a request's headers forward, leftmost (farthest) first: `None` for
    /// an element that names no address (`unknown`, an obfuscated name, garbage).
    fn hops(self, headers: &HeaderMap) -> Vec<Option<IpAddr>> {
        let mut hops = Vec::new();
        for value in headers.get_all(self.name()) {
            let Ok(value) = value.to_str() else {
                hops.push(None);
                continue;
            };
            for element in value.split(',') {
                hops.push(match self {
                    ForwardedHeader::XForwardedFor => address(element),
                    ForwardedHeader::Forwarded => element.split(';').find_map(|pair| {
                        let (name, value) = pair.split_once('=')?;
                        name.trim().eq_ignore_ascii_case("for").then(|| address(value.trim().trim_matches('"')))?
                    }),
                });
            }
        }
        hops
    }
}

impl FromStr for ForwardedHeader {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ForwardedHeader::XForwardedFor),
            "forwarded" => Ok(ForwardedHeader::Forwarded),
            _ => Err(format!("{s:?}: use x-forwarded-for or forwarded")),
        }
    }
}

/// An address as a forwarding header writes it: `192.0.2.1`, `2001:db8::1`,
/// `[2001:db8::1]`, with or without a port.
fn address(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let bare = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(text);
    bare.parse().ok().or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// A reverse proxy's address or network (`10.0.0.5`, `10.0.0.0/8`, `2001:db8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy(IpNet);

impl TrustedProxy {
    /// Whether `ip` is in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&canonical(ip))
    }
}

impl FromStr for TrustedProxy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let net = match s.parse::<IpNet>() {
            Ok(net) => net.trunc(),
            Err(_) => s.parse::<IpAddr>().map(IpNet::from).map_err(|_| {
                format!("{s:?} is neither an IP address nor a network (CIDR: 10.0.0.0/8, 2001:db8::/32)")
            })?,
        };
        Ok(TrustedProxy(match net {
            IpNet::V6(v6) => match v6.addr().to_ipv4_mapped() {
                // ::ffff:10.0.0.0/104 is 10.0.0.0/8: peers are compared as IPv4.
                Some(v4) if v6.prefix_len() >= 96 => {
                    IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96).map_err(|e| format!("{s:?}: {e}"))?
                }
                _ => IpNet::V6(v6),
            },
            v4 => v4,
        }))
    }
}

impl std::fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Finds a request's client address (see the module's description). The default trusts
/// no proxy: the client is the TCP peer.
#[derive(Debug, Clone, Default)]
pub struct ClientAddress {
    proxies: Arc<[TrustedProxy]>,
    header: ForwardedHeader,
}

impl ClientAddress {
    /// Clients behind `proxies`, which write `header`.
    pub fn new(proxies: Vec<TrustedProxy>, header: ForwardedHeader) -> Self {
        ClientAddress { proxies: proxies.into(), header }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.proxies.iter().any(|p| p.contains(ip))
    }

    /// The client of a request from TCP peer `peer` with `headers`: the peer itself when
    /// it is no trusted proxy; else the rightmost forwarded address that is not a trusted
    /// proxy (the trusted hop nearest an element that names no address, or the leftmost
    /// when every hop is trusted).
    pub fn of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        for hop in self.header.hops(headers).into_iter().rev() {
            let Some(hop) = hop else { return client };
            client = canonical(hop);
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }

    /// The client of a request with `headers` and `extensions` (the TCP peer from axum's
    /// `ConnectInfo`; without it, as in a router driven in-process, `0.0.0.0`).
    pub fn of_request(&self, headers: &HeaderMap, extensions: &Extensions) -> IpAddr {
        self.of(peer(extensions), headers)
    }
}

/// The TCP peer's address from `ConnectInfo`, or `0.0.0.0` without it.
pub fn peer(extensions: &Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn headers(name: &str, values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        headers
    }

    fn behind(proxies: &[&str], header: ForwardedHeader) -> ClientAddress {
        ClientAddress::new(proxies.iter().map(|p| p.parse().expect("a proxy")).collect(), header)
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), ip("2001:db8:1:2::"));
        assert_eq!(key(ip("2001:db8:1:2::1")), key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")));
        assert_ne!(key(ip("2001:db8:1:2::1")), key(ip("2001:db8:1:3::1")));
        assert_eq!(key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(key(ip("192.0.2.7")), ip("192.0.2.7"));
        assert_ne!(key(ip("192.0.2.7")), key(ip("192.0.2.8")), "IPv4 addresses are clients of their own");
    }

    #[test]
    fn forwarded_headers_are_ignored_unless_the_peer_is_a_trusted_proxy() {
        let spoofed = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(ClientAddress::default().of(ip("192.0.2.1"), &spoofed), ip("192.0.2.1"));
        let clients = behind(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        assert_eq!(clients.of(ip("192.0.2.1"), &spoofed), ip("192.0.2.1"), "not a trusted proxy");
        assert_eq!(clients.of(ip("10.1.2.3"), &spoofed), ip("203.0.113.9"));
        assert_eq!(clients.of(ip("::ffff:10.1.2.3"), &spoofed), ip("203.0.113.9"), "a mapped proxy is trusted");
        assert_eq!(clients.of(ip("10.1.2.3"), &HeaderMap::new()), ip("10.1.2.3"), "no header: the proxy");
    }

    #[test]
    fn the_client_is_the_rightmost_address_no_trusted_proxy_wrote() {
        let clients = behind(&["10.0.0.0/8", "2001:db8:ffff::/48"], ForwardedHeader::XForwardedFor);
        // The client claims 198.51.100.1; the proxies append what they saw.
        let chain = headers("x-forwarded-for", &["198.51.100.1, 203.0.113.9", "10.0.0.7"]);
        assert_eq!(clients.of(ip("10.0.0.1"), &chain), ip("203.0.113.9"));
        let garbage = headers("x-forwarded-for", &["198.51.100.1, not-an-address, 10.0.0.7"]);
        assert_eq!(clients.of(ip("10.0.0.1"), &garbage), ip("10.0.0.7"), "the proxy that wrote the garbage");
        let all_trusted = headers("x-forwarded-for", &["10.0.0.9, 10.0.0.8"]);
        assert_eq!(clients.of(ip("10.0.0.1"), &all_trusted), ip("10.0.0.9"));
        let v6 = headers("x-forwarded-for", &["[2001:db8:1::5]:4711"]);
        assert_eq!(clients.of(ip("2001:db8:ffff::1"), &v6), ip("2001:db8:1::5"));
    }

    #[test]
    fn rfc_7239_forwarded_is_read_only_when_configured() {
        let both = {
            let mut h =
                headers("forwarded", &["for=198.51.100.1", "for=\"[2001:db8:1::5]:4711\";proto=https;by=10.0.0.1"]);
            h.append("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
            h
        };
        let forwarded = behind(&["10.0.0.0/8"], ForwardedHeader::Forwarded);
        assert_eq!(forwarded.of(ip("10.0.0.1"), &both), ip("2001:db8:1::5"));
        let xff = behind(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        assert_eq!(xff.of(ip("10.0.0.1"), &both), ip("203.0.113.9"), "the other header is the client's to write");
        let unknown = headers("forwarded", &["for=198.51.100.1, for=unknown"]);
        assert_eq!(forwarded.of(ip("10.0.0.1"), &unknown), ip("10.0.0.1"));
    }

    #[test]
    fn proxies_and_headers_parse_or_say_why_not() {
        assert!("10.0.0.0/8".parse::<TrustedProxy>().expect("net").contains(ip("10.200.0.1")));
        assert!("10.0.0.5".parse::<TrustedProxy>().expect("one address").contains(ip("10.0.0.5")));
        assert!(!"10.0.0.5".parse::<TrustedProxy>().expect("one address").contains(ip("10.0.0.6")));
        assert!("10.0.0.5/8".parse::<TrustedProxy>().expect("host bits").contains(ip("10.9.9.9")));
        assert!("::ffff:10.0.0.0/104".parse::<TrustedProxy>().expect("mapped").contains(ip("10.1.1.1")));
        assert!("2001:db8::/32".parse::<TrustedProxy>().expect("v6").contains(ip("2001:db8:5::1")));
        let bad = "proxy.example".parse::<TrustedProxy>().expect_err("a name");
        assert!(bad.contains("neither an IP address nor a network"), "{bad}");
        assert!("10.0.0.0/33".parse::<TrustedProxy>().is_err());
        assert_eq!("Forwarded".parse(), Ok(ForwardedHeader::Forwarded));
        assert_eq!("X-Forwarded-For".parse(), Ok(ForwardedHeader::XForwardedFor));
        assert!("x-real-ip".parse::<ForwardedHeader>().is_err());
    }
}
