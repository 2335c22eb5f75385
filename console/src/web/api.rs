//! The JSON API the page script calls: sign-in by signature, enrollment, and the
//! stages of a transaction signed in the browser (see [`crate::ledger`]). Signatures
//! arrive as WebCrypto makes them (base64 of r ‖ s) and are turned into Fabric's form
//! (DER, low S) here; bytes to sign leave as base64.

use super::extract::{Certifier, ClientIp, Governor, Json, Member, OrgAdmin};
use super::failure::{api_failure, Failure};
use super::wire::{b64, signature};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use data_encoding::BASE64;
use nanotrace_model::IdsResponse;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{not_found, now, Shared, SignedIn, SESSION_COOKIE};
use crate::actions::{self, Form};
use crate::reads::PAGE_ANSWER_AGE;
use crate::registry::{Invitation, KeyRequest};

fn form_failure(e: actions::FormError) -> Failure {
    Failure::new(StatusCode::BAD_REQUEST, "the form", e.to_string())
}

/// `POST /api/signin/challenge` body.
#[derive(Debug, Deserialize)]
pub struct ChallengeRequest {
    msp_id: String,
    cert_pem: String,
}

/// Checks the certificate against its organisation's CA; answers a challenge to sign.
/// The organisation must be one this console serves (an MSP ID, never a path), the
/// certificate exactly one PEM certificate (kept re-encoded, never as sent).
pub async fn challenge(
    State(state): State<Shared>,
    ClientIp(client): ClientIp,
    Json(req): Json<ChallengeRequest>,
) -> Result<Json<Value>, Failure> {
    let refused = |m: String| Failure::new(StatusCode::FORBIDDEN, "your certificate", m);
    let unknown = |m: String| Failure::new(StatusCode::BAD_REQUEST, "your organisation", m);
    nanotrace_model::validate::msp_id("msp_id", &req.msp_id).map_err(|e| unknown(e.to_string()))?;
    if !state.ledger.organisations().contains(&req.msp_id) {
        return Err(unknown(format!("this console serves no organisation {:?}", req.msp_id)));
    }
    let cert_pem = crate::pem::one_certificate(&req.cert_pem)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "your certificate", e.to_string()))?;
    let org = state.ledger.org_msp(&req.msp_id).map_err(|e| refused(e.public_message()))?;
    let member = org.member(&cert_pem, now()).map_err(|e| refused(e.to_string()))?;
    // On Fabric the member also signs a WhoAmI, which the console evaluates at every
    // request of the session: the peer, not the console, says who they are.
    let read = match state.ledger.fabric_org() {
        Some(fabric) => {
            let identity = crate::ledger::identity(&member).map_err(api_failure)?;
            // The arguments exactly as the typed API sends them, so its WhoAmI finds it.
            let args = [serde_json::to_vec(&nanotrace_model::EmptyRequest {}).unwrap_or_default()];
            Some(
                fabric
                    .stages
                    .propose_read(&identity, nanotrace_model::Function::WhoAmI, &args)
                    .map_err(Failure::from)?,
            )
        }
        None => None,
    };
    let read_to_sign = read.as_ref().map(|r| b64(r.to_sign()));
    let (id, text) = state.sessions.challenge(client, member, read, &state.public_url, now()).map_err(|e| {
        let crate::session::ChallengeError::Full { retry_after_secs } = e;
        tracing::warn!(%client, "sign-in refused: every place for a waiting challenge is taken");
        Failure::new(StatusCode::SERVICE_UNAVAILABLE, "sign-in", e.to_string()).retry_after(retry_after_secs)
    })?;
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

