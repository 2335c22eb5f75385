//! A Fabric Gateway client, laid out like Fabric's Go client (`fabric-gateway/pkg/client`),
//! one file per noun: [`Gateway`] (a connection to a gateway peer and a signing identity)
//! → [`Network`] (a channel) → [`Contract`] (a chaincode) → `evaluate` / `submit`, with
//! the offline-signing split ([`Proposal`] → [`Transaction`] → [`Commit`], each with
//! `digest()` and `with_signature()`), chaincode events with checkpoints, blocks read
//! through `qscc`, and connection profiles. Every call is async (tokio); errors say which
//! stage failed, with the gRPC status and the peers' messages ([`GatewayError`]).
//!
//! Nothing here knows a particular chaincode: the function names and arguments are the
//! caller's.
//!
//! ```no_run
//! use nanotrace_fabric_gateway::{ConnectOptions, Gateway, SigningIdentity, TlsOptions};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let identity = SigningIdentity::from_msp_dir("Org1MSP", "/path/to/msp")?;
//! let tls = TlsOptions::new(std::fs::read("/path/to/tls/ca.crt")?).server_name("peer0.org1.example.com");
//! let gateway = Gateway::connect(identity, ConnectOptions::new("127.0.0.1:7051").tls(tls)).await?;
//! let contract = gateway.network("mychannel").contract("basic");
//! let committed = contract.submit("CreateAsset", &[b"asset1".to_vec(), b"5".to_vec()]).await?;
//! println!("{} in block {}", committed.tx_id, committed.block_number);
//! let bytes = contract.evaluate("ReadAsset", &[b"asset1".to_vec()]).await?;
//! # let _ = bytes; Ok(()) }
//! ```

pub mod block;
mod chaincode_event;
pub mod checkpoint;
pub mod commit;
mod connection;
pub mod contract;
pub mod error;
pub mod events;
mod gateway;
pub mod identity;
pub mod network;
mod options;
pub mod profile;
pub mod proposal;
pub mod qscc;
pub mod submitted;
pub mod transaction;
mod validation_code;

pub use chaincode_event::ChaincodeEvent;
pub use checkpoint::{Checkpoint, Checkpointer, FileCheckpointer, InMemoryCheckpointer};
pub use commit::{unsigned_commit_status_request, Commit, Status};
pub use contract::{Contract, ProposalBuilder, SubmitOptions};
pub use error::{error_chain, ErrorDetail, GatewayError, RpcFailure};
pub use events::{ChaincodeEventStream, ChaincodeEventsRequest, EventsOptions};
pub use gateway::Gateway;
pub use identity::{
    EcdsaSigner, Ed25519Signer, HashAlgorithm, Identity, IdentityError, SignError, Signer, SigningIdentity,
};
pub use network::Network;
pub use options::{ConnectOptions, Deadlines, TlsOptions};
pub use profile::ConnectionProfile;
pub use proposal::{unsigned_proposal, Proposal, ProposalContents};
pub use submitted::Submitted;
pub use transaction::Transaction;
pub use validation_code::ValidationCode;
