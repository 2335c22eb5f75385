//! The embedded NanoTrace ledger's storage engine: a contract on RocksDB, with Fabric's
//! transaction semantics. It runs whatever closure it is given over a
//! [`Stub`](nanotrace_shim::Stub) and knows no contract, identity or client: the
//! certificate contract, the local membership and the typed API's transport are
//! `nanotrace-embedded`'s.
//!
//! What it holds:
//!
//! - [`Ledger`] (this module): opening (also as a read-only follower), submit, evaluate
//!   and simulate, raw reads for the followers, the log and its height and head hash.
//! - [`sim`]: the Fabric-semantics transaction simulator (read set, write set, range
//!   scans with bookmarks, history, key-level endorsement policies and their validation)
//!   that every local ledger shares.
//! - [`memory`]: an in-memory ledger on the same simulator, for tests.
//! - `codec` (private): the storage layout — column families, keys and the encoding of
//!   records, history and the hash-chained [`LogEntry`].
//! - `check` (private): [`Ledger::check`], what tampering it finds and what it cannot.
//!
//! A [`Ledger`] runs each transaction on the shared Fabric-semantics [`TxSimulator`]
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

mod check;
mod codec;
pub mod memory;
pub mod sim;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::sim::{StateStore, TxSimulator, WriteSet};
use nanotrace_shim::{Creator, EndorsementPolicy, KeyModification, StubError, StubResult, TxTimestamp};
use rand::RngCore;
use rocksdb::{
    ColumnFamily, ColumnFamilyDescriptor, Direction, IteratorMode, Options, ReadOptions, SnapshotWithThreadMode,
    WriteBatch, WriteOptions, DB,
};
use serde::{Deserialize, Serialize};
use tracing::{debug, warn};

pub use check::{CheckProblem, CheckReport};
pub use codec::{args_sha256, LogEntry, GENESIS_PREV_HASH, STORED_FORMAT};

use codec::{
    block_key, decode_block_key, decode_u64, encode_write_set, from_json, history_key, history_prefix, modification,
    sha256_hex, to_json, HistoryRecord, Mutations, ALL_CFS, CF_HISTORY, CF_LOG, CF_META, CF_STATE, CF_VPARAMS,
    CF_WRITESETS, META_FORMAT, META_HEIGHT, META_LAST_HASH,
};

/// Column family names, for tests that tamper with the database through
/// [`Ledger::raw_db`].
#[doc(hidden)]
pub mod column_families {
    pub use crate::codec::{CF_HISTORY, CF_LOG, CF_META, CF_STATE, CF_VPARAMS, CF_WRITESETS};
}

/// Everything that can go wrong in the ledger itself.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// RocksDB could not open the database (missing, locked by another process, or
    /// unreadable).
    #[error("cannot open the ledger at {}: {source}", path.display())]
    Open {
        /// The ledger directory.
        path: PathBuf,
        /// RocksDB's error.
        #[source]
        source: rocksdb::Error,
    },
    /// A RocksDB read or write failed.
    #[error("storage error while {context}: {source}")]
    Storage {
        /// What the ledger was doing, e.g. `reading the log`.
        context: String,
        /// RocksDB's error.
        #[source]
        source: rocksdb::Error,
    },
    /// Stored data is malformed or inconsistent (e.g. the head hash does not match the
    /// last log entry); says what and where.
    #[error("the ledger is corrupt: {0}")]
    Corrupt(String),
    /// A [`StubError`] raised inside the ledger itself (e.g. while applying a write set's
    /// validation parameters at commit, or [`StubError::EndorsementPolicyFailure`] when
    /// a transaction fails key-level endorsement); displayed as that error.
    #[error(transparent)]
    Stub(#[from] StubError),
    /// A record could not be serialised to JSON.
    #[error("cannot encode {what}: {source}")]
    Encode {
        /// What was being encoded, e.g. `log entry`.
        what: &'static str,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// The system clock cannot give a transaction timestamp (before 1970 or out of range).
    #[error("system clock: {0}")]
    Clock(String),
    /// The ledger was written in a stored format this version does not read (see
    /// [`STORED_FORMAT`]); nothing was changed.
    #[error(
        "the ledger at {} is in stored format {found}, but this nanotrace reads and writes only format {STORED_FORMAT}{hint}",
        path.display()
    )]
    UnsupportedFormat {
        /// The ledger directory.
        path: PathBuf,
        /// The format found (1 = a ledger written before format versions were recorded).
        found: u64,
        /// What to do about it.
        hint: &'static str,
    },
    /// `submit` on a ledger opened with [`Ledger::open_follower`]; holds its path.
    #[error("this ledger at {} is opened as a read-only follower; transactions must go through the process that owns it", .0.display())]
    ReadOnly(PathBuf),
    /// A transaction whose ID a committed transaction already has: a replay.
    #[error("transaction {0} has already been committed (a replayed transaction is refused)")]
    DuplicateTxId(String),
}

