//! The per-client rate limit the NanoTrace HTTP services share — the verifier and the
//! members' console: one token bucket per client (`tower_governor`), refilled at a
//! steady rate up to a burst. A refused request gets a [`Refusal`]: `429` and the whole
//! seconds to wait, which each service answers in its own format with a `Retry-After`
//! header ([`Refusal::answer`]).
//!
//! Who the client is ([`client`]): the peer address of the TCP connection (`ConnectInfo`,
//! so a service is served with `into_make_service_with_connect_info::<SocketAddr>()`), or,
//! when that peer is a configured trusted reverse proxy, the address the proxy forwarded;
//! counted by IPv4 address or by IPv6 /64 ([`client::key`]).

pub mod client;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, Extensions, HeaderMap, HeaderValue, Request, Response, StatusCode};
use governor::clock::QuantaInstant;
use governor::middleware::NoOpMiddleware;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::KeyExtractor;
pub use tower_governor::GovernorError;
use tower_governor::GovernorLayer;

pub use client::{ClientAddress, ForwardedHeader, TrustedProxy};

/// The TCP peer of a request (not the client a trusted proxy forwarded: that is
/// [`PerClient::client`]).
#[derive(Debug, Clone, Copy)]
pub struct PeerIp;

impl PeerIp {
    /// The TCP peer's address of a request with `extensions` (`ConnectInfo`), or
    /// `0.0.0.0` when a router runs without connect info (in-process tests).
    pub fn of(extensions: &Extensions) -> IpAddr {
        client::peer(extensions)
    }
}

/// The limiter's key: the request's client ([`ClientAddress`]) as [`client::key`] counts
/// it.
#[derive(Debug, Clone)]
pub struct ClientKey(ClientAddress);

impl KeyExtractor for ClientKey {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        Ok(client::key(self.0.of_request(request.headers(), request.extensions())))
    }
}

/// The middleware layer [`PerClient::layer`] makes.
pub type Layer<B> = GovernorLayer<ClientKey, NoOpMiddleware<QuantaInstant>, B>;

/// One token bucket per client ([`client::key`]): `rate_per_sec` requests a second
/// sustained, `burst` at once. Clones share the buckets.
#[derive(Clone)]
pub struct PerClient {
    config: Arc<GovernorConfig<ClientKey, NoOpMiddleware<QuantaInstant>>>,
    clients: ClientAddress,
}

impl std::fmt::Debug for PerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PerClient").finish_non_exhaustive()
    }
}

impl PerClient {
    /// Buckets of `burst` requests (at least 1) refilled at `rate_per_sec` (at least 1;
    /// past a billion a second the period stays 1 ns), for clients that are the TCP peers.
    pub fn new(rate_per_sec: u64, burst: u32) -> Self {
        Self::behind(rate_per_sec, burst, ClientAddress::default())
    }

    /// As [`PerClient::new`], for clients found by `clients` (trusted proxies).
    pub fn behind(rate_per_sec: u64, burst: u32, clients: ClientAddress) -> Self {
        // At least 1 ns: a zero period makes the governor's builder refuse (`finish` = None).
        let per_request = Duration::from_nanos((1_000_000_000 / rate_per_sec.max(1)).max(1));
        let config = GovernorConfigBuilder::default()
            .key_extractor(ClientKey(clients.clone()))
            .period(per_request)
            .burst_size(burst.max(1))
            .finish()
            .unwrap_or_else(|| unreachable!("period (≥ 1 ns) and burst (≥ 1) are both positive"));
        PerClient { config: Arc::new(config), clients }
    }

    /// The client of a request with `headers` and `extensions` (its full address; the
    /// bucket it takes from is [`client::key`] of it).
    pub fn client(&self, headers: &HeaderMap, extensions: &Extensions) -> IpAddr {
        self.clients.of_request(headers, extensions)
    }

    /// The middleware for a router; `refused` answers a request over the limit.
    pub fn layer<B>(&self, refused: impl Fn(Refusal) -> Response<B> + Send + Sync + 'static) -> Layer<B> {
        GovernorLayer::new(self.config.clone()).error_handler(move |error| refused(Refusal::from(error)))
    }

