//! The web layer against a real cache filled from the real contract: every verdict on
//! the page and in the API, bad input, headers, compression, escaping, GS1 links,
//! tokens, QR codes, metrics, probes; the rate limit and the header cap through a real
//! server.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use crate::common_web::*;
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

// ---------------------------------------------------------------------------------------
// The verification page, one verdict at a time.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn valid_page_shows_everything_a_customs_officer_needs() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, &format!("/c/{}", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").starts_with("text/html"));
    assert_eq!(reply.header("cache-control"), "no-store");
    let page = reply.text();
    assert_verdict_word(&page, "VALID");
    assert!(page.contains("class=\"verdict v-valid\""), "colour class");
    assert!(page.contains("<svg viewBox=\"0 0 48 48\""), "icon");
    assert!(page.contains("This certificate is valid and in force."));
    assert!(page.contains("Issued by CertifierMSP and in force"));
    for field in [
        "SolarShield Mineral Sunscreen SPF 50",
        GTIN,
        "LOT-VALID",
        "Titanium dioxide",
        "13463-67-7",
        "236-675-5",
        "<strong>Nanomaterial</strong>",
        MANUFACTURER_MSP,
        "Kronos Nano Pigments GmbH",
        CERTIFIER_MSP,
        &issuer_key_id(),
        "on the trust list",
        "revision 3",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "https://sds.example.com/solarshield/tio2-nano-rev3.pdf",
        "Valid until",
        "History (newest first)",
        "Approved",
        "Applied",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
    ] {
        assert!(page.contains(field), "page lacks {field:?}");
    }
    let block = f.cache.checkpoint().expect("checkpoint").block_number;
    assert!(page.contains(&format!("ledger block {block}")), "data age: block");
    assert!(page.contains("s ago"), "data age: seconds");
    // Inline everything: no scripts, no external resources.
    assert!(!page.contains("<script"));
    assert!(!page.contains("src=\"http"));
    assert!(!page.contains("<link"));
}

#[tokio::test]
async fn every_verdict_has_its_own_page() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let ids = &f.ids;
    let cases: Vec<(&str, StatusCode, &str, Vec<String>)> = vec![
        (
            &ids.expired,
            StatusCode::OK,
            "EXPIRED",
            vec!["validity period has ended".into(), "LOT-EXPIRED".into(), "Expired ".into()],
        ),
        (
            &ids.suspended,
            StatusCode::OK,
            "SUSPENDED",
            vec![SUSPEND_REASON.into(), "Suspended since ".into(), "is suspended".into()],
        ),
        (
            &ids.revoked,
            StatusCode::OK,
            "REVOKED",
            vec![REVOKE_REASON.into(), "<p class=\"since\">Revoked 20".into(), "has been revoked".into()],
        ),
        (
            &ids.superseded,
            StatusCode::OK,
            "SUPERSEDED",
            vec![format!("href=\"/c/{}\"", ids.renewed), "A newer version replaces this certificate".into()],
        ),
        (&ids.renewed, StatusCode::OK, "VALID", vec![format!("href=\"/c/{}\"", ids.superseded), "version 2".into()]),
        (&ids.pending, StatusCode::OK, "PENDING", vec!["no certifier has decided yet".into(), "not issued".into()]),
        (&ids.rejected, StatusCode::OK, "REJECTED", vec![REJECT_REASON.into(), "was rejected".into()]),
        (
            &ids.unknown,
            StatusCode::NOT_FOUND,
            "UNKNOWN",
            vec!["is recorded on the ledger".into(), "action=\"/c\"".into()],
        ),
        (
            &ids.flagged,
            StatusCode::OK,
            "VALID",
            vec![
                "Supplier certificate not in force".into(),
                format!("href=\"/c/{}\"", ids.suspended),
                SUSPEND_REASON.into(),
                "supplier certificate(s) it depends on are not in force".into(),
            ],
        ),
    ];
    for (id, status, verdict, texts) in cases {
        let reply = get(&app, &format!("/c/{id}")).await;
        assert_eq!(reply.status, status, "{verdict} {id}");
        let page = reply.text();
        assert_verdict_word(&page, verdict);
        assert!(page.contains(&format!("v-{}", verdict.to_lowercase())), "{verdict}: colour class");
        assert!(page.contains("<svg"), "{verdict}: icon");
        for text in texts {
            assert!(page.contains(&text), "{verdict} page lacks {text:?}");
        }
    }
}

