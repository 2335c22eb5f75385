//! The pages. Each checks who is asking first: a page a member's roles do not allow
//! answers 404 exactly like a page that does not exist. Every piece of ledger or user
//! text goes through maud's escaping.

use super::dates::date;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use nanotrace_model::link::{qr, verification_url};
use nanotrace_model::*;
use serde::Deserialize;

use std::collections::HashMap;

use super::layout::{message, page, trusted};
use super::reads::page_or_sign;
use super::{not_found, now, signed_in, Shared, SignedIn};
use crate::billing::PaymentState;

/// An action's wire name (`sds_updated`), with spaces.
fn action_name(action: Action) -> String {
    serde_json::to_value(action).ok().and_then(|v| v.as_str().map(|s| s.replace('_', " "))).unwrap_or_default()
}

fn status_badge(status: CertificateStatus) -> Markup {
    html! { span class={ "badge s-" (status.as_str().to_lowercase()) } { (status.as_str()) } }
}

fn failure(who: &SignedIn, e: impl std::fmt::Display) -> Response {
    message("The ledger could not answer", Some(who), &e.to_string()).into_response()
}

/// `GET /`: sign-in, or the member's start page.
pub async fn home(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let Some(who) = signed_in(&state, &headers).await else {
        return page("Sign in", None, sign_in_body(&state.ledger.organizations())).into_response();
    };
    let v = &who.viewer;
    let org =
        v.who.organization.as_ref().map(|o| o.name.clone()).unwrap_or_else(|| "an unregistered organisation".into());
    let roles: Vec<&str> = v.who.roles.iter().map(|r| r.as_str()).collect();
    let body = html! {
        h1 { "Welcome, " (v.name) " (" (v.msp_id()) ")" }
        p.muted { "Member of " (org) " (" (v.msp_id()) ")" @if !roles.is_empty() { " · roles: " (roles.join(", ")) } }
        p #export-key-row hidden { button #export-key type="button" { "Export a backup of my key" } " " span.muted { "You allowed this key to be exported when you enrolled. The file it saves is your identity: anyone who has it can sign as you." } }
        div.cards {
            @if v.is_applicant() {
                a.card href="/apply" { b { "Apply for a certificate" } span { "Product, nanomaterial, safety data sheet" } }
                a.card href="/certificates" { b { "My certificates" } span { "Status, verdict, history, QR codes" } }
            }
            @if v.is_certifier() {
                a.card href="/queue" { b { "Approval queue" } span { "Applications waiting for a decision" } }
                a.card href="/keys" { b { "Issuer key" } span { "The key that signs your approvals, in this browser" } }
            }
            @if v.is_auditor() {
                a.card href="/certificates" { b { "Certificates" } span { "Every organisation's, read-only" } }
                a.card href="/ledger" { b { "Ledger" } span { "Every transaction, searchable, with its chain checked" } }
            }
            @if v.is_governor() {
                a.card href="/roles" { b { "Roles" } span { "Certifiers, auditors, administrators" } }
                a.card href="/keys" { b { "Issuer keys" } span { "Register and retire certifiers' keys" } }
            }
            @if super::billing::bills(v) {
                a.card href="/billing" { b { "Billing" } span { "Fees, quotes, invoices and what is outstanding" } }
            }
            @if v.is_org_admin() {
                a.card href="/members" { b { "Members" } span { "Invite people of " (v.msp_id()) } }
            }
        }
    };
    page("Home", Some(&who), body).into_response()
}

fn sign_in_body(orgs: &[String]) -> Markup {
    html! {
        h1 { "Sign in" }
        p { "You sign in with the key kept in this browser: the console sends a one-time challenge, your browser signs it, and no password or key ever reaches the server." }
        section #signin-key hidden {
            p { "This browser holds the key of " b #signin-name {} " (" span #signin-msp {} ")." }
            button #signin type="button" { "Sign in" }
        }
        section #signin-none hidden {
            p { "This browser holds no NanoTrace key yet. Open the enrollment link your organisation's administrator sent you, or import a key file below." }
        }
        details #import {
            summary { "Import an existing key (PKCS#8 file, e.g. from " code { "nanotrace ca enroll" } ")" }
            form #import-form {
                label { "Organisation" select name="msp_id" { @for org in orgs { option value=(org) { (org) } } } }
                label { "Certificate (PEM)" input type="file" name="cert" accept=".pem,.crt" required; }
                label { "Private key (PKCS#8 PEM)" input type="file" name="key" accept=".pem,.key" required; }
                p.muted { "The key is imported into this browser as non-extractable: it can sign here but cannot be read back out, not even by you." }
                button type="submit" { "Import and sign in" }
            }
        }
    }
}

