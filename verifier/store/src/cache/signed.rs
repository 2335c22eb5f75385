//! Issuance signatures checked as records are written (issue 76).
//!
//! A verdict of VALID rests on the certifier's signature over the record
//! ([`nanotrace_model::check_issuance`]: the canonical digest and one Ed25519
//! `verify_strict`, about 45 µs). Checked when a lookup first reads a record, it was most
//! of what a certificate's first answer cost. [`Cache::apply`] now checks every ACTIVE
//! record it writes — on the machine's cores, as the follower applies — and stores a
//! [`Mark`] in `signed` for each one the signature vouches for: the record's version (the
//! length of its audit trail, which only grows) and a digest of the trust list it was
//! checked against. A lookup takes the mark instead of checking when both still hold
//! ([`Cache::authenticity`]); a record whose signature does not vouch for it gets no mark
//! and is checked when read, as before, so a forgery is found either way. A trust-list
//! change makes every mark stale at once (the digest differs): records are then checked
//! when read until the follower writes them again.

use super::db::cf;
use super::error::{corrupt, CacheError};
use super::layout::{CF_META, CF_SIGNED, ISSUERS_KEY};
use super::{Cache, CertificateRecord};
use nanotrace_model::{check_issuance, CertificateStatus, Forgery, IssuerKey};
use rocksdb::WriteBatch;
use sha2::{Digest, Sha256};
use std::sync::atomic::Ordering;

/// Which trust list a signature was checked against: the first 16 bytes of the SHA-256
/// of the list as stored (`meta`'s `issuers`; of nothing when there is none).
pub(super) type TrustDigest = [u8; 16];

/// The digest of the trust list stored as `stored`.
pub(super) fn trust_digest(stored: &[u8]) -> TrustDigest {
    let hash = Sha256::digest(stored);
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&hash[..16]);
    digest
}

/// A record version whose issuance signature vouched for it against a trust list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Mark {
    /// The record's version: the length of its audit trail.
    pub(super) version: u32,
    /// The trust list it was checked against.
    pub(super) trust: TrustDigest,
}

impl Mark {
    const LEN: usize = 4 + 16;

    /// The mark of `record`, checked against the trust list of digest `trust`.
    fn of(record: &CertificateRecord, trust: TrustDigest) -> Self {
        Mark { version: version_of(record), trust }
    }

    fn encode(&self) -> [u8; Self::LEN] {
        let mut bytes = [0u8; Self::LEN];
        bytes[..4].copy_from_slice(&self.version.to_be_bytes());
        bytes[4..].copy_from_slice(&self.trust);
        bytes
    }

    fn decode(bytes: &[u8], id: &str) -> Result<Self, CacheError> {
        let bytes: &[u8; Self::LEN] =
            bytes.try_into().map_err(|_| corrupt(format!("signature mark of {id}"), "not 20 bytes"))?;
        let (version, trust) = bytes.split_at(4);
        let mut version_bytes = [0u8; 4];
        version_bytes.copy_from_slice(version);
        let mut digest = [0u8; 16];
        digest.copy_from_slice(trust);
        Ok(Mark { version: u32::from_be_bytes(version_bytes), trust: digest })
    }
}

/// A record's version: its audit trail's length (records and their trails only grow).
fn version_of(record: &CertificateRecord) -> u32 {
    u32::try_from(record.history.len()).unwrap_or(u32::MAX)
}

/// The issuance check of `record` against `issuers` if its verdict rests on one (an
/// ACTIVE record); `None` for the others.
pub(super) fn check_if_active(record: &CertificateRecord, issuers: &[IssuerKey]) -> Option<Result<(), Forgery>> {
    (record.certificate.status == CertificateStatus::Active).then(|| check_issuance(&record.certificate, issuers))
}

impl Cache {
    /// Adds to `batch` a mark for each of `records` whose issuance check (`checks`, in
    /// the same order: [`check_if_active`], against the trust list of digest `trust`)
    /// vouches for it. The others get none: a lookup checks them itself.
    pub(super) fn put_marks(
        &self,
        batch: &mut WriteBatch,
        records: &[&CertificateRecord],
        checks: &[Option<Result<(), Forgery>>],
        trust: TrustDigest,
    ) -> Result<(), CacheError> {
        let checked = checks.iter().filter(|c| c.is_some()).count();
        if checked == 0 {
            return Ok(());
        }
        self.signed_on_write.fetch_add(checked as u64, Ordering::Relaxed);
        let db = self.db()?;
        let signed = cf(&db, CF_SIGNED)?;
        for (record, check) in records.iter().zip(checks) {
            if let Some(Ok(())) = check {
                batch.put_cf(signed, record.certificate.id.as_bytes(), Mark::of(record, trust).encode());
            }
        }
        Ok(())
    }

    /// Whether a mark says that `record`'s issuance signature vouches for it: one made on
    /// this version of the record against the trust list in force.
    pub(super) fn marked_signed(&self, record: &CertificateRecord) -> Result<bool, CacheError> {
        let id = &record.certificate.id;
        let stored = {
            let db = self.db()?;
            let bytes = db
                .get_pinned_cf(cf(&db, CF_SIGNED)?, id.as_bytes())
                .map_err(|source| CacheError::Storage { context: "reading a signature mark", source })?;
            bytes.map(|bytes| Mark::decode(&bytes, id)).transpose()?
        };
        let Some(mark) = stored else { return Ok(false) };
        Ok(mark == Mark::of(record, self.trust()?))
    }

    /// The digest of the trust list in force (from the memo, or read and kept there).
    pub(super) fn trust(&self) -> Result<TrustDigest, CacheError> {
        if let Some(digest) = self.memoized(|memo| &memo.trust) {
            return Ok(digest);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let digest = {
            let db = self.db()?;
            let stored = db
                .get_pinned_cf(cf(&db, CF_META)?, ISSUERS_KEY)
                .map_err(|source| CacheError::Storage { context: "reading the trust list", source })?;
            trust_digest(stored.as_deref().unwrap_or_default())
        };
        self.remember(generation, |memo| memo.trust = Some(digest));
        Ok(digest)
    }
}
