//! The public, read-only HTTP surface: verification pages, a JSON API, QR codes, a GS1
//! Digital Link resolver, probes and metrics.
//!
//! Every answer comes from the cache through [`AppState::verdict`], which fails closed:
//! when the cache is too old the verdict is UNVERIFIABLE (503), never VALID.
//!
//! Routes (GET and HEAD unless noted):
//!
//! | route | answer |
//! |---|---|
//! | `/` | search page |
//! | `/c?id=...` | 303 to `/c/{id}` (normalised), 400 page for a bad ID |
//! | `/c/{id}` | verification page (`?t=` checks an offline token); 404 UNKNOWN, 503 UNVERIFIABLE |
//! | `/api/v1/certificates/{id}` | the verdict as JSON; 404 UNKNOWN, 503 UNVERIFIABLE |
//! | `/api/v1/certificates/{id}/history` | the audit trail as a JSON list |
//! | `/api/v1/issuers` | the issuer trust list |
//! | POST `/api/v1/verify` | checks an offline token: 200, 422 forged/invalid, 400 malformed |
//! | `/api/v1/openapi.yaml` | the OpenAPI 3.1 description of the JSON API |
//! | `/qr/{id}.svg`, `/qr/{id}.png` | QR code of the certificate's verification URL and token |
//! | `/01/{gtin}/10/{lot}` | GS1 Digital Link: 302 to the product's newest certificate |
//! | `/healthz`, `/readyz`, `/metrics` | probes and Prometheus metrics |

mod api;
mod html;
mod metrics;
mod qr;
mod rendered;

use crate::cache::CachedCertificate;
use crate::config::Config;
use crate::state::{now, AppState, AsOf, VerdictView};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use nanotrace_chaincode::model::{IssuerKey, Verdict, Verification, CERTIFICATE_ID_LEN, CERTIFICATE_ID_PREFIX};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tower::util::MapResponseLayer;
use tower::{Service, ServiceExt};
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};

pub use html::escape;

/// The Content-Security-Policy of every response: no scripts, no external anything.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The OpenAPI 3.1 description of the JSON API.
pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

/// What every handler gets.
#[derive(Clone)]
struct Web {
    app: AppState,
    metrics: Arc<metrics::Metrics>,
    rendered: Arc<rendered::RenderedMemo>,
}

/// The rate limiter's key: the peer IP from `ConnectInfo`, or one shared key when the
/// router runs without connect info (in-process tests).
#[derive(Debug, Clone, Copy)]
struct PeerIp;

impl KeyExtractor for PeerIp {
    type Key = IpAddr;

