//! The records the contract keeps on the ledger: organisations, roles, issuer keys,
//! applications and certificates.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Seconds in a day (validity periods are given in days).
pub const DAY: i64 = 86_400;

/// A role granted by an admin to one identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Governs the system: roles, organisations, the issuer trust list.
    Admin,
    /// An accredited certifier: approves, rejects, suspends, reinstates, revokes, renews.
    Certifier,
    /// A regulator or customs officer: reads everything, changes nothing.
    Auditor,
    /// A certification body's finance staff: issues its invoices and credit notes and
    /// imports its bank statements (paid certification).
    Finance,
}

impl Role {
    /// Every role, in the order `WhoAmI` reports them.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Certifier, Role::Auditor, Role::Finance];
    /// The lowercase name used in JSON and in role-grant keys (`admin`, `certifier`,
    /// `auditor`, `finance`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Certifier => "certifier",
            Role::Auditor => "auditor",
            Role::Finance => "finance",
        }
    }
}

/// What an organisation is to the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// Every status, in lifecycle order.
    pub const ALL: [CertificateStatus; 6] = [
        CertificateStatus::Pending,
        CertificateStatus::Rejected,
        CertificateStatus::Active,
        CertificateStatus::Suspended,
        CertificateStatus::Revoked,
        CertificateStatus::Superseded,
    ];
    /// The uppercase name used in JSON, in the status index and in messages (`PENDING`...).
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
    /// The status named `s`, ignoring ASCII case; `None` for an unknown name.
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// Issued, in force and within its validity period.
    Valid,
    /// Issued and not withdrawn, but `now` is past its `valid_until`.
    Expired,
    /// Suspended by its certifier (or by a new SDS revision awaiting review).
    Suspended,
    /// Revoked for good.
    Revoked,
    /// Replaced by a renewal; see
    /// [`Verification::superseded_by`](crate::Verification::superseded_by).
    Superseded,
    /// Applied for; no certifier has decided yet.
    Pending,
    /// The application was refused.
    Rejected,
    /// No such certificate on the ledger (or its record is inconsistent).
    Unknown,
    /// The record says the certificate is in force, but no certifier's signature vouches
    /// for it: the issuance signature does not verify over the record as it stands, or
    /// its key is not one the trust list says the issuing organisation held at the
    /// issuance time ([`crate::authenticity::check_issuance`]). A record written by
    /// peers that did not run the contract, or changed on disk.
    Untrusted,
    /// Never produced by the contract: a verifier says it when it cannot vouch for its
    /// data (the ledger is unreachable or its cache is too old).
    Unverifiable,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 10] = [
        Verdict::Valid,
        Verdict::Expired,
        Verdict::Suspended,
        Verdict::Revoked,
        Verdict::Superseded,
        Verdict::Pending,
        Verdict::Rejected,
        Verdict::Unknown,
        Verdict::Untrusted,
        Verdict::Unverifiable,
    ];

    /// The uppercase name used in JSON and shown to people (`VALID`, `EXPIRED`...).
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
            Verdict::Untrusted => "UNTRUSTED",
            Verdict::Unverifiable => "UNVERIFIABLE",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Particle size distribution by number, in nanometres. New applications give each value
/// within its range and precision ([`crate::validate::quantities`]); records written
/// before those were checked are read as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ParticleSizeDistribution {
    /// 10th percentile of the number distribution, in nm: 0.1 to 1 000 000, at most 3
    /// decimals.
    pub d10_nm: f64,
    /// Median (50th percentile) of the number distribution, in nm: at least `d10_nm`, at
    /// most 3 decimals.
    pub d50_nm: f64,
    /// 90th percentile of the number distribution, in nm: at least `d50_nm`, at most
    /// 1 000 000, at most 3 decimals.
    pub d90_nm: f64,
    /// Number fraction of particles with an external dimension in 1–100 nm: 0 to 1 (0.5 is
    /// 50 %), at most 4 decimals; never negative zero.
    pub fraction_1_100nm: f64,
}

