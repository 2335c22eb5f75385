//! The routes and the layers around them: rate limit per client IP (not on the probes),
//! body limit, request deadline, gzip, metrics, security headers and tracing.

use super::body_budget::{within_budget, Admission, BodyBudget};
use super::connections::{effective_limit, Connections};
use super::error_code::ErrorCode;
use super::headers::{secure_headers, strict_transport};
use super::hot::{HotPath, RateCheck};
use super::lookup::{Answers, Lookup};
use super::metrics;
use super::rendered::{Kind, Rendered, RenderedMemo};
use super::{api, i18n, pages, qr, resolver, Web};
use crate::config::Config;
use crate::state::{now, AppState, AsOf};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use nanotrace_model::link::{API_ROUTE, PAGE_ROUTE};
use nanotrace_ratelimit::{PerClient, Refusal};
use std::sync::Arc;
use std::time::Duration;
use tower::util::MapResponseLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnFailure, DefaultOnResponse, TraceLayer};

/// The answers kept for reuse ([`super::rendered`]), rendered: a certificate's JSON
/// document, or its page (without a token) in a language.
fn render_answer(app: &AppState, kind: Kind, id: &str, found: &Lookup) -> Rendered {
    render_kind(&app.public_url, kind, id, found)
}

/// [`render_answer`] for a verifier served under `public_url`: also what the cache stores
/// as the follower writes a record ([`super::prerendered`]).
pub(super) fn render_kind(public_url: &str, kind: Kind, id: &str, found: &Lookup) -> Rendered {
    match kind {
        Kind::Api => api::render(found, public_url),
        Kind::Page(lang) => pages::page(lang, id, found, None, ""),
    }
}

impl super::prerendered::Prerender {
    /// A renderer of the answers served under `public_url`, for the cache to store, as
    /// `render_kind` renders them (defined here, where the pages and the API are known).
    pub fn new(public_url: &str) -> Self {
        Self::with(public_url, render_kind)
    }
}

/// The freshness part of a kept answer ([`Rendered::fresh`]) for data `as_of` checked at
/// `at`: what [`render_answer`] writes there.
fn freshen_answer(kind: Kind, id: &str, as_of: &AsOf, at: i64) -> Vec<u8> {
    match kind {
        Kind::Api => api::freshness(as_of, at),
        Kind::Page(lang) => pages::freshness(lang, id, as_of, at).into_bytes(),
    }
}

/// Forgets the rate-limit state of clients that went quiet.
pub(super) type Janitor = Box<dyn Fn() + Send + Sync>;

/// All routes and middleware. Works with `tower::ServiceExt::oneshot` (the rate limiter
/// then puts every request in one bucket) and, through [`serve`](super::serve), per client IP.
pub fn router(state: AppState, config: &Config) -> Router {
    build(state, config).router
}

/// What [`build`] makes for a server.
pub(super) struct Built {
    pub(super) router: Router,
    /// Forgets the rate-limit state of quiet clients.
    pub(super) janitor: Janitor,
    /// The registry of open connections (`--max-connections`) the metrics report on.
    pub(super) connections: Arc<Connections>,
    /// Answers cached certificate lookups before the router, with the same limiter,
    /// metrics and headers.
    pub(super) hot: Arc<HotPath>,
}