/// `GET /enroll#SECRET`: the page that makes the member's key.
pub async fn enroll(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let who = signed_in(&state, &headers).await;
    let body = html! {
        h1 { "Enroll" }
        p { "Your browser is about to create your personal key (ECDSA P-256). It stays in this browser; the console only sees the public half, from which your organisation's CA issues your certificate." }
        label.check { input #enroll-exportable type="checkbox"; " Allow me to export a backup of the key. " span.muted { "Without this the key can never leave this browser: if the browser profile is lost, your administrator must invite you again. With it, anyone who can use this browser profile could copy the key." } }
        button #enroll type="button" { "Create my key and enroll" }
        p #enroll-result .muted {}
    };
    page("Enroll", who.as_ref(), body).into_response()
}

const SHAPES: [&str; 8] = ["spherical", "cubic", "rod", "fibre", "tube", "platelet", "irregular", "other"];

/// `GET /apply`: the application form (members of a manufacturer).
pub async fn apply(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let Some(who) = signed_in(&state, &headers).await else { return Redirect::to("/").into_response() };
    if !who.viewer.is_applicant() {
        return not_found();
    }
    let reader = who.reader(&state);
    let suppliers = reader.mine(None, 200, "").await.map(|p| p.certificates).unwrap_or_default();
    let body = html! {
        h1 { "Apply for a certificate" }
        form.grid data-tx="apply" {
            fieldset {
                legend { "Product" }
                label { "Product name" input name="product_name" required maxlength="200"; }
                label { "Description" textarea name="product_description" maxlength="4000" {} }
                label { "GTIN (optional)" input name="gtin" inputmode="numeric" pattern="[0-9]{8,14}"; }
                label { "Batch / lot" input name="batch" required; }
                label { "Supplier of the nanomaterial" input name="supplier" required; }
                label { "Validity requested (days)" input name="requested_validity_days" type="number" min="1" max="1826" value="365" required; }
                label { "Your reference (optional)" input name="client_ref" maxlength="128"; }
            }
            fieldset {
                legend { "Nanomaterial (EU definition 2022/C 229/01)" }
                label { "Substance" input name="substance_name" required; }
                label { "CAS number" input name="cas_number" required placeholder="13463-67-7"; }
                label { "EC number (optional)" input name="ec_number" placeholder="236-675-5"; }
                label { "D10 (nm)" input name="d10_nm" type="number" step="0.001" min="0.1" max="1000000" required; }
                label { "D50 (nm)" input name="d50_nm" type="number" step="0.001" min="0.1" max="1000000" required; }
                label { "D90 (nm)" input name="d90_nm" type="number" step="0.001" min="0.1" max="1000000" required; }
                label { "Particles 1–100 nm (% by number)" input name="fraction_1_100nm_percent" type="number" step="0.01" min="0" max="100" required; }
                label { "Shape" select name="shape" { @for s in SHAPES { option value=(s) { (s) } } } }
                label { "Surface treatment" input name="surface_treatment"; }
                label { "VSSA (m²/cm³)" input name="vssa_m2_per_cm3" type="number" step="0.001" min="0.001" max="10000" required; }
            }
            fieldset {
                legend { "Safety data sheet" }
                label { "SDS file " span.muted { "(hashed in your browser; only its SHA-256 goes on the ledger)" } input type="file" data-sha256-into="sds_sha256" required; }
                input type="hidden" name="sds_sha256";
                p.mono.muted data-sha256-show="sds_sha256" {}
                label { "Where the SDS can be fetched (https URL)" input name="sds_url" type="url" required placeholder="https://"; }
                label { "SDS revision" input name="sds_revision" type="number" min="1" value="1" required; }
            }
            @if !suppliers.is_empty() {
                fieldset {
                    legend { "Depends on (supplier certificates)" }
                    select name="depends_on" multiple size="4" {
                        @for c in &suppliers { option value=(c.id) { (c.id) " · " (c.application.product_name) " · " (c.status.as_str()) } }
                    }
                }
            }
            button type="submit" { "Sign and submit the application" }
        }
    };
    page_or_sign(&state, &who, reader.transport(), page("Apply", Some(&who), body).into_response())
}

/// Query of the lists.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

fn certificate_table(certs: &[Certificate], payments: &HashMap<String, PaymentState>) -> Markup {
    html! {
        @if certs.is_empty() { p.muted { "No certificates." } }
        @else {
            ul.list {
                @for c in certs {
                    li {
                        a href={ "/certificates/" (c.id) } { span.mono { (c.id) } " " (c.application.product_name) }
                        " " (status_badge(c.status))
                        @if let Some(paid) = payments.get(&c.id) { " " span class={ "pay pay-" (paid.class()) } { (paid) } }
                        span.muted { " · " (c.manufacturer_msp) " · lot " (c.application.batch) " · " (date(c.applied_at)) }
                    }
                }
            }
        }
    }
}

fn parse_status(s: Option<&str>) -> Option<CertificateStatus> {
    CertificateStatus::ALL.into_iter().find(|c| Some(c.as_str()) == s)
}

/// `GET /certificates`: an applicant's own, or (auditors) everyone's by status.
pub async fn certificates(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let Some(who) = signed_in(&state, &headers).await else { return Redirect::to("/").into_response() };
    let reader = who.reader(&state);
    let after = q.after.unwrap_or_default();
    let response = if who.viewer.is_auditor() {
        status_list(&who, &reader, "Certificates", "/certificates", q.status.as_deref(), &after).await
    } else if who.viewer.is_applicant() {
        my_certificates(&who, &reader, &after).await
    } else {
        return not_found();
    };
    page_or_sign(&state, &who, reader.transport(), response)
}

async fn my_certificates(who: &SignedIn, reader: &NanoTraceReader<'_>, after: &str) -> Response {
    match reader.mine(None, 50, after).await {
        Ok(page_) => {
            let body = html! {
                h1 { "My certificates" }
                (certificate_table(&page_.certificates, &HashMap::new()))
                @if !page_.bookmark.is_empty() { a href={ "/certificates?after=" (page_.bookmark) } { "More" } }
            };
            page("My certificates", Some(who), body).into_response()
        }
        Err(e) => failure(who, e),
    }
}

async fn status_list(
    who: &SignedIn,
    reader: &NanoTraceReader<'_>,
    title: &str,
    path: &str,
    status: Option<&str>,
    after: &str,
) -> Response {
    let status = parse_status(status).unwrap_or(CertificateStatus::Pending);
    match reader.queue(status, 50, after).await {
        Ok(page_) => {
            // The approval queue says which applications wait for their payment (issue 75).
            let payments = match path {
                "/queue" => super::billing::queue_payments(reader, &who.viewer, &page_.certificates).await,
                _ => HashMap::new(),
            };
            let body = html! {
                h1 { (title) }
                nav.filters {
                    @for s in CertificateStatus::ALL {
                        a class=[(s == status).then_some("on")] href={ (path) "?status=" (s.as_str()) } { (s.as_str()) }
                    }
                }
                (certificate_table(&page_.certificates, &payments))
                @if !page_.bookmark.is_empty() { a href={ (path) "?status=" (status.as_str()) "&after=" (page_.bookmark) } { "More" } }
            };
            page(title, Some(who), body).into_response()
        }
        Err(e) => failure(who, e),
    }
}

type NanoTraceReader<'a> = nanotrace_client::NanoTrace<crate::ledger::reads::Reads<'a>>;

/// `GET /queue`: the approval queue (certifiers).
pub async fn queue(State(state): State<Shared>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let Some(who) = signed_in(&state, &headers).await else { return Redirect::to("/").into_response() };
    if !who.viewer.is_certifier() {
        return not_found();
    }
    let reader = who.reader(&state);
    let response =
        status_list(&who, &reader, "Approval queue", "/queue", q.status.as_deref(), &q.after.unwrap_or_default()).await;
    page_or_sign(&state, &who, reader.transport(), response)
}

fn reason_form(action: &str, id: &str, label: &str) -> Markup {
    html! {
        form.inline data-tx=(action) {
            input type="hidden" name="certificate_id" value=(id);
            label { "Reason" input name="reason" required maxlength="1000"; }
            button type="submit" class={ "act-" (action) } { (label) }
        }
    }
}

/// `GET /certificates/{id}`: everything a decision needs, and the actions allowed.
pub async fn certificate(State(state): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some(who) = signed_in(&state, &headers).await else { return Redirect::to("/").into_response() };
    let reader = who.reader(&state);
    let response = certificate_page(&state, &who, &reader, &id).await;
    page_or_sign(&state, &who, reader.transport(), response)
}

async fn certificate_page(state: &super::AppState, who: &SignedIn, reader: &NanoTraceReader<'_>, id: &str) -> Response {
    let cert = match reader.get_certificate(id).await {
        Ok(c) => c,
        Err(e) if e.is_refusal() => return not_found(),
        Err(e) => return failure(who, e),
    };
    let v = &who.viewer;
    let own = cert.manufacturer_msp == v.msp_id();
    // A body's finance sees an application to invoice its accepted quote.
    if !(own || v.is_certifier() || v.is_auditor() || v.is_finance()) {
        return not_found();
    }
    // The trust list, so that the verdict checks the certifier's signature as a verifier does.
    let trust_list = match reader.issuer_keys().await {
        Ok(keys) => keys,
        Err(e) => return failure(who, e),
    };
    let verdict = verdict_for(&cert.id, Some(cert.clone()), &trust_list, now());
    let history = reader.history(&cert.id).await.unwrap_or_default();
    let mut deps: Vec<(String, Option<Certificate>)> = Vec::new();
    for d in &cert.application.depends_on {
        deps.push((d.clone(), reader.get_certificate(d).await.ok()));
    }
    let link = verification_url(&state.config.verifier_url, &cert);
    // What the certification bodies quoted for it (issue 75), for the two parties only.
    let quotes = super::billing::quotes_card(reader, v, &cert).await;
    let app = &cert.application;
    let n = &app.nanomaterial;
    let body = html! {
        h1 { (app.product_name) }
        p { span.mono { (cert.id) } " " (status_badge(cert.status)) " · verdict " b { (verdict.verdict.as_str()) } }
        p.muted { (verdict.reason) }
        @if let Some(reason) = &cert.status_reason { p { "Reason: " (reason) } }
        section.card {
            h2 { "Application" }
            dl {
                dt { "Manufacturer" } dd { (cert.manufacturer_msp) }
                dt { "Applied" } dd { (date(cert.applied_at)) }
                dt { "Description" } dd { (app.product_description) }
                dt { "GTIN" } dd.mono { (app.gtin.as_deref().unwrap_or("—")) }
                dt { "Batch" } dd { (app.batch) }
                dt { "Supplier" } dd { (app.supplier) }
                dt { "Validity asked" } dd { (app.requested_validity_days) " days" }
            }
        }
        section.card {
            h2 { "Nanomaterial" }
            dl {
                dt { "Substance" } dd { (n.substance_name) " (CAS " (n.cas_number) ")" }
                dt { "Size D10/D50/D90" } dd { (n.particle_size.d10_nm) " / " (n.particle_size.d50_nm) " / " (n.particle_size.d90_nm) " nm" }
                dt { "1–100 nm" } dd { (format!("{:.1}", n.particle_size.fraction_1_100nm * 100.0)) " %" }
                dt { "VSSA" } dd { (n.vssa_m2_per_cm3) " m²/cm³" }
                dt { "EU definition" } dd { @if cert.assessment.is_nanomaterial { "nanomaterial" } @else { "not a nanomaterial" } " — " (cert.assessment.basis) }
            }
        }
        section.card {
            h2 { "Safety data sheet" }
            dl {
                dt { "Link" } dd { a href=(app.sds.url) rel="noopener noreferrer" { (app.sds.url) } }
                dt { "SHA-256" } dd.mono { (app.sds.sha256) }
                dt { "Revision" } dd { (app.sds.revision) }
            }
        }
        @if !deps.is_empty() {
            section.card {
                h2 { "Depends on" }
                ul.list { @for (d, c) in &deps { li { span.mono { (d) } " " @match c { Some(c) => { (status_badge(c.status)) " " (c.application.product_name) }, None => { "not readable" } } } } }
            }
        }
        @if let Some(iss) = &cert.issuance {
            section.card {
                h2 { "Issued" }
                dl {
                    dt { "By" } dd { (iss.issuer_org) " with key " span.mono { (iss.issuer_key_id) } }
                    dt { "Valid" } dd { (date(iss.issued_at)) " – " (date(iss.valid_until)) }
                    dt { "Verify" } dd { a href=(link) { "public verification page" } }
                    dt { "QR code" } dd { a href={ "/certificates/" (cert.id) "/qr.svg" } download { "SVG" } " · " a href={ "/certificates/" (cert.id) "/qr.png" } download { "PNG" } }
                }
                @if let Ok(svg) = qr::svg(&link) { div.qr { (trusted(svg)) } }
            }
            @if v.is_certifier() && cert.status == CertificateStatus::Active {
                section.card #credential-card {
                    h2 { "W3C Verifiable Credential" }
                    p.muted { "The certificate as a Verifiable Credential that any VC library checks without NanoTrace, signed in the browser by the issuer key that signed the certificate and recorded on the ledger with the approval, in the same transaction, so that every verifier serves it. The console builds it from the ledger; only your key can sign it. Sign it here for a certificate issued without one (before its body had a status base, or by an older console)." }
                    @if cert.credential.is_some() {
                        p { "A credential is on the ledger (" a href=(format!("{}/api/v1/certificates/{}/vc", state.config.verifier_url, cert.id)) { "as every verifier serves it" } "); signing again replaces it." }
                    }
                    button #sign-credential type="button" data-credential=(cert.id) { "Sign the credential" }
                    p { a #credential-download hidden { "Download the credential (JSON)" } }
                    pre #credential-json hidden {}
                }
            }
        }
        (quotes)
        section.card {
            h2 { "History" }
            ol.hist {
                @for h in &history {
                    li { b { (action_name(h.action)) } " → " (h.status.as_str()) " · " (date(h.timestamp)) " · " span.muted { (h.actor.msp_id) }
                        @if let Some(r) = &h.reason { " · " (r) }
                        br; span.mono.muted { "tx " (h.tx_id) } }
                }
            }
        }
        @if v.is_certifier() {
            section.card.actions {
                h2 { "Decision" }
                @match cert.status {
                    CertificateStatus::Pending => {
                        form.inline data-tx="approve" {
                            input type="hidden" name="certificate_id" value=(cert.id);
                            label { "Validity (days)" input name="validity_days" type="number" min="1" max="1826" value=(app.requested_validity_days); }
                            button.act-approve type="submit" { "Approve and sign" }
                        }
                        (reason_form("reject", &cert.id, "Reject"))
                    },
                    CertificateStatus::Active => {
                        (reason_form("suspend", &cert.id, "Suspend")) (reason_form("revoke", &cert.id, "Revoke"))
                        form.inline data-tx="renew" {
                            input type="hidden" name="certificate_id" value=(cert.id);
                            label { "Renew for (days)" input name="validity_days" type="number" min="1" max="1826" value=(app.requested_validity_days); }
                            button.act-approve type="submit" { "Renew and sign" }
                        }
                    },
                    CertificateStatus::Suspended => { (reason_form("reinstate", &cert.id, "Reinstate")) (reason_form("revoke", &cert.id, "Revoke")) },
                    _ => { p.muted { "No decision is open on a " (cert.status.as_str()) " certificate." } },
                }
            }
        }
        @if own && v.is_applicant() && matches!(cert.status, CertificateStatus::Pending | CertificateStatus::Active | CertificateStatus::Suspended) {
            section.card {
                h2 { "Update the safety data sheet" }
                form.grid data-tx="update-sds" {
                    input type="hidden" name="certificate_id" value=(cert.id);
                    label { "New SDS file" input type="file" data-sha256-into="sds_sha256" required; }
                    input type="hidden" name="sds_sha256";
                    label { "URL" input name="sds_url" type="url" required value=(app.sds.url); }
                    label { "Revision" input name="sds_revision" type="number" min="1" value=(app.sds.revision + 1) required; }
                    button type="submit" { "Sign and update" }
                }
            }
        }
    };
    page(&app.product_name, Some(who), body).into_response()
}

async fn qr_of(state: &Shared, headers: &HeaderMap, id: &str) -> Result<(String, String), Response> {
    let who = signed_in(state, headers).await.ok_or_else(not_found)?;
    // A download follows the page that showed the certificate: its answer is reused.
    let reader = who.reader_within(state, crate::ledger::reads::DOWNLOAD_ANSWER_AGE);
    let cert = match reader.get_certificate(id).await {
        Ok(cert) => cert,
        Err(_) => return Err(page_or_sign(state, &who, reader.transport(), not_found())),
    };
    if cert.manufacturer_msp != who.viewer.msp_id() && !who.viewer.is_certifier() && !who.viewer.is_auditor() {
        return Err(not_found());
    }
    Ok((cert.id.clone(), verification_url(&state.config.verifier_url, &cert)))
}

/// `GET /certificates/{id}/qr.svg`.
pub async fn qr_svg(State(state): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    match qr_of(&state, &headers, &id).await {
        Ok((id, link)) => match qr::svg(&link) {
            Ok(svg) => (
                [
                    (header::CONTENT_TYPE, "image/svg+xml".to_owned()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{id}.svg\"")),
                ],
                svg,
            )
                .into_response(),
            Err(_) => not_found(),
        },
        Err(r) => r,
    }
}

