//! The stages of a transaction signed in the browser (see [`crate::ledger`]): the
//! proposal built from a form, its endorsement and its commit, each signed by the
//! member; and the approval terms a certifier's issuer key signs.

use crate::web::extract::{Certifier, Json, Member};
use crate::web::failure::{api_failure, Failure};
use crate::web::wire::{b64, signature};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nanotrace_model::IdsResponse;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::actions::{self, Form};
use crate::ledger::stage::Call;
use crate::web::{not_found, now, Shared};

/// The answer to a proposal: its transaction ID and the bytes the member signs.
pub(super) fn proposal_response(tx_id: String, bytes: &[u8]) -> Json<Value> {
    Json(json!({ "tx_id": tx_id, "sign": b64(bytes) }))
}

/// Stage 1 of a transaction: the form of `action` becomes an unsigned proposal.
pub async fn propose(
    State(state): State<Shared>,
    Path(action): Path<String>,
    Member(who): Member,
    Json(form): Json<Form>,
) -> Result<Response, Failure> {
    let intent = match actions::build(&action, &who.viewer, &form) {
        Err(actions::NotOffered) => return Ok(not_found()),
        Ok(intent) => intent.map_err(super::form_failure)?,
    };
    let done = intent.done.clone().unwrap_or_default();
    let (tx_id, bytes) = state
        .ledger
        .propose(
            &who.session.key,
            &who.session.member,
            &Call::request(intent.function, intent.request),
            done,
            intent.nonce.as_deref(),
        )
        .map_err(api_failure)?;
    Ok(proposal_response(tx_id, &bytes).into_response())
}

/// `POST /api/approval-terms` body.
#[derive(Debug, Deserialize)]
pub struct TermsRequest {
    certificate_id: String,
    issuer_key_id: String,
    #[serde(default)]
    validity_days: Option<String>,
    /// The terms of a renewal (the next version) instead of an approval.
    #[serde(default)]
    renew: bool,
}

/// What the certifier's issuer key signs to approve a certificate now.
pub async fn approval_terms(
    State(state): State<Shared>,
    Certifier(who): Certifier,
    Json(req): Json<TermsRequest>,
) -> Result<Response, Failure> {
    let days = match req.validity_days.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(d) => Some(
            d.parse::<u32>()
                .map_err(|_| Failure::new(StatusCode::BAD_REQUEST, "the form", "validity_days: is not a number"))?,
        ),
    };
    let reader = who.reader_within(&state, crate::ledger::reads::API_ANSWER_AGE);
    let read = reader.get_certificate(&req.certificate_id).await;
    let mut cert = match read {
        Ok(cert) => cert,
        Err(e) => return crate::web::reads::answer_or_sign(&state, &who, reader.transport(), Err(api_failure(e))),
    };
    if req.renew {
        cert = nanotrace_client::nanotrace::renewal_of(&cert).ok_or_else(|| {
            Failure::new(StatusCode::CONFLICT, "renewal", format!("{} cannot be renewed again", req.certificate_id))
        })?;
    }
    let (issued_at, valid_until, input) =
        actions::approval_terms(&cert, who.viewer.msp_id(), &req.issuer_key_id, now(), days);
    Ok(Json(json!({ "issued_at": issued_at, "valid_until": valid_until, "sign": b64(&input) })).into_response())
}

/// `POST /api/endorse` and `/api/commit` body.
#[derive(Debug, Deserialize)]
pub struct StageRequest {
    tx_id: String,
    signature: String,
    /// The commit-status request's signature (commit, on Fabric).
    #[serde(default)]
    status_signature: Option<String>,
}

/// Stage 2: the proposal's signature; answers the transaction to sign.
pub async fn endorse(
    State(state): State<Shared>,
    Member(who): Member,
    Json(req): Json<StageRequest>,
) -> Result<Json<Value>, Failure> {
    let sig = signature(&req.signature)?;
    let to_sign = state.ledger.endorse(&who.session.key, &req.tx_id, &sig, now()).await?;
    Ok(Json(json!({
        "tx_id": req.tx_id,
        "sign": b64(&to_sign.transaction),
        "sign_status": to_sign.status.as_deref().map(b64),
    })))
}

/// Stage 3: the transaction's signature; commits and says where to go next.
pub async fn commit(
    State(state): State<Shared>,
    Member(who): Member,
    Json(req): Json<StageRequest>,
) -> Result<Json<Value>, Failure> {
    let sig = signature(&req.signature)?;
    let status_sig = req.status_signature.as_deref().map(signature).transpose()?;
    let committed = state.ledger.commit(&who.session.key, &req.tx_id, &sig, status_sig.as_deref()).await?;
    let done = if committed.done.is_empty() {
        // Apply answers the new certificate's ID.
        serde_json::from_slice::<IdsResponse>(&committed.result)
            .ok()
            // Apply names the new certificate; Renew the new version last.
            .and_then(|r| r.certificate_ids.into_iter().last())
            .map(|id| format!("/certificates/{id}"))
            .unwrap_or_else(|| "/".into())
    } else if committed.done.contains(actions::TX_ID_SLOT) {
        // The next page shows the contract's response (kept for this session only).
        state.receipts.keep(&who.session.key, &committed.tx_id, committed.result);
        committed.done.replace(actions::TX_ID_SLOT, &committed.tx_id)
    } else {
        committed.done
    };
    tracing::info!(tx_id = %committed.tx_id, block = committed.block, member = %who.viewer.name, "transaction committed");
    Ok(Json(json!({ "tx_id": committed.tx_id, "block": committed.block, "done": done })))
}
