//! The embedded NanoTrace ledger's storage engine: a contract on RocksDB, with Fabric's
//! transaction semantics. It runs whatever closure it is given over a
//! [`Stub`](nanotrace_shim::Stub) and knows no contract, identity or client: the
//! certificate contract, the local membership and the typed API's transport are
//! `nanotrace-embedded`'s.
//!
//! What it holds:
//!
//! - [`Ledger`] (this module): opening (also as a read-only follower), raw reads for the
//!   followers, the log and its height and head hash; its errors ([`LedgerError`],
//!   `error`).
//! - `transact` (private): submit, submit with a transaction ID fixed elsewhere,
//!   evaluate and simulate — the transaction path, over a `snapshot` (private) of the
//!   committed state.
//! - [`sim`]: the Fabric-semantics transaction simulator (read set, write set, range
//!   scans with bookmarks, history, key-level endorsement policies and their validation)
//!   that every local ledger shares.
//! - [`memory`]: an in-memory ledger on the same simulator, for tests.
//! - `stamps` (private): each read block's transaction ID and timestamp, kept for
//!   history reads.
//! - `codec` (private): the storage layout — column families, keys and the encoding of
//!   records, history and the hash-chained [`LogEntry`].
//! - `check` (private): [`Ledger::check`], what tampering it finds and what it cannot.
//!
//! A [`Ledger`] runs each transaction on the shared Fabric-semantics [`TxSimulator`](sim::TxSimulator)
//! over a RocksDB snapshot of the committed state, and commits it with ONE synchronous
//! `WriteBatch` holding the state writes, the key history, the key-level endorsement
//! policies, the write set itself, the hash-chained [`LogEntry`] (which carries the
//! chaincode event) and the new height/head hash. A transaction whose closure fails
//! writes nothing; nor does one whose writes fail the key-level endorsement policies of
//! the keys they touch (validated before commit, with the submitter's organisation as the
//! endorser: see [`Ledger::submit`] and the `sim` module).
//!
//! Transactions are serialisable: [`Ledger::submit`] holds a mutex across simulation
//! and commit, so each transaction reads the state left by the one before. Queries
//! ([`Ledger::evaluate`]) read a consistent snapshot without taking the lock.
//!
//! Blocks are numbered from 1; [`Ledger::height`] is the number of the last block (0
//! for an empty ledger). There is one transaction per block.
//!
//! The storage layout is described in the `codec` module; [`Ledger::check`] explains what
//! tampering it can and cannot detect.

pub mod backup;
mod check;
mod codec;
mod error;
pub mod memory;
pub mod sim;
mod snapshot;
mod stamps;
mod transact;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock};

use nanotrace_shim::TxTimestamp;
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DBCompressionType, Direction, IteratorMode,
    LruCacheOptions, Options, ReadOptions, SliceTransform, WriteOptions, DB,
};
use serde::{Deserialize, Serialize};
use tracing::{debug, warn};

pub use backup::BackupReport;
pub use check::{CheckProblem, CheckReport};
pub use codec::{args_sha256, LogEntry, GENESIS_PREV_HASH, STORED_FORMAT};
use error::storage;
pub use error::LedgerError;
use stamps::Stamps;

use codec::{
    block_key, decode_block_key, decode_u64, from_json, to_json, ALL_CFS, CF_HISTORY, CF_LOG, CF_META, CF_STATE,
    CF_VPARAMS, CF_WRITESETS, META_COLLECTIONS, META_FORMAT, META_HEIGHT, META_LAST_HASH,
};

/// Column family names, for tests that tamper with the database through
/// [`Ledger::raw_db`].
#[doc(hidden)]
pub mod column_families {
    pub use crate::codec::{
        CF_HISTORY, CF_LOG, CF_META, CF_PRIVATE, CF_PRIVATE_HASHES, CF_STATE, CF_VPARAMS, CF_WRITESETS,
    };
    /// Every column family, as opened.
    pub const ALL: [&str; 8] = crate::codec::ALL_CFS;
}

