//! The console's HTTP side: the routes ([`router`]), the pages ([`pages`], HTML made on
//! the server with no inline script or style), the JSON API the page script calls to
//! sign in and to carry a transaction through its signatures ([`api`]), and the frame
//! and assets every page shares ([`layout`]).
//!
//! Every response carries a Content-Security-Policy that allows scripts, styles,
//! images and requests from the console's own origin only (no inline script, no other
//! origin), `X-Frame-Options: DENY`, `nosniff` and `no-referrer`; pages are `no-store`.
//! Every request counts against its client's rate limit (`--rate-per-sec`,
//! `--rate-burst`; 429 with `Retry-After` past it), as the verifier's do: a client is an
//! IPv4 address or an IPv6 /64, the one a `--trusted-proxy` forwarded when the request
//! comes through one.

pub mod api;
pub mod billing;
pub mod credential;
mod dates;
pub mod extract;
pub mod failure;
pub mod finance;
pub mod invoice_download;
pub mod issuing;
pub mod layout;
pub mod ledger_view;
pub mod pages;
pub mod reads;
pub mod receipts;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::actions::Viewer;
use crate::config::Config;
use crate::ledger::reads::{Reads, PAGE_ANSWER_AGE};
use crate::ledger::ConsoleLedger;
use crate::registry::Registry;
use crate::session::{Session, Sessions};
use nanotrace_client::NanoTrace;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "nt_session";

/// The console's Content-Security-Policy.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// What every handler shares.
pub struct AppState {
    /// The configuration.
    pub config: Config,
    /// The console's public base URL.
    pub public_url: String,
    /// The ledger.
    pub ledger: ConsoleLedger,
    /// Sign-in challenges and sessions.
    pub sessions: Sessions,
    /// Invitations and issuer-key requests.
    pub registry: Registry,
    /// Emails enrollment links, when an SMTP server is configured.
    pub mailer: Option<nanotrace_notify::email::Mailer>,
    /// The per-client rate limit.
    pub limiter: nanotrace_ratelimit::PerClient,
    /// The responses committed transactions' next pages show.
    pub receipts: receipts::Receipts,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("public_url", &self.public_url).finish_non_exhaustive()
    }
}

impl AppState {
    /// Whether cookies are `Secure` (the console is reached over HTTPS).
    pub fn secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Shared state.
pub type Shared = Arc<AppState>;

/// The current time, Unix seconds.
pub use nanotrace_model::clock::unix_now as now;

/// The value of the session cookie in `headers`.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_owned())
    })
}

/// A signed-in member on this request: the session and what the contract says of them.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session ID (the cookie value).
    pub sid: String,
    /// The session.
    pub session: Session,
    /// Roles and organisation.
    pub viewer: Viewer,
}

impl SignedIn {
    /// The member's reads for a page (answers at most [`PAGE_ANSWER_AGE`] old on Fabric).
    pub fn reader<'a>(&'a self, state: &'a AppState) -> NanoTrace<Reads<'a>> {
        self.reader_within(state, PAGE_ANSWER_AGE)
    }

    /// The member's reads, from answers at most `max_age` old on Fabric.
    pub fn reader_within<'a>(&'a self, state: &'a AppState, max_age: std::time::Duration) -> NanoTrace<Reads<'a>> {
        state.ledger.reader(&self.session.key, &self.session.member, &self.session.standing, max_age)
    }
}

/// The signed-in member of this request, if any (their roles read from the contract
/// on every request, so a role revoked on the ledger is gone from the next page).
pub async fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<SignedIn> {
    let sid = session_id(headers)?;
    let session = state.sessions.get(&sid)?;
    let reader = state.ledger.reader(&session.key, &session.member, &session.standing, PAGE_ANSWER_AGE);
    let who = match reader.who_am_i().await {
        Ok(who) => who,
        Err(e) => {
            tracing::warn!(error = %e, "WhoAmI failed for a signed-in member");
            return None;
        }
    };
    let viewer = Viewer { name: session.member.common_name.clone(), who };
    Some(SignedIn { sid, session, viewer })
}

