//! Requests: one JSON object per transaction, as the transaction's only argument.
//! Requests reject unknown fields so that a typo never silently drops data.

use crate::records::*;
use serde::{Deserialize, Serialize};

/// Argument of `Bootstrap`: nothing; the caller's organisation becomes the governance organisation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BootstrapRequest {}

/// Argument of `RegisterOrganization`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterOrganizationRequest {
    /// The organisation's MSP ID: 1 to 128 characters of `A-Z a-z 0-9 . _ -`, not yet registered.
    pub msp_id: String,
    /// Display name (required, at most 200 characters).
    pub name: String,
    /// What the organisation is; decides which roles its members can be granted.
    pub kind: OrgKind,
    /// It runs no peers: a member of the channel whose members use another organisation's
    /// gateway. Its records then carry no key-level policy naming its own peer (which
    /// could never endorse): they stay under the chaincode policy, any two organisations
    /// that run peers. Absent: false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub without_peers: bool,
    /// Its billing details (legal data, a body's account), which invoices state; they
    /// can be set later with `SetBillingDetails`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<crate::billing::BillingDetails>,
}

/// Argument of `RetireOrganization`, sent by an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RetireOrganizationRequest {
    /// The registered organisation (not the governing one).
    pub msp_id: String,
    /// Why, shown with its certificates (e.g. "accreditation withdrawn by the national
    /// accreditation body"; required, one line, at most 1,000 characters).
    pub reason: String,
}

/// Argument of `SetCompanyPrefixes`: the GS1 Company Prefixes a manufacturer holds, all
/// of them (the list replaces the one before; an empty list takes every prefix away).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SetCompanyPrefixesRequest {
    /// The registered manufacturer organisation.
    pub msp_id: String,
    /// Its prefixes: 4 to 12 digits each, at most 100, none overlapping another of the
    /// list or a prefix of another organisation ([`crate::prefix`]).
    pub prefixes: Vec<String>,
}

/// Argument of `GrantRole` and `RevokeRole`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// The identity to grant the role to or take it from.
    pub identity: Actor,
    /// The role: `admin` only for members of the governance organisation, `certifier` for
    /// members of a certification body, `auditor` for members of a regulator.
    pub role: Role,
    /// The key that is to hold the role — [`crate::ids::public_key_id`] of the grantee's
    /// certificate's public key (64 lowercase hex; `WhoAmI` tells each member theirs).
    /// Required by `GrantRole`: granting a role the identity already holds under another
    /// key moves it to this key (a member who lost their key). Optional for `RevokeRole`,
    /// where it must be the key holding the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Argument of `ApproveRoleKey`: the caller, signing with the key that holds its roles,
/// hands them to another key of the same identity (a re-enrolled certificate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ApproveRoleKeyRequest {
    /// The new key: [`crate::ids::public_key_id`] of the new certificate's public key.
    pub key: String,
}

/// Argument of `RegisterIssuerKey`: a certifier's key for the trust list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterIssuerKeyRequest {
    /// Lowercase hex of the 32-byte Ed25519 public key.
    pub public_key: String,
    /// The certifier allowed to sign with the key; must hold the certifier role.
    pub holder: Actor,
    /// Start of the key's validity window, Unix seconds.
    pub valid_from: i64,
    /// End of the key's validity window, Unix seconds; after `valid_from`.
    pub valid_until: i64,
}

/// Argument of `RetireIssuerKey`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RetireIssuerKeyRequest {
    /// Trust-list ID of the key (`ik-` + 16 hex).
    pub key_id: String,
    /// Why the key is retired (required, at most 1000 characters; lines separated by U+000A).
    pub reason: String,
}

/// Argument of `ApplyBatch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplyBatchRequest {
    /// 1 to 1000 applications; the `n`-th gets the `n`-th ID of the transaction, and all
    /// are recorded or none.
    pub applications: Vec<Application>,
}

