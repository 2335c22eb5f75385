//! The memo: decoded records kept in memory between updates. An applied update drops the
//! entries it touched and keeps the rest; a reopen drops everything. Either starts a new
//! generation of the cache, so that nothing read before it is remembered after it.

use super::error::CacheError;
use super::layout::CF_CERTS;
use super::{Cache, CertificateRecord};
use nanotrace_model::{check_issuance, Forgery, IssuerKey, Organization};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;

/// Decoded records kept in memory between updates, so that hot lookups skip RocksDB and
/// JSON decoding. Exact: this process is the cache's only writer, and every update
/// drops what it touched (issue 49: clearing everything on every update left the memo
/// mostly empty on a ledger that commits every second). (IDs that do not exist are kept
/// apart, in the negative cache, which outlives updates.)
#[derive(Default)]
pub(super) struct Memo {
    /// The cache's generation these entries were read under.
    generation: u64,
    certificates: HashMap<String, CertificateRecord>,
    /// Whether the certifier's signature vouches for each certificate's current record
    /// ([`nanotrace_model::check_issuance`] against the trust list): dropped with the
    /// record when an update touches it, all of it when the trust list changes.
    authentic: HashMap<String, Result<(), Forgery>>,
    /// The trust list.
    pub(super) issuers: Option<Vec<IssuerKey>>,
    /// The trust list's digest, which signature marks name ([`super::signed`]).
    pub(super) trust: Option<super::signed::TrustDigest>,
    /// The registered organisations.
    pub(super) organizations: Option<Vec<Organization>>,
    /// The digest stored answers must carry ([`super::answers`]), with the identity of the
    /// renderer it was made for: dropped with the trust list or the organisations.
    pub(super) answers_env: Option<([u8; 16], super::answers::EnvDigest)>,
    /// What the last updates touched, oldest first: the certificates written since a
    /// generation, for readers that keep something derived from every certificate
    /// ([`Cache::touched_since`]).
    recent: VecDeque<Touched>,
    /// The oldest generation `recent` can judge from: the memo was started over then, or
    /// the updates before it have left `recent`.
    recent_from: u64,
    /// The generation of the last update that wrote each certificate, since
    /// `touched_from`: whether an answer rendered under any generation since is still
    /// its certificate's ([`Cache::unchanged_since`]), however many updates ago — a
    /// window of the last updates alone made every answer kept longer than
    /// [`RECENT_UPDATES`] updates (half a minute of a ledger committing every second) be
    /// rendered anew, and with lookups spread over 10⁶ certificates most are asked for
    /// less often than that. At most [`TOUCHED_CAPACITY`] certificates; past it, it
    /// starts over.
    last_touched: HashMap<String, u64>,
    /// The oldest generation `last_touched` can judge from.
    touched_from: u64,
    /// The last generation that changed the trust list or the organisations, which every
    /// answer shows.
    everything_at: u64,
}

/// What one update touched.
#[derive(Debug)]
struct Touched {
    /// The generation the update started.
    generation: u64,
    /// The certificates it wrote, sorted.
    ids: Vec<String>,
}

/// Updates remembered in [`Memo::recent`]: a minute of a ledger committing every second.
pub(super) const RECENT_UPDATES: usize = 64;

/// At most this many certificates in [`Memo::last_touched`] (about 80 MB): at 100
/// certificates committed a second, the last three hours of updates.
pub(super) const TOUCHED_CAPACITY: usize = 1_000_000;

/// At most this many certificates are memoised; past it, the memo starts over.
const MEMO_CAPACITY: usize = 50_000;

impl Memo {
    /// An empty memo of `generation`, which vouches for nothing before it.
    pub(super) fn starting_at(generation: u64) -> Self {
        Memo { generation, recent_from: generation, touched_from: generation, ..Memo::default() }
    }

    /// Remembers the record of `id`.
    pub(super) fn insert_certificate(&mut self, id: &str, found: CertificateRecord) {
        // Full: start over rather than stop remembering until the next update.
        if self.certificates.len() >= MEMO_CAPACITY {
            self.certificates.clear();
        }
        self.certificates.insert(id.to_owned(), found);
    }

    /// Remembers whether the certifier's signature vouches for the record of `id`.
    pub(super) fn insert_authenticity(&mut self, id: &str, found: Result<(), Forgery>) {
        if self.authentic.len() >= MEMO_CAPACITY {
            self.authentic.clear();
        }
        self.authentic.insert(id.to_owned(), found);
    }
}

