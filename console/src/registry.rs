//! The console's own records, in one JSON file written atomically (temporary file,
//! fsync, rename): the **invitations** an organisation's admin made (who may enroll,
//! with the SHA-256 of the one-time secret in their enrollment link, never the secret)
//! and the **issuer-key requests** certifiers made in their browsers, waiting for an
//! admin to register them on the ledger.
//!
//! An invitation's name is its organisation's: two organisations may each invite an
//! `erin`, one cannot take a name from the other. A link enrolls once: it is claimed
//! ([`Registry::claim`]) before the CA is asked, so two enrollments racing on one secret
//! cannot both reach the CA, and a failed enrollment leaves it unused. An admin can
//! cancel an invitation ([`Registry::cancel`]); one that lapses loses its secret's hash
//! ([`Registry::expire_lapsed`]): neither comes back, whatever the clock says later.

use nanotrace_embedded::devmsp::names_look_alike;
use std::collections::HashSet;
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
    /// That name has an open invitation in the organisation.
    #[error("{name} has an open invitation (until {until}, Unix time); cancel it first to invite again")]
    AlreadyInvited {
        /// The name.
        name: String,
        /// When the open invitation lapses, Unix seconds.
        until: i64,
    },
    /// That name is (or was) an enrolled member of the organisation.
    #[error("{name} is already a member of {msp_id}{}: choose another name", removed_note(.removed))]
    AlreadyMember {
        /// The name.
        name: String,
        /// The organisation.
        msp_id: String,
        /// The member was removed (their certificate revoked).
        removed: bool,
    },
    /// The name differs from a member's or an invitation's of the organisation only by
    /// case or a trailing dot: people would take one for the other.
    #[error(
        "{name} looks like {existing} of {msp_id} (they differ only by case or a trailing dot): choose a distinct name"
    )]
    LookAlike {
        /// The name asked for.
        name: String,
        /// The existing name it looks like.
        existing: String,
        /// The organisation.
        msp_id: String,
    },
    /// No invitation of that name in the organisation can be cancelled.
    #[error("{0}")]
    NotCancellable(String),
    /// No invitation of that name in the organisation has a CA registration to withdraw.
    #[error("{0}")]
    NotWithdrawable(String),
    /// The enrollment link is unknown, used or expired.
    #[error("this enrollment link is not valid: {0}")]
    BadInvitation(&'static str),
    /// An invitation's name is not one a certificate may carry.
    #[error("name {0:?}: use 1-64 letters, digits, '.', '-', '_' and '@', not starting or ending with '.'")]
    BadName(String),
    /// An issuer-key request for that key exists.
    #[error("this issuer key has already been requested")]
    DuplicateKey,
}

fn removed_note(removed: &bool) -> &'static str {
    if *removed {
        " (removed)"
    } else {
        ""
    }
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
    /// When an admin cancelled the invitation before it was used, Unix seconds.
    #[serde(default)]
    pub cancelled_at: Option<i64>,
    /// A new key for an existing member of the data directory (the demo's links): the
    /// member's previous key hands its roles to the new one when it enrolls.
    #[serde(default)]
    pub reenrollment: bool,
    /// On Fabric: when the organisation's CA revoked the registration of this invitation,
    /// cancelled or lapsed unused (its secret no longer enrolls there either), Unix
    /// seconds.
    #[serde(default)]
    pub withdrawn_at: Option<i64>,
}

/// What an invitation is for.
#[derive(Debug, Clone)]
pub struct NewMember<'a> {
    /// The enrollment name (certificate CN).
    pub name: &'a str,
    /// The organisation.
    pub msp_id: &'a str,
    /// As an organisation administrator.
    pub admin: bool,
    /// Where the link is sent, if anywhere.
    pub email: Option<String>,
    /// Who invites.
    pub invited_by: &'a str,
    /// A new key for a member the data directory already has (the operator's `demo`
    /// only; an admin's invitation of an existing name is refused).
    pub reenrollment: bool,
}

