//! How things are laid out in RocksDB, and the hashes of the transaction log.
//!
//! Column families and keys:
//!
//! | CF          | key                                   | value                           |
//! |-------------|---------------------------------------|---------------------------------|
//! | `state`     | state key (UTF-8)                     | raw value                       |
//! | `history`   | state key ‖ `0x00` ‖ block (u64 BE)   | [`HistoryRecord`] (binary)      |
//! | `vparams`   | state key                             | `EndorsementPolicy` JSON        |
//! | `log`       | block (u64 BE)                        | [`LogEntry`] JSON               |
//! | `writesets` | block (u64 BE)                        | write set ([`encode_write_set`])|
//! | `meta`      | `height` / `last_hash` / `format` / `collections` | u64 BE / hex string / u64 BE / JSON |
//! | `private`   | collection ‖ `0x00` ‖ key             | raw private value               |
//! | `private_hashes` | collection ‖ `0x00` ‖ SHA-256(key) | SHA-256(value) (32 bytes)    |
//!
//! Private values are kept apart: the write set (hash-chained into the log) carries only
//! the hashes of their keys and values, as a Fabric block carries a collection's hashed
//! writes, and `private_hashes` is what replaying the write sets gives.
//!
//! This is stored format 2 ([`STORED_FORMAT`]): each written value is stored twice, raw —
//! in `state` (while current) and in its block's write set — and a history entry only
//! says where in that write set its value is.
//!
//! All encodings written here are canonical, so the same data always gives the same bytes
//! (and the same hash): JSON structs serialise their fields in declaration order, and the
//! binary write set lists keys in ascending order.

use std::collections::BTreeMap;

