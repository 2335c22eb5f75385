//! The NanoTrace certificate contract.
//!
//! The contract ([`contract::CertificateContract`]) is written against the
//! [`stub::Stub`] trait and knows nothing of gRPC, files, clocks or randomness: the same
//! code runs on the embedded ledger and, through the CCaaS runtime, on Fabric peers.
//!
//! - [`api`]: the typed client API over any transport (embedded ledger or Fabric).
//! - [`contract`]: the transactions and queries.
//! - [`identity`]: the caller's X.509 identity (Fabric-style ID, NodeOU, attributes).
//! - [`ids`]: deterministic certificate IDs.
//! - [`model`]: the domain types, requests, responses and events (shared by every crate).
//! - [`validate`]: field-by-field validation of requests (CAS, EC, GTIN, URLs, hashes...).
//! - [`nanomaterial`]: the EU nanomaterial definition.
//! - [`stub`]: the ledger-stub trait and Fabric's composite-key helpers.
//! - [`sim`]: a transaction simulator with Fabric semantics, shared by ledgers.
//! - [`token`]: the compact offline verification token of a QR code.
//! - [`memory`]: an in-memory ledger for tests.

pub mod api;
pub mod contract;
pub mod error;
pub mod identity;
pub mod ids;
pub mod memory;
pub mod model;
pub mod nanomaterial;
pub mod sim;
pub mod stub;
pub mod token;
pub mod validate;

pub use contract::{CertificateContract, FunctionKind};
pub use error::{ContractError, ContractResult};
