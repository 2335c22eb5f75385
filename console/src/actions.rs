//! What a member can do in the console: each form's fields turned into the contract's
//! own request type (one definition, `nanotrace_model`), the function it calls, and
//! which members the console offers it to. The console's checks only hide what a member
//! may not do (its routes answer 404); the contract refuses the same calls on its own,
//! whatever the console does.

use std::collections::HashMap;

use nanotrace_model::canonical::{CanonicalCertificate, IssuanceTerms};
use nanotrace_model::*;

/// What the console knows about the signed-in member, from the certificate and
/// `WhoAmI`.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The member's certificate CN.
    pub name: String,
    /// The contract's view of the caller.
    pub who: WhoAmI,
}

impl Viewer {
    /// Holds the contract role `role`.
    pub fn has(&self, role: Role) -> bool {
        self.who.roles.contains(&role)
    }

    /// The member's organisation.
    pub fn msp_id(&self) -> &str {
        &self.who.identity.msp_id
    }

    /// The organisation's kind, if it is registered.
    pub fn org_kind(&self) -> Option<OrgKind> {
        self.who.organization.as_ref().map(|o| o.kind)
    }

    /// May apply for certificates: a member of a manufacturer.
    pub fn is_applicant(&self) -> bool {
        self.org_kind() == Some(OrgKind::Manufacturer)
    }

    /// Decides on applications.
    pub fn is_certifier(&self) -> bool {
        self.has(Role::Certifier)
    }

    /// Reads everything.
    pub fn is_auditor(&self) -> bool {
        self.has(Role::Auditor)
    }

    /// Governs roles and issuer keys (the contract's admin role).
    pub fn is_governor(&self) -> bool {
        self.has(Role::Admin)
    }

    /// A member of a certification body: offered the finance forms' routes, which the
    /// contract refuses unless they hold the finance role.
    pub fn is_body_member(&self) -> bool {
        self.org_kind() == Some(OrgKind::Certifier)
    }

    /// Issues the body's invoices and credit notes and imports its bank statements: a
    /// member of a certification body holding the finance role.
    pub fn is_finance(&self) -> bool {
        self.is_body_member() && self.has(Role::Finance)
    }

    /// Administers the organisation's members (certificate NodeOU `admin`).
    pub fn is_org_admin(&self) -> bool {
        self.who.node_ou == Some(NodeOu::Admin)
    }
}

/// A form that cannot become a request: which field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FormError {
    /// The form field.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl From<validate::ValidationError> for FormError {
    fn from(e: validate::ValidationError) -> Self {
        FormError { field: e.field.clone(), message: e.message.clone() }
    }
}

fn bad(field: &str, message: impl Into<String>) -> FormError {
    FormError { field: field.to_owned(), message: message.into() }
}

/// A form's fields (multiple values of one name joined by newlines, as the script
/// sends them).
pub type Form = HashMap<String, String>;

fn text<'a>(form: &'a Form, field: &str) -> &'a str {
    form.get(field).map(|s| s.trim()).unwrap_or("")
}

fn required<'a>(form: &'a Form, field: &str) -> Result<&'a str, FormError> {
    match text(form, field) {
        "" => Err(bad(field, "is required")),
        v => Ok(v),
    }
}

fn optional(form: &Form, field: &str) -> Option<String> {
    Some(text(form, field)).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn number<T: std::str::FromStr>(form: &Form, field: &str) -> Result<T, FormError> {
    required(form, field)?.parse().map_err(|_| bad(field, "is not a number"))
}

/// A percentage field as a fraction, divided in decimal: "56.7" is 0.567 as written (the
/// `f64` nearest to it), where `56.7 / 100.0` would be 0.5670000000000001,
/// which the contract refuses as more precise than a fraction may be.
fn percent_as_fraction(form: &Form, field: &str) -> Result<f64, FormError> {
    let percent: f64 = number(form, field)?;
    // `{percent}` is the shortest decimal that reads back as `percent`, never in exponent
    // form: moving its point two places is exact.
    format!("{percent}e-2").parse().map_err(|_| bad(field, "is not a number"))
}

fn shape(value: &str) -> Result<Shape, FormError> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| bad("shape", format!("{value:?} is not one of the shapes offered")))
}

