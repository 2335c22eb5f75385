//! The chaincode event every successful transaction emits.

use crate::records::CertificateStatus;
use serde::{Deserialize, Serialize};

/// The single chaincode event each transaction emits. Its name is [`Event::name`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// One of the event-name constants of this module, e.g. [`CERTIFICATE_ISSUED`]; also
    /// the event's name on the ledger.
    pub name: String,
    /// Certificates the transaction created or changed (for a renewal, the old ID then the
    /// new); empty for governance events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificate_ids: Vec<String>,
    /// The status the transaction put them in (for a renewal, the new version's `ACTIVE`);
    /// absent for governance events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CertificateStatus>,
    /// Dependent certificates whose dependency flag the transaction set (suspend, revoke,
    /// SDS update, or an application naming an out-of-force supplier) or, for a
    /// reinstatement, cleared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flagged: Vec<String>,
    /// ID of the transaction that emitted the event.
    pub tx_id: String,
}

/// Name of the event `Bootstrap` emits.
pub const BOOTSTRAPPED: &str = "Bootstrapped";
/// Name of the event `RegisterOrganization` emits.
pub const ORGANIZATION_REGISTERED: &str = "OrganizationRegistered";
/// Name of the event `SetCompanyPrefixes` emits.
pub const COMPANY_PREFIXES_SET: &str = "CompanyPrefixesSet";
/// Name of the event `GrantRole` emits.
pub const ROLE_GRANTED: &str = "RoleGranted";
/// Name of the event `RevokeRole` emits.
pub const ROLE_REVOKED: &str = "RoleRevoked";
/// Name of the event `ApproveRoleKey` emits.
pub const ROLE_KEY_APPROVED: &str = "RoleKeyApproved";
/// Name of the event `RegisterIssuerKey` emits.
pub const ISSUER_KEY_REGISTERED: &str = "IssuerKeyRegistered";
/// Name of the event `RetireIssuerKey` emits.
pub const ISSUER_KEY_RETIRED: &str = "IssuerKeyRetired";
/// Name of the event `Apply` and `ApplyBatch` emit.
pub const CERTIFICATE_APPLIED: &str = "CertificateApplied";
/// Name of the event `Approve` and `ApproveBatch` emit.
pub const CERTIFICATE_ISSUED: &str = "CertificateIssued";
/// Name of the event `Reject` emits.
pub const CERTIFICATE_REJECTED: &str = "CertificateRejected";
/// Name of the event `Suspend` emits.
pub const CERTIFICATE_SUSPENDED: &str = "CertificateSuspended";
/// Name of the event `Reinstate` emits.
pub const CERTIFICATE_REINSTATED: &str = "CertificateReinstated";
/// Name of the event `Revoke` emits.
pub const CERTIFICATE_REVOKED: &str = "CertificateRevoked";
/// Name of the event `Renew` emits.
pub const CERTIFICATE_RENEWED: &str = "CertificateRenewed";
/// Name of the event `UpdateSds` emits.
pub const SDS_UPDATED: &str = "SdsUpdated";
/// Name of the event `AttachCredential` emits.
pub const CREDENTIAL_SIGNED: &str = "CredentialSigned";
/// Name of the event `AttachCredential` emits when it gives a certificate issued before
/// the status lists its position (a request without a proof).
pub const STATUS_POSITION_ASSIGNED: &str = "StatusPositionAssigned";
/// Name of the event `SetStatusBases` emits.
pub const STATUS_BASES_SET: &str = "StatusBasesSet";
