//! An issued certificate as a W3C Verifiable Credential 2.0, checkable without NanoTrace:
//! the certificate's content in the shape of the UN Transparency Protocol's *Digital
//! Conformity Credential*, issued by the certification body's Ed25519 issuer key (the one
//! it registers on the ledger and signs approvals with) as a `did:key`, and secured by a
//! W3C Data Integrity proof of the `eddsa-jcs-2022` cryptosuite.
//!
//! Why `eddsa-jcs-2022`: its canonical form is RFC 8785 JSON (JCS), a pure function of the
//! JSON text that the contract, the CLI, the console's browser and any verifier compute
//! the same way with no JSON-LD processing and no context to fetch; `@digitalbazaar/vc`
//! with `@digitalbazaar/eddsa-jcs-2022-cryptosuite` (Digital Bazaar's maintained suite, the
//! same family as its `eddsa-rdfc-2022` one) verifies it. `eddsa-rdfc-2022` would need RDF
//! dataset canonicalisation of the JSON-LD expansion, i.e. a JSON-LD processor and every
//! context wherever a proof is made or checked.
//!
//! The proof (Data Integrity §4 and the EdDSA cryptosuites' `eddsa-jcs-2022`):
//! `proofValue = "z" + base58btc(Ed25519(SHA-256(JCS(proof options)) ‖
//! SHA-256(JCS(credential))))`, the proof options being the proof without `proofValue`,
//! with the credential's `@context`.
//!
//! The only JSON-LD context is the VC 2.0 one (pinned by [`VC_CONTEXT_V2_SHA256`]); the
//! credential's own terms fall under its `@vocab` (the issuer-dependent vocabulary), since
//! UNTP's context is not published as a pinned artefact a verifier could hold locally.

use crate::link;
use crate::records::{Certificate, CertificateStatus, CredentialProof, IssuerKey, Organization};
use crate::validate::{self, ValidationError};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The W3C VC 2.0 base context.
pub const VC_CONTEXT_V2: &str = "https://www.w3.org/ns/credentials/v2";

/// SHA-256 of the VC 2.0 context document a verifier must hold for [`VC_CONTEXT_V2`]
/// (the file `contexts/v2.jsonld` of npm's `@digitalbazaar/credentials-context` 3.2.0,
/// which the interoperability test loads, checking this digest first).
pub const VC_CONTEXT_V2_SHA256: &str = "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f";

/// The Data Integrity cryptosuite of every proof made here.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";

/// The credential's types after `VerifiableCredential` (UNTP's name for a conformity
/// attestation by a conformity assessment body).
pub const CREDENTIAL_TYPE: &str = "DigitalConformityCredential";

/// The multicodec prefix of an Ed25519 public key (`ed25519-pub`, 0xed as a varint).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

