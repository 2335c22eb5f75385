//! The NanoTrace client: the typed API of the certificate contract over a
//! [`Transport`], with errors that say which stage of a transaction failed.
//!
//! Transports: the embedded ledger (`nanotrace_embedded::transport`) and a Fabric
//! Gateway ([`GatewayTransport`], over the `nanotrace-fabric-gateway` client). The
//! request and response types are the shared [`nanotrace_model`] types. Every call is
//! async; a program that is not blocks on one with [`Wait::wait`].
//!
//! ```
//! use nanotrace_client::{ApiError, NanoTrace, Submitted, Transport};
//!
//! /// A transport whose ledger is always down.
//! struct Down;
//! impl Transport for Down {
//!     async fn submit(&self, _f: &str, _args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
//!         Err(ApiError::Endorse { tx_id: None, message: "peer unreachable".into(), grpc: None })
//!     }
//!     async fn evaluate(&self, _f: &str, _args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
//!         Err(ApiError::Evaluate { message: "peer unreachable".into(), grpc: None })
//!     }
//! }
//!
//! let client = NanoTrace::new(Down);
//! // The API is async; a program that is not blocks on a call with `wait`.
//! use nanotrace_client::Wait;
//! let err = client.verify("NT-AAAAAAAAAAAA").wait().unwrap_err();
//! assert!(!err.is_refusal(), "a failed peer is not the contract saying no");
//! ```

pub mod blocking;
pub mod error;
pub mod gateway_transport;
pub mod nanotrace;
pub mod signer;
pub mod transport;

pub use blocking::Wait;
pub use error::ApiError;
pub use gateway_transport::{to_api_error, GatewayTransport};
pub use nanotrace::{
    is_taken_position, request_parts, ApprovalSigning, CredentialTerms, NanoTrace, CONCURRENT_READS, POSITION_RETRIES,
    READ_CHUNK,
};
/// What a committed transaction returned: every [`Transport`] answers with the Gateway
/// client's own type.
pub use nanotrace_fabric_gateway::Submitted;
/// The failed Gateway call an [`ApiError`] wraps ([`ApiError::grpc_status`]) and its
/// peers' messages ([`ApiError::details`]).
pub use nanotrace_fabric_gateway::{ErrorDetail, RpcFailure};
pub use signer::IssuerSigner;
pub use transport::{PreparedTx, Transient, Transport};