#[tokio::test]
async fn a_stale_cache_is_unverifiable_and_never_valid() {
    let f = Fixture::new();
    let app = app(f.stale_state());
    for id in f.ids.all_known().into_iter().chain([f.ids.unknown.as_str()]) {
        let reply = get(&app, &format!("/c/{id}")).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{id}");
        let page = reply.text();
        assert_verdict_word(&page, "UNVERIFIABLE");
        assert!(page.contains("Cannot verify now: the verifier&#39;s data is"), "{page}");
        assert!(page.contains("connection refused"), "the reason names the follower's error");
        assert!(!page.contains("Record status"), "no stale status shown as current");

        let reply = get(&app, &format!("/api/v1/certificates/{id}")).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        let json = reply.json();
        assert_eq!(json["verdict"], "UNVERIFIABLE");
        assert!(json["reason"].as_str().unwrap_or_default().starts_with("cannot verify now"), "{json}");
        assert!(json["certificate"].is_null());
        assert!(json["token"].is_null());
    }
    // Never synced at all: the same.
    let never = Fixture::state_over(&f.cache, None, false);
    let reply = get(&router(never, &config()), &format!("/c/{}", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_verdict_word(&reply.text(), "UNVERIFIABLE");
}

#[tokio::test]
async fn a_revoked_certificate_is_never_valid_anywhere() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let token = f.token(&f.ids.revoked);
    let page = get(&app, &format!("/c/{}?t={token}", f.ids.revoked)).await.text();
    assert_verdict_word(&page, "REVOKED");
    assert!(
        page.contains("signature is authentic, but the certificate is REVOKED"),
        "the token is authentic, the certificate revoked"
    );
    assert!(!page.contains("note ok"), "nothing green on a revoked page");
    let json = get(&app, &format!("/api/v1/certificates/{}", f.ids.revoked)).await.json();
    assert_eq!(json["verdict"], "REVOKED");
    let verified = post_json(&app, "/api/v1/verify", serde_json::json!({ "token": token }).to_string()).await;
    assert_eq!(verified.status, StatusCode::OK);
    assert_eq!(verified.json()["current"]["verdict"], "REVOKED");
}

/// Answers are rendered once and reused, but never across a change: an update to the
/// cache (here: a revocation) or to the follower's status (here: the cache going stale)
/// shows at once, within the same second.
#[tokio::test]
async fn reused_answers_follow_every_change_at_once() {
    use nanotrace_model::CertificateStatus;
    use nanotrace_verifier::cache::{SeenTx, Update};

    let f = Fixture::new();
    let app = app(f.state.clone());
    let page = format!("/c/{}", f.ids.valid);
    let api = format!("/api/v1/certificates/{}", f.ids.valid);
    for _ in 0..3 {
        assert_verdict_word(&get(&app, &page).await.text(), "VALID");
        assert_eq!(get(&app, &api).await.json()["verdict"], "VALID");
    }
    // Every answer counts, reused or not.
    let metrics = get(&app, "/metrics").await.text();
    assert!(metrics.contains("nanotrace_verifier_verdicts_total{verdict=\"VALID\"} 6"), "{metrics}");

    // The follower applies a revocation of that certificate.
    let mut record = f.cache.certificate(&f.ids.valid).expect("read").expect("known");
    record.certificate.status = CertificateStatus::Revoked;
    record.certificate.status_reason = Some("contaminated batch".into());
    record.certificate.status_since = now();
    let checkpoint = f.cache.checkpoint().expect("checkpoint");
    let tx =
        SeenTx { block: checkpoint.block_number + 1, tx_index: 0, tx_id: "f".repeat(64), timestamp: now(), event_name: None, event: None };
    f.cache.apply(&Update { txs: vec![tx], certificates: vec![record], issuers: None }).expect("apply");
    let revoked = get(&app, &page).await;
    assert_verdict_word(&revoked.text(), "REVOKED");
    assert!(revoked.text().contains("contaminated batch"));
    assert_eq!(get(&app, &api).await.json()["verdict"], "REVOKED");

    // The follower loses the ledger: UNVERIFIABLE at once, not at the next second.
    f.state.sync.update(|s| {
        s.synced_at = Some(now() - 3600);
        s.last_error = Some("connection refused".into());
    });
    let reply = get(&app, &page).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_verdict_word(&reply.text(), "UNVERIFIABLE");
    assert_eq!(get(&app, &api).await.json()["verdict"], "UNVERIFIABLE");
}

// ---------------------------------------------------------------------------------------
// The JSON API.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn api_valid_certificate() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let id = &f.ids.valid;
    let reply = get(&app, &format!("/api/v1/certificates/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").starts_with("application/json"));
    assert_eq!(reply.header("cache-control"), "no-store");
    let json = reply.json();
    assert_eq!(json["certificate_id"], id.as_str());
    assert_eq!(json["verdict"], "VALID");
    assert_eq!(json["reason"], "issued by CertifierMSP and in force");
    assert!(json["since"].is_i64());
    assert!((json["checked_at"].as_i64().unwrap_or_default() - now()).abs() < 60);
    assert!(json["superseded_by"].is_null());
    assert_eq!(json["flags"], serde_json::json!([]));
    let cert = &json["certificate"];
    assert_eq!(cert["id"], id.as_str());
    assert_eq!(cert["status"], "ACTIVE");
    assert_eq!(cert["manufacturer_msp"], MANUFACTURER_MSP);
    assert_eq!(cert["product"]["name"], "SolarShield Mineral Sunscreen SPF 50");
    assert_eq!(cert["product"]["gtin"], GTIN);
    assert_eq!(cert["product"]["batch"], "LOT-VALID");
    assert_eq!(cert["nanomaterial"]["cas_number"], "13463-67-7");
    assert_eq!(cert["assessment"]["is_nanomaterial"], true);
    assert_eq!(cert["issuance"]["issuer_org"], CERTIFIER_MSP);
    assert!(cert.get("applicant").is_none(), "no personal identities in the public API");
    assert_eq!(json["issuer"]["key_id"], issuer_key_id());
    assert_eq!(json["issuer"]["holder"]["msp_id"], CERTIFIER_MSP);
    assert!(json["dates"]["valid_until"].as_i64().unwrap_or_default() > now());
    assert_eq!(json["sds"]["revision"], 3);
    assert_eq!(json["sds"]["url"], "https://sds.example.com/solarshield/tio2-nano-rev3.pdf");
    let history = json["history"].as_array().expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["action"], "approved");
    assert_eq!(history[0]["by"], CERTIFIER_MSP);
    assert_eq!(history[1]["action"], "applied");
    let checkpoint = f.cache.checkpoint().expect("checkpoint");
    assert_eq!(json["as_of"]["block"], checkpoint.block_number);
    assert_eq!(json["as_of"]["tx_id"], checkpoint.transaction_id.as_str());
    assert!(json["as_of"]["age_seconds"].as_i64().is_some_and(|a| (0..60).contains(&a)));
    assert_eq!(json["token"], f.token(id).as_str());
    assert_eq!(json["verify_url"], format!("{PUBLIC_URL}/c/{id}").as_str());
}

