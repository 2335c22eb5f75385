//! The embedded ledger's integration tests, in one test binary.
// Test helpers may unwrap: a panic is how a test fails (clippy.toml allows it inside
// #[test] functions only).
#![allow(clippy::unwrap_used)]

mod conformance;
mod follower;
mod ledger;
mod paging;
mod private;
