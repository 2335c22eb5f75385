//! The notifier's three jobs over one store: following the ledger into the outbox
//! ([`Notifier::follow_pass`]), queueing expiry reminders ([`Notifier::remind`]) and
//! delivering what is due ([`Notifier::deliver_due`]). Time is passed in, never read
//! here, so tests set the clock.

use crate::billing;
use crate::config::Config;
use crate::email::{EmailError, Mailer};
use crate::route::{self, LedgerRef, Notification, Watched};
use crate::store::{Entry, Store, StoreError};
use crate::webhook::{redact_urls, Secret, Sender, WebhookError};
use nanotrace_follow::source::Source;
use nanotrace_follow::{next_transactions, same_ledger, Checkpoint, FollowError, SeenTx};
use nanotrace_model::billing::BillingPair;
use nanotrace_model::{check_issuance, Certificate, CertificateStatus, IssuerKey};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::{debug, info, warn};

/// Transactions read per chunk of a pass.
pub const CHUNK: usize = 256;
/// Messages sent at once.
pub const IN_FLIGHT: usize = 16;

impl From<StoreError> for FollowError {
    fn from(e: StoreError) -> Self {
        FollowError::Store(Box::new(e))
    }
}

/// Why the notifier cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A webhook's secret or trust roots cannot be used.
    #[error("webhook {name:?}: {message}")]
    Webhook {
        /// The target.
        name: String,
        /// Why not.
        message: String,
    },
    /// The SMTP settings cannot be used.
    #[error(transparent)]
    Email(#[from] EmailError),
    /// `[[billing]]` subscriptions, but the ledger is read as no organisation's member.
    #[error(
        "the [[billing]] subscriptions read the organisation's private billing records as one of its members, but \
         the ledger is read as {0}: pass --as NAME (a local identity of the data directory) with the embedded \
         ledger, or a --profile of the organisation's own member on Fabric"
    )]
    Billing(String),
}

/// What the notifier has done, for `/metrics` and `/readyz`.
#[derive(Debug, Default)]
pub struct Status {
    /// Messages delivered.
    pub sent: AtomicU64,
    /// Failed attempts that will be retried.
    pub retried: AtomicU64,
    /// Messages moved to the dead letters.
    pub dead: AtomicU64,
    /// Messages queued by passes and the expiry timer.
    pub queued: AtomicU64,
    /// The ledger's last block, as of the last pass.
    pub ledger_height: AtomicU64,
    /// The checkpoint's block after the last pass.
    pub checkpoint_block: AtomicU64,
    /// Ledger time of the checkpoint (Unix seconds).
    pub checkpoint_time: AtomicU64,
    /// Whether a pass has caught up with the ledger since start.
    pub caught_up: std::sync::atomic::AtomicBool,
    /// Why the last pass failed (`None` after a good pass).
    pub follow_error: Mutex<Option<String>>,
    /// Why the SMTP server was last unreachable (`None` once it answered).
    pub smtp_error: Mutex<Option<String>>,
}

impl Status {
    fn set(slot: &Mutex<Option<String>>, value: Option<String>) {
        *slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = value;
    }
    fn get(slot: &Mutex<Option<String>>) -> Option<String> {
        slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
    /// Why the notifier is not ready (`None`: ready): it has not caught up with the
    /// ledger, the ledger cannot be read, or the SMTP server is unreachable.
    pub fn not_ready(&self) -> Option<String> {
        if let Some(e) = Self::get(&self.follow_error) {
            return Some(format!("cannot follow the ledger: {e}"));
        }
        if !self.caught_up.load(Ordering::Relaxed) {
            return Some("catching up with the ledger".to_owned());
        }
        Self::get(&self.smtp_error).map(|e| format!("cannot reach the SMTP server: {e}"))
    }
}

/// A target, ready to send to.
enum Target {
    /// A webhook, with a client trusting the public roots and its own `root_certificate`
    /// only (never another webhook's).
    Webhook {
        url: url::Url,
        secret: Secret,
        sender: Sender,
    },
    Email {
        to: Vec<String>,
    },
}

/// The notifier (see the module docs).
pub struct Notifier {
    config: Arc<Config>,
    store: Arc<Store>,
    source: Arc<dyn Source>,
    targets: BTreeMap<String, Target>,
    mailer: Option<Mailer>,
    /// Counters and health.
    pub status: Arc<Status>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").field("store", &self.store).finish_non_exhaustive()
    }
}

