//! An organisation's members: invitations (on Fabric, registered at the
//! organisation's CA by the admin's browser signature), their cancellation and the
//! withdrawal of their CA registration, expiry, and removal.

use crate::web::extract::{Json, Member, OrgAdmin};
use crate::web::failure::Failure;
use crate::web::wire::{b64, signature};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::registry::Invitation;
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
    let bad = |e: String| Failure::new(StatusCode::BAD_REQUEST, "the invitation", e);
    let Some(data) = state.ledger.data() else {
        return register_at_ca(&state, &who, new).map(IntoResponse::into_response);
    };
    let link = invite_member(&state.registry, &data.msp, &state.public_url, state.config.invitation_hours, new)
        .map_err(bad)?;
    let emailed = send_link(&state, &who, &req.name, email.as_deref(), &link).await;
    Ok(Json(json!({ "link": link, "email": emailed })).into_response())
}

/// Fabric: the registration of `new` at the organisation's CA, for the admin to sign.
fn register_at_ca(state: &crate::web::AppState, who: &SignedIn, new: NewMember<'_>) -> Result<Json<Value>, Failure> {
    let bad = |e: String| Failure::new(StatusCode::BAD_REQUEST, "the invitation", e);
    let org = state.ledger.fabric_org().ok_or_else(|| bad("no Fabric organisation".into()))?;
    let invitation = new_invitation(new, state.config.invitation_hours)?;
    state
        .registry
        .check_invitable(&invitation.msp_id, &invitation.name, invitation.created_at)
        .map_err(|e| bad(e.to_string()))?;
    let secret = crate::registry::Registry::new_secret();
    let registration = nanotrace_fabric_ca::Registration {
        enrollment_id: invitation.name.clone(),
        identity_type: if invitation.admin { "admin" } else { "client" }.to_owned(),
        secret: secret.clone(),
        max_enrollments: 1,
        affiliation: String::new(),
        attributes: if invitation.admin { registrar_attributes() } else { Vec::new() },
    };
    let unsigned = org
        .ca
        .unsigned_register(who.session.member.cert_pem.as_bytes(), &registration)
        .map_err(|e| bad(e.to_string()))?;
    let request_id = crate::registry::Registry::new_secret();
    let to_sign = b64(unsigned.to_sign());
    let pending = crate::fabric::PendingRegistration { unsigned, invitation, secret };
    org.registrations.insert(&request_id, &who.session.key, pending, String::new());
    Ok(Json(json!({ "request_id": request_id, "sign": to_sign })))
}

/// What an organisation administrator registered from the console may do at the CA:
/// register and remove the organisation's members.
fn registrar_attributes() -> Vec<nanotrace_fabric_ca::Attribute> {
    [
        ("hf.Registrar.Roles", "client,admin"),
        ("hf.Registrar.Attributes", "*"),
        ("hf.Revoker", "true"),
        ("hf.GenCRL", "true"),
    ]
    .into_iter()
    .map(|(name, value)| nanotrace_fabric_ca::Attribute { name: name.into(), value: value.into(), ecert: false })
    .collect()
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
    Member(who): Member,
    Json(req): Json<RegisterMemberRequest>,
) -> Result<Response, Failure> {
    let Some(org) = state.ledger.fabric_org() else { return Ok(not_found()) };
    if !who.viewer.is_org_admin() {
        return Ok(not_found());
    }
    let sig = signature(&req.signature)?;
    let pending = org.registrations.take(&who.session.key, &req.request_id, |_| true).map_err(Failure::from)?;
    let crate::fabric::PendingRegistration { unsigned, invitation, secret } = pending.stage;
    org.ca
        .register_signed(unsigned, &sig)
        .await
        .map_err(|e| Failure::new(StatusCode::BAD_GATEWAY, "registration at the CA", e.to_string()))?;
    let (name, email) = (invitation.name.clone(), invitation.email.clone());
    state
        .registry
        .invite_with_secret(invitation, &secret)
        .map_err(|e| Failure::new(StatusCode::CONFLICT, "the invitation", e.to_string()))?;
    tracing::info!(%name, msp = %org.msp_id, by = %who.viewer.name, "member registered at the CA");
    let link = enrollment_link(&state.public_url, &secret);
    let emailed = send_link(&state, &who, &name, email.as_deref(), &link).await;
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

/// What an invitation is for.
#[derive(Debug, Clone)]
pub struct NewMember<'a> {
    /// The enrollment name (certificate CN).
    pub name: &'a str,
    /// The organisation.
    pub msp_id: &'a str,
    /// As an organisation administrator.
    pub admin: bool,
    /// Where the link is sent, if anywhere.
    pub email: Option<String>,
    /// Who invites.
    pub invited_by: &'a str,
    /// A new key for a member the data directory already has (the operator's `demo`
    /// only; an admin's invitation of an existing name is refused).
    pub reenrollment: bool,
}

