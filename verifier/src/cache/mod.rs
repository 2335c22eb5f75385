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

use nanotrace_model::{IssuerKey, Organization};
use rocksdb::{
    BlockBasedOptions, Cache as BlockCache, ColumnFamilyDescriptor, Direction, IteratorMode, Options, WriteBatch,
    WriteOptions, DB,
};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::Duration;

mod negative;
pub use negative::{DEFAULT_CAPACITY as DEFAULT_NEGATIVE_CAPACITY, DEFAULT_TTL as DEFAULT_NEGATIVE_TTL};

const CF_CERTS: &str = "certs";
const CF_HISTORY: &str = "history";
const CF_PRODUCTS: &str = "products";
const CF_TXLOG: &str = "txlog";
const CF_META: &str = "meta";
const ALL_CFS: [&str; 5] = [CF_CERTS, CF_HISTORY, CF_PRODUCTS, CF_TXLOG, CF_META];
const CHECKPOINT_KEY: &[u8] = b"checkpoint";
const ISSUERS_KEY: &[u8] = b"issuers";
const ORGANIZATIONS_KEY: &[u8] = b"organizations";
const FORMAT_KEY: &[u8] = b"format";
const BINDING_KEY: &[u8] = b"binding";

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
    /// The cache was built from another source (another kind of ledger, channel or
    /// chaincode) than the one configured.
    #[error(
        "the cache at {} was built from {cached}, not from {configured}: it cannot serve another ledger; \
         use another --cache-dir (or delete this one to rebuild it)",
        path.display()
    )]
    Binding {
        /// The cache directory.
        path: PathBuf,
        /// What the cache was built from.
        cached: String,
        /// What the verifier is configured to follow.
        configured: String,
    },
    /// A certificate the cache does not hold could not be read from the ledger (the
    /// peer failed): the answer is UNVERIFIABLE, never UNKNOWN.
    #[error("certificate {id} is not in the cache and the ledger cannot be read: {message}")]
    Miss {
        /// The certificate ID.
        id: String,
        /// Why the ledger could not be read.
        message: String,
    },
    /// The cache is closed: a reopen after a storage error ([`Cache::reopen`]) has not
    /// succeeded yet.
    #[error("the cache at {} is closed after a storage error and not reopened yet", path.display())]
    Closed {
        /// The cache directory.
        path: PathBuf,
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

pub use nanotrace_follow::{CertificateRecord, Checkpoint, SeenTx};

/// Everything the follower learned from a run of transactions.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// The transactions, in ledger order, after the current checkpoint (earlier ones
    /// are skipped as duplicates).
    pub txs: Vec<SeenTx>,
    /// Current records of every certificate those transactions touched.
    pub certificates: Vec<CertificateRecord>,
    /// The trust list, when those transactions changed it.
    pub issuers: Option<Vec<IssuerKey>>,
    /// The registered organisations, when those transactions registered one (or the
    /// cache had none).
    pub organizations: Option<Vec<Organization>>,
}

/// The transaction log's key: block, then index, big-endian (so keys sort in ledger order).
fn txlog_key(block: u64, tx_index: u32) -> [u8; 12] {
    let mut key = [0u8; 12];
    key[..8].copy_from_slice(&block.to_be_bytes());
    key[8..].copy_from_slice(&tx_index.to_be_bytes());
    key
}

/// Reads a certificate the cache does not hold from the ledger: `Ok(None)` when the
/// ledger has none, `Err` when the ledger cannot be read.
pub type MissReader = dyn Fn(&str) -> Result<Option<CertificateRecord>, String> + Send + Sync;

