//! The authorization matrix: every contract function against every kind of caller, each
//! from a world in which the call would succeed for an authorised caller, plus the
//! separation-of-duties rules that the matrix alone does not show.

use ed25519_dalek::{Signer, SigningKey};
use nanotrace_chaincode::error::Reason;
use nanotrace_chaincode::identity::parse_creator;
use nanotrace_chaincode::{CertificateContract, ContractError};
use nanotrace_model::billing::{InvoiceRecord, PrivateAnswer, PrivateReceipt, Quote};
use nanotrace_model::FunctionKind;
use nanotrace_model::*;
use nanotrace_shim::Creator;
use nanotrace_testkit::*;
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

mod keys;
mod separation;

// ---------------------------------------------------------------------------------------
// The policy, as a table a reader can check against the contract's documentation.
// ---------------------------------------------------------------------------------------

const NOBODY: &[Who] = &[];
const ADMIN: &[Who] = &[Who::Admin];
const CERTIFIER: &[Who] = &[Who::Certifier];
/// The certification body's finance member (CertifierMSP), granted the finance role.
const FINANCE: &[Who] = &[Who::Finance];
/// Members of a registered manufacturer organisation, each for its own organisation.
const MANUFACTURERS: &[Who] = &[Who::Applicant, Who::OtherApplicant];
/// The organisation that owns the certificate (ManufacturerMSP).
const OWNER: &[Who] = &[Who::Applicant];
const OVERSIGHT: &[Who] = &[Who::Admin, Who::Certifier, Who::Auditor];
const OVERSIGHT_AND_OWNER: &[Who] = &[Who::Admin, Who::Certifier, Who::Auditor, Who::Applicant];
const PUBLIC: &[Who] = &Who::MATRIX;
/// Whoever holds a role.
const ROLE_HOLDERS: &[Who] = &[Who::Admin, Who::Certifier, Who::Finance, Who::Auditor];
/// The certification body's member and the manufacturer's: the two of a billing
/// collection (CertifierMSP and ManufacturerMSP).
const BILLING_PARTIES: &[Who] = &[Who::Certifier, Who::Finance, Who::Applicant];

