//! Enrollment by an invitation's one-time link: the certificate request the member's
//! browser signs, issued by the organisation's CA.

use crate::web::extract::Json;
use crate::web::failure::Failure;
use crate::web::wire::{b64, signature};
use axum::extract::State;
use axum::http::StatusCode;
use data_encoding::BASE64;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::registry::Invitation;
use crate::web::{now, Shared};

/// `POST /api/enroll/request` and `/api/enroll` body.
#[derive(Debug, Deserialize)]
pub struct EnrollRequest {
    secret: String,
    /// Base64 DER SubjectPublicKeyInfo of the browser's new key.
    public_key: String,
    /// Base64 r ‖ s over the request's to-be-signed bytes (second call only).
    #[serde(default)]
    signature: Option<String>,
}

fn invitation_and_tbs(
    state: &crate::web::AppState,
    req: &EnrollRequest,
) -> Result<(Invitation, Vec<u8>, Vec<u8>), Failure> {
    let invitation = state
        .registry
        .invitation(&req.secret, now())
        .map_err(|e| Failure::new(StatusCode::FORBIDDEN, "the enrollment link", e.to_string()))?;
    let spki = BASE64
        .decode(req.public_key.as_bytes())
        .map_err(|_| Failure::new(StatusCode::BAD_REQUEST, "the public key", "not base64"))?;
    let tbs = crate::csr::to_be_signed(&spki, &invitation.name)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "the public key", e.to_string()))?;
    Ok((invitation, spki, tbs))
}

/// Answers the bytes of the certificate request for the browser's public key.
pub async fn enroll_request(
    State(state): State<Shared>,
    Json(req): Json<EnrollRequest>,
) -> Result<Json<Value>, Failure> {
    let (invitation, _, tbs) = invitation_and_tbs(&state, &req)?;
    Ok(Json(json!({ "sign": b64(&tbs), "name": invitation.name, "msp_id": invitation.msp_id })))
}

/// Assembles the signed request, has the organisation's CA issue the certificate, and
/// spends the link. The link is claimed before the CA is asked: of two enrollments with
/// one link, one reaches the CA; a refused one leaves the link unused.
pub async fn enroll(State(state): State<Shared>, Json(req): Json<EnrollRequest>) -> Result<Json<Value>, Failure> {
    let (_, _, tbs) = invitation_and_tbs(&state, &req)?;
    let sig = signature(req.signature.as_deref().unwrap_or(""))?;
    let csr = crate::csr::assemble(&tbs, &sig)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "the request", e.to_string()))?;
    let claim = state
        .registry
        .claim(&req.secret, now())
        .map_err(|e| Failure::new(StatusCode::FORBIDDEN, "the enrollment link", e.to_string()))?;
    let invitation = claim.invitation.clone();
    let cert = state
        .ledger
        .enroll(&invitation, &req.secret, &csr)
        .await
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "enrollment", e))?;
    // A certificate the organisation does not recognise as its member's is a bad answer:
    // the link stays unused, so the member can try again.
    let org = state.ledger.org_msp(&invitation.msp_id).map_err(|e| {
        tracing::warn!(msp = %invitation.msp_id, error = %e, "the organisation's membership cannot be read");
        Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "enrollment", "the organisation's membership cannot be read")
    })?;
    let serial = org
        .member(&cert, now())
        .map_err(|e| {
            let message = format!("the certificate the CA issued is not a member certificate of {}: {e}", org.msp_id());
            Failure::new(StatusCode::BAD_GATEWAY, "enrollment", message)
        })?
        .serial;
    let creator = nanotrace_shim::Creator { msp_id: invitation.msp_id.clone(), id_bytes: cert.clone().into_bytes() };
    let actor = nanotrace_chaincode::identity::parse_creator(&creator).ok().map(|i| (i.actor().id, i.key));
    claim
        .complete(&serial, actor, now())
        .map_err(|e| Failure::new(StatusCode::FORBIDDEN, "the enrollment link", e.to_string()))?;
    tracing::info!(name = %invitation.name, msp = %invitation.msp_id, "member enrolled");
    Ok(Json(json!({ "cert_pem": cert, "msp_id": invitation.msp_id, "name": invitation.name })))
}