#[tokio::test]
async fn api_every_verdict() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let ids = &f.ids;
    let cases: Vec<(&str, StatusCode, &str, &str)> = vec![
        (&ids.expired, StatusCode::OK, "EXPIRED", "validity period has ended"),
        (&ids.suspended, StatusCode::OK, "SUSPENDED", SUSPEND_REASON),
        (&ids.revoked, StatusCode::OK, "REVOKED", REVOKE_REASON),
        (&ids.superseded, StatusCode::OK, "SUPERSEDED", &ids.renewed),
        (&ids.renewed, StatusCode::OK, "VALID", "in force"),
        (&ids.pending, StatusCode::OK, "PENDING", "no certifier has decided"),
        (&ids.rejected, StatusCode::OK, "REJECTED", REJECT_REASON),
        (&ids.flagged, StatusCode::OK, "VALID", "supplier certificate(s)"),
        (&ids.unknown, StatusCode::NOT_FOUND, "UNKNOWN", "no certificate"),
    ];
    for (id, status, verdict, reason) in cases {
        let reply = get(&app, &format!("/api/v1/certificates/{id}")).await;
        assert_eq!(reply.status, status, "{verdict}");
        let json = reply.json();
        assert_eq!(json["verdict"], verdict, "{json}");
        assert!(json["reason"].as_str().unwrap_or_default().contains(reason), "{verdict}: {json}");
        assert!(json["as_of"]["block"].as_u64().is_some_and(|b| b > 0));
        assert_eq!(json["verify_url"], format!("{PUBLIC_URL}/c/{id}").as_str());
    }
    let superseded = get(&app, &format!("/api/v1/certificates/{}", ids.superseded)).await.json();
    assert_eq!(superseded["superseded_by"], ids.renewed.as_str());
    let suspended = get(&app, &format!("/api/v1/certificates/{}", ids.suspended)).await.json();
    assert!(suspended["since"].is_i64());
    assert_eq!(suspended["certificate"]["status_reason"], SUSPEND_REASON);
    let flagged = get(&app, &format!("/api/v1/certificates/{}", ids.flagged)).await.json();
    assert_eq!(flagged["flags"][0]["supplier_certificate"], ids.suspended.as_str());
    assert_eq!(flagged["flags"][0]["supplier_status"], "SUSPENDED");
    let pending = get(&app, &format!("/api/v1/certificates/{}", ids.pending)).await.json();
    assert!(pending["token"].is_null(), "no token before issue");
    assert!(pending["issuer"].is_null());
    assert!(pending["dates"]["issued_at"].is_null());
    let unknown = get(&app, &format!("/api/v1/certificates/{}", ids.unknown)).await.json();
    assert!(unknown["certificate"].is_null());
}