/// Function → the callers (of [`Who::MATRIX`]) for whom it succeeds, and the error code
/// and reason token (`""` for none) everybody else gets. The token names the check that
/// refused, so deleting one check (a later check then refusing with the same code) fails
/// the matrix.
const POLICY: &[(&str, &[Who], &str, &str)] = &[
    // A governed world cannot be bootstrapped again, whoever asks.
    ("Bootstrap", NOBODY, "CONFLICT", ""),
    ("RegisterOrganization", ADMIN, "UNAUTHORIZED", Reason::RoleAdmin.as_str()),
    ("SetCompanyPrefixes", ADMIN, "UNAUTHORIZED", Reason::RoleAdmin.as_str()),
    ("RetireOrganization", ADMIN, "UNAUTHORIZED", Reason::RoleAdmin.as_str()),
    ("GrantRole", ADMIN, "UNAUTHORIZED", Reason::RoleAdmin.as_str()),
    ("RevokeRole", ADMIN, "UNAUTHORIZED", Reason::RoleAdmin.as_str()),
    // Whoever holds a role with its key may hand its roles to another key of its own.
    ("ApproveRoleKey", ROLE_HOLDERS, "UNAUTHORIZED", Reason::RoleAny.as_str()),
    ("RegisterIssuerKey", ADMIN, "UNAUTHORIZED", Reason::RoleAdmin.as_str()),
    ("RetireIssuerKey", ADMIN, "UNAUTHORIZED", Reason::RoleAdmin.as_str()),
    // Everybody else's own organisation is no registered manufacturer. (Each manufacturer
    // applies for a GTIN of its own: `request_by`.)
    ("Apply", MANUFACTURERS, "UNAUTHORIZED", Reason::ManufacturerRegistered.as_str()),
    ("ApplyBatch", MANUFACTURERS, "UNAUTHORIZED", Reason::ManufacturerRegistered.as_str()),
    ("Approve", CERTIFIER, "UNAUTHORIZED", Reason::RoleCertifier.as_str()),
    ("ApproveBatch", CERTIFIER, "UNAUTHORIZED", Reason::RoleCertifier.as_str()),
    ("Reject", CERTIFIER, "UNAUTHORIZED", Reason::RoleCertifier.as_str()),
    ("Suspend", CERTIFIER, "UNAUTHORIZED", Reason::RoleCertifier.as_str()),
    ("Reinstate", CERTIFIER, "UNAUTHORIZED", Reason::RoleCertifier.as_str()),
    ("Revoke", CERTIFIER, "UNAUTHORIZED", Reason::RoleCertifier.as_str()),
    ("Renew", CERTIFIER, "UNAUTHORIZED", Reason::RoleCertifier.as_str()),
    ("UpdateSds", OWNER, "UNAUTHORIZED", Reason::ManufacturerMember.as_str()),
    ("AttachCredential", CERTIFIER, "UNAUTHORIZED", Reason::RoleCertifier.as_str()),
    ("SetStatusBases", ADMIN, "UNAUTHORIZED", Reason::RoleAdmin.as_str()),
    ("StatusPositions", CERTIFIER, "UNAUTHORIZED", Reason::RoleCertifier.as_str()),
    // Billing: the certification body's certifier sets fees and quotes; what it charges
    // the manufacturer is theirs alone to read; the applicant accepts.
    ("SetFeeSchedule", CERTIFIER, "UNAUTHORIZED", Reason::RoleCertifier.as_str()),
    ("FeeSchedules", BILLING_PARTIES, "UNAUTHORIZED", Reason::BillingParty.as_str()),
    ("IssueQuote", CERTIFIER, "UNAUTHORIZED", Reason::RoleCertifier.as_str()),
    ("AcceptQuote", OWNER, "UNAUTHORIZED", Reason::ManufacturerMember.as_str()),
    ("GetQuote", BILLING_PARTIES, "UNAUTHORIZED", Reason::BillingParty.as_str()),
    // The legal data invoices state are the admin's to register; the body's finance
    // invoices, credits and imports statements; the invoices are the two parties' alone.
    ("SetBillingDetails", ADMIN, "UNAUTHORIZED", Reason::RoleAdmin.as_str()),
    ("IssueInvoice", FINANCE, "UNAUTHORIZED", Reason::RoleFinance.as_str()),
    ("IssueCreditNote", FINANCE, "UNAUTHORIZED", Reason::RoleFinance.as_str()),
    ("ImportStatement", FINANCE, "UNAUTHORIZED", Reason::RoleFinance.as_str()),
    ("Invoices", BILLING_PARTIES, "UNAUTHORIZED", Reason::BillingParty.as_str()),
    // With the receipt of the base world's invoice: an answer kept in the pair's
    // collection. (A body's books: `invoicing::a_statement_report_is_the_body_finances_alone`.)
    ("PrivateAnswer", BILLING_PARTIES, "UNAUTHORIZED", Reason::BillingParty.as_str()),
    ("GetCertificate", PUBLIC, "UNAUTHORIZED", ""),
    ("GetCertificates", PUBLIC, "UNAUTHORIZED", ""),
    ("GetCertificateRecords", PUBLIC, "UNAUTHORIZED", ""),
    ("Verify", PUBLIC, "UNAUTHORIZED", ""),
    ("ListByStatus", OVERSIGHT, "UNAUTHORIZED", Reason::RoleAny.as_str()),
    // With msp_id = ManufacturerMSP.
    ("ListByApplicant", OVERSIGHT_AND_OWNER, "UNAUTHORIZED", Reason::ManufacturerMember.as_str()),
    // With gtin = 4006381333931.
    ("ListByProduct", PUBLIC, "UNAUTHORIZED", ""),
    ("History", PUBLIC, "UNAUTHORIZED", ""),
    ("IssuerKeys", PUBLIC, "UNAUTHORIZED", ""),
    ("Organizations", PUBLIC, "UNAUTHORIZED", ""),
    ("WhoAmI", PUBLIC, "UNAUTHORIZED", ""),
];

/// Asserts that `err` is an `UNAUTHORIZED` refusal by the check `token`.
fn assert_reason(err: &ContractError, token: &str) {
    assert_eq!(err.code(), "UNAUTHORIZED", "{err}");
    assert_eq!(err.reason(), Some(token), "expected the check [{token}] to refuse: {err}");
    assert!(err.to_string().starts_with(&format!("UNAUTHORIZED: [{token}] ")), "{err}");
}

// ---------------------------------------------------------------------------------------
// The world every case starts from.
// ---------------------------------------------------------------------------------------

