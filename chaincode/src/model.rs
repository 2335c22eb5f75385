//! The NanoTrace domain model: one definition of every record, request, response and
//! event, shared by the contract, the clients and the verifier.
//!
//! Times are Unix seconds (UTC) taken from transaction timestamps. Requests reject
//! unknown fields so that a typo never silently drops data.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Prefix of every certificate ID.
pub const CERTIFICATE_ID_PREFIX: &str = "NT-";
/// Number of base32 characters after the prefix.
pub const CERTIFICATE_ID_LEN: usize = 12;
/// Schema tag inside the canonical bytes, so a signature can never be replayed onto
/// another kind of document.
pub const CANONICAL_SCHEMA: &str = "nanotrace/certificate/v1";

/// A role granted by an admin to one identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Governs the system: roles, organisations, the issuer trust list.
    Admin,
    /// An accredited certifier: approves, rejects, suspends, reinstates, revokes, renews.
    Certifier,
    /// A regulator or customs officer: reads everything, changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Certifier, Role::Auditor];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Certifier => "certifier",
            Role::Auditor => "auditor",
        }
    }
}

/// What an organisation is to the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgKind {
    /// Its members may apply for certificates.
    Manufacturer,
    /// A certification body; its members may be granted the certifier role.
    Certifier,
    /// A regulator or customs authority; its members may be granted the auditor role.
    Regulator,
}

/// The lifecycle state stored on a certificate record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CertificateStatus {
    /// Applied for, waiting for a certifier.
    Pending,
    /// Refused by a certifier (final).
    Rejected,
    /// Issued and in force (it may still have expired: see [`Verdict`]).
    Active,
    /// Temporarily not in force.
    Suspended,
    /// Withdrawn for good (final).
    Revoked,
    /// Replaced by a newer version (final).
    Superseded,
}

impl CertificateStatus {
    pub const ALL: [CertificateStatus; 6] = [
        CertificateStatus::Pending,
        CertificateStatus::Rejected,
        CertificateStatus::Active,
        CertificateStatus::Suspended,
        CertificateStatus::Revoked,
        CertificateStatus::Superseded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Pending => "PENDING",
            CertificateStatus::Rejected => "REJECTED",
            CertificateStatus::Active => "ACTIVE",
            CertificateStatus::Suspended => "SUSPENDED",
            CertificateStatus::Revoked => "REVOKED",
            CertificateStatus::Superseded => "SUPERSEDED",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str().eq_ignore_ascii_case(s))
    }
    /// Whether no transition leaves this state.
    pub fn is_final(self) -> bool {
        matches!(self, CertificateStatus::Rejected | CertificateStatus::Revoked | CertificateStatus::Superseded)
    }
}

impl std::fmt::Display for CertificateStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer to "can I trust this certificate now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Valid,
    Expired,
    Suspended,
    Revoked,
    Superseded,
    Pending,
    Rejected,
    Unknown,
    /// Never produced by the contract: a verifier says it when it cannot vouch for its
    /// data (the ledger is unreachable or its cache is too old).
    Unverifiable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "VALID",
            Verdict::Expired => "EXPIRED",
            Verdict::Suspended => "SUSPENDED",
            Verdict::Revoked => "REVOKED",
            Verdict::Superseded => "SUPERSEDED",
            Verdict::Pending => "PENDING",
            Verdict::Rejected => "REJECTED",
            Verdict::Unknown => "UNKNOWN",
            Verdict::Unverifiable => "UNVERIFIABLE",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Particle size distribution by number, in nanometres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticleSizeDistribution {
    pub d10_nm: f64,
    pub d50_nm: f64,
    pub d90_nm: f64,
    /// Number fraction (0..=1) of particles with an external dimension in 1–100 nm.
    pub fraction_1_100nm: f64,
}

/// Particle shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    Spherical,
    Cubic,
    Rod,
    Fibre,
    Tube,
    Platelet,
    Irregular,
    Other,
}

/// The nanomaterial a product contains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nanomaterial {
    pub substance_name: String,
    /// CAS Registry Number, e.g. `13463-67-7`; the check digit is verified.
    pub cas_number: String,
    /// EC (EINECS/ELINCS) number, e.g. `236-675-5`; the check digit is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec_number: Option<String>,
    pub particle_size: ParticleSizeDistribution,
    pub shape: Shape,
    /// Surface treatment or functionalisation; empty when untreated.
    #[serde(default)]
    pub surface_treatment: String,
    /// Volume-specific surface area in m²/cm³.
    pub vssa_m2_per_cm3: f64,
}

