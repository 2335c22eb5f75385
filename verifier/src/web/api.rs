//! The JSON API (described in `verifier/openapi.yaml`).

use super::error_code::{error, error_body, ErrorCode};
use super::extract::{ApiCertificateId, ClientIp};
use super::lookup::{answer, blocking, lookup, Lookup};
use super::rendered::{Kind, Rendered};
use super::{Web, OPENAPI_YAML};
use crate::state::{now, AsOf};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header::{self, HeaderValue};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use nanotrace_model::consignment::ConsignmentRequest;
use nanotrace_model::token::OfflineToken;
use nanotrace_model::{
    Action, Certificate, CertificateStatus, DependencyFlag, HistoryEntry, IssuerKey, Nanomaterial,
    NanomaterialAssessment, Organization, SafetyDataSheet, Verdict,
};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    (status, Json(value)).into_response()
}

/// The answer on a certificate, up to its freshness ([`Freshness`]); then [`ViewTail`].
#[derive(Debug, Serialize)]
struct CertificateView<'a> {
    certificate_id: &'a str,
    verdict: Verdict,
    reason: &'a str,
    since: Option<i64>,
    superseded_by: Option<&'a str>,
    flags: &'a [DependencyFlag],
    certificate: Option<CertificateFields<'a>>,
    issuer: Option<PublicIssuerKey<'a>>,
    dates: Option<Dates>,
    /// The safety data sheet revision a certifier signed (issue 71: a revision the
    /// manufacturer declared is never linked before one reviews it).
    sds: Option<&'a SafetyDataSheet>,
    /// The revision the manufacturer declared that no certifier has reviewed yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    sds_awaiting_review: Option<u32>,
    history: Vec<HistoryItem<'a>>,
}

/// Where the answer's data comes from and when it was checked: the part of the answer a
/// kept answer writes anew ([`super::rendered::Rendered::fresh`]).
#[derive(Debug, Serialize)]
struct Freshness<'a> {
    checked_at: i64,
    as_of: &'a AsOf,
}

/// The answer after its freshness.
#[derive(Debug, Serialize)]
struct ViewTail {
    token: Option<String>,
    verify_url: String,
}

#[derive(Debug, Serialize)]
struct CertificateFields<'a> {
    id: &'a str,
    version: u32,
    supersedes: Option<&'a str>,
    superseded_by: Option<&'a str>,
    status: CertificateStatus,
    status_reason: Option<&'a str>,
    status_since: i64,
    manufacturer_msp: &'a str,
    /// The manufacturer with its registered name.
    manufacturer: Org<'a>,
    product: Product<'a>,
    nanomaterial: &'a Nanomaterial,
    assessment: &'a NanomaterialAssessment,
    depends_on: &'a [String],
    issuance: Option<IssuanceFields<'a>>,
    resign_required: bool,
}

#[derive(Debug, Serialize)]
struct Product<'a> {
    name: &'a str,
    description: &'a str,
    gtin: Option<&'a str>,
    batch: &'a str,
    supplier: &'a str,
}

#[derive(Debug, Serialize)]
struct IssuanceFields<'a> {
    issuer_org: &'a str,
    /// The issuing certification body with its registered name.
    issuer: Org<'a>,
    issuer_key_id: &'a str,
    issued_at: i64,
    valid_until: i64,
    digest: &'a str,
    signature: &'a str,
}

#[derive(Debug, Serialize)]
struct Dates {
    applied_at: i64,
    issued_at: Option<i64>,
    valid_until: Option<i64>,
    status_since: i64,
}

/// One audit-trail entry, naming organisations rather than people.
#[derive(Debug, Serialize)]
struct HistoryItem<'a> {
    timestamp: i64,
    action: Action,
    status: CertificateStatus,
    by: &'a str,
    /// The registered name of the organisation `by`.
    #[serde(skip_serializing_if = "Option::is_none")]
    by_name: Option<&'a str>,
    reason: Option<&'a str>,
    tx_id: &'a str,
}

fn history_item<'a>(e: &'a HistoryEntry, orgs: &'a [Organization]) -> HistoryItem<'a> {
    HistoryItem {
        timestamp: e.timestamp,
        action: e.action,
        status: e.status,
        by: &e.actor.msp_id,
        by_name: name_of(orgs, &e.actor.msp_id),
        reason: e.reason.as_deref(),
        tx_id: &e.tx_id,
    }
}

