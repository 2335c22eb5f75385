//! The notifier's durable state in RocksDB: the checkpoint, the outbox, the dead letters
//! and the certificates the expiry timer watches.
//!
//! A follower pass writes the notifications of a run of transactions, the watched
//! certificates they changed and the new checkpoint in ONE write batch (synced): after a
//! crash at any point the store holds either all of a pass or none of it, so no event is
//! lost and none is queued twice. Delivery removes a message from the outbox after the
//! target accepted it; a crash between the two re-sends that message once more, with
//! the same ID (at most what was in flight).
//!
//! The folder `--store` names (the same for `run` and `dead-letters`) holds this
//! database in `db/` ([`DB_DIR`]) and, with the embedded ledger, the follower's own
//! read-only instance in `follower/` ([`FOLLOWER_DIR`]).
//!
//! Keys (one column family): `c` checkpoint · `n` next sequence number · `o` + seq
//! outbox entry · `q` + due time + seq the outbox entry's place in the due-time index ·
//! `d` + seq dead letter · `w` + certificate ID watched certificate · `r` + notification
//! ID an expiry reminder already queued. Values are JSON (the index's are empty).
//!
//! The delivery loop asks for the due messages every 100 ms. It used to read the whole
//! outbox for them, so a backlog waiting for its next attempt — a receiver down for a
//! while — cost a full scan each time: 2.9 s per call at 1,000,000 messages (issue 49,
//! `cargo bench -p nanotrace-notify --bench backlog`). The index (written in the same
//! batch as the entry it points to) lets [`Store::due`] read only what is due. Each open
//! rebuilds it from the outbox, so a store written by a version without it, or changed
//! by one, is indexed whole again.

use crate::route::{Notification, Watched};
use nanotrace_follow::Checkpoint;
use rocksdb::{Direction, IteratorMode, Options, ReadOptions, WriteBatch, WriteOptions, DB};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The database's folder inside the store folder.
pub const DB_DIR: &str = "db";
/// The embedded source's follower instance inside the store folder.
pub const FOLLOWER_DIR: &str = "follower";
/// A file every RocksDB database folder holds.
const ROCKSDB_MARKER: &str = "CURRENT";

const CHECKPOINT: &[u8] = b"c";
const NEXT_SEQ: &[u8] = b"n";
const OUTBOX: u8 = b'o';
const DUE: u8 = b'q';
const DEAD: u8 = b'd';
const WATCHED: u8 = b'w';
const REMINDED: u8 = b'r';

/// Why the store cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be opened (another process has it, or it is damaged).
    #[error(
        "cannot open the notifier's store at {}: {source} (only one process may use it at a time: stop the \
         running nanotrace-notify first)",
        path.display()
    )]
    Open {
        /// The store directory.
        path: PathBuf,
        /// RocksDB's error.
        #[source]
        source: rocksdb::Error,
    },
    /// A read or write failed.
    #[error("the notifier's store at {} failed to {what}: {source}", path.display())]
    Io {
        /// The store directory.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// RocksDB's error.
        #[source]
        source: rocksdb::Error,
    },
    /// The folder given as the store is not one (and, for `run`, is not new or empty).
    #[error("{} is not a notifier store: {reason}", path.display())]
    NotAStore {
        /// The folder.
        path: PathBuf,
        /// What it is instead, and what to give.
        reason: String,
    },
    /// The store folder cannot be read.
    #[error("cannot read the store folder {}: {source}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why not.
        #[source]
        source: std::io::Error,
    },
    /// A value cannot be decoded.
    #[error("the notifier's store at {} holds a damaged {what}: {message}", path.display())]
    Corrupt {
        /// The store directory.
        path: PathBuf,
        /// Which value.
        what: &'static str,
        /// Why it cannot be read.
        message: String,
    },
}

/// A message waiting for delivery (or, in the dead-letter list, given up on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its position in the outbox (queue order).
    pub seq: u64,
    /// The message.
    pub notification: Notification,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (Unix milliseconds).
    pub next_attempt_ms: i64,
    /// When it was queued (Unix milliseconds).
    pub queued_ms: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// The store (see the module docs). One process at a time.
