//! The public verification service.
//!
//! The store (crate `nanotrace-verifier-store`, re-exported here as [`cache`],
//! [`follower`], [`source`] and [`state`]): a follower reads the ledger's transactions
//! and their events from a source and writes the certificates they touch into a RocksDB
//! cache, together with the checkpoint (next block to read and last transaction applied
//! within it, as fabric-gateway keeps it) in the same write batch, so a crash at any
//! point resumes without gaps or duplicates. The [`web`] layer, this crate's own job,
//! answers from the cache only, and fails closed: when the cache has not caught up with
//! the ledger for longer than the configured staleness, every verdict is UNVERIFIABLE.

pub mod config;
pub mod memory;
pub use nanotrace_verifier_store::{cache, follower, source, state};
pub mod web;
