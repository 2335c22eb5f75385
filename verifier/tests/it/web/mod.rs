//! The web layer against a real cache filled from the real contract: every verdict on
//! the page and in the API, bad input, headers, compression, escaping, GS1 links,
//! tokens, QR codes, metrics, probes; the rate limit and the header cap through a real
//! server.

mod api;
mod gs1;
mod input;
mod ops;
mod pages;
mod server;
mod tokens;

use crate::common_web::*;
use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use nanotrace_model::token::OfflineToken;
use nanotrace_verifier::state::now;
use nanotrace_verifier::web::{self, router, CONTENT_SECURITY_POLICY};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
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

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body").to_vec();
    Reply { status, headers, body }
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

const ALL_WORDS: [&str; 9] =
    ["VALID", "EXPIRED", "SUSPENDED", "REVOKED", "SUPERSEDED", "PENDING", "REJECTED", "UNKNOWN", "UNVERIFIABLE"];

/// The page shows `verdict` as its verdict word and no other.
fn assert_verdict_word(page: &str, verdict: &str) {
    assert!(page.contains(&word(verdict)), "page lacks the verdict word {verdict}:\n{page}");
    for other in ALL_WORDS.iter().filter(|w| **w != verdict) {
        assert!(!page.contains(&word(other)), "page for {verdict} also shows {other}");
    }
}

fn assert_security_headers(reply: &Reply, what: &str) {
    assert_eq!(reply.header("content-security-policy"), CONTENT_SECURITY_POLICY, "{what}");
    assert_eq!(reply.header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(reply.header("x-frame-options"), "DENY", "{what}");
    assert_eq!(reply.header("referrer-policy"), "no-referrer", "{what}");
    assert!(reply.headers.contains_key("cache-control"), "{what}: no Cache-Control");
}

/// Changes one character of a token inside its signature.
fn flip(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let i = 120;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}