pub struct Store {
    db: DB,
    path: PathBuf,
    /// Serialises the sequence counter's read-modify-write.
    seq: Mutex<()>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

/// `q` ‖ due time (Unix milliseconds, u64 big-endian; before 1970 counts as 1970) ‖ seq
/// (u64 big-endian): the outbox in the order its entries fall due.
fn due_key(due_ms: i64, seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(17);
    k.push(DUE);
    k.extend_from_slice(&u64::try_from(due_ms).unwrap_or(0).to_be_bytes());
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn key(prefix: u8, rest: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + rest.len());
    k.push(prefix);
    k.extend_from_slice(rest);
    k
}

/// Whether `dir` holds a RocksDB database.
fn is_database(dir: &Path) -> bool {
    dir.join(ROCKSDB_MARKER).is_file()
}

impl Store {
    /// Opens (or creates) the database at `path` itself (the library's callers; the
    /// command line goes through [`Store::check_folder`] and [`Store::open_folder`]).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, true)
    }

    fn open_with(path: &Path, create: bool) -> Result<Store, StoreError> {
        let mut options = Options::default();
        options.create_if_missing(create);
        let db = DB::open(&options, path).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        let store = Store { db, path: path.to_owned(), seq: Mutex::new(()) };
        store.reindex()?;
        Ok(store)
    }

