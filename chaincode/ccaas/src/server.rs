//! The gRPC server a CCaaS peer dials: `protos.Chaincode/Connect`, one shim stream per
//! peer connection, over TLS (optionally mutual) or plaintext.
//!
//! Transport settings follow Fabric's Go shim server: 100 MiB messages, HTTP/2 keepalive
//! pings every minute with a 20 s timeout.

use crate::handler;
use crate::stub::Outbound;
use nanotrace_protos::protos::chaincode_server::{Chaincode as ChaincodeService, ChaincodeServer as ConnectServer};
use nanotrace_protos::protos::ChaincodeMessage;
use nanotrace_shim::Chaincode;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tokio_stream::StreamExt;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};
use tonic::{Request, Response, Status, Streaming};
use tracing::{info, warn};

/// The largest message either side may send (the Go shim's limit).
pub const MAX_MESSAGE_SIZE: usize = 100 * 1024 * 1024;
/// Messages to the peer that may wait in a stream's queue.
const OUTBOUND_QUEUE: usize = 64;

/// The server's TLS material (PEM).
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// The server certificate chain.
    pub cert_pem: Vec<u8>,
    /// The server's private key.
    pub key_pem: Vec<u8>,
    /// CA certificates of peer clients: when set, peers must present a certificate they
    /// issued (mutual TLS).
    pub client_ca_pem: Option<Vec<u8>>,
}

/// Why the server could not start or stopped.
#[derive(Debug, Error)]
pub enum ServerError {
    /// The TLS configuration was refused.
    #[error("TLS configuration: {0}")]
    Tls(#[source] tonic::transport::Error),
    /// The server failed while serving.
    #[error("serving: {0}")]
    Serve(#[source] tonic::transport::Error),
}

/// Serves a [`Chaincode`] to Fabric peers under a chaincode package ID.
#[derive(Clone)]
pub struct ChaincodeServer {
    ccid: String,
    chaincode: Arc<dyn Chaincode>,
    tls: Option<TlsSettings>,
}

impl std::fmt::Debug for ChaincodeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChaincodeServer").field("ccid", &self.ccid).field("tls", &self.tls.is_some()).finish()
    }
}

impl ChaincodeServer {
    /// A plaintext server for `chaincode`, registering on each stream as `ccid` (the
    /// package ID the peer knows the chaincode by).
    pub fn new(ccid: impl Into<String>, chaincode: impl Chaincode) -> Self {
        Self { ccid: ccid.into(), chaincode: Arc::new(chaincode), tls: None }
    }

    /// Serves over TLS (mutual TLS when `tls.client_ca_pem` is set).
    pub fn with_tls(mut self, tls: TlsSettings) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Serves on `listener` until `shutdown` completes; then stops accepting and waits
    /// for open streams to end (callers bound that wait, see the binary).
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let mut builder = Server::builder()
            .http2_keepalive_interval(Some(Duration::from_secs(60)))
            .http2_keepalive_timeout(Some(Duration::from_secs(20)))
            .tcp_nodelay(true);
        if let Some(tls) = &self.tls {
            let mut config = ServerTlsConfig::new().identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem));
            if let Some(ca) = &tls.client_ca_pem {
                config = config.client_ca_root(Certificate::from_pem(ca)).client_auth_optional(false);
            }
            builder = builder.tls_config(config).map_err(ServerError::Tls)?;
        }
        if let Ok(addr) = listener.local_addr() {
            info!(%addr, ccid = self.ccid, tls = self.tls.is_some(), mutual_tls = self.tls.as_ref().is_some_and(|t| t.client_ca_pem.is_some()), "chaincode server listening");
        }
        let service = ConnectService { ccid: self.ccid, chaincode: self.chaincode };
        let incoming = incoming_nodelay(listener);
        builder
            .add_service(
                ConnectServer::new(service)
                    .max_decoding_message_size(MAX_MESSAGE_SIZE)
                    .max_encoding_message_size(MAX_MESSAGE_SIZE),
            )
            .serve_with_incoming_shutdown(incoming, shutdown)
            .await
            .map_err(ServerError::Serve)
    }
}

/// The connections `listener` accepts, each with TCP_NODELAY set. The builder's
/// `tcp_nodelay` applies only to listeners tonic binds itself, not to an incoming stream.
/// With Nagle's algorithm on, the small replies of the shim protocol waited for a real
/// Fabric 3.1.5 peer's delayed ACKs: every stub call took tens of milliseconds (an Apply
/// 135 ms of chaincode time, an ApproveBatch of 100 6.6 s; with TCP_NODELAY 2-4 ms and
/// 0.3 s).
fn incoming_nodelay(listener: TcpListener) -> impl tokio_stream::Stream<Item = std::io::Result<TcpStream>> {
    TcpListenerStream::new(listener).map(|conn| {
        if let Ok(stream) = &conn {
            if let Err(e) = stream.set_nodelay(true) {
                warn!(error = %e, "cannot set TCP_NODELAY");
            }
        }
        conn
    })
}

struct ConnectService {
    ccid: String,
    chaincode: Arc<dyn Chaincode>,
}

#[tonic::async_trait]
impl ChaincodeService for ConnectService {
    type ConnectStream = ReceiverStream<Outbound>;

    async fn connect(
        &self,
        request: Request<Streaming<ChaincodeMessage>>,
    ) -> Result<Response<Self::ConnectStream>, Status> {
        let remote = request.remote_addr();
        info!(?remote, "peer connected");
        let inbound = request.into_inner();
        let (out, rx) = mpsc::channel(OUTBOUND_QUEUE);
        let chaincode = Arc::clone(&self.chaincode);
        let ccid = self.ccid.clone();
        tokio::spawn(async move {
            let status_out = out.clone();
            match handler::run(chaincode, ccid, inbound, out).await {
                Ok(()) => info!(?remote, "peer stream ended"),
                Err(e) => {
                    warn!(?remote, error = %e, "peer stream ended with an error");
                    let _ = status_out.send(Err(Status::aborted(e.to_string()))).await;
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_connections_have_tcp_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut incoming = Box::pin(incoming_nodelay(listener));
        let _client = TcpStream::connect(addr).await.expect("connect");
        let accepted = incoming.next().await.expect("a connection").expect("accepted");
        assert!(accepted.nodelay().expect("nodelay"), "accepted connections must not use Nagle's algorithm");
    }
}