/// Raw key/value pairs of a column family ([`Ledger::raw_entries`]). Not part of the API.
#[doc(hidden)]
pub type RawEntries = Vec<(Vec<u8>, Vec<u8>)>;

/// What a committed transaction got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxReceipt {
    /// The transaction ID (hex SHA-256 of a random nonce and the creator's certificate).
    pub tx_id: String,
    /// The block it was committed in (one transaction per block, from 1).
    pub block: u64,
    /// The transaction timestamp the contract saw.
    pub timestamp: TxTimestamp,
}

/// The embedded ledger. `Send + Sync`: share it with `Arc`.
pub struct Ledger {
    db: DB,
    path: PathBuf,
    /// Held across simulate + commit: transactions commit one at a time.
    writer: Mutex<()>,
    /// Opened with [`Ledger::open_follower`]: reads only, catches up on demand.
    follower: bool,
    /// Followers only: a RocksDB secondary instance cannot take snapshots, and its view
    /// changes only in [`Ledger::catch_up`]. Queries hold this shared and `catch_up`
    /// exclusively, so each query reads one consistent state.
    frozen: RwLock<()>,
    /// What history reads of each block's log entry ([`stamps`]).
    stamps: Stamps,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("path", &self.path).finish_non_exhaustive()
    }
}

/// The write-ahead log's bound: past it RocksDB flushes the column families that keep
/// its oldest file alive. Without it a column family written rarely (`meta` is written
/// by every block, `vparams` almost never) held every log file since its last flush:
/// 219 MB of log next to 527 MB of tables at 100,000 certificates (issue 49).
const MAX_TOTAL_WAL_BYTES: u64 = 64 << 20;

/// The block cache of `writesets`, ONE shard of 64 MiB. A block's write set is one
/// value — about 2.8 MB for an `ApplyBatch` of 1,000 — and so one data block. RocksDB's
/// default cache (32 MiB in 64 shards of 512 KiB) frees a block larger than its shard as
/// soon as it is read, so every history entry decompressed its whole block again: 46 %
/// of the verifier's cache build (issue 49). One shard keeps the last ~20 such blocks.
const WRITE_SET_CACHE_BYTES: usize = 64 << 20;

/// The block cache shared by the column families read by key (`state`, `vparams`) and
/// by key prefix (`history`): 128 MiB, filled only as blocks are read. RocksDB's default
/// gave each its own 32 MiB; a verifier's cache build at 10⁶ certificates reads every
/// certificate's record, state and three histories at random, and one larger cache
/// holds more of them (docs/BENCHMARKS-HISTORY.md, "Many keys read at once").
const KEYED_CACHE_BYTES: usize = 128 << 20;

/// Bits per key of the Bloom filter in each table of the column families read by key
/// (`state`, `vparams`): ~1 % false positives. A key is drawn at random, so every table
/// of every level overlaps it, and without a filter a point read searched a data block
/// of each level above the one holding the key — and of every level for a key that is
/// not there, which every new certificate's ID and every key-level policy read is
/// (docs/BENCHMARKS-HISTORY.md, "Bloom filters on the ledger's state").
const BLOOM_BITS_PER_KEY: f64 = 10.0;

