//! What the web layer reads: the cache and how fresh it is.

use crate::cache::{Cache, CacheError, CertificateRecord, Checkpoint};
use nanotrace_model::{verdict_with, CertificateStatus, Forgery, Verdict, Verification};
use serde::Serialize;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The follower's progress, as the web layer needs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncStatus {
    /// The cache's checkpoint when last read or moved.
    pub checkpoint: Checkpoint,
    /// The ledger's height when last asked.
    pub source_height: u64,
    /// When (Unix seconds) the cache last equalled the ledger's head; `None` never.
    pub synced_at: Option<i64>,
    /// The last error reading the source, cleared by the next success.
    pub last_error: Option<String>,
    /// Set once the first catch-up after start has finished.
    pub ready: bool,
}

/// Shared, updated by the follower, read by every request.
#[derive(Debug)]
pub struct SyncState {
    inner: RwLock<SyncStatus>,
    /// Bumped by every update that changed the status (so an answer computed under one
    /// version can be reused while the version stays the same).
    version: AtomicU64,
    /// `synced_at` as an atomic (`i64::MIN`: never), for the hot path.
    synced_at: AtomicI64,
}

impl Default for SyncState {
    fn default() -> Self {
        SyncState { inner: RwLock::default(), version: AtomicU64::new(0), synced_at: AtomicI64::new(i64::MIN) }
    }
}

