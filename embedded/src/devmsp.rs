//! A local membership service for the embedded ledger: one certificate authority per
//! organisation and X.509 identities it issues (ECDSA P-256, Fabric NodeOU `admin` /
//! `client` in the subject's OU), plus certifiers' Ed25519 issuer keys. The contract
//! reads these certificates exactly as it reads Fabric's.
//!
//! Layout under the data directory:
//! `msp/<MSP>/ca/key.pem`, `identities/<name>/{msp_id,cert.pem,key.pem}`,
//! `issuer-keys/<name>.key` (hex Ed25519 seed). Private keys are written with mode 0600.
//!
//! The embedded ledger trusts whoever can read this directory: it is a development
//! ledger, not a membership service.

use ed25519_dalek::SigningKey;
use nanotrace_shim::Creator;
use rand::rngs::OsRng;
use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why an identity or issuer key could not be made or read.
#[derive(Debug, Error)]
pub enum MspError {
    /// A file or directory of the membership directory could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What failed, e.g. `cannot read`.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// rcgen could not make a key pair or certificate, or read a stored CA key.
    #[error("cannot create a certificate: {0}")]
    Cert(#[from] rcgen::Error),
    /// No identity of that name has been enrolled.
    #[error("no identity named {name:?} in {}; known: {known}", dir.display())]
    UnknownIdentity {
        /// The name asked for.
        name: String,
        /// The `identities` directory searched.
        dir: PathBuf,
        /// The enrolled names, comma separated (or a hint to run `nanotrace init`).
        known: String,
    },
    /// An identity to import is unusable: its certificate does not parse as Fabric's
    /// would, it has no client or admin NodeOU, or the key is not the certificate's.
    #[error("cannot import {name:?}: {reason}")]
    BadImport {
        /// The name it was to have.
        name: String,
        /// Why not.
        reason: String,
    },
    /// `enroll` of a name that is already taken.
    #[error("an identity named {0:?} already exists")]
    IdentityExists(String),
    /// A certificate for a browser key under a name the organisation has already given a
    /// certificate (this directory's identity, or an earlier browser enrollment): the
    /// directory never issues a second certificate for one member's name.
    #[error("{name:?} is already a member of {msp_id}: its name is not issued to another key")]
    NameTaken {
        /// The name asked for.
        name: String,
        /// The organisation.
        msp_id: String,
    },
    /// A name that differs from a member's of the organisation only by case or a
    /// trailing dot ([`names_look_alike`]).
    #[error("{name:?} looks like {existing:?} of {msp_id} (they differ only by case or a trailing dot): choose a distinct name")]
    LookAlike {
        /// The name asked for.
        name: String,
        /// The member's name it looks like.
        existing: String,
        /// The organisation.
        msp_id: String,
    },
    /// An identity name (1–64 of `A-Z a-z 0-9 . - _ @`, not starting or ending with `.`)
    /// or MSP ID that is not allowed.
    #[error("invalid name {0:?}: use letters, digits, '.', '-', '_' and '@' (1-64 characters, not starting or ending with '.')")]
    BadName(String),
    /// The identity has no issuer key file.
    #[error("{0} has no issuer key: approving, renewing and re-signing need a certifier's Ed25519 issuer key (make one with `nanotrace --as {0} key request` and have an admin register its code with `key register`, or an admin creates one with `nanotrace --as ADMIN key create {0}`)")]
    UnknownIssuerKey(String),
    /// The issuer key file does not hold a 32-byte Ed25519 seed in hex.
    #[error("issuer key file {} is not a 32-byte hex seed", .0.display())]
    BadIssuerKey(PathBuf),
    /// No organisation of that MSP ID has a CA in this directory.
    #[error("no organisation {0:?} in this data directory")]
    UnknownOrg(String),
    /// Not an MSP ID (1–MAX_MSP_ID of `A-Z a-z 0-9 . _ -`, not starting with `.`).
    #[error("not an MSP ID: {0}")]
    BadMspId(String),
    /// The organisation's CA certificate cannot be used to check members.
    #[error(transparent)]
    Membership(#[from] nanotrace_fabric_ca::msp::MspError),
    /// A certificate signing request made elsewhere is malformed or not self-signed by
    /// its key.
    #[error("bad certificate signing request: {0}")]
    BadRequest(String),
}

impl MspError {
    /// This error as told to someone who must not learn this machine's paths (a member
    /// of the console, a transaction's creator): the same words without the path of a
    /// file or directory.
    pub fn public_message(&self) -> String {
        match self {
            MspError::Io { action, source, .. } => {
                format!("{action} a file of the membership directory: {}", source.kind())
            }
            MspError::UnknownIdentity { name, .. } => format!("no identity named {name:?}"),
            MspError::BadIssuerKey(_) => "an issuer key file is not a 32-byte hex seed".to_owned(),
            other => other.to_string(),
        }
    }
}

/// Whether an identity administers its organisation or is an ordinary member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    /// NodeOU `admin`: an organisation administrator (needed for `Bootstrap`).
    Admin,
    /// NodeOU `client`: an ordinary member.
    Client,
}

impl NodeType {
    fn ou(self) -> &'static str {
        match self {
            NodeType::Admin => "admin",
            NodeType::Client => "client",
        }
    }
}