/// A column family's options: its tables compressed with LZ4, `state` and `vparams` with
/// a Bloom filter ([`BLOOM_BITS_PER_KEY`]), `history` with one of its entries' prefixes,
/// `key ‖ 0x00` ([`history_prefix_options`]), `writesets` with its own block cache
/// (`write_sets`, see [`WRITE_SET_CACHE_BYTES`]), and `state`, `vparams` and `history`
/// sharing another (`keyed`, see [`KEYED_CACHE_BYTES`]). RocksDB's default compression is Snappy
/// when it was built with it and none otherwise — this build has LZ4 alone, so the
/// ledger's JSON was stored as it is (docs/BENCHMARKS-HISTORY.md, "The ledger and the verifier's
/// cache on disk"). Tables written before the filters were set have none and are read
/// as before; compactions rewrite them with one.
fn column_family_options(name: &str, write_sets: &Cache, keyed: &Cache) -> Options {
    let mut opts = Options::default();
    opts.set_compression_type(DBCompressionType::Lz4);
    if name == CF_WRITESETS {
        let mut table = BlockBasedOptions::default();
        table.set_block_cache(write_sets);
        opts.set_block_based_table_factory(&table);
    } else if name == CF_STATE || name == CF_VPARAMS {
        let mut table = BlockBasedOptions::default();
        table.set_bloom_filter(BLOOM_BITS_PER_KEY, false);
        table.set_block_cache(keyed);
        opts.set_block_based_table_factory(&table);
    } else if name == CF_HISTORY {
        let mut table = BlockBasedOptions::default();
        table.set_block_cache(keyed);
        history_prefix_options(&mut opts, &mut table);
        opts.set_block_based_table_factory(&table);
    }
    opts
}

/// `history`'s prefix filter: each table keeps a Bloom filter ([`BLOOM_BITS_PER_KEY`]) of
/// the state keys it holds entries of (`key ‖ 0x00`, [`codec::history_entry_prefix`]), not
/// of whole entry keys, which no read asks for. A key's history is a seek to its first
/// entry, and RocksDB then skips every table whose filter says it holds none: the
/// history of a key that has none (a certificate's SDS revisions, nearly always) is told
/// without reading a data block, and a key's entries are read from the tables that hold
/// them alone (docs/BENCHMARKS-HISTORY.md, "History read through a prefix filter"). With an
/// extractor set, an iterator reads in prefix mode unless told otherwise: the reads of
/// the whole column family (backup, check) ask for total order ([`total_order`]).
fn history_prefix_options(opts: &mut Options, table: &mut BlockBasedOptions) {
    table.set_bloom_filter(BLOOM_BITS_PER_KEY, false);
    table.set_whole_key_filtering(false);
    opts.set_prefix_extractor(SliceTransform::create(
        codec::HISTORY_PREFIX_EXTRACTOR,
        codec::history_entry_prefix,
        Some(codec::is_history_entry_key),
    ));
}

/// Read options for an iterator that must see every key of a column family in order,
/// whatever its prefix extractor (`history`'s puts iterators in prefix mode by default).
pub(crate) fn total_order() -> ReadOptions {
    let mut read = ReadOptions::default();
    read.set_total_order_seek(true);
    read
}

/// The block cache [`column_family_options`] gives `state`, `vparams` and `history`.
fn keyed_cache() -> Cache {
    Cache::new_lru_cache(KEYED_CACHE_BYTES)
}

/// The block cache [`column_family_options`] gives `writesets`.
fn write_set_cache() -> Cache {
    let mut lru = LruCacheOptions::default();
    lru.set_capacity(WRITE_SET_CACHE_BYTES);
    lru.set_num_shard_bits(0);
    Cache::new_lru_cache_opts(&lru)
}

/// Every column family with its options.
fn descriptors() -> impl Iterator<Item = ColumnFamilyDescriptor> {
    let write_sets = write_set_cache();
    let keyed = keyed_cache();
    ALL_CFS.iter().map(move |name| ColumnFamilyDescriptor::new(*name, column_family_options(name, &write_sets, &keyed)))
}

/// The RocksDB database of a ledger at `path` with every column family, created if
/// missing.
fn open_db(path: &Path) -> Result<DB, LedgerError> {
    let mut opts = Options::default();
    opts.set_compression_type(DBCompressionType::Lz4);
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    opts.set_max_total_wal_size(MAX_TOTAL_WAL_BYTES);
    DB::open_cf_descriptors(&opts, path, descriptors())
        .map_err(|source| LedgerError::Open { path: path.to_owned(), source })
}

/// The chain head as recorded in `meta`.
struct Head {
    height: u64,
    hash: String,
}