/// `GET /certificates/{id}/qr.png`.
pub async fn qr_png(State(state): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    match qr_of(&state, &headers, &id).await {
        Ok((id, link)) => match qr::png(&link) {
            Ok(png) => (
                [
                    (header::CONTENT_TYPE, "image/png".to_owned()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{id}.png\"")),
                ],
                png,
            )
                .into_response(),
            Err(_) => not_found(),
        },
        Err(r) => r,
    }
}

/// `GET /members`: invitations of the organisation (its admins).
pub async fn members(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let Some(who) = signed_in(&state, &headers).await else { return Redirect::to("/").into_response() };
    if !who.viewer.is_org_admin() {
        return not_found();
    }
    let invitations = state.registry.invitations(who.viewer.msp_id());
    let (now, at_ca) = (now(), state.ledger.invitations_registered_at_ca());
    let body = html! {
        h1 { "Members of " (who.viewer.msp_id()) }
        form.grid #invite-form {
            label { "Name (becomes the certificate's CN)" input name="name" required placeholder="erin@manufacturer"; }
            label { "Email (optional)" input name="email" type="email"; }
            label.check { input name="admin" type="checkbox" value="true"; " Organisation administrator" }
            button type="submit" { "Invite" }
        }
        p #invite-link .mono {}
        h2 { "Invitations" }
        ul.list {
            @for i in &invitations {
                li { b { (i.name) } " · " (i.msp_id) @if i.admin { " (admin)" } " · invited by " (i.invited_by) " · "
                    @if let Some(removed) = i.removed_at { "removed " (date(removed)) " (certificate revoked)" }
                    @else if let Some(used) = i.used_at {
                        "enrolled " (date(used)) " "
                        button.act-revoke type="button" data-remove-member=(i.name) { "Remove" }
                    }
                    @else if let Some(cancelled) = i.cancelled_at { "cancelled " (date(cancelled)) }
                    @else if i.is_closed_unused(now) { "expired" }
                    @else {
                        "open until " (date(i.expires_at)) " "
                        button.act-revoke type="button" data-cancel-invitation=(i.name) { "Cancel" }
                    }
                    @if at_ca && i.is_closed_unused(now) {
                        @if let Some(withdrawn) = i.withdrawn_at { " · registration revoked at the CA " (date(withdrawn)) }
                        @else {
                            " · still registered at the CA "
                            button.act-revoke type="button" data-withdraw-invitation=(i.name) { "Withdraw at the CA" }
                        }
                    } }
            }
        }
    };
    page("Members", Some(&who), body).into_response()
}

