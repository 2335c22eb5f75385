//! The embedded ledger as its members reach it, on one machine.
//!
//! The storage engine (`nanotrace-ledger`) runs a contract on RocksDB and knows nothing
//! of identities, clients or networks; this crate puts the certificate contract and its
//! members around it:
//!
//! - [`transport`]: [`EmbeddedTransport`](transport::EmbeddedTransport), the typed API's
//!   [`Transport`](nanotrace_client::Transport) on an embedded ledger — the
//!   certificate contract run in-process as one identity, with failures mapped onto the
//!   client's stages as on Fabric.
//! - [`devmsp`]: the local membership directory — one CA per organisation, the members'
//!   X.509 identities and keys as files, issuer keys, certificates issued for a key held
//!   elsewhere (a browser's PKCS#10 request), revocation with a CRL.
//! - [`signed`]: transactions whose proposal and envelope were signed by their creator
//!   elsewhere (a member's browser), checked as a peer checks them before the contract
//!   runs.
//! - [`collections`]: the ledger's private data collections kept those of its
//!   organisations (one billing collection per certification body and manufacturer).
//! - [`datadir`]: the data directory of `nanotrace init`/`demo` — a ledger with its
//!   membership — and the sample network set up in it.

pub mod collections;
pub mod datadir;
pub mod devmsp;
pub mod signed;
pub mod transport;
mod tx_error;