use crate::sim::{private_data_hash, PrivateWrites, WriteSet};
use nanotrace_shim::{EndorsementPolicy, KeyModification, TxTimestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::LedgerError;

/// Column family of the world state: state key → raw value.
pub const CF_STATE: &str = "state";
/// Column family of key history: state key ‖ `0x00` ‖ block → one modification.
pub const CF_HISTORY: &str = "history";
/// Column family of key-level endorsement policies: state key → policy JSON.
pub const CF_VPARAMS: &str = "vparams";
/// Column family of the hash-chained log: block → [`LogEntry`] JSON.
pub const CF_LOG: &str = "log";
/// Column family of committed write sets: block → write set JSON.
pub const CF_WRITESETS: &str = "writesets";
/// Column family of the chain head: `height` and `last_hash`.
pub const CF_META: &str = "meta";
/// Column family of private data values: collection ‖ `0x00` ‖ key → value.
pub const CF_PRIVATE: &str = "private";
/// Column family of private data hashes: collection ‖ `0x00` ‖ SHA-256(key) → SHA-256(value).
pub const CF_PRIVATE_HASHES: &str = "private_hashes";
pub(crate) const ALL_CFS: [&str; 8] =
    [CF_STATE, CF_HISTORY, CF_VPARAMS, CF_LOG, CF_WRITESETS, CF_META, CF_PRIVATE, CF_PRIVATE_HASHES];

pub(crate) const META_HEIGHT: &[u8] = b"height";
pub(crate) const META_LAST_HASH: &[u8] = b"last_hash";
pub(crate) const META_FORMAT: &[u8] = b"format";
pub(crate) const META_COLLECTIONS: &[u8] = b"collections";

/// A transaction's private writes as its write set records them: by collection, by
/// SHA-256 of the key, the SHA-256 of the value (`None` = delete).
pub(crate) type HashedWrites = BTreeMap<String, BTreeMap<[u8; 32], Option<[u8; 32]>>>;

/// The hashes of `private`'s writes.
pub(crate) fn hashed_writes(private: &PrivateWrites) -> HashedWrites {
    private
        .iter()
        .map(|(collection, writes)| {
            let hashed = writes
                .iter()
                .map(|(key, value)| (private_data_hash(key.as_bytes()), value.as_deref().map(private_data_hash)))
                .collect();
            (collection.clone(), hashed)
        })
        .collect()
}

/// The `private` key of `key` in `collection` (collection names hold no `0x00`).
pub(crate) fn private_key(collection: &str, key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(collection.len() + 1 + key.len());
    out.extend_from_slice(collection.as_bytes());
    out.push(0);
    out.extend_from_slice(key.as_bytes());
    out
}

/// The `private_hashes` key of the key hashed to `key_hash` in `collection`.
pub(crate) fn private_hash_key(collection: &str, key_hash: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(collection.len() + 33);
    out.extend_from_slice(collection.as_bytes());
    out.push(0);
    out.extend_from_slice(key_hash);
    out
}

/// What committing `hashed` does to `private_hashes`: key → value hash (`None`: delete).
/// Shared by commit and by `check`'s replay so they cannot differ.
pub(crate) fn private_hash_entries(hashed: &HashedWrites) -> impl Iterator<Item = (Vec<u8>, Option<&[u8; 32]>)> {
    hashed.iter().flat_map(|(collection, writes)| {
        writes.iter().map(move |(key_hash, value_hash)| (private_hash_key(collection, key_hash), value_hash.as_ref()))
    })
}

/// `prev_hash` of block 1: 64 zeros.
pub const GENESIS_PREV_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 (hex) of the transaction arguments: each argument as its length (u64
/// big-endian) followed by its bytes, concatenated.
pub fn args_sha256(args: &[Vec<u8>]) -> String {
    let mut hasher = Sha256::new();
    for arg in args {
        hasher.update((arg.len() as u64).to_be_bytes());
        hasher.update(arg);
    }
    hex::encode(hasher.finalize())
}

pub(crate) fn block_key(block: u64) -> [u8; 8] {
    block.to_be_bytes()
}

pub(crate) fn decode_block_key(key: &[u8]) -> Result<u64, LedgerError> {
    let bytes: [u8; 8] =
        key.try_into().map_err(|_| LedgerError::Corrupt(format!("block key of {} bytes (expected 8)", key.len())))?;
    Ok(u64::from_be_bytes(bytes))
}

pub(crate) fn decode_u64(what: &str, bytes: &[u8]) -> Result<u64, LedgerError> {
    let bytes: [u8; 8] =
        bytes.try_into().map_err(|_| LedgerError::Corrupt(format!("{what} is {} bytes (expected 8)", bytes.len())))?;
    Ok(u64::from_be_bytes(bytes))
}

/// `key ‖ 0x00`: every history entry of `key` starts with it.
pub(crate) fn history_prefix(key: &str) -> Vec<u8> {
    let mut prefix = Vec::with_capacity(key.len() + 9);
    prefix.extend_from_slice(key.as_bytes());
    prefix.push(0);
    prefix
}

/// The name RocksDB records in each `history` table with its prefix filter: a table whose
/// recorded name differs (written before the filter, or by another extractor) is read
/// without its filter.
pub(crate) const HISTORY_PREFIX_EXTRACTOR: &str = "nanotrace.history-entry-key.v1";

/// Whether `raw` has the shape of a `history` entry's key, `… ‖ 0x00 ‖ block (8 bytes)`:
/// the domain of [`history_entry_prefix`].
pub(crate) fn is_history_entry_key(raw: &[u8]) -> bool {
    raw.len() >= 9 && raw[raw.len() - 9] == 0
}

/// The prefix RocksDB's filter keeps of a `history` entry's key: the entry's key without
/// its block, `key ‖ 0x00` ([`history_prefix`]), which every entry of one state key
/// shares. Called by RocksDB for keys [`is_history_entry_key`] accepts (and never
/// panics on others: it would abort through the C++ frame).
pub(crate) fn history_entry_prefix(raw: &[u8]) -> &[u8] {
    &raw[..raw.len().saturating_sub(8)]
}

pub(crate) fn history_key(key: &str, block: u64) -> Vec<u8> {
    let mut k = history_prefix(key);
    k.extend_from_slice(&block.to_be_bytes());
    k
}

/// Splits a history CF key into the state key and the block.
pub(crate) fn decode_history_key(raw: &[u8]) -> Result<(String, u64), LedgerError> {
    let split = raw
        .len()
        .checked_sub(9)
        .filter(|&at| raw[at] == 0)
        .ok_or_else(|| LedgerError::Corrupt(format!("malformed history key {}", hex::encode(raw))))?;
    let key = std::str::from_utf8(&raw[..split])
        .map_err(|_| LedgerError::Corrupt(format!("history key is not UTF-8: {}", hex::encode(raw))))?;
    let block = decode_u64("history block", &raw[split + 1..])?;
    Ok((key.to_owned(), block))
}

pub(crate) fn to_json<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, LedgerError> {
    serde_json::to_vec(value).map_err(|source| LedgerError::Encode { what, source })
}

pub(crate) fn from_json<'a, T: Deserialize<'a>>(what: &str, bytes: &'a [u8]) -> Result<T, LedgerError> {
    serde_json::from_slice(bytes).map_err(|e| LedgerError::Corrupt(format!("{what}: {e}")))
}

/// One entry of the hash-chained transaction log: one per committed transaction.
///
/// `hash` is the hex SHA-256 of the entry's canonical JSON without `hash` (the other
/// fields in declaration order; see [`LogEntry::compute_hash`]); `prev_hash` is the
/// previous entry's `hash` ([`GENESIS_PREV_HASH`] for block 1). The event payload is
/// written as hex in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    /// Block number, from 1; one transaction per block.
    pub block: u64,
    /// The transaction ID.
    pub tx_id: String,
    /// The transaction timestamp.
    pub timestamp: TxTimestamp,
    /// MSP ID of the identity that submitted the transaction.
    pub creator_msp: String,
    /// Hex SHA-256 of the creator's identity bytes (certificate).
    pub creator_id_sha256: String,
    /// The contract function called (its wire name).
    pub function: String,
    /// See [`args_sha256`].
    pub args_sha256: String,
    /// Hex SHA-256 of the stored (canonical JSON) write set of this block.
    pub write_set_sha256: String,
    /// The chaincode event: (name, payload); `None` when the transaction set none.
    #[serde(with = "event_hex")]
    pub event: Option<(String, Vec<u8>)>,
    /// `hash` of the previous entry; [`GENESIS_PREV_HASH`] for block 1.
    pub prev_hash: String,
    /// Hex SHA-256 of [`LogEntry::canonical_body`].
    pub hash: String,
}

/// What a history entry reports of its block's [`LogEntry`], read without the rest: an
/// `ApplyBatch`'s event payload is tens of kilobytes of hex, and decoding it for every
/// history entry was 30 % of the verifier's cache build (issue 49). Other fields are
/// skipped, not checked: [`crate::Ledger::check`] reads whole entries.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct LogStamp {
    pub(crate) block: u64,
    pub(crate) tx_id: String,
    pub(crate) timestamp: TxTimestamp,
}

