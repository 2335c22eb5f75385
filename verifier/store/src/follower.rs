//! Follows the ledger into the cache.
//!
//! [`sync_once`] refreshes the source and applies the transactions after the cache's
//! checkpoint in chunks. For each chunk it reads the current record (certificate and
//! audit trail) of every certificate the chunk's events name (once a pass, when the
//! source's reads stay put between refreshes: [`Source::fixed_between_refreshes`]), the trust list and the
//! registered organisations when the chunk registered or retired an issuer key or
//! registered an organisation (or the cache has no organisations yet), and writes all
//! of it with the chunk's
//! transactions and the new checkpoint in ONE write batch ([`Cache::apply`]). A crash
//! at any point therefore resumes exactly after the last chunk written: no transaction
//! missed, none applied twice (the cache skips transactions at or before its
//! checkpoint). Each pass also checks that the ledger's transaction at the checkpoint is
//! the one the cache applied there ([`same_ledger`]), so a cache is never served against
//! another ledger. The cache has caught up when the source has nothing after its
//! checkpoint (with Fabric's gaps, the checkpoint need not reach the ledger's height).
//!
//! [`spawn`] runs `sync_once` in a loop on the blocking pool: without pause while the
//! cache is behind, then every `poll`; after an error it backs off up to
//! [`MAX_BACKOFF`]. It stops at the next chunk boundary once its shutdown signal is
//! set.
//!
//! After a failed cache write (a full disk) the next pass first reopens the cache
//! ([`Cache::reopen`]; RocksDB refuses writes until then), and again on every pass until
//! that succeeds; the backoff applies. Freshness is untouched by a reopen: the cache
//! reads fresh again only once a pass has caught up.
//!
//! [`SyncState`] tells the web layer how fresh the cache is: `synced_at` moves only when
//! a pass ends with the cache equal to the ledger's head, so when the ledger becomes
//! unreachable the cache ages and, past the maximum staleness, every verdict is
//! UNVERIFIABLE.

mod answers;
mod recent;

use crate::cache::{Cache, CacheError, CertificateRecord, Checkpoint, SeenTx, Update};
use crate::source::{ListPosition, ListedPage, Source, SourceError};
use crate::state::{now, SyncState};
pub use answers::{spawn_answers, RENDER_CHUNK, RENDER_POLL};
use nanotrace_follow::{next_transactions, Batch};
pub use nanotrace_follow::{same_ledger, touched, FollowError};
use recent::RecentlyRead;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

/// Transactions read (and written in one batch) at a time.
pub const CHUNK_BLOCKS: usize = 256;
/// A chunk is cut short once its events name this many certificates (a block is never
/// split: an `ApplyBatch` of 1000 makes a chunk of its own).
pub const CHUNK_CERTIFICATES: usize = 1024;
/// The most threads reading a chunk's certificates at once.
pub const READERS: usize = 4;
/// The certificates read in one [`Source::certificates`] call (one query on the embedded
/// ledger), and one reading thread per such batch of a chunk, up to [`READERS`] (a small
/// chunk is read on the follower's own thread).
pub const IDS_PER_READER: usize = 64;
/// The longest pause after repeated errors.
pub const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// The most certificate IDs a pass remembers as read (see [`sync_once`]): about 20 MB. It
/// remembers the most recent, in two generations of half as many; a certificate named
/// again after it was forgotten is read again, as every source's are.
pub const READ_IN_PASS: usize = 1 << 18;

impl From<CacheError> for FollowError {
    fn from(e: CacheError) -> Self {
        FollowError::Store(Box::new(e))
    }
}

/// One chunk of transactions after a checkpoint, with what they touched.
struct Chunk {
    txs: Vec<SeenTx>,
    /// (certificate ID, first block naming it)
    ids: Vec<(String, u64)>,
    trust_changed: bool,
    /// Whether the source had nothing after this chunk (as of its last refresh).
    last: bool,
}

fn read_chunk(source: &dyn Source, checkpoint: &Checkpoint, limit: usize) -> Result<Chunk, FollowError> {
    let Batch { mut txs, exhausted } = next_transactions(source, checkpoint, limit)?;
    let mut seen = BTreeSet::new();
    let mut ids = Vec::new();
    let mut trust_changed = false;
    let mut keep = txs.len();
    for (i, tx) in txs.iter().enumerate() {
        if i > 0 && ids.len() >= CHUNK_CERTIFICATES {
            keep = i;
            break;
        }
        let (named, trust) = touched(tx)?;
        trust_changed |= trust;
        for id in named {
            if seen.insert(id.clone()) {
                ids.push((id, tx.block));
            }
        }
    }
    let last = exhausted && keep == txs.len();
    txs.truncate(keep);
    Ok(Chunk { txs, ids, trust_changed, last })
}