pub(super) fn build(state: AppState, config: &Config) -> Built {
    let connections = Arc::new(Connections::new(effective_limit(config.max_connections)));
    let limiter = PerClient::new(config.rate_per_sec, config.rate_burst);
    // Request bodies are read whole before a handler sees them: their bytes in flight
    // across all connections are bounded (`--max-body-bytes-in-flight`).
    let budget =
        Arc::new(BodyBudget::new(config.max_body_bytes_in_flight, config.max_list_bytes.max(config.max_body_bytes)));
    let web = Web {
        app: state,
        metrics: Arc::new(metrics::Metrics::new()),
        answers: Answers {
            memo: Arc::new(RenderedMemo::new(usize::try_from(config.answer_cache_bytes()).unwrap_or(usize::MAX))),
            doorkeeper: Arc::default(),
            render: render_answer,
            freshen: freshen_answer,
            stored: super::prerendered::stored,
        },
        connections: connections.clone(),
        status: Arc::new(super::status::StatusMemo::default()),
        limiter: limiter.clone(),
        bodies: budget,
    };
    let rate: RateCheck = {
        let limiter = limiter.clone();
        Box::new(move |ip| limiter.allows(ip))
    };
    let governor = limiter.layer(too_many_requests);
    let budget = web.bodies.clone();
    let janitor: Janitor = Box::new(move || limiter.forget_quiet());
    let hot = Arc::new(HotPath::new(
        web.app.clone(),
        web.answers.clone(),
        web.metrics.clone(),
        rate,
        config.tls_cert.is_some(),
    ));

    // Everything a client can ask for is rate limited per IP; the probes are not, so an
    // orchestrator never sees a busy verifier as a dead one.
    let limited = Router::new()
        .route("/", get(pages::index))
        .route("/c", get(pages::search))
        .route(PAGE_ROUTE, get(pages::certificate))
        .route(API_ROUTE, get(api::certificate))
        .route("/api/v1/certificates/{id}/history", get(api::history))
        .route("/api/v1/certificates/{id}/vc", get(super::credential::credential))
        .route("/api/v1/issuers", get(api::issuers))
        .route("/api/v1/openapi.yaml", get(api::openapi))
        .route("/api/v1/schemas", get(super::schemas::index))
        .route("/api/v1/schemas/{file}", get(super::schemas::schema))
        .route("/api/v1/status", get(super::status::status_index))
        .route("/api/v1/status/{purpose}/{list}", get(super::status::status_list))
        .route("/contexts/credentials/v2", get(super::status::context))
        .route("/qr/{file}", get(qr::qr))
        .route("/01/{*qualifiers}", get(resolver::resolve).options(resolver::preflight))
        .route("/.well-known/gs1resolver", get(resolver::description))
        .route("/products/{gtin}", get(pages::product))
        .route("/consignment", get(pages::consignment_page))
        .route("/assets/{*file}", get(super::assets::asset))
        .route("/sw.js", get(super::assets::service_worker))
        .route("/manifest.webmanifest", get(super::assets::manifest))
        .route("/offline", get(pages::offline_page))
        .route("/metrics", get(metrics::metrics))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            Admission { budget: budget.clone(), limit: config.max_body_bytes },
            within_budget,
        ))
        .layer(governor.clone());
    // A consignment's list is larger than any other request: a limit of its own, within
    // the same budget of bytes in flight.
    let lists = Router::new()
        .route("/api/v1/verify", post(api::verify))
        .route("/consignment", post(pages::consignment_report))
        .layer(middleware::from_fn_with_state(Admission { budget, limit: config.max_list_bytes }, within_budget))
        .layer(governor);
    let limited = lists.merge(limited);
    let probes = Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz));

    let timeout = Duration::from_secs(config.timeout_secs.max(1));
    let app = probes
        .merge(limited)
        .layer(middleware::from_fn_with_state(timeout, deadline))
        .layer(middleware::from_fn(i18n::remember_choice))
        .layer(CompressionLayer::new().gzip(true))
        .layer(middleware::from_fn_with_state(web.metrics.clone(), metrics::track))
        .layer(MapResponseLayer::new(secure_headers as fn(Response) -> Response));
    // Served over HTTPS itself: browsers are told to come back over HTTPS only.
    let app = if config.tls_cert.is_some() {
        app.layer(MapResponseLayer::new(strict_transport as fn(Response) -> Response))
    } else {
        app
    };
    let app = app
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
                // A 5xx is logged once, by `on_response` with its status, not again at
                // ERROR: `/readyz` answers 503 to every probe while the cache is built
                // (minutes at 10⁶ certificates), and a verdict it cannot vouch for is not
                // the verifier failing. Handlers log their own errors.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
        )
        .with_state(web);
    Built { router: app, janitor, connections, hot }
}

/// 429 with `Retry-After` (seconds).
fn too_many_requests(refusal: Refusal) -> Response<Body> {
    let wait = refusal.retry_after_secs;
    refusal.answer(format!("Too many requests from your address; retry after {wait} s.\n").into_response())
}

/// Requests that take longer than the configured timeout get 503 (the API's JSON error
/// `timeout` under `/api/`, text elsewhere).
async fn deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(?limit, "request timed out");
            const SAID: &str = "The verifier took too long to answer; please try again.";
            let mut response = if api {
                super::error_code::error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Timeout, SAID)
            } else {
                (StatusCode::SERVICE_UNAVAILABLE, format!("{SAID}\n")).into_response()
            };
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}

/// `GET /healthz`: the process answers.
async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: 200 once caught up and while fresh, else 503 with the reason.
async fn readyz(State(web): State<Web>) -> Response {
    let status = web.app.sync.snapshot();
    if !status.ready {
        return (StatusCode::SERVICE_UNAVAILABLE, "not ready: the first catch-up with the ledger has not finished\n")
            .into_response();
    }
    match web.app.stale_reason(&status, now()) {
        Some(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {reason}\n")).into_response(),
        None => (StatusCode::OK, format!("ready: ledger block {}\n", status.checkpoint.block_number)).into_response(),
    }
}

/// 404: JSON under `/api/`, a page elsewhere.
async fn not_found(request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") {
        super::error_code::error(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such API route")
    } else {
        pages::not_found_page(i18n::Lang::of(request.uri().query(), request.headers()))
    }
}