    fn extract<T>(&self, req: &axum::http::Request<T>) -> Result<IpAddr, GovernorError> {
        Ok(req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
    }
}

/// Forgets the rate-limit state of clients that went quiet.
type Janitor = Box<dyn Fn() + Send + Sync>;

/// All routes and middleware. Works with `tower::ServiceExt::oneshot` (the rate limiter
/// then puts every request in one bucket) and, through [`serve`], per client IP.
pub fn router(state: AppState, config: &Config) -> Router {
    build(state, config).0
}

fn build(state: AppState, config: &Config) -> (Router, Janitor) {
    let web = Web {
        app: state,
        metrics: Arc::new(metrics::Metrics::new()),
        rendered: Arc::new(rendered::RenderedMemo::default()),
    };
    let per_request = Duration::from_nanos(1_000_000_000 / config.rate_per_sec.max(1));
    let limiter = Arc::new(
        GovernorConfigBuilder::default()
            .key_extractor(PeerIp)
            .period(per_request)
            .burst_size(config.rate_burst.max(1))
            .finish()
            .unwrap_or_else(|| unreachable!("period and burst are at least 1")),
    );
    let buckets = limiter.limiter().clone();
    let janitor: Janitor = Box::new(move || buckets.retain_recent());
    let governor = GovernorLayer::new(limiter).error_handler(too_many_requests);

    // Everything a client can ask for is rate limited per IP; the probes are not, so an
    // orchestrator never sees a busy verifier as a dead one.
    let limited = Router::new()
        .route("/", get(html::index))
        .route("/c", get(html::search))
        .route("/c/{id}", get(html::certificate))
        .route("/api/v1/certificates/{id}", get(api::certificate))
        .route("/api/v1/certificates/{id}/history", get(api::history))
        .route("/api/v1/issuers", get(api::issuers))
        .route("/api/v1/verify", post(api::verify))
        .route("/api/v1/openapi.yaml", get(api::openapi))
        .route("/qr/{file}", get(qr::qr))
        .route("/01/{gtin}/10/{lot}", get(html::digital_link))
        .route("/metrics", get(metrics::metrics))
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(governor);
    let probes = Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz));

    let timeout = Duration::from_secs(config.timeout_secs.max(1));
    let app = probes
        .merge(limited)
        .layer(middleware::from_fn_with_state(timeout, deadline))
        .layer(CompressionLayer::new().gzip(true))
        .layer(middleware::from_fn_with_state(web.metrics.clone(), metrics::track))
        .layer(MapResponseLayer::new(secure_headers as fn(Response) -> Response));
    let app = app
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(web);
    (app, janitor)
}

/// Serves [`router`] on `listener` until `shutdown` completes, then lets the open
/// connections finish (bounded by the request timeout). Request heads larger than
/// `config.max_header_bytes` get 431 and the connection is closed; heads must arrive
/// within the request timeout.
///
/// The calling task accepts connections and hands them round-robin to
/// `config.http_threads()` threads, each running its own single-threaded event loop, so
/// every request of a connection is parsed, answered and written on one thread with no
/// cross-thread wake-ups (the way nginx runs one event loop per worker).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (app, janitor) = build(state, config);
    let make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let timeout = Duration::from_secs(config.timeout_secs.max(1));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeout)
        .max_header_size(config.max_header_bytes)
        .max_buf_size(config.max_header_bytes.max(8192))
        .keep_alive(true);

    // Forget the rate-limit state of clients that went quiet.
    let janitor = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            janitor();
        }
    });

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    let mut queues = Vec::new();
    for index in 0..config.http_threads().max(1) {
        let (queue, incoming) = tokio::sync::mpsc::unbounded_channel::<(std::net::TcpStream, SocketAddr)>();
        let worker = Worker { make_service: make_service.clone(), http: http.clone(), stop: stop_rx.clone(), timeout };
        let thread =
            std::thread::Builder::new().name(format!("nanotrace-http-{index}")).spawn(move || worker.run(incoming))?;
        workers.push(thread);
        queues.push(queue);
    }

    tokio::pin!(shutdown);
    tracing::info!(addr = ?listener.local_addr().ok(), threads = queues.len(), "serving");
    let mut next = 0usize;
    let mut failed = None;
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Per-connection errors (reset before accept) and resource exhaustion:
                    // log, back off a little, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        // Deregistered from this thread's event loop; the worker registers it in its own.
        let stream = match stream.into_std() {
            Ok(stream) => stream,
            Err(e) => {
                tracing::warn!(%peer, error = %e, "cannot hand over a connection");
                continue;
            }
        };
        next = (next + 1) % queues.len();
        if queues[next].send((stream, peer)).is_err() {
            failed = Some(format!("HTTP thread {next} has stopped"));
            break;
        }
    }
    drop(listener);
    drop(queues);
    janitor.abort();
    let _ = stop_tx.send(true);
    // Each worker drains its connections (bounded by its own deadline) and returns.
    let joined = tokio::task::spawn_blocking(move || {
        for thread in workers {
            if thread.join().is_err() {
                tracing::error!("an HTTP thread panicked");
            }
        }
    })
    .await;
    if let Err(e) = joined {
        tracing::error!(error = %e, "cannot wait for the HTTP threads");
    }
    match failed {
        Some(why) => Err(std::io::Error::other(why)),
        None => {
            tracing::info!("stopped serving");
            Ok(())
        }
    }
}

