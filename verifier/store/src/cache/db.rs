//! RocksDB under the cache: its tuning, opening it with the column families, and the
//! reads and writes every other part of the cache goes through — on the open database
//! only (a closed one is [`CacheError::Closed`]), and every write synced.

use super::error::{corrupt, CacheError};
use super::layout::{ALL_CFS, CF_ANSWERS, CF_CERTS};
use super::Cache;
use rocksdb::{
    BlockBasedOptions, Cache as BlockCache, ColumnFamilyDescriptor, DBCompressionType, Options, ReadOptions,
    WriteBatch, WriteOptions, DB,
};
use serde::Deserialize;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::RwLockReadGuard;

/// RocksDB's memory, made explicit and small: one block cache shared by every column
/// family (RocksDB's default is a cache of its own per column family) ...
const BLOCK_CACHE_BYTES: usize = 32 << 20;
/// ... and memtables of 8 MiB (default 64 MiB, up to two per column family), so a
/// verifier following a busy ledger flushes to disk instead of holding the last hundreds
/// of megabytes of updates in memory ...
const WRITE_BUFFER_BYTES: usize = 8 << 20;
/// ... except the records' (`certs`), whose memtable may take the whole budget below: a
/// certificate's key is drawn at random, so every table flushed overlaps the whole of the
/// level below it, and each compaction into that level rewrites all of it. With 8 MiB
/// memtables the cache's build from 10⁶ certificates rewrote that level 55 times (16 GB
/// written for a 1.2 GB cache, 177 s of compaction in a 280 s build); larger ones move
/// more records per rewrite (issue 49, docs/BENCHMARKS-HISTORY.md).
const RECORDS_WRITE_BUFFER_BYTES: usize = ALL_WRITE_BUFFERS_BYTES;
/// The records' tables flushed before a compaction merges them into the level below (4
/// by default): twice as many records per rewrite of that level. A point read checks each
/// such table's Bloom filter, held in memory.
const RECORDS_L0_TABLES: i32 = 8;
/// Every memtable together stays within this (RocksDB's write buffer manager flushes when
/// they reach it): the 48 MiB the cache's three written column families could hold
/// before (two 8 MiB memtables each).
const ALL_WRITE_BUFFERS_BYTES: usize = 48 << 20;
/// A Bloom filter per table (10 bits per key, ~1 % false positives) answers most reads of
/// absent keys — unknown certificate IDs — without reading a data block.
const BLOOM_BITS_PER_KEY: f64 = 10.0;
/// The write-ahead log's bound, as the ledger's: past it RocksDB flushes the column
/// families that keep its oldest file alive.
const MAX_TOTAL_WAL_BYTES: u64 = 64 << 20;

/// Opens (or creates) the database in `path` with every column family, tuned as above.
pub(super) fn open_db(path: &Path) -> Result<DB, CacheError> {
    let block_cache = BlockCache::new_lru_cache(BLOCK_CACHE_BYTES);
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(&block_cache);
    table.set_bloom_filter(BLOOM_BITS_PER_KEY, false);
    // The tables' index and filter blocks are held by their table readers, outside the block
    // cache (RocksDB's default): kept in the 32 MiB block cache, a lookup spread over 10⁶
    // certificates evicted them with data blocks and read them again — an index block of a
    // whole table, decompressed and its checksum verified — for most reads (issue 49: 19,000–
    // 28,000 lookups/s against 42,000–43,000 held apart, the same ledger, Zipf over every ID).
    // They take about 1 % of the tables' size: ~15 MB at 10⁶ certificates.
    // The answers' pointers without a block cache: no lookup reads them (it finds an answer
    // through the index in memory, [`super::answer_log`]); they are read whole when the cache
    // opens, to build that index, and by the background render's scan, each once.
    let mut answers_table = BlockBasedOptions::default();
    answers_table.disable_cache();
    answers_table.set_bloom_filter(BLOOM_BITS_PER_KEY, false);
    let cf_options = |name: &str| {
        let mut o = Options::default();
        o.set_block_based_table_factory(if name == CF_ANSWERS { &answers_table } else { &table });
        // The answers' pointers have the records' keys, drawn at random: the same reasons hold.
        if name == CF_CERTS || name == CF_ANSWERS {
            o.set_write_buffer_size(RECORDS_WRITE_BUFFER_BYTES);
            o.set_level_zero_file_num_compaction_trigger(RECORDS_L0_TABLES);
        } else {
            o.set_write_buffer_size(WRITE_BUFFER_BYTES);
        }
        // Tables compressed with LZ4, the codec this build of RocksDB has (its default,
        // Snappy, is not built in, which left the records' JSON uncompressed) — except the
        // answers', compressed once as they are rendered ([`super::packed`]).
        o.set_compression_type(if name == CF_ANSWERS { DBCompressionType::None } else { DBCompressionType::Lz4 });
        o
    };
    let mut opts = cf_options("default");
    opts.set_max_total_wal_size(MAX_TOTAL_WAL_BYTES);
    opts.set_db_write_buffer_size(ALL_WRITE_BUFFERS_BYTES);
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    let cfs = ALL_CFS.iter().map(|name| ColumnFamilyDescriptor::new(*name, cf_options(name)));
    DB::open_cf_descriptors(&opts, path, cfs).map_err(|source| CacheError::Open { path: path.to_path_buf(), source })
}