/// The invitation `new` describes, valid for `hours` from now.
fn new_invitation(new: NewMember<'_>, hours: u64) -> Result<Invitation, Failure> {
    let name = new.name.trim();
    if !nanotrace_embedded::devmsp::is_member_name(name) {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            "the invitation",
            format!("name {name:?}: use 1-64 letters, digits, '.', '-', '_' and '@'"),
        ));
    }
    let created_at = now();
    let expires_at = created_at + i64::try_from(hours).unwrap_or(i64::MAX / 7200) * 3600;
    let mut invitation = Invitation::new(name, new.msp_id, new.admin, new.invited_by, created_at, expires_at);
    invitation.email = new.email.filter(|e| !e.trim().is_empty());
    Ok(invitation)
}

/// The enrollment link of `secret`. The secret travels in the fragment: browsers do not
/// send it to the server in the page request, so it is in no access log.
fn enrollment_link(public_url: &str, secret: &str) -> String {
    format!("{}/enroll#{secret}", public_url.trim_end_matches('/'))
}

/// Records an invitation on the embedded ledger and returns its enrollment link under
/// `public_url`, valid for `hours` (the console's API and its `invite` command both use
/// this).
pub fn invite_member(
    registry: &crate::registry::Registry,
    msp: &nanotrace_embedded::devmsp::DevMsp,
    public_url: &str,
    hours: u64,
    new: NewMember<'_>,
) -> Result<String, String> {
    msp.org_msp(new.msp_id).map_err(|e| e.public_message())?;
    if !new.reenrollment {
        if let Ok(existing) = msp.identity(new.name.trim()) {
            if existing.msp_id == new.msp_id {
                return Err(format!(
                    "{} is already a member of {} (an identity of the data directory): choose another name",
                    existing.name, existing.msp_id
                ));
            }
        }
    }
    let reenrollment = new.reenrollment;
    let mut invitation = new_invitation(new, hours).map_err(Failure::into_message)?;
    invitation.reenrollment = reenrollment;
    let secret = registry.invite(invitation).map_err(|e| e.to_string())?;
    Ok(enrollment_link(public_url, &secret))
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
    let Some(data) = state.ledger.data() else {
        return Err(Failure::new(
            StatusCode::NOT_IMPLEMENTED,
            "removal",
            "on Fabric a member is removed at the organisation's CA and in the channel's CRL: `scripts/network.sh remove ORG NAME` (docs/OPERATIONS.md); the console cannot do it yet",
        ));
    };
    let msp_id = who.viewer.msp_id().to_owned();
    let removed = state
        .registry
        .remove_member(req.name.trim(), &msp_id, now())
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "removal", e.to_string()))?;
    let serial = removed.serial.clone().unwrap_or_default();
    data.msp
        .revoke(&msp_id, &serial, now())
        .map_err(|e| Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "revocation", e.to_string()))?;
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
    let withdraw = match state.ledger.fabric_org() {
        Some(org) => Some(prepare_withdrawal(org, &who, &cancelled)?),
        None => None,
    };
    Ok(Json(json!({ "cancelled": cancelled.name, "withdraw": withdraw })).into_response())
}

