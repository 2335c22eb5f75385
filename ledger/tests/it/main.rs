//! The embedded ledger's integration tests, in one test binary.

mod conformance;
mod follower;
mod ledger;
