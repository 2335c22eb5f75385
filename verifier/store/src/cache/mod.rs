//! The verifier's RocksDB cache: certificates and their audit trails as last read from
//! the ledger, a GTIN/lot index, the issuer trust list, the transaction log the
//! follower has seen, and the checkpoint. Every update — records, log and checkpoint —
//! goes in ONE write batch, so the cache is always the state of the ledger at its
//! checkpoint.
//!
//! One job per file:
//!
//! - `db.rs`: RocksDB's tuning, opening with the column families, and the reads and
//!   writes every other job goes through; `layout.rs`: the column families and keys;
//! - `format.rs`: the on-disk format version and the migration from version 1 (see
//!   [`FORMAT_VERSION`]);
//! - `binding.rs`: which source the cache was built from ([`Cache::bind`]);
//! - `reopen.rs`: reopening after a failed write ([`Cache::reopen`]);
//! - `reads.rs`: certificates, products, the trust list, organisations and the
//!   transaction log; `read_through.rs`: a certificate the cache does not hold, read
//!   from the ledger ([`Cache::read_misses_from`]); `records.rs`: writing certificate
//!   records, never over a newer version;
//! - `signed.rs`: issuance signatures checked as records are written, a mark stored
//!   for each that vouches, which lookups take instead of checking;
//! - `answers.rs`: a certificate's answers rendered as its record is written (by the
//!   web layer's [`Renderer`]) and stored, which lookups serve with one `pread`;
//!   `answer_log.rs`: the segment files their bytes lie in, and the index in memory
//!   that finds them;
//!   `parallel.rs`: the checks and renders of an update spread over the cores;
//! - `memo.rs`: decoded records kept in memory between updates; `negative.rs`: IDs
//!   known not to exist; `stats.rs`: how lookups were answered ([`LookupStats`]);
//! - `apply.rs`: applying an [`Update`] with the checkpoint ([`Cache::apply`]), which
//!   takes every transaction exactly once, in blocks of many and with gaps, also
//!   across restarts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

mod answer_log;
mod answers;
mod apply;
mod binding;
mod db;
mod error;
mod format;
mod layout;
mod memo;
mod negative;
mod packed;
mod parallel;
mod read_through;
mod reads;
mod records;
mod reopen;
mod signed;
mod stats;

pub use answers::{Backfill, Renderer, ToRender};
pub use apply::Update;
pub use error::CacheError;
pub use format::FORMAT_VERSION;
pub use negative::{DEFAULT_CAPACITY as DEFAULT_NEGATIVE_CAPACITY, DEFAULT_TTL as DEFAULT_NEGATIVE_TTL};
pub use read_through::MissReader;
pub use stats::LookupStats;

// The follower's `Checkpoint` implements the Gateway client's `Checkpoint` trait (the
// same position), so the two share the name for the same thing.
pub use nanotrace_follow::{CertificateRecord, Checkpoint, SeenTx};

/// The lots of one product ([`Cache::by_gtin`]).
#[derive(Debug, Clone, Default)]
pub struct ProductLots {
    /// Each lot with its certificates, newest version first; in lot order.
    pub lots: Vec<(String, Vec<CertificateRecord>)>,
    /// Whether the product has more lots than were asked for.
    pub more: bool,
}

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
    db: RwLock<Option<rocksdb::DB>>,
    /// A write failed: the database must be reopened before it accepts writes again.
    broken: AtomicBool,
    /// The binding checked by [`Cache::bind`], re-checked by [`Cache::reopen`].
    bound: RwLock<Option<BTreeMap<String, String>>>,
    /// Where a miss is read from ([`Cache::read_misses_from`]), if anywhere.
    miss: RwLock<Option<Arc<MissReader>>>,
    path: PathBuf,
    /// Bumped after every applied update: a record read under an older generation is
    /// never remembered (a reader that raced an update cannot pin a stale record).
    generation: AtomicU64,
    memo: RwLock<memo::Memo>,
    /// IDs known not to exist ([`Cache::limit_negatives`]).
    negatives: negative::NegativeCache,
    /// Certificate reads that went to RocksDB.
    disk_reads: AtomicU64,
    /// Certificate reads that went to the ledger ([`Cache::read_misses_from`]).
    ledger_reads: AtomicU64,
    /// Lookups answered "no such certificate" by the tables' Bloom filters, without I/O.
    filter_absent: AtomicU64,
    /// Issuance signatures checked by lookups ([`Cache::authenticity`]): once per record
    /// version while the memo keeps the answer, for records without a mark.
    checked_signatures: AtomicU64,
    /// Issuance signatures checked as records were written ([`Cache::apply`]).
    signed_on_write: AtomicU64,
    /// Lookups whose signature check a mark made when the record was written answered.
    signed_marks: AtomicU64,
    /// Renders the answers of the records written ([`Cache::render_answers_with`]).
    renderer: RwLock<Option<Arc<dyn Renderer>>>,
    /// Whether every certificate's answers are rendered under the digest in force, as
    /// [`Cache::render_missing`] last found.
    answers_complete: AtomicBool,
    /// Where [`Cache::render_missing`] goes on: the digest it renders under, the last
    /// certificate it looked at.
    answers_cursor: Mutex<Option<(answers::EnvDigest, Vec<u8>)>>,
    /// Certificates whose answers were rendered and stored.
    answers_rendered: AtomicU64,
    /// Lookups that took stored answers ([`Cache::stored_answers`]).
    answers_read: AtomicU64,
    /// Where the stored answers' bytes lie ([`answer_log`]); made anew by a reopen.
    answer_log: RwLock<Arc<answer_log::AnswerLog>>,
    /// Held while certificate records are compared with what is stored and written, so
    /// that no record is ever replaced by an older version of itself (see
    /// [`Cache::apply`]).
    records: Mutex<()>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Cache {
    /// Opens (or creates) the cache in `path`, migrating a version-1 cache; refuses a
    /// cache of an unknown format.
    pub fn open(path: &Path) -> Result<Self, CacheError> {
        let db = db::open_db(path)?;
        let answer_log = answers::open_answer_log(&db, path)?;
        let cache = Cache {
            db: RwLock::new(Some(db)),
            broken: AtomicBool::new(false),
            bound: RwLock::new(None),
            miss: RwLock::new(None),
            path: path.to_path_buf(),
            generation: AtomicU64::new(0),
            memo: RwLock::new(memo::Memo::default()),
            negatives: negative::NegativeCache::new(DEFAULT_NEGATIVE_CAPACITY, DEFAULT_NEGATIVE_TTL),
            disk_reads: AtomicU64::new(0),
            ledger_reads: AtomicU64::new(0),
            filter_absent: AtomicU64::new(0),
            checked_signatures: AtomicU64::new(0),
            signed_on_write: AtomicU64::new(0),
            signed_marks: AtomicU64::new(0),
            renderer: RwLock::new(None),
            answers_complete: AtomicBool::new(false),
            answers_cursor: Mutex::new(None),
            answers_rendered: AtomicU64::new(0),
            answers_read: AtomicU64::new(0),
            answer_log: RwLock::new(Arc::new(answer_log)),
            records: Mutex::new(()),
        };
        cache.check_format()?;
        cache.answer_log().delete_unnamed()?;
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
}

#[cfg(test)]
mod tests;
