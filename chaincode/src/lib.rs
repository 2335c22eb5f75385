//! The NanoTrace certificate contract: what runs on a peer.
//!
//! The contract ([`CertificateContract`]) is written against the shim's
//! [`Stub`](nanotrace_shim::Stub) trait (crate `nanotrace-shim`)
//! and knows nothing of gRPC, files, clocks or randomness: the same code runs on the
//! embedded ledger and, through the CCaaS runtime, on Fabric peers. Its requests,
//! records and responses are the shared [`nanotrace_model`] types.
//!
//! - [`contract`]: the transactions and queries (dispatch, authorization, governance,
//!   lifecycle, issuance, queries).
//! - [`collections`]: the private data collections of the chaincode definition.
//! - [`identity`]: the caller's X.509 identity (Fabric-style ID, NodeOU, attributes).
//! - [`nanomaterial`]: the EU nanomaterial definition.
//! - [`served`]: the contract as a [`Chaincode`](nanotrace_shim::Chaincode) a runtime
//!   serves ([`CertificateChaincode`]).
//! - [`error`]: the contract's errors, each with a stable code.
//!
//! ```
//! use nanotrace_chaincode::CertificateContract;
//! use nanotrace_shim::create_composite_key;
//!
//! // Composite keys are built exactly as Fabric builds them.
//! let key = create_composite_key("cert", &["NT-AAAAAAAAAAAA"]).unwrap();
//! assert_eq!(key, "\u{0}cert\u{0}NT-AAAAAAAAAAAA\u{0}");
//! let _contract = CertificateContract;
//! ```

pub mod collections;
pub mod contract;
pub mod error;
pub mod identity;
pub mod nanomaterial;
pub mod served;

pub use contract::CertificateContract;
pub use error::{ContractError, ContractResult};
pub use served::CertificateChaincode;
