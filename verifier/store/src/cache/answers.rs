//! Answers rendered as records are written (issue 76, second piece).
//!
//! A certificate's first ask used to read its record, decode it, take its signature mark
//! and render its answer: ~65–80 µs of CPU, a third of what nginx spends on a file. With a
//! [`Renderer`] installed ([`Cache::render_answers_with`]), [`Cache::apply`] renders the
//! answers of every record it writes — the renderer's bytes, opaque here — compresses
//! them once, on the thread that rendered them ([`super::packed`]), and appends them to
//! the answers' segment files ([`super::answer_log`]); the column family `answers` holds
//! each certificate's *pointer* to them, written in the same batch as the record. A
//! lookup finds them through an index in memory and reads them with one `pread`
//! ([`Cache::stored_answers`]), and writes only their freshness anew, as it does for an
//! answer kept in memory. The OS's page cache holds the hot ones, as it holds nginx's
//! files.
//!
//! What an answer depends on besides its record — the trust list, the organisations and
//! the renderer itself (its templates, the public URL) — is one 16-byte [`EnvDigest`]
//! stored at the head of the pointer and of the entry; a lookup takes the answers only
//! under the digest in force, read after them. A change of the trust list or the
//! organisations thus makes every stored answer stale at once, in the batch that writes
//! the change; the certificates that batch writes get answers under the new digest, the
//! others are rendered again in the background ([`Cache::render_missing`]) and answered
//! as before meanwhile. Replaced answers leave dead bytes in their segments, which the
//! background reclaims ([`Cache::compact_answers`]).
//!
//! Every write of a record writes its answers or deletes them: no answer of an older
//! version of a record is ever left (a record read through on a miss, or written by a
//! process without a renderer, has its answers deleted). The meta key
//! `answers-complete` says under which digest every certificate's answers were last
//! found rendered; a write without a renderer removes it, so that the next verifier
//! with one renders what is missing. (A record read through on a miss has none until
//! the follower writes it again: it is answered as before.)

use super::answer_log::{AnswerLog, Change, Loc};
use super::db::cf;
use super::error::{corrupt, CacheError};
use super::layout::{ANSWERS_COMPLETE_KEY, CF_ANSWERS, CF_CERTS, CF_META, ORGANIZATIONS_KEY};
use super::packed;
use super::signed::{check_if_active, TrustDigest};
use super::{parallel, Cache, CertificateRecord};
use nanotrace_model::{check_issuance, CertificateStatus, Forgery, IssuerKey, Organization};
use rocksdb::{Direction, IteratorMode, WriteBatch, DB};
use sha2::{Digest, Sha256};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// What a certificate's answers are rendered from.
#[derive(Debug, Clone, Copy)]
pub struct ToRender<'a> {
    /// The record as written.
    pub record: &'a CertificateRecord,
    /// For an ACTIVE record, whether its issuance signature vouches for it against
    /// `issuers` ([`nanotrace_model::check_issuance`]); `None` for the others.
    pub authenticity: Option<&'a Result<(), Forgery>>,
    /// The trust list in force.
    pub issuers: &'a [IssuerKey],
    /// The registered organisations.
    pub organizations: &'a [Organization],
    /// The second it is rendered in (Unix seconds).
    pub at: i64,
}

/// Renders a certificate's answers as the cache writes its record (the web layer's
/// pages and JSON). Called on the follower's threads, in parallel.
pub trait Renderer: Send + Sync {
    /// What the answers depend on besides the data — the templates, the public URL, the
    /// dictionary — as 16 bytes: another identity makes every stored answer stale.
    fn identity(&self) -> [u8; 16];

    /// The bytes the answers are compressed against (an LZ4 dictionary): what every
    /// certificate's answers share, e.g. a specimen certificate's answers. The same for
    /// as long as the identity is (an answer is read back against the dictionary of the
    /// renderer whose identity it was stored under). None by default.
    fn dictionary(&self) -> &[u8] {
        &[]
    }

