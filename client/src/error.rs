//! Why a call failed, by stage, in the shape of the Fabric Gateway client's errors
//! (`EndorseError`, `SubmitError`, `CommitStatusError`, `CommitError`): each says which
//! stage failed and carries the transaction ID when one exists, so a caller can tell a
//! refusal (do not retry) from a transaction whose fate is unknown (ask again). An error
//! made from a failed Gateway call keeps its gRPC status and the peers' details, as the Go
//! client's errors do (`GRPCStatus()`, `Details`): [`ApiError::grpc_code`],
//! [`ApiError::details`].

use nanotrace_fabric_gateway::{ErrorDetail, RpcFailure};
use thiserror::Error;

/// Why a call through the typed API failed.
#[derive(Debug, Clone, Error)]
pub enum ApiError {
    /// The contract refused the call; nothing was written. `code` is the stable prefix
    /// of the contract's message (`UNAUTHORIZED`, `VALIDATION`, ...).
    #[error("{code}: {message}")]
    Contract {
        /// The stable error code.
        code: String,
        /// The rest of the contract's message.
        message: String,
        /// The transaction ID, when the transport knows it.
        tx_id: Option<String>,
        /// The failed Gateway call's gRPC status and the peers' details, when the error
        /// wraps one.
        grpc: Option<Box<RpcFailure>>,
    },
    /// Endorsement (simulating the transaction) failed for a reason other than a
    /// refusal of the contract: the ledger or peer failed underneath. Nothing was written.
    #[error("endorsement failed{}: {message}", show_tx(tx_id.as_deref()))]
    Endorse {
        /// The transaction ID, when one was assigned.
        tx_id: Option<String>,
        /// What failed.
        message: String,
        /// The failed Gateway call's gRPC status and the peers' details, when the error
        /// wraps one.
        grpc: Option<Box<RpcFailure>>,
    },
    /// The endorsed transaction could not be handed to the ordering service.
    #[error("submitting transaction {tx_id} to ordering failed: {message}")]
    Submit {
        /// The transaction ID.
        tx_id: String,
        /// What failed.
        message: String,
        /// The failed Gateway call's gRPC status and the peers' details, when the error
        /// wraps one.
        grpc: Option<Box<RpcFailure>>,
    },
    /// The transaction was submitted but its commit status could not be obtained: it may
    /// or may not have committed. Ask again for its status before resubmitting.
    #[error("the commit status of transaction {tx_id} is unknown: {message}")]
    CommitStatus {
        /// The transaction ID.
        tx_id: String,
        /// What failed.
        message: String,
        /// The failed Gateway call's gRPC status and the peers' details, when the error
        /// wraps one.
        grpc: Option<Box<RpcFailure>>,
    },
    /// The transaction did not commit: it was invalidated (`code` is the validation
    /// code, e.g. `MVCC_READ_CONFLICT`) or the ledger could not write it. Nothing of it
    /// is on the ledger.
    #[error("{} failed to commit ({code}): {message}", tx_name(tx_id.as_deref()))]
    Commit {
        /// The transaction ID, when one was assigned.
        tx_id: Option<String>,
        /// The validation code (Fabric) or `LEDGER` (embedded storage failure).
        code: String,
        /// What failed.
        message: String,
    },
    /// A query failed underneath the contract (peer or ledger unavailable).
    #[error("evaluation failed: {message}")]
    Evaluate {
        /// What failed.
        message: String,
        /// The failed Gateway call's gRPC status and the peers' details, when the error
        /// wraps one.
        grpc: Option<Box<RpcFailure>>,
    },
    /// A peer refused the caller's identity itself, before any chaincode ran (a
    /// certificate not issued by a CA of its MSP, expired, or of a key type the channel's
    /// capabilities do not allow). Nothing was written, and retrying with the same
    /// identity fails the same way: it is neither a contract refusal nor a ledger failure.
    #[error("{message}")]
    Identity {
        /// The transaction ID, when one was assigned.
        tx_id: Option<String>,
        /// What the peer said, with the stage.
        message: String,
        /// The failed Gateway call's gRPC status and the peers' details, when the error
        /// wraps one.
        grpc: Option<Box<RpcFailure>>,
    },
    /// A billing write committed, but its answer, kept privately where its receipt says
    /// (`PrivateAnswer`), could not be read back: the transaction is on the ledger; read
    /// the answer again with [`crate::NanoTrace::private_answer`].
    #[error("transaction {tx_id} committed in block {block_number}, but reading its private answer failed: {source}")]
    Answer {
        /// The committed transaction.
        tx_id: String,
        /// The block it committed in.
        block_number: u64,
        /// Why the answer could not be read.
        source: Box<ApiError>,
    },
    /// The response was not what the contract sends.
    #[error("cannot decode the {function} response: {message}")]
    Decode {
        /// The function whose response did not decode.
        function: String,
        /// The decoder's message.
        message: String,
    },
    /// The request could not be built (e.g. a signing key that does not match, or a
    /// query submitted as a transaction).
    #[error("{0}")]
    Request(String),
}