/// The hashed part of a [`LogEntry`]: every field but `hash`, in the same order.
#[derive(Serialize)]
struct LogEntryBody<'a> {
    block: u64,
    tx_id: &'a str,
    timestamp: TxTimestamp,
    creator_msp: &'a str,
    creator_id_sha256: &'a str,
    function: &'a str,
    args_sha256: &'a str,
    write_set_sha256: &'a str,
    #[serde(with = "event_hex")]
    event: Option<(String, Vec<u8>)>,
    prev_hash: &'a str,
}

impl LogEntry {
    /// The canonical JSON of the entry without `hash`: the bytes `hash` is computed over.
    pub fn canonical_body(&self) -> Result<Vec<u8>, LedgerError> {
        let body = LogEntryBody {
            block: self.block,
            tx_id: &self.tx_id,
            timestamp: self.timestamp,
            creator_msp: &self.creator_msp,
            creator_id_sha256: &self.creator_id_sha256,
            function: &self.function,
            args_sha256: &self.args_sha256,
            write_set_sha256: &self.write_set_sha256,
            event: self.event.clone(),
            prev_hash: &self.prev_hash,
        };
        to_json("log entry", &body)
    }

    /// Hex SHA-256 of [`LogEntry::canonical_body`].
    pub fn compute_hash(&self) -> Result<String, LedgerError> {
        Ok(sha256_hex(&self.canonical_body()?))
    }
}