    /// The answers of `what.record`, as bytes the renderer reads back; `None` when they
    /// are not to be stored (they are then rendered when asked for).
    fn render(&self, what: &ToRender<'_>) -> Option<Vec<u8>>;
}

/// What stored answers were rendered under: the trust list, the organisations and the
/// renderer's identity.
pub(super) type EnvDigest = [u8; 16];

/// Certificates whose answers a compaction moves in one batch ([`Cache::compact_answers`]):
/// the records' lock is held while they are (a few milliseconds).
const MOVE_CHUNK: usize = 1024;

/// A certificate's pointer as `answers` holds it: the digest its answers were rendered
/// under, then where they lie.
fn pointer(env: &EnvDigest, loc: Loc) -> Vec<u8> {
    [env.as_slice(), loc.encode().as_slice()].concat()
}

/// The digest and location a stored pointer holds; `None` for a value of another form
/// (written by an older verifier, under another digest).
fn read_pointer(value: &[u8]) -> Option<(EnvDigest, Loc)> {
    let (env, loc) = value.split_first_chunk::<16>()?;
    Some((*env, Loc::decode(loc)?))
}

/// The answers' segments in `path`, indexed from the pointers `db` holds.
pub(super) fn open_answer_log(db: &DB, path: &std::path::Path) -> Result<AnswerLog, CacheError> {
    let mut pointers = Vec::new();
    for item in db.iterator_cf(cf(db, CF_ANSWERS)?, IteratorMode::Start) {
        let (key, value) =
            item.map_err(|source| CacheError::Storage { context: "reading answers' pointers", source })?;
        if let Some((_, loc)) = read_pointer(&value) {
            pointers.push((key.into_vec(), loc));
        }
    }
    let (log, dangling) = AnswerLog::open(path, pointers)?;
    if !dangling.is_empty() {
        tracing::warn!(
            certificates = dangling.len(),
            "stored answers name segment files that are gone; those certificates are answered as before \
             until their answers are rendered again"
        );
    }
    Ok(log)
}

/// The digest of the trust list of digest `trust`, the organisations stored as
/// `organizations` and the renderer `identity`.
pub(super) fn env_digest(trust: TrustDigest, organizations: &[u8], identity: [u8; 16]) -> EnvDigest {
    let mut hash = Sha256::new();
    hash.update(b"nanotrace-verifier answers 4\0");
    hash.update(trust);
    hash.update(Sha256::digest(organizations));
    hash.update(identity);
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&hash.finalize()[..16]);
    digest
}

/// The answers `renderer` renders of `what`, compressed for storage ([`packed`]).
fn render_packed(renderer: &dyn Renderer, what: &ToRender<'_>) -> Option<Vec<u8>> {
    packed::pack(&renderer.render(what)?, renderer.dictionary())
}

/// A record's issuance check as it is written ([`check_if_active`]) and its answers.
pub(super) type Checked = (Option<Result<(), Forgery>>, Option<Vec<u8>>);

/// What [`Cache::stale_answers`] found.
struct Scan {
    /// The records whose answers are missing or stale.
    stale: Vec<CertificateRecord>,
    /// The last certificate looked at.
    last: Option<Vec<u8>>,
    /// Whether that was the last certificate.
    end: bool,
}

/// How far [`Cache::render_missing`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backfill {
    /// Every certificate has its answers under the digest in force (or no renderer is
    /// installed).
    Done,
    /// Some were rendered; call again.
    More {
        /// Certificates whose answers this call rendered.
        rendered: usize,
    },
}

impl Cache {
    /// From now on renders every written record's answers with `renderer` and stores
    /// them ([`Cache::stored_answers`]). The answers stored before, under another
    /// renderer, are stale: [`Cache::render_missing`] renders them again.
    pub fn render_answers_with(&self, renderer: Arc<dyn Renderer>) {
        let _records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        *self.renderer.write().unwrap_or_else(|p| p.into_inner()) = Some(renderer);
        self.answers_complete.store(false, Ordering::SeqCst);
        self.forget_answers_env();
    }