impl SyncState {
    /// A copy of the current status.
    pub fn snapshot(&self) -> SyncStatus {
        self.inner.read().map(|s| s.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Changes the status under the lock (bumping [`SyncState::version`] if it changed).
    pub fn update(&self, f: impl FnOnce(&mut SyncStatus)) {
        let mut guard = self.inner.write().unwrap_or_else(|p| p.into_inner());
        let before = guard.clone();
        f(&mut guard);
        if *guard != before {
            // Under the write lock: a reader that sees the new version sees the new status.
            self.synced_at.store(guard.synced_at.unwrap_or(i64::MIN), Ordering::SeqCst);
            self.version.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// When the cache last equalled the ledger's head, without taking the lock.
    pub fn synced_at(&self) -> Option<i64> {
        Some(self.synced_at.load(Ordering::SeqCst)).filter(|at| *at != i64::MIN)
    }

    /// Changes whenever the status does.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }
}

/// Everything an answer about a certificate depends on besides its ID: the follower's
/// status, the cache's contents and the second it is asked in. Two requests with equal
/// stamps get byte-identical answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// [`SyncState::version`].
    pub sync: u64,
    /// [`Cache::generation`].
    pub cache: u64,
    /// The second asked in (Unix seconds).
    pub second: i64,
}

/// Where a verdict's data comes from.
#[derive(Debug, Clone, Serialize)]
pub struct AsOf {
    /// The checkpoint's block: the block of the last transaction applied.
    pub block: u64,
    /// The last transaction applied.
    pub tx_id: String,
    /// Ledger time of that block.
    pub block_time: i64,
    /// When the cache was last confirmed equal to the ledger.
    pub synced_at: Option<i64>,
    /// Seconds since `synced_at` (None: never synced).
    pub age_seconds: Option<i64>,
}

/// A verdict with the cached record it was computed from.
#[derive(Debug, Clone)]
pub struct VerdictView {
    /// The verdict, as the contract's verdict rule gives it (UNVERIFIABLE when stale).
    pub verification: Verification,
    /// The cached record it was computed from (`None`: not on the ledger).
    pub cached: Option<CertificateRecord>,
    /// Where the data comes from.
    pub as_of: AsOf,
}

/// Everything a request handler needs.
#[derive(Clone)]
pub struct AppState {
    /// The cache the answers come from.
    pub cache: Arc<Cache>,
    /// The follower's progress.
    pub sync: Arc<SyncState>,
    /// Past this age the cache is not trusted: every verdict is UNVERIFIABLE.
    pub max_staleness: Duration,
    /// Public base URL, without a trailing slash.
    pub public_url: Arc<str>,
    /// The operator's key that signs the status lists this verifier publishes
    /// (`--status-key`); none: it publishes none.
    pub status_key: Option<Arc<ed25519_dalek::SigningKey>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// Why the cache cannot be trusted now, if it cannot.
    pub fn staleness(&self, now: i64) -> Option<String> {
        self.stale_reason(&self.sync.snapshot(), now)
    }

    /// [`AppState::staleness`] for a status already read.
    pub fn stale_reason(&self, status: &SyncStatus, now: i64) -> Option<String> {
        let max = self.max_staleness.as_secs() as i64;
        match status.synced_at {
            None => Some("the verifier has not caught up with the ledger yet".to_owned()),
            Some(at) if now - at > max => Some(format!(
                "the verifier's data is {} s old (limit {max} s){}",
                now - at,
                status.last_error.as_ref().map(|e| format!("; the ledger is unreachable: {e}")).unwrap_or_default()
            )),
            Some(_) => None,
        }
    }

    /// Whether the cache is fresh enough at `now` (Unix seconds) for verdicts other than
    /// UNVERIFIABLE ([`AppState::staleness`] without its reason, and without a lock).
    pub fn fresh_at(&self, now: i64) -> bool {
        let max = self.max_staleness.as_secs() as i64;
        self.sync.synced_at().is_some_and(|at| now - at <= max)
    }

    /// The [`Stamp`] of an answer computed now, at `now` (Unix seconds). Read it before
    /// computing the answer and again after: if both are equal, nothing the answer
    /// depends on changed in between.
    pub fn stamp(&self, now: i64) -> Stamp {
        // Status first, like `verdict` reads freshness before records.
        let sync = self.sync.version();
        Stamp { sync, cache: self.cache.generation(), second: now }
    }

    /// Where an answer computed at `now` (Unix seconds) gets its data from.
    pub fn as_of(&self, now: i64) -> AsOf {
        Self::as_of_status(self.sync.snapshot(), now)
    }

    fn as_of_status(status: SyncStatus, now: i64) -> AsOf {
        AsOf {
            block: status.checkpoint.block_number,
            tx_id: status.checkpoint.transaction_id,
            block_time: status.checkpoint.block_time,
            synced_at: status.synced_at,
            age_seconds: status.synced_at.map(|at| (now - at).max(0)),
        }
    }

    /// Why the cache cannot be trusted (if it cannot) and where its data comes from,
    /// both from one reading of the follower's status.
    fn freshness(&self, now: i64) -> (Option<String>, AsOf) {
        let status = self.sync.snapshot();
        (self.stale_reason(&status, now), Self::as_of_status(status, now))
    }

    /// The verdict on `id` at `now` (Unix seconds): the contract's own verdict logic
    /// over the cached record, or UNVERIFIABLE when the cache is too old. Fails closed:
    /// a stale cache never says VALID (nor UNKNOWN).
    pub fn verdict(&self, id: &str, now: i64) -> Result<VerdictView, CacheError> {
        // Freshness FIRST, then the record: the follower marks the cache fresh only after
        // writing what it read, so a record read afterwards is at least that fresh. Read
        // the other way round, a record read just before the follower applied a
        // revocation could be paired with the freshness that came with it (VALID for a
        // revoked certificate, e.g. right after a restart). `as_of` is then a lower bound.
        let (stale, as_of) = self.freshness(now);
        // The generation before the record, so that the signature check it gets is
        // remembered only for the record it was made on.
        let generation = self.cache.generation();
        let cached = self.cache.certificate(id)?;
        let authenticity = match &cached {
            Some(record) if needs_signature(record) => Some(self.cache.authenticity(record, generation)?),
            _ => None,
        };
        Ok(Self::judge(id, cached, authenticity, stale, as_of, now))
    }

    /// [`AppState::verdict`] as the cache alone can tell it, reading its tables but never
    /// the ledger ([`Cache::stored_certificate`]): `Ok(None)` when only a read of the
    /// ledger can tell (misses are read from one, and the tables have no record of `id`).
    pub fn stored_verdict(&self, id: &str, now: i64) -> Result<Option<VerdictView>, CacheError> {
        // Same order as `verdict`: freshness first, the generation before the record.
        let (stale, as_of) = self.freshness(now);
        let generation = self.cache.generation();
        let Some(cached) = self.cache.stored_certificate(id)? else { return Ok(None) };
        let authenticity = match &cached {
            Some(record) if needs_signature(record) => Some(self.cache.authenticity(record, generation)?),
            _ => None,
        };
        Ok(Some(Self::judge(id, cached, authenticity, stale, as_of, now)))
    }

    /// [`AppState::verdict`] when the record is in memory (no I/O, so it can run on the
    /// async executor); `None` when RocksDB must be read.
    pub fn verdict_memoized(&self, id: &str, now: i64) -> Option<VerdictView> {
        // Same order as `verdict`: freshness first.
        let (stale, as_of) = self.freshness(now);
        let generation = self.cache.generation();
        let cached = self.cache.memoized_certificate(id)?;
        let authenticity = match &cached {
            Some(record) if needs_signature(record) => Some(self.cache.authenticity_memoized(record, generation)?),
            _ => None,
        };
        Some(Self::judge(id, cached, authenticity, stale, as_of, now))
    }

    /// The verdict on `cached` by the contract's rule ([`Judged::view`]).
    fn judge(
        id: &str,
        cached: Option<CertificateRecord>,
        authenticity: Option<Result<(), Forgery>>,
        stale: Option<String>,
        as_of: AsOf,
        now: i64,
    ) -> VerdictView {
        Judged { id, cached, authenticity, stale, as_of, now }.view()
    }
}

/// What a verdict is judged from: what [`AppState::verdict`] reads, or what the cache
/// renders a record's answers from as it writes it ([`crate::cache::Renderer`]).
#[derive(Debug)]
pub struct Judged<'a> {
    /// The certificate ID asked for.
    pub id: &'a str,
    /// Its record (`None`: not on the ledger).
    pub cached: Option<CertificateRecord>,
    /// The issuance signature's check of an ACTIVE record that is to carry one.
    pub authenticity: Option<Result<(), Forgery>>,
    /// Why the data cannot be trusted now, if it cannot: the verdict is then UNVERIFIABLE.
    pub stale: Option<String>,
    /// Where the data comes from.
    pub as_of: AsOf,
    /// The second judged in (Unix seconds).
    pub now: i64,
}

impl Judged<'_> {
    /// The verdict by the contract's rule ([`verdict_with`]), UNVERIFIABLE when stale.
    pub fn view(self) -> VerdictView {
        let Judged { id, cached, authenticity, stale, as_of, now } = self;
        let certificate = cached.as_ref().map(|c| c.certificate.clone());
        // `verdict_with` asks only for an ACTIVE record's check, which was made above.
        let authenticate = |_: &nanotrace_model::Certificate| authenticity.unwrap_or(Err(Forgery::NotIssued));
        let mut verification = verdict_with(id, certificate, authenticate, now);
        if let Some(reason) = stale {
            verification.verdict = Verdict::Unverifiable;
            verification.reason = format!("cannot verify now: {reason}");
            verification.since = None;
        }
        VerdictView { verification, cached, as_of }
    }
}

/// Whether the verdict on `record` rests on its issuance signature (an ACTIVE record:
/// [`verdict_with`] checks it for no other).
fn needs_signature(record: &CertificateRecord) -> bool {
    record.certificate.status == CertificateStatus::Active
}

/// The current time in Unix seconds.
pub use nanotrace_model::clock::unix_now as now;
