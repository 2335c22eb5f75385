//! An endorsed transaction: its result, signed in process or offline, then submitted.

use std::sync::Arc;

use nanotrace_protos::common::{ChannelHeader, Payload};
use nanotrace_protos::gateway::{PreparedTransaction, SubmitRequest};
use nanotrace_protos::protos::{
    ChaincodeAction, ChaincodeActionPayload, ProposalResponsePayload, Transaction as TransactionProto,
};
use prost::Message;

use crate::commit::Commit;
use crate::connection::Connection;
use crate::error::GatewayError;
use crate::options::Deadlines;

/// An endorsed transaction, ready to be signed and submitted.
#[derive(Clone)]
pub struct Transaction {
    pub(crate) inner: Arc<Connection>,
    pub(crate) channel: String,
    pub(crate) prepared: PreparedTransaction,
    pub(crate) result: Vec<u8>,
    pub(crate) deadlines: Deadlines,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("transaction_id", &self.prepared.transaction_id)
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl Transaction {
    pub(crate) fn new(
        inner: Arc<Connection>,
        prepared: PreparedTransaction,
        deadlines: Deadlines,
    ) -> Result<Self, GatewayError> {
        let tx_id = prepared.transaction_id.clone();
        let envelope = prepared.envelope.as_ref().ok_or_else(|| GatewayError::Decode("no envelope".into()))?;
        let (channel, result) =
            parse_envelope(&envelope.payload).map_err(|e| GatewayError::Decode(format!("transaction {tx_id}: {e}")))?;
        Ok(Transaction { inner, channel, prepared, result, deadlines })
    }

    pub(crate) fn from_bytes(inner: Arc<Connection>, bytes: &[u8]) -> Result<Self, GatewayError> {
        let prepared = PreparedTransaction::decode(bytes)
            .map_err(|e| GatewayError::Request(format!("not a PreparedTransaction: {e}")))?;
        let deadlines = inner.deadlines;
        Self::new(inner, prepared, deadlines)
    }

    /// The transaction ID.
    pub fn transaction_id(&self) -> &str {
        &self.prepared.transaction_id
    }

    /// What the chaincode returned at endorsement.
    pub fn result(&self) -> &[u8] {
        &self.result
    }

    /// The serialized `gateway.PreparedTransaction`, to rebuild with
    /// [`crate::Gateway::new_signed_transaction`].
    pub fn bytes(&self) -> Vec<u8> {
        self.prepared.encode_to_vec()
    }

    /// The envelope payload: the bytes that are signed.
    pub fn payload(&self) -> &[u8] {
        self.prepared.envelope.as_ref().map(|e| e.payload.as_slice()).unwrap_or(&[])
    }

    /// The digest to sign offline.
    pub fn digest(&self) -> Vec<u8> {
        self.inner.identity.digest(self.payload())
    }

    /// Whether the envelope carries a signature.
    pub fn is_signed(&self) -> bool {
        self.prepared.envelope.as_ref().is_some_and(|e| !e.signature.is_empty())
    }

    /// Attaches an offline signature.
    pub fn with_signature(mut self, signature: Vec<u8>) -> Self {
        if let Some(e) = self.prepared.envelope.as_mut() {
            e.signature = signature;
        }
        self
    }

    /// The commit status of this transaction, to ask for without submitting it (the
    /// orderers have it already: [`GatewayError::is_already_ordered`]).
    pub(crate) fn commit(&self) -> Commit {
        Commit::new(self.inner.clone(), &self.channel, &self.prepared.transaction_id, self.deadlines.commit_status)
    }

    /// Signs the envelope in process (if unsigned), submits it to ordering, and returns
    /// the commit status request for it (sign it offline too, if need be, then
    /// [`Commit::status`]).
    pub async fn submit(self) -> Result<Commit, GatewayError> {
        let mut this = self;
        if !this.is_signed() {
            let signature = this.inner.identity.sign_message(this.payload())?;
            this = this.with_signature(signature);
        }
        let tx_id = this.prepared.transaction_id.clone();
        let request = SubmitRequest {
            transaction_id: tx_id.clone(),
            channel_id: this.channel.clone(),
            prepared_transaction: this.prepared.envelope.clone(),
        };
        let deadline = this.deadlines.submit;
        let mut client = this.inner.client.clone();
        crate::connection::with_deadline(deadline, client.submit(crate::connection::request(request, deadline)))
            .await
            .map_err(|failure| GatewayError::Submit { tx_id: tx_id.clone(), failure })?;
        Ok(Commit::new(this.inner, &this.channel, &tx_id, this.deadlines.commit_status))
    }
}

/// The channel name and the chaincode response payload of a prepared transaction.
fn parse_envelope(payload: &[u8]) -> Result<(String, Vec<u8>), String> {
    let payload = Payload::decode(payload).map_err(|e| format!("payload: {e}"))?;
    let header = payload.header.ok_or("payload without header")?;
    let channel_header =
        ChannelHeader::decode(header.channel_header.as_slice()).map_err(|e| format!("channel header: {e}"))?;
    let tx = TransactionProto::decode(payload.data.as_slice()).map_err(|e| format!("transaction: {e}"))?;
    let mut errors = Vec::new();
    for action in tx.actions {
        let parsed = (|| -> Result<Vec<u8>, String> {
            let action_payload = ChaincodeActionPayload::decode(action.payload.as_slice())
                .map_err(|e| format!("chaincode action payload: {e}"))?;
            let endorsed = action_payload.action.ok_or("no endorsed action")?;
            let response_payload = ProposalResponsePayload::decode(endorsed.proposal_response_payload.as_slice())
                .map_err(|e| format!("proposal response payload: {e}"))?;
            let chaincode_action = ChaincodeAction::decode(response_payload.extension.as_slice())
                .map_err(|e| format!("chaincode action: {e}"))?;
            Ok(chaincode_action.response.map(|r| r.payload).unwrap_or_default())
        })();
        match parsed {
            Ok(result) => return Ok((channel_header.channel_id, result)),
            Err(e) => errors.push(e),
        }
    }
    Err(format!("no proposal response found: {errors:?}"))
}