    /// Rebuilds the due-time index from the outbox (see the module docs).
    fn reindex(&self) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        batch.delete_range([DUE], [DUE + 1]);
        for entry in self.outbox()? {
            batch.put(due_key(entry.next_attempt_ms, entry.seq), []);
        }
        self.write(batch, "index the outbox by due time")
    }

    /// Adds to `batch` the removal of the index entry of outbox entry `seq`, as stored.
    fn unindex(&self, batch: &mut WriteBatch, seq: u64) -> Result<(), StoreError> {
        if let Some(bytes) =
            self.db.get_pinned(key(OUTBOX, &seq.to_be_bytes())).map_err(self.io("read an outbox entry"))?
        {
            let stored: Entry = self.decode("outbox entry", &bytes)?;
            batch.delete(due_key(stored.next_attempt_ms, seq));
        }
        Ok(())
    }

    /// The database folder inside the store folder `folder`.
    pub fn db_path(folder: &Path) -> PathBuf {
        folder.join(DB_DIR)
    }

    /// The follower's folder inside the store folder `folder`.
    pub fn follower_path(folder: &Path) -> PathBuf {
        folder.join(FOLLOWER_DIR)
    }

    /// Checks, before `run` creates anything, that `folder` can be its store folder: a
    /// store already, or missing, or holding nothing but the store's own folders.
    pub fn check_folder(folder: &Path) -> Result<(), StoreError> {
        if is_database(&Store::db_path(folder)) || !folder.exists() {
            return Ok(());
        }
        let entries =
            std::fs::read_dir(folder).map_err(|source| StoreError::Folder { path: folder.to_owned(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| StoreError::Folder { path: folder.to_owned(), source })?;
            let name = entry.file_name();
            if name != DB_DIR && name != FOLLOWER_DIR {
                return Err(StoreError::NotAStore {
                    path: folder.to_owned(),
                    reason: format!(
                        "it holds {:?} and no store; give a new or empty folder, or the store's own",
                        name.to_string_lossy()
                    ),
                });
            }
        }
        Ok(())
    }

    /// `run`'s store in the store folder `folder`, created when new (see
    /// [`Store::check_folder`], which `run` calls first).
    pub fn create_in_folder(folder: &Path) -> Result<Store, StoreError> {
        Store::check_folder(folder)?;
        Store::open(&Store::db_path(folder))
    }

    /// The store in the store folder `folder` (what `run --store` was given), for the
    /// dead-letter commands: never created, and a folder that holds none is an error.
    pub fn open_folder(folder: &Path) -> Result<Store, StoreError> {
        let db = Store::db_path(folder);
        if !is_database(&db) {
            let reason = if is_database(folder) {
                "it is the database folder inside a store: give its parent, the --store that `run` uses".to_owned()
            } else if !folder.exists() {
                "it does not exist (give the --store that `run` uses)".to_owned()
            } else {
                format!("it holds no {DB_DIR}/ database (give the --store that `run` uses)")
            };
            return Err(StoreError::NotAStore { path: folder.to_owned(), reason });
        }
        Store::open_with(&db, false)
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, what: &'static str) -> impl FnOnce(rocksdb::Error) -> StoreError + '_ {
        move |source| StoreError::Io { path: self.path.clone(), what, source }
    }

    fn decode<T: for<'de> Deserialize<'de>>(&self, what: &'static str, bytes: &[u8]) -> Result<T, StoreError> {
        serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            what,
            message: e.to_string(),
        })
    }

    fn encode<T: Serialize>(&self, what: &'static str, value: &T) -> Result<Vec<u8>, StoreError> {
        serde_json::to_vec(value).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            what,
            message: e.to_string(),
        })
    }

    fn write(&self, batch: WriteBatch, what: &'static str) -> Result<(), StoreError> {
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db.write_opt(batch, &options).map_err(self.io(what))
    }

    /// How far the notifier has followed the ledger.
    pub fn checkpoint(&self) -> Result<Checkpoint, StoreError> {
        match self.db.get(CHECKPOINT).map_err(self.io("read the checkpoint"))? {
            Some(bytes) => self.decode("checkpoint", &bytes),
            None => Ok(Checkpoint::default()),
        }
    }

    fn next_seq(&self) -> Result<u64, StoreError> {
        match self.db.get(NEXT_SEQ).map_err(self.io("read the sequence counter"))? {
            Some(bytes) => {
                let array: [u8; 8] = bytes.as_slice().try_into().map_err(|_| StoreError::Corrupt {
                    path: self.path.clone(),
                    what: "sequence counter",
                    message: format!("{} bytes, not 8", bytes.len()),
                })?;
                Ok(u64::from_be_bytes(array))
            }
            None => Ok(1),
        }
    }

    /// Queues `notifications`, records `watched` changes (`None`: no longer watched) and
    /// moves the checkpoint to `checkpoint`, in one synced write batch.
    pub fn commit_pass(
        &self,
        checkpoint: &Checkpoint,
        notifications: Vec<Notification>,
        watched: &[(String, Option<Watched>)],
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        let _guard = self.seq.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut batch = WriteBatch::default();
        let queued = self.queue_into(&mut batch, notifications, now_ms)?;
        for (id, w) in watched {
            let k = key(WATCHED, id.as_bytes());
            match w {
                Some(w) => batch.put(k, self.encode("watched certificate", w)?),
                None => batch.delete(k),
            }
        }
        batch.put(CHECKPOINT, self.encode("checkpoint", checkpoint)?);
        self.write(batch, "write a pass (notifications and checkpoint)")?;
        Ok(queued)
    }

    fn queue_into(
        &self,
        batch: &mut WriteBatch,
        notifications: Vec<Notification>,
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        let mut seq = self.next_seq()?;
        let count = notifications.len();
        for notification in notifications {
            let entry =
                Entry { seq, notification, attempts: 0, next_attempt_ms: now_ms, queued_ms: now_ms, last_error: None };
            batch.put(key(OUTBOX, &seq.to_be_bytes()), self.encode("outbox entry", &entry)?);
            batch.put(due_key(now_ms, seq), []);
            seq += 1;
        }
        batch.put(NEXT_SEQ, seq.to_be_bytes());
        Ok(count)
    }

    /// Queues the expiry reminders not queued before (each notification ID once, ever).
    /// Returns how many were new.
    pub fn queue_reminders(&self, reminders: Vec<Notification>, now_ms: i64) -> Result<usize, StoreError> {
        let _guard = self.seq.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut fresh = Vec::new();
        for n in reminders {
            let marker = key(REMINDED, n.id.as_bytes());
            if self.db.get_pinned(&marker).map_err(self.io("read a reminder marker"))?.is_none()
                && !fresh.iter().any(|f: &Notification| f.id == n.id)
            {
                fresh.push(n);
            }
        }
        if fresh.is_empty() {
            return Ok(0);
        }
        let mut batch = WriteBatch::default();
        for n in &fresh {
            batch.put(key(REMINDED, n.id.as_bytes()), b"");
        }
        let queued = self.queue_into(&mut batch, fresh, now_ms)?;
        self.write(batch, "queue expiry reminders")?;
        Ok(queued)
    }

    fn scan<T: for<'de> Deserialize<'de>>(
        &self,
        prefix: u8,
        what: &'static str,
        mut keep: impl FnMut(&T) -> bool,
        limit: usize,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        for item in self.db.iterator(IteratorMode::From(&[prefix], Direction::Forward)) {
            let (k, v) = item.map_err(self.io("read the store"))?;
            if k.first() != Some(&prefix) {
                break;
            }
            let value: T = self.decode(what, &v)?;
            if keep(&value) {
                out.push(value);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Outbox entries due at `now_ms`, at most `limit`: the earliest due first, in queue
    /// order among those due at the same time. Reads the index up to `now_ms` and those
    /// entries alone, however many wait beyond it.
    pub fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let mut out = Vec::new();
        let mut options = ReadOptions::default();
        options.set_iterate_upper_bound(due_key(now_ms.saturating_add(1), 0));
        for item in self.db.iterator_opt(IteratorMode::From(&[DUE], Direction::Forward), options) {
            if out.len() >= limit {
                break;
            }
            let (k, _) = item.map_err(self.io("read the due-time index"))?;
            let seq = k
                .get(9..17)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
                .filter(|_| k.first() == Some(&DUE) && k.len() == 17)
                .ok_or_else(|| StoreError::Corrupt {
                    path: self.path.clone(),
                    what: "due-time index",
                    message: format!("a key of {} bytes", k.len()),
                })?;
            let entry = self.db.get_pinned(key(OUTBOX, &seq.to_be_bytes())).map_err(self.io("read an outbox entry"))?;
            // Written and removed in one batch with its entry: never without one.
            if let Some(bytes) = entry {
                out.push(self.decode("outbox entry", &bytes)?);
            }
        }
        Ok(out)
    }

    /// Every outbox entry.
    pub fn outbox(&self) -> Result<Vec<Entry>, StoreError> {
        self.scan(OUTBOX, "outbox entry", |_: &Entry| true, usize::MAX)
    }

    /// Every dead letter.
    pub fn dead_letters(&self) -> Result<Vec<Entry>, StoreError> {
        self.scan(DEAD, "dead letter", |_: &Entry| true, usize::MAX)
    }

    /// Every watched certificate.
    pub fn watched(&self) -> Result<Vec<Watched>, StoreError> {
        self.scan(WATCHED, "watched certificate", |_: &Watched| true, usize::MAX)
    }

    /// The target accepted `entry`: it leaves the outbox.
    pub fn delivered(&self, entry: &Entry) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.unindex(&mut batch, entry.seq)?;
        batch.delete(key(OUTBOX, &entry.seq.to_be_bytes()));
        self.db.write(batch).map_err(self.io("remove a delivered message"))
    }

    /// `entry` failed and will be tried again (its attempts and next time updated).
    pub fn reschedule(&self, entry: &Entry) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.unindex(&mut batch, entry.seq)?;
        batch.put(key(OUTBOX, &entry.seq.to_be_bytes()), self.encode("outbox entry", entry)?);
        batch.put(due_key(entry.next_attempt_ms, entry.seq), []);
        self.db.write(batch).map_err(self.io("reschedule a message"))
    }

    /// `entry` failed for the last time: it moves to the dead letters.
    pub fn bury(&self, entry: &Entry) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.unindex(&mut batch, entry.seq)?;
        batch.delete(key(OUTBOX, &entry.seq.to_be_bytes()));
        batch.put(key(DEAD, &entry.seq.to_be_bytes()), self.encode("dead letter", entry)?);
        self.write(batch, "move a message to the dead letters")
    }

    /// Moves dead letters back into the outbox, due now with their attempts reset: those
    /// whose notification ID is in `ids`, or all when `ids` is empty. Returns those moved.
    pub fn resend(&self, ids: &[String], now_ms: i64) -> Result<Vec<Entry>, StoreError> {
        let chosen: Vec<Entry> =
            self.dead_letters()?.into_iter().filter(|e| ids.is_empty() || ids.contains(&e.notification.id)).collect();
        let mut batch = WriteBatch::default();
        let mut moved = Vec::with_capacity(chosen.len());
        for mut e in chosen {
            batch.delete(key(DEAD, &e.seq.to_be_bytes()));
            e.attempts = 0;
            e.next_attempt_ms = now_ms;
            batch.put(key(OUTBOX, &e.seq.to_be_bytes()), self.encode("outbox entry", &e)?);
            batch.put(due_key(now_ms, e.seq), []);
            moved.push(e);
        }
        if !moved.is_empty() {
            self.write(batch, "move dead letters back to the outbox")?;
        }
        Ok(moved)
    }

    /// How many messages are queued and how many are dead letters.
    pub fn counts(&self) -> Result<(usize, usize), StoreError> {
        let count = |prefix: u8| -> Result<usize, StoreError> {
            let mut n = 0;
            for item in self.db.iterator(IteratorMode::From(&[prefix], Direction::Forward)) {
                let (k, _) = item.map_err(self.io("count the store"))?;
                if k.first() != Some(&prefix) {
                    break;
                }
                n += 1;
            }
            Ok(n)
        };
        Ok((count(OUTBOX)?, count(DEAD)?))
    }
}

#[cfg(test)]
mod tests;