/// Reads the current record of each `(id, first block naming it)`, in order, a batch of
/// [`IDS_PER_READER`] IDs at a time ([`Source::certificates`]: one query for the embedded
/// ledger), on up to [`READERS`] threads at once: the embedded ledger's queries are CPU
/// work that a second core halves, and a peer's are round trips that overlap. The first
/// failure (in `ids` order) is the error; the other threads stop at their next batch.
fn read_certificates(source: &dyn Source, ids: &[(String, u64)]) -> Result<Vec<CertificateRecord>, FollowError> {
    let read = |batch: &[(String, u64)]| -> Result<Vec<CertificateRecord>, FollowError> {
        let names: Vec<String> = batch.iter().map(|(id, _)| id.clone()).collect();
        let records = source.certificates(&names)?;
        if records.len() != batch.len() {
            return Err(SourceError::Inconsistent(format!(
                "{} answered {} records for {} certificates",
                source.describe(),
                records.len(),
                batch.len()
            ))
            .into());
        }
        batch
            .iter()
            .zip(records)
            .map(|((id, block), record)| {
                record.ok_or_else(|| FollowError::MissingCertificate { block: *block, id: id.clone() })
            })
            .collect()
    };
    let batches: Vec<&[(String, u64)]> = ids.chunks(IDS_PER_READER).collect();
    let readers = batches.len().min(READERS);
    let mut out = Vec::with_capacity(ids.len());
    if readers <= 1 {
        for batch in batches {
            out.extend(read(batch)?);
        }
        return Ok(out);
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let mut slots: Vec<Option<Result<Vec<CertificateRecord>, FollowError>>> = Vec::with_capacity(batches.len());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..readers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    while !failed.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(batch) = batches.get(i) else { break };
                        let result = read(batch);
                        if result.is_err() {
                            failed.store(true, Ordering::Relaxed);
                        }
                        done.push((i, result));
                    }
                    done
                })
            })
            .collect();
        slots.resize_with(batches.len(), || None);
        for worker in workers {
            // A reader that panicked is a bug in a source: pass the panic on.
            let done = worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (i, result) in done {
                slots[i] = Some(result);
            }
        }
    });
    for slot in slots {
        match slot {
            Some(Ok(records)) => out.extend(records),
            Some(Err(e)) => return Err(e),
            // Not read because an earlier-taken batch failed: that error comes first.
            None => continue,
        }
    }
    Ok(out)
}

/// One pass: refreshes the source, then applies up to `max_txs` transactions after the
/// cache's checkpoint, chunk by chunk, and records the progress in `sync`. Returns the
/// number of transactions applied. When the pass ends with nothing more to read,
/// `synced_at` becomes the time of the refresh and `ready` is set; on error
/// `last_error` is set (and `synced_at` kept).
pub fn sync_once(source: &dyn Source, cache: &Cache, sync: &SyncState, max_txs: usize) -> Result<u64, FollowError> {
    sync_pass(source, cache, sync, max_txs).map(|(applied, _)| applied)
}

/// [`sync_once`], also telling whether the cache caught up with the source.
fn sync_pass(source: &dyn Source, cache: &Cache, sync: &SyncState, max_txs: usize) -> Result<(u64, bool), FollowError> {
    match pass(source, cache, sync, max_txs) {
        Ok((applied, caught_up_at)) => {
            sync.update(|s| {
                s.last_error = None;
                if let Some(at) = caught_up_at {
                    s.synced_at = Some(at);
                    s.ready = true;
                }
            });
            Ok((applied, caught_up_at.is_some()))
        }
        Err(e) => {
            let message = e.to_string();
            sync.update(|s| s.last_error = Some(message));
            Err(e)
        }
    }
}

/// What a pass carries from one chunk's reads to the next.
struct PassReads {
    /// Whether the cache holds the organisations (or an update on its way there does).
    organizations_stored: bool,
    /// The certificates read most recently in this pass, when the source's reads stay
    /// put between refreshes (see [`pass`]); at most [`READ_IN_PASS`].
    read_in_pass: Option<RecentlyRead>,
}

/// The next chunk after `from` with everything it touched, read from the source; `None`
/// when the source has no transaction after `from`. The flag: whether the source had
/// nothing after this chunk.
fn next_update(
    source: &dyn Source,
    from: &Checkpoint,
    limit: usize,
    reads: &mut PassReads,
) -> Result<Option<(Update, bool)>, FollowError> {
    let mut chunk = read_chunk(source, from, limit)?;
    if chunk.txs.is_empty() {
        return Ok(None);
    }
    if let Some(read) = &reads.read_in_pass {
        chunk.ids.retain(|(id, _)| !read.contains(id));
    }
    let certificates = read_certificates(source, &chunk.ids)?;
    if let Some(read) = &mut reads.read_in_pass {
        for (id, _) in chunk.ids {
            read.insert(id);
        }
    }
    let issuers = if chunk.trust_changed { Some(source.issuer_keys()?) } else { None };
    // Also when the cache has none yet (one made before organisations were cached).
    let organizations =
        if chunk.trust_changed || !reads.organizations_stored { Some(source.organizations()?) } else { None };
    reads.organizations_stored |= organizations.is_some();
    Ok(Some((Update { txs: chunk.txs, certificates, issuers, organizations, start_at: None }, chunk.last)))
}