#[tokio::test]
async fn api_history_and_issuers() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, &format!("/api/v1/certificates/{}/history", f.ids.revoked)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let list = reply.json();
    let list = list.as_array().expect("a JSON list");
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["action"], "revoked");
    assert_eq!(list[0]["status"], "REVOKED");
    assert_eq!(list[0]["reason"], REVOKE_REASON);
    assert!(list[0]["tx_id"].as_str().is_some_and(|t| t.len() == 64));
    assert_eq!(
        get(&app, &format!("/api/v1/certificates/{}/history", f.ids.unknown)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&app, "/api/v1/certificates/NT-BAD/history").await.status, StatusCode::BAD_REQUEST);

    let reply = get(&app, "/api/v1/issuers").await;
    assert_eq!(reply.status, StatusCode::OK);
    let keys = reply.json();
    assert_eq!(keys, serde_json::to_value(&f.trust_list).expect("json"));
    assert_eq!(keys[0]["key_id"], issuer_key_id());

    let stale = web::router(f.stale_state(), &config());
    assert_eq!(get(&stale, "/api/v1/issuers").await.status, StatusCode::SERVICE_UNAVAILABLE);
    let reply = get(&stale, &format!("/api/v1/certificates/{}/history", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["error"], "unverifiable");
}

// ---------------------------------------------------------------------------------------
// Bad requests.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn bad_ids_are_400_never_500() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let long = "A".repeat(10 * 1024);
    let bad = [
        "NT-ABC".to_owned(),
        "NT-ABCDEFGH2340".to_owned(),
        format!("NT-{long}"),
        long.clone(),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd".to_owned(),
        "%FF%FE%FD".to_owned(),
        "NT-%C3%84BCDEFGH2345".to_owned(),
        "%00".to_owned(),
        "%3Cscript%3E".to_owned(),
    ];
    for id in &bad {
        let reply = get(&app, &format!("/c/{id}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "page {}", &id[..id.len().min(40)]);
        assert!(reply.header("content-type").starts_with("text/html"));
        let page = reply.text();
        assert!(page.contains("Not a certificate ID"));
        assert!(!page.contains("<script>"), "input echoed unescaped");
        assert_security_headers(&reply, "400 page");

        let reply = get(&app, &format!("/api/v1/certificates/{id}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "api {}", &id[..id.len().min(40)]);
        assert_eq!(reply.json()["error"], "invalid_id");

        let reply = get(&app, &format!("/qr/{id}.png")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "qr {}", &id[..id.len().min(40)]);
    }
    // Raw dot segments do not match a route at all.
    assert_eq!(get(&app, "/c/../../etc/passwd").await.status, StatusCode::NOT_FOUND);
    // A lower-case or spaced ID is sent to its canonical page, the token kept.
    let lower = f.ids.valid.to_lowercase();
    let reply = get(&app, &format!("/c/{lower}?t=abc_-9")).await;
    assert_eq!(reply.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(reply.header("location"), format!("/c/{}?t=abc_-9", f.ids.valid));
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, "/admin").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.header("content-type").starts_with("text/html"));
    assert_security_headers(&reply, "404");
    let reply = get(&app, "/api/v1/nothing").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["error"], "not_found");
    assert_eq!(get(&app, &format!("/qr/{}.gif", f.ids.valid)).await.status, StatusCode::NOT_FOUND);
    for (method, uri) in [
        (Method::POST, format!("/c/{}", f.ids.valid)),
        (Method::DELETE, format!("/api/v1/certificates/{}", f.ids.valid)),
        (Method::PUT, "/api/v1/issuers".to_owned()),
        (Method::GET, "/api/v1/verify".to_owned()),
    ] {
        let reply =
            send(&app, Request::builder().method(method.clone()).uri(&uri).body(Body::empty()).expect("request")).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
    }
    // HEAD works wherever GET does, without a body.
    let reply = send(&app, Request::head(format!("/c/{}", f.ids.valid)).body(Body::empty()).expect("request")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.is_empty());
}

#[tokio::test]
async fn search_form_redirects_to_the_normalised_id() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, "/").await;
    assert_eq!(reply.status, StatusCode::OK);
    let page = reply.text();
    assert!(page.contains("<form class=\"search\" method=\"get\" action=\"/c\""));
    assert!(page.contains("name=\"id\""));

    let typed = format!("%20{}%20", f.ids.valid.to_lowercase().replace("nt-", "nt-%20"));
    let reply = get(&app, &format!("/c?id={typed}")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), format!("/c/{}", f.ids.valid));
    let bare = &f.ids.valid[3..];
    assert_eq!(get(&app, &format!("/c?id={bare}")).await.header("location"), format!("/c/{}", f.ids.valid));

    for bad in ["/c?id=hello", "/c?id=", "/c", "/c?id=%FF", &format!("/c?id={}", "9".repeat(10_000))] {
        let reply = get(&app, bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", &bad[..bad.len().min(40)]);
        assert!(reply.text().contains("action=\"/c\""), "the form is offered again");
    }
}

