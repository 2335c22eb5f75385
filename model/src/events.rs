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

/// Defines [`EventKind`] and the event-name constants from one list: each kind's variant,
/// wire name, the function that emits it and its constant.
macro_rules! event_kinds {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal, $constant:ident;)+) => {
        /// Every kind of event the contract emits, one per wire name. Matching on it
        /// (instead of comparing names) makes every follower decide about a new kind.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventKind {
            $($(#[doc = $doc])* $variant,)+
        }

        impl EventKind {
            /// Every kind, in the order of the list.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)+];

            /// The event's name on the ledger (the chaincode event name).
            pub const fn name(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)+
                }
            }

            /// The kind whose wire name is `name`; `None` for a name this model does not
            /// know (an event of a newer contract).
            pub fn from_name(name: &str) -> Option<EventKind> {
                match name {
                    $($name => Some(EventKind::$variant),)+
                    _ => None,
                }
            }
        }

        $(
            $(#[doc = $doc])*
            pub const $constant: &str = EventKind::$variant.name();
        )+
    };
}

event_kinds! {
    /// Emitted by `Bootstrap`.
    Bootstrapped => "Bootstrapped", BOOTSTRAPPED;
    /// Emitted by `RegisterOrganization`.
    OrganizationRegistered => "OrganizationRegistered", ORGANIZATION_REGISTERED;
    /// Emitted by `SetCompanyPrefixes`.
    CompanyPrefixesSet => "CompanyPrefixesSet", COMPANY_PREFIXES_SET;
    /// Emitted by `GrantRole`.
    RoleGranted => "RoleGranted", ROLE_GRANTED;
    /// Emitted by `RevokeRole`.
    RoleRevoked => "RoleRevoked", ROLE_REVOKED;
    /// Emitted by `ApproveRoleKey`.
    RoleKeyApproved => "RoleKeyApproved", ROLE_KEY_APPROVED;
    /// Emitted by `RegisterIssuerKey`.
    IssuerKeyRegistered => "IssuerKeyRegistered", ISSUER_KEY_REGISTERED;
    /// Emitted by `RetireIssuerKey`.
    IssuerKeyRetired => "IssuerKeyRetired", ISSUER_KEY_RETIRED;
    /// Emitted by `Apply` and `ApplyBatch`.
    CertificateApplied => "CertificateApplied", CERTIFICATE_APPLIED;
    /// Emitted by `Approve` and `ApproveBatch`.
    CertificateIssued => "CertificateIssued", CERTIFICATE_ISSUED;
    /// Emitted by `Reject`.
    CertificateRejected => "CertificateRejected", CERTIFICATE_REJECTED;
    /// Emitted by `Suspend`.
    CertificateSuspended => "CertificateSuspended", CERTIFICATE_SUSPENDED;
    /// Emitted by `Reinstate`.
    CertificateReinstated => "CertificateReinstated", CERTIFICATE_REINSTATED;
    /// Emitted by `Revoke`.
    CertificateRevoked => "CertificateRevoked", CERTIFICATE_REVOKED;
    /// Emitted by `Renew`.
    CertificateRenewed => "CertificateRenewed", CERTIFICATE_RENEWED;
    /// Emitted by `UpdateSds`.
    SdsUpdated => "SdsUpdated", SDS_UPDATED;
    /// Emitted by `AttachCredential` with a proof.
    CredentialSigned => "CredentialSigned", CREDENTIAL_SIGNED;
    /// Emitted by `AttachCredential` giving a certificate issued before the status lists its
    /// position (a request without a proof).
    StatusPositionAssigned => "StatusPositionAssigned", STATUS_POSITION_ASSIGNED;
    /// Emitted by `SetStatusBases`.
    StatusBasesSet => "StatusBasesSet", STATUS_BASES_SET;
}

#[cfg(test)]
mod tests {
    use super::EventKind;

    #[test]
    fn every_kind_has_one_name_and_is_found_by_it() {
        let mut names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventKind::ALL.len());
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_name(kind.name()), Some(*kind));
        }
        assert_eq!(EventKind::from_name("SomethingNewer"), None);
        assert_eq!(super::CERTIFICATE_ISSUED, "CertificateIssued");
    }
}
