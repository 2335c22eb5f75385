//! The contract's error type. Its `Display` starts with a stable code
//! (`UNAUTHORIZED: ...`) so that clients on the far side of a peer can tell errors apart.

use crate::identity::IdentityError;
use nanotrace_model::validate::ValidationError;
use nanotrace_model::{CertificateStatus, ErrorCode};
use nanotrace_shim::{EndorsementFailure, StubError};
use thiserror::Error;

nanotrace_model::wire_enum! {
    /// The stable reason tokens of `UNAUTHORIZED` refusals: one per distinct authorization
    /// check, at the start of the message in brackets (`UNAUTHORIZED: [role.certifier] …`),
    /// so that a client, and a test, can tell which check refused without parsing prose.
    Reason {
        /// `Bootstrap` needs an admin (NodeOU `admin`) identity.
        BootstrapAdmin => "bootstrap.admin",
        /// The function needs the admin role.
        RoleAdmin => "role.admin",
        /// The function needs the certifier role.
        RoleCertifier => "role.certifier",
        /// The function needs the finance role (a certification body's invoicing).
        RoleFinance => "role.finance",
        /// The function needs one of several roles (certifier, admin, auditor).
        RoleAny => "role.any",
        /// The caller's identity holds the role, but with another key than its certificate's.
        RoleKey => "role.key",
        /// The caller is not a member of the manufacturer organisation concerned.
        ManufacturerMember => "manufacturer.member",
        /// The caller's (or the named) organisation is not a registered manufacturer.
        ManufacturerRegistered => "manufacturer.registered",
        /// The caller's organisation was retired (`RetireOrganization`): it may no longer act.
        OrganizationRetired => "organization.retired",
        /// A certifier acting on an issued certificate is not of the issuing organisation.
        OrgIssuer => "org.issuer",
        /// A certifier deciding on an application belongs to the applicant's organisation.
        ApplicantIndependence => "applicant.independence",
        /// The issuer key named in a signed request belongs to another certifier.
        IssuerKeyHolder => "issuer_key.holder",
        /// An application names a GTIN outside the applicant organisation's GS1 Company
        /// Prefixes (`SetCompanyPrefixes`).
        GtinPrefix => "gtin.company_prefix",
        /// A credential's status base is not one the issuing organisation has on the ledger
        /// (`SetStatusBases`).
        StatusBaseRegistered => "status_base.registered",
        /// The caller is a member of neither the certification body nor the manufacturer
        /// whose billing records it asks for.
        BillingParty => "billing.party",
        /// The caller is not a member of the certification body whose own books (its
        /// implicit collection) it asks to read.
        BooksMember => "billing.books",
    }
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
    /// check's [`Reason`] token in brackets; build it with [`ContractError::unauthorized`].
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
    pub fn error_code(&self) -> ErrorCode {
        match self {
            ContractError::BadRequest(_) => ErrorCode::BadRequest,
            ContractError::Validation(_) => ErrorCode::Validation,
            ContractError::Unauthorized(_) => ErrorCode::Unauthorized,
            ContractError::NotFound { .. } => ErrorCode::NotFound,
            ContractError::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            ContractError::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            ContractError::Conflict(_) => ErrorCode::Conflict,
            ContractError::BadSignature(_) => ErrorCode::BadSignature,
            ContractError::Identity(_) => ErrorCode::Identity,
            ContractError::Stub(_) => ErrorCode::Ledger,
            ContractError::EndorsementPolicyFailure(_) => ErrorCode::EndorsementPolicyFailure,
            ContractError::Corrupt(_) => ErrorCode::Corrupt,
        }
    }

    /// [`ContractError::error_code`] as text.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// An `UNAUTHORIZED` refusal by the check `reason`.
    pub fn unauthorized(reason: Reason, message: impl std::fmt::Display) -> Self {
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
            ContractError::Unauthorized(m) => ContractError::Unauthorized(item_message(&m, list, index)),
            ContractError::Conflict(m) => ContractError::Conflict(item_message(&m, list, index)),
            ContractError::BadSignature(m) => ContractError::BadSignature(format!("{list}[{index}]: {m}")),
            other => other,
        }
    }
}

/// `message` of a batch's item `list[index]`: the item after the message's reason token
/// (`[token] `), which stays first, or before the message when it has none.
fn item_message(message: &str, list: &str, index: usize) -> String {
    match message.strip_prefix('[').and_then(|rest| rest.split_once("] ")) {
        Some((token, rest)) => format!("[{token}] {list}[{index}]: {rest}"),
        None => format!("{list}[{index}]: {message}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_starts_with_its_code_and_the_shims_endorsement_code_is_the_models() {
        assert_eq!(EndorsementFailure::CODE, ErrorCode::EndorsementPolicyFailure.as_str());
        let err = ContractError::Conflict("x".into());
        assert!(err.to_string().starts_with(&format!("{}: ", err.code())));
    }

    #[test]
    fn every_reason_is_listed_once_and_read_back_from_its_refusal() {
        assert_eq!(Reason::ALL.len(), 16);
        let mut tokens: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        tokens.sort_unstable();
        tokens.dedup();
        assert_eq!(tokens.len(), Reason::ALL.len(), "a token used twice: {tokens:?}");
        for reason in Reason::ALL {
            let token = reason.as_str();
            assert!(token.contains('.') && !token.contains(char::is_whitespace), "{token}");
            let err = ContractError::unauthorized(*reason, "because");
            assert_eq!(err.to_string(), format!("UNAUTHORIZED: [{token}] because"));
            assert_eq!(err.reason(), Some(token));
            assert_eq!(err.in_item("approvals", 3).reason(), Some(token), "the token stays first in a batch");
        }
    }
}