/// Particle shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// Roughly equiaxed, round particles.
    Spherical,
    /// Roughly equiaxed, angular particles.
    Cubic,
    /// Elongated particles (nanorods).
    Rod,
    /// Elongated, high-aspect-ratio particles (nanofibres, nanowires).
    Fibre,
    /// Hollow elongated particles (e.g. nanotubes).
    Tube,
    /// Flat particles (nanoplates, flakes).
    Platelet,
    /// No regular shape.
    Irregular,
    /// A shape none of the others describes.
    Other,
}

/// The nanomaterial a product contains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Nanomaterial {
    /// Name of the substance, e.g. `titanium dioxide` (required, one line of at most 200
    /// characters).
    pub substance_name: String,
    /// CAS Registry Number, e.g. `13463-67-7`; the check digit is verified.
    pub cas_number: String,
    /// EC (EINECS/ELINCS) number, e.g. `236-675-5`; the check digit is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec_number: Option<String>,
    /// Declared particle size distribution; decides the EU assessment with the VSSA.
    pub particle_size: ParticleSizeDistribution,
    /// Dominant particle shape.
    pub shape: Shape,
    /// Surface treatment or functionalisation (one line of at most 200 characters); empty
    /// when untreated.
    #[serde(default)]
    pub surface_treatment: String,
    /// Volume-specific surface area in m²/cm³: 0.001 to 10 000, at most 3 decimals.
    pub vssa_m2_per_cm3: f64,
}

/// The safety data sheet the certificate covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SafetyDataSheet {
    /// Where the document can be fetched: an `http` or `https` URL, without credentials.
    pub url: String,
    /// Lowercase hex SHA-256 of the document.
    pub sha256: String,
    /// Revision number, from 1; `UpdateSds` only accepts a higher one.
    pub revision: u32,
}

/// What a manufacturer submits to apply for a certificate. The manufacturer itself is
/// never an argument: it is the applicant's organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// Product name as it appears on the certificate (required, one line of at most 200
    /// characters: no line break of any kind).
    pub product_name: String,
    /// Free-text description (at most 4000 characters, lines separated by U+000A); empty
    /// when not given.
    #[serde(default)]
    pub product_description: String,
    /// GS1 GTIN-8/12/13/14; the check digit is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// Batch or lot number (required, one line of at most 200 characters).
    pub batch: String,
    /// Name of the supplier of the nanomaterial (required, one line of at most 200
    /// characters).
    pub supplier: String,
    /// Validity asked for, in days (1..=1826).
    pub requested_validity_days: u32,
    /// The nanomaterial the product contains; assessed against the EU definition.
    pub nanomaterial: Nanomaterial,
    /// The safety data sheet the certificate covers.
    pub sds: SafetyDataSheet,
    /// Certificates of supplier materials this product depends on. On the ledger these
    /// are the versions in force when the application was made: `Apply` resolves a
    /// renewed (superseded) certificate to its current version and refuses pending,
    /// rejected and revoked ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// The submitter's own reference for this application (1 to 128 characters of
    /// `A-Z a-z 0-9 . _ : -`), unique per manufacturer organisation. The contract records
    /// it ([`ClientReference`]); submitting an application again under the same reference
    /// creates nothing and answers with the certificate the first submission created
    /// (`repeated` in the response), and a different application under a reference
    /// already used is refused as `CONFLICT`. Absent: every submission is a new
    /// application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ref: Option<String>,
}

/// The outcome of the EU nanomaterial definition (Commission Recommendation
/// 2022/C 229/01) for the declared data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NanomaterialAssessment {
    /// Whether the declared data meet the definition.
    pub is_nanomaterial: bool,
    /// A sentence saying which criterion decided.
    pub basis: String,
    /// The rule applied (`EU 2022/C 229/01`).
    pub rule: String,
}

