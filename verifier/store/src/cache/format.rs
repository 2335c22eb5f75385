//! The cache's on-disk format.
//!
//! `meta/format` holds [`FORMAT_VERSION`]. Version 2 keys the transaction log by
//! (block, transaction index), 8 + 4 bytes big-endian. A version-1 cache (written before
//! the format was recorded: log keyed by block, checkpoint `{block, tx_id, block_time}`)
//! is migrated in one write batch when opened; a cache of an unknown (newer) version is
//! refused with [`CacheError::Format`].

use super::db::cf;
use super::error::{corrupt, CacheError};
use super::layout::{txlog_key, CF_META, CF_TXLOG, CHECKPOINT_KEY, FORMAT_KEY};
use super::{Cache, Checkpoint};
use rocksdb::{IteratorMode, WriteBatch};
use serde::Deserialize;

/// The cache's on-disk format version: the transaction log keyed by block and transaction
/// index. A cache written before the version was recorded (version 1) is migrated when
/// opened; one of an unknown version is refused with [`CacheError::Format`].
pub const FORMAT_VERSION: u32 = 2;

impl Cache {
    /// Checks `meta/format`: records it in a new cache, migrates version 1, refuses
    /// anything else.
    pub(super) fn check_format(&self) -> Result<(), CacheError> {
        let stored = {
            let db = self.db()?;
            db.get_cf(cf(&db, CF_META)?, FORMAT_KEY)
                .map_err(|source| CacheError::Storage { context: "reading", source })?
        };
        match stored {
            Some(bytes) if bytes.as_slice() == FORMAT_VERSION.to_string().as_bytes() => Ok(()),
            Some(bytes) => {
                Err(CacheError::Format { path: self.path.clone(), found: String::from_utf8_lossy(&bytes).into_owned() })
            }
            None => {
                let mut batch = WriteBatch::default();
                self.migrate_v1(&mut batch)?;
                {
                    let db = self.db()?;
                    batch.put_cf(cf(&db, CF_META)?, FORMAT_KEY, FORMAT_VERSION.to_string());
                }
                self.write(batch, "recording the cache format")
            }
        }
    }

    /// Adds to `batch` what turns a version-1 cache (no format key; log keyed by block;
    /// checkpoint `{block, tx_id, block_time}`) into version 2. Nothing for a new cache.
    fn migrate_v1(&self, batch: &mut WriteBatch) -> Result<(), CacheError> {
        #[derive(Deserialize)]
        struct CheckpointV1 {
            block: u64,
            tx_id: String,
            block_time: i64,
        }
        {
            let db = self.db()?;
            let txlog = cf(&db, CF_TXLOG)?;
            for item in db.iterator_cf(txlog, IteratorMode::Start) {
                let (key, value) =
                    item.map_err(|source| CacheError::Storage { context: "migrating the tx log", source })?;
                let block: [u8; 8] = match key.as_ref().try_into() {
                    Ok(block) => block,
                    Err(_) => return Err(corrupt("version-1 tx log key", format!("{} bytes, not 8", key.len()))),
                };
                // A version-1 entry has no `tx_index`: it decodes as 0, its only position.
                batch.delete_cf(txlog, key.as_ref());
                batch.put_cf(txlog, txlog_key(u64::from_be_bytes(block), 0), value.as_ref());
            }
        }
        if let Some(old) = self.get_json::<CheckpointV1>(CF_META, CHECKPOINT_KEY, "version-1 checkpoint")? {
            let new = Checkpoint {
                block_number: old.block,
                transaction_id: old.tx_id,
                transaction_index: 0,
                block_time: old.block_time,
            };
            let value = serde_json::to_vec(&new).map_err(|e| corrupt("checkpoint", e))?;
            let db = self.db()?;
            batch.put_cf(cf(&db, CF_META)?, CHECKPOINT_KEY, value);
        }
        Ok(())
    }
}
