//! Why the cache could not be read or written: [`CacheError`], each with its context.

use super::FORMAT_VERSION;
use std::path::PathBuf;

/// Why the cache could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// RocksDB could not open the directory (missing permissions, held by another
    /// process, ...).
    #[error("cannot open the cache at {}: {source}", path.display())]
    Open {
        /// The cache directory.
        path: PathBuf,
        /// RocksDB's error.
        source: rocksdb::Error,
    },
    /// A read or write failed.
    #[error("cache storage error while {context}: {source}")]
    Storage {
        /// What the cache was doing.
        context: &'static str,
        /// RocksDB's error.
        source: rocksdb::Error,
    },
    /// A file of the cache other than RocksDB's (the stored answers' segments) could not
    /// be read or written.
    #[error("cache I/O error on {} while {context}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the cache was doing.
        context: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A stored value cannot be decoded.
    #[error("cache record {what} is corrupt: {message}")]
    Corrupt {
        /// Which record.
        what: String,
        /// Why it cannot be decoded.
        message: String,
    },
    /// The cache was built from another source (another kind of ledger, channel or
    /// chaincode) than the one configured.
    #[error(
        "the cache at {} was built from {cached}, not from {configured}: it cannot serve another ledger; \
         use another --cache-dir (or delete this one to rebuild it)",
        path.display()
    )]
    Binding {
        /// The cache directory.
        path: PathBuf,
        /// What the cache was built from.
        cached: String,
        /// What the verifier is configured to follow.
        configured: String,
    },
    /// A certificate the cache does not hold could not be read from the ledger (the
    /// peer failed): the answer is UNVERIFIABLE, never UNKNOWN.
    #[error("certificate {id} is not in the cache and the ledger cannot be read: {message}")]
    Miss {
        /// The certificate ID.
        id: String,
        /// Why the ledger could not be read.
        message: String,
    },
    /// The cache is closed: a reopen after a storage error
    /// ([`Cache::reopen`](super::Cache::reopen)) has not succeeded yet.
    #[error("the cache at {} is closed after a storage error and not reopened yet", path.display())]
    Closed {
        /// The cache directory.
        path: PathBuf,
    },
    /// The cache was written in a format this verifier does not know.
    #[error(
        "the cache at {} has on-disk format {found}, but this verifier reads format {FORMAT_VERSION} \
         (a newer verifier wrote it?): delete the cache directory to rebuild it from the ledger",
        path.display()
    )]
    Format {
        /// The cache directory.
        path: PathBuf,
        /// The version found on disk.
        found: String,
    },
}

/// A stored value that cannot be decoded (or encoded): which one, and why.
pub(super) fn corrupt(what: impl Into<String>, e: impl std::fmt::Display) -> CacheError {
    CacheError::Corrupt { what: what.into(), message: e.to_string() }
}
