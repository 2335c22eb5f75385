//! The certificate contract: transactions, queries, roles and the certificate state
//! machine. Every function takes one JSON argument (a request from [`nanotrace_model`])
//! and returns JSON. Nothing here reads a clock, draws randomness or does I/O: time is
//! the transaction timestamp and new IDs come from the transaction ID.
//!
//! A dependency (`Application::depends_on`) means the supplier certificate in force:
//! `Apply` follows a renewed supplier along `superseded_by` to its current version,
//! records that version in the stored application, and refuses a supplier that is
//! PENDING, REJECTED or REVOKED (`VALIDATION` naming `depends_on[i]`); a SUSPENDED one
//! is accepted and flags the application at once.
//!
//! A supplier's change never writes its dependents, and a manufacturer never writes an
//! issued certificate: on Fabric each issued certificate's key is protected by the
//! issuing certification body's key-level endorsement policy. So dependency flags are
//! computed when a certificate is read (from its suppliers' current records, following
//! renewals), and an SDS revision the manufacturer declares with `UpdateSds` lives in its
//! own key ([`SdsRevision`], protected by the manufacturer's policy) and takes effect
//! whenever the certificate is read: a revision newer than the one the certifier signed
//! suspends an issued certificate until a certifier reinstates it with a fresh signature.
//! Every function works on that effective view, so the verdict is as strict as if the
//! records had been rewritten.
//!
//! One file per concern: [`CertificateContract::invoke`] decodes the call and dispatches
//! on the model's [`Function`] table (here); `tx` holds one transaction's view of the
//! ledger and the storage helpers; `authz` the authorization checks; `governance`,
//! `lifecycle`, `issuance`, `credential`, `billing`, `invoicing` and `queries` the functions themselves; `clientref` the client
//! references that make applications idempotent; `prefix` the GS1 Company Prefixes that
//! tie a GTIN to its manufacturer; `quorum` the qualified majority that guards every
//! governance key.

mod authz;
mod billing;
mod clientref;
mod credential;
mod governance;
mod invoicing;
mod issuance;
mod issuer_keys;
mod lifecycle;
mod prefix;
mod queries;
mod quorum;
mod signature_checks;
mod status_positions;
mod tx;

