//! `Ledger::check`: verifies the hash chain and replays every write set.
//!
//! On one consistent snapshot, `check`:
//!
//! 1. walks the log from block 1: block numbers must be contiguous, each entry's `hash`
//!    must equal the recomputed hash of its canonical body, and each `prev_hash` must be
//!    the previous entry's `hash` ([`GENESIS_PREV_HASH`] for block 1);
//! 2. for each block, re-hashes the stored write set and compares it with the entry's
//!    `write_set_sha256`, and compares the write set's event with the entry's event;
//! 3. checks that `meta` (height, head hash) matches the last entry, and that no write
//!    set exists without a log entry;
//! 4. replays all write sets in order (with the same commit rules as `submit`) and
//!    compares the result with the stored `state`, `history` and `vparams` column
//!    families, key by key, in both directions (changed, extra and missing entries),
//!    and the write sets' private data hashes with `private_hashes`;
//! 5. checks every stored private value against its hash in `private_hashes`, and that
//!    every hash has its value (the embedded ledger purges nothing).
//!    The replay goes to a scratch RocksDB database in the temporary folder (`TMPDIR`;
//!    state values by their SHA-256, about 80 bytes per state key and 40 per history
//!    entry, removed after), so the check's memory does not grow with the ledger.
//!
//! **Detected**: any change to a stored log entry (content or hash), a removed,
//! inserted or reordered entry, a changed or missing write set, any changed, added or
//! removed state value, history entry, validation parameter, private data hash or
//! private value, and `meta` out of step with the chain.
//!
//! **Not detected**: a *consistent* rewrite — someone who changes a block and then
//! recomputes every later hash, write set, state, history and `meta` (or truncates the
//! tail and fixes `meta`) produces a ledger that checks clean. The chain is not
//! signed or anchored anywhere; compare [`CheckReport::head_hash`] with a copy kept
//! elsewhere to catch that. Transaction arguments and the creator's certificate are
//! stored only as hashes, so `check` can tell they were not altered but not what they
//! were. Formatting-only changes to a log entry's JSON (whitespace, field order) that
//! keep every value are not reported, since the hash covers the canonical form.

use std::collections::HashSet;

use nanotrace_shim::EndorsementPolicy;
use rocksdb::IteratorMode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codec::{
    block_key, decode_block_key, decode_history_key, decode_u64, decode_write_set, encode_parts, from_json,
    history_key, private_hash_entries, private_hash_key, sha256_hex, HistoryRecord, LogEntry, Mutations, CF_HISTORY,
    CF_LOG, CF_META, CF_PRIVATE, CF_PRIVATE_HASHES, CF_STATE, CF_VPARAMS, CF_WRITESETS, GENESIS_PREV_HASH, META_FORMAT,
    META_HEIGHT, META_LAST_HASH, STORED_FORMAT,
};
use crate::sim::private_data_hash;
use crate::{storage, Ledger, LedgerError};

/// At most this many problems are listed in [`CheckReport::problems`] (all are counted).
pub(crate) const MAX_REPORTED_PROBLEMS: usize = 100;

/// One inconsistency found by `check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckProblem {
    /// The block the problem is attributed to, when there is one (for a state,
    /// history or policy mismatch: the last block that wrote the key).
    pub block: Option<u64>,
    /// What is wrong, in words.
    pub reason: String,
}

/// The outcome of [`Ledger::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// Height recorded in `meta`.
    pub height: u64,
    /// Head hash recorded in `meta`.
    pub head_hash: String,
    /// Log entries examined.
    pub entries_checked: u64,
    /// State keys compared with the replay.
    pub state_keys_checked: u64,
    /// History entries compared with the replay.
    pub history_entries_checked: u64,
    /// Private values checked against their hashes.
    #[serde(default)]
    pub private_values_checked: u64,
    /// Number of problems found.
    pub problem_count: u64,
    /// The first 100 problems, in the order found (`problem_count` counts them all).
    pub problems: Vec<CheckProblem>,
    /// The problem with the lowest block number (or the first one found if none names a
    /// block); `None` when the ledger is consistent.
    pub first_bad: Option<CheckProblem>,
}

impl CheckReport {
    /// True when no problem was found.
    pub fn is_ok(&self) -> bool {
        self.problem_count == 0
    }