/// Why a credential could not be made or does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    /// Only an issued certificate has a credential.
    #[error("certificate {0} has never been issued, so it has no credential")]
    NotIssued(String),
    /// A time outside what RFC 3339 can write.
    #[error("{what} {seconds} is not a representable date")]
    Date {
        /// Which date.
        what: &'static str,
        /// Its Unix seconds.
        seconds: i64,
    },
    /// The document is not a credential of this form.
    #[error("not a NanoTrace credential: {0}")]
    Malformed(String),
    /// The proof does not verify.
    #[error("the credential's proof does not verify: {0}")]
    Proof(String),
    /// Only a certificate in force gets a new credential (a credential says the
    /// certificate was in force when made; the status lists tell what became of it).
    #[error("certificate {id} is {status}, not in force: it gets no credential")]
    NotInForce {
        /// The certificate.
        id: String,
        /// Its status (or EXPIRED).
        status: String,
    },
    /// The key that signed the certificate's issuance is not on the trust list.
    #[error("issuer key {0} is not on the trust list")]
    UnknownKey(String),
    /// The certifier has not recorded the certificate's credential on the ledger.
    #[error(
        "certificate {0} has no credential on the ledger yet: its certifier records one with AttachCredential \
         (`nanotrace vc sign`, or \"Sign the credential\" in the console)"
    )]
    NotRecorded(String),
    /// The recorded proof no longer matches the certificate (changed since it was signed).
    #[error(
        "certificate {0} changed since its certifier signed its credential (the recorded proof no longer matches): \
         the certifier must sign it again"
    )]
    Outdated(String),
    /// The key is on the trust list but retired or outside its validity.
    #[error("issuer key {0} is retired or outside its validity on the trust list: it issues nothing now")]
    KeyNotUsable(String),
    /// The certificate has no status-list position (issued before the status lists), so
    /// a credential of it could name no status entry and would never show a revocation.
    #[error(
        "certificate {0} has no status-list position (issued before the status lists): a credential without status \
         entries cannot be revoked, so it has none until its certifier signs it again (`nanotrace vc sign` first \
         gives it a position)"
    )]
    NoStatus(String),
    /// The credential names status lists under a URL that is not one of its issuing
    /// organisation's status bases on the ledger ([`Organization::status_bases`]).
    #[error(
        "certificate {id}'s credential names status lists under {base}, which is not a status base of its issuing \
         organisation on the ledger: its certifier must sign it again under a registered one"
    )]
    UnknownStatusBase {
        /// The certificate.
        id: String,
        /// The URL its credential names.
        base: String,
    },
}

/// How many status bases a certification body may have at once (two while it moves its
/// credentials from one verifier to another, with room to spare).
pub const MAX_STATUS_BASES: usize = 4;

/// The trust-list entry of the key that may issue `cert`'s credential at `at` (Unix
/// seconds): the key that signed its issuance, usable then; and only while the
/// certificate is in force.
pub fn issuing_key<'a>(
    cert: &Certificate,
    trust_list: &'a [IssuerKey],
    at: i64,
) -> Result<&'a IssuerKey, CredentialError> {
    let issuance = cert.issuance.as_ref().ok_or_else(|| CredentialError::NotIssued(cert.id.clone()))?;
    if cert.status != CertificateStatus::Active || at >= issuance.valid_until {
        let status = if cert.status == CertificateStatus::Active { "EXPIRED" } else { cert.status.as_str() };
        return Err(CredentialError::NotInForce { id: cert.id.clone(), status: status.to_owned() });
    }
    let key = trust_list
        .iter()
        .find(|k| k.key_id == issuance.issuer_key_id)
        .ok_or_else(|| CredentialError::UnknownKey(issuance.issuer_key_id.clone()))?;
    if !key.usable_at(at) {
        return Err(CredentialError::KeyNotUsable(key.key_id.clone()));
    }
    Ok(key)
}

/// The 32 bytes of a trust-list key's public key.
pub fn public_key(key: &IssuerKey) -> Result<[u8; 32], CredentialError> {
    hex::decode(&key.public_key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| CredentialError::Malformed(format!("issuer key {} is not 32 bytes of hex", key.key_id)))
}

/// The name a credential gives the certification body `msp_id`: its registered name,
/// else the MSP ID.
pub fn issuer_name<'a>(organizations: &'a [Organization], msp_id: &'a str) -> &'a str {
    organizations.iter().find(|o| o.msp_id == msp_id).map_or(msp_id, |o| o.name.as_str())
}

/// The `did:key` of an Ed25519 public key: `did:key:z6Mk…` (multicodec `ed25519-pub`,
/// multibase base58btc).
pub fn did_key(public_key: &[u8; 32]) -> String {
    format!("did:key:{}", multikey(public_key))
}

/// The key's verification method in its `did:key` document: `did:key:z6Mk…#z6Mk…`.
pub fn verification_method(public_key: &[u8; 32]) -> String {
    let key = multikey(public_key);
    format!("did:key:{key}#{key}")
}