/// The application in an apply form, validated as the contract validates it.
pub fn application(form: &Form) -> Result<Application, FormError> {
    let app = Application {
        product_name: required(form, "product_name")?.to_owned(),
        product_description: text(form, "product_description").to_owned(),
        gtin: optional(form, "gtin"),
        batch: required(form, "batch")?.to_owned(),
        supplier: required(form, "supplier")?.to_owned(),
        requested_validity_days: number(form, "requested_validity_days")?,
        nanomaterial: Nanomaterial {
            substance_name: required(form, "substance_name")?.to_owned(),
            cas_number: required(form, "cas_number")?.to_owned(),
            ec_number: optional(form, "ec_number"),
            particle_size: ParticleSizeDistribution {
                d10_nm: number(form, "d10_nm")?,
                d50_nm: number(form, "d50_nm")?,
                d90_nm: number(form, "d90_nm")?,
                fraction_1_100nm: percent_as_fraction(form, "fraction_1_100nm_percent")?,
            },
            shape: shape(required(form, "shape")?)?,
            surface_treatment: text(form, "surface_treatment").to_owned(),
            vssa_m2_per_cm3: number(form, "vssa_m2_per_cm3")?,
        },
        sds: sds(form)?,
        depends_on: text(form, "depends_on")
            .lines()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        client_ref: optional(form, "client_ref"),
    };
    validate::application(&app)?;
    Ok(app)
}

fn sds(form: &Form) -> Result<SafetyDataSheet, FormError> {
    let sds = SafetyDataSheet {
        url: required(form, "sds_url")?.to_owned(),
        sha256: required(form, "sds_sha256")
            .map_err(|_| bad("sds_sha256", "choose the SDS file so its SHA-256 can be computed"))?
            .to_lowercase(),
        revision: number(form, "sds_revision")?,
    };
    validate::safety_data_sheet("sds", &sds)?;
    Ok(sds)
}

fn reason(form: &Form) -> Result<String, FormError> {
    let reason = required(form, "reason")?;
    validate::text("reason", reason, 1000, true)?;
    Ok(reason.to_owned())
}

fn certificate_id(form: &Form) -> Result<String, FormError> {
    let id = required(form, "certificate_id")?;
    validate::certificate_id("certificate_id", id)?;
    Ok(id.to_owned())
}

/// A transaction a form asks for: the function, its one JSON argument, and the page
/// to show once it has committed.
#[derive(Debug, Clone, PartialEq)]
pub struct Intent {
    /// The contract function.
    pub function: Function,
    /// The JSON request.
    pub request: Vec<u8>,
    /// Where to go afterwards (`None`: the certificate the response names).
    pub done: Option<String>,
    /// The proposal's nonce when the request names its own transaction (an approval
    /// carrying its credential); `None`: a fresh one.
    pub nonce: Option<Vec<u8>>,
}

fn intent<R: serde::Serialize>(function: Function, request: &R, done: Option<String>) -> Result<Intent, FormError> {
    let request = serde_json::to_vec(request).map_err(|e| bad("form", e.to_string()))?;
    Ok(Intent { function, request, done, nonce: None })
}

/// The bytes of the hex field `field`, which must be `len` bytes long.
fn hex_bytes(form: &Form, field: &str, len: usize) -> Result<Vec<u8>, FormError> {
    hex::decode(required(form, field)?)
        .ok()
        .filter(|b| b.len() == len)
        .ok_or_else(|| bad(field, format!("is not {len} bytes in hex")))
}

/// The credential an approval or renewal carries, signed in the browser for the
/// transaction of the form's `nonce` (`/api/credential/issuing-terms` gave the terms),
/// and that nonce; `None` when the form has no `nonce` (a body without a status base
/// issues without a credential).
fn issued_credential(form: &Form) -> Result<Option<(IssuedCredential, Vec<u8>)>, FormError> {
    if optional(form, "nonce").is_none() {
        return Ok(None);
    }
    let nonce = hex_bytes(form, "nonce", NONCE_BYTES)?;
    let proof = <[u8; 64]>::try_from(hex_bytes(form, "proof_signature", 64)?.as_slice())
        .map_err(|_| bad("proof_signature", "is not 64 bytes in hex"))?;
    let credential = IssuedCredential {
        status_index: number(form, "status_index")?,
        status_base: required(form, "status_base")?.to_owned(),
        created: number(form, "credential_created")?,
        proof_value: nanotrace_model::credential::proof_value(&proof),
    };
    Ok(Some((credential, nonce)))
}

/// Where a page whose `done` holds this goes once committed: the slot is replaced by the
/// transaction's ID, and the session keeps the contract's response for that page (an
/// imported statement's report).
pub const TX_ID_SLOT: &str = "{tx_id}";