/// The RocksDB cache (see the module docs). One process at a time.
///
/// # Recovery from a failed write
///
/// After a failed write (a full disk, an I/O error) RocksDB refuses every further write
/// until the database is reopened (rust-rocksdb exposes no `DB::resume`). A failed write
/// therefore marks the cache for reopening ([`Cache::needs_reopen`]); the follower calls
/// [`Cache::reopen`], which closes the database and opens it again from what is on disk —
/// the last update that was written whole — and re-checks its format and the binding
/// recorded by [`Cache::bind`]. While closed, every read is [`CacheError::Closed`]
/// (UNVERIFIABLE). The follower's freshness rules are unchanged: the state on disk is
/// never newer than the last pass that caught up, and nothing reads fresher until a pass
/// catches up again.
pub struct Cache {
    /// `None` while closed for a reopen (or after a reopen failed).
    db: RwLock<Option<DB>>,
    /// A write failed: the database must be reopened before it accepts writes again.
    broken: AtomicBool,
    /// The binding checked by [`Cache::bind`], re-checked by [`Cache::reopen`].
    bound: RwLock<Option<BTreeMap<String, String>>>,
    /// Where a miss is read from ([`Cache::read_misses_from`]), if anywhere.
    miss: RwLock<Option<Arc<MissReader>>>,
    path: PathBuf,
    /// Bumped after every applied update: memo entries read under an older generation
    /// are never served (a reader that raced an update cannot pin a stale record).
    generation: AtomicU64,
    memo: RwLock<Memo>,
    /// IDs known not to exist ([`Cache::limit_negatives`]).
    negatives: negative::NegativeCache,
    /// Certificate reads that went to RocksDB.
    disk_reads: AtomicU64,
    /// Certificate reads that went to the ledger ([`Cache::read_misses_from`]).
    ledger_reads: AtomicU64,
    /// Held while certificate records are compared with what is stored and written, so
    /// that no record is ever replaced by an older version of itself (see
    /// [`Cache::apply`]).
    records: Mutex<()>,
}

/// How the cache answered certificate lookups since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LookupStats {
    /// Reads of RocksDB.
    pub disk_reads: u64,
    /// Reads of the ledger through [`Cache::read_misses_from`] (on Fabric: the peer).
    pub ledger_reads: u64,
    /// Lookups answered "no such certificate" from the negative cache.
    pub negative_hits: u64,
    /// IDs in the negative cache now.
    pub negative_entries: usize,
    /// The negative cache's bound.
    pub negative_capacity: usize,
    /// IDs dropped from the negative cache to stay within its bound.
    pub negative_evicted: u64,
}

/// Decoded records kept in memory between updates, so that hot lookups skip RocksDB and
/// JSON decoding. Exact: this process is the cache's only writer, and every update
/// clears it. (IDs that do not exist are kept apart, in the negative cache, which
/// outlives updates.)
#[derive(Default)]
struct Memo {
    generation: u64,
    certificates: HashMap<String, CertificateRecord>,
    issuers: Option<Vec<IssuerKey>>,
    organizations: Option<Vec<Organization>>,
}

/// At most this many certificates are memoised; past it, the memo starts over.
const MEMO_CAPACITY: usize = 50_000;

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("path", &self.path).finish_non_exhaustive()
    }
}

/// A read lock on the open database.
struct Open<'a>(RwLockReadGuard<'a, Option<DB>>);

impl std::ops::Deref for Open<'_> {
    type Target = DB;
    fn deref(&self) -> &DB {
        // Only built by `Cache::db`, which checked that the database is open.
        self.0.as_ref().unwrap_or_else(|| unreachable!("Open is only built for an open database"))
    }
}

fn cf<'a>(db: &'a DB, name: &'static str) -> Result<&'a rocksdb::ColumnFamily, CacheError> {
    db.cf_handle(name).ok_or_else(|| corrupt(name, "column family missing"))
}

/// RocksDB's memory, made explicit and small: one block cache shared by every column
/// family (RocksDB's default is a cache of its own per column family) ...
const BLOCK_CACHE_BYTES: usize = 32 << 20;
/// ... and memtables of 8 MiB (default 64 MiB, up to two per column family), so a
/// verifier following a busy ledger flushes to disk instead of holding the last hundreds
/// of megabytes of updates in memory.
const WRITE_BUFFER_BYTES: usize = 8 << 20;
/// A Bloom filter per table (10 bits per key, ~1 % false positives) answers most reads of
/// absent keys — unknown certificate IDs — without reading a data block.
const BLOOM_BITS_PER_KEY: f64 = 10.0;