/// The safety data sheet the certificate covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyDataSheet {
    pub url: String,
    /// Lowercase hex SHA-256 of the document.
    pub sha256: String,
    pub revision: u32,
}

/// What a manufacturer submits to apply for a certificate. The manufacturer itself is
/// never an argument: it is the applicant's organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    pub product_name: String,
    #[serde(default)]
    pub product_description: String,
    /// GS1 GTIN-8/12/13/14; the check digit is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// Batch or lot number.
    pub batch: String,
    pub supplier: String,
    /// Validity asked for, in days (1..=1826).
    pub requested_validity_days: u32,
    pub nanomaterial: Nanomaterial,
    pub sds: SafetyDataSheet,
    /// Certificates of supplier materials this product depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// The outcome of the EU nanomaterial definition (Commission Recommendation
/// 2022/C 229/01) for the declared data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NanomaterialAssessment {
    pub is_nanomaterial: bool,
    /// A sentence saying which criterion decided.
    pub basis: String,
    pub rule: String,
}

/// A Fabric identity: its MSP and its `x509::<subject>::<issuer>` ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub msp_id: String,
    pub id: String,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.msp_id, self.id)
    }
}

/// What a transaction did to a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Applied,
    Approved,
    Rejected,
    Suspended,
    Reinstated,
    Revoked,
    Renewed,
    Superseded,
    SdsUpdated,
    DependencyFlagged,
    DependencyCleared,
}

/// The last change made to a record: who, when, in which transaction, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub action: Action,
    pub actor: Actor,
    pub at: i64,
    pub tx_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The certifier's part of an issued certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuance {
    pub issuer_org: String,
    pub issuer_key_id: String,
    pub approved_by: Actor,
    pub issued_at: i64,
    pub valid_until: i64,
    /// Lowercase hex SHA-256 of the canonical bytes.
    pub digest: String,
    /// Lowercase hex Ed25519 signature of [`CanonicalCertificate::signing_input`].
    pub signature: String,
}

/// A supplier certificate this one depends on is no longer in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyFlag {
    pub supplier_certificate: String,
    pub supplier_status: CertificateStatus,
    pub reason: String,
    pub since: i64,
}

/// A certificate record, from application to its final state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    pub id: String,
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    pub status: CertificateStatus,
    /// Why the certificate is in its status (rejection, suspension, revocation reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// When the certificate entered its status.
    pub status_since: i64,
    pub manufacturer_msp: String,
    pub applicant: Actor,
    pub applied_at: i64,
    pub application: Application,
    pub assessment: NanomaterialAssessment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance: Option<Issuance>,
    /// Set when the data under the signature changed (a new SDS revision): the
    /// certificate can be reinstated only with a fresh signature.
    #[serde(default)]
    pub resign_required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<DependencyFlag>,
    pub last_change: Change,
}

impl Certificate {
    /// The version number and ID a renewal of this certificate gets (`None` when the
    /// version cannot grow). Known before the renewal is submitted, so the certifier
    /// can sign the renewed record offline; the contract and the client both use this.
    pub fn next_version(&self) -> Option<(u32, String)> {
        let version = self.version.checked_add(1)?;
        Some((version, crate::ids::renewal_id(&self.id, version)))
    }
}

/// The bytes a certifier signs: everything a verifier must be able to trust about an
/// issued certificate, in a fixed order, as compact JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanonicalCertificate {
    pub schema: String,
    pub id: String,
    pub version: u32,
    pub supersedes: Option<String>,
    pub manufacturer_msp: String,
    pub product_name: String,
    pub gtin: Option<String>,
    pub batch: String,
    pub substance_name: String,
    pub cas_number: String,
    pub is_nanomaterial: bool,
    pub sds_sha256: String,
    pub sds_revision: u32,
    /// Hex SHA-256 of the whole application's canonical JSON.
    pub application_digest: String,
    pub issuer_org: String,
    pub issuer_key_id: String,
    pub issued_at: i64,
    pub valid_until: i64,
}

/// The issuance terms a certifier chooses before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuanceTerms<'a> {
    pub issuer_org: &'a str,
    pub issuer_key_id: &'a str,
    pub issued_at: i64,
    pub valid_until: i64,
}

