//! The canonical bytes of an issued certificate and the exact message a certifier's
//! Ed25519 signature covers.

use crate::records::{Application, Certificate, NanomaterialAssessment};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Schema tag inside the canonical bytes, so a signature can never be replayed onto
/// another kind of document.
pub const CANONICAL_SCHEMA: &str = "nanotrace/certificate/v1";

/// Schema tag of a certificate whose issuance signature also binds its status-list
/// position ([`IssuanceTerms::status_position`]): the canonical bytes end with
/// `status_position` and the signed message with a line holding it. One signature then
/// vouches for the certificate and for the bits an offline check reads in the status
/// lists (offline token layout 3, [`crate::token`]).
pub const POSITIONED_SCHEMA: &str = "nanotrace/certificate/v2";

/// The bytes a certifier signs: everything a verifier must be able to trust about an
/// issued certificate, in a fixed order, as compact JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanonicalCertificate {
    /// [`CANONICAL_SCHEMA`], or [`POSITIONED_SCHEMA`] when the signature binds the
    /// status-list position.
    pub schema: String,
    /// The certificate ID (`NT-` + 12 base32 characters).
    pub id: String,
    /// The certificate's version: 1, plus 1 per renewal.
    pub version: u32,
    /// ID of the version this one renews; `null` for version 1.
    pub supersedes: Option<String>,
    /// MSP ID of the manufacturer (the applicant's organisation).
    pub manufacturer_msp: String,
    /// [`Application::product_name`].
    pub product_name: String,
    /// [`Application::gtin`]; `null` when the application declares none.
    pub gtin: Option<String>,
    /// [`Application::batch`].
    pub batch: String,
    /// The nanomaterial's substance name.
    pub substance_name: String,
    /// The nanomaterial's CAS Registry Number.
    pub cas_number: String,
    /// The contract's EU nanomaterial verdict ([`NanomaterialAssessment::is_nanomaterial`]).
    pub is_nanomaterial: bool,
    /// Lowercase hex SHA-256 of the safety data sheet.
    pub sds_sha256: String,
    /// Revision of the safety data sheet; a new one needs a new signature.
    pub sds_revision: u32,
    /// Hex SHA-256 of the whole application's canonical JSON.
    pub application_digest: String,
    /// MSP ID of the issuing certification body.
    pub issuer_org: String,
    /// Trust-list ID (`ik-` + 16 hex) of the signing key.
    pub issuer_key_id: String,
    /// Start of validity, Unix seconds.
    pub issued_at: i64,
    /// End of validity, Unix seconds.
    pub valid_until: i64,
    /// The certificate's status-list position, bound by the signature
    /// ([`POSITIONED_SCHEMA`]); absent in [`CANONICAL_SCHEMA`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_position: Option<u32>,
}

/// The issuance terms a certifier chooses before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuanceTerms<'a> {
    /// MSP ID of the certifier's organisation (the issuing certification body).
    pub issuer_org: &'a str,
    /// Trust-list ID (`ik-` + 16 hex) of the key that will sign.
    pub issuer_key_id: &'a str,
    /// Start of validity, Unix seconds; the contract accepts it within 10 minutes of the
    /// transaction timestamp.
    pub issued_at: i64,
    /// End of validity, Unix seconds; after `issued_at` and at most the requested validity later.
    pub valid_until: i64,
    /// The status-list position the signature binds: the one the issuing transaction
    /// gives the certificate, when that transaction also records its credential
    /// ([`POSITIONED_SCHEMA`]); `None` for a signature of the certificate alone.
    pub status_position: Option<u32>,
}

impl crate::records::Issuance {
    /// The terms this issuance was signed on.
    pub fn terms(&self) -> IssuanceTerms<'_> {
        IssuanceTerms {
            issuer_org: &self.issuer_org,
            issuer_key_id: &self.issuer_key_id,
            issued_at: self.issued_at,
            valid_until: self.valid_until,
            status_position: self.status_position,
        }
    }
}

