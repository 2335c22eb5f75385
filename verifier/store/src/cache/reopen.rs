//! Reopening after a failed write: RocksDB refuses every write after one fails, until the
//! database is opened again (see "Recovery from a failed write" on [`Cache`]).

use super::answers::open_answer_log;
use super::db::open_db;
use super::error::CacheError;
use super::Cache;
use std::sync::atomic::Ordering;

impl Cache {
    /// Whether a write failed (or a reopen did) since the database was last opened: it
    /// refuses writes until [`Cache::reopen`] succeeds.
    pub fn needs_reopen(&self) -> bool {
        self.broken.load(Ordering::SeqCst)
    }

    /// Closes the database and opens it again from disk, after a failed write; then
    /// re-checks its format and the binding recorded by [`Cache::bind`]. The memo is
    /// dropped. On failure the cache stays closed (every read is an error) and still
    /// [`needs_reopen`](Cache::needs_reopen), so the caller retries later.
    pub fn reopen(&self) -> Result<(), CacheError> {
        {
            // No write in flight: the answers' index is made anew from what is on disk.
            let _records = self.records.lock().unwrap_or_else(|p| p.into_inner());
            let mut db = self.db.write().unwrap_or_else(|p| p.into_inner());
            // Until the reopen succeeds, the cache needs one.
            self.broken.store(true, Ordering::SeqCst);
            // The old handle must be closed first: RocksDB locks the directory.
            drop(db.take());
            self.forget();
            // A closed cache answers nothing, "no such certificate" included.
            self.negatives.clear();
            let opened = open_db(&self.path)?;
            // A write reported failed may still have reached the disk: the index is read
            // again from the pointers as stored.
            let log = open_answer_log(&opened, &self.path)?;
            *self.answer_log.write().unwrap_or_else(|p| p.into_inner()) = std::sync::Arc::new(log);
            *db = Some(opened);
        }
        let checked = self.check_format().and_then(|()| self.answer_log().delete_unnamed()).and_then(|()| {
            let bound = self.bound.read().unwrap_or_else(|p| p.into_inner()).clone();
            match bound {
                Some(binding) => self.bind(&binding),
                None => Ok(()),
            }
        });
        if let Err(e) = checked {
            // Refused (or cannot even be checked): serve nothing from it.
            *self.db.write().unwrap_or_else(|p| p.into_inner()) = None;
            return Err(e);
        }
        self.broken.store(false, Ordering::SeqCst);
        self.forget();
        Ok(())
    }
}