impl Ledger {
    fn new(db: DB, path: &Path, follower: bool) -> Self {
        Self {
            db,
            path: path.to_owned(),
            writer: Mutex::new(()),
            follower,
            frozen: RwLock::new(()),
            stamps: Stamps::default(),
        }
    }

    /// Opens the ledger at `path`, creating it if missing, and checks that the recorded
    /// height and head hash agree with the last log entry.
    pub fn open(path: &Path) -> Result<Self, LedgerError> {
        let db = open_db(path)?;
        let ledger = Self::new(db, path, false);
        let head = ledger.head()?;
        ledger.check_format(head.height, true)?;
        if head.height > 0 {
            let last = ledger.read_log_entry(head.height)?.ok_or_else(|| {
                LedgerError::Corrupt(format!("height is {} but that log entry is missing", head.height))
            })?;
            if last.hash != head.hash {
                return Err(LedgerError::Corrupt(format!(
                    "head hash {} does not match the hash of block {} ({})",
                    head.hash, head.height, last.hash
                )));
            }
        }
        if ledger
            .db
            .get_cf(ledger.cf(CF_LOG)?, block_key(head.height + 1))
            .map_err(storage("reading the log"))?
            .is_some()
        {
            return Err(LedgerError::Corrupt(format!("a log entry exists after the recorded height {}", head.height)));
        }
        debug!(path = %path.display(), height = head.height, "ledger opened");
        Ok(ledger)
    }

    /// Opens an existing ledger read-only while another process may own and write it
    /// (a RocksDB secondary instance, whose own small files go in `scratch`). Call
    /// [`Ledger::catch_up`] to see the owner's newer commits. `submit` is refused.
    /// Queries read the state as of the last catch-up (which waits for running queries).
    pub fn open_follower(path: &Path, scratch: &Path) -> Result<Self, LedgerError> {
        let mut opts = Options::default();
        // Each catch-up loads the new tables' handles; with more than one file-opening
        // thread RocksDB starts (and ends) that many threads per column family on every
        // catch-up — ~100 threads per poll of a verifier following every 200 ms. One
        // thread opens them in place.
        opts.set_max_file_opening_threads(1);
        let db = DB::open_cf_descriptors_as_secondary(&opts, path, scratch, descriptors())
            .map_err(|source| LedgerError::Open { path: path.to_owned(), source })?;
        let ledger = Self::new(db, path, true);
        ledger.check_format(ledger.head()?.height, false)?;
        debug!(path = %path.display(), height = ledger.head()?.height, "ledger opened as follower");
        Ok(ledger)
    }

    /// Makes a follower see everything the owning process has committed so far
    /// (a no-op for the owner).
    pub fn catch_up(&self) -> Result<(), LedgerError> {
        if self.follower {
            let _frozen = self.frozen.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            self.db.try_catch_up_with_primary().map_err(storage("catching up with the owning process"))?;
        }
        Ok(())
    }

    /// Where the ledger lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw database, for tests that tamper with it. Not part of the API.
    #[doc(hidden)]
    pub fn raw_db(&self) -> &DB {
        &self.db
    }

    /// Every key and value of column family `cf` (see [`column_families`]), in key
    /// order, for tests that compare the whole database. Not part of the API.
    #[doc(hidden)]
    pub fn raw_entries(&self, cf: &str) -> Result<RawEntries, LedgerError> {
        let mut out = Vec::new();
        for item in self.db.iterator_cf_opt(self.cf(cf)?, total_order(), IteratorMode::Start) {
            let (k, v) = item.map_err(storage(format!("reading column family {cf}")))?;
            out.push((k.into_vec(), v.into_vec()));
        }
        Ok(out)
    }

    fn cf(&self, name: &str) -> Result<&ColumnFamily, LedgerError> {
        self.db.cf_handle(name).ok_or_else(|| LedgerError::Corrupt(format!("column family {name} is missing")))
    }

