//! Responses of the contract's functions.

use crate::records::*;
use serde::{Deserialize, Serialize};

/// The answer of `GetCertificates`: the records asked for, in the request's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CertificatesResponse {
    /// One record per ID asked for, in the same order.
    pub certificates: Vec<Certificate>,
}

/// A certificate with its audit trail: the record as `GetCertificate` answers it and the
/// trail as `History` does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CertificateRecord {
    /// The record (`GetCertificate`).
    pub certificate: Certificate,
    /// Its audit trail (`History`), newest first.
    pub history: Vec<HistoryEntry>,
}

/// The answer of `GetCertificateRecords`: each certificate asked for with its audit
/// trail, in the request's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CertificateRecordsResponse {
    /// One record per ID asked for, in the same order.
    pub records: Vec<CertificateRecord>,
}

/// Answer of `StatusPositions`: the positions, in the order the transaction gives them
/// to the certificates it issues that have none yet (an approval batch's in approval
/// order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StatusPositionsResponse {
    /// One per certificate asked for.
    pub positions: Vec<u32>,
}

/// IDs created or changed by a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IdsResponse {
    /// For `Apply`/`ApplyBatch` the new IDs in request order, for `Approve`/`ApproveBatch`
    /// the issued ones, for `Renew` the old ID then the new.
    pub certificate_ids: Vec<String>,
    /// For `Apply`/`ApplyBatch`: the IDs among `certificate_ids` that an earlier
    /// transaction created under the same client reference
    /// ([`Application::client_ref`]); this transaction created nothing for them. Absent
    /// when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repeated: Vec<String>,
}

impl IdsResponse {
    /// A response naming `certificate_ids`, none of them repeated.
    pub fn new(certificate_ids: Vec<String>) -> Self {
        IdsResponse { certificate_ids, repeated: Vec::new() }
    }
}

/// A page of certificates and the bookmark of the next page ("" when done).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CertificatePage {
    /// The certificates of this page, in index (ID) order.
    pub certificates: Vec<Certificate>,
    /// Pass it to get the next page; empty on the last page.
    pub bookmark: String,
}

/// The verdict on a certificate at the time of the query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Verification {
    /// The ID asked about.
    pub certificate_id: String,
    /// The verdict at `checked_at`.
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
    /// The record the verdict is about; absent when there is none (`UNKNOWN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
}

/// One entry of a certificate's audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HistoryEntry {
    /// The transaction that wrote this version of the record.
    pub tx_id: String,
    /// That transaction's timestamp, Unix seconds.
    pub timestamp: i64,
    /// What the transaction did.
    pub action: Action,
    /// Who submitted it.
    pub actor: Actor,
    /// The certificate's status after it.
    pub status: CertificateStatus,
    /// The reason recorded with the change, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl WhoAmI {
    /// The caller as `GrantRole` names a grantee: its identity and its key.
    pub fn holder(&self) -> RoleHolder {
        RoleHolder { identity: self.identity.clone(), key: self.key.clone() }
    }
}

/// What `WhoAmI` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WhoAmI {
    /// The caller's Fabric identity.
    pub identity: Actor,
    /// The caller certificate's NodeOU, if it has one.
    pub node_ou: Option<NodeOu>,
    /// The roles the contract grants the caller (held by the caller's key).
    pub roles: Vec<Role>,
    /// The caller certificate's key as roles name it ([`crate::ids::public_key_id`]):
    /// what an admin's `GrantRole` or the previous key's `ApproveRoleKey` names.
    #[serde(default)]
    pub key: String,
    /// Roles the caller's identity holds under another key: this certificate acts with
    /// them only once that key approves it (`ApproveRoleKey`) or an admin grants them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles_of_other_key: Vec<Role>,
    /// The caller's organisation, if it is registered.
    pub organization: Option<Organization>,
}