// ---------------------------------------------------------------------------------------
// Headers, compression, escaping.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn security_headers_on_every_response() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    for uri in [
        "/".to_owned(),
        format!("/c/{}", f.ids.valid),
        format!("/c/{}", f.ids.unknown),
        format!("/api/v1/certificates/{}", f.ids.revoked),
        "/api/v1/issuers".to_owned(),
        format!("/qr/{}.svg", f.ids.valid),
        "/healthz".to_owned(),
        "/readyz".to_owned(),
        "/metrics".to_owned(),
        "/api/v1/openapi.yaml".to_owned(),
        "/nope".to_owned(),
        "/c/NT-BAD".to_owned(),
    ] {
        let reply = get(&app, &uri).await;
        assert_security_headers(&reply, &uri);
    }
    let reply = post_json(&app, "/api/v1/verify", vec![b' '; 64 * 1024]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_security_headers(&reply, "413");
    // Verdicts are never cached.
    for uri in [format!("/c/{}", f.ids.valid), format!("/api/v1/certificates/{}", f.ids.valid)] {
        assert_eq!(get(&app, &uri).await.header("cache-control"), "no-store");
    }
}

#[tokio::test]
async fn responses_are_gzipped_on_request() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    for uri in [format!("/c/{}", f.ids.valid), format!("/api/v1/certificates/{}", f.ids.valid)] {
        let request = Request::get(&uri).header(header::ACCEPT_ENCODING, "gzip").body(Body::empty()).expect("request");
        let reply = send(&app, request).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("content-encoding"), "gzip", "{uri}");
        assert_eq!(&reply.body[..2], &[0x1f, 0x8b], "gzip magic");
        assert!(reply.header("vary").to_ascii_lowercase().contains("accept-encoding"));
        let plain = get(&app, &uri).await;
        assert!(plain.headers.get("content-encoding").is_none());
        assert!(reply.body.len() < plain.body.len(), "{uri}: compressed is smaller");
        // Reused answers are gzipped too, and decode to the plain answer (asked again if
        // a second ticked in between: the answer shows the data's age in seconds).
        let mut same = false;
        for _ in 0..3 {
            let request =
                Request::get(&uri).header(header::ACCEPT_ENCODING, "gzip").body(Body::empty()).expect("request");
            let zipped = send(&app, request).await;
            assert_eq!(zipped.header("content-encoding"), "gzip", "{uri}");
            let plain = get(&app, &uri).await;
            let mut decoded = Vec::new();
            flate2::read::GzDecoder::new(&zipped.body[..]).read_to_end(&mut decoded).expect("gunzip");
            if decoded == plain.body {
                same = true;
                break;
            }
        }
        assert!(same, "{uri}: gzip decodes to the plain answer");
    }
}