    fn lock_writer(&self) -> MutexGuard<'_, ()> {
        // A panic inside a transaction closure poisons the lock but leaves the database
        // untouched (the batch is written at once or not at all), so carry on.
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn head(&self) -> Result<Head, LedgerError> {
        let meta = self.cf(CF_META)?;
        let height = match self.db.get_cf(meta, META_HEIGHT).map_err(storage("reading the height"))? {
            Some(bytes) => decode_u64("height", &bytes)?,
            None => 0,
        };
        let hash = match self.db.get_cf(meta, META_LAST_HASH).map_err(storage("reading the head hash"))? {
            Some(bytes) => {
                String::from_utf8(bytes).map_err(|_| LedgerError::Corrupt("head hash is not UTF-8".to_owned()))?
            }
            None if height == 0 => GENESIS_PREV_HASH.to_owned(),
            None => return Err(LedgerError::Corrupt(format!("height is {height} but no head hash"))),
        };
        Ok(Head { height, hash })
    }

    /// Refuses a ledger in another stored format than [`STORED_FORMAT`]. A ledger without a
    /// `format` record is format 1 if it has blocks; an empty one is new and gets the
    /// current format recorded (when `record`, i.e. by the owning process).
    fn check_format(&self, height: u64, record: bool) -> Result<(), LedgerError> {
        let meta = self.cf(CF_META)?;
        let found = match self.db.get_cf(meta, META_FORMAT).map_err(storage("reading the stored format"))? {
            Some(bytes) => decode_u64("stored format", &bytes)?,
            None if height > 0 => 1,
            None => {
                if record {
                    let mut opts = WriteOptions::default();
                    opts.set_sync(true);
                    self.db
                        .put_cf_opt(meta, META_FORMAT, STORED_FORMAT.to_be_bytes(), &opts)
                        .map_err(storage("recording the stored format"))?;
                }
                STORED_FORMAT
            }
        };
        if found == STORED_FORMAT {
            return Ok(());
        }
        let hint = if found < STORED_FORMAT {
            " (format 1 stored each value again as hex in the key history and in the block's write set; it is not \
             converted in place because the hash chain covers the write-set encoding, so every block hash would change): \
             read it with the nanotrace version that wrote it, or start a new ledger with `nanotrace init`"
        } else {
            " (written by a newer nanotrace): use that version"
        };
        Err(LedgerError::UnsupportedFormat { path: self.path.clone(), found, hint })
    }

    /// Defines the contract's private data collections, as a chaincode definition does
    /// on Fabric: transactions committed after it read and write them by its rules
    /// ([`nanotrace_shim::CollectionConfig`]). Values of a collection no longer defined
    /// stay stored, unread. Refused on a follower.
    pub fn set_collections(&self, collections: &nanotrace_shim::Collections) -> Result<(), LedgerError> {
        if self.follower {
            return Err(LedgerError::ReadOnly(self.path.clone()));
        }
        let _guard = self.lock_writer();
        let mut write_opts = WriteOptions::default();
        write_opts.set_sync(true);
        let json = to_json("collections", collections)?;
        self.db
            .put_cf_opt(self.cf(CF_META)?, META_COLLECTIONS, json, &write_opts)
            .map_err(storage("writing the collections"))
    }

    /// The contract's private data collections ([`Ledger::set_collections`]).
    pub fn collections(&self) -> Result<nanotrace_shim::Collections, LedgerError> {
        match self.db.get_pinned_cf(self.cf(CF_META)?, META_COLLECTIONS).map_err(storage("reading the collections"))? {
            None => Ok(nanotrace_shim::Collections::new()),
            Some(bytes) => from_json("collections", &bytes),
        }
    }

    /// Number of the last committed block (0 when empty).
    pub fn height(&self) -> Result<u64, LedgerError> {
        Ok(self.head()?.height)
    }

    /// Hash of the last log entry ([`GENESIS_PREV_HASH`] when empty). Keep a copy
    /// elsewhere to detect a consistent rewrite of the chain (see [`Ledger::check`]).
    pub fn head_hash(&self) -> Result<String, LedgerError> {
        Ok(self.head()?.hash)
    }