/// Checks the challenge's signature; opens a session (a new ID at every sign-in).
pub async fn sign_in(
    State(state): State<Shared>,
    headers: HeaderMap,
    Json(req): Json<SignInRequest>,
) -> Result<Response, Failure> {
    let sig = signature(&req.signature)?;
    let read_sig = req.read_signature.as_deref().map(signature).transpose()?;
    let (sid, session) = state
        .sessions
        .sign_in(&req.challenge_id, &sig, read_sig.as_deref())
        .map_err(|e| Failure::new(StatusCode::FORBIDDEN, "sign-in", e.to_string()))?;
    if state.ledger.fabric_org().is_some() {
        // The peer checks the member's signature, certificate and organisation itself.
        let reader = state.ledger.reader(&session.key, &session.member, &session.standing, PAGE_ANSWER_AGE);
        if let Err(e) = reader.who_am_i().await {
            state.sessions.end(&sid);
            return Err(Failure::new(StatusCode::FORBIDDEN, "sign-in", format!("the peer refused you: {e}")));
        }
    }
    if let Some(old) = super::session_id(&headers) {
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

fn invitation_and_tbs(state: &super::AppState, req: &EnrollRequest) -> Result<(Invitation, Vec<u8>, Vec<u8>), Failure> {
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

fn proposal_response(tx_id: String, bytes: &[u8]) -> Json<Value> {
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
        Ok(intent) => intent.map_err(form_failure)?,
    };
    let done = intent.done.clone().unwrap_or_default();
    let (tx_id, bytes) = state
        .ledger
        .propose(&who.session.key, &who.session.member, intent.function, &[intent.request], done)
        .map_err(api_failure)?;
    Ok(proposal_response(tx_id, &bytes).into_response())
}

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
    state: &super::AppState,
    who: &SignedIn,
    request: &KeyRequest,
) -> Result<Response, Failure> {
    let intent = actions::register_key(request, now(), 730).map_err(form_failure)?;
    let (tx_id, bytes) = state
        .ledger
        .propose(&who.session.key, &who.session.member, intent.function, &[intent.request], "/keys".into())
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
    let reader = who.reader_within(&state, crate::reads::API_ANSWER_AGE);
    let read = reader.get_certificate(&req.certificate_id).await;
    let mut cert = match read {
        Ok(cert) => cert,
        Err(e) => return super::reads::answer_or_sign(&state, &who, reader.transport(), Err(api_failure(e))),
    };
    if req.renew {
        cert = nanotrace_peer_client::nanotrace::renewal_of(&cert).ok_or_else(|| {
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
    } else {
        committed.done
    };
    tracing::info!(tx_id = %committed.tx_id, block = committed.block, member = %who.viewer.name, "transaction committed");
    Ok(Json(json!({ "tx_id": committed.tx_id, "block": committed.block, "done": done })))
}

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
fn register_at_ca(state: &super::AppState, who: &SignedIn, new: NewMember<'_>) -> Result<Json<Value>, Failure> {
    let bad = |e: String| Failure::new(StatusCode::BAD_REQUEST, "the invitation", e);
    let org = state.ledger.fabric_org().ok_or_else(|| bad("no Fabric organisation".into()))?;
    let invitation = new_invitation(new, state.config.invitation_hours)?;
    state
        .registry
        .check_invitable(&invitation.msp_id, &invitation.name, invitation.created_at)
        .map_err(|e| bad(e.to_string()))?;
    let secret = crate::registry::Registry::new_secret();
    let registration = nanotrace_peer_client::ca::Registration {
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
fn registrar_attributes() -> Vec<nanotrace_peer_client::ca::Attribute> {
    [
        ("hf.Registrar.Roles", "client,admin"),
        ("hf.Registrar.Attributes", "*"),
        ("hf.Revoker", "true"),
        ("hf.GenCRL", "true"),
    ]
    .into_iter()
    .map(|(name, value)| nanotrace_peer_client::ca::Attribute { name: name.into(), value: value.into(), ecert: false })
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
async fn send_link(state: &super::AppState, who: &SignedIn, name: &str, email: Option<&str>, link: &str) -> Value {
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
    let revocation = nanotrace_peer_client::ca::Revocation::Identity {
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
pub fn expire_lapsed_invitations(state: &super::AppState) {
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
/// organisation (on Fabric each organisation runs its own console): base64url of its
/// JSON. It carries only public facts — the key, its ID and its holder's identity — and
/// the contract checks every one of them when the admin registers it.
pub fn key_request_code(request: &KeyRequest) -> String {
    data_encoding::BASE64URL_NOPAD.encode(&serde_json::to_vec(request).unwrap_or_default())
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
    let bad = |m: &str| Failure::new(StatusCode::BAD_REQUEST, "the key request code", m.to_owned());
    let bytes = data_encoding::BASE64URL_NOPAD
        .decode(req.code.trim().as_bytes())
        .map_err(|_| bad("not a key request code (base64url)"))?;
    let request: KeyRequest = serde_json::from_slice(&bytes).map_err(|_| bad("not a key request"))?;
    let public =
        nanotrace_model::validate::hex_bytes("public_key", &request.public_key, 32).map_err(|e| bad(&e.to_string()))?;
    if nanotrace_model::issuer_key_id(&public) != request.key_id {
        return Err(bad("its key ID is not its key's"));
    }
    propose_key_registration(&state, &who, &request)
}
