//! `GET /api/v1/status/{purpose}/{list}`: the W3C Bitstring Status List credentials a
//! certificate's Verifiable Credential points to, built from this verifier's copy of the
//! ledger: bit `i` of revocation list `n` is set when the certificate at position
//! `n · 2^20 + i` ([`nanotrace_model::status`]) is REVOKED or SUPERSEDED, of suspension
//! list `n` while it is SUSPENDED. The list (gzip, multibase base64url) is signed by the
//! verifier operator's own key (`--status-key`, an `eddsa-jcs-2022` proof, the key as a
//! `did:key`) and rebuilt when the cache changes, so a revocation shows in the next request
//! after the follower applied it. A cache too old to vouch for is 503, never an old list.
//!
//! `GET /api/v1/status` names the lists there are ([`StatusIndex`]): list 0 and every list
//! up to the highest a certificate is in, for a client (the offline page's service worker)
//! that keeps them all.

use super::error_code::ErrorCode;
use super::refusal::Refusal;
use super::Web;
use crate::state::{now, AppState};
use axum::extract::{Path, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ed25519_dalek::{Signer, SigningKey};
use nanotrace_model::status::{index_in_list, list_of, list_url, StatusPurpose, LIST_SIZE};
use nanotrace_model::{credential, CertificateStatus};
use serde_json::json;
use std::collections::BTreeMap;
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

/// A list as built: its purpose and number, the cache generation it was built from, its
/// body.
type Built = (StatusPurpose, u32, u64, Arc<Vec<u8>>);

/// The lists last built, and their bits; and the one build under way at a time. The bits
/// are read from every certificate once, then kept up to date with what each update wrote
/// ([`crate::cache::Cache::touched_since`]): at 10⁶ certificates reading them all takes
/// seconds, longer than a ledger committing every second leaves between updates.
#[derive(Default)]
pub(super) struct StatusMemo {
    built: Mutex<Vec<Built>>,
    /// The bits of every list, with the cache generation they were read at.
    bits: Mutex<Option<(u64, Arc<ListBits>)>>,
    /// Held while a list is built: requests that find no list for the current cache
    /// generation wait for the build under way instead of each starting one (a burst of
    /// requests after a ledger change costs one build, not one per request).
    building: tokio::sync::Mutex<()>,
}

impl StatusMemo {
    fn get(&self, purpose: StatusPurpose, list: u32, generation: u64) -> Option<Arc<Vec<u8>>> {
        let built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        built.iter().find(|(p, l, g, _)| (*p, *l, *g) == (purpose, list, generation)).map(|(_, _, _, b)| b.clone())
    }

    /// Keeps `body`, and drops what was built from other generations.
    fn put(&self, purpose: StatusPurpose, list: u32, generation: u64, body: Arc<Vec<u8>>) {
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        built.retain(|(p, l, g, _)| *g == generation && (*p, *l) != (purpose, list));
        built.push((purpose, list, generation, body));
    }

    /// The bits read at `generation`, if they were.
    fn bits(&self, generation: u64) -> Option<Arc<ListBits>> {
        self.latest_bits().filter(|(g, _)| *g == generation).map(|(_, b)| b)
    }

    /// The bits last read, with the generation they were read at.
    fn latest_bits(&self) -> Option<(u64, Arc<ListBits>)> {
        self.bits.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn put_bits(&self, generation: u64, bits: Arc<ListBits>) {
        *self.bits.lock().unwrap_or_else(|p| p.into_inner()) = Some((generation, bits));
    }
}

/// The bits of every status list, as the cache holds the certificates: read in one pass
/// over them.
#[derive(Debug, Default)]
pub struct ListBits {
    /// By list, the bits of each purpose (in [`StatusPurpose::ALL`]'s order); lists no
    /// certificate is in are not held.
    lists: BTreeMap<u32, [Vec<u8>; 2]>,
}

impl ListBits {
    /// Reads the positions and statuses of every certificate in the cache.
    pub fn read(app: &AppState) -> Result<Self, String> {
        let mut bits = Self::default();
        for id in app.cache.certificate_ids().map_err(|e| e.to_string())? {
            bits.read_again(app, &id)?;
        }
        Ok(bits)
    }

    /// These bits, with the certificates `ids` read again (what updates since wrote: a
    /// certificate's positions are never another's, and one it leaves is retired, which
    /// it names, so its bits are all that can have changed).
    pub fn updated(&self, app: &AppState, ids: &[String]) -> Result<Self, String> {
        let mut bits = ListBits { lists: self.lists.clone() };
        for id in ids {
            bits.read_again(app, id)?;
        }
        Ok(bits)
    }

    /// Sets or clears certificate `id`'s bits as the cache holds it now. An ACTIVE record
    /// that no certifier's signature vouches for (UNTRUSTED) touches no bit: written by
    /// peers that did not run the contract under a genuine certificate's position, it
    /// would otherwise clear that certificate's revocation.
    fn read_again(&mut self, app: &AppState, id: &str) -> Result<(), String> {
        let generation = app.cache.generation();
        let Some(record) = app.cache.certificate(id).map_err(|e| e.to_string())? else { return Ok(()) };
        let cert = &record.certificate;
        if cert.status_index.is_none() && cert.retired_status_indexes.is_empty() {
            return Ok(());
        }
        if cert.status == CertificateStatus::Active
            && app.cache.authenticity(&record, generation).map_err(|e| e.to_string())?.is_err()
        {
            return Ok(());
        }
        // Its position now, and those it retired (an earlier revision's: revoked).
        for (at, purpose) in StatusPurpose::ALL.into_iter().enumerate() {
            for (position, set) in purpose.bits(cert) {
                let lists = self.lists.entry(list_of(position)).or_insert_with(|| {
                    let empty = vec![0u8; (LIST_SIZE / 8) as usize];
                    [empty.clone(), empty]
                });
                let index = index_in_list(position);
                let (byte, bit) = ((index / 8) as usize, 0x80u8 >> (index % 8));
                if set {
                    lists[at][byte] |= bit;
                } else {
                    lists[at][byte] &= !bit;
                }
            }
        }
        Ok(())
    }

    /// How many lists of each purpose there are: list 0, and every list up to the highest
    /// a certificate is in.
    pub fn count(&self) -> u32 {
        self.lists.keys().next_back().map_or(1, |last| last + 1)
    }

    /// The bits of `purpose`'s list `list` (all clear for a list no certificate is in);
    /// `None` past [`ListBits::count`].
    pub fn list(&self, purpose: StatusPurpose, list: u32) -> Option<Vec<u8>> {
        if list >= self.count() {
            return None;
        }
        let at = StatusPurpose::ALL.iter().position(|p| *p == purpose).unwrap_or_default();
        Some(self.lists.get(&list).map_or_else(|| vec![0u8; (LIST_SIZE / 8) as usize], |lists| lists[at].clone()))
    }
}

/// What `GET /api/v1/status` answers: the lists this verifier publishes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct StatusIndex {
    /// The purposes, each with a list of every number in `lists`.
    pub purposes: Vec<StatusPurpose>,
    /// The lists' numbers, from 0: `/api/v1/status/{purpose}/{list}`.
    pub lists: Vec<u32>,
    /// Positions in each list.
    pub size: u32,
}

/// A bitstring as a Bitstring Status List's `encodedList`: GZIP, then multibase
/// base64url without padding (`u…`).
pub fn encode(bits: &[u8]) -> Result<String, std::io::Error> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bits)?;
    Ok(format!("u{}", data_encoding::BASE64URL_NOPAD.encode(&gz.finish()?)))
}

