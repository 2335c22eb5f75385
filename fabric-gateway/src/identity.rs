//! Client identities: the X.509 certificate and MSP ID a transaction is created by,
//! and the key that signs it.
//!
//! Fabric signs two ways, and the signer says which (`Signer::hash`):
//!
//! - ECDSA P-256: the signature is over the SHA-256 digest of the message, DER-encoded,
//!   with a low S value (`s <= n/2`); peers refuse high-S signatures.
//! - Ed25519 (channel capability V3_0): the signature is over the *whole message*, with
//!   no pre-hash ([`HashAlgorithm::None`]), as Fabric's Go Gateway needs with
//!   `client.WithHash(hash.NONE)`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nanotrace_protos::msp::SerializedIdentity;
use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::pkcs8::DecodePrivateKey as _;
use prost::Message;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Why an identity could not be loaded.
#[derive(Debug, Error)]
pub enum IdentityError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An MSP folder lacks a certificate or key, or has several.
    #[error("MSP folder {path}: {message}")]
    MspFolder {
        /// The folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The private key is neither a P-256 ECDSA key nor an Ed25519 key in PEM.
    #[error("unsupported or malformed private key: {0}")]
    Key(String),
    /// A certificate is not PEM.
    #[error("malformed certificate: {0}")]
    Certificate(String),
}

/// How a message is reduced before it is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-256 (ECDSA identities).
    Sha256,
    /// No hash: the signer receives the whole message (Ed25519 identities).
    None,
}

impl HashAlgorithm {
    /// The digest of `message` that a signer signs.
    pub fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha256 => Sha256::digest(message).to_vec(),
            HashAlgorithm::None => message.to_vec(),
        }
    }
}

/// Signs digests for an identity (an in-process key, or an adapter to an HSM or a
/// remote signing service).
pub trait Signer: Send + Sync {
    /// Signs a digest produced by [`Signer::hash`]; returns the signature as Fabric
    /// expects it (DER for ECDSA, 64 raw bytes for Ed25519).
    fn sign(&self, digest: &[u8]) -> Result<Vec<u8>, SignError>;
    /// The hash this signer's digests are made with.
    fn hash(&self) -> HashAlgorithm;
}

/// A signer failed.
#[derive(Debug, Error)]
#[error("signing failed: {0}")]
pub struct SignError(pub String);

/// An ECDSA P-256 key: signs SHA-256 digests, DER-encoded, low-S.
#[derive(Clone)]
pub struct EcdsaSigner {
    key: p256::ecdsa::SigningKey,
}

impl EcdsaSigner {
    /// Wraps a P-256 key.
    pub fn new(key: p256::ecdsa::SigningKey) -> Self {
        EcdsaSigner { key }
    }

    /// The public key.
    pub fn verifying_key(&self) -> p256::ecdsa::VerifyingKey {
        *self.key.verifying_key()
    }
}

impl Signer for EcdsaSigner {
    fn sign(&self, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        let sig: p256::ecdsa::Signature =
            self.key.sign_prehash(digest).map_err(|e| SignError(format!("ECDSA: {e}")))?;
        // Fabric rejects signatures whose S is in the upper half of the curve order.
        let sig = sig.normalize_s().unwrap_or(sig);
        Ok(sig.to_der().as_bytes().to_vec())
    }

    fn hash(&self) -> HashAlgorithm {
        HashAlgorithm::Sha256
    }
}

impl fmt::Debug for EcdsaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EcdsaSigner(P-256)")
    }
}

/// An Ed25519 key: signs whole messages (no pre-hash).
#[derive(Clone)]
pub struct Ed25519Signer {
    key: ed25519_dalek::SigningKey,
}

impl Ed25519Signer {
    /// Wraps an Ed25519 key.
    pub fn new(key: ed25519_dalek::SigningKey) -> Self {
        Ed25519Signer { key }
    }
}

impl Signer for Ed25519Signer {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        use ed25519_dalek::Signer as _;
        Ok(self.key.sign(message).to_bytes().to_vec())
    }

    fn hash(&self) -> HashAlgorithm {
        HashAlgorithm::None
    }
}

impl fmt::Debug for Ed25519Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ed25519Signer")
    }
}

/// An X.509 identity: MSP ID and PEM certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    msp_id: String,
    credentials: Vec<u8>,
}

impl Identity {
    /// An identity of `msp_id` with the PEM certificate `cert_pem`.
    pub fn new(msp_id: impl Into<String>, cert_pem: impl Into<Vec<u8>>) -> Result<Self, IdentityError> {
        let credentials = cert_pem.into();
        if !String::from_utf8_lossy(&credentials).contains("-----BEGIN CERTIFICATE-----") {
            return Err(IdentityError::Certificate("no PEM CERTIFICATE block".into()));
        }
        Ok(Identity { msp_id: msp_id.into(), credentials })
    }

    /// The MSP ID.
    pub fn msp_id(&self) -> &str {
        &self.msp_id
    }

    /// The PEM certificate.
    pub fn credentials(&self) -> &[u8] {
        &self.credentials
    }