#[tokio::test]
async fn ledger_text_is_escaped() {
    assert_eq!(
        web::escape("<script>alert('x')</script>&\""),
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
    );
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, &format!("/c/{}", f.ids.xss)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let page = reply.text();
    assert_verdict_word(&page, "VALID");
    assert!(!page.contains("<script"), "markup from the ledger reached the page");
    assert!(!page.contains("<b>XSS</b>"));
    assert!(page.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; Sunscreen &amp; &#39;Co&#39;"));
    assert!(page.contains("LOT-&lt;b&gt;XSS&lt;/b&gt;"));
    // The JSON carries it verbatim (JSON is not HTML).
    let json = get(&app, &format!("/api/v1/certificates/{}", f.ids.xss)).await.json();
    assert_eq!(json["certificate"]["product"]["name"], XSS_NAME);
}

// ---------------------------------------------------------------------------------------
// GS1 Digital Link.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn gs1_digital_link_resolves_to_the_newest_certificate() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, &format!("/01/{GTIN}/10/LOT-VALID")).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.header("location"), format!("/c/{}", f.ids.valid));
    // The 14-digit form of the GTIN finds the same product.
    let reply = get(&app, &format!("/01/0{GTIN}/10/LOT-VALID")).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.header("location"), format!("/c/{}", f.ids.valid));
    // Renewed: the newest version.
    let reply = get(&app, &format!("/01/{GTIN}/10/LOT-RENEW")).await;
    assert_eq!(reply.header("location"), format!("/c/{}", f.ids.renewed));
    // Percent-encoded lot.
    let reply = get(&app, &format!("/01/{GTIN}/10/LOT-%3Cb%3EXSS%3C%2Fb%3E")).await;
    assert_eq!(reply.header("location"), format!("/c/{}", f.ids.xss));

    let reply = get(&app, &format!("/01/{GTIN}/10/LOT-NONE")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.text().contains("No certificate for this product"));
    for bad in ["/01/4006381333932/10/LOT-VALID", "/01/ABC/10/LOT-VALID", "/01/123/10/LOT-VALID", "/01/%FF/10/x"] {
        let reply = get(&app, bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(reply.header("content-type").starts_with("text/html"));
    }
    let reply = get(&app, &format!("/01/{GTIN}/10/{}", "L".repeat(5000))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------
// Offline tokens.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn token_verification_api() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let token = f.token(&f.ids.valid);
    let reply = post_json(&app, "/api/v1/verify", serde_json::json!({ "token": token }).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["authentic"], true);
    assert_eq!(json["certificate_id"], f.ids.valid.as_str());
    assert_eq!(json["issuer_key_id"], issuer_key_id());
    assert_eq!(json["issuer"]["msp_id"], CERTIFIER_MSP);
    assert!(json["issued_at"].is_i64());
    assert!(json["valid_until"].as_i64().unwrap_or_default() > now());
    assert_eq!(json["expired"], false);
    assert_eq!(json["matches_record"], true);
    assert_eq!(json["current"]["verdict"], "VALID");
    assert_eq!(json["verify_url"], format!("{PUBLIC_URL}/c/{}", f.ids.valid).as_str());

    // Expired: authentic, and says so.
    let reply =
        post_json(&app, "/api/v1/verify", serde_json::json!({ "token": f.token(&f.ids.expired) }).to_string()).await;
    let json = reply.json();
    assert_eq!(json["expired"], true);
    assert_eq!(json["current"]["verdict"], "EXPIRED");

    // One changed character: the signature fails.
    let reply = post_json(&app, "/api/v1/verify", serde_json::json!({ "token": flip(&token) }).to_string()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let json = reply.json();
    assert_eq!(json["authentic"], false);
    assert!(json["message"].as_str().unwrap_or_default().contains("signature does not verify"), "{json}");
    for garbage in ["hello", "", &"A".repeat(300), "!!!!"] {
        let reply = post_json(&app, "/api/v1/verify", serde_json::json!({ "token": garbage }).to_string()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{garbage}");
    }

    // Malformed requests.
    for body in ["{\"token\":", "[]", "{}", "{\"token\": 5}", "{\"token\": \"x\", \"more\": 1}", "not json"] {
        let reply = post_json(&app, "/api/v1/verify", body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.json()["error"], "bad_request");
    }
    // Too large, with and without a Content-Length.
    let big = serde_json::json!({ "token": "A".repeat(20_000) }).to_string();
    let reply = post_json(&app, "/api/v1/verify", big.clone()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let reply = send(&app, Request::post("/api/v1/verify").body(Body::from(big)).expect("request")).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    // A stale cache: the signature is still checked, the current verdict is UNVERIFIABLE.
    let stale = router(f.stale_state(), &config());
    let reply = post_json(&stale, "/api/v1/verify", serde_json::json!({ "token": token }).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["current"]["verdict"], "UNVERIFIABLE");
}

#[tokio::test]
async fn token_on_the_page() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let token = f.token(&f.ids.valid);
    let page = get(&app, &format!("/c/{}?t={token}", f.ids.valid)).await.text();
    assert_verdict_word(&page, "VALID");
    assert!(page.contains("The QR code&#39;s signature is authentic"), "{page}");
    assert!(page.contains(&issuer_key_id()));

    let page = get(&app, &format!("/c/{}?t={}", f.ids.valid, flip(&token))).await.text();
    assert!(page.contains("does not check out"), "{page}");
    assert!(page.contains("forged or altered"));

    let other = f.token(&f.ids.renewed);
    let page = get(&app, &format!("/c/{}?t={other}", f.ids.valid)).await.text();
    assert!(page.contains("does not belong to this certificate"));
    assert!(page.contains(&format!("href=\"/c/{}\"", f.ids.renewed)));

    let page = get(&app, &format!("/c/{}?t=%3Cscript%3E", f.ids.valid)).await.text();
    assert!(page.contains("does not check out"));
    assert!(!page.contains("<script"));
}

// ---------------------------------------------------------------------------------------
// QR codes.
// ---------------------------------------------------------------------------------------

fn decode_qr_png(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("PNG frame");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let (w, h) = (info.width as usize, info.height as usize);
    assert_eq!(w, h);
    assert_eq!(w % 8, 0, "8 px per module");
    // The quiet zone (4 modules) is white.
    assert!(pixels[..w * 32].iter().all(|&p| p == 255), "quiet zone");
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * info.line_size + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("decodes").1
}

#[tokio::test]
async fn qr_png_carries_the_url_and_a_verifiable_token() {
    let f = Fixture::new();
    let app = app(f.state.clone());
    let reply = get(&app, &format!("/qr/{}.png", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "image/png");
    let text = decode_qr_png(&reply.body);
    let token = f.token(&f.ids.valid);
    assert_eq!(text, format!("{PUBLIC_URL}/c/{}?t={token}", f.ids.valid));
    let t = text.split_once("?t=").expect("token").1;
    let verified = OfflineToken::decode(t).expect("decode").verify(&f.trust_list, now()).expect("verifies");
    assert_eq!(verified.certificate_id, f.ids.valid);
    assert!(!verified.expired);

    // Not issued: the URL alone.
    let reply = get(&app, &format!("/qr/{}.png", f.ids.pending)).await;
    assert_eq!(decode_qr_png(&reply.body), format!("{PUBLIC_URL}/c/{}", f.ids.pending));

    let reply = get(&app, &format!("/qr/{}.svg", f.ids.valid)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "image/svg+xml");
    let svg = reply.text();
    assert!(svg.contains("<svg") && svg.contains("</svg>"));

    assert_eq!(get(&app, &format!("/qr/{}.png", f.ids.unknown)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, &format!("/qr/{}.svg", f.ids.unknown)).await.status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------
// Probes, metrics, OpenAPI.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn probes() {
    let f = Fixture::new();
    let reply = get(&app(f.state.clone()), "/healthz").await;
    assert_eq!((reply.status, reply.text().trim()), (StatusCode::OK, "ok"));
    assert_eq!(get(&app(f.state.clone()), "/readyz").await.status, StatusCode::OK);
    let reply = get(&app(f.stale_state()), "/readyz").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.text().contains("s old"));
    let not_ready = Fixture::state_over(&f.cache, Some(now()), false);
    let reply = get(&app(not_ready.clone()), "/readyz").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(get(&app(not_ready), "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn metrics_expose_requests_verdicts_and_sync() {
    let f = Fixture::new();
    f.state.sync.update(|s| s.source_height = s.checkpoint.block_number + 3);
    let app = app(f.state.clone());
    get(&app, &format!("/c/{}", f.ids.valid)).await;
    get(&app, &format!("/api/v1/certificates/{}", f.ids.revoked)).await;
    get(&app, "/nope").await;
    let reply = get(&app, "/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").contains("openmetrics-text"));
    let text = reply.text();
    let block = f.cache.checkpoint().expect("checkpoint").block_number;
    for series in [
        "nanotrace_verifier_http_requests_total{route=\"/c/{id}\",status=\"200\"} 1".to_owned(),
        "nanotrace_verifier_http_requests_total{route=\"/api/v1/certificates/{id}\",status=\"200\"} 1".to_owned(),
        "nanotrace_verifier_http_requests_total{route=\"unmatched\",status=\"404\"} 1".to_owned(),
        "nanotrace_verifier_verdicts_total{verdict=\"VALID\"} 1".to_owned(),
        "nanotrace_verifier_verdicts_total{verdict=\"REVOKED\"} 1".to_owned(),
        format!("nanotrace_verifier_cache_checkpoint_block {block}"),
        format!("nanotrace_verifier_source_height {}", block + 3),
        "nanotrace_verifier_seconds_since_sync ".to_owned(),
        "nanotrace_verifier_follower_error 0".to_owned(),
        "nanotrace_verifier_ready 1".to_owned(),
        "nanotrace_verifier_stale 0".to_owned(),
    ] {
        assert!(text.contains(&series), "metrics lack {series:?}:\n{text}");
    }
    let stale = router(f.stale_state(), &config());
    let text = get(&stale, "/metrics").await.text();
    assert!(text.contains("nanotrace_verifier_follower_error 1"));
    assert!(text.contains("nanotrace_verifier_stale 1"));
}

#[tokio::test]
async fn openapi_document_is_served_and_covers_the_api() {
    let f = Fixture::new();
    let reply = get(&app(f.state.clone()), "/api/v1/openapi.yaml").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").starts_with("application/yaml"));
    let text = reply.text();
    assert_eq!(text, web::OPENAPI_YAML);
    assert!(text.starts_with("openapi: 3.1."));
    for path in [
        "/api/v1/certificates/{id}:",
        "/api/v1/certificates/{id}/history:",
        "/api/v1/issuers:",
        "/api/v1/verify:",
        "/qr/{id}.png:",
        "/qr/{id}.svg:",
        "/01/{gtin}/10/{lot}:",
    ] {
        assert!(text.contains(path), "openapi lacks {path}");
    }
    // Every verdict and every field of a certificate answer is documented.
    for name in ALL_WORDS {
        assert!(text.contains(name), "openapi lacks verdict {name}");
    }
    let json = get(&app(f.state.clone()), &format!("/api/v1/certificates/{}", f.ids.valid)).await.json();
    for key in json.as_object().expect("object").keys() {
        assert!(text.contains(&format!("{key}:")), "openapi lacks field {key}");
    }
}

// ---------------------------------------------------------------------------------------
// A real server: rate limiting per peer IP, the header cap, graceful shutdown.
// ---------------------------------------------------------------------------------------

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent()
}

/// A raw HTTP/1.1 GET from `local_ip`, answering the status code.
async fn raw_get_from(local_ip: &str, addr: SocketAddr, path: &str) -> u16 {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(format!("{local_ip}:0").parse().expect("addr")).expect("bind");
    let stream = socket.connect(addr).await.expect("connect").into_std().expect("std stream");
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut stream = stream;
        stream.set_nonblocking(false).expect("blocking");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").as_bytes())
            .expect("write");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read");
        let text = String::from_utf8_lossy(&response);
        text.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("status line")
    })
    .await
    .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_per_client_ip_through_a_real_server() {
    let f = Fixture::new();
    let mut config = config();
    config.rate_per_sec = 1;
    config.rate_burst = 5;
    let server = Server::start(f.state.clone(), config).await;
    let base = format!("http://{}", server.addr);
    let valid = f.ids.valid.clone();
    let (statuses, retry_after, csp, elapsed) = tokio::task::spawn_blocking({
        let base = base.clone();
        move || {
            let agent = agent();
            let mut statuses = Vec::new();
            let mut retry_after = None;
            let mut csp = None;
            let started = std::time::Instant::now();
            for _ in 0..30 {
                let response = agent.get(format!("{base}/c/{valid}")).call().expect("request");
                let status = response.status().as_u16();
                if status == 429 {
                    retry_after =
                        response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    csp = response
                        .headers()
                        .get("content-security-policy")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                }
                statuses.push(status);
            }
            (statuses, retry_after, csp, started.elapsed())
        }
    })
    .await
    .expect("client");
    let limited = statuses.iter().filter(|&&s| s == 429).count();
    let ok = statuses.iter().filter(|&&s| s == 200).count();
    // The burst (5) passes, then one request per second of the run.
    let allowed = 5 + elapsed.as_secs() as usize + 1;
    assert!(ok >= 5 && ok <= allowed, "{ok} passed in {elapsed:?}, at most {allowed} allowed: {statuses:?}");
    assert!(limited > 0, "no 429 in a burst of 30: {statuses:?}");
    assert_eq!(ok + limited, statuses.len(), "only 200 or 429: {statuses:?}");
    let wait: u64 = retry_after.expect("Retry-After on 429").parse().expect("seconds");
    assert!((1..=2).contains(&wait), "Retry-After {wait}");
    assert_eq!(csp.as_deref(), Some(CONTENT_SECURITY_POLICY), "security headers on 429 too");

    // The limit is per client IP: another loopback address is served at once.
    assert_eq!(raw_get_from("127.0.0.2", server.addr, "/").await, 200);
    // Probes are never rate limited; the service still answers.
    assert_eq!(raw_get_from("127.0.0.1", server.addr, "/healthz").await, 200);
    // After the advertised wait, the limited client is served again.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(raw_get_from("127.0.0.1", server.addr, "/").await, 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_are_refused_and_the_server_survives() {
    let f = Fixture::new();
    let config = config();
    let limit = config.max_header_bytes;
    let server = Server::start(f.state.clone(), config).await;
    let addr = server.addr;
    let outcome = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let big = "a".repeat(64 * 1024);
        let request = format!("GET /healthz HTTP/1.1\r\nHost: test\r\nX-Big: {big}\r\n\r\n");
        // The server may close while we are still writing; that is a refusal too.
        let _ = stream.write_all(request.as_bytes());
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        String::from_utf8_lossy(&response).lines().next().unwrap_or_default().to_owned()
    })
    .await
    .expect("client");
    println!("64 KB head: {}", if outcome.is_empty() { "connection closed" } else { &outcome });
    assert!(
        outcome.is_empty() || outcome.starts_with("HTTP/1.1 431"),
        "a {} KB head (limit {limit}) must get 431 or a closed connection, got {outcome:?}",
        64
    );
    // Just under the limit is fine, and the server keeps serving.
    let addr = server.addr;
    let status = tokio::task::spawn_blocking(move || {
        let header = "b".repeat(limit / 2);
        agent()
            .get(format!("http://{addr}/healthz"))
            .header("X-Medium", &header)
            .call()
            .expect("request")
            .status()
            .as_u16()
    })
    .await
    .expect("client");
    assert_eq!(status, 200);
    assert_eq!(raw_get_from("127.0.0.1", server.addr, "/healthz").await, 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_server_serves_pages_and_stops_gracefully() {
    let f = Fixture::new();
    let server = Server::start(f.state.clone(), config()).await;
    let addr = server.addr;
    let id = f.ids.revoked.clone();
    let (status, body) = tokio::task::spawn_blocking(move || {
        let mut response = agent().get(format!("http://{addr}/c/{id}")).call().expect("request");
        (response.status().as_u16(), response.body_mut().read_to_string().expect("body"))
    })
    .await
    .expect("client");
    assert_eq!(status, 200);
    assert!(body.contains(&word("REVOKED")));
    server.stop().await;
    assert!(std::net::TcpStream::connect(addr).is_err(), "the listener is closed");
}
