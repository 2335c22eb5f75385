//! A certifier's issuer key: signs the canonical bytes of a certificate (Ed25519).

use ed25519_dalek::{Signer, SigningKey};
use nanotrace_model::{issuer_key_id, CanonicalCertificate, Certificate, IssuanceTerms};

/// A certifier's Ed25519 issuer key, as registered on the trust list.
#[derive(Clone)]
pub struct IssuerSigner {
    /// The Ed25519 secret key.
    pub key: SigningKey,
    /// Its trust-list ID, `ik-` + 16 hex characters of SHA-256(public key).
    pub key_id: String,
}

impl IssuerSigner {
    /// Wraps `key`, deriving its trust-list key ID.
    pub fn new(key: SigningKey) -> Self {
        let key_id = issuer_key_id(key.verifying_key().as_bytes());
        IssuerSigner { key, key_id }
    }

    /// Lowercase hex of the 32-byte public key, as `RegisterIssuerKey` expects it.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    /// Signs a canonical certificate; returns the hex signature.
    pub fn sign(&self, canonical: &CanonicalCertificate) -> String {
        hex::encode(self.key.sign(&canonical.signing_input()).to_bytes())
    }

    /// Signs `cert` as issued by `issuer_org` with this key from `issued_at` to `valid_until`.
    pub fn sign_issuance(&self, cert: &Certificate, issuer_org: &str, issued_at: i64, valid_until: i64) -> String {
        self.sign_issuance_at(cert, issuer_org, issued_at, valid_until, None)
    }

    /// [`IssuerSigner::sign_issuance`] binding the certificate's status-list position too
    /// ([`IssuanceTerms::status_position`]): the signature of an issuance whose transaction
    /// also records the certificate's credential.
    pub fn sign_issuance_at(
        &self,
        cert: &Certificate,
        issuer_org: &str,
        issued_at: i64,
        valid_until: i64,
        status_position: Option<u32>,
    ) -> String {
        let terms = IssuanceTerms { issuer_org, issuer_key_id: &self.key_id, issued_at, valid_until, status_position };
        self.sign(&CanonicalCertificate::for_certificate(cert, &terms))
    }
}

impl std::fmt::Debug for IssuerSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerSigner").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}
