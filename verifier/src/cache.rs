//! The verifier's RocksDB cache: certificates and their audit trails as last read from
//! the ledger, a GTIN/lot index, the issuer trust list, the transaction log the
//! follower has seen, and the checkpoint. Every update — records, log and checkpoint —
//! goes in ONE write batch, so the cache is always the state of the ledger at its
//! checkpoint.
//!
//! # The checkpoint
//!
//! Fabric-shaped, like fabric-gateway's checkpointer: the next block to read
//! ([`Checkpoint::block_number`]) and the last transaction applied within it
//! ([`Checkpoint::transaction_id`], at [`Checkpoint::transaction_index`]). A Fabric block
//! carries many transactions and a chaincode-event stream skips blocks without events,
//! so [`Cache::apply`] accepts any transaction after the checkpoint — in the same block
//! at a later index, or in any later block (gaps are fine) — and skips, as duplicates,
//! transactions in earlier blocks or at or before the checkpoint's index: each
//! transaction is applied exactly once, also across restarts. The embedded ledger, with
//! one transaction per block and no gaps, is a special case.
//!
//! # On-disk format
//!
//! `meta/format` holds [`FORMAT_VERSION`]. Version 2 keys the transaction log by
//! (block, transaction index), 8 + 4 bytes big-endian. A version-1 cache (written before
//! the format was recorded: log keyed by block, checkpoint `{block, tx_id, block_time}`)
//! is migrated in one write batch when opened; a cache of an unknown (newer) version is
//! refused with [`CacheError::Format`].

use nanotrace_model::{Certificate, HistoryEntry, IssuerKey};
use rocksdb::{ColumnFamilyDescriptor, Direction, IteratorMode, Options, WriteBatch, WriteOptions, DB};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

const CF_CERTS: &str = "certs";
const CF_HISTORY: &str = "history";
const CF_PRODUCTS: &str = "products";
const CF_TXLOG: &str = "txlog";
const CF_META: &str = "meta";
const ALL_CFS: [&str; 5] = [CF_CERTS, CF_HISTORY, CF_PRODUCTS, CF_TXLOG, CF_META];
const CHECKPOINT_KEY: &[u8] = b"checkpoint";
const ISSUERS_KEY: &[u8] = b"issuers";
const FORMAT_KEY: &[u8] = b"format";

/// The cache's on-disk format version (see the module docs).
pub const FORMAT_VERSION: u32 = 2;

/// Why the cache could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// RocksDB could not open the directory (missing permissions, held by another
    /// process, ...).
    #[error("cannot open the cache at {}: {source}", path.display())]
    Open {
        /// The cache directory.
        path: PathBuf,
        /// RocksDB's error.
        source: rocksdb::Error,
    },
    /// A read or write failed.
    #[error("cache storage error while {context}: {source}")]
    Storage {
        /// What the cache was doing.
        context: &'static str,
        /// RocksDB's error.
        source: rocksdb::Error,
    },
    /// A stored value cannot be decoded.
    #[error("cache record {what} is corrupt: {message}")]
    Corrupt {
        /// Which record.
        what: String,
        /// Why it cannot be decoded.
        message: String,
    },
    /// The cache was written in a format this verifier does not know.
    #[error(
        "the cache at {} has on-disk format {found}, but this verifier reads format {FORMAT_VERSION} \
         (a newer verifier wrote it?): delete the cache directory to rebuild it from the ledger",
        path.display()
    )]
    Format {
        /// The cache directory.
        path: PathBuf,
        /// The version found on disk.
        found: String,
    },
}

