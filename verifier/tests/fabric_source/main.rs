//! The verifier on Fabric (`--source fabric`, issue 13).
//!
//! - `without_a_peer` (`fake.rs`): the Fabric source and the follower against an
//!   in-process fake Gateway peer serving real `common.Block`s and `BlockchainInfo`
//!   through `qscc`, and the contract's queries: blocks of several transactions,
//!   invalid transactions and other chaincodes' events skipped, exactly once across
//!   restarts, a peer failure never read as "not found", a cache of another channel
//!   refused.
//! - `verifier_on_fabric` (`on_fabric.rs`): a real Fabric 3.1 network of this binary's own
//!   (`scripts/network.sh`, run folder `.run/verifier-fabric`, ports from 29050; override
//!   with `NANOTRACE_VERIFIER_FABRIC_RUN_DIR` / `NANOTRACE_VERIFIER_FABRIC_PORT_BASE`)
//!   and `nanotrace-verifier --source fabric` processes following the Regulator's peer.
//!   Its source stopped (the peer killed), paused (SIGSTOP) and slow (read through
//!   `proxy.rs`, a TCP proxy that delays every byte; both in `outages.rs`): fail-closed
//!   answers within bounds, recovery without a restart. The verifier processes are
//!   `verifier.rs`'s, the network's identities `world.rs`'s, the trust-list and QR
//!   comparisons `trust.rs`'s, and what all of them share is in `support.rs`.
//!   Without Fabric binaries it prints `VERIFIER FABRIC TEST SKIPPED` and passes.
//!
//! ```sh
//! cargo test --workspace --test fabric_source -- --nocapture
//! ```

#![allow(unreachable_pub)]

mod fake;
mod on_fabric;
mod outages;
mod proxy;
mod support;
mod trust;
mod verifier;
mod world;

#[test]
fn without_a_peer() {
    fake::run();
}

#[test]
fn verifier_on_fabric() {
    on_fabric::run();
}