    /// The lowest block named by a problem.
    pub fn first_bad_block(&self) -> Option<u64> {
        self.first_bad.as_ref().and_then(|p| p.block)
    }
}

#[derive(Default)]
struct Problems {
    list: Vec<CheckProblem>,
    count: u64,
    first_bad: Option<CheckProblem>,
}

impl Problems {
    fn add(&mut self, block: Option<u64>, reason: impl Into<String>) {
        let problem = CheckProblem { block, reason: reason.into() };
        self.count += 1;
        let better = match (&self.first_bad, block) {
            (None, _) => true,
            (Some(current), Some(b)) => current.block.is_none_or(|c| b < c),
            (Some(_), None) => false,
        };
        if better {
            self.first_bad = Some(problem.clone());
        }
        if self.list.len() < MAX_REPORTED_PROBLEMS {
            self.list.push(problem);
        }
    }
}

/// The state, history and validation parameters the write sets produce, replayed into a
/// scratch RocksDB database in the temporary folder (`TMPDIR`) rather than in memory, so
/// that checking a ledger of any size takes bounded memory (issue 49: held in maps, the
/// replay of 10⁷ certificates outgrew 23 GiB). Each key is kept with the last block that
/// wrote or deleted it: a state key as `block ‖ 1 ‖ SHA-256 of its value` and a policy
/// as `block ‖ 1 ‖ policy`, or `block ‖ 0` once deleted; a history entry under the ledger's own history key, so that both sides are
/// read in the same order and compared as they are walked ([`merge`]). The folder is
/// removed when the check ends.
struct Replay {
    db: rocksdb::DB,
    _dir: tempfile::TempDir,
}

/// The scratch database's column families.
const R_STATE: &str = "state";
const R_HISTORY: &str = "history";
const R_VPARAMS: &str = "vparams";
const R_PRIVATE_HASHES: &str = "private_hashes";

/// What the replay holds under a state key or a policy key.
enum Replayed<'a> {
    /// Written by `block`.
    Value { block: u64, value: &'a [u8] },
    /// Deleted by `block`.
    Deleted { block: u64 },
}

impl<'a> Replayed<'a> {
    fn encode(block: u64, value: Option<&[u8]>) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + value.map_or(0, <[u8]>::len));
        out.extend_from_slice(&block.to_be_bytes());
        match value {
            Some(v) => {
                out.push(1);
                out.extend_from_slice(v);
            }
            None => out.push(0),
        }
        out
    }

    fn decode(bytes: &'a [u8]) -> Result<Self, LedgerError> {
        match bytes {
            [b0, b1, b2, b3, b4, b5, b6, b7, tag, value @ ..] => {
                let block = u64::from_be_bytes([*b0, *b1, *b2, *b3, *b4, *b5, *b6, *b7]);
                match tag {
                    1 => Ok(Replayed::Value { block, value }),
                    0 if value.is_empty() => Ok(Replayed::Deleted { block }),
                    _ => Err(LedgerError::Corrupt("the check's scratch database holds a malformed entry".to_owned())),
                }
            }
            _ => Err(LedgerError::Corrupt("the check's scratch database holds a malformed entry".to_owned())),
        }
    }

    fn block(&self) -> u64 {
        match self {
            Replayed::Value { block, .. } | Replayed::Deleted { block } => *block,
        }
    }
}

impl Replay {
    fn new(parent: &std::path::Path) -> Result<Self, LedgerError> {
        let dir = tempfile::Builder::new()
            .prefix("nanotrace-ledger-check-")
            .tempdir_in(parent)
            .map_err(|source| LedgerError::Scratch { path: parent.to_owned(), source })?;
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
        let db = rocksdb::DB::open_cf(&opts, dir.path(), [R_STATE, R_HISTORY, R_VPARAMS, R_PRIVATE_HASHES])
            .map_err(|source| LedgerError::Open { path: dir.path().to_owned(), source })?;
        Ok(Replay { db, _dir: dir })
    }

    fn cf(&self, name: &str) -> Result<&rocksdb::ColumnFamily, LedgerError> {
        self.db
            .cf_handle(name)
            .ok_or_else(|| LedgerError::Corrupt(format!("the check's scratch database has no {name}")))
    }

