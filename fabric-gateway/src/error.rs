//! Gateway errors, one variant per stage (as Fabric's Go client: `EndorseError`,
//! `SubmitError`, `CommitStatusError`, `CommitError`), each with the transaction ID,
//! the gRPC status, and the peers' messages (`gateway.ErrorDetail`s carried in the
//! `google.rpc.Status` details).

use std::fmt;

use nanotrace_protos::gateway::ErrorDetail as ErrorDetailProto;
use nanotrace_protos::google::rpc::Status as RpcStatus;
use prost::Message;
use thiserror::Error;

use crate::identity::{IdentityError, SignError};
use crate::validation_code::ValidationCode;

/// An error and every cause under it on one line, `: `-separated: what a transport
/// failure really was (a refused TLS handshake, a reset connection) is often only in its
/// sources.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// One peer's (or orderer's) message attached to a gateway error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetail {
    /// The node's address.
    pub address: String,
    /// The node's MSP ID.
    pub msp_id: String,
    /// What the node said (for a chaincode error: `chaincode response 500, <message>`).
    pub message: String,
}

/// A failed gRPC call: the status code and message and the attached details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcFailure {
    /// The gRPC status code.
    pub code: tonic::Code,
    /// The gateway's message.
    pub message: String,
    /// The endorsing peers' (or orderers') messages.
    pub details: Vec<ErrorDetail>,
}

impl RpcFailure {
    /// Decodes a tonic status, including `gateway.ErrorDetail`s in its details.
    pub fn from_status(status: &tonic::Status) -> Self {
        let mut details = Vec::new();
        if !status.details().is_empty() {
            if let Ok(rpc) = RpcStatus::decode(status.details()) {
                for any in rpc.details {
                    if any.type_url.ends_with("/gateway.ErrorDetail") {
                        if let Ok(d) = ErrorDetailProto::decode(any.value.as_slice()) {
                            details.push(ErrorDetail { address: d.address, msp_id: d.msp_id, message: d.message });
                        }
                    }
                }
            }
        }
        // A status tonic made on this side from a transport failure says only "transport
        // error"; its cause (a refused TLS handshake, a reset connection) is in its source.
        let mut message = status.message().to_owned();
        let mut source = std::error::Error::source(status);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        RpcFailure { code: status.code(), message, details }
    }

    /// A failure made on the client side (deadline, closed stream).
    pub fn local(code: tonic::Code, message: impl Into<String>) -> Self {
        RpcFailure { code, message: message.into(), details: Vec::new() }
    }
}

impl fmt::Display for RpcFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)?;
        for d in &self.details {
            write!(f, "; {} ({}): {}", d.address, d.msp_id, d.message)?;
        }
        if self.identity_refused() {
            f.write_str(IDENTITY_REFUSED)?;
        }
        Ok(())
    }
}

/// Said after a failure in which a peer refused the caller's identity: Fabric's message
/// (`access denied: channel [C] creator org [M]`) is deliberately generic, and the
/// reason is only in the peer's log.
const IDENTITY_REFUSED: &str = " (the peer refused the client identity itself, before any chaincode ran: its \
certificate is not accepted on this channel, e.g. not issued by a CA of that MSP, expired, or with a key type the \
channel's capabilities do not allow, such as Ed25519 without V3_0; the peer's log names the reason; nothing was \
submitted)";

impl RpcFailure {
    /// Whether a peer refused the caller's identity (its certificate did not deserialize
    /// or validate under the channel's MSP), as opposed to the chaincode or the network.
    pub fn identity_refused(&self) -> bool {
        let refused = |m: &str| {
            (m.contains("access denied: channel [") && m.contains("creator org"))
                || m.contains("proposal client identity expired")
        };
        refused(&self.message) || self.details.iter().any(|d| refused(&d.message))
    }
}