/// A chunk being written to the cache on a thread of its own.
struct Writing<'scope> {
    handle: std::thread::ScopedJoinHandle<'scope, Result<Checkpoint, CacheError>>,
    txs: u64,
    certificates: usize,
    trust_list: bool,
}

impl<'scope> Writing<'scope> {
    fn start<'env>(scope: &'scope std::thread::Scope<'scope, 'env>, cache: &'env Cache, update: Update) -> Self {
        let (txs, certificates, trust_list) =
            (update.txs.len() as u64, update.certificates.len(), update.issuers.is_some());
        Writing { handle: scope.spawn(move || cache.apply(&update)), txs, certificates, trust_list }
    }

    /// Waits for the write; the cache's new checkpoint and the transactions written.
    fn finish(self, height: u64) -> Result<(Checkpoint, u64), FollowError> {
        // A writer that panicked is a bug in the cache: pass the panic on.
        let checkpoint = self.handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        debug!(
            block = checkpoint.block_number,
            height,
            txs = self.txs,
            certificates = self.certificates,
            trust_list = self.trust_list,
            "applied a chunk"
        );
        Ok((checkpoint, self.txs))
    }
}

/// Returns the transactions applied and, if the source had nothing more, the time
/// (Unix seconds) of the refresh that the ledger's state is as of.
fn pass(
    source: &dyn Source,
    cache: &Cache,
    sync: &SyncState,
    max_txs: usize,
) -> Result<(u64, Option<i64>), FollowError> {
    if cache.needs_reopen() {
        // A write failed (a full disk, an I/O error): RocksDB refuses writes until the
        // database is reopened. Retried on every pass, with the loop's backoff.
        warn!(cache = %cache.path().display(), "reopening the cache after a failed write");
        if let Err(e) = cache.reopen() {
            warn!(cache = %cache.path().display(), error = %e, "cannot reopen the cache yet; will retry");
            return Err(e.into());
        }
        info!(cache = %cache.path().display(), "cache reopened; catching up with the ledger before anything reads fresh");
    }
    let refreshed_at = now();
    source.refresh()?;
    let height = source.height()?;
    let mut checkpoint: Checkpoint = cache.checkpoint()?;
    if checkpoint == Checkpoint::default() {
        if let Some(first) = source.snapshot_start()? {
            checkpoint = start_from_snapshot(source, cache, first)?;
        }
    }
    sync.update(|s| {
        s.source_height = height;
        s.checkpoint = checkpoint.clone();
    });
    same_ledger(source, &checkpoint, height)?;
    // Read once per pass, not per chunk: a cache made before organisations were cached
    // gets them with its next chunk, and has them from then on.
    let mut reads = PassReads {
        organizations_stored: cache.has_organizations()?,
        // From a source whose reads stay put until the next refresh, a certificate read
        // and written earlier in this pass is read the same again: its record in the
        // cache is already what the ledger holds as of this pass, whichever later chunk
        // names it too (an application and its approval often fall in two chunks).
        read_in_pass: source.fixed_between_refreshes().then(|| RecentlyRead::new(READ_IN_PASS)),
    };
    let mut applied = 0u64;
    let mut caught_up = false;
    // Chunk N is written on a thread of its own while chunk N + 1 is read: the two are
    // independent (what is read is the ledger's, not the cache's), and chunks are still
    // written one at a time, in order. A failure of either ends the pass once the write in
    // flight has ended, with the checkpoint of the last chunk written.
    std::thread::scope(|scope| -> Result<(), FollowError> {
        let mut writing: Option<Writing<'_>> = None;
        // Where the next chunk starts: after the last transaction read, written or not.
        let mut next_from = checkpoint.clone();
        let mut in_flight = 0u64;
        loop {
            let limit = CHUNK_BLOCKS.min(max_txs.saturating_sub((applied + in_flight) as usize));
            let read = if limit == 0 { Ok(None) } else { next_update(source, &next_from, limit, &mut reads) };
            if let Some(w) = writing.take() {
                let (written, txs) = w.finish(height)?;
                checkpoint = written;
                applied += txs;
                sync.update(|s| s.checkpoint = checkpoint.clone());
            }
            let Some((update, last)) = read? else {
                caught_up = limit > 0;
                return Ok(());
            };
            if let Some(tx) = update.txs.last() {
                next_from = Checkpoint::after(tx);
            }
            in_flight = update.txs.len() as u64;
            let w = Writing::start(scope, cache, update);
            if last {
                let (written, txs) = w.finish(height)?;
                checkpoint = written;
                applied += txs;
                sync.update(|s| s.checkpoint = checkpoint.clone());
                caught_up = true;
                return Ok(());
            }
            writing = Some(w);
        }
    })?;
    Ok((applied, caught_up.then_some(refreshed_at)))
}