/// A Fabric identity: its MSP and its `x509::<subject>::<issuer>` ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The identity's MSP (organisation) ID, e.g. `AcmeMSP`.
    pub msp_id: String,
    /// `x509::<subject DN>::<issuer DN>` of its certificate, as Fabric's client-identity
    /// library writes it.
    pub id: String,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.msp_id, self.id)
    }
}

/// What a transaction did to a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// `Apply` / `ApplyBatch` created the record.
    Applied,
    /// `Approve` / `ApproveBatch` issued it.
    Approved,
    /// `Reject` refused the application.
    Rejected,
    /// `Suspend` took it out of force.
    Suspended,
    /// `Reinstate` put it back in force.
    Reinstated,
    /// `Revoke` withdrew it for good.
    Revoked,
    /// `Renew` created this record as a new version of an older one.
    Renewed,
    /// `Renew` replaced this record by a new version.
    Superseded,
    /// `UpdateSds` recorded a new safety data sheet revision.
    SdsUpdated,
    /// `AttachCredential` recorded the proof of the certificate's Verifiable Credential.
    CredentialSigned,
    /// `AttachCredential` (with no proof) gave a certificate issued before the status
    /// lists its status-list position, so that its credential can name it.
    StatusPositionAssigned,
    /// A supplier certificate it depends on was suspended or revoked. Written only by
    /// contract versions that stored dependency flags; flags are now computed when the
    /// certificate is read (see [`Certificate::flags`]), so a supplier's change no longer
    /// writes its dependents.
    DependencyFlagged,
    /// A supplier certificate it depends on was reinstated, and its flag removed (like
    /// [`Action::DependencyFlagged`], no longer written).
    DependencyCleared,
}

/// The last change made to a record: who, when, in which transaction, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Change {
    /// What was done.
    pub action: Action,
    /// The identity whose transaction did it.
    pub actor: Actor,
    /// Transaction timestamp, Unix seconds.
    pub at: i64,
    /// ID of the transaction.
    pub tx_id: String,
    /// The reason given (reject, suspend, reinstate, revoke) or recorded by the contract
    /// (SDS update, dependency flags, supersession); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The certifier's part of an issued certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Issuance {
    /// MSP ID of the certification body that issued it (the approving certifier's organisation).
    pub issuer_org: String,
    /// Trust-list ID (`ik-` + 16 hex) of the key that made [`Issuance::signature`].
    pub issuer_key_id: String,
    /// The certifier who approved (or last re-signed) it.
    pub approved_by: Actor,
    /// Start of validity, Unix seconds, chosen by the certifier within 10 minutes of the
    /// transaction timestamp.
    pub issued_at: i64,
    /// End of validity, Unix seconds; the verdict is EXPIRED after it.
    pub valid_until: i64,
    /// Lowercase hex SHA-256 of the canonical bytes.
    pub digest: String,
    /// Lowercase hex Ed25519 signature of
    /// [`CanonicalCertificate::signing_input`](crate::CanonicalCertificate::signing_input).
    pub signature: String,
    /// The transaction that issued it (the approval, or the renewal that created this
    /// version; a later re-signature keeps it); absent in records written before contract
    /// versions kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_id: Option<String>,
    /// The status-list position [`Issuance::signature`] binds
    /// ([`crate::canonical::POSITIONED_SCHEMA`]): the certificate's position when the
    /// transaction that signed it also recorded its credential. Absent for a signature of
    /// the certificate alone (its credential, if any, carries
    /// [`CredentialProof::position_signature`] instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_position: Option<u32>,
}

/// What the ledger keeps of a certificate's Verifiable Credential: what its proof was made
/// with, and the proof's signature. The credential itself is rebuilt from the certificate
/// ([`crate::credential::unsigned`]) whenever it is served, so the record stays small and
/// every verifier serves the same credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CredentialProof {
    /// The verifier URL the credential's status entries name
    /// ([`crate::status::list_url`]): the consortium's public verifier when it was signed.
    pub status_base: String,
    /// The proof's `created`, Unix seconds.
    pub created: i64,
    /// The proof's `proofValue`: `z` + base58btc of the Ed25519 signature.
    pub proof_value: String,
    /// Hex of the same issuer key's Ed25519 signature of
    /// [`crate::status::position_signing_input`] (the certificate's ID and status-list
    /// position), recorded with the proof: the offline token then carries the position and
    /// this signature (layout 2), so a scan with no network reads the certificate's own
    /// bits in the saved status lists. `None` in proofs recorded without it (their tokens
    /// keep layout 1, which cannot show a revocation offline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_signature: Option<String>,
}