/// The signed status list credential of `purpose`'s list `list`, of `bits`, built at `at`.
fn build(
    app: &AppState,
    key: &SigningKey,
    purpose: StatusPurpose,
    list: u32,
    bits: &[u8],
    at: i64,
) -> Result<Vec<u8>, String> {
    let url = list_url(&app.public_url, purpose, list);
    let encoded = encode(bits).map_err(|e| e.to_string())?;
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
    super::error_code::error(status, ErrorCode::StatusList, message)
}

fn refusal(status: StatusCode, message: String) -> Refusal {
    Refusal::new(status, ErrorCode::StatusList, message)
}

/// The status key, and why the lists cannot be answered now if they cannot.
fn ready(web: &Web, at: i64) -> Result<Arc<SigningKey>, Refusal> {
    let Some(key) = web.app.status_key.clone() else {
        return Err(refusal(
            StatusCode::NOT_FOUND,
            "this verifier publishes no status lists (it runs without --status-key)".into(),
        ));
    };
    if let Some(reason) = web.app.staleness(at) {
        return Err(refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("cannot vouch for the ledger's status now: {reason}"),
        ));
    }
    Ok(key)
}

/// The bits of every list at `generation`: kept, brought up to date from the bits kept
/// with the certificates written since, or read from every certificate when what was
/// written since cannot be told (the caller holds [`StatusMemo::building`]).
async fn list_bits(web: &Web, generation: u64) -> Result<Arc<ListBits>, Refusal> {
    if let Some(bits) = web.status.bits(generation) {
        return Ok(bits);
    }
    let app = web.app.clone();
    let earlier = web.status.latest_bits();
    let read = move || match earlier.and_then(|(g, bits)| Some((bits, app.cache.touched_since(g)?))) {
        Some((bits, written)) => bits.updated(&app, &written),
        None => ListBits::read(&app),
    };
    match super::lookup::blocking(read).await {
        Ok(bits) => {
            let bits = Arc::new(bits);
            web.status.put_bits(generation, bits.clone());
            Ok(bits)
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read the status lists' bits");
            Err(refusal(StatusCode::SERVICE_UNAVAILABLE, "the verifier cannot read its copy of the ledger".into()))
        }
    }
}