/// Starts an empty cache from a source that joined the channel from a ledger snapshot
/// and holds no block before `first`: every certificate's current record, then the trust
/// list, the organisations and the checkpoint "nothing of block `first` applied". The
/// records come from the listing alone, with an empty trail: the source holds no history
/// from before its snapshot, and every certificate changed since is in a block from
/// `first` on, which the follower reads next — re-reading each certificate it touches
/// with its trail — so the cache ends where the ledger is. (Read-only queries cannot ask
/// for the state as of a block.)
///
/// The listing is read and written a page at a time, each page written while the next is
/// read: held whole, 10⁶ certificates took gigabytes of memory and one write batch, and
/// 10⁷ would not fit. The checkpoint is written last, so a cache stopped part way still
/// has none and starts from the snapshot again, writing each record anew (a record
/// written since by a later block is longer and kept).
fn start_from_snapshot(source: &dyn Source, cache: &Cache, first: u64) -> Result<Checkpoint, FollowError> {
    info!(
        first_block = first,
        source = %source.describe(),
        "the peer joined the channel from a ledger snapshot: starting the cache from its world state"
    );
    let mut count = 0usize;
    std::thread::scope(|scope| -> Result<(), FollowError> {
        let mut writing: Option<std::thread::ScopedJoinHandle<'_, Result<Checkpoint, CacheError>>> = None;
        let mut at = Some(ListPosition::default());
        while let Some(position) = at.take() {
            let page = source.certificate_page(&position);
            if let Some(w) = writing.take() {
                // A writer that panicked is a bug in the cache: pass the panic on.
                w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            }
            let ListedPage { certificates, next } = page?;
            count += certificates.len();
            at = next;
            let certificates = certificates
                .into_iter()
                .map(|certificate| CertificateRecord { certificate, history: Vec::new() })
                .collect();
            let update = Update { certificates, ..Update::default() };
            writing = Some(scope.spawn(move || cache.apply(&update)));
        }
        if let Some(w) = writing {
            w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        }
        Ok(())
    })?;
    let update = Update {
        issuers: Some(source.issuer_keys()?),
        organizations: Some(source.organizations()?),
        start_at: Some(Checkpoint { block_number: first, ..Checkpoint::default() }),
        ..Update::default()
    };
    let checkpoint = cache.apply(&update)?;
    info!(certificates = count, block = first, "cache started from the snapshot's world state; following from there");
    Ok(checkpoint)
}

/// Runs the follower on the blocking pool until `shutdown` becomes `true` (or its
/// sender is dropped): catches up without pausing, then polls every `poll`. The first
/// catch-up after start sets `SyncStatus.ready`. Stops within one chunk of the signal.
pub fn spawn(
    source: Arc<dyn Source>,
    cache: Arc<Cache>,
    sync: Arc<SyncState>,
    poll: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut failures: u32 = 0;
        let mut last_logged: Option<String> = None;
        let started = std::time::Instant::now();
        let start_block = sync.snapshot().checkpoint.block_number;
        let mut announced = false;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let (s, c, st) = (source.clone(), cache.clone(), sync.clone());
            let joined = tokio::task::spawn_blocking(move || sync_pass(s.as_ref(), &c, &st, CHUNK_BLOCKS)).await;
            let pause = match joined {
                Ok(Ok((applied, caught_up))) => {
                    if failures > 0 {
                        info!(checkpoint = sync.snapshot().checkpoint.block_number, "the ledger is readable again");
                    }
                    failures = 0;
                    last_logged = None;
                    let status = sync.snapshot();
                    if status.ready && !announced {
                        announced = true;
                        let blocks = status.checkpoint.block_number.saturating_sub(start_block);
                        let secs = started.elapsed().as_secs_f64();
                        info!(
                            block = status.checkpoint.block_number,
                            blocks,
                            seconds = format!("{secs:.3}"),
                            blocks_per_sec = format!("{:.0}", blocks as f64 / secs.max(1e-6)),
                            "caught up with the ledger; ready"
                        );
                    }
                    if !caught_up {
                        // Behind: go on at once (checking the shutdown signal between chunks).
                        if applied > 0 {
                            debug!(
                                checkpoint = status.checkpoint.block_number,
                                height = status.source_height,
                                "catching up"
                            );
                        }
                        Duration::ZERO
                    } else {
                        poll
                    }
                }
                Ok(Err(e)) => {
                    failures = failures.saturating_add(1);
                    let message = e.to_string();
                    if last_logged.as_deref() != Some(message.as_str()) {
                        warn!(error = %message, "cannot follow the ledger; verdicts become UNVERIFIABLE once the cache is too old");
                        last_logged = Some(message);
                    } else {
                        debug!(error = %message, failures, "still cannot follow the ledger");
                    }
                    backoff(poll, failures)
                }
                Err(join) => {
                    failures = failures.saturating_add(1);
                    let message = format!("the follower task failed: {join}");
                    warn!(error = %message, "follower pass aborted");
                    sync.update(|s| s.last_error = Some(message));
                    backoff(poll, failures)
                }
            };
            if pause.is_zero() {
                continue;
            }
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                () = tokio::time::sleep(pause) => {}
            }
        }
        debug!("follower stopped");
    })
}