    /// The answers' segments and their index.
    pub(super) fn answer_log(&self) -> Arc<AnswerLog> {
        self.answer_log.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The answers' segment files: (files, bytes, bytes live).
    pub fn answer_file_sizes(&self) -> (usize, u64, u64) {
        self.answer_log().sizes()
    }

    /// The renderer installed, if any.
    pub(super) fn renderer(&self) -> Option<Arc<dyn Renderer>> {
        self.renderer.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether every certificate's answers were found rendered under the digest in force
    /// by the last [`Cache::render_missing`] (and none written since without them).
    pub fn answers_complete(&self) -> bool {
        self.answers_complete.load(Ordering::SeqCst)
    }

    /// Whether answers are rendered and some may still be missing: a renderer is
    /// installed and [`Cache::answers_complete`] is not (yet) true.
    pub fn answers_pending(&self) -> bool {
        self.renderer.read().unwrap_or_else(|p| p.into_inner()).is_some() && !self.answers_complete()
    }

    /// The answers stored for `id` under the digest in force, as `read` takes them from
    /// the renderer's bytes; `None` when there are none (not rendered, stale, or no
    /// renderer installed). One lookup in memory and one `pread` (the answers' segments);
    /// the digest is read after it, so that answers read before a change of the trust
    /// list are not taken under the digest after it.
    pub fn stored_answers<T>(&self, id: &str, read: impl FnOnce(&[u8]) -> Option<T>) -> Result<Option<T>, CacheError> {
        // A closed cache answers nothing.
        drop(self.db()?);
        let Some(body) = self.answer_log().read(id)? else { return Ok(None) };
        let Some((digest, rest)) = body.split_first_chunk::<16>() else {
            return Err(corrupt(format!("answers of {id}"), "shorter than their digest"));
        };
        // Answers of another digest may be of another format: they are not read. Those of
        // this digest were compressed against this renderer's dictionary (its identity is
        // in the digest).
        let Some(renderer) = self.renderer() else { return Ok(None) };
        if *digest != self.answers_env_for(renderer.as_ref())? {
            return Ok(None);
        }
        let found = read(&packed::unpack(id, rest, renderer.dictionary())?);
        if found.is_some() {
            self.answers_read.fetch_add(1, Ordering::Relaxed);
        }
        Ok(found)
    }

    /// The digest stored answers must carry now; `None` without a renderer.
    pub(super) fn answers_env(&self) -> Result<Option<EnvDigest>, CacheError> {
        let Some(renderer) = self.renderer() else { return Ok(None) };
        self.answers_env_for(renderer.as_ref()).map(Some)
    }

    /// The digest answers `renderer` stores carry now. (Remembered with its identity: a
    /// digest made for a renderer replaced meanwhile is not taken for this one's.)
    fn answers_env_for(&self, renderer: &dyn Renderer) -> Result<EnvDigest, CacheError> {
        let identity = renderer.identity();
        if let Some((of, digest)) = self.memoized(|memo| &memo.answers_env) {
            if of == identity {
                return Ok(digest);
            }
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let trust = self.trust()?;
        let organizations = self.stored_organizations()?;
        let digest = env_digest(trust, &organizations, identity);
        self.remember(generation, |memo| memo.answers_env = Some((identity, digest)));
        Ok(digest)
    }

    /// The organisations as stored (empty when there are none).
    pub(super) fn stored_organizations(&self) -> Result<Vec<u8>, CacheError> {
        let db = self.db()?;
        let stored = db
            .get_pinned_cf(cf(&db, CF_META)?, ORGANIZATIONS_KEY)
            .map_err(|source| CacheError::Storage { context: "reading the organisations", source })?;
        Ok(stored.map(|bytes| bytes.to_vec()).unwrap_or_default())
    }

    /// Checks the issuance signature of every ACTIVE record of `records` against
    /// `issuers`, and renders each one's answers when a renderer is installed, on the
    /// machine's cores: the checks ([`check_if_active`]) and the answers, in order.
    pub(super) fn check_and_render(
        &self,
        records: &[&CertificateRecord],
        issuers: &[IssuerKey],
        organizations: &[Organization],
    ) -> Vec<Checked> {
        let renderer = self.renderer();
        let at = nanotrace_model::clock::unix_now();
        parallel::map(records, |record| {
            let check = check_if_active(record, issuers);
            let answers = renderer.as_deref().and_then(|r| {
                render_packed(r, &ToRender { record, authenticity: check.as_ref(), issuers, organizations, at })
            });
            (check, answers)
        })
    }

    /// Appends the answers of each of `records` (`answers`, in order, rendered under
    /// `env`) to the answers' segments and adds their pointers to `batch`, or their
    /// deletion where there are none. Without `env` (no renderer) also the removal of
    /// `answers-complete`: the answers of the records written are missing. Returns the
    /// index's changes, to [`commit`](Cache::commit_answers) once `batch` is written.
    #[must_use = "the index takes the answers once their batch is written"]
    pub(super) fn put_answers(
        &self,
        batch: &mut WriteBatch,
        records: &[&CertificateRecord],
        answers: impl IntoIterator<Item = Option<Vec<u8>>>,
        env: Option<EnvDigest>,
    ) -> Result<Vec<Change>, CacheError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let log = self.answer_log();
        let db = self.db()?;
        let family = cf(&db, CF_ANSWERS)?;
        let mut bodies = Vec::new();
        let mut changes = Vec::with_capacity(records.len());
        for (record, answers) in records.iter().zip(answers) {
            let key = record.certificate.id.as_bytes();
            match (env, answers) {
                (Some(env), Some(bytes)) => bodies.push((key, [env.as_slice(), &bytes].concat())),
                _ => {
                    batch.delete_cf(family, key);
                    changes.push(log.forget(key));
                }
            }
        }
        if let Some(env) = env {
            let entries: Vec<(&[u8], &[u8])> = bodies.iter().map(|(key, body)| (*key, body.as_slice())).collect();
            for ((key, _), (loc, change)) in bodies.iter().zip(self.append_answers(&log, &entries)?) {
                batch.put_cf(family, key, pointer(&env, loc));
                changes.push(change);
            }
        } else {
            batch.delete_cf(cf(&db, CF_META)?, ANSWERS_COMPLETE_KEY);
            self.answers_complete.store(false, Ordering::SeqCst);
        }
        self.answers_rendered.fetch_add(bodies.len() as u64, Ordering::Relaxed);
        Ok(changes)
    }

    /// Appends `entries` to `log` ([`AnswerLog::append`]). A failure (a full disk) is a
    /// failed write: the cache is reopened before it writes again, as after one of
    /// RocksDB's ([`Cache::reopen`]), and the index is read again from the pointers.
    fn append_answers(&self, log: &AnswerLog, entries: &[(&[u8], &[u8])]) -> Result<Vec<(Loc, Change)>, CacheError> {
        log.append(entries).inspect_err(|_| self.broken.store(true, Ordering::SeqCst))
    }

    /// Makes the answers' index take `changes`, whose batch is written.
    pub(super) fn commit_answers(&self, changes: Vec<Change>) {
        if !changes.is_empty() {
            self.answer_log().commit(changes);
        }
    }

    /// Reclaims the dead bytes of one answers' segment, if one is worth it: moves its live
    /// entries to the segment appended to, 1,024 at a time (each chunk read, appended and
    /// its pointers written in one batch under the records' lock), then deletes it. Whether it compacted one (call
    /// again until not).
    pub fn compact_answers(&self) -> Result<bool, CacheError> {
        let log = self.answer_log();
        let Some(segment) = log.to_compact() else { return Ok(false) };
        let mut from = Some(0);
        let mut moved_in_all = 0usize;
        while let Some(offset) = from {
            // Under the records' lock from the reading of the chunk to its pointers' write,
            // so that no answer the follower replaces meanwhile is moved back over it.
            let _records = self.records.lock().unwrap_or_else(|p| p.into_inner());
            if !Arc::ptr_eq(&log, &self.answer_log()) {
                // Reopened meanwhile: the new index is made from the pointers as stored.
                return Ok(false);
            }
            let (entries, next) = log.live_entries(segment, offset, MOVE_CHUNK)?;
            from = next;
            let moving: Vec<(&[u8], &[u8])> =
                entries.iter().filter(|e| e.body.len() >= 16).map(|e| (e.id.as_slice(), e.body.as_slice())).collect();
            if moving.is_empty() {
                continue;
            }
            let moved = self.append_answers(&log, &moving)?;
            let mut batch = WriteBatch::default();
            {
                let db = self.db()?;
                let family = cf(&db, CF_ANSWERS)?;
                for ((id, body), (loc, _)) in moving.iter().zip(&moved) {
                    let mut env = [0u8; 16];
                    env.copy_from_slice(&body[..16]);
                    batch.put_cf(family, id, pointer(&env, *loc));
                }
            }
            self.write(batch, "moving stored answers")?;
            moved_in_all += moved.len();
            log.commit(moved.into_iter().map(|(_, change)| change));
        }
        let _records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if !Arc::ptr_eq(&log, &self.answer_log()) {
            return Ok(false);
        }
        log.remove_segment(segment)?;
        tracing::debug!(segment, moved = moved_in_all, "compacted a segment of stored answers");
        Ok(true)
    }

    /// Renders the answers of at most `limit` certificates whose stored answers are
    /// missing or stale (another digest), going on from where the last call stopped;
    /// records `answers-complete` once a pass over every certificate found nothing more
    /// to render. Holds the records' lock while it reads records and writes answers, so
    /// that no answer it renders replaces one of a newer record.
    pub fn render_missing(&self, limit: usize) -> Result<Backfill, CacheError> {
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let Some(env) = self.answers_env()? else { return Ok(Backfill::Done) };
        let complete: Option<Vec<u8>> = {
            let db = self.db()?;
            db.get_cf(cf(&db, CF_META)?, ANSWERS_COMPLETE_KEY)
                .map_err(|source| CacheError::Storage { context: "reading answers-complete", source })?
        };
        if complete.as_deref() == Some(env.as_slice()) {
            self.answers_complete.store(true, Ordering::SeqCst);
            return Ok(Backfill::Done);
        }
        self.answers_complete.store(false, Ordering::SeqCst);
        let mut cursor = self.answers_cursor.lock().unwrap_or_else(|p| p.into_inner());
        let from = match cursor.as_ref() {
            Some((digest, key)) if *digest == env => key.clone(),
            _ => Vec::new(),
        };
        let Scan { stale, last, end } = self.stale_answers(&from, limit, env)?;
        let issuers = self.issuers()?;
        let organizations = self.organizations()?;
        let refs: Vec<&CertificateRecord> = stale.iter().collect();
        // The marks the follower left, else the check itself.
        let mut checks = Vec::with_capacity(refs.len());
        for record in &refs {
            checks.push(match record.certificate.status {
                CertificateStatus::Active if self.marked_signed(record)? => Some(Ok(())),
                CertificateStatus::Active => Some(check_issuance(&record.certificate, &issuers)),
                _ => None,
            });
        }
        let renderer = self.renderer();
        let at = nanotrace_model::clock::unix_now();
        let pairs: Vec<(&CertificateRecord, &Option<Result<(), Forgery>>)> =
            refs.iter().copied().zip(&checks).collect();
        let answers = parallel::map(&pairs, |(record, check)| {
            renderer.as_deref().and_then(|r| {
                render_packed(
                    r,
                    &ToRender {
                        record,
                        authenticity: check.as_ref(),
                        issuers: &issuers,
                        organizations: &organizations,
                        at,
                    },
                )
            })
        });
        let mut batch = WriteBatch::default();
        let changes = self.put_answers(&mut batch, &refs, answers, Some(env))?;
        if end {
            let db = self.db()?;
            batch.put_cf(cf(&db, CF_META)?, ANSWERS_COMPLETE_KEY, env);
        }
        self.write(batch, "writing answers rendered in the background")?;
        self.commit_answers(changes);
        drop(records);
        if end {
            *cursor = None;
            self.answers_complete.store(true, Ordering::SeqCst);
            return Ok(Backfill::Done);
        }
        *cursor = last.map(|key| (env, key));
        Ok(Backfill::More { rendered: refs.len() })
    }

    /// The records after key `from` (all of them from the first when empty), of at most
    /// `limit` looked at, whose stored answers are missing or not of digest `env`.
    fn stale_answers(&self, from: &[u8], limit: usize, env: EnvDigest) -> Result<Scan, CacheError> {
        let db = self.db()?;
        let answers = cf(&db, CF_ANSWERS)?;
        let log = self.answer_log();
        let mut stale = Vec::new();
        let mut last = None;
        let mut looked = 0usize;
        for item in db.iterator_cf(cf(&db, CF_CERTS)?, IteratorMode::From(from, Direction::Forward)) {
            let (key, value) =
                item.map_err(|source| CacheError::Storage { context: "scanning certificates", source })?;
            if key.as_ref() == from {
                continue;
            }
            if looked == limit.max(1) {
                return Ok(Scan { stale, last, end: false });
            }
            looked += 1;
            // Current: under the digest in force, and found by the index (a pointer to a
            // segment that is gone is rendered again).
            let current = db
                .get_pinned_cf(answers, &key)
                .map_err(|source| CacheError::Storage { context: "reading answers", source })?
                .and_then(|bytes| read_pointer(&bytes))
                .is_some_and(|(digest, loc)| digest == env && log.names(&key, loc));
            if !current {
                let id = String::from_utf8_lossy(&key).into_owned();
                stale.push(serde_json::from_slice(&value).map_err(|e| corrupt(id, e))?);
            }
            last = Some(key.to_vec());
        }
        Ok(Scan { stale, last, end: true })
    }
}