impl CanonicalCertificate {
    /// Builds the canonical form of a certificate issued on these terms. `id`,
    /// `version` and `supersedes` are those of the certificate being issued.
    pub fn new(
        id: &str,
        version: u32,
        supersedes: Option<&str>,
        manufacturer_msp: &str,
        application: &Application,
        assessment: &NanomaterialAssessment,
        terms: &IssuanceTerms<'_>,
    ) -> Self {
        CanonicalCertificate {
            schema: CANONICAL_SCHEMA.to_owned(),
            id: id.to_owned(),
            version,
            supersedes: supersedes.map(str::to_owned),
            manufacturer_msp: manufacturer_msp.to_owned(),
            product_name: application.product_name.clone(),
            gtin: application.gtin.clone(),
            batch: application.batch.clone(),
            substance_name: application.nanomaterial.substance_name.clone(),
            cas_number: application.nanomaterial.cas_number.clone(),
            is_nanomaterial: assessment.is_nanomaterial,
            sds_sha256: application.sds.sha256.clone(),
            sds_revision: application.sds.revision,
            application_digest: application_digest(application),
            issuer_org: terms.issuer_org.to_owned(),
            issuer_key_id: terms.issuer_key_id.to_owned(),
            issued_at: terms.issued_at,
            valid_until: terms.valid_until,
        }
    }

    /// The canonical certificate for an existing record with these terms.
    pub fn for_certificate(cert: &Certificate, terms: &IssuanceTerms<'_>) -> Self {
        Self::new(
            &cert.id,
            cert.version,
            cert.supersedes.as_deref(),
            &cert.manufacturer_msp,
            &cert.application,
            &cert.assessment,
            terms,
        )
    }

    /// The exact bytes that are hashed and signed.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising a struct of strings, integers and booleans cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Lowercase hex SHA-256 of [`Self::to_bytes`].
    pub fn digest_hex(&self) -> String {
        hex::encode(Sha256::digest(self.to_bytes()))
    }

    /// The message the certifier signs with Ed25519: the canonical bytes, through their
    /// SHA-256 digest, together with the fields an offline verifier must read in clear.
    /// See [`signing_input`].
    pub fn signing_input(&self) -> Vec<u8> {
        self.signing_input_with(&self.digest_hex())
    }

    /// [`CanonicalCertificate::signing_input`] when the digest is already at hand.
    pub fn signing_input_with(&self, digest_hex: &str) -> Vec<u8> {
        signing_input(&self.id, digest_hex, &self.issuer_key_id, self.issued_at, self.valid_until)
    }
}

/// The exact message an issuer signature covers:
/// `nanotrace/certificate/v1\n<id>\n<digest>\n<issuer key id>\n<issued_at>\n<valid_until>`.
/// The digest binds every other field of the canonical certificate; the clear fields let
/// an offline token (ID, digest, key, dates, signature) be checked without the record.
pub fn signing_input(id: &str, digest_hex: &str, issuer_key_id: &str, issued_at: i64, valid_until: i64) -> Vec<u8> {
    format!("{CANONICAL_SCHEMA}\n{id}\n{digest_hex}\n{issuer_key_id}\n{issued_at}\n{valid_until}").into_bytes()
}

/// Hex SHA-256 of an application's canonical JSON.
pub fn application_digest(application: &Application) -> String {
    let bytes = serde_json::to_vec(application).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

/// A registered organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub msp_id: String,
    pub name: String,
    pub kind: OrgKind,
    pub registered_at: i64,
}

/// A role assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub identity: Actor,
    pub role: Role,
    pub granted_by: Actor,
    pub granted_at: i64,
}

/// An entry of the issuer trust list: a certifier's Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerKey {
    /// `ik-` + the first 16 hex characters of SHA-256(public key).
    pub key_id: String,
    /// Lowercase hex of the 32-byte Ed25519 public key.
    pub public_key: String,
    /// The certifier allowed to sign with it.
    pub holder: Actor,
    pub valid_from: i64,
    pub valid_until: i64,
    pub registered_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_reason: Option<String>,
}

impl IssuerKey {
    /// Whether the key may sign a certificate issued at `at`.
    pub fn usable_at(&self, at: i64) -> bool {
        self.retired_at.is_none() && self.valid_from <= at && at <= self.valid_until
    }
}

/// The key ID of an Ed25519 public key.
pub fn issuer_key_id(public_key: &[u8]) -> String {
    let digest = Sha256::digest(public_key);
    format!("ik-{}", &hex::encode(digest)[..16])
}

/// The governance record written by `Bootstrap`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Governance {
    pub msp_id: String,
    pub bootstrapped_by: Actor,
    pub bootstrapped_at: i64,
}