/// A governed world holding something for every function to act on: the certification
/// body's fee schedule for ManufacturerMSP set before its applications, and a quote for
/// `pending2`.
#[derive(Clone)]
struct Base {
    world: World,
    /// Two pending applications of ManufacturerMSP.
    pending: String,
    pending2: String,
    /// An active certificate issued by CertifierMSP (Certifier's key).
    active: String,
    /// A suspended certificate issued by CertifierMSP.
    suspended: String,
    /// A pending application whose quote the applicant accepted, not invoiced yet.
    accepted: String,
    /// Another such application, invoiced: its invoice's number and creditor reference.
    invoiced: String,
    invoice: String,
    invoice_reference: String,
    /// What issuing that invoice answered: where its answer is kept.
    invoice_receipt: PrivateReceipt,
}

/// An auditor granted in the base world, so that RevokeRole has something to revoke.
fn extra_auditor() -> Actor {
    Actor {
        msp_id: GOV_MSP.into(),
        id: "x509::CN=frank@regulator,OU=client,O=regulator.example.com::CN=frank@regulator,OU=client,O=regulator.example.com"
            .into(),
    }
}

/// A key no test identity's certificate certifies: whom the grants to identities
/// without a certificate name.
const OTHER_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// An identity nobody has granted anything yet.
fn new_auditor() -> Actor {
    Actor {
        msp_id: GOV_MSP.into(),
        id: "x509::CN=grace@regulator,OU=client,O=regulator.example.com::CN=grace@regulator,OU=client,O=regulator.example.com"
            .into(),
    }
}

/// A third issuer key (held by Certifier2), registered in the base world to be retired.
fn spare_key() -> SigningKey {
    SigningKey::from_bytes(&[10u8; 32])
}

/// A key nobody has registered yet.
fn fresh_key() -> SigningKey {
    SigningKey::from_bytes(&[11u8; 32])
}

fn key_id(key: &SigningKey) -> String {
    issuer_key_id(key.verifying_key().as_bytes())
}

fn base() -> Base {
    let mut w = World::governed();
    w.ok::<nanotrace_model::billing::FeeScheduleVersion>(Who::Certifier, "SetFeeSchedule", &fee_schedule_request());
    let pending = w.apply("LOT-PENDING");
    let pending2 = w.apply("LOT-PENDING-2");
    w.ok::<nanotrace_model::billing::Quote>(
        Who::Certifier,
        "IssueQuote",
        &IssueQuoteRequest { certificate_id: pending2.clone() },
    );
    w.enable_invoicing();
    let [accepted, invoiced] = ["LOT-ACCEPTED", "LOT-INVOICED"].map(|lot| {
        let id = w.apply(lot);
        w.ok::<Quote>(Who::Certifier, "IssueQuote", &IssueQuoteRequest { certificate_id: id.clone() });
        w.ok::<Quote>(
            Who::Applicant,
            "AcceptQuote",
            &QuoteRequest { certificate_id: id.clone(), body_msp: CERTIFIER_MSP.into() },
        );
        id
    });
    let out = w.submit(Who::Finance, "IssueInvoice", &invoice_request(&invoiced)).expect("invoiced");
    let invoice_receipt: PrivateReceipt = serde_json::from_slice(&out).expect("a billing write answers a receipt");
    let invoice: InvoiceRecord = match w.evaluate(Who::Finance, "PrivateAnswer", &invoice_receipt) {
        Ok(PrivateAnswer::Invoice(invoice)) => invoice,
        other => panic!("the invoice's answer: {other:?}"),
    };
    let invoice_reference =
        invoice.document.payment_means.as_ref().expect("an invoice says how to pay").creditor_reference.to_string();
    let active = w.issue("LOT-ACTIVE");
    let suspended = w.issue("LOT-SUSPENDED");
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&suspended, "lab audit"));
    w.ok::<RoleGrant>(
        Who::Admin,
        "GrantRole",
        &RoleRequest { identity: extra_auditor(), role: Role::Auditor, key: Some(OTHER_KEY.into()) },
    );
    w.ok::<IssuerKey>(
        Who::Admin,
        "RegisterIssuerKey",
        &RegisterIssuerKeyRequest {
            public_key: hex::encode(spare_key().verifying_key().as_bytes()),
            holder: actor(Who::Certifier2),
            valid_from: T0 - DAY,
            valid_until: T0 + 365 * DAY,
        },
    );
    Base {
        world: w,
        pending,
        pending2,
        active,
        suspended,
        accepted,
        invoiced,
        invoice: invoice.number,
        invoice_reference,
        invoice_receipt,
    }
}