/// The Multikey (`publicKeyMultibase`) form of an Ed25519 public key.
pub fn multikey(public_key: &[u8; 32]) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&ED25519_PUB);
    bytes.extend_from_slice(public_key);
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Unix seconds as an RFC 3339 UTC date-time (`2026-11-24T20:00:00Z`), as credentials
/// write dates; `None` outside what RFC 3339 can write.
pub fn rfc3339(seconds: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
}

/// [`rfc3339`], or which date could not be written.
fn date(what: &'static str, seconds: i64) -> Result<String, CredentialError> {
    rfc3339(seconds).ok_or(CredentialError::Date { what, seconds })
}

/// The credential of an issued certificate, before its proof: issued by the holder of
/// `issuer_public_key` (the key whose trust-list ID the issuance names) for the
/// certification body `issuer_name`; its status entries name the revocation and
/// suspension lists a verifier publishes under `status_base`. A certificate without a
/// status-list position (issued before the lists) has no credential
/// ([`CredentialError::NoStatus`]): every credential carries its status entries.
pub fn unsigned(
    cert: &Certificate,
    issuer_public_key: &[u8; 32],
    issuer_name: &str,
    status_base: &str,
) -> Result<Value, CredentialError> {
    let issuance = cert.issuance.as_ref().ok_or_else(|| CredentialError::NotIssued(cert.id.clone()))?;
    let index = cert.status_index.ok_or_else(|| CredentialError::NoStatus(cert.id.clone()))?;
    let app = &cert.application;
    let nano = &app.nanomaterial;
    let size = &nano.particle_size;
    let mut product = Map::new();
    product.insert("type".into(), json!(["Product"]));
    product.insert("name".into(), json!(app.product_name));
    if let Some(gtin) = &app.gtin {
        product.insert("id".into(), json!(link::digital_link(link::GS1_CANONICAL_ROOT, gtin, Some(&app.batch))));
        product.insert("gtin".into(), json!(link::gtin14(gtin)));
    }
    product.insert("batchNumber".into(), json!(app.batch));
    let mut material = json!({
        "type": ["Nanomaterial"],
        "name": nano.substance_name,
        "casNumber": nano.cas_number,
        "particleShape": nano.shape,
        "surfaceTreatment": nano.surface_treatment,
        "particleSizeD10Nm": size.d10_nm,
        "particleSizeD50Nm": size.d50_nm,
        "particleSizeD90Nm": size.d90_nm,
        "numberFraction1To100Nm": size.fraction_1_100nm,
        "volumeSpecificSurfaceAreaM2PerCm3": nano.vssa_m2_per_cm3,
    });
    if let Some(ec) = &nano.ec_number {
        material["ecNumber"] = json!(ec);
    }
    let mut subject = json!({
        "type": ["ConformityAttestation"],
        "id": format!("urn:nanotrace:certificate:{}:v{}", cert.id, cert.version),
        "certificateId": cert.id,
        "certificateVersion": cert.version,
        "supersedes": cert.supersedes,
        "manufacturer": { "type": ["Party"], "id": format!("urn:nanotrace:msp:{}", cert.manufacturer_msp) },
        "assessedProduct": product,
        "assessedMaterial": material,
        "assessment": {
            "type": ["ConformityAssessment"],
            "criterion": cert.assessment.rule,
            "conformance": true,
            "description": cert.assessment.basis,
            "isNanomaterial": cert.assessment.is_nanomaterial,
        },
        "safetyDataSheet": { "url": app.sds.url, "sha256": app.sds.sha256, "revision": app.sds.revision },
        "applicationDigest": crate::canonical::application_digest(app),
        "certificateDigest": issuance.digest,
        "issuerKeyId": issuance.issuer_key_id,
    });
    if let Some(tx_id) = &issuance.tx_id {
        subject["issuingTransaction"] = json!(tx_id);
    }
    Ok(json!({
        "@context": [VC_CONTEXT_V2],
        "id": format!("urn:nanotrace:credential:{}:v{}", cert.id, cert.version),
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": { "id": did_key(issuer_public_key), "name": issuer_name, "mspId": issuance.issuer_org },
        "validFrom": date("issued_at", issuance.issued_at)?,
        "validUntil": date("valid_until", issuance.valid_until)?,
        "credentialSubject": subject,
        "credentialStatus": crate::status::entries(status_base, index),
    }))
}

