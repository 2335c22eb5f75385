//! Whether an issued certificate's record is what its certifier signed: the issuance's
//! Ed25519 signature over the record's canonical bytes, under the key that the trust list
//! says its issuing organisation held when it was issued.
//!
//! On Fabric a record is only as honest as the peers that endorsed it: a chaincode package
//! of their own on colluding peers can write any certificate. The certifier's signature
//! is what no peer can make, so every verdict that would vouch for a certificate
//! ([`crate::verdict_for`]) checks it here first.

use crate::canonical::CanonicalCertificate;
use crate::records::{Certificate, IssuerKey};
use ed25519_dalek::{Signature, VerifyingKey};
use std::cell::RefCell;
use std::collections::HashMap;
use thiserror::Error;

/// Why an issued record's signature does not vouch for it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Forgery {
    /// The record carries no issuance at all.
    #[error("no certifier's issuance is recorded")]
    NotIssued,
    /// The key the issuance names is not on the trust list.
    #[error("issuer key {0} is not on the trust list")]
    UnknownKey(String),
    /// The key belongs to another organisation than the one named as issuer.
    #[error("issuer key {key_id} belongs to {holder_org}, not to the issuing organisation {issuer_org}")]
    OtherOrganisation {
        /// The key.
        key_id: String,
        /// Its holder's organisation on the trust list.
        holder_org: String,
        /// The organisation the record names as issuer.
        issuer_org: String,
    },
    /// The key was not in force at the issuance time.
    #[error("issuer key {key_id} was not in force at the issuance time {issued_at}")]
    KeyNotInForce {
        /// The key.
        key_id: String,
        /// The issuance time the record names.
        issued_at: i64,
    },
    /// The trust list's entry is not an Ed25519 public key.
    #[error("issuer key {0} on the trust list is not an Ed25519 public key")]
    BadKey(String),
    /// The recorded digest is not the digest of the record's canonical bytes.
    #[error("the record's canonical digest is {actual}, not the {recorded} its issuance names")]
    DigestMismatch {
        /// The digest the issuance records.
        recorded: String,
        /// The digest of the record as it stands.
        actual: String,
    },
    /// The signature is not 64 bytes of hex.
    #[error("the issuance signature is not 64 bytes of hex")]
    MalformedSignature,
    /// The signature does not verify.
    #[error("the signature does not verify under issuer key {0}")]
    BadSignature(String),
}

/// Checks that `cert`'s issuance was signed, over the record's canonical bytes as they
/// stand, by a key that `trust_list` says its issuing organisation held at the issuance
/// time (a key retired since still vouches for what it signed before). The contract makes
/// exactly these checks before it writes an issuance; this is what a reader of the ledger
/// can check without trusting the peers that wrote it.
///
/// A record whose application changed after it was signed (a new SDS revision awaiting
/// a certifier's re-signature) does not pass: its canonical bytes are not the signed ones.
pub fn check_issuance(cert: &Certificate, trust_list: &[IssuerKey]) -> Result<(), Forgery> {
    let issuance = cert.issuance.as_ref().ok_or(Forgery::NotIssued)?;
    let key = trust_list
        .iter()
        .find(|k| k.key_id == issuance.issuer_key_id)
        .ok_or_else(|| Forgery::UnknownKey(issuance.issuer_key_id.clone()))?;
    if key.holder.msp_id != issuance.issuer_org {
        return Err(Forgery::OtherOrganisation {
            key_id: key.key_id.clone(),
            holder_org: key.holder.msp_id.clone(),
            issuer_org: issuance.issuer_org.clone(),
        });
    }
    if !key.vouches_at(issuance.issued_at) {
        return Err(Forgery::KeyNotInForce { key_id: key.key_id.clone(), issued_at: issuance.issued_at });
    }
    let verifying = decoded(key).ok_or_else(|| Forgery::BadKey(key.key_id.clone()))?;
    let actual = CanonicalCertificate::for_certificate(cert, &issuance.terms()).digest_hex();
    if actual != issuance.digest {
        return Err(Forgery::DigestMismatch { recorded: issuance.digest.clone(), actual });
    }
    let signature: [u8; 64] = hex::decode(&issuance.signature)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(Forgery::MalformedSignature)?;
    let message = crate::canonical::signing_input(
        &cert.id,
        &actual,
        &issuance.issuer_key_id,
        issuance.issued_at,
        issuance.valid_until,
        issuance.status_position,
    );
    verifying
        .verify_strict(&message, &Signature::from_bytes(&signature))
        .map_err(|_| Forgery::BadSignature(key.key_id.clone()))
}