    fn read_log_entry(&self, block: u64) -> Result<Option<LogEntry>, LedgerError> {
        let Some(bytes) = self.db.get_cf(self.cf(CF_LOG)?, block_key(block)).map_err(storage("reading the log"))?
        else {
            return Ok(None);
        };
        let entry: LogEntry = from_json(&format!("log entry {block}"), &bytes)?;
        if entry.block != block {
            return Err(LedgerError::Corrupt(format!("log entry stored at block {block} says block {}", entry.block)));
        }
        Ok(Some(entry))
    }

    /// Up to `limit` log entries from `from_block` on (blocks start at 1), in order.
    pub fn log_entries(&self, from_block: u64, limit: usize) -> Result<Vec<LogEntry>, LedgerError> {
        let mut entries = Vec::new();
        if limit == 0 {
            return Ok(entries);
        }
        let start = block_key(from_block.max(1));
        let iter = self.db.iterator_cf(self.cf(CF_LOG)?, IteratorMode::From(&start, Direction::Forward));
        for item in iter {
            let (key, value) = item.map_err(storage("reading the log"))?;
            let block = decode_block_key(&key)?;
            let entry: LogEntry = from_json(&format!("log entry {block}"), &value)?;
            if entry.block != block {
                return Err(LedgerError::Corrupt(format!(
                    "log entry stored at block {block} says block {}",
                    entry.block
                )));
            }
            entries.push(entry);
            if entries.len() >= limit {
                break;
            }
        }
        Ok(entries)
    }

    /// The private data collections block `block`'s transaction wrote, by name, in
    /// ascending order (empty when it wrote none, or there is no such block). Names only:
    /// the write set holds each private key's and value's hash, never a value, as every
    /// Fabric peer's block does. A follower that acts on an organisation's private
    /// records (the notifier's billing messages) reads them only after such a write.
    pub fn collections_written(&self, block: u64) -> Result<Vec<String>, LedgerError> {
        let Some(bytes) =
            self.db.get_pinned_cf(self.cf(CF_WRITESETS)?, block_key(block)).map_err(storage("reading a write set"))?
        else {
            return Ok(Vec::new());
        };
        let (_, hashed) = codec::decode_write_set(&bytes)?;
        Ok(hashed.into_keys().collect())
    }

    /// Verifies the whole ledger; see [`CheckReport`] and the `check` module docs. The
    /// replay of the write sets goes to a scratch folder in the temporary folder (`TMPDIR`).
    pub fn check(&self) -> Result<CheckReport, LedgerError> {
        self.check_in(&std::env::temp_dir())
    }