/// Lets closures whose error type is `StubError` be used with [`Ledger::submit`].
impl From<LedgerError> for StubError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::Stub(inner) => inner,
            other => StubError::Ledger(other.to_string()),
        }
    }
}

fn storage(context: impl Into<String>) -> impl FnOnce(rocksdb::Error) -> LedgerError {
    let context = context.into();
    move |source| LedgerError::Storage { context, source }
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
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("path", &self.path).finish_non_exhaustive()
    }
}

/// The chain head as recorded in `meta`.
struct Head {
    height: u64,
    hash: String,
}

impl Ledger {
    /// Opens the ledger at `path`, creating it if missing, and checks that the recorded
    /// height and head hash agree with the last log entry.
    pub fn open(path: &Path) -> Result<Self, LedgerError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let descriptors = ALL_CFS.iter().map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
        let db = DB::open_cf_descriptors(&opts, path, descriptors)
            .map_err(|source| LedgerError::Open { path: path.to_owned(), source })?;
        let ledger =
            Self { db, path: path.to_owned(), writer: Mutex::new(()), follower: false, frozen: RwLock::new(()) };
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
        let opts = Options::default();
        let db = DB::open_cf_as_secondary(&opts, path, scratch, ALL_CFS.iter().copied())
            .map_err(|source| LedgerError::Open { path: path.to_owned(), source })?;
        let ledger =
            Self { db, path: path.to_owned(), writer: Mutex::new(()), follower: true, frozen: RwLock::new(()) };
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
        for item in self.db.iterator_cf(self.cf(cf)?, IteratorMode::Start) {
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

    /// Runs one transaction and commits it if `f` succeeds.
    ///
    /// The tx ID is hex SHA-256 of a 24-byte random nonce followed by the creator's
    /// identity bytes (Fabric's rule); the timestamp is `at` or now. `f` runs on a
    /// simulator over the committed state. If `f` returns `Err` nothing is written and
    /// the error is returned; otherwise the write set, key history, validation
    /// parameters, event and a new log entry (block = height + 1, chained to the
    /// previous hash) are written in one synchronous `WriteBatch`.
    ///
    /// Before committing, the write set is validated against the committed key-level
    /// endorsement policies of the keys it touches, with the creator's MSP as the one
    /// endorsing organisation ([`WriteSet::check_endorsement`]). A transaction that
    /// fails is refused with [`LedgerError::Stub`] holding
    /// [`StubError::EndorsementPolicyFailure`] and writes nothing: no state, history,
    /// write set, log entry or event, and the height does not move.
    ///
    /// Refused rather than recorded as an invalid transaction (as a Fabric block records
    /// it) because that is how this ledger already treats the other validation failure,
    /// MVCC conflicts: it has none, since it simulates and commits under one lock, so the
    /// state a transaction read is the state it commits on, and its log holds only
    /// committed transactions. Fabric records invalid transactions because the orderer
    /// has put them in a block before any peer validates them; here validation happens
    /// before a block number is assigned, so there is nothing to record, and the client
    /// sees what a Fabric client sees: the transaction did not commit, with the code
    /// `ENDORSEMENT_POLICY_FAILURE` (the embedded transport reports it as a commit
    /// failure with that code).
    ///
    /// `function` and `args` are recorded in the log entry (the args as a hash, see
    /// [`args_sha256`]); they are not passed to `f`.
    pub fn submit<T, E, F>(
        &self,
        creator: &Creator,
        function: &str,
        args: &[Vec<u8>],
        at: Option<TxTimestamp>,
        f: F,
    ) -> Result<(T, TxReceipt), E>
    where
        E: From<LedgerError>,
        F: FnOnce(&mut TxSimulator<'_, dyn StateStore + '_>) -> Result<T, E>,
    {
        self.submit_inner(creator, None, function, args, at, f)
    }

    /// [`Ledger::submit`] of a transaction whose ID was fixed elsewhere — by the signed
    /// proposal of a member who signs in a browser (`nanotrace_embedded::signed`) — refused with
    /// [`LedgerError::DuplicateTxId`] if a transaction of that ID has been committed by
    /// this method before (as a Fabric peer refuses a replayed transaction). The ID is
    /// recorded in the same atomic batch as the transaction.
    pub fn submit_with_tx_id<T, E, F>(
        &self,
        creator: &Creator,
        tx_id: &str,
        function: &str,
        args: &[Vec<u8>],
        at: Option<TxTimestamp>,
        f: F,
    ) -> Result<(T, TxReceipt), E>
    where
        E: From<LedgerError>,
        F: FnOnce(&mut TxSimulator<'_, dyn StateStore + '_>) -> Result<T, E>,
    {
        self.submit_inner(creator, Some(tx_id), function, args, at, f)
    }

    fn submit_inner<T, E, F>(
        &self,
        creator: &Creator,
        fixed_tx_id: Option<&str>,
        function: &str,
        args: &[Vec<u8>],
        at: Option<TxTimestamp>,
        f: F,
    ) -> Result<(T, TxReceipt), E>
    where
        E: From<LedgerError>,
        F: FnOnce(&mut TxSimulator<'_, dyn StateStore + '_>) -> Result<T, E>,
    {
        if self.follower {
            return Err(LedgerError::ReadOnly(self.path.clone()).into());
        }
        let tx_id = match fixed_tx_id {
            Some(id) => id.to_owned(),
            None => new_tx_id(creator),
        };
        let timestamp = match at {
            Some(t) => t,
            None => now()?,
        };
        let _guard = self.lock_writer();
        if fixed_tx_id.is_some() {
            let seen = self
                .db
                .get_cf(self.cf(CF_META)?, signed_tx_key(&tx_id))
                .map_err(storage("reading the signed transaction IDs"))?;
            if seen.is_some() {
                return Err(LedgerError::DuplicateTxId(tx_id).into());
            }
        }
        let view = SnapshotView::new(self)?;
        let (value, write_set) = {
            let store: &dyn StateStore = &view;
            let mut sim = TxSimulator::new(store, tx_id.clone(), timestamp, creator.clone());
            match f(&mut sim) {
                Ok(value) => (value, sim.into_write_set()),
                Err(e) => {
                    debug!(%tx_id, function, "transaction failed; nothing written");
                    return Err(e);
                }
            }
        };
        // Validate as Fabric's committer would, before anything is written: a transaction
        // that fails a key-level endorsement policy is refused, not recorded (see the
        // `submit` docs for why).
        if let Err(e) = write_set.check_endorsement(&tx_id, &creator.msp_id, |k| view.validation_parameter(k)) {
            debug!(%tx_id, function, error = %e, "transaction invalidated; nothing written");
            return Err(LedgerError::Stub(e).into());
        }
        let receipt =
            self.commit(&view, creator, function, args, tx_id, fixed_tx_id.is_some(), timestamp, &write_set)?;
        Ok((value, receipt))
    }

    #[allow(clippy::too_many_arguments)]
    fn commit(
        &self,
        view: &SnapshotView<'_>,
        creator: &Creator,
        function: &str,
        args: &[Vec<u8>],
        tx_id: String,
        record_tx_id: bool,
        timestamp: TxTimestamp,
        write_set: &WriteSet,
    ) -> Result<TxReceipt, LedgerError> {
        let head = self.head()?;
        let block =
            head.height.checked_add(1).ok_or_else(|| LedgerError::Corrupt("block number overflow".to_owned()))?;
        let encoded = encode_write_set(write_set)?;
        let ws_bytes = &encoded.bytes;
        let mut entry = LogEntry {
            block,
            tx_id: tx_id.clone(),
            timestamp,
            creator_msp: creator.msp_id.clone(),
            creator_id_sha256: sha256_hex(&creator.id_bytes),
            function: function.to_owned(),
            args_sha256: args_sha256(args),
            write_set_sha256: sha256_hex(ws_bytes),
            event: write_set.event.clone(),
            prev_hash: head.hash,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash()?;
        let mutations = Mutations::of(write_set, &encoded, |k| Ok(view.get(k)?.is_some()))?;
        let log_bytes = to_json("log entry", &entry)?;

        // Size the batch up front: a RocksDB record is a tag, the column family, and the
        // length-prefixed key and value (≤ 16 bytes of framing each).
        let mut capacity = 64 + ws_bytes.len() + log_bytes.len() + 2 * 32;
        for (key, value) in &mutations.state {
            capacity += 16 + key.len() + value.map_or(0, <[u8]>::len);
        }
        capacity += mutations.history.iter().map(|(key, _)| 16 + key.len() + 9 + 10).sum::<usize>();
        capacity += mutations.vparam_deletes.iter().map(|key| 16 + key.len()).sum::<usize>();
        capacity += mutations.vparam_puts.iter().map(|(key, _)| 16 + key.len() + 64).sum::<usize>();
        let mut batch = WriteBatch::with_capacity_bytes(capacity);
        let (state, history, vparams) = (self.cf(CF_STATE)?, self.cf(CF_HISTORY)?, self.cf(CF_VPARAMS)?);
        for (key, value) in &mutations.state {
            match value {
                Some(v) => batch.put_cf(state, key.as_bytes(), v),
                None => batch.delete_cf(state, key.as_bytes()),
            }
        }
        for (key, record) in &mutations.history {
            batch.put_cf(history, history_key(key, block), record.encode());
        }
        for key in &mutations.vparam_deletes {
            batch.delete_cf(vparams, key.as_bytes());
        }
        for (key, policy) in &mutations.vparam_puts {
            batch.put_cf(vparams, key.as_bytes(), to_json("validation parameter", policy)?);
        }
        batch.put_cf(self.cf(CF_WRITESETS)?, block_key(block), ws_bytes);
        batch.put_cf(self.cf(CF_LOG)?, block_key(block), log_bytes);
        let meta = self.cf(CF_META)?;
        batch.put_cf(meta, META_HEIGHT, block.to_be_bytes());
        batch.put_cf(meta, META_LAST_HASH, entry.hash.as_bytes());
        if record_tx_id {
            batch.put_cf(meta, signed_tx_key(&tx_id), block.to_be_bytes());
        }

        let mut write_opts = WriteOptions::default();
        write_opts.set_sync(true);
        self.db.write_opt(batch, &write_opts).map_err(storage(format!("committing block {block}")))?;
        debug!(
            block,
            %tx_id,
            function,
            writes = write_set.writes.len(),
            event = write_set.event.as_ref().map(|(name, _)| name.as_str()),
            hash = %entry.hash,
            "transaction committed"
        );
        Ok(TxReceipt { tx_id, block, timestamp })
    }

    /// Runs `f` as a query on a snapshot of the committed state; nothing is written or
    /// logged. The tx ID is random as in [`Ledger::submit`].
    pub fn evaluate<T, E, F>(&self, creator: &Creator, at: Option<TxTimestamp>, f: F) -> Result<T, E>
    where
        E: From<LedgerError>,
        F: FnOnce(&mut TxSimulator<'_, dyn StateStore + '_>) -> Result<T, E>,
    {
        self.simulate(creator, new_tx_id(creator), at, f)
    }

    /// [`Ledger::evaluate`] as the transaction `tx_id` (a signed proposal's, endorsed
    /// before it is committed with [`Ledger::submit_with_tx_id`]: what the contract
    /// derives from the ID, such as a new certificate's, is then the same in both).
    pub fn simulate<T, E, F>(&self, creator: &Creator, tx_id: String, at: Option<TxTimestamp>, f: F) -> Result<T, E>
    where
        E: From<LedgerError>,
        F: FnOnce(&mut TxSimulator<'_, dyn StateStore + '_>) -> Result<T, E>,
    {
        let timestamp = match at {
            Some(t) => t,
            None => now()?,
        };
        let view = SnapshotView::new(self)?;
        let store: &dyn StateStore = &view;
        let mut sim = TxSimulator::new(store, tx_id, timestamp, creator.clone());
        f(&mut sim)
    }

    /// Verifies the whole ledger; see [`CheckReport`] and the `check` module docs.
    pub fn check(&self) -> Result<CheckReport, LedgerError> {
        let report = check::run(self)?;
        if let Some(bad) = &report.first_bad {
            warn!(block = ?bad.block, reason = %bad.reason, problems = report.problem_count, "ledger check failed");
        } else {
            debug!(entries = report.entries_checked, "ledger check passed");
        }
        Ok(report)
    }
}

/// Fabric's tx ID rule: hex SHA-256(24-byte random nonce ‖ creator identity bytes).
/// Where the ID of a transaction committed by [`Ledger::submit_with_tx_id`] is kept (in
/// the meta column family, beside the height).
fn signed_tx_key(tx_id: &str) -> Vec<u8> {
    [b"signed-tx/".as_slice(), tx_id.as_bytes()].concat()
}

fn new_tx_id(creator: &Creator) -> String {
    let mut nonce = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut nonce);
    let mut input = Vec::with_capacity(nonce.len() + creator.id_bytes.len());
    input.extend_from_slice(&nonce);
    input.extend_from_slice(&creator.id_bytes);
    sha256_hex(&input)
}

fn now() -> Result<TxTimestamp, LedgerError> {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| LedgerError::Clock(format!("before the Unix epoch: {e}")))?;
    let seconds = i64::try_from(since.as_secs()).map_err(|_| LedgerError::Clock("seconds overflow".to_owned()))?;
    let nanos = i32::try_from(since.subsec_nanos()).map_err(|_| LedgerError::Clock("nanos overflow".to_owned()))?;
    Ok(TxTimestamp { seconds, nanos })
}

