//! A Fabric Gateway client, laid out like Fabric's Go client (`fabric-gateway/pkg/client`):
//! [`Gateway`] (a connection to a gateway peer and a signing identity) →
//! [`Network`] (a channel) → [`Contract`] (a chaincode) → `evaluate` / `submit`, with
//! the offline-signing split ([`Proposal`] → [`Transaction`] → [`Commit`], each with
//! `digest()` and `with_signature()`), chaincode events with checkpoints, and
//! [`GatewayTransport`], the async [`crate::Transport`] over it (blocking callers use
//! [`crate::Wait`]).
//!
//! ```no_run
//! use nanotrace_peer_client::gateway::{ConnectOptions, Gateway, SigningIdentity, TlsOptions};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let identity = SigningIdentity::from_msp_dir("ManufacturerMSP", "/path/to/msp")?;
//! let tls = TlsOptions::new(std::fs::read("/path/to/tls/ca.crt")?)
//!     .server_name("peer0.manufacturer.nanotrace.test");
//! let gateway = Gateway::connect(identity, ConnectOptions::new("127.0.0.1:17060").tls(tls)).await?;
//! let contract = gateway.network("nanotrace").contract("nanotrace");
//! let committed = contract.submit("Apply", &[b"{}".to_vec()]).await?;
//! println!("{} in block {}", committed.tx_id, committed.block_number);
//! let bytes = contract.evaluate("Verify", &[b"NT-AAAAAAAAAAAA".to_vec()]).await?;
//! # let _ = bytes; Ok(()) }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use nanotrace_protos::gateway::gateway_client::GatewayClient;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

pub mod block;
pub mod checkpoint;
pub mod commit;
pub mod contract;
pub mod error;
pub mod events;
pub mod identity;
pub mod network;
pub mod profile;
pub mod proposal;
pub mod qscc;
pub mod transaction;
pub mod transport;

pub use crate::submitted::Submitted;
pub use checkpoint::{Checkpoint, Checkpointer, FileCheckpointer, InMemoryCheckpointer};
pub use commit::{unsigned_commit_status_request, Commit, Status, ValidationCode};
pub use contract::{Contract, ProposalBuilder, SubmitOptions};
pub use error::{ErrorDetail, GatewayError, RpcFailure};
pub use events::{ChaincodeEvent, ChaincodeEventStream, ChaincodeEventsRequest, EventsOptions};
pub use identity::{
    EcdsaSigner, Ed25519Signer, HashAlgorithm, Identity, IdentityError, SignError, Signer, SigningIdentity,
};
pub use network::Network;
pub use profile::ConnectionProfile;
pub use proposal::{unsigned_proposal, Proposal, ProposalContents};
pub use transaction::Transaction;
pub use transport::GatewayTransport;

/// Deadlines per kind of call (Fabric's Go samples use the defaults below).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Evaluate (query): default 5 s.
    pub evaluate: Duration,
    /// Endorse: default 15 s.
    pub endorse: Duration,
    /// Submit to ordering: default 5 s.
    pub submit: Duration,
    /// Waiting for the commit status: default 60 s.
    pub commit_status: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            evaluate: Duration::from_secs(5),
            endorse: Duration::from_secs(15),
            submit: Duration::from_secs(5),
            commit_status: Duration::from_secs(60),
        }
    }
}

/// TLS settings: the CA that signed the gateway peer's certificate, an optional
/// server name (when dialling an IP address or another name), and an optional client
/// certificate and key for mutual TLS.
#[derive(Debug, Clone)]
pub struct TlsOptions {
    ca_pem: Vec<u8>,
    server_name: Option<String>,
    client_cert_key: Option<(Vec<u8>, Vec<u8>)>,
}

impl TlsOptions {
    /// Verify the server against the PEM CA certificate `ca_pem`.
    pub fn new(ca_pem: impl Into<Vec<u8>>) -> Self {
        TlsOptions { ca_pem: ca_pem.into(), server_name: None, client_cert_key: None }
    }

    /// Expect this name in the server's certificate (instead of the dialled host).
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// Present this PEM certificate and key (mutual TLS).
    pub fn client_identity(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        self.client_cert_key = Some((cert_pem.into(), key_pem.into()));
        self
    }
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    address: String,
    tls: Option<TlsOptions>,
    connect_timeout: Duration,
    deadlines: Deadlines,
}

