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

use crate::jcs_writer::JcsWriter;
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

/// The RFC 8785 (JCS) bytes of [`unsigned`]'s document — `jcs(&unsigned(…)?)`, byte for
/// byte — written straight from the certificate ([`JcsWriter`]): what a proof is made and
/// checked over, without building the document as a `Value` and sorting it (the
/// contract checks a credential per certificate an approval issues).
pub fn unsigned_jcs(
    cert: &Certificate,
    issuer_public_key: &[u8; 32],
    issuer_name: &str,
    status_base: &str,
) -> Result<Vec<u8>, CredentialError> {
    let issuance = cert.issuance.as_ref().ok_or_else(|| CredentialError::NotIssued(cert.id.clone()))?;
    let index = cert.status_index.ok_or_else(|| CredentialError::NoStatus(cert.id.clone()))?;
    let (valid_from, valid_until) =
        (date("issued_at", issuance.issued_at)?, date("valid_until", issuance.valid_until)?);
    let app = &cert.application;
    let nano = &app.nanomaterial;
    let size = &nano.particle_size;
    let mut w = JcsWriter::with_capacity(2048);
    // Every object's members in JCS order (their names' byte order).
    w.begin_object().key("@context").strings(&[VC_CONTEXT_V2]);
    w.key("credentialStatus").begin_array();
    let (list, list_index) = (crate::status::list_of(index), crate::status::index_in_list(index).to_string());
    for purpose in crate::status::StatusPurpose::ALL {
        let url = crate::status::list_url(status_base, purpose, list);
        w.begin_object()
            .key("id")
            .string(&format!("{url}#{list_index}"))
            .key("statusListCredential")
            .string(&url)
            .key("statusListIndex")
            .string(&list_index)
            .key("statusPurpose")
            .string(purpose.as_str())
            .key("type")
            .string("BitstringStatusListEntry")
            .end_object();
    }
    w.end_array();
    w.key("credentialSubject").begin_object();
    w.key("applicationDigest").string(&crate::canonical::application_digest(app));
    w.key("assessedMaterial").begin_object().key("casNumber").string(&nano.cas_number);
    if let Some(ec) = &nano.ec_number {
        w.key("ecNumber").string(ec);
    }
    w.key("name")
        .string(&nano.substance_name)
        .key("numberFraction1To100Nm")
        .number(size.fraction_1_100nm)
        .key("particleShape")
        .text_of(&nano.shape)
        .key("particleSizeD10Nm")
        .number(size.d10_nm)
        .key("particleSizeD50Nm")
        .number(size.d50_nm)
        .key("particleSizeD90Nm")
        .number(size.d90_nm)
        .key("surfaceTreatment")
        .string(&nano.surface_treatment)
        .key("type")
        .strings(&["Nanomaterial"])
        .key("volumeSpecificSurfaceAreaM2PerCm3")
        .number(nano.vssa_m2_per_cm3)
        .end_object();
    w.key("assessedProduct").begin_object().key("batchNumber").string(&app.batch);
    if let Some(gtin) = &app.gtin {
        w.key("gtin").string(&link::gtin14(gtin)).key("id").string(&link::digital_link(
            link::GS1_CANONICAL_ROOT,
            gtin,
            Some(&app.batch),
        ));
    }
    w.key("name").string(&app.product_name).key("type").strings(&["Product"]).end_object();
    w.key("assessment")
        .begin_object()
        .key("conformance")
        .boolean(true)
        .key("criterion")
        .string(&cert.assessment.rule)
        .key("description")
        .string(&cert.assessment.basis)
        .key("isNanomaterial")
        .boolean(cert.assessment.is_nanomaterial)
        .key("type")
        .strings(&["ConformityAssessment"])
        .end_object();
    w.key("certificateDigest")
        .string(&issuance.digest)
        .key("certificateId")
        .string(&cert.id)
        .key("certificateVersion")
        .integer(cert.version)
        .key("id")
        .string(&format!("urn:nanotrace:certificate:{}:v{}", cert.id, cert.version))
        .key("issuerKeyId")
        .string(&issuance.issuer_key_id);
    if let Some(tx_id) = &issuance.tx_id {
        w.key("issuingTransaction").string(tx_id);
    }
    w.key("manufacturer")
        .begin_object()
        .key("id")
        .string(&format!("urn:nanotrace:msp:{}", cert.manufacturer_msp))
        .key("type")
        .strings(&["Party"])
        .end_object();
    w.key("safetyDataSheet")
        .begin_object()
        .key("revision")
        .integer(app.sds.revision)
        .key("sha256")
        .string(&app.sds.sha256)
        .key("url")
        .string(&app.sds.url)
        .end_object();
    w.key("supersedes").optional_string(cert.supersedes.as_deref()).key("type").strings(&["ConformityAttestation"]);
    w.end_object();
    w.key("id")
        .string(&format!("urn:nanotrace:credential:{}:v{}", cert.id, cert.version))
        .key("issuer")
        .begin_object()
        .key("id")
        .string(&did_key(issuer_public_key))
        .key("mspId")
        .string(&issuance.issuer_org)
        .key("name")
        .string(issuer_name)
        .end_object()
        .key("type")
        .strings(&["VerifiableCredential", CREDENTIAL_TYPE])
        .key("validFrom")
        .string(&valid_from)
        .key("validUntil")
        .string(&valid_until)
        .end_object();
    Ok(w.finish())
}