impl Cache {
    /// Bumped after every applied update.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The record of `id` if it is in memory (`Some(None)`: known not to exist, from the
    /// negative cache, or from the tables' Bloom filters and the memtables when misses are
    /// not read from a ledger); `None` when only RocksDB can tell. Never blocks on I/O.
    pub fn memoized_certificate(&self, id: &str) -> Option<Option<CertificateRecord>> {
        if let Some(hit) = self.remembered_certificate(id) {
            return Some(hit);
        }
        // Unknown IDs (a mistyped code, a forged label, a scan of random codes) answered on the
        // spot instead of on the blocking pool: RocksDB answers "surely absent" from memory. A
        // ledger read through on a miss may know what the cache does not, so not then.
        if !self.reads_misses_from_ledger() && self.surely_absent(CF_CERTS, id.as_bytes()) {
            self.filter_absent.fetch_add(1, Ordering::Relaxed);
            return Some(None);
        }
        None
    }

    /// The record of `id` if the memo holds it (`Some(None)`: the negative cache knows it
    /// does not exist); `None` otherwise. No I/O, not even the tables' filters.
    pub(super) fn remembered_certificate(&self, id: &str) -> Option<Option<CertificateRecord>> {
        {
            let memo = self.memo.read().unwrap_or_else(|p| p.into_inner());
            if memo.generation == self.generation.load(Ordering::SeqCst) {
                if let Some(found) = memo.certificates.get(id) {
                    return Some(Some(found.clone()));
                }
            }
        }
        self.negatives.contains(id).then_some(None)
    }

    /// Whether the certifier's signature vouches for `record`, the record of its
    /// certificate read under `generation` ([`Cache::generation`], read before the record):
    /// the mark made when this version of the record was written, against the trust list
    /// in force (the cache's `signed` marks), or else [`nanotrace_model::check_issuance`] against
    /// the trust list; remembered until an update touches the certificate or the trust
    /// list. Reads the mark and, without one, the trust list from RocksDB.
    pub fn authenticity(&self, record: &CertificateRecord, generation: u64) -> Result<Result<(), Forgery>, CacheError> {
        if let Some(found) = self.remembered_authenticity(&record.certificate.id, generation) {
            return Ok(found);
        }
        if self.marked_signed(record)? {
            self.signed_marks.fetch_add(1, Ordering::Relaxed);
            self.remember(generation, |memo| memo.insert_authenticity(&record.certificate.id, Ok(())));
            return Ok(Ok(()));
        }
        let issuers = self.issuers()?;
        Ok(self.check_and_remember(record, generation, &issuers))
    }

    /// [`Cache::authenticity`] when the trust list is in memory (no I/O); `None` otherwise.
    pub fn authenticity_memoized(&self, record: &CertificateRecord, generation: u64) -> Option<Result<(), Forgery>> {
        if let Some(found) = self.remembered_authenticity(&record.certificate.id, generation) {
            return Some(found);
        }
        let issuers = self.memoized_issuers()?;
        Some(self.check_and_remember(record, generation, &issuers))
    }

    /// What the memo remembers of `id`'s authenticity, if it is of `generation` and that
    /// is the current one.
    fn remembered_authenticity(&self, id: &str, generation: u64) -> Option<Result<(), Forgery>> {
        let memo = self.memo.read().unwrap_or_else(|p| p.into_inner());
        if memo.generation != generation || self.generation.load(Ordering::SeqCst) != generation {
            return None;
        }
        memo.authentic.get(id).cloned()
    }

    /// Checks `record` against `issuers` and remembers the answer unless an update came
    /// since `generation` (the record may then be older than the one it would stand for).
    fn check_and_remember(
        &self,
        record: &CertificateRecord,
        generation: u64,
        issuers: &[IssuerKey],
    ) -> Result<(), Forgery> {
        let found = check_issuance(&record.certificate, issuers);
        self.checked_signatures.fetch_add(1, Ordering::Relaxed);
        self.remember(generation, |memo| memo.insert_authenticity(&record.certificate.id, found.clone()));
        found
    }

    /// The trust list if it is in memory.
    pub fn memoized_issuers(&self) -> Option<Vec<IssuerKey>> {
        self.memoized(|memo| &memo.issuers)
    }

    /// The registered organisations if they are in memory.
    pub fn memoized_organizations(&self) -> Option<Vec<Organization>> {
        self.memoized(|memo| &memo.organizations)
    }