/// Serde for `Option<(name, payload)>` as `null` or `{"name": .., "payload_hex": ..}`.
mod event_hex {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    struct Out<'a> {
        name: &'a str,
        payload_hex: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct In {
        name: String,
        payload_hex: String,
    }

    // `&Option<..>` is what serde's `with` passes; clippy's preference does not apply.
    #[allow(clippy::ref_option)]
    pub(super) fn serialize<S: Serializer>(
        event: &Option<(String, Vec<u8>)>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        event.as_ref().map(|(name, payload)| Out { name, payload_hex: hex::encode(payload) }).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<(String, Vec<u8>)>, D::Error> {
        Option::<In>::deserialize(deserializer)?
            .map(|e| hex::decode(&e.payload_hex).map(|payload| (e.name, payload)).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// The stored format of every record this version writes and reads, recorded in `meta`
/// under `format` (u64 big-endian) when a ledger is created.
///
/// - Format 1 (no `format` record): write sets as canonical JSON with hex values, and
///   each history entry holding a hex copy of the value. Refused by [`crate::Ledger::open`]
///   with [`crate::LedgerError::UnsupportedFormat`].
/// - Format 2: write sets in a length-prefixed binary encoding (each value once, raw;
///   see the `codec` module), history entries naming where the value is in their block's
///   write set.
pub const STORED_FORMAT: u64 = 2;

/// First byte of a format-2 write set (a format-1 one starts with `{`).
const WRITE_SET_TAG: u8 = 2;
/// First byte of a format-2 history entry.
const HISTORY_TAG: u8 = 2;

/// Where a written value sits in its block's encoded write set: `(offset, length)`.
pub(crate) type Span = (u32, u32);

/// Appends `len` as a u32 big-endian length prefix.
fn put_len(out: &mut Vec<u8>, len: usize, what: &str) -> Result<(), LedgerError> {
    let len = u32::try_from(len)
        .map_err(|_| LedgerError::Corrupt(format!("{what} of {len} bytes is too large for the write set encoding")))?;
    out.extend_from_slice(&len.to_be_bytes());
    Ok(())
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8], what: &str) -> Result<(), LedgerError> {
    put_len(out, bytes.len(), what)?;
    out.extend_from_slice(bytes);
    Ok(())
}

/// A write set in its stored encoding, with where each written value is in it.
pub(crate) struct EncodedWriteSet {
    /// The bytes stored in `writesets` (and hashed into the log entry).
    pub(crate) bytes: Vec<u8>,
    /// One per write, in key order: the value's span, `None` for a delete.
    pub(crate) spans: Vec<Option<Span>>,
}

/// The canonical bytes of a write set (what `write_set_sha256` hashes), format 2:
///
/// ```text
/// 0x02
/// u32 n ; n × ( u32 len ‖ key ‖ 0x00 (delete) | 0x01 ‖ u32 len ‖ value )   keys ascending
/// u32 m ; m × ( u32 len ‖ key ‖ u32 len ‖ policy as canonical JSON )         keys ascending
/// 0x00 (no event) | 0x01 ‖ u32 len ‖ name ‖ u32 len ‖ payload
/// [ 0x01 ‖ u32 c ; c × ( u32 len ‖ collection ‖ u32 n ;                       only with private writes
///        n × ( 32-byte key hash ‖ 0x00 (delete) | 0x01 ‖ 32-byte value hash ) ) ]
/// ```
///
/// All lengths are u32 big-endian; collections and key hashes ascending. Each value is
/// stored once, as is; a private value not at all, only its hash. A write set without
/// private writes has no trailer, so the bytes of every block written before private data
/// existed are what they were.
#[cfg(test)]
pub(crate) fn encode_write_set(ws: &WriteSet) -> Result<EncodedWriteSet, LedgerError> {
    encode_parts(ws, &hashed_writes(&ws.private))
}

/// [`encode_write_set`] of `ws`'s public part with the private writes `hashed`.
pub(crate) fn encode_parts(ws: &WriteSet, hashed: &HashedWrites) -> Result<EncodedWriteSet, LedgerError> {
    let mut size = 1 + 4 + 4 + 1;
    for (key, value) in &ws.writes {
        size += 4 + key.len() + 1 + value.as_ref().map_or(0, |v| 4 + v.len());
    }
    for key in ws.validation_parameters.keys() {
        size += 4 + key.len() + 4 + 64;
    }
    if let Some((name, payload)) = &ws.event {
        size += 8 + name.len() + payload.len();
    }
    let mut out = Vec::with_capacity(size);
    let mut spans = Vec::with_capacity(ws.writes.len());
    out.push(WRITE_SET_TAG);
    put_len(&mut out, ws.writes.len(), "write count")?;
    for (key, value) in &ws.writes {
        put_bytes(&mut out, key.as_bytes(), "key")?;
        match value {
            None => {
                out.push(0);
                spans.push(None);
            }
            Some(v) => {
                out.push(1);
                put_bytes(&mut out, v, "value")?;
                let end = out.len();
                let offset = end - v.len();
                let offset = u32::try_from(offset)
                    .map_err(|_| LedgerError::Corrupt(format!("write set of {end} bytes is too large")))?;
                spans.push(Some((offset, v.len() as u32)));
            }
        }
    }
    put_len(&mut out, ws.validation_parameters.len(), "policy count")?;
    for (key, policy) in &ws.validation_parameters {
        put_bytes(&mut out, key.as_bytes(), "key")?;
        put_bytes(&mut out, &to_json("validation parameter", policy)?, "policy")?;
    }
    match &ws.event {
        None => out.push(0),
        Some((name, payload)) => {
            out.push(1);
            put_bytes(&mut out, name.as_bytes(), "event name")?;
            put_bytes(&mut out, payload, "event payload")?;
        }
    }
    if !hashed.is_empty() {
        out.push(1);
        put_len(&mut out, hashed.len(), "collection count")?;
        for (collection, writes) in hashed {
            put_bytes(&mut out, collection.as_bytes(), "collection")?;
            put_len(&mut out, writes.len(), "private write count")?;
            for (key_hash, value_hash) in writes {
                out.extend_from_slice(key_hash);
                match value_hash {
                    None => out.push(0),
                    Some(hash) => {
                        out.push(1);
                        out.extend_from_slice(hash);
                    }
                }
            }
        }
    }
    Ok(EncodedWriteSet { bytes: out, spans })
}

/// Reads a format-2 write set; every malformation is [`LedgerError::Corrupt`].
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn corrupt(&self, what: &str) -> LedgerError {
        LedgerError::Corrupt(format!("write set: {what} at byte {} of {}", self.pos, self.bytes.len()))
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], LedgerError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| self.corrupt(what))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn byte(&mut self, what: &str) -> Result<u8, LedgerError> {
        Ok(self.take(1, what)?[0])
    }

    fn len(&mut self, what: &str) -> Result<usize, LedgerError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn bytes(&mut self, what: &str) -> Result<&'a [u8], LedgerError> {
        let n = self.len(what)?;
        self.take(n, what)
    }

