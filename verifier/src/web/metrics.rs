//! Prometheus metrics: requests by route template and status, verdicts served, and —
//! read at scrape time — the follower's progress, open connections and how the cache
//! answered lookups (negative cache, disk, ledger).

use super::Web;
use crate::state::now;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use nanotrace_model::Verdict;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerdictLabels {
    verdict: &'static str,
}

pub(super) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    verdicts: Family<VerdictLabels, Counter>,
    checkpoint_block: Gauge,
    source_height: Gauge,
    since_sync: Gauge<f64, AtomicU64>,
    follower_error: Gauge,
    ready: Gauge,
    stale: Gauge,
    /// Read off the connection registry and the cache at scrape time; totals since start.
    connections: Family<NameLabel, Gauge>,
    lookups: Family<NameLabel, Gauge>,
    answers_kept: Family<NameLabel, Gauge>,
    answers_stored: Family<NameLabel, Gauge>,
    request_bodies: Family<NameLabel, Gauge>,
    /// Status lists built (each build reads every cached certificate).
    pub(super) status_list_builds: Counter,
    /// Answers the hot path served without the router (`super::hot`).
    pub(super) answered_directly: Counter,
    /// Kept answers served with their freshness written anew (`super::rendered`).
    pub(super) answered_freshened: Counter,
    /// Answers the cache stored as the follower wrote their records, served with their
    /// freshness written anew (`super::prerendered`).
    pub(super) answered_prerendered: Counter,
    /// Each verdict's counter, made once (every answer counts one).
    by_verdict: [OnceLock<Counter>; 16],
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NameLabel {
    what: &'static str,
}

impl Metrics {
    pub(super) fn new() -> Self {
        let mut registry = Registry::with_prefix("nanotrace_verifier");
        let requests = Family::<RequestLabels, Counter>::default();
        let verdicts = Family::<VerdictLabels, Counter>::default();
        let checkpoint_block = Gauge::default();
        let source_height = Gauge::default();
        let since_sync = Gauge::<f64, AtomicU64>::default();
        let follower_error = Gauge::default();
        let ready = Gauge::default();
        let stale = Gauge::default();
        let connections = Family::<NameLabel, Gauge>::default();
        let lookups = Family::<NameLabel, Gauge>::default();
        let answers_kept = Family::<NameLabel, Gauge>::default();
        let answers_stored = Family::<NameLabel, Gauge>::default();
        let request_bodies = Family::<NameLabel, Gauge>::default();
        registry.register(
            "request_bodies",
            "Request bodies: the bytes held now and their limit (--max-body-bytes-in-flight), and the \
             requests refused since start because that budget stayed spent (busy, 503)",
            request_bodies.clone(),
        );
        registry.register(
            "answers_kept",
            "Certificates' rendered answers kept for reuse now: answers, and the bytes they count for \
             against --answer-cache-mb (bytes_limit)",
            answers_kept.clone(),
        );
        registry.register(
            "answers_stored",
            "The certificates' answers stored on disk as their records were written, now: segments (files), \
             bytes (written to them) and live_bytes (of answers in force; the rest is reclaimed by compaction)",
            answers_stored.clone(),
        );
        registry.register(
            "connections",
            "HTTP connections: open and limit now; accepted, evicted (closed while waiting, to make room), \
             refused (503, all busy) and header_timeouts (no whole request head in time) since start",
            connections.clone(),
        );
        registry.register(
            "cache_lookups",
            "Certificate lookups since start: disk_reads (RocksDB), ledger_reads (the peer), negative_hits \
             (answered unknown from memory), filter_absent (answered unknown by the tables' Bloom filters \
             without a read; the server reads the tables, whose filters answer, and counts disk_reads), negative_evicted, checked_signatures (issuance signatures verified by lookups, once \
             per record version without a mark), signed_on_write (verified as the follower wrote the records), \
             signed_marks (lookups that took such a check), answers_rendered (certificates whose answers were \
             rendered and stored as their records were written, or in the background), answers_read (lookups \
             that took stored answers); and negative_entries / negative_capacity, answers_pending (1: answers are stored \
             and some are still being rendered) now",
            lookups.clone(),
        );
        registry.register("http_requests", "HTTP requests by route template and status", requests.clone());
        registry.register("verdicts", "Verdicts served (pages, API and token checks) by verdict", verdicts.clone());
        registry.register("cache_checkpoint_block", "Last ledger block applied to the cache", checkpoint_block.clone());
        registry.register("source_height", "Ledger height when the follower last asked", source_height.clone());
        registry.register(
            "seconds_since_sync",
            "Seconds since the cache last equalled the ledger's head (-1: never)",
            since_sync.clone(),
        );
        registry.register(
            "follower_error",
            "1 while the follower's last read of the ledger failed",
            follower_error.clone(),
        );
        registry.register("ready", "1 once the first catch-up has finished", ready.clone());
        registry.register("stale", "1 while verdicts are UNVERIFIABLE because the cache is too old", stale.clone());
        let status_list_builds = Counter::default();
        registry.register(
            "status_list_builds",
            "Status lists built from the cache (once per purpose and ledger change, however many ask)",
            status_list_builds.clone(),
        );
        let answered_directly = Counter::default();
        registry.register(
            "answered_directly",
            "Cached certificate answers (GET /c/{id}, /api/v1/certificates/{id}) served without the router; \
             they are counted in http_requests too",
            answered_directly.clone(),
        );
        let answered_freshened = Counter::default();
        registry.register(
            "answered_freshened",
            "Cached certificate answers rendered under an earlier ledger state or second, served with their \
             as_of and checked_at written anew: the certificate, the trust list and the organisations unchanged",
            answered_freshened.clone(),
        );
        let answered_prerendered = Counter::default();
        registry.register(
            "answered_prerendered",
            "Certificate answers rendered when the follower wrote their records and stored in the cache, served \
             with one read of the cache and their as_of and checked_at written anew",
            answered_prerendered.clone(),
        );
        Metrics {
            registry,
            requests,
            verdicts,
            checkpoint_block,
            source_height,
            since_sync,
            follower_error,
            ready,
            stale,
            connections,
            lookups,
            answers_kept,
            answers_stored,
            request_bodies,
            status_list_builds,
            answered_directly,
            answered_freshened,
            answered_prerendered,
            by_verdict: Default::default(),
        }
    }