/// `list` as written in a URL: its decimal digits, with no sign or leading zero.
fn list_number(list: &str) -> Option<u32> {
    list.parse::<u32>().ok().filter(|n| n.to_string() == list)
}

/// `GET /api/v1/status`.
pub(super) async fn status_index(State(web): State<Web>) -> Response {
    if let Err(refusal) = ready(&web, now()) {
        return refusal.into_api();
    }
    let generation = web.app.cache.generation();
    let bits = match web.status.bits(generation) {
        Some(bits) => bits,
        None => {
            let _building = web.status.building.lock().await;
            match list_bits(&web, generation).await {
                Ok(bits) => bits,
                Err(refusal) => return refusal.into_api(),
            }
        }
    };
    let index =
        StatusIndex { purposes: StatusPurpose::ALL.to_vec(), lists: (0..bits.count()).collect(), size: LIST_SIZE };
    let mut response = axum::Json(index).into_response();
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    response
}

/// `GET /api/v1/status/{purpose}/{list}`.
pub(super) async fn status_list(State(web): State<Web>, Path((purpose, list)): Path<(String, String)>) -> Response {
    let Some(purpose) = StatusPurpose::parse(&purpose) else {
        return error(StatusCode::NOT_FOUND, "no such status list: the purposes are revocation and suspension");
    };
    let Some(list) = list_number(&list) else {
        return error(StatusCode::NOT_FOUND, "no such status list: lists are numbered 0, 1, 2, … (GET /api/v1/status)");
    };
    let at = now();
    let key = match ready(&web, at) {
        Ok(key) => key,
        Err(refusal) => return refusal.into_api(),
    };
    // The generation first: a list built from what was read after it is at least as new.
    let generation = web.app.cache.generation();
    let _building;
    let cached = match web.status.get(purpose, list, generation) {
        Some(body) => Some(body),
        None => {
            _building = web.status.building.lock().await;
            web.status.get(purpose, list, generation)
        }
    };
    let body = match cached {
        Some(body) => body,
        None => {
            let bits = match list_bits(&web, generation).await {
                Ok(bits) => bits,
                Err(refusal) => return refusal.into_api(),
            };
            let Some(list_bits) = bits.list(purpose, list) else {
                return error(
                    StatusCode::NOT_FOUND,
                    &format!("no such status list: this verifier's lists are 0 to {}", bits.count() - 1),
                );
            };
            let app = web.app.clone();
            match super::lookup::blocking(move || build(&app, &key, purpose, list, &list_bits, at)).await {
                Ok(body) => {
                    web.metrics.status_list_builds.inc();
                    let body = Arc::new(body);
                    web.status.put(purpose, list, generation, body.clone());
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