/// The page a statement import goes to: the billing page with the import's report.
pub fn statement_report_page() -> String {
    format!("/billing?statement={TX_ID_SLOT}")
}

fn optional_text(form: &Form, field: &str, max: usize) -> Result<Option<String>, FormError> {
    let value = optional(form, field);
    if let Some(v) = &value {
        validate::text(field, v, max, true)?;
    }
    Ok(value)
}

/// The body's finance forms (issue 75): an invoice for an accepted quote, a credit note
/// for an invoice, a camt.053 statement imported. Their requests are private: they
/// travel as the proposal's transient data.
fn finance(name: &str, form: &Form) -> Result<Intent, FormError> {
    let billing = Some("/billing".to_owned());
    match name {
        "issue-invoice" => {
            let req = IssueInvoiceRequest {
                certificate_id: certificate_id(form)?,
                buyer_reference: optional_text(form, "buyer_reference", validate::limits::MAX_NAME)?,
                note: optional_text(form, "note", validate::limits::MAX_REASON)?,
            };
            intent(Function::IssueInvoice, &req, billing)
        }
        "issue-credit-note" => {
            let invoice_number = required(form, "invoice_number")?.to_owned();
            validate::text("invoice_number", &invoice_number, 100, true)?;
            intent(
                Function::IssueCreditNote,
                &IssueCreditNoteRequest { invoice_number, reason: reason(form)? },
                billing,
            )
        }
        _ => {
            let camt053 = required(form, "camt053")
                .map_err(|_| bad("camt053", "choose the camt.053 statement file your bank delivered"))?;
            let req = ImportStatementRequest { camt053: camt053.to_owned() };
            intent(Function::ImportStatement, &req, Some(statement_report_page()))
        }
    }
}

/// The length of a proposal's nonce, as Fabric's clients draw it.
pub const NONCE_BYTES: usize = 24;

/// Why an action is not offered to this member (the route answers 404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotOffered;

/// The transaction of action `name` with `form`, if the console offers it to `viewer`.
pub fn build(name: &str, viewer: &Viewer, form: &Form) -> Result<Result<Intent, FormError>, NotOffered> {
    let cert_page = |id: &str| Some(format!("/certificates/{id}"));
    Ok(match name {
        "apply" if viewer.is_applicant() => application(form).and_then(|app| intent(Function::Apply, &app, None)),
        "update-sds" if viewer.is_applicant() => certificate_id(form).and_then(|id| {
            let req = UpdateSdsRequest { certificate_id: id.clone(), sds: sds(form)? };
            intent(Function::UpdateSds, &req, cert_page(&id))
        }),
        "attach-credential" if viewer.is_certifier() => certificate_id(form).and_then(|id| {
            let req = AttachCredentialRequest {
                certificate_id: id.clone(),
                status_base: required(form, "status_base")?.to_owned(),
                created: number(form, "created")?,
                // Empty: give a certificate issued before the status lists its position.
                proof_value: optional(form, "proof_value").unwrap_or_default(),
                position_signature: optional(form, "position_signature"),
                // A retired position (an earlier revision's credential) is moved from the CLI.
                new_position: false,
            };
            intent(Function::AttachCredential, &req, cert_page(&id))
        }),
        "approve" if viewer.is_certifier() => certificate_id(form).and_then(|id| {
            let credential = issued_credential(form)?;
            let req = ApproveRequest {
                certificate_id: id.clone(),
                issuer_key_id: required(form, "issuer_key_id")?.to_owned(),
                issued_at: number(form, "issued_at")?,
                valid_until: number(form, "valid_until")?,
                signature: required(form, "signature")?.to_owned(),
                credential: credential.as_ref().map(|(c, _)| c.clone()),
            };
            let out = intent(Function::Approve, &req, cert_page(&id))?;
            Ok(Intent { nonce: credential.map(|(_, n)| n), ..out })
        }),
        "renew" if viewer.is_certifier() => certificate_id(form).and_then(|id| {
            let credential = issued_credential(form)?;
            let req = RenewRequest {
                certificate_id: id,
                issuer_key_id: required(form, "issuer_key_id")?.to_owned(),
                issued_at: number(form, "issued_at")?,
                valid_until: number(form, "valid_until")?,
                signature: required(form, "signature")?.to_owned(),
                credential: credential.as_ref().map(|(c, _)| c.clone()),
            };
            // The new version's page (the response names it).
            let out = intent(Function::Renew, &req, None)?;
            Ok(Intent { nonce: credential.map(|(_, n)| n), ..out })
        }),
        "reject" | "suspend" | "revoke" | "reinstate" if viewer.is_certifier() => certificate_id(form).and_then(|id| {
            let reason = reason(form)?;
            let done = cert_page(&id);
            match name {
                "reject" => intent(Function::Reject, &ReasonRequest { certificate_id: id, reason }, done),
                "suspend" => intent(Function::Suspend, &ReasonRequest { certificate_id: id, reason }, done),
                "revoke" => intent(Function::Revoke, &ReasonRequest { certificate_id: id, reason }, done),
                _ => intent(Function::Reinstate, &ReinstateRequest { certificate_id: id, reason, resign: None }, done),
            }
        }),
        "grant-role" | "revoke-role" if viewer.is_governor() => (|| {
            // `identity` = "MSP|key|x509::…" from the roles page's list, or the three fields.
            let mut parts = text(form, "identity").splitn(3, '|');
            let (identity, key) = match (parts.next(), parts.next(), parts.next()) {
                (Some(msp), Some(key), Some(id)) => {
                    (Actor { msp_id: msp.to_owned(), id: id.to_owned() }, key.to_owned())
                }
                _ => (
                    Actor { msp_id: required(form, "msp_id")?.to_owned(), id: required(form, "actor_id")?.to_owned() },
                    text(form, "key").to_owned(),
                ),
            };
            validate::actor("actor", &identity)?;
            // A grant names the key that is to hold the role; a revocation takes it from
            // whichever key holds it.
            let key = if name == "grant-role" {
                validate::public_key_id("key", &key)?;
                Some(key)
            } else {
                None
            };
            let role: Role = serde_json::from_value(serde_json::Value::String(required(form, "role")?.to_owned()))
                .map_err(|_| bad("role", "is not a role"))?;
            let function = if name == "grant-role" { Function::GrantRole } else { Function::RevokeRole };
            intent(function, &RoleRequest { identity, role, key }, Some("/roles".into()))
        })(),
        // Offered to every member of a body: the contract alone decides who holds the
        // finance role (the page shows the forms to those who do).
        "issue-invoice" | "issue-credit-note" | "import-statement" if viewer.is_body_member() => finance(name, form),
        "retire-issuer-key" if viewer.is_governor() => (|| {
            let req = RetireIssuerKeyRequest { key_id: required(form, "key_id")?.to_owned(), reason: reason(form)? };
            intent(Function::RetireIssuerKey, &req, Some("/keys".into()))
        })(),
        _ => return Err(NotOffered),
    })
}