    /// Takes one request from client `ip`'s bucket: false when it is empty (a path
    /// answered before the router's middleware uses this).
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.config.limiter().check_key(&client::key(ip)).is_ok()
    }

    /// Takes `n` requests at once from `ip`'s bucket (a request that weighs more than one,
    /// e.g. a list of items): false when the bucket does not hold them now, or never can
    /// (`n` above the burst). `n` = 0 takes nothing.
    pub fn allows_n(&self, ip: IpAddr, n: u32) -> bool {
        match std::num::NonZeroU32::new(n) {
            None => true,
            Some(n) => matches!(self.config.limiter().check_key_n(&client::key(ip), n), Ok(Ok(()))),
        }
    }

    /// Forgets the buckets of clients that went quiet (call it every minute or so: the
    /// buckets are kept per client ever seen until then).
    pub fn forget_quiet(&self) {
        self.config.limiter().retain_recent();
    }
}

/// A request over the limit: the status to answer and the whole seconds (at least 1)
/// until the client's bucket has a request again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// `429 Too Many Requests` (or what the limiter asked for).
    pub status: StatusCode,
    /// For `Retry-After`.
    pub retry_after_secs: u64,
}

impl From<GovernorError> for Refusal {
    fn from(error: GovernorError) -> Self {
        let (status, wait) = match error {
            GovernorError::TooManyRequests { wait_time, .. } => (StatusCode::TOO_MANY_REQUESTS, wait_time.max(1)),
            GovernorError::UnableToExtractKey => (StatusCode::TOO_MANY_REQUESTS, 1),
            GovernorError::Other { code, .. } => (code, 1),
        };
        Refusal { status, retry_after_secs: wait }
    }
}

impl Refusal {
    /// `response` with this refusal's status and `Retry-After`.
    pub fn answer<B>(&self, mut response: Response<B>) -> Response<B> {
        *response.status_mut() = self.status;
        if let Ok(value) = HeaderValue::from_str(&self.retry_after_secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_waits_and_other_clients_are_not_affected() {
        let limit = PerClient::new(1, 3);
        let (a, b) = (IpAddr::from([192, 0, 2, 1]), IpAddr::from([192, 0, 2, 2]));
        assert_eq!((0..5).map(|_| limit.allows(a)).collect::<Vec<_>>(), [true, true, true, false, false]);
        assert!(limit.allows(b), "another client has its own bucket");
        let refusal = Refusal::from(GovernorError::TooManyRequests { wait_time: 0, headers: None });
        assert_eq!(refusal, Refusal { status: StatusCode::TOO_MANY_REQUESTS, retry_after_secs: 1 });
        let answered = refusal.answer(Response::new(()));
        assert_eq!(
            (answered.status(), answered.headers()[header::RETRY_AFTER].to_str().ok()),
            (refusal.status, Some("1"))
        );
    }

    #[test]
    fn a_weighty_request_takes_its_weight_or_nothing() {
        let limit = PerClient::new(1, 10);
        let a = IpAddr::from([192, 0, 2, 1]);
        assert!(!limit.allows_n(a, 11), "more than the burst is never allowed");
        assert!(limit.allows_n(a, 7));
        assert!(!limit.allows_n(a, 4), "3 left: 4 are refused, and none taken");
        assert!(limit.allows_n(a, 3));
        assert!(limit.allows_n(a, 0), "nothing to take");
        assert!(!limit.allows(a));
    }

    #[test]
    fn the_addresses_of_one_ipv6_64_share_a_bucket() {
        let limit = PerClient::new(1, 3);
        let in_64 = |host: u16| IpAddr::from([0x2001, 0xdb8, 0xa, 0xb, 0, 0, 0, host]);
        let taken: Vec<bool> = (1..=1000).map(|host| limit.allows(in_64(host))).collect();
        assert_eq!(taken.iter().filter(|t| **t).count(), 3, "a thousand addresses of one /64 share its burst");
        assert!(limit.allows(IpAddr::from([0x2001, 0xdb8, 0xa, 0xc, 0, 0, 0, 1])), "the next /64 has its own bucket");
    }

    #[test]
    fn extreme_settings_still_make_a_limiter() {
        for (rate, burst) in [(0, 0), (u64::MAX, u32::MAX), (1_000_000_000, 1)] {
            assert!(PerClient::new(rate, burst).allows(IpAddr::from([127, 0, 0, 1])));
        }
    }
}