use crate::error::{ContractError, ContractResult, Reason};
use crate::identity::{parse_creator, Identity};
use crate::nanomaterial;
use authz::{role_key, Holding};
use ed25519_dalek::{Signature, VerifyingKey};
use nanotrace_model::signature::{sig, Signature as FunctionSignature};
use nanotrace_model::validate::{self, limits, ValidationError};
use nanotrace_model::*;
use nanotrace_shim::{create_composite_key, split_composite_key, EndorsementPolicy, Stub, StubError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tx::Tx;

/// How many renewals Apply follows from a named supplier certificate to its version in
/// force before it treats the chain as corrupt.
pub const MAX_RENEWALS_FOLLOWED: usize = 1_000;

/// How far (seconds) an approval's `issued_at` may lie from the transaction timestamp.
pub use nanotrace_model::MAX_CLOCK_SKEW_SECS;

// World-state keys and composite-key index names.
const GOVERNANCE_KEY: &str = "governance";
const ORG: &str = "org";
const ROLE: &str = "role";
const ISSUER_KEY: &str = "ikey";
const CERT: &str = "cert";
/// A certificate's state in the write-once layout (see [`CertificateState`]).
const CERT_STATE: &str = "cert~state";
const BY_STATUS: &str = "cert~status";
const BY_MANUFACTURER: &str = "cert~mfr";
const BY_PRODUCT: &str = "cert~product";
const DEPENDENTS: &str = "cert~dep";
const SDS: &str = "sds";
const CLIENT_REF: &str = "clientref";
/// A status-list position taken one by one (contract versions before ranges):
/// `status~<position>` → the certificate's ID.
const STATUS_POSITION: &str = "status";
/// A range of status-list positions reserved by one transaction: `status~range~<the bits
/// of its start above its size>` → [`issuance::StatusRange`] (see [`nanotrace_model::status`]).
const STATUS_RANGE: &str = "status~range";
/// A status list counted full (see [`nanotrace_model::status`]): `status~full~<list>` →
/// [`issuance::FullMark`]. Ranges are drawn in the lowest list without one.
const STATUS_FULL: &str = "status~full";
const INDEX_VALUE: &[u8] = &[0];

/// The NanoTrace certificate contract.
#[derive(Debug, Default, Clone, Copy)]
pub struct CertificateContract;

impl CertificateContract {
    /// Runs `function` with `args` (one JSON request; none for functions whose request
    /// is empty) and returns the JSON response.
    pub fn invoke(&self, stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> ContractResult<Vec<u8>> {
        let total: usize = args.iter().map(Vec::len).sum();
        if total > limits::MAX_ARGUMENT_BYTES {
            return Err(ContractError::BadRequest(format!(
                "arguments are {total} bytes; the limit is {} bytes",
                limits::MAX_ARGUMENT_BYTES
            )));
        }
        if function.is_empty() {
            return Err(ContractError::BadRequest(format!(
                "no function was named (a transaction's first argument is the function's name; known: {})",
                Function::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
            )));
        }
        let Some(function) = Function::from_name(function) else {
            return Err(ContractError::BadRequest(unknown_function_message(&truncate(function, 64))));
        };
        let mut tx = Tx::new(stub)?;
        let response = match function {
            Function::Bootstrap => call::<sig::Bootstrap>(args, true, |r| tx.bootstrap(r)),
            Function::RegisterOrganization => {
                call::<sig::RegisterOrganization>(args, false, |r| tx.register_organization(r))
            }
            Function::SetCompanyPrefixes => {
                call::<sig::SetCompanyPrefixes>(args, false, |r| tx.set_company_prefixes(r))
            }
            Function::RetireOrganization => call::<sig::RetireOrganization>(args, false, |r| tx.retire_organization(r)),
            Function::GrantRole => call::<sig::GrantRole>(args, false, |r| tx.grant_role(r)),
            Function::RevokeRole => call::<sig::RevokeRole>(args, false, |r| tx.revoke_role(r)),
            Function::ApproveRoleKey => call::<sig::ApproveRoleKey>(args, false, |r| tx.approve_role_key(r)),
            Function::RegisterIssuerKey => call::<sig::RegisterIssuerKey>(args, false, |r| tx.register_issuer_key(r)),
            Function::RetireIssuerKey => call::<sig::RetireIssuerKey>(args, false, |r| tx.retire_issuer_key(r)),
            Function::Apply => call::<sig::Apply>(args, false, |r| tx.apply(vec![r], false)),
            Function::ApplyBatch => call::<sig::ApplyBatch>(args, false, |r| tx.apply(r.applications, true)),
            Function::Approve => call::<sig::Approve>(args, false, |r| tx.approve(vec![r], false)),
            Function::ApproveBatch => call::<sig::ApproveBatch>(args, false, |r| tx.approve(r.approvals, true)),
            Function::Reject => call::<sig::Reject>(args, false, |r| tx.reject(r)),
            Function::Suspend => call::<sig::Suspend>(args, false, |r| tx.suspend(r)),
            Function::Reinstate => call::<sig::Reinstate>(args, false, |r| tx.reinstate(r)),
            Function::Revoke => call::<sig::Revoke>(args, false, |r| tx.revoke(r)),
            Function::Renew => call::<sig::Renew>(args, false, |r| tx.renew(r)),
            Function::UpdateSds => call::<sig::UpdateSds>(args, false, |r| tx.update_sds(r)),
            Function::AttachCredential => call::<sig::AttachCredential>(args, false, |r| tx.attach_credential(r)),
            Function::SetStatusBases => call::<sig::SetStatusBases>(args, false, |r| tx.set_status_bases(r)),
            Function::StatusPositions => call::<sig::StatusPositions>(args, false, |r| tx.status_positions(r)),
            Function::SetFeeSchedule => {
                let request = billing::private_request(&*tx.stub, args, function)?;
                call::<sig::SetFeeSchedule>(&[request], false, |r| tx.set_fee_schedule(r))
            }
            Function::FeeSchedules => call::<sig::FeeSchedules>(args, false, |r| tx.fee_schedules(r)),
            Function::IssueQuote => {
                let request = billing::private_request(&*tx.stub, args, function)?;
                call::<sig::IssueQuote>(&[request], false, |r| tx.issue_quote(r))
            }
            Function::AcceptQuote => {
                let request = billing::private_request(&*tx.stub, args, function)?;
                call::<sig::AcceptQuote>(&[request], false, |r| tx.accept_quote(r))
            }
            Function::GetQuote => call::<sig::GetQuote>(args, false, |r| tx.get_quote(r)),
            Function::SetBillingDetails => call::<sig::SetBillingDetails>(args, false, |r| tx.set_billing_details(r)),
            Function::IssueInvoice => {
                let request = billing::private_request(&*tx.stub, args, function)?;
                call::<sig::IssueInvoice>(&[request], false, |r| tx.issue_invoice(r))
            }
            Function::IssueCreditNote => {
                let request = billing::private_request(&*tx.stub, args, function)?;
                call::<sig::IssueCreditNote>(&[request], false, |r| tx.issue_credit_note(r))
            }
            Function::ImportStatement => {
                let request = billing::private_request(&*tx.stub, args, function)?;
                call::<sig::ImportStatement>(&[request], false, |r| tx.import_statement(r))
            }
            Function::Invoices => call::<sig::Invoices>(args, false, |r| tx.invoices(r)),
            Function::PrivateAnswer => call::<sig::PrivateAnswer>(args, false, |r| tx.private_answer(r)),
            Function::GetCertificate => call::<sig::GetCertificate>(args, false, |r| tx.get_certificate(r)),
            Function::GetCertificates => call::<sig::GetCertificates>(args, false, |r| tx.get_certificates(r)),
            Function::GetCertificateRecords => {
                call::<sig::GetCertificateRecords>(args, false, |r| tx.get_certificate_records(r))
            }
            Function::Verify => call::<sig::Verify>(args, false, |r| tx.verify(r)),
            Function::ListByStatus => call::<sig::ListByStatus>(args, false, |r| tx.list_by_status(r)),
            Function::ListByApplicant => call::<sig::ListByApplicant>(args, true, |r| tx.list_by_applicant(r)),
            Function::ListByProduct => call::<sig::ListByProduct>(args, false, |r| tx.list_by_product(r)),
            Function::History => call::<sig::History>(args, false, |r| tx.history(r)),
            Function::IssuerKeys => call::<sig::IssuerKeys>(args, true, |r| tx.issuer_keys(r)),
            Function::Organizations => call::<sig::Organizations>(args, true, |r| tx.organizations(r)),
            Function::WhoAmI => call::<sig::WhoAmI>(args, true, |r| tx.who_am_i(r)),
        }?;
        tx.finish()?;
        Ok(response)
    }
}

/// The state machine's guard: `cert` must be in one of the `allowed` statuses for
/// `action` (`needed` says which, in words, for the error).
fn require_status(
    cert: &Certificate,
    allowed: &[CertificateStatus],
    action: &'static str,
    needed: &'static str,
) -> ContractResult<()> {
    if allowed.contains(&cert.status) {
        Ok(())
    } else {
        Err(ContractError::InvalidTransition { id: cert.id.clone(), status: cert.status, action, needed })
    }
}

/// Runs a function's handler on its parsed request and encodes its response: the types
/// are the ones [`nanotrace_model::signature`] gives the function, which its published
/// JSON Schemas describe. With `optional`, no argument means `{}`.
fn call<S: FunctionSignature>(
    args: &[Vec<u8>],
    optional: bool,
    handler: impl FnOnce(S::Request) -> ContractResult<S::Response>,
) -> ContractResult<Vec<u8>> {
    respond(handler(parse_arg::<S::Request>(args, optional)?)?)
}

fn respond<T: Serialize>(value: T) -> ContractResult<Vec<u8>> {
    serde_json::to_vec(&value).map_err(|e| ContractError::Corrupt(format!("cannot encode response: {e}")))
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Reads the single JSON argument. With `optional`, no argument means `{}`.
fn parse_arg<T: DeserializeOwned>(args: &[Vec<u8>], optional: bool) -> ContractResult<T> {
    let bytes: &[u8] = match args {
        [] if optional => b"{}",
        [one] => one,
        _ => return Err(ContractError::BadRequest(format!("expected one JSON argument, got {}", args.len()))),
    };
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(ContractError::BadRequest(format!("argument is not valid UTF-8 (at byte {})", e.valid_up_to())));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ContractError::BadRequest(format!("malformed request: {}", explain(bytes, &e))))
}

/// Says what is wrong with a request that did not parse in words a caller can act on.
/// Every request is one JSON object, so a value of another kind (however deeply it
/// nests) is named as such rather than by serde's first type mismatch inside it.
fn explain(bytes: &[u8], e: &serde_json::Error) -> String {
    let kind = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Some("nothing"),
        Some(b'[') => Some("an array"),
        Some(b'"') => Some("a string"),
        Some(b't' | b'f') => Some("a boolean"),
        Some(b'n') => Some("null"),
        Some(b'-' | b'0'..=b'9') => Some("a number"),
        Some(_) => None,
    };
    if let Some(kind) = kind {
        return format!("the argument must be one JSON object ({{\"field\": value, …}}), got {kind}");
    }
    let message = e.to_string();
    // serde_json's words for a \u escape that is half of a UTF-16 surrogate pair.
    const LONE_SURROGATE: [&str; 3] =
        ["unexpected end of hex escape", "lone leading surrogate in hex escape", "invalid unicode code point"];
    if LONE_SURROGATE.iter().any(|m| message.contains(m)) {
        return format!(
            "a string is not valid Unicode: a \\u escape names half of a UTF-16 surrogate pair without the other \
             half (line {}, column {}; {message})",
            e.line(),
            e.column()
        );
    }
    if message.contains("recursion limit exceeded") {
        return format!("the request nests deeper than 128 levels ({message})");
    }
    message
}
