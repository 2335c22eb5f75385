//! Client references: idempotent applications. A manufacturer may name each
//! application with its own reference ([`Application::client_ref`]); the contract records
//! `clientref~<manufacturer MSP>~<reference>` → [`ClientReference`] in the transaction
//! that creates the certificate, protected by the manufacturer's key-level endorsement
//! policy. A later application under the same reference by the same organisation is a
//! repeat (answered with the recorded certificate, nothing written) when it is the same
//! application, and a `CONFLICT` (nothing written) when it is not. References are scoped
//! per manufacturer organisation: two organisations never see each other's.
//!
//! Two transactions racing with the same new reference both read the key as absent; on
//! Fabric the second to commit is invalidated — ENDORSEMENT_POLICY_FAILURE when both are
//! in one block (the first just set the key's validation parameter, which Fabric checks
//! before the read set), MVCC_READ_CONFLICT when they are in different blocks (the key
//! is in its read set; both seen in the Fabric suite) — and the embedded ledger runs one
//! transaction at a time, so at most one certificate is ever recorded for a reference.

use super::*;

impl Tx<'_> {
    fn client_ref_key(msp: &str, reference: &str) -> ContractResult<String> {
        Ok(create_composite_key(CLIENT_REF, &[msp, reference])?)
    }

    /// What an application under `reference` from organisation `msp` means now: `None`
    /// for a new reference, the recorded certificate ID for a repeat of the same
    /// application (`digest` is its [`application_digest`]), and `CONFLICT` for another
    /// application under a reference already used.
    pub(super) fn repeat_of(&mut self, msp: &str, reference: &str, digest: &str) -> ContractResult<Option<String>> {
        let key = Self::client_ref_key(msp, reference)?;
        let Some(recorded) = self.read::<ClientReference>(&key)? else {
            return Ok(None);
        };
        if recorded.application_sha256 != digest {
            return Err(ContractError::Conflict(format!(
                "client_ref {reference:?} of {msp} was used for certificate {} (transaction {}) with a different \
                 application (sha256 {}, this one's is {digest}); a new application needs a new reference",
                recorded.certificate_id, recorded.tx_id, recorded.application_sha256
            )));
        }
        Ok(Some(recorded.certificate_id))
    }

    /// Records that `reference` of organisation `msp` created `certificate_id` from the
    /// application with `digest`, and protects the record for the manufacturer.
    pub(super) fn record_client_ref(
        &mut self,
        msp: &str,
        reference: &str,
        digest: String,
        certificate_id: &str,
    ) -> ContractResult<()> {
        let key = Self::client_ref_key(msp, reference)?;
        let record = ClientReference {
            client_ref: reference.to_owned(),
            manufacturer_msp: msp.to_owned(),
            certificate_id: certificate_id.to_owned(),
            application_sha256: digest,
            tx_id: self.tx_id.clone(),
        };
        self.write(&key, &record)?;
        if let Some(policy) = self.own_peer_policy(msp)? {
            self.stub.set_state_validation_parameter(&key, &policy)?;
        }
        Ok(())
    }
}