/// Why a gateway call failed.
#[derive(Debug, Error)]
pub enum GatewayError {
    /// The gateway peer could not be reached or the TLS settings are unusable.
    #[error("cannot connect to the gateway at {endpoint}: {message}")]
    Connect {
        /// The endpoint.
        endpoint: String,
        /// What failed.
        message: String,
    },
    /// The identity could not be loaded.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// Signing failed, or a message that must be signed offline has no signature.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The request could not be built or decoded from the bytes given.
    #[error("invalid request: {0}")]
    Request(String),
    /// Evaluating (querying) failed.
    #[error("evaluate of transaction {tx_id} failed: {failure}")]
    Evaluate {
        /// The transaction ID of the proposal.
        tx_id: String,
        /// The gRPC failure.
        failure: RpcFailure,
    },
    /// Endorsement failed (the chaincode refused, or the peers failed or disagree).
    /// Nothing was submitted.
    #[error("endorsement of transaction {tx_id} failed: {failure}")]
    Endorse {
        /// The transaction ID.
        tx_id: String,
        /// The gRPC failure.
        failure: RpcFailure,
    },
    /// The endorsed transaction could not be sent to ordering.
    #[error("submit of transaction {tx_id} failed: {failure}")]
    Submit {
        /// The transaction ID.
        tx_id: String,
        /// The gRPC failure.
        failure: RpcFailure,
    },
    /// The commit status could not be obtained: the transaction may or may not commit.
    #[error("commit status of transaction {tx_id} is unknown: {failure}")]
    CommitStatus {
        /// The transaction ID.
        tx_id: String,
        /// The gRPC failure.
        failure: RpcFailure,
    },
    /// The transaction was committed in a block but invalidated.
    #[error("transaction {tx_id} failed to commit with status code {} ({}) in block {block_number}", code.0, code.name())]
    Commit {
        /// The transaction ID.
        tx_id: String,
        /// The validation code.
        code: ValidationCode,
        /// The block it is in.
        block_number: u64,
    },
    /// The chaincode event stream could not be opened or broke.
    #[error("chaincode event stream failed: {failure}")]
    Events {
        /// The gRPC failure.
        failure: RpcFailure,
    },
    /// A response did not decode.
    #[error("cannot decode the gateway's response: {0}")]
    Decode(String),
    /// A checkpoint could not be read or saved.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
}

impl GatewayError {
    /// The transaction ID the error is about, if any.
    pub fn tx_id(&self) -> Option<&str> {
        match self {
            GatewayError::Evaluate { tx_id, .. }
            | GatewayError::Endorse { tx_id, .. }
            | GatewayError::Submit { tx_id, .. }
            | GatewayError::CommitStatus { tx_id, .. }
            | GatewayError::Commit { tx_id, .. } => Some(tx_id),
            _ => None,
        }
    }

    /// The gRPC failure, for the stages that make a call.
    pub fn rpc_failure(&self) -> Option<&RpcFailure> {
        match self {
            GatewayError::Evaluate { failure, .. }
            | GatewayError::Endorse { failure, .. }
            | GatewayError::Submit { failure, .. }
            | GatewayError::CommitStatus { failure, .. }
            | GatewayError::Events { failure } => Some(failure),
            _ => None,
        }
    }

    /// The gRPC status code, for the stages that make a call.
    pub fn grpc_code(&self) -> Option<tonic::Code> {
        self.rpc_failure().map(|f| f.code)
    }

    /// The peers' messages.
    pub fn details(&self) -> &[ErrorDetail] {
        self.rpc_failure().map(|f| f.details.as_slice()).unwrap_or(&[])
    }