fn tx_name(tx_id: Option<&str>) -> String {
    tx_id.map(|t| format!("transaction {t}")).unwrap_or_else(|| "the transaction".to_owned())
}

fn show_tx(tx_id: Option<&str>) -> String {
    tx_id.map(|t| format!(" (transaction {t})")).unwrap_or_default()
}

impl ApiError {
    /// Splits a contract error message `CODE: message` into its parts.
    pub fn from_contract_message(text: &str, tx_id: Option<String>) -> Self {
        match text.split_once(": ") {
            Some((code, message)) if !code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
                ApiError::Contract { code: code.to_owned(), message: message.to_owned(), tx_id, grpc: None }
            }
            _ => ApiError::Contract { code: "UNKNOWN".to_owned(), message: text.to_owned(), tx_id, grpc: None },
        }
    }

    /// The contract error code, if the contract refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Contract { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The contract's error code as the model names it, if the contract refused with one
    /// this client knows; match on it rather than on [`ApiError::code`]'s text.
    pub fn contract_code(&self) -> Option<nanotrace_model::ErrorCode> {
        self.code().and_then(nanotrace_model::ErrorCode::parse)
    }

    /// Whether the contract refused the call (as opposed to the ledger, the network or
    /// the client failing): a refusal is final, the others may succeed when retried.
    pub fn is_refusal(&self) -> bool {
        matches!(self, ApiError::Contract { .. })
    }

    /// Whether a stage underneath the contract failed (endorsement, ordering, commit
    /// status, commit, or a query's evaluation): the ledger or the network, not the
    /// contract and not the request. A refused identity ([`ApiError::Identity`]) is not
    /// one: retrying cannot help.
    pub fn is_ledger_failure(&self) -> bool {
        matches!(
            self,
            ApiError::Endorse { .. }
                | ApiError::Submit { .. }
                | ApiError::CommitStatus { .. }
                | ApiError::Commit { .. }
                | ApiError::Evaluate { .. }
        )
    }

    /// Whether the transaction may have committed although the call failed: it reached
    /// (or may have reached) the ordering service, and its commit status is not known
    /// ([`ApiError::Submit`], [`ApiError::CommitStatus`]), or it committed and only
    /// reading its private answer failed ([`ApiError::Answer`]). Every other error means
    /// nothing of the call is on the ledger.
    pub fn may_have_committed(&self) -> bool {
        matches!(self, ApiError::Submit { .. } | ApiError::CommitStatus { .. } | ApiError::Answer { .. })
    }

    /// Whether a peer refused the caller's identity ([`ApiError::Identity`]): final for
    /// this identity, whatever the call.
    pub fn is_identity_refused(&self) -> bool {
        matches!(self, ApiError::Identity { .. })
    }

    /// The gRPC status code of the Gateway call the error wraps (the Go client's
    /// `GRPCStatus().Code()`): `None` when the error wraps none — the embedded ledger's,
    /// a commit's validation failure, a request that was never sent.
    pub fn grpc_code(&self) -> Option<tonic::Code> {
        self.grpc_status().map(|failure| failure.code)
    }

    /// The peers' (or orderers') messages attached to the failed Gateway call (the Go
    /// client's `Details`): which node said what. Empty when the error wraps none.
    pub fn details(&self) -> &[ErrorDetail] {
        self.grpc_status().map(|failure| failure.details.as_slice()).unwrap_or_default()
    }

    /// The failed Gateway call the error wraps, as the Go client's `GRPCStatus()`: its
    /// gRPC code, message and details.
    pub fn grpc_status(&self) -> Option<&RpcFailure> {
        match self {
            ApiError::Contract { grpc, .. }
            | ApiError::Endorse { grpc, .. }
            | ApiError::Submit { grpc, .. }
            | ApiError::CommitStatus { grpc, .. }
            | ApiError::Evaluate { grpc, .. }
            | ApiError::Identity { grpc, .. } => grpc.as_deref(),
            _ => None,
        }
    }

    /// The transaction ID the error is about, if any.
    pub fn tx_id(&self) -> Option<&str> {
        match self {
            ApiError::Contract { tx_id, .. }
            | ApiError::Endorse { tx_id, .. }
            | ApiError::Commit { tx_id, .. }
            | ApiError::Identity { tx_id, .. } => tx_id.as_deref(),
            ApiError::Submit { tx_id, .. } | ApiError::CommitStatus { tx_id, .. } | ApiError::Answer { tx_id, .. } => {
                Some(tx_id)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_messages_split_into_code_and_text() {
        let e = ApiError::from_contract_message("UNAUTHORIZED: Approve needs the certifier role", Some("tx1".into()));
        assert_eq!(e.code(), Some("UNAUTHORIZED"));
        assert_eq!(e.contract_code(), Some(nanotrace_model::ErrorCode::Unauthorized));
        assert_eq!(e.to_string(), "UNAUTHORIZED: Approve needs the certifier role");
        assert_eq!(e.tx_id(), Some("tx1"));
        assert!(e.is_refusal());
        let e = ApiError::from_contract_message("something odd: happened", None);
        assert_eq!(e.code(), Some("UNKNOWN"));
    }

    #[test]
    fn stages_name_themselves_and_their_transaction() {
        let e = ApiError::Commit { tx_id: Some("abc".into()), code: "MVCC_READ_CONFLICT".into(), message: "x".into() };
        assert_eq!(e.to_string(), "transaction abc failed to commit (MVCC_READ_CONFLICT): x");
        assert!(!e.is_refusal());
        let e = ApiError::CommitStatus { tx_id: "abc".into(), message: "deadline".into(), grpc: None };
        assert_eq!(e.tx_id(), Some("abc"));
        assert!(e.to_string().contains("unknown"));
        let e = ApiError::Endorse { tx_id: None, message: "disk full".into(), grpc: None };
        assert_eq!(e.to_string(), "endorsement failed: disk full");
        assert_eq!((e.grpc_code(), e.details()), (None, &[][..]), "no Gateway call failed");
    }

    #[test]
    fn a_wrapped_gateway_failure_keeps_its_code_and_details_and_not_its_text() {
        let detail =
            ErrorDetail { address: "peer0:7051".into(), msp_id: "Org1MSP".into(), message: "ledger closed".into() };
        let failure = RpcFailure { code: tonic::Code::Unavailable, message: "x".into(), details: vec![detail.clone()] };
        let e = ApiError::Submit { tx_id: "abc".into(), message: "orderer gone".into(), grpc: Some(Box::new(failure)) };
        assert_eq!(e.grpc_code(), Some(tonic::Code::Unavailable));
        assert_eq!(e.details(), [detail]);
        assert_eq!(e.grpc_status().map(|f| f.message.as_str()), Some("x"));
        assert_eq!(e.to_string(), "submitting transaction abc to ordering failed: orderer gone");
        let cloned = e.clone();
        assert_eq!(cloned.details(), e.details(), "a clone keeps them too");
        let e = ApiError::Commit { tx_id: None, code: "LEDGER".into(), message: "disk".into() };
        assert_eq!(e.grpc_code(), None);
    }
}