fn invoice_request(certificate_id: &str) -> IssueInvoiceRequest {
    IssueInvoiceRequest { certificate_id: certificate_id.into(), buyer_reference: None, note: None }
}

/// The sample fees, with decisions not waiting for payment: every application of the
/// base world can be approved (the gate has its tests in `invoicing`).
fn fee_schedule_request() -> SetFeeScheduleRequest {
    let mut schedule = sample_fee_schedule();
    schedule.payment_before_decision = false;
    SetFeeScheduleRequest { manufacturer_msp: MANUFACTURER_MSP.into(), schedule }
}

fn json(value: impl Serialize) -> Value {
    serde_json::to_value(value).expect("encode request")
}

/// A request to `function` that succeeds in `b` for an authorised caller.
fn request(b: &Base, function: &str) -> Value {
    let w = &b.world;
    match function {
        "Bootstrap" => json(BootstrapRequest {}),
        "RegisterOrganization" => json(RegisterOrganizationRequest {
            msp_id: "NewcomerMSP".into(),
            name: "Newcomer Nano GmbH".into(),
            kind: OrgKind::Manufacturer,
            without_peers: false,
            billing: None,
        }),
        "SetCompanyPrefixes" => json(SetCompanyPrefixesRequest {
            msp_id: MANUFACTURER_MSP.into(),
            prefixes: vec![nanotrace_model::sample::MANUFACTURER_COMPANY_PREFIX.into(), "4006399".into()],
        }),
        "RetireOrganization" => json(RetireOrganizationRequest {
            msp_id: OTHER_MANUFACTURER_MSP.into(),
            reason: "left the consortium".into(),
        }),
        "GrantRole" => json(RoleRequest { identity: new_auditor(), role: Role::Auditor, key: Some(OTHER_KEY.into()) }),
        "RevokeRole" => json(RoleRequest { identity: extra_auditor(), role: Role::Auditor, key: None }),
        "ApproveRoleKey" => json(ApproveRoleKeyRequest { key: OTHER_KEY.into() }),
        "RegisterIssuerKey" => json(RegisterIssuerKeyRequest {
            public_key: hex::encode(fresh_key().verifying_key().as_bytes()),
            holder: actor(Who::Certifier),
            valid_from: T0,
            valid_until: T0 + 365 * DAY,
        }),
        "RetireIssuerKey" => json(RetireIssuerKeyRequest { key_id: key_id(&spare_key()), reason: "rotation".into() }),
        "Apply" => json(sample_application("LOT-NEW")),
        "ApplyBatch" => json(ApplyBatchRequest {
            applications: vec![sample_application("LOT-NEW-1"), sample_application("LOT-NEW-2")],
        }),
        "Approve" => json(w.approval(Who::Certifier, &b.pending)),
        "ApproveBatch" => json(ApproveBatchRequest {
            approvals: vec![w.approval(Who::Certifier, &b.pending), w.approval(Who::Certifier, &b.pending2)],
        }),
        "Reject" => json(World::reason(&b.pending, "SDS incomplete")),
        "Suspend" => json(World::reason(&b.active, "lab audit")),
        "Reinstate" => {
            json(ReinstateRequest { certificate_id: b.suspended.clone(), reason: "audit passed".into(), resign: None })
        }
        "Revoke" => json(World::reason(&b.active, "contamination")),
        "Renew" => json(w.renewal(Who::Certifier, &b.active)),
        "UpdateSds" => {
            let mut sds = w.cert(&b.active).application.sds;
            sds.revision += 1;
            sds.sha256 = "b".repeat(64);
            json(UpdateSdsRequest { certificate_id: b.active.clone(), sds })
        }
        "AttachCredential" => json(w.credential_attachment(Who::Certifier, &b.active)),
        "SetStatusBases" => json(SetStatusBasesRequest {
            msp_id: CERTIFIER_MSP.into(),
            status_bases: vec![STATUS_BASE.into(), "https://verify2.nanotrace.example".into()],
        }),
        "StatusPositions" => json(StatusPositionsRequest { tx_id: test_tx_id(1), count: 3 }),
        "SetFeeSchedule" => json(fee_schedule_request()),
        "FeeSchedules" => {
            json(BillingPairRequest { body_msp: CERTIFIER_MSP.into(), manufacturer_msp: MANUFACTURER_MSP.into() })
        }
        "IssueQuote" => json(IssueQuoteRequest { certificate_id: b.pending.clone() }),
        "AcceptQuote" | "GetQuote" => {
            json(QuoteRequest { certificate_id: b.pending2.clone(), body_msp: CERTIFIER_MSP.into() })
        }
        "SetBillingDetails" => {
            let mut details = sample_manufacturer_billing();
            details.party.street = "Industriestraße 7".into();
            json(SetBillingDetailsRequest { msp_id: MANUFACTURER_MSP.into(), details })
        }
        "IssueInvoice" => json(invoice_request(&b.accepted)),
        "IssueCreditNote" => {
            json(IssueCreditNoteRequest { invoice_number: b.invoice.clone(), reason: "application withdrawn".into() })
        }
        "ImportStatement" => {
            let iban = sample_body_billing().account.expect("the body's account").iban;
            json(ImportStatementRequest {
                camt053: camt053_statement("STMT-1", &iban, &[("1737.40", b.invoice_reference.as_str())]),
            })
        }
        "Invoices" => {
            json(BillingPairRequest { body_msp: CERTIFIER_MSP.into(), manufacturer_msp: MANUFACTURER_MSP.into() })
        }
        "PrivateAnswer" => json(b.invoice_receipt.clone()),
        "GetCertificate" | "Verify" | "History" => json(CertificateIdRequest { certificate_id: b.active.clone() }),
        "GetCertificates" | "GetCertificateRecords" => {
            json(CertificateIdsRequest { certificate_ids: vec![b.active.clone()] })
        }
        "ListByStatus" => {
            json(ListByStatusRequest { status: CertificateStatus::Active, page_size: 0, bookmark: String::new() })
        }
        "ListByApplicant" => json(ListByApplicantRequest {
            msp_id: Some(MANUFACTURER_MSP.into()),
            page_size: 0,
            bookmark: String::new(),
        }),
        "ListByProduct" => json(ListByProductRequest { gtin: "4006381333931".into(), batch: None }),
        "IssuerKeys" | "Organizations" | "WhoAmI" => json(EmptyRequest {}),
        other => panic!("no request for {other}: add one to request()"),
    }
}