/// A supplier certificate this one depends on is no longer in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DependencyFlag {
    /// ID of the supplier certificate.
    pub supplier_certificate: String,
    /// Its status when the flag was set (`SUSPENDED` or `REVOKED`).
    pub supplier_status: CertificateStatus,
    /// The supplier certificate's status reason.
    pub reason: String,
    /// When the supplier certificate left force, Unix seconds.
    pub since: i64,
}

/// A certificate record, from application to its final state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Certificate {
    /// `NT-` + 12 base32 characters; see [`crate::ids`].
    pub id: String,
    /// 1 for an application; each renewal adds 1.
    pub version: u32,
    /// ID of the previous version, for a renewal; absent for version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// ID of the version that replaced this one; set when the status is `SUPERSEDED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// Where the certificate stands in its lifecycle.
    pub status: CertificateStatus,
    /// Why the certificate is in its status (rejection, suspension, revocation reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// When the certificate entered its status.
    pub status_since: i64,
    /// MSP ID of the manufacturer: the applicant's organisation.
    pub manufacturer_msp: String,
    /// The identity that applied (kept by renewals).
    pub applicant: Actor,
    /// Time of the original application, Unix seconds (kept by renewals).
    pub applied_at: i64,
    /// What the manufacturer applied with; `sds` changes with `UpdateSds`.
    pub application: Application,
    /// The EU nanomaterial assessment made when the application was recorded.
    pub assessment: NanomaterialAssessment,
    /// The certifier's part; absent while `PENDING` and for `REJECTED` applications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance: Option<Issuance>,
    /// Set when the data under the signature changed (the manufacturer declared a newer
    /// SDS revision, see [`SdsRevision`]): the certificate can be reinstated only with a
    /// fresh signature.
    #[serde(default)]
    pub resign_required: bool,
    /// Its position in the status lists ([`crate::status`]), given by the contract when it
    /// is first issued; `None` before that, and for certificates issued before the lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_index: Option<u32>,
    /// The proof of the certificate's Verifiable Credential ([`crate::credential`]), made
    /// by its issuer key and recorded with `AttachCredential`; `None` until then, and
    /// cleared when the certificate is signed again (a reinstatement with a fresh
    /// signature), since the credential it proved is no longer the certificate's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<CredentialProof>,
    /// The status-list positions of earlier revisions' credentials, oldest first: when
    /// the certificate is signed again (a reinstatement with a fresh signature) while a
    /// credential was recorded, or when its certifier moves it to a new position
    /// (`AttachCredential` with `new_position`), its position is retired here and it gets
    /// a new one. Every retired position's revocation bit is set, so a credential or an
    /// offline token of an earlier revision fails a status check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired_status_indexes: Vec<u32>,
    /// One flag per supplier certificate in [`Application::depends_on`] whose version in
    /// force (following renewals along `superseded_by`) is currently suspended or
    /// revoked. Computed by the contract each time the certificate is read, from the
    /// suppliers' current records; never stored, so a supplier's change never has to
    /// write its dependents (which another certification body may protect).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<DependencyFlag>,
    /// The safety data sheet the certifier's signature covers, when the manufacturer has
    /// since declared a newer revision that replaced [`Application::sds`] (an issued
    /// certificate suspended for the review, see [`SdsRevision`]). Computed by the
    /// contract each time the certificate is read; never stored. A reader publishes it
    /// only once the issuance signature verifies with it in place
    /// ([`crate::published_sds`]), so a peer cannot pass a link off as reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_sds: Option<SafetyDataSheet>,
    /// The last transaction that changed the record; [`HistoryEntry`](crate::HistoryEntry)
    /// reads it from each version.
    pub last_change: Change,
}

