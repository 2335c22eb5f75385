//! The verifier's routes, query strings, headers and bodies: [`nanotrace_verifier::web::router`]
//! called in process with `tower::ServiceExt::oneshot`, over a real RocksDB cache holding
//! certificates the real contract made (valid, suspended, revoked, pending, renewed), a
//! follower status synced and ready, and a rate limit too high to trigger.
//!
//! Input: a request as text: the first line is `METHOD TARGET` (no space: `GET` and the
//! line as the target), then header lines `name: value` up to an empty line, then the
//! body. `$VALID`, `$PENDING`, `$SUSPENDED`, `$REVOKED`, `$TOKEN` (the valid
//! certificate's offline token) and `$GTIN` are replaced first. A request `http` cannot
//! represent even so (a bad method or target) is skipped: the HTTP parser refuses those
//! before the router.
//!
//! Properties: no answer is a server error (5xx; the cache is fresh, so no verdict is
//! UNVERIFIABLE, and the request deadline of 10 s must not pass), every answer carries
//! the security headers and a complete body, and every verdict a 200 JSON answer gives
//! for a certificate (`{certificate_id, verdict}`, or a token's `{certificate_id,
//! current: {verdict}}`) is the one the fixture's ledger holds for it (UNKNOWN for an ID
//! it does not hold).

use axum::body::Body;
use axum::http::{header, Method, Request};
use axum::Router;
use clap::Parser;
use nanotrace_model::token::OfflineToken;
use nanotrace_model::{CertificateIdRequest, IssuerKey};
use nanotrace_testkit::{governance_transactions, sample_application, Who, World, DAY};
use nanotrace_verifier::config::Config;
use nanotrace_verifier_store::cache::{Cache, CertificateRecord, SeenTx, Update};
use nanotrace_verifier_store::state::{now, AppState, SyncState};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tower::ServiceExt;

/// The GTIN of the sample application.
pub const GTIN: &str = "4006381333931";

/// The router over the fixture, and the placeholders' values.
pub struct Fixture {
    /// The router.
    pub app: Router,
    /// The verdict the ledger gives each certificate the fixture made.
    pub verdicts: std::collections::HashMap<String, &'static str>,
    /// (placeholder, value), longest first.
    pub substitutions: Vec<(&'static str, String)>,
    _dir: tempfile::TempDir,
}

fn build() -> Fixture {
    let mut w = World { now: now() - 10 * DAY, ..World::empty() };
    let mut txs = Vec::new();
    let mut record = |w: &mut World, who: Who, function: &str, arg: Vec<u8>| -> Vec<u8> {
        let (out, tx_id) =
            w.submit_tx(who, function, &[arg]).unwrap_or_else(|e| panic!("fixture: {function} failed: {e}"));
        txs.push((tx_id, w.now));
        w.now += 7;
        out
    };
    for (who, function, arg) in governance_transactions() {
        record(&mut w, who, function, arg);
    }
    let mut ids = Vec::new();
    for lot in ["LOT-VALID", "LOT-SUSPENDED", "LOT-REVOKED", "LOT-PENDING", "LOT-RENEWED"] {
        let arg = serde_json::to_vec(&sample_application(lot)).unwrap_or_default();
        let out = record(&mut w, Who::Applicant, "Apply", arg);
        let id: nanotrace_model::IdsResponse =
            serde_json::from_slice(&out).unwrap_or_else(|e| panic!("fixture: Apply answer: {e}"));
        let id = id.certificate_ids[0].clone();
        if lot != "LOT-PENDING" {
            let approval = serde_json::to_vec(&w.approval(Who::Certifier, &id)).unwrap_or_default();
            record(&mut w, Who::Certifier, "Approve", approval);
        }
        ids.push(id);
    }
    for (function, id) in [("Suspend", &ids[1]), ("Revoke", &ids[2])] {
        record(&mut w, Who::Certifier, function, serde_json::to_vec(&World::reason(id, "fuzz")).unwrap_or_default());
    }
    let renewal = serde_json::to_vec(&w.renewal(Who::Certifier, &ids[4])).unwrap_or_default();
    let out = record(&mut w, Who::Certifier, "Renew", renewal);
    let renewed: nanotrace_model::IdsResponse = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("Renew: {e}"));
    ids.extend(renewed.certificate_ids.into_iter().skip(1));

