//! Read-through on a miss: a certificate the cache does not hold is read from the ledger
//! (on Fabric: the peer), and what was read is kept, so that answers never go back in
//! time.

use super::error::CacheError;
use super::layout::CF_CERTS;
use super::{Cache, CertificateRecord};
use rocksdb::WriteBatch;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Reads a certificate the cache does not hold from the ledger: `Ok(None)` when the
/// ledger has none, `Err` when the ledger cannot be read.
pub type MissReader = dyn Fn(&str) -> Result<Option<CertificateRecord>, String> + Send + Sync;

impl Cache {
    /// From now on, a certificate the cache does not hold is read with `reader` (on
    /// Fabric: `GetCertificate` and `History` on the peer) and the answer is kept: the
    /// record on disk (it is newer than the follower's position, and no later update
    /// replaces it with an older version — answers never go back in time), that the
    /// ledger has none in the negative cache (until an update applies the ID, or the
    /// entry expires). A reader's failure is [`CacheError::Miss`], never "no such
    /// certificate". The checkpoint and transaction log are only ever written by
    /// [`Cache::apply`].
    pub fn read_misses_from(&self, reader: Arc<MissReader>) {
        *self.miss.write().unwrap_or_else(|p| p.into_inner()) = Some(reader);
    }

    /// Whether misses are read from a ledger ([`Cache::read_misses_from`]).
    pub fn reads_misses_from_ledger(&self) -> bool {
        self.miss.read().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Reads `id`, which RocksDB does not hold, from the ledger if a reader is set
    /// ([`Cache::read_misses_from`]) and keeps what it read; `Ok(None)` without a reader.
    pub(super) fn read_miss(&self, id: &str) -> Result<Option<CertificateRecord>, CacheError> {
        let reader = self.miss.read().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(reader) = reader else { return Ok(None) };
        self.ledger_reads.fetch_add(1, Ordering::Relaxed);
        match reader(id).map_err(|message| CacheError::Miss { id: id.to_owned(), message })? {
            Some(read) => Ok(Some(self.keep_read_through(read)?)),
            None => Ok(None),
        }
    }

    /// Stores a record read from the ledger on a miss, unless the follower stored a
    /// newer one meanwhile (then that one is the answer). Stored, it is what every later
    /// read answers until a newer version comes: without it, the follower could store an
    /// older version it read before this read (the certificate's application, read while
    /// processing an earlier block) and a VALID answer would turn PENDING until the next
    /// pass — answers never go back in time.
    fn keep_read_through(&self, read: CertificateRecord) -> Result<CertificateRecord, CacheError> {
        let _records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let id = read.certificate.id.clone();
        let stored: Option<CertificateRecord> = self.get_json(CF_CERTS, id.as_bytes(), &id)?;
        if let Some(stored) = stored {
            if stored.history.len() >= read.history.len() {
                return Ok(stored);
            }
        }
        let mut batch = WriteBatch::default();
        self.put_record(&mut batch, &read)?;
        // No answers rendered for it: none of an older version may stay
        // ([`super::answers`]).
        let env = self.answers_env()?;
        let changes = self.put_answers(&mut batch, &[&read], [None], env)?;
        self.write(batch, "storing a record read on a miss")?;
        self.commit_answers(changes);
        Ok(read)
    }
}
