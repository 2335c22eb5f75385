//! Chaincode events (gateway `ChaincodeEvents`, a server stream), from the next commit,
//! from a block, or resuming after the last transaction a checkpoint saw.
//!
//! Unlike Fabric's Go client, whose event channel just closes when the stream fails, a
//! [`ChaincodeEventStream`] returns the failure: a stream that ends (the gateway never
//! ends one on its own) or breaks yields one `Err` and then `None`.

use std::collections::VecDeque;
use std::sync::Arc;

use nanotrace_protos::gateway::{
    ChaincodeEventsRequest as RequestProto, ChaincodeEventsResponse, SignedChaincodeEventsRequest,
};
use nanotrace_protos::orderer::{seek_position, SeekNextCommit, SeekPosition, SeekSpecified};
use prost::Message;

use crate::chaincode_event::ChaincodeEvent;
use crate::checkpoint::Checkpoint;
use crate::connection::Connection;
use crate::error::{GatewayError, RpcFailure};

/// Where a stream starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventsOptions {
    start_block: Option<u64>,
    after_transaction_id: Option<String>,
}

impl EventsOptions {
    /// From the next block committed (the default).
    pub fn new() -> Self {
        Self::default()
    }

    /// From block `number` (inclusive).
    pub fn start_block(mut self, number: u64) -> Self {
        self.start_block = Some(number);
        self
    }

    /// Resume from a checkpoint: its block, skipping the events of that block up to and
    /// including its transaction. An empty checkpoint (block 0, no transaction) means
    /// the next commit, as in Fabric's Go client.
    pub fn checkpoint(mut self, checkpoint: &dyn Checkpoint) -> Self {
        let block = checkpoint.block_number();
        let tx = checkpoint.transaction_id();
        if block == 0 && tx.is_none() {
            return self;
        }
        self.start_block = Some(block);
        self.after_transaction_id = tx.map(str::to_owned);
        self
    }
}

/// A signed (or to be signed offline) chaincode events request.
#[derive(Clone)]
pub struct ChaincodeEventsRequest {
    inner: Arc<Connection>,
    signed: SignedChaincodeEventsRequest,
}

impl std::fmt::Debug for ChaincodeEventsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChaincodeEventsRequest").finish_non_exhaustive()
    }
}

impl ChaincodeEventsRequest {
    pub(crate) fn new(inner: Arc<Connection>, channel: &str, chaincode: &str, options: &EventsOptions) -> Self {
        let start = match options.start_block {
            Some(number) => seek_position::Type::Specified(SeekSpecified { number }),
            None => seek_position::Type::NextCommit(SeekNextCommit {}),
        };
        let request = RequestProto {
            channel_id: channel.to_owned(),
            chaincode_id: chaincode.to_owned(),
            identity: inner.identity.creator(),
            start_position: Some(SeekPosition { r#type: Some(start) }),
            after_transaction_id: options.after_transaction_id.clone().unwrap_or_default(),
        };
        let signed = SignedChaincodeEventsRequest { request: request.encode_to_vec(), signature: Vec::new() };
        ChaincodeEventsRequest { inner, signed }
    }

    pub(crate) fn from_bytes(inner: Arc<Connection>, bytes: &[u8]) -> Result<Self, GatewayError> {
        let signed = SignedChaincodeEventsRequest::decode(bytes)
            .map_err(|e| GatewayError::Request(format!("not a SignedChaincodeEventsRequest: {e}")))?;
        Ok(ChaincodeEventsRequest { inner, signed })
    }

    /// The serialized `SignedChaincodeEventsRequest`.
    pub fn bytes(&self) -> Vec<u8> {
        self.signed.encode_to_vec()
    }

    /// The digest to sign offline.
    pub fn digest(&self) -> Vec<u8> {
        self.inner.identity.digest(&self.signed.request)
    }

    /// Attaches an offline signature.
    pub fn with_signature(mut self, signature: Vec<u8>) -> Self {
        self.signed.signature = signature;
        self
    }

    /// Opens the stream (signing in process if unsigned). Opening is bounded by the
    /// evaluate deadline; the stream itself has none.
    pub async fn events(mut self) -> Result<ChaincodeEventStream, GatewayError> {
        if self.signed.signature.is_empty() {
            self.signed.signature = self.inner.identity.sign_message(&self.signed.request)?;
        }
        let deadline = self.inner.deadlines.evaluate;
        let mut client = self.inner.client.clone();
        let stream =
            crate::connection::with_deadline(deadline, client.chaincode_events(tonic::Request::new(self.signed)))
                .await
                .map_err(|failure| GatewayError::Events { failure })?;
        Ok(ChaincodeEventStream { stream: Some(stream), pending: VecDeque::new() })
    }
}

/// A stream of chaincode events in commit order.
pub struct ChaincodeEventStream {
    stream: Option<tonic::Streaming<ChaincodeEventsResponse>>,
    pending: VecDeque<ChaincodeEvent>,
}

impl std::fmt::Debug for ChaincodeEventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChaincodeEventStream").field("open", &self.stream.is_some()).finish_non_exhaustive()
    }
}

impl ChaincodeEventStream {
    /// The next event; `Some(Err(_))` once if the stream fails or ends, then `None`.
    pub async fn next(&mut self) -> Option<Result<ChaincodeEvent, GatewayError>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Ok(event));
            }
            let stream = self.stream.as_mut()?;
            match stream.message().await {
                Ok(Some(response)) => {
                    let block_number = response.block_number;
                    self.pending.extend(response.events.into_iter().map(|e| ChaincodeEvent {
                        block_number,
                        transaction_id: e.tx_id,
                        chaincode_name: e.chaincode_id,
                        event_name: e.event_name,
                        payload: e.payload,
                    }));
                }
                Ok(None) => {
                    self.stream = None;
                    return Some(Err(GatewayError::Events {
                        failure: RpcFailure::local(tonic::Code::Unavailable, "the gateway ended the event stream"),
                    }));
                }
                Err(status) => {
                    self.stream = None;
                    return Some(Err(GatewayError::Events { failure: RpcFailure::from_status(&status) }));
                }
            }
        }
    }
}