    let events: std::collections::BTreeMap<u64, (String, Vec<u8>)> =
        w.ledger.events().iter().map(|e| (e.block, (e.name.clone(), e.payload.clone()))).collect();
    let txs = txs
        .into_iter()
        .enumerate()
        .map(|(i, (tx_id, timestamp))| {
            let block = i as u64 + 1;
            let event = events.get(&block);
            SeenTx {
                block,
                tx_index: 0,
                tx_id,
                timestamp,
                event_name: event.map(|(name, _)| name.clone()),
                event: event.and_then(|(_, payload)| serde_json::from_slice(payload).ok()),
            }
        })
        .collect();
    let certificates = ids
        .iter()
        .map(|id| {
            let req = CertificateIdRequest { certificate_id: id.clone() };
            let history = w.evaluate(Who::Unknown, "History", &req).unwrap_or_else(|e| panic!("History: {e}"));
            CertificateRecord { certificate: w.cert(id), history }
        })
        .collect();
    let issuers: Vec<IssuerKey> = w
        .evaluate(Who::Unknown, "IssuerKeys", &nanotrace_model::EmptyRequest {})
        .unwrap_or_else(|e| panic!("IssuerKeys: {e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let cache = Arc::new(Cache::open(&dir.path().join("cache")).unwrap_or_else(|e| panic!("cache: {e}")));
    let organizations: Vec<nanotrace_model::Organization> = w
        .evaluate(Who::Unknown, "Organizations", &nanotrace_model::EmptyRequest {})
        .unwrap_or_else(|e| panic!("Organizations: {e}"));
    let update =
        Update { txs, certificates, issuers: Some(issuers), organizations: Some(organizations), start_at: None };
    cache.apply(&update).unwrap_or_else(|e| panic!("cache: {e}"));
    let sync = Arc::new(SyncState::default());
    let checkpoint = cache.checkpoint().unwrap_or_else(|e| panic!("checkpoint: {e}"));
    sync.update(|s| {
        s.source_height = checkpoint.block_number;
        s.checkpoint = checkpoint;
        s.synced_at = Some(now());
        s.ready = true;
    });
    // Fresh for the whole run (answers must not turn UNVERIFIABLE half-way through).
    let state = AppState {
        status_key: Some(std::sync::Arc::new(ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]))),
        cache,
        sync,
        max_staleness: Duration::from_secs(100 * 365 * 86_400),
        public_url: "https://verify.example.org".into(),
    };
    let mut config =
        Config::try_parse_from(["nanotrace-verifier"]).unwrap_or_else(|e| panic!("default verifier config: {e}"));
    config.public_url = Some("https://verify.example.org".into());
    config.rate_per_sec = 1_000_000_000;
    config.rate_burst = u32::MAX;
    config.timeout_secs = 10;
    let valid = w.cert(&ids[0]);
    let token = OfflineToken::for_certificate(&valid).and_then(|t| t.encode()).unwrap_or_else(|e| panic!("{e}"));
    let substitutions = vec![
        ("$SUSPENDED", ids[1].clone()),
        ("$RENEWED", ids[5].clone()),
        ("$PENDING", ids[3].clone()),
        ("$REVOKED", ids[2].clone()),
        ("$TOKEN", token),
        ("$VALID", ids[0].clone()),
        ("$OLD", ids[4].clone()),
        ("$GTIN", GTIN.to_owned()),
    ];
    // What the contract made of each lot (see above); every certificate is well inside
    // its validity, so none is EXPIRED.
    let verdicts = [(0, "VALID"), (1, "SUSPENDED"), (2, "REVOKED"), (3, "PENDING"), (4, "SUPERSEDED"), (5, "VALID")]
        .into_iter()
        .map(|(i, verdict)| (ids[i].clone(), verdict))
        .collect();
    Fixture { app: nanotrace_verifier::web::router(state, &config), verdicts, substitutions, _dir: dir }
}

