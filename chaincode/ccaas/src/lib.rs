//! Chaincode-as-a-service runtime for Hyperledger Fabric 3.x peers.
//!
//! In CCaaS the peer dials the chaincode: this crate runs a gRPC server for
//! `protos.Chaincode/Connect` and speaks Fabric's shim protocol on each stream, serving
//! a synchronous contract written against [`nanotrace_shim::Stub`].
//!
//! One concept per module, as Fabric's Go shim is laid out:
//!
//! - [`server`]: the tonic server (TLS, mutual TLS, keepalive, message limits).
//! - [`handler`]: the per-stream state machine (REGISTER → REGISTERED → READY, then many
//!   transactions in flight, replies routed by channel ID and transaction ID).
//! - [`stub`]: the `Stub` implementation over the stream (each call is a request/reply).
//! - [`write_batch`]: WRITE_BATCH_STATE when the peer announces it.
//! - [`policy`]: key-level endorsement policies as `SignaturePolicyEnvelope`s.
//! - [`proposal`]: creator, timestamp and transient data from the transaction's signed
//!   proposal.
//! - [`config`]: command line flags with the official shims' environment variables.
//! - [`service`]: the server process around any [`Chaincode`] (logging, TLS, graceful
//!   stop); another contract gets a chaincode binary with `service::run(config, contract)`.

#![warn(missing_docs)]

pub mod config;
pub mod handler;
pub mod policy;
pub mod proposal;
pub mod server;
pub mod service;
pub mod stub;
pub mod write_batch;

pub use config::Config;
pub use nanotrace_shim::{Chaincode, ChaincodeError};
pub use server::{ChaincodeServer, ServerError};