/// A certifier's approval, carrying its Ed25519 signature over the canonical bytes of
/// the certificate issued on these terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// The `PENDING` certificate to issue.
    pub certificate_id: String,
    /// The caller's own key on the trust list, usable at `issued_at`.
    pub issuer_key_id: String,
    /// Start of validity, Unix seconds; must lie within 10 minutes of the transaction
    /// timestamp (the contract's `MAX_CLOCK_SKEW_SECS`).
    pub issued_at: i64,
    /// End of validity, Unix seconds: after `issued_at` and at most the application's
    /// `requested_validity_days` later.
    pub valid_until: i64,
    /// Lowercase hex Ed25519 signature over
    /// [`CanonicalCertificate::signing_input`](crate::CanonicalCertificate::signing_input):
    /// with `credential`, of the terms with [`IssuanceTerms::status_position`](crate::IssuanceTerms::status_position)
    /// set to the credential's `status_index` (schema
    /// [`POSITIONED_SCHEMA`](crate::POSITIONED_SCHEMA)); without, of the certificate alone.
    pub signature: String,
    /// The proof of the issued certificate's credential, recorded in the same transaction
    /// ([`IssuedCredential`]). Absent: the certificate is issued without one (requests of
    /// clients before it; its certifier records it with `AttachCredential`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<IssuedCredential>,
}

/// The credential of the certificate an issuing transaction (`Approve`, `ApproveBatch`,
/// `Renew`, a re-signing `Reinstate`) issues, signed before it is submitted, so that one
/// transaction issues the certificate and records its credential: the contract checks the
/// proof against the certificate as that transaction leaves it, and the issuance signature
/// over the terms with the credential's position
/// ([`IssuanceTerms::status_position`](crate::IssuanceTerms::status_position)), with the
/// same issuer key, and refuses the whole transaction (nothing written) when either does
/// not verify. The position needs no signature of its own: the issuance signature binds it.
///
/// The credential names the certificate's status-list position and the issuing
/// transaction's ID. The position is the one the contract gives the certificate in that
/// transaction, drawn from its transaction ID ([`crate::status`]): a client chooses the
/// transaction ID (its proposal's nonce) first, asks `StatusPositions` which positions a
/// transaction of that ID would be given, signs for them, and submits with that nonce. If
/// another transaction reserved the range meanwhile, the contract gives another position
/// and refuses with `CONFLICT: [status.position_taken] …`
/// ([`status::POSITION_TAKEN`](crate::status::POSITION_TAKEN)), writing nothing: the client
/// signs again under a new transaction ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IssuedCredential {
    /// The status-list position the credential names: the one this transaction gives the
    /// certificate (for a re-signed `Reinstate` whose certificate keeps its position, that
    /// position).
    pub status_index: u32,
    /// The verifier URL the credential's status entries name: one of the issuing
    /// organisation's [`Organization::status_bases`].
    pub status_base: String,
    /// The proof's `created`, Unix seconds, within 10 minutes of the transaction
    /// timestamp.
    pub created: i64,
    /// The proof's `proofValue` (`z` + base58btc of the 64-byte Ed25519 signature).
    pub proof_value: String,
}

/// Argument of `StatusPositions` (certifiers): the status-list positions a transaction of
/// ID `tx_id` that issues `count` certificates would give them, on the ledger as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusPositionsRequest {
    /// The transaction ID the client will submit under (64 lowercase hex: SHA-256 of its
    /// proposal's nonce and creator).
    pub tx_id: String,
    /// How many certificates the transaction issues: 1 to 1000.
    pub count: u32,
}

/// Argument of `ApproveBatch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ApproveBatchRequest {
    /// 1 to 1000 approvals, each of a different certificate; all are issued or none.
    pub approvals: Vec<ApproveRequest>,
}

/// Reject, suspend and revoke: a certificate and a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// The certificate to act on.
    pub certificate_id: String,
    /// Why (required, at most 1000 characters; lines separated by U+000A); becomes the certificate's `status_reason`.
    pub reason: String,
}

/// A fresh signature over a certificate's current canonical bytes (after an SDS update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Resignature {
    /// The caller's own key on the trust list, usable at the transaction time.
    pub issuer_key_id: String,
    /// Lowercase hex Ed25519 signature over
    /// [`CanonicalCertificate::signing_input`](crate::CanonicalCertificate::signing_input)
    /// of the certificate as it is now, with its existing issuer organisation and validity
    /// and this key; with `credential`, also with its `status_index` as
    /// [`IssuanceTerms::status_position`](crate::IssuanceTerms::status_position).
    pub signature: String,
    /// The proof of the re-signed certificate's credential, recorded in the same
    /// transaction ([`IssuedCredential`]): it names the position this transaction gives
    /// the certificate when it had a recorded credential (the old position is retired),
    /// else its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<IssuedCredential>,
}