/// `GET /roles`: grant and revoke roles (governance admins).
pub async fn roles(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let Some(who) = signed_in(&state, &headers).await else { return Redirect::to("/").into_response() };
    if !who.viewer.is_governor() {
        return not_found();
    }
    let known = known_members(&state);
    let body = html! {
        h1 { "Roles" }
        p { "A role is granted to one member's identity (" code { "x509::subject::issuer" } ") and held by that member's key: a new certificate under the same name holds nothing until the old key approves it or you grant the role again. The contract checks every grant: certifiers must belong to a certification body, auditors to a regulator." }
        @for action in ["grant-role", "revoke-role"] {
            section.card {
            h2 { @if action == "grant-role" { "Grant a role" } @else { "Revoke a role" } }
            form.grid data-tx=(action) {
                label { "Member" select name="identity" required {
                    @for (name, msp, id, key) in &known { option value={ (msp) "|" (key) "|" (id) } { (name) " · " (msp) } }
                } }
                label { "Role" select name="role" { @for r in Role::ALL { option value=(r.as_str()) { (r.as_str()) } } } }
                @if action == "grant-role" { button type="submit" { "Grant" } } @else { button.act-revoke type="submit" { "Revoke" } }
            }
            }
        }
        h2 { "Members and their identities" }
        ul.list { @for (name, msp, id, key) in &known { li { b { (name) } " · " (msp) br; span.mono.muted { (id) } br; span.mono.muted { "key " (key) } } } }
    };
    page("Roles", Some(&who), body).into_response()
}