/// An identity with its certificate (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevIdentity {
    /// Its local name, e.g. `alice@certifier` (also the certificate's CN).
    pub name: String,
    /// The MSP ID of its organisation (also the certificate's O).
    pub msp_id: String,
    /// Its X.509 certificate, PEM, signed by the organisation's CA.
    pub cert_pem: String,
}

impl DevIdentity {
    /// The identity as a transaction creator (MSP ID and PEM certificate).
    pub fn creator(&self) -> Creator {
        Creator { msp_id: self.msp_id.clone(), id_bytes: self.cert_pem.clone().into_bytes() }
    }
}

/// The membership directory of one data directory.
#[derive(Debug, Clone)]
pub struct DevMsp {
    root: PathBuf,
}

/// Whether `name` may name a member (and be a certificate's CN): 1–64 of
/// `A-Z a-z 0-9 . - _ @`, not starting or ending with `.` (a trailing dot makes a
/// look-alike of a domain-style name: issue 71). The one rule for the data directory's
/// identities and for the members' console's invitations and certificate requests.
pub fn is_member_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
        && !name.starts_with('.')
        && !name.ends_with('.')
}

/// Whether two member names would read as the same person's: equal but for ASCII case and
/// trailing dots (`Alice@certifier`, `alice@certifier.` and `alice@certifier`). Within
/// one organisation only one of them may exist.
pub fn names_look_alike(a: &str, b: &str) -> bool {
    a.trim_end_matches('.').eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// An MSP ID as the model allows it, and not `.`, `..` or another name starting with a
/// dot (it names a directory here).
fn check_msp_id(msp_id: &str) -> Result<(), MspError> {
    nanotrace_model::validate::msp_id("msp_id", msp_id).map_err(|e| MspError::BadMspId(e.to_string()))?;
    if msp_id.starts_with('.') {
        return Err(MspError::BadMspId(format!("{msp_id:?} starts with '.'")));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), MspError> {
    if is_member_name(name) {
        Ok(())
    } else {
        Err(MspError::BadName(name.to_owned()))
    }
}

fn write_private(path: &Path, contents: &[u8]) -> Result<(), MspError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|source| MspError::Io {
        action: "cannot create",
        path: path.to_path_buf(),
        source,
    })?;
    file.write_all(contents).map_err(|source| MspError::Io { action: "cannot write", path: path.to_path_buf(), source })
}

fn write_public(path: &Path, contents: &[u8]) -> Result<(), MspError> {
    fs::write(path, contents).map_err(|source| MspError::Io {
        action: "cannot write",
        path: path.to_path_buf(),
        source,
    })
}

