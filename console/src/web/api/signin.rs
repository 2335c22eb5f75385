//! Sign-in by signature: a challenge for a certificate of one of the console's
//! organisations, its signature by the member's key (on Fabric, with the signed read of
//! who the member is), the session; sign-out.

use crate::session::{Answer, SignInError};
use crate::web::extract::{ClientIp, Json, Member};
use crate::web::failure::Failure;
use crate::web::wire::{b64, signature};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::ledger::reads::PAGE_ANSWER_AGE;
use crate::web::{now, AppState, Shared, SESSION_COOKIE};
use nanotrace_fabric_ca::msp::Member as CheckedMember;

/// `POST /api/signin/challenge` body.
#[derive(Debug, Deserialize)]
pub struct ChallengeRequest {
    msp_id: String,
    cert_pem: String,
}

/// The member of `msp_id` with certificate `cert_pem`, checked against the
/// organisation's CA (chain, validity, CRL). The organisation must be one this console
/// serves (an MSP ID, never a path), the certificate exactly one PEM certificate (kept
/// re-encoded, never as sent).
fn checked_member(state: &AppState, msp_id: &str, cert_pem: &str) -> Result<CheckedMember, Failure> {
    let refused = |m: String| Failure::new(StatusCode::FORBIDDEN, "your certificate", m);
    let unknown = |m: String| Failure::new(StatusCode::BAD_REQUEST, "your organisation", m);
    nanotrace_model::validate::msp_id("msp_id", msp_id).map_err(|e| unknown(e.to_string()))?;
    if !state.ledger.organizations().iter().any(|o| o == msp_id) {
        return Err(unknown(format!("this console serves no organisation {msp_id:?}")));
    }
    let cert_pem = crate::pem::one_certificate(cert_pem)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "your certificate", e.to_string()))?;
    let org = state.ledger.org_msp(msp_id).map_err(|e| refused(e.public_message()))?;
    org.member(&cert_pem, now()).map_err(|e| refused(e.to_string()))
}

/// Checks the certificate; answers a challenge to sign, sealed into its ID (nothing is
/// kept: [`crate::challenge`]).
pub async fn challenge(State(state): State<Shared>, Json(req): Json<ChallengeRequest>) -> Result<Json<Value>, Failure> {
    let member = checked_member(&state, &req.msp_id, &req.cert_pem)?;
    // On Fabric the member also signs a WhoAmI, which the console evaluates at every
    // request of the session: the peer, not the console, says who they are.
    let read = state.ledger.standing_read(&member).map_err(Failure::from)?;
    let read_to_sign = read.as_ref().map(|r| b64(r.to_sign()));
    let (id, text) = state.sessions.challenge(&member, read.as_ref(), &state.public_url, now());
    Ok(Json(json!({ "challenge_id": id, "challenge": b64(&text), "read": read_to_sign })))
}

/// `POST /api/signin` body.
#[derive(Debug, Deserialize)]
pub struct SignInRequest {
    challenge_id: String,
    signature: String,
    /// The signature of the challenge's read (Fabric).
    #[serde(default)]
    read_signature: Option<String>,
}

/// Opens the challenge, checks the certificate it names again and the signatures; opens
/// a session (a new ID at every sign-in).
pub async fn sign_in(
    State(state): State<Shared>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Json(req): Json<SignInRequest>,
) -> Result<Response, Failure> {
    let sig = signature(&req.signature)?;
    let read_sig = req.read_signature.as_deref().map(signature).transpose()?;
    let refused = |e: SignInError| match e {
        SignInError::Busy { retry_after_secs } => {
            tracing::warn!(%client, "sign-in refused: as many answered challenges as are remembered");
            Failure::new(StatusCode::SERVICE_UNAVAILABLE, "sign-in", e.to_string()).retry_after(retry_after_secs)
        }
        e => Failure::new(StatusCode::FORBIDDEN, "sign-in", e.to_string()),
    };
    let answer = Answer { signature: &sig, read_signature: read_sig.as_deref() };
    let challenge = state.sessions.open(&req.challenge_id, now()).map_err(refused)?;
    let member = checked_member(&state, &challenge.msp_id, &challenge.cert_pem)?;
    let proposed = challenge.read().map_err(|e| refused(e.into()))?;
    let read = state.ledger.standing_read_again(&member, proposed.as_deref()).map_err(Failure::from)?;
    let (sid, session) =
        state.sessions.sign_in(&challenge, member, read, &state.public_url, answer, now()).map_err(refused)?;
    // The ledger says who the member is: on Fabric the peer checks the member's
    // signature, certificate and organisation itself (the standing read signed with the
    // challenge); on the embedded ledger the contract runs as the member's certificate.
    let reader = state.ledger.reader(&session.key, &session.member, &session.standing, PAGE_ANSWER_AGE);
    if let Err(e) = reader.who_am_i().await {
        state.sessions.end(&sid);
        return Err(Failure::new(StatusCode::FORBIDDEN, "sign-in", format!("the ledger refused you: {e}")));
    }
    if let Some(old) = crate::web::session_id(&headers) {
        state.sessions.end(&old);
    }
    tracing::info!(member = %session.member.subject, msp = %session.member.msp_id, "signed in");
    let secure = if state.secure() { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict{secure}");
    let mut response = Json(json!({ "ok": true })).into_response();
    let value = HeaderValue::from_str(&cookie)
        .map_err(|_| Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "sign-in", "cannot set the cookie"))?;
    response.headers_mut().insert(header::SET_COOKIE, value);
    Ok(response)
}

/// Ends the session on the server and clears the cookie.
pub async fn sign_out(State(state): State<Shared>, Member(who): Member) -> Result<Response, Failure> {
    state.sessions.end(&who.sid);
    state.ledger.reads.clear(&who.session.key);
    let mut response = Json(json!({ "ok": true })).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("nt_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(response)
}
