//! How things are laid out in RocksDB, and the hashes of the transaction log.
//!
//! Column families and keys:
//!
//! | CF          | key                                   | value                           |
//! |-------------|---------------------------------------|---------------------------------|
//! | `state`     | state key (UTF-8)                     | raw value                       |
//! | `history`   | state key ‖ `0x00` ‖ block (u64 BE)   | [`StoredModification`] JSON     |
//! | `vparams`   | state key                             | `EndorsementPolicy` JSON        |
//! | `log`       | block (u64 BE)                        | [`LogEntry`] JSON               |
//! | `writesets` | block (u64 BE)                        | [`StoredWriteSet`] JSON         |
//! | `meta`      | `height` / `last_hash`                | u64 BE / hex string             |
//!
//! All JSON written here is canonical: structs serialise their fields in declaration
//! order and maps are written as key-ordered lists, so the same data always gives the
//! same bytes (and the same hash).

use crate::sim::WriteSet;
use nanotrace_chaincode::stub::{EndorsementPolicy, KeyModification, TxTimestamp};
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
pub(crate) const ALL_CFS: [&str; 6] = [CF_STATE, CF_HISTORY, CF_VPARAMS, CF_LOG, CF_WRITESETS, CF_META];

pub(crate) const META_HEIGHT: &[u8] = b"height";
pub(crate) const META_LAST_HASH: &[u8] = b"last_hash";

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

/// A history entry as stored (the value as hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredModification {
    tx_id: String,
    timestamp: TxTimestamp,
    value_hex: String,
    is_delete: bool,
}

impl StoredModification {
    pub(crate) fn from_modification(m: &KeyModification) -> Self {
        Self {
            tx_id: m.tx_id.clone(),
            timestamp: m.timestamp,
            value_hex: hex::encode(&m.value),
            is_delete: m.is_delete,
        }
    }

    pub(crate) fn into_modification(self) -> Result<KeyModification, LedgerError> {
        let value =
            hex::decode(&self.value_hex).map_err(|e| LedgerError::Corrupt(format!("history value is not hex: {e}")))?;
        Ok(KeyModification { tx_id: self.tx_id, timestamp: self.timestamp, value, is_delete: self.is_delete })
    }
}

