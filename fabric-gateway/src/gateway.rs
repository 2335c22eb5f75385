//! [`Gateway`]: a connection to a gateway peer and the identity that signs its requests;
//! the start of every call ([`Gateway::network`]) and of offline signing (the
//! `new_signed_*` methods rebuild a request signed elsewhere).

use std::sync::Arc;

use nanotrace_protos::gateway::gateway_client::GatewayClient;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use crate::commit::{self, Commit};
use crate::connection::Connection;
use crate::error::{error_chain, GatewayError};
use crate::events::ChaincodeEventsRequest;
use crate::identity::SigningIdentity;
use crate::network::Network;
use crate::options::{ConnectOptions, Deadlines};
use crate::proposal::Proposal;
use crate::transaction::Transaction;

/// A connection to a gateway peer with the identity that signs requests.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Connection>,
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
            endpoint = endpoint.tls_config(config).map_err(|e| endpoint_err(error_chain(&e)))?;
        }
        let channel = match tokio::time::timeout(options.connect_timeout, endpoint.connect()).await {
            Ok(Ok(channel)) => channel,
            Ok(Err(e)) => return Err(endpoint_err(error_chain(&e))),
            Err(_) => return Err(endpoint_err(format!("timed out after {:?}", options.connect_timeout))),
        };
        Ok(Self::from_channel(identity, channel, options.deadlines))
    }

    /// A gateway over an existing tonic channel.
    pub fn from_channel(identity: SigningIdentity, channel: Channel, deadlines: Deadlines) -> Self {
        let client = GatewayClient::new(channel).max_decoding_message_size(100 * 1024 * 1024);
        Gateway { inner: Arc::new(Connection { client, identity, deadlines }) }
    }

    /// The same connection with another identity: a service that passes on requests its
    /// members sign offline (the members' console) keeps one connection for all of them.
    pub fn with_identity(&self, identity: SigningIdentity) -> Gateway {
        let inner = Connection { client: self.inner.client.clone(), identity, deadlines: self.inner.deadlines };
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
