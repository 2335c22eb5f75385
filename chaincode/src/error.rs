//! The contract's error type. Its `Display` starts with a stable code
//! (`UNAUTHORIZED: ...`) so that clients on the far side of a peer can tell errors apart.

use crate::identity::IdentityError;
use crate::stub::StubError;
use nanotrace_model::validate::ValidationError;
use nanotrace_model::CertificateStatus;
use thiserror::Error;

/// Why the contract refused a call. Every variant aborts the transaction: nothing is
/// written. `Display` starts with [`ContractError::code`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContractError {
    /// The request could not be read: unknown function, wrong argument count,
    /// malformed JSON, unknown fields, invalid UTF-8, oversized arguments.
    #[error("BAD_REQUEST: {0}")]
    BadRequest(String),
    /// A field of the request is invalid (names the field and what was expected).
    #[error("VALIDATION: {0}")]
    Validation(#[from] ValidationError),
    /// The caller's identity or role does not allow this.
    #[error("UNAUTHORIZED: {0}")]
    Unauthorized(String),
    /// A record the request names does not exist.
    #[error("NOT_FOUND: {kind} {id} does not exist")]
    NotFound {
        /// What was looked for: `certificate`, `organisation`, `issuer key`, `role grant`.
        kind: &'static str,
        /// Its ID (for a role grant, `<role> for <identity>`).
        id: String,
    },
    /// The record the request would create exists already.
    #[error("ALREADY_EXISTS: {kind} {id} already exists")]
    AlreadyExists {
        /// What would be created: `certificate`, `organisation`, `issuer key`, `role grant`.
        kind: &'static str,
        /// Its ID (for a role grant, `<role> for <identity>`).
        id: String,
    },
    /// The certificate's state does not allow the transition.
    #[error("INVALID_TRANSITION: certificate {id} is {status}; {action} needs {needed}")]
    InvalidTransition {
        /// The certificate.
        id: String,
        /// Its current status.
        status: CertificateStatus,
        /// The function refused, e.g. `Approve`.
        action: &'static str,
        /// The status(es) it needs, in words, e.g. `ACTIVE or SUSPENDED`.
        needed: &'static str,
    },
    /// A state of the system (not of one certificate) forbids the request.
    #[error("CONFLICT: {0}")]
    Conflict(String),
    /// The certifier's signature or issuer key does not check out.
    #[error("BAD_SIGNATURE: {0}")]
    BadSignature(String),
    /// The caller's certificate or MSP ID cannot be read.
    #[error("IDENTITY: {0}")]
    Identity(#[from] IdentityError),
    /// The ledger underneath failed (not the contract's rules).
    #[error("LEDGER: {0}")]
    Stub(#[from] StubError),
    /// A stored record could not be decoded: the ledger holds data this contract did not write.
    #[error("CORRUPT: {0}")]
    Corrupt(String),
}

impl ContractError {
    /// The stable code at the start of the message.
    pub fn code(&self) -> &'static str {
        match self {
            ContractError::BadRequest(_) => "BAD_REQUEST",
            ContractError::Validation(_) => "VALIDATION",
            ContractError::Unauthorized(_) => "UNAUTHORIZED",
            ContractError::NotFound { .. } => "NOT_FOUND",
            ContractError::AlreadyExists { .. } => "ALREADY_EXISTS",
            ContractError::InvalidTransition { .. } => "INVALID_TRANSITION",
            ContractError::Conflict(_) => "CONFLICT",
            ContractError::BadSignature(_) => "BAD_SIGNATURE",
            ContractError::Identity(_) => "IDENTITY",
            ContractError::Stub(_) => "LEDGER",
            ContractError::Corrupt(_) => "CORRUPT",
        }
    }

    /// Prefixes a validation error's field with the position of an item in a batch.
    pub fn in_item(self, list: &str, index: usize) -> Self {
        match self {
            ContractError::Validation(v) => {
                ContractError::Validation(ValidationError::new(format!("{list}[{index}].{}", v.field), v.message))
            }
            ContractError::BadRequest(m) => ContractError::BadRequest(format!("{list}[{index}]: {m}")),
            ContractError::Unauthorized(m) => ContractError::Unauthorized(format!("{list}[{index}]: {m}")),
            ContractError::Conflict(m) => ContractError::Conflict(format!("{list}[{index}]: {m}")),
            ContractError::BadSignature(m) => ContractError::BadSignature(format!("{list}[{index}]: {m}")),
            other => other,
        }
    }
}

/// The result of a contract function.
pub type ContractResult<T> = Result<T, ContractError>;
