//! Hyperledger Fabric's wire protocol for NanoTrace: a subset of fabric-protos v0.3.x
//! (same packages, messages, field names and numbers), compiled with prost and tonic.
//!
//! One definition per message, shared by the chaincode-as-a-service runtime
//! (`nanotrace-ccaas`) and the Fabric Gateway client. Modules are named after the
//! protobuf packages, as the generated code refers to them that way:
//!
//! - [`common`]: envelopes, headers, blocks, policies, MSP principals.
//! - [`msp`]: serialized identities.
//! - [`protos`] (also [`peer`]): the chaincode shim protocol, proposals, transactions.
//! - [`queryresult`]: range-query and history results.
//! - [`rwset`], [`kvrwset`]: what a transaction read and wrote (in its endorsed action).
//! - [`gateway`]: the Fabric Gateway service.
//! - [`orderer`]: seek positions used by the gateway's event stream.
//! - [`google::rpc`]: the status carried in gateway error details.
//!
//! Well-known types (`google.protobuf.Timestamp`, `Any`) are [`prost_types`]'s.
#![allow(clippy::doc_lazy_continuation, clippy::large_enum_variant, missing_docs)]

/// Package `common`: envelopes, headers, blocks, policies and MSP principals.
pub mod common {
    include!(concat!(env!("OUT_DIR"), "/common.rs"));
}

/// Package `msp`: serialized identities.
pub mod msp {
    include!(concat!(env!("OUT_DIR"), "/msp.rs"));
}

/// Package `protos`: the peer's messages, including the chaincode shim protocol.
pub mod protos {
    include!(concat!(env!("OUT_DIR"), "/protos.rs"));
}

/// The peer package under the name fabric-protos-go uses for it.
pub use protos as peer;

/// Package `queryresult`: results of range queries and key history.
pub mod queryresult {
    include!(concat!(env!("OUT_DIR"), "/queryresult.rs"));
}

/// Package `rwset`: a transaction's read-write sets, per chaincode namespace.
pub mod rwset {
    include!(concat!(env!("OUT_DIR"), "/rwset.rs"));
}

/// Package `kvrwset`: one namespace's reads, writes and metadata writes.
pub mod kvrwset {
    include!(concat!(env!("OUT_DIR"), "/kvrwset.rs"));
}

/// Package `orderer`: seek positions and delivery.
pub mod orderer {
    include!(concat!(env!("OUT_DIR"), "/orderer.rs"));
}

/// Package `gateway`: the Fabric Gateway service.
pub mod gateway {
    include!(concat!(env!("OUT_DIR"), "/gateway.rs"));
}

/// Google's packages.
pub mod google {
    /// Package `google.rpc`.
    pub mod rpc {
        include!(concat!(env!("OUT_DIR"), "/google.rpc.rs"));
    }
}

pub use prost;
pub use prost_types;