    /// A key that must sort after every key already in `map` (keys are stored ascending).
    fn key_after<V>(&mut self, map: &std::collections::BTreeMap<String, V>, what: &str) -> Result<String, LedgerError> {
        let key = self.text(what)?;
        if map.last_key_value().is_some_and(|(last, _)| *last >= key) {
            return Err(self.corrupt(&format!("{what} {key:?} is not in strictly ascending order")));
        }
        Ok(key)
    }

    fn hash(&mut self, what: &str) -> Result<[u8; 32], LedgerError> {
        let b = self.take(32, what)?;
        b.try_into().map_err(|_| self.corrupt(what))
    }

    fn text(&mut self, what: &str) -> Result<String, LedgerError> {
        let b = self.bytes(what)?;
        std::str::from_utf8(b).map(str::to_owned).map_err(|_| self.corrupt(&format!("{what} is not UTF-8")))
    }
}

/// Decodes a stored write set: its public part, and its private writes as hashes. Only
/// the canonical encoding is accepted (keys strictly ascending, policies in canonical
/// JSON, no empty trailer, no trailing bytes), so decoding and re-encoding
/// ([`encode_parts`]) gives the same bytes.
pub(crate) fn decode_write_set(bytes: &[u8]) -> Result<(WriteSet, HashedWrites), LedgerError> {
    let mut r = Reader { bytes, pos: 0 };
    match r.byte("format tag")? {
        WRITE_SET_TAG => {}
        b'{' => {
            return Err(LedgerError::Corrupt(format!(
                "write set is in stored format 1 (JSON); this version reads format {STORED_FORMAT}"
            )))
        }
        other => return Err(LedgerError::Corrupt(format!("write set starts with unknown tag {other:#04x}"))),
    }
    let mut ws = WriteSet::default();
    let n = r.len("write count")?;
    for _ in 0..n {
        let key = r.key_after(&ws.writes, "key")?;
        let value = match r.byte("write kind")? {
            0 => None,
            1 => Some(r.bytes("value")?.to_vec()),
            other => return Err(r.corrupt(&format!("write kind {other}"))),
        };
        ws.writes.insert(key, value);
    }
    let m = r.len("policy count")?;
    for _ in 0..m {
        let key = r.key_after(&ws.validation_parameters, "policy key")?;
        let json = r.bytes("policy")?;
        let policy: EndorsementPolicy = from_json("write set policy", json)?;
        if to_json("validation parameter", &policy)? != json {
            return Err(r.corrupt(&format!("policy of {key:?} is not canonical JSON")));
        }
        ws.validation_parameters.insert(key, policy);
    }
    ws.event = match r.byte("event tag")? {
        0 => None,
        1 => {
            let name = r.text("event name")?;
            Some((name, r.bytes("event payload")?.to_vec()))
        }
        other => return Err(r.corrupt(&format!("event tag {other}"))),
    };
    let mut hashed = HashedWrites::new();
    if r.pos != bytes.len() {
        if r.byte("private writes tag")? != 1 {
            return Err(r.corrupt("trailing bytes"));
        }
        let c = r.len("collection count")?;
        if c == 0 {
            return Err(r.corrupt("an empty private writes trailer"));
        }
        for _ in 0..c {
            let collection = r.key_after(&hashed, "collection")?;
            let n = r.len("private write count")?;
            if n == 0 {
                return Err(r.corrupt(&format!("collection {collection:?} without writes")));
            }
            let mut writes = BTreeMap::new();
            for _ in 0..n {
                let key_hash = r.hash("private key hash")?;
                if writes.last_key_value().is_some_and(|(last, _)| *last >= key_hash) {
                    return Err(r.corrupt("private key hashes are not in strictly ascending order"));
                }
                let value_hash = match r.byte("private write kind")? {
                    0 => None,
                    1 => Some(r.hash("private value hash")?),
                    other => return Err(r.corrupt(&format!("private write kind {other}"))),
                };
                writes.insert(key_hash, value_hash);
            }
            hashed.insert(collection, writes);
        }
        if r.pos != bytes.len() {
            return Err(r.corrupt("trailing bytes"));
        }
    }
    Ok((ws, hashed))
}

