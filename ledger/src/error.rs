//! [`LedgerError`]: everything that can go wrong in the ledger itself.

use crate::STORED_FORMAT;
use nanotrace_shim::StubError;
use std::path::PathBuf;

/// Everything that can go wrong in the ledger itself.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// RocksDB could not open the database (missing, locked by another process, or
    /// unreadable).
    #[error("cannot open the ledger at {}: {source}", path.display())]
    Open {
        /// The ledger directory.
        path: PathBuf,
        /// RocksDB's error.
        #[source]
        source: rocksdb::Error,
    },
    /// A backup could not be made where it was asked for.
    #[error("cannot back up the ledger to {}: {message}", path.display())]
    Backup {
        /// The backup's directory.
        path: PathBuf,
        /// Why not.
        message: String,
    },
    /// `check` could not make its scratch folder (in the temporary folder, `TMPDIR`).
    #[error("cannot make a scratch folder for the ledger check in {}: {source}", path.display())]
    Scratch {
        /// Where it was to go.
        path: PathBuf,
        /// Why not.
        #[source]
        source: std::io::Error,
    },
    /// A RocksDB read or write failed.
    #[error("storage error while {context}: {source}")]
    Storage {
        /// What the ledger was doing, e.g. `reading the log`.
        context: String,
        /// RocksDB's error.
        #[source]
        source: rocksdb::Error,
    },
    /// Stored data is malformed or inconsistent (e.g. the head hash does not match the
    /// last log entry); says what and where.
    #[error("the ledger is corrupt: {0}")]
    Corrupt(String),
    /// A [`StubError`] raised inside the ledger itself (e.g. while applying a write set's
    /// validation parameters at commit, or [`StubError::EndorsementPolicyFailure`] when
    /// a transaction fails key-level endorsement); displayed as that error.
    #[error(transparent)]
    Stub(#[from] StubError),
    /// A record could not be serialised to JSON.
    #[error("cannot encode {what}: {source}")]
    Encode {
        /// What was being encoded, e.g. `log entry`.
        what: &'static str,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// The system clock cannot give a transaction timestamp (before 1970 or out of range).
    #[error("system clock: {0}")]
    Clock(String),
    /// The ledger was written in a stored format this version does not read (see
    /// [`STORED_FORMAT`]); nothing was changed.
    #[error(
        "the ledger at {} is in stored format {found}, but this nanotrace reads and writes only format {STORED_FORMAT}{hint}",
        path.display()
    )]
    UnsupportedFormat {
        /// The ledger directory.
        path: PathBuf,
        /// The format found (1 = a ledger written before format versions were recorded).
        found: u64,
        /// What to do about it.
        hint: &'static str,
    },
    /// `submit` on a ledger opened with [`Ledger::open_follower`](crate::Ledger::open_follower); holds its path.
    #[error("this ledger at {} is opened as a read-only follower; transactions must go through the process that owns it", .0.display())]
    ReadOnly(PathBuf),
    /// A transaction whose ID a committed transaction already has: a replay.
    #[error("transaction {0} has already been committed (a replayed transaction is refused)")]
    DuplicateTxId(String),
}

/// Lets closures whose error type is `StubError` be used with [`Ledger::submit`](crate::Ledger::submit).
impl From<LedgerError> for StubError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::Stub(inner) => inner,
            other => StubError::Ledger(other.to_string()),
        }
    }
}

pub(crate) fn storage(context: impl Into<String>) -> impl FnOnce(rocksdb::Error) -> LedgerError {
    let context = context.into();
    move |source| LedgerError::Storage { context, source }
}