    /// What `field` of the memo holds, if the memo is of the current generation.
    pub(super) fn memoized<T: Clone>(&self, field: impl FnOnce(&Memo) -> &Option<T>) -> Option<T> {
        let memo = self.memo.read().unwrap_or_else(|p| p.into_inner());
        if memo.generation != self.generation.load(Ordering::SeqCst) {
            return None;
        }
        field(&memo).clone()
    }

    /// Stores into the memo what was read under `generation`, unless an update came since.
    pub(super) fn remember(&self, generation: u64, f: impl FnOnce(&mut Memo)) {
        let mut memo = self.memo.write().unwrap_or_else(|p| p.into_inner());
        if memo.generation == generation && self.generation.load(Ordering::SeqCst) == generation {
            f(&mut memo);
        }
    }

    /// Drops the entries an update touched — the certificates `ids`, the trust list when
    /// `issuers`, the organisations when `organizations` — and keeps every other: a new
    /// generation, under the memo's lock, so that a read made before the update is not
    /// remembered after it ([`Cache::remember`]) while what the memo holds stays exact.
    pub(super) fn forget_touched<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
        issuers: bool,
        organizations: bool,
    ) {
        let mut memo = self.memo.write().unwrap_or_else(|p| p.into_inner());
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        if memo.generation + 1 != generation {
            // Entries of an older generation than the one just ended: none may be kept.
            *memo = Memo::starting_at(generation);
            return;
        }
        memo.generation = generation;
        let mut touched: Vec<String> = Vec::new();
        for id in ids {
            memo.certificates.remove(id);
            memo.authentic.remove(id);
            touched.push(id.to_owned());
        }
        if memo.last_touched.len() + touched.len() > TOUCHED_CAPACITY {
            // Updates up to the one before this are forgotten: answers rendered under
            // generations before `generation - 1` cannot be vouched for any more.
            memo.last_touched.clear();
            memo.touched_from = generation - 1;
        }
        for id in &touched {
            memo.last_touched.insert(id.clone(), generation);
        }
        if issuers || organizations {
            memo.everything_at = generation;
        }
        touched.sort_unstable();
        memo.recent.push_back(Touched { generation, ids: touched });
        if memo.recent.len() > RECENT_UPDATES {
            if let Some(oldest) = memo.recent.pop_front() {
                memo.recent_from = oldest.generation;
            }
        }
        if issuers {
            memo.issuers = None;
            memo.trust = None;
            memo.authentic.clear();
        }
        if organizations {
            memo.organizations = None;
        }
        if issuers || organizations {
            memo.answers_env = None;
        }
    }

    /// Drops the answers' digest kept in the memo (a renderer was installed).
    pub(super) fn forget_answers_env(&self) {
        self.memo.write().unwrap_or_else(|p| p.into_inner()).answers_env = None;
    }

    /// Whether the certificate `id`, the trust list and the organisations are what they
    /// were under `generation`: no update since touched them. False when that cannot be
    /// told (the memo started over since, or more certificates than it remembers
    /// were written since: 10⁶).
    pub fn unchanged_since(&self, id: &str, generation: u64) -> bool {
        let memo = self.memo.read().unwrap_or_else(|p| p.into_inner());
        let current = self.generation.load(Ordering::SeqCst);
        if generation == current {
            return true;
        }
        if memo.generation != current || generation < memo.touched_from || generation > current {
            return false;
        }
        memo.everything_at <= generation && memo.last_touched.get(id).is_none_or(|&at| at <= generation)
    }

    /// The certificates the updates since `generation` wrote, each once, sorted; `None`
    /// when that cannot be told (an update too long ago, or the memo started over since).
    /// What a reader that kept something derived from every certificate at `generation`
    /// (the status lists' bits) must read again.
    pub fn touched_since(&self, generation: u64) -> Option<Vec<String>> {
        let memo = self.memo.read().unwrap_or_else(|p| p.into_inner());
        let current = self.generation.load(Ordering::SeqCst);
        if generation == current {
            return Some(Vec::new());
        }
        if memo.generation != current || generation < memo.recent_from || generation > current {
            return None;
        }
        let mut ids: Vec<String> =
            memo.recent.iter().filter(|t| t.generation > generation).flat_map(|t| t.ids.iter().cloned()).collect();
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    }

    /// Drops every memo entry (a new generation): a reopen. The negative cache is kept:
    /// an update invalidates the IDs it applied ([`Cache::apply`]).
    pub(super) fn forget(&self) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        *self.memo.write().unwrap_or_else(|p| p.into_inner()) = Memo::starting_at(generation);
    }
}