/// Argument of `Reinstate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReinstateRequest {
    /// The `SUSPENDED` certificate to put back in force.
    pub certificate_id: String,
    /// Why (required, at most 1000 characters; lines separated by U+000A); recorded in the change, not as a status reason.
    pub reason: String,
    /// Required when the certificate's `resign_required` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resign: Option<Resignature>,
}

/// Renewal: a new version of an issued certificate, with a new ID
/// ([`crate::ids::renewal_id`]), signed by the certifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RenewRequest {
    /// The `ACTIVE` (possibly expired) certificate to renew.
    pub certificate_id: String,
    /// The caller's own key on the trust list, usable at `issued_at`.
    pub issuer_key_id: String,
    /// Start of the new version's validity, Unix seconds, within 10 minutes of the
    /// transaction timestamp.
    pub issued_at: i64,
    /// End of the new version's validity, Unix seconds: after `issued_at` and at most the
    /// requested validity later.
    pub valid_until: i64,
    /// Lowercase hex Ed25519 signature over the new version's signing input: its ID from
    /// [`Certificate::next_version`], the next version number, and `supersedes` set to the
    /// old ID; with `credential`, also its `status_index` as
    /// [`IssuanceTerms::status_position`](crate::IssuanceTerms::status_position).
    pub signature: String,
    /// The proof of the new version's credential, recorded in the same transaction
    /// ([`IssuedCredential`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<IssuedCredential>,
}

/// Argument of `UpdateSds`, sent by a member of the manufacturer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateSdsRequest {
    /// A `PENDING`, `ACTIVE` or `SUSPENDED` certificate of the caller's organisation.
    pub certificate_id: String,
    /// The new sheet; its revision must be higher than the current one.
    pub sds: SafetyDataSheet,
}

/// Argument of `AttachCredential`, sent by a certifier of the issuing certification body:
/// the proof of the certificate's Verifiable Credential, made with the issuer key that
/// signed its issuance over the credential
/// [`credential::unsigned`](crate::credential::unsigned) builds from the certificate as the
/// ledger holds it, naming the status lists under `status_base`.
///
/// A certificate issued before the status lists has no position in them, so no
/// credential can name one yet: a request with an empty `proof_value` gives it its
/// position (and records no credential); the certifier then signs the credential that
/// names it ([`credential::position_request`](crate::credential::position_request)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AttachCredentialRequest {
    /// An `ACTIVE` certificate issued by the caller's organisation.
    pub certificate_id: String,
    /// The verifier URL the credential's status entries name (http or https, no query,
    /// no fragment, no trailing slash): one of the issuing organisation's
    /// [`Organization::status_bases`].
    pub status_base: String,
    /// The proof's `created`, Unix seconds, within 10 minutes of the transaction
    /// timestamp.
    pub created: i64,
    /// The proof's `proofValue` (`z` + base58btc of the 64-byte Ed25519 signature); empty
    /// (or absent) only to give a certificate without a status-list position its position.
    #[serde(default)]
    pub proof_value: String,
    /// Hex of the issuer key's 64-byte Ed25519 signature of
    /// [`status::position_signing_input`](crate::status::position_signing_input) of the
    /// certificate's ID and status-list position, with a proof only: recorded with it
    /// ([`CredentialProof::position_signature`](crate::CredentialProof::position_signature))
    /// for the offline token. Absent: the proof is recorded without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_signature: Option<String>,
    /// With an empty `proof_value`: moves a certificate that has a position to a new one,
    /// retiring the old ([`Certificate::retired_status_indexes`](crate::Certificate::retired_status_indexes):
    /// its revocation bit is set) and dropping the recorded credential, for the certifier
    /// to sign the credential anew. For certificates signed again before a new signature
    /// moved them by itself, whose earlier revision's credential shares their position.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new_position: bool,
}

/// Argument of `SetStatusBases`, sent by an admin: the verifier URLs a certification
/// body's credentials may name for their status lists (replacing those it had).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SetStatusBasesRequest {
    /// A registered certification body.
    pub msp_id: String,
    /// Each an http or https URL with no query, fragment or trailing slash, each once;
    /// at most [`credential::MAX_STATUS_BASES`](crate::credential::MAX_STATUS_BASES).
    /// Empty: its credentials may name none (no new credential until it has one).
    pub status_bases: Vec<String>,
}