/// The request `who` sends to `function`: [`request`]'s, except that an application names
/// a GTIN of the caller's own organisation, as each manufacturer applies for its own
/// products (a GTIN outside its GS1 Company Prefixes is refused: `chaincode/tests/it/prefix.rs`).
fn request_by(b: &Base, function: &str, who: Who) -> Value {
    if who != Who::OtherApplicant {
        return request(b, function);
    }
    match function {
        "Apply" => json(other_application("LOT-NEW")),
        "ApplyBatch" => json(ApplyBatchRequest {
            applications: vec![other_application("LOT-NEW-1"), other_application("LOT-NEW-2")],
        }),
        _ => request(b, function),
    }
}

fn kind_of(function: &str) -> FunctionKind {
    nanotrace_model::Function::from_name(function).expect("known function").kind()
}

/// What happened when `who` called `function`.
#[derive(Debug)]
enum Outcome {
    /// Succeeded; for a submit, whether the state changed and one block was added.
    Done { changed: bool },
    /// Failed; whether state and height stayed as they were.
    Refused { error: ContractError, unchanged: bool },
}

fn call(w: &mut World, who: Who, function: &str, req: &Value) -> Outcome {
    // The public state and the private data: a billing function writes only the latter.
    let snapshot = |w: &World| (w.ledger.snapshot(), w.ledger.private_snapshot());
    let before = snapshot(w);
    let height = w.ledger.height();
    let result = match kind_of(function) {
        FunctionKind::Submit => w.submit(who, function, req).map(|_| ()),
        FunctionKind::Evaluate => w.evaluate::<_, Value>(who, function, req).map(|_| ()),
    };
    let unchanged = snapshot(w) == before && w.ledger.height() == height;
    match result {
        Ok(()) => Outcome::Done {
            changed: match kind_of(function) {
                FunctionKind::Submit => snapshot(w) != before && w.ledger.height() == height + 1,
                FunctionKind::Evaluate => unchanged,
            },
        },
        Err(error) => Outcome::Refused { error, unchanged },
    }
}

