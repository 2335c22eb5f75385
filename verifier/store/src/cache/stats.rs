//! How the cache answered certificate lookups: RocksDB, the ledger, the negative cache.

use super::Cache;
use std::sync::atomic::Ordering;

/// How the cache answered certificate lookups since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LookupStats {
    /// Reads of RocksDB.
    pub disk_reads: u64,
    /// Reads of the ledger through [`Cache::read_misses_from`] (on Fabric: the peer).
    pub ledger_reads: u64,
    /// Lookups answered "no such certificate" from the negative cache.
    pub negative_hits: u64,
    /// Lookups answered "no such certificate" by the tables' Bloom filters and the
    /// memtables, without I/O ([`Cache::memoized_certificate`]).
    pub filter_absent: u64,
    /// Issuance signatures checked by lookups (each record version without a mark once
    /// while the memo keeps it).
    pub checked_signatures: u64,
    /// Issuance signatures checked as records were written (ACTIVE records).
    pub signed_on_write: u64,
    /// Lookups whose signature check was the mark made when the record was written.
    pub signed_marks: u64,
    /// Certificates whose answers were rendered and stored as their records were written
    /// or in the background ([`Cache::render_answers_with`]).
    pub answers_rendered: u64,
    /// Lookups that took a certificate's stored answers ([`Cache::stored_answers`]).
    pub answers_read: u64,
    /// IDs in the negative cache now.
    pub negative_entries: usize,
    /// The negative cache's bound.
    pub negative_capacity: usize,
    /// IDs dropped from the negative cache to stay within its bound.
    pub negative_evicted: u64,
}

impl Cache {
    /// How lookups were answered since the cache was opened.
    pub fn lookup_stats(&self) -> LookupStats {
        LookupStats {
            disk_reads: self.disk_reads.load(Ordering::Relaxed),
            ledger_reads: self.ledger_reads.load(Ordering::Relaxed),
            negative_hits: self.negatives.hits(),
            filter_absent: self.filter_absent.load(Ordering::Relaxed),
            checked_signatures: self.checked_signatures.load(Ordering::Relaxed),
            signed_on_write: self.signed_on_write.load(Ordering::Relaxed),
            signed_marks: self.signed_marks.load(Ordering::Relaxed),
            answers_rendered: self.answers_rendered.load(Ordering::Relaxed),
            answers_read: self.answers_read.load(Ordering::Relaxed),
            negative_entries: self.negatives.len(),
            negative_capacity: self.negatives.capacity(),
            negative_evicted: self.negatives.evicted(),
        }
    }
}