/// Argument of `GetCertificate`, `Verify` and `History`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CertificateIdRequest {
    /// The certificate asked about (`NT-` + 12 base32 characters).
    pub certificate_id: String,
}

/// Argument of `GetCertificates`: 1 to [`crate::validate::limits::MAX_BATCH`] IDs; the
/// answer has their records in the same order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CertificateIdsRequest {
    /// The certificates asked about (`NT-` + 12 base32 characters each).
    pub certificate_ids: Vec<String>,
}

/// Argument of `ListByStatus` (certifiers, admins and auditors only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ListByStatusRequest {
    /// The status to list, e.g. `PENDING` for the approval queue.
    pub status: CertificateStatus,
    /// Certificates per page, at most 1000; 0 (the default) means 100.
    #[serde(default)]
    pub page_size: u32,
    /// Empty for the first page, then the bookmark the previous page returned.
    #[serde(default)]
    pub bookmark: String,
}

/// Argument of `ListByApplicant`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ListByApplicantRequest {
    /// The manufacturer organisation; the caller's own when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msp_id: Option<String>,
    /// Certificates per page, at most 1000; 0 (the default) means 100.
    #[serde(default)]
    pub page_size: u32,
    /// Empty for the first page, then the bookmark the previous page returned.
    #[serde(default)]
    pub bookmark: String,
}

/// Argument of `IssuerKeys` and `WhoAmI` (which may also be called with no argument).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EmptyRequest {}

/// Request for `ListByProduct` (the GS1 Digital Link resolver).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ListByProductRequest {
    /// The product's GTIN.
    pub gtin: String,
    /// The batch (lot); every batch of the GTIN when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
}

/// Argument of `SetFeeSchedule`, in the proposal's transient data
/// ([`billing::PRIVATE_REQUEST`](crate::billing::PRIVATE_REQUEST)): the caller's
/// certification body's fees for one manufacturer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SetFeeScheduleRequest {
    /// A registered manufacturer.
    pub manufacturer_msp: String,
    /// The fees.
    pub schedule: crate::billing::FeeSchedule,
}

/// Argument of `FeeSchedules`: a certification body and a manufacturer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BillingPairRequest {
    /// The certification body.
    pub body_msp: String,
    /// The manufacturer.
    pub manufacturer_msp: String,
}

/// Argument of `IssueQuote`, in the proposal's transient data: the caller's
/// certification body quotes one pending application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueQuoteRequest {
    /// The application (a PENDING certificate).
    pub certificate_id: String,
}

/// Argument of `SetBillingDetails`, sent by an admin: a registered organisation's billing
/// details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SetBillingDetailsRequest {
    /// The registered organisation.
    pub msp_id: String,
    /// Its details (replacing any before).
    pub details: crate::billing::BillingDetails,
}

/// Argument of `IssueInvoice`, in the proposal's transient data: the caller's
/// certification body invoices the accepted quote of one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueInvoiceRequest {
    /// The application its body quoted and its applicant accepted.
    pub certificate_id: String,
    /// The buyer's reference (BT-10), e.g. the manufacturer's order or cost centre.
    /// Absent: the application's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_reference: Option<String>,
    /// A note printed on the invoice (BT-22).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Argument of `IssueCreditNote`, in the proposal's transient data: the caller's
/// certification body credits one of its invoices in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueCreditNoteRequest {
    /// The invoice's number.
    pub invoice_number: String,
    /// Why, printed on the credit note (e.g. "application withdrawn"; one line, at most
    /// 1,000 characters).
    pub reason: String,
}

/// Argument of `ImportStatement`, in the proposal's transient data: one camt.053 bank
/// statement of the caller's body's account, as the bank delivered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportStatementRequest {
    /// The statement's XML (ISO 20022 camt.053).
    pub camt053: String,
}

/// Argument of `AcceptQuote` (in the proposal's transient data) and `GetQuote`: one
/// body's quote for one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The application.
    pub certificate_id: String,
    /// The certification body that quoted it.
    pub body_msp: String,
}