impl Certificate {
    /// Whether the certificate's current status-list position is signed by its issuer key
    /// — by the issuance signature itself ([`Issuance::status_position`]) or by the
    /// credential's [`CredentialProof::position_signature`] — so that its offline token
    /// carries it (layout 3 or 2).
    pub fn position_signed(&self) -> bool {
        let Some(position) = self.status_index else { return false };
        self.issuance.as_ref().and_then(|i| i.status_position) == Some(position)
            || self.credential.as_ref().is_some_and(|p| p.position_signature.is_some())
    }

    /// The version number and ID a renewal of this certificate gets (`None` when the
    /// version cannot grow). Known before the renewal is submitted, so the certifier
    /// can sign the renewed record offline; the contract and the client both use this.
    pub fn next_version(&self) -> Option<(u32, String)> {
        let version = self.version.checked_add(1)?;
        Some((version, crate::ids::renewal_id(&self.id, version)))
    }
}

/// What changes of a certificate after its application: everything a decision writes.
///
/// The contract keeps a certificate in two keys (the "write-once" layout): the record as
/// applied, written once by `Apply` (its stored status is always `PENDING`), and this
/// state, written by the decision (approval or rejection) and every transition after it.
/// The certificate every reader sees is the record with its state laid over it
/// ([`Certificate::with_state`]). A record written by contract versions before this layout
/// holds its whole certificate and has no state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CertificateState {
    /// See [`Certificate::status`].
    pub status: CertificateStatus,
    /// See [`Certificate::status_reason`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// See [`Certificate::status_since`].
    pub status_since: i64,
    /// See [`Certificate::superseded_by`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// The SDS revision the certificate now covers, when a re-signing reinstatement took
    /// a declared revision into it (the record keeps the one applied with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sds: Option<SafetyDataSheet>,
    /// See [`Certificate::issuance`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance: Option<Issuance>,
    /// See [`Certificate::resign_required`].
    #[serde(default)]
    pub resign_required: bool,
    /// See [`Certificate::status_index`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_index: Option<u32>,
    /// See [`Certificate::credential`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<CredentialProof>,
    /// See [`Certificate::retired_status_indexes`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired_status_indexes: Vec<u32>,
    /// See [`Certificate::last_change`].
    pub last_change: Change,
    /// The transaction whose status-index list names this certificate under its status:
    /// the one that last moved it there (the contract lists the certificates a
    /// transaction moves into a status under one key per transaction and status). `None`:
    /// the transaction of `last_change`, which is the usual case. Only a hint: a list that
    /// does not name the certificate means it has its own index key (states written before
    /// these lists, and moves an SDS declaration made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_in: Option<String>,
}

impl Certificate {
    /// What of this certificate a decision or transition writes (see [`CertificateState`]);
    /// `applied` is the SDS revision of the record as applied, so the state names the
    /// certificate's SDS only when it differs.
    pub fn state(&self, applied: &SafetyDataSheet) -> CertificateState {
        CertificateState {
            status: self.status,
            status_reason: self.status_reason.clone(),
            status_since: self.status_since,
            superseded_by: self.superseded_by.clone(),
            sds: (self.application.sds != *applied).then(|| self.application.sds.clone()),
            issuance: self.issuance.clone(),
            resign_required: self.resign_required,
            status_index: self.status_index,
            credential: self.credential.clone(),
            retired_status_indexes: self.retired_status_indexes.clone(),
            last_change: self.last_change.clone(),
            listed_in: None,
        }
    }

    /// The record as applied with `state` laid over it: the certificate as it stands.
    pub fn with_state(mut self, state: CertificateState) -> Certificate {
        self.status = state.status;
        self.status_reason = state.status_reason;
        self.status_since = state.status_since;
        self.superseded_by = state.superseded_by;
        if let Some(sds) = state.sds {
            self.application.sds = sds;
        }
        self.issuance = state.issuance;
        self.resign_required = state.resign_required;
        self.status_index = state.status_index;
        self.credential = state.credential;
        self.retired_status_indexes = state.retired_status_indexes;
        self.last_change = state.last_change;
        self
    }
}

