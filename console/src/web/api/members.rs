//! An organisation's members: invitations (on Fabric, registered at the
//! organisation's CA by the admin's browser signature), their cancellation and the
//! withdrawal of their CA registration, expiry, and removal.

use crate::web::extract::{Json, OrgAdmin};
use crate::web::failure::Failure;
use crate::web::wire::{b64, signature};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::ledger::stage::Prepared;
use crate::ledger::{Invited, MemberError};
use crate::registry::{enrollment_link, NewMember};
use crate::web::{not_found, now, Shared, SignedIn};

/// `POST /api/members` body.
#[derive(Debug, Deserialize)]
pub struct InviteRequest {
    name: String,
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    email: Option<String>,
}

/// `Ok(404)` for a step this ledger does not have (as for any unknown route), the
/// failure otherwise.
fn refusal(e: MemberError) -> Result<Response, Failure> {
    match e {
        MemberError::NotHere => Ok(not_found()),
        e => Err(e.into()),
    }
}

/// An organisation admin invites a member: answers the one-time enrollment link. On
/// Fabric the member is first registered at the organisation's CA by the admin's own
/// authority: the answer is the registration for the admin's browser to sign
/// (`{request_id, sign}`), and [`register_member`] completes it.
pub async fn invite(
    State(state): State<Shared>,
    OrgAdmin(who): OrgAdmin,
    Json(req): Json<InviteRequest>,
) -> Result<Response, Failure> {
    let email = req.email.clone().map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
    let new = NewMember {
        name: &req.name,
        msp_id: who.viewer.msp_id(),
        admin: req.admin,
        email: email.clone(),
        invited_by: &who.viewer.name,
        reenrollment: false,
    };
    let hours = state.config.invitation_hours;
    match state.ledger.invite(&state.registry, &new, hours, now(), &who.session.member, &who.session.key) {
        Ok(Invited::Recorded { secret }) => {
            let link = enrollment_link(&state.public_url, &secret);
            let emailed = send_link(&state, &who, &req.name, email.as_deref(), &link).await;
            Ok(Json(json!({ "link": link, "email": emailed })).into_response())
        }
        Ok(Invited::ToRegister(prepared)) => Ok(Json(to_sign(&prepared)).into_response()),
        Err(e) => refusal(e),
    }
}

/// A request for the admin's browser to sign: `{request_id, sign}`.
fn to_sign(prepared: &Prepared) -> Value {
    json!({ "request_id": prepared.request_id, "sign": b64(&prepared.to_sign) })
}

/// `POST /api/members/register` body.
#[derive(Debug, Deserialize)]
pub struct RegisterMemberRequest {
    request_id: String,
    signature: String,
}

/// Fabric: sends the registration the admin's browser signed to the CA, records the
/// invitation and answers its enrollment link.
pub async fn register_member(
    State(state): State<Shared>,
    OrgAdmin(who): OrgAdmin,
    Json(req): Json<RegisterMemberRequest>,
) -> Result<Response, Failure> {
    let sig = signature(&req.signature)?;
    let (invitation, secret) =
        match state.ledger.register_signed(&state.registry, &who.session.key, &req.request_id, &sig).await {
            Ok(registered) => registered,
            Err(e) => return refusal(e),
        };
    tracing::info!(name = %invitation.name, msp = %invitation.msp_id, by = %who.viewer.name, "member registered at the CA");
    let link = enrollment_link(&state.public_url, &secret);
    let emailed = send_link(&state, &who, &invitation.name, invitation.email.as_deref(), &link).await;
    Ok(Json(json!({ "link": link, "email": emailed })).into_response())
}

/// Emails `link` to `email` when a mailer is configured; what happened, for the page.
async fn send_link(state: &crate::web::AppState, who: &SignedIn, name: &str, email: Option<&str>, link: &str) -> Value {
    // The link is shown either way; the email is a convenience and its failure is said.
    match (&state.mailer, email) {
        (Some(mailer), Some(to)) => {
            let text = format!(
                "{} has invited you to NanoTrace as {} of {}.\n\nOpen this link in the browser you will use (it works once, for {} hours):\n\n{link}\n\nYour browser creates your key; it never leaves that browser.\n",
                who.viewer.name,
                name.trim(),
                who.viewer.msp_id(),
                state.config.invitation_hours
            );
            match mailer.send_text(to, "Your NanoTrace enrollment link", &text).await {
                Ok(()) => json!({ "sent_to": to }),
                Err(e) => {
                    tracing::warn!(error = %e, "the enrollment email could not be sent");
                    json!({ "error": e.to_string() })
                }
            }
        }
        (None, Some(_)) => json!({ "error": "no SMTP server is configured: pass the link on yourself" }),
        _ => Value::Null,
    }
}

