//! The chaincode event every successful transaction emits.

use crate::records::CertificateStatus;
use serde::{Deserialize, Serialize};

/// The single chaincode event each transaction emits. Its name is [`Event::name`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The name of one [`EventKind`] (e.g. [`CERTIFICATE_ISSUED`]); also the event's name
    /// on the ledger.
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

crate::wire_enum! {
    /// Every kind of event the contract emits, one per wire name. Matching on it
    /// (instead of comparing names) makes every follower decide about a new kind.
    EventKind {
        /// Emitted by `Bootstrap`.
        Bootstrapped => "Bootstrapped",
        /// Emitted by `RegisterOrganization`.
        OrganizationRegistered => "OrganizationRegistered",
        /// Emitted by `SetCompanyPrefixes`.
        CompanyPrefixesSet => "CompanyPrefixesSet",
        /// Emitted by `RetireOrganization`.
        OrganizationRetired => "OrganizationRetired",
        /// Emitted by `GrantRole`.
        RoleGranted => "RoleGranted",
        /// Emitted by `RevokeRole`.
        RoleRevoked => "RoleRevoked",
        /// Emitted by `ApproveRoleKey`.
        RoleKeyApproved => "RoleKeyApproved",
        /// Emitted by `RegisterIssuerKey`.
        IssuerKeyRegistered => "IssuerKeyRegistered",
        /// Emitted by `RetireIssuerKey`.
        IssuerKeyRetired => "IssuerKeyRetired",
        /// Emitted by `Apply` and `ApplyBatch`.
        CertificateApplied => "CertificateApplied",
        /// Emitted by `Approve` and `ApproveBatch`.
        CertificateIssued => "CertificateIssued",
        /// Emitted by `Reject`.
        CertificateRejected => "CertificateRejected",
        /// Emitted by `Suspend`.
        CertificateSuspended => "CertificateSuspended",
        /// Emitted by `Reinstate`.
        CertificateReinstated => "CertificateReinstated",
        /// Emitted by `Revoke`.
        CertificateRevoked => "CertificateRevoked",
        /// Emitted by `Renew`.
        CertificateRenewed => "CertificateRenewed",
        /// Emitted by `UpdateSds`.
        SdsUpdated => "SdsUpdated",
        /// Emitted by `AttachCredential` with a proof.
        CredentialSigned => "CredentialSigned",
        /// Emitted by `AttachCredential` giving a certificate issued before the status lists its
        /// position (a request without a proof).
        StatusPositionAssigned => "StatusPositionAssigned",
        /// Emitted by `SetStatusBases`.
        StatusBasesSet => "StatusBasesSet",
        /// An organisation's billing details (legal data, a body's account) were set.
        BillingDetailsSet => "BillingDetailsSet",
    }
}

// The name of each EventKind as a constant, for matching on an Event's `name`.
/// The name of the event emitted by `Bootstrap`.
pub const BOOTSTRAPPED: &str = EventKind::Bootstrapped.as_str();
/// The name of the event emitted by `RegisterOrganization`.
pub const ORGANIZATION_REGISTERED: &str = EventKind::OrganizationRegistered.as_str();
/// The name of the event emitted by `SetCompanyPrefixes`.
pub const COMPANY_PREFIXES_SET: &str = EventKind::CompanyPrefixesSet.as_str();
/// The name of the event emitted by `RetireOrganization`.
pub const ORGANIZATION_RETIRED: &str = EventKind::OrganizationRetired.as_str();
/// The name of the event emitted by `GrantRole`.
pub const ROLE_GRANTED: &str = EventKind::RoleGranted.as_str();
/// The name of the event emitted by `RevokeRole`.
pub const ROLE_REVOKED: &str = EventKind::RoleRevoked.as_str();
/// The name of the event emitted by `ApproveRoleKey`.
pub const ROLE_KEY_APPROVED: &str = EventKind::RoleKeyApproved.as_str();
/// The name of the event emitted by `RegisterIssuerKey`.
pub const ISSUER_KEY_REGISTERED: &str = EventKind::IssuerKeyRegistered.as_str();
/// The name of the event emitted by `RetireIssuerKey`.
pub const ISSUER_KEY_RETIRED: &str = EventKind::IssuerKeyRetired.as_str();
/// The name of the event emitted by `Apply` and `ApplyBatch`.
pub const CERTIFICATE_APPLIED: &str = EventKind::CertificateApplied.as_str();
/// The name of the event emitted by `Approve` and `ApproveBatch`.
pub const CERTIFICATE_ISSUED: &str = EventKind::CertificateIssued.as_str();
/// The name of the event emitted by `Reject`.
pub const CERTIFICATE_REJECTED: &str = EventKind::CertificateRejected.as_str();
/// The name of the event emitted by `Suspend`.
pub const CERTIFICATE_SUSPENDED: &str = EventKind::CertificateSuspended.as_str();
/// The name of the event emitted by `Reinstate`.
pub const CERTIFICATE_REINSTATED: &str = EventKind::CertificateReinstated.as_str();
/// The name of the event emitted by `Revoke`.
pub const CERTIFICATE_REVOKED: &str = EventKind::CertificateRevoked.as_str();
/// The name of the event emitted by `Renew`.
pub const CERTIFICATE_RENEWED: &str = EventKind::CertificateRenewed.as_str();
/// The name of the event emitted by `UpdateSds`.
pub const SDS_UPDATED: &str = EventKind::SdsUpdated.as_str();
/// The name of the event emitted by `AttachCredential` with a proof.
pub const CREDENTIAL_SIGNED: &str = EventKind::CredentialSigned.as_str();
/// The name of the event emitted by `AttachCredential` giving a certificate issued before the status lists its
/// position (a request without a proof).
pub const STATUS_POSITION_ASSIGNED: &str = EventKind::StatusPositionAssigned.as_str();
/// The name of the event emitted by `SetStatusBases`.
pub const STATUS_BASES_SET: &str = EventKind::StatusBasesSet.as_str();
/// [`EventKind::BillingDetailsSet`].
pub const BILLING_DETAILS_SET: &str = EventKind::BillingDetailsSet.as_str();

#[cfg(test)]
mod tests {
    use super::EventKind;

    #[test]
    fn every_kind_has_one_name_and_is_found_by_it() {
        let mut names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventKind::ALL.len());
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(EventKind::parse("SomethingNewer"), None);
        assert_eq!(super::CERTIFICATE_ISSUED, "CertificateIssued");
    }
}