impl ConnectOptions {
    /// Connect to `address` (`host:port`), without TLS unless [`ConnectOptions::tls`].
    pub fn new(address: impl Into<String>) -> Self {
        ConnectOptions {
            address: address.into(),
            tls: None,
            connect_timeout: Duration::from_secs(10),
            deadlines: Deadlines::default(),
        }
    }

    /// Use TLS.
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.tls = Some(tls);
        self
    }

    /// How long to wait for the connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Per-call deadlines.
    pub fn deadlines(mut self, deadlines: Deadlines) -> Self {
        self.deadlines = deadlines;
        self
    }
}

/// What every object of one gateway connection shares.
pub(crate) struct Inner {
    pub(crate) client: GatewayClient<Channel>,
    pub(crate) identity: SigningIdentity,
    pub(crate) deadlines: Deadlines,
}

/// A connection to a gateway peer with the identity that signs requests.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("identity", &self.inner.identity).finish_non_exhaustive()
    }
}

impl Gateway {
    /// Connects to a gateway peer (waits for the connection, at most the connect timeout).
    pub async fn connect(identity: SigningIdentity, options: ConnectOptions) -> Result<Self, GatewayError> {
        let endpoint_err = |message: String| GatewayError::Connect { endpoint: options.address.clone(), message };
        let scheme = if options.tls.is_some() { "https" } else { "http" };
        let mut endpoint = Endpoint::from_shared(format!("{scheme}://{}", options.address))
            .map_err(|e| endpoint_err(e.to_string()))?
            .connect_timeout(options.connect_timeout)
            .tcp_nodelay(true);
        if let Some(tls) = &options.tls {
            let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&tls.ca_pem));
            if let Some(name) = &tls.server_name {
                config = config.domain_name(name.clone());
            }
            if let Some((cert, key)) = &tls.client_cert_key {
                config = config.identity(tonic::transport::Identity::from_pem(cert, key));
            }
            endpoint = endpoint.tls_config(config).map_err(|e| endpoint_err(crate::error::error_chain(&e)))?;
        }
        let channel = match tokio::time::timeout(options.connect_timeout, endpoint.connect()).await {
            Ok(Ok(channel)) => channel,
            Ok(Err(e)) => return Err(endpoint_err(crate::error::error_chain(&e))),
            Err(_) => return Err(endpoint_err(format!("timed out after {:?}", options.connect_timeout))),
        };
        Ok(Self::from_channel(identity, channel, options.deadlines))
    }

    /// A gateway over an existing tonic channel.
    pub fn from_channel(identity: SigningIdentity, channel: Channel, deadlines: Deadlines) -> Self {
        let client = GatewayClient::new(channel).max_decoding_message_size(100 * 1024 * 1024);
        Gateway { inner: Arc::new(Inner { client, identity, deadlines }) }
    }

    /// The same connection with another identity: a service that passes on requests its
    /// members sign offline (the members' console) keeps one connection for all of them.
    pub fn with_identity(&self, identity: SigningIdentity) -> Gateway {
        let inner = Inner { client: self.inner.client.clone(), identity, deadlines: self.inner.deadlines };
        Gateway { inner: Arc::new(inner) }
    }

    /// The identity requests are made by.
    pub fn identity(&self) -> &SigningIdentity {
        &self.inner.identity
    }

    /// The deadlines in force.
    pub fn deadlines(&self) -> Deadlines {
        self.inner.deadlines
    }

    /// A channel.
    pub fn network(&self, channel: impl Into<String>) -> Network {
        Network::new(self.inner.clone(), channel.into())
    }

    /// Rebuilds a proposal from [`Proposal::bytes`] with an offline signature.
    pub fn new_signed_proposal(&self, bytes: &[u8], signature: Vec<u8>) -> Result<Proposal, GatewayError> {
        Ok(Proposal::from_bytes(self.inner.clone(), bytes)?.with_signature(signature))
    }

    /// Rebuilds a transaction from [`Transaction::bytes`] with an offline signature.
    pub fn new_signed_transaction(&self, bytes: &[u8], signature: Vec<u8>) -> Result<Transaction, GatewayError> {
        Ok(Transaction::from_bytes(self.inner.clone(), bytes)?.with_signature(signature))
    }

    /// Rebuilds a commit status request from [`Commit::bytes`] with an offline signature.
    pub fn new_signed_commit(&self, bytes: &[u8], signature: Vec<u8>) -> Result<Commit, GatewayError> {
        let (signed, transaction_id) = commit::decode_signed(bytes)?;
        let deadline = self.inner.deadlines.commit_status;
        Ok(Commit { inner: self.inner.clone(), transaction_id, signed, deadline }.with_signature(signature))
    }

    /// Rebuilds a chaincode events request from [`ChaincodeEventsRequest::bytes`] with
    /// an offline signature.
    pub fn new_signed_chaincode_events_request(
        &self,
        bytes: &[u8],
        signature: Vec<u8>,
    ) -> Result<ChaincodeEventsRequest, GatewayError> {
        Ok(ChaincodeEventsRequest::from_bytes(self.inner.clone(), bytes)?.with_signature(signature))
    }
}