/// A history entry as stored (format 2): not the value, but where it is in the write set
/// of the entry's block (the block is in the key; the tx ID and timestamp are in the
/// block's log entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HistoryRecord {
    /// The key was deleted.
    Delete,
    /// The key was written; its value is `len` bytes at `offset` of the write set.
    Put {
        /// Byte offset of the value in the encoded write set.
        offset: u32,
        /// Length of the value.
        len: u32,
    },
}

impl HistoryRecord {
    pub(crate) fn of(span: Option<Span>) -> Self {
        match span {
            None => HistoryRecord::Delete,
            Some((offset, len)) => HistoryRecord::Put { offset, len },
        }
    }

    /// `0x02 ‖ 0x01` for a delete; `0x02 ‖ 0x00 ‖ offset (u32 BE) ‖ len (u32 BE)` for a put.
    pub(crate) fn encode(self) -> Vec<u8> {
        match self {
            HistoryRecord::Delete => vec![HISTORY_TAG, 1],
            HistoryRecord::Put { offset, len } => {
                let mut out = Vec::with_capacity(10);
                out.extend_from_slice(&[HISTORY_TAG, 0]);
                out.extend_from_slice(&offset.to_be_bytes());
                out.extend_from_slice(&len.to_be_bytes());
                out
            }
        }
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, LedgerError> {
        match bytes {
            [HISTORY_TAG, 1] => Ok(HistoryRecord::Delete),
            [HISTORY_TAG, 0, o0, o1, o2, o3, l0, l1, l2, l3] => Ok(HistoryRecord::Put {
                offset: u32::from_be_bytes([*o0, *o1, *o2, *o3]),
                len: u32::from_be_bytes([*l0, *l1, *l2, *l3]),
            }),
            _ => Err(LedgerError::Corrupt(format!("malformed history entry {}", hex::encode(bytes)))),
        }
    }

    /// The value this entry names in `write_set` (empty for a delete).
    pub(crate) fn value(self, write_set: &[u8]) -> Result<&[u8], LedgerError> {
        match self {
            HistoryRecord::Delete => Ok(&[]),
            HistoryRecord::Put { offset, len } => (offset as usize)
                .checked_add(len as usize)
                .and_then(|end| write_set.get(offset as usize..end))
                .ok_or_else(|| {
                    LedgerError::Corrupt(format!(
                        "history entry names bytes {offset}+{len} of a write set of {} bytes",
                        write_set.len()
                    ))
                }),
        }
    }
}

/// What committing one write set does to state, history and validation parameters,
/// by Fabric's rules. Shared by commit and by `check`'s replay so they cannot differ.
#[derive(Debug, Default)]
pub(crate) struct Mutations<'a> {
    /// `None` = delete.
    pub(crate) state: Vec<(&'a str, Option<&'a [u8]>)>,
    /// The stored history entry of each written key.
    pub(crate) history: Vec<(&'a str, HistoryRecord)>,
    pub(crate) vparam_deletes: Vec<&'a str>,
    pub(crate) vparam_puts: Vec<(&'a str, &'a EndorsementPolicy)>,
}

impl<'a> Mutations<'a> {
    /// `encoded` is `encode_write_set(ws)`; `exists` answers whether a key exists in the
    /// state committed before this block.
    pub(crate) fn of<F>(ws: &'a WriteSet, encoded: &EncodedWriteSet, exists: F) -> Result<Self, LedgerError>
    where
        F: FnMut(&str) -> Result<bool, nanotrace_shim::StubError>,
    {
        if encoded.spans.len() != ws.writes.len() {
            return Err(LedgerError::Corrupt("write set encoding out of step with its writes".to_owned()));
        }
        let mut m = Mutations {
            state: Vec::with_capacity(ws.writes.len()),
            history: Vec::with_capacity(ws.writes.len()),
            ..Mutations::default()
        };
        for ((key, value), span) in ws.writes.iter().zip(&encoded.spans) {
            m.state.push((key.as_str(), value.as_deref()));
            m.history.push((key.as_str(), HistoryRecord::of(*span)));
        }
        m.vparam_deletes = ws.deleted_keys().collect();
        m.vparam_puts = ws.effective_validation_parameters(exists)?;
        Ok(m)
    }
}

/// The tx ID and timestamp of a history entry, from its block's log entry.
pub(crate) fn modification(
    entry: LogStamp,
    record: HistoryRecord,
    write_set: &[u8],
) -> Result<KeyModification, LedgerError> {
    Ok(KeyModification {
        tx_id: entry.tx_id,
        timestamp: entry.timestamp,
        value: record.value(write_set)?.to_vec(),
        is_delete: record == HistoryRecord::Delete,
    })
}

#[cfg(test)]
mod tests;