/// The members this console knows, as (name, MSP ID, contract identity, key): the data
/// directory's identities and the members enrolled through the console.
fn known_members(state: &super::AppState) -> Vec<(String, String, String, String)> {
    let mut out: Vec<(String, String, String, String)> = Vec::new();
    for m in state.ledger.directory_members() {
        out.push((m.name, m.msp_id, m.actor_id, m.key));
    }
    for org in state.ledger.organizations() {
        for i in state.registry.invitations(&org) {
            if let (Some(id), Some(key), None) = (i.actor_id.clone(), i.actor_key.clone(), i.removed_at) {
                out.push((i.name.clone(), i.msp_id.clone(), id, key));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `GET /keys`: a certifier's browser key; the trust list; requests to register.
pub async fn keys(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let Some(who) = signed_in(&state, &headers).await else { return Redirect::to("/").into_response() };
    let v = &who.viewer;
    if !(v.is_certifier() || v.is_governor()) {
        return not_found();
    }
    let reader = who.reader(&state);
    let keys = reader.issuer_keys().await.unwrap_or_default();
    let registered: std::collections::HashSet<&str> = keys.iter().map(|k| k.key_id.as_str()).collect();
    let requests: Vec<_> =
        state.registry.key_requests().into_iter().filter(|r| !registered.contains(r.key_id.as_str())).collect();
    let body = html! {
        h1 { "Issuer keys" }
        @if v.is_certifier() {
            section.card {
                h2 { "Your issuer key in this browser" }
                p #issuer-key-status .muted { "Looking for a key in this browser…" }
                p { "Your approvals are signed with an Ed25519 key made in this browser (it cannot be exported). An administrator registers it on the trust list before it can sign." }
                button #create-issuer-key type="button" { "Create an issuer key in this browser" }
                @let mine: Vec<_> = state.registry.key_requests().into_iter().filter(|r| r.holder == v.who.identity && !registered.contains(r.key_id.as_str())).collect();
                @for r in &mine {
                    p { "Waiting for registration: " span.mono { (r.key_id) } ". If the governance admin works in another organisation's console, give them this key request code:" }
                    p.mono.code data-key-request=(r.key_id) { (super::api::key_request_code(r)) }
                }
            }
        }
        @if v.is_governor() {
            section.card {
                h2 { "Register a key from a request code" }
                p.muted { "A certifier of another organisation gives you the code their console shows. The contract checks the key and its holder when you sign." }
                form.grid data-tx="register-key-code" {
                    label { "Key request code" textarea name="code" required rows="3" {} }
                    button type="submit" { "Register for 2 years" }
                }
            }
        }
        @if v.is_governor() && !requests.is_empty() {
            section.card {
                h2 { "Waiting for registration" }
                ul.list { @for r in &requests { li { span.mono { (r.key_id) } " for " b { (r.holder_name) } " (" (r.holder.msp_id) ") " button type="button" data-register-key=(r.key_id) { "Register for 2 years" } } } }
            }
        }
        section.card {
            h2 { "Trust list" }
            ul.list {
                @for k in &keys {
                    li { span.mono { (k.key_id) } " · " (k.holder.msp_id) " · valid " (date(k.valid_from)) " – " (date(k.valid_until))
                        @if let Some(r) = k.retired_at { " · retired " (date(r)) }
                        @else if v.is_governor() { (retire_form(&k.key_id)) } }
                }
            }
        }
    };
    page_or_sign(&state, &who, reader.transport(), page("Issuer keys", Some(&who), body).into_response())
}

fn retire_form(key_id: &str) -> Markup {
    html! {
        form.inline data-tx="retire-issuer-key" {
            input type="hidden" name="key_id" value=(key_id);
            input name="reason" required placeholder="reason";
            button type="submit" { "Retire" }
        }
    }
}
