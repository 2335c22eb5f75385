//! Online backups: a consistent copy of the whole ledger into a new directory while the
//! ledger stays in use — by the process that owns it, or by a follower (a RocksDB
//! secondary instance) beside a process that owns it, such as the console. The copy is
//! logical: every key of every column family as of one point (a RocksDB snapshot in the
//! owner; in a follower, the state of its last catch-up, which waits until the copy is
//! done). A RocksDB checkpoint would be cheaper but cannot be taken from a secondary
//! instance: it would miss whatever the owner holds only in its memtable. The copy is a
//! ledger of its own, opened and checked before the backup reports success.

use super::*;
use rocksdb::WriteBatch;

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The copy's height (its last block).
    pub height: u64,
    /// The copy's head hash: the same as the ledger's at the point it was copied.
    pub head_hash: String,
    /// Keys copied, all column families together.
    pub keys: u64,
    /// Bytes of keys and values copied.
    pub bytes: u64,
}

/// How many bytes a write batch of the copy gathers before it is written.
const BATCH_BYTES: u64 = 4 << 20;

impl Ledger {
    /// Copies the whole ledger into `dest`, which must not exist yet; the copy is then
    /// opened and checked ([`Ledger::check`]): an error if it is not intact.
    pub fn backup_to(&self, dest: &Path) -> Result<BackupReport, LedgerError> {
        let refused = |message: String| LedgerError::Backup { path: dest.to_owned(), message };
        if dest.exists() {
            return Err(refused("it exists already: a backup never writes over anything".into()));
        }
        let out = open_db(dest)?;
        let (mut keys, mut bytes) = (0u64, 0u64);
        {
            // A follower does not catch up while this is held; the owner's writes after
            // the snapshot are not in it.
            let _frozen = self.frozen.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            let snapshot = (!self.follower).then(|| self.db.snapshot());
            for name in ALL_CFS {
                let mut read = crate::total_order();
                if let Some(snapshot) = &snapshot {
                    read.set_snapshot(snapshot);
                }
                let from = self.cf(name)?;
                let to = out.cf_handle(name).ok_or_else(|| refused(format!("the copy has no column family {name}")))?;
                let mut batch = WriteBatch::default();
                let mut pending = 0u64;
                for item in self.db.iterator_cf_opt(from, read, IteratorMode::Start) {
                    let (key, value) = item.map_err(storage("reading the ledger for a backup"))?;
                    let size = (key.len() + value.len()) as u64;
                    batch.put_cf(to, &key, &value);
                    keys += 1;
                    bytes += size;
                    pending += size;
                    if pending >= BATCH_BYTES {
                        out.write(std::mem::take(&mut batch)).map_err(storage("writing the backup"))?;
                        pending = 0;
                    }
                }
                out.write(batch).map_err(storage("writing the backup"))?;
            }
        }
        for name in ALL_CFS {
            if let Some(cf) = out.cf_handle(name) {
                out.flush_cf(cf).map_err(storage("flushing the backup"))?;
            }
        }
        drop(out);
        let copy = Ledger::open(dest)?;
        let report = copy.check()?;
        if let Some(bad) = &report.first_bad {
            return Err(refused(format!("the copy does not check out: {}", bad.reason)));
        }
        Ok(BackupReport { height: report.height, head_hash: report.head_hash, keys, bytes })
    }
}