    /// The marshalled `msp.SerializedIdentity`: the creator in every header and request.
    pub fn creator(&self) -> Vec<u8> {
        SerializedIdentity { mspid: self.msp_id.clone(), id_bytes: self.credentials.clone() }.encode_to_vec()
    }
}

/// An identity with the means to sign for it, or without (then every proposal,
/// transaction and request is signed offline: see the `digest`/`with_signature`
/// methods of [`crate::Proposal`] and the others).
#[derive(Clone)]
pub struct SigningIdentity {
    identity: Identity,
    signer: Option<Arc<dyn Signer>>,
    hash: HashAlgorithm,
}

impl fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("msp_id", &self.identity.msp_id)
            .field("hash", &self.hash)
            .field("in_process_signer", &self.signer.is_some())
            .finish()
    }
}

impl SigningIdentity {
    /// An identity signed for by `signer`.
    pub fn new(identity: Identity, signer: Arc<dyn Signer>) -> Self {
        let hash = signer.hash();
        SigningIdentity { identity, signer: Some(signer), hash }
    }

    /// An identity without an in-process key: every message must be signed offline,
    /// over digests made with `hash` (`Sha256` for ECDSA, `None` for Ed25519).
    pub fn offline(identity: Identity, hash: HashAlgorithm) -> Self {
        SigningIdentity { identity, signer: None, hash }
    }

    /// Loads a certificate and a PEM private key (PKCS#8 ECDSA P-256 or Ed25519, or
    /// SEC1 `EC PRIVATE KEY`).
    pub fn from_pem(msp_id: &str, cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, IdentityError> {
        let identity = Identity::new(msp_id, cert_pem.to_vec())?;
        Ok(SigningIdentity::new(identity, signer_from_pem(key_pem)?))
    }

    /// Loads a Fabric MSP folder: the certificate in `signcerts/` and the key in
    /// `keystore/` (one file each).
    pub fn from_msp_dir(msp_id: &str, msp_dir: impl AsRef<Path>) -> Result<Self, IdentityError> {
        let dir = msp_dir.as_ref();
        let cert = read(&single_file(&dir.join("signcerts"))?)?;
        let key = read(&single_file(&dir.join("keystore"))?)?;
        Self::from_pem(msp_id, &cert, &key)
    }

    /// Loads a certificate file and a key file.
    pub fn from_files(msp_id: &str, cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self, IdentityError> {
        Self::from_pem(msp_id, &read(cert.as_ref())?, &read(key.as_ref())?)
    }

    /// The identity.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The hash used for digests.
    pub fn hash(&self) -> HashAlgorithm {
        self.hash
    }

    /// The serialized creator.
    pub fn creator(&self) -> Vec<u8> {
        self.identity.creator()
    }

    /// The digest of `message` to sign.
    pub fn digest(&self, message: &[u8]) -> Vec<u8> {
        self.hash.digest(message)
    }

    /// Signs `message` in process (digest, then sign).
    pub fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        match &self.signer {
            Some(signer) => signer.sign(&self.digest(message)),
            None => Err(SignError(
                "this identity has no in-process signer: sign the digest offline and attach the signature".into(),
            )),
        }
    }
}

/// A signer for a PEM private key (PKCS#8 P-256 or Ed25519, or SEC1 P-256).
pub fn signer_from_pem(key_pem: &[u8]) -> Result<Arc<dyn Signer>, IdentityError> {
    let text = std::str::from_utf8(key_pem).map_err(|_| IdentityError::Key("not PEM text".into()))?;
    if let Ok(key) = p256::SecretKey::from_pkcs8_pem(text) {
        return Ok(Arc::new(EcdsaSigner::new(key.into())));
    }
    if let Ok(key) = p256::SecretKey::from_sec1_pem(text) {
        return Ok(Arc::new(EcdsaSigner::new(key.into())));
    }
    if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(text) {
        return Ok(Arc::new(Ed25519Signer::new(key)));
    }
    Err(IdentityError::Key("expected a PEM ECDSA P-256 or Ed25519 private key".into()))
}

/// The transaction ID Fabric expects: lowercase hex of SHA-256(nonce ‖ creator).
pub fn transaction_id(nonce: &[u8], creator: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(nonce);
    h.update(creator);
    hex::encode(h.finalize())
}

fn read(path: &Path) -> Result<Vec<u8>, IdentityError> {
    std::fs::read(path).map_err(|source| IdentityError::Read { path: path.to_owned(), source })
}

fn single_file(dir: &Path) -> Result<PathBuf, IdentityError> {
    let entries = std::fs::read_dir(dir).map_err(|source| IdentityError::Read { path: dir.to_owned(), source })?;
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    files.sort();
    match files.len() {
        1 => Ok(files.remove(0)),
        0 => Err(IdentityError::MspFolder { path: dir.to_owned(), message: "no file".into() }),
        n => Err(IdentityError::MspFolder { path: dir.to_owned(), message: format!("{n} files, expected one") }),
    }
}
