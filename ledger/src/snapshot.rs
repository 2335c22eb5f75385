//! [`SnapshotView`]: the committed state as the simulator reads it, from one RocksDB
//! snapshot.

use crate::codec::{
    block_key, decode_u64, from_json, history_key, history_prefix, modification, private_hash_key, private_key,
    HistoryRecord, LogStamp, CF_HISTORY, CF_LOG, CF_META, CF_PRIVATE, CF_PRIVATE_HASHES, CF_STATE, CF_VPARAMS,
    CF_WRITESETS, META_COLLECTIONS,
};
use crate::error::storage;
use crate::sim::{private_data_hash, StateStore};
use crate::stamps::Stamps;
use crate::{Ledger, LedgerError};
use nanotrace_shim::{CollectionConfig, Collections, EndorsementPolicy, KeyModification, StubError, StubResult};
use rocksdb::{ColumnFamily, Direction, IteratorMode, ReadOptions, SnapshotWithThreadMode, DB};
use std::sync::RwLockReadGuard;

/// Committed state as of one RocksDB snapshot (on a follower: as of its last catch-up,
/// which waits until the view is dropped).
pub(crate) struct SnapshotView<'a> {
    db: &'a DB,
    /// `None` on a follower (secondary instances cannot take snapshots).
    snapshot: Option<SnapshotWithThreadMode<'a, DB>>,
    _frozen: Option<RwLockReadGuard<'a, ()>>,
    state: &'a ColumnFamily,
    history: &'a ColumnFamily,
    vparams: &'a ColumnFamily,
    log: &'a ColumnFamily,
    writesets: &'a ColumnFamily,
    meta: &'a ColumnFamily,
    private: &'a ColumnFamily,
    private_hashes: &'a ColumnFamily,
    /// The collection definitions as of this view, decoded at the first private call: a
    /// transaction's private reads and writes each look their collection up, and decoding
    /// every definition of the consortium each time was work done again.
    collections: std::sync::OnceLock<Collections>,
    stamps: &'a Stamps,
}

impl<'a> SnapshotView<'a> {
    pub(crate) fn new(ledger: &'a Ledger) -> Result<Self, LedgerError> {
        let (snapshot, frozen) = if ledger.follower {
            (None, Some(ledger.frozen.read().unwrap_or_else(|poisoned| poisoned.into_inner())))
        } else {
            (Some(ledger.db.snapshot()), None)
        };
        Ok(Self {
            db: &ledger.db,
            snapshot,
            _frozen: frozen,
            state: ledger.cf(CF_STATE)?,
            history: ledger.cf(CF_HISTORY)?,
            vparams: ledger.cf(CF_VPARAMS)?,
            log: ledger.cf(CF_LOG)?,
            writesets: ledger.cf(CF_WRITESETS)?,
            meta: ledger.cf(CF_META)?,
            private: ledger.cf(CF_PRIVATE)?,
            private_hashes: ledger.cf(CF_PRIVATE_HASHES)?,
            collections: std::sync::OnceLock::new(),
            stamps: &ledger.stamps,
        })
    }

    fn read_options(&self) -> ReadOptions {
        let mut read_opts = ReadOptions::default();
        if let Some(snapshot) = &self.snapshot {
            read_opts.set_snapshot(snapshot);
        }
        read_opts
    }