/// A write set as stored next to its log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredWriteSet {
    writes: Vec<StoredWrite>,
    validation_parameters: Vec<StoredParam>,
    #[serde(with = "event_hex")]
    event: Option<(String, Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredWrite {
    key: String,
    /// `None` = delete.
    value_hex: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredParam {
    key: String,
    policy: EndorsementPolicy,
}

/// The canonical bytes of a write set (what `write_set_sha256` hashes).
pub(crate) fn encode_write_set(ws: &WriteSet) -> Result<Vec<u8>, LedgerError> {
    let stored = StoredWriteSet {
        writes: ws
            .writes
            .iter()
            .map(|(key, value)| StoredWrite { key: key.clone(), value_hex: value.as_ref().map(hex::encode) })
            .collect(),
        validation_parameters: ws
            .validation_parameters
            .iter()
            .map(|(key, policy)| StoredParam { key: key.clone(), policy: policy.clone() })
            .collect(),
        event: ws.event.clone(),
    };
    to_json("write set", &stored)
}

pub(crate) fn decode_write_set(bytes: &[u8]) -> Result<WriteSet, LedgerError> {
    let stored: StoredWriteSet = from_json("write set", bytes)?;
    let mut ws = WriteSet { event: stored.event, ..WriteSet::default() };
    for w in stored.writes {
        let value = w
            .value_hex
            .map(|h| hex::decode(h).map_err(|e| LedgerError::Corrupt(format!("write set value is not hex: {e}"))))
            .transpose()?;
        if ws.writes.insert(w.key.clone(), value).is_some() {
            return Err(LedgerError::Corrupt(format!("write set writes {:?} twice", w.key)));
        }
    }
    for p in stored.validation_parameters {
        if ws.validation_parameters.insert(p.key.clone(), p.policy).is_some() {
            return Err(LedgerError::Corrupt(format!("write set sets the policy of {:?} twice", p.key)));
        }
    }
    Ok(ws)
}

/// What committing one write set does to state, history and validation parameters,
/// by Fabric's rules. Shared by commit and by `check`'s replay so they cannot differ.
#[derive(Debug, Default)]
pub(crate) struct Mutations {
    /// `None` = delete.
    pub(crate) state: Vec<(String, Option<Vec<u8>>)>,
    pub(crate) history: Vec<(String, KeyModification)>,
    pub(crate) vparam_deletes: Vec<String>,
    pub(crate) vparam_puts: Vec<(String, EndorsementPolicy)>,
}

impl Mutations {
    /// `exists` answers whether a key exists in the state committed before this block.
    pub(crate) fn of<F>(ws: &WriteSet, tx_id: &str, timestamp: TxTimestamp, exists: F) -> Result<Self, LedgerError>
    where
        F: FnMut(&str) -> Result<bool, nanotrace_chaincode::stub::StubError>,
    {
        let mut m = Self::default();
        for (key, value) in &ws.writes {
            m.state.push((key.clone(), value.clone()));
            m.history.push((
                key.clone(),
                KeyModification {
                    tx_id: tx_id.to_owned(),
                    timestamp,
                    value: value.clone().unwrap_or_default(),
                    is_delete: value.is_none(),
                },
            ));
        }
        m.vparam_deletes = ws.deleted_keys().map(str::to_owned).collect();
        m.vparam_puts =
            ws.effective_validation_parameters(exists)?.into_iter().map(|(k, p)| (k.to_owned(), p.clone())).collect();
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_chaincode::stub::PolicyRole;

    #[test]
    fn history_keys_round_trip_even_with_nul_in_key() {
        let key = "\u{0}t\u{0}\u{0}x\u{0}";
        assert_eq!(decode_history_key(&history_key(key, 7)).unwrap(), (key.to_owned(), 7));
        assert!(decode_history_key(b"short").is_err());
    }

    #[test]
    fn write_set_round_trips_canonically() {
        let mut ws = WriteSet::default();
        ws.writes.insert("b".into(), Some(vec![1, 2]));
        ws.writes.insert("a".into(), None);
        ws.validation_parameters
            .insert("b".into(), EndorsementPolicy { orgs: vec!["O".into()], role: PolicyRole::Peer });
        ws.event = Some(("E".into(), vec![0xff]));
        let bytes = encode_write_set(&ws).unwrap();
        let back = decode_write_set(&bytes).unwrap();
        assert_eq!(back, ws);
        assert_eq!(encode_write_set(&back).unwrap(), bytes);
    }

    #[test]
    fn args_hash_is_unambiguous() {
        assert_ne!(args_sha256(&[b"ab".to_vec()]), args_sha256(&[b"a".to_vec(), b"b".to_vec()]));
        assert_ne!(args_sha256(&[]), args_sha256(&[Vec::new()]));
    }

    #[test]
    fn log_entry_hash_ignores_hash_field_and_json_round_trips() {
        let mut entry = LogEntry {
            block: 1,
            tx_id: "t".into(),
            timestamp: TxTimestamp { seconds: 1, nanos: 2 },
            creator_msp: "M".into(),
            creator_id_sha256: "c".into(),
            function: "F".into(),
            args_sha256: "a".into(),
            write_set_sha256: "w".into(),
            event: Some(("E".into(), b"payload".to_vec())),
            prev_hash: GENESIS_PREV_HASH.into(),
            hash: String::new(),
        };
        let h = entry.compute_hash().unwrap();
        entry.hash = h.clone();
        assert_eq!(entry.compute_hash().unwrap(), h);
        let json = serde_json::to_vec(&entry).unwrap();
        let back: LogEntry = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, entry);
        entry.event = None;
        assert_ne!(entry.compute_hash().unwrap(), h);
    }
}