/// The proof options of a proof made by `public_key`'s holder at `created` (Unix
/// seconds), for `document`: the proof without its `proofValue`.
pub fn proof_options(document: &Value, public_key: &[u8; 32], created: i64) -> Result<Value, CredentialError> {
    let mut options = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": date("created", created)?,
        "verificationMethod": verification_method(public_key),
        "proofPurpose": "assertionMethod",
    });
    if let Some(context) = document.get("@context") {
        options["@context"] = context.clone();
    }
    Ok(options)
}

/// Checks the verifier URL a credential's status entries are to name: an http or https
/// URL ([`validate::https_url`]) with no query, fragment or trailing slash, so that
/// [`status::list_url`](crate::status::list_url) appends its path to it unambiguously.
pub fn check_status_base(field: &str, base: &str) -> Result<(), ValidationError> {
    validate::https_url(field, base)?;
    if base.contains(['?', '#']) {
        return Err(ValidationError::new(field, "must have no query or fragment"));
    }
    if base.ends_with('/') {
        return Err(ValidationError::new(field, "must not end with a slash"));
    }
    Ok(())
}

/// Checks the status bases an admin sets for a certification body
/// (`SetStatusBases`): at most [`MAX_STATUS_BASES`], each once, each a
/// [`check_status_base`] URL.
pub fn check_status_bases(field: &str, bases: &[String]) -> Result<(), ValidationError> {
    if bases.len() > MAX_STATUS_BASES {
        return Err(ValidationError::new(
            field,
            format!("must hold at most {MAX_STATUS_BASES} URLs, got {}", bases.len()),
        ));
    }
    for (i, base) in bases.iter().enumerate() {
        check_status_base(&format!("{field}[{i}]"), base)?;
        if bases[..i].contains(base) {
            return Err(ValidationError::new(format!("{field}[{i}]"), format!("{base} appears twice")));
        }
    }
    Ok(())
}

/// Whether `base` is one of the status bases the certification body `issuer_org` has on
/// the ledger (as `organizations` list them).
pub fn is_status_base_of(organizations: &[Organization], issuer_org: &str, base: &str) -> bool {
    organizations.iter().any(|o| o.msp_id == issuer_org && o.status_bases.iter().any(|b| b == base))
}

/// The status base the credentials `issuer_org` issues name: `preferred` (e.g. the
/// verifier URL a CLI is configured with) when it is one of the organisation's status
/// bases, else its first; `None` when it has none (the admin sets them with
/// `SetStatusBases`), and then it can record no credential.
pub fn status_base_for<'a>(organizations: &'a [Organization], issuer_org: &str, preferred: &str) -> Option<&'a str> {
    let bases = &organizations.iter().find(|o| o.msp_id == issuer_org)?.status_bases;
    bases.iter().find(|b| *b == preferred).or_else(|| bases.first()).map(String::as_str)
}

/// The `AttachCredential` request that gives `cert`, issued before the status lists, its
/// status-list position (no proof: none can cover a position not yet given). The
/// certifier then signs the credential of the certificate as the ledger answers it, which
/// names the position ([`attachment`]). [`CredentialError::Malformed`] for a certificate
/// that has its position already.
pub fn position_request(
    cert: &Certificate,
    status_base: &str,
    created: i64,
) -> Result<crate::AttachCredentialRequest, CredentialError> {
    if let Some(index) = cert.status_index {
        return Err(CredentialError::Malformed(format!(
            "certificate {} has its status-list position ({index}) already: sign its credential",
            cert.id
        )));
    }
    Ok(empty_proof_request(cert, status_base, created, false))
}