fn open_db(path: &Path) -> Result<DB, CacheError> {
    let block_cache = BlockCache::new_lru_cache(BLOCK_CACHE_BYTES);
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(&block_cache);
    table.set_bloom_filter(BLOOM_BITS_PER_KEY, false);
    table.set_cache_index_and_filter_blocks(true);
    table.set_pin_l0_filter_and_index_blocks_in_cache(true);
    let cf_options = || {
        let mut o = Options::default();
        o.set_block_based_table_factory(&table);
        o.set_write_buffer_size(WRITE_BUFFER_BYTES);
        o
    };
    let mut opts = cf_options();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    let cfs = ALL_CFS.iter().map(|name| ColumnFamilyDescriptor::new(*name, cf_options()));
    DB::open_cf_descriptors(&opts, path, cfs).map_err(|source| CacheError::Open { path: path.to_path_buf(), source })
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
        let db = open_db(path)?;
        let cache = Cache {
            db: RwLock::new(Some(db)),
            broken: AtomicBool::new(false),
            bound: RwLock::new(None),
            miss: RwLock::new(None),
            path: path.to_path_buf(),
            generation: AtomicU64::new(0),
            memo: RwLock::new(Memo::default()),
            negatives: negative::NegativeCache::new(DEFAULT_NEGATIVE_CAPACITY, DEFAULT_NEGATIVE_TTL),
            disk_reads: AtomicU64::new(0),
            ledger_reads: AtomicU64::new(0),
            records: Mutex::new(()),
        };
        cache.check_format()?;
        Ok(cache)
    }

    /// The cache directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Remembers at most `capacity` IDs that have no certificate, each for `ttl` (or
    /// until an update applies it), forgetting those remembered so far. `capacity` 0
    /// turns the negative cache off. Default: [`DEFAULT_NEGATIVE_CAPACITY`] for
    /// [`DEFAULT_NEGATIVE_TTL`].
    pub fn limit_negatives(&self, capacity: usize, ttl: Duration) {
        self.negatives.configure(capacity, ttl);
    }

    /// How lookups were answered since the cache was opened.
    pub fn lookup_stats(&self) -> LookupStats {
        LookupStats {
            disk_reads: self.disk_reads.load(Ordering::Relaxed),
            ledger_reads: self.ledger_reads.load(Ordering::Relaxed),
            negative_hits: self.negatives.hits(),
            negative_entries: self.negatives.len(),
            negative_capacity: self.negatives.capacity(),
            negative_evicted: self.negatives.evicted(),
        }
    }

    /// The open database, read-locked (a reopen waits for it).
    fn db(&self) -> Result<Open<'_>, CacheError> {
        let guard = self.db.read().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(CacheError::Closed { path: self.path.clone() });
        }
        Ok(Open(guard))
    }

    /// Whether a write failed (or a reopen did) since the database was last opened: it
    /// refuses writes until [`Cache::reopen`] succeeds.
    pub fn needs_reopen(&self) -> bool {
        self.broken.load(Ordering::SeqCst)
    }

    /// Closes the database and opens it again from disk, after a failed write; then
    /// re-checks its format and the binding recorded by [`Cache::bind`]. The memo is
    /// dropped. On failure the cache stays closed (every read is an error) and still
    /// [`needs_reopen`](Cache::needs_reopen), so the caller retries later.
    pub fn reopen(&self) -> Result<(), CacheError> {
        {
            let mut db = self.db.write().unwrap_or_else(|p| p.into_inner());
            // Until the reopen succeeds, the cache needs one.
            self.broken.store(true, Ordering::SeqCst);
            // The old handle must be closed first: RocksDB locks the directory.
            drop(db.take());
            self.forget();
            // A closed cache answers nothing, "no such certificate" included.
            self.negatives.clear();
            *db = Some(open_db(&self.path)?);
        }
        let checked = self.check_format().and_then(|()| {
            let bound = self.bound.read().unwrap_or_else(|p| p.into_inner()).clone();
            match bound {
                Some(binding) => self.bind(&binding),
                None => Ok(()),
            }
        });
        if let Err(e) = checked {
            // Refused (or cannot even be checked): serve nothing from it.
            *self.db.write().unwrap_or_else(|p| p.into_inner()) = None;
            return Err(e);
        }
        self.broken.store(false, Ordering::SeqCst);
        self.forget();
        Ok(())
    }

    /// Drops every memo entry (a new generation). The negative cache is kept: an update
    /// invalidates the IDs it applied ([`Cache::apply`]).
    fn forget(&self) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        *self.memo.write().unwrap_or_else(|p| p.into_inner()) = Memo { generation, ..Memo::default() };
    }

    /// Checks `meta/format`: records it in a new cache, migrates version 1, refuses
    /// anything else.
    fn check_format(&self) -> Result<(), CacheError> {
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

    /// Writes `batch` durably (synced). A failure marks the cache for
    /// [`reopening`](Cache::reopen): RocksDB refuses every later write until then.
    fn write(&self, batch: WriteBatch, context: &'static str) -> Result<(), CacheError> {
        let mut opts = WriteOptions::default();
        opts.set_sync(true);
        let db = self.db()?;
        db.write_opt(batch, &opts).map_err(|source| {
            self.broken.store(true, Ordering::SeqCst);
            CacheError::Storage { context, source }
        })
    }

    fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        family: &'static str,
        key: &[u8],
        what: &str,
    ) -> Result<Option<T>, CacheError> {
        let db = self.db()?;
        let stored =
            db.get_cf(cf(&db, family)?, key).map_err(|source| CacheError::Storage { context: "reading", source })?;
        drop(db);
        match stored {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| corrupt(what, e)),
        }
    }

    /// How far the cache has followed the ledger (the default before the first update).
    pub fn checkpoint(&self) -> Result<Checkpoint, CacheError> {
        Ok(self.get_json(CF_META, CHECKPOINT_KEY, "checkpoint")?.unwrap_or_default())
    }

    /// What the cache was built from ([`Cache::bind`]); `None` for a new cache.
    pub fn binding(&self) -> Result<Option<BTreeMap<String, String>>, CacheError> {
        if let Some(binding) = self.get_json(CF_META, BINDING_KEY, "binding")? {
            return Ok(Some(binding));
        }
        // Caches written before bindings were recorded were all built from an embedded
        // ledger.
        if self.checkpoint()? != Checkpoint::default() {
            return Ok(Some(BTreeMap::from([("source".to_owned(), "embedded".to_owned())])));
        }
        Ok(None)
    }

    /// Checks that the cache was built from `binding` (the source's kind, and for Fabric
    /// its channel and chaincode); records it in a cache that has none. A cache built
    /// from anything else is refused with [`CacheError::Binding`].
    pub fn bind(&self, binding: &BTreeMap<String, String>) -> Result<(), CacheError> {
        let describe =
            |b: &BTreeMap<String, String>| b.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
        *self.bound.write().unwrap_or_else(|p| p.into_inner()) = Some(binding.clone());
        match self.binding()? {
            Some(cached) if &cached == binding => {
                if self.get_json::<BTreeMap<String, String>>(CF_META, BINDING_KEY, "binding")?.is_none() {
                    self.record_binding(binding)?;
                }
                Ok(())
            }
            Some(cached) => Err(CacheError::Binding {
                path: self.path.clone(),
                cached: describe(&cached),
                configured: describe(binding),
            }),
            None => self.record_binding(binding),
        }
    }

    fn record_binding(&self, binding: &BTreeMap<String, String>) -> Result<(), CacheError> {
        let value = serde_json::to_vec(binding).map_err(|e| corrupt("binding", e))?;
        let mut batch = WriteBatch::default();
        {
            let db = self.db()?;
            batch.put_cf(cf(&db, CF_META)?, BINDING_KEY, value);
        }
        self.write(batch, "recording what the cache is built from")
    }

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

    /// The cached record and audit trail of `id` (`None`: the ledger has no such
    /// certificate, as of the checkpoint — or, with [`Cache::read_misses_from`], as of
    /// the read that followed the miss).
    pub fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>, CacheError> {
        if let Some(hit) = self.memoized_certificate(id) {
            return Ok(hit);
        }
        // Both before reading: what was read may be older than an update that comes
        // in between, and must then not be remembered.
        let generation = self.generation.load(Ordering::SeqCst);
        let epoch = self.negatives.epoch();
        self.disk_reads.fetch_add(1, Ordering::Relaxed);
        let mut value: Option<CertificateRecord> = self.get_json(CF_CERTS, id.as_bytes(), id)?;
        if value.is_none() {
            let reader = self.miss.read().unwrap_or_else(|p| p.into_inner()).clone();
            if let Some(reader) = reader {
                self.ledger_reads.fetch_add(1, Ordering::Relaxed);
                value = reader(id).map_err(|message| CacheError::Miss { id: id.to_owned(), message })?;
                if let Some(read) = value.take() {
                    value = Some(self.keep_read_through(read)?);
                }
            }
        }
        match &value {
            Some(found) => self.remember(generation, |memo| {
                // Full: start over rather than stop remembering until the next update.
                if memo.certificates.len() >= MEMO_CAPACITY {
                    memo.certificates.clear();
                }
                memo.certificates.insert(id.to_owned(), found.clone());
            }),
            None => self.negatives.insert(id, epoch),
        }
        Ok(value)
    }

    /// The stored record of `cached`'s certificate when it is newer than `cached` (a
    /// longer history: records and their histories only grow).
    fn stored_newer(&self, cached: &CertificateRecord) -> Result<Option<CertificateRecord>, CacheError> {
        let id = &cached.certificate.id;
        let stored: Option<CertificateRecord> = self.get_json(CF_CERTS, id.as_bytes(), id)?;
        Ok(stored.filter(|s| s.history.len() > cached.history.len()))
    }

    /// Adds `cached` (and its product index entry) to `batch`.
    fn put_record(&self, batch: &mut WriteBatch, cached: &CertificateRecord) -> Result<(), CacheError> {
        let cert = &cached.certificate;
        let value = serde_json::to_vec(cached).map_err(|e| corrupt(cert.id.clone(), e))?;
        let db = self.db()?;
        batch.put_cf(cf(&db, CF_CERTS)?, cert.id.as_bytes(), value);
        if let Some(gtin) = &cert.application.gtin {
            batch.put_cf(cf(&db, CF_PRODUCTS)?, product_key(gtin, &cert.application.batch, &cert.id), []);
        }
        Ok(())
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
        self.write(batch, "storing a record read on a miss")?;
        Ok(read)
    }

    /// Bumped after every applied update.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The record of `id` if it is in memory (`Some(None)`: known not to exist, from the
    /// negative cache); `None` when only RocksDB can tell. Never blocks on I/O.
    pub fn memoized_certificate(&self, id: &str) -> Option<Option<CertificateRecord>> {
        {
            let memo = self.memo.read().unwrap_or_else(|p| p.into_inner());
            if memo.generation == self.generation.load(Ordering::SeqCst) {
                if let Some(found) = memo.certificates.get(id) {
                    return Some(Some(found.clone()));
                }
            }
        }
        self.negatives.contains(id).then_some(None)
    }

    /// The trust list if it is in memory.
    pub fn memoized_issuers(&self) -> Option<Vec<IssuerKey>> {
        let memo = self.memo.read().unwrap_or_else(|p| p.into_inner());
        if memo.generation != self.generation.load(Ordering::SeqCst) {
            return None;
        }
        memo.issuers.clone()
    }

    /// The registered organisations if they are in memory.
    pub fn memoized_organizations(&self) -> Option<Vec<Organization>> {
        let memo = self.memo.read().unwrap_or_else(|p| p.into_inner());
        if memo.generation != self.generation.load(Ordering::SeqCst) {
            return None;
        }
        memo.organizations.clone()
    }

    /// Stores into the memo what was read under `generation`, unless an update came since.
    fn remember(&self, generation: u64, f: impl FnOnce(&mut Memo)) {
        let mut memo = self.memo.write().unwrap_or_else(|p| p.into_inner());
        if memo.generation == generation && self.generation.load(Ordering::SeqCst) == generation {
            f(&mut memo);
        }
    }

    /// Certificates of a product (GTIN and lot), newest version first.
    pub fn by_product(&self, gtin: &str, lot: &str) -> Result<Vec<CertificateRecord>, CacheError> {
        let mut prefix = gtin.as_bytes().to_vec();
        prefix.push(0);
        prefix.extend_from_slice(lot.as_bytes());
        prefix.push(0);
        let mut ids = Vec::new();
        {
            let db = self.db()?;
            let iter = db.iterator_cf(cf(&db, CF_PRODUCTS)?, IteratorMode::From(&prefix, Direction::Forward));
            for item in iter {
                let (key, _) = item.map_err(|source| CacheError::Storage { context: "scanning products", source })?;
                let Some(id) = key.strip_prefix(prefix.as_slice()) else { break };
                ids.push(std::str::from_utf8(id).map_err(|e| corrupt("product index", e))?.to_owned());
            }
        }
        let mut out = Vec::new();
        for id in ids {
            if let Some(cert) = self.certificate(&id)? {
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

    /// The registered organisations (empty until the follower has read them).
    pub fn organizations(&self) -> Result<Vec<Organization>, CacheError> {
        if let Some(hit) = self.memoized_organizations() {
            return Ok(hit);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let orgs: Vec<Organization> = self.get_json(CF_META, ORGANIZATIONS_KEY, "organizations")?.unwrap_or_default();
        self.remember(generation, |memo| memo.organizations = Some(orgs.clone()));
        Ok(orgs)
    }

    /// Whether the follower has stored the organisations (a cache made before they were
    /// cached has none: the follower reads them on its next chunk).
    pub fn has_organizations(&self) -> Result<bool, CacheError> {
        let db = self.db()?;
        let stored = db
            .get_pinned_cf(cf(&db, CF_META)?, ORGANIZATIONS_KEY)
            .map_err(|source| CacheError::Storage { context: "reading", source })?;
        Ok(stored.is_some())
    }

    /// Every cached certificate ID, in order.
    pub fn certificate_ids(&self) -> Result<Vec<String>, CacheError> {
        let mut ids = Vec::new();
        let db = self.db()?;
        for item in db.iterator_cf(cf(&db, CF_CERTS)?, IteratorMode::Start) {
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
        let db = self.db()?;
        for item in db.iterator_cf(cf(&db, CF_TXLOG)?, IteratorMode::From(&start, Direction::Forward)) {
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
        let db = self.db()?;
        let txlog = cf(&db, CF_TXLOG)?;
        for tx in &update.txs {
            if !next.precedes(tx) {
                continue;
            }
            let value = serde_json::to_vec(tx).map_err(|e| corrupt("tx log entry", e))?;
            batch.put_cf(txlog, txlog_key(tx.block, tx.tx_index), value);
            next = Checkpoint::after(tx);
        }
        drop(db);
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        for cached in &update.certificates {
            if let Some(stored) = self.stored_newer(cached)? {
                tracing::debug!(
                    id = %cached.certificate.id,
                    stored = stored.history.len(),
                    read = cached.history.len(),
                    "kept the newer stored record (read through on a miss after the follower read this one)"
                );
                continue;
            }
            self.put_record(&mut batch, cached)?;
        }
        let db = self.db()?;
        if let Some(issuers) = &update.issuers {
            let value = serde_json::to_vec(issuers).map_err(|e| corrupt("issuers", e))?;
            batch.put_cf(cf(&db, CF_META)?, ISSUERS_KEY, value);
        }
        if let Some(orgs) = &update.organizations {
            let value = serde_json::to_vec(orgs).map_err(|e| corrupt("organizations", e))?;
            batch.put_cf(cf(&db, CF_META)?, ORGANIZATIONS_KEY, value);
        }
        let value = serde_json::to_vec(&next).map_err(|e| corrupt("checkpoint", e))?;
        batch.put_cf(cf(&db, CF_META)?, CHECKPOINT_KEY, value);
        drop(db);
        self.write(batch, "applying an update")?;
        drop(records);
        // Written: the IDs it touched exist now, and no answer read before this point
        // may be remembered as unknown ...
        self.negatives.invalidate(update.certificates.iter().map(|c| c.certificate.id.as_str()));
        // ... nor any memo entry read before it served.
        self.forget();
        Ok(next)
    }
}

#[cfg(test)]
mod tests;