/// An organisation: its MSP ID and, when it is registered on the ledger, its registered
/// name (what a member of the public recognises). The public API names organisations,
/// never people: a Fabric identity's X.509 subject (`Actor::id`, e.g. a person's CN)
/// stays off the public answers.
#[derive(Debug, Serialize)]
struct Org<'a> {
    msp_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

fn name_of<'a>(orgs: &'a [Organization], msp_id: &str) -> Option<&'a str> {
    orgs.iter().find(|o| o.msp_id == msp_id).map(|o| o.name.as_str())
}

fn org<'a>(orgs: &'a [Organization], msp_id: &'a str) -> Org<'a> {
    Org { msp_id, name: name_of(orgs, msp_id) }
}

/// A trust-list entry as the public sees it: everything an offline token check needs
/// (key ID, public key, validity window, retirement), the holder as its organisation.
#[derive(Debug, Serialize)]
struct PublicIssuerKey<'a> {
    key_id: &'a str,
    public_key: &'a str,
    holder: Org<'a>,
    valid_from: i64,
    valid_until: i64,
    registered_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    retired_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retired_reason: Option<&'a str>,
}

impl<'a> PublicIssuerKey<'a> {
    fn new(k: &'a IssuerKey, orgs: &'a [Organization]) -> Self {
        PublicIssuerKey {
            key_id: &k.key_id,
            public_key: &k.public_key,
            holder: org(orgs, &k.holder.msp_id),
            valid_from: k.valid_from,
            valid_until: k.valid_until,
            registered_at: k.registered_at,
            retired_at: k.retired_at,
            retired_reason: k.retired_reason.as_deref(),
        }
    }
}

fn fields<'a>(c: &'a Certificate, orgs: &'a [Organization]) -> CertificateFields<'a> {
    let a = &c.application;
    CertificateFields {
        id: &c.id,
        version: c.version,
        supersedes: c.supersedes.as_deref(),
        superseded_by: c.superseded_by.as_deref(),
        status: c.status,
        status_reason: c.status_reason.as_deref(),
        status_since: c.status_since,
        manufacturer_msp: &c.manufacturer_msp,
        manufacturer: org(orgs, &c.manufacturer_msp),
        product: Product {
            name: &a.product_name,
            description: &a.product_description,
            gtin: a.gtin.as_deref(),
            batch: &a.batch,
            supplier: &a.supplier,
        },
        nanomaterial: &a.nanomaterial,
        assessment: &c.assessment,
        depends_on: &a.depends_on,
        issuance: c.issuance.as_ref().map(|i| IssuanceFields {
            issuer_org: &i.issuer_org,
            issuer: org(orgs, &i.issuer_org),
            issuer_key_id: &i.issuer_key_id,
            issued_at: i.issued_at,
            valid_until: i.valid_until,
            digest: &i.digest,
            signature: &i.signature,
        }),
        resign_required: c.resign_required,
    }
}

/// The offline token of an issued certificate.
pub(super) fn token_of(c: &Certificate) -> Option<String> {
    nanotrace_model::link::offline_token(c)
}

fn view(found: &Lookup) -> CertificateView<'_> {
    let v = &found.view.verification;
    let current = found.current();
    let sds = found.sds();
    let cert = current.map(|c| &c.certificate);
    CertificateView {
        certificate_id: &v.certificate_id,
        verdict: v.verdict,
        reason: &v.reason,
        since: v.since,
        superseded_by: found.superseded_by(),
        flags: found.flags(),
        certificate: cert.map(|c| fields(c, &found.organizations)),
        issuer: found.issuer_key().map(|k| PublicIssuerKey::new(k, &found.organizations)),
        dates: cert.map(|c| Dates {
            applied_at: c.applied_at,
            issued_at: c.issuance.as_ref().map(|i| i.issued_at),
            valid_until: c.issuance.as_ref().map(|i| i.valid_until),
            status_since: c.status_since,
        }),
        sds: sds.and_then(|s| s.reviewed),
        sds_awaiting_review: sds.and_then(|s| s.awaiting_review),
        history: current
            .map(|c| c.history.iter().map(|e| history_item(e, &found.organizations)).collect())
            .unwrap_or_default(),
    }
}