    /// [`Ledger::check`] with its scratch folder (about 80 bytes per state key and 40 per
    /// history entry, removed after) made in `scratch_parent`.
    pub fn check_in(&self, scratch_parent: &Path) -> Result<CheckReport, LedgerError> {
        let report = check::run(self, scratch_parent)?;
        if let Some(bad) = &report.first_bad {
            warn!(block = ?bad.block, reason = %bad.reason, problems = report.problem_count, "ledger check failed");
        } else {
            debug!(entries = report.entries_checked, "ledger check passed");
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transact::new_tx_id;
    use nanotrace_shim::{Creator, Stub};
    use rocksdb::perf::PerfMetric;

    #[test]
    fn ledger_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Ledger>();
        assert_send_sync::<LedgerError>();
    }

    /// The column families read by key (`state`, `vparams`) or by key prefix (`history`)
    /// write a Bloom filter into every table; the others (read in order, or by block
    /// number) do not.
    #[test]
    fn tables_of_the_keyed_column_families_carry_a_bloom_filter() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ledger = Ledger::open(&dir.path().join("ledger")).expect("open");
        for name in [CF_STATE, CF_VPARAMS, codec::CF_HISTORY, CF_LOG] {
            let cf = ledger.cf(name).expect("column family");
            for i in 0..100u32 {
                let key = format!("key-{i:04}");
                let key = if name == CF_HISTORY { codec::history_key(&key, 1) } else { key.into_bytes() };
                ledger.db.put_cf(cf, key, b"value").expect("put");
            }
            ledger.db.flush_cf(cf).expect("flush");
            let properties =
                ledger.db.property_value_cf(cf, "rocksdb.aggregated-table-properties").expect("read").expect("tables");
            let filter_bytes: u64 = properties
                .split("; ")
                .find_map(|p| p.strip_prefix("filter block size="))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name}: no filter block size in {properties}"));
            assert_eq!(filter_bytes > 0, name != CF_LOG, "{name}: {properties}");
        }
    }

    fn alice() -> Creator {
        Creator { msp_id: "Org1MSP".into(), id_bytes: b"alice".to_vec() }
    }

    /// One block that puts `value` under each of `keys`.
    fn put_all(ledger: &Ledger, keys: &[String], value: &[u8]) {
        ledger
            .submit(&alice(), "Put", &[], None, |stub| keys.iter().try_for_each(|key| stub.put_state(key, value)))
            .expect("submit");
    }

    /// The history of `key` as the contract reads it: the block of each entry (by its
    /// timestamp, which these tests set to the block's number), newest first.
    fn history_blocks(ledger: &Ledger, key: &str) -> Vec<i64> {
        let history = ledger.evaluate(&alice(), None, |stub| stub.get_history_for_key(key)).expect("history");
        history.iter().map(|m| m.timestamp.seconds).collect()
    }

    /// The history of a key that has none — a certificate's SDS revisions, nearly always —
    /// is told by `history`'s prefix filters without reading a data block, while a key
    /// that has a history still reads its blocks (the measure can see a read).
    #[test]
    fn a_history_that_is_not_there_is_told_without_reading_a_table() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ledger");
        let keys: Vec<String> = (0..2000u32).map(|i| format!("key-{i:05}")).collect();
        {
            let ledger = Ledger::open(&path).expect("open");
            for chunk in keys.chunks(500) {
                put_all(&ledger, chunk, &[7u8; 64]);
            }
            ledger.db.flush_cf(ledger.cf(CF_HISTORY).expect("history")).expect("flush");
        }
        // Opened again: an empty block cache, the tables' filters held by their readers.
        let ledger = Ledger::open(&path).expect("open again");
        // RocksDB's counters of this thread: data blocks found in the block cache or read.
        rocksdb::perf::set_perf_stats(rocksdb::perf::PerfStatsLevel::EnableCount);
        let mut perf = rocksdb::perf::PerfContext::default();
        let mut blocks = |read: &mut dyn FnMut()| {
            perf.reset();
            read();
            perf.metric(PerfMetric::BlockCacheHitCount) + perf.metric(PerfMetric::BlockReadCount)
        };
        let mut read_any = 0;
        for i in 0..200u32 {
            // Between two keys that have entries: a seek lands inside the table.
            let absent = format!("key-{:05}x", i * 10);
            read_any += u32::from(blocks(&mut || assert!(history_blocks(&ledger, &absent).is_empty(), "{absent}")) > 0);
        }
        assert!(read_any <= 10, "{read_any} of 200 histories that are not there read a block");
        let there = blocks(&mut || assert_eq!(history_blocks(&ledger, &keys[1234]).len(), 1));
        assert!(there > 0, "reading a history that is there read no block");
    }

    /// A key's history is whole and in order when its entries lie in tables of several
    /// levels and in the memtable, when other keys' tables are skipped by their filters,
    /// and when another key extends it (`key ‖ 0x00 ‖ …`) so that its entries sort among
    /// the key's own; the whole-column-family reads (check, backup) see every entry.
    #[test]
    fn a_history_is_read_whole_from_every_table_that_holds_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ledger = Ledger::open(&dir.path().join("ledger")).expect("open");
        let cf = ledger.cf(CF_HISTORY).expect("history");
        let a = "a".to_owned();
        // Its entries are `a ‖ 0x00 ‖ 00 … 00 02 ‖ 0x00 ‖ block`: after a's entry of block 2
        // and before its entry of block 3.
        let extends_a = format!("a{}\u{2}", "\0".repeat(8));
        let others: Vec<String> = (0..50).map(|i| format!("b-{i}")).collect();
        let at = |block: i64| Some(TxTimestamp { seconds: block, nanos: 0 });
        let submit = |block: i64, keys: &[&String]| {
            ledger
                .submit(&alice(), "Put", &[], at(block), |stub| {
                    keys.iter().try_for_each(|key| stub.put_state(key, format!("{key}@{block}").as_bytes()))
                })
                .expect("submit");
        };
        submit(1, &[&a]);
        submit(2, &[&a]);
        ledger.db.flush_cf(cf).expect("flush");
        ledger.db.compact_range_cf(cf, None::<&[u8]>, None::<&[u8]>);
        submit(3, &others.iter().collect::<Vec<_>>());
        ledger.db.flush_cf(cf).expect("flush");
        submit(4, &[&a, &extends_a]);
        ledger.db.flush_cf(cf).expect("flush");
        submit(5, &others.iter().collect::<Vec<_>>());
        ledger.db.flush_cf(cf).expect("flush");
        submit(6, &[&a]);
        // In the memtable: block 6.
        assert_eq!(history_blocks(&ledger, &a), [6, 4, 2, 1]);
        assert_eq!(history_blocks(&ledger, &extends_a), [4]);
        assert_eq!(history_blocks(&ledger, &others[7]), [5, 3]);
        assert!(history_blocks(&ledger, "a\0").is_empty());
        assert!(history_blocks(&ledger, "c").is_empty());
        let files: u64 = (0..7)
            .map(|level| {
                ledger
                    .db
                    .property_int_value_cf(cf, &format!("rocksdb.num-files-at-level{level}"))
                    .expect("read")
                    .unwrap_or(0)
            })
            .sum();
        assert!(files >= 4, "the entries lie in {files} tables");
        assert_eq!(ledger.raw_entries(CF_HISTORY).expect("entries").len(), 4 + 1 + 2 * others.len());
        assert!(ledger.check().expect("check").first_bad.is_none());
    }

    #[test]
    fn the_keyed_column_families_share_one_larger_block_cache() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ledger = Ledger::open(&dir.path().join("ledger")).expect("open");
        let capacity = |name: &str| {
            let cf = ledger.cf(name).expect("column family");
            let value =
                ledger.db.property_int_value_cf(cf, "rocksdb.block-cache-capacity").expect("read").expect("a cache");
            usize::try_from(value).expect("fits")
        };
        for name in [CF_STATE, CF_VPARAMS, CF_HISTORY] {
            assert_eq!(capacity(name), KEYED_CACHE_BYTES, "{name}");
        }
        assert_eq!(capacity(CF_WRITESETS), WRITE_SET_CACHE_BYTES);
        // One cache: what one column family's reads load shows in the others' usage.
        let state = ledger.cf(CF_STATE).expect("state");
        for i in 0..1000u32 {
            ledger.db.put_cf(state, format!("key-{i:04}"), [7u8; 100]).expect("put");
        }
        ledger.db.flush_cf(state).expect("flush");
        let usage = |name: &str| {
            ledger.db.property_int_value_cf(ledger.cf(name).expect("cf"), "rocksdb.block-cache-usage").expect("read")
        };
        let before = usage(CF_HISTORY);
        for i in 0..1000u32 {
            ledger.db.get_cf(state, format!("key-{i:04}")).expect("get");
        }
        assert!(usage(CF_HISTORY) > before, "history's cache did not see state's reads");
        assert_eq!(usage(CF_HISTORY), usage(CF_STATE));
    }

    #[test]
    fn tx_ids_follow_fabric_shape() {
        let creator = Creator { msp_id: "M".into(), id_bytes: b"cert".to_vec() };
        let a = new_tx_id(&creator);
        let b = new_tx_id(&creator);
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