    /// What the replay holds under `key` of column family `cf`, decoded by `read`.
    fn get<T>(&self, cf: &str, key: &str, read: impl FnOnce(Replayed<'_>) -> T) -> Result<Option<T>, LedgerError> {
        match self.db.get_pinned_cf(self.cf(cf)?, key).map_err(storage("reading the replayed write sets"))? {
            None => Ok(None),
            Some(bytes) => Ok(Some(read(Replayed::decode(&bytes)?))),
        }
    }

    /// Applies the write set `bytes` of `block`. The bytes must be the canonical encoding
    /// of what they decode to, since history entries name spans of them.
    fn apply(&self, block: u64, bytes: &[u8]) -> Result<crate::sim::WriteSet, LedgerError> {
        let (ws, hashed) = decode_write_set(bytes)?;
        let encoded = encode_parts(&ws, &hashed)?;
        if encoded.bytes != bytes {
            return Err(LedgerError::Corrupt("write set is not in its canonical encoding".to_owned()));
        }
        let m = Mutations::of(&ws, &encoded, |k| {
            Ok(self.get(R_STATE, k, |r| matches!(r, Replayed::Value { .. }))?.unwrap_or(false))
        })?;
        let mut batch = rocksdb::WriteBatch::default();
        let (state, history, vparams) = (self.cf(R_STATE)?, self.cf(R_HISTORY)?, self.cf(R_VPARAMS)?);
        for (key, value) in m.state {
            // A state value by its SHA-256: what the check compares, at 41 bytes a key
            // whatever the value's size (values in full made the scratch database as large
            // as every version of every record: 40 GB at 10⁷ certificates).
            let digest = value.map(Sha256::digest);
            batch.put_cf(state, key, Replayed::encode(block, digest.as_ref().map(|d| d.as_slice())));
        }
        for (key, record) in m.history {
            batch.put_cf(history, history_key(key, block), record.encode());
        }
        for key in m.vparam_deletes {
            // A policy that is not set stays as it was, with the block that last changed it.
            if self.get(R_VPARAMS, key, |r| matches!(r, Replayed::Value { .. }))?.unwrap_or(false) {
                batch.put_cf(vparams, key, Replayed::encode(block, None));
            }
        }
        for (key, policy) in m.vparam_puts {
            let json = serde_json::to_vec(policy).map_err(|source| LedgerError::Encode { what: "policy", source })?;
            batch.put_cf(vparams, key, Replayed::encode(block, Some(&json)));
        }
        let private_hashes = self.cf(R_PRIVATE_HASHES)?;
        for (key, value_hash) in private_hash_entries(&hashed) {
            batch.put_cf(private_hashes, key, Replayed::encode(block, value_hash.map(|h| h.as_slice())));
        }
        let mut write = rocksdb::WriteOptions::default();
        write.disable_wal(true);
        self.db.write_opt(batch, &write).map_err(storage("writing the replayed write sets"))?;
        Ok(ws)
    }

    /// The replay's entries of column family `cf`, in key order.
    fn entries(&self, cf: &str) -> Result<rocksdb::DBIteratorWithThreadMode<'_, rocksdb::DB>, LedgerError> {
        Ok(self.db.iterator_cf(self.cf(cf)?, IteratorMode::Start))
    }
}

/// A stored entry or a replayed one, as the iterators give them.
type Item = Result<(Box<[u8]>, Box<[u8]>), rocksdb::Error>;

/// Walks the stored entries and the replayed ones of one column family together, in key
/// order, calling `each(key, stored value, replayed value)` once for every key either
/// side holds.
fn merge(
    stored: impl Iterator<Item = Item>,
    replayed: impl Iterator<Item = Item>,
    what: &str,
    mut each: impl FnMut(&[u8], Option<&[u8]>, Option<&[u8]>) -> Result<(), LedgerError>,
) -> Result<(), LedgerError> {
    let mut stored = stored.peekable();
    let mut replayed = replayed.peekable();
    loop {
        let order = match (stored.peek(), replayed.peek()) {
            (None, None) => return Ok(()),
            (Some(Err(_)), _) => return Err(next_error(&mut stored, what)),
            (_, Some(Err(_))) => return Err(next_error(&mut replayed, "the replayed write sets")),
            (Some(Ok((s, _))), Some(Ok((r, _)))) => s.cmp(r),
            (Some(Ok(_)), None) => std::cmp::Ordering::Less,
            (None, Some(Ok(_))) => std::cmp::Ordering::Greater,
        };
        let s = if order.is_le() { stored.next().and_then(Result::ok) } else { None };
        let r = if order.is_ge() { replayed.next().and_then(Result::ok) } else { None };
        let key = match (&s, &r) {
            (Some((k, _)), _) | (None, Some((k, _))) => k.clone(),
            (None, None) => return Ok(()),
        };
        each(&key, s.as_ref().map(|(_, v)| &**v), r.as_ref().map(|(_, v)| &**v))?;
    }
}