/// Trust-list keys decoded per thread at most; past it the thread's memo starts afresh.
const DECODED_KEYS: usize = 256;

/// `key`'s Ed25519 public key, decoded once per thread: the decoding (a point
/// decompression) was a tenth of a check's CPU (`cargo bench --bench signature`: 46.8 µs a
/// check, 42.6 µs without it), and a trust list holds a few keys for every certificate a
/// verifier's cache build checks. Kept by the key itself, never by its ID, so an entry
/// that names another key is decoded anew; what it answers depends on the key alone (the
/// contract's determinism is unaffected).
fn decoded(key: &IssuerKey) -> Option<VerifyingKey> {
    thread_local! {
        static DECODED: RefCell<HashMap<String, Option<VerifyingKey>>> = RefCell::new(HashMap::new());
    }
    DECODED.with(|memo| {
        let mut memo = memo.borrow_mut();
        if let Some(known) = memo.get(&key.public_key) {
            return *known;
        }
        if memo.len() >= DECODED_KEYS {
            memo.clear();
        }
        let verifying = key.verifying_key();
        memo.insert(key.public_key.clone(), verifying);
        verifying
    })
}

/// How far (seconds) a certifier's `issued_at` may lie from its transaction's timestamp:
/// the contract refuses an approval, renewal or re-signature beyond it.
pub const MAX_CLOCK_SKEW_SECS: i64 = 600;

impl IssuerKey {
    /// Whether this key vouches for what it signed with the issuance time `at`: `at` is in
    /// its window and, if the key was retired, the signature may have been made before the
    /// retirement (a key retired later still vouches for what it signed while it was in
    /// force). The contract takes no signature of a retired key, but the issuance time is
    /// the certifier's, within [`MAX_CLOCK_SKEW_SECS`] of the transaction's, so a
    /// certificate issued in the last seconds before the retirement may name a time up to
    /// that much after it.
    pub fn vouches_at(&self, at: i64) -> bool {
        self.valid_from <= at
            && at <= self.valid_until
            && self.retired_at.is_none_or(|retired| at <= retired.saturating_add(MAX_CLOCK_SKEW_SECS))
    }

    /// The Ed25519 public key, if the entry holds one.
    pub fn verifying_key(&self) -> Option<VerifyingKey> {
        let public: [u8; 32] = hex::decode(&self.public_key).ok()?.try_into().ok()?;
        VerifyingKey::from_bytes(&public).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Actor;

    fn key(retired_at: Option<i64>) -> IssuerKey {
        IssuerKey {
            key_id: "ik-0000000000000000".into(),
            public_key: "00".repeat(32),
            holder: Actor { msp_id: "CertifierMSP".into(), id: "x509::CN=alice::CN=ca".into() },
            valid_from: 1_000,
            valid_until: 100_000,
            registered_at: 1_000,
            retired_at,
            retired_reason: None,
        }
    }

    #[test]
    fn a_key_vouches_within_its_window_and_up_to_the_clock_skew_after_its_retirement() {
        let open = key(None);
        assert!(!open.vouches_at(999));
        assert!(open.vouches_at(1_000) && open.vouches_at(100_000));
        assert!(!open.vouches_at(100_001));
        let retired = key(Some(50_000));
        assert!(retired.vouches_at(49_999));
        // Issued in the retirement's second, or with an issuance time the contract allowed
        // up to its clock skew later.
        assert!(retired.vouches_at(50_000));
        assert!(retired.vouches_at(50_000 + MAX_CLOCK_SKEW_SECS));
        assert!(!retired.vouches_at(50_001 + MAX_CLOCK_SKEW_SECS));
        assert!(!key(Some(i64::MAX)).vouches_at(100_001), "no overflow past the window");
    }
}