/// How far the cache has followed the ledger, as fabric-gateway's checkpointer keeps it:
/// the next block to read and the last transaction applied within it. Transactions in
/// blocks before [`block_number`](Self::block_number) have all been applied; so have
/// those of `block_number` up to [`transaction_index`](Self::transaction_index) when
/// [`transaction_id`](Self::transaction_id) is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The next block to read: the block of the last transaction applied, which may
    /// hold more transactions after it (0: nothing applied yet).
    pub block_number: u64,
    /// The ID of the last transaction applied within `block_number` ("" when none: read
    /// `block_number` from its first transaction).
    pub transaction_id: String,
    /// The position of `transaction_id` in its block (0 when none).
    pub transaction_index: u32,
    /// Ledger time (tx timestamp, Unix seconds) of the last transaction applied.
    pub block_time: i64,
}

impl Checkpoint {
    /// The checkpoint right after `tx`.
    pub fn after(tx: &SeenTx) -> Self {
        Checkpoint {
            block_number: tx.block,
            transaction_id: tx.tx_id.clone(),
            transaction_index: tx.tx_index,
            block_time: tx.timestamp,
        }
    }

    /// Whether `tx` comes after this checkpoint (else it was applied already, or lies in
    /// a block that the checkpoint has passed).
    pub fn precedes(&self, tx: &SeenTx) -> bool {
        match tx.block.cmp(&self.block_number) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => self.transaction_id.is_empty() || tx.tx_index > self.transaction_index,
        }
    }
}

/// One transaction the follower has seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenTx {
    /// The block it committed in.
    pub block: u64,
    /// Its position within the block (always 0 on the embedded ledger).
    #[serde(default)]
    pub tx_index: u32,
    /// The transaction ID.
    pub tx_id: String,
    /// Its timestamp (Unix seconds).
    pub timestamp: i64,
    /// The chaincode event's name, if the transaction had one.
    pub event_name: Option<String>,
    /// The chaincode event's JSON payload, if the transaction had one.
    pub event: Option<serde_json::Value>,
}

/// A certificate as the ledger had it at a block, with its audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedCertificate {
    /// The record (`GetCertificate`).
    pub certificate: Certificate,
    /// Its audit trail (`History`), newest first.
    pub history: Vec<HistoryEntry>,
}

/// Everything the follower learned from a run of transactions.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// The transactions, in ledger order, after the current checkpoint (earlier ones
    /// are skipped as duplicates).
    pub txs: Vec<SeenTx>,
    /// Current records of every certificate those transactions touched.
    pub certificates: Vec<CachedCertificate>,
    /// The trust list, when those transactions changed it.
    pub issuers: Option<Vec<IssuerKey>>,
}

/// The transaction log's key: block, then index, big-endian (so keys sort in ledger order).
fn txlog_key(block: u64, tx_index: u32) -> [u8; 12] {
    let mut key = [0u8; 12];
    key[..8].copy_from_slice(&block.to_be_bytes());
    key[8..].copy_from_slice(&tx_index.to_be_bytes());
    key
}

/// The RocksDB cache (see the module docs). One process at a time.
pub struct Cache {
    db: DB,
    path: PathBuf,
    /// Bumped after every applied update: memo entries read under an older generation
    /// are never served (a reader that raced an update cannot pin a stale record).
    generation: AtomicU64,
    memo: RwLock<Memo>,
}

/// Decoded records kept in memory between updates, so that hot lookups skip RocksDB and
/// JSON decoding. Exact: this process is the cache's only writer, and every update
/// clears it.
#[derive(Default)]
struct Memo {
    generation: u64,
    certificates: HashMap<String, Option<CachedCertificate>>,
    issuers: Option<Vec<IssuerKey>>,
}

/// At most this many certificates (or unknown IDs) are memoised; past it, the memo
/// starts over.
const MEMO_CAPACITY: usize = 50_000;

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("path", &self.path).finish_non_exhaustive()
    }
}

fn corrupt(what: impl Into<String>, e: impl std::fmt::Display) -> CacheError {
    CacheError::Corrupt { what: what.into(), message: e.to_string() }
}