impl CanonicalCertificate {
    /// Builds the canonical form of a certificate issued on these terms. `id`,
    /// `version` and `supersedes` are those of the certificate being issued.
    pub fn new(
        id: &str,
        version: u32,
        supersedes: Option<&str>,
        manufacturer_msp: &str,
        application: &Application,
        assessment: &NanomaterialAssessment,
        terms: &IssuanceTerms<'_>,
    ) -> Self {
        CanonicalCertificate {
            schema: if terms.status_position.is_some() { POSITIONED_SCHEMA } else { CANONICAL_SCHEMA }.to_owned(),
            id: id.to_owned(),
            version,
            supersedes: supersedes.map(str::to_owned),
            manufacturer_msp: manufacturer_msp.to_owned(),
            product_name: application.product_name.clone(),
            gtin: application.gtin.clone(),
            batch: application.batch.clone(),
            substance_name: application.nanomaterial.substance_name.clone(),
            cas_number: application.nanomaterial.cas_number.clone(),
            is_nanomaterial: assessment.is_nanomaterial,
            sds_sha256: application.sds.sha256.clone(),
            sds_revision: application.sds.revision,
            application_digest: application_digest(application),
            issuer_org: terms.issuer_org.to_owned(),
            issuer_key_id: terms.issuer_key_id.to_owned(),
            issued_at: terms.issued_at,
            valid_until: terms.valid_until,
            status_position: terms.status_position,
        }
    }

    /// The canonical certificate for an existing record with these terms.
    pub fn for_certificate(cert: &Certificate, terms: &IssuanceTerms<'_>) -> Self {
        Self::new(
            &cert.id,
            cert.version,
            cert.supersedes.as_deref(),
            &cert.manufacturer_msp,
            &cert.application,
            &cert.assessment,
            terms,
        )
    }

    /// The exact bytes that are hashed and signed.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising a struct of strings, integers and booleans cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Lowercase hex SHA-256 of [`Self::to_bytes`].
    pub fn digest_hex(&self) -> String {
        hex::encode(Sha256::digest(self.to_bytes()))
    }

    /// The message the certifier signs with Ed25519: the canonical bytes, through their
    /// SHA-256 digest, together with the fields an offline verifier must read in clear.
    /// See [`signing_input`].
    pub fn signing_input(&self) -> Vec<u8> {
        self.signing_input_with(&self.digest_hex())
    }

    /// [`CanonicalCertificate::signing_input`] when the digest is already at hand.
    pub fn signing_input_with(&self, digest_hex: &str) -> Vec<u8> {
        signing_input(&self.id, digest_hex, &self.issuer_key_id, self.issued_at, self.valid_until, self.status_position)
    }
}

/// The exact message an issuer signature covers:
/// `nanotrace/certificate/v1\n<id>\n<digest>\n<issuer key id>\n<issued_at>\n<valid_until>`,
/// or with a status-list position
/// `nanotrace/certificate/v2\n<id>\n<digest>\n<issuer key id>\n<issued_at>\n<valid_until>\n<position>`.
/// The digest binds every other field of the canonical certificate; the clear fields let
/// an offline token (ID, digest, key, dates, position, signature) be checked without the
/// record. The two schemas' messages differ in their first line, so neither signature
/// verifies as the other: a position cannot be cut off a token or added to one.
pub fn signing_input(
    id: &str,
    digest_hex: &str,
    issuer_key_id: &str,
    issued_at: i64,
    valid_until: i64,
    status_position: Option<u32>,
) -> Vec<u8> {
    match status_position {
        None => format!("{CANONICAL_SCHEMA}\n{id}\n{digest_hex}\n{issuer_key_id}\n{issued_at}\n{valid_until}"),
        Some(position) => {
            format!("{POSITIONED_SCHEMA}\n{id}\n{digest_hex}\n{issuer_key_id}\n{issued_at}\n{valid_until}\n{position}")
        }
    }
    .into_bytes()
}

/// Hex SHA-256 of an application's canonical JSON.
pub fn application_digest(application: &Application) -> String {
    let bytes = serde_json::to_vec(application).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}
