//! The console's own records, in one JSON file written atomically (temporary file,
//! fsync, rename): the **invitations** an organisation's admin made (who may enroll,
//! with the SHA-256 of the one-time secret in their enrollment link, never the secret)
//! and the **issuer-key requests** certifiers made in their browsers, waiting for an
//! admin to register them on the ledger.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Why the registry failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What failed.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not the registry's JSON.
    #[error("{} is not a console registry: {source}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// An invitation for that name is already open or used.
    #[error("{0} has already been invited")]
    AlreadyInvited(String),
    /// The enrollment link is unknown, used or expired.
    #[error("this enrollment link is not valid: {0}")]
    BadInvitation(&'static str),
    /// An issuer-key request for that key exists.
    #[error("this issuer key has already been requested")]
    DuplicateKey,
}

/// A member an admin invited to enroll.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Invitation {
    /// The enrollment name (the certificate's CN), e.g. `erin@manufacturer`.
    pub name: String,
    /// The organisation.
    pub msp_id: String,
    /// Enrolls as an organisation administrator (NodeOU `admin`).
    pub admin: bool,
    /// Where the link was sent, if it was.
    #[serde(default)]
    pub email: Option<String>,
    /// Who invited (certificate CN), or `cli`.
    pub invited_by: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// When it was used to enroll, Unix seconds.
    #[serde(default)]
    pub used_at: Option<i64>,
    /// Lowercase hex SHA-256 of the one-time secret.
    pub secret_sha256: String,
    /// The serial number (hex) of the certificate issued at enrollment.
    #[serde(default)]
    pub serial: Option<String>,
    /// The contract's identity of the enrolled member (`x509::subject::issuer`).
    #[serde(default)]
    pub actor_id: Option<String>,
    /// The enrolled certificate's key as role grants name it.
    #[serde(default)]
    pub actor_key: Option<String>,
    /// When an admin removed the member (their certificate revoked), Unix seconds.
    #[serde(default)]
    pub removed_at: Option<i64>,
}

/// An issuer key a certifier created in the browser, for an admin to register.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyRequest {
    /// The key's trust-list ID (`ik-…`).
    pub key_id: String,
    /// Lowercase hex of the Ed25519 public key.
    pub public_key: String,
    /// The certifier, as the contract names it.
    pub holder: nanotrace_model::Actor,
    /// The certifier's certificate CN.
    pub holder_name: String,
    /// Unix seconds.
    pub requested_at: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Records {
    invitations: Vec<Invitation>,
    key_requests: Vec<KeyRequest>,
}