/// The newest safety data sheet revision a manufacturer declared for a certificate with
/// `UpdateSds`. It lives in its own key, protected by the manufacturer organisation's
/// endorsement policy, because the certificate's key is protected by the issuing
/// certification body's: the manufacturer cannot write it. Whenever the contract reads
/// the certificate, a declared revision newer than the one in the certificate's
/// application takes effect: it replaces the application's `sds` and, on an issued
/// certificate, suspends it (`resign_required`) until a certifier reinstates it with a
/// fresh signature over the new canonical bytes, which writes the new revision into the
/// certificate itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SdsRevision {
    /// The certificate it is declared for.
    pub certificate_id: String,
    /// The declared safety data sheet.
    pub sds: SafetyDataSheet,
    /// The manufacturer's member who declared it.
    pub declared_by: Actor,
    /// When, Unix seconds (the transaction timestamp).
    pub declared_at: i64,
    /// The declaring transaction.
    pub tx_id: String,
    /// The transaction that wrote the version of the certificate record the declaration
    /// followed; places the declaration in the certificate's history.
    pub after_tx: String,
}

/// What the contract records under a manufacturer's client reference
/// ([`Application::client_ref`]), in the key `clientref~<manufacturer MSP>~<reference>`
/// written with the certificate it names: which certificate the reference created, and
/// the digest of the application as submitted, to tell a repeat from a conflicting reuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ClientReference {
    /// The reference.
    pub client_ref: String,
    /// The manufacturer organisation the reference belongs to.
    pub manufacturer_msp: String,
    /// The certificate the first submission under the reference created.
    pub certificate_id: String,
    /// [`application_digest`](crate::canonical::application_digest) of the application as
    /// submitted (before dependencies were resolved to their versions in force).
    pub application_sha256: String,
    /// The transaction that recorded it.
    pub tx_id: String,
}

/// A registered organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Organization {
    /// The organisation's MSP ID.
    pub msp_id: String,
    /// Display name (at most 200 characters).
    pub name: String,
    /// What the organisation may do; decides which roles its members can hold.
    pub kind: OrgKind,
    /// When it was registered, Unix seconds.
    pub registered_at: i64,
    /// A manufacturer's GS1 Company Prefixes (sorted), set by the governance admin with
    /// `SetCompanyPrefixes`: it may apply only for GTINs under them ([`crate::prefix`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub company_prefixes: Vec<String>,
    /// For a certification body: the verifier URLs its credentials' status entries may
    /// name (`SetStatusBases`, by the admin); `AttachCredential` refuses any other, and a
    /// verifier serves a recorded credential only under one of them (or its own URL).
    /// Empty until the admin sets them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_bases: Vec<String>,
    /// Set by `RetireOrganization`: since when, by whom and why it is no longer a member
    /// that may act (its certificates stay as they were; the verifier shows the issuer's
    /// accreditation as withdrawn on that date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired: Option<OrgRetirement>,
    /// Registered as running no peers (`RegisterOrganization`): what it writes is protected
    /// by the chaincode policy (two organisations) rather than by its own peer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub without_peers: bool,
    /// Its billing details: the legal data its invoices state and, for a body, the
    /// account it is paid to (`RegisterOrganization`, `SetBillingDetails`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<crate::billing::BillingDetails>,
}

impl Organization {
    /// An organisation as `RegisterOrganization` records it at `registered_at`: no
    /// company prefixes or status bases yet, not retired.
    pub fn registered(msp_id: String, name: String, kind: OrgKind, registered_at: i64, without_peers: bool) -> Self {
        Self {
            msp_id,
            name,
            kind,
            registered_at,
            company_prefixes: Vec::new(),
            status_bases: Vec::new(),
            retired: None,
            without_peers,
            billing: None,
        }
    }
}