// ---------------------------------------------------------------------------------------
// Requests. One JSON object per transaction, as the transaction's only argument.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BootstrapRequest {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterOrganizationRequest {
    pub msp_id: String,
    pub name: String,
    pub kind: OrgKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    pub identity: Actor,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterIssuerKeyRequest {
    /// Lowercase hex of the 32-byte Ed25519 public key.
    pub public_key: String,
    pub holder: Actor,
    pub valid_from: i64,
    pub valid_until: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetireIssuerKeyRequest {
    pub key_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyBatchRequest {
    pub applications: Vec<Application>,
}

/// A certifier's approval, carrying its Ed25519 signature over the canonical bytes of
/// the certificate issued on these terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    pub certificate_id: String,
    pub issuer_key_id: String,
    /// Must lie within [`crate::contract::MAX_CLOCK_SKEW_SECS`] of the transaction timestamp.
    pub issued_at: i64,
    pub valid_until: i64,
    /// Lowercase hex Ed25519 signature over [`CanonicalCertificate::signing_input`].
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveBatchRequest {
    pub approvals: Vec<ApproveRequest>,
}

/// Reject, suspend and revoke: a certificate and a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    pub certificate_id: String,
    pub reason: String,
}

/// A fresh signature over a certificate's current canonical bytes (after an SDS update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resignature {
    pub issuer_key_id: String,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReinstateRequest {
    pub certificate_id: String,
    pub reason: String,
    /// Required when the certificate's `resign_required` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resign: Option<Resignature>,
}

/// Renewal: a new version of an issued certificate, with a new ID
/// ([`crate::ids::renewal_id`]), signed by the certifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewRequest {
    pub certificate_id: String,
    pub issuer_key_id: String,
    pub issued_at: i64,
    pub valid_until: i64,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateSdsRequest {
    pub certificate_id: String,
    pub sds: SafetyDataSheet,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateIdRequest {
    pub certificate_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListByStatusRequest {
    pub status: CertificateStatus,
    #[serde(default)]
    pub page_size: u32,
    #[serde(default)]
    pub bookmark: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListByApplicantRequest {
    /// The manufacturer organisation; the caller's own when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msp_id: Option<String>,
    #[serde(default)]
    pub page_size: u32,
    #[serde(default)]
    pub bookmark: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyRequest {}

// ---------------------------------------------------------------------------------------
// Responses.
// ---------------------------------------------------------------------------------------

/// IDs created or changed by a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdsResponse {
    pub certificate_ids: Vec<String>,
}

/// A page of certificates and the bookmark of the next page ("" when done).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificatePage {
    pub certificates: Vec<Certificate>,
    pub bookmark: String,
}

/// The verdict on a certificate at the time of the query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub certificate_id: String,
    pub verdict: Verdict,
    /// Why, in words a person understands.
    pub reason: String,
    /// When the verdict's cause took effect (issue, suspension, revocation, expiry...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<i64>,
    /// The time the verdict was computed for (the query's transaction timestamp).
    pub checked_at: i64,
    /// The newer version, for SUPERSEDED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// Supplier certificates this one depends on that are no longer in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<DependencyFlag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
}

/// One entry of a certificate's audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub tx_id: String,
    pub timestamp: i64,
    pub action: Action,
    pub actor: Actor,
    pub status: CertificateStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Events.
// ---------------------------------------------------------------------------------------

/// The single chaincode event each transaction emits. Its name is [`Event::name`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificate_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CertificateStatus>,
    /// Certificates flagged because a supplier certificate they depend on changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flagged: Vec<String>,
    pub tx_id: String,
}

/// Event names.
pub mod events {
    pub const BOOTSTRAPPED: &str = "Bootstrapped";
    pub const ORGANIZATION_REGISTERED: &str = "OrganizationRegistered";
    pub const ROLE_GRANTED: &str = "RoleGranted";
    pub const ROLE_REVOKED: &str = "RoleRevoked";
    pub const ISSUER_KEY_REGISTERED: &str = "IssuerKeyRegistered";
    pub const ISSUER_KEY_RETIRED: &str = "IssuerKeyRetired";
    pub const CERTIFICATE_APPLIED: &str = "CertificateApplied";
    pub const CERTIFICATE_ISSUED: &str = "CertificateIssued";
    pub const CERTIFICATE_REJECTED: &str = "CertificateRejected";
    pub const CERTIFICATE_SUSPENDED: &str = "CertificateSuspended";
    pub const CERTIFICATE_REINSTATED: &str = "CertificateReinstated";
    pub const CERTIFICATE_REVOKED: &str = "CertificateRevoked";
    pub const CERTIFICATE_RENEWED: &str = "CertificateRenewed";
    pub const SDS_UPDATED: &str = "SdsUpdated";
}
