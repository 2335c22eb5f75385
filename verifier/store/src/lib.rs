//! The verifier's store: what the web service (`nanotrace-verifier`'s `web`), the
//! benches and the fuzz targets share.
//!
//! ```
//! use nanotrace_model::Verdict;
//! use nanotrace_verifier_store::cache::{Cache, SeenTx, Update};
//! use nanotrace_verifier_store::state::{now, AppState, SyncState};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let cache = Arc::new(Cache::open(dir.path())?);
//! // What the follower does: apply the transactions after the checkpoint, in one batch.
//! let tx = SeenTx { block: 1, tx_index: 0, tx_id: "tx1".into(), timestamp: now(), event_name: None, event: None };
//! let checkpoint = cache.apply(&Update { txs: vec![tx], ..Update::default() })?;
//! assert_eq!((checkpoint.block_number, checkpoint.transaction_id.as_str()), (1, "tx1"));
//!
//! // What the web layer does: verdicts off the cache, failing closed.
//! let sync = Arc::new(SyncState::default());
//! let max_staleness = Duration::from_secs(300);
//! let state = AppState { cache, sync: sync.clone(), max_staleness, public_url: "https://verify.example".into(), status_key: None };
//! let id = "NT-ABCDEFGH2345";
//! assert_eq!(state.verdict(id, now())?.verification.verdict, Verdict::Unverifiable); // never synced
//! sync.update(|s| s.synced_at = Some(now()));
//! assert_eq!(state.verdict(id, now())?.verification.verdict, Verdict::Unknown);
//! # Ok(())
//! # }
//! ```
//!
//! A [`follower`] reads the ledger's transactions and their events from a [`source`] and
//! writes the certificates they touch into a RocksDB [`cache`], together with the
//! checkpoint (next block to read and last transaction applied within it, as
//! fabric-gateway keeps it) in the same write batch, so a crash at any point resumes
//! without gaps or duplicates. [`state`] reads verdicts off the cache and fails closed:
//! when the cache has not caught up with the ledger for longer than the configured
//! staleness, every verdict is UNVERIFIABLE.

pub mod cache;
pub mod follower;
pub use nanotrace_follow::source;
pub mod state;