fn product_key(gtin: &str, lot: &str, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(gtin.len() + lot.len() + id.len() + 2);
    key.extend_from_slice(gtin.as_bytes());
    key.push(0);
    key.extend_from_slice(lot.as_bytes());
    key.push(0);
    key.extend_from_slice(id.as_bytes());
    key
}

impl Cache {
    /// Opens (or creates) the cache in `path`, migrating a version-1 cache; refuses a
    /// cache of an unknown format.
    pub fn open(path: &Path) -> Result<Self, CacheError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let cfs = ALL_CFS.iter().map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
        let db = DB::open_cf_descriptors(&opts, path, cfs)
            .map_err(|source| CacheError::Open { path: path.to_path_buf(), source })?;
        let cache =
            Cache { db, path: path.to_path_buf(), generation: AtomicU64::new(0), memo: RwLock::new(Memo::default()) };
        cache.check_format()?;
        Ok(cache)
    }

    /// The cache directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks `meta/format`: records it in a new cache, migrates version 1, refuses
    /// anything else.
    fn check_format(&self) -> Result<(), CacheError> {
        let meta = self.cf(CF_META)?;
        let stored = self.db.get_cf(meta, FORMAT_KEY).map_err(|source| CacheError::Storage { context: "reading", source })?;
        match stored {
            Some(bytes) if bytes.as_slice() == FORMAT_VERSION.to_string().as_bytes() => Ok(()),
            Some(bytes) => {
                Err(CacheError::Format { path: self.path.clone(), found: String::from_utf8_lossy(&bytes).into_owned() })
            }
            None => {
                let mut batch = WriteBatch::default();
                self.migrate_v1(&mut batch)?;
                batch.put_cf(meta, FORMAT_KEY, FORMAT_VERSION.to_string());
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
        let txlog = self.cf(CF_TXLOG)?;
        for item in self.db.iterator_cf(txlog, IteratorMode::Start) {
            let (key, value) = item.map_err(|source| CacheError::Storage { context: "migrating the tx log", source })?;
            let block: [u8; 8] = match key.as_ref().try_into() {
                Ok(block) => block,
                Err(_) => return Err(corrupt("version-1 tx log key", format!("{} bytes, not 8", key.len()))),
            };
            // A version-1 entry has no `tx_index`: it decodes as 0, its only position.
            batch.delete_cf(txlog, key.as_ref());
            batch.put_cf(txlog, txlog_key(u64::from_be_bytes(block), 0), value.as_ref());
        }
        if let Some(old) = self.get_json::<CheckpointV1>(CF_META, CHECKPOINT_KEY, "version-1 checkpoint")? {
            let new = Checkpoint {
                block_number: old.block,
                transaction_id: old.tx_id,
                transaction_index: 0,
                block_time: old.block_time,
            };
            let value = serde_json::to_vec(&new).map_err(|e| corrupt("checkpoint", e))?;
            batch.put_cf(self.cf(CF_META)?, CHECKPOINT_KEY, value);
        }
        Ok(())
    }

    /// Writes `batch` durably (synced).
    fn write(&self, batch: WriteBatch, context: &'static str) -> Result<(), CacheError> {
        let mut opts = WriteOptions::default();
        opts.set_sync(true);
        self.db.write_opt(batch, &opts).map_err(|source| CacheError::Storage { context, source })
    }

    fn cf(&self, name: &'static str) -> Result<&rocksdb::ColumnFamily, CacheError> {
        self.db.cf_handle(name).ok_or_else(|| corrupt(name, "column family missing"))
    }

    fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        cf: &'static str,
        key: &[u8],
        what: &str,
    ) -> Result<Option<T>, CacheError> {
        match self.db.get_cf(self.cf(cf)?, key).map_err(|source| CacheError::Storage { context: "reading", source })? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| corrupt(what, e)),
        }
    }

    /// How far the cache has followed the ledger (the default before the first update).
    pub fn checkpoint(&self) -> Result<Checkpoint, CacheError> {
        Ok(self.get_json(CF_META, CHECKPOINT_KEY, "checkpoint")?.unwrap_or_default())
    }

    /// The cached record and audit trail of `id` (`None`: the ledger has no such
    /// certificate, as of the checkpoint).
    pub fn certificate(&self, id: &str) -> Result<Option<CachedCertificate>, CacheError> {
        if let Some(hit) = self.memoized_certificate(id) {
            return Ok(hit);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let value: Option<CachedCertificate> = self.get_json(CF_CERTS, id.as_bytes(), id)?;
        self.remember(generation, |memo| {
            // Full (e.g. of IDs that were asked for once): start over rather than stop
            // remembering until the next update.
            if memo.certificates.len() >= MEMO_CAPACITY {
                memo.certificates.clear();
            }
            memo.certificates.insert(id.to_owned(), value.clone());
        });
        Ok(value)
    }

    /// Bumped after every applied update.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The record of `id` if it is in memory (`Some(None)`: known not to exist); `None`
    /// when only RocksDB can tell. Never blocks on I/O.
    pub fn memoized_certificate(&self, id: &str) -> Option<Option<CachedCertificate>> {
        let memo = self.memo.read().unwrap_or_else(|p| p.into_inner());
        if memo.generation != self.generation.load(Ordering::SeqCst) {
            return None;
        }
        memo.certificates.get(id).cloned()
    }

    /// The trust list if it is in memory.
    pub fn memoized_issuers(&self) -> Option<Vec<IssuerKey>> {
        let memo = self.memo.read().unwrap_or_else(|p| p.into_inner());
        if memo.generation != self.generation.load(Ordering::SeqCst) {
            return None;
        }
        memo.issuers.clone()
    }

    /// Stores into the memo what was read under `generation`, unless an update came since.
    fn remember(&self, generation: u64, f: impl FnOnce(&mut Memo)) {
        let mut memo = self.memo.write().unwrap_or_else(|p| p.into_inner());
        if memo.generation == generation && self.generation.load(Ordering::SeqCst) == generation {
            f(&mut memo);
        }
    }

    /// Certificates of a product (GTIN and lot), newest version first.
    pub fn by_product(&self, gtin: &str, lot: &str) -> Result<Vec<CachedCertificate>, CacheError> {
        let mut prefix = gtin.as_bytes().to_vec();
        prefix.push(0);
        prefix.extend_from_slice(lot.as_bytes());
        prefix.push(0);
        let mut out = Vec::new();
        let iter = self.db.iterator_cf(self.cf(CF_PRODUCTS)?, IteratorMode::From(&prefix, Direction::Forward));
        for item in iter {
            let (key, _) = item.map_err(|source| CacheError::Storage { context: "scanning products", source })?;
            let Some(id) = key.strip_prefix(prefix.as_slice()) else { break };
            let id = std::str::from_utf8(id).map_err(|e| corrupt("product index", e))?;
            if let Some(cert) = self.certificate(id)? {
                out.push(cert);
            }
        }
        out.sort_by(|a, b| {
            b.certificate
                .version
                .cmp(&a.certificate.version)
                .then(b.certificate.status_since.cmp(&a.certificate.status_since))
        });
        Ok(out)
    }

    /// The issuer trust list.
    pub fn issuers(&self) -> Result<Vec<IssuerKey>, CacheError> {
        if let Some(hit) = self.memoized_issuers() {
            return Ok(hit);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let issuers: Vec<IssuerKey> = self.get_json(CF_META, ISSUERS_KEY, "issuers")?.unwrap_or_default();
        self.remember(generation, |memo| memo.issuers = Some(issuers.clone()));
        Ok(issuers)
    }

    /// Every cached certificate ID, in order.
    pub fn certificate_ids(&self) -> Result<Vec<String>, CacheError> {
        let mut ids = Vec::new();
        for item in self.db.iterator_cf(self.cf(CF_CERTS)?, IteratorMode::Start) {
            let (key, _) = item.map_err(|source| CacheError::Storage { context: "scanning certificates", source })?;
            ids.push(String::from_utf8(key.to_vec()).map_err(|e| corrupt("certificate key", e))?);
        }
        Ok(ids)
    }

    /// The transactions seen, from the first of block `from_block` on, at most `limit`,
    /// in ledger order.
    pub fn seen(&self, from_block: u64, limit: usize) -> Result<Vec<SeenTx>, CacheError> {
        self.seen_from(from_block, 0, limit)
    }

    /// The transactions seen, from position (`block`, `tx_index`) on, at most `limit`,
    /// in ledger order.
    pub fn seen_from(&self, block: u64, tx_index: u32, limit: usize) -> Result<Vec<SeenTx>, CacheError> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let start = txlog_key(block, tx_index);
        for item in self.db.iterator_cf(self.cf(CF_TXLOG)?, IteratorMode::From(&start, Direction::Forward)) {
            let (_, value) = item.map_err(|source| CacheError::Storage { context: "scanning the tx log", source })?;
            out.push(serde_json::from_slice(&value).map_err(|e| corrupt("tx log entry", e))?);
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// Applies the transactions after the checkpoint with the records they touched, and
    /// moves the checkpoint to the last of them, atomically and durably (ONE write batch).
    /// Transactions at or before the checkpoint — in an earlier block, or in its block at
    /// or before its index — were applied already and are skipped, so replaying an update
    /// changes nothing in the log; a later block than the next one is fine (gaps).
    pub fn apply(&self, update: &Update) -> Result<Checkpoint, CacheError> {
        let mut next = self.checkpoint()?;
        let mut batch = WriteBatch::default();
        let txlog = self.cf(CF_TXLOG)?;
        for tx in &update.txs {
            if !next.precedes(tx) {
                continue;
            }
            let value = serde_json::to_vec(tx).map_err(|e| corrupt("tx log entry", e))?;
            batch.put_cf(txlog, txlog_key(tx.block, tx.tx_index), value);
            next = Checkpoint::after(tx);
        }
        for cached in &update.certificates {
            let cert = &cached.certificate;
            let value = serde_json::to_vec(cached).map_err(|e| corrupt(cert.id.clone(), e))?;
            batch.put_cf(self.cf(CF_CERTS)?, cert.id.as_bytes(), value);
            if let Some(gtin) = &cert.application.gtin {
                batch.put_cf(self.cf(CF_PRODUCTS)?, product_key(gtin, &cert.application.batch, &cert.id), []);
            }
        }
        if let Some(issuers) = &update.issuers {
            let value = serde_json::to_vec(issuers).map_err(|e| corrupt("issuers", e))?;
            batch.put_cf(self.cf(CF_META)?, ISSUERS_KEY, value);
        }
        let value = serde_json::to_vec(&next).map_err(|e| corrupt("checkpoint", e))?;
        batch.put_cf(self.cf(CF_META)?, CHECKPOINT_KEY, value);
        self.write(batch, "applying an update")?;
        // Written: from now on no memo entry read before this point may be served.
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        *self.memo.write().unwrap_or_else(|p| p.into_inner()) = Memo { generation, ..Memo::default() };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Transaction `index` of block `block`, named after both.
    fn tx_at(block: u64, index: u32) -> SeenTx {
        SeenTx {
            block,
            tx_index: index,
            tx_id: format!("tx{block}.{index}"),
            timestamp: 10 + block as i64,
            event_name: None,
            event: None,
        }
    }

    fn tx(block: u64) -> SeenTx {
        SeenTx { tx_id: format!("tx{block}"), ..tx_at(block, 0) }
    }

    fn txs(txs: Vec<SeenTx>) -> Update {
        Update { txs, ..Default::default() }
    }

    fn positions(cache: &Cache) -> Vec<(u64, u32)> {
        cache.seen(0, usize::MAX).expect("seen").iter().map(|t| (t.block, t.tx_index)).collect()
    }

    #[test]
    fn checkpoint_moves_only_forward_and_atomically() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("open");
        assert_eq!(cache.checkpoint().expect("cp").block_number, 0);
        let cp = cache.apply(&txs(vec![tx(1), tx(2)])).expect("apply");
        assert_eq!(cp.block_number, 2);
        // A replay is skipped and changes nothing.
        assert_eq!(cache.apply(&txs(vec![tx(2)])).expect("replay"), cp);
        assert_eq!(cache.checkpoint().expect("cp"), cp);
        assert_eq!(cache.seen(1, 10).expect("seen").len(), 2);
        // The memo never outlives an update.
        assert_eq!(cache.certificate("NT-AAAAAAAAAAAA").expect("read"), None);
        assert_eq!(cache.memoized_certificate("NT-AAAAAAAAAAAA"), Some(None));
        cache.apply(&txs(vec![tx(3)])).expect("apply");
        assert_eq!(cache.memoized_certificate("NT-AAAAAAAAAAAA"), None);
        drop(cache);
        let cache = Cache::open(dir.path()).expect("reopen");
        assert_eq!(cache.checkpoint().expect("cp").transaction_id, "tx3");
    }

    #[test]
    fn gaps_in_block_numbers_are_fine() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("open");
        // A chaincode-event stream skips blocks without events.
        let cp = cache.apply(&txs(vec![tx(3), tx(7)])).expect("apply");
        assert_eq!((cp.block_number, cp.transaction_id.as_str(), cp.block_time), (7, "tx7", 17));
        let cp = cache.apply(&txs(vec![tx(1000)])).expect("a later block");
        assert_eq!(cp.block_number, 1000);
        assert_eq!(positions(&cache), [(3, 0), (7, 0), (1000, 0)]);
    }

    #[test]
    fn a_block_of_many_transactions_applies_across_two_updates() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("open");
        let cp = cache.apply(&txs(vec![tx_at(5, 0), tx_at(7, 0), tx_at(7, 1)])).expect("first part");
        assert_eq!((cp.block_number, cp.transaction_id.as_str(), cp.transaction_index), (7, "tx7.1", 1));
        // The next read starts at block 7 again, from its first transaction: resume after
        // the last transaction ID applied within it.
        let cp = cache.apply(&txs(vec![tx_at(7, 0), tx_at(7, 1), tx_at(7, 2), tx_at(7, 3), tx_at(9, 0)])).expect("rest");
        assert_eq!((cp.block_number, cp.transaction_id.as_str(), cp.transaction_index), (9, "tx9.0", 0));
        assert_eq!(positions(&cache), [(5, 0), (7, 0), (7, 1), (7, 2), (7, 3), (9, 0)]);
        assert_eq!(cache.seen_from(7, 2, 10).expect("seen").first().map(|t| t.tx_id.clone()).as_deref(), Some("tx7.2"));
    }

    #[test]
    fn duplicates_are_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("open");
        cache.apply(&txs(vec![tx_at(4, 0), tx_at(4, 1), tx_at(6, 0)])).expect("apply");
        let before = cache.seen(0, usize::MAX).expect("seen");
        let cp = cache.checkpoint().expect("cp");
        // Earlier blocks, the checkpoint's own transaction, an earlier index in its block.
        let mut forged = tx_at(6, 0);
        forged.tx_id = "another".into();
        for replay in [vec![tx_at(2, 0)], vec![tx_at(4, 1)], vec![forged], vec![tx_at(4, 5)]] {
            assert_eq!(cache.apply(&txs(replay)).expect("replay"), cp);
        }
        assert_eq!(cache.seen(0, usize::MAX).expect("seen"), before);
        // Within one update too: an entry earlier than one before it is skipped.
        let cp = cache.apply(&txs(vec![tx_at(8, 0), tx_at(7, 0), tx_at(8, 0), tx_at(8, 1)])).expect("apply");
        assert_eq!((cp.block_number, cp.transaction_index), (8, 1));
        assert_eq!(positions(&cache), [(4, 0), (4, 1), (6, 0), (8, 0), (8, 1)]);
    }

    #[test]
    fn a_restart_resumes_exactly_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let update = txs(vec![tx_at(1, 0), tx_at(2, 0), tx_at(2, 1)]);
        {
            let cache = Cache::open(dir.path()).expect("open");
            cache.apply(&update).expect("apply");
        }
        let cache = Cache::open(dir.path()).expect("reopen");
        let cp = cache.checkpoint().expect("cp");
        assert_eq!((cp.block_number, cp.transaction_id.as_str()), (2, "tx2.1"));
        // A follower that crashed before its checkpoint reached the source re-reads from
        // further back: what was applied is not applied again.
        let mut again = update.txs.clone();
        again.extend([tx_at(2, 2), tx_at(3, 0)]);
        cache.apply(&txs(again)).expect("resume");
        assert_eq!(positions(&cache), [(1, 0), (2, 0), (2, 1), (2, 2), (3, 0)]);
        drop(cache);
        let cache = Cache::open(dir.path()).expect("reopen");
        assert_eq!(cache.checkpoint().expect("cp").transaction_id, "tx3.0");
        assert_eq!(positions(&cache).len(), 5);
    }

    /// Writes a cache as version 1 wrote it: log keyed by block, old checkpoint, no format key.
    fn write_v1(path: &Path, blocks: u64) {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let cfs = ALL_CFS.iter().map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
        let db = DB::open_cf_descriptors(&opts, path, cfs).expect("open raw");
        let txlog = db.cf_handle(CF_TXLOG).expect("cf");
        for block in 1..=blocks {
            let value = serde_json::json!({
                "block": block, "tx_id": format!("tx{block}"), "timestamp": 10, "event_name": null, "event": null
            });
            db.put_cf(txlog, block.to_be_bytes(), value.to_string()).expect("put");
        }
        let checkpoint = serde_json::json!({"block": blocks, "tx_id": format!("tx{blocks}"), "block_time": 10});
        db.put_cf(db.cf_handle(CF_META).expect("cf"), CHECKPOINT_KEY, checkpoint.to_string()).expect("put");
    }

    #[test]
    fn a_version_1_cache_is_migrated() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_v1(dir.path(), 3);
        let cache = Cache::open(dir.path()).expect("open a version-1 cache");
        let cp = cache.checkpoint().expect("cp");
        assert_eq!((cp.block_number, cp.transaction_id.as_str(), cp.transaction_index, cp.block_time), (3, "tx3", 0, 10));
        assert_eq!(positions(&cache), [(1, 0), (2, 0), (3, 0)]);
        assert_eq!(cache.seen(2, 1).expect("seen")[0].tx_id, "tx2");
        cache.apply(&txs(vec![tx(3), tx(4)])).expect("go on");
        assert_eq!(positions(&cache), [(1, 0), (2, 0), (3, 0), (4, 0)]);
        drop(cache);
        Cache::open(dir.path()).expect("reopen a migrated cache");
    }

    #[test]
    fn an_unknown_format_is_refused_clearly() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(Cache::open(dir.path()).expect("open"));
        {
            let cfs = ALL_CFS.iter().map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
            let db = DB::open_cf_descriptors(&Options::default(), dir.path(), cfs).expect("open raw");
            db.put_cf(db.cf_handle(CF_META).expect("cf"), FORMAT_KEY, b"3").expect("put");
        }
        let err = Cache::open(dir.path()).expect_err("format 3");
        let text = err.to_string();
        assert!(matches!(err, CacheError::Format { .. }), "{text}");
        assert!(text.contains("format 3") && text.contains("delete the cache directory"), "{text}");
    }
}
