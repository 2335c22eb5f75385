//! `GET /api/v1/status/{purpose}/{list}`: the W3C Bitstring Status List credentials a
//! certificate's Verifiable Credential points to, built from this verifier's copy of the
//! ledger: bit `i` of the revocation list is set when the certificate at position `i`
//! ([`nanotrace_model::status`]) is REVOKED or SUPERSEDED, of the suspension list while it
//! is SUSPENDED. The list (gzip, multibase base64url) is signed by the verifier
//! operator's own key (`--status-key`, an `eddsa-jcs-2022` proof, the key as a `did:key`)
//! and rebuilt when the cache changes, so a revocation shows in the next request after
//! the follower applied it. A cache too old to vouch for is 503, never an old list.

use super::Web;
use crate::state::{now, AppState};
use axum::extract::{Path, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ed25519_dalek::{Signer, SigningKey};
use nanotrace_model::credential;
use nanotrace_model::status::{list_url, StatusPurpose, LIST, LIST_SIZE};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// The VC 2.0 context, as `verifier/contexts/README.md` says (SHA-256
/// [`credential::VC_CONTEXT_V2_SHA256`]).
pub const VC_CONTEXT_V2: &str = include_str!("../../contexts/credentials-v2.jsonld");

/// `GET /contexts/credentials/v2`: the VC 2.0 context, unchanged, for relying parties
/// that load contexts from a verifier they trust rather than from the web.
pub(super) async fn context() -> Response {
    let mut response = (StatusCode::OK, VC_CONTEXT_V2).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/ld+json"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400, immutable"));
    response
}

/// How long (milliseconds) a relying party may keep a list before fetching it again.
pub const TTL_MS: u64 = 60_000;

/// A list as built: its purpose, the cache generation it was built from, its body.
type Built = (StatusPurpose, u64, Arc<Vec<u8>>);

/// The lists last built, by purpose; and the one build under way at a time.
#[derive(Default)]
pub(super) struct StatusMemo {
    built: Mutex<Vec<Built>>,
    /// Held while a list is built: requests that find no list for the current cache
    /// generation wait for the build under way instead of each starting one (a burst of
    /// requests after a ledger change costs one build, not one per request).
    building: tokio::sync::Mutex<()>,
}

impl StatusMemo {
    fn get(&self, purpose: StatusPurpose, generation: u64) -> Option<Arc<Vec<u8>>> {
        let built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        built.iter().find(|(p, g, _)| *p == purpose && *g == generation).map(|(_, _, b)| b.clone())
    }

    fn put(&self, purpose: StatusPurpose, generation: u64, body: Arc<Vec<u8>>) {
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        built.retain(|(p, _, _)| *p != purpose);
        built.push((purpose, generation, body));
    }
}

/// The bits of `purpose`'s list, as the cache holds the certificates now.
pub fn bits(app: &AppState, purpose: StatusPurpose) -> Result<Vec<u8>, String> {
    let mut bits = vec![0u8; (LIST_SIZE / 8) as usize];
    for id in app.cache.certificate_ids().map_err(|e| e.to_string())? {
        let Some(record) = app.cache.certificate(&id).map_err(|e| e.to_string())? else { continue };
        if let Some(index) = record.certificate.status_index.filter(|i| *i < LIST_SIZE) {
            if purpose.is_set(&record.certificate) {
                bits[(index / 8) as usize] |= 0x80 >> (index % 8);
            }
        }
    }
    Ok(bits)
}

/// A bitstring as a Bitstring Status List's `encodedList`: GZIP, then multibase
/// base64url without padding (`u…`).
pub fn encode(bits: &[u8]) -> Result<String, std::io::Error> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bits)?;
    Ok(format!("u{}", data_encoding::BASE64URL_NOPAD.encode(&gz.finish()?)))
}

/// The signed status list credential of `purpose`, built at `at`.
fn build(app: &AppState, key: &SigningKey, purpose: StatusPurpose, at: i64) -> Result<Vec<u8>, String> {
    let url = list_url(&app.public_url, purpose, LIST);
    let encoded = encode(&bits(app, purpose)?).map_err(|e| e.to_string())?;
    let public = key.verifying_key().to_bytes();
    let valid_from = credential::rfc3339(at).ok_or("the clock is outside what RFC 3339 can write")?;
    let document = json!({
        "@context": [credential::VC_CONTEXT_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": credential::did_key(&public),
        "validFrom": valid_from,
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": encoded,
            "ttl": TTL_MS,
        },
    });
    let options = credential::proof_options(&document, &public, at).map_err(|e| e.to_string())?;
    let signature = key.sign(&credential::hash_data(&document, &options).map_err(|e| e.to_string())?);
    let secured = credential::secured(document, options, &signature.to_bytes());
    serde_json::to_vec(&secured).map_err(|e| e.to_string())
}

fn error(status: StatusCode, message: &str) -> Response {
    super::api::error(status, "status_list", message)
}

/// `GET /api/v1/status/{purpose}/{list}`.
pub(super) async fn status_list(State(web): State<Web>, Path((purpose, list)): Path<(String, String)>) -> Response {
    let Some(purpose) = StatusPurpose::parse(&purpose) else {
        return error(StatusCode::NOT_FOUND, "no such status list: the purposes are revocation and suspension");
    };
    if list != LIST.to_string() {
        return error(StatusCode::NOT_FOUND, "no such status list: there is one list of each purpose, 0");
    }
    let Some(key) = web.app.status_key.clone() else {
        return error(StatusCode::NOT_FOUND, "this verifier publishes no status lists (it runs without --status-key)");
    };
    let at = now();
    if let Some(reason) = web.app.staleness(at) {
        return error(StatusCode::SERVICE_UNAVAILABLE, &format!("cannot vouch for the ledger's status now: {reason}"));
    }
    // The generation first: a list built from what was read after it is at least as new.
    let generation = web.app.cache.generation();
    let _building;
    let cached = match web.status.get(purpose, generation) {
        Some(body) => Some(body),
        None => {
            _building = web.status.building.lock().await;
            web.status.get(purpose, generation)
        }
    };
    let body = match cached {
        Some(body) => body,
        None => {
            let app = web.app.clone();
            match super::lookup::blocking(move || build(&app, &key, purpose, at)).await {
                Ok(body) => {
                    web.metrics.status_list_builds.inc();
                    let body = Arc::new(body);
                    web.status.put(purpose, generation, body.clone());
                    body
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot build a status list");
                    return error(StatusCode::SERVICE_UNAVAILABLE, "the verifier cannot read its copy of the ledger");
                }
            }
        }
    };
    let mut response = (StatusCode::OK, body.as_ref().clone()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    response
}