    fn request_labels(route: &str, status: StatusCode) -> RequestLabels {
        RequestLabels { route: route.to_owned(), status: status.as_u16().to_string() }
    }

    /// The counter of requests to `route` answered with `status`, to keep and increment.
    pub(super) fn request_counter(&self, route: &str, status: StatusCode) -> Counter {
        self.requests.get_or_create(&Self::request_labels(route, status)).clone()
    }

    pub(super) fn request(&self, route: &str, status: StatusCode) {
        self.requests.get_or_create(&Self::request_labels(route, status)).inc();
    }

    pub(super) fn verdict(&self, verdict: Verdict) {
        let labels = || VerdictLabels { verdict: verdict.as_str() };
        match self.by_verdict.get(verdict as usize) {
            Some(slot) => slot.get_or_init(|| self.verdicts.get_or_create(&labels()).clone()).inc(),
            None => self.verdicts.get_or_create(&labels()).inc(),
        };
    }
}

/// Counts every response by the route template it matched ("unmatched" for 404s).
pub(super) async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let response = next.run(request).await;
    metrics.request(route.as_deref().unwrap_or("unmatched"), response.status());
    response
}

/// `GET /metrics`.
pub(super) async fn metrics(State(web): State<Web>) -> Response {
    let status = web.app.sync.snapshot();
    let m = &web.metrics;
    m.checkpoint_block.set(i64::try_from(status.checkpoint.block_number).unwrap_or(i64::MAX));
    m.source_height.set(i64::try_from(status.source_height).unwrap_or(i64::MAX));
    m.since_sync.set(status.synced_at.map_or(-1.0, |at| (now() - at).max(0) as f64));
    m.follower_error.set(i64::from(status.last_error.is_some()));
    m.ready.set(i64::from(status.ready));
    m.stale.set(i64::from(web.app.stale_reason(&status, now()).is_some()));
    let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let c = web.connections.stats();
    for (what, value) in [
        ("open", c.open as u64),
        ("limit", c.limit as u64),
        ("accepted", c.accepted),
        ("evicted", c.evicted),
        ("refused", c.refused),
        ("header_timeouts", c.header_timeouts),
    ] {
        m.connections.get_or_create(&NameLabel { what }).set(gauge(value));
    }
    let l = web.app.cache.lookup_stats();
    for (what, value) in [
        ("disk_reads", l.disk_reads),
        ("ledger_reads", l.ledger_reads),
        ("negative_hits", l.negative_hits),
        ("filter_absent", l.filter_absent),
        ("checked_signatures", l.checked_signatures),
        ("signed_on_write", l.signed_on_write),
        ("signed_marks", l.signed_marks),
        ("answers_rendered", l.answers_rendered),
        ("answers_read", l.answers_read),
        ("answers_pending", u64::from(web.app.cache.answers_pending())),
        ("negative_evicted", l.negative_evicted),
        ("negative_entries", l.negative_entries as u64),
        ("negative_capacity", l.negative_capacity as u64),
    ] {
        m.lookups.get_or_create(&NameLabel { what }).set(gauge(value));
    }
    let (segments, bytes, live) = web.app.cache.answer_file_sizes();
    for (what, value) in [("segments", segments as u64), ("bytes", bytes), ("live_bytes", live)] {
        m.answers_stored.get_or_create(&NameLabel { what }).set(gauge(value));
    }
    let (answers, bytes) = web.answers.memo.usage();
    for (what, value) in [("answers", answers), ("bytes", bytes), ("bytes_limit", web.answers.memo.limit())] {
        m.answers_kept.get_or_create(&NameLabel { what }).set(gauge(value as u64));
    }
    let b = &web.bodies;
    for (what, value) in [("bytes_in_flight", b.in_flight()), ("bytes_limit", b.total()), ("busy", b.busy())] {
        m.request_bodies.get_or_create(&NameLabel { what }).set(gauge(value as u64));
    }
    let mut text = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &m.registry) {
        tracing::error!(error = %e, "cannot encode metrics");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
