//! The two routes a scanned product leads to, `GET /c/{id}` and
//! `GET /api/v1/certificates/{id}`, answered without going through the router when
//! the answer is kept ([`super::rendered`]) or can be rendered from what the cache itself
//! holds — its memo, or a point read of its tables, made here as nginx reads a file
//! ([`super::lookup::lookup_stored`]); a certificate read from the ledger on a miss goes
//! to the router, whose handler reads it in a blocking task.
//!
//! Through the router every request pays for the route match, the clone of each layer
//! stack, the middleware futures (deadline, metrics, compression, tracing), a copy of
//! the header map and the ID's `String`: most of the verifier's own CPU per cached
//! answer. Here a request that needs none of that — a plain GET of a well-formed ID,
//! no query, no body, accepting gzip or not saying — takes one rate-limit check, one
//! stamp, one map lookup and the same headers (and, when the answer kept was rendered
//! under an earlier stamp, writes its freshness anew: [`super::lookup::kept`]);
//! everything else (a read of the ledger, a query, a token, HEAD, any other
//! route, a refused rate check) goes to the router, which answers as always. The answer is the one the router would give for the same
//! request: the tests compare them header by header.

use super::headers::{secure_headers, strict_transport};
use super::i18n::Lang;
use super::lookup::{kept, lookup_stored, render_and_keep, Answers};
use super::metrics::Metrics;
use super::rendered::{accepts_gzip, Kind};
use crate::state::{now, AppState};
use axum::body::Body;
use axum::http::header;
use axum::http::{Method, Request, Response, StatusCode};
use nanotrace_model::link::{API_ROUTE, PAGE_ROUTE};
use prometheus_client::metrics::counter::Counter;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

/// Takes one request from `ip`'s rate-limit bucket: false when the bucket is empty.
pub(super) type RateCheck = Box<dyn Fn(IpAddr) -> bool + Send + Sync>;

/// What the hot path shares with the router (one per server).
pub(super) struct HotPath {
    app: AppState,
    answers: Answers,
    metrics: Arc<Metrics>,
    rate: RateCheck,
    /// Served over HTTPS: answers carry `Strict-Transport-Security` as the router's do.
    hsts: bool,
    /// The request counters by route and status (200, 500, 503, 404: what a rendered answer
    /// can have), made once rather than looked up by labels allocated per request.
    counters: [[OnceLock<Counter>; 4]; 2],
}

impl HotPath {
    pub(super) fn new(app: AppState, answers: Answers, metrics: Arc<Metrics>, rate: RateCheck, hsts: bool) -> Self {
        HotPath { app, answers, metrics, rate, hsts, counters: Default::default() }
    }

    /// The answer to `request` from `peer` if it can be given here, else `None` (the
    /// router answers it).
    pub(super) fn answer<B: hyper::body::Body>(&self, request: &Request<B>, peer: IpAddr) -> Option<Response<Body>> {
        if request.method() != Method::GET || request.uri().query().is_some() || !request.body().is_end_stream() {
            return None;
        }
        let path = request.uri().path();
        let (kind, id) = if let Some(id) = path.strip_prefix("/api/v1/certificates/") {
            (Kind::Api, id)
        } else if let Some(id) = path.strip_prefix("/c/") {
            // The page in the reader's language (no query here: the cookie or Accept-Language).
            (Kind::Page(Lang::of(None, request.headers())), id)
        } else {
            return None;
        };
        // Only exactly an ID: anything the router would decode, redirect or refuse goes there.
        nanotrace_model::validate::certificate_id("certificate ID", id).ok()?;
        // An answer is only kept gzipped and plain; a client asking for some other coding
        // is left to the compression layer.
        let accept_encoding = request.headers().get(header::ACCEPT_ENCODING);
        if accept_encoding.is_some() && !accepts_gzip(accept_encoding) {
            return None;
        }
        // A request answered here takes from the bucket, and one refused goes to the router,
        // whose limiter refuses it with 429 and `Retry-After`. A request not kept is checked
        // before its read, so that a client past its rate costs no read of the tables; one
        // that then needs the ledger (a miss read through) takes from the bucket again in
        // the router.
        let allowed = || (self.rate)(peer).then_some(());
        let at = now();
        let hit = match kept(&self.app, &self.answers, &self.metrics, kind, id, at) {
            Some(hit) => {
                allowed()?;
                hit
            }
            // Not kept, but the cache stored it as the follower wrote the record: one point
            // read, its freshness written anew.
            None => {
                allowed()?;
                match (self.answers.stored)(&self.app, &self.answers, &self.metrics, kind, id, at) {
                    Some(hit) => hit,
                    // Else the cache itself can tell (its memo, or its tables): rendered here.
                    None => {
                        let before = self.app.stamp(at);
                        let found = lookup_stored(&self.app, id, at)?;
                        render_and_keep(&self.app, &self.answers, kind, id, at, before, &found)
                    }
                }
            }
        };
        self.metrics.verdict(hit.verdict);
        let mut response = secure_headers(hit.response(accept_encoding));
        if self.hsts {
            response = strict_transport(response);
        }
        self.count(kind, response.status());
        self.metrics.answered_directly.inc();
        trace(request, response.status());
        Some(response)
    }

    fn count(&self, kind: Kind, status: StatusCode) {
        let (row, route) = match kind {
            Kind::Page(_) => (0, PAGE_ROUTE),
            Kind::Api => (1, API_ROUTE),
        };
        let column = match status {
            StatusCode::OK => 0,
            StatusCode::INTERNAL_SERVER_ERROR => 1,
            StatusCode::SERVICE_UNAVAILABLE => 2,
            StatusCode::NOT_FOUND => 3,
            _ => return self.metrics.request(route, status),
        };
        self.counters[row][column].get_or_init(|| self.metrics.request_counter(route, status)).inc();
    }
}

/// What the router's trace layer records of a request, at the same level.
fn trace<B>(request: &Request<B>, status: StatusCode) {
    if tracing::enabled!(tracing::Level::INFO) {
        let span = tracing::info_span!("request", method = %request.method(), uri = %request.uri(), version = ?request.version());
        let _entered = span.enter();
        tracing::info!(status = status.as_u16(), "finished processing request");
    }
}

/// A connection's service: the hot path first, the router for everything else.
pub(super) struct Hot<S> {
    path: Arc<HotPath>,
    peer: IpAddr,
    router: S,
}

impl<S> Hot<S> {
    pub(super) fn new(path: Arc<HotPath>, peer: IpAddr, router: S) -> Self {
        Hot { path, peer, router }
    }
}

impl<S> hyper::service::Service<Request<hyper::body::Incoming>> for Hot<S>
where
    S: hyper::service::Service<
        Request<hyper::body::Incoming>,
        Response = Response<Body>,
        Error = std::convert::Infallible,
    >,
{
    type Response = Response<Body>;
    type Error = std::convert::Infallible;
    type Future = tokio_util::either::Either<std::future::Ready<Result<Response<Body>, Self::Error>>, S::Future>;

    fn call(&self, request: Request<hyper::body::Incoming>) -> Self::Future {
        match self.path.answer(&request, self.peer) {
            Some(response) => tokio_util::either::Either::Left(std::future::ready(Ok(response))),
            None => tokio_util::either::Either::Right(self.router.call(request)),
        }
    }
}