impl NewMember<'_> {
    /// The invitation this describes, made at `now` and valid for `hours`; refused for a
    /// name no certificate may carry.
    pub fn invitation(&self, hours: u64, now: i64) -> Result<Invitation, RegistryError> {
        let name = self.name.trim();
        if !nanotrace_embedded::devmsp::is_member_name(name) {
            return Err(RegistryError::BadName(name.to_owned()));
        }
        let expires_at = now + i64::try_from(hours).unwrap_or(i64::MAX / 7200) * 3600;
        let mut invitation = Invitation::new(name, self.msp_id, self.admin, self.invited_by, now, expires_at);
        invitation.email = self.email.clone().map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        invitation.reenrollment = self.reenrollment;
        Ok(invitation)
    }
}

/// The enrollment link of `secret` under `public_url`. The secret travels in the
/// fragment: browsers do not send it to the server in the page request, so it is in no
/// access log.
pub fn enrollment_link(public_url: &str, secret: &str) -> String {
    format!("{}/enroll#{secret}", public_url.trim_end_matches('/'))
}

impl Invitation {
    /// An open invitation of `name` in `msp_id` by `invited_by`, made at `created_at` and
    /// lapsing at `expires_at` (Unix seconds); no email, its secret's hash set when it is
    /// recorded ([`Registry::invite`]).
    pub fn new(name: &str, msp_id: &str, admin: bool, invited_by: &str, created_at: i64, expires_at: i64) -> Self {
        Invitation {
            name: name.to_owned(),
            msp_id: msp_id.to_owned(),
            admin,
            email: None,
            invited_by: invited_by.to_owned(),
            created_at,
            expires_at,
            used_at: None,
            secret_sha256: String::new(),
            serial: None,
            actor_id: None,
            actor_key: None,
            removed_at: None,
            cancelled_at: None,
            reenrollment: false,
            withdrawn_at: None,
        }
    }

    /// Whether it was cancelled, or lapsed unused, by `now`: its link enrolls nowhere
    /// through the console, and on Fabric its CA registration is to be withdrawn.
    pub fn is_closed_unused(&self, now: i64) -> bool {
        self.used_at.is_none()
            && (self.cancelled_at.is_some() || self.expires_at <= now || self.secret_sha256.is_empty())
    }

    /// Whether its link may still enroll at `now`: not used, not cancelled, not lapsed.
    pub fn is_open(&self, now: i64) -> bool {
        self.used_at.is_none() && self.cancelled_at.is_none() && self.expires_at > now && !self.secret_sha256.is_empty()
    }
}

/// An issuer key a certifier created in the browser, for an admin to register (the
/// model's, which the CLI's `key request` makes too).
pub use nanotrace_model::member_request::KeyRequest;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Records {
    invitations: Vec<Invitation>,
    key_requests: Vec<KeyRequest>,
    /// The secrets' hashes of invitations being used to enroll right now.
    #[serde(skip)]
    enrolling: HashSet<String>,
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

/// The invitation of `name` in `msp_id` whose CA registration may be withdrawn at `now`.
fn withdrawable<'a>(
    records: &'a mut Records,
    name: &str,
    msp_id: &str,
    now: i64,
) -> Result<&'a mut Invitation, RegistryError> {
    let Records { invitations, enrolling, .. } = records;
    let found = invitations
        .iter_mut()
        .find(|i| i.name == name && i.msp_id == msp_id)
        .ok_or_else(|| RegistryError::NotWithdrawable(format!("no invitation of {name} in {msp_id}")))?;
    if found.withdrawn_at.is_some() {
        return Err(RegistryError::NotWithdrawable(format!("{name}'s registration is withdrawn already")));
    }
    if found.used_at.is_some() {
        return Err(RegistryError::NotWithdrawable(format!("{name} has enrolled: remove the member instead")));
    }
    if !found.is_closed_unused(now) || enrolling.contains(&found.secret_sha256) {
        return Err(RegistryError::NotWithdrawable(format!("{name}'s invitation is open: cancel it first")));
    }
    Ok(found)
}

fn invitable(records: &Records, msp_id: &str, name: &str, now: i64) -> Result<(), RegistryError> {
    let look_alike = records.invitations.iter().find(|i| {
        i.msp_id == msp_id
            && i.name != name
            && names_look_alike(&i.name, name)
            && (i.used_at.is_some() || i.is_open(now))
    });
    if let Some(i) = look_alike {
        return Err(RegistryError::LookAlike {
            name: name.to_owned(),
            existing: i.name.clone(),
            msp_id: msp_id.to_owned(),
        });
    }
    for i in records.invitations.iter().filter(|i| i.msp_id == msp_id && i.name == name) {
        if i.used_at.is_some() {
            return Err(RegistryError::AlreadyMember {
                name: name.to_owned(),
                msp_id: msp_id.to_owned(),
                removed: i.removed_at.is_some(),
            });
        }
        if i.is_open(now) {
            return Err(RegistryError::AlreadyInvited { name: name.to_owned(), until: i.expires_at });
        }
    }
    Ok(())
}