/// The registry file.
#[derive(Debug)]
pub struct Registry {
    path: PathBuf,
    records: Mutex<Records>,
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn invitable(records: &Records, name: &str, now: i64) -> Result<(), RegistryError> {
    if records.invitations.iter().any(|i| i.name == name && (i.used_at.is_some() || i.expires_at > now)) {
        return Err(RegistryError::AlreadyInvited(name.to_owned()));
    }
    Ok(())
}

impl Registry {
    /// Opens `dir/registry.json`, creating `dir` if needed.
    pub fn open(dir: &Path) -> Result<Self, RegistryError> {
        std::fs::create_dir_all(dir).map_err(|source| RegistryError::Io {
            action: "cannot create",
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join("registry.json");
        let records = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| RegistryError::Corrupt { path: path.clone(), source })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Records::default(),
            Err(source) => return Err(RegistryError::Io { action: "cannot read", path, source }),
        };
        Ok(Registry { path, records: Mutex::new(records) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn save(&self, records: &Records) -> Result<(), RegistryError> {
        use std::io::Write as _;
        let io = |action, source| RegistryError::Io { action, path: self.path.clone(), source };
        let tmp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(records).map_err(|e| io("cannot encode", std::io::Error::other(e)))?;
        let mut file = std::fs::File::create(&tmp).map_err(|e| io("cannot create", e))?;
        file.write_all(&bytes).map_err(|e| io("cannot write", e))?;
        file.sync_all().map_err(|e| io("cannot sync", e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| io("cannot replace", e))
    }

    /// A new one-time secret for an enrollment link (256 random bits).
    pub fn new_secret() -> String {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        data_encoding::BASE64URL_NOPAD.encode(&bytes)
    }

    /// Refused while `name` has an open or used invitation at `now`.
    pub fn check_invitable(&self, name: &str, now: i64) -> Result<(), RegistryError> {
        invitable(&self.lock(), name, now)
    }

    /// Invites `name` of `msp_id`; returns the one-time secret for the enrollment link
    /// (it is not stored). Refused while the name has an open or used invitation.
    pub fn invite(&self, invitation: Invitation) -> Result<String, RegistryError> {
        let secret = Self::new_secret();
        self.invite_with_secret(invitation, &secret)?;
        Ok(secret)
    }

    /// [`Registry::invite`] with a secret made earlier (on Fabric the identity is
    /// registered at the CA with it first).
    pub fn invite_with_secret(&self, mut invitation: Invitation, secret: &str) -> Result<(), RegistryError> {
        let mut records = self.lock();
        invitable(&records, &invitation.name, invitation.created_at)?;
        invitation.secret_sha256 = secret_hash(secret);
        records.invitations.retain(|i| i.name != invitation.name);
        records.invitations.push(invitation);
        self.save(&records)
    }

    /// The open invitation whose link carries `secret`, at `now`.
    pub fn invitation(&self, secret: &str, now: i64) -> Result<Invitation, RegistryError> {
        let hash = secret_hash(secret);
        let records = self.lock();
        let found = records
            .invitations
            .iter()
            .find(|i| i.secret_sha256 == hash)
            .ok_or(RegistryError::BadInvitation("unknown link"))?;
        if found.used_at.is_some() {
            return Err(RegistryError::BadInvitation("it has already been used"));
        }
        if found.expires_at <= now {
            return Err(RegistryError::BadInvitation("it has expired; ask your administrator for a new one"));
        }
        Ok(found.clone())
    }

    /// Marks the invitation of `secret` used by the certificate of serial `serial` (once:
    /// a second call fails).
    pub fn use_invitation(
        &self,
        secret: &str,
        serial: &str,
        actor: Option<(String, String)>,
        now: i64,
    ) -> Result<Invitation, RegistryError> {
        let (actor_id, actor_key) = actor.map_or((None, None), |(id, key)| (Some(id), Some(key)));
        self.invitation(secret, now)?;
        let hash = secret_hash(secret);
        let mut records = self.lock();
        let mut used = None;
        for i in records.invitations.iter_mut() {
            if i.secret_sha256 == hash && i.used_at.is_none() {
                i.used_at = Some(now);
                i.serial = Some(serial.to_owned());
                i.actor_id = actor_id.clone();
                i.actor_key = actor_key.clone();
                used = Some(i.clone());
            }
        }
        let used = used.ok_or(RegistryError::BadInvitation("it has already been used"))?;
        self.save(&records)?;
        Ok(used)
    }

    /// Marks the enrolled member `name` of `msp_id` removed; returns their invitation
    /// (with the serial to revoke).
    pub fn remove_member(&self, name: &str, msp_id: &str, now: i64) -> Result<Invitation, RegistryError> {
        let mut records = self.lock();
        let found = records
            .invitations
            .iter_mut()
            .find(|i| i.name == name && i.msp_id == msp_id && i.used_at.is_some() && i.removed_at.is_none())
            .ok_or(RegistryError::BadInvitation("no enrolled member of that name in this organisation"))?;
        found.removed_at = Some(now);
        let removed = found.clone();
        self.save(&records)?;
        Ok(removed)
    }

    /// Every invitation of `msp_id`, newest first.
    pub fn invitations(&self, msp_id: &str) -> Vec<Invitation> {
        let mut out: Vec<Invitation> = self.lock().invitations.iter().filter(|i| i.msp_id == msp_id).cloned().collect();
        out.sort_by_key(|i| std::cmp::Reverse(i.created_at));
        out
    }

    /// Records a certifier's issuer-key request.
    pub fn request_key(&self, request: KeyRequest) -> Result<(), RegistryError> {
        let mut records = self.lock();
        if records.key_requests.iter().any(|r| r.key_id == request.key_id) {
            return Err(RegistryError::DuplicateKey);
        }
        records.key_requests.push(request);
        self.save(&records)
    }

    /// The issuer-key requests, oldest first.
    pub fn key_requests(&self) -> Vec<KeyRequest> {
        self.lock().key_requests.clone()
    }

    /// Drops the request for `key_id` (registered or declined).
    pub fn remove_key_request(&self, key_id: &str) -> Result<(), RegistryError> {
        let mut records = self.lock();
        records.key_requests.retain(|r| r.key_id != key_id);
        self.save(&records)
    }
}