/// The `AttachCredential` request that moves `cert` (which has a status-list position) to
/// a new position, retiring the old one, so that a credential of an earlier revision that
/// names the old position fails a status check; then sign the credential that names the
/// new one ([`attachment`]).
pub fn new_position_request(
    cert: &Certificate,
    status_base: &str,
    created: i64,
) -> Result<crate::AttachCredentialRequest, CredentialError> {
    if cert.status_index.is_none() {
        return Err(CredentialError::Malformed(format!(
            "certificate {} has no status-list position yet: give it one ({})",
            cert.id, "position_request"
        )));
    }
    Ok(empty_proof_request(cert, status_base, created, true))
}

/// An `AttachCredential` request without a proof: a position given, or a new one.
fn empty_proof_request(
    cert: &Certificate,
    status_base: &str,
    created: i64,
    new_position: bool,
) -> crate::AttachCredentialRequest {
    crate::AttachCredentialRequest {
        certificate_id: cert.id.clone(),
        status_base: status_base.into(),
        created,
        proof_value: String::new(),
        position_signature: None,
        new_position,
    }
}

/// The credential of `cert` with the recorded `proof`, issued by the holder of
/// `issuer_public_key` for the certification body `issuer_name`; checked, so that what
/// this returns verifies ([`CredentialError::Outdated`] when the certificate changed since
/// the proof was made).
pub fn with_proof(
    cert: &Certificate,
    issuer_public_key: &[u8; 32],
    issuer_name: &str,
    proof: &CredentialProof,
) -> Result<Value, CredentialError> {
    let document = unsigned(cert, issuer_public_key, issuer_name, &proof.status_base)?;
    let options = proof_options(&document, issuer_public_key, proof.created)?;
    let signature = proof_signature(&proof.proof_value)?;
    let secured = secured(document, options, &signature);
    match verify(&secured, issuer_public_key) {
        Ok(()) => Ok(secured),
        Err(CredentialError::Proof(_)) => Err(CredentialError::Outdated(cert.id.clone())),
        Err(e) => Err(e),
    }
}

/// The credential of `cert` as the ledger records it (its [`Certificate::credential`]
/// proof), whatever the certificate's state now (the status lists tell it): the issuing
/// key from `trust_list`, the issuer's name from `organizations`. Only a credential that
/// can show a revocation: it names the certificate's status-list position
/// ([`CredentialError::NoStatus`] for one recorded before the certificate had one) under
/// one of the issuing organisation's status bases in `organizations`, or under
/// `own_base` (a verifier's own URL, where it publishes the lists itself);
/// [`CredentialError::UnknownStatusBase`] otherwise.
pub fn recorded(
    cert: &Certificate,
    trust_list: &[IssuerKey],
    organizations: &[Organization],
    own_base: Option<&str>,
) -> Result<Value, CredentialError> {
    let proof = cert.credential.as_ref().ok_or_else(|| CredentialError::NotRecorded(cert.id.clone()))?;
    let issuance = cert.issuance.as_ref().ok_or_else(|| CredentialError::NotIssued(cert.id.clone()))?;
    if cert.status_index.is_none() {
        return Err(CredentialError::NoStatus(cert.id.clone()));
    }
    if own_base != Some(proof.status_base.as_str())
        && !is_status_base_of(organizations, &issuance.issuer_org, &proof.status_base)
    {
        return Err(CredentialError::UnknownStatusBase { id: cert.id.clone(), base: proof.status_base.clone() });
    }
    let key = trust_list
        .iter()
        .find(|k| k.key_id == issuance.issuer_key_id)
        .ok_or_else(|| CredentialError::UnknownKey(issuance.issuer_key_id.clone()))?;
    let public = public_key(key)?;
    with_proof(cert, &public, issuer_name(organizations, &issuance.issuer_org), proof)
}

