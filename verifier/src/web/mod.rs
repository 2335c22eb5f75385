//! The public, read-only HTTP surface: verification pages, a JSON API, QR codes, a GS1
//! Digital Link resolver, probes and metrics.
//!
//! Every answer comes from the cache through [`AppState::verdict`](crate::state::AppState::verdict), which fails closed:
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
//! | `/api/v1/certificates/{id}/vc` | the W3C Verifiable Credential its certifier recorded (`application/vc`); 404 none recorded, 409 outdated, 503 UNVERIFIABLE |
//! | `/api/v1/issuers` | the issuer trust list |
//! | POST `/api/v1/verify` | checks an offline token: 200, 422 forged/invalid, 400 malformed |
//! | `/api/v1/openapi.yaml` | the OpenAPI 3.1 description of the JSON API |
//! | `/api/v1/schemas`, `/api/v1/schemas/{file}` | the JSON Schemas of the contract functions whose answers the API publishes |
//! | `/qr/{id}.svg`, `/qr/{id}.png` | QR code of the certificate's verification URL and token |
//! | `/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]` | GS1-conformant resolver (GET, HEAD, OPTIONS, CORS): 307 to the default link (the page of the lot's certificate to rely on: VALID first, else the newest issued; a GTIN's page when the lot has none), `?linkType=` to a link of that type, the RFC 9264 linkset for `linkType=linkset` or `Accept: application/linkset+json` |
//! | `/.well-known/gs1resolver` | the resolver description file |
//! | `/api/v1/status` | the status lists there are: `{"purposes", "lists", "size"}` |
//! | `/api/v1/status/{revocation\|suspension}/{list}` | a W3C Bitstring Status List credential (lists 0, 1, …), signed with `--status-key` |
//! | `/contexts/credentials/v2` | the VC 2.0 JSON-LD context, pinned by SHA-256 |
//! | `/products/{gtin}` | a product's lots, each with its certificate and verdict |
//! | `/consignment` (GET, POST) | the consignment check: scan, paste or upload; the printable report |
//! | `/offline` | the offline check (what the service worker shows for a page it cannot load) |
//! | `/sw.js`, `/manifest.webmanifest`, `/assets/{file}` | the installable web app: service worker, manifest, scripts, icon |
//! | `/healthz`, `/readyz`, `/metrics` | probes and Prometheus metrics |
//!
//! Where things are: [`server`](serve) (acceptor, per-thread event loops, shutdown),
//! `connections` (the bound on open connections, and who makes room),
//! `router` (routes and layers), `body_budget` (request bodies read whole within a
//! budget of bytes in flight), `error_code` (the API's error codes), `hot` (cached certificate answers served before the
//! router, with the same rate limit, metrics and headers), `extract` (the one certificate-ID check), `resolver`
//! (GS1 Digital Link: path, linkset, negotiation), `lookup` (verdicts off the cache, reused answers), `prerendered` (answers the cache stored as the follower wrote their records), `pages` (HTML handlers and
//! templates), `api` (JSON), `qr`, `metrics` and `rendered` (answers reused while
//! nothing they depend on changes).

mod api;
mod assets;
mod body_budget;
mod connections;
mod consignment;
mod credential;
mod doorkeeper;
pub mod error_code;
mod extract;
mod headers;
mod hot;
mod i18n;
mod lookup;
mod metrics;
mod pages;
mod prerendered;
mod qr;
mod refusal;
mod rendered;
mod resolver;
mod router;
mod schemas;
mod server;
pub mod status;
pub mod tls;

pub use pages::{escape, report_digest, CONSIGNMENT_CSP, CONSIGNMENT_PERMISSIONS};
pub use prerendered::Prerender;
pub use router::router;
pub use server::serve;

/// The Content-Security-Policy of every response: no external anything; only the
/// verifier's own scripts (`app.js`, which installs the service worker, and the offline
/// page's), asking only the verifier.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
     worker-src 'self'; manifest-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

/// The OpenAPI 3.1 description of the JSON API.
pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

/// What every handler gets.
#[derive(Clone)]
struct Web {
    app: crate::state::AppState,
    metrics: std::sync::Arc<metrics::Metrics>,
    /// The certificates' answers: rendered, kept, and served with their freshness
    /// written anew.
    answers: lookup::Answers,
    /// The open connections (only [`serve`] registers any).
    connections: std::sync::Arc<connections::Connections>,
    /// The status lists last built.
    status: std::sync::Arc<status::StatusMemo>,
    /// The bytes of request bodies held at once (`--max-body-bytes-in-flight`).
    bodies: std::sync::Arc<body_budget::BodyBudget>,
    /// The per-client rate (a consignment's list weighs more than one request).
    limiter: nanotrace_ratelimit::PerClient,
}
