//! The chaincode shim interface: what a NanoTrace contract may ask of the ledger it runs
//! on, and what a runtime asks of a contract — and nothing else.
//!
//! Fabric's Go shim keeps its interfaces (`interfaces.go`: `Chaincode`,
//! `ChaincodeStubInterface`) apart from any contract and from the handler that speaks to
//! the peer; this crate is that split. Contracts (`nanotrace-chaincode`, the asset
//! benchmark contract) are written against it; the ledgers that run them (the CCaaS
//! runtime on Fabric peers, the embedded ledger) implement [`Stub`]; the CCaaS runtime
//! serves any [`Chaincode`]. No contract is named here.
//!
//! - [`stub`]: the [`Stub`] trait with its types (creator, timestamp, history, pages)
//!   and errors.
//! - [`policy`]: key-level endorsement policies (Fabric's `SignaturePolicy`: n out of m).
//! - [`composite`]: Fabric's composite keys.
//! - [`collection`]: private data collections (who holds, reads and writes them).
//! - [`chaincode`]: the [`Chaincode`] trait a runtime serves.

pub mod chaincode;
pub mod collection;
pub mod composite;
pub mod policy;
pub mod stub;

pub use chaincode::{Chaincode, ChaincodeError};
pub use collection::{
    implicit_collection, validate_collection_name, CollectionAccess, CollectionConfig, CollectionError, Collections,
    IMPLICIT_COLLECTION_PREFIX, MAX_COLLECTION_NAME,
};
pub use composite::{
    create_composite_key, partial_composite_range, split_composite_key, validate_simple_key, COMPOSITE_KEY_NAMESPACE,
    EMPTY_KEY_SUBSTITUTE, MAX_UNICODE_RUNE,
};
pub use policy::{EndorsementPolicy, PolicyError, PolicyRole, Principal};
pub use stub::{
    Creator, EndorsementFailure, KeyModification, KeyWrite, Page, Stub, StubError, StubResult, TxTimestamp,
};
