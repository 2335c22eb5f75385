//! A certificate's W3C Verifiable Credential, signed in the certifier's browser by the
//! issuer key it holds there ([`nanotrace_model::credential`]): the console builds the
//! credential from the ledger and the 64 bytes its `eddsa-jcs-2022` proof signs; the
//! browser signs them; the console builds the same credential again, attaches the proof
//! and checks it against the key on the trust list before handing it back. The console
//! keeps nothing between the two calls and can make no proof itself. The browser then
//! records the proof on the ledger with `AttachCredential` (the action
//! `attach-credential`, signed by the member's key like every transaction), after which
//! every verifier serves the credential.
//!
//! The terms also give the bytes that bind the certificate to its status-list position
//! (`sign_position`): the browser signs them with the same key and records that signature
//! with the proof, so the certificate's QR code carries the position for checks with no
//! network (`nanotrace_model::token`, layout 2).
//!
//! The console's verifier URL must be one of the certification body's status bases on
//! the ledger (refused before anything is signed otherwise). A certificate issued before
//! the status lists has no position in them yet: the terms say so (`needs_position`), and
//! the browser first records `attach-credential` without a proof, which gives it one,
//! then asks for the terms again.

use super::extract::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nanotrace_model::credential;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::Certifier;
use super::failure::{api_failure, Failure};
use super::reads::answer_or_sign;
use super::wire::b64;
use super::{now, Shared, SignedIn};

/// How far a proof's `created` may lie from the console's clock when it comes back.
const MAX_SKEW_SECS: i64 = 600;

/// `POST /api/credential/terms` and `/api/credential` body.
#[derive(Debug, Deserialize)]
pub struct CredentialRequest {
    certificate_id: String,
    /// The trust-list ID of the issuer key in the browser.
    issuer_key_id: String,
    /// The proof's time (Unix seconds) the terms gave; with the signature only.
    #[serde(default)]
    created: Option<i64>,
    /// Hex of the 64-byte Ed25519 signature WebCrypto made; with `created` only.
    #[serde(default)]
    signature: Option<String>,
}

/// The credential of the request's certificate before its proof, with the proof
/// options of a proof made at `created` and the issuer's public key; refused unless the
/// signed-in certifier holds the key that issued the certificate and it is usable, and
/// the console's verifier is a status base of the issuing organisation.
async fn build(
    state: &Shared,
    who: &SignedIn,
    reader: &nanotrace_client::NanoTrace<crate::ledger::reads::Reads<'_>>,
    req: &CredentialRequest,
    created: i64,
) -> Result<Built, Failure> {
    let cert = reader.get_certificate(&req.certificate_id).await.map_err(api_failure)?;
    let refused = |message: String| Failure::new(StatusCode::CONFLICT, "the credential", message);
    let issuance = cert
        .issuance
        .as_ref()
        .ok_or_else(|| refused(credential::CredentialError::NotIssued(cert.id.clone()).to_string()))?;
    if issuance.issuer_key_id != req.issuer_key_id {
        return Err(refused(format!(
            "{} was issued with key {}; this browser's key is {}: only the key that signed the issuance issues its credential",
            cert.id, issuance.issuer_key_id, req.issuer_key_id
        )));
    }
    let trusted = reader.issuer_keys().await.map_err(api_failure)?;
    let key = credential::issuing_key(&cert, &trusted, now()).map_err(|e| refused(e.to_string()))?;
    if key.holder != who.viewer.who.identity {
        return Err(refused(format!("issuer key {} belongs to another member", key.key_id)));
    }
    let public = credential::public_key(key).map_err(|e| refused(e.to_string()))?;
    let organizations = reader.organizations().await.map_err(api_failure)?;
    let base = &state.config.verifier_url;
    if !credential::is_status_base_of(&organizations, &issuance.issuer_org, base) {
        return Err(refused(format!(
            "this console's verifier {base} is not a status base of {} on the ledger: an administrator registers it \
             (`nanotrace status-bases {} {base}`) before credentials can name its status lists",
            issuance.issuer_org, issuance.issuer_org
        )));
    }
    if cert.status_index.is_none() {
        return Ok(Built::NeedsPosition);
    }
    let name = credential::issuer_name(&organizations, &issuance.issuer_org);
    let bad = |e: credential::CredentialError| Failure::new(StatusCode::CONFLICT, "the credential", e.to_string());
    let document = credential::unsigned(&cert, &public, name, base).map_err(bad)?;
    let options = credential::proof_options(&document, &public, created).map_err(bad)?;
    Ok(Built::Credential(document, options, public, position_input(&cert)))
}