    /// The validation code of a transaction that failed to commit.
    pub fn validation_code(&self) -> Option<ValidationCode> {
        match self {
            GatewayError::Commit { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether the transaction was invalidated by an MVCC read conflict (another
    /// transaction changed what it read): resubmitting it as a new transaction may
    /// succeed.
    pub fn is_mvcc_read_conflict(&self) -> bool {
        self.validation_code() == Some(ValidationCode::MVCC_READ_CONFLICT)
    }

    /// Whether the transaction was invalidated because what it read changed before it
    /// committed: a key it read (MVCC read conflict) or a range it read, into which another
    /// transaction wrote (phantom read conflict). Resubmitting it as a new transaction
    /// reads again and may succeed; [`crate::SubmitOptions::mvcc_retries`] does that.
    pub fn is_read_conflict(&self) -> bool {
        matches!(
            self.validation_code(),
            Some(ValidationCode::MVCC_READ_CONFLICT | ValidationCode::PHANTOM_READ_CONFLICT)
        )
    }

    /// Whether a submit was refused only because the orderers have the transaction
    /// already (SmartBFT: "request already processed"): an earlier submit of the same
    /// envelope, whose answer was lost, reached them. Its commit status is then what to
    /// ask for, not a failure.
    pub fn is_already_ordered(&self) -> bool {
        let GatewayError::Submit { failure, .. } = self else { return false };
        !failure.details.is_empty() && failure.details.iter().all(|d| d.message.contains("request already processed"))
    }

    /// Whether the endorsing peers answered the proposal with different results
    /// (Fabric's gateway: "ProposalResponsePayloads do not match"). With an honest
    /// contract this is a peer that had not yet committed a block another one had, so
    /// what they read differed: nothing was sent to ordering, and endorsing again once
    /// the peers caught up succeeds ([`crate::Contract::submit_with`] does, a few times).
    pub fn is_endorsement_mismatch(&self) -> bool {
        let GatewayError::Endorse { failure, .. } = self else { return false };
        const MISMATCH: &str = "ProposalResponsePayloads do not match";
        failure.message.contains(MISMATCH) || failure.details.iter().any(|d| d.message.contains(MISMATCH))
    }

    /// Whether a call's deadline expired.
    pub fn is_deadline_exceeded(&self) -> bool {
        self.grpc_code() == Some(tonic::Code::DeadlineExceeded)
    }

    /// The chaincode's own error message (`CODE: text`), when the chaincode refused the
    /// call: found in the peers' details or the status message after Fabric's
    /// `chaincode response <status>, ` prefix.
    pub fn chaincode_message(&self) -> Option<String> {
        let failure = match self {
            GatewayError::Evaluate { failure, .. } | GatewayError::Endorse { failure, .. } => failure,
            _ => return None,
        };
        failure
            .details
            .iter()
            .map(|d| d.message.as_str())
            .chain(std::iter::once(failure.message.as_str()))
            .find_map(chaincode_message)
    }
}

/// Extracts `CODE: text` from a peer message such as
/// `chaincode response 500, UNAUTHORIZED: only certifiers approve`.
fn chaincode_message(text: &str) -> Option<String> {
    const MARK: &str = "chaincode response ";
    let start = text.find(MARK)?;
    let rest = &text[start + MARK.len()..];
    let (_, msg) = rest.split_once(", ")?;
    let (code, _) = msg.split_once(": ")?;
    let is_code = !code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit());
    is_code.then(|| msg.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submit_refused(messages: &[&str]) -> GatewayError {
        let details = messages
            .iter()
            .map(|m| ErrorDetail { address: "orderer:7050".into(), msp_id: "OrdererMSP".into(), message: (*m).into() })
            .collect();
        GatewayError::Submit {
            tx_id: "tx".into(),
            failure: RpcFailure { code: tonic::Code::Unavailable, message: "quorum".into(), details },
        }
    }

    #[test]
    fn a_submit_the_orderers_already_have_is_told_apart() {
        let already = "received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=failed to submit request: request already processed";
        assert!(submit_refused(&[already, already]).is_already_ordered());
        assert!(!submit_refused(&[already, "connection refused"]).is_already_ordered());
        assert!(!submit_refused(&[]).is_already_ordered());
    }

    #[test]
    fn a_refused_identity_is_said_so() {
        let refused = RpcFailure {
            code: tonic::Code::Aborted,
            message: "failed to endorse transaction, see attached details for more info".into(),
            details: vec![ErrorDetail {
                address: "127.0.0.1:53060".into(),
                msp_id: "ManufacturerMSP".into(),
                message: "error validating proposal: access denied: channel [nanotrace] creator org unknown, \
                          creator is malformed"
                    .into(),
            }],
        };
        assert!(refused.identity_refused());
        assert!(refused.to_string().contains("the peer refused the client identity"), "{refused}");
        let other = RpcFailure::local(tonic::Code::Unavailable, "connection refused");
        assert!(!other.identity_refused());
        assert!(!other.to_string().contains("client identity"));
    }

    #[test]
    fn chaincode_messages_are_found_after_fabrics_prefix() {
        assert_eq!(
            chaincode_message("chaincode response 500, UNAUTHORIZED: nope").as_deref(),
            Some("UNAUTHORIZED: nope")
        );
        assert_eq!(
            chaincode_message("evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: x")
                .as_deref(),
            Some("NOT_FOUND: x")
        );
        assert_eq!(chaincode_message("chaincode response 500, something broke"), None);
        assert_eq!(chaincode_message("failed to connect"), None);
    }
}
