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
//!    families, key by key, in both directions (changed, extra and missing entries).
//!
//! **Detected**: any change to a stored log entry (content or hash), a removed,
//! inserted or reordered entry, a changed or missing write set, any changed, added or
//! removed state value, history entry or validation parameter, and `meta` out of step
//! with the chain.
//!
//! **Not detected**: a *consistent* rewrite — someone who changes a block and then
//! recomputes every later hash, write set, state, history and `meta` (or truncates the
//! tail and fixes `meta`) produces a ledger that checks clean. The chain is not
//! signed or anchored anywhere; compare [`CheckReport::head_hash`] with a copy kept
//! elsewhere to catch that. Transaction arguments and the creator's certificate are
//! stored only as hashes, so `check` can tell they were not altered but not what they
//! were. Formatting-only changes to a log entry's JSON (whitespace, field order) that
//! keep every value are not reported, since the hash covers the canonical form.

use std::collections::{BTreeMap, HashMap, HashSet};

use nanotrace_shim::EndorsementPolicy;
use rocksdb::IteratorMode;
use serde::{Deserialize, Serialize};

use crate::codec::{
    block_key, decode_block_key, decode_history_key, decode_u64, decode_write_set, encode_write_set, from_json,
    sha256_hex, HistoryRecord, LogEntry, Mutations, CF_HISTORY, CF_LOG, CF_META, CF_STATE, CF_VPARAMS, CF_WRITESETS,
    GENESIS_PREV_HASH, META_FORMAT, META_HEIGHT, META_LAST_HASH, STORED_FORMAT,
};
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

/// The state obtained by replaying the write sets.
#[derive(Default)]
struct Replay {
    state: BTreeMap<String, Vec<u8>>,
    /// Last block that wrote (or deleted) each key.
    last_write: HashMap<String, u64>,
    /// The history entry each (key, block) must have.
    history: BTreeMap<(String, u64), HistoryRecord>,
    vparams: BTreeMap<String, EndorsementPolicy>,
    /// Last block that set or removed each policy.
    vparam_block: HashMap<String, u64>,
}

impl Replay {
    /// Applies the write set `bytes` of `block`. The bytes must be the canonical encoding
    /// of what they decode to, since history entries name spans of them.
    fn apply(&mut self, block: u64, bytes: &[u8]) -> Result<crate::sim::WriteSet, LedgerError> {
        let ws = decode_write_set(bytes)?;
        let encoded = encode_write_set(&ws)?;
        if encoded.bytes != bytes {
            return Err(LedgerError::Corrupt("write set is not in its canonical encoding".to_owned()));
        }
        let state = &self.state;
        let m = Mutations::of(&ws, &encoded, |k| Ok(state.contains_key(k)))?;
        for (key, value) in m.state {
            self.last_write.insert(key.to_owned(), block);
            match value {
                Some(v) => {
                    self.state.insert(key.to_owned(), v.to_vec());
                }
                None => {
                    self.state.remove(key);
                }
            }
        }
        for (key, record) in m.history {
            self.history.insert((key.to_owned(), block), record);
        }
        for key in m.vparam_deletes {
            if self.vparams.remove(key).is_some() {
                self.vparam_block.insert(key.to_owned(), block);
            }
        }
        for (key, policy) in m.vparam_puts {
            self.vparam_block.insert(key.to_owned(), block);
            self.vparams.insert(key.to_owned(), policy.clone());
        }
        Ok(ws)
    }
}

pub(crate) fn run(ledger: &Ledger) -> Result<CheckReport, LedgerError> {
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
    let mut replay = Replay::default();
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
    for item in snap.iterator_cf(ledger.cf(CF_STATE)?, IteratorMode::Start) {
        let (raw_key, value) = item.map_err(storage("reading state"))?;
        state_keys_checked += 1;
        let Ok(key) = String::from_utf8(raw_key.to_vec()) else {
            problems.add(None, format!("state key is not UTF-8: {}", hex::encode(&raw_key)));
            continue;
        };
        let last = replay.last_write.get(&key).copied();
        match replay.state.remove(&key) {
            Some(expected) if *expected == *value => {}
            Some(_) => problems.add(last, format!("state value of {key:?} differs from the replayed write sets")),
            None => problems.add(last, format!("state key {key:?} is not produced by the replayed write sets")),
        }
    }
    for key in replay.state.keys() {
        problems.add(replay.last_write.get(key).copied(), format!("state key {key:?} is missing"));
    }

    // 4b: history.
    let mut history_entries_checked = 0u64;
    for item in snap.iterator_cf_opt(ledger.cf(CF_HISTORY)?, crate::total_order(), IteratorMode::Start) {
        let (raw_key, value) = item.map_err(storage("reading history"))?;
        history_entries_checked += 1;
        let (key, block) = match decode_history_key(&raw_key) {
            Ok(kb) => kb,
            Err(e) => {
                problems.add(None, format!("history: {e}"));
                continue;
            }
        };
        let stored = HistoryRecord::decode(&value);
        match (replay.history.remove(&(key.clone(), block)), stored) {
            (_, Err(e)) => problems.add(Some(block), format!("history of {key:?}: {e}")),
            (Some(expected), Ok(got)) if expected == got => {}
            (Some(_), Ok(_)) => problems
                .add(Some(block), format!("history entry of {key:?} at block {block} differs from the write set")),
            (None, Ok(_)) => {
                problems.add(Some(block), format!("history entry of {key:?} at block {block} is not in any write set"))
            }
        }
    }
    for (key, block) in replay.history.keys() {
        problems.add(Some(*block), format!("history entry of {key:?} at block {block} is missing"));
    }

    // 4c: validation parameters.
    for item in snap.iterator_cf(ledger.cf(CF_VPARAMS)?, IteratorMode::Start) {
        let (raw_key, value) = item.map_err(storage("reading validation parameters"))?;
        let Ok(key) = String::from_utf8(raw_key.to_vec()) else {
            problems.add(None, format!("policy key is not UTF-8: {}", hex::encode(&raw_key)));
            continue;
        };
        let block = replay.vparam_block.get(&key).copied();
        let stored = from_json::<EndorsementPolicy>("validation parameter", &value);
        match (replay.vparams.remove(&key), stored) {
            (_, Err(e)) => problems.add(block, format!("policy of {key:?}: {e}")),
            (Some(expected), Ok(got)) if expected == got => {}
            (Some(_), Ok(_)) => problems.add(block, format!("policy of {key:?} differs from the write sets")),
            (None, Ok(_)) => problems.add(block, format!("policy of {key:?} is not set by any write set")),
        }
    }
    for key in replay.vparams.keys() {
        problems.add(replay.vparam_block.get(key).copied(), format!("policy of {key:?} is missing"));
    }

    Ok(CheckReport {
        height,
        head_hash,
        entries_checked,
        state_keys_checked,
        history_entries_checked,
        problem_count: problems.count,
        problems: problems.list,
        first_bad: problems.first_bad,
    })
}