async fn security_headers(request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !is_asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// 404, for routes a member's role does not allow as for routes that do not exist.
pub fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

/// 429 in the API's shape, with `Retry-After`.
fn too_many_requests(refusal: nanotrace_ratelimit::Refusal) -> Response {
    let wait = refusal.retry_after_secs;
    let message = format!("too many requests from your address; retry after {wait} s");
    refusal.answer(failure::Failure::new(refusal.status, "rate limit", message).into_response())
}

/// The console's routes.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/enroll", get(pages::enroll))
        .route("/apply", get(pages::apply))
        .route("/certificates", get(pages::certificates))
        .route("/certificates/{id}", get(pages::certificate))
        .route("/certificates/{id}/qr.svg", get(pages::qr_svg))
        .route("/certificates/{id}/qr.png", get(pages::qr_png))
        .route("/queue", get(pages::queue))
        .route("/members", get(pages::members))
        .route("/roles", get(pages::roles))
        .route("/keys", get(pages::keys))
        .route("/ledger", get(ledger_view::ledger))
        .route("/billing", get(billing::billing))
        .route("/billing/{body}/{manufacturer}/{number}/{format}", get(invoice_download::invoice))
        .route("/assets/console.js", get(layout::script))
        .route("/assets/console.css", get(layout::stylesheet))
        .route("/api/signin/challenge", post(api::challenge))
        .route("/api/signin", post(api::sign_in))
        .route("/api/signout", post(api::sign_out))
        .route("/api/enroll/request", post(api::enroll_request))
        .route("/api/enroll", post(api::enroll))
        .route("/api/tx/{action}", post(api::propose))
        .route("/api/register-key/{key_id}", post(api::register_key))
        .route("/api/register-key-code", post(api::register_key_code))
        .route("/api/approval-terms", post(api::approval_terms))
        .route("/api/credential/terms", post(credential::terms))
        .route("/api/credential", post(credential::sign))
        .route("/api/credential/issuing-terms", post(issuing::issuing_terms))
        .route("/api/endorse", post(api::endorse))
        .route("/api/commit", post(api::commit))
        .route("/api/reads", post(reads::submit))
        .route("/api/members", post(api::invite))
        .route("/api/members/register", post(api::register_member))
        .route("/api/members/remove", post(api::remove_member))
        .route("/api/members/cancel", post(api::cancel_invitation))
        .route("/api/members/withdrawal", post(api::withdrawal))
        .route("/api/members/withdraw", post(api::withdraw))
        .route("/api/keys", post(api::request_key))
        // Liveness for the container's health check and orchestrators' probes: the
        // process serves (whether the ledger answers is the pages' business).
        .route("/healthz", get(|| async { "ok\n" }))
        .fallback(|| async { not_found() })
        .layer(state.limiter.layer(too_many_requests))
        .layer(middleware::from_fn(security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024))
        .with_state(state)
}

/// Why the console could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory's ledger could not be opened.
    #[error("cannot open the data directory: {0}")]
    DataDir(#[from] nanotrace_embedded::datadir::DataDirError),
    /// The organisation on Fabric could not be set up.
    #[error("Fabric: {0}")]
    Fabric(#[from] crate::ledger::fabric::FabricSetupError),
    /// A setting is missing.
    #[error("{0}")]
    Settings(String),
    /// The registry could not be opened.
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
    /// The SMTP settings are unusable.
    #[error("SMTP: {0}")]
    Smtp(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
}

/// A console bound to its address, ready to serve.
pub struct Console {
    listener: tokio::net::TcpListener,
    state: Shared,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").finish_non_exhaustive()
    }
}

impl Console {
    /// Opens the data directory and the registry and binds the address.
    pub async fn bind(config: Config) -> Result<Self, StartError> {
        let ledger = match &config.data_dir {
            Some(dir) => ConsoleLedger::embedded(nanotrace_embedded::datadir::DataDir::open(dir)?),
            None => ConsoleLedger::fabric(crate::ledger::fabric::FabricOrg::connect(&config.fabric).await?),
        };
        let state_dir =
            config.state_dir().ok_or_else(|| StartError::Settings("on Fabric the console needs --state-dir".into()))?;
        let registry = Registry::open(&state_dir)?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartError::Listen { addr: config.listen, source })?;
        let bound = listener.local_addr().map_err(|source| StartError::Listen { addr: config.listen, source })?;
        let mailer = config.smtp.mailer().map_err(StartError::Smtp)?;
        let state = Arc::new(AppState {
            public_url: config.public_url(bound),
            sessions: Sessions::new(config.session_limits()),
            limiter: config.limiter(),
            config,
            ledger,
            registry,
            mailer,
            receipts: receipts::Receipts::default(),
        });
        Ok(Console { listener, state })
    }

    /// The address bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (the CLI makes invitations with its registry).
    pub fn state(&self) -> &Shared {
        &self.state
    }

    /// Serves until `shutdown` completes (each request knows its client's address, for
    /// the rate limit); once a minute, forgets the rate-limit state of quiet clients and
    /// expires the invitations that lapsed.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let state = self.state.clone();
        let housekeeping = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                state.limiter.forget_quiet();
                api::expire_lapsed_invitations(&state);
            }
        });
        let app = router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(self.listener, app).with_graceful_shutdown(shutdown).await;
        housekeeping.abort();
        served
    }
}
