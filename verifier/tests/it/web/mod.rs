//! The web layer against a real cache filled from the real contract: every verdict on
//! the page and in the API, bad input, headers, compression, escaping, GS1 links,
//! tokens, QR codes, metrics, probes; the rate limit and the header cap through a real
//! server; hostile input and abuse (`abuse`).

mod abuse;
mod api;
mod bodies;
mod consignment;
mod credential;
mod exchanges;
mod forgery;
mod gs1;
mod input;
mod monotonic;
mod ops;
mod pages;
mod reviewed;
mod schemas;
mod server;
mod status;
mod stored;
mod tokens;

use crate::common_web::*;
use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use nanotrace_model::token::OfflineToken;
use nanotrace_verifier::state::now;
use nanotrace_verifier::web::{self, router};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    /// The request and this answer as a JSON line ([`exchanges`]).
    exchange: String,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
}

/// Sends `request` to `app`; the exchange is recorded ([`exchanges`]) for the check of
/// every answer against the OpenAPI document.
async fn send(app: &Router, request: Request<Body>) -> Reply {
    let (method, uri, request_headers) = (request.method().clone(), request.uri().clone(), request.headers().clone());
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body").to_vec();
    let exchange = exchanges::line(&method, &uri, &request_headers, status, &headers, &body);
    exchanges::record(&exchange);
    Reply { status, headers, body, exchange }
}

async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).expect("request")).await
}

async fn post_json(app: &Router, uri: &str, body: impl Into<Vec<u8>>) -> Reply {
    let body = body.into();
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .expect("request");
    send(app, request).await
}

fn app(state: nanotrace_verifier::state::AppState) -> Router {
    router(state, &config())
}

fn word(verdict: &str) -> String {
    format!("<h1 class=\"word\">{verdict}</h1>")
}

/// The EU-definition basis the contract records for the sample application (92 % of
/// particles by number in 1–100 nm, VSSA 210 m²/cm³).
const EU_BASIS_VALID: &str = "92.0 % of particles by number are in 1–100 nm (threshold 50 %) and VSSA 210.0 m²/cm³ \
     is not below 6 m²/cm³: a nanomaterial";

const ALL_WORDS: [&str; 10] = [
    "VALID",
    "EXPIRED",
    "SUSPENDED",
    "REVOKED",
    "SUPERSEDED",
    "PENDING",
    "REJECTED",
    "UNKNOWN",
    "UNTRUSTED",
    "UNVERIFIABLE",
];

/// The page shows `verdict` as its verdict word and no other.
fn assert_verdict_word(page: &str, verdict: &str) {
    assert!(page.contains(&word(verdict)), "page lacks the verdict word {verdict}:\n{page}");
    for other in ALL_WORDS.iter().filter(|w| **w != verdict) {
        assert!(!page.contains(&word(other)), "page for {verdict} also shows {other}");
    }
}

fn assert_security_headers(reply: &Reply, what: &str) {
    if let Err(e) = check_csp(reply.header("content-security-policy")) {
        panic!("{what}: {e}");
    }
    assert_eq!(reply.header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(reply.header("x-frame-options"), "DENY", "{what}");
    assert_eq!(reply.header("referrer-policy"), "no-referrer", "{what}");
    assert!(reply.headers.contains_key("cache-control"), "{what}: no Cache-Control");
    // HSTS only where the verifier itself serves HTTPS (tls.rs); these are plain HTTP.
    assert!(!reply.headers.contains_key("strict-transport-security"), "{what}: HSTS over plain HTTP");
}

/// Checks a Content-Security-Policy for the properties the verifier's pages need: every
/// fetch falls back to `default-src 'none'` (or `'self'`); only the verifier's own script
/// files may run (`script-src` and `worker-src` at most `'self'`), no `'unsafe-inline'`/
/// `'unsafe-eval'` anywhere but inline *styles*; no remote origin, wildcard or scheme source other than `data:`
/// images; `frame-ancestors 'none'`, `base-uri` and `form-action` restricted to
/// `'none'`/`'self'`; no directive given twice. Returns what is wrong.
fn check_csp(policy: &str) -> Result<(), String> {
    let mut directives: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for part in policy.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_ascii_whitespace();
        let name = words.next().expect("non-empty").to_ascii_lowercase();
        let sources: Vec<String> = words.map(str::to_owned).collect();
        if directives.insert(name.clone(), sources).is_some() {
            return Err(format!("{name} given twice in {policy:?}"));
        }
    }
    let only = |name: &str, allowed: &[&str]| -> Result<(), String> {
        match directives.get(name) {
            None => Err(format!("no {name} in {policy:?}")),
            Some(sources) if !sources.is_empty() && sources.iter().all(|s| allowed.contains(&s.as_str())) => Ok(()),
            Some(sources) => Err(format!("{name} {sources:?} is not one of {allowed:?}")),
        }
    };
    only("default-src", &["'none'", "'self'"])?;
    only("frame-ancestors", &["'none'"])?;
    only("base-uri", &["'none'", "'self'"])?;
    only("form-action", &["'none'", "'self'"])?;
    for name in ["script-src", "script-src-elem", "worker-src"] {
        if directives.contains_key(name) {
            only(name, &["'none'", "'self'"])?;
        }
    }
    for name in ["script-src-attr", "object-src"] {
        if directives.contains_key(name) {
            only(name, &["'none'"])?;
        }
    }
    for (name, sources) in &directives {
        for source in sources {
            let keyword = source.starts_with('\'') && source.ends_with('\'');
            let allowed = match source.as_str() {
                "'none'" | "'self'" => true,
                "'unsafe-inline'" => name == "style-src",
                "data:" => name == "img-src",
                _ => false,
            };
            if !allowed {
                let kind = if keyword { "keyword" } else { "remote, wildcard or scheme source" };
                return Err(format!("{name} allows {source} ({kind}) in {policy:?}"));
            }
        }
    }
    Ok(())
}

/// The CSP the verifier sends has the properties `check_csp` checks, and `check_csp`
/// refuses each weakening of it.
#[test]
fn content_security_policy_is_strict() {
    let sent = nanotrace_verifier::web::CONTENT_SECURITY_POLICY;
    check_csp(sent).expect("the verifier's CSP");
    for weaker in [
        "default-src *; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "default-src 'none'; script-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "default-src 'none'; script-src 'self' https://cdn.example.com; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "default-src 'none'; worker-src *; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "default-src 'none'; object-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "default-src 'none'; style-src 'unsafe-eval'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "default-src 'none'; img-src https://cdn.example.com; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "default-src 'none'; img-src https:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "default-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'",
        "default-src 'none'; base-uri 'none'; form-action 'self'",
        "default-src 'none'; frame-ancestors 'none'; form-action 'self'",
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action https://evil.example",
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "default-src 'none'; default-src *; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ] {
        assert!(check_csp(weaker).is_err(), "not refused: {weaker}");
    }
}

/// The token with bit `bit` of its byte `byte` flipped (decoded, changed, re-encoded).
fn flip(token: &str, byte: usize, bit: u8) -> String {
    let mut raw = data_encoding::BASE64URL_NOPAD.decode(token.as_bytes()).expect("a base64url token");
    raw[byte] ^= 1 << bit;
    data_encoding::BASE64URL_NOPAD.encode(&raw)
}