/// The error a peeked iterator holds next.
fn next_error(items: &mut impl Iterator<Item = Item>, what: &str) -> LedgerError {
    match items.next() {
        Some(Err(e)) => storage(format!("reading {what}"))(e),
        _ => LedgerError::Corrupt(format!("reading {what}: an error vanished")),
    }
}

pub(crate) fn run(ledger: &Ledger, scratch_parent: &std::path::Path) -> Result<CheckReport, LedgerError> {
    let snap = ledger.db.snapshot();
    let mut problems = Problems::default();

    // The head recorded in meta.
    let meta = ledger.cf(CF_META)?;
    let height = match snap.get_cf(meta, META_HEIGHT).map_err(storage("reading the height"))? {
        None => 0,
        Some(bytes) => decode_u64("height", &bytes).unwrap_or_else(|e| {
            problems.add(None, e.to_string());
            0
        }),
    };
    let head_hash = match snap.get_cf(meta, META_LAST_HASH).map_err(storage("reading the head hash"))? {
        None => GENESIS_PREV_HASH.to_owned(),
        Some(bytes) => String::from_utf8(bytes).unwrap_or_else(|_| {
            problems.add(None, "head hash in meta is not UTF-8");
            String::new()
        }),
    };

    // The stored format (`open` refuses any other; a change here is tampering).
    match snap.get_cf(meta, META_FORMAT).map_err(storage("reading the stored format"))? {
        Some(bytes) if decode_u64("stored format", &bytes).ok() == Some(STORED_FORMAT) => {}
        Some(bytes) => {
            problems.add(None, format!("meta records stored format {} instead of {STORED_FORMAT}", hex::encode(&bytes)))
        }
        None => problems.add(None, format!("meta records no stored format (expected {STORED_FORMAT})")),
    }

    // 1-3: the chain and the write sets.
    let log_cf = ledger.cf(CF_LOG)?;
    let ws_cf = ledger.cf(CF_WRITESETS)?;
    let replay = Replay::new(scratch_parent)?;
    let mut expected = 1u64;
    let mut prev_hash: Option<String> = Some(GENESIS_PREV_HASH.to_owned());
    let mut last_block = 0u64;
    let mut entries_checked = 0u64;
    let mut seen_blocks = HashSet::new();
    for item in snap.iterator_cf(log_cf, IteratorMode::Start) {
        let (key, value) = item.map_err(storage("reading the log"))?;
        let block = match decode_block_key(&key) {
            Ok(b) => b,
            Err(e) => {
                problems.add(None, format!("log: {e}"));
                continue;
            }
        };
        entries_checked += 1;
        seen_blocks.insert(block);
        if block != expected {
            problems.add(
                Some(block.min(expected)),
                format!("log is not contiguous: expected block {expected}, found block {block}"),
            );
        }
        expected = block.saturating_add(1);
        last_block = block;

        let entry: LogEntry = match from_json(&format!("log entry {block}"), &value) {
            Ok(e) => e,
            Err(e) => {
                problems.add(Some(block), format!("unreadable log entry: {e}"));
                prev_hash = None;
                continue;
            }
        };
        if entry.block != block {
            problems.add(Some(block), format!("log entry stored at block {block} says block {}", entry.block));
        }
        match entry.compute_hash() {
            Ok(h) if h == entry.hash => {}
            Ok(h) => {
                problems.add(Some(block), format!("log entry hash mismatch: stored {}, recomputed {h}", entry.hash))
            }
            Err(e) => problems.add(Some(block), format!("cannot hash log entry: {e}")),
        }
        if let Some(prev) = &prev_hash {
            if &entry.prev_hash != prev {
                problems.add(
                    Some(block),
                    format!(
                        "prev_hash {} does not match the hash of block {} ({prev})",
                        entry.prev_hash,
                        block.saturating_sub(1)
                    ),
                );
            }
        }
        prev_hash = Some(entry.hash.clone());

        match snap.get_cf(ws_cf, block_key(block)).map_err(storage("reading a write set"))? {
            None => problems.add(Some(block), "write set missing"),
            Some(bytes) => {
                let h = sha256_hex(&bytes);
                if h != entry.write_set_sha256 {
                    problems.add(
                        Some(block),
                        format!(
                            "write set hash mismatch: log entry says {}, stored write set hashes to {h}",
                            entry.write_set_sha256
                        ),
                    );
                }
                match replay.apply(block, &bytes) {
                    Err(e) => problems.add(Some(block), format!("unreadable write set: {e}")),
                    Ok(ws) => {
                        if ws.event != entry.event {
                            problems.add(Some(block), "the log entry's event differs from the write set's");
                        }
                    }
                }
            }
        }
    }
    if last_block != height {
        problems.add(
            Some(last_block.max(height)),
            format!("meta records height {height} but the last log entry is block {last_block}"),
        );
    }
    let chain_head = prev_hash.unwrap_or_default();
    if chain_head != head_hash {
        problems.add(
            Some(last_block),
            format!("meta records head hash {head_hash} but the last log entry's hash is {chain_head}"),
        );
    }
    for item in snap.iterator_cf(ws_cf, IteratorMode::Start) {
        let (key, _) = item.map_err(storage("reading write sets"))?;
        match decode_block_key(&key) {
            Ok(block) if seen_blocks.contains(&block) => {}
            Ok(block) => problems.add(Some(block), "write set without a log entry"),
            Err(e) => problems.add(None, format!("write sets: {e}")),
        }
    }

    // 4a: state.
    let mut state_keys_checked = 0u64;
    let stored = snap.iterator_cf(ledger.cf(CF_STATE)?, IteratorMode::Start);
    merge(stored, replay.entries(R_STATE)?, "state", |raw_key, stored, replayed| {
        let replayed = replayed.map(Replayed::decode).transpose()?;
        let block = replayed.as_ref().map(Replayed::block);
        let Some(value) = stored else {
            if let Some(Replayed::Value { .. }) = replayed {
                problems.add(block, format!("state key {:?} is missing", String::from_utf8_lossy(raw_key)));
            }
            return Ok(());
        };
        state_keys_checked += 1;
        let Ok(key) = std::str::from_utf8(raw_key) else {
            problems.add(None, format!("state key is not UTF-8: {}", hex::encode(raw_key)));
            return Ok(());
        };
        match replayed {
            Some(Replayed::Value { value: expected, .. }) if expected == Sha256::digest(value).as_slice() => {}
            Some(Replayed::Value { .. }) => {
                problems.add(block, format!("state value of {key:?} differs from the replayed write sets"))
            }
            _ => problems.add(block, format!("state key {key:?} is not produced by the replayed write sets")),
        }
        Ok(())
    })?;

    // 4b: history.
    let mut history_entries_checked = 0u64;
    let stored = snap.iterator_cf_opt(ledger.cf(CF_HISTORY)?, crate::total_order(), IteratorMode::Start);
    merge(stored, replay.entries(R_HISTORY)?, "history", |raw_key, stored, replayed| {
        let expected = replayed.map(HistoryRecord::decode).transpose()?;
        let Some(value) = stored else {
            let (key, block) = decode_history_key(raw_key)?;
            problems.add(Some(block), format!("history entry of {key:?} at block {block} is missing"));
            return Ok(());
        };
        history_entries_checked += 1;
        let (key, block) = match decode_history_key(raw_key) {
            Ok(kb) => kb,
            Err(e) => {
                problems.add(None, format!("history: {e}"));
                return Ok(());
            }
        };
        match (expected, HistoryRecord::decode(value)) {
            (_, Err(e)) => problems.add(Some(block), format!("history of {key:?}: {e}")),
            (Some(expected), Ok(got)) if expected == got => {}
            (Some(_), Ok(_)) => problems
                .add(Some(block), format!("history entry of {key:?} at block {block} differs from the write set")),
            (None, Ok(_)) => {
                problems.add(Some(block), format!("history entry of {key:?} at block {block} is not in any write set"))
            }
        }
        Ok(())
    })?;

    // 4c: validation parameters.
    let stored = snap.iterator_cf(ledger.cf(CF_VPARAMS)?, IteratorMode::Start);
    merge(stored, replay.entries(R_VPARAMS)?, "validation parameters", |raw_key, stored, replayed| {
        let replayed = replayed.map(Replayed::decode).transpose()?;
        let block = replayed.as_ref().map(Replayed::block);
        let expected = match &replayed {
            Some(Replayed::Value { value, .. }) => Some(from_json::<EndorsementPolicy>("replayed policy", value)?),
            _ => None,
        };
        let Some(value) = stored else {
            if expected.is_some() {
                problems.add(block, format!("policy of {:?} is missing", String::from_utf8_lossy(raw_key)));
            }
            return Ok(());
        };
        let Ok(key) = std::str::from_utf8(raw_key) else {
            problems.add(None, format!("policy key is not UTF-8: {}", hex::encode(raw_key)));
            return Ok(());
        };
        match (expected, from_json::<EndorsementPolicy>("validation parameter", value)) {
            (_, Err(e)) => problems.add(block, format!("policy of {key:?}: {e}")),
            (Some(expected), Ok(got)) if expected == got => {}
            (Some(_), Ok(_)) => problems.add(block, format!("policy of {key:?} differs from the write sets")),
            (None, Ok(_)) => problems.add(block, format!("policy of {key:?} is not set by any write set")),
        }
        Ok(())
    })?;

    // 4d: private data hashes.
    let stored = snap.iterator_cf(ledger.cf(CF_PRIVATE_HASHES)?, IteratorMode::Start);
    merge(stored, replay.entries(R_PRIVATE_HASHES)?, "private data hashes", |raw_key, stored, replayed| {
        let replayed = replayed.map(Replayed::decode).transpose()?;
        let block = replayed.as_ref().map(Replayed::block);
        let what = || format!("private data hash {}", hex::encode(raw_key));
        match (stored, replayed) {
            (None, Some(Replayed::Value { .. })) => problems.add(block, format!("{} is missing", what())),
            (None, _) => {}
            (Some(got), Some(Replayed::Value { value, .. })) if got == value => {}
            (Some(_), Some(Replayed::Value { .. })) => {
                problems.add(block, format!("{} differs from the write sets", what()))
            }
            (Some(_), _) => problems.add(block, format!("{} is not written by any write set", what())),
        }
        Ok(())
    })?;

    // 5: private values against their hashes, and a value for every hash.
    let mut private_values_checked = 0u64;
    let hashes = ledger.cf(CF_PRIVATE_HASHES)?;
    let mut valued = HashSet::new();
    for item in snap.iterator_cf(ledger.cf(CF_PRIVATE)?, IteratorMode::Start) {
        let (raw_key, value) = item.map_err(storage("reading private data"))?;
        private_values_checked += 1;
        let split = raw_key.iter().position(|&b| b == 0);
        let Some((collection, key)) = split.map(|at| (&raw_key[..at], &raw_key[at + 1..])) else {
            problems.add(None, format!("private data key without a collection: {}", hex::encode(&raw_key)));
            continue;
        };
        let collection = String::from_utf8_lossy(collection);
        let hash_key = private_hash_key(&collection, &private_data_hash(key));
        match snap.get_cf(hashes, &hash_key).map_err(storage("reading a private data hash"))? {
            Some(hash) if hash == private_data_hash(&value) => {}
            Some(_) => {
                problems.add(None, format!("a private value of collection {collection:?} does not match its hash"))
            }
            None => {
                problems.add(None, format!("a private value of collection {collection:?} has no hash on the ledger"))
            }
        }
        valued.insert(hash_key);
    }
    for item in snap.iterator_cf(hashes, IteratorMode::Start) {
        let (raw_key, _) = item.map_err(storage("reading private data hashes"))?;
        if !valued.contains(&raw_key[..]) {
            problems.add(None, format!("the value of private data hash {} is missing", hex::encode(&raw_key)));
        }
    }

    Ok(CheckReport {
        height,
        head_hash,
        entries_checked,
        state_keys_checked,
        history_entries_checked,
        private_values_checked,
        problem_count: problems.count,
        problems: problems.list,
        first_bad: problems.first_bad,
    })
}
