//! Waiting for a submitted transaction's commit status (gateway `CommitStatus`).

use std::sync::Arc;

use nanotrace_protos::gateway::{CommitStatusRequest, SignedCommitStatusRequest};
use prost::Message;

use crate::connection::Connection;
use crate::error::GatewayError;
use crate::validation_code::ValidationCode;

/// The commit status of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The transaction ID.
    pub transaction_id: String,
    /// The validation code.
    pub code: ValidationCode,
    /// The block the transaction is in.
    pub block_number: u64,
}

impl Status {
    /// Whether the transaction committed with effect.
    pub fn successful(&self) -> bool {
        self.code.is_valid()
    }
}

/// A signed (or to be signed) commit status request for one transaction.
#[derive(Clone)]
pub struct Commit {
    pub(crate) inner: Arc<Connection>,
    pub(crate) transaction_id: String,
    pub(crate) signed: SignedCommitStatusRequest,
    pub(crate) deadline: std::time::Duration,
}

impl std::fmt::Debug for Commit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Commit").field("transaction_id", &self.transaction_id).finish_non_exhaustive()
    }
}

impl Commit {
    pub(crate) fn new(
        inner: Arc<Connection>,
        channel: &str,
        transaction_id: &str,
        deadline: std::time::Duration,
    ) -> Self {
        let request = CommitStatusRequest {
            transaction_id: transaction_id.to_owned(),
            channel_id: channel.to_owned(),
            identity: inner.identity.creator(),
        };
        let signed = SignedCommitStatusRequest { request: request.encode_to_vec(), signature: Vec::new() };
        Commit { inner, transaction_id: transaction_id.to_owned(), signed, deadline }
    }

    /// The transaction ID.
    pub fn transaction_id(&self) -> &str {
        &self.transaction_id
    }

    /// The serialized `SignedCommitStatusRequest`, for
    /// [`crate::Gateway::new_signed_commit`].
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

    fn sign(&mut self) -> Result<(), GatewayError> {
        if self.signed.signature.is_empty() {
            self.signed.signature = self.inner.identity.sign_message(&self.signed.request)?;
        }
        Ok(())
    }

    /// Sets the deadline of [`Commit::status`].
    pub fn with_deadline(mut self, deadline: std::time::Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Waits for the transaction's commit status (within the commit-status deadline).
    pub async fn status(mut self) -> Result<Status, GatewayError> {
        self.sign()?;
        let deadline = self.deadline;
        let tx_id = self.transaction_id.clone();
        let mut client = self.inner.client.clone();
        let response = crate::connection::with_deadline(
            deadline,
            client.commit_status(crate::connection::request(self.signed, deadline)),
        )
        .await
        .map_err(|failure| GatewayError::CommitStatus { tx_id: tx_id.clone(), failure })?;
        Ok(Status { transaction_id: tx_id, code: ValidationCode(response.result), block_number: response.block_number })
    }
}

/// The commit status request of transaction `transaction_id` on `channel` by `creator`
/// (a marshalled `msp.SerializedIdentity`), built without a gateway: returns the
/// unsigned `SignedCommitStatusRequest` (for [`crate::Gateway::new_signed_commit`]) and
/// the bytes its owner signs. Deterministic, so it can be signed before the transaction
/// is submitted.
pub fn unsigned_commit_status_request(channel: &str, transaction_id: &str, creator: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let request = CommitStatusRequest {
        transaction_id: transaction_id.to_owned(),
        channel_id: channel.to_owned(),
        identity: creator.to_vec(),
    }
    .encode_to_vec();
    let signed = SignedCommitStatusRequest { request: request.clone(), signature: Vec::new() };
    (signed.encode_to_vec(), request)
}

pub(crate) fn decode_signed(bytes: &[u8]) -> Result<(SignedCommitStatusRequest, String), GatewayError> {
    let signed = SignedCommitStatusRequest::decode(bytes)
        .map_err(|e| GatewayError::Request(format!("not a SignedCommitStatusRequest: {e}")))?;
    let request = CommitStatusRequest::decode(signed.request.as_slice())
        .map_err(|e| GatewayError::Request(format!("not a CommitStatusRequest: {e}")))?;
    Ok((signed, request.transaction_id))
}