/// The fixture (built once per process; its cache lives in `$TMPDIR`, which
/// `scripts/fuzz.sh` removes after the run).
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build)
}

/// The request an input describes, or `None` when `http` cannot represent it. Bytes a
/// request target may not hold are percent-encoded (as a client must send them), and
/// header lines without a colon or with a name or value `http` refuses are left out, so
/// that damaged inputs still reach the router.
pub fn request(data: &[u8]) -> Option<Request<Body>> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|b| *b == b'\n');
    let first = lines.next().unwrap_or_default();
    let (method, target) = match first.iter().position(|b| *b == b' ') {
        Some(at) => (Method::from_bytes(&first[..at]).ok()?, &first[at + 1..]),
        None => (Method::GET, first),
    };
    let mut uri = String::with_capacity(target.len());
    for &b in target {
        if b.is_ascii_graphic() && b != b'#' {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    let mut request = Request::builder().method(method).uri(uri).body(Body::from(body.to_vec())).ok()?;
    for line in lines {
        let Some(at) = line.iter().position(|b| *b == b':') else { continue };
        let value = line[at + 1..].strip_prefix(b" ").unwrap_or(&line[at + 1..]);
        let (Ok(name), Ok(value)) =
            (header::HeaderName::from_bytes(&line[..at]), header::HeaderValue::from_bytes(value))
        else {
            continue;
        };
        request.headers_mut().append(name, value);
    }
    Some(request)
}

/// The target.
pub fn run(data: &[u8]) {
    let fx = fixture();
    let data = crate::contract::substitute(data, &fx.substitutions);
    let Some(request) = request(&data) else {
        return;
    };
    let what = format!("{} {}", request.method(), request.uri());
    let head = request.method() == axum::http::Method::HEAD;
    let app = fx.app.clone();
    let (status, headers, body) = crate::runtime().block_on(async move {
        let response = match app.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 64 << 20).await;
        (status, headers, body)
    });
    assert!(!status.is_server_error(), "{what}: {status}");
    if let Err(e) = &body {
        panic!("{what}: the body did not complete: {e}");
    }
    for name in [header::CONTENT_SECURITY_POLICY, header::X_CONTENT_TYPE_OPTIONS, header::CACHE_CONTROL] {
        assert!(headers.contains_key(&name), "{what}: {status} without {name}");
    }
    let json = headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // A HEAD answer has the headers of the GET one and no body.
    if status == axum::http::StatusCode::OK && json && !head {
        let mut body = body.unwrap_or_default().to_vec();
        if headers.get(header::CONTENT_ENCODING).is_some_and(|v| v == "gzip") {
            let mut plain = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(body.as_slice()), &mut plain)
                .unwrap_or_else(|e| panic!("{what}: a gzipped answer that does not decompress: {e}"));
            body = plain;
        }
        let value: serde_json::Value =
            serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{what}: a JSON answer that is not JSON: {e}"));
        check_verdicts(&what, &value, &fx.verdicts);
    }
}

/// Every certificate verdict anywhere in `value` agrees with the fixture's ledger.
fn check_verdicts(what: &str, value: &serde_json::Value, verdicts: &std::collections::HashMap<String, &'static str>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("certificate_id") {
                let said = match (map.get("verdict"), map.get("current").and_then(|c| c.get("verdict"))) {
                    (Some(Value::String(v)), _) | (None, Some(Value::String(v))) => Some(v.as_str()),
                    _ => None,
                };
                if let Some(said) = said {
                    let expected = verdicts.get(id).copied().unwrap_or("UNKNOWN");
                    assert_eq!(said, expected, "{what}: the verifier says {id} is {said}; its ledger says {expected}");
                }
            }
            map.values().for_each(|v| check_verdicts(what, v, verdicts));
        }
        Value::Array(items) => items.iter().for_each(|v| check_verdicts(what, v, verdicts)),
        _ => {}
    }
}
