//! Deterministic identifiers: certificate IDs come from transaction IDs, never from
//! randomness, so every endorsing peer computes the same one.

use data_encoding::BASE32_NOPAD;
use sha2::{Digest, Sha256};

/// Prefix of every certificate ID.
pub const CERTIFICATE_ID_PREFIX: &str = "NT-";
/// Number of base32 characters after the prefix.
pub const CERTIFICATE_ID_LEN: usize = 12;

fn id_from_digest(digest: &[u8]) -> String {
    let encoded = BASE32_NOPAD.encode(digest);
    format!("{CERTIFICATE_ID_PREFIX}{}", &encoded[..CERTIFICATE_ID_LEN])
}

/// The ID of the `index`-th certificate applied for in transaction `tx_id`:
/// `NT-` + 12 characters of RFC 4648 base32 (A–Z, 2–7: no 0/1/8/9 to confuse with O/I/B/g).
pub fn certificate_id(tx_id: &str, index: u32) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"nanotrace/certificate-id\0");
    hasher.update(tx_id.as_bytes());
    hasher.update(index.to_be_bytes());
    id_from_digest(&hasher.finalize())
}

/// The ID of version `version` of a certificate renewed from `previous_id`. Known before
/// the renewal is submitted, so the certifier can sign the new certificate.
pub fn renewal_id(previous_id: &str, version: u32) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"nanotrace/renewal-id\0");
    hasher.update(previous_id.as_bytes());
    hasher.update(version.to_be_bytes());
    id_from_digest(&hasher.finalize())
}

/// The ID of a public key as role grants name it: lowercase hex of SHA-256 over the
/// DER `SubjectPublicKeyInfo` of an X.509 certificate (64 characters). Two certificates
/// of one identity share it only when they certify the same key.
pub fn public_key_id(spki_der: &[u8]) -> String {
    hex::encode(Sha256::digest(spki_der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_and_well_formed() {
        let a = certificate_id("abc", 0);
        assert_eq!(a, certificate_id("abc", 0));
        assert_ne!(a, certificate_id("abc", 1));
        assert_ne!(a, certificate_id("abd", 0));
        assert!(crate::validate::certificate_id("id", &a).is_ok(), "{a}");
        let r = renewal_id(&a, 2);
        assert!(crate::validate::certificate_id("id", &r).is_ok(), "{r}");
        assert_ne!(r, renewal_id(&a, 3));
    }
}
