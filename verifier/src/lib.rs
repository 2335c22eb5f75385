//! The public verification service.
//!
//! A [`follower`] reads the ledger's events from a [`source`] and writes the
//! certificates they touch into a RocksDB [`cache`], together with the checkpoint
//! (block and transaction ID) in the same write batch, so a crash at any point resumes
//! without gaps or duplicates. The [`web`] layer answers from the cache only, and fails
//! closed: when the cache has not caught up with the ledger for longer than the
//! configured staleness, every verdict is UNVERIFIABLE.

pub mod cache;
pub mod config;
pub mod follower;
pub mod source;
pub mod state;
pub mod web;