/// A link whose secret no invitation has: never issued, or lapsed (a lapsed invitation's
/// secret hash is dropped).
const UNKNOWN_LINK: &str = "it is unknown or has expired; ask your administrator for a new one";

/// Why the invitation `i` cannot enroll at `now`, if it cannot.
fn closed(i: &Invitation, now: i64) -> Option<RegistryError> {
    if i.used_at.is_some() {
        Some(RegistryError::BadInvitation("it has already been used"))
    } else if i.cancelled_at.is_some() {
        Some(RegistryError::BadInvitation("it was cancelled; ask your administrator for a new one"))
    } else if i.expires_at <= now || i.secret_sha256.is_empty() {
        Some(RegistryError::BadInvitation("it has expired; ask your administrator for a new one"))
    } else {
        None
    }
}

/// An invitation being used to enroll ([`Registry::claim`]): no other enrollment can use
/// its link meanwhile. [`Claim::complete`] spends the link; dropping the claim (the CA
/// refused, the request was abandoned) leaves it unused.
#[derive(Debug)]
pub struct Claim<'a> {
    registry: &'a Registry,
    hash: String,
    /// The invitation.
    pub invitation: Invitation,
}

impl Claim<'_> {
    /// Marks the invitation used by the certificate of serial `serial` (hex) whose
    /// contract identity and key are `actor`.
    pub fn complete(
        self,
        serial: &str,
        actor: Option<(String, String)>,
        now: i64,
    ) -> Result<Invitation, RegistryError> {
        let (actor_id, actor_key) = actor.map_or((None, None), |(id, key)| (Some(id), Some(key)));
        let mut records = self.registry.lock();
        let found = records
            .invitations
            .iter_mut()
            .find(|i| i.secret_sha256 == self.hash && i.used_at.is_none())
            .ok_or(RegistryError::BadInvitation("it has already been used"))?;
        found.used_at = Some(now);
        found.serial = Some(serial.to_owned());
        found.actor_id = actor_id;
        found.actor_key = actor_key;
        let used = found.clone();
        self.registry.save(&records)?;
        Ok(used)
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.registry.lock().enrolling.remove(&self.hash);
    }
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

    /// Refused while `name` has an open or used invitation in `msp_id` at `now`.
    pub fn check_invitable(&self, msp_id: &str, name: &str, now: i64) -> Result<(), RegistryError> {
        invitable(&self.lock(), msp_id, name, now)
    }

    /// Invites `name` of `msp_id`; returns the one-time secret for the enrollment link
    /// (it is not stored). Refused while the name has an open or used invitation in that
    /// organisation.
    pub fn invite(&self, invitation: Invitation) -> Result<String, RegistryError> {
        let secret = Self::new_secret();
        self.invite_with_secret(invitation, &secret)?;
        Ok(secret)
    }

    /// [`Registry::invite`] with a secret made earlier (on Fabric the identity is
    /// registered at the CA with it first).
    pub fn invite_with_secret(&self, mut invitation: Invitation, secret: &str) -> Result<(), RegistryError> {
        let mut records = self.lock();
        invitable(&records, &invitation.msp_id, &invitation.name, invitation.created_at)?;
        invitation.secret_sha256 = secret_hash(secret);
        records.invitations.retain(|i| !(i.msp_id == invitation.msp_id && i.name == invitation.name));
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
            .ok_or(RegistryError::BadInvitation(UNKNOWN_LINK))?;
        match closed(found, now) {
            Some(why) => Err(why),
            None => Ok(found.clone()),
        }
    }

    /// Takes the open invitation of `secret` for one enrollment (see [`Claim`]); refused
    /// while another enrollment holds it.
    pub fn claim(&self, secret: &str, now: i64) -> Result<Claim<'_>, RegistryError> {
        let hash = secret_hash(secret);
        let mut records = self.lock();
        let found = records
            .invitations
            .iter()
            .find(|i| i.secret_sha256 == hash)
            .ok_or(RegistryError::BadInvitation(UNKNOWN_LINK))?;
        if let Some(why) = closed(found, now) {
            return Err(why);
        }
        let invitation = found.clone();
        if !records.enrolling.insert(hash.clone()) {
            return Err(RegistryError::BadInvitation("it is being used to enroll right now"));
        }
        Ok(Claim { registry: self, hash, invitation })
    }

    /// Cancels the open (or lapsed) invitation of `name` in `msp_id`: its link never
    /// enrolls again. Refused for an enrolled member (remove them instead) and while an
    /// enrollment with the link is under way.
    pub fn cancel(&self, name: &str, msp_id: &str, now: i64) -> Result<Invitation, RegistryError> {
        let mut records = self.lock();
        let Records { invitations, enrolling, .. } = &mut *records;
        let found = invitations
            .iter_mut()
            .find(|i| i.name == name && i.msp_id == msp_id && i.cancelled_at.is_none())
            .ok_or_else(|| {
            RegistryError::NotCancellable(format!("no invitation of {name} in {msp_id} to cancel"))
        })?;
        if found.used_at.is_some() {
            return Err(RegistryError::NotCancellable(format!("{name} has enrolled: remove the member instead")));
        }
        if enrolling.contains(&found.secret_sha256) {
            return Err(RegistryError::NotCancellable(format!("{name} is enrolling right now")));
        }
        found.cancelled_at = Some(now);
        let cancelled = found.clone();
        self.save(&records)?;
        Ok(cancelled)
    }

    /// The invitation of `name` in `msp_id` whose CA registration is still to be withdrawn
    /// at `now`: cancelled or lapsed unused, not withdrawn yet.
    pub fn to_withdraw(&self, name: &str, msp_id: &str, now: i64) -> Result<Invitation, RegistryError> {
        withdrawable(&mut self.lock(), name, msp_id, now).map(|i| i.clone())
    }

    /// Records that the CA registration of `name`'s invitation in `msp_id` (see
    /// [`Registry::to_withdraw`]) was revoked at `now`.
    pub fn withdrawn(&self, name: &str, msp_id: &str, now: i64) -> Result<Invitation, RegistryError> {
        let mut records = self.lock();
        let found = withdrawable(&mut records, name, msp_id, now)?;
        found.withdrawn_at = Some(now);
        let withdrawn = found.clone();
        self.save(&records)?;
        Ok(withdrawn)
    }

    /// Expires the invitations that lapsed by `now` (unused, not cancelled, their time
    /// up): their secrets' hashes are dropped, so their links enroll nowhere, whatever the
    /// clock says later. Returns them.
    pub fn expire_lapsed(&self, now: i64) -> Result<Vec<Invitation>, RegistryError> {
        let mut records = self.lock();
        let Records { invitations, enrolling, .. } = &mut *records;
        let mut lapsed = Vec::new();
        for i in invitations.iter_mut() {
            let lapses = i.used_at.is_none()
                && i.cancelled_at.is_none()
                && i.expires_at <= now
                && !i.secret_sha256.is_empty()
                && !enrolling.contains(&i.secret_sha256);
            if lapses {
                i.secret_sha256.clear();
                lapsed.push(i.clone());
            }
        }
        if !lapsed.is_empty() {
            self.save(&records)?;
        }
        Ok(lapsed)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(name: &str, msp_id: &str, now: i64) -> Invitation {
        Invitation::new(name, msp_id, false, "cli", now, now + 3600)
    }

    #[test]
    fn a_link_is_claimed_by_one_enrollment_released_when_it_fails_and_spent_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let registry = Registry::open(dir.path()).expect("registry");
        let secret = registry.invite(invitation("erin", "AcmeMSP", 100)).expect("invite");
        let first = registry.claim(&secret, 101).expect("claimed");
        let second = registry.claim(&secret, 101).expect_err("held by the first");
        assert!(second.to_string().contains("right now"), "{second}");
        assert!(matches!(registry.cancel("erin", "AcmeMSP", 101), Err(RegistryError::NotCancellable(_))));
        drop(first);
        let again = registry.claim(&secret, 101).expect("a failed enrollment leaves the link unused");
        again.complete("0a", None, 102).expect("spent");
        let spent = registry.claim(&secret, 103).expect_err("once");
        assert!(spent.to_string().contains("already been used"), "{spent}");
        let reopened = Registry::open(dir.path()).expect("reopen");
        assert_eq!(reopened.invitations("AcmeMSP")[0].serial.as_deref(), Some("0a"), "kept in the file");
    }

    #[test]
    fn only_a_cancelled_or_lapsed_unused_invitation_is_withdrawn_at_the_ca_and_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let registry = Registry::open(dir.path()).expect("registry");
        let refused = |r: Result<Invitation, RegistryError>, why: &str| match r {
            Err(RegistryError::NotWithdrawable(m)) => assert!(m.contains(why), "{m}"),
            other => panic!("withdrawn ({why} expected): {other:?}"),
        };
        // Open: cancel it first. Unknown: refused.
        registry.invite(invitation("erin", "AcmeMSP", 100)).expect("invite");
        refused(registry.to_withdraw("erin", "AcmeMSP", 101), "cancel it first");
        refused(registry.withdrawn("erin", "AcmeMSP", 101), "cancel it first");
        refused(registry.to_withdraw("nobody", "AcmeMSP", 101), "no invitation");
        refused(registry.to_withdraw("erin", "OtherMSP", 101), "no invitation");
        // Cancelled: withdrawn once, and the file keeps it.
        registry.cancel("erin", "AcmeMSP", 102).expect("cancel");
        assert_eq!(registry.to_withdraw("erin", "AcmeMSP", 103).expect("to withdraw").name, "erin");
        assert_eq!(registry.withdrawn("erin", "AcmeMSP", 104).expect("withdrawn").withdrawn_at, Some(104));
        refused(registry.withdrawn("erin", "AcmeMSP", 105), "withdrawn already");
        let reopened = Registry::open(dir.path()).expect("reopen");
        assert_eq!(reopened.invitations("AcmeMSP")[0].withdrawn_at, Some(104));
        // Lapsed, before and after the sweep that drops its secret's hash.
        registry.invite(invitation("fay", "AcmeMSP", 100)).expect("invite");
        refused(registry.to_withdraw("fay", "AcmeMSP", 100 + 3599), "cancel it first");
        assert!(registry.to_withdraw("fay", "AcmeMSP", 100 + 3600).is_ok(), "lapsed at its expiry");
        registry.expire_lapsed(100 + 3600).expect("sweep");
        assert!(registry.withdrawn("fay", "AcmeMSP", 100 + 3601).is_ok(), "lapsed and swept");
        // Used: the member is removed instead.
        let secret = registry.invite(invitation("gil", "AcmeMSP", 100)).expect("invite");
        registry.claim(&secret, 101).expect("claimed").complete("0b", None, 102).expect("spent");
        refused(registry.to_withdraw("gil", "AcmeMSP", 100 + 7200), "remove the member");
    }

    #[test]
    fn names_are_per_organization_and_lapsed_or_cancelled_links_lose_their_secret() {
        let dir = tempfile::tempdir().expect("tempdir");
        let registry = Registry::open(dir.path()).expect("registry");
        let acme = registry.invite(invitation("erin", "AcmeMSP", 100)).expect("invite");
        let other = registry.invite(invitation("erin", "OtherMSP", 100)).expect("the same name elsewhere");
        assert!(matches!(
            registry.invite(invitation("erin", "AcmeMSP", 101)),
            Err(RegistryError::AlreadyInvited { .. })
        ));
        assert_eq!(registry.invitations("AcmeMSP").len(), 1);
        assert!(registry.invitation(&acme, 101).is_ok() && registry.invitation(&other, 101).is_ok());

        registry.cancel("erin", "OtherMSP", 102).expect("cancelled");
        assert!(registry.invitation(&other, 101).expect_err("cancelled").to_string().contains("cancelled"));
        assert!(registry.expire_lapsed(100 + 3599).expect("nothing lapsed yet").is_empty());
        let lapsed = registry.expire_lapsed(100 + 3600).expect("lapsed");
        assert_eq!(lapsed.iter().map(|i| i.msp_id.as_str()).collect::<Vec<_>>(), ["AcmeMSP"]);
        let back = registry.invitation(&acme, 101).expect_err("even at a time it was open");
        assert!(back.to_string().contains("unknown or has expired"), "{back}");
        registry.invite(invitation("erin", "AcmeMSP", 100 + 3601)).expect("a lapsed name is free again");
    }
}
