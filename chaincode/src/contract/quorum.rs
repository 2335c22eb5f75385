//! The qualified majority that guards governance: every governance key (the
//! `governance` record, organisations with their GS1 prefixes and status bases, role
//! grants, issuer keys) carries the key-level endorsement policy
//! `AND('<governing>.peer', OutOf(k, …))` — the governing organisation's peer and a
//! majority of the organisations that run peers ([`EndorsementPolicy::qualified_majority`]).
//! On Fabric, peers running a modified contract must therefore reach that majority to
//! change any of them; two colluding organisations never do.
//!
//! The policy follows the consortium: when an organisation that runs peers is registered
//! or retired, the transaction that does it rewrites the policy of every governance key
//! (under the policy in force until then, as Fabric validates it) and records the new one
//! in [`Governance::protected_by`]. A ledger written before governance keys had a policy
//! is protected the same way by its next governance transaction.

use std::collections::BTreeSet;

use super::tx::decode;
use super::*;

/// Whether `org`'s peers endorse: registered with peers and not retired.
fn runs_peers(org: &Organization) -> bool {
    !org.without_peers && org.retired.is_none()
}

impl Tx<'_> {
    /// The qualified majority over the organisations as they stand once this transaction
    /// commits: the committed records, with `changed` (an organisation this transaction
    /// registers or retires) in place of its committed record.
    pub(super) fn qualified_majority(
        &mut self,
        governing: &str,
        changed: Option<&Organization>,
    ) -> ContractResult<EndorsementPolicy> {
        let mut others = BTreeSet::new();
        for (key, value) in self.composite_entries(ORG, &[])? {
            let org: Organization = decode(&value, &key)?;
            if changed.is_some_and(|c| c.msp_id == org.msp_id) {
                continue;
            }
            if runs_peers(&org) {
                others.insert(org.msp_id);
            }
        }
        if let Some(org) = changed.filter(|o| runs_peers(o)) {
            others.insert(org.msp_id.clone());
        }
        Ok(EndorsementPolicy::qualified_majority(governing, others))
    }

    /// Writes the governance records `written` (already written by this transaction) under
    /// the qualified majority. `changed` is the organisation the transaction registers or
    /// retires; `deleted` the governance keys it deletes. When the majority differs from
    /// the one `governance` records (an organisation with peers joined or left, or the
    /// ledger predates these policies), every governance key gets the new policy and
    /// `governance` records it. Returns the policy.
    pub(super) fn guard_governance(
        &mut self,
        written: &[String],
        changed: Option<&Organization>,
        deleted: &[String],
    ) -> ContractResult<EndorsementPolicy> {
        let mut gov = self.governance()?.ok_or_else(|| ContractError::Conflict("not bootstrapped".into()))?;
        let policy = self.qualified_majority(&gov.msp_id, changed)?;
        let notation = policy.to_string();
        if gov.protected_by.as_deref() == Some(notation.as_str()) {
            for key in written {
                self.stub.set_state_validation_parameter(key, &policy)?;
            }
            return Ok(policy);
        }
        let mut keys: BTreeSet<String> = written.iter().cloned().collect();
        for object_type in [ORG, ROLE, ISSUER_KEY] {
            keys.extend(self.composite_entries(object_type, &[])?.into_iter().map(|(key, _)| key));
        }
        for key in deleted {
            keys.remove(key);
        }
        gov.protected_by = Some(notation);
        self.write(GOVERNANCE_KEY, &gov)?;
        keys.insert(GOVERNANCE_KEY.to_owned());
        for key in &keys {
            self.stub.set_state_validation_parameter(key, &policy)?;
        }
        Ok(policy)
    }
}