type MakeService = axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, SocketAddr>;

/// One HTTP thread: a single-threaded event loop serving the connections it is given.
struct Worker {
    make_service: MakeService,
    http: hyper::server::conn::http1::Builder,
    stop: tokio::sync::watch::Receiver<bool>,
    timeout: Duration,
}

impl Worker {
    fn run(self, incoming: tokio::sync::mpsc::UnboundedReceiver<(std::net::TcpStream, SocketAddr)>) {
        match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime.block_on(self.serve(incoming)),
            Err(e) => tracing::error!(error = %e, "cannot start an HTTP thread's event loop"),
        }
    }

    async fn serve(mut self, mut incoming: tokio::sync::mpsc::UnboundedReceiver<(std::net::TcpStream, SocketAddr)>) {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                handed = incoming.recv() => match handed {
                    Some((stream, peer)) => match tokio::net::TcpStream::from_std(stream) {
                        Ok(stream) => self.connection(&mut connections, stream, peer).await,
                        Err(e) => tracing::warn!(%peer, error = %e, "cannot take over a connection"),
                    },
                    // The acceptor has stopped.
                    None => break,
                },
            }
        }
        let drain = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(self.timeout + Duration::from_secs(5), drain).await.is_err() {
            tracing::warn!(open = connections.len(), "closing connections that did not finish in time");
            connections.abort_all();
        }
    }

    async fn connection(
        &mut self,
        connections: &mut tokio::task::JoinSet<()>,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
    ) {
        let service = match ServiceExt::<SocketAddr>::ready(&mut self.make_service).await {
            Ok(ready) => match ready.call(peer).await {
                Ok(service) => service,
                Err(never) => match never {},
            },
            Err(never) => match never {},
        };
        let connection = self.http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let mut stop = self.stop.clone();
        connections.spawn(async move {
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                }
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
}

/// The headers every response carries: a strict content security policy and the like,
/// and `Cache-Control: no-store` unless the handler chose otherwise (verdicts change).
fn secure_headers(mut response: Response) -> Response {
    const SECURITY: [(HeaderName, &str); 6] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ];
    let headers = response.headers_mut();
    headers.reserve(SECURITY.len() + 1);
    for (name, value) in SECURITY {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn too_many_requests(error: GovernorError) -> Response<Body> {
    let (status, wait) = match error {
        GovernorError::TooManyRequests { wait_time, .. } => (StatusCode::TOO_MANY_REQUESTS, wait_time.max(1)),
        GovernorError::UnableToExtractKey => (StatusCode::TOO_MANY_REQUESTS, 1),
        GovernorError::Other { code, .. } => (code, 1),
    };
    let mut response =
        (status, format!("Too many requests from your address; retry after {wait} s.\n")).into_response();
    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Requests that take longer than the configured timeout get 503.
async fn deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(?limit, "request timed out");
            let mut response =
                (StatusCode::SERVICE_UNAVAILABLE, "The verifier took too long to answer; please try again.\n")
                    .into_response();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(web): State<Web>) -> Response {
    let status = web.app.sync.snapshot();
    if !status.ready {
        return (StatusCode::SERVICE_UNAVAILABLE, "not ready: the first catch-up with the ledger has not finished\n")
            .into_response();
    }
    match web.app.stale_reason(&status, now()) {
        Some(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {reason}\n")).into_response(),
        None => (StatusCode::OK, format!("ready: ledger block {}\n", status.checkpoint.block)).into_response(),
    }
}

async fn not_found(request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") {
        api::error(StatusCode::NOT_FOUND, "not_found", "no such API route")
    } else {
        html::error_page(StatusCode::NOT_FOUND, "Page not found", "There is no page at this address.")
    }
}

/// A certificate ID as typed by a person: whitespace removed, upper-cased, `NT-` added
/// when missing. `None` unless the result is a well-formed ID.
fn normalize_id(input: &str) -> Option<String> {
    if input.len() > 64 {
        return None;
    }
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let candidate = if compact.starts_with(CERTIFICATE_ID_PREFIX) {
        compact
    } else if compact.len() == CERTIFICATE_ID_LEN + 2 && compact.starts_with("NT") {
        format!("{CERTIFICATE_ID_PREFIX}{}", &compact[2..])
    } else if compact.len() == CERTIFICATE_ID_LEN {
        format!("{CERTIFICATE_ID_PREFIX}{compact}")
    } else {
        compact
    };
    check_id(&candidate).ok().map(|()| candidate)
}

/// Exactly a certificate ID, or why not.
fn check_id(id: &str) -> Result<(), String> {
    nanotrace_chaincode::validate::certificate_id("certificate ID", id).map_err(|e| e.to_string())
}

/// A verdict and what the pages and the API show with it, read off the cache.
struct Lookup {
    view: VerdictView,
    issuers: Vec<IssuerKey>,
    /// False when the cache could not be read (the verdict is then UNVERIFIABLE).
    readable: bool,
}

impl Lookup {
    fn verdict(&self) -> Verdict {
        self.view.verification.verdict
    }

    /// The cached record, unless the verdict is UNVERIFIABLE: a stale record must not
    /// be shown as if it were current.
    fn current(&self) -> Option<&CachedCertificate> {
        match self.verdict() {
            Verdict::Unverifiable => None,
            _ => self.view.cached.as_ref(),
        }
    }

    /// Supplier certificates not in force (none when UNVERIFIABLE).
    fn flags(&self) -> &[nanotrace_chaincode::model::DependencyFlag] {
        match self.verdict() {
            Verdict::Unverifiable => &[],
            _ => &self.view.verification.flags,
        }
    }

    /// The newer version (none when UNVERIFIABLE).
    fn superseded_by(&self) -> Option<&str> {
        match self.verdict() {
            Verdict::Unverifiable => None,
            _ => self.view.verification.superseded_by.as_deref(),
        }
    }

    fn issuer_key(&self) -> Option<&IssuerKey> {
        let key_id = &self.current()?.certificate.issuance.as_ref()?.issuer_key_id;
        self.issuers.iter().find(|k| &k.key_id == key_id)
    }

    /// The HTTP status a verdict is served with.
    fn status(&self) -> StatusCode {
        match self.verdict() {
            Verdict::Unknown => StatusCode::NOT_FOUND,
            Verdict::Unverifiable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::OK,
        }
    }
}

/// Reads the verdict on `id` (a well-formed ID) at `at` (Unix seconds) off the cache,
/// in a blocking task unless the records are in memory. A cache that cannot be read
/// gives UNVERIFIABLE.
async fn lookup(app: &AppState, id: &str, at: i64) -> Lookup {
    // Hot path: both records in memory, no blocking I/O.
    if let Some(issuers) = app.cache.memoized_issuers() {
        if let Some(view) = app.verdict_memoized(id, at) {
            return Lookup { view, issuers, readable: true };
        }
    }
    let app = app.clone();
    let id = id.to_owned();
    let read = {
        let id = id.clone();
        let app = app.clone();
        tokio::task::spawn_blocking(move || -> Result<Lookup, String> {
            let view = app.verdict(&id, at).map_err(|e| e.to_string())?;
            let issuers = app.cache.issuers().map_err(|e| e.to_string())?;
            Ok(Lookup { view, issuers, readable: true })
        })
        .await
    };
    match read {
        Ok(Ok(found)) => found,
        Ok(Err(message)) => unverifiable(&app, &id, at, &message),
        Err(join) => unverifiable(&app, &id, at, &join.to_string()),
    }
}

fn unverifiable(app: &AppState, id: &str, at: i64, message: &str) -> Lookup {
    tracing::error!(id, error = message, "cannot read the cache");
    Lookup {
        view: VerdictView {
            verification: Verification {
                certificate_id: id.to_owned(),
                verdict: Verdict::Unverifiable,
                reason: "cannot verify now: the verifier cannot read its copy of the ledger".to_owned(),
                since: None,
                checked_at: at,
                superseded_by: None,
                flags: Vec::new(),
                certificate: None,
            },
            cached: None,
            as_of: app.as_of(at),
        },
        issuers: Vec::new(),
        readable: false,
    }
}

/// The answer of kind `kind` on certificate `id` (a well-formed ID) now: reused when
/// one was rendered under the same [`crate::state::Stamp`], else looked up and rendered
/// by `render`.
async fn answer(
    web: &Web,
    kind: rendered::Kind,
    id: &str,
    accept_encoding: Option<&HeaderValue>,
    render: impl FnOnce(&Lookup) -> rendered::Rendered,
) -> Response {
    let at = now();
    let before = web.app.stamp(at);
    if let Some(hit) = web.rendered.get(kind, id, before) {
        web.metrics.verdict(hit.verdict);
        return hit.response(accept_encoding);
    }
    let found = lookup(&web.app, id, at).await;
    let answer = render(&found).compressed();
    web.metrics.verdict(answer.verdict);
    let response = answer.response(accept_encoding);
    if found.readable {
        web.rendered.put(kind, id, before, web.app.stamp(at), answer);
    }
    response
}

/// Runs a blocking cache read.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, String> + Send + 'static) -> Result<T, String> {
    tokio::task::spawn_blocking(f).await.map_err(|e| e.to_string())?
}

fn age_text(as_of: &AsOf) -> String {
    match as_of.age_seconds {
        None => "never synced with the ledger".to_owned(),
        Some(s) if s < 120 => format!("synced {s} s ago"),
        Some(s) if s < 7200 => format!("synced {} min ago", s / 60),
        Some(s) if s < 172_800 => format!("synced {} h ago", s / 3600),
        Some(s) => format!("synced {} days ago", s / 86_400),
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM UTC`.
fn date_time(seconds: i64) -> String {
    use time::macros::format_description;
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).ok())
        .unwrap_or_else(|| format!("{seconds} (Unix time)"))
}

/// Unix seconds as `YYYY-MM-DD`.
fn date(seconds: i64) -> String {
    use time::macros::format_description;
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(format_description!("[year]-[month]-[day]")).ok())
        .unwrap_or_else(|| format!("{seconds} (Unix time)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_normalised_for_people() {
        assert_eq!(normalize_id("NT-ABCDEFGH2345").as_deref(), Some("NT-ABCDEFGH2345"));
        assert_eq!(normalize_id("  nt-abcd efgh 2345 ").as_deref(), Some("NT-ABCDEFGH2345"));
        assert_eq!(normalize_id("abcdefgh2345").as_deref(), Some("NT-ABCDEFGH2345"));
        assert_eq!(normalize_id("NTABCDEFGH2345").as_deref(), Some("NT-ABCDEFGH2345"));
        assert_eq!(normalize_id("NT-ABCDEFGH2340"), None);
        assert_eq!(normalize_id("../../etc/passwd"), None);
        assert_eq!(normalize_id(&"A".repeat(10_000)), None);
        assert_eq!(normalize_id("NT-ÄBCDEFGH2345"), None);
    }

    #[test]
    fn dates_are_readable() {
        assert_eq!(date_time(1_767_225_600), "2026-01-01 00:00 UTC");
        assert_eq!(date(1_767_225_600), "2026-01-01");
        assert_eq!(date(i64::MAX), format!("{} (Unix time)", i64::MAX));
    }
}
