//! Issuer keys: a certifier's request for the key made in the browser, its request code,
//! and its registration by a governance admin.

use super::transactions::proposal_response;
use crate::web::extract::{Certifier, Governor, Json};
use crate::web::failure::{api_failure, Failure};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::actions::{self};
use crate::ledger::stage::Call;
use crate::registry::KeyRequest;
use crate::web::{now, Shared, SignedIn};

/// Stage 1 for an admin registering a certifier's requested issuer key.
pub async fn register_key(
    State(state): State<Shared>,
    Path(key_id): Path<String>,
    Governor(who): Governor,
) -> Result<Response, Failure> {
    let request =
        state.registry.key_requests().into_iter().find(|r| r.key_id == key_id).ok_or_else(|| {
            Failure::new(StatusCode::NOT_FOUND, "the key request", format!("no request for {key_id}"))
        })?;
    propose_key_registration(&state, &who, &request)
}

/// Stage 1 of `RegisterIssuerKey` of `request` (two years from now) by the signed-in
/// governance admin.
fn propose_key_registration(
    state: &crate::web::AppState,
    who: &SignedIn,
    request: &KeyRequest,
) -> Result<Response, Failure> {
    let intent = actions::register_key(request, now(), 730).map_err(super::form_failure)?;
    let (tx_id, bytes) = state
        .ledger
        .propose(
            &who.session.key,
            &who.session.member,
            &Call::request(intent.function, intent.request),
            "/keys".into(),
            None,
        )
        .map_err(api_failure)?;
    Ok(proposal_response(tx_id, &bytes).into_response())
}

/// `POST /api/keys` body.
#[derive(Debug, Deserialize)]
pub struct KeyRequestBody {
    public_key: String,
}

/// A certifier asks for the issuer key made in the browser to be registered.
pub async fn request_key(
    State(state): State<Shared>,
    Certifier(who): Certifier,
    Json(req): Json<KeyRequestBody>,
) -> Result<Response, Failure> {
    let bytes = nanotrace_model::validate::hex_bytes("public_key", &req.public_key, 32)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "the key", e.to_string()))?;
    let key_id = nanotrace_model::issuer_key_id(&bytes);
    let request = KeyRequest {
        key_id: key_id.clone(),
        public_key: req.public_key.to_lowercase(),
        holder: who.viewer.who.identity.clone(),
        holder_name: who.viewer.name.clone(),
        requested_at: now(),
    };
    let code = key_request_code(&request);
    state.registry.request_key(request).map_err(|e| Failure::new(StatusCode::CONFLICT, "the key", e.to_string()))?;
    Ok(Json(json!({ "key_id": key_id, "code": code })).into_response())
}

/// A key request as text a certifier hands to a governance admin of another
/// organisation (on Fabric each organisation runs its own console): its request code
/// ([`KeyRequest::code`], the CLI's `key request` makes the same). It carries only public
/// facts — the key, its ID and its holder's identity — and the contract checks every one
/// of them when the admin registers it.
pub fn key_request_code(request: &KeyRequest) -> String {
    request.code()
}

/// `POST /api/register-key-code` body.
#[derive(Debug, Deserialize)]
pub struct KeyCodeBody {
    code: String,
}

/// Stage 1 for a governance admin registering the issuer key of a request code a
/// certifier handed over.
pub async fn register_key_code(
    State(state): State<Shared>,
    Governor(who): Governor,
    Json(req): Json<KeyCodeBody>,
) -> Result<Response, Failure> {
    let request = KeyRequest::from_code(&req.code)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "the key request code", e.to_string()))?;
    propose_key_registration(&state, &who, &request)
}