impl Notifier {
    /// A notifier for `config` following `source` into `store`. Webhook secrets named by
    /// `secret_env` are read from the environment now. Each webhook with a
    /// `root_certificate` gets an HTTP client of its own that trusts that root; the others
    /// share one that trusts the public roots only.
    pub fn new(config: Arc<Config>, store: Arc<Store>, source: Arc<dyn Source>) -> Result<Notifier, StartError> {
        let mut targets = BTreeMap::new();
        let public = Sender::new(None).map_err(|message| StartError::Webhook { name: "*".into(), message })?;
        for w in &config.webhooks {
            let bad = |message: String| StartError::Webhook { name: w.name.clone(), message };
            let text = match (&w.secret, &w.secret_env) {
                (Some(secret), _) => secret.clone(),
                (None, Some(var)) => std::env::var(var)
                    .map_err(|_| bad(format!("secret_env names {var}, which is not set in the environment")))?,
                (None, None) => return Err(bad("no signing secret".to_owned())),
            };
            let secret = Secret::parse(&text).map_err(bad)?;
            let sender = match &w.root_certificate {
                Some(path) => {
                    let pem =
                        std::fs::read(path).map_err(|e| bad(format!("root_certificate {}: {e}", path.display())))?;
                    Sender::new(Some(&pem)).map_err(bad)?
                }
                None => public.clone(),
            };
            targets.insert(w.name.clone(), Target::Webhook { url: w.url.clone(), secret, sender });
        }
        for e in &config.emails {
            targets.insert(e.name.clone(), Target::Email { to: e.to.clone() });
        }
        if !config.billing.is_empty() && source.reader_msp() == nanotrace_follow::source::VERIFIER_MSP {
            return Err(StartError::Billing(source.reader_msp()));
        }
        let mailer = config.smtp.as_ref().map(Mailer::new).transpose()?;
        let status = Arc::new(Status::default());
        Ok(Notifier { config, store, source, targets, mailer, status })
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The SMTP mailer, when email targets are configured.
    pub fn mailer(&self) -> Option<&Mailer> {
        self.mailer.as_ref()
    }

    /// One pass over the ledger (blocking: call it from a plain thread or the blocking
    /// pool): refreshes the source, checks it is the ledger the store followed, then
    /// queues the notifications of up to `max_txs` transactions after the checkpoint,
    /// chunk by chunk, each chunk with its checkpoint in one write. Returns the
    /// transactions read and whether the pass caught up with the ledger.
    pub fn follow_pass(&self, max_txs: usize, now_ms: i64) -> Result<(usize, bool), FollowError> {
        let result = self.pass(max_txs, now_ms);
        match &result {
            Ok((_, caught_up)) => {
                Status::set(&self.status.follow_error, None);
                if *caught_up {
                    self.status.caught_up.store(true, Ordering::Relaxed);
                }
            }
            Err(e) => Status::set(&self.status.follow_error, Some(e.to_string())),
        }
        result
    }

    fn pass(&self, max_txs: usize, now_ms: i64) -> Result<(usize, bool), FollowError> {
        let source = self.source.as_ref();
        source.refresh()?;
        let height = source.height()?;
        self.status.ledger_height.store(height, Ordering::Relaxed);
        let mut checkpoint: Checkpoint = self.store.checkpoint()?;
        same_ledger(source, &checkpoint, height)?;
        self.record_checkpoint(&checkpoint);
        let mut read = 0usize;
        while read < max_txs {
            let batch = next_transactions(source, &checkpoint, CHUNK.min(max_txs - read))?;
            let Some(last) = batch.txs.last() else {
                return Ok((read, true));
            };
            let next = Checkpoint::after(last);
            let mut notifications: Vec<Notification> = Vec::new();
            let mut watched: BTreeMap<String, Option<Watched>> = BTreeMap::new();
            // Current records, read once per chunk (what a later transaction of the chunk
            // did is already in them; each notification's status is its transaction's).
            let mut records: BTreeMap<String, Certificate> = BTreeMap::new();
            // The trust list, read once per chunk when a record needs it.
            let mut trust_list: Option<Vec<IssuerKey>> = None;
            for tx in &batch.txs {
                let Some(event) = tx.decoded_event()? else { continue };
                let ids: Vec<&String> = event.certificate_ids.iter().chain(&event.flagged).collect();
                if ids.is_empty() {
                    continue;
                }
                for id in &ids {
                    if !records.contains_key(*id) {
                        let record = source
                            .record(id)?
                            .ok_or_else(|| FollowError::MissingCertificate { block: tx.block, id: (*id).clone() })?;
                        records.insert((*id).clone(), record);
                    }
                }
                // An ACTIVE record that no certifier's signature vouches for (written by
                // peers that did not run the contract) is never announced as in force, nor
                // watched for its expiry.
                let mut untrusted: Vec<&String> = Vec::new();
                for id in &ids {
                    let Some(cert) = records.get(*id).filter(|c| c.status == CertificateStatus::Active) else {
                        continue;
                    };
                    let keys = match &trust_list {
                        Some(keys) => keys,
                        None => trust_list.insert(source.issuer_keys()?),
                    };
                    if let Err(forgery) = check_issuance(cert, keys) {
                        warn!(certificate = %id, block = tx.block, %forgery, "not announced: no certifier's signature vouches for the record");
                        untrusted.push(id);
                    }
                }
                let mut found = route::for_transaction(&self.config, tx, &event, &|id| records.get(id).cloned());
                found.retain(|n| !(n.kind.announces_in_force() && untrusted.contains(&&n.certificate_id)));
                // The record read now may be newer than this transaction: the status is
                // the one the transaction set.
                if let Some(status) = event.status {
                    for n in found.iter_mut().filter(|n| event.certificate_ids.contains(&n.certificate_id)) {
                        n.status = status;
                    }
                }
                notifications.extend(found);
                let ledger = LedgerRef {
                    tx_id: tx.tx_id.clone(),
                    block: tx.block,
                    tx_index: tx.tx_index,
                    timestamp: tx.timestamp,
                };
                for id in ids {
                    let Some(cert) = records.get(id.as_str()) else { continue };
                    let watch = (cert.status == CertificateStatus::Active
                        && cert.issuance.is_some()
                        && !untrusted.contains(&id))
                    .then(|| Watched { certificate: cert.clone(), ledger: ledger.clone() });
                    watched.insert(id.clone(), watch);
                }
            }
            if !self.config.billing.is_empty() {
                notifications.extend(self.billing(&batch.txs, &mut records)?);
            }
            let watched: Vec<(String, Option<Watched>)> = watched.into_iter().collect();
            let txs = batch.txs.len();
            let queued = self.store.commit_pass(&next, notifications, &watched, now_ms)?;
            self.status.queued.fetch_add(queued as u64, Ordering::Relaxed);
            self.record_checkpoint(&next);
            debug!(block = next.block_number, txs, queued, "queued a chunk");
            checkpoint = next;
            read += txs;
            if batch.exhausted {
                return Ok((read, true));
            }
        }
        Ok((read, false))
    }

    /// The billing notifications of a chunk of transactions (see [`crate::billing`]): the
    /// `Invoices` of each of the organisation's pairs whose collection a transaction of
    /// the chunk wrote, read once per pair, as the organisation's member.
    fn billing(
        &self,
        txs: &[SeenTx],
        records: &mut BTreeMap<String, Certificate>,
    ) -> Result<Vec<Notification>, FollowError> {
        let source = self.source.as_ref();
        let me = source.reader_msp();
        let mut own: Option<BTreeMap<String, BillingPair>> = None;
        let mut written = BTreeSet::new();
        for tx in txs {
            let collections = source.collections_written(tx)?;
            if collections.is_empty() {
                continue;
            }
            let own = match &own {
                Some(own) => own,
                None => own.insert(billing::own_pairs(&source.organizations()?, &me)),
            };
            written.extend(collections.iter().filter_map(|c| own.get(c)).cloned());
        }
        if written.is_empty() {
            return Ok(Vec::new());
        }
        let chunk: BTreeMap<String, LedgerRef> = txs
            .iter()
            .map(|tx| {
                let ledger = LedgerRef {
                    tx_id: tx.tx_id.clone(),
                    block: tx.block,
                    tx_index: tx.tx_index,
                    timestamp: tx.timestamp,
                };
                (tx.tx_id.clone(), ledger)
            })
            .collect();
        let mut out = Vec::new();
        for pair in &written {
            let invoices = source.invoices(&pair.body, &pair.manufacturer)?;
            for record in &invoices {
                let in_chunk =
                    chunk.contains_key(&record.tx_id) || record.payments.iter().any(|p| chunk.contains_key(&p.tx_id));
                if in_chunk && !records.contains_key(&record.certificate_id) {
                    let cert =
                        source.record(&record.certificate_id)?.ok_or_else(|| FollowError::MissingCertificate {
                            block: txs.first().map_or(0, |tx| tx.block),
                            id: record.certificate_id.clone(),
                        })?;
                    records.insert(record.certificate_id.clone(), cert);
                }
            }
            out.extend(billing::notifications(&self.config, &me, pair, &invoices, &chunk, &|id| {
                records.get(id).cloned()
            }));
        }
        debug!(pairs = written.len(), queued = out.len(), "read the billing records of the pairs written");
        Ok(out)
    }

    /// Shows `checkpoint` in the status (the lag metrics), also when a pass after a
    /// restart finds nothing new.
    fn record_checkpoint(&self, checkpoint: &Checkpoint) {
        self.status.checkpoint_block.store(checkpoint.block_number, Ordering::Relaxed);
        self.status.checkpoint_time.store(u64::try_from(checkpoint.block_time).unwrap_or(0), Ordering::Relaxed);
    }

    /// Queues the expiry reminders due at `now` (Unix seconds) that were not queued
    /// before. Returns how many were queued.
    pub fn remind(&self, now: i64) -> Result<usize, StoreError> {
        let mut due = Vec::new();
        for w in self.store.watched()? {
            due.extend(route::reminders(&self.config, &w, now));
        }
        let queued = self.store.queue_reminders(due, now.saturating_mul(1000))?;
        if queued > 0 {
            info!(queued, "queued expiry reminders");
            self.status.queued.fetch_add(queued as u64, Ordering::Relaxed);
        }
        Ok(queued)
    }

    /// The pause before attempt `attempts + 1`: the initial pause doubled per attempt
    /// made, at most the configured maximum, then "full jitter" between half and all of
    /// it (so targets that failed together do not retry together).
    pub fn retry_after(&self, attempts: u32) -> Duration {
        use rand::Rng;
        let retry = self.config.retry;
        let base = retry.initial().saturating_mul(1u32 << attempts.saturating_sub(1).min(20)).min(retry.max());
        let half = base / 2;
        half + base.saturating_sub(half).mul_f64(rand::thread_rng().gen_range(0.0..=1.0))
    }

    /// Sends every message due at `now_ms` (at most [`IN_FLIGHT`] at once); each is
    /// removed from the outbox once its target accepted it, rescheduled with backoff when
    /// it failed, or moved to the dead letters after the last attempt. Returns how many
    /// were delivered.
    pub async fn deliver_due(&self, now_ms: i64) -> Result<usize, StoreError> {
        let due = self.store.due(now_ms, 256)?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut delivered = 0;
        for chunk in due.chunks(IN_FLIGHT) {
            let attempts = chunk.iter().map(|entry| async move { (entry, self.attempt(entry).await) });
            for (entry, result) in futures_util::future::join_all(attempts).await {
                delivered += usize::from(self.settle(entry, result, now_ms)?);
            }
        }
        Ok(delivered)
    }

    async fn attempt(&self, entry: &Entry) -> Result<(), String> {
        let n = &entry.notification;
        let Some(target) = self.targets.get(&n.target) else {
            return Err(format!("target {:?} is no longer in the subscription file", n.target));
        };
        match target {
            Target::Webhook { url, secret, sender } => {
                let body = match &n.billing {
                    Some(billed) => crate::billing_message::webhook_body(n, billed),
                    None => crate::message::webhook_body(n),
                };
                let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
                let timestamp = nanotrace_model::clock::unix_now();
                sender.send(url, secret, &n.id, timestamp, &body).await.map_err(|e: WebhookError| e.to_string())
            }
            Target::Email { to } => {
                let Some(mailer) = &self.mailer else {
                    return Err("no [smtp] section".to_owned());
                };
                match mailer.send(n, to).await {
                    Ok(()) => {
                        Status::set(&self.status.smtp_error, None);
                        Ok(())
                    }
                    Err(e) => {
                        if matches!(e, EmailError::Smtp { unreachable: true, .. }) {
                            Status::set(&self.status.smtp_error, Some(e.to_string()));
                        }
                        Err(e.to_string())
                    }
                }
            }
        }
    }

    /// Records the outcome of one attempt; `true` when delivered. A failure's text is
    /// stored and logged with any URL in it cut to scheme, host and port.
    fn settle(&self, entry: &Entry, result: Result<(), String>, now_ms: i64) -> Result<bool, StoreError> {
        let n = &entry.notification;
        match result.map_err(|e| redact_urls(&e)) {
            Ok(()) => {
                self.store.delivered(entry)?;
                self.status.sent.fetch_add(1, Ordering::Relaxed);
                info!(id = %n.id, target = %n.target, event = n.kind.as_str(), certificate = %n.certificate_id,
                      attempts = entry.attempts + 1, "delivered");
                Ok(true)
            }
            Err(error) => {
                let mut next = entry.clone();
                next.attempts = entry.attempts.saturating_add(1);
                next.last_error = Some(error.clone());
                if next.attempts >= self.config.retry.max_attempts {
                    self.store.bury(&next)?;
                    self.status.dead.fetch_add(1, Ordering::Relaxed);
                    warn!(id = %n.id, target = %n.target, attempts = next.attempts, error = %error,
                          "giving up: moved to the dead letters (`nanotrace-notify dead-letters resend` sends it again)");
                } else {
                    let pause = self.retry_after(next.attempts);
                    next.next_attempt_ms = now_ms.saturating_add(i64::try_from(pause.as_millis()).unwrap_or(i64::MAX));
                    self.store.reschedule(&next)?;
                    self.status.retried.fetch_add(1, Ordering::Relaxed);
                    debug!(id = %n.id, target = %n.target, attempts = next.attempts, error = %error,
                           retry_in_ms = pause.as_millis() as u64, "delivery failed; will retry");
                }
                Ok(false)
            }
        }
    }
}