/// `poll` doubled per consecutive failure, at most [`MAX_BACKOFF`] (never below `poll`).
fn backoff(poll: Duration, failures: u32) -> Duration {
    nanotrace_follow::backoff(poll, failures, MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceError;
    use nanotrace_model::IssuerKey;
    use nanotrace_model::{events, Event};
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    /// A scripted source: blocks with events, certificates by ID.
    #[derive(Default)]
    struct FakeSource {
        blocks: Mutex<Vec<SeenTx>>,
        fail: Mutex<Option<String>>,
        certificate_reads: Mutex<BTreeMap<String, usize>>,
        /// Every certificate read is this record under the ID asked for (none without).
        template: Option<nanotrace_model::Certificate>,
        /// What [`Source::fixed_between_refreshes`] says.
        fixed: bool,
        /// Joined from a snapshot: its first block ([`Source::snapshot_start`]).
        snapshot: Option<u64>,
        /// What [`Source::certificate_page`] lists, [`FAKE_PAGE`] at a time.
        listed: Vec<nanotrace_model::Certificate>,
        /// The pages listed so far, and the one (counted from 1) that fails.
        pages: Mutex<(usize, Option<usize>)>,
    }

    /// Certificates per page of [`FakeSource::listed`].
    const FAKE_PAGE: usize = 500;

    impl Source for FakeSource {
        fn refresh(&self) -> Result<(), SourceError> {
            match self.fail.lock().expect("lock").clone() {
                Some(message) => Err(SourceError::Unreachable { path: "fake".into(), message }),
                None => Ok(()),
            }
        }
        fn height(&self) -> Result<u64, SourceError> {
            Ok(self.blocks.lock().expect("lock").last().map_or(0, |tx| tx.block))
        }
        fn transactions(&self, after: &Checkpoint, limit: usize) -> Result<Vec<SeenTx>, SourceError> {
            let blocks = self.blocks.lock().expect("lock");
            Ok(blocks.iter().filter(|tx| after.precedes(tx)).take(limit).cloned().collect())
        }
        fn fixed_between_refreshes(&self) -> bool {
            self.fixed
        }
        fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>, SourceError> {
            *self.certificate_reads.lock().expect("lock").entry(id.to_owned()).or_default() += 1;
            Ok(self.template.as_ref().map(|t| CertificateRecord {
                certificate: nanotrace_model::Certificate { id: id.to_owned(), ..t.clone() },
                history: Vec::new(),
            }))
        }
        fn issuer_keys(&self) -> Result<Vec<IssuerKey>, SourceError> {
            Ok(Vec::new())
        }
        fn organizations(&self) -> Result<Vec<nanotrace_model::Organization>, SourceError> {
            Ok(Vec::new())
        }
        fn snapshot_start(&self) -> Result<Option<u64>, SourceError> {
            Ok(self.snapshot)
        }
        fn certificate_page(&self, at: &ListPosition) -> Result<ListedPage, SourceError> {
            let mut pages = self.pages.lock().expect("lock");
            pages.0 += 1;
            if Some(pages.0) == pages.1 {
                return Err(SourceError::Unreachable { path: "fake".into(), message: "page failed".into() });
            }
            let from: usize = if at.bookmark.is_empty() { 0 } else { at.bookmark.parse().expect("bookmark") };
            let to = (from + FAKE_PAGE).min(self.listed.len());
            let next = (to < self.listed.len()).then(|| ListPosition { status: 0, bookmark: to.to_string() });
            Ok(ListedPage { certificates: self.listed[from..to].to_vec(), next })
        }
    }

    fn tx(block: u64, name: &str) -> SeenTx {
        let event = Event {
            name: name.to_owned(),
            certificate_ids: vec![],
            status: None,
            flagged: vec![],
            tx_id: format!("tx{block}"),
        };
        SeenTx {
            block,
            tx_index: 0,
            tx_id: format!("tx{block}"),
            timestamp: 1,
            event_name: Some(name.to_owned()),
            event: Some(serde_json::to_value(event).expect("json")),
        }
    }

    #[test]
    fn nothing_applied_of_the_next_block_is_not_ahead_of_the_ledger() {
        // A cache started from a snapshot-joined peer waits at "nothing of block N applied"
        // while the peer's last block is N - 1.
        let source = FakeSource::default();
        let waiting = Checkpoint { block_number: 43, ..Checkpoint::default() };
        assert!(same_ledger(&source, &waiting, 42).is_ok());
        let applied = Checkpoint { transaction_id: "tx43".into(), ..waiting.clone() };
        assert!(matches!(same_ledger(&source, &applied, 42), Err(FollowError::Ahead { .. })));
        let beyond = Checkpoint { block_number: 44, ..Checkpoint::default() };
        assert!(matches!(same_ledger(&source, &beyond, 42), Err(FollowError::Ahead { .. })));
    }

    #[test]
    fn catches_up_in_chunks_and_becomes_ready() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("cache");
        let sync = SyncState::default();
        let source = FakeSource::default();
        *source.blocks.lock().expect("lock") = (1..=600).map(|b| tx(b, events::ROLE_GRANTED)).collect();
        assert_eq!(sync_once(&source, &cache, &sync, 300).expect("pass"), 300);
        let status = sync.snapshot();
        assert_eq!((status.checkpoint.block_number, status.source_height, status.ready), (300, 600, false));
        assert_eq!(status.synced_at, None);
        assert_eq!(sync_once(&source, &cache, &sync, usize::MAX).expect("pass"), 300);
        let status = sync.snapshot();
        assert!(status.ready && status.synced_at.is_some() && status.last_error.is_none());
        assert_eq!(cache.seen(1, 10_000).expect("seen").len(), 600);
        // Nothing new: nothing applied, still ready.
        assert_eq!(sync_once(&source, &cache, &sync, usize::MAX).expect("pass"), 0);
    }

    /// A Fabric-shaped source: blocks with many transactions, blocks without any.
    #[test]
    fn gaps_and_blocks_of_many_transactions_are_followed_exactly_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("cache");
        let sync = SyncState::default();
        let source = FakeSource::default();
        let mut txs = Vec::new();
        for (block, count) in [(2u64, 3u32), (5, 1), (9, 600)] {
            for index in 0..count {
                txs.push(SeenTx {
                    tx_index: index,
                    tx_id: format!("tx{block}.{index}"),
                    ..tx(block, events::ROLE_GRANTED)
                });
            }
        }
        *source.blocks.lock().expect("lock") = txs.clone();
        // Block 9 is split across two passes.
        assert_eq!(sync_once(&source, &cache, &sync, 300).expect("pass"), 300);
        let cp = cache.checkpoint().expect("cp");
        assert_eq!((cp.block_number, cp.transaction_id.as_str(), cp.transaction_index), (9, "tx9.295", 295));
        assert!(!sync.snapshot().ready);
        assert_eq!(sync_once(&source, &cache, &sync, usize::MAX).expect("pass"), 304);
        let status = sync.snapshot();
        assert!(status.ready && status.synced_at.is_some(), "{status:?}");
        assert_eq!(sync_once(&source, &cache, &sync, usize::MAX).expect("pass"), 0);
        assert_eq!(cache.seen(0, usize::MAX).expect("seen"), txs);
    }

    #[test]
    fn errors_keep_synced_at_and_set_last_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("cache");
        let sync = SyncState::default();
        let source = FakeSource::default();
        *source.blocks.lock().expect("lock") = vec![tx(1, events::BOOTSTRAPPED)];
        sync_once(&source, &cache, &sync, usize::MAX).expect("pass");
        let synced_at = sync.snapshot().synced_at;
        *source.fail.lock().expect("lock") = Some("gone".into());
        assert!(sync_once(&source, &cache, &sync, usize::MAX).is_err());
        let status = sync.snapshot();
        assert_eq!(status.synced_at, synced_at);
        assert!(status.last_error.as_deref().is_some_and(|e| e.contains("gone")));
        *source.fail.lock().expect("lock") = None;
        sync_once(&source, &cache, &sync, usize::MAX).expect("pass");
        assert!(sync.snapshot().last_error.is_none());
    }

    fn naming(block: u64, name: &str, ids: std::ops::Range<usize>) -> SeenTx {
        let mut tx = tx(block, name);
        let ids: Vec<String> = ids.map(|i| format!("NT-{i:012}")).collect();
        tx.event.as_mut().expect("event")["certificate_ids"] = serde_json::json!(ids);
        tx
    }

    /// Reads per certificate ID after following: 2,000 applications in two blocks, then
    /// the first 1,000 approved in a third block, which starts a second chunk (a chunk
    /// is cut once it names [`CHUNK_CERTIFICATES`]); then, in a second pass, a fourth
    /// block approving the first certificate again.
    fn reads_following(fixed: bool) -> (Vec<usize>, Vec<usize>) {
        let mut world = nanotrace_testkit::world::World::governed();
        let id = world.apply("LOT-READS");
        let source = FakeSource { template: Some(world.cert(&id)), fixed, ..FakeSource::default() };
        *source.blocks.lock().expect("lock") = vec![
            naming(1, events::CERTIFICATE_APPLIED, 0..1000),
            naming(2, events::CERTIFICATE_APPLIED, 1000..2000),
            naming(3, events::CERTIFICATE_ISSUED, 0..1000),
        ];
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("cache");
        let sync = SyncState::default();
        let counts = |source: &FakeSource| -> Vec<usize> {
            let reads = source.certificate_reads.lock().expect("lock");
            (0..2000).map(|i| reads.get(&format!("NT-{i:012}")).copied().unwrap_or(0)).collect()
        };
        assert_eq!(sync_once(&source, &cache, &sync, usize::MAX).expect("pass"), 3);
        assert_eq!(cache.seen(0, usize::MAX).expect("seen").len(), 3);
        assert!(cache.certificate("NT-000000000999").expect("read").is_some());
        let first = counts(&source);
        source.blocks.lock().expect("lock").push(naming(4, events::CERTIFICATE_ISSUED, 0..1));
        assert_eq!(sync_once(&source, &cache, &sync, usize::MAX).expect("pass"), 1);
        (first, counts(&source))
    }

    #[test]
    fn a_source_fixed_between_refreshes_has_each_certificate_read_once_a_pass() {
        let (first, second) = reads_following(true);
        assert!(first.iter().all(|&n| n == 1), "read again in the same pass: {:?}", &first[..4]);
        // The next pass comes after a refresh: what it names is read again.
        assert_eq!((second[0], second[1], second[1999]), (2, 1, 1));
        // A source whose reads move (a peer) has a certificate read in every chunk naming it.
        let (first, second) = reads_following(false);
        assert_eq!((first[0], first[999], first[1000], first[1999]), (2, 2, 1, 1));
        assert_eq!(second[0], 3);
    }

    /// A source joined from a snapshot at block 7: its world state listed into the cache a
    /// page at a time, the checkpoint last. A listing that fails part way leaves the cache
    /// without a checkpoint, and the next pass lists it again, whole.
    #[test]
    fn a_snapshot_joined_source_is_listed_into_the_cache_page_by_page_checkpoint_last() {
        let mut world = nanotrace_testkit::world::World::governed();
        let id = world.apply("LOT-SNAPSHOT");
        let template = world.cert(&id);
        let ids: Vec<String> = (0..1_200).map(|i| format!("NT-{i:012}")).collect();
        let source = FakeSource {
            snapshot: Some(7),
            listed: ids.iter().map(|id| nanotrace_model::Certificate { id: id.clone(), ..template.clone() }).collect(),
            pages: Mutex::new((0, Some(3))),
            ..FakeSource::default()
        };
        // The peer's last block is 6: the snapshot's first block, 7, is still to come.
        *source.blocks.lock().expect("lock") = vec![tx(6, events::ROLE_GRANTED)];
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("cache");
        let sync = SyncState::default();

        // The third page fails: the first two are written, the checkpoint is not.
        let failed = sync_once(&source, &cache, &sync, usize::MAX).expect_err("the third page fails");
        assert!(failed.to_string().contains("page failed"), "{failed}");
        assert_eq!(cache.checkpoint().expect("checkpoint"), Checkpoint::default());
        assert!(cache.certificate(&ids[999]).expect("read").is_some());
        assert!(cache.certificate(&ids[1_000]).expect("read").is_none());
        assert!(!sync.snapshot().ready);

        // The next pass lists every page again and starts at block 7, nothing of it applied.
        *source.pages.lock().expect("lock") = (0, None);
        assert_eq!(sync_once(&source, &cache, &sync, usize::MAX).expect("pass"), 0);
        assert_eq!(source.pages.lock().expect("lock").0, 3, "1,200 certificates in pages of {FAKE_PAGE}");
        let checkpoint = cache.checkpoint().expect("checkpoint");
        assert_eq!((checkpoint.block_number, checkpoint.transaction_id.as_str()), (7, ""));
        assert_eq!(cache.certificate_ids().expect("ids"), ids);
        assert!(sync.snapshot().ready);
    }

    #[test]
    fn a_named_certificate_missing_from_the_ledger_stops_the_pass() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("cache");
        let sync = SyncState::default();
        let source = FakeSource::default();
        let mut applied = tx(1, events::CERTIFICATE_APPLIED);
        applied.event.as_mut().expect("event")["certificate_ids"] = serde_json::json!(["NT-AAAAAAAAAAAA"]);
        *source.blocks.lock().expect("lock") = vec![applied];
        let err = sync_once(&source, &cache, &sync, usize::MAX).expect_err("missing");
        assert!(matches!(err, FollowError::MissingCertificate { block: 1, .. }), "{err}");
        assert_eq!(cache.checkpoint().expect("cp").block_number, 0);
    }

    /// Hands out one record under any ID, except `failing`; with `wait_for_two`, each
    /// read waits (up to 5 s) until two reads have been in flight at once.
    struct Records {
        template: nanotrace_model::Certificate,
        failing: Option<String>,
        wait_for_two: bool,
        /// (reads in flight, the most ever in flight at once, whether a read gave up
        /// waiting)
        in_flight: Mutex<(usize, usize, bool)>,
        changed: std::sync::Condvar,
    }

    impl Records {
        fn new(failing: Option<String>, wait_for_two: bool) -> Self {
            let mut world = nanotrace_testkit::world::World::governed();
            let id = world.apply("LOT-PARALLEL");
            Records {
                template: world.cert(&id),
                failing,
                wait_for_two,
                in_flight: Mutex::new((0, 0, false)),
                changed: Default::default(),
            }
        }

        fn most_in_flight(&self) -> usize {
            self.in_flight.lock().expect("lock").1
        }
    }

    impl Source for Records {
        fn refresh(&self) -> Result<(), SourceError> {
            Ok(())
        }
        fn height(&self) -> Result<u64, SourceError> {
            Ok(0)
        }
        fn transactions(&self, _: &Checkpoint, _: usize) -> Result<Vec<SeenTx>, SourceError> {
            Ok(Vec::new())
        }
        fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>, SourceError> {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            let mut counts = self.in_flight.lock().expect("lock");
            counts.0 += 1;
            counts.1 = counts.1.max(counts.0);
            self.changed.notify_all();
            while self.wait_for_two && counts.1 < 2 && !counts.2 {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                let (again, waited) = self.changed.wait_timeout(counts, left).expect("lock");
                counts = again;
                if waited.timed_out() {
                    counts.2 = true;
                }
            }
            counts.0 -= 1;
            drop(counts);
            if self.failing.as_deref() == Some(id) {
                return Err(SourceError::Inconsistent(format!("cannot read {id}")));
            }
            let certificate = nanotrace_model::Certificate { id: id.to_owned(), ..self.template.clone() };
            Ok(Some(CertificateRecord { certificate, history: Vec::new() }))
        }
        fn issuer_keys(&self) -> Result<Vec<IssuerKey>, SourceError> {
            Ok(Vec::new())
        }
        fn organizations(&self) -> Result<Vec<nanotrace_model::Organization>, SourceError> {
            Ok(Vec::new())
        }
    }

    #[test]
    fn a_chunks_certificates_are_read_at_once_and_kept_in_order() {
        let ids: Vec<(String, u64)> = (0..300).map(|i| (format!("NT-{i:012}"), 1 + i / 100)).collect();
        let source = Records::new(None, true);
        let read = read_certificates(&source, &ids).expect("read");
        let got: Vec<&str> = read.iter().map(|r| r.certificate.id.as_str()).collect();
        let want: Vec<&str> = ids.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(got, want);
        assert!(source.most_in_flight() >= 2, "read one at a time");
        // A failure is the pass's error, naming the certificate.
        let source = Records::new(Some(ids[150].0.clone()), true);
        let err = read_certificates(&source, &ids).expect_err("a read fails");
        assert!(err.to_string().contains(&ids[150].0), "{err}");
        // A small chunk is read on the caller's thread.
        let source = Records::new(None, false);
        assert_eq!(read_certificates(&source, &ids[..IDS_PER_READER]).expect("read").len(), IDS_PER_READER);
        assert_eq!(source.most_in_flight(), 1);
    }

    #[test]
    fn a_cache_ahead_of_the_ledger_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("cache");
        let sync = SyncState::default();
        let source = FakeSource::default();
        *source.blocks.lock().expect("lock") = vec![tx(1, events::BOOTSTRAPPED), tx(2, events::ROLE_GRANTED)];
        sync_once(&source, &cache, &sync, usize::MAX).expect("pass");
        source.blocks.lock().expect("lock").pop();
        assert!(matches!(
            sync_once(&source, &cache, &sync, usize::MAX),
            Err(FollowError::Ahead { checkpoint: 2, height: 1 })
        ));
    }

    #[test]
    fn a_cache_of_another_ledger_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("cache");
        let sync = SyncState::default();
        let source = FakeSource::default();
        *source.blocks.lock().expect("lock") = vec![tx(1, events::BOOTSTRAPPED), tx(2, events::ROLE_GRANTED)];
        sync_once(&source, &cache, &sync, usize::MAX).expect("pass");
        source.blocks.lock().expect("lock")[1].tx_id = "another".into();
        let err = sync_once(&source, &cache, &sync, usize::MAX).expect_err("diverged");
        assert!(matches!(err, FollowError::Diverged { block: 2, .. }), "{err}");
        assert!(sync.snapshot().last_error.is_some_and(|e| e.contains("another ledger")));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let poll = Duration::from_millis(100);
        assert_eq!(backoff(poll, 1), poll);
        assert_eq!(backoff(poll, 2), Duration::from_millis(200));
        assert_eq!(backoff(poll, 30), MAX_BACKOFF);
        assert_eq!(backoff(Duration::from_secs(10), 5), Duration::from_secs(10));
    }
}
