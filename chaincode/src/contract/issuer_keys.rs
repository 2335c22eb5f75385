//! The trust list's issuer keys as an approval uses them: read once per transaction,
//! held by the caller, usable at the time, and the signature over the canonical bytes.

use super::signature_checks::PendingSignature;
use super::*;
use std::collections::BTreeMap;

/// Issuer keys already read (and decoded, once checked) in this transaction, by key ID:
/// a batch signed with one key reads and decompresses it once.
#[derive(Default)]
pub(super) struct IssuerKeyCache {
    records: BTreeMap<String, IssuerKey>,
    decoded: BTreeMap<String, VerifyingKey>,
}

/// The Ed25519 public key of a stored issuer key record.
fn decode_issuer_key(key_id: &str, record: &IssuerKey) -> ContractResult<VerifyingKey> {
    let public = validate::hex_bytes("public_key", &record.public_key, 32)
        .map_err(|e| ContractError::Corrupt(format!("issuer key {key_id}: {e}")))?;
    let mut pk = [0u8; 32];
    pk.copy_from_slice(&public);
    VerifyingKey::from_bytes(&pk)
        .map_err(|_| ContractError::Corrupt(format!("issuer key {key_id} is not a valid Ed25519 key")))
}

impl Tx<'_> {
    /// Checks an issuer key and the signature over `canonical`.
    pub(super) fn check_signature(
        &mut self,
        key_id: &str,
        signature_hex: &str,
        canonical: &CanonicalCertificate,
        at: i64,
    ) -> ContractResult<String> {
        let (digest, pending) =
            self.issuer_signature(&mut IssuerKeyCache::default(), key_id, signature_hex, canonical, at)?;
        if !pending.check() {
            return Err(pending.error());
        }
        Ok(digest)
    }

    /// The public key of the trust list's issuer key `key_id` (from `keys`, or read into
    /// it), which the caller must hold and which must be usable at `at`.
    pub(super) fn held_issuer_key(
        &mut self,
        keys: &mut IssuerKeyCache,
        key_id: &str,
        at: i64,
    ) -> ContractResult<VerifyingKey> {
        validate::text("issuer_key_id", key_id, limits::MAX_NAME, true)?;
        let record = match keys.records.get(key_id) {
            Some(record) => record,
            None => {
                let key = create_composite_key(ISSUER_KEY, &[key_id])?;
                let record: IssuerKey = self
                    .read(&key)?
                    .ok_or_else(|| ContractError::NotFound { kind: "issuer key", id: key_id.to_owned() })?;
                keys.records.entry(key_id.to_owned()).or_insert(record)
            }
        };
        if record.holder != self.actor() {
            return Err(ContractError::unauthorized(
                Reason::IssuerKeyHolder,
                format!("issuer key {key_id} belongs to {}, not to {}", record.holder, self.caller_name()),
            ));
        }
        if let Some(retired) = record.retired_at {
            return Err(ContractError::BadSignature(format!("issuer key {key_id} was retired at {retired}")));
        }
        if !record.usable_at(at) {
            return Err(ContractError::BadSignature(format!(
                "issuer key {key_id} is valid from {} to {}, not at {at}",
                record.valid_from, record.valid_until
            )));
        }
        match keys.decoded.get(key_id) {
            Some(verifying) => Ok(*verifying),
            None => {
                let verifying = decode_issuer_key(key_id, record)?;
                keys.decoded.insert(key_id.to_owned(), verifying);
                Ok(verifying)
            }
        }
    }

    /// Checks an issuer key (from `keys`, or read into it) for a signature over
    /// `canonical` made at `at`, and decodes the signature; returns the canonical digest
    /// and the Ed25519 check still to be done.
    pub(super) fn issuer_signature(
        &mut self,
        keys: &mut IssuerKeyCache,
        key_id: &str,
        signature_hex: &str,
        canonical: &CanonicalCertificate,
        at: i64,
    ) -> ContractResult<(String, PendingSignature)> {
        let verifying = self.held_issuer_key(keys, key_id, at)?;
        let sig_bytes = validate::hex_bytes("signature", signature_hex, 64)?;
        let mut sig = [0u8; 64];
        sig.copy_from_slice(&sig_bytes);
        let digest = canonical.digest_hex();
        let pending = PendingSignature::new(
            verifying,
            canonical.signing_input_with(&digest),
            sig,
            format!(
                "the signature does not match the certificate's canonical bytes (digest {digest}) under issuer key {key_id}"
            ),
        );
        Ok((digest, pending))
    }
}