/// Checks one cell of the matrix; `None` when it matches the policy.
fn check_cell(b: &Base, function: &str, who: Who, allowed: bool, refused_code: &str, token: &str) -> Option<String> {
    let req = request_by(b, function, who);
    let mut w = b.world.clone();
    match (call(&mut w, who, function, &req), allowed) {
        (Outcome::Done { changed: true }, true) => None,
        (Outcome::Done { changed: false }, true) => {
            Some(format!("{function} by {who:?}: succeeded but the state did not change as a submit/evaluate should"))
        }
        (Outcome::Done { .. }, false) => Some(format!("{function} by {who:?}: succeeded, expected {refused_code}")),
        (Outcome::Refused { error, .. }, true) => {
            Some(format!("{function} by {who:?}: refused ({error}), expected success"))
        }
        (Outcome::Refused { error, unchanged }, false) => {
            let mut problems = Vec::new();
            if error.code() != refused_code {
                problems.push(format!("got {error}, expected {refused_code}"));
            }
            let expected_reason = (!token.is_empty()).then_some(token);
            if error.reason() != expected_reason {
                problems.push(format!("got {error}, expected the reason [{token}]"));
            }
            if !unchanged {
                problems.push("the refused call changed the state or the height".to_owned());
            }
            (!problems.is_empty()).then(|| format!("{function} by {who:?}: {}", problems.join("; ")))
        }
    }
}

#[test]
fn the_policy_table_covers_every_function_exactly_once() {
    let table: Vec<&str> = POLICY.iter().map(|(f, _, _, _)| *f).collect();
    let unique: BTreeSet<&str> = table.iter().copied().collect();
    assert_eq!(unique.len(), table.len(), "a function appears twice in POLICY: {table:?}");
    let functions: BTreeSet<&str> = FUNCTIONS.iter().map(|(f, _)| *f).collect();
    let missing: Vec<&&str> = functions.difference(&unique).collect();
    let extra: Vec<&&str> = unique.difference(&functions).collect();
    assert!(missing.is_empty(), "functions without a row in POLICY: {missing:?}");
    assert!(extra.is_empty(), "rows in POLICY for functions the contract does not have: {extra:?}");
}

#[test]
fn authorization_matrix() {
    let b = base();
    let mut mismatches = Vec::new();
    let mut cells = 0;
    for (function, allowed, refused_code, token) in POLICY {
        for who in Who::MATRIX {
            cells += 1;
            if let Some(problem) = check_cell(&b, function, who, allowed.contains(&who), refused_code, token) {
                mismatches.push(problem);
            }
        }
    }
    assert_eq!(cells, FUNCTIONS.len() * Who::MATRIX.len());
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells of the authorization matrix differ from the policy:\n  {}",
        mismatches.len(),
        mismatches.join("\n  ")
    );
}

/// The results that authorised reads return are the ones the policy is about.
#[test]
fn authorised_reads_return_the_right_records() {
    let b = base();
    let w = &b.world;
    for who in OVERSIGHT_AND_OWNER {
        let page: CertificatePage = w
            .evaluate(*who, "ListByApplicant", &request(&b, "ListByApplicant"))
            .unwrap_or_else(|e| panic!("{who:?}: {e}"));
        let ids: BTreeSet<String> = page.certificates.into_iter().map(|c| c.id).collect();
        let expected: BTreeSet<String> =
            [&b.pending, &b.pending2, &b.accepted, &b.invoiced, &b.active, &b.suspended].into_iter().cloned().collect();
        assert_eq!(ids, expected, "ListByApplicant by {who:?}");
    }
    // Applicant without msp_id: its own organisation.
    let own: CertificatePage =
        w.evaluate(Who::Applicant, "ListByApplicant", &ListByApplicantRequest::default()).expect("own");
    assert_eq!(own.certificates.len(), 6);
    let other: CertificatePage =
        w.evaluate(Who::OtherApplicant, "ListByApplicant", &ListByApplicantRequest::default()).expect("other's own");
    assert!(other.certificates.is_empty());
    let me: nanotrace_model::WhoAmI = w.evaluate(Who::Unknown, "WhoAmI", &EmptyRequest {}).expect("whoami");
    assert!(me.roles.is_empty());
    assert!(me.organization.is_none());
    assert_eq!(me.identity, actor(Who::Unknown));
}
