//! The NanoTrace certificate contract: what runs on a peer.
//!
//! The contract ([`CertificateContract`]) is written against the [`stub::Stub`] trait
//! and knows nothing of gRPC, files, clocks or randomness: the same code runs on the
//! embedded ledger and, through the CCaaS runtime, on Fabric peers. Its requests,
//! records and responses are the shared [`nanotrace_model`] types.
//!
//! - [`contract`]: the transactions and queries (dispatch, authorization, governance,
//!   lifecycle, issuance, queries).
//! - [`identity`]: the caller's X.509 identity (Fabric-style ID, NodeOU, attributes).
//! - [`nanomaterial`]: the EU nanomaterial definition.
//! - [`stub`]: the ledger-stub trait and Fabric's composite-key helpers.
//! - [`error`]: the contract's errors, each with a stable code.
//!
//! ```
//! use nanotrace_chaincode::CertificateContract;
//! use nanotrace_chaincode::stub::create_composite_key;
//!
//! // Composite keys are built exactly as Fabric builds them.
//! let key = create_composite_key("cert", &["NT-AAAAAAAAAAAA"]).unwrap();
//! assert_eq!(key, "\u{0}cert\u{0}NT-AAAAAAAAAAAA\u{0}");
//! let _contract = CertificateContract;
//! ```

pub mod contract;
pub mod error;
pub mod identity;
pub mod nanomaterial;
pub mod stub;

pub use contract::CertificateContract;
pub use error::{ContractError, ContractResult};