/// Fabric: stage 1 of withdrawing the CA registration of an invitation cancelled or
/// lapsed unused (the Members page lists those not withdrawn yet).
pub async fn withdrawal(
    State(state): State<Shared>,
    Member(who): Member,
    Json(req): Json<RemoveRequest>,
) -> Result<Response, Failure> {
    let Some(org) = state.ledger.fabric_org() else { return Ok(not_found()) };
    if !who.viewer.is_org_admin() {
        return Ok(not_found());
    }
    let invitation = state
        .registry
        .to_withdraw(req.name.trim(), who.viewer.msp_id(), now())
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "the withdrawal", e.to_string()))?;
    Ok(Json(prepare_withdrawal(org, &who, &invitation)?).into_response())
}

/// The revocation at the CA of `invitation`'s registration, for the admin to sign.
fn prepare_withdrawal(
    org: &crate::fabric::FabricOrg,
    who: &SignedIn,
    invitation: &Invitation,
) -> Result<Value, Failure> {
    let revocation = nanotrace_fabric_ca::Revocation::Identity {
        enrollment_id: invitation.name.clone(),
        reason: "cessationofoperation".to_owned(),
    };
    let unsigned = org
        .ca
        .unsigned_revoke(who.session.member.cert_pem.as_bytes(), &revocation, false)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "the withdrawal", e.to_string()))?;
    let request_id = crate::registry::Registry::new_secret();
    let to_sign = b64(unsigned.to_sign());
    let pending = crate::fabric::PendingWithdrawal { unsigned, name: invitation.name.clone() };
    org.withdrawals.insert(&request_id, &who.session.key, pending, String::new());
    Ok(json!({ "request_id": request_id, "sign": to_sign }))
}

/// Fabric: sends the revocation the admin's browser signed to the CA (the invitation's
/// identity can no longer enroll there, whoever holds its secret) and records it.
pub async fn withdraw(
    State(state): State<Shared>,
    Member(who): Member,
    Json(req): Json<RegisterMemberRequest>,
) -> Result<Response, Failure> {
    let Some(org) = state.ledger.fabric_org() else { return Ok(not_found()) };
    if !who.viewer.is_org_admin() {
        return Ok(not_found());
    }
    let sig = signature(&req.signature)?;
    let pending = org.withdrawals.take(&who.session.key, &req.request_id, |_| true).map_err(Failure::from)?;
    let crate::fabric::PendingWithdrawal { unsigned, name } = pending.stage;
    // Still to withdraw (not enrolled or withdrawn since stage 1), before the CA is asked.
    state
        .registry
        .to_withdraw(&name, &org.msp_id, now())
        .map_err(|e| Failure::new(StatusCode::CONFLICT, "the withdrawal", e.to_string()))?;
    org.ca
        .revoke_signed(unsigned, &sig)
        .await
        .map_err(|e| Failure::new(StatusCode::BAD_GATEWAY, "revocation at the CA", e.to_string()))?;
    let withdrawn = state
        .registry
        .withdrawn(&name, &org.msp_id, now())
        .map_err(|e| Failure::new(StatusCode::CONFLICT, "the withdrawal", e.to_string()))?;
    tracing::info!(name = %withdrawn.name, msp = %org.msp_id, by = %who.viewer.name, "invitation's CA registration revoked");
    Ok(Json(json!({ "withdrawn": withdrawn.name })).into_response())
}

/// Expires the invitations that lapsed (see [`crate::registry::Registry::expire_lapsed`]).
pub fn expire_lapsed_invitations(state: &crate::web::AppState) {
    match state.registry.expire_lapsed(now()) {
        Ok(lapsed) => {
            for i in lapsed {
                if state.ledger.fabric_org().is_some() {
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
