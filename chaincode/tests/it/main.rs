//! The contract's integration tests, in one test binary (one link instead of five):
//! lifecycle, authorization matrix, bad input, properties and the offline token, all on
//! the in-memory ledger of the shared test world (`nanotrace-testkit`); key-level
//! endorsement and refusals also on the RocksDB ledger.

mod authorization;
mod bad_input;
mod billing;
mod client_ref;
mod credential;
mod dependencies;
mod determinism;
mod endorsement;
mod forgery;
mod invoicing;
mod issued_credential;
mod lifecycle;
mod measured;
mod mutants;
mod prefix;
mod properties;
mod quorum;
mod retire;
mod status;
mod token;
