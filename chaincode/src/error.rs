//! The contract's error type. Its `Display` starts with a stable code
//! (`UNAUTHORIZED: ...`) so that clients on the far side of a peer can tell errors apart.

use crate::identity::IdentityError;
use nanotrace_model::validate::ValidationError;
use nanotrace_model::CertificateStatus;
use nanotrace_shim::{EndorsementFailure, StubError};
use thiserror::Error;

/// The stable reason tokens of `UNAUTHORIZED` refusals: one per distinct authorization
/// check, at the start of the message in brackets (`UNAUTHORIZED: [role.certifier] …`),
/// so that a client, and a test, can tell which check refused without parsing prose.
pub mod reason {
    /// `Bootstrap` needs an admin (NodeOU `admin`) identity.
    pub const BOOTSTRAP_ADMIN: &str = "bootstrap.admin";
    /// The function needs the admin role.
    pub const ROLE_ADMIN: &str = "role.admin";
    /// The function needs the certifier role.
    pub const ROLE_CERTIFIER: &str = "role.certifier";
    /// The function needs one of several roles (certifier, admin, auditor).
    pub const ROLE_ANY: &str = "role.any";
    /// The caller's identity holds the role, but with another key than its certificate's.
    pub const ROLE_KEY: &str = "role.key";
    /// The caller is not a member of the manufacturer organisation concerned.
    pub const MANUFACTURER_MEMBER: &str = "manufacturer.member";
    /// The caller's (or the named) organisation is not a registered manufacturer.
    pub const MANUFACTURER_REGISTERED: &str = "manufacturer.registered";
    /// A certifier acting on an issued certificate is not of the issuing organisation.
    pub const ORG_ISSUER: &str = "org.issuer";
    /// A certifier deciding on an application belongs to the applicant's organisation.
    pub const APPLICANT_INDEPENDENCE: &str = "applicant.independence";
    /// The issuer key named in a signed request belongs to another certifier.
    pub const ISSUER_KEY_HOLDER: &str = "issuer_key.holder";
    /// An application names a GTIN outside the applicant organisation's GS1 Company
    /// Prefixes (`SetCompanyPrefixes`).
    pub const GTIN_PREFIX: &str = "gtin.company_prefix";
    /// A credential's status base is not one the issuing organisation has on the ledger
    /// (`SetStatusBases`).
    pub const STATUS_BASE_REGISTERED: &str = "status_base.registered";
    /// Every token, for tests and documentation.
    pub const ALL: [&str; 12] = [
        BOOTSTRAP_ADMIN,
        ROLE_ADMIN,
        ROLE_CERTIFIER,
        ROLE_ANY,
        ROLE_KEY,
        MANUFACTURER_MEMBER,
        MANUFACTURER_REGISTERED,
        ORG_ISSUER,
        APPLICANT_INDEPENDENCE,
        ISSUER_KEY_HOLDER,
        GTIN_PREFIX,
        STATUS_BASE_REGISTERED,
    ];
}

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
    /// The caller's identity or role does not allow this. The message starts with the
    /// check's [`reason`] token in brackets; build it with [`ContractError::unauthorized`].
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
    Stub(StubError),
    /// The ledger invalidated the transaction at commit: its writes do not satisfy a
    /// key's endorsement policy. Never raised by the contract itself; an embedded ledger
    /// reports it after the contract returned (Fabric reports it as the transaction's
    /// validation code). Nothing is written.
    #[error("{0}")]
    EndorsementPolicyFailure(Box<EndorsementFailure>),
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
            ContractError::EndorsementPolicyFailure(_) => EndorsementFailure::CODE,
            ContractError::Corrupt(_) => "CORRUPT",
        }
    }

    /// An `UNAUTHORIZED` refusal by the check `reason` (one of [`reason`]).
    pub fn unauthorized(reason: &'static str, message: impl std::fmt::Display) -> Self {
        ContractError::Unauthorized(format!("[{reason}] {message}"))
    }

    /// The reason token of an `UNAUTHORIZED` refusal (`role.certifier`, …); `None` for
    /// other errors.
    pub fn reason(&self) -> Option<&str> {
        match self {
            ContractError::Unauthorized(m) => m.strip_prefix('[').and_then(|rest| rest.split_once(']')).map(|(t, _)| t),
            _ => None,
        }
    }

    /// Prefixes a validation error's field with the position of an item in a batch.
    pub fn in_item(self, list: &str, index: usize) -> Self {
        match self {
            ContractError::Validation(v) => {
                ContractError::Validation(ValidationError::new(format!("{list}[{index}].{}", v.field), v.message))
            }
            ContractError::BadRequest(m) => ContractError::BadRequest(format!("{list}[{index}]: {m}")),
            ContractError::Unauthorized(m) => match m.strip_prefix('[').and_then(|rest| rest.split_once("] ")) {
                // The reason token stays first.
                Some((token, rest)) => ContractError::Unauthorized(format!("[{token}] {list}[{index}]: {rest}")),
                None => ContractError::Unauthorized(format!("{list}[{index}]: {m}")),
            },
            ContractError::Conflict(m) => ContractError::Conflict(format!("{list}[{index}]: {m}")),
            ContractError::BadSignature(m) => ContractError::BadSignature(format!("{list}[{index}]: {m}")),
            other => other,
        }
    }
}

impl From<EndorsementFailure> for ContractError {
    fn from(failure: EndorsementFailure) -> Self {
        ContractError::EndorsementPolicyFailure(Box::new(failure))
    }
}

impl From<StubError> for ContractError {
    /// A ledger failure, except an endorsement failure, which keeps its own code.
    fn from(e: StubError) -> Self {
        match e {
            StubError::EndorsementPolicyFailure(failure) => ContractError::EndorsementPolicyFailure(failure),
            other => ContractError::Stub(other),
        }
    }
}

/// The result of a contract function.
pub type ContractResult<T> = Result<T, ContractError>;