fn ca_params(msp_id: &str) -> Result<CertificateParams, MspError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, msp_id);
    dn.push(DnType::CommonName, format!("ca.{}", msp_id.to_lowercase()));
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::CrlSign];
    Ok(params)
}

/// A member's certificate: O = the MSP ID, OU = the NodeOU, CN = the name (the subject
/// the contract's roles are granted to, whichever key it certifies).
fn member_params(name: &str, msp_id: &str, node: NodeType) -> Result<CertificateParams, MspError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, msp_id);
    dn.push(DnType::OrganizationalUnitName, node.ou());
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    Ok(params)
}

impl DevMsp {
    /// The MSP IDs of the organisations with a CA in this directory (`msp/<MSP>/ca/`),
    /// sorted.
    pub fn organizations(&self) -> Result<Vec<String>, MspError> {
        let dir = self.root.join("msp");
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(MspError::Io { action: "cannot list", path: dir, source }),
        };
        let mut out: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .filter(|name| check_msp_id(name).is_ok() && dir.join(name).join("ca").is_dir())
            .collect();
        out.sort();
        Ok(out)
    }

    /// The CA directory of organisation `msp_id`, once `msp_id` is an MSP ID and one of
    /// [`DevMsp::organisations`] (no path is built from anything else: `/etc/passwd`,
    /// `Org/.` or an absolute path name no organisation).
    fn org_ca_dir(&self, msp_id: &str) -> Result<PathBuf, MspError> {
        check_msp_id(msp_id)?;
        let known = self.organizations()?;
        let name =
            known.iter().find(|o| o.as_str() == msp_id).ok_or_else(|| MspError::UnknownOrg(msp_id.to_owned()))?;
        Ok(self.root.join("msp").join(name).join("ca"))
    }

    /// The organisation `msp_id` as its peers would check its members: its CA's
    /// certificate from this directory.
    pub fn org_msp(&self, msp_id: &str) -> Result<nanotrace_fabric_ca::msp::OrgMsp, MspError> {
        let ca_dir = self.org_ca_dir(msp_id)?;
        let path = ca_dir.join("cert.pem");
        let pem = match fs::read(&path) {
            Ok(pem) => pem,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(MspError::UnknownOrg(msp_id.to_owned())),
            Err(source) => return Err(MspError::Io { action: "cannot read", path, source }),
        };
        let mut org = nanotrace_fabric_ca::msp::OrgMsp::new(msp_id, &pem)?;
        let crl = ca_dir.join("crl.pem");
        match fs::read(&crl) {
            Ok(bytes) => org.add_crl(&bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(MspError::Io { action: "cannot read", path: crl, source }),
        }
        Ok(org)
    }

    /// Revokes the certificate of `msp_id` with serial number `serial_hex` (lowercase hex,
    /// as [`nanotrace_fabric_ca::msp::Member::serial`] gives it): the organisation's CA
    /// signs a new CRL (`msp/<MSP>/ca/crl.pem`) listing it with every serial revoked
    /// before, as `fabric-ca-client gencrl` would; [`DevMsp::org_msp`] reads it, so the
    /// certificate signs nothing more on this ledger. Revoking a serial twice keeps one
    /// entry. Returns the CRL (PEM).
    pub fn revoke(&self, msp_id: &str, serial_hex: &str, now: i64) -> Result<String, MspError> {
        hex::decode(serial_hex).map_err(|_| MspError::BadRequest(format!("serial {serial_hex:?} is not hex")))?;
        let ca_dir = self.org_ca_dir(msp_id)?;
        if !ca_dir.join("key.pem").exists() {
            return Err(MspError::UnknownOrg(msp_id.to_owned()));
        }
        let list_path = ca_dir.join("revoked.json");
        let mut revoked: Vec<(String, i64)> = match fs::read(&list_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| MspError::BadRequest(format!("{}: {e}", list_path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(MspError::Io { action: "cannot read", path: list_path, source }),
        };
        if !revoked.iter().any(|(s, _)| *s == serial_hex) {
            revoked.push((serial_hex.to_owned(), now));
        }
        let at = |t: i64| time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let params = rcgen::CertificateRevocationListParams {
            this_update: at(now),
            next_update: at(now + 30 * 86_400),
            crl_number: rcgen::SerialNumber::from(u64::try_from(revoked.len()).unwrap_or(u64::MAX)),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .filter_map(|(s, t)| hex::decode(s).ok().map(|bytes| (bytes, *t)))
                .map(|(bytes, t)| rcgen::RevokedCertParams {
                    serial_number: rcgen::SerialNumber::from(bytes),
                    revocation_time: at(t),
                    reason_code: Some(rcgen::RevocationReason::CessationOfOperation),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        };
        let issuer = Issuer::new(ca_params(msp_id)?, self.ca(msp_id)?);
        let pem = params.signed_by(&issuer)?.pem()?;
        write_public(&list_path, &serde_json::to_vec(&revoked).map_err(|e| MspError::BadRequest(e.to_string()))?)?;
        write_public(&ca_dir.join("crl.pem"), pem.as_bytes())?;
        Ok(pem)
    }

    /// Issues a member certificate (as [`DevMsp::enroll`] would: O, OU and CN set here,
    /// whatever the request asks) for the P-256 key of a PKCS#10 request (DER) made
    /// elsewhere — a browser's key that never leaves it — after checking the request is
    /// signed by that key. Returns the certificate, and keeps a copy under
    /// `msp/<MSP>/issued/<name>.pem` (the key's owner keeps the key). The organisation's CA
    /// must already exist, and `name` must be new to it: a name this directory holds as an
    /// identity of `msp_id`, or issued before, is refused ([`MspError::NameTaken`]) — a
    /// second certificate under a member's name would be that member's identity.
    pub fn issue_for_request(
        &self,
        name: &str,
        msp_id: &str,
        node: NodeType,
        csr_der: &[u8],
    ) -> Result<String, MspError> {
        self.issue_request(name, msp_id, node, csr_der, false)
    }

    /// [`DevMsp::issue_for_request`] for a member re-enrolling: `name` must already be a
    /// member of `msp_id` (an identity of this directory, or issued before). The new
    /// certificate is that member's identity and holds none of its contract roles until
    /// the member's previous key approves it (`ApproveRoleKey`).
    pub fn reissue_for_request(
        &self,
        name: &str,
        msp_id: &str,
        node: NodeType,
        csr_der: &[u8],
    ) -> Result<String, MspError> {
        self.issue_request(name, msp_id, node, csr_der, true)
    }

    fn issue_request(
        &self,
        name: &str,
        msp_id: &str,
        node: NodeType,
        csr_der: &[u8],
        again: bool,
    ) -> Result<String, MspError> {
        use p256::ecdsa::signature::Verifier as _;
        use x509_parser::prelude::FromDer as _;
        check_name(name)?;
        let bad = |m: String| MspError::BadRequest(m);
        let (_, csr) = x509_parser::certification_request::X509CertificationRequest::from_der(csr_der)
            .map_err(|e| bad(e.to_string()))?;
        let info = &csr.certification_request_info;
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(info.subject_pki.subject_public_key.data.as_ref())
            .map_err(|_| bad("the key is not ECDSA P-256".into()))?;
        let signature = p256::ecdsa::Signature::from_der(csr.signature_value.data.as_ref())
            .map_err(|e| bad(format!("the signature is not DER ECDSA: {e}")))?;
        key.verify(info.raw, &signature).map_err(|_| bad("not signed by the key it certifies".into()))?;
        if !self.org_ca_dir(msp_id)?.join("key.pem").exists() {
            return Err(MspError::UnknownOrg(msp_id.to_owned()));
        }
        let taken = || MspError::NameTaken { name: name.to_owned(), msp_id: msp_id.to_owned() };
        let issued_dir = self.root.join("msp").join(msp_id).join("issued");
        let path = issued_dir.join(format!("{name}.pem"));
        let member = self.identity(name).is_ok_and(|existing| existing.msp_id == msp_id) || path.is_file();
        if member && !again {
            return Err(taken());
        }
        if again && !member {
            return Err(bad(format!("{name} is no member of {msp_id} to re-enroll")));
        }
        if !again {
            self.refuse_look_alike(name, msp_id)?;
        }
        let issuer = Issuer::new(ca_params(msp_id)?, self.ca(msp_id)?);
        let public = rcgen::SubjectPublicKeyInfo::from_der(info.subject_pki.raw)
            .map_err(|e| bad(format!("the public key: {e}")))?;
        let pem = member_params(name, msp_id, node)?.signed_by(&public, &issuer)?.pem();
        // A new name is claimed with create_new: of two requests racing for one name, one
        // is issued. A re-enrollment replaces the copy of the member's last certificate.
        fs::create_dir_all(&issued_dir).map_err(|source| MspError::Io {
            action: "cannot create",
            path: issued_dir.clone(),
            source,
        })?;
        match fs::OpenOptions::new().write(true).create_new(!again).create(again).truncate(again).open(&path) {
            Ok(mut file) => file.write_all(pem.as_bytes()).map_err(|source| MspError::Io {
                action: "cannot write",
                path: path.clone(),
                source,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(taken()),
            Err(source) => return Err(MspError::Io { action: "cannot create", path, source }),
        }
        Ok(pem)
    }

    /// The membership directory rooted at `data_dir` (nothing is created until used).
    pub fn new(data_dir: &Path) -> Self {
        DevMsp { root: data_dir.to_path_buf() }
    }

    fn identities_dir(&self) -> PathBuf {
        self.root.join("identities")
    }

    /// The CA of `msp_id`, created on first use.
    fn ca(&self, msp_id: &str) -> Result<KeyPair, MspError> {
        let dir = self.root.join("msp").join(msp_id).join("ca");
        let key_path = dir.join("key.pem");
        if key_path.exists() {
            let pem = fs::read_to_string(&key_path).map_err(|source| MspError::Io {
                action: "cannot read",
                path: key_path.clone(),
                source,
            })?;
            return Ok(KeyPair::from_pem(&pem)?);
        }
        fs::create_dir_all(&dir).map_err(|source| MspError::Io {
            action: "cannot create",
            path: dir.clone(),
            source,
        })?;
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let cert = ca_params(msp_id)?.self_signed(&key)?;
        write_private(&key_path, key.serialize_pem().as_bytes())?;
        write_public(&dir.join("cert.pem"), cert.pem().as_ref())?;
        Ok(key)
    }

    /// Issues a new identity `name` in `msp_id`.
    pub fn enroll(&self, name: &str, msp_id: &str, node: NodeType) -> Result<DevIdentity, MspError> {
        check_name(name)?;
        check_msp_id(msp_id)?;
        let dir = self.identities_dir().join(name);
        if dir.exists() {
            return Err(MspError::IdentityExists(name.to_owned()));
        }
        self.refuse_look_alike(name, msp_id)?;
        let ca_key = self.ca(msp_id)?;
        let issuer = Issuer::new(ca_params(msp_id)?, ca_key);
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let cert = member_params(name, msp_id, node)?.signed_by(&key, &issuer)?;
        fs::create_dir_all(&dir).map_err(|source| MspError::Io {
            action: "cannot create",
            path: dir.clone(),
            source,
        })?;
        write_private(&dir.join("key.pem"), key.serialize_pem().as_bytes())?;
        write_public(&dir.join("cert.pem"), cert.pem().as_ref())?;
        write_public(&dir.join("msp_id"), msp_id.as_ref())?;
        Ok(DevIdentity { name: name.to_owned(), msp_id: msp_id.to_owned(), cert_pem: cert.pem() })
    }

    /// Adds an identity issued elsewhere — a member enrolled at its organisation's
    /// Fabric CA (`nanotrace ca enroll`) — as `name` in `msp_id`: its certificate and
    /// private key (PEM), checked to belong together and to carry a `client` or `admin`
    /// NodeOU. The embedded ledger trusts its data directory, so what counts is the
    /// certificate the contract reads; the same enrollment serves a Fabric network and a
    /// single machine.
    pub fn import(&self, name: &str, msp_id: &str, cert_pem: &str, key_pem: &str) -> Result<DevIdentity, MspError> {
        check_name(name)?;
        check_msp_id(msp_id)?;
        let bad = |reason: String| MspError::BadImport { name: name.to_owned(), reason };
        let dir = self.identities_dir().join(name);
        if dir.exists() {
            return Err(MspError::IdentityExists(name.to_owned()));
        }
        let identity = DevIdentity { name: name.to_owned(), msp_id: msp_id.to_owned(), cert_pem: cert_pem.to_owned() };
        let parsed = nanotrace_chaincode::identity::parse_creator(&identity.creator())
            .map_err(|e| bad(format!("the certificate: {e}")))?;
        match parsed.node_ou {
            Some(nanotrace_chaincode::identity::NodeOu::Client | nanotrace_chaincode::identity::NodeOu::Admin) => {}
            other => return Err(bad(format!("the certificate's NodeOU is {other:?}, not client or admin"))),
        }
        let key = KeyPair::from_pem(key_pem).map_err(|e| bad(format!("the key: {e}")))?;
        let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes()).map_err(|e| bad(e.to_string()))?;
        let cert = pem.parse_x509().map_err(|e| bad(e.to_string()))?;
        if cert.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
            return Err(bad("the key is not the certificate's".to_owned()));
        }
        fs::create_dir_all(&dir).map_err(|source| MspError::Io {
            action: "cannot create",
            path: dir.clone(),
            source,
        })?;
        write_private(&dir.join("key.pem"), key_pem.as_bytes())?;
        write_public(&dir.join("cert.pem"), cert_pem.as_bytes())?;
        write_public(&dir.join("msp_id"), msp_id.as_bytes())?;
        Ok(identity)
    }

    /// Refuses `name` when a member of `msp_id` — an identity of this directory or a name
    /// issued a certificate — has a different name that looks like it.
    fn refuse_look_alike(&self, name: &str, msp_id: &str) -> Result<(), MspError> {
        let mut names: Vec<String> = self.list()?.into_iter().filter(|i| i.msp_id == msp_id).map(|i| i.name).collect();
        if let Ok(entries) = fs::read_dir(self.root.join("msp").join(msp_id).join("issued")) {
            names.extend(
                entries.flatten().filter_map(|e| e.file_name().to_str()?.strip_suffix(".pem").map(str::to_owned)),
            );
        }
        match names.into_iter().find(|existing| existing != name && names_look_alike(existing, name)) {
            Some(existing) => Err(MspError::LookAlike { name: name.to_owned(), existing, msp_id: msp_id.to_owned() }),
            None => Ok(()),
        }
    }

    /// The identity called `name`.
    pub fn identity(&self, name: &str) -> Result<DevIdentity, MspError> {
        check_name(name)?;
        let dir = self.identities_dir().join(name);
        if !dir.is_dir() {
            let known = self.list()?.into_iter().map(|i| i.name).collect::<Vec<_>>().join(", ");
            return Err(MspError::UnknownIdentity {
                name: name.to_owned(),
                dir: self.identities_dir(),
                known: if known.is_empty() { "none (run `nanotrace init`)".into() } else { known },
            });
        }
        let read = |file: &str| {
            let path = dir.join(file);
            fs::read_to_string(&path).map_err(|source| MspError::Io { action: "cannot read", path, source })
        };
        Ok(DevIdentity {
            name: name.to_owned(),
            msp_id: read("msp_id")?.trim().to_owned(),
            cert_pem: read("cert.pem")?,
        })
    }

    /// Every identity, sorted by name.
    pub fn list(&self) -> Result<Vec<DevIdentity>, MspError> {
        let dir = self.identities_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(MspError::Io { action: "cannot list", path: dir, source }),
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            if let Some(name) = entry.file_name().to_str() {
                if check_name(name).is_ok() && entry.path().join("cert.pem").exists() {
                    out.push(self.identity(name)?);
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn issuer_key_path(&self, name: &str) -> PathBuf {
        self.root.join("issuer-keys").join(format!("{name}.key"))
    }

    /// Creates an Ed25519 issuer key for the identity `name`.
    pub fn create_issuer_key(&self, name: &str) -> Result<SigningKey, MspError> {
        check_name(name)?;
        let path = self.issuer_key_path(name);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|source| MspError::Io {
                action: "cannot create",
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let key = SigningKey::generate(&mut OsRng);
        write_issuer_key_file(&path, &key)?;
        Ok(key)
    }

    /// The issuer key of identity `name`.
    pub fn issuer_key(&self, name: &str) -> Result<SigningKey, MspError> {
        check_name(name)?;
        let path = self.issuer_key_path(name);
        match read_issuer_key_file(&path) {
            Err(MspError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                Err(MspError::UnknownIssuerKey(name.to_owned()))
            }
            other => other,
        }
    }
}

/// Reads an Ed25519 issuer key file: the hex-encoded 32-byte seed (the format of the
/// data directory's `issuer-keys/NAME.key`, and of `nanotrace key request --out` on Fabric).
pub fn read_issuer_key_file(path: &Path) -> Result<SigningKey, MspError> {
    let text = fs::read_to_string(path).map_err(|source| MspError::Io {
        action: "cannot read",
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = hex::decode(text.trim()).map_err(|_| MspError::BadIssuerKey(path.to_path_buf()))?;
    let seed: [u8; 32] = bytes.try_into().map_err(|_| MspError::BadIssuerKey(path.to_path_buf()))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes an issuer key file in the format [`read_issuer_key_file`] reads: mode 0600,
/// never over an existing file.
pub fn write_issuer_key_file(path: &Path, key: &SigningKey) -> Result<(), MspError> {
    write_private(path, hex::encode(key.to_bytes()).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_chaincode::identity::{parse_creator, NodeOu};

    #[test]
    fn enrolled_identities_parse_like_fabric_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let msp = DevMsp::new(dir.path());
        let admin = msp.enroll("admin@reg", "RegulatorMSP", NodeType::Admin).expect("enroll");
        let user = msp.enroll("carol@reg", "RegulatorMSP", NodeType::Client).expect("enroll");
        let a = parse_creator(&admin.creator()).expect("parse");
        let u = parse_creator(&user.creator()).expect("parse");
        assert_eq!(a.node_ou, Some(NodeOu::Admin));
        assert_eq!(u.node_ou, Some(NodeOu::Client));
        assert_eq!(a.issuer, u.issuer, "same org CA");
        assert_eq!(a.issuer, "CN=ca.regulatormsp,O=RegulatorMSP");
        assert_eq!(msp.identity("carol@reg").expect("load"), user);
        assert_eq!(msp.list().expect("list").len(), 2);
        assert!(matches!(msp.enroll("carol@reg", "RegulatorMSP", NodeType::Client), Err(MspError::IdentityExists(_))));
        assert!(matches!(msp.identity("nobody"), Err(MspError::UnknownIdentity { .. })));
        assert!(matches!(msp.enroll("../evil", "X", NodeType::Client), Err(MspError::BadName(_))));
    }

    #[test]
    fn an_msp_id_names_an_organization_of_the_directory_never_a_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let msp = DevMsp::new(dir.path());
        msp.enroll("dave@manufacturer", "ManufacturerMSP", NodeType::Client).expect("enroll");
        assert_eq!(msp.organizations().expect("organisations"), ["ManufacturerMSP"]);
        // A folder with a CA of its own, which someone planted where they could write.
        let planted = tempfile::tempdir().expect("planted");
        DevMsp::new(planted.path()).enroll("mallory@evil", "EvilMSP", NodeType::Admin).expect("planted CA");
        let planted_org = planted.path().join("msp").join("EvilMSP");
        assert!(planted_org.join("ca").join("cert.pem").exists());
        let root = dir.path().to_string_lossy().to_string();
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let csr = CertificateParams::new(Vec::<String>::new())
            .expect("params")
            .serialize_request(&key)
            .expect("a request")
            .der()
            .to_vec();
        msp.issue_for_request("erin@manufacturer", "ManufacturerMSP", NodeType::Client, &csr).expect("the request");
        for msp_id in [
            "/etc/passwd",
            "/etc",
            "ManufacturerMSP/.",
            "ManufacturerMSP/..",
            ".",
            "..",
            &planted_org.to_string_lossy(),
        ] {
            let err = msp.org_msp(msp_id).expect_err(msp_id);
            assert!(matches!(err, MspError::BadMspId(_)), "{msp_id}: {err:?}");
            let text = err.to_string();
            assert!(!text.contains("cert.pem") && !text.contains(&root), "{msp_id}: {text}");
            assert!(matches!(msp.revoke(msp_id, "01", 0), Err(MspError::BadMspId(_))), "{msp_id}: revoke");
            let issued = msp.issue_for_request("erin@evil", msp_id, NodeType::Client, &csr);
            assert!(matches!(issued, Err(MspError::BadMspId(_))), "{msp_id}: issue");
        }
        assert!(matches!(msp.org_msp("OtherMSP"), Err(MspError::UnknownOrg(_))), "a name, but no organisation here");
        assert!(matches!(msp.enroll("x@y", "..", NodeType::Client), Err(MspError::BadMspId(_))));
        msp.org_msp("ManufacturerMSP").expect("the organisation itself");
        // The words a member is told never carry a path, whatever failed.
        let io = MspError::Io {
            action: "cannot read",
            path: dir.path().join("msp"),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert!(!io.public_message().contains(&root), "{}", io.public_message());
    }

    #[test]
    fn a_name_that_looks_like_a_members_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let msp = DevMsp::new(dir.path());
        msp.enroll("alice@certifier", "CertifierMSP", NodeType::Client).expect("enroll");
        for look_alike in ["Alice@certifier", "ALICE@CERTIFIER"] {
            let err = msp.enroll(look_alike, "CertifierMSP", NodeType::Client).expect_err(look_alike);
            assert!(matches!(&err, MspError::LookAlike { existing, .. } if existing == "alice@certifier"), "{err}");
        }
        assert!(matches!(msp.enroll("alice@certifier.", "CertifierMSP", NodeType::Client), Err(MspError::BadName(_))));
        // Another organisation's member of that name is its own.
        msp.enroll("Alice@certifier", "RegulatorMSP", NodeType::Client).expect("another organisation");
        assert!(names_look_alike("bob@x.", "BOB@x") && !names_look_alike("bob@x", "bob@y"));
    }

    #[test]
    fn issuer_keys_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let msp = DevMsp::new(dir.path());
        let key = msp.create_issuer_key("alice").expect("create");
        assert_eq!(msp.issuer_key("alice").expect("load").to_bytes(), key.to_bytes());
        assert!(msp.create_issuer_key("alice").is_err(), "never overwrite a key");
        assert!(matches!(msp.issuer_key("bob"), Err(MspError::UnknownIssuerKey(_))));
    }
}