/// The members of a JSON object `value` serializes to, without its braces.
fn members(value: &impl Serialize) -> Result<Vec<u8>, serde_json::Error> {
    let mut object = serde_json::to_vec(value)?;
    if object.len() < 2 || object.first() != Some(&b'{') || object.last() != Some(&b'}') {
        return Err(serde::ser::Error::custom("not a JSON object"));
    }
    object.pop();
    object.remove(0);
    Ok(object)
}

/// The freshness of an answer for data `as_of` checked at `at`: its `checked_at` and
/// `as_of` members, as [`render`] writes them.
pub(super) fn freshness(as_of: &AsOf, at: i64) -> Vec<u8> {
    members(&Freshness { checked_at: at, as_of }).unwrap_or_default()
}

/// The answer's JSON: the view's members, its freshness (the range returned), the tail's.
fn certificate_json(found: &Lookup, public_url: &str) -> Result<(Vec<u8>, std::ops::Range<usize>), serde_json::Error> {
    let v = &found.view.verification;
    let mut body = Vec::with_capacity(4096);
    // The view's object written in place, its closing brace then replaced: no copy of
    // the largest part (it was written apart, shifted out of its braces and copied in).
    serde_json::to_writer(&mut body, &view(found))?;
    if body.len() < 2 || body.first() != Some(&b'{') || body.last() != Some(&b'}') {
        return Err(serde::ser::Error::custom("the view is not a JSON object"));
    }
    body.pop();
    body.push(b',');
    let start = body.len();
    body.extend_from_slice(&members(&Freshness { checked_at: v.checked_at, as_of: &found.view.as_of })?);
    let end = body.len();
    body.push(b',');
    let cert = found.current().map(|c| &c.certificate);
    let tail = ViewTail {
        // No offline token for a record no certifier's signature vouches for.
        token: cert.filter(|_| v.verdict != Verdict::Untrusted).and_then(token_of),
        verify_url: nanotrace_model::link::page_url(public_url, &v.certificate_id),
    };
    body.extend_from_slice(&members(&tail)?);
    body.push(b'}');
    Ok((body, start..end))
}

/// `GET /api/v1/certificates/{id}`.
pub(super) async fn certificate(
    State(web): State<Web>,
    headers: HeaderMap,
    ApiCertificateId(id): ApiCertificateId,
) -> Response {
    answer(&web, Kind::Api, &id, headers.get(header::ACCEPT_ENCODING)).await
}

/// The JSON answer of `GET /api/v1/certificates/{id}` for a lookup.
pub(super) fn render(found: &Lookup, public_url: &str) -> Rendered {
    match certificate_json(found, public_url) {
        Ok((body, fresh)) => Rendered::json(found.status(), found.verdict(), body).with_fresh(fresh),
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a certificate as JSON");
            let body = error_body(ErrorCode::Internal, "cannot encode the answer");
            Rendered::json(StatusCode::INTERNAL_SERVER_ERROR, found.verdict(), body)
        }
    }
}

/// `GET /api/v1/certificates/{id}/history`.
pub(super) async fn history(State(web): State<Web>, ApiCertificateId(id): ApiCertificateId) -> Response {
    let found = lookup(&web.app, &id, now()).await;
    match found.verdict() {
        Verdict::Unverifiable => {
            error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unverifiable, &found.view.verification.reason)
        }
        Verdict::Unknown => error(StatusCode::NOT_FOUND, ErrorCode::Unknown, &found.view.verification.reason),
        _ => {
            let items: Vec<HistoryItem<'_>> = found
                .current()
                .map(|c| c.history.iter().map(|e| history_item(e, &found.organizations)).collect())
                .unwrap_or_default();
            json(StatusCode::OK, &items)
        }
    }
}

/// `GET /api/v1/issuers`: the trust list, when the cache is fresh.
pub(super) async fn issuers(State(web): State<Web>) -> Response {
    if let Some(reason) = web.app.staleness(now()) {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unverifiable,
            &format!("cannot vouch for the trust list now: {reason}"),
        );
    }
    let app = web.app.clone();
    let read = blocking(move || {
        let keys = app.cache.issuers().map_err(|e| e.to_string())?;
        let orgs = app.cache.organizations().map_err(|e| e.to_string())?;
        Ok((keys, orgs))
    });
    match read.await {
        Ok((keys, orgs)) => {
            json(StatusCode::OK, &keys.iter().map(|k| PublicIssuerKey::new(k, &orgs)).collect::<Vec<_>>())
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read the trust list");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unverifiable,
                "the verifier cannot read its copy of the ledger",
            )
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    token: String,
}

