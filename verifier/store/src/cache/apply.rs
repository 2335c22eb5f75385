//! Applying an [`Update`]: the transactions after the checkpoint, the records they
//! touched and the new checkpoint, in ONE synced write batch.
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
//! The ACTIVE records an update writes have their issuance signatures checked against
//! the trust list in force after it, and a mark stored for each one that vouches
//! ([`super::signed`]); with a renderer installed, every record written has its answers
//! rendered and stored ([`super::answers`]) — all in the same write batch.

use super::answers::env_digest as answers_env_of;
use super::db::cf;
use super::error::{corrupt, CacheError};
use super::layout::{txlog_key, CF_META, CF_TXLOG, CHECKPOINT_KEY, ISSUERS_KEY, ORGANIZATIONS_KEY};
use super::signed::trust_digest;
use super::{Cache, CertificateRecord, Checkpoint, SeenTx};
use nanotrace_model::{IssuerKey, Organization};
use rocksdb::WriteBatch;

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
    /// A cache started from a snapshot-joined source's world state: the checkpoint it
    /// starts at (the source's first block, nothing of it applied). Taken only by an
    /// empty cache.
    pub start_at: Option<Checkpoint>,
}

impl Cache {
    /// Applies the transactions after the checkpoint with the records they touched, and
    /// moves the checkpoint to the last of them, atomically and durably (ONE write batch).
    /// Transactions at or before the checkpoint — in an earlier block, or in its block at
    /// or before its index — were applied already and are skipped, so replaying an update
    /// changes nothing in the log; a later block than the next one is fine (gaps).
    pub fn apply(&self, update: &Update) -> Result<Checkpoint, CacheError> {
        let mut next = self.checkpoint()?;
        if let Some(start) = &update.start_at {
            if next == Checkpoint::default() {
                next = start.clone();
            }
        }
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
        // The trust list in force after this update, which the records' signatures are
        // checked against ([`super::signed`]), and its value when the update writes it.
        let (issuers, stored_issuers) = match &update.issuers {
            Some(issuers) => {
                let value = serde_json::to_vec(issuers).map_err(|e| corrupt("issuers", e))?;
                (std::borrow::Cow::Borrowed(issuers.as_slice()), Some(value))
            }
            None => (std::borrow::Cow::Owned(self.issuers()?), None),
        };
        let trust = match &stored_issuers {
            Some(value) => trust_digest(value),
            None => self.trust()?,
        };
        let stored_organizations = match &update.organizations {
            Some(orgs) => Some(serde_json::to_vec(orgs).map_err(|e| corrupt("organizations", e))?),
            None => None,
        };
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let mut written = Vec::with_capacity(update.certificates.len());
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
            written.push(cached);
        }
        // The answers' digest after this update ([`super::answers`]), and the organisations
        // they name.
        let env = match (self.renderer(), &stored_organizations) {
            (None, _) => None,
            (Some(renderer), Some(orgs)) => Some(answers_env_of(trust, orgs, renderer.identity())),
            (Some(renderer), None) if stored_issuers.is_some() => {
                Some(answers_env_of(trust, &self.stored_organizations()?, renderer.identity()))
            }
            (Some(_), None) => self.answers_env()?,
        };
        let organizations = match (&update.organizations, env) {
            (_, None) => Vec::new(),
            (Some(orgs), Some(_)) => orgs.clone(),
            (None, Some(_)) => self.organizations()?,
        };
        let (checks, answers): (Vec<_>, Vec<_>) =
            self.check_and_render(&written, &issuers, &organizations).into_iter().unzip();
        self.put_marks(&mut batch, &written, &checks, trust)?;
        let changes = self.put_answers(&mut batch, &written, answers, env)?;
        let db = self.db()?;
        if let Some(value) = stored_issuers {
            batch.put_cf(cf(&db, CF_META)?, ISSUERS_KEY, value);
        }
        if let Some(value) = stored_organizations {
            batch.put_cf(cf(&db, CF_META)?, ORGANIZATIONS_KEY, value);
        }
        let value = serde_json::to_vec(&next).map_err(|e| corrupt("checkpoint", e))?;
        batch.put_cf(cf(&db, CF_META)?, CHECKPOINT_KEY, value);
        drop(db);
        self.write(batch, "applying an update")?;
        // The answers' index names the new answers before the update is seen as applied.
        self.commit_answers(changes);
        drop(records);
        // Written: the IDs it touched exist now, and no answer read before this point
        // may be remembered as unknown ...
        self.negatives.invalidate(update.certificates.iter().map(|c| c.certificate.id.as_str()));
        // ... nor any memo entry of what it changed served (the others stay).
        self.forget_touched(
            update.certificates.iter().map(|c| c.certificate.id.as_str()),
            update.issuers.is_some(),
            update.organizations.is_some(),
        );
        Ok(next)
    }
}
