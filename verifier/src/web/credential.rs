//! `GET /api/v1/certificates/{id}/vc`: a certificate's W3C Verifiable Credential as the
//! ledger records it — rebuilt from this verifier's copy of the certificate with the proof
//! its certifier recorded (`AttachCredential`), checked before it is served. Any verifier
//! of the network serves the same bytes; none can make or change a proof. It is served
//! whatever the certificate's state (its status entries tell a relying party whether it is
//! revoked or suspended); a certificate whose certifier has not signed one is 404, one that
//! changed since (a new SDS revision awaiting a fresh signature) is 409, a cache too old to
//! vouch for is 503. Never one that could not show a revocation: a credential recorded
//! without status entries (a certificate issued before the status lists, signed by an
//! earlier contract) is 409 `no_status`, one whose status entries name lists under a URL
//! that is neither a status base of its issuing organisation on the ledger nor this
//! verifier's own (while it publishes lists, `--status-key`) is 409 `unknown_status_base`,
//! one whose record no certifier's signature vouches for (UNTRUSTED) is 409 `untrusted`.

use super::error_code::{error, ErrorCode};
use super::extract::ApiCertificateId;
use super::lookup::lookup;
use super::Web;
use crate::state::now;
use axum::extract::State;
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nanotrace_model::credential::{self, CredentialError};
use nanotrace_model::Verdict;

/// The VC 2.0 media type of a credential secured by an embedded proof.
pub(crate) const MEDIA_TYPE: &str = "application/vc";

/// `GET /api/v1/certificates/{id}/vc`.
pub(super) async fn credential(State(web): State<Web>, ApiCertificateId(id): ApiCertificateId) -> Response {
    let found = lookup(&web.app, &id, now()).await;
    let record = match (found.verdict(), found.current()) {
        (Verdict::Unverifiable, _) => {
            return error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unverifiable, &found.view.verification.reason)
        }
        (_, None) | (Verdict::Unknown, _) => {
            return error(StatusCode::NOT_FOUND, ErrorCode::Unknown, &found.view.verification.reason)
        }
        // No credential is served for a record no certifier's signature vouches for: its
        // proof, if it carries one, cannot be the certifier's.
        (Verdict::Untrusted, _) => {
            return error(StatusCode::CONFLICT, ErrorCode::Untrusted, &found.view.verification.reason)
        }
        (_, Some(record)) => record,
    };
    // Lists under this verifier's own URL count only while it publishes them.
    let own = web.app.status_key.is_some().then_some(&*web.app.public_url);
    let vc = match credential::recorded(&record.certificate, &found.issuers, &found.organizations, own) {
        Ok(vc) => vc,
        Err(e @ (CredentialError::NotRecorded(_) | CredentialError::NotIssued(_))) => {
            return error(StatusCode::NOT_FOUND, ErrorCode::NoCredential, &e.to_string())
        }
        Err(e @ CredentialError::Outdated(_)) => {
            return error(StatusCode::CONFLICT, ErrorCode::Outdated, &e.to_string())
        }
        Err(e @ CredentialError::NoStatus(_)) => {
            return error(StatusCode::CONFLICT, ErrorCode::NoStatus, &e.to_string())
        }
        Err(e @ CredentialError::UnknownStatusBase { .. }) => {
            return error(StatusCode::CONFLICT, ErrorCode::UnknownStatusBase, &e.to_string())
        }
        Err(e) => {
            tracing::error!(id, error = %e, "the recorded credential cannot be rebuilt");
            return error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unverifiable, &e.to_string());
        }
    };
    let body = match serde_json::to_vec(&vc) {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a credential");
            return error(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "cannot encode the answer");
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