/// Committed state as of one RocksDB snapshot (on a follower: as of its last catch-up,
/// which waits until the view is dropped).
struct SnapshotView<'a> {
    db: &'a DB,
    /// `None` on a follower (secondary instances cannot take snapshots).
    snapshot: Option<SnapshotWithThreadMode<'a, DB>>,
    _frozen: Option<RwLockReadGuard<'a, ()>>,
    state: &'a ColumnFamily,
    history: &'a ColumnFamily,
    vparams: &'a ColumnFamily,
    log: &'a ColumnFamily,
    writesets: &'a ColumnFamily,
}

impl<'a> SnapshotView<'a> {
    fn new(ledger: &'a Ledger) -> Result<Self, LedgerError> {
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
        let prefix = history_prefix(key);
        // Keys containing `key ‖ 0x00` as a prefix (composite keys) share this range;
        // only entries exactly 8 bytes longer than the prefix belong to `key`.
        let mut upper = key.as_bytes().to_vec();
        upper.push(1);
        let mut read_opts = self.read_options();
        read_opts.set_iterate_upper_bound(upper);
        let iter = self.db.iterator_cf_opt(self.history, read_opts, IteratorMode::From(&prefix, Direction::Forward));
        let mut out = Vec::new();
        for item in iter {
            let (raw_key, value) = item.map_err(storage("reading key history"))?;
            if !raw_key.starts_with(&prefix) {
                break;
            }
            if raw_key.len() != prefix.len() + 8 {
                continue;
            }
            let block = decode_u64("history block", &raw_key[prefix.len()..])?;
            let record = HistoryRecord::decode(&value)?;
            let entry = self.log_entry(block)?;
            let write_set = self
                .db
                .get_pinned_cf_opt(self.writesets, block_key(block), &self.read_options())
                .map_err(storage("reading a write set"))?
                .ok_or_else(|| {
                    LedgerError::Corrupt(format!("history of {key:?} names block {block}, whose write set is missing"))
                })?;
            out.push(modification(&entry, record, &write_set)?);
        }
        out.reverse();
        Ok(out)
    }

    fn log_entry(&self, block: u64) -> Result<LogEntry, LedgerError> {
        let bytes = self
            .db
            .get_pinned_cf_opt(self.log, block_key(block), &self.read_options())
            .map_err(storage("reading the log"))?
            .ok_or_else(|| LedgerError::Corrupt(format!("log entry {block} is missing")))?;
        let entry: LogEntry = from_json(&format!("log entry {block}"), &bytes)?;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Ledger>();
        assert_send_sync::<LedgerError>();
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