/// The registration of a certifier's requested issuer key, valid from `now` for
/// `days`.
pub fn register_key(request: &crate::registry::KeyRequest, now: i64, days: u32) -> Result<Intent, FormError> {
    let req = RegisterIssuerKeyRequest {
        public_key: request.public_key.clone(),
        holder: request.holder.clone(),
        valid_from: now,
        valid_until: now + i64::from(days) * DAY,
    };
    intent(Function::RegisterIssuerKey, &req, Some("/keys".into()))
}

/// What a certifier's issuer key signs to approve `cert` at `now` for `days` (default:
/// the validity the application asked for): the terms and the exact message.
pub fn approval_terms(
    cert: &Certificate,
    issuer_org: &str,
    key_id: &str,
    now: i64,
    days: Option<u32>,
) -> (i64, i64, Vec<u8>) {
    let days = days.unwrap_or(cert.application.requested_validity_days);
    let valid_until = now + i64::from(days) * DAY;
    let terms = IssuanceTerms { issuer_org, issuer_key_id: key_id, issued_at: now, valid_until, status_position: None };
    (now, valid_until, CanonicalCertificate::for_certificate(cert, &terms).signing_input())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(percent: &str) -> Form {
        Form::from([("p".to_owned(), percent.to_owned())])
    }

    #[test]
    fn a_percentage_becomes_the_fraction_written() {
        for (percent, fraction) in
            [("56.7", "0.567"), ("1.1", "0.011"), ("92", "0.92"), ("0.01", "0.0001"), ("100", "1"), ("0", "0")]
        {
            let expected: f64 = fraction.parse().expect("a number");
            assert_eq!(percent_as_fraction(&form(percent), "p"), Ok(expected), "{percent} %");
        }
        assert_ne!(56.7 / 100.0, 0.567, "dividing in binary would not do");
        assert_eq!(percent_as_fraction(&form("lots"), "p"), Err(bad("p", "is not a number")));
    }
}
