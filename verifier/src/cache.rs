//! The verifier's RocksDB cache: certificates and their audit trails as last read from
//! the ledger, a GTIN/lot index, the issuer trust list, the transaction log the
//! follower has seen, and the checkpoint. Every update — records, log and checkpoint —
//! goes in ONE write batch, so the cache is always the state of the ledger at its
//! checkpoint block.

use nanotrace_chaincode::model::{Certificate, HistoryEntry, IssuerKey};
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

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot open the cache at {}: {source}", path.display())]
    Open { path: PathBuf, source: rocksdb::Error },
    #[error("cache storage error while {context}: {source}")]
    Storage { context: &'static str, source: rocksdb::Error },
    #[error("cache record {what} is corrupt: {message}")]
    Corrupt { what: String, message: String },
    #[error("update for block {block} does not follow the checkpoint {checkpoint}")]
    OutOfOrder { block: u64, checkpoint: u64 },
}

/// How far the cache has followed the ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The last block applied (0: nothing yet).
    pub block: u64,
    /// The transaction ID of that block ("" when none).
    pub tx_id: String,
    /// Ledger time (tx timestamp, Unix seconds) of that block.
    pub block_time: i64,
}

/// One transaction the follower has seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenTx {
    pub block: u64,
    pub tx_id: String,
    pub timestamp: i64,
    /// The chaincode event name and its JSON payload, if the transaction had one.
    pub event_name: Option<String>,
    pub event: Option<serde_json::Value>,
}

/// A certificate as the ledger had it at a block, with its audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedCertificate {
    pub certificate: Certificate,
    pub history: Vec<HistoryEntry>,
}

/// Everything the follower learned from a run of consecutive blocks.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// The blocks, in order, starting right after the current checkpoint.
    pub txs: Vec<SeenTx>,
    /// Current records of every certificate those blocks touched.
    pub certificates: Vec<CachedCertificate>,
    /// The trust list, when those blocks changed it.
    pub issuers: Option<Vec<IssuerKey>>,
}

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
    pub fn open(path: &Path) -> Result<Self, CacheError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let cfs = ALL_CFS.iter().map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
        let db = DB::open_cf_descriptors(&opts, path, cfs)
            .map_err(|source| CacheError::Open { path: path.to_path_buf(), source })?;
        Ok(Cache { db, path: path.to_path_buf(), generation: AtomicU64::new(0), memo: RwLock::new(Memo::default()) })
    }

    pub fn path(&self) -> &Path {
        &self.path
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

    pub fn checkpoint(&self) -> Result<Checkpoint, CacheError> {
        Ok(self.get_json(CF_META, CHECKPOINT_KEY, "checkpoint")?.unwrap_or_default())
    }

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

    /// The transactions seen, from `from_block`, at most `limit`.
    pub fn seen(&self, from_block: u64, limit: usize) -> Result<Vec<SeenTx>, CacheError> {
        let mut out = Vec::new();
        let start = from_block.to_be_bytes();
        for item in self.db.iterator_cf(self.cf(CF_TXLOG)?, IteratorMode::From(&start, Direction::Forward)) {
            let (_, value) = item.map_err(|source| CacheError::Storage { context: "scanning the tx log", source })?;
            out.push(serde_json::from_slice(&value).map_err(|e| corrupt("tx log entry", e))?);
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// Applies consecutive blocks and moves the checkpoint, atomically and durably.
    /// Blocks at or below the checkpoint are refused (they were applied already).
    pub fn apply(&self, update: &Update) -> Result<Checkpoint, CacheError> {
        let current = self.checkpoint()?;
        let mut next = current.clone();
        let mut batch = WriteBatch::default();
        for tx in &update.txs {
            if tx.block != next.block + 1 {
                return Err(CacheError::OutOfOrder { block: tx.block, checkpoint: next.block });
            }
            let value = serde_json::to_vec(tx).map_err(|e| corrupt("tx log entry", e))?;
            batch.put_cf(self.cf(CF_TXLOG)?, tx.block.to_be_bytes(), value);
            next = Checkpoint { block: tx.block, tx_id: tx.tx_id.clone(), block_time: tx.timestamp };
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
        let mut opts = WriteOptions::default();
        opts.set_sync(true);
        self.db
            .write_opt(batch, &opts)
            .map_err(|source| CacheError::Storage { context: "applying an update", source })?;
        // Written: from now on no memo entry read before this point may be served.
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        *self.memo.write().unwrap_or_else(|p| p.into_inner()) = Memo { generation, ..Memo::default() };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_moves_only_forward_and_atomically() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("open");
        assert_eq!(cache.checkpoint().expect("cp").block, 0);
        let tx = |block| SeenTx { block, tx_id: format!("tx{block}"), timestamp: 10, event_name: None, event: None };
        let cp = cache.apply(&Update { txs: vec![tx(1), tx(2)], ..Default::default() }).expect("apply");
        assert_eq!(cp.block, 2);
        // A gap or a replay is refused and changes nothing.
        assert!(matches!(
            cache.apply(&Update { txs: vec![tx(4)], ..Default::default() }),
            Err(CacheError::OutOfOrder { .. })
        ));
        assert!(matches!(
            cache.apply(&Update { txs: vec![tx(2)], ..Default::default() }),
            Err(CacheError::OutOfOrder { .. })
        ));
        assert_eq!(cache.checkpoint().expect("cp").block, 2);
        assert_eq!(cache.seen(1, 10).expect("seen").len(), 2);
        // The memo never outlives an update.
        assert_eq!(cache.certificate("NT-AAAAAAAAAAAA").expect("read"), None);
        assert_eq!(cache.memoized_certificate("NT-AAAAAAAAAAAA"), Some(None));
        cache.apply(&Update { txs: vec![tx(3)], ..Default::default() }).expect("apply");
        assert_eq!(cache.memoized_certificate("NT-AAAAAAAAAAAA"), None);
        drop(cache);
        let cache = Cache::open(dir.path()).expect("reopen");
        assert_eq!(cache.checkpoint().expect("cp").tx_id, "tx3");
    }
}
