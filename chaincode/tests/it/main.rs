//! The contract's integration tests, in one test binary (one link instead of five):
//! lifecycle, authorization matrix, bad input, properties and the offline token, all on
//! the in-memory ledger of the shared test world (`nanotrace-testkit`).

mod authorization;
mod bad_input;
mod dependencies;
mod lifecycle;
mod properties;
mod token;
