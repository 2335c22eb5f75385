//! The transaction path of [`Ledger`]: submit (simulate, validate, commit in one write
//! batch), submit with a transaction ID fixed elsewhere, evaluate and simulate.

use crate::codec::{
    block_key, encode_parts, hashed_writes, history_key, private_hash_entries, private_key, sha256_hex, to_json,
    Mutations, CF_HISTORY, CF_LOG, CF_META, CF_PRIVATE, CF_PRIVATE_HASHES, CF_STATE, CF_VPARAMS, CF_WRITESETS,
    META_HEIGHT, META_LAST_HASH,
};
use crate::error::storage;
use crate::sim::{StateStore, TxSimulator, WriteSet};
use crate::snapshot::SnapshotView;
use crate::{args_sha256, Ledger, LedgerError, LogEntry, TxReceipt};
use nanotrace_shim::{Creator, TxTimestamp};
use rand::RngCore;
use rocksdb::{WriteBatch, WriteOptions};
use std::time::{SystemTime, UNIX_EPOCH};
use tracing::debug;

impl Ledger {
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
    /// [`StubError::EndorsementPolicyFailure`](nanotrace_shim::StubError::EndorsementPolicyFailure) and writes nothing: no state, history,
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
        let hashed = hashed_writes(&write_set.private);
        let encoded = encode_parts(write_set, &hashed)?;
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
        let (private, private_hashes) = (self.cf(CF_PRIVATE)?, self.cf(CF_PRIVATE_HASHES)?);
        for (collection, writes) in &write_set.private {
            for (key, value) in writes {
                match value {
                    Some(v) => batch.put_cf(private, private_key(collection, key), v),
                    None => batch.delete_cf(private, private_key(collection, key)),
                }
            }
        }
        for (key, value_hash) in private_hash_entries(&hashed) {
            match value_hash {
                Some(hash) => batch.put_cf(private_hashes, key, hash),
                None => batch.delete_cf(private_hashes, key),
            }
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
}

/// Where the ID of a transaction committed by [`Ledger::submit_with_tx_id`] is kept (in
/// the meta column family, beside the height).
fn signed_tx_key(tx_id: &str) -> Vec<u8> {
    [b"signed-tx/".as_slice(), tx_id.as_bytes()].concat()
}

/// Fabric's tx ID rule: hex SHA-256(24-byte random nonce ‖ creator identity bytes).
pub(crate) fn new_tx_id(creator: &Creator) -> String {
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
