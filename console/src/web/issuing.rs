//! The credential an approval or renewal carries (issue 72): one transaction per
//! decision, the member signing once, the issuer key in the browser signing the
//! approval, which binds the certificate's status-list position, and the credential.
//!
//! The browser draws the proposal's nonce, so the transaction's ID is known before
//! anything is signed (SHA-256(nonce ‖ creator),
//! [`crate::ledger::ConsoleLedger::transaction_id`]). `POST /api/credential/issuing-terms`
//! gets the approval's terms (from `/api/approval-terms`) and that nonce; the console asks
//! the contract which status-list position that transaction will give (`StatusPositions`,
//! a read the member signs on Fabric), and answers the bytes the approval's signature
//! signs with that position ([`IssuanceTerms::status_position`]) and the bytes the proof
//! of the credential of the certificate as the transaction will leave it signs. The
//! browser signs both and sends the approval with the credential and the nonce
//! (`/api/tx/approve` or `/api/tx/renew`); the console proposes under that nonce. If
//! another approval took the position meanwhile, the contract refuses
//! (`[status.position_taken]`, nothing written) and the browser starts again with a new
//! nonce. The console keeps nothing between the calls and can make no proof itself.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nanotrace_model::canonical::{CanonicalCertificate, IssuanceTerms};
use nanotrace_model::credential;
use serde::Deserialize;
use serde_json::json;

use super::extract::{Certifier, Json};
use super::failure::{api_failure, Failure};
use super::reads::answer_or_sign;
use super::wire::b64;
use super::Shared;
use crate::actions::NONCE_BYTES;
use crate::ledger::ConsoleLedger;

/// `POST /api/credential/issuing-terms` body: the approval's terms
/// (`/api/approval-terms` gave them) and the proposal's nonce.
#[derive(Debug, Deserialize)]
pub struct IssuingRequest {
    certificate_id: String,
    issuer_key_id: String,
    issued_at: i64,
    valid_until: i64,
    /// Hex of the 24-byte nonce the browser drew for the transaction.
    nonce: String,
    /// A renewal (the credential of the next version) instead of an approval.
    #[serde(default)]
    renew: bool,
}

/// What the issuer key signs for an approval that carries its credential (the approval,
/// binding the position, and the credential's proof), or `{"credential": false,
/// "reason"}` when the certification body has no status base.
pub async fn issuing_terms(
    State(state): State<Shared>,
    Certifier(who): Certifier,
    Json(req): Json<IssuingRequest>,
) -> Result<Response, Failure> {
    let bad = |message: String| Failure::new(StatusCode::BAD_REQUEST, "the credential", message);
    let refused = |message: String| Failure::new(StatusCode::CONFLICT, "the credential", message);
    let nonce = hex::decode(&req.nonce)
        .ok()
        .filter(|n| n.len() == NONCE_BYTES)
        .ok_or_else(|| bad(format!("nonce: is not {NONCE_BYTES} bytes in hex")))?;
    let reader = who.reader_within(&state, crate::ledger::reads::API_ANSWER_AGE);
    let answer = async {
        let mut cert = reader.get_certificate(&req.certificate_id).await.map_err(api_failure)?;
        if req.renew {
            cert = nanotrace_client::nanotrace::renewal_of(&cert)
                .ok_or_else(|| refused(format!("{} cannot be renewed again", req.certificate_id)))?;
        }
        let keys = reader.issuer_keys().await.map_err(api_failure)?;
        let key = keys
            .iter()
            .find(|k| k.key_id == req.issuer_key_id)
            .ok_or_else(|| refused(format!("issuer key {} is not on the trust list", req.issuer_key_id)))?;
        if key.holder != who.viewer.who.identity {
            return Err(refused(format!("issuer key {} belongs to another member", key.key_id)));
        }
        let public = credential::public_key(key).map_err(|e| refused(e.to_string()))?;
        let org = who.viewer.msp_id();
        let organizations = reader.organizations().await.map_err(api_failure)?;
        let Some(base) = credential::status_base_for(&organizations, org, &state.config.verifier_url) else {
            return Ok(json!({
                "credential": false,
                "reason": format!(
                    "{org} has no status base on the ledger, so the certificate is issued without a credential: an \
                     administrator registers one (`nanotrace status-bases {org} URL`), then “Sign the credential” on its page"
                ),
            }));
        };
        let tx_id = ConsoleLedger::transaction_id(&who.session.member, &nonce).map_err(api_failure)?;
        let position = *reader.status_positions(&tx_id, 1).await.map_err(api_failure)?.first().ok_or_else(|| {
            Failure::new(StatusCode::BAD_GATEWAY, "the credential", "the contract named no status-list position")
        })?;
        let terms = IssuanceTerms {
            issuer_org: org,
            issuer_key_id: &req.issuer_key_id,
            issued_at: req.issued_at,
            valid_until: req.valid_until,
            status_position: Some(position),
        };
        let approval = CanonicalCertificate::for_certificate(&cert, &terms).signing_input();
        // The credential names the issuance's digest and transaction, not its signature.
        let issuance = credential::issuance_of(&cert, &terms, String::new(), &tx_id);
        let issued = credential::as_issued(&cert, issuance, position);
        let name = credential::issuer_name(&organizations, org);
        let created = req.issued_at;
        let built =
            credential::signing_input(&issued, &public, name, base, created).map_err(|e| refused(e.to_string()))?;
        Ok(json!({
            "credential": true,
            "tx_id": tx_id,
            "status_index": position,
            "status_base": base,
            "created": created,
            "sign": b64(&built),
            "sign_issuance": b64(&approval),
        }))
    }
    .await;
    match answer {
        Ok(terms) => Ok(Json(terms).into_response()),
        Err(f) => answer_or_sign(&state, &who, reader.transport(), Err(f)),
    }
}