/// `POST /api/members/remove` body.
#[derive(Debug, Deserialize)]
pub struct RemoveRequest {
    name: String,
}

/// An organisation admin removes an enrolled member: the organisation's CA revokes
/// their certificate (a new CRL, which the ledger reads before every signed
/// transaction), and their sessions end. Their contract roles, if any, are revoked on
/// the Roles page by a governance admin's signed transaction.
pub async fn remove_member(
    State(state): State<Shared>,
    OrgAdmin(who): OrgAdmin,
    Json(req): Json<RemoveRequest>,
) -> Result<Response, Failure> {
    let msp_id = who.viewer.msp_id().to_owned();
    let removed = match state.ledger.remove_member(&state.registry, req.name.trim(), &msp_id, now()) {
        Ok(removed) => removed,
        Err(e) => return refusal(e),
    };
    let serial = removed.serial.clone().unwrap_or_default();
    state.sessions.end_member(&msp_id, &serial);
    tracing::info!(name = %removed.name, msp = %msp_id, %serial, by = %who.viewer.name, "member removed; certificate revoked");
    Ok(Json(json!({ "removed": removed.name, "serial": serial })).into_response())
}

/// An organisation admin cancels an invitation not yet used: its link never enrolls
/// through the console. On Fabric the identity is registered at the organisation's CA
/// with the link's secret: the answer carries that registration's revocation for the
/// admin's browser to sign (`withdraw: {request_id, sign}`), which [`withdraw`] sends.
pub async fn cancel_invitation(
    State(state): State<Shared>,
    OrgAdmin(who): OrgAdmin,
    Json(req): Json<RemoveRequest>,
) -> Result<Response, Failure> {
    let msp_id = who.viewer.msp_id().to_owned();
    let cancelled = state
        .registry
        .cancel(req.name.trim(), &msp_id, now())
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "the invitation", e.to_string()))?;
    tracing::info!(name = %cancelled.name, msp = %msp_id, by = %who.viewer.name, "invitation cancelled");
    let withdraw = state.ledger.withdrawal(&who.session.member, &who.session.key, &cancelled)?;
    Ok(Json(json!({ "cancelled": cancelled.name, "withdraw": withdraw.as_ref().map(to_sign) })).into_response())
}

/// Fabric: stage 1 of withdrawing the CA registration of an invitation cancelled or
/// lapsed unused (the Members page lists those not withdrawn yet).
pub async fn withdrawal(
    State(state): State<Shared>,
    OrgAdmin(who): OrgAdmin,
    Json(req): Json<RemoveRequest>,
) -> Result<Response, Failure> {
    if !state.ledger.invitations_registered_at_ca() {
        return Ok(not_found());
    }
    let invitation = state
        .registry
        .to_withdraw(req.name.trim(), who.viewer.msp_id(), now())
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "the withdrawal", e.to_string()))?;
    match state.ledger.withdrawal(&who.session.member, &who.session.key, &invitation)? {
        Some(prepared) => Ok(Json(to_sign(&prepared)).into_response()),
        None => Ok(not_found()),
    }
}

/// Fabric: sends the revocation the admin's browser signed to the CA (the invitation's
/// identity can no longer enroll there, whoever holds its secret) and records it.
pub async fn withdraw(
    State(state): State<Shared>,
    OrgAdmin(who): OrgAdmin,
    Json(req): Json<RegisterMemberRequest>,
) -> Result<Response, Failure> {
    let sig = signature(&req.signature)?;
    let withdrawn =
        match state.ledger.withdraw_signed(&state.registry, &who.session.key, &req.request_id, &sig, now()).await {
            Ok(withdrawn) => withdrawn,
            Err(e) => return refusal(e),
        };
    tracing::info!(name = %withdrawn.name, msp = %withdrawn.msp_id, by = %who.viewer.name, "invitation's CA registration revoked");
    Ok(Json(json!({ "withdrawn": withdrawn.name })).into_response())
}

/// Expires the invitations that lapsed (see [`crate::registry::Registry::expire_lapsed`]).
pub fn expire_lapsed_invitations(state: &crate::web::AppState) {
    match state.registry.expire_lapsed(now()) {
        Ok(lapsed) => {
            for i in lapsed {
                if state.ledger.invitations_registered_at_ca() {
                    tracing::warn!(
                        name = %i.name,
                        msp = %i.msp_id,
                        "invitation expired; its registration at the organisation's CA stays until an admin withdraws it on the Members page"
                    );
                } else {
                    tracing::info!(name = %i.name, msp = %i.msp_id, "invitation expired");
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot expire the lapsed invitations"),
    }
}