/// A read lock on the open database.
pub(super) struct Open<'a>(RwLockReadGuard<'a, Option<DB>>);

impl std::ops::Deref for Open<'_> {
    type Target = DB;
    fn deref(&self) -> &DB {
        // Only built by `Cache::db`, which checked that the database is open.
        self.0.as_ref().unwrap_or_else(|| unreachable!("Open is only built for an open database"))
    }
}

/// The column family `name` of `db`.
pub(super) fn cf<'a>(db: &'a DB, name: &'static str) -> Result<&'a rocksdb::ColumnFamily, CacheError> {
    db.cf_handle(name).ok_or_else(|| corrupt(name, "column family missing"))
}

impl Cache {
    /// The open database, read-locked (a reopen waits for it).
    pub(super) fn db(&self) -> Result<Open<'_>, CacheError> {
        let guard = self.db.read().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(CacheError::Closed { path: self.path.clone() });
        }
        Ok(Open(guard))
    }

    /// Writes `batch` durably (synced). A failure marks the cache for
    /// [`reopening`](Cache::reopen): RocksDB refuses every later write until then.
    pub(super) fn write(&self, batch: WriteBatch, context: &'static str) -> Result<(), CacheError> {
        let mut opts = WriteOptions::default();
        opts.set_sync(true);
        let db = self.db()?;
        db.write_opt(batch, &opts).map_err(|source| {
            self.broken.store(true, Ordering::SeqCst);
            CacheError::Storage { context, source }
        })
    }

    /// Whether `family` surely holds nothing under `key`, as its memtables and its tables'
    /// Bloom filters tell without I/O (RocksDB's `KeyMayExist` reads the block cache tier
    /// only; the filters are held by the table readers). False when it may hold a value,
    /// and when the database is being reopened or closed (this never waits for that).
    pub(super) fn surely_absent(&self, family: &'static str, key: &[u8]) -> bool {
        let Ok(guard) = self.db.try_read() else { return false };
        let Some(db) = guard.as_ref() else { return false };
        let Ok(family) = cf(db, family) else { return false };
        !db.key_may_exist_cf(family, key)
    }

    /// The JSON value under `key` in `family`, decoded (`what` names it in an error).
    pub(super) fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        family: &'static str,
        key: &[u8],
        what: &str,
    ) -> Result<Option<T>, CacheError> {
        let db = self.db()?;
        // Decoded where RocksDB holds it (no copy), and without filling the block cache:
        // the records worth keeping are kept decoded in the memo and rendered in the
        // answers kept, and lookups spread over every certificate made each first read
        // evict a block another would need (issue 76).
        let mut options = ReadOptions::default();
        options.fill_cache(false);
        let stored = db
            .get_pinned_cf_opt(cf(&db, family)?, key, &options)
            .map_err(|source| CacheError::Storage { context: "reading", source })?;
        match stored {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| corrupt(what, e)),
        }
    }
}