/// A tonic request with the deadline sent to the server (`grpc-timeout`).
pub(crate) fn request<T>(message: T, deadline: Duration) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(deadline);
    request
}

/// Runs a call under a deadline enforced on this side too.
pub(crate) async fn with_deadline<T>(
    deadline: Duration,
    call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
) -> Result<T, RpcFailure> {
    let expired = || {
        RpcFailure::local(tonic::Code::DeadlineExceeded, format!("deadline of {} ms exceeded", deadline.as_millis()))
    };
    let started = std::time::Instant::now();
    match tokio::time::timeout(deadline, call).await {
        Ok(Ok(response)) => Ok(response.into_inner()),
        // tonic's own enforcement of `grpc-timeout` reports CANCELLED "Timeout expired";
        // gRPC (and Fabric's Go client) call that DEADLINE_EXCEEDED. A server that
        // enforces the same `grpc-timeout` may win the race and reset the stream, which
        // reaches us as CANCELLED ("h2 protocol error"), or as UNKNOWN with the transport
        // error under it ("stream no longer needed": the peer's RST_STREAM CANCEL, seen on
        // the real network): once the deadline has passed, either is the deadline too.
        Ok(Err(status))
            if status.code() == tonic::Code::Cancelled
                && (status.message() == "Timeout expired" || started.elapsed() >= deadline) =>
        {
            Err(expired())
        }
        Ok(Err(status))
            if status.code() == tonic::Code::Unknown
                && std::error::Error::source(&status).is_some()
                && started.elapsed() >= deadline =>
        {
            Err(expired())
        }
        Ok(Err(status)) => Err(RpcFailure::from_status(&status)),
        Err(_) => Err(expired()),
    }
}

#[cfg(test)]
mod tests {
    use super::with_deadline;
    use std::time::Duration;

    /// A call that fails with CANCELLED only after blocking past its deadline: the
    /// server's reset of an expired stream, which wins the race against our timer.
    async fn cancelled_after(block: Duration) -> Result<tonic::Response<()>, tonic::Status> {
        std::thread::sleep(block);
        Err(tonic::Status::cancelled("h2 protocol error: stream reset"))
    }

    #[tokio::test]
    async fn a_stream_reset_after_the_deadline_is_the_deadline() {
        let deadline = Duration::from_millis(5);
        let e = with_deadline(deadline, cancelled_after(Duration::from_millis(20))).await.unwrap_err();
        assert_eq!(e.code, tonic::Code::DeadlineExceeded, "{e:?}");
    }

    /// The same reset as tonic reports it when h2 carries it: UNKNOWN "transport error"
    /// with the transport error as its source.
    async fn reset_after(block: Duration) -> Result<tonic::Response<()>, tonic::Status> {
        std::thread::sleep(block);
        let h2 = std::io::Error::other("http2 error: stream error received: stream no longer needed");
        Err(tonic::Status::from_error(Box::new(h2)))
    }

    #[tokio::test]
    async fn a_transport_reset_after_the_deadline_is_the_deadline_and_before_it_is_not() {
        let deadline = Duration::from_millis(5);
        let e = with_deadline(deadline, reset_after(Duration::from_millis(20))).await.unwrap_err();
        assert_eq!(e.code, tonic::Code::DeadlineExceeded, "{e:?}");
        let e = with_deadline(Duration::from_secs(30), reset_after(Duration::ZERO)).await.unwrap_err();
        assert_eq!(e.code, tonic::Code::Unknown, "{e:?}");
        assert!(e.message.contains("stream no longer needed"), "the cause is kept: {e:?}");
    }

    #[tokio::test]
    async fn a_cancellation_before_the_deadline_stays_a_cancellation() {
        let e = with_deadline(Duration::from_secs(30), cancelled_after(Duration::ZERO)).await.unwrap_err();
        assert_eq!(e.code, tonic::Code::Cancelled, "{e:?}");
    }
}