/// What the issuer key signs to bind the certificate to its status-list position (for the
/// offline token): [`nanotrace_model::status::position_signing_input`].
fn position_input(cert: &nanotrace_model::Certificate) -> Vec<u8> {
    let position = cert.status_index.unwrap_or_default();
    nanotrace_model::status::position_signing_input(&cert.id, position)
}

/// What [`build`] made.
enum Built {
    /// The credential before its proof, the proof options, the issuer's public key, and
    /// what the key signs for the certificate's status-list position.
    Credential(Value, Value, [u8; 32], Vec<u8>),
    /// Nothing: the certificate has no status-list position yet (issued before the
    /// lists); `attach-credential` without a proof gives it one.
    NeedsPosition,
}

/// `POST /api/credential/terms`: what the issuer key signs for the credential now.
pub async fn terms(
    State(state): State<Shared>,
    Certifier(who): Certifier,
    Json(req): Json<CredentialRequest>,
) -> Result<Response, Failure> {
    let created = now();
    let reader = who.reader_within(&state, crate::ledger::reads::API_ANSWER_AGE);
    let status_base = &state.config.verifier_url;
    let (document, options, position) = match build(&state, &who, &reader, &req, created).await {
        Ok(Built::Credential(document, options, _, position)) => (document, options, position),
        Ok(Built::NeedsPosition) => {
            return Ok(
                Json(json!({ "created": created, "status_base": status_base, "needs_position": true })).into_response()
            )
        }
        Err(f) => return answer_or_sign(&state, &who, reader.transport(), Err(f)),
    };
    let input = credential::hash_data(&document, &options)
        .map_err(|e| Failure::new(StatusCode::CONFLICT, "the credential", e.to_string()))?;
    Ok(Json(json!({
        "created": created,
        "status_base": status_base,
        "sign": b64(&input),
        "sign_position": b64(&position),
    }))
    .into_response())
}

/// `POST /api/credential`: the browser's signature; answers the secured credential.
pub async fn sign(
    State(state): State<Shared>,
    Certifier(who): Certifier,
    Json(req): Json<CredentialRequest>,
) -> Result<Response, Failure> {
    let bad = |message: &str| Failure::new(StatusCode::BAD_REQUEST, "the signature", message.to_owned());
    let created = req.created.ok_or_else(|| bad("the proof's time (created) is missing"))?;
    if (created - now()).abs() > MAX_SKEW_SECS {
        return Err(bad("the proof's time is more than 10 minutes from now: ask for new terms"));
    }
    let signature = req
        .signature
        .as_deref()
        .and_then(|s| hex::decode(s).ok())
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or_else(|| bad("not the hex of a 64-byte Ed25519 signature"))?;
    let reader = who.reader_within(&state, crate::ledger::reads::API_ANSWER_AGE);
    let (document, options, public) = match build(&state, &who, &reader, &req, created).await {
        Ok(Built::Credential(document, options, public, _)) => (document, options, public),
        Ok(Built::NeedsPosition) => {
            let e = credential::CredentialError::NoStatus(req.certificate_id.clone());
            return Err(Failure::new(StatusCode::CONFLICT, "the credential", e.to_string()));
        }
        Err(f) => return answer_or_sign(&state, &who, reader.transport(), Err(f)),
    };
    let secured = credential::secured(document, options, &signature);
    credential::verify(&secured, &public).map_err(|e| {
        Failure::new(
            StatusCode::FORBIDDEN,
            "the signature",
            format!("{e}: it was not made by key {}", req.issuer_key_id),
        )
    })?;
    tracing::info!(certificate = %req.certificate_id, key = %req.issuer_key_id, "credential signed in the browser");
    Ok(Json(secured).into_response())
}