#[derive(Debug, Serialize)]
struct VerifyResponse<'a> {
    authentic: bool,
    certificate_id: &'a str,
    issuer_key_id: &'a str,
    issuer: Org<'a>,
    issued_at: i64,
    valid_until: i64,
    expired: bool,
    digest: &'a str,
    /// Whether the token signs the same data as the ledger's current record (null: no
    /// current record to compare with).
    matches_record: Option<bool>,
    current: Current<'a>,
    verify_url: String,
}

#[derive(Debug, Serialize)]
struct Current<'a> {
    verdict: Verdict,
    reason: &'a str,
    since: Option<i64>,
    superseded_by: Option<&'a str>,
    as_of: &'a AsOf,
}

/// Which of the two requests of `POST /api/v1/verify` a JSON body is: a list when it has
/// `items`. Read without keeping any of its values (`IgnoredAny`), so the body is then
/// parsed once, straight into the request it is, never into a `serde_json::Value`.
#[derive(Debug, Deserialize)]
struct VerifyShape {
    #[serde(default)]
    items: Option<IgnoredAny>,
}

/// `POST /api/v1/verify`: one offline token (`{"token": "..."}`), or a consignment's list
/// of items (`{"items": [...]}`, or CSV: [`super::consignment`]). The body was read whole
/// within the limit and the budget of bytes in flight ([`super::body_budget`]).
pub(super) async fn verify(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let bytes = match body {
        Ok(bytes) => bytes,
        Err(rejection) => {
            let status = rejection.status();
            let code =
                if status == StatusCode::PAYLOAD_TOO_LARGE { ErrorCode::TooLarge } else { ErrorCode::BadRequest };
            return error(status, code, &rejection.body_text());
        }
    };
    if super::consignment::is_csv(&headers) {
        return super::consignment::check_csv(&web, ip, &headers, &bytes).await;
    }
    if serde_json::from_slice::<VerifyShape>(&bytes).is_ok_and(|shape| shape.items.is_some()) {
        return match serde_json::from_slice::<ConsignmentRequest>(&bytes) {
            Ok(list) => super::consignment::check(&web, ip, &headers, list.items).await,
            Err(e) => error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                &format!("expected {{\"items\": [\"…\", …]}} (strings): {e}"),
            ),
        };
    }
    let request: VerifyRequest = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                &format!("expected {{\"token\": \"...\"}} or {{\"items\": [...]}}: {e}"),
            )
        }
    };
    let token = match OfflineToken::decode(request.token.trim()) {
        Ok(token) => token,
        Err(e) => return invalid_token(&e.to_string()),
    };
    // The token names a well-formed ID (decode checks), so the lookup is safe.
    let found = lookup(&web.app, &token.certificate_id, now()).await;
    if !found.readable {
        return error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unverifiable, &found.view.verification.reason);
    }
    let offline = match token.verify(&found.issuers, now()) {
        Ok(offline) => offline,
        Err(e) => return invalid_token(&e.to_string()),
    };
    web.metrics.verdict(found.verdict());
    let v = &found.view.verification;
    let matches_record =
        found.current().and_then(|c| c.certificate.issuance.as_ref()).map(|issuance| issuance.digest == offline.digest);
    let response = VerifyResponse {
        authentic: true,
        certificate_id: &offline.certificate_id,
        issuer_key_id: &offline.issuer_key_id,
        issuer: org(&found.organizations, &offline.issuer.msp_id),
        issued_at: offline.issued_at,
        valid_until: offline.valid_until,
        expired: offline.expired,
        digest: &offline.digest,
        matches_record,
        current: Current {
            verdict: v.verdict,
            reason: &v.reason,
            since: v.since,
            superseded_by: found.superseded_by(),
            as_of: &found.view.as_of,
        },
        verify_url: nanotrace_model::link::page_url(&web.app.public_url, &offline.certificate_id),
    };
    json(StatusCode::OK, &response)
}

fn invalid_token(message: &str) -> Response {
    #[derive(Serialize)]
    struct Invalid<'a> {
        authentic: bool,
        error: &'a str,
        message: &'a str,
    }
    json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &Invalid { authentic: false, error: ErrorCode::InvalidToken.as_str(), message },
    )
}

/// `GET /api/v1/openapi.yaml`.
pub(super) async fn openapi() -> Response {
    let mut response = OPENAPI_YAML.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/yaml; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}