    fn scan_inner(&self, start: &str, end: &str, limit: usize) -> Result<Vec<(String, Vec<u8>)>, LedgerError> {
        let mut out = Vec::new();
        if limit == 0 || (!end.is_empty() && start >= end) {
            return Ok(out);
        }
        let mut read_opts = self.read_options();
        if !end.is_empty() {
            read_opts.set_iterate_upper_bound(end.as_bytes());
        }
        let iter =
            self.db.iterator_cf_opt(self.state, read_opts, IteratorMode::From(start.as_bytes(), Direction::Forward));
        for item in iter {
            let (key, value) = item.map_err(storage("scanning state"))?;
            let key = String::from_utf8(key.into_vec())
                .map_err(|e| LedgerError::Corrupt(format!("state key is not UTF-8: {}", hex::encode(e.as_bytes()))))?;
            if !end.is_empty() && key.as_str() >= end {
                break;
            }
            out.push((key, value.into_vec()));
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    fn history_inner(&self, key: &str) -> Result<Vec<KeyModification>, LedgerError> {
        match self.history_entries(key, false)? {
            Some(out) => Ok(out),
            None => Ok(self.history_entries(key, true)?.unwrap_or_default()),
        }
    }

    /// The history of `key`, newest first. In prefix mode (`total_order` false) the seek
    /// goes to `key`'s first possible entry and reads only the tables whose prefix filter
    /// holds `key ‖ 0x00` (see the ledger's `history_prefix_options`); RocksDB then gives
    /// every entry of that prefix in order, and keys of other prefixes as it finds them.
    /// Another key's entries can sort among `key`'s only if that key is `key ‖ 0x00 ‖ …`
    /// (a composite key extending `key` by an empty attribute, which no contract writes);
    /// on meeting one it answers `None` and the caller reads again in total order, which
    /// never answers `None`.
    fn history_entries(&self, key: &str, total_order: bool) -> Result<Option<Vec<KeyModification>>, LedgerError> {
        let prefix = history_prefix(key);
        // Keys containing `key ‖ 0x00` as a prefix (composite keys) share this range;
        // only entries exactly 8 bytes longer than the prefix belong to `key`.
        let mut upper = key.as_bytes().to_vec();
        upper.push(1);
        let mut read_opts = self.read_options();
        read_opts.set_iterate_upper_bound(upper);
        read_opts.set_total_order_seek(total_order);
        let first = history_key(key, 0);
        let iter = self.db.iterator_cf_opt(self.history, read_opts, IteratorMode::From(&first, Direction::Forward));
        let mut out = Vec::new();
        for item in iter {
            let (raw_key, value) = item.map_err(storage("reading key history"))?;
            if !raw_key.starts_with(&prefix) {
                break;
            }
            if raw_key.len() != prefix.len() + 8 {
                if total_order {
                    continue;
                }
                return Ok(None);
            }
            let block = decode_u64("history block", &raw_key[prefix.len()..])?;
            let record = HistoryRecord::decode(&value)?;
            let stamp = self.stamps.get_or_read(block, || self.log_stamp(block))?;
            let write_set = self
                .db
                .get_pinned_cf_opt(self.writesets, block_key(block), &self.read_options())
                .map_err(storage("reading a write set"))?
                .ok_or_else(|| {
                    LedgerError::Corrupt(format!("history of {key:?} names block {block}, whose write set is missing"))
                })?;
            out.push(modification(stamp, record, &write_set)?);
        }
        out.reverse();
        Ok(Some(out))
    }

    fn log_stamp(&self, block: u64) -> Result<LogStamp, LedgerError> {
        let bytes = self
            .db
            .get_pinned_cf_opt(self.log, block_key(block), &self.read_options())
            .map_err(storage("reading the log"))?
            .ok_or_else(|| LedgerError::Corrupt(format!("log entry {block} is missing")))?;
        let entry: LogStamp = from_json(&format!("log entry {block}"), &bytes)?;
        if entry.block != block {
            return Err(LedgerError::Corrupt(format!("log entry stored at block {block} says block {}", entry.block)));
        }
        Ok(entry)
    }
}

fn to_stub(e: LedgerError) -> StubError {
    StubError::from(e)
}

impl StateStore for SnapshotView<'_> {
    fn get(&self, key: &str) -> StubResult<Option<Vec<u8>>> {
        self.db
            .get_cf_opt(self.state, key.as_bytes(), &self.read_options())
            .map_err(storage("reading state"))
            .map_err(to_stub)
    }

    /// One RocksDB `MultiGet`: the keys looked up level by level together, each table's
    /// index and filter searched once for all of them, rather than one `Get` each
    /// (docs/BENCHMARKS-HISTORY.md, "Many keys read at once").
    fn get_multiple(&self, keys: &[String]) -> StubResult<Vec<Option<Vec<u8>>>> {
        self.db
            .batched_multi_get_cf_opt(self.state, keys.iter().map(String::as_bytes), false, &self.read_options())
            .into_iter()
            .map(|value| value.map(|v| v.map(|v| v.to_vec())).map_err(storage("reading state")).map_err(to_stub))
            .collect()
    }

    fn scan(&self, start: &str, end: &str, limit: usize) -> StubResult<Vec<(String, Vec<u8>)>> {
        self.scan_inner(start, end, limit).map_err(to_stub)
    }

    fn history(&self, key: &str) -> StubResult<Vec<KeyModification>> {
        self.history_inner(key).map_err(to_stub)
    }

    fn validation_parameter(&self, key: &str) -> StubResult<Option<EndorsementPolicy>> {
        let bytes = self
            .db
            .get_cf_opt(self.vparams, key.as_bytes(), &self.read_options())
            .map_err(storage("reading a validation parameter"))
            .map_err(to_stub)?;
        bytes.map(|b| from_json::<EndorsementPolicy>("validation parameter", &b)).transpose().map_err(to_stub)
    }

    fn collection(&self, name: &str) -> StubResult<Option<CollectionConfig>> {
        if let Some(collections) = self.collections.get() {
            return Ok(collections.get(name).cloned());
        }
        let bytes = self
            .db
            .get_pinned_cf_opt(self.meta, META_COLLECTIONS, &self.read_options())
            .map_err(storage("reading the collections"))
            .map_err(to_stub)?;
        let collections = match bytes {
            Some(bytes) => from_json::<Collections>("collections", &bytes).map_err(to_stub)?,
            None => Collections::new(),
        };
        Ok(self.collections.get_or_init(|| collections).get(name).cloned())
    }

    fn private(&self, collection: &str, key: &str) -> StubResult<Option<Vec<u8>>> {
        self.db
            .get_cf_opt(self.private, private_key(collection, key), &self.read_options())
            .map_err(storage("reading private data"))
            .map_err(to_stub)
    }

    fn private_hash(&self, collection: &str, key: &str) -> StubResult<Option<[u8; 32]>> {
        let at = private_hash_key(collection, &private_data_hash(key.as_bytes()));
        let bytes = self
            .db
            .get_pinned_cf_opt(self.private_hashes, at, &self.read_options())
            .map_err(storage("reading a private data hash"))
            .map_err(to_stub)?;
        bytes
            .map(|b| {
                <[u8; 32]>::try_from(&b[..]).map_err(|_| {
                    to_stub(LedgerError::Corrupt(format!("a private data hash of {} bytes (expected 32)", b.len())))
                })
            })
            .transpose()
    }
}