/// The RFC 8785 bytes of [`proof_options`] for a credential (whose `@context` is always
/// `[VC_CONTEXT_V2]`), written straight ([`JcsWriter`]).
pub fn proof_options_jcs(public_key: &[u8; 32], created: i64) -> Result<Vec<u8>, CredentialError> {
    let created = date("created", created)?;
    let mut w = JcsWriter::with_capacity(256);
    w.begin_object()
        .key("@context")
        .strings(&[VC_CONTEXT_V2])
        .key("created")
        .string(&created)
        .key("cryptosuite")
        .string(CRYPTOSUITE)
        .key("proofPurpose")
        .string("assertionMethod")
        .key("type")
        .string("DataIntegrityProof")
        .key("verificationMethod")
        .string(&verification_method(public_key))
        .end_object();
    Ok(w.finish())
}

/// The 64 bytes the proof of `cert`'s credential covers ([`hash_data`] of [`unsigned`] and
/// [`proof_options`]), from the bytes [`unsigned_jcs`] and [`proof_options_jcs`] write:
/// what the certifier signs and the contract checks for every certificate it issues.
pub fn signing_input(
    cert: &Certificate,
    issuer_public_key: &[u8; 32],
    issuer_name: &str,
    status_base: &str,
    created: i64,
) -> Result<[u8; 64], CredentialError> {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(proof_options_jcs(issuer_public_key, created)?));
    out[32..].copy_from_slice(&Sha256::digest(unsigned_jcs(cert, issuer_public_key, issuer_name, status_base)?));
    Ok(out)
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
    // A position the issuance signature binds needs no signature of its own.
    let bound = cert.issuance.as_ref().and_then(|i| i.status_position);
    let position_signature = cert
        .status_index
        .filter(|position| bound != Some(*position))
        .map(|position| crate::status::sign_position(key, &cert.id, position));
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
    let message = signing_input(cert, &key.verifying_key().to_bytes(), issuer_name, status_base, created)?;
    Ok(proof_value(&key.sign(&message).to_bytes()))
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
        status_position: terms.status_position,
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
/// ([`as_issued`]): its proof by `key` at `created` (status lists under `status_base`),
/// for the position `cert` has ([`CredentialError::NoStatus`] without one). The position
/// is bound by the issuance signature of the same transaction
/// ([`crate::IssuanceTerms::status_position`]), not by a signature of its own.
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    /// An issued certificate whose every field the credential names is `fields`' (any
    /// text, any number: what the contract would refuse too, to cover every escape).
    fn certificate(fields: &Fields) -> Certificate {
        let mut cert: Certificate = serde_json::from_value(json!({
            "id": "NT-ABCDEFGH2345", "version": 1, "status": "ACTIVE", "status_since": 0,
            "manufacturer_msp": "ManufacturerMSP", "applicant": { "msp_id": "ManufacturerMSP", "id": "x" },
            "applied_at": 0,
            "application": {
                "product_name": "p", "batch": "b", "supplier": "s", "requested_validity_days": 365,
                "nanomaterial": {
                    "substance_name": "TiO2", "cas_number": "13463-67-7",
                    "particle_size": { "d10_nm": 1.0, "d50_nm": 2.0, "d90_nm": 3.0, "fraction_1_100nm": 0.5 },
                    "shape": "spherical", "vssa_m2_per_cm3": 60.0,
                },
                "sds": { "url": "https://example.com/sds.pdf", "sha256": "00", "revision": 1 },
            },
            "assessment": { "is_nanomaterial": true, "basis": "b", "rule": "r" },
            "issuance": {
                "issuer_org": "CertifierMSP", "issuer_key_id": "ik-0011223344556677",
                "approved_by": { "msp_id": "CertifierMSP", "id": "" }, "issued_at": 1_780_000_000,
                "valid_until": 1_811_536_000, "digest": "ab", "signature": "cd",
            },
            "last_change": { "action": "approved", "actor": { "msp_id": "CertifierMSP", "id": "" }, "at": 0, "tx_id": "t" },
        }))
        .expect("a certificate");
        cert.id.clone_from(&fields.texts[0]);
        cert.version = fields.version;
        cert.supersedes.clone_from(&fields.supersedes);
        cert.manufacturer_msp.clone_from(&fields.texts[1]);
        cert.status_index = Some(fields.position);
        let app = &mut cert.application;
        app.product_name.clone_from(&fields.texts[2]);
        app.gtin.clone_from(&fields.gtin);
        app.batch.clone_from(&fields.texts[3]);
        app.sds.url.clone_from(&fields.texts[4]);
        app.sds.sha256.clone_from(&fields.texts[5]);
        app.sds.revision = fields.version;
        let nano = &mut app.nanomaterial;
        nano.substance_name.clone_from(&fields.texts[6]);
        nano.cas_number.clone_from(&fields.texts[7]);
        nano.ec_number.clone_from(&fields.ec_number);
        nano.surface_treatment.clone_from(&fields.texts[8]);
        nano.shape = fields.shape;
        nano.vssa_m2_per_cm3 = fields.numbers[0];
        let size = &mut nano.particle_size;
        (size.d10_nm, size.d50_nm, size.d90_nm, size.fraction_1_100nm) =
            (fields.numbers[1], fields.numbers[2], fields.numbers[3], fields.numbers[4]);
        cert.assessment.rule.clone_from(&fields.texts[9]);
        cert.assessment.basis.clone_from(&fields.texts[10]);
        cert.assessment.is_nanomaterial = fields.is_nanomaterial;
        let issuance = cert.issuance.as_mut().expect("issued");
        issuance.issuer_org.clone_from(&fields.texts[11]);
        issuance.issuer_key_id.clone_from(&fields.texts[12]);
        issuance.digest.clone_from(&fields.texts[13]);
        issuance.tx_id.clone_from(&fields.tx_id);
        (issuance.issued_at, issuance.valid_until) = fields.validity;
        cert
    }

    #[derive(Debug)]
    struct Fields {
        texts: Vec<String>,
        numbers: Vec<f64>,
        version: u32,
        position: u32,
        supersedes: Option<String>,
        gtin: Option<String>,
        ec_number: Option<String>,
        tx_id: Option<String>,
        shape: crate::records::Shape,
        is_nanomaterial: bool,
        validity: (i64, i64),
    }

    fn fields() -> impl Strategy<Value = Fields> {
        use crate::records::Shape;
        let text = || prop_oneof![any::<String>(), "[ -~]{0,20}", "\\PC{0,8}"];
        let number = prop_oneof![any::<f64>(), 0.0..1e3f64, (0u32..100_000).prop_map(f64::from)];
        let shape = prop_oneof![Just(Shape::Spherical), Just(Shape::Tube), Just(Shape::Other), Just(Shape::Irregular)];
        (
            (proptest::collection::vec(text(), 14), proptest::collection::vec(number, 5), any::<u32>(), any::<u32>()),
            (
                proptest::option::of(text()),
                proptest::option::of("[0-9]{8,14}"),
                proptest::option::of(text()),
                proptest::option::of(text()),
            ),
            (shape, any::<bool>(), (0i64..4_000_000_000, 0i64..4_000_000_000)),
        )
            .prop_map(
                |(
                    (texts, numbers, version, position),
                    (supersedes, gtin, ec_number, tx_id),
                    (shape, nano, validity),
                )| {
                    Fields {
                        texts,
                        numbers,
                        version,
                        position,
                        supersedes,
                        gtin,
                        ec_number,
                        tx_id,
                        shape,
                        is_nanomaterial: nano,
                        validity,
                    }
                },
            )
    }

    proptest! {
        /// The bytes a proof covers, written straight from the certificate, are exactly
        /// `serde_json_canonicalizer`'s canonical form of the credential built as a
        /// `Value` (the form the interoperability test checks with Digital Bazaar's suite),
        /// whatever the certificate's texts and numbers.
        #[test]
        fn the_written_credential_is_the_canonical_form_of_the_built_one(
            fields in fields(),
            name in any::<String>(),
            base in prop_oneof![Just("http://127.0.0.1:8080".to_owned()), "https://[a-z]{1,10}\\.example(/[a-z~%]{1,5}){0,2}"],
            key in any::<[u8; 32]>(),
            created in 0i64..4_000_000_000,
        ) {
            let cert = certificate(&fields);
            let document = unsigned(&cert, &key, &name, &base).expect("a credential");
            prop_assert_eq!(
                String::from_utf8(unsigned_jcs(&cert, &key, &name, &base).expect("written")).expect("UTF-8"),
                String::from_utf8(jcs(&document).expect("canonical")).expect("UTF-8")
            );
            let options = proof_options(&document, &key, created).expect("options");
            prop_assert_eq!(proof_options_jcs(&key, created).expect("written"), jcs(&options).expect("canonical"));
            prop_assert_eq!(
                signing_input(&cert, &key, &name, &base, created).expect("written"),
                hash_data(&document, &options).expect("built")
            );
        }
    }

    /// A certificate without a position or an issuance has no credential, written or built.
    #[test]
    fn the_written_credential_refuses_what_the_built_one_refuses() {
        let fields =
            fields().new_tree(&mut proptest::test_runner::TestRunner::deterministic()).expect("fields").current();
        let key = [7u8; 32];
        let mut unplaced = certificate(&fields);
        unplaced.status_index = None;
        assert_eq!(
            unsigned_jcs(&unplaced, &key, "n", "http://x").err(),
            unsigned(&unplaced, &key, "n", "http://x").err()
        );
        let mut unissued = certificate(&fields);
        unissued.issuance = None;
        assert_eq!(
            unsigned_jcs(&unissued, &key, "n", "http://x").err(),
            unsigned(&unissued, &key, "n", "http://x").err()
        );
        assert!(unsigned_jcs(&unissued, &key, "n", "http://x").is_err());
    }
}