/// When and why an organisation was retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrgRetirement {
    /// When, Unix seconds (the transaction's time).
    pub at: i64,
    /// The admin who retired it.
    pub by: Actor,
    /// Why.
    pub reason: String,
}

/// A role assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoleGrant {
    /// The identity holding the role.
    pub identity: Actor,
    /// The role granted.
    pub role: Role,
    /// The admin who granted it (the bootstrapping admin itself for the first admin grant).
    pub granted_by: Actor,
    /// When it was granted, Unix seconds.
    pub granted_at: i64,
    /// The key that holds the role: [`crate::ids::public_key_id`] of the holder's
    /// certificate's public key. Only a certificate of the identity with this key acts
    /// with the role; a new certificate of the same identity (a re-enrollment, or one an
    /// organisation's CA issued again under the same name) holds nothing until this key
    /// approves it (`ApproveRoleKey`) or an admin grants the role to it. Absent in
    /// grants written before roles were bound to keys: such a grant is bound to the key
    /// of the first certificate that uses it in a transaction ([`RoleKeySource::FirstUse`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// How [`RoleGrant::key`] came to hold the role; absent with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_source: Option<RoleKeySource>,
}

/// An identity with the key its certificate certifies: whom `GrantRole` grants a role
/// to. `WhoAmI` answers each member theirs ([`crate::WhoAmI::holder`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoleHolder {
    /// The identity.
    pub identity: Actor,
    /// [`crate::ids::public_key_id`] of its certificate's public key.
    pub key: String,
}

/// How a role came to be held by its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "how")]
pub enum RoleKeySource {
    /// `Bootstrap` or `GrantRole` named the key (`granted_by` is the admin).
    Granted,
    /// The key that held the role before approved this one (`ApproveRoleKey`).
    ApprovedByPreviousKey {
        /// The key that held the role before.
        previous_key: String,
        /// The transaction that moved it.
        tx_id: String,
    },
    /// A grant written before roles were bound to keys, bound to the key of the first
    /// certificate of its identity that used it after the upgrade.
    FirstUse {
        /// The transaction that bound it.
        tx_id: String,
    },
}

/// An entry of the issuer trust list: a certifier's Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuerKey {
    /// `ik-` + the first 16 hex characters of SHA-256(public key).
    pub key_id: String,
    /// Lowercase hex of the 32-byte Ed25519 public key.
    pub public_key: String,
    /// The certifier allowed to sign with it.
    pub holder: Actor,
    /// Start of the window in which the key may sign, Unix seconds (inclusive); an approval
    /// or renewal is checked at its `issued_at`.
    pub valid_from: i64,
    /// End of that window, Unix seconds (inclusive).
    pub valid_until: i64,
    /// When the key was put on the trust list, Unix seconds.
    pub registered_at: i64,
    /// When `RetireIssuerKey` retired it, Unix seconds; absent while in use. A retired key
    /// signs nothing new, but an offline token it signed before still verifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<i64>,
    /// Why it was retired; absent while in use.
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Governance {
    /// MSP ID of the governance organisation (the bootstrapping admin's).
    pub msp_id: String,
    /// The admin identity that ran `Bootstrap`.
    pub bootstrapped_by: Actor,
    /// When, Unix seconds.
    pub bootstrapped_at: i64,
    /// The key-level endorsement policy every governance key carries, in Fabric's
    /// notation: the governing organisation's peer and a majority of the organisations
    /// that run peers (`AND('RegulatorMSP.peer', OutOf(k, …))`). The contract rewrites it,
    /// and the policy of every governance key with it, when that set of organisations
    /// changes. Absent on a ledger written before governance keys had a policy: the next
    /// governance transaction protects them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected_by: Option<String>,
}

/// Fabric NodeOU classification of an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum NodeOu {
    /// An organisation administrator.
    Admin,
    /// A client application or user.
    Client,
    /// A peer node.
    Peer,
    /// An ordering node.
    Orderer,
}