/// The `proofValue` of a 64-byte Ed25519 signature: `z` + base58btc (multibase).
pub fn proof_value(signature: &[u8; 64]) -> String {
    format!("z{}", bs58::encode(signature).into_string())
}

/// The 64 signature bytes of a `proofValue` (`z` + base58btc).
pub fn proof_signature(value: &str) -> Result<[u8; 64], CredentialError> {
    value
        .strip_prefix('z')
        .and_then(|b58| bs58::decode(b58).into_vec().ok())
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or_else(|| CredentialError::Proof("its proofValue is not a base58btc Ed25519 signature".into()))
}

/// RFC 8785 (JCS) canonical JSON of `value`.
pub fn jcs(value: &Value) -> Result<Vec<u8>, CredentialError> {
    serde_json_canonicalizer::to_vec(value).map_err(|e| CredentialError::Malformed(format!("cannot canonicalise: {e}")))
}

/// The 64 bytes an `eddsa-jcs-2022` signature covers: SHA-256 of the canonical proof
/// options, then SHA-256 of the canonical document (without its proof).
pub fn hash_data(document: &Value, options: &Value) -> Result<[u8; 64], CredentialError> {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(jcs(options)?));
    out[32..].copy_from_slice(&Sha256::digest(jcs(document)?));
    Ok(out)
}

/// `document` with its proof: `options` with `proofValue` (the multibase base58btc of
/// `signature`).
pub fn secured(mut document: Value, mut options: Value, signature: &[u8; 64]) -> Value {
    options["proofValue"] = json!(proof_value(signature));
    document["proof"] = options;
    document
}

/// The credential of `cert` (status lists under `status_base`), signed now (`created`,
/// Unix seconds) with the issuer key.
pub fn sign(
    cert: &Certificate,
    key: &SigningKey,
    issuer_name: &str,
    status_base: &str,
    created: i64,
) -> Result<Value, CredentialError> {
    let public = key.verifying_key().to_bytes();
    let document = unsigned(cert, &public, issuer_name, status_base)?;
    let options = proof_options(&document, &public, created)?;
    let signature = key.sign(&hash_data(&document, &options)?);
    Ok(secured(document, options, &signature.to_bytes()))
}

/// The `AttachCredential` request that records the proof of `cert`'s credential, signed
/// now (`created`, Unix seconds) with the issuer key, its status entries naming the lists
/// under `status_base`.
pub fn attachment(
    cert: &Certificate,
    key: &SigningKey,
    issuer_name: &str,
    status_base: &str,
    created: i64,
) -> Result<crate::AttachCredentialRequest, CredentialError> {
    let proof_value = signed_proof_value(cert, key, issuer_name, status_base, created)?;
    let position_signature = cert.status_index.map(|position| crate::status::sign_position(key, &cert.id, position));
    Ok(crate::AttachCredentialRequest {
        certificate_id: cert.id.clone(),
        status_base: status_base.into(),
        created,
        proof_value,
        position_signature,
        new_position: false,
    })
}

/// The `proofValue` of `cert`'s credential signed with `key` ([`sign`]).
fn signed_proof_value(
    cert: &Certificate,
    key: &SigningKey,
    issuer_name: &str,
    status_base: &str,
    created: i64,
) -> Result<String, CredentialError> {
    let secured = sign(cert, key, issuer_name, status_base, created)?;
    secured["proof"]["proofValue"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| CredentialError::Malformed("the signed credential has no proofValue".into()))
}

/// The issuance an approval or renewal of `cert` (the certificate as it is issued: for a
/// renewal, the new version) on `terms` records in transaction `tx_id`, signed with
/// `signature`: what [`as_issued`] takes. Who approves is recorded by the contract from
/// the caller and is not in the credential, so it is named here by its organisation only.
pub fn issuance_of(
    cert: &Certificate,
    terms: &crate::IssuanceTerms<'_>,
    signature: String,
    tx_id: &str,
) -> crate::Issuance {
    crate::Issuance {
        issuer_org: terms.issuer_org.to_owned(),
        issuer_key_id: terms.issuer_key_id.to_owned(),
        approved_by: crate::Actor { msp_id: terms.issuer_org.to_owned(), id: String::new() },
        issued_at: terms.issued_at,
        valid_until: terms.valid_until,
        digest: crate::CanonicalCertificate::for_certificate(cert, terms).digest_hex(),
        signature,
        tx_id: Some(tx_id.to_owned()),
    }
}

/// `cert` as the transaction that issues it leaves it, as far as its credential tells:
/// with `issuance` (for an approval or renewal: the terms the certifier signs, the digest
/// of their canonical bytes and the transaction's ID) and status-list position `position`
/// (what `StatusPositions` answers for that transaction), in force. What an issuing
/// transaction's credential is signed over before the transaction is submitted
/// ([`issued`]).
pub fn as_issued(cert: &Certificate, issuance: crate::Issuance, position: u32) -> Certificate {
    let mut issued = cert.clone();
    issued.issuance = Some(issuance);
    issued.status = CertificateStatus::Active;
    issued.status_index = Some(position);
    issued.credential = None;
    issued
}

/// The credential an issuing transaction (`Approve`, `ApproveBatch`, `Renew`, a
/// re-signing `Reinstate`) carries for `cert` as that transaction leaves it
/// ([`as_issued`]): its proof by `key` at `created` (status lists under `status_base`)
/// and the position signature, for the position `cert` has
/// ([`CredentialError::NoStatus`] without one).
pub fn issued(
    cert: &Certificate,
    key: &SigningKey,
    issuer_name: &str,
    status_base: &str,
    created: i64,
) -> Result<crate::IssuedCredential, CredentialError> {
    let position = cert.status_index.ok_or_else(|| CredentialError::NoStatus(cert.id.clone()))?;
    Ok(crate::IssuedCredential {
        status_index: position,
        status_base: status_base.into(),
        created,
        proof_value: signed_proof_value(cert, key, issuer_name, status_base, created)?,
        position_signature: crate::status::sign_position(key, &cert.id, position),
    })
}

/// Checks a secured credential's proof against `public_key` (the issuer's key on the
/// trust list): the proof is this cryptosuite's, made by that key's verification method,
/// and its signature covers the credential as it is.
pub fn verify(secured: &Value, public_key: &[u8; 32]) -> Result<(), CredentialError> {
    let mut document = secured.clone();
    let object = document.as_object_mut().ok_or_else(|| CredentialError::Malformed("not a JSON object".into()))?;
    let mut options = object.remove("proof").ok_or_else(|| CredentialError::Malformed("no proof".into()))?;
    let proof =
        options.as_object_mut().ok_or_else(|| CredentialError::Malformed("the proof is not an object".into()))?;
    let value = proof.remove("proofValue").and_then(|v| v.as_str().map(str::to_owned));
    let value = value.ok_or_else(|| CredentialError::Malformed("the proof has no proofValue".into()))?;
    for (field, expected) in [
        ("type", json!("DataIntegrityProof")),
        ("cryptosuite", json!(CRYPTOSUITE)),
        ("verificationMethod", json!(verification_method(public_key))),
        ("proofPurpose", json!("assertionMethod")),
    ] {
        if proof.get(field) != Some(&expected) {
            return Err(CredentialError::Proof(format!("its {field} is not {expected}")));
        }
    }
    if proof.get("@context").is_some_and(|c| Some(c) != object.get("@context")) {
        return Err(CredentialError::Proof("its @context is not the credential's".into()));
    }
    let bytes = proof_signature(&value)?;
    let key = VerifyingKey::from_bytes(public_key).map_err(|e| CredentialError::Proof(e.to_string()))?;
    key.verify(&hash_data(&document, &options)?, &Signature::from_bytes(&bytes))
        .map_err(|_| CredentialError::Proof("the signature does not match the credential".into()))
}
